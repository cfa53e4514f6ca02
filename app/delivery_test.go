package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/exchange"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
)

const orgCode = "91350100M000100Y43"

var (
	reviewer    = &auth.Principal{Kind: auth.KindStaff, UserID: 5, Dept: "fgw", Roles: []auth.Role{auth.RoleReviewer}}
	officeAdmin = &auth.Principal{Kind: auth.KindStaff, UserID: 1, Dept: "xyb", Roles: []auth.Role{auth.RoleAdmin}}
	bank        = &auth.Principal{Kind: auth.KindToken, TokenID: 9, Dept: "bank", TokenScopes: []auth.Scope{auth.ScopeSubscriptionsWrite}}
)

// deliveryApp is an app with departments fgw, scjg (from the catalog) and a partner bank, and
// private webhooks allowed (httptest listens on loopback).
func deliveryApp(t *testing.T) (*app.App, *clock) {
	t.Helper()
	a, c, _ := clockApp(t)
	a.Delivery.AllowPrivateWebhooks = true
	a.Delivery.WebhookAttempts = 3
	if err := a.PutDepartment(context.Background(), cliOp, store.Department{Code: "bank", NameZH: "威海某商业银行", Level: app.DeptLevelPartner}); err != nil {
		t.Fatal(err)
	}
	return a, c
}

func change(kind credit.ChangeKind, depts ...string) credit.StatusChange {
	return credit.StatusChange{Kind: kind, SubjectKey: orgCode, List: "black_list", EntryID: 3, Depts: depts,
		Reason: "列入严重失信主体名单", By: "user:1"}
}

func TestStatusChangedWritesTasksOutboxAndDeliveries(t *testing.T) {
	a, _ := deliveryApp(t)
	ctx := context.Background()
	hook, secret, err := a.Subscribe(ctx, bank, app.SubscribeRequest{Target: credit.TargetSubject, Subject: orgCode,
		Channel: credit.ChannelWebhook, URL: "http://127.0.0.1:9/hook", Purpose: "贷后管理（借款合同第 12 条授权）"}, "10.0.0.1")
	if err != nil || !strings.HasPrefix(secret, "whsec_") || hook.TargetKey != orgCode || hook.Dept != "bank" {
		t.Fatalf("Subscribe = %+v, %q, %v", hook, secret, err)
	}
	onList, _, err := a.Subscribe(ctx, reviewer, app.SubscribeRequest{Target: credit.TargetList, List: "black_list", Channel: credit.ChannelNATS, Purpose: "联合惩戒"}, "")
	if err != nil {
		t.Fatal(err)
	}
	err = a.Store.Update(ctx, func(tx store.Tx) error {
		return a.StatusChanged(ctx, tx, change(credit.ChangeListEnter, "fgw", "scjg", "fgw", ""))
	})
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := a.Tasks(ctx, officeAdmin, store.TaskFilter{})
	if err != nil || len(tasks) != 2 {
		t.Fatalf("tasks = %+v, %v", tasks, err)
	}
	for _, k := range tasks {
		// Made Monday 2026-11-23 17:00 China time: five working days later is Monday 11-30,
		// answered on time until that day ends in China time.
		if k.Status != credit.TaskOpen || !k.Deadline.Equal(time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)) || k.List != "black_list" {
			t.Errorf("task %+v", k)
		}
	}
	if mine, _ := a.Tasks(ctx, reviewer, store.TaskFilter{Dept: "scjg"}); len(mine) != 1 || mine[0].Dept != "fgw" {
		t.Fatalf("a reviewer sees %+v", mine)
	}
	out, _ := a.Store.OutboxMessages(ctx, "", 10)
	if len(out) != 2 {
		t.Fatalf("outbox = %+v", out)
	}
	topics := map[string]bool{}
	for _, m := range out {
		topics[m.Topic] = true
		var msg app.ChangeMessage
		if err := json.Unmarshal(m.Body, &msg); err != nil || msg.SubjectKey != orgCode || msg.Kind != credit.ChangeListEnter {
			t.Errorf("message %s: %+v, %v", m.Body, msg, err)
		}
	}
	if !topics["status.list.enter"] || !topics["sub.fgw"] {
		t.Fatalf("topics %v", topics)
	}
	ds, _ := a.Deliveries(ctx, bank, store.DeliveryFilter{})
	if len(ds) != 1 || ds[0].SubscriptionID != hook.ID {
		t.Fatalf("deliveries = %+v", ds)
	}
	// A change the subject-less list subscription does not match (another list) reaches the
	// subject's subscriber only.
	ch := change(credit.ChangeListLeave)
	ch.List = "red"
	if err := a.Store.Update(ctx, func(tx store.Tx) error { return a.StatusChanged(ctx, tx, ch) }); err != nil {
		t.Fatal(err)
	}
	if ds, _ := a.Deliveries(ctx, officeAdmin, store.DeliveryFilter{}); len(ds) != 2 {
		t.Fatalf("deliveries after red = %d", len(ds))
	}
	if out, _ := a.Store.OutboxMessages(ctx, "", 10); len(out) != 3 {
		t.Fatalf("outbox after red = %d (list subscription %d must not match)", len(out), onList.ID)
	}
	// The subject subscription is in the query log with its purpose.
	var logged []*store.QueryLog
	_ = a.QueryLogs(ctx, store.QueryLogFilter{SubjectKey: orgCode}, func(q *store.QueryLog) error { logged = append(logged, q); return nil })
	if len(logged) != 1 || !strings.Contains(logged[0].Purpose, "贷后管理") || logged[0].Actor != "token:9@bank" {
		t.Fatalf("query log = %+v", logged)
	}
	if n := auditActions(t, a)[app.ActionStatusChange]; n != 2 {
		t.Fatalf("%d status.change audit entries", n)
	}
}

