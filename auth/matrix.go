package auth

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xinyong/xinyong/credit"
)

// Rule says who may use one route (访问控制规则): the public, or principals holding one of
// Roles, or department tokens holding Scope; which disclosure level of data the route returns;
// and whether the caller must state a purpose.
type Rule struct {
	Method  string // "GET", "POST", …; "" matches every method (the site's fallback route)
	Pattern string // the path pattern exactly as registered with the mux: "/api/v1/batches/{id}"
	// Public routes are open to everyone, signed in or not. They may return public data only.
	Public bool
	Roles  []Role // staff and subject principals holding any of these may use the route
	Scope  Scope  // department tokens holding this scope may use the route; "" = no token may
	// Disclosure is the most protected level of credit information the route returns
	// (DisclosurePublic when it returns nothing beyond the public portal). Any other level is
	// a read the query log must record (查询使用登记).
	Disclosure credit.Disclosure
	// NeedsPurpose: the caller must state the purpose of the read — the administrative matter
	// (查询事由) — or be the subject reading its own record.
	NeedsPurpose bool
	// Purpose is the purpose implied by the route itself, logged when the caller states none
	// (a submitter reading the rejected rows of its own upload is correcting its submission).
	Purpose string
	// DeptScoped: the route acts on objects of one department; the handler must hold the
	// caller to its own: Principal.ActsFor(the object's department) once it has loaded an
	// object, a filter on Principal.Dept for a list (the admin sees every department's).
	DeptScoped bool
}

// Matrix is the whole authorisation matrix of the site: route × role × disclosure level. Web
// consults it for every request, in one middleware, before any handler runs.
type Matrix []Rule

// Decision is the matrix's answer for one request.
type Decision struct {
	Allow  bool
	Status int   // the HTTP status the answer implies: 200 allowed, 401, 403 or 400 refused
	Err    error // why not (a *credit.Error, Chinese first); nil when allowed
	Rule   *Rule // the rule that decided; nil when no rule matched
	// LogQuery: the read returns non-public data and must be entered in the query log, with
	// Purpose as the reason.
	LogQuery bool
	Purpose  string
}

// Refusals of the matrix, Chinese first.
var (
	ErrNoRule         = credit.Errorf(credit.EFORBIDDEN, "此路径未配置访问规则，一律拒绝 / no access rule for this route: refused")
	ErrSignIn         = credit.Errorf(credit.EUNAUTH, "请先登录或提供 API 令牌 / sign in or present an API token first")
	ErrTokenNotHere   = credit.Errorf(credit.EFORBIDDEN, "API 令牌不能用于此路径 / API tokens may not use this route")
	ErrPurposeMissing = credit.Errorf(credit.EFORBIDDEN, "须说明查询事由 / a purpose is required")
)

// MaxPurposeLen is the longest stated purpose, in characters.
const MaxPurposeLen = 200

// CleanPurpose checks a stated purpose (查询事由) and returns it without surrounding space.
// "" is a valid answer (no purpose stated); invalid UTF-8, control characters and more than
// MaxPurposeLen characters are refused.
func CleanPurpose(s string) (string, error) {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return "", &credit.Error{Code: credit.EINVALID, Field: "purpose", Rule: credit.RuleFormat,
			Message: "查询事由含有无效字符 / the purpose contains invalid characters"}
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > MaxPurposeLen {
		return "", &credit.Error{Code: credit.EINVALID, Field: "purpose", Rule: credit.RuleMaxLength,
			Message: "查询事由最多 200 个字符 / the purpose may be at most 200 characters"}
	}
	return s, nil
}

// find returns the rule of a route: the rule for exactly this method and pattern, else (for
// HEAD, which the mux serves with GET handlers) the GET rule, else an any-method rule.
func (m Matrix) find(method, pattern string) *Rule {
	var anyMethod *Rule
	var get *Rule
	for i := range m {
		r := &m[i]
		if r.Pattern != pattern {
			continue
		}
		switch r.Method {
		case method:
			return r
		case "":
			anyMethod = r
		case http.MethodGet:
			get = r
		}
	}
	if method == http.MethodHead && get != nil {
		return get
	}
	return anyMethod
}

// splitPattern accepts a pattern with or without its method ("GET /x" as http.Request.Pattern
// holds it, or "/x") and returns method and path.
func splitPattern(method, pattern string) (string, string) {
	method = strings.ToUpper(strings.TrimSpace(method))
	if m, p, ok := strings.Cut(pattern, " "); ok && !strings.HasPrefix(pattern, "/") {
		if method == "" {
			method = strings.ToUpper(m)
		}
		pattern = strings.TrimLeft(p, " ")
	}
	return method, pattern
}

