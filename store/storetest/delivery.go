package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Delivery contract (store.Delivery): tasks, the outbox, subscriptions, webhook deliveries.

func testTasks(t *testing.T, s store.Store) {
	mk := func(dept, change string, deadline time.Time) *credit.Task {
		return &credit.Task{ChangeID: change, Kind: credit.ChangeListEnter, SubjectKey: "91371002MA3C000001", List: "black",
			EntryID: 7, Reason: "列入严重失信主体名单", Dept: dept, Status: credit.TaskOpen, Deadline: deadline, CreatedAt: t1}
	}
	a, b, c := mk("fgw", "c1", t0.Add(24*time.Hour)), mk("scjg", "c1", t0.Add(72*time.Hour)), mk("fgw", "c2", t0.Add(48*time.Hour))
	update(t, s, func(tx store.Tx) error {
		for _, k := range []*credit.Task{a, b, c} {
			if err := tx.InsertTask(k); err != nil {
				return err
			}
		}
		return nil
	})
	if a.ID == 0 || b.ID == 0 || a.ID == b.ID {
		t.Fatalf("ids %d %d", a.ID, b.ID)
	}
	// One task per department and change.
	err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertTask(mk("fgw", "c1", t0)) })
	wantCode(t, err, credit.ECONFLICT)

	got, err := s.Task(ctx, a.ID)
	if err != nil || got.SubjectKey != a.SubjectKey || got.List != "black" || got.EntryID != 7 || got.Status != credit.TaskOpen ||
		!got.Deadline.Equal(a.Deadline) || !got.CreatedAt.Equal(sec(t1)) || !got.RespondedAt.IsZero() || got.Kind != credit.ChangeListEnter {
		t.Fatalf("Task = %+v, %v", got, err)
	}
	_, err = s.Task(ctx, 99999)
	wantCode(t, err, credit.ENOTFOUND)

	list, err := s.Tasks(ctx, store.TaskFilter{Dept: "fgw"})
	if err != nil || len(list) != 2 || list[0].ID != c.ID || list[1].ID != a.ID {
		t.Fatalf("Tasks(fgw) = %+v, %v", list, err)
	}
	if list, _ := s.Tasks(ctx, store.TaskFilter{ChangeID: "c1"}); len(list) != 2 {
		t.Fatalf("Tasks(c1) = %d", len(list))
	}

	// Overdue: only open tasks at or past their deadline, once.
	var over []*credit.Task
	update(t, s, func(tx store.Tx) (err error) { over, err = tx.MarkOverdue(t0.Add(48 * time.Hour)); return })
	if len(over) != 2 || over[0].ID != a.ID || over[1].ID != c.ID || over[0].Status != credit.TaskOverdue {
		t.Fatalf("MarkOverdue = %+v", over)
	}
	update(t, s, func(tx store.Tx) (err error) { over, err = tx.MarkOverdue(t0.Add(48 * time.Hour)); return })
	if len(over) != 0 {
		t.Fatalf("MarkOverdue again = %+v", over)
	}

	// Respond.
	got, _ = s.Task(ctx, a.ID)
	if got.Status != credit.TaskOverdue || !got.OverdueAt.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("overdue task = %+v", got)
	}
	if err := got.Respond(credit.OutcomeApplied, "已限制其参与政府采购", "user:3", t1.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx store.Tx) error { return tx.UpdateTask(got) })
	again, _ := s.Task(ctx, a.ID)
	if again.Status != credit.TaskResponded || again.Outcome != credit.OutcomeApplied || again.Response != "已限制其参与政府采购" ||
		again.RespondedBy != "user:3" || !again.RespondedAt.Equal(sec(t1.Add(72*time.Hour))) {
		t.Fatalf("responded task = %+v", again)
	}
	counts, err := s.TaskCounts(ctx)
	if err != nil || len(counts) != 3 {
		t.Fatalf("TaskCounts = %+v, %v", counts, err)
	}
	want := map[[2]string]int64{{"fgw", "overdue"}: 1, {"fgw", "responded"}: 1, {"scjg", "open"}: 1}
	for _, c := range counts {
		if want[[2]string{c.Dept, string(c.Status)}] != c.N {
			t.Errorf("count %+v", c)
		}
	}
}