func TestStatusChangedRollsBackWithItsCaller(t *testing.T) {
	a, _ := deliveryApp(t)
	ctx := context.Background()
	if _, _, err := a.Subscribe(ctx, bank, app.SubscribeRequest{Target: credit.TargetList, List: "black_list", Channel: credit.ChannelWebhook,
		URL: "http://127.0.0.1:9/", Purpose: "授信审查"}, ""); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("the list entry failed after the change")
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		if err := a.StatusChanged(ctx, tx, change(credit.ChangeListEnter, "fgw")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	tasks, _ := a.Store.Tasks(ctx, store.TaskFilter{})
	out, _ := a.Store.OutboxMessages(ctx, "", 10)
	ds, _ := a.Store.Deliveries(ctx, store.DeliveryFilter{})
	if len(tasks)+len(out)+len(ds) != 0 {
		t.Fatalf("rolled back change left %d tasks, %d outbox, %d deliveries", len(tasks), len(out), len(ds))
	}
	err = a.Store.Update(ctx, func(tx store.Tx) error {
		return a.StatusChanged(ctx, tx, credit.StatusChange{Kind: credit.ChangeListEnter})
	})
	if credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("change without subject: %v", err)
	}
}

func TestSubscribeRefusals(t *testing.T) {
	a, _ := deliveryApp(t)
	ctx := context.Background()
	ok := app.SubscribeRequest{Target: credit.TargetSubject, Subject: orgCode, Channel: credit.ChannelWebhook, URL: "https://bank.example.com/h", Purpose: "授信"}
	for name, tc := range map[string]struct {
		p    *auth.Principal
		mod  func(*app.SubscribeRequest)
		code string
	}{
		"no purpose":      {bank, func(r *app.SubscribeRequest) { r.Purpose = " " }, credit.EINVALID},
		"other dept":      {bank, func(r *app.SubscribeRequest) { r.Dept = "fgw" }, credit.EFORBIDDEN},
		"bad code":        {bank, func(r *app.SubscribeRequest) { r.Subject = "91350100M000100Y44" }, credit.EINVALID},
		"ftp":             {bank, func(r *app.SubscribeRequest) { r.URL = "ftp://bank.example.com/" }, credit.EINVALID},
		"bad target":      {bank, func(r *app.SubscribeRequest) { r.Target = "all" }, credit.EINVALID},
		"bad list":        {bank, func(r *app.SubscribeRequest) { r.Target, r.List = credit.TargetList, "黑名单" }, credit.EINVALID},
		"nats with url":   {bank, func(r *app.SubscribeRequest) { r.Channel = credit.ChannelNATS }, credit.EINVALID},
		"unknown dept":    {officeAdmin, func(r *app.SubscribeRequest) { r.Dept = "nobody" }, credit.EINVALID},
		"anonymous":       {nil, func(r *app.SubscribeRequest) {}, credit.EUNAUTH},
		"unknown channel": {bank, func(r *app.SubscribeRequest) { r.Channel = "sms" }, credit.EINVALID},
	} {
		req := ok
		tc.mod(&req)
		if _, _, err := a.Subscribe(ctx, tc.p, req, ""); credit.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
	// A well-formed code that is no list type of the joint catalog names the field and rule.
	req := ok
	req.Target, req.List = credit.TargetList, "blacklist"
	_, _, err := a.Subscribe(ctx, bank, req, "")
	if e, ok := err.(*credit.Error); !ok || e.Field != "list" || e.Rule != credit.RuleEnum || !strings.Contains(e.Message, "black_list") {
		t.Fatalf("unknown list: %v", err)
	}
	a.Delivery.AllowPrivateWebhooks = false
	req = ok
	req.URL = "http://127.0.0.1:8080/"
	if _, _, err := a.Subscribe(ctx, bank, req, ""); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("loopback webhook accepted: %v", err)
	}
	// A person is subscribed by the keyed hash and shown masked.
	req = ok
	req.Subject = "11010519491231002X"
	s, _, err := a.Subscribe(ctx, bank, req, "")
	if err != nil || !strings.HasPrefix(s.TargetKey, credit.PersonKeyPrefix) || s.Label != credit.MaskID("11010519491231002X") {
		t.Fatalf("person subscription = %+v, %v", s, err)
	}
	if err := a.Unsubscribe(ctx, reviewer, s.ID); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("another department removed it: %v", err)
	}
	if err := a.Unsubscribe(ctx, bank, s.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Unsubscribe(ctx, bank, s.ID); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Fatalf("removed twice: %v", err)
	}
}