// Decide answers whether p may call the route (method, pattern) — pattern as the mux matched
// it (http.Request.Pattern, with or without its method) — with the stated purpose. A nil p is
// the anonymous public. Routes without a rule are refused: the matrix is default-deny.
func (m Matrix) Decide(method, pattern string, p *Principal, purpose string) Decision {
	method, pattern = splitPattern(method, pattern)
	r := m.find(method, pattern)
	if r == nil {
		return deny(http.StatusForbidden, ErrNoRule, nil)
	}
	if r.Public {
		return Decision{Allow: true, Status: http.StatusOK, Rule: r, LogQuery: r.Disclosure != credit.DisclosurePublic}
	}
	switch p.kind() {
	case KindToken:
		if r.Scope == "" {
			return deny(http.StatusForbidden, ErrTokenNotHere, r)
		}
		if !p.HasScope(r.Scope) {
			return deny(http.StatusForbidden, credit.Errorf(credit.EFORBIDDEN,
				"API 令牌缺少权限范围 %s / the API token lacks the scope %s", r.Scope, r.Scope), r)
		}
	case KindStaff, KindSubject:
		if !p.hasAny(r.Roles) {
			return deny(http.StatusForbidden, rolesError(r.Roles), r)
		}
	default:
		return deny(http.StatusUnauthorized, ErrSignIn, r)
	}
	stated, err := CleanPurpose(purpose)
	if err != nil {
		return deny(http.StatusBadRequest, err, r)
	}
	d := Decision{Allow: true, Status: http.StatusOK, Rule: r, LogQuery: r.Disclosure != credit.DisclosurePublic, Purpose: stated}
	if d.Purpose == "" {
		d.Purpose = r.Purpose
	}
	if p.kind() == KindSubject {
		// A subject sees only itself (the handler holds it to p.SubjectKey): its consent is
		// its own act, no matter needs stating.
		if d.Purpose == "" {
			d.Purpose = "本人查询 / own record"
		}
	} else if r.NeedsPurpose && stated == "" {
		return deny(http.StatusForbidden, ErrPurposeMissing, r)
	}
	return d
}

func deny(status int, err error, r *Rule) Decision {
	return Decision{Status: status, Err: err, Rule: r}
}

func (p *Principal) hasAny(roles []Role) bool {
	for _, r := range roles {
		if p.Has(r) {
			return true
		}
	}
	return false
}

func rolesError(roles []Role) error {
	zh, en := make([]string, len(roles)), make([]string, len(roles))
	for i, r := range roles {
		zh[i], en[i] = r.NameZH(), string(r)
	}
	if len(roles) == 0 {
		return credit.Errorf(credit.EFORBIDDEN, "无权访问 / forbidden")
	}
	return credit.Errorf(credit.EFORBIDDEN, "无权访问：需要以下角色之一：%s / forbidden: requires one of the roles %s",
		strings.Join(zh, "、"), strings.Join(en, ", "))
}

// Missing returns the routes ({method, pattern}, as registered with the mux; method "" for a
// route registered without one) that have no rule, in the order given. A test holds the
// site's route list against the matrix with it, so a route added without a rule fails.
func (m Matrix) Missing(routes [][2]string) [][2]string {
	var out [][2]string
	for _, rt := range routes {
		method, pattern := splitPattern(rt[0], rt[1])
		if m.find(method, pattern) == nil {
			out = append(out, rt)
		}
	}
	return out
}

// Unused returns the rules that match none of routes: rules left behind by a removed route.
func (m Matrix) Unused(routes [][2]string) []Rule {
	have := map[[2]string]bool{}
	for _, rt := range routes {
		method, pattern := splitPattern(rt[0], rt[1])
		have[[2]string{method, pattern}] = true
	}
	var out []Rule
	for _, r := range m {
		if !have[[2]string{r.Method, r.Pattern}] {
			out = append(out, r)
		}
	}
	return out
}

var methods = map[string]bool{"": true, "GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true}

// Check refuses a matrix that could not be applied safely, listing every problem: duplicate
// rules, unknown roles or scopes, public rules that are not public data or carry roles, rules
// nobody can use, non-public reads without a purpose.
func (m Matrix) Check() error {
	var probs []string
	seen := map[[2]string]bool{}
	for _, r := range m {
		where := r.Method + " " + r.Pattern + ": "
		add := func(zh, en string) { probs = append(probs, where+zh+" / "+en) }
		key := [2]string{r.Method, r.Pattern}
		if seen[key] {
			add("规则重复", "duplicate rule")
		}
		seen[key] = true
		if !methods[r.Method] {
			add("未知请求方法", "unknown method")
		}
		if !strings.HasPrefix(r.Pattern, "/") {
			add("路径须以 / 开头", "pattern must start with /")
		}
		switch r.Disclosure {
		case credit.DisclosurePublic, credit.DisclosureShared, credit.DisclosureAuthorised:
		default:
			add("公开属性无效", "invalid disclosure level")
		}
		for _, role := range r.Roles {
			if !role.Valid() {
				add("未知角色 "+string(role), "unknown role")
			}
		}
		if r.Scope != "" && !r.Scope.Valid() {
			add("未知权限范围 "+string(r.Scope), "unknown scope")
		}
		if r.Public {
			if len(r.Roles) > 0 || r.Scope != "" || r.NeedsPurpose || r.DeptScoped {
				add("公开路径不应限定角色、范围、事由或部门", "a public rule takes no roles, scope, purpose or department")
			}
			if r.Disclosure != credit.DisclosurePublic {
				add("公开路径只能返回社会公开信息", "a public rule may return public data only")
			}
			continue
		}
		if len(r.Roles) == 0 && r.Scope == "" {
			add("无人可用：未指定角色或权限范围", "nobody can use it: no roles and no scope")
		}
		if r.Disclosure == credit.DisclosureAuthorised && !r.NeedsPurpose && r.Purpose == "" {
			add("授权查询信息须说明事由", "authorised-only data needs a stated or implied purpose")
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return credit.Errorf(credit.EINVALID, "授权矩阵有误 / invalid authorisation matrix:\n%s", strings.Join(probs, "\n"))
}
