package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/store"
)

// selfBrowser is a cookie jar for one anonymous or signed-in browser, posting forms with the
// CSRF token its pages carry.
type selfBrowser struct {
	e       *env
	cookies map[string]string
}

func newSelfBrowser(e *env) *selfBrowser { return &selfBrowser{e: e, cookies: map[string]string{}} }

func (b *selfBrowser) send(method, target string, form url.Values) *httptest.ResponseRecorder {
	b.e.t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	for k, v := range b.cookies {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	w := httptest.NewRecorder()
	b.e.h.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return w
}

var csrfValue = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// post submits form to target with the token of the page at from.
func (b *selfBrowser) post(from, target string, form url.Values) *httptest.ResponseRecorder {
	b.e.t.Helper()
	m := csrfValue.FindStringSubmatch(b.send(http.MethodGet, from, nil).Body.String())
	if m == nil {
		b.e.t.Fatalf("no CSRF token on %s", from)
	}
	form.Set(csrfField, m[1])
	return b.send(http.MethodPost, target, form)
}

type catchCodes struct {
	mu    sync.Mutex
	codes []string
}

func (c *catchCodes) Send(_ context.Context, _, _, code string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.codes = append(c.codes, code)
	return nil
}

func (c *catchCodes) last() string { c.mu.Lock(); defer c.mu.Unlock(); return c.codes[len(c.codes)-1] }

// signInAdmin creates the admin (on first use) and returns its session id.
func (e *env) signInAdmin() string {
	e.t.Helper()
	e.admin()
	return e.adminSID
}

func TestEnterpriseSelfService(t *testing.T) {
	e := newEnv(t, Config{})
	// The credit office issues a credential from the console.
	admin := newSelfBrowser(e)
	admin.cookies[sessionCookie] = e.signInAdmin()
	w := admin.post("/console/subject-accounts", "/console/subject-accounts", url.Values{"code": {e.f.CodeA}})
	wantStatus(t, w, http.StatusCreated)
	m := regexp.MustCompile(`[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}`).FindString(w.Body.String())
	if m == "" {
		t.Fatalf("no credential shown: %s", clip(w.Body.String()))
	}
	contains(t, admin.send("GET", "/console/subject-accounts", nil).Body.String(), e.f.CodeA, e.f.NameA)

	// A department reads the company's non-public record: the read is logged.
	clerk := &auth.Principal{UserID: 42, Kind: auth.KindStaff, Dept: "zjj", Roles: []auth.Role{auth.RoleClerk}}
	if err := e.app.LogQuery(t.Context(), clerk, "政府采购供应商资格审查", e.f.CodeA, "GET /x", "records", "10.0.0.5"); err != nil {
		t.Fatal(err)
	}

	// Anonymous /my goes to the subject's sign-in form.
	co := newSelfBrowser(e)
	w = co.send("GET", "/my", nil)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/my/login") {
		t.Fatalf("anonymous /my: %d %q", w.Code, w.Header().Get("Location"))
	}
	// No CSRF token: refused.
	w = co.send("POST", "/my/login", url.Values{"code": {e.f.CodeA}, "credential": {m}})
	wantStatus(t, w, http.StatusForbidden)
	// A wrong credential: the one generic message.
	w = co.post("/my/login", "/my/login", url.Values{"code": {e.f.CodeA}, "credential": {"AAAAA-AAAAA-AAAAA-AAAAA"}})
	wantStatus(t, w, http.StatusUnauthorized)
	contains(t, w.Body.String(), "统一社会信用代码或激活凭证错误")
	w = co.post("/my/login", "/my/login", url.Values{"code": {e.f.CodeA}, "credential": {strings.ToLower(m)}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/my" {
		t.Fatalf("sign-in: %d %q %s", w.Code, w.Header().Get("Location"), clip(w.Body.String()))
	}
	body := co.send("GET", "/my", nil).Body.String()
	contains(t, body, e.f.NameA, e.f.DonationReceipt, "未公示", "公示中", "政府采购供应商资格审查", "部门工作人员")
	lacks(t, body, e.f.PersonRep, "user:42")
	// Viewing /my was not logged as someone's read.
	n := 0
	_ = e.app.QueryLogs(t.Context(), store.QueryLogFilter{SubjectKey: e.f.CodeA}, func(*store.QueryLog) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d query-log entries for the company, want 1", n)
	}
	// English.
	contains(t, co.send("GET", "/my?lang=en", nil).Body.String(), "Who looked at my record", "Not published")
	// The console is not the subject's; the staff sign-in form does not make it staff.
	for _, p := range []string{"/console/", "/console/users", "/console/subject-accounts", "/console/querylog"} {
		if w := co.send("GET", p, nil); w.Code != http.StatusForbidden {
			t.Errorf("subject on %s: %d, want 403", p, w.Code)
		}
	}
	// The API and the public portal still work for it.
	wantStatus(t, co.send("GET", "/subjects/"+e.f.CodeA, nil), http.StatusOK)

	// Revoked: signed out at once, and the credential no longer works.
	w = admin.post("/console/subject-accounts", "/console/subject-accounts/"+e.f.CodeA+"/revoke", url.Values{})
	wantStatus(t, w, http.StatusSeeOther)
	if w := co.send("GET", "/my", nil); w.Code != http.StatusSeeOther {
		t.Errorf("/my after revocation: %d", w.Code)
	}
	w = co.post("/my/login", "/my/login", url.Values{"code": {e.f.CodeA}, "credential": {m}})
	wantStatus(t, w, http.StatusUnauthorized)
}

func TestEnterpriseLockout(t *testing.T) {
	e := newEnv(t, Config{LoginPerMinute: 1000})
	plain, _, _, err := e.app.IssueSubjectCredential(t.Context(), "test", e.f.CodeB)
	if err != nil {
		t.Fatal(err)
	}
	b := newSelfBrowser(e)
	for i := range 4 {
		w := b.post("/my/login", "/my/login", url.Values{"code": {e.f.CodeB}, "credential": {"WRONG"}})
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, w.Code)
		}
	}
	w := b.post("/my/login", "/my/login", url.Values{"code": {e.f.CodeB}, "credential": {"WRONG"}})
	wantStatus(t, w, http.StatusForbidden)
	contains(t, w.Body.String(), "锁定")
	w = b.post("/my/login", "/my/login", url.Values{"code": {e.f.CodeB}, "credential": {plain}})
	wantStatus(t, w, http.StatusForbidden)
}

