package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Delivery (store.Delivery, store.DeliveryTx): tasks, the outbox, subscriptions and webhook
// deliveries, in the tables of migration 0010_delivery.sql.

type deliveryScanner = pgx.Row

const taskCols = `id, change_id, kind, subject_key, list, entry_id, record_id, reason, dept, status, deadline, created_at,
	overdue_at, outcome, response, responded_by, responded_at`

func scanTask(sc deliveryScanner) (*credit.Task, error) {
	var t credit.Task
	var deadline, created, overdue, responded *time.Time
	if err := sc.Scan(&t.ID, &t.ChangeID, &t.Kind, &t.SubjectKey, &t.List, &t.EntryID, &t.RecordID, &t.Reason, &t.Dept,
		&t.Status, &deadline, &created, &overdue, &t.Outcome, &t.Response, &t.RespondedBy, &responded); err != nil {
		return nil, err
	}
	t.Deadline, t.CreatedAt, t.OverdueAt, t.RespondedAt = fromTS(deadline), fromTS(created), fromTS(overdue), fromTS(responded)
	return &t, nil
}

func (r reader) tasks(ctx context.Context, q string, args ...any) ([]*credit.Task, error) {
	rows, err := r.q.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (r reader) Task(ctx context.Context, id int64) (*credit.Task, error) {
	t, err := scanTask(r.q.QueryRow(ctx, rebind(`SELECT `+taskCols+` FROM tasks WHERE id = ?`), id))
	return t, notFound("任务", "task", err)
}

func (r reader) Tasks(ctx context.Context, f store.TaskFilter) ([]*credit.Task, error) {
	q, args := `SELECT `+taskCols+` FROM tasks WHERE 1=1`, []any{}
	if f.Dept != "" {
		q += ` AND dept = ?`
		args = append(args, f.Dept)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.SubjectKey != "" {
		q += ` AND subject_key = ?`
		args = append(args, f.SubjectKey)
	}
	if f.ChangeID != "" {
		q += ` AND change_id = ?`
		args = append(args, f.ChangeID)
	}
	return r.tasks(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, f.TaskLimit())...)
}

func (r reader) TaskCounts(ctx context.Context) ([]store.TaskCount, error) {
	rows, err := r.q.Query(ctx, `SELECT dept, status, count(*) FROM tasks GROUP BY dept, status ORDER BY dept, status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.TaskCount
	for rows.Next() {
		var c store.TaskCount
		if err := rows.Scan(&c.Dept, &c.Status, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

const subscriptionCols = `id, dept, target, target_key, label, channel, url, secret, purpose, created_by, created_at, removed_at`

func scanSubscription(sc deliveryScanner) (*credit.Subscription, error) {
	var s credit.Subscription
	var created, removed *time.Time
	if err := sc.Scan(&s.ID, &s.Dept, &s.Target, &s.TargetKey, &s.Label, &s.Channel, &s.URL, &s.Secret, &s.Purpose,
		&s.CreatedBy, &created, &removed); err != nil {
		return nil, err
	}
	s.CreatedAt, s.RemovedAt = fromTS(created), fromTS(removed)
	return &s, nil
}

func (r reader) subscriptions(ctx context.Context, q string, args ...any) ([]*credit.Subscription, error) {
	rows, err := r.q.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (r reader) Subscription(ctx context.Context, id int64) (*credit.Subscription, error) {
	s, err := scanSubscription(r.q.QueryRow(ctx, rebind(`SELECT `+subscriptionCols+` FROM subscriptions WHERE id = ?`), id))
	return s, notFound("订阅", "subscription", err)
}

func (r reader) Subscriptions(ctx context.Context, dept string) ([]*credit.Subscription, error) {
	if dept == "" {
		return r.subscriptions(ctx, `SELECT `+subscriptionCols+` FROM subscriptions ORDER BY id DESC`)
	}
	return r.subscriptions(ctx, `SELECT `+subscriptionCols+` FROM subscriptions WHERE dept = ? ORDER BY id DESC`, dept)
}

const deliveryCols = `id, subscription_id, dept, change_id, body, status, attempts, next_at, last_status, last_error, created_at, delivered_at`

func scanDelivery(sc deliveryScanner) (*store.WebhookDelivery, error) {
	var d store.WebhookDelivery
	var next, created, delivered *time.Time
	if err := sc.Scan(&d.ID, &d.SubscriptionID, &d.Dept, &d.ChangeID, &d.Body, &d.Status, &d.Attempts, &next,
		&d.LastStatus, &d.LastError, &created, &delivered); err != nil {
		return nil, err
	}
	d.NextAt, d.CreatedAt, d.DeliveredAt = fromTS(next), fromTS(created), fromTS(delivered)
	return &d, nil
}

func (r reader) deliveries(ctx context.Context, q string, args ...any) ([]*store.WebhookDelivery, error) {
	rows, err := r.q.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.WebhookDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (r reader) WebhookDelivery(ctx context.Context, id int64) (*store.WebhookDelivery, error) {
	d, err := scanDelivery(r.q.QueryRow(ctx, rebind(`SELECT `+deliveryCols+` FROM webhook_deliveries WHERE id = ?`), id))
	return d, notFound("通知", "delivery", err)
}

func (r reader) Deliveries(ctx context.Context, f store.DeliveryFilter) ([]*store.WebhookDelivery, error) {
	q, args := `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE 1=1`, []any{}
	if f.Dept != "" {
		q += ` AND dept = ?`
		args = append(args, f.Dept)
	}
	if f.SubscriptionID != 0 {
		q += ` AND subscription_id = ?`
		args = append(args, f.SubscriptionID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	return r.deliveries(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, f.DeliveryLimit())...)
}

func (r reader) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*store.WebhookDelivery, error) {
	return r.deliveries(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE status = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?`,
		sec(now), limit)
}

const outboxCols = `id, msg_id, topic, body, status, attempts, next_at, last_error, created_at, sent_at, stream_seq`

func scanOutbox(sc deliveryScanner) (*store.OutboxMessage, error) {
	var m store.OutboxMessage
	var next, created, sent *time.Time
	var seq int64
	if err := sc.Scan(&m.ID, &m.MsgID, &m.Topic, &m.Body, &m.Status, &m.Attempts, &next, &m.LastError, &created, &sent, &seq); err != nil {
		return nil, err
	}
	m.NextAt, m.CreatedAt, m.SentAt, m.StreamSeq = fromTS(next), fromTS(created), fromTS(sent), uint64(max(seq, 0))
	return &m, nil
}

func (r reader) outbox(ctx context.Context, q string, args ...any) ([]*store.OutboxMessage, error) {
	rows, err := r.q.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.OutboxMessage
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (r reader) OutboxCounts(ctx context.Context) (store.OutboxState, error) {
	var st store.OutboxState
	rows, err := r.q.Query(ctx, `SELECT status, count(*), min(created_at) FROM outbox GROUP BY status`)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int64
		var oldest *time.Time
		if err := rows.Scan(&status, &n, &oldest); err != nil {
			return st, err
		}
		switch store.OutboxStatus(status) {
		case store.OutboxPending:
			st.Pending, st.OldestPending = n, fromTS(oldest)
		case store.OutboxSent:
			st.Sent = n
		case store.OutboxFailed:
			st.Failed = n
		}
	}
	return st, rows.Err()
}

func (r reader) OutboxMessages(ctx context.Context, status store.OutboxStatus, limit int) ([]*store.OutboxMessage, error) {
	if status == "" {
		return r.outbox(ctx, `SELECT `+outboxCols+` FROM outbox ORDER BY id DESC LIMIT ?`, limit)
	}
	return r.outbox(ctx, `SELECT `+outboxCols+` FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?`, string(status), limit)
}

func (r reader) DueOutbox(ctx context.Context, now time.Time, limit int) ([]*store.OutboxMessage, error) {
	return r.outbox(ctx, `SELECT `+outboxCols+` FROM outbox WHERE status = 'pending' AND next_at <= ? ORDER BY id LIMIT ?`, sec(now), limit)
}

// ---- writes ----

// insertID runs an INSERT … RETURNING id.
func (t *tx) insertID(q string, args ...any) (int64, error) {
	var id int64
	err := t.tx.QueryRow(t.ctx, rebind(q)+` RETURNING id`, args...).Scan(&id)
	return id, err
}

func (t *tx) deliveryAffected(zh, en, q string, args ...any) error {
	tag, err := t.tx.Exec(t.ctx, rebind(q), args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return credit.Errorf(credit.ENOTFOUND, "未找到%s / %s not found", zh, en)
	}
	return nil
}

func seqInt(v uint64) int64 { return int64(min(v, 1<<62)) } // #nosec G115 -- capped

func (t *tx) InsertTask(k *credit.Task) error {
	id, err := t.insertID(`INSERT INTO tasks (change_id, kind, subject_key, list, entry_id, record_id, reason, dept, status,
		deadline, created_at, overdue_at, outcome, response, responded_by, responded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ChangeID, string(k.Kind), k.SubjectKey, k.List, k.EntryID, k.RecordID, k.Reason, k.Dept, string(k.Status),
		ts(k.Deadline), ts(k.CreatedAt), ts(k.OverdueAt), string(k.Outcome), k.Response, k.RespondedBy, ts(k.RespondedAt))
	if isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "该部门已有此变更的任务 / the department already has a task for this change")
	}
	k.ID = id
	return err
}

func (t *tx) UpdateTask(k *credit.Task) error {
	return t.deliveryAffected("任务", "task", `UPDATE tasks SET status = ?, overdue_at = ?, outcome = ?, response = ?, responded_by = ?, responded_at = ? WHERE id = ?`,
		string(k.Status), ts(k.OverdueAt), string(k.Outcome), k.Response, k.RespondedBy, ts(k.RespondedAt), k.ID)
}

func (t *tx) MarkOverdue(now time.Time) ([]*credit.Task, error) {
	due, err := t.tasks(t.ctx, `SELECT `+taskCols+` FROM tasks WHERE status = 'open' AND deadline <= ? ORDER BY id FOR UPDATE`, sec(now))
	if err != nil || len(due) == 0 {
		return nil, err
	}
	ids := make([]int64, len(due))
	for i, k := range due {
		ids[i] = k.ID
	}
	if err := t.exec(`UPDATE tasks SET status = 'overdue', overdue_at = $1 WHERE id = ANY($2) AND status = 'open'`, sec(now), ids); err != nil {
		return nil, err
	}
	for _, k := range due {
		k.Status, k.OverdueAt = credit.TaskOverdue, sec(now)
	}
	return due, nil
}

func (t *tx) InsertOutbox(m *store.OutboxMessage) error {
	id, err := t.insertID(`INSERT INTO outbox (msg_id, topic, body, status, attempts, next_at, last_error, created_at, sent_at, stream_seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.MsgID, m.Topic, m.Body, string(m.Status), m.Attempts, ts(m.NextAt), m.LastError,
		ts(m.CreatedAt), ts(m.SentAt), seqInt(m.StreamSeq))
	if isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "发件箱消息 %s 已存在 / outbox message exists", m.MsgID)
	}
	m.ID = id
	return err
}

