package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/exchange"
	"github.com/xinyong/xinyong/store"
)

// Status-change delivery (任务、发件箱与订阅): response tasks for the implementing departments,
// monitoring subscriptions, and the two senders that drain what StatusChanged wrote — the
// outbox relay to NATS JetStream and the webhook sender. Both senders only read rows that
// committed, mark them after the receiver acknowledged, and retry with backoff; the transports
// themselves are package exchange's.

// DeliveryConfig holds the delivery settings (from flags and environment in cmd/xinyong).
type DeliveryConfig struct {
	// TaskDays is the time a department has to respond to a task (DefaultTaskDays when 0).
	TaskDays int
	// AllowPrivateWebhooks lets subscriptions call loopback and private addresses: off in
	// production (SSRF), on for tests and closed networks.
	AllowPrivateWebhooks bool
	// WebhookAttempts is how many times a webhook is tried before it is dead (8 when 0).
	WebhookAttempts int
	// NATSConfigured tells the console whether a broker is configured at all (without one the
	// outbox only accumulates).
	NATSConfigured bool
}

// Audit actions of delivery.
const (
	ActionStatusChange       = "status.change"
	ActionTaskRespond        = "task.respond"
	ActionTaskOverdue        = "task.overdue"
	ActionSubscriptionAdd    = "subscription.add"
	ActionSubscriptionRemove = "subscription.remove"
	ActionDeliveryRetry      = "delivery.retry"
)

// Retry timing. Outbox messages wait for the broker from 1 s up to 5 min; webhooks from 30 s up
// to 2 h between attempts (8 attempts span about four hours).
const (
	outboxBackoffBase      = time.Second
	outboxBackoffMax       = 5 * time.Minute
	outboxFailAfter        = 20 // attempts before a message the broker refuses (exchange.Permanent) is failed
	webhookBackoffBase     = 30 * time.Second
	webhookBackoffMax      = 2 * time.Hour
	defaultWebhookAttempts = 8
)

// errOtherDeptDelivery refuses a department's user or token another department's task,
// subscription or delivery.
var errOtherDeptDelivery = credit.Errorf(credit.EFORBIDDEN, "无权访问其他部门的任务或订阅 / this belongs to another department")

// ---- Tasks (联合奖惩任务) ----

// Tasks returns the tasks p may see matching f: its own department's, every department's for
// the credit office admin (who may still filter by f.Dept).
func (a *App) Tasks(ctx context.Context, p *auth.Principal, f store.TaskFilter) ([]*credit.Task, error) {
	if !p.Has(auth.RoleAdmin) {
		if p == nil || p.Dept == "" {
			return nil, credit.Errorf(credit.EFORBIDDEN, "无权查看任务 / forbidden")
		}
		f.Dept = p.Dept
	}
	return a.Store.Tasks(ctx, f)
}