func TestPersonSelfService(t *testing.T) {
	e := newEnv(t, Config{LoginPerMinute: 1000})
	codes := &catchCodes{}
	e.app.Codes = codes
	b := newSelfBrowser(e)
	// Unknown and known IDs get the same answer.
	stranger := residentID("37100219800101111")
	w := b.post("/my/login/person", "/my/login/person", url.Values{"id": {stranger}})
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "如该证件号已登记，验证码已发送")
	w = b.post("/my/login/person", "/my/login/person", url.Values{"id": {e.f.PersonPen}})
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "如该证件号已登记，验证码已发送")
	if len(codes.codes) != 1 {
		t.Fatalf("%d codes sent, want 1 (only the registered ID)", len(codes.codes))
	}
	// CSRF on the verify form.
	w = b.send("POST", "/my/login/person/verify", url.Values{"id": {e.f.PersonPen}, "code": {codes.last()}})
	wantStatus(t, w, http.StatusForbidden)
	w = b.post("/my/login/person", "/my/login/person/verify", url.Values{"id": {e.f.PersonPen}, "code": {codes.last()}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/my" {
		t.Fatalf("verify: %d %s", w.Code, clip(w.Body.String()))
	}
	body := b.send("GET", "/my", nil).Body.String()
	contains(t, body, "李四", "威市监罚〔2026〕20号", "公示中")
	lacks(t, body, e.f.PersonPen) // only the masked ID
	// CSRF on sign-out, then sign-out.
	wantStatus(t, b.send("POST", "/my/logout", url.Values{}), http.StatusForbidden)
	w = b.post("/my", "/my/logout", url.Values{})
	wantStatus(t, w, http.StatusSeeOther)
	if w := b.send("GET", "/my", nil); w.Code != http.StatusSeeOther {
		t.Errorf("/my after sign-out: %d", w.Code)
	}
	// Over-attempted: five wrong codes, then the right one is refused.
	e.app.Now = func() time.Time { return testNow.Add(2 * time.Minute) }
	b.post("/my/login/person", "/my/login/person", url.Values{"id": {e.f.PersonPen}})
	right := codes.last()
	for range 5 {
		w = b.post("/my/login/person", "/my/login/person/verify", url.Values{"id": {e.f.PersonPen}, "code": {"12345x"}})
		wantStatus(t, w, http.StatusUnauthorized)
	}
	w = b.post("/my/login/person", "/my/login/person/verify", url.Values{"id": {e.f.PersonPen}, "code": {right}})
	wantStatus(t, w, http.StatusUnauthorized)
	contains(t, w.Body.String(), "验证码错误或已失效")
	// A staff user cannot open /my.
	wantStatus(t, e.get("/my", e.admin()...), http.StatusForbidden)
}

func TestSubjectAccountsCSRF(t *testing.T) {
	e := newEnv(t, Config{})
	hdr := []string{"Cookie", sessionCookie + "=" + e.signInAdmin(), "Content-Type", "application/x-www-form-urlencoded"}
	w := e.do("POST", "/console/subject-accounts", strings.NewReader("code="+e.f.CodeA), hdr...)
	wantStatus(t, w, http.StatusForbidden)
	w = e.do("POST", "/console/subject-accounts/"+e.f.CodeA+"/revoke", strings.NewReader(""), hdr...)
	wantStatus(t, w, http.StatusForbidden)
}
