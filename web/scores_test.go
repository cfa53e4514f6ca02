package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/auth"
)

// personBrowser signs the penalised person of the fixture in to /my.
func personBrowser(t *testing.T, e *env) *selfBrowser {
	t.Helper()
	codes := &catchCodes{}
	e.app.Codes = codes
	b := newSelfBrowser(e)
	b.post("/my/login/person", "/my/login/person", url.Values{"id": {e.f.PersonPen}})
	w := b.post("/my/login/person", "/my/login/person/verify", url.Values{"id": {e.f.PersonPen}, "code": {codes.last()}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("person sign-in: %d", w.Code)
	}
	return b
}

func TestMyScoreAndConsents(t *testing.T) {
	e := newEnv(t, Config{LoginPerMinute: 1000})
	b := personBrowser(t, e)
	body := b.send("GET", "/my", nil).Body.String()
	contains(t, body, `href="/my/score"`, `href="/my/consents"`)
	w := b.send("GET", "/my/score", nil)
	wantStatus(t, w, http.StatusOK)
	// The penalty of 2026-04-01 shows as a line, the grade and the total are there.
	contains(t, w.Body.String(), "个人信用积分", "行政处罚 2026-04-01", "守法履约", `id="score-personal-grade"`)
	lacks(t, w.Body.String(), e.f.PersonPen)
	wantStatus(t, e.get("/my/score", e.admin()...), http.StatusForbidden)
	wantStatus(t, e.get("/my/score"), http.StatusSeeOther)

	// Grant: a bad expiry is refused on the form; a good one is listed.
	w = b.post("/my/consents", "/my/consents", url.Values{"partner": {"whly"}, "scope": {"grade_benefits"}, "purpose": {"景区门票优惠"}, "expires": {"9999"}})
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "expiry")
	w = b.post("/my/consents", "/my/consents", url.Values{"partner": {"whly"}, "scope": {"grade_benefits"}, "purpose": {"景区门票优惠"}, "expires": {"30"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("grant: %d %s", w.Code, clip(w.Body.String()))
	}
	page := b.send("GET", "/my/consents?done=consent_granted", nil).Body.String()
	contains(t, page, "授权已生效", "景区门票优惠", "市文化和旅游局", "有效")
	ref := regexp.MustCompile(`action="/my/consents/(\d+)/revoke"`).FindStringSubmatch(page)
	if ref == nil {
		t.Fatal("no revoke form")
	}
	// The scenic-spot partner checks the benefit: the person is B (a penalty) → not eligible,
	// and the answer is just that.
	tok, _ := e.issueToken("whly", auth.ScopeScoresVerify)
	w = e.do("POST", "/api/v1/benefits/scenic_discount/verify", strings.NewReader(`{"id":"`+e.f.PersonPen+`"}`), bearer(tok)...)
	wantStatus(t, w, http.StatusOK)
	if got := strings.TrimSpace(w.Body.String()); got != "{\n  \"eligible\": false\n}" {
		t.Fatalf("verify answer: %s", got)
	}
	w = e.do("POST", "/api/v1/scores/grade", strings.NewReader(`{"consent":`+ref[1]+`}`), bearer(tok)...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `"grade": "B"`)
	// Revoke through the page: denied at once, with the same answer as for a stranger.
	w = b.post("/my/consents", "/my/consents/"+ref[1]+"/revoke", url.Values{})
	wantStatus(t, w, http.StatusSeeOther)
	denied := e.do("POST", "/api/v1/scores/grade", strings.NewReader(`{"consent":`+ref[1]+`}`), bearer(tok)...)
	stranger := e.do("POST", "/api/v1/scores/grade", strings.NewReader(`{"id":"`+residentID("11010519491231002")+`"}`), bearer(tok)...)
	wantStatus(t, denied, http.StatusForbidden)
	if denied.Body.String() != stranger.Body.String() {
		t.Fatalf("refusals differ:\n%s\n%s", denied.Body, stranger.Body)
	}
	lacks(t, denied.Body.String(), e.f.PersonPen, "李")
	// The page lists every use.
	page = b.send("GET", "/my/consents", nil).Body.String()
	contains(t, page, "已撤销", "核验：不符合", "已提供等级", "已拒绝")
	// A token without the scope, and staff, are refused by the matrix.
	wantStatus(t, e.do("POST", "/api/v1/benefits/scenic_discount/verify", strings.NewReader(`{}`), e.scjg()...), http.StatusForbidden)
	wantStatus(t, e.do("POST", "/api/v1/scores/grade", strings.NewReader(`{}`), e.admin()...), http.StatusForbidden)
}

func TestBenefitsAndScorecardsPublic(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.get("/benefits")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "公积金贷款额度放宽", "25倍", "AAA", "A级旅游景区门票优惠")
	w = e.get("/api/v1/benefits")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `"min_grade": "AA"`)
	w = e.get("/api/v1/scorecards")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `"code": "personal"`, "表彰奖励", "公共服务")
	wantStatus(t, e.get("/api/v1/scorecards/personal/versions"), http.StatusOK)
	wantStatus(t, e.get("/api/v1/scorecards/nope/versions"), http.StatusNotFound)
	w = e.get("/api/v1/supervision")
	contains(t, w.Body.String(), `"key_supervision": true`)
	// The company's public evaluation grade is on its portal page.
	w = e.get("/subjects/" + e.f.CodeA)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "公共信用评价", `id="public-grades"`)
}

func TestScorecardConsole(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.get("/console/scorecards", e.admin()...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "个人信用积分", `name="card"`, "分级分类监管")
	// An unknown item is refused with its reason, the text kept.
	bad := `{"code":"personal","name_zh":"个人","subject_classes":["person"],"base":10,"min":0,"max":20,` +
		`"dimensions":[{"code":"d","name_zh":"维"}],"indicators":[{"code":"x","name_zh":"未知","dimension":"d","item":"no_item","points":1}],` +
		`"grades":[{"grade":"A","min":11,"max":20},{"grade":"B","min":0,"max":9}]}`
	form := url.Values{"card": {bad}, "action": {"preview"}, "csrf_token": {auth.CSRFToken(e.srv.csrfKey, e.adminSID)}}
	w = e.do("POST", "/console/scorecards", strings.NewReader(form.Encode()), append(e.admin(), "Content-Type", "application/x-www-form-urlencoded")...)
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "unknown catalog item", "gap between grades B and A", "no_item")
	// Preview and publish through the API.
	cards := e.get("/api/v1/scorecards").Body.String()
	i := strings.Index(cards, `{
      "code": "enterprise"`)
	if i < 0 {
		t.Fatal("no enterprise card")
	}
	w = e.do("POST", "/api/v1/scores/recompute", nil, e.admin()...)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), `"subjects"`)
	_ = context.Background()
}
