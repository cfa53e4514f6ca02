package web

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/store"
)

// browser is a tiny cookie-keeping client over the handler.
type browser struct {
	e       *env
	cookies map[string]string
}

func (b *browser) do(method, target string, body io.Reader, ctype string) *httptest.ResponseRecorder {
	b.e.t.Helper()
	r := httptest.NewRequest(method, target, body)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
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

func (b *browser) get(target string) *httptest.ResponseRecorder {
	return b.do(http.MethodGet, target, nil, "")
}

func (b *browser) post(target string, form url.Values) *httptest.ResponseRecorder {
	return b.do(http.MethodPost, target, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func formToken(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no CSRF token in %s", clip(w.Body.String()))
	}
	return m[1]
}

// login signs in through the form as username and returns the CSRF token of the session.
func (b *browser) login(t testing.TB, username string) string {
	t.Helper()
	w := b.get("/console/login")
	wantStatus(t, w, http.StatusOK)
	tok := formToken(t, w)
	w = b.post("/console/login", url.Values{"csrf_token": {tok}, "username": {username}, "password": {testPassword}})
	wantStatus(t, w, http.StatusSeeOther)
	if w.Header().Get("Location") != "/console/" {
		t.Fatalf("login went to %q", w.Header().Get("Location"))
	}
	return formToken(t, b.get("/console/upload"))
}

func sessionOf(w *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

func TestConsoleLogin(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("zhang.san", "scjg", auth.RoleSubmitter)
	b := &browser{e: e, cookies: map[string]string{}}

	w := b.get("/console/upload?item=admin_penalty")
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/console/login?next="+url.QueryEscape("/console/upload?item=admin_penalty") {
		t.Errorf("Location %q", loc)
	}
	w = b.get("/console/login")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "用户名", `type="password"`, `autocomplete="username"`)
	lacks(t, w.Body.String(), "管理令牌")
	tok := formToken(t, w)
	pre := b.cookies[preCookie]
	if pre == "" {
		t.Fatal("no pre-session cookie")
	}
	good := url.Values{"username": {"zhang.san"}, "password": {testPassword}}

	// No CSRF token, or a wrong one: 403, however right the password.
	wantStatus(t, b.post("/console/login", good), http.StatusForbidden)
	good.Set("csrf_token", "forged")
	w = b.post("/console/login", good)
	wantStatus(t, w, http.StatusForbidden)
	contains(t, w.Body.String(), "表单已失效")
	// A token of another browser's pre-session does not pass either.
	other := &browser{e: e, cookies: map[string]string{}}
	good.Set("csrf_token", formToken(t, other.get("/console/login")))
	wantStatus(t, b.post("/console/login", good), http.StatusForbidden)
	// A wrong password, and an unknown user: the same answer.
	for _, bad := range []url.Values{
		{"csrf_token": {tok}, "username": {"zhang.san"}, "password": {"Wrong-password-1"}},
		{"csrf_token": {tok}, "username": {"li.si"}, "password": {testPassword}},
	} {
		w = b.post("/console/login", bad)
		wantStatus(t, w, http.StatusUnauthorized)
		contains(t, w.Body.String(), "用户名或密码错误", `value="`+bad.Get("username")+`"`)
		lacks(t, w.Body.String(), testPassword)
	}
	if _, ok := b.cookies[sessionCookie]; ok {
		t.Fatal("session after a failed login")
	}

	good.Set("csrf_token", tok)
	good.Set("next", "/console/upload?item=admin_penalty")
	w = b.post("/console/login", good)
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/console/upload?item=admin_penalty" {
		t.Errorf("after login: %q", loc)
	}
	sess := sessionOf(w)
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure || sess.Path != "/" {
		t.Fatalf("session cookie %+v", sess)
	}
	// Session fixation: the id the browser brought is not its session, and is dropped.
	if sess.Value == pre || !auth.ValidSessionID(sess.Value) {
		t.Fatalf("session %q reuses the pre-session id %q", sess.Value, pre)
	}
	if _, ok := b.cookies[preCookie]; ok {
		t.Error("the pre-session cookie survived the login")
	}
	if _, err := e.app.Session(t.Context(), pre, testNow); err == nil {
		t.Error("the pre-session id is a session")
	}
	w = b.get("/console/")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "报送批次", "市市场监督管理局", "企业登记基本信息", `href="/console/batches/1"`,
		`id="signed-in-user">zhang.san<`, `id="signed-in-dept">市市场监督管理局<`, "报送员")
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	// Signed in, the login form goes straight to the console; next cannot leave the site.
	w = b.get("/console/login?next=//evil.example/x")
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/console/" {
		t.Errorf("open redirect to %q", loc)
	}
	// A forged session does not pass.
	forged := &browser{e: e, cookies: map[string]string{sessionCookie: pre}}
	wantStatus(t, forged.get("/console/"), http.StatusSeeOther)

	// Logout needs the session's token, then the session is gone, in the store too.
	sid := b.cookies[sessionCookie]
	ctok := formToken(t, b.get("/console/"))
	wantStatus(t, b.post("/console/logout", url.Values{}), http.StatusForbidden)
	wantStatus(t, b.post("/console/logout", url.Values{"csrf_token": {tok}}), http.StatusForbidden) // the pre-session's
	wantStatus(t, b.post("/console/logout", url.Values{"csrf_token": {ctok}}), http.StatusSeeOther)
	wantStatus(t, b.get("/console/"), http.StatusSeeOther)
	if _, err := e.app.Session(t.Context(), sid, testNow); err == nil {
		t.Error("the session outlived the logout")
	}
	// Signing out again without a session is harmless and needs no token.
	wantStatus(t, b.post("/console/logout", url.Values{}), http.StatusSeeOther)
}