func TestRespondAndOverdue(t *testing.T) {
	a, c := deliveryApp(t)
	ctx := context.Background()
	if err := a.Store.Update(ctx, func(tx store.Tx) error {
		return a.StatusChanged(ctx, tx, change(credit.ChangeListEnter, "fgw", "scjg"))
	}); err != nil {
		t.Fatal(err)
	}
	tasks, _ := a.Tasks(ctx, officeAdmin, store.TaskFilter{})
	var fgw, scjg *credit.Task
	for _, k := range tasks {
		if k.Dept == "fgw" {
			fgw = k
		} else {
			scjg = k
		}
	}
	if _, err := a.RespondTask(ctx, reviewer, scjg.ID, credit.OutcomeApplied, "x"); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("another department's task: %v", err)
	}
	got, err := a.RespondTask(ctx, reviewer, fgw.ID, credit.OutcomeApplied, "已暂停其财政资金补助申报")
	if err != nil || got.Status != credit.TaskResponded {
		t.Fatalf("RespondTask = %+v, %v", got, err)
	}
	if n, err := a.MarkOverdueTasks(ctx); err != nil || n != 0 {
		t.Fatalf("before the deadline: %d, %v", n, err)
	}
	c.Add(6 * 24 * time.Hour) // Sunday 11-29: still within five working days
	if n, err := a.MarkOverdueTasks(ctx); err != nil || n != 0 {
		t.Fatalf("on the weekend before the deadline: %d, %v", n, err)
	}
	c.Add(31*time.Hour + time.Second) // Monday 11-30 24:00:01 China time
	if n, err := a.MarkOverdueTasks(ctx); err != nil || n != 1 {
		t.Fatalf("MarkOverdueTasks = %d, %v", n, err)
	}
	if n, _ := a.MarkOverdueTasks(ctx); n != 0 {
		t.Fatalf("marked again: %d", n)
	}
	late, _ := a.Store.Task(ctx, scjg.ID)
	if late.Status != credit.TaskOverdue {
		t.Fatalf("scjg task = %+v", late)
	}
	if got, _ := a.Store.Task(ctx, fgw.ID); got.Status != credit.TaskResponded {
		t.Fatalf("a responded task went overdue: %+v", got)
	}
	scjgUser := &auth.Principal{Kind: auth.KindStaff, UserID: 6, Dept: "scjg", Roles: []auth.Role{auth.RoleReviewer}}
	got, err = a.RespondTask(ctx, scjgUser, scjg.ID, credit.OutcomeNotApplicable, "本部门无相关审批事项")
	if err != nil || !got.Late(c.Now()) {
		t.Fatalf("late response = %+v, %v", got, err)
	}
	if n := auditActions(t, a); n[app.ActionTaskRespond] != 2 || n[app.ActionTaskOverdue] != 1 {
		t.Fatalf("audit = %v", n)
	}
}

