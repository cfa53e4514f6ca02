package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Status-change delivery (任务、发件箱与订阅): the console inbox of response tasks, the
// subscriptions page with deliveries and dead letters, the credit office's view of the outbox,
// and the API under /api/v1/tasks, /api/v1/subscriptions and /api/v1/deliveries. The matrix
// admits the department's own staff and tokens (DeptScoped); the app services hold each caller
// to its own department.

// deliveryMessages are the texts of the delivery pages, merged into messages.
var deliveryMessages = map[string][2]string{
	"console.tasks":             {"联合奖惩任务", "Response tasks"},
	"console.subscriptions":     {"监测订阅", "Subscriptions"},
	"console.outbox":            {"消息发送状态", "Delivery status"},
	"tasks.intro":               {"主体列入或移出名单等信用状态变化时，平台向负责实施措施的部门派发任务。请在期限内反馈采取的措施；逾期任务会标出并计入统计。", "When a subject enters or leaves a list, or its credit status changes otherwise, each implementing department gets a task. Respond by the deadline with what was done; overdue tasks are flagged and counted."},
	"tasks.none":                {"没有任务。", "No tasks."},
	"tasks.all":                 {"全部", "All"},
	"tasks.id":                  {"编号", "No."},
	"tasks.kind":                {"变更", "Change"},
	"tasks.subject":             {"主体", "Subject"},
	"tasks.list":                {"名单", "List"},
	"tasks.reason":              {"事由", "Reason"},
	"tasks.deadline":            {"反馈期限", "Deadline"},
	"tasks.response":            {"反馈", "Response"},
	"tasks.respond":             {"提交反馈", "Respond"},
	"tasks.outcome":             {"结果", "Outcome"},
	"tasks.text":                {"采取的措施（必填）", "What was done (required)"},
	"tasks.late":                {"逾期", "late"},
	"task.open":                 {"待响应", "Open"},
	"task.overdue":              {"已逾期", "Overdue"},
	"task.responded":            {"已响应", "Responded"},
	"outcome.applied":           {"已落实措施", "Measure applied"},
	"outcome.not_applicable":    {"不涉及", "Not applicable"},
	"outcome.noted":             {"已知悉", "Noted"},
	"kind.list.enter":           {"列入名单", "Entered a list"},
	"kind.list.leave":           {"移出名单", "Left a list"},
	"kind.record.corrected":     {"记录更正", "Record corrected"},
	"kind.record.revoked":       {"记录撤销", "Record revoked"},
	"kind.record.repaired":      {"信用修复", "Record repaired"},
	"kind.record.expired":       {"公示期满", "Publication ended"},
	"kind.grade.changed":        {"评级变化", "Grade changed"},
	"subs.intro":                {"订阅一个主体或一类名单，状态变化时平台主动通知（签名回调或 NATS 消息），无需轮询。订阅须说明法定依据或主体授权；订阅主体会登记在查询使用登记中。", "Subscribe to a subject or a list type and the platform notifies you when a status changes (a signed webhook or a NATS message), no polling. Each subscription states its legal basis or the subject's consent; subscriptions to a subject are entered in the query log."},
	"subs.none":                 {"尚无订阅。", "No subscriptions."},
	"subs.add":                  {"新增订阅", "New subscription"},
	"subs.target":               {"订阅对象", "Watch"},
	"subs.target.subject":       {"一个主体（统一社会信用代码或身份证号）", "One subject (unified code or resident ID)"},
	"subs.target.list":          {"一类名单（名单类型代码）", "A list type (its code)"},
	"subs.subject":              {"主体代码", "Subject code"},
	"subs.list":                 {"名单类型代码", "List type code"},
	"subs.channel":              {"通知方式", "Channel"},
	"subs.webhook":              {"签名回调（HTTPS POST）", "Signed webhook (HTTPS POST)"},
	"subs.nats":                 {"NATS 消息（本部门主题）", "NATS message (the department's subject)"},
	"subs.url":                  {"回调地址（webhook 必填）", "Webhook URL (webhooks only)"},
	"subs.purpose":              {"法定依据或主体授权（必填）", "Legal basis or consent (required)"},
	"subs.purpose.hint":         {"例如“《威海市社会信用条例》第二十条，联合惩戒”或“借款合同第 12 条授权，贷后管理”。", "E.g. the regulation and article, or the consent clause of a loan contract."},
	"subs.remove":               {"取消订阅", "Remove"},
	"subs.removed":              {"已取消", "Removed"},
	"subs.active":               {"有效", "Active"},
	"subs.created":              {"订阅已创建", "Subscription created"},
	"subs.secret":               {"签名密钥", "Signing secret"},
	"subs.secret.once":          {"签名密钥只显示这一次，请立即保存到接收系统中；遗失后需取消订阅并重新创建。", "The signing secret is shown this once: store it in the receiving system now. If it is lost, remove the subscription and create a new one."},
	"subs.verify":               {"接收方用此密钥按 HMAC-SHA256 校验 X-Xinyong-Signature 头（见接口文档）。", "The receiver checks the X-Xinyong-Signature header with this secret (HMAC-SHA256; see the API guide)."},
	"subs.back":                 {"返回订阅", "Back to subscriptions"},
	"subs.deliveries":           {"最近的通知", "Recent deliveries"},
	"subs.dead":                 {"死信（多次重试仍失败）", "Dead letters (failed after every retry)"},
	"subs.retry":                {"重新发送", "Retry"},
	"subs.nodeliveries":         {"暂无通知。", "No deliveries yet."},
	"delivery.pending":          {"待发送", "Pending"},
	"delivery.delivered":        {"已送达", "Delivered"},
	"delivery.dead":             {"死信", "Dead"},
	"delivery.attempts":         {"尝试次数", "Attempts"},
	"delivery.last":             {"最近结果", "Last result"},
	"delivery.change":           {"变更编号", "Change"},
	"outbox.intro":              {"状态变更先写入发件箱，再由后台转发到 NATS JetStream；代理不可用时消息保留并自动重试。", "Status changes go to the outbox first and are relayed to NATS JetStream in the background; while the broker is down they stay and are retried."},
	"outbox.pending":            {"待发送", "Pending"},
	"outbox.sent":               {"已发送", "Sent"},
	"outbox.failed":             {"发送失败", "Failed"},
	"outbox.oldest":             {"最早待发送", "Oldest pending"},
	"outbox.nonats":             {"未配置 NATS：消息在发件箱中累积，配置 XINYONG_NATS_URL 后自动补发。", "No NATS configured: messages accumulate in the outbox and go out once XINYONG_NATS_URL is set."},
	"outbox.topic":              {"主题", "Topic"},
	"outbox.error":              {"错误", "Error"},
	"outbox.tasks":              {"各部门任务统计", "Tasks per department"},
	"outbox.recent":             {"待发送与失败的消息", "Pending and failed messages"},
	"done.task_responded":       {"反馈已提交。", "The response was recorded."},
	"done.sub_removed":          {"订阅已取消。", "The subscription was removed."},
	"done.delivery_retried":     {"已重新排队发送。", "The delivery was queued again."},
	"scope.tasks:write":         {"查看并反馈本部门联合奖惩任务", "read and answer the department's response tasks"},
	"scope.subscriptions:write": {"管理监测订阅并查看通知", "manage monitoring subscriptions and see their deliveries"},
}