func testOutbox(t *testing.T, s store.Store) {
	m1 := &store.OutboxMessage{MsgID: "chg-1", Topic: "status.list.enter", Body: []byte(`{"kind":"list.enter"}`),
		Status: store.OutboxPending, NextAt: t1, CreatedAt: t1}
	m2 := &store.OutboxMessage{MsgID: "chg-2", Topic: "sub.bank", Body: []byte(`{}`), Status: store.OutboxPending,
		NextAt: t1.Add(time.Hour), CreatedAt: t1.Add(time.Second)}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertOutbox(m1); err != nil {
			return err
		}
		return tx.InsertOutbox(m2)
	})
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertOutbox(&store.OutboxMessage{MsgID: "chg-1", Topic: "x", Body: []byte("{}"), Status: store.OutboxPending, NextAt: t1, CreatedAt: t1})
	})
	wantCode(t, err, credit.ECONFLICT)

	due, err := s.DueOutbox(ctx, t1, 10)
	if err != nil || len(due) != 1 || due[0].MsgID != "chg-1" || !bytes.Equal(due[0].Body, m1.Body) || due[0].Topic != m1.Topic {
		t.Fatalf("DueOutbox = %+v, %v", due, err)
	}
	if due, _ := s.DueOutbox(ctx, t1.Add(2*time.Hour), 10); len(due) != 2 || due[0].ID != m1.ID {
		t.Fatalf("DueOutbox later = %+v", due)
	}
	st, err := s.OutboxCounts(ctx)
	if err != nil || st.Pending != 2 || st.Sent != 0 || !st.OldestPending.Equal(sec(t1)) {
		t.Fatalf("OutboxCounts = %+v, %v", st, err)
	}
	m1.Status, m1.Attempts, m1.SentAt, m1.StreamSeq = store.OutboxSent, 1, t1.Add(time.Minute), 42
	m2.Attempts, m2.LastError, m2.NextAt = 3, "nats: no servers available", t1.Add(3*time.Hour)
	update(t, s, func(tx store.Tx) error {
		if err := tx.UpdateOutbox(m1); err != nil {
			return err
		}
		return tx.UpdateOutbox(m2)
	})
	st, _ = s.OutboxCounts(ctx)
	if st.Pending != 1 || st.Sent != 1 || !st.OldestPending.Equal(sec(m2.CreatedAt)) {
		t.Fatalf("OutboxCounts after = %+v", st)
	}
	sent, err := s.OutboxMessages(ctx, store.OutboxSent, 10)
	if err != nil || len(sent) != 1 || sent[0].StreamSeq != 42 || !sent[0].SentAt.Equal(sec(m1.SentAt)) || sent[0].Attempts != 1 {
		t.Fatalf("OutboxMessages(sent) = %+v, %v", sent, err)
	}
	all, _ := s.OutboxMessages(ctx, "", 10)
	if len(all) != 2 || all[0].ID != m2.ID || all[0].LastError != m2.LastError {
		t.Fatalf("OutboxMessages = %+v", all)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateOutbox(&store.OutboxMessage{ID: 9999, Status: store.OutboxSent})
	})
	wantCode(t, err, credit.ENOTFOUND)
}

func testSubscriptions(t *testing.T, s store.Store) {
	onSubject := &credit.Subscription{Dept: "bank", Target: credit.TargetSubject, TargetKey: "91371002MA3C000001", Label: "91371002MA3C000001",
		Channel: credit.ChannelWebhook, URL: "https://bank.example.com/h", Secret: []byte{1, 2, 3}, Purpose: "授信贷后管理", CreatedBy: "token:1@bank", CreatedAt: t1}
	onList := &credit.Subscription{Dept: "fgw", Target: credit.TargetList, TargetKey: "black", Label: "black", Channel: credit.ChannelNATS,
		Purpose: "联合惩戒", CreatedBy: "user:1", CreatedAt: t1}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertSubscription(onSubject); err != nil {
			return err
		}
		return tx.InsertSubscription(onList)
	})
	got, err := s.Subscription(ctx, onSubject.ID)
	if err != nil || got.URL != onSubject.URL || !bytes.Equal(got.Secret, onSubject.Secret) || got.Purpose != onSubject.Purpose ||
		got.Target != credit.TargetSubject || !got.CreatedAt.Equal(sec(t1)) || !got.Active() {
		t.Fatalf("Subscription = %+v, %v", got, err)
	}
	var match []*credit.Subscription
	update(t, s, func(tx store.Tx) (err error) {
		match, err = tx.MatchSubscriptions("91371002MA3C000001", "black")
		return
	})
	if len(match) != 2 {
		t.Fatalf("MatchSubscriptions = %+v", match)
	}
	update(t, s, func(tx store.Tx) (err error) { match, err = tx.MatchSubscriptions("91371002MA3C000001", ""); return })
	if len(match) != 1 || match[0].ID != onSubject.ID {
		t.Fatalf("MatchSubscriptions(no list) = %+v", match)
	}
	update(t, s, func(tx store.Tx) (err error) { match, err = tx.MatchSubscriptions("black", ""); return })
	if len(match) != 0 {
		t.Fatalf("a list code matched as a subject: %+v", match)
	}
	update(t, s, func(tx store.Tx) error { return tx.RemoveSubscription(onSubject.ID, t1.Add(time.Hour)) })
	err = s.Update(ctx, func(tx store.Tx) error { return tx.RemoveSubscription(onSubject.ID, t1.Add(time.Hour)) })
	wantCode(t, err, credit.ENOTFOUND)
	update(t, s, func(tx store.Tx) (err error) {
		match, err = tx.MatchSubscriptions("91371002MA3C000001", "black")
		return
	})
	if len(match) != 1 || match[0].ID != onList.ID {
		t.Fatalf("MatchSubscriptions after removal = %+v", match)
	}
	if l, _ := s.Subscriptions(ctx, "bank"); len(l) != 1 || l[0].Active() {
		t.Fatalf("Subscriptions(bank) = %+v", l)
	}
	if l, _ := s.Subscriptions(ctx, ""); len(l) != 2 || l[0].ID != onList.ID {
		t.Fatalf("Subscriptions = %+v", l)
	}
}