// receiver is a webhook subscriber that verifies signatures and answers fail times with 500.
type receiver struct {
	mu       sync.Mutex
	secret   []byte
	fail     int
	got      []string // change ids received with a valid signature
	bad      int
	now      func() time.Time
	delivery []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := credit.VerifyWebhook(r.secret, req.Header.Get(credit.SignatureHeader), body, r.now(), 5*time.Minute); err != nil {
		r.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	r.delivery = append(r.delivery, req.Header.Get(app.DeliveryHeader))
	if r.fail > 0 {
		r.fail--
		http.Error(w, "busy", http.StatusInternalServerError)
		return
	}
	var m app.ChangeMessage
	_ = json.Unmarshal(body, &m)
	r.got = append(r.got, m.ID)
	w.WriteHeader(http.StatusNoContent)
}

func TestWebhooksSignedRetriedAndDead(t *testing.T) {
	a, c := deliveryApp(t)
	ctx := context.Background()
	good := &receiver{fail: 2, now: c.Now}
	down := &receiver{fail: 1000, now: c.Now}
	gs, ds := httptest.NewServer(good), httptest.NewServer(down)
	defer gs.Close()
	defer ds.Close()
	sub := func(url string) (*credit.Subscription, []byte) {
		s, secret, err := a.Subscribe(ctx, bank, app.SubscribeRequest{Target: credit.TargetSubject, Subject: orgCode,
			Channel: credit.ChannelWebhook, URL: url, Purpose: "授信后管理"}, "")
		if err != nil {
			t.Fatal(err)
		}
		return s, []byte(secret)
	}
	_, good.secret = sub(gs.URL + "/hook")
	deadSub, secret := sub(ds.URL + "/hook")
	down.secret = secret
	if err := a.Store.Update(ctx, func(tx store.Tx) error { return a.StatusChanged(ctx, tx, change(credit.ChangeListEnter)) }); err != nil {
		t.Fatal(err)
	}
	post := exchange.NewWebhooks(5*time.Second, true)
	total := app.WebhookResult{}
	for i := 0; i < 3; i++ {
		res, err := a.SendWebhooks(ctx, post, 10)
		if err != nil {
			t.Fatal(err)
		}
		total.Delivered += res.Delivered
		total.Dead += res.Dead
		total.Retried += res.Retried
		// Nothing is due again before its backoff.
		if again, _ := a.SendWebhooks(ctx, post, 10); again != (app.WebhookResult{}) {
			t.Fatalf("sent again before the backoff: %+v", again)
		}
		c.Add(3 * time.Hour)
	}
	if total.Delivered != 1 || total.Dead != 1 || total.Retried != 4 {
		t.Fatalf("total = %+v", total)
	}
	if len(good.got) != 1 || good.bad != 0 || down.bad != 0 || len(good.delivery) != 3 || good.delivery[0] != good.delivery[2] {
		t.Fatalf("good got %v (bad %d), deliveries %v", good.got, good.bad, good.delivery)
	}
	dead, _ := a.Deliveries(ctx, bank, store.DeliveryFilter{Status: store.DeliveryDead})
	if len(dead) != 1 || dead[0].SubscriptionID != deadSub.ID || dead[0].LastStatus != 500 || dead[0].Attempts != 3 {
		t.Fatalf("dead = %+v", dead)
	}
	// The receiver is fixed; the operator retries the dead letter.
	down.mu.Lock()
	down.fail = 0
	down.mu.Unlock()
	if err := a.RetryDelivery(ctx, reviewer, dead[0].ID); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("another department retried: %v", err)
	}
	if err := a.RetryDelivery(ctx, bank, dead[0].ID); err != nil {
		t.Fatal(err)
	}
	if res, err := a.SendWebhooks(ctx, post, 10); err != nil || res.Delivered != 1 {
		t.Fatalf("after retry = %+v, %v", res, err)
	}
	if err := a.RetryDelivery(ctx, bank, dead[0].ID); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Fatalf("retried a delivered one: %v", err)
	}
	// A removed subscription is no longer notified.
	if err := a.Unsubscribe(ctx, bank, deadSub.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.Update(ctx, func(tx store.Tx) error { return a.StatusChanged(ctx, tx, change(credit.ChangeListLeave)) }); err != nil {
		t.Fatal(err)
	}
	res, _ := a.SendWebhooks(ctx, post, 10)
	if res.Delivered != 1 || res.Dead != 0 {
		t.Fatalf("after removal = %+v", res)
	}
}

