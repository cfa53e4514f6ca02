package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/store"
)

var testPDF = []byte("%PDF-1.4\n%%EOF\n")

// multipartForm builds a multipart body: text fields, then files under "files".
func evidenceForm(t *testing.T, fields map[string]string, files map[string][]byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, k := range []string{csrfField, "reason", "signatory", "note"} {
		if v, ok := fields[k]; ok {
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, body := range files {
		fw, err := mw.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(body)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, mw.FormDataContentType()
}

// sendMultipart posts a multipart form with the browser's cookies.
func (b *selfBrowser) sendMultipart(target string, body *bytes.Buffer, ct string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, target, body)
	r.Header.Set("Content-Type", ct)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	for k, v := range b.cookies {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	w := httptest.NewRecorder()
	b.e.h.ServeHTTP(w, r)
	return w
}

func (b *selfBrowser) token(t *testing.T, from string) string {
	t.Helper()
	m := csrfValue.FindStringSubmatch(b.send(http.MethodGet, from, nil).Body.String())
	if m == nil {
		t.Fatalf("no CSRF token on %s", from)
	}
	return m[1]
}

func recordID(t *testing.T, e *env, src string) int64 {
	t.Helper()
	vs, err := e.app.Store.RecordVersions(t.Context(), "scjg", "admin_penalty", src)
	if err != nil || len(vs) == 0 {
		t.Fatalf("%s: %v", src, err)
	}
	return vs[len(vs)-1].ID
}

// blackListedBy puts code on the black list, justified by record rec (scjg proposes and
// confirms, the admin publishes), through the services.
func blackListedBy(t *testing.T, e *env, code string, rec int64) {
	t.Helper()
	prop := &auth.Principal{Kind: auth.KindStaff, UserID: 9001, Dept: "scjg", Roles: []auth.Role{auth.RoleSubmitter}}
	conf := &auth.Principal{Kind: auth.KindStaff, UserID: 9002, Dept: "scjg", Roles: []auth.Role{auth.RoleReviewer}}
	office := &auth.Principal{Kind: auth.KindStaff, UserID: 9003, Dept: "fgw", Roles: []auth.Role{auth.RoleAdmin}}
	en, err := e.app.ProposeEntry(t.Context(), prop, app.EntryInput{List: "black_list", Code: code, Dept: "scjg",
		Reason: "严重违法失信", Document: "威市监〔2026〕9号", Records: []int64{rec}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.ConfirmEntry(t.Context(), conf, en.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.PublishBatch(t.Context(), office, "black_list", []int64{en.ID}); err != nil {
		t.Fatal(err)
	}
}

func TestRightsPagesAndAPI(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("admin", "fgw", auth.RoleAdmin)
	e.addUser("shen.he", "scjg", auth.RoleReviewer)
	e.addUser("sw.he", "sw", auth.RoleReviewer)
	plain, _, _, err := e.app.IssueSubjectCredential(t.Context(), "test", e.f.CodeA)
	if err != nil {
		t.Fatal(err)
	}
	co := newSelfBrowser(e)
	wantStatus(t, co.post("/my/login", "/my/login", url.Values{"code": {e.f.CodeA}, "credential": {plain}}), http.StatusSeeOther)
	pen, personal := recordID(t, e, "PEN-1"), recordID(t, e, "PEN-3")
	// PEN-1 justifies a black-list entry: the own page shows the membership with its removal
	// conditions, and the repair form says an approval would also end it.
	blackListedBy(t, e, e.f.CodeA, pen)
	contains(t, co.send("GET", "/my", nil).Body.String(), `data-list="black_list"`, "经信用修复的由认定部门提前移出")
	contains(t, co.send("GET", fmt.Sprintf("/my/records/%d/repair", pen), nil).Body.String(), `id="repair-removes"`, "严重失信主体名单")

	// The record list says what can be done.
	w := co.send("GET", "/my", nil)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), fmt.Sprintf(`/my/records/%d/objection`, pen), fmt.Sprintf(`/my/records/%d/repair`, pen), "消息通知")

	// Another subject's record: not found, naming the rule; nothing stored.
	tok := co.token(t, "/my")
	body, ct := evidenceForm(t, map[string]string{csrfField: tok, "reason": "这不是我的记录但我要异议"}, map[string][]byte{"a.pdf": testPDF})
	w = co.sendMultipart(fmt.Sprintf("/my/records/%d/objection", personal), body, ct)
	wantStatus(t, w, http.StatusNotFound)
	contains(t, w.Body.String(), "只能对本主体的记录")
	// A forged PDF: refused on the form, naming the file and the rule, the reasons kept.
	body, ct = evidenceForm(t, map[string]string{csrfField: tok, "reason": "金额录入错误，应为三千元"}, map[string][]byte{"scan.pdf": []byte("MZ\x90\x00")})
	w = co.sendMultipart(fmt.Sprintf("/my/records/%d/objection", pen), body, ct)
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "evidence_type", "scan.pdf", "金额录入错误，应为三千元")
	// Without the CSRF token: refused.
	body, ct = evidenceForm(t, map[string]string{"reason": "金额录入错误，应为三千元"}, map[string][]byte{"a.pdf": testPDF})
	wantStatus(t, co.sendMultipart(fmt.Sprintf("/my/records/%d/objection", pen), body, ct), http.StatusForbidden)
	if cs, _ := e.app.Store.Cases(t.Context(), store.CaseFilter{}); len(cs) != 0 {
		t.Fatalf("refused requests stored %d cases", len(cs))
	}

	// Filed: the case page, the own page and the public API say so at once.
	body, ct = evidenceForm(t, map[string]string{csrfField: tok, "reason": "金额录入错误，应为三千元"}, map[string][]byte{"缴款书.pdf": testPDF})
	w = co.sendMultipart(fmt.Sprintf("/my/records/%d/objection", pen), body, ct)
	wantStatus(t, w, http.StatusSeeOther)
	casePath := w.Header().Get("Location")
	w = co.send("GET", casePath, nil)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "异议处理中", "缴款书.pdf")
	var cid int64
	fmt.Sscanf(strings.TrimPrefix(casePath, "/my/cases/"), "%d", &cid)
	contains(t, co.send("GET", "/my", nil).Body.String(), "异议处理中")
	contains(t, e.get("/api/v1/subjects/"+e.f.CodeA).Body.String(), `"under_objection": true`)
	contains(t, e.get("/subjects/"+e.f.CodeA).Body.String(), "异议处理中")
	// Again: a conflict naming the rule.
	body, ct = evidenceForm(t, map[string]string{csrfField: tok, "reason": "再次提出异议，理由同上"}, nil)
	w = co.sendMultipart(fmt.Sprintf("/my/records/%d/objection", pen), body, ct)
	wantStatus(t, w, http.StatusConflict)
	contains(t, w.Body.String(), "already_open")

	// The evidence: the subject downloads it, logged; another department's reviewer may not.
	ev, err := e.app.Store.EvidenceOf(t.Context(), cid)
	if err != nil || len(ev) != 1 {
		t.Fatalf("evidence: %v", err)
	}
	w = co.send("GET", fmt.Sprintf("/my/evidence/%d", ev[0].ID), nil)
	wantStatus(t, w, http.StatusOK)
	if w.Header().Get("Content-Type") != "application/pdf" || w.Body.String() != string(testPDF) {
		t.Fatalf("download: %q", w.Header().Get("Content-Type"))
	}
	n := 0
	_ = e.app.Store.QueryLogs(t.Context(), store.QueryLogFilter{SubjectKey: e.f.CodeA}, func(q *store.QueryLog) error {
		if strings.Contains(q.Returned, "evidence:") {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Fatalf("evidence downloads logged: %d", n)
	}
	other := e.sessionHdr(e.signIn("sw.he"))
	wantStatus(t, e.get(fmt.Sprintf("/api/v1/evidence/%d", ev[0].ID), other...), http.StatusForbidden)
	wantStatus(t, e.get(fmt.Sprintf("/api/v1/cases/%d", cid), other...), http.StatusForbidden)

	// The department answers through the API: reasons are required to uphold.
	rev := e.sessionHdr(e.signIn("shen.he"))
	w = e.do("POST", fmt.Sprintf("/api/v1/cases/%d/steps", cid), strings.NewReader(`{"action":"uphold"}`), append(rev, "Content-Type", "application/json")...)
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), `"rule": "required"`)
	w = e.do("POST", fmt.Sprintf("/api/v1/cases/%d/steps", cid), strings.NewReader(`{"action":"uphold","note":"经核实处罚决定书金额无误"}`), append(rev, "Content-Type", "application/json")...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `"status": "upheld"`)
	lacks(t, e.get("/subjects/"+e.f.CodeA).Body.String(), "异议处理中")

	// The subject's API: records with eligibility, then a repair application.
	sid := co.cookies[sessionCookie]
	subj := []string{"Cookie", sessionCookie + "=" + sid, csrfHeader, auth.CSRFToken(e.srv.csrfKey, sid)}
	w = e.get("/api/v1/my/records", subj...)
	wantStatus(t, w, http.StatusOK)
	var mine struct {
		Records []struct {
			RecordID int64 `json:"record_id"`
			Repair   struct {
				Can bool `json:"can"`
			} `json:"repair"`
		} `json:"records"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &mine); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range mine.Records {
		found = found || (r.RecordID == pen && r.Repair.Can)
	}
	if !found {
		t.Fatalf("my records: %s", w.Body.String())
	}
	body, ct = evidenceForm(t, map[string]string{"reason": "已缴清罚款并完成整改", "signatory": e.f.NameA}, map[string][]byte{"凭证.png": {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0}})
	w = co.sendMultipart(fmt.Sprintf("/api/v1/my/records/%d/repairs", pen), body, ct, csrfHeader, subj[3])
	wantStatus(t, w, http.StatusCreated)
	body, ct = evidenceForm(t, map[string]string{"reason": "已缴清罚款并完成整改", "signatory": e.f.NameA}, map[string][]byte{"凭证.pdf": testPDF})
	w = co.sendMultipart(fmt.Sprintf("/api/v1/my/records/%d/repairs", pen), body, ct, csrfHeader, subj[3])
	wantStatus(t, w, http.StatusConflict)
	contains(t, w.Body.String(), `"rule": "already_open"`)

	// Queues: the reviewer sees its department's; another department's sees none.
	contains(t, e.get("/console/repairs", rev...).Body.String(), "待信用办审查")
	lacks(t, e.get("/console/repairs", other...).Body.String(), "待信用办审查")
	admin := e.sessionHdr(e.signIn("admin"))
	w = e.get("/console/rights-stats?format=csv", admin...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "dept,applications", "scjg,1,0,0,0,0.0,0,1,0,0,1", "total,1")
	wantStatus(t, e.get("/console/rights-stats", rev...), http.StatusForbidden)
}

func TestRightsCalendarAndGuide(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("admin", "fgw", auth.RoleAdmin)
	w := e.get("/guide/repair")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "谁认定、谁修复", "5 个工作日", "10 个工作日", "3 个工作日")
	contains(t, e.get("/guide/repair?lang=en").Body.String(), "who decided, repairs")
	w = e.get("/api/v1/calendar")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "国办发明电〔2025〕7号", "2026-02-28")
	admin := e.sessionHdr(e.signIn("admin"))
	w = e.do("PUT", "/api/v1/calendar", strings.NewReader(`{"year":2027,"source":"x","holidays":[{"name":"元旦","from":"2027-01-01","to":"2027-01-01"}],"makeup_workdays":[{"date":"2027-01-05"}]}`), admin...)
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "makeup_workdays[0]", "周六或周日")
	w = e.do("PUT", "/api/v1/calendar", strings.NewReader(`{"year":2027,"source":"测试通知","holidays":[{"name":"元旦","from":"2027-01-01","to":"2027-01-01"}]}`), admin...)
	wantStatus(t, w, http.StatusOK)
	w = e.get("/console/calendar", admin...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "测试通知", "国办发明电〔2025〕7号")
}
