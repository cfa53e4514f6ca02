package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/store"
)

const govMatter = "行政许可审批：食品经营许可"

// queryLogs returns every query-log entry, oldest first.
func (e *env) queryLogs() []*store.QueryLog {
	e.t.Helper()
	var out []*store.QueryLog
	if err := e.app.QueryLogs(context.Background(), store.QueryLogFilter{}, func(q *store.QueryLog) error { out = append(out, q); return nil }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func TestGovSubject(t *testing.T) {
	e := newEnv(t, Config{})
	f := e.f
	// The penalised person gave blood: authorised-only information (授权查询).
	csv := "source_id,subject_code,subject_name,volume_ml,donation_type,donation_date,station\n" +
		"B1," + f.PersonPen + ",李四,400,全血,2026-02-01,威海市中心血站\n"
	path := filepath.Join(t.TempDir(), "blood.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if res, err := e.app.Import(context.Background(), ingest.Request{Dept: "wjw", Item: "blood_donation", Path: path}, nil); err != nil || res.Batch.Accepted != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	e.addUser("clerk", "zjj", auth.RoleClerk)
	e.addUser("sub", "scjg", auth.RoleSubmitter)
	clerk, sub := e.sessionHdr(e.signIn("clerk")), e.sessionHdr(e.signIn("sub"))
	readTok, _ := e.issueToken("fgw", auth.ScopeRecordsRead)
	batchTok, _ := e.issueToken("fgw", auth.ScopeBatchesRead)
	personKey := e.app.Sealer.PersonKey(f.PersonPen)
	unknownID := residentID("37100219900701999")
	q := "?" + url.Values{"purpose": {govMatter}}.Encode()
	logged := len(e.queryLogs())
	expectLogs := func(n int, where string) {
		t.Helper()
		if got := len(e.queryLogs()); got != logged+n {
			t.Errorf("%s: %d new query-log entries, want %d", where, got-logged, n)
		}
		logged = len(e.queryLogs())
	}

	// A clerk with a purpose: the firm's public and shared records, its representative's
	// resident ID in clear, and the banner.
	w := e.get("/console/subjects/"+f.CodeA+q, clerk...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), f.NameA, f.PersonRep, f.DonationReceipt, "本次查询已登记", "共享", "公开", "不公示", govMatter)
	expectLogs(1, "clerk, firm")
	// The person by resident ID: the blood donation, the real name, the ID masked.
	w = e.get("/console/subjects/"+f.PersonPen+q, clerk...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "李四", "授权", "威海市中心血站", credit.MaskID(f.PersonPen))
	lacks(t, w.Body.String(), f.PersonPen)
	expectLogs(1, "clerk, person")

	// The form leads to the person's page by its key: the resident ID stays out of the address.
	w = e.get("/console/subjects?"+url.Values{"code": {f.PersonPen}, "purpose": {govMatter}}.Encode(), clerk...)
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "/console/subjects/"+personKey+"?") || strings.Contains(loc, f.PersonPen) {
		t.Errorf("form redirects to %q", loc)
	}
	w = e.get("/console/subjects?"+url.Values{"code": {f.CodeA}, "purpose": {""}}.Encode(), clerk...)
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "须说明查询事由")
	wantStatus(t, e.get("/console/subjects", clerk...), http.StatusOK)
	w = e.get("/console/subjects/"+personKey+q, clerk...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "李四")
	expectLogs(1, "clerk, person by key")

	// Unknown subject: an answer, logged.
	w = e.get("/console/subjects/"+unknownID+q, clerk...)
	wantStatus(t, w, http.StatusNotFound)
	contains(t, w.Body.String(), "本次查询已登记")
	expectLogs(1, "clerk, unknown")

	// Refusals: no purpose, the public, a submitter, a token without records:read.
	w = e.get("/console/subjects/"+f.CodeA, clerk...)
	wantStatus(t, w, http.StatusForbidden)
	contains(t, w.Body.String(), "须说明查询事由")
	wantStatus(t, e.get("/api/v1/gov/subjects/"+f.CodeA, clerk...), http.StatusForbidden)
	w = e.get("/console/subjects/" + f.PersonPen + q)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/console/login") {
		t.Errorf("the public: %d %q", w.Code, w.Header().Get("Location"))
	}
	wantStatus(t, e.get("/api/v1/gov/subjects/"+f.CodeA+q), http.StatusUnauthorized)
	wantStatus(t, e.get("/console/subjects/"+f.CodeA+q, sub...), http.StatusForbidden)
	wantStatus(t, e.get("/console/subjects", sub...), http.StatusForbidden)
	wantStatus(t, e.get("/api/v1/gov/subjects/"+f.CodeA+q, bearer(batchTok)...), http.StatusForbidden)
	expectLogs(0, "refusals")

	// A records:read token on the API, the purpose in the header: public and shared data,
	// personal fields masked.
	w = e.get("/api/v1/gov/subjects/"+f.CodeA, append(bearer(readTok), purposeHeader, "联合奖惩核查")...)
	wantStatus(t, w, http.StatusOK)
	got := decode[govSubjectJSON](t, w)
	if got.Subject.Code != f.CodeA || got.PersonalShown || !got.Logged || got.Purpose != "联合奖惩核查" || len(got.Groups) == 0 {
		t.Fatalf("token's view: %+v", got)
	}
	lacks(t, w.Body.String(), f.PersonRep)
	contains(t, w.Body.String(), credit.MaskID(f.PersonRep), `"disclosure": "shared"`)
	w = e.get("/api/v1/gov/subjects/"+f.PersonPen, append(bearer(readTok), purposeHeader, "联合奖惩核查")...)
	wantStatus(t, w, http.StatusOK)
	lacks(t, w.Body.String(), f.PersonPen, "李四", "blood_donation")
	wantStatus(t, e.get("/api/v1/gov/subjects/"+unknownID, append(bearer(readTok), purposeHeader, "联合奖惩核查")...), http.StatusNotFound)
	expectLogs(3, "token")
	wantStatus(t, e.get("/api/v1/gov/subjects/"+f.CodeA, bearer(readTok)...), http.StatusForbidden)
	expectLogs(0, "token without purpose")

	// The query log: the right actor, department, purpose and subject key, never a resident ID.
	logs := e.queryLogs()
	var gov []*store.QueryLog
	for _, l := range logs {
		if strings.Contains(l.Route, "subjects/{code}") {
			gov = append(gov, l)
		}
	}
	want := []struct{ actor, dept, purpose, key, route string }{
		{"user:", "zjj", govMatter, f.CodeA, "GET /console/subjects/{code}"},
		{"user:", "zjj", govMatter, personKey, "GET /console/subjects/{code}"},
		{"user:", "zjj", govMatter, personKey, "GET /console/subjects/{code}"},
		{"user:", "zjj", govMatter, e.app.Sealer.PersonKey(unknownID), "GET /console/subjects/{code}"},
		{"token:", "fgw", "联合奖惩核查", f.CodeA, "GET /api/v1/gov/subjects/{code}"},
		{"token:", "fgw", "联合奖惩核查", personKey, "GET /api/v1/gov/subjects/{code}"},
		{"token:", "fgw", "联合奖惩核查", e.app.Sealer.PersonKey(unknownID), "GET /api/v1/gov/subjects/{code}"},
	}
	if len(gov) != len(want) {
		t.Fatalf("%d government entries, want %d: %+v", len(gov), len(want), gov)
	}
	for i, w := range want {
		l := gov[i]
		if !strings.HasPrefix(l.Actor, w.actor) || l.Dept != w.dept || l.Purpose != w.purpose || l.SubjectKey != w.key || l.Route != w.route || l.Returned == "" {
			t.Errorf("entry %d = %+v, want %+v", i, l, w)
		}
	}
	for _, l := range logs {
		for _, id := range []string{f.PersonPen, f.PersonRep, unknownID} {
			if strings.Contains(l.SubjectKey+l.Returned+l.Purpose+l.Route, id) {
				t.Errorf("query log carries a resident ID: %+v", l)
			}
		}
	}
	// The access log names the route pattern, never the resident ID in the path.
	out := e.logs.String()
	contains(t, out, `path="GET /console/subjects/{code}"`, `path="GET /api/v1/gov/subjects/{code}"`)
	for _, id := range []string{f.PersonPen, unknownID, personKey} {
		if strings.Contains(out, id) {
			t.Errorf("the log output carries %s", id)
		}
	}
}