// fakePub is a publisher that fails while down is set.
type fakePub struct {
	down bool
	ids  []string
}

func (f *fakePub) Publish(_ context.Context, msgID, _ string, _ []byte) (uint64, bool, error) {
	if f.down {
		return 0, false, errors.New("nats: no servers available for connection")
	}
	f.ids = append(f.ids, msgID)
	return uint64(len(f.ids)), false, nil
}

func TestRelayKeepsOrderAndWaitsForTheBroker(t *testing.T) {
	a, c := deliveryApp(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := a.Store.Update(ctx, func(tx store.Tx) error { return a.StatusChanged(ctx, tx, change(credit.ChangeListEnter)) }); err != nil {
			t.Fatal(err)
		}
	}
	pub := &fakePub{down: true}
	res, err := a.RelayOutbox(ctx, pub, 10)
	if err == nil || res.Retried != 1 || res.Sent != 0 {
		t.Fatalf("broker down: %+v, %v", res, err)
	}
	st, _ := a.OutboxState(ctx)
	if st.Pending != 3 {
		t.Fatalf("state %+v", st)
	}
	pub.down = false
	// The first message waits for its backoff; the pass keeps order, so nothing goes before it.
	if res, _ := a.RelayOutbox(ctx, pub, 10); res.Sent != 0 {
		t.Fatalf("overtook the first message: %+v", res)
	}
	c.Add(time.Minute)
	if res, err := a.RelayOutbox(ctx, pub, 10); err != nil || res.Sent != 3 {
		t.Fatalf("broker back: %+v, %v", res, err)
	}
	out, _ := a.Store.OutboxMessages(ctx, store.OutboxSent, 10)
	if len(out) != 3 || pub.ids[0] != out[2].MsgID || pub.ids[2] != out[0].MsgID {
		t.Fatalf("order: published %v", pub.ids)
	}
}

