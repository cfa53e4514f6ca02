package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

type apiErr struct {
	Error errorBody `json:"error"`
}

func hasChinese(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestAPISearchAndSubject(t *testing.T) {
	e := newEnv(t, Config{})
	sr := decode[searchJSON](t, e.get("/api/v1/subjects?q="+url.QueryEscape("海蓝")))
	if len(sr.Subjects) != 1 || sr.Subjects[0].Code != e.f.CodeA || sr.Subjects[0].StatusZH != "存续" {
		t.Fatalf("search: %+v", sr)
	}
	sr = decode[searchJSON](t, e.get("/api/v1/subjects?q="+url.QueryEscape("威海(测试)科技有限责任公司")))
	if len(sr.Subjects) != 1 || sr.Subjects[0].Code != e.f.CodeB {
		t.Fatalf("bracket variant: %+v", sr)
	}
	sr = decode[searchJSON](t, e.get("/api/v1/subjects?q="+e.f.CodeA))
	if !sr.ByCode || sr.Code == nil || !sr.Code.Valid || len(sr.Subjects) != 1 {
		t.Fatalf("by code: %+v", sr)
	}
	w := e.get("/api/v1/subjects?q=x&page=0")
	wantStatus(t, w, http.StatusBadRequest)
	if ae := decode[apiErr](t, w); ae.Error.Code != credit.EINVALID || ae.Error.Field != "page" || !hasChinese(ae.Error.Message) {
		t.Errorf("page=0: %+v", ae)
	}

	w = e.get("/api/v1/subjects/" + e.f.CodeA)
	wantStatus(t, w, http.StatusOK)
	v := decode[subjectViewJSON](t, w)
	if v.Subject.Name != e.f.NameA || v.Subject.LegalRep != "张三" || v.Subject.RegionName != "山东省威海市环翠区" {
		t.Errorf("subject %+v", v.Subject)
	}
	var found bool
	for _, g := range v.Groups {
		if g.Item == "charitable_donation" {
			t.Error("a shared item is public")
		}
		for _, r := range g.Records {
			for _, f := range r.Fields {
				if f.Value == e.f.PenaltyOld {
					t.Error("an expired record is public")
				}
				if f.Value == e.f.PenaltyNow {
					found = true
					if r.DecisionDate != "2026-03-02" || r.PublishThrough() != "2027-03-01" || r.DeptName != "市市场监督管理局" {
						t.Errorf("record %+v", r)
					}
				}
			}
		}
	}
	if !found {
		t.Errorf("current penalty missing: %s", w.Body.String())
	}
	lacks(t, w.Body.String(), e.f.PersonRep, "personal")
	wantStatus(t, e.get("/api/v1/subjects/"+uscc(t, "91371002", "99999999")), http.StatusNotFound)
}

// PublishThrough exposes the JSON field for the test.
func (r recordJSON) PublishThrough() string { return r.PublishLast }

func TestAPICodes(t *testing.T) {
	e := newEnv(t, Config{})
	c := decode[credit.CodeResult](t, e.get("/api/v1/codes/"+strings.ToLower(e.f.CodeA)))
	if !c.Valid || c.Canonical != e.f.CodeA || c.Type != credit.CodeUSCC || c.KindZH != "企业" {
		t.Errorf("valid code: %+v", c)
	}
	bad := e.f.CodeA[:17] + string(otherCheck(e.f.CodeA[17]))
	c = decode[credit.CodeResult](t, e.get("/api/v1/codes/"+bad))
	if c.Valid || !strings.Contains(c.Reason, "第18位校验位错误") {
		t.Errorf("invalid code: %+v", c)
	}
	w := e.get("/api/v1/codes/" + e.f.PersonPen)
	wantStatus(t, w, http.StatusOK)
	lacks(t, w.Body.String(), e.f.PersonPen)
	c = decode[credit.CodeResult](t, w)
	if c.Type != credit.CodeResidentID || !c.Valid || c.Input != credit.MaskID(e.f.PersonPen) || c.Canonical != credit.MaskID(e.f.PersonPen) {
		t.Errorf("resident ID: %+v", c)
	}
	// An invalid resident ID is not echoed either.
	badID := e.f.PersonPen[:17] + string(otherCheck(e.f.PersonPen[17]))
	w = e.get("/api/v1/codes/" + badID)
	lacks(t, w.Body.String(), badID)
	if strings.Contains(e.logs.String(), e.f.PersonPen[:14]) {
		t.Error("a resident ID reached the log")
	}
}

func TestAPIStatsCatalogDepartments(t *testing.T) {
	e := newEnv(t, Config{})
	st := decode[statsJSON](t, e.get("/api/v1/stats"))
	if st.Legal+st.Other != 3 || st.Persons != 2 || st.Records != 7 {
		t.Errorf("stats %+v", st)
	}
	w := e.get("/api/v1/catalog")
	wantStatus(t, w, http.StatusOK)
	cat, err := catalog.Parse(bytes.NewReader(w.Body.Bytes()))
	if err != nil || cat.Version != 1 {
		t.Fatalf("catalog round trip: %v %v", err, cat)
	}
	deps := decode[map[string][]credit.Department](t, e.get("/api/v1/departments"))
	if len(deps["departments"]) == 0 || deps["departments"][0].Code == "" {
		t.Errorf("departments %+v", deps)
	}

	// Publish the same catalog as version 2.
	put := func(body io.Reader, hdr ...string) *httptest.ResponseRecorder {
		return e.do(http.MethodPut, "/api/v1/catalog?note="+url.QueryEscape("测试发布"), body, hdr...)
	}
	wantStatus(t, put(bytes.NewReader(w.Body.Bytes())), http.StatusUnauthorized)
	resp := put(bytes.NewReader(w.Body.Bytes()), e.admin()...)
	wantStatus(t, resp, http.StatusCreated)
	cv := decode[store.CatalogVersion](t, resp)
	if cv.Version != 2 || cv.Note != "测试发布" || cv.Items != len(cat.Items) {
		t.Errorf("published %+v", cv)
	}
	vs := decode[map[string][]store.CatalogVersion](t, e.get("/api/v1/catalog/versions"))
	if len(vs["versions"]) != 2 {
		t.Errorf("versions %+v", vs)
	}
	// A broken catalog is refused with the reason.
	resp = put(strings.NewReader(`{"departments": [], "items": [], "bogus": 1}`), e.admin()...)
	wantStatus(t, resp, http.StatusBadRequest)
	if ae := decode[apiErr](t, resp); ae.Error.Code != credit.EINVALID || !hasChinese(ae.Error.Message) {
		t.Errorf("bad catalog: %+v", ae)
	}
}

// Refusals of the API: no credentials 401 (with WWW-Authenticate); a forged, unknown,
// expired or revoked token 401 with its reason, on every route, public ones too; a token
// without the route's scope, or on a route no token may use, 403.
func TestAPIAuth(t *testing.T) {
	e := newEnv(t, Config{})
	for _, rt := range e.srv.apiRoutes() {
		if d := e.srv.matrix.Decide(rt.Method, rt.Path, nil, ""); d.Allow {
			continue
		}
		path := strings.NewReplacer("{id}", "1", "{code}", "X").Replace(rt.Path)
		w := e.do(rt.Method, path, nil)
		wantStatus(t, w, http.StatusUnauthorized)
		if ae := decode[apiErr](t, w); ae.Error.Code != credit.EUNAUTH || !hasChinese(ae.Error.Message) {
			t.Errorf("%s %s: %+v", rt.Method, rt.Path, ae)
		}
		if w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s: no WWW-Authenticate", rt.Method, rt.Path)
		}
	}

	good, _ := e.issueToken("scjg", auth.ScopeBatchesRead)
	short, _, err := e.app.IssueToken(t.Context(), "test", "scjg", "短期令牌", []auth.Scope{auth.ScopeBatchesRead}, testNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	revoked, rtok := e.issueToken("scjg", auth.ScopeBatchesRead)
	if _, err := e.app.RevokeToken(t.Context(), "test", rtok.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.get("/api/v1/batches", bearer(good)...), http.StatusOK)
	last := byte('a')
	if good[len(good)-1] == 'a' {
		last = 'b'
	}
	forged := good[:len(good)-1] + string(last)
	otherDept := strings.Replace(good, "xy_scjg_", "xy_sw_", 1)
	for name, c := range map[string]struct {
		hdr  []string
		want string
	}{
		"forged":          {bearer(forged), "令牌无效"},
		"another dept's":  {bearer(otherDept), "令牌无效"},
		"not ours":        {bearer("test-admin-token-0123456789"), "令牌无效"},
		"basic auth":      {[]string{"Authorization", "Basic YWRtaW46YWRtaW4="}, "令牌无效"},
		"revoked":         {bearer(revoked), "已被吊销"},
		"revoked, public": {bearer(revoked), "已被吊销"},
	} {
		path := "/api/v1/batches"
		if strings.HasSuffix(name, "public") {
			path = "/api/v1/stats"
		}
		w := e.get(path, c.hdr...)
		wantStatus(t, w, http.StatusUnauthorized)
		if ae := decode[apiErr](t, w); ae.Error.Code != credit.EUNAUTH || !strings.Contains(ae.Error.Message, c.want) {
			t.Errorf("%s token: %+v", name, ae)
		}
	}
	// Wrong scope, and a route for people only.
	w := e.do(http.MethodPost, "/api/v1/batches?item=admin_penalty", strings.NewReader("x"), bearer(good)...)
	wantStatus(t, w, http.StatusForbidden)
	contains(t, w.Body.String(), "records:write")
	w = e.do(http.MethodPost, "/api/v1/code-exceptions", strings.NewReader(`{}`), bearer(good)...)
	wantStatus(t, w, http.StatusForbidden)
	contains(t, w.Body.String(), "API 令牌不能用于此路径")
	// An hour and a minute later the short token has expired; the other still works.
	e.app.Now = func() time.Time { return testNow.Add(61 * time.Minute) }
	w = e.get("/api/v1/batches", bearer(short)...)
	wantStatus(t, w, http.StatusUnauthorized)
	contains(t, w.Body.String(), "已过期")
	wantStatus(t, e.get("/api/v1/batches", bearer(good)...), http.StatusOK)
	if !strings.Contains(e.logs.String(), "token refused") || strings.Contains(e.logs.String(), good) {
		t.Error("refused tokens are not logged, or a token reached the log")
	}
}

// A department sees and submits only its own batches; the admin sees every department's.
func TestDepartmentScoping(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("sw-user", "sw", auth.RoleSubmitter)
	e.addUser("scjg-user", "scjg", auth.RoleSubmitter)
	sw, own := e.sessionHdr(e.signIn("sw-user")), e.sessionHdr(e.signIn("scjg-user"))
	// Batch 1 is the fixture's registration upload of scjg.
	for _, path := range []string{"/api/v1/batches/1", "/api/v1/batches/1/rejects", "/api/v1/batches/1/rejects.json", "/console/batches/1", "/console/batches/1/rejects"} {
		w := e.get(path, sw...)
		wantStatus(t, w, http.StatusForbidden)
		contains(t, w.Body.String(), "其他部门")
		wantStatus(t, e.get(path, own...), http.StatusOK)
		wantStatus(t, e.get(path, e.admin()...), http.StatusOK)
	}
	list := func(hdr []string, q string) []store.Batch {
		w := e.get("/api/v1/batches"+q, hdr...)
		wantStatus(t, w, http.StatusOK)
		return decode[map[string][]store.Batch](t, w)["batches"]
	}
	if bs := list(sw, ""); len(bs) != 0 {
		t.Errorf("sw sees %d batches", len(bs))
	}
	if bs := list(own, ""); len(bs) != 2 || bs[0].Dept != "scjg" {
		t.Errorf("scjg sees %+v", bs)
	}
	if bs := list(e.admin(), ""); len(bs) != 3 {
		t.Errorf("admin sees %d batches", len(bs))
	}
	wantStatus(t, e.get("/api/v1/batches?dept=scjg", sw...), http.StatusForbidden)
	// The console lists the user's own batches only.
	w := e.get("/console/", sw...)
	wantStatus(t, w, http.StatusOK)
	lacks(t, w.Body.String(), `href="/console/batches/1"`)

	// Uploads: to its own department (the default), never another's.
	file := e.f.penaltyHeader() + e.f.penaltyRow("D-1", e.f.CodeB, e.f.NameB, "威市监罚〔2026〕91号", "2026-05-06")
	w = e.do(http.MethodPost, "/api/v1/batches?dept=scjg&item=admin_penalty", strings.NewReader(file), sw...)
	wantStatus(t, w, http.StatusForbidden)
	tok, _ := e.issueToken("sw", auth.ScopeRecordsWrite)
	w = e.do(http.MethodPost, "/api/v1/batches?dept=scjg&item=admin_penalty", strings.NewReader(file), bearer(tok)...)
	wantStatus(t, w, http.StatusForbidden)
	w = e.do(http.MethodPost, "/api/v1/batches?item=admin_penalty&filename=d.csv", strings.NewReader(file), own...)
	wantStatus(t, w, http.StatusCreated)
	if b := decode[batchJSON](t, w); b.Dept != "scjg" || b.SubmittedBy != "user:2" {
		t.Errorf("batch %+v", b.Batch)
	}
	if left, _ := os.ReadDir(e.cfg.UploadDir); len(left) != 0 {
		t.Errorf("spooled files left: %v", left)
	}
}

// Reading rejected rows (which may hold personal information) is entered in the query log
// with the principal, the purpose (stated, or the route's own) and what was returned.
func TestRejectsQueryLog(t *testing.T) {
	e := newEnv(t, Config{})
	read := func(hdr ...string) []*store.QueryLog {
		var out []*store.QueryLog
		if err := e.app.QueryLogs(t.Context(), store.QueryLogFilter{}, func(q *store.QueryLog) error { out = append(out, q); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	wantStatus(t, e.get("/api/v1/batches/1", e.scjg()...), http.StatusOK) // public-level: not logged
	if n := len(read()); n != 0 {
		t.Fatalf("%d entries after a batch read", n)
	}
	wantStatus(t, e.get("/api/v1/batches/1/rejects.json", e.scjg()...), http.StatusOK)
	wantStatus(t, e.get("/api/v1/batches/1/rejects?format=csv", append(e.admin(), purposeHeader, "核对报送数据")...), http.StatusOK)
	wantStatus(t, e.get("/console/batches/1?purpose="+url.QueryEscape("复核"), e.admin()...), http.StatusOK)
	wantStatus(t, e.get("/api/v1/batches/999/rejects.json", e.scjg()...), http.StatusNotFound) // nothing read
	qs := read()
	if len(qs) != 3 {
		t.Fatalf("query log: %d entries", len(qs))
	}
	if q := qs[0]; !strings.HasPrefix(q.Actor, "token:") || q.Dept != "scjg" || !strings.Contains(q.Purpose, "报送纠错") ||
		q.Route != "GET /api/v1/batches/{id}/rejects.json" || !strings.Contains(q.Returned, "batch:1") || q.RemoteAddr == "" {
		t.Errorf("token read: %+v", q)
	}
	if q := qs[1]; q.Actor != "user:1" || q.Purpose != "核对报送数据" || !strings.Contains(q.Returned, "csv") {
		t.Errorf("admin read: %+v", q)
	}
	if q := qs[2]; q.Purpose != "复核" || q.Route != "GET /console/batches/{id}" {
		t.Errorf("console read: %+v", q)
	}
	if strings.Contains(e.logs.String(), "not entered in the query log") {
		t.Error("a handler left its read to the fallback")
	}
}

// Request bodies are bounded before they are read: 413 for JSON over 1 MiB, announced or not.
func TestOversizedJSON(t *testing.T) {
	e := newEnv(t, Config{})
	big := `{"code": "` + strings.Repeat("A", 2<<20) + `", "note": "x"}`
	for _, announce := range []bool{true, false} {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/code-exceptions", io.NopCloser(strings.NewReader(big)))
		if !announce {
			r.ContentLength = -1
		}
		hdr := e.admin()
		for i := 0; i < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		wantStatus(t, w, http.StatusRequestEntityTooLarge)
		if ae := decode[apiErr](t, w); ae.Error.Code != credit.ETOOLARGE || !hasChinese(ae.Error.Message) {
			t.Errorf("announce %v: %+v", announce, ae)
		}
	}
	if list, _ := e.app.Store.CodeExceptions(t.Context()); len(list) != 0 {
		t.Error("an oversized request changed something")
	}
}

func TestCodeExceptions(t *testing.T) {
	e := newEnv(t, Config{})
	bad := e.f.CodeA[:17] + string(otherCheck(e.f.CodeA[17]))
	body := fmt.Sprintf(`{"code": %q, "note": "厦门早期试点代码，见市监函〔2015〕1号"}`, strings.ToLower(bad))
	w := e.do(http.MethodPost, "/api/v1/code-exceptions", strings.NewReader(body), append(e.admin(), "Content-Type", "application/json")...)
	wantStatus(t, w, http.StatusCreated)
	if ex := decode[store.CodeException](t, w); ex.Code != bad || ex.CreatedBy == "" {
		t.Errorf("exception %+v", ex)
	}
	list := decode[map[string][]store.CodeException](t, e.get("/api/v1/code-exceptions"))
	if len(list["code_exceptions"]) != 1 {
		t.Errorf("list %+v", list)
	}
	c := decode[credit.CodeResult](t, e.get("/api/v1/codes/"+bad))
	if !c.Valid || !c.Exception {
		t.Errorf("exception not honoured: %+v", c)
	}
	// A valid code is no exception; a missing note is refused.
	w = e.do(http.MethodPost, "/api/v1/code-exceptions", strings.NewReader(fmt.Sprintf(`{"code": %q, "note": "x"}`, e.f.CodeA)), e.admin()...)
	wantStatus(t, w, http.StatusBadRequest)
	w = e.do(http.MethodPost, "/api/v1/code-exceptions", strings.NewReader(fmt.Sprintf(`{"code": %q}`, bad)), e.admin()...)
	wantStatus(t, w, http.StatusBadRequest)
	if ae := decode[apiErr](t, w); ae.Error.Field != "note" || ae.Error.Rule != credit.RuleRequired {
		t.Errorf("missing note: %+v", ae)
	}

	wantStatus(t, e.do(http.MethodDelete, "/api/v1/code-exceptions/"+bad, nil, e.admin()...), http.StatusNoContent)
	wantStatus(t, e.do(http.MethodDelete, "/api/v1/code-exceptions/"+bad, nil, e.admin()...), http.StatusNotFound)
}

func TestBadJSON(t *testing.T) {
	e := newEnv(t, Config{})
	for _, body := range []string{`{bad`, ``, `{"code": 1}`, `{"code": "x", "extra": true}`, `{"code":"x","note":"y"} {}`} {
		w := e.do(http.MethodPost, "/api/v1/code-exceptions", strings.NewReader(body), e.admin()...)
		wantStatus(t, w, http.StatusBadRequest)
		ae := decode[apiErr](t, w)
		if ae.Error.Code != credit.EINVALID || !hasChinese(ae.Error.Message) {
			t.Errorf("%q: %+v", body, ae)
		}
	}
	w := e.do(http.MethodPost, "/api/v1/code-exceptions", strings.NewReader(`{"code":"x"}`), append(e.admin(), "Content-Type", "text/plain")...)
	wantStatus(t, w, http.StatusBadRequest)
	big := `{"code": "` + strings.Repeat("A", 2<<20) + `"}`
	w = e.do(http.MethodPost, "/api/v1/code-exceptions", strings.NewReader(big), e.admin()...)
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	if ae := decode[apiErr](t, w); ae.Error.Code != credit.ETOOLARGE {
		t.Errorf("too large: %+v", ae)
	}
}

func TestAPINotFoundAndMethod(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.get("/api/v1/nope")
	wantStatus(t, w, http.StatusNotFound)
	if ae := decode[apiErr](t, w); ae.Error.Code != credit.ENOTFOUND {
		t.Errorf("%+v", ae)
	}
	w = e.do(http.MethodDelete, "/api/v1/stats", nil)
	wantStatus(t, w, http.StatusMethodNotAllowed)
	wantStatus(t, e.get("/api/v1/batches/999", e.scjg()...), http.StatusNotFound)
	wantStatus(t, e.get("/api/v1/batches/abc", e.scjg()...), http.StatusNotFound)
}

// uploadRaw posts a file as the request body.
func (e *env) uploadRaw(dept, item, name, body string) *httptest.ResponseRecorder {
	q := url.Values{"dept": {dept}, "item": {item}, "filename": {name}}
	return e.do(http.MethodPost, "/api/v1/batches?"+q.Encode(), strings.NewReader(body), append(e.scjg(), "Content-Type", "text/csv")...)
}

func TestUploadRejectsFixResubmit(t *testing.T) {
	e := newEnv(t, Config{})
	f := e.f
	badCode := "91371002MA3C0XXXX"
	file := f.penaltyHeader() +
		f.penaltyRow("UP-1", f.CodeB, f.NameB, "威市监罚〔2026〕31号", "2026-05-06") +
		f.penaltyRow("UP-2", badCode, f.NameB, "威市监罚〔2026〕32号", "2026-05-07")
	before := decode[statsJSON](t, e.get("/api/v1/stats"))

	w := e.uploadRaw("scjg", "admin_penalty", "处罚-五月.csv", file)
	wantStatus(t, w, http.StatusCreated)
	b1 := decode[batchJSON](t, w)
	if b1.Status != store.BatchDone || b1.Rows != 2 || b1.Accepted != 1 || b1.Rejected != 1 || b1.Repeat || b1.FileName != "处罚-五月.csv" {
		t.Fatalf("batch %+v", b1.Batch)
	}
	if loc := w.Header().Get("Location"); loc != fmt.Sprintf("/api/v1/batches/%d", b1.ID) {
		t.Errorf("Location %q", loc)
	}
	if left, _ := os.ReadDir(e.cfg.UploadDir); len(left) != 0 {
		t.Errorf("spooled files left: %v", left)
	}

	// The same file again: nothing changes.
	w = e.uploadRaw("scjg", "admin_penalty", "again.csv", file)
	wantStatus(t, w, http.StatusOK)
	if again := decode[batchJSON](t, w); !again.Repeat || again.ID != b1.ID {
		t.Errorf("repeat %+v", again)
	}
	after := decode[statsJSON](t, e.get("/api/v1/stats"))
	if after.Records != before.Records+1 {
		t.Errorf("records %d → %d", before.Records, after.Records)
	}
	if bs := decode[map[string][]store.Batch](t, e.get("/api/v1/batches?item=admin_penalty", e.scjg()...)); len(bs["batches"]) != 2 {
		t.Errorf("batches %+v", bs)
	}

	// The rejects as JSON and in each format.
	rj := decode[struct {
		Total   int64        `json:"total"`
		More    bool         `json:"more"`
		Rejects []rejectJSON `json:"rejects"`
	}](t, e.get(fmt.Sprintf("/api/v1/batches/%d/rejects.json", b1.ID), e.scjg()...))
	if rj.Total != 1 || len(rj.Rejects) != 1 || rj.Rejects[0].Row != 3 || rj.Rejects[0].Errors[0].Field != "subject_code" ||
		!strings.Contains(rj.Rejects[0].Reason, "第 3 行") {
		t.Fatalf("rejects %+v", rj)
	}
	for _, fm := range []string{"xlsx", "jsonl"} {
		w = e.get(fmt.Sprintf("/api/v1/batches/%d/rejects?format=%s", b1.ID, fm), e.scjg()...)
		wantStatus(t, w, http.StatusOK)
		if cd := w.Header().Get("Content-Disposition"); !strings.Contains(cd, "rejects."+fm) || w.Body.Len() == 0 {
			t.Errorf("%s: %q, %d bytes", fm, cd, w.Body.Len())
		}
	}
	wantStatus(t, e.get(fmt.Sprintf("/api/v1/batches/%d/rejects?format=pdf", b1.ID), e.scjg()...), http.StatusBadRequest)
	w = e.get(fmt.Sprintf("/api/v1/batches/%d/rejects", b1.ID), e.scjg()...) // default: the batch's own CSV
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(w.Body.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("rejects CSV %v: %q", err, w.Body.String())
	}
	header, row := rows[0], rows[1]
	if header[len(header)-1] != "错误原因" {
		t.Errorf("header %v", header)
	}
	// Fix the code and send the file back, reason column and all.
	for i, h := range header {
		if h == "subject_code" {
			row[i] = uscc(t, "91371002", "46304783")
		}
	}
	var fixed bytes.Buffer
	cw := csv.NewWriter(&fixed)
	_ = cw.WriteAll([][]string{header, row})
	w = e.uploadRaw("scjg", "admin_penalty", "fixed.csv", fixed.String())
	wantStatus(t, w, http.StatusCreated)
	b2 := decode[batchJSON](t, w)
	if b2.Accepted != 1 || b2.Rejected != 0 {
		t.Fatalf("fixed batch %+v", b2.Batch)
	}
	rj2 := decode[struct {
		Rejects []rejectJSON `json:"rejects"`
	}](t, e.get(fmt.Sprintf("/api/v1/batches/%d/rejects.json?offset=0&limit=10", b1.ID), e.scjg()...))
	if len(rj2.Rejects) != 1 || rj2.Rejects[0].Resolved != b2.ID {
		t.Errorf("reject not resolved: %+v", rj2.Rejects)
	}
	b := decode[store.Batch](t, e.get(fmt.Sprintf("/api/v1/batches/%d", b2.ID), e.scjg()...))
	if b.ID != b2.ID || b.Status != store.BatchDone {
		t.Errorf("get batch %+v", b)
	}
}

func TestUploadMultipartAndErrors(t *testing.T) {
	e := newEnv(t, Config{})
	f := e.f
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", `C:\Users\clerk\..\许可.csv`)
	_, _ = io.WriteString(fw, f.penaltyHeader()+f.penaltyRow("MP-1", f.CodeB, f.NameB, "威市监罚〔2026〕40号", "2026-05-10"))
	_ = mw.WriteField("dept", "scjg")
	_ = mw.WriteField("item", "admin_penalty")
	_ = mw.Close()
	w := e.do(http.MethodPost, "/api/v1/batches", &buf, append(e.scjg(), "Content-Type", mw.FormDataContentType())...)
	wantStatus(t, w, http.StatusCreated)
	if b := decode[batchJSON](t, w); b.FileName != "许可.csv" || b.Accepted != 1 {
		t.Errorf("multipart batch %+v", b.Batch)
	}

	// File-level errors: 400 with the reason, before or after the body is read.
	w = e.uploadRaw("nosuch", "admin_penalty", "x.csv", "a,b\n1,2\n")
	wantStatus(t, w, http.StatusBadRequest)
	if ae := decode[apiErr](t, w); ae.Error.Field != "dept" || !strings.Contains(ae.Error.Message, "未知部门") {
		t.Errorf("unknown dept: %+v", ae)
	}
	w = e.uploadRaw("scjg", "nosuch", "x.csv", "a,b\n1,2\n")
	wantStatus(t, w, http.StatusBadRequest)
	w = e.uploadRaw("wmb", "admin_penalty", "x.csv", "a,b\n1,2\n")
	wantStatus(t, w, http.StatusBadRequest)
	w = e.uploadRaw("scjg", "admin_penalty", "x.csv", "foo,bar\n1,2\n")
	wantStatus(t, w, http.StatusBadRequest)
	if ae := decode[apiErr](t, w); ae.Error.Row != 1 || !strings.Contains(ae.Error.Message, "表头") {
		t.Errorf("bad header: %+v", ae)
	}
	w = e.do(http.MethodPost, "/api/v1/batches?dept=scjg&item=admin_penalty&format=pdf", strings.NewReader("x"), e.scjg()...)
	wantStatus(t, w, http.StatusBadRequest)
	w = e.uploadRaw("scjg", "admin_penalty", "empty.csv", "")
	wantStatus(t, w, http.StatusBadRequest)
	if ae := decode[apiErr](t, w); ae.Error.Field != "file" {
		t.Errorf("empty file: %+v", ae)
	}
	if left, _ := os.ReadDir(e.cfg.UploadDir); len(left) != 0 {
		t.Errorf("spooled files left: %v", left)
	}
}

func TestUploadTooLarge(t *testing.T) {
	e := newEnv(t, Config{MaxUpload: 256})
	file := e.f.penaltyHeader() + strings.Repeat(e.f.penaltyRow("BIG", e.f.CodeB, e.f.NameB, "x", "2026-01-01"), 5)
	w := e.uploadRaw("scjg", "admin_penalty", "big.csv", file)
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	if ae := decode[apiErr](t, w); ae.Error.Code != credit.ETOOLARGE || !strings.Contains(ae.Error.Message, "上传上限") {
		t.Errorf("%+v", ae)
	}
	if left, _ := os.ReadDir(e.cfg.UploadDir); len(left) != 0 {
		t.Errorf("spooled files left: %v", left)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("dept", "scjg")
	_ = mw.WriteField("item", "admin_penalty")
	fw, _ := mw.CreateFormFile("file", "big.csv")
	_, _ = io.WriteString(fw, file)
	_ = mw.Close()
	w = e.do(http.MethodPost, "/api/v1/batches", &buf, append(e.scjg(), "Content-Type", mw.FormDataContentType())...)
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
}

// An import that outlasts the wait answers 202 with the batch and where to poll.
func TestUploadAccepted(t *testing.T) {
	e := newEnv(t, Config{})
	e.srv.importWait = 0
	w := e.uploadRaw("scjg", "admin_penalty", "slow.csv", e.f.penaltyHeader()+e.f.penaltyRow("S-1", e.f.CodeB, e.f.NameB, "威市监罚〔2026〕50号", "2026-05-10"))
	if w.Code != http.StatusAccepted && w.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	b := decode[batchJSON](t, w)
	if w.Header().Get("Location") != fmt.Sprintf("/api/v1/batches/%d", b.ID) || b.ID == 0 {
		t.Errorf("Location %q, batch %+v", w.Header().Get("Location"), b.Batch)
	}
	e.srv.Wait()
	if got := decode[store.Batch](t, e.get(w.Header().Get("Location"), e.scjg()...)); got.Status != store.BatchDone || got.Accepted != 1 {
		t.Errorf("after wait: %+v", got)
	}
}

func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"a.csv": "a.csv", "../../etc/passwd": "passwd", `C:\x\y.xlsx`: "y.xlsx", "..": "", "a\x00b.csv": "ab.csv", " 名单.csv ": "名单.csv",
	} {
		if got := cleanFileName(in); got != want {
			t.Errorf("cleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
