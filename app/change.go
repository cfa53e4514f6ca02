package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// ChangeMessage is a status change as other platforms (NATS) and subscribers (webhooks) receive
// it. A person appears only by its subject key, the keyed hash "P:…": never a resident ID or a
// name.
type ChangeMessage struct {
	ID         string            `json:"id"` // stable: the Nats-Msg-Id, and the same in every copy
	Kind       credit.ChangeKind `json:"kind"`
	SubjectKey string            `json:"subject_key"`
	List       string            `json:"list,omitempty"`
	EntryID    int64             `json:"entry_id,omitempty"`
	RecordID   int64             `json:"record_id,omitempty"`
	Grade      string            `json:"grade,omitempty"`
	Depts      []string          `json:"depts,omitempty"`
	Reason     string            `json:"reason,omitempty"`
	At         time.Time         `json:"at"`
	// Subscription is set in a subscriber's copy: which of its subscriptions matched.
	Subscription int64 `json:"subscription,omitempty"`
}

// Topic of a change on the message stream, after the configured prefix: "status.list.enter".
func changeTopic(k credit.ChangeKind) string { return "status." + string(k) }

// subscriberTopic is the topic of a NATS subscriber's copies: "sub.<department>".
func subscriberTopic(dept string) string { return "sub." + dept }

// newChangeID returns a fresh change id: "chg_" and 128 random bits in hex.
func newChangeID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "chg_" + hex.EncodeToString(b), nil
}

// StatusChanged hands a change in a subject's credit status to delivery inside the
// transaction that made it, so the change and its delivery commit or fail together: tasks for
// the departments concerned, the outbox for NATS and subscribers. Every service that changes a
// status (lists, objections, repairs, scores) calls it.
//
// In tx it writes one response task (联合奖惩任务) per department in ch.Depts, due by
// taskDeadline; one outbox message with the change; and for each active subscription on the
// subject or on ch.List one webhook delivery or one outbox message on the subscriber's own
// topic; and one audit entry. Nothing is sent here: the relay and the webhook sender pick the
// rows up after the commit, so a rolled-back change leaves nothing behind and nothing is sent
// twice.
func (a *App) StatusChanged(ctx context.Context, tx store.Tx, ch credit.StatusChange) error {
	if ch.Kind == "" || ch.SubjectKey == "" {
		return credit.Errorf(credit.EINVALID, "状态变更须有类型和主体 / a status change needs a kind and a subject key")
	}
	if ch.At.IsZero() {
		ch.At = a.Now()
	}
	ch.At = ch.At.UTC()
	id, err := newChangeID()
	if err != nil {
		return err
	}
	depts := slices.Clone(ch.Depts)
	slices.Sort(depts)
	depts = slices.Compact(depts)
	depts = slices.DeleteFunc(depts, func(d string) bool { return d == "" })
	msg := ChangeMessage{ID: id, Kind: ch.Kind, SubjectKey: ch.SubjectKey, List: ch.List, EntryID: ch.EntryID,
		RecordID: ch.RecordID, Grade: ch.Grade, Depts: depts, Reason: ch.Reason, At: ch.At}
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	now := a.Now().UTC()
	deadline := a.taskDeadline(ch.At)
	for _, d := range depts {
		t := &credit.Task{ChangeID: id, Kind: ch.Kind, SubjectKey: ch.SubjectKey, List: ch.List, EntryID: ch.EntryID,
			RecordID: ch.RecordID, Reason: ch.Reason, Dept: d, Status: credit.TaskOpen, Deadline: deadline, CreatedAt: now}
		if err := tx.InsertTask(t); err != nil {
			return err
		}
	}
	if err := tx.InsertOutbox(&store.OutboxMessage{MsgID: id, Topic: changeTopic(ch.Kind), Body: body,
		Status: store.OutboxPending, NextAt: now, CreatedAt: now}); err != nil {
		return err
	}
	subs, err := tx.MatchSubscriptions(ch.SubjectKey, ch.List)
	if err != nil {
		return err
	}
	var notified []int64
	for _, s := range subs {
		copyMsg := msg
		copyMsg.Subscription = s.ID
		b, err := json.Marshal(copyMsg)
		if err != nil {
			return err
		}
		switch s.Channel {
		case credit.ChannelWebhook:
			err = tx.InsertDelivery(&store.WebhookDelivery{SubscriptionID: s.ID, Dept: s.Dept, ChangeID: id, Body: b,
				Status: store.DeliveryPending, NextAt: now, CreatedAt: now})
		case credit.ChannelNATS:
			err = tx.InsertOutbox(&store.OutboxMessage{MsgID: id + "." + strconv.FormatInt(s.ID, 10), Topic: subscriberTopic(s.Dept),
				Body: b, Status: store.OutboxPending, NextAt: now, CreatedAt: now})
		}
		if err != nil {
			return err
		}
		notified = append(notified, s.ID)
	}
	by := ch.By
	if by == "" {
		by = ActorSystem
	}
	return a.audit(ctx, tx, by, ActionStatusChange, "change:"+id, map[string]any{"kind": ch.Kind, "subject_key": ch.SubjectKey,
		"list": ch.List, "entry_id": ch.EntryID, "record_id": ch.RecordID, "tasks": depts, "subscriptions": notified,
		"deadline": deadline})
}

// DefaultTaskDays is the response time of a task, in working days, when the configuration sets
// none.
const DefaultTaskDays = 5

// taskDeadline is when a task made at from must be answered: the end (midnight, China time) of
// the DeliveryConfig.TaskDays-th working day after the day it was made, counted on the working-day
// calendar in force (工作日历: holidays and make-up working days), like every deadline.
func (a *App) taskDeadline(from time.Time) time.Time {
	days := a.Delivery.TaskDays
	if days <= 0 {
		days = DefaultTaskDays
	}
	due := a.Workdays().AddWorkdays(credit.Day(from), days)
	return time.Date(due.Year(), due.Month(), due.Day()+1, 0, 0, 0, 0, credit.ChinaTime).UTC()
}