// Task returns one task if p may see it.
func (a *App) Task(ctx context.Context, p *auth.Principal, id int64) (*credit.Task, error) {
	t, err := a.Store.Task(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.ActsFor(t.Dept) {
		return nil, errOtherDeptDelivery
	}
	return t, nil
}

// RespondTask records what p's department did about a task (反馈): the outcome and a text.
// A task already answered is ECONFLICT; an overdue one may still be answered (late).
func (a *App) RespondTask(ctx context.Context, p *auth.Principal, id int64, outcome credit.TaskOutcome, response string) (*credit.Task, error) {
	var out *credit.Task
	err := a.update(ctx, func(tx store.Tx) error {
		t, err := tx.Task(ctx, id)
		if err != nil {
			return err
		}
		if !p.ActsFor(t.Dept) {
			return errOtherDeptDelivery
		}
		now := a.Now().UTC()
		if err := t.Respond(outcome, response, actorName(p), now); err != nil {
			return err
		}
		if err := tx.UpdateTask(t); err != nil {
			return err
		}
		out = t
		return a.audit(ctx, tx, actorName(p), ActionTaskRespond, "task:"+strconv.FormatInt(t.ID, 10), map[string]any{
			"dept": t.Dept, "change_id": t.ChangeID, "outcome": t.Outcome, "response": t.Response, "late": t.Late(now)})
	})
	return out, err
}

// MarkOverdueTasks marks every open task past its deadline overdue (the scheduled job; running
// it again changes nothing) and returns how many it marked.
func (a *App) MarkOverdueTasks(ctx context.Context) (int, error) {
	var n int
	err := a.update(ctx, func(tx store.Tx) error {
		due, err := tx.MarkOverdue(a.Now().UTC())
		if err != nil || len(due) == 0 {
			n = 0
			return err
		}
		n = len(due)
		ids := make([]int64, len(due))
		for i, t := range due {
			ids[i] = t.ID
		}
		return a.audit(ctx, tx, ActorSystem, ActionTaskOverdue, "tasks", map[string]any{"ids": ids})
	})
	if err == nil && n > 0 {
		a.Log.Warn("tasks overdue", "count", n)
	}
	return n, err
}

// ---- Partners (授权合作机构) ----

// noPartnerUsers refuses staff accounts in a partner department: a partner is not government
// and must not reach the console's government pages; it uses API tokens only.
func noPartnerUsers(ctx context.Context, tx store.Reader, dept string) error {
	ds, err := tx.Departments(ctx)
	if err != nil {
		return err
	}
	if d, ok := findDept(ds, dept); ok && d.Level == DeptLevelPartner {
		return invalidField("dept", credit.RuleDepartment, "授权合作机构不设控制台账户，只能使用 subscriptions:write 或 scores:verify 权限的 API 令牌 / "+
			"a partner has no console accounts, only API tokens with the subscriptions:write or scores:verify scope")
	}
	return nil
}

// partnerWithoutUsers refuses making a department with staff accounts a partner.
func partnerWithoutUsers(ctx context.Context, tx store.Reader, d store.Department) error {
	if d.Level != DeptLevelPartner {
		return nil
	}
	users, err := tx.Users(ctx, d.Code)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return invalidField("level", credit.RuleDepartment, "该部门已有控制台账户，不能改为授权合作机构 / "+
			"the department has console accounts, so it cannot become a partner")
	}
	return nil
}

// partnerScopes refuses a partner department's token any scope but subscriptions:write.
func partnerScopes(ctx context.Context, tx store.Reader, dept string, scopes []auth.Scope) error {
	ds, err := tx.Departments(ctx)
	if err != nil {
		return err
	}
	if d, ok := findDept(ds, dept); ok && d.Level == DeptLevelPartner {
		for _, sc := range scopes {
			if sc != auth.ScopeSubscriptionsWrite && sc != auth.ScopeScoresVerify {
				return invalidField("scopes", credit.RuleEnum, "授权合作机构的令牌只能有 subscriptions:write 与 scores:verify 权限 / "+
					"a partner's token may hold the subscriptions:write and scores:verify scopes only")
			}
		}
	}
	return nil
}

// ---- Subscriptions (监测订阅) ----

// SubscribeRequest is a new subscription as a form or the API gives it.
type SubscribeRequest struct {
	Dept    string                    `json:"dept"`    // the admin may subscribe for any department; others for their own
	Target  credit.SubscriptionTarget `json:"target"`  // subject or list
	Subject string                    `json:"subject"` // a unified code or resident ID, for target subject
	List    string                    `json:"list"`    // a list type code, for target list
	Channel credit.Channel            `json:"channel"` // webhook or nats
	URL     string                    `json:"url"`     // for webhooks
	Purpose string                    `json:"purpose"` // legal basis or consent (法定依据或授权), required
}