// The console ends a session after 30 idle minutes and says why on the login form.
func TestConsoleIdleTimeout(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("zhang.san", "scjg", auth.RoleSubmitter)
	b := &browser{e: e, cookies: map[string]string{}}
	b.login(t, "zhang.san")
	e.app.Now = func() time.Time { return testNow.Add(29 * time.Minute) }
	wantStatus(t, b.get("/console/"), http.StatusOK)
	e.app.Now = func() time.Time { return testNow.Add(29*time.Minute + 31*time.Minute) }
	w := b.get("/console/")
	wantStatus(t, w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	if !strings.Contains(loc, "ended=1") {
		t.Fatalf("Location %q", loc)
	}
	if _, ok := b.cookies[sessionCookie]; ok {
		t.Error("the ended session's cookie was kept")
	}
	contains(t, b.get(loc).Body.String(), "会话已结束")
}

// Five wrong passwords lock the account: the form says until when, even with the right one.
func TestConsoleLockout(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("zhang.san", "scjg", auth.RoleSubmitter)
	b := &browser{e: e, cookies: map[string]string{}}
	tok := formToken(t, b.get("/console/login"))
	for i := range 5 {
		w := b.post("/console/login", url.Values{"csrf_token": {tok}, "username": {"zhang.san"}, "password": {"Wrong-password-1"}})
		if i < 4 {
			wantStatus(t, w, http.StatusUnauthorized)
		} else {
			wantStatus(t, w, http.StatusForbidden)
			contains(t, w.Body.String(), "账户已临时锁定")
		}
	}
	w := b.post("/console/login", url.Values{"csrf_token": {tok}, "username": {"zhang.san"}, "password": {testPassword}})
	wantStatus(t, w, http.StatusForbidden)
	contains(t, w.Body.String(), "账户已临时锁定")
	if sessionOf(w) != nil {
		t.Error("a locked account signed in")
	}
}

// Sign-in is limited per address and per user name, search per address: 429, Retry-After and
// a Chinese message, page or JSON.
func TestRateLimits(t *testing.T) {
	e := newEnv(t, Config{LoginPerMinute: 3, SearchPerMinute: 4})
	b := &browser{e: e, cookies: map[string]string{}}
	tok := formToken(t, b.get("/console/login"))
	try := func(name string) *httptest.ResponseRecorder {
		return b.post("/console/login", url.Values{"csrf_token": {tok}, "username": {name}, "password": {"x"}})
	}
	for range 3 {
		wantStatus(t, try("a.b"), http.StatusUnauthorized)
	}
	w := try("c.d")
	wantStatus(t, w, http.StatusTooManyRequests)
	contains(t, w.Body.String(), "请求过于频繁")
	if w.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// Per user name, from many addresses.
	e2 := newEnv(t, Config{LoginPerMinute: 3})
	for i := range 4 {
		b2 := &browser{e: e2, cookies: map[string]string{}}
		tok2 := formToken(t, b2.get("/console/login"))
		r := httptest.NewRequest(http.MethodPost, "/console/login",
			strings.NewReader(url.Values{"csrf_token": {tok2}, "username": {"zhang.san"}, "password": {"x"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:1234", i+1)
		r.AddCookie(&http.Cookie{Name: preCookie, Value: b2.cookies[preCookie]})
		w := httptest.NewRecorder()
		e2.h.ServeHTTP(w, r)
		want := http.StatusUnauthorized
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if w.Code != want {
			t.Fatalf("attempt %d: %d, want %d", i+1, w.Code, want)
		}
	}
	// Search.
	for range 4 {
		wantStatus(t, e.get("/search?q=x"), http.StatusOK)
	}
	wantStatus(t, e.get("/search?q=x"), http.StatusTooManyRequests)
	w = e.get("/api/v1/subjects?q=x")
	wantStatus(t, w, http.StatusTooManyRequests)
	if ae := decode[apiErr](t, w); ae.Error.Code != eTooMany || !hasChinese(ae.Error.Message) || w.Header().Get("Retry-After") == "" {
		t.Errorf("%+v", ae)
	}
	wantStatus(t, e.get("/api/v1/stats"), http.StatusOK) // other routes are not limited
}

func TestLimiterBounded(t *testing.T) {
	l := newLimiter(60)
	l.max = 100
	now := testNow
	for i := range 1000 {
		l.allow(fmt.Sprint(i), now)
	}
	if len(l.buckets) > 100 {
		t.Fatalf("%d buckets", len(l.buckets))
	}
	l = newLimiter(2)
	if ok, _ := l.allow("k", now); !ok {
		t.Fatal("first")
	}
	l.allow("k", now)
	ok, wait := l.allow("k", now)
	if ok || wait < 29*time.Second || wait > 31*time.Second {
		t.Fatalf("third: %v %v", ok, wait)
	}
	if ok, _ := l.allow("k", now.Add(30*time.Second)); !ok {
		t.Fatal("after refill")
	}
}

// multipartForm builds an upload form: fields, the file, then the after fields.
func multipartForm(t testing.TB, fields [][2]string, fileName, content string, after ...[2]string) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(fw, content)
	}
	for _, f := range after {
		_ = mw.WriteField(f[0], f[1])
	}
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestConsoleUpload(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("zhang.san", "scjg", auth.RoleSubmitter)
	b := &browser{e: e, cookies: map[string]string{}}
	tok := b.login(t, "zhang.san")
	f := e.f

	w := b.get("/console/upload")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `enctype="multipart/form-data"`, `<select id="dept"`, `<select id="item"`, `type="file"`, "市市场监督管理局", "行政处罚")
	lacks(t, w.Body.String(), "市民政局") // a submitter chooses its own department only

	file := f.penaltyHeader() +
		f.penaltyRow("C-1", f.CodeB, f.NameB, "威市监罚〔2026〕61号", "2026-05-06") +
		f.penaltyRow("C-2", "123", f.NameB, "威市监罚〔2026〕62号", "2026-05-07") +
		f.penaltyRow("C-3", f.CodeB, f.NameB, "威市监罚〔2026〕63号", "2099-01-01")

	// Without the CSRF token: 403, nothing imported.
	body, ct := multipartForm(t, [][2]string{{"dept", "scjg"}, {"item", "admin_penalty"}}, "五月.csv", file)
	w = b.do(http.MethodPost, "/console/upload", body, ct)
	wantStatus(t, w, http.StatusForbidden)
	contains(t, w.Body.String(), "表单已失效")
	// The token after the file is too late: the file is not read.
	body, ct = multipartForm(t, [][2]string{{"dept", "scjg"}, {"item", "admin_penalty"}}, "五月.csv", file, [2]string{"csrf_token", tok})
	w = b.do(http.MethodPost, "/console/upload", body, ct)
	wantStatus(t, w, http.StatusForbidden)
	if bs, _ := e.app.Store.Batches(t.Context(), storeFilter("admin_penalty")); len(bs) != 1 {
		t.Fatalf("batches after a forged upload: %d", len(bs))
	}

	body, ct = multipartForm(t, [][2]string{{"csrf_token", tok}, {"dept", "scjg"}, {"item", "admin_penalty"}}, "五月.csv", file)
	w = b.do(http.MethodPost, "/console/upload", body, ct)
	wantStatus(t, w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	if !strings.HasPrefix(loc, "/console/batches/") {
		t.Fatalf("Location %q", loc)
	}
	w = b.get(loc)
	wantStatus(t, w, http.StatusOK)
	page := w.Body.String()
	contains(t, page, "五月.csv", `id="batch-rows">3<`, `id="batch-accepted">1<`, `id="batch-rejected">2<`,
		"统一社会信用代码/身份证号码 (subject_code)", "处罚决定日期 (decision_date)", "<code>code</code>", "<code>date</code>",
		loc+"/rejects?format=csv", loc+"/rejects?format=xlsx", loc+"/rejects?format=jsonl")
	w = b.get(loc + "/rejects?format=csv")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "错误原因", "C-2", "C-3")
	if !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Errorf("Content-Disposition %q", w.Header().Get("Content-Disposition"))
	}

	// The same file again: the batch page says nothing changed.
	body, ct = multipartForm(t, [][2]string{{"csrf_token", tok}, {"dept", "scjg"}, {"item", "admin_penalty"}}, "again.csv", file)
	w = b.do(http.MethodPost, "/console/upload", body, ct)
	wantStatus(t, w, http.StatusSeeOther)
	if w.Header().Get("Location") != loc+"?repeat=1" {
		t.Errorf("repeat went to %q", w.Header().Get("Location"))
	}
	contains(t, b.get(w.Header().Get("Location")).Body.String(), "未作任何更改")

	// A file-level error comes back on the form.
	body, ct = multipartForm(t, [][2]string{{"csrf_token", tok}, {"dept", "scjg"}, {"item", "admin_penalty"}}, "bad.csv", "foo,bar\n1,2\n")
	w = b.do(http.MethodPost, "/console/upload", body, ct)
	if w.Code == http.StatusSeeOther {
		w = b.get(w.Header().Get("Location")) // the failed batch's page
		contains(t, w.Body.String(), "表头与信息项不符", "失败")
	} else {
		wantStatus(t, w, http.StatusBadRequest)
		contains(t, w.Body.String(), "表头与信息项不符")
	}
	body, ct = multipartForm(t, [][2]string{{"csrf_token", tok}, {"dept", "wmb"}, {"item", "admin_penalty"}}, "x.csv", file)
	w = b.do(http.MethodPost, "/console/upload", body, ct)
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "不是信息项", `<form action="/console/upload"`)
	// Another department's item, as a submitter of scjg: refused.
	body, ct = multipartForm(t, [][2]string{{"csrf_token", tok}, {"dept", "mz"}, {"item", "charitable_donation"}}, "x.csv", e.f.donationCSV())
	w = b.do(http.MethodPost, "/console/upload", body, ct)
	wantStatus(t, w, http.StatusForbidden)
	contains(t, w.Body.String(), "其他部门")

	wantStatus(t, b.get("/console/batches/9999"), http.StatusNotFound)
}

func storeFilter(item string) store.BatchFilter { return store.BatchFilter{Item: item} }
