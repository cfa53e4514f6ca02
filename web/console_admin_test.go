package web

import (
	"bufio"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/auth"
)

// signInAs signs username in through the form, checks where it lands, and returns the CSRF
// token of its session (read from the landing page).
func (b *browser) signInAs(t testing.TB, username, landing string) string {
	t.Helper()
	tok := formToken(t, b.get("/console/login"))
	w := b.post("/console/login", url.Values{"csrf_token": {tok}, "username": {username}, "password": {testPassword}})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != landing {
		t.Fatalf("%s landed on %q, want %q", username, loc, landing)
	}
	w = b.get(landing)
	wantStatus(t, w, http.StatusOK)
	return formToken(t, w)
}

func newBrowser(e *env) *browser { return &browser{e: e, cookies: map[string]string{}} }

// auditHead is the seq of the newest audit entry.
func (e *env) auditHead() int64 {
	e.t.Helper()
	seq, _, err := e.app.Store.AuditHead(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// lastAudit returns the newest audit entry's actor, action and object.
func (e *env) lastAudit() (actor, action, object string) {
	e.t.Helper()
	err := e.app.Store.AuditEntries(e.t.Context(), e.auditHead(), func(en *audit.Entry) error {
		actor, action, object = en.Actor, en.Action, en.Object
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return
}

// userActor is how the audit trail names a user.
func (e *env) userActor(username string) string {
	e.t.Helper()
	u, err := e.app.User(e.t.Context(), username)
	if err != nil {
		e.t.Fatal(err)
	}
	return app.UserPrincipal(u).Actor()
}

var navLinks = map[string]string{
	"/console/": "报送批次", "/console/upload": "上传报送文件", "/console/departments": "部门管理", "/console/users": "用户管理",
	"/console/tokens": "接口令牌", "/console/querylog": "查询使用登记", "/console/audit": "审计日志",
}

// checkNav holds the console header to exactly the sections in want.
func checkNav(t *testing.T, who, body string, want ...string) {
	t.Helper()
	_, nav, _ := strings.Cut(body, "<nav")
	nav, _, _ = strings.Cut(nav, "</nav>")
	for href, label := range navLinks {
		link := `href="` + href + `"`
		has := strings.Contains(nav, link)
		if wanted := strings.Contains(" "+strings.Join(want, " ")+" ", " "+href+" "); has != wanted {
			t.Errorf("%s: navigation link to %s (%s): %v, want %v", who, href, label, has, wanted)
		}
	}
}

// Who may open which management and oversight page, and what the header offers each.
func TestConsoleAccessByRole(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("admin", "fgw", auth.RoleAdmin)
	e.addUser("sub", "scjg", auth.RoleSubmitter)
	e.addUser("aud", "fgw", auth.RoleAuditor)
	pages := []string{"/console/departments", "/console/users", "/console/tokens", "/console/users/sub/password",
		"/console/querylog", "/console/audit", "/console/querylog/export?format=jsonl", "/console/audit/export"}
	oversight := map[string]bool{"/console/querylog": true, "/console/audit": true,
		"/console/querylog/export?format=jsonl": true, "/console/audit/export": true}

	admin := newBrowser(e)
	admin.signInAs(t, "admin", "/console/")
	checkNav(t, "admin", admin.get("/console/").Body.String(), "/console/", "/console/upload", "/console/departments",
		"/console/users", "/console/tokens", "/console/querylog", "/console/audit")
	for _, p := range pages {
		w := admin.get(p)
		wantStatus(t, w, http.StatusOK)
	}
	w := admin.get("/console/users")
	contains(t, w.Body.String(), `aria-current="page"`, "用户管理")

	sub := newBrowser(e)
	sub.signInAs(t, "sub", "/console/")
	checkNav(t, "submitter", sub.get("/console/").Body.String(), "/console/", "/console/upload")
	for _, p := range pages {
		w := sub.get(p)
		wantStatus(t, w, http.StatusForbidden)
		contains(t, w.Body.String(), "无权访问")
	}

	aud := newBrowser(e)
	tok := aud.signInAs(t, "aud", "/console/querylog") // an auditor has no batches: it lands on the log
	w = aud.get("/console/audit")
	checkNav(t, "auditor", w.Body.String(), "/console/querylog", "/console/audit")
	contains(t, w.Body.String(), `class="brand" href="/console/querylog"`) // its console's home
	for _, p := range pages {
		want := http.StatusForbidden
		if oversight[p] {
			want = http.StatusOK
		}
		wantStatus(t, aud.get(p), want)
	}
	wantStatus(t, aud.get("/console/"), http.StatusForbidden)
	before := e.auditHead()
	wantStatus(t, aud.post("/console/users", url.Values{"csrf_token": {tok}, "username": {"x.y"}, "name": {"X"},
		"dept": {"fgw"}, "roles": {"admin"}, "password": {testPassword}}), http.StatusForbidden)
	wantStatus(t, aud.post("/console/users/sub/disable", url.Values{"csrf_token": {tok}}), http.StatusForbidden)
	if e.auditHead() != before {
		t.Error("a refused request changed something")
	}
}

// Every POST of the management pages needs the session's CSRF token: without it, or with the
// token of another session, it is refused and nothing changes.
func TestConsoleAdminCSRF(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("admin", "fgw", auth.RoleAdmin)
	e.addUser("sub", "scjg", auth.RoleSubmitter)
	_, tok := e.issueToken("scjg", auth.ScopeBatchesRead)
	b := newBrowser(e)
	b.signInAs(t, "admin", "/console/")
	other := newBrowser(e)
	otherTok := other.signInAs(t, "admin", "/console/")
	posts := map[string]url.Values{
		"/console/departments":        {"code": {"newdept"}, "name_zh": {"新部门"}, "level": {"city"}},
		"/console/users":              {"username": {"new.user"}, "name": {"新用户"}, "dept": {"fgw"}, "roles": {"admin"}, "password": {testPassword}},
		"/console/users/sub/disable":  {},
		"/console/users/sub/enable":   {},
		"/console/users/sub/password": {"password": {"Another#Pass-9x"}, "password2": {"Another#Pass-9x"}},
		"/console/tokens":             {"dept": {"scjg"}, "name": {"x"}, "scopes": {"batches:read"}, "expires": {"2026-09-01"}},
		"/console/tokens/" + strconv.FormatInt(tok.ID, 10) + "/revoke": {},
	}
	before := e.auditHead()
	for path, form := range posts {
		wantStatus(t, b.post(path, form), http.StatusForbidden)
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("csrf_token", otherTok)
		w := b.post(path, f)
		wantStatus(t, w, http.StatusForbidden)
		contains(t, w.Body.String(), "表单已失效")
	}
	if e.auditHead() != before {
		t.Error("a forged form changed something")
	}
}

func TestConsoleDepartments(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("admin", "fgw", auth.RoleAdmin)
	b := newBrowser(e)
	tok := b.signInAs(t, "admin", "/console/")
	w := b.get("/console/departments")
	contains(t, w.Body.String(), "市市场监督管理局", `<code>scjg</code>`, `name="code"`, `for="dept-code"`)

	// Refused input: the form again with the reason and what was typed.
	w = b.post("/console/departments", url.Values{"csrf_token": {tok}, "code": {"Bad Code"}, "name_zh": {"某局"}})
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "部门代码须为小写字母开头", `value="某局"`)

	form := url.Values{"csrf_token": {tok}, "code": {"hcq_scjg"}, "name_zh": {"环翠区市场监督管理局"}, "name_en": {"Huancui market regulation"},
		"level": {"county"}, "parent": {"scjg"}}
	w = b.post("/console/departments", form)
	wantStatus(t, w, http.StatusSeeOther)
	w = b.get(w.Header().Get("Location"))
	contains(t, w.Body.String(), "部门已保存", "环翠区市场监督管理局", "区县级")
	if actor, action, object := e.lastAudit(); actor != e.userActor("admin") || action != app.ActionDeptPut || object != "dept:hcq_scjg" {
		t.Errorf("audit entry %s %s %s", actor, action, object)
	}
	// Edit: the form comes filled in; the code stays.
	w = b.get("/console/departments?edit=hcq_scjg")
	contains(t, w.Body.String(), "编辑部门", `value="hcq_scjg" readonly`, `value="scjg" selected`)
	form.Set("name_zh", "威海市环翠区市场监督管理局")
	form.Set("editing", "1")
	wantStatus(t, b.post("/console/departments", form), http.StatusSeeOther)
	contains(t, b.get("/console/departments").Body.String(), "威海市环翠区市场监督管理局")
	wantStatus(t, b.get("/console/departments?edit=nosuch"), http.StatusNotFound)
}

func TestConsoleUsers(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("admin", "fgw", auth.RoleAdmin)
	e.addUser("sub", "scjg", auth.RoleSubmitter)
	b := newBrowser(e)
	tok := b.signInAs(t, "admin", "/console/")
	w := b.get("/console/users")
	contains(t, w.Body.String(), "<th scope=\"row\">sub</th>", "报送员", `for="role-auditor"`, `for="new-password"`)
	lacks(t, w.Body.String(), `value="subject"`) // self-service is no staff role

	// A weak password is refused with the policy's reason, the form kept, the password not.
	weak := url.Values{"csrf_token": {tok}, "username": {"wang.wu"}, "name": {"王五"}, "dept": {"sw"},
		"roles": {"submitter", "reviewer"}, "password": {"12345678"}}
	w = b.post("/console/users", weak)
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "密码至少 12 个字符", `value="wang.wu"`, `value="submitter" checked`, `value="reviewer" checked`)
	lacks(t, w.Body.String(), `value="12345678"`)
	weak.Set("password", "Wang.Wu-2026-bay")
	contains(t, b.post("/console/users", weak).Body.String(), "密码不能包含用户名")

	good := url.Values{"csrf_token": {tok}, "username": {"Wang.Wu"}, "name": {"王五"}, "dept": {"sw"},
		"roles": {"submitter", "reviewer"}, "password": {testPassword}}
	w = b.post("/console/users", good)
	wantStatus(t, w, http.StatusSeeOther)
	w = b.get(w.Header().Get("Location"))
	contains(t, w.Body.String(), "用户已添加", "<th scope=\"row\">wang.wu</th>", "报送员、审核员")
	if actor, action, object := e.lastAudit(); actor != e.userActor("admin") || action != app.ActionUserAdd || object != "user:wang.wu" {
		t.Errorf("audit entry %s %s %s", actor, action, object)
	}
	wantStatus(t, b.post("/console/users", good), http.StatusConflict) // taken
	// The department filter.
	w = b.get("/console/users?dept=sw")
	contains(t, w.Body.String(), "wang.wu")
	lacks(t, w.Body.String(), `<th scope="row">sub</th>`)

	// Disabling ends the user's session at once: its next request goes to the login form.
	wb := newBrowser(e)
	wb.signInAs(t, "wang.wu", "/console/")
	w = b.post("/console/users/wang.wu/disable", url.Values{"csrf_token": {tok}})
	wantStatus(t, w, http.StatusSeeOther)
	contains(t, b.get(w.Header().Get("Location")).Body.String(), "用户已停用", "/console/users/wang.wu/enable")
	if actor, action, _ := e.lastAudit(); actor != e.userActor("admin") || action != app.ActionUserDisable {
		t.Errorf("audit entry %s %s", actor, action)
	}
	w = wb.get("/console/upload")
	wantStatus(t, w, http.StatusSeeOther)
	if !strings.HasPrefix(w.Header().Get("Location"), "/console/login") {
		t.Errorf("a disabled user's request went to %q", w.Header().Get("Location"))
	}
	wantStatus(t, b.post("/console/users/wang.wu/enable", url.Values{"csrf_token": {tok}}), http.StatusSeeOther)
	wb.signInAs(t, "wang.wu", "/console/")
	// The last admin cannot disable itself.
	w = b.post("/console/users/admin/disable", url.Values{"csrf_token": {tok}})
	wantStatus(t, w, http.StatusConflict)
	contains(t, w.Body.String(), "最后一个可用的管理员")
	wantStatus(t, b.post("/console/users/nobody/disable", url.Values{"csrf_token": {tok}}), http.StatusNotFound)

	// Resetting a password: the policy, the confirmation, then the user's sessions end.
	w = b.get("/console/users/wang.wu/password")
	contains(t, w.Body.String(), `id="target-user">wang.wu<`, `autocomplete="new-password"`)
	w = b.post("/console/users/wang.wu/password", url.Values{"csrf_token": {tok}, "password": {"password"}, "password2": {"password"}})
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "密码至少 12 个字符")
	w = b.post("/console/users/wang.wu/password", url.Values{"csrf_token": {tok}, "password": {"Another#Pass-9x"}, "password2": {"Another#Pass-9y"}})
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "两次输入的密码不一致")
	w = b.post("/console/users/wang.wu/password", url.Values{"csrf_token": {tok}, "password": {"Another#Pass-9x"}, "password2": {"Another#Pass-9x"}})
	wantStatus(t, w, http.StatusSeeOther)
	if actor, action, _ := e.lastAudit(); actor != e.userActor("admin") || action != app.ActionUserPasswordReset {
		t.Errorf("audit entry %s %s", actor, action)
	}
	wantStatus(t, wb.get("/console/"), http.StatusSeeOther)
	if _, _, err := e.app.Login(t.Context(), "wang.wu", "Another#Pass-9x", "192.0.2.1", "test"); err != nil {
		t.Errorf("the new password does not sign in: %v", err)
	}
	wantStatus(t, b.get("/console/users/nobody/password"), http.StatusNotFound)
}