// Subscribe creates a monitoring subscription for p and returns it with the webhook signing
// secret, shown this once (only its sealed form is kept). Every subscription states its
// purpose; one on a subject is a read of that subject's status from now on, so it is entered
// in the query log with that purpose.
func (a *App) Subscribe(ctx context.Context, p *auth.Principal, req SubscribeRequest, remoteAddr string) (*credit.Subscription, string, error) {
	if p == nil {
		return nil, "", credit.Errorf(credit.EUNAUTH, "请先登录 / sign in first")
	}
	dept := strings.ToLower(strings.TrimSpace(req.Dept))
	if dept == "" {
		dept = p.Dept
	}
	if !p.ActsFor(dept) {
		return nil, "", credit.Errorf(credit.EFORBIDDEN, "只能为本部门订阅 / you may subscribe for your own department only")
	}
	purpose, err := auth.CleanPurpose(req.Purpose)
	if err != nil {
		return nil, "", err
	}
	if purpose == "" {
		return nil, "", invalidField("purpose", credit.RuleRequired,
			"须说明订阅的法定依据或主体授权 / state the legal basis or the subject's consent for the subscription")
	}
	s := &credit.Subscription{Dept: dept, Target: req.Target, Channel: req.Channel, Purpose: purpose, CreatedBy: actorName(p), CreatedAt: a.Now().UTC()}
	switch req.Target {
	case credit.TargetSubject:
		code := strings.TrimSpace(req.Subject)
		if code == "" {
			return nil, "", invalidField("subject", credit.RuleRequired, "请填写主体代码 / the subject's code is required")
		}
		cr, err := a.CheckCode(ctx, code)
		if err != nil {
			return nil, "", err
		}
		if !cr.Valid {
			return nil, "", invalidField("subject", credit.RuleCode, cr.Reason)
		}
		if s.TargetKey, err = a.SubjectKeyOf(ctx, code); err != nil {
			return nil, "", err
		}
		s.Label = s.TargetKey
		if cr.Type == credit.CodeResidentID {
			s.Label = credit.MaskID(cr.Canonical)
		}
	case credit.TargetList:
		l := strings.ToLower(strings.TrimSpace(req.List))
		if !credit.ValidListCode(l) {
			return nil, "", invalidField("list", credit.RuleFormat, "名单类型代码无效 / invalid list type code")
		}
		// Only a list type of the joint catalog (a list added later by the credit office
		// included): a misspelt code would match no change and deliver nothing, silently.
		c, err := a.Joint(ctx)
		if err != nil {
			return nil, "", err
		}
		if _, ok := c.ListType(l); !ok {
			known := make([]string, 0, len(c.ListTypes))
			for _, lt := range c.ListTypes {
				known = append(known, lt.Code)
			}
			return nil, "", invalidField("list", credit.RuleEnum, fmt.Sprintf("没有名单类型「%s」，可订阅的名单：%s / no list type %q; known lists: %s",
				l, strings.Join(known, "、"), l, strings.Join(known, ", ")))
		}
		s.TargetKey, s.Label = l, l
	default:
		return nil, "", invalidField("target", credit.RuleEnum, "订阅对象须为 subject（主体）或 list（名单）/ the target must be subject or list")
	}
	var secret string
	switch req.Channel {
	case credit.ChannelWebhook:
		if s.URL, err = credit.CheckWebhookURL(req.URL, a.Delivery.AllowPrivateWebhooks); err != nil {
			return nil, "", err
		}
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, "", err
		}
		secret = "whsec_" + base64.RawURLEncoding.EncodeToString(b)
		if s.Secret, err = a.Sealer.Seal([]byte(secret)); err != nil {
			return nil, "", err
		}
	case credit.ChannelNATS:
		if strings.TrimSpace(req.URL) != "" {
			return nil, "", invalidField("url", credit.RuleFormat, "NATS 订阅不需要回调地址 / a NATS subscription takes no URL")
		}
	default:
		return nil, "", invalidField("channel", credit.RuleEnum, "通知方式须为 webhook 或 nats / the channel must be webhook or nats")
	}
	err = a.update(ctx, func(tx store.Tx) error {
		ds, err := tx.Departments(ctx)
		if err != nil {
			return err
		}
		if d, ok := findDept(ds, dept); !ok || d.Disabled {
			return invalidField("dept", credit.RuleDepartment, "部门 "+quote(dept)+" 不存在或已停用 / no such active department")
		}
		if err := tx.InsertSubscription(s); err != nil {
			return err
		}
		if s.Target == credit.TargetSubject {
			if err := tx.AppendQueryLog(&store.QueryLog{At: s.CreatedAt, Actor: actorName(p), Dept: dept, Purpose: purpose,
				SubjectKey: s.TargetKey, Route: "subscription", Returned: "subscription:" + strconv.FormatInt(s.ID, 10),
				RemoteAddr: cut(remoteAddr, maxRemoteLen)}); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, actorName(p), ActionSubscriptionAdd, "subscription:"+strconv.FormatInt(s.ID, 10), map[string]any{
			"dept": dept, "target": s.Target, "target_key": s.TargetKey, "channel": s.Channel, "url": s.URL, "purpose": purpose})
	})
	if err != nil {
		return nil, "", err
	}
	return s, secret, nil
}

// Subscriptions returns the subscriptions p may see: its department's, all for the admin.
func (a *App) Subscriptions(ctx context.Context, p *auth.Principal) ([]*credit.Subscription, error) {
	if p.Has(auth.RoleAdmin) {
		return a.Store.Subscriptions(ctx, "")
	}
	if p == nil || p.Dept == "" {
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权查看订阅 / forbidden")
	}
	return a.Store.Subscriptions(ctx, p.Dept)
}