func init() {
	addMessages(deliveryMessages)
}

// ---- API ----

func (s *Server) apiTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.TaskFilter{Dept: q.Get("dept"), Status: credit.TaskStatus(q.Get("status"))}
	switch f.Status {
	case "", credit.TaskOpen, credit.TaskOverdue, credit.TaskResponded:
	default:
		s.apiError(w, r, invalidParam("status", "参数 status 应为 open、overdue 或 responded", "status must be open, overdue or responded"))
		return
	}
	limit, err := intParam(q, "limit", 200, 1, 1000)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Limit = limit
	tasks, err := s.app.Tasks(r.Context(), principal(r), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if tasks == nil {
		tasks = []*credit.Task{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tasks": tasks})
}

func (s *Server) apiTask(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		var t *credit.Task
		if t, err = s.app.Task(r.Context(), principal(r), id); err == nil {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	s.apiError(w, r, err)
}

func (s *Server) apiRespondTask(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	// The task first: another department's is refused before its body is read.
	if _, err := s.app.Task(r.Context(), principal(r), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Outcome  credit.TaskOutcome `json:"outcome"`
		Response string             `json:"response"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	t, err := s.app.RespondTask(r.Context(), principal(r), id, in.Outcome, in.Response)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) apiSubscriptions(w http.ResponseWriter, r *http.Request) {
	subs, err := s.app.Subscriptions(r.Context(), principal(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if subs == nil {
		subs = []*credit.Subscription{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"subscriptions": subs})
}

func (s *Server) apiSubscribe(w http.ResponseWriter, r *http.Request) {
	var in app.SubscribeRequest
	if err := readJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	sub, secret, err := s.app.Subscribe(r.Context(), principal(r), in, clientIP(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/subscriptions/"+strconv.FormatInt(sub.ID, 10))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"subscription": sub, "secret": secret})
}

// subscriptionOf loads the subscription of the path if the caller may see it.
func (s *Server) subscriptionOf(r *http.Request) (*credit.Subscription, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	sub, err := s.app.Store.Subscription(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := actsFor(principal(r), sub.Dept); err != nil {
		return nil, err
	}
	return sub, nil
}

func (s *Server) apiSubscription(w http.ResponseWriter, r *http.Request) {
	sub, err := s.subscriptionOf(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sub)
}

func (s *Server) apiUnsubscribe(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.app.Unsubscribe(r.Context(), principal(r), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.DeliveryFilter{Status: store.DeliveryStatus(q.Get("status"))}
	switch f.Status {
	case "", store.DeliveryPending, store.DeliveryDelivered, store.DeliveryDead:
	default:
		s.apiError(w, r, invalidParam("status", "参数 status 应为 pending、delivered 或 dead", "status must be pending, delivered or dead"))
		return
	}
	if v := q.Get("subscription"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.apiError(w, r, invalidParam("subscription", "参数 subscription 应为订阅编号", "subscription must be a subscription id"))
			return
		}
		f.SubscriptionID = id
	}
	list, err := s.app.Deliveries(r.Context(), principal(r), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if list == nil {
		list = []*store.WebhookDelivery{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": list})
}

func (s *Server) apiRetryDelivery(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.app.RetryDelivery(r.Context(), principal(r), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiOutbox(w http.ResponseWriter, r *http.Request) {
	st, err := s.app.OutboxState(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	counts, err := s.app.Store.TaskCounts(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if counts == nil {
		counts = []store.TaskCount{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"pending": st.Pending, "sent": st.Sent, "failed": st.Failed,
		"oldest_pending": st.OldestPending, "tasks": counts})
}

// ---- Console pages ----

type tasksPage struct {
	base
	D      depts
	Tasks  []*credit.Task
	Status string
	Now    time.Time
	Done   string
	Error  string
	ErrID  int64
}

// CanRespond reports whether the signed-in user may answer t (its own department's task).
func (p tasksPage) CanRespond(t *credit.Task) bool { return t.Status != credit.TaskResponded }

// Outcomes lists the outcomes a response may name.
func (p tasksPage) Outcomes() []credit.TaskOutcome { return credit.TaskOutcomes }

func (s *Server) tasksPage(w http.ResponseWriter, r *http.Request) (tasksPage, error) {
	p := tasksPage{base: s.consoleBase(w, r, "console.tasks"), Now: s.app.Now()}
	p.Done = done(p.L, r)
	p.Status = r.URL.Query().Get("status")
	switch credit.TaskStatus(p.Status) {
	case credit.TaskOpen, credit.TaskOverdue, credit.TaskResponded:
	default:
		p.Status = ""
	}
	var err error
	if p.D, err = s.depts(r, p.L); err != nil {
		return p, err
	}
	p.Tasks, err = s.app.Tasks(r.Context(), principal(r), store.TaskFilter{Status: credit.TaskStatus(p.Status), Limit: 500})
	return p, err
}

// consoleTasks is the department's inbox of response tasks (联合奖惩任务), with the form to respond.
func (s *Server) consoleTasks(w http.ResponseWriter, r *http.Request) {
	p, err := s.tasksPage(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "tasks", p)
}

func (s *Server) consoleRespondTask(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = readForm(r)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	_, err = s.app.RespondTask(r.Context(), principal(r), id, credit.TaskOutcome(r.PostForm.Get("outcome")), r.PostForm.Get("response"))
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p, err := s.tasksPage(w, r)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			p.Error, p.ErrID, p.Done = msg, id, ""
			s.render(w, r, status, "tasks", p)
		})
		return
	}
	http.Redirect(w, r, "/console/tasks?"+url.Values{"done": {"task_responded"}}.Encode(), http.StatusSeeOther)
}

// subscriptionForm is what the subscription form holds.
type subscriptionForm struct {
	Dept, Target, Subject, List, Channel, URL, Purpose string
}

type subscriptionsPage struct {
	base
	D          depts
	Subs       []*credit.Subscription
	Deliveries []*store.WebhookDelivery
	Dead       []*store.WebhookDelivery
	Form       subscriptionForm
	Admin      bool
	Error      string
	Done       string
}

func (s *Server) subscriptionsPage(w http.ResponseWriter, r *http.Request) (subscriptionsPage, error) {
	p := subscriptionsPage{base: s.consoleBase(w, r, "console.subscriptions"), Form: subscriptionForm{Target: "subject", Channel: "webhook"}}
	p.Done, p.Admin = done(p.L, r), principal(r).Has(auth.RoleAdmin)
	var err error
	if p.D, err = s.depts(r, p.L); err != nil {
		return p, err
	}
	ctx, pr := r.Context(), principal(r)
	if p.Subs, err = s.app.Subscriptions(ctx, pr); err != nil {
		return p, err
	}
	if p.Dead, err = s.app.Deliveries(ctx, pr, store.DeliveryFilter{Status: store.DeliveryDead, Limit: 100}); err != nil {
		return p, err
	}
	p.Deliveries, err = s.app.Deliveries(ctx, pr, store.DeliveryFilter{Limit: 50})
	return p, err
}

// consoleSubscriptions lists the department's subscriptions, recent deliveries and dead
// letters (with a retry button), and the form for a new subscription.
func (s *Server) consoleSubscriptions(w http.ResponseWriter, r *http.Request) {
	p, err := s.subscriptionsPage(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "subscriptions", p)
}

type subscriptionCreatedPage struct {
	base
	Sub    *credit.Subscription
	Secret string
}

// consoleSubscribe creates a subscription and shows the webhook secret this once.
func (s *Server) consoleSubscribe(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := subscriptionForm{Dept: r.PostForm.Get("dept"), Target: r.PostForm.Get("target"), Subject: strings.TrimSpace(r.PostForm.Get("subject")),
		List: r.PostForm.Get("list"), Channel: r.PostForm.Get("channel"), URL: r.PostForm.Get("url"), Purpose: r.PostForm.Get("purpose")}
	sub, secret, err := s.app.Subscribe(r.Context(), principal(r), app.SubscribeRequest{Dept: f.Dept, Target: credit.SubscriptionTarget(f.Target),
		Subject: f.Subject, List: f.List, Channel: credit.Channel(f.Channel), URL: f.URL, Purpose: f.Purpose}, clientIP(r))
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p, err := s.subscriptionsPage(w, r)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			// A resident ID typed into the form is not echoed back.
			if cr, cerr := s.app.CheckCode(r.Context(), f.Subject); cerr == nil && cr.Type == credit.CodeResidentID {
				f.Subject = ""
			}
			p.Form, p.Error, p.Done = f, msg, ""
			s.render(w, r, status, "subscriptions", p)
		})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusCreated, "subscription_created", subscriptionCreatedPage{base: s.consoleBase(w, r, "subs.created"), Sub: sub, Secret: secret})
}

func (s *Server) consoleUnsubscribe(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.app.Unsubscribe(r.Context(), principal(r), id)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/subscriptions?"+url.Values{"done": {"sub_removed"}}.Encode(), http.StatusSeeOther)
}

func (s *Server) consoleRetryDelivery(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.app.RetryDelivery(r.Context(), principal(r), id)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/subscriptions?"+url.Values{"done": {"delivery_retried"}}.Encode(), http.StatusSeeOther)
}

type outboxPage struct {
	base
	D        depts
	State    store.OutboxState
	Messages []*store.OutboxMessage
	Counts   []store.TaskCount
	NoNATS   bool
}

// consoleOutbox is the credit office's view of delivery: the outbox's counts, messages still
// pending or failed, and tasks per department and status (overdue ones for the assessment).
func (s *Server) consoleOutbox(w http.ResponseWriter, r *http.Request) {
	p := outboxPage{base: s.consoleBase(w, r, "console.outbox"), NoNATS: !s.app.Delivery.NATSConfigured}
	ctx := r.Context()
	var err error
	if p.D, err = s.depts(r, p.L); err == nil {
		if p.State, err = s.app.OutboxState(ctx); err == nil {
			if p.Counts, err = s.app.Store.TaskCounts(ctx); err == nil {
				var pending, failed []*store.OutboxMessage
				if pending, err = s.app.Store.OutboxMessages(ctx, store.OutboxPending, 50); err == nil {
					failed, err = s.app.Store.OutboxMessages(ctx, store.OutboxFailed, 50)
					p.Messages = append(failed, pending...)
				}
			}
		}
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "outbox", p)
}
