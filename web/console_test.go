package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

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

func (b *browser) login(t testing.TB) string {
	t.Helper()
	w := b.get("/console/login")
	wantStatus(t, w, http.StatusOK)
	tok := formToken(t, w)
	w = b.post("/console/login", url.Values{"csrf_token": {tok}, "token": {testToken}})
	wantStatus(t, w, http.StatusSeeOther)
	if w.Header().Get("Location") != "/console/" {
		t.Fatalf("login went to %q", w.Header().Get("Location"))
	}
	return tok
}

func TestConsoleLogin(t *testing.T) {
	e := newEnv(t, Config{AdminToken: testToken})
	b := &browser{e: e, cookies: map[string]string{}}

	w := b.get("/console/")
	wantStatus(t, w, http.StatusSeeOther)
	if w.Header().Get("Location") != "/console/login" {
		t.Errorf("Location %q", w.Header().Get("Location"))
	}
	w = b.get("/console/login")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "管理令牌", `type="password"`)
	tok := formToken(t, w)

	// No CSRF token, or a wrong one: 403, however right the admin token.
	wantStatus(t, b.post("/console/login", url.Values{"token": {testToken}}), http.StatusForbidden)
	wantStatus(t, b.post("/console/login", url.Values{"token": {testToken}, "csrf_token": {"forged"}}), http.StatusForbidden)
	// A wrong admin token.
	w = b.post("/console/login", url.Values{"csrf_token": {tok}, "token": {"wrong"}})
	wantStatus(t, w, http.StatusForbidden)
	contains(t, w.Body.String(), "管理令牌不正确")
	if _, ok := b.cookies[sessionCookie]; ok {
		t.Fatal("session after a failed login")
	}

	w = b.post("/console/login", url.Values{"csrf_token": {tok}, "token": {testToken}})
	wantStatus(t, w, http.StatusSeeOther)
	var sess *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			sess = c
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || strings.Contains(sess.Value, testToken) {
		t.Fatalf("session cookie %+v", sess)
	}
	w = b.get("/console/")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "报送批次", "市市场监督管理局", "企业登记基本信息", `href="/console/batches/1"`)
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}

	// A forged session does not pass.
	forged := &browser{e: e, cookies: map[string]string{sessionCookie: "9999999999.abc"}}
	wantStatus(t, forged.get("/console/"), http.StatusSeeOther)

	// Logout needs the token too, then the session is gone.
	wantStatus(t, b.post("/console/logout", url.Values{}), http.StatusForbidden)
	wantStatus(t, b.post("/console/logout", url.Values{"csrf_token": {tok}}), http.StatusSeeOther)
	wantStatus(t, b.get("/console/"), http.StatusSeeOther)
}

func TestConsoleDisabled(t *testing.T) {
	e := newEnv(t, Config{})
	b := &browser{e: e, cookies: map[string]string{}}
	for _, p := range []string{"/console/login", "/console/", "/console/upload"} {
		w := b.get(p)
		wantStatus(t, w, http.StatusForbidden)
		contains(t, w.Body.String(), "未配置管理令牌")
	}
}

func multipartForm(t testing.TB, fields [][2]string, fileName, content string) (*bytes.Buffer, string) {
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
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestConsoleUpload(t *testing.T) {
	e := newEnv(t, Config{AdminToken: testToken})
	b := &browser{e: e, cookies: map[string]string{}}
	tok := b.login(t)
	f := e.f

	w := b.get("/console/upload")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `enctype="multipart/form-data"`, `<select id="dept"`, `<select id="item"`, `type="file"`, "市市场监督管理局", "行政处罚")

	file := f.penaltyHeader() +
		f.penaltyRow("C-1", f.CodeB, f.NameB, "威市监罚〔2026〕61号", "2026-05-06") +
		f.penaltyRow("C-2", "123", f.NameB, "威市监罚〔2026〕62号", "2026-05-07") +
		f.penaltyRow("C-3", f.CodeB, f.NameB, "威市监罚〔2026〕63号", "2099-01-01")

	// Without the CSRF token: 403, nothing imported.
	body, ct := multipartForm(t, [][2]string{{"dept", "scjg"}, {"item", "admin_penalty"}}, "五月.csv", file)
	w = b.do(http.MethodPost, "/console/upload", body, ct)
	wantStatus(t, w, http.StatusForbidden)
	contains(t, w.Body.String(), "表单已过期")
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

	wantStatus(t, b.get("/console/batches/9999"), http.StatusNotFound)
}

func storeFilter(item string) store.BatchFilter { return store.BatchFilter{Item: item} }
