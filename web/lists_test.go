package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
)

func jsonBody(v any) *strings.Reader {
	b, _ := json.Marshal(v)
	return strings.NewReader(string(b))
}

func form(v url.Values) *strings.Reader { return strings.NewReader(v.Encode()) }

// blackListed puts code on the court defaulters' list through the API (fy proposes and
// confirms, the admin publishes) and returns the entry id.
func (e *env) courtDefaulter(code, name string) int64 {
	e.t.Helper()
	t := e.t
	e.addUser("fy-sub", "fy", auth.RoleSubmitter)
	e.addUser("fy-rev", "fy", auth.RoleReviewer)
	sub, rev := e.sessionHdr(e.signIn("fy-sub")), e.sessionHdr(e.signIn("fy-rev"))
	w := e.do("POST", "/api/v1/list-entries", jsonBody(app.EntryInput{List: "court_defaulter", Code: code, Name: name,
		Reason: "有履行能力而拒不履行", Document: "(2026)鲁10执88号"}), append(sub, "Content-Type", "application/json")...)
	wantStatus(t, w, http.StatusCreated)
	en := decode[credit.ListEntry](t, w)
	wantStatus(t, e.do("POST", fmt.Sprintf("/api/v1/list-entries/%d/confirm", en.ID), nil, sub...), http.StatusForbidden) // the proposer
	wantStatus(t, e.do("POST", fmt.Sprintf("/api/v1/list-entries/%d/confirm", en.ID), nil, rev...), http.StatusOK)
	w = e.do("POST", "/api/v1/lists/court_defaulter/batches", strings.NewReader(`{}`), append(e.admin(), "Content-Type", "application/json")...)
	wantStatus(t, w, http.StatusCreated)
	contains(t, w.Body.String(), "第一批")
	return en.ID
}

func TestCheckAPI(t *testing.T) {
	e := newEnv(t, Config{})
	f := e.f
	e.courtDefaulter(f.CodeA, f.NameA)
	tok, _ := e.issueToken("cz", auth.ScopeChecksWrite)
	hdr := append(bearer(tok), "Content-Type", "application/json")

	w := e.do("POST", "/api/v1/checks", jsonBody(app.CheckRequest{Codes: []string{f.CodeA, f.CodeB, "not-a-code"}, Matter: "gov_procurement"}), hdr...)
	wantStatus(t, w, http.StatusOK)
	res := decode[app.CheckResult](t, w)
	a, b, bad := res.Items[0], res.Items[1], res.Items[2]
	if a.Verdict != credit.VerdictBlock || len(a.Measures) != 1 || a.Measures[0].Code != "P01" || a.Measures[0].Basis == "" || a.CheckID == 0 {
		t.Fatalf("A = %+v", a)
	}
	if b.Verdict != credit.VerdictPass || len(b.Measures) != 0 || b.CheckID == 0 {
		t.Fatalf("B = %+v", b)
	}
	if bad.Valid || bad.Reason == "" {
		t.Fatalf("bad = %+v", bad)
	}
	// Unknown matter: 400 naming the field.
	w = e.do("POST", "/api/v1/checks", jsonBody(app.CheckRequest{Codes: []string{f.CodeA}, Matter: "x"}), hdr...)
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "matter")
	// A token without checks:write is refused.
	rtok, _ := e.issueToken("cz", auth.ScopeRecordsRead)
	wantStatus(t, e.do("POST", "/api/v1/checks", jsonBody(app.CheckRequest{Codes: []string{f.CodeA}, Matter: "bidding"}), append(bearer(rtok), "Content-Type", "application/json")...), http.StatusForbidden)

	// Feedback: a reason is needed for not applying; then stored.
	fb := fmt.Sprintf("/api/v1/checks/%d/feedback", a.CheckID)
	w = e.do("POST", fb, strings.NewReader(`{"items":[{"measure":"P01","outcome":"not_applied"}]}`), hdr...)
	wantStatus(t, w, http.StatusBadRequest)
	w = e.do("POST", fb, strings.NewReader(`{"items":[{"measure":"P99","outcome":"applied"}]}`), hdr...)
	wantStatus(t, w, http.StatusNotFound)
	w = e.do("POST", fb, strings.NewReader(`{"items":[{"measure":"P01","outcome":"applied"}]}`), hdr...)
	wantStatus(t, w, http.StatusOK)
	contains(t, e.get(fmt.Sprintf("/api/v1/checks/%d", a.CheckID), bearer(tok)...).Body.String(), `"outcome": "applied"`)
	// Another department's token cannot see or answer it.
	other, _ := e.issueToken("zjj", auth.ScopeChecksWrite)
	wantStatus(t, e.get(fmt.Sprintf("/api/v1/checks/%d", a.CheckID), bearer(other)...), http.StatusForbidden)

	// Statistics, for the credit office.
	w = e.get("/api/v1/check-stats", e.admin()...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `"blocked": 1`, `"applied": 1`)
	w = e.get("/console/check-stats", e.admin()...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "联合惩戒", `id="stat-punish">1<`, "<svg")
	w = e.get("/console/check-stats.csv", e.admin()...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "measures,", ",P01,punishment,")

	// Every check is in the query log with the matter, A's and B's.
	n := 0
	for _, q := range e.queryLogs() {
		if strings.Contains(q.Purpose, "政府采购") {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d check entries in the query log, want 2", n)
	}
}

