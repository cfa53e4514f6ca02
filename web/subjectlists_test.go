package web

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/xinyong/xinyong/auth"
)

// TestSubjectPageLists: the portal subject page shows the subject's published entries of
// public lists, in Chinese and in English, and the portal navigation leads to /lists.
func TestSubjectPageLists(t *testing.T) {
	e := newEnv(t, Config{})
	f := e.f
	w := e.get("/subjects/" + f.CodeA)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `id="subject-lists"`, "未列入名单", `href="/lists"`)
	lacks(t, w.Body.String(), `data-list="court_defaulter"`)

	e.courtDefaulter(f.CodeA, f.NameA)
	w = e.get("/subjects/" + f.CodeA)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `data-list="court_defaulter"`, "失信被执行人名单", "第一批", "有履行能力而拒不履行", "最高人民法院关于公布失信被执行人名单信息的若干规定")
	w = e.get("/subjects/" + f.CodeA + "?lang=en")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "Credit lists", "Dishonest judgment debtors (court defaulters)", "batch 1", "Legal basis",
		// The enterprise grade panel too: the card's English name, no Chinese grade name.
		`id="public-grades"`, "Public credit evaluation", "<dt>Public credit evaluation</dt>")
	lacks(t, w.Body.String(), "<dt>公共信用综合评价</dt>", `id="lists-title">名单信息`)
	// The API carries the same entries.
	w = e.get("/api/v1/subjects/" + f.CodeA)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `"lists": [`, `"list": "court_defaulter"`, `"batch": "第一批"`)
	lacks(t, w.Body.String(), `"end_reason"`)
	// The government view shows the entry with its status, in a logged read.
	e.addUser("gov-clerk", "zjj", auth.RoleClerk)
	clerk := e.sessionHdr(e.signIn("gov-clerk"))
	w = e.get("/console/subjects/"+f.CodeA+"?"+url.Values{"purpose": {govMatter}}.Encode(), clerk...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `data-list="court_defaulter"`, "生效", `id="gov-logged"`)
	w = e.get("/api/v1/gov/subjects/"+f.CodeA+"?"+url.Values{"purpose": {govMatter}}.Encode(), clerk...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `"status": "published"`, `"list": "court_defaulter"`)
	// Another subject is on no list.
	w = e.get("/subjects/" + f.CodeB)
	lacks(t, w.Body.String(), `data-list="court_defaulter"`)
}
