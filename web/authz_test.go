package web

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/auth"
)

// TestMatrixWalk sends a request to every route the server registered as each of a set of
// callers, through the whole middleware, and holds the answer to what the matrix expects:
// refused by the matrix → 401 (pages: to the login form) or 403 with a Chinese message;
// allowed → the handler ran, and on a department's batch only for that department (or the
// admin). It fails when a route is registered without a rule.
func TestMatrixWalk(t *testing.T) {
	e := newEnv(t, Config{LoginPerMinute: 1000, SearchPerMinute: 1000})
	m := auth.DefaultMatrix()
	if len(e.srv.registered) < 30 {
		t.Fatalf("only %d routes registered", len(e.srv.registered))
	}
	if missing := m.Missing(e.srv.registered); len(missing) > 0 {
		t.Fatalf("routes without a rule in the matrix: %v", missing)
	}
	for _, r := range m.Unused(e.srv.registered) {
		t.Errorf("rule %s %s matches no route", r.Method, r.Pattern)
	}

	type caller struct {
		name string
		p    *auth.Principal // what the matrix is asked about; nil for the public and dead tokens
		hdr  []string
		dead bool // a token that no longer authenticates: 401 everywhere
	}
	users := []struct {
		name, dept string
		role       auth.Role
	}{
		{"admin", "fgw", auth.RoleAdmin}, {"scjg-sub", "scjg", auth.RoleSubmitter}, {"sw-sub", "sw", auth.RoleSubmitter},
		{"reviewer", "scjg", auth.RoleReviewer}, {"clerk", "zjj", auth.RoleClerk}, {"auditor", "fgw", auth.RoleAuditor},
	}
	callers := []caller{{name: "anonymous"}}
	for _, u := range users {
		e.addUser(u.name, u.dept, u.role)
		sid := e.signIn(u.name)
		p, err := e.app.Session(t.Context(), sid, testNow)
		if err != nil {
			t.Fatal(err)
		}
		callers = append(callers, caller{name: u.name, p: p, hdr: e.sessionHdr(sid)})
	}
	write, wtok := e.issueToken("scjg", auth.ScopeRecordsWrite)
	read, rtok := e.issueToken("scjg", auth.ScopeBatchesRead)
	revoked, vtok := e.issueToken("scjg", auth.ScopeRecordsWrite, auth.ScopeBatchesRead)
	if _, err := e.app.RevokeToken(t.Context(), "test", vtok.ID); err != nil {
		t.Fatal(err)
	}
	callers = append(callers,
		caller{name: "token records:write scjg", p: wtok.Principal(), hdr: bearer(write)},
		caller{name: "token batches:read scjg", p: rtok.Principal(), hdr: bearer(read)},
		caller{name: "revoked token", hdr: bearer(revoked), dead: true})
	// A subject signed in to self-service: its own page and the public ones, nothing else.
	plain, _, _, err := e.app.IssueSubjectCredential(t.Context(), "test", e.f.CodeB)
	if err != nil {
		t.Fatal(err)
	}
	ssid, sp, err := e.app.SubjectLogin(t.Context(), e.f.CodeB, plain, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	callers = append(callers, caller{name: "subject", p: sp, hdr: e.sessionHdr(ssid)})

	// Status-change delivery: task 1, subscription 1 and webhook delivery 1 belong to scjg.
	e.deliveryFixture(t, "scjg")

	// Concrete requests: batch 1 belongs to scjg; uploads name scjg.
	target := func(method, pattern string) string {
		path := strings.NewReplacer("{id}", "1", "{code}", e.f.CodeA, "{username}", "nobody", "{$}", "").Replace(pattern)
		switch {
		case pattern == "/console/subject-accounts/{code}/revoke":
			path = "/console/subject-accounts/" + e.f.CodeC + "/revoke" // not the subject caller's
		case pattern == "/console/tokens/{id}/revoke":
			path = "/console/tokens/999/revoke" // not a token the callers use
		case pattern == "/static/":
			path = "/static/style.css"
		case pattern == "/" && method == "":
			path = "/no/such/page"
		case strings.HasSuffix(pattern, "/upload") || pattern == "/api/v1/batches" && method == "POST":
			path += "?dept=scjg&item=admin_penalty"
		case pattern == "/api/v1/code-exceptions/{code}":
			path = "/api/v1/code-exceptions/X"
		}
		return path
	}
	routes := slices.Clone(e.srv.registered)
	// Signing out last: it ends the caller's session. A subject's own sign-out first, since
	// only a subject may use it, then the console's, which is open to all.
	logoutRank := map[string]int{"/my/logout": 1, "/console/logout": 2}
	slices.SortStableFunc(routes, func(a, b [2]string) int { return logoutRank[a[1]] - logoutRank[b[1]] })
	var decided []auth.Decision
	e.srv.onDecision = func(_ *http.Request, d auth.Decision) { decided = append(decided, d) }
	checked := 0
	for _, c := range callers {
		for _, rt := range routes {
			method := rt[0]
			if method == "" {
				method = http.MethodDelete // the fallback answers every method
			}
			want := m.Decide(method, rt[1], c.p, "")
			scoped := want.Rule != nil && want.Rule.DeptScoped && (strings.Contains(rt[1], "{id}") || method == "POST")
			hdr := c.hdr
			if c.p == nil && !c.dead && method == http.MethodPost && (rt[1] == "/console/login" || strings.HasPrefix(rt[1], "/my/login")) {
				// The public's login form carries its pre-session token.
				pre, _ := auth.NewSessionID(strings.NewReader(strings.Repeat("p", 64)))
				hdr = []string{"Cookie", preCookie + "=" + pre, csrfHeader, auth.CSRFToken(e.srv.csrfKey, pre)}
			}
			decided = decided[:0]
			req := httptest.NewRequest(method, target(method, rt[1]), nil)
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, req)
			where := c.name + " " + method + " " + rt[1]
			body := w.Body.String()
			switch {
			case c.dead:
				if w.Code != http.StatusUnauthorized || !strings.Contains(body, "吊销") || len(decided) != 0 {
					t.Errorf("%s: %d, want 401 before any route", where, w.Code)
				}
			case len(decided) != 1 || decided[0].Allow != want.Allow || decided[0].Rule != nil && decided[0].Rule.Pattern != rt[1]:
				t.Errorf("%s: the guard decided %+v, want allow=%v", where, decided, want.Allow)
			case !want.Allow && want.Status == http.StatusUnauthorized && !isAPI(req):
				if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), loginPath(req.URL.Path)) {
					t.Errorf("%s: %d %q, want a redirect to the login form", where, w.Code, w.Header().Get("Location"))
				}
			case !want.Allow:
				if w.Code != want.Status || !hasChinese(body) {
					t.Errorf("%s: %d, want %d with a Chinese message", where, w.Code, want.Status)
				}
			case scoped && !c.p.ActsFor("scjg"):
				if w.Code != http.StatusForbidden || !strings.Contains(body, "其他部门") {
					t.Errorf("%s: %d, want 403 for another department's batch: %s", where, w.Code, clip(body))
				}
			default:
				if w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized && isAPI(req) ||
					strings.HasPrefix(w.Header().Get("Location"), "/console/login?") {
					t.Errorf("%s: %d, want the handler's answer: %s", where, w.Code, clip(body))
				}
			}
			checked++
		}
	}
	e.srv.onDecision = nil
	t.Logf("%d routes × %d callers = %d requests", len(routes), len(callers), checked)
}