// Unsubscribe ends a subscription; deliveries already made stay on record.
func (a *App) Unsubscribe(ctx context.Context, p *auth.Principal, id int64) error {
	return a.update(ctx, func(tx store.Tx) error {
		s, err := tx.Subscription(ctx, id)
		if err != nil {
			return err
		}
		if !p.ActsFor(s.Dept) {
			return errOtherDeptDelivery
		}
		if err := tx.RemoveSubscription(id, a.Now().UTC()); err != nil {
			return err
		}
		return a.audit(ctx, tx, actorName(p), ActionSubscriptionRemove, "subscription:"+strconv.FormatInt(id, 10), map[string]any{"dept": s.Dept})
	})
}

// Deliveries returns the webhook deliveries p may see matching f.
func (a *App) Deliveries(ctx context.Context, p *auth.Principal, f store.DeliveryFilter) ([]*store.WebhookDelivery, error) {
	if !p.Has(auth.RoleAdmin) {
		if p == nil || p.Dept == "" {
			return nil, credit.Errorf(credit.EFORBIDDEN, "无权查看 / forbidden")
		}
		f.Dept = p.Dept
	}
	return a.Store.Deliveries(ctx, f)
}

// RetryDelivery puts a dead (or pending) webhook delivery back in the queue, due now, with its
// attempts reset: the operator's "retry" after fixing the receiver.
func (a *App) RetryDelivery(ctx context.Context, p *auth.Principal, id int64) error {
	return a.update(ctx, func(tx store.Tx) error {
		d, err := tx.WebhookDelivery(ctx, id)
		if err != nil {
			return err
		}
		if !p.ActsFor(d.Dept) {
			return errOtherDeptDelivery
		}
		if d.Status == store.DeliveryDelivered {
			return credit.Errorf(credit.ECONFLICT, "该通知已送达 / the delivery was already delivered")
		}
		d.Status, d.Attempts, d.NextAt = store.DeliveryPending, 0, a.Now().UTC()
		if err := tx.UpdateDelivery(d); err != nil {
			return err
		}
		return a.audit(ctx, tx, actorName(p), ActionDeliveryRetry, "delivery:"+strconv.FormatInt(id, 10), map[string]any{"dept": d.Dept})
	})
}

// ---- Outbox relay (发件箱 → NATS JetStream) ----

// Publisher sends one outbox message to the message stream and returns once the stream
// acknowledged it (exchange.JetStream).
type Publisher interface {
	Publish(ctx context.Context, msgID, topic string, body []byte) (seq uint64, duplicate bool, err error)
}

// BatchPublisher is a Publisher that can publish many messages without waiting for each
// acknowledgement in turn (exchange.JetStream); the relay uses it when it can.
type BatchPublisher interface {
	PublishBatch(ctx context.Context, msgs []exchange.Message) []exchange.Ack
}

// RelayResult counts one pass of the outbox relay.
type RelayResult struct {
	Sent, Duplicates, Retried, Failed int
}

