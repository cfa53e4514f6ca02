package credit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Status-change delivery (状态变更的送达): the response tasks of joint rewards and punishments,
// monitoring subscriptions and the signed webhook notifications they receive. Pure rules only:
// the tables, the outbox relay to NATS JetStream and the HTTP calls live in store and app.

// TaskStatus is where a response task stands.
type TaskStatus string

// Task statuses. An overdue task can still be answered: it then becomes responded, and the
// response time beside the deadline shows it was late.
const (
	TaskOpen      TaskStatus = "open"      // 待响应
	TaskOverdue   TaskStatus = "overdue"   // 已逾期: past its deadline without a response
	TaskResponded TaskStatus = "responded" // 已响应
)

// TaskOutcome is what an implementing department did about a change (反馈结果).
type TaskOutcome string

// Outcomes of a response. Seed 000 (Weihai) describes the loop 自动识别、自动拦截、自动惩戒、
// 自动反馈: the department reports back whether the measure was carried out.
const (
	OutcomeApplied       TaskOutcome = "applied"        // 已落实措施: the measure was carried out
	OutcomeNotApplicable TaskOutcome = "not_applicable" // 不涉及: no matter of the department concerns the subject
	OutcomeNoted         TaskOutcome = "noted"          // 已知悉: taken note, e.g. a subject leaving a list
)

// TaskOutcomes lists every outcome in the order forms offer them.
var TaskOutcomes = []TaskOutcome{OutcomeApplied, OutcomeNotApplicable, OutcomeNoted}

// Valid reports whether o is one of the outcomes above.
func (o TaskOutcome) Valid() bool {
	for _, x := range TaskOutcomes {
		if x == o {
			return true
		}
	}
	return false
}

