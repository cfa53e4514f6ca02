package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
)

func TestHome(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.get("/")
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	contains(t, body, "信用门户", `<label for="q"`, "主体名称或统一社会信用代码", "法人和其他组织数", "信用记录数",
		`id="count-subjects">3<`, "行政处罚", "自然人的信用信息不予公开", `lang="zh-CN"`)
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
		if w.Header().Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	if !strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("CSP %q", w.Header().Get("Content-Security-Policy"))
	}
	// No inline scripts or styles anywhere: the CSP would block them.
	lacks(t, body, "<script", "style=", "<style")
}

func TestSearchByPartialName(t *testing.T) {
	e := newEnv(t, Config{})
	for _, q := range []string{"海蓝", "海蓝食品", "威海海蓝食品有限公司", e.f.NameA} {
		w := e.get("/search?q=" + url.QueryEscape(q))
		wantStatus(t, w, http.StatusOK)
		contains(t, w.Body.String(), e.f.NameA, `href="/subjects/`+e.f.CodeA+`"`, e.f.CodeA, "企业", "存续", "山东省威海市环翠区")
	}
	// Full-width and half-width brackets find the same subject.
	for _, q := range []string{"威海(测试)科技", "威海（测试）科技有限责任公司", "（测试）"} {
		w := e.get("/search?q=" + url.QueryEscape(q))
		wantStatus(t, w, http.StatusOK)
		contains(t, w.Body.String(), e.f.NameB, e.f.CodeB)
	}
	w := e.get("/search?q=" + url.QueryEscape("不存在的公司名称"))
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "没有找到", "有限责任公司", "至少输入 1 个字")
	// Empty query: the form and the tips, no error.
	w = e.get("/search")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "请输入要查询的主体名称或代码")
	// Too long: a 400 with the reason, on the same page.
	w = e.get("/search?q=" + strings.Repeat("海", 101))
	wantStatus(t, w, http.StatusBadRequest)
	contains(t, w.Body.String(), "查询词过长")
}

func TestSearchByCode(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.get("/search?q=" + strings.ToLower(e.f.CodeA))
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "代码有效", e.f.NameA, `href="/subjects/`+e.f.CodeA+`"`)

	bad := e.f.CodeA[:17] + string(otherCheck(e.f.CodeA[17]))
	w = e.get("/search?q=" + bad)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "代码无效", "第18位校验位错误")
	lacks(t, w.Body.String(), e.f.NameA)

	// A valid code nobody registered.
	w = e.get("/search?q=" + uscc(t, "91371002", "99999999"))
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "代码有效", "暂无该代码对应主体")
}

func otherCheck(c byte) byte {
	if c == '0' {
		return '1'
	}
	return '0'
}

// A natural person never shows: not in search by name or ID, not on a subject page, and a
// person's ID gets exactly the 404 of a code nobody has.
func TestPersonsNeverPublic(t *testing.T) {
	e := newEnv(t, Config{})
	for _, q := range []string{"李四", "张三", "李"} {
		w := e.get("/search?q=" + url.QueryEscape(q))
		wantStatus(t, w, http.StatusOK)
		lacks(t, w.Body.String(), "/subjects/P", `class="result"`, "自然人</dd>")
	}
	w := e.get("/search?q=" + e.f.PersonPen)
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "自然人的信用信息不予公开", credit.MaskID(e.f.PersonPen))
	lacks(t, w.Body.String(), e.f.PersonPen, "李四", "暂无该代码对应主体")

	known := e.get("/subjects/" + e.f.PersonPen)
	unknown := e.get("/subjects/" + residentID("37100219700101001"))
	wantStatus(t, known, http.StatusNotFound)
	wantStatus(t, unknown, http.StatusNotFound)
	if known.Body.String() != unknown.Body.String() {
		t.Error("a known person's 404 differs from an unknown ID's")
	}
	lacks(t, known.Body.String(), "李四", e.f.PersonPen)
	contains(t, known.Body.String(), "未找到")

	api := e.get("/api/v1/subjects/" + e.f.PersonPen)
	wantStatus(t, api, http.StatusNotFound)
	apiUnknown := e.get("/api/v1/subjects/" + residentID("37100219700101001"))
	if decode[map[string]any](t, api)["error"].(map[string]any)["message"] !=
		decode[map[string]any](t, apiUnknown)["error"].(map[string]any)["message"] {
		t.Error("API 404s differ")
	}
	sr := decode[searchJSON](t, e.get("/api/v1/subjects?q="+url.QueryEscape("李四")))
	if len(sr.Subjects) != 0 {
		t.Errorf("search returned %+v", sr.Subjects)
	}
	// The ID never reaches the log either.
	if strings.Contains(e.logs.String(), e.f.PersonPen) {
		t.Error("a resident ID was logged")
	}
}

func TestSubjectPage(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.get("/subjects/" + e.f.CodeA)
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	contains(t, body, e.f.NameA, e.f.CodeA, "基本信息", "张三", "山东省威海市环翠区", "存续", "威海海蓝水产品有限公司",
		"行政处罚", e.f.PenaltyNow, "处罚决定日期", "公示期至 2027-03-01", "信息提供部门：市市场监督管理局",
		"企业登记基本信息", "长期公示")
	// Outside its window, and of an item that is not public.
	lacks(t, body, e.f.PenaltyOld, e.f.DonationReceipt, "威海市慈善总会", "慈善捐赠", e.f.PersonRep)
	lacks(t, body, "<script", "style=")

	// Another spelling of the code leads to the canonical address.
	w = e.get("/subjects/" + strings.ToLower(e.f.CodeA))
	wantStatus(t, w, http.StatusMovedPermanently)
	if loc := w.Header().Get("Location"); loc != "/subjects/"+e.f.CodeA {
		t.Errorf("Location %q", loc)
	}

	for _, code := range []string{uscc(t, "91371002", "99999999"), "nonsense", e.f.CodeA[:17] + string(otherCheck(e.f.CodeA[17]))} {
		w = e.get("/subjects/" + code)
		wantStatus(t, w, http.StatusNotFound)
		contains(t, w.Body.String(), "未找到该页面或主体", "返回首页")
	}
}