// RelayOutbox publishes up to limit due outbox messages through pub, in order, and marks each
// sent after its acknowledgement (one transaction for the pass). A message that fails stays
// pending with its next attempt backed off; one the broker itself keeps refusing
// (exchange.Permanent) is failed after outboxFailAfter attempts for an operator to look at,
// while a broker that is down is waited out however long it takes. The pass stops at the first failure, so order is kept and a broker that
// is down costs one attempt, not one per message. A relay that dies between the publish and the
// mark publishes again later, and JetStream drops the repeat by its Nats-Msg-Id.
func (a *App) RelayOutbox(ctx context.Context, pub Publisher, limit int) (RelayResult, error) {
	var res RelayResult
	due, err := a.Store.DueOutbox(ctx, a.Now(), limit)
	if err != nil || len(due) == 0 {
		return res, err
	}
	var acks []exchange.Ack
	if bp, ok := pub.(BatchPublisher); ok {
		msgs := make([]exchange.Message, len(due))
		for i, m := range due {
			msgs[i] = exchange.Message{ID: m.MsgID, Topic: m.Topic, Body: m.Body}
		}
		acks = bp.PublishBatch(ctx, msgs)
	} else {
		for _, m := range due {
			seq, dup, err := pub.Publish(ctx, m.MsgID, m.Topic, m.Body)
			acks = append(acks, exchange.Ack{Seq: seq, Duplicate: dup, Err: err})
			if err != nil {
				break
			}
		}
	}
	var done []*store.OutboxMessage
	var pubErr error
	for i, m := range due {
		now := a.Now().UTC()
		m.Attempts++
		if err := acks[i].Err; err != nil {
			pubErr = err
			m.LastError = cut(err.Error(), 500)
			m.NextAt = now.Add(credit.RetryBackoff(m.Attempts, outboxBackoffBase, outboxBackoffMax))
			if m.Attempts >= outboxFailAfter && exchange.Permanent(err) {
				m.Status = store.OutboxFailed
				res.Failed++
			} else {
				res.Retried++
			}
			done = append(done, m)
			// The rest of the pass waits as long, so none overtakes the failed one. Those of
			// them the stream did store are published again later and dropped as duplicates.
			for _, rest := range due[i+1:] {
				rest.NextAt = m.NextAt
				done = append(done, rest)
			}
			break
		}
		m.Status, m.SentAt, m.StreamSeq, m.LastError = store.OutboxSent, now, acks[i].Seq, ""
		if acks[i].Duplicate {
			res.Duplicates++
		}
		res.Sent++
		done = append(done, m)
	}
	err = a.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		for _, m := range done {
			if err := tx.UpdateOutbox(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if pubErr != nil {
		return res, fmt.Errorf("publish: %w", pubErr)
	}
	return res, nil
}

// OutboxState returns the outbox's counts.
func (a *App) OutboxState(ctx context.Context) (store.OutboxState, error) {
	return a.Store.OutboxCounts(ctx)
}

// ---- Webhooks (签名回调) ----

// WebhookPoster posts one signed notification and returns the receiver's HTTP status
// (exchange.Webhooks).
type WebhookPoster interface {
	Post(ctx context.Context, url string, header http.Header, body []byte) (int, error)
}

// Webhook headers besides credit.SignatureHeader.
const (
	DeliveryHeader = "X-Xinyong-Delivery" // the delivery's id: the same on every retry
	ChangeHeader   = "X-Xinyong-Change"   // the change's id: a receiver deduplicates by it
)

// WebhookResult counts one pass of the webhook sender.
type WebhookResult struct {
	Delivered, Retried, Dead int
}

// SendWebhooks posts up to limit due webhook deliveries. A 2xx answer delivers; anything else
// (or no answer) is retried with exponential backoff, and after the configured number of
// attempts the delivery is dead (死信), shown in the console with a retry button. Each
// delivery is marked in its own transaction right after its answer.
func (a *App) SendWebhooks(ctx context.Context, post WebhookPoster, limit int) (WebhookResult, error) {
	var res WebhookResult
	due, err := a.Store.DueDeliveries(ctx, a.Now(), limit)
	if err != nil || len(due) == 0 {
		return res, err
	}
	maxAttempts := a.Delivery.WebhookAttempts
	if maxAttempts <= 0 {
		maxAttempts = defaultWebhookAttempts
	}
	// One queue per subscription, in order; up to webhookWorkers subscribers at a time, so one
	// slow or dead receiver does not hold up the others.
	var order []int64
	queues := map[int64][]*store.WebhookDelivery{}
	for _, d := range due {
		if _, ok := queues[d.SubscriptionID]; !ok {
			order = append(order, d.SubscriptionID)
		}
		queues[d.SubscriptionID] = append(queues[d.SubscriptionID], d)
	}
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, webhookWorkers)
	var wg sync.WaitGroup
	for _, id := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func(q []*store.WebhookDelivery) {
			defer func() { <-sem; wg.Done() }()
			r, err := a.sendQueue(ctx, post, q, maxAttempts)
			mu.Lock()
			defer mu.Unlock()
			res.Delivered, res.Retried, res.Dead = res.Delivered+r.Delivered, res.Retried+r.Retried, res.Dead+r.Dead
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}(queues[id])
	}
	wg.Wait()
	return res, firstErr
}

// webhookWorkers is how many subscribers are posted to at once.
const webhookWorkers = 4