func (t *tx) UpdateOutbox(m *store.OutboxMessage) error {
	return t.deliveryAffected("发件箱消息", "outbox message", `UPDATE outbox SET status = ?, attempts = ?, next_at = ?, last_error = ?, sent_at = ?, stream_seq = ? WHERE id = ?`,
		string(m.Status), m.Attempts, ts(m.NextAt), m.LastError, ts(m.SentAt), seqInt(m.StreamSeq), m.ID)
}

func (t *tx) InsertSubscription(s *credit.Subscription) error {
	id, err := t.insertID(`INSERT INTO subscriptions (dept, target, target_key, label, channel, url, secret, purpose, created_by, created_at, removed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.Dept, string(s.Target), s.TargetKey, s.Label, string(s.Channel), s.URL, s.Secret,
		s.Purpose, s.CreatedBy, ts(s.CreatedAt), ts(s.RemovedAt))
	s.ID = id
	return err
}

func (t *tx) RemoveSubscription(id int64, at time.Time) error {
	return t.deliveryAffected("有效订阅", "active subscription", `UPDATE subscriptions SET removed_at = ? WHERE id = ? AND removed_at IS NULL`, ts(at), id)
}

func (t *tx) MatchSubscriptions(subjectKey, list string) ([]*credit.Subscription, error) {
	return t.subscriptions(t.ctx, `SELECT `+subscriptionCols+` FROM subscriptions
		WHERE removed_at IS NULL AND ((target = 'subject' AND target_key = ?) OR (target = 'list' AND target_key = ? AND ? <> ''))
		ORDER BY id`, subjectKey, list, list)
}

func (t *tx) InsertDelivery(d *store.WebhookDelivery) error {
	id, err := t.insertID(`INSERT INTO webhook_deliveries (subscription_id, dept, change_id, body, status, attempts, next_at,
		last_status, last_error, created_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.SubscriptionID, d.Dept, d.ChangeID, d.Body, string(d.Status), d.Attempts, ts(d.NextAt), d.LastStatus, d.LastError,
		ts(d.CreatedAt), ts(d.DeliveredAt))
	if isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "该订阅已有此变更的通知 / the subscription already has this change")
	}
	d.ID = id
	return err
}

func (t *tx) UpdateDelivery(d *store.WebhookDelivery) error {
	return t.deliveryAffected("通知", "delivery", `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_at = ?, last_status = ?, last_error = ?, delivered_at = ? WHERE id = ?`,
		string(d.Status), d.Attempts, ts(d.NextAt), d.LastStatus, d.LastError, ts(d.DeliveredAt), d.ID)
}