// Task is a joint-punishment or joint-reward response task (联合奖惩任务): one implementing
// department must respond to one status change of a subject by a deadline, saying what it did.
type Task struct {
	ID         int64      `json:"id"`
	ChangeID   string     `json:"change_id"` // the outbox message id of the change
	Kind       ChangeKind `json:"kind"`
	SubjectKey string     `json:"subject_key"` // never a resident ID
	List       string     `json:"list,omitempty"`
	EntryID    int64      `json:"entry_id,omitempty"`
	RecordID   int64      `json:"record_id,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	Dept       string     `json:"dept"`
	Status     TaskStatus `json:"status"`
	Deadline   time.Time  `json:"deadline"`
	CreatedAt  time.Time  `json:"created_at"`
	OverdueAt  time.Time  `json:"overdue_at,omitzero"` // when the overdue job marked it

	Outcome     TaskOutcome `json:"outcome,omitempty"`
	Response    string      `json:"response,omitempty"` // what was done, in the department's words
	RespondedBy string      `json:"responded_by,omitempty"`
	RespondedAt time.Time   `json:"responded_at,omitzero"`
}

// Late reports whether t was, or is, past its deadline at now without a timely response.
func (t *Task) Late(now time.Time) bool {
	if t.Status == TaskResponded {
		return t.RespondedAt.After(t.Deadline)
	}
	return !now.Before(t.Deadline)
}

// MaxResponseLen is the longest response text, in characters.
const MaxResponseLen = 500

// Respond records a department's response to t at now. A task is answered once; the response
// must name an outcome and say, in words, what was done.
func (t *Task) Respond(outcome TaskOutcome, response, by string, now time.Time) error {
	if t.Status == TaskResponded {
		return Errorf(ECONFLICT, "该任务已于 %s 响应 / the task was already answered", t.RespondedAt.Format(time.DateOnly))
	}
	if !outcome.Valid() {
		return &Error{Code: EINVALID, Field: "outcome", Rule: RuleEnum,
			Message: "反馈结果须为 applied（已落实措施）、not_applicable（不涉及）或 noted（已知悉）/ the outcome must be applied, not_applicable or noted"}
	}
	text, err := cleanDeliveryText("response", response, MaxResponseLen)
	if err != nil {
		return err
	}
	if text == "" {
		return &Error{Code: EINVALID, Field: "response", Rule: RuleRequired,
			Message: "请说明采取了哪些措施 / say what was done"}
	}
	t.Status, t.Outcome, t.Response, t.RespondedBy, t.RespondedAt = TaskResponded, outcome, text, by, now
	return nil
}

// cleanDeliveryText trims s and refuses invalid UTF-8, control characters other than line breaks and
// more than max characters, naming field.
func cleanDeliveryText(field, s string, max int) (string, error) {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
		return "", &Error{Code: EINVALID, Field: field, Rule: RuleFormat, Message: "含有无效字符 / contains invalid characters"}
	}
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > max {
		return "", &Error{Code: EINVALID, Field: field, Rule: RuleMaxLength,
			Message: "最多 " + strconv.Itoa(max) + " 个字符 / at most " + strconv.Itoa(max) + " characters"}
	}
	return s, nil
}

// SubscriptionTarget is what a subscription watches.
type SubscriptionTarget string

// Targets of a subscription.
const (
	TargetSubject SubscriptionTarget = "subject" // one subject, by its key
	TargetList    SubscriptionTarget = "list"    // every subject entering or leaving a list type
)

// Channel is how a subscriber is notified.
type Channel string

// Channels. Both go through the store first (a delivery row or an outbox message), so nothing
// is lost while the receiver or the broker is down.
const (
	ChannelWebhook Channel = "webhook" // an HTTPS POST signed with HMAC-SHA256
	ChannelNATS    Channel = "nats"    // a message on the subscriber's own JetStream subject
)

// Subscription is a monitoring subscription (监测订阅): a department, or an authorised partner
// such as a bank, is told when the status of a subject, or of anyone on a list, changes —
// without polling.
type Subscription struct {
	ID     int64              `json:"id"`
	Dept   string             `json:"dept"` // the subscribing department or partner
	Target SubscriptionTarget `json:"target"`
	// TargetKey is the subject key (canonical code, or a person's keyed hash) or the list type
	// code.
	TargetKey string `json:"target_key"`
	// Label shows the target to people: the code of an organisation, the masked resident ID of
	// a person, the list type code.
	Label   string  `json:"label"`
	Channel Channel `json:"channel"`
	URL     string  `json:"url,omitempty"` // webhooks only
	// Secret is the webhook signing secret, sealed with the platform key (it must be usable to
	// sign, so it cannot be hashed).
	Secret    []byte    `json:"-"`
	Purpose   string    `json:"purpose"` // the legal basis or consent the subscription rests on
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	RemovedAt time.Time `json:"removed_at,omitzero"`
}

// Active reports whether s still delivers.
func (s *Subscription) Active() bool { return s.RemovedAt.IsZero() }

// ValidListCode reports whether s has the shape of a list type code: lower-case ASCII letters,
// digits, underscores or dots, starting with a letter, at most 64 characters.
func ValidListCode(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// MaxURLLen is the longest webhook URL.
const MaxURLLen = 2048

// CheckWebhookURL parses a webhook URL and refuses what a platform should not call (SSRF care):
// anything but http and https, credentials in the URL, fragments, and — unless allowPrivate —
// hosts that are loopback, private, link-local or otherwise internal addresses, or names such
// as localhost. Names are checked again at connection time, after resolution (app). It returns
// the URL as it will be called.
func CheckWebhookURL(raw string, allowPrivate bool) (string, error) {
	bad := func(zh, en string) error {
		return &Error{Code: EINVALID, Field: "url", Rule: RuleFormat, Message: zh + " / " + en}
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", &Error{Code: EINVALID, Field: "url", Rule: RuleRequired, Message: "请填写回调地址 / a webhook URL is required"}
	}
	if len(raw) > MaxURLLen || !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return "", bad("回调地址格式无效", "invalid webhook URL")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return "", bad("回调地址格式无效", "invalid webhook URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", bad("回调地址只能使用 http 或 https", "the webhook URL must be http or https")
	}
	if u.User != nil {
		return "", bad("回调地址不能包含用户名或密码", "the webhook URL may not carry credentials")
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return "", bad("回调地址不能包含 # 片段", "the webhook URL may not have a fragment")
	}
	host := u.Hostname()
	if host == "" {
		return "", bad("回调地址缺少主机名", "the webhook URL has no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", bad("回调地址端口无效", "invalid port")
		}
	}
	if !allowPrivate {
		h := strings.ToLower(strings.TrimSuffix(host, "."))
		if h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".local") || strings.HasSuffix(h, ".internal") {
			return "", bad("回调地址不能指向本机或内网", "the webhook URL may not point to this host or an internal network")
		}
		if ip, err := netip.ParseAddr(h); err == nil && InternalAddr(ip) {
			return "", bad("回调地址不能指向本机或内网", "the webhook URL may not point to this host or an internal network")
		}
	}
	return u.String(), nil
}

// InternalAddr reports whether ip is an address a webhook must not reach unless the operator
// allows it: unspecified, loopback, private (RFC 1918, fc00::/7), link-local, multicast, shared
// address space (100.64.0.0/10) or an IPv4-mapped form of one of these.
func InternalAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsUnspecified() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return true
	}
	if ip.Is4() {
		b := ip.As4()
		return b[0] == 0 || b[0] == 100 && b[1]&0xc0 == 64 || b[0] == 255
	}
	return false
}

// SignatureHeader is the header a signed webhook carries: "t=<unix seconds>,v1=<hex>".
const SignatureHeader = "X-Xinyong-Signature"

// SignWebhook returns the SignatureHeader value for body sent at unix time ts: HMAC-SHA256
// with secret over "<ts>." followed by the body, in hex.
func SignWebhook(secret []byte, ts int64, body []byte) string {
	return "t=" + strconv.FormatInt(ts, 10) + ",v1=" + hex.EncodeToString(webhookMAC(secret, ts, body))
}

func webhookMAC(secret []byte, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ParseSignature reads a SignatureHeader value: its time and every v1 signature (a subscriber
// rotating secrets may see more than one). Unknown parts are ignored.
func ParseSignature(h string) (ts int64, sigs [][]byte, err error) {
	bad := &Error{Code: EINVALID, Field: SignatureHeader, Rule: RuleFormat, Message: "签名头格式无效 / malformed signature header"}
	if len(h) > 4096 {
		return 0, nil, bad
	}
	haveTS := false
	for part := range strings.SplitSeq(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return 0, nil, bad
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 || haveTS {
				return 0, nil, bad
			}
			ts, haveTS = n, true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return 0, nil, bad
			}
			sigs = append(sigs, b)
		}
	}
	if !haveTS || len(sigs) == 0 {
		return 0, nil, bad
	}
	return ts, sigs, nil
}

// VerifyWebhook checks a received webhook as a subscriber should: the header parses, its time
// is within tolerance of now (against replay), and one signature matches body under secret.
func VerifyWebhook(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, sigs, err := ParseSignature(header)
	if err != nil {
		return err
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return Errorf(EUNAUTH, "签名时间超出允许范围 / the signature's time is outside the tolerance")
	}
	want := webhookMAC(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return Errorf(EUNAUTH, "签名不匹配 / the signature does not match")
}

// RetryBackoff is the wait before retry number attempt (1 for the first retry): base doubled per
// attempt, at most max.
func RetryBackoff(attempt int, base, max time.Duration) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}