func TestLanguageSwitch(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.get("/subjects/" + e.f.CodeA + "?lang=en")
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	contains(t, body, `lang="en"`, "Credit Portal", "Basic information", "Administrative penalty", "Published until 2027-03-01",
		"Legal representative", "中文")
	var cookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == langCookie {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != "en" {
		t.Fatalf("no lang cookie: %v", w.Result().Cookies())
	}
	// The cookie keeps English on the next page.
	w = e.get("/", "Cookie", "lang=en")
	contains(t, w.Body.String(), "Legal persons and other organisations", "Subject name or unified social credit code")
	// And ?lang=zh goes back.
	w = e.get("/?lang=zh", "Cookie", "lang=en")
	contains(t, w.Body.String(), "法人和其他组织数")
}

// Every message key a template uses exists in both languages.
func TestMessageKeys(t *testing.T) {
	re := regexp.MustCompile(`\.T "([^"]+)"`)
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range entries {
		b, _ := templateFS.ReadFile("templates/" + de.Name())
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if v, ok := messages[m[1]]; !ok || v[0] == "" || v[1] == "" {
				t.Errorf("%s: message %q missing", de.Name(), m[1])
			}
		}
	}
	for _, k := range []string{"uscc", "resident", "org_code", "reg_no", "unknown"} {
		if _, ok := messages["code."+k]; !ok {
			t.Errorf("message code.%s missing", k)
		}
	}
	for _, k := range []string{"n", "p", "b", "0"} {
		if _, ok := messages["subject.polarity."+k]; !ok {
			t.Errorf("message subject.polarity.%s missing", k)
		}
	}
}

func TestStaticAndHealth(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.get("/healthz")
	wantStatus(t, w, http.StatusOK)
	if w.Body.String() != "ok" {
		t.Errorf("healthz %q", w.Body.String())
	}
	w = e.get("/static/style.css")
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("content type %q", ct)
	}
	contains(t, w.Body.String(), ":focus-visible", "PingFang SC")
	lacks(t, w.Body.String(), "@import", "url(http", "@font-face")
	wantStatus(t, e.get("/static/"), http.StatusNotFound)
	wantStatus(t, e.get("/static/nope.css"), http.StatusNotFound)
	w = e.get("/no/such/page")
	wantStatus(t, w, http.StatusNotFound)
	contains(t, w.Body.String(), "未找到")
	w = e.do(http.MethodPost, "/search", nil)
	wantStatus(t, w, http.StatusMethodNotAllowed)
	if w.Header().Get("Allow") != "GET" {
		t.Errorf("Allow %q", w.Header().Get("Allow"))
	}
}

func TestPanicRecovery(t *testing.T) {
	e := newEnv(t, Config{})
	h := e.srv.accessLog(e.srv.secureHeaders(e.srv.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret detail")
	}))))
	for _, path := range []string{"/boom", "/api/v1/boom"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		wantStatus(t, w, http.StatusInternalServerError)
		lacks(t, w.Body.String(), "secret detail", "goroutine")
		contains(t, w.Body.String(), "服务器内部错误")
		if w.Header().Get("Content-Security-Policy") == "" {
			t.Error("no CSP on the 500")
		}
	}
	contains(t, e.logs.String(), "secret detail", "status=500")
}

func TestSearchPaging(t *testing.T) {
	e := newEnv(t, Config{})
	var csv strings.Builder
	csv.WriteString("source_id,subject_code,subject_name,reg_status,established,address\n")
	for i := range 25 {
		code := uscc(t, "91371002", fmt.Sprintf("5%07d", i))
		fmt.Fprintf(&csv, "P-%d,%s,威海翔宇贸易第%02d有限公司,存续,2020-01-01,山东省威海市环翠区\n", i, code, i)
	}
	path := filepath.Join(t.TempDir(), "many.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if res, err := e.app.Import(t.Context(), ingest.Request{Dept: "scjg", Item: "enterprise_registration", Path: path}, nil); err != nil || res.Batch.Accepted != 25 {
		t.Fatalf("import: %v %+v", err, res)
	}
	w := e.get("/search?q=" + url.QueryEscape("翔宇贸易"))
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	if n := strings.Count(body, `class="result"`); n != 20 {
		t.Errorf("page 1 has %d hits", n)
	}
	contains(t, body, "下一页", `href="/search?page=2&amp;q=`)
	lacks(t, body, "上一页")
	w = e.get("/search?q=" + url.QueryEscape("翔宇贸易") + "&page=2")
	body = w.Body.String()
	if n := strings.Count(body, `class="result"`); n != 5 {
		t.Errorf("page 2 has %d hits", n)
	}
	contains(t, body, "上一页", `start="21"`)
	lacks(t, body, "下一页")

	sr := decode[searchJSON](t, e.get("/api/v1/subjects?q="+url.QueryEscape("翔宇贸易")))
	if len(sr.Subjects) != 20 || !sr.More || sr.PageSize != 20 {
		t.Errorf("API page 1: %d hits, more %v", len(sr.Subjects), sr.More)
	}
}