func testWebhookDeliveries(t *testing.T, s store.Store) {
	d1 := &store.WebhookDelivery{SubscriptionID: 1, Dept: "bank", ChangeID: "c1", Body: []byte(`{"a":1}`), Status: store.DeliveryPending, NextAt: t1, CreatedAt: t1}
	d2 := &store.WebhookDelivery{SubscriptionID: 2, Dept: "fgw", ChangeID: "c1", Body: []byte(`{"a":2}`), Status: store.DeliveryPending, NextAt: t1.Add(time.Hour), CreatedAt: t1}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertDelivery(d1); err != nil {
			return err
		}
		return tx.InsertDelivery(d2)
	})
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertDelivery(&store.WebhookDelivery{SubscriptionID: 1, Dept: "bank", ChangeID: "c1", Body: []byte("{}"), Status: store.DeliveryPending, NextAt: t1, CreatedAt: t1})
	})
	wantCode(t, err, credit.ECONFLICT)
	due, err := s.DueDeliveries(ctx, t1, 10)
	if err != nil || len(due) != 1 || due[0].ID != d1.ID || !bytes.Equal(due[0].Body, d1.Body) {
		t.Fatalf("DueDeliveries = %+v, %v", due, err)
	}
	d1.Status, d1.Attempts, d1.LastStatus, d1.LastError, d1.NextAt = store.DeliveryDead, 5, 500, "HTTP 500", t1.Add(time.Hour)
	d2.Status, d2.Attempts, d2.LastStatus, d2.DeliveredAt = store.DeliveryDelivered, 1, 204, t1.Add(time.Minute)
	update(t, s, func(tx store.Tx) error {
		if err := tx.UpdateDelivery(d1); err != nil {
			return err
		}
		return tx.UpdateDelivery(d2)
	})
	if due, _ := s.DueDeliveries(ctx, t1.Add(2*time.Hour), 10); len(due) != 0 {
		t.Fatalf("dead or delivered are due: %+v", due)
	}
	dead, err := s.Deliveries(ctx, store.DeliveryFilter{Status: store.DeliveryDead})
	if err != nil || len(dead) != 1 || dead[0].LastStatus != 500 || dead[0].Attempts != 5 || dead[0].LastError != "HTTP 500" {
		t.Fatalf("Deliveries(dead) = %+v, %v", dead, err)
	}
	if l, _ := s.Deliveries(ctx, store.DeliveryFilter{Dept: "fgw"}); len(l) != 1 || !l[0].DeliveredAt.Equal(sec(d2.DeliveredAt)) {
		t.Fatalf("Deliveries(fgw) = %+v", l)
	}
	if d, err := s.WebhookDelivery(ctx, d1.ID); err != nil || d.Status != store.DeliveryDead || d.ChangeID != "c1" {
		t.Fatalf("WebhookDelivery = %+v, %v", d, err)
	}
	_, err = s.WebhookDelivery(ctx, 99999)
	wantCode(t, err, credit.ENOTFOUND)
	if l, _ := s.Deliveries(ctx, store.DeliveryFilter{SubscriptionID: 1}); len(l) != 1 || l[0].ID != d1.ID {
		t.Fatalf("Deliveries(sub 1) = %+v", l)
	}
}
