package store

import (
	"context"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// Delivery is what status-change delivery needs to read (任务、发件箱与订阅): response tasks,
// the outbox, subscriptions and their webhook deliveries. Tables of migration 0010_delivery.sql.
type Delivery interface {
	Task(ctx context.Context, id int64) (*credit.Task, error)
	// Tasks returns the tasks matching f, newest first.
	Tasks(ctx context.Context, f TaskFilter) ([]*credit.Task, error)
	// TaskCounts counts tasks per department and status.
	TaskCounts(ctx context.Context) ([]TaskCount, error)
	Subscription(ctx context.Context, id int64) (*credit.Subscription, error)
	// Subscriptions returns a department's subscriptions ("" = all), removed ones too, newest first.
	Subscriptions(ctx context.Context, dept string) ([]*credit.Subscription, error)
	WebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, error)
	// Deliveries returns the webhook deliveries matching f, newest first.
	Deliveries(ctx context.Context, f DeliveryFilter) ([]*WebhookDelivery, error)
	// DueDeliveries returns pending webhook deliveries due at now, oldest first.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*WebhookDelivery, error)
	// OutboxCounts counts outbox messages per status, and names the oldest pending one's time.
	OutboxCounts(ctx context.Context) (OutboxState, error)
	// OutboxMessages returns outbox messages of a status ("" = all), newest first.
	OutboxMessages(ctx context.Context, status OutboxStatus, limit int) ([]*OutboxMessage, error)
	// DueOutbox returns pending outbox messages due at now, oldest first.
	DueOutbox(ctx context.Context, now time.Time, limit int) ([]*OutboxMessage, error)
}

// DeliveryTx is the write side, inside Store.Update.
type DeliveryTx interface {
	// InsertTask stores a new task and sets its ID.
	InsertTask(t *credit.Task) error
	// UpdateTask stores a task's status, overdue time and response (by ID).
	UpdateTask(t *credit.Task) error
	// MarkOverdue turns open tasks whose deadline is at or before now overdue, and returns them.
	MarkOverdue(now time.Time) ([]*credit.Task, error)
	// InsertOutbox stores a new outbox message and sets its ID; a taken MsgID is ECONFLICT.
	InsertOutbox(m *OutboxMessage) error
	// UpdateOutbox stores a message's status, attempts, next attempt, error, sent time and
	// stream sequence (by ID).
	UpdateOutbox(m *OutboxMessage) error
	// InsertSubscription stores a new subscription and sets its ID.
	InsertSubscription(s *credit.Subscription) error
	// RemoveSubscription sets a subscription's removal time; ENOTFOUND when none is active.
	RemoveSubscription(id int64, at time.Time) error
	// MatchSubscriptions returns the active subscriptions on the subject key, or on the list
	// type when list is not "".
	MatchSubscriptions(subjectKey, list string) ([]*credit.Subscription, error)
	// InsertDelivery stores a new webhook delivery and sets its ID.
	InsertDelivery(d *WebhookDelivery) error
	// UpdateDelivery stores a delivery's status, attempts, next attempt, last answer and
	// delivered time (by ID).
	UpdateDelivery(d *WebhookDelivery) error
}

// TaskFilter narrows Tasks.
type TaskFilter struct {
	Dept       string // "" = every department
	Status     credit.TaskStatus
	SubjectKey string
	ChangeID   string
	Limit      int // 0 = 200
}

// TaskCount is the number of tasks of one department in one status.
type TaskCount struct {
	Dept   string            `json:"dept"`
	Status credit.TaskStatus `json:"status"`
	N      int64             `json:"n"`
}

// OutboxStatus is where an outbox message is.
type OutboxStatus string

// Outbox statuses.
const (
	OutboxPending OutboxStatus = "pending" // not yet acknowledged by the broker
	OutboxSent    OutboxStatus = "sent"    // acknowledged by JetStream
	OutboxFailed  OutboxStatus = "failed"  // the broker refused it too often; an operator must look
)

// OutboxMessage is one message waiting for, or sent to, NATS JetStream (发件箱). It is written
// in the transaction of the change it carries, so a change is never committed without it.
type OutboxMessage struct {
	ID        int64        `json:"id"`
	MsgID     string       `json:"msg_id"` // stable id, sent as Nats-Msg-Id so JetStream drops repeats
	Topic     string       `json:"topic"`  // the subject after the configured prefix: "status.list.enter"
	Body      []byte       `json:"body"`   // the message, JSON
	Status    OutboxStatus `json:"status"`
	Attempts  int          `json:"attempts"`
	NextAt    time.Time    `json:"next_at"`
	LastError string       `json:"last_error,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	SentAt    time.Time    `json:"sent_at,omitzero"`
	StreamSeq uint64       `json:"stream_seq,omitempty"`
}

// OutboxState counts the outbox.
type OutboxState struct {
	Pending, Sent, Failed int64
	OldestPending         time.Time // zero when nothing is pending
}

// DeliveryStatus is where a webhook delivery is.
type DeliveryStatus string

// Webhook delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryDead      DeliveryStatus = "dead" // gave up after the last attempt (死信); can be retried by hand
)

// WebhookDelivery is one notification of one subscriber about one change.
type WebhookDelivery struct {
	ID             int64          `json:"id"`
	SubscriptionID int64          `json:"subscription_id"`
	Dept           string         `json:"dept"` // the subscriber's, for listing
	ChangeID       string         `json:"change_id"`
	Body           []byte         `json:"-"`
	Status         DeliveryStatus `json:"status"`
	Attempts       int            `json:"attempts"`
	NextAt         time.Time      `json:"next_at"`
	LastStatus     int            `json:"last_status,omitempty"` // the receiver's HTTP status
	LastError      string         `json:"last_error,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	DeliveredAt    time.Time      `json:"delivered_at,omitzero"`
}

// DeliveryFilter narrows Deliveries.
type DeliveryFilter struct {
	Dept           string
	SubscriptionID int64
	Status         DeliveryStatus
	Limit          int // 0 = 200
}

// TaskLimit is the number of tasks a query returns for f: 200 when unset.
func (f TaskFilter) TaskLimit() int { return defLimit(f.Limit) }

// DeliveryLimit is the number of deliveries a query returns for f.
func (f DeliveryFilter) DeliveryLimit() int { return defLimit(f.Limit) }

func defLimit(n int) int {
	if n <= 0 || n > 1000 {
		return 200
	}
	return n
}