func TestConsoleTokens(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("admin", "fgw", auth.RoleAdmin)
	b := newBrowser(e)
	tok := b.signInAs(t, "admin", "/console/")
	w := b.get("/console/tokens")
	contains(t, w.Body.String(), "还没有签发接口令牌", `value="batches:read"`, `type="date"`, `value="2026-09-13"`)

	// Refusals keep the form.
	w = b.post("/console/tokens", url.Values{"csrf_token": {tok}, "dept": {"scjg"}, "name": {"报送系统"}, "expires": {"2026-09-01"}})
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), `value="报送系统"`)
	w = b.post("/console/tokens", url.Values{"csrf_token": {tok}, "dept": {"scjg"}, "name": {"报送系统"}, "scopes": {"batches:read"}, "expires": {"2028-01-01"}})
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "令牌有效期最长一年", `value="batches:read" checked`)
	w = b.post("/console/tokens", url.Values{"csrf_token": {tok}, "dept": {"scjg"}, "name": {"报送系统"}, "scopes": {"batches:read"}, "expires": {"soon"}})
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "有效期须为日期")

	// Issued: the plain token on this answer, once, with the warning.
	w = b.post("/console/tokens", url.Values{"csrf_token": {tok}, "dept": {"scjg"}, "name": {"报送系统"},
		"scopes": {"records:write", "batches:read"}, "expires": {"2026-09-01"}})
	wantStatus(t, w, http.StatusCreated)
	body := w.Body.String()
	contains(t, body, "只显示这一次", "records:write, batches:read", "2026-09-02 00:00")
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	start := strings.Index(body, `readonly spellcheck="false">`)
	if start < 0 {
		t.Fatalf("no token on the page: %s", clip(body))
	}
	plain := body[start+len(`readonly spellcheck="false">`):]
	plain = plain[:strings.Index(plain, "<")]
	if _, ok := auth.ParseToken(plain); !ok {
		t.Fatalf("token %q", plain)
	}
	wantStatus(t, e.get("/api/v1/batches", bearer(plain)...), http.StatusOK)
	if actor, action, _ := e.lastAudit(); actor != e.userActor("admin") || action != app.ActionTokenIssue {
		t.Errorf("audit entry %s %s", actor, action)
	}
	// The list describes it and never shows it again.
	w = b.get("/console/tokens")
	contains(t, w.Body.String(), "报送系统", "市市场监督管理局", "records:write, batches:read", "有效", e.userActor("admin"))
	lacks(t, w.Body.String(), plain, auth.TokenHash(plain), plain[len(plain)-10:])

	// Revoked: at once, and only once.
	ts, err := e.app.Tokens(t.Context(), "scjg")
	if err != nil || len(ts) != 1 {
		t.Fatalf("tokens %v %v", ts, err)
	}
	revoke := "/console/tokens/" + strconv.FormatInt(ts[0].ID, 10) + "/revoke"
	w = b.post(revoke, url.Values{"csrf_token": {tok}})
	wantStatus(t, w, http.StatusSeeOther)
	contains(t, b.get(w.Header().Get("Location")).Body.String(), "令牌已吊销", "已吊销")
	if actor, action, _ := e.lastAudit(); actor != e.userActor("admin") || action != app.ActionTokenRevoke {
		t.Errorf("audit entry %s %s", actor, action)
	}
	wantStatus(t, e.get("/api/v1/batches", bearer(plain)...), http.StatusUnauthorized)
	wantStatus(t, b.post(revoke, url.Values{"csrf_token": {tok}}), http.StatusConflict)
	wantStatus(t, b.post("/console/tokens/x/revoke", url.Values{"csrf_token": {tok}}), http.StatusNotFound)
}