func TestClerkPageAndPublicLists(t *testing.T) {
	e := newEnv(t, Config{})
	f := e.f
	e.courtDefaulter(f.CodeA, f.NameA)
	e.addUser("clerk", "cz", auth.RoleClerk)
	clerk := e.sessionHdr(e.signIn("clerk"))
	post := append(clerk, "Content-Type", "application/x-www-form-urlencoded")

	w := e.get("/console/checks", clerk...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "政府采购", `name="codes"`)
	w = e.do("POST", "/console/checks", form(url.Values{"codes": {f.CodeA}, "matter": {"gov_procurement"}}), post...)
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	contains(t, body, `data-verdict="block"`, "限制参与政府采购活动", "政府采购法", `name="outcome_P01"`)
	i := strings.Index(body, `action="/console/checks/`)
	id := strings.TrimSuffix(strings.SplitN(body[i+len(`action="/console/checks/`):], "/", 2)[0], "")
	w = e.do("POST", "/console/checks/"+id+"/feedback", form(url.Values{"outcome_P01": {"not_applied"}, "note_P01": {""}}), post...)
	wantStatus(t, w, http.StatusBadRequest)
	w = e.do("POST", "/console/checks/"+id+"/feedback", form(url.Values{"outcome_P01": {"applied"}}), post...)
	wantStatus(t, w, http.StatusSeeOther)
	w = e.get(w.Header().Get("Location"), clerk...)
	contains(t, w.Body.String(), "反馈已记录", `data-outcome="applied"`)

	// An unknown matter is a clear message on the form.
	w = e.do("POST", "/console/checks", form(url.Values{"codes": {f.CodeA}, "matter": {"x"}}), post...)
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "未知的办理事项")

	// The portal: the list, its batch, the firm by name.
	w = e.get("/lists")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "失信被执行人名单", "第一批")
	w = e.get("/lists/court_defaulter/batches/1")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), f.NameA, "(2026)鲁10执88号")
	wantStatus(t, e.get("/lists/focus_list/batches/1"), http.StatusNotFound) // not public
	wantStatus(t, e.get("/api/v1/measures"), http.StatusOK)

	// The measures page: the admin cannot activate a measure without a legal basis.
	w = e.do("POST", "/console/measures/P13/active", form(url.Values{"active": {"1"}}), append(e.admin(), "Content-Type", "application/x-www-form-urlencoded")...)
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "法律依据")
	w = e.get("/console/measures", clerk...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "缺少法律依据")
	lacks(t, w.Body.String(), `/console/measures/P01/active`)

	// List administration pages.
	w = e.get("/console/lists?list=court_defaulter", e.admin()...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), f.NameA, "已发布")
}

func TestCheckBatchAPI(t *testing.T) {
	e := newEnv(t, Config{})
	f := e.f
	e.courtDefaulter(f.CodeA, f.NameA)
	tok, _ := e.issueToken("cz", auth.ScopeChecksWrite)
	body := "code\n" + f.CodeA + "\n" + f.CodeB + "\nnot-a-code\n"
	w := e.do("POST", "/api/v1/check-batches?matter=bidding&filename=codes.csv", strings.NewReader(body), append(bearer(tok), "Content-Type", "text/csv")...)
	wantStatus(t, w, http.StatusAccepted)
	loc := w.Header().Get("Location")
	e.srv.Wait() // the job runs in the background; Wait returns when it has finished
	w = e.get(loc, bearer(tok)...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `"status": "done"`, `"blocked": 1`, `"bad_rows": 1`)
	w = e.get(loc+"/result", bearer(tok)...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), f.CodeA+",block", f.CodeB+",pass", "invalid")
	// Another department cannot see it; an unknown matter is refused before any job.
	other, _ := e.issueToken("zjj", auth.ScopeChecksWrite)
	wantStatus(t, e.get(loc, bearer(other)...), http.StatusForbidden)
	w = e.do("POST", "/api/v1/check-batches?matter=nope", strings.NewReader(body), bearer(tok)...)
	wantStatus(t, w, http.StatusBadRequest)
	// The console page lists the job with its download link.
	e.addUser("clerk", "cz", auth.RoleClerk)
	w = e.get("/console/check-batches", e.sessionHdr(e.signIn("clerk"))...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "codes.csv", "/result")
}