// TestRelayJetStream runs the relay against the real NATS server: the broker is unreachable
// first (messages stay pending), then reachable (delivered, acknowledged by JetStream), and a
// message published again after a crash is dropped by JetStream as a duplicate.
func TestRelayJetStream(t *testing.T) {
	url := os.Getenv("XINYONG_TEST_NATS")
	if url == "" {
		t.Skip("XINYONG_TEST_NATS not set: no NATS server to test against")
	}
	a, c := deliveryApp(t)
	ctx := context.Background()
	name := fmt.Sprintf("XYTEST_%d", time.Now().UnixNano())
	cfg := exchange.JetStreamConfig{URL: url, Stream: name, Prefix: strings.ToLower(name)}
	t.Cleanup(func() { _ = exchange.DeleteStream(context.Background(), url, name) })
	for i := 0; i < 5; i++ {
		if err := a.Store.Update(ctx, func(tx store.Tx) error { return a.StatusChanged(ctx, tx, change(credit.ChangeListEnter, "fgw")) }); err != nil {
			t.Fatal(err)
		}
	}
	// Broker down: nothing can be dialled; the messages wait.
	down := cfg
	down.URL = "nats://127.0.0.1:1"
	if _, err := exchange.DialJetStream(ctx, down); err == nil {
		t.Fatal("dialled a closed port")
	}
	if st, _ := a.OutboxState(ctx); st.Pending != 5 {
		t.Fatalf("pending = %+v", st)
	}
	// Broker back.
	js, err := exchange.DialJetStream(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer js.Close()
	c.Add(time.Minute)
	res, err := a.RelayOutbox(ctx, js, 100)
	if err != nil || res.Sent != 5 || res.Duplicates != 0 {
		t.Fatalf("relay = %+v, %v", res, err)
	}
	if n, err := exchange.StreamMessages(ctx, url, name); err != nil || n != 5 {
		t.Fatalf("stream holds %d, %v", n, err)
	}
	// A relay that crashed before marking publishes again: JetStream drops the repeat.
	sent, _ := a.Store.OutboxMessages(ctx, store.OutboxSent, 1)
	seq, dup, err := js.Publish(ctx, sent[0].MsgID, sent[0].Topic, sent[0].Body)
	if err != nil || !dup || seq != sent[0].StreamSeq {
		t.Fatalf("re-publish: seq %d (first %d) dup %v, %v", seq, sent[0].StreamSeq, dup, err)
	}
	if n, _ := exchange.StreamMessages(ctx, url, name); n != 5 {
		t.Fatalf("stream holds %d after a repeat", n)
	}
	if st, _ := a.OutboxState(ctx); st.Pending != 0 || st.Sent != 5 {
		t.Fatalf("state = %+v", st)
	}
}

// refusingPub is a broker that refuses every message (a JetStream API error).
type refusingPub struct{}

func (refusingPub) Publish(context.Context, string, string, []byte) (uint64, bool, error) {
	return 0, false, &jetstream.APIError{Code: 503, ErrorCode: 10077, Description: "maximum messages exceeded"}
}

func TestRelayFailsWhatTheBrokerKeepsRefusing(t *testing.T) {
	a, c := deliveryApp(t)
	ctx := context.Background()
	if err := a.Store.Update(ctx, func(tx store.Tx) error { return a.StatusChanged(ctx, tx, change(credit.ChangeListEnter)) }); err != nil {
		t.Fatal(err)
	}
	down := &fakePub{down: true}
	for i := 0; i < 25; i++ { // a broker that is down is waited out, however long
		_, _ = a.RelayOutbox(ctx, down, 10)
		c.Add(10 * time.Minute)
	}
	if st, _ := a.OutboxState(ctx); st.Pending != 1 || st.Failed != 0 {
		t.Fatalf("broker down: %+v", st)
	}
	failed := 0
	for i := 0; i < 25; i++ {
		res, _ := a.RelayOutbox(ctx, refusingPub{}, 10)
		failed += res.Failed
		c.Add(10 * time.Minute)
	}
	if st, _ := a.OutboxState(ctx); st.Failed != 1 || failed != 1 {
		t.Fatalf("refused: %+v", st)
	}
	msgs, _ := a.Store.OutboxMessages(ctx, store.OutboxFailed, 1)
	if len(msgs) != 1 || !strings.Contains(msgs[0].LastError, "maximum messages exceeded") {
		t.Fatalf("failed message %+v", msgs)
	}
}

// FuzzSubscribe feeds arbitrary subscription input (as a form or the API gives it) to
// Subscribe: it never panics, refuses with a client error, and what it accepts is well formed.
func FuzzSubscribe(f *testing.F) {
	f.Add("subject", orgCode, "", "webhook", "https://bank.example.com/h", "贷后管理")
	f.Add("list", "", "black_list", "nats", "", "联合惩戒")
	f.Add("subject", "11010519491231002X", "", "webhook", "http://[::1]/", "授权")
	f.Add("list", "", "黑名单", "webhook", "javascript:alert(1)", "x")
	f.Add("all", "", "", "sms", "", "")
	f.Add("subject", "91350100M000100Y4", "", "webhook", "https://a.example.com/#x", "\x00")
	st, err := sqlite.Open(context.Background(), f.TempDir()+"/fuzz.db")
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	sealer, _ := credit.NewSealer(bytes.Repeat([]byte{1}, 32))
	a, err := app.New(context.Background(), st, sealer, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	if err := a.PutDepartment(context.Background(), cliOp, store.Department{Code: "bank", NameZH: "银行", Level: app.DeptLevelPartner}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, target, subject, list, channel, url, purpose string) {
		s, secret, err := a.Subscribe(context.Background(), bank, app.SubscribeRequest{Target: credit.SubscriptionTarget(target),
			Subject: subject, List: list, Channel: credit.Channel(channel), URL: url, Purpose: purpose}, "")
		if err != nil {
			if c := credit.ErrorCode(err); c != credit.EINVALID && c != credit.ENOTFOUND {
				t.Fatalf("error %v (%s)", err, c)
			}
			return
		}
		if s.Dept != "bank" || s.Purpose == "" || s.TargetKey == "" {
			t.Fatalf("accepted %+v", s)
		}
		// A person is kept by its keyed hash and shown masked, never by the resident ID.
		if cr, _ := a.CheckCode(context.Background(), subject); s.Target == credit.TargetSubject && cr.Type == credit.CodeResidentID &&
			(!strings.HasPrefix(s.TargetKey, credit.PersonKeyPrefix) || strings.Contains(s.Label, cr.Canonical)) {
			t.Fatalf("person subscription %+v", s)
		}
		if s.Channel == credit.ChannelWebhook {
			if _, err := credit.CheckWebhookURL(s.URL, false); err != nil || !strings.HasPrefix(secret, "whsec_") {
				t.Fatalf("accepted webhook %q (%v), secret %q", s.URL, err, secret)
			}
		} else if s.Channel != credit.ChannelNATS || s.URL != "" || secret != "" {
			t.Fatalf("accepted %+v", s)
		}
	})
}

// TestDeliveryLoop runs the serve loop against the real NATS server and a webhook receiver:
// the first dial fails (broker down), the next succeeds, and the change reaches the stream, the
// subscriber's NATS copy and the webhook; then the loop stops with its context.
func TestDeliveryLoop(t *testing.T) {
	url := os.Getenv("XINYONG_TEST_NATS")
	if url == "" {
		t.Skip("XINYONG_TEST_NATS not set: no NATS server to test against")
	}
	a, c := deliveryApp(t)
	ctx := context.Background()
	name := fmt.Sprintf("XYLOOP_%d", time.Now().UnixNano())
	t.Cleanup(func() { _ = exchange.DeleteStream(context.Background(), url, name) })
	recv := &receiver{now: c.Now}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	_, secret, err := a.Subscribe(ctx, bank, app.SubscribeRequest{Target: credit.TargetList, List: "black_list", Channel: credit.ChannelWebhook,
		URL: hs.URL, Purpose: "贷后管理"}, "")
	if err != nil {
		t.Fatal(err)
	}
	recv.secret = []byte(secret)
	if _, _, err := a.Subscribe(ctx, reviewer, app.SubscribeRequest{Target: credit.TargetList, List: "black_list", Channel: credit.ChannelNATS, Purpose: "联合惩戒"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.Update(ctx, func(tx store.Tx) error { return a.StatusChanged(ctx, tx, change(credit.ChangeListEnter, "fgw")) }); err != nil {
		t.Fatal(err)
	}
	var dials atomic.Int32
	dial := func(ctx context.Context) (app.Publisher, func(), error) {
		cfg := exchange.JetStreamConfig{URL: url, Stream: name, Prefix: strings.ToLower(name)}
		if dials.Add(1) == 1 {
			cfg.URL = "nats://127.0.0.1:1" // down
		}
		js, err := exchange.DialJetStream(ctx, cfg)
		if err != nil {
			return nil, nil, err
		}
		return js, js.Close, nil
	}
	lctx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		a.DeliveryLoop(lctx, 10*time.Millisecond, dial, exchange.NewWebhooks(5*time.Second, true))
	}()
	// Wait (without asserting how long it takes) until everything is out.
	for i := 0; ; i++ {
		st, _ := a.OutboxState(ctx)
		recv.mu.Lock()
		got := len(recv.got)
		recv.mu.Unlock()
		if st.Sent == 2 && got == 1 {
			break
		}
		if i > 3000 {
			t.Fatalf("not delivered: outbox %+v, webhooks %d, dials %d", st, got, dials.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-stopped
	if n, err := exchange.StreamMessages(ctx, url, name); err != nil || n != 2 || dials.Load() != 2 {
		t.Fatalf("stream holds %d (%v) after %d dials", n, err, dials.Load())
	}
}

func TestPartnersHaveTokensOnly(t *testing.T) {
	a, _ := deliveryApp(t)
	ctx := context.Background()
	if _, err := a.AddUser(ctx, cliOp, "teller", "柜员", "bank", []auth.Role{auth.RoleReviewer}, goodPW); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("a partner user: %v", err)
	}
	expires := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	if _, _, err := a.IssueToken(ctx, cliOp, "bank", "贷后", []auth.Scope{auth.ScopeRecordsRead}, expires); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("a partner token with records:read: %v", err)
	}
	// A partner also checks a consenting person's grade (授权查询).
	if _, _, err := a.IssueToken(ctx, cliOp, "bank", "信易贷", []auth.Scope{auth.ScopeScoresVerify}, expires); err != nil {
		t.Fatalf("a partner's scores:verify token: %v", err)
	}
	if _, _, err := a.IssueToken(ctx, cliOp, "bank", "贷后", []auth.Scope{auth.ScopeSubscriptionsWrite}, expires); err != nil {
		t.Fatal(err)
	}
	addOffice(t, a)
	if err := a.PutDepartment(ctx, cliOp, store.Department{Code: "xyb", NameZH: "市信用办", Level: app.DeptLevelPartner}); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("a department with users became a partner: %v", err)
	}
}

// A subscriber that is down gets one request per retry, and its deliveries arrive in order
// once it is back; another subscriber is not held up meanwhile.
func TestWebhooksKeepOrderPerSubscriber(t *testing.T) {
	a, c := deliveryApp(t)
	ctx := context.Background()
	down := &receiver{fail: 1, now: c.Now}
	up := &receiver{now: c.Now}
	ds, us := httptest.NewServer(down), httptest.NewServer(up)
	defer ds.Close()
	defer us.Close()
	for _, r := range []struct {
		rc  *receiver
		url string
	}{{down, ds.URL}, {up, us.URL}} {
		_, secret, err := a.Subscribe(ctx, bank, app.SubscribeRequest{Target: credit.TargetList, List: "black_list", Channel: credit.ChannelWebhook,
			URL: r.url, Purpose: "贷后管理"}, "")
		if err != nil {
			t.Fatal(err)
		}
		r.rc.secret = []byte(secret)
	}
	var ids []string
	for i := 0; i < 3; i++ {
		if err := a.Store.Update(ctx, func(tx store.Tx) error { return a.StatusChanged(ctx, tx, change(credit.ChangeListEnter)) }); err != nil {
			t.Fatal(err)
		}
		out, _ := a.Store.OutboxMessages(ctx, "", 1)
		ids = append(ids, strings.SplitN(out[0].MsgID, ".", 2)[0])
	}
	post := exchange.NewWebhooks(5*time.Second, true)
	res, err := a.SendWebhooks(ctx, post, 100)
	if err != nil || res.Delivered != 3 || res.Retried != 1 {
		t.Fatalf("first pass = %+v, %v", res, err)
	}
	if len(down.delivery) != 1 || len(up.got) != 3 {
		t.Fatalf("the receiver that is down got %d requests; the other %d", len(down.delivery), len(up.got))
	}
	c.Add(time.Hour)
	if res, err := a.SendWebhooks(ctx, post, 100); err != nil || res.Delivered != 3 {
		t.Fatalf("second pass = %+v, %v", res, err)
	}
	if strings.Join(down.got, ",") != strings.Join(ids, ",") || strings.Join(up.got, ",") != strings.Join(ids, ",") {
		t.Fatalf("order: %v and %v, want %v", down.got, up.got, ids)
	}
}