func TestConsoleQueryLog(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("aud", "fgw", auth.RoleAuditor)
	e.addUser("clerk", "zjj", auth.RoleClerk)
	ctx := t.Context()
	u, err := e.app.User(ctx, "clerk")
	if err != nil {
		t.Fatal(err)
	}
	clerk := app.UserPrincipal(u)
	personKey, err := e.app.SubjectKeyOf(ctx, e.f.PersonPen)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 55 {
		if err := e.app.LogQuery(ctx, clerk, "政府采购资格审查 "+strconv.Itoa(i), e.f.CodeA, "GET /x", "records×1", "192.0.2.9"); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.app.LogQuery(ctx, nil, "=HYPERLINK(\"x\")", personKey, "GET /y", "records×2", "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(e)
	b.signInAs(t, "aud", "/console/querylog")

	// Newest first, 50 a page.
	w := b.get("/console/querylog")
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	contains(t, body, "HYPERLINK", "政府采购资格审查 54<", "政府采购资格审查 6<", `rel="next"`, clerk.Actor())
	lacks(t, body, "政府采购资格审查 5<", "政府采购资格审查 0<")
	if strings.Index(body, "HYPERLINK") > strings.Index(body, "政府采购资格审查 54<") {
		t.Error("the newest entry is not first")
	}
	next := regexpFind(t, body, `href="(/console/querylog\?[^"]+)" rel="next"`)
	w = b.get(strings.ReplaceAll(next, "&amp;", "&"))
	contains(t, w.Body.String(), "政府采购资格审查 5<", "政府采购资格审查 0<")
	lacks(t, w.Body.String(), "政府采购资格审查 6<", "HYPERLINK", `rel="next"`)

	// By subject: a resident ID finds its keyed hash, never shown as the ID.
	w = b.get("/console/querylog?subject=" + e.f.PersonPen)
	contains(t, w.Body.String(), personKey, "HYPERLINK")
	lacks(t, w.Body.String(), "政府采购资格审查")
	w = b.get("/console/querylog?actor=" + url.QueryEscape(clerk.Actor()) + "&from=2026-06-15&to=2026-06-15")
	contains(t, w.Body.String(), "政府采购资格审查 3")
	lacks(t, w.Body.String(), "HYPERLINK")
	contains(t, b.get("/console/querylog?from=2026-06-16").Body.String(), "没有符合条件的查询记录")
	w = b.get("/console/querylog?subject=91371002XYZ")
	wantStatus(t, w, http.StatusBadRequest)
	w = b.get("/console/querylog?from=15/06/2026")
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "日期格式应为")
	wantStatus(t, b.get("/console/querylog?from=2026-06-16&to=2026-06-15"), http.StatusBadRequest)

	// Exports: every matching entry, CSV safe to open in a spreadsheet, and JSON Lines.
	w = b.get("/console/querylog/export?format=csv")
	wantStatus(t, w, http.StatusOK)
	if !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") || !strings.HasPrefix(w.Body.String(), "\ufeff") {
		t.Errorf("csv export: %q", w.Header())
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 57 || rows[0][4] != "purpose" || rows[56][4] != `'=HYPERLINK("x")` || rows[56][5] != personKey {
		t.Errorf("csv export: %d rows, %v; last %v", len(rows), err, rows[len(rows)-1])
	}
	w = b.get("/console/querylog/export?format=jsonl&subject=" + e.f.PersonPen)
	wantStatus(t, w, http.StatusOK)
	if n := strings.Count(w.Body.String(), "\n"); n != 1 || !strings.Contains(w.Body.String(), personKey) {
		t.Errorf("jsonl export: %d lines: %s", n, w.Body.String())
	}
	wantStatus(t, b.get("/console/querylog/export?format=xml"), http.StatusBadRequest)
}

func TestConsoleAudit(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("aud", "fgw", auth.RoleAuditor)
	b := newBrowser(e)
	b.signInAs(t, "aud", "/console/querylog")
	head := e.auditHead()
	_, hash, _ := e.app.Store.AuditHead(t.Context())
	w := b.get("/console/audit")
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	_, anchor, err := e.app.AuditAnchor(t.Context(), testNow, displayZone)
	if err != nil {
		t.Fatal(err)
	}
	contains(t, body, "审计链完整", `id="audit-head-seq">`+strconv.FormatInt(head, 10)+"<", hash, anchor,
		"2026-06-15", "2026-06-09", app.ActionLoginSuccess, "/console/audit/export")
	lacks(t, body, "2026-06-08")
	if n := strings.Count(body, "<tr><th scope=\"row\">2026-06-"); n != 7 {
		t.Errorf("%d anchors, want 7", n)
	}

	w = b.get("/console/audit/export")
	wantStatus(t, w, http.StatusOK)
	sc := bufio.NewScanner(strings.NewReader(w.Body.String()))
	sc.Buffer(nil, 1<<20)
	lines := 0
	for sc.Scan() {
		lines++
	}
	if int64(lines) != head || !strings.Contains(w.Header().Get("Content-Disposition"), "audit-20260615.jsonl") {
		t.Errorf("export: %d lines, want %d; %q", lines, head, w.Header().Get("Content-Disposition"))
	}
	w = b.get("/console/audit/export?from=2")
	if n := strings.Count(w.Body.String(), "\n"); int64(n) != head-1 {
		t.Errorf("export from 2: %d lines", n)
	}
	wantStatus(t, b.get("/console/audit/export?from=0"), http.StatusBadRequest)
}

// The navigation's sections are routes the server registers.
func TestConsoleSectionsAreRoutes(t *testing.T) {
	e := newEnv(t, Config{})
	for _, c := range consoleSections {
		found := false
		for _, rt := range e.srv.registered {
			found = found || rt == [2]string{"GET", c.pattern}
		}
		if !found {
			t.Errorf("section %s: no route GET %s", c.path, c.pattern)
		}
		if _, ok := messages[c.key]; !ok {
			t.Errorf("section %s: no message %s", c.path, c.key)
		}
	}
}

// regexpFind returns the first group of re's first match in s.
func regexpFind(t testing.TB, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %s", re)
	}
	return m[1]
}