// sendQueue posts one subscriber's due deliveries in order. After one fails, the rest wait as
// long as it does (without counting an attempt), so they keep their order and a receiver that
// is down gets one request per retry, not one per waiting delivery.
func (a *App) sendQueue(ctx context.Context, post WebhookPoster, q []*store.WebhookDelivery, maxAttempts int) (WebhookResult, error) {
	var res WebhookResult
	s, err := a.Store.Subscription(ctx, q[0].SubscriptionID)
	if err != nil && credit.ErrorCode(err) != credit.ENOTFOUND {
		return res, err
	}
	for i, d := range q {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		d.Attempts++
		now := a.Now().UTC()
		var status int
		var perr error
		switch {
		case s == nil || !s.Active():
			perr = errors.New("订阅已取消 / the subscription was removed")
			d.Attempts = maxAttempts
		default:
			var secret []byte
			if secret, perr = a.Sealer.Open(s.Secret); perr == nil {
				h := http.Header{}
				h.Set(credit.SignatureHeader, credit.SignWebhook(secret, now.Unix(), d.Body))
				h.Set(DeliveryHeader, strconv.FormatInt(d.ID, 10))
				h.Set(ChangeHeader, d.ChangeID)
				status, perr = post.Post(ctx, s.URL, h, d.Body)
			}
		}
		d.LastStatus = status
		failed := false
		switch {
		case perr == nil && status >= 200 && status < 300:
			d.Status, d.DeliveredAt, d.LastError = store.DeliveryDelivered, now, ""
			res.Delivered++
		default:
			failed = true
			if perr != nil {
				d.LastError = cut(perr.Error(), 500)
			} else {
				d.LastError = "HTTP " + strconv.Itoa(status)
			}
			d.NextAt = now.Add(credit.RetryBackoff(d.Attempts, webhookBackoffBase, webhookBackoffMax))
			if d.Attempts >= maxAttempts {
				d.Status = store.DeliveryDead
				res.Dead++
				a.Log.Warn("webhook dead", "delivery", d.ID, "subscription", d.SubscriptionID, "attempts", d.Attempts, "err", d.LastError)
			} else {
				res.Retried++
			}
		}
		update := []*store.WebhookDelivery{d}
		if failed && s != nil && s.Active() {
			for _, rest := range q[i+1:] {
				rest.NextAt = d.NextAt
				update = append(update, rest)
			}
		}
		err := a.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
			for _, u := range update {
				if err := tx.UpdateDelivery(u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || len(update) > 1 {
			return res, err
		}
	}
	return res, nil
}

// ---- The delivery loop (serve) ----

// DeliveryLoop runs the scheduled delivery work until ctx ends: every interval it relays the
// outbox (when a publisher can be had) and marks overdue tasks (once a minute), and, in a
// goroutine of its own so a slow receiver cannot hold up the relay, sends due webhooks (nil
// post: none). dial is called whenever there is no publisher (nil dial: no NATS configured,
// and the outbox just accumulates); a publisher whose publish fails is closed and dialled
// again next time. It returns once both have stopped.
func (a *App) DeliveryLoop(ctx context.Context, interval time.Duration, dial func(context.Context) (Publisher, func(), error), post WebhookPoster) {
	if interval <= 0 {
		interval = 2 * time.Second
	}
	if post != nil {
		hooksDone := make(chan struct{})
		defer func() { <-hooksDone }()
		go func() {
			defer close(hooksDone)
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				if _, err := a.SendWebhooks(ctx, post, 100); err != nil && ctx.Err() == nil {
					a.Log.Warn("webhooks", "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		}()
	}
	var pub Publisher
	var closePub func()
	defer func() {
		if closePub != nil {
			closePub()
		}
	}()
	var lastOverdue time.Time
	down := false
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if dial != nil && pub == nil {
			p, c, err := dial(ctx)
			if err != nil {
				if !down {
					a.Log.Warn("NATS unavailable; outbox messages stay pending and are retried", "err", err)
				}
				down = true
			} else {
				pub, closePub = p, c
				if down {
					a.Log.Info("NATS reachable again; relaying the outbox")
				}
				down = false
			}
		}
		if pub != nil {
			for {
				res, err := a.RelayOutbox(ctx, pub, 500)
				if err != nil {
					a.Log.Warn("outbox relay", "err", err, "sent", res.Sent)
					closePub()
					pub, closePub, down = nil, nil, true
					break
				}
				if res.Sent < 500 {
					break
				}
			}
		}
		if now := a.Now(); now.Sub(lastOverdue) >= time.Minute {
			if _, err := a.MarkOverdueTasks(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("overdue tasks", "err", err)
			}
			lastOverdue = now
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