func TestConsoleEditUser(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("admin", "fgw", auth.RoleAdmin)
	e.addUser("sub", "scjg", auth.RoleSubmitter)
	b := newBrowser(e)
	tok := b.signInAs(t, "admin", "/console/")
	contains(t, b.get("/console/users").Body.String(), `href="/console/users/sub/edit"`)
	w := b.get("/console/users/sub/edit")
	contains(t, w.Body.String(), `id="target-user">sub<`, `value="submitter" checked`, `value="scjg" selected`)

	// The user's open session sees the new roles at its next request.
	sb := newBrowser(e)
	sb.signInAs(t, "sub", "/console/")
	wantStatus(t, sb.get("/console/subjects"), http.StatusForbidden)
	w = b.post("/console/users/sub/edit", url.Values{"csrf_token": {tok}, "name": {"李四"}, "dept": {"sw"}, "roles": {"clerk", "reviewer"}})
	wantStatus(t, w, http.StatusSeeOther)
	contains(t, b.get(w.Header().Get("Location")).Body.String(), "用户信息已更新", "审核员")
	if actor, action, object := e.lastAudit(); actor != e.userActor("admin") || action != app.ActionUserUpdate || object != "user:sub" {
		t.Errorf("audit entry %s %s %s", actor, action, object)
	}
	wantStatus(t, sb.get("/console/subjects"), http.StatusOK)

	// Refusals keep the form and name the rule.
	for _, c := range []struct {
		form   url.Values
		status int
		says   string
	}{
		{url.Values{"name": {"李四"}, "dept": {"sw"}, "roles": {"root"}}, http.StatusBadRequest, "root"},
		{url.Values{"name": {"李四"}, "dept": {"nosuch"}, "roles": {"clerk"}}, http.StatusBadRequest, "nosuch"},
		{url.Values{"name": {""}, "dept": {"sw"}, "roles": {"clerk"}}, http.StatusBadRequest, "姓名和部门不能为空"},
		{url.Values{"name": {"李四"}, "dept": {"sw"}}, http.StatusBadRequest, ""},
	} {
		c.form.Set("csrf_token", tok)
		w := b.post("/console/users/sub/edit", c.form)
		if w.Code != c.status && !(c.says == "nosuch" && w.Code == http.StatusNotFound) {
			t.Errorf("%v: %d, want %d: %s", c.form, w.Code, c.status, w.Body)
		}
		contains(t, w.Body.String(), c.says)
	}
	// The last admin cannot demote itself.
	w = b.post("/console/users/admin/edit", url.Values{"csrf_token": {tok}, "name": {"管理员"}, "dept": {"fgw"}, "roles": {"auditor"}})
	wantStatus(t, w, http.StatusConflict)
	contains(t, w.Body.String(), "最后一个可用的管理员")
	wantStatus(t, b.get("/console/users/nobody/edit"), http.StatusNotFound)
	// Only the admin edits users.
	wantStatus(t, sb.post("/console/users/sub/edit", url.Values{"name": {"x"}}), http.StatusForbidden)
}
