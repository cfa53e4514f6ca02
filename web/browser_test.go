package web

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/xinyong/xinyong/auth"
)

// TestBrowser drives headless Chromium through the portal as a visitor would: the home page
// and its figures, a partial name typed into the search box and sent with Enter, the result,
// the subject page with its public record (and not the expired one), and the switch to
// English. It fails on any console error, which includes Content-Security-Policy violations.
//
// XINYONG_TEST_BROWSER holds the path of a Chromium binary; XINYONG_TEST_SHOTS, when set,
// names a directory that gets a copy of the screenshots for a person to look at.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t, Config{})
	// The first admin, as `xinyong demo` or `xinyong user add --roles admin` makes it.
	e.addUser("admin", "fgw", auth.RoleAdmin)
	ts := httptest.NewServer(e.h)
	defer ts.Close()

	h := startHeadless(t, bin, 20*time.Second)
	ctx := h.ctx

	shot := h.Shot
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel chromedp.CSS) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	do("open the home page", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.ID("q")))
	subjects, records := text("#count-subjects"), text("#count-records")
	// Find the search box by its label, as a screen reader would.
	labels, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.Search(`//label[@for="q"][normalize-space(.)="主体名称或统一社会信用代码"]`)))
	if err != nil || len(labels) != 1 {
		t.Fatalf("search label: %v, %d nodes", err, len(labels))
	}
	shot("home.png")

	do("search", chromedp.Click(chromedp.ID("q")), chromedp.SendKeys(chromedp.ID("q"), "海蓝"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("ol.results")))
	results := text("ol.results")
	shot("search.png")

	do("open the result", chromedp.Click(chromedp.CSS(`ol.results a[href="/subjects/`+e.f.CodeA+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("h1.subject-name")))
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	main := text("main")
	shot("subject.png")

	do("switch to English", chromedp.Click(chromedp.ID("lang-switch")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] h1.subject-name`)))
	mainEN := text("main")
	shot("subject-en.png")
	do("narrow the window", chromedp.EmulateViewport(390, 844))
	shot("subject-en-phone.png")
	do("search by an invalid code", chromedp.Navigate(ts.URL+"/search?lang=zh&q="+e.f.CodeA[:17]+string(otherCheck(e.f.CodeA[17]))),
		chromedp.WaitVisible(chromedp.CSS(".code-result")))
	shot("search-code-phone.png")

	// The console, without JavaScript: sign in, upload a file with a bad row, read the report.
	upload := filepath.Join(t.TempDir(), "处罚-五月.csv")
	file := e.f.penaltyHeader() + e.f.penaltyRow("B-1", e.f.CodeB, e.f.NameB, "威市监罚〔2026〕71号", "2026-05-06") +
		e.f.penaltyRow("B-2", "91371002XYZ", e.f.NameB, "威市监罚〔2026〕72号", "2026-05-07")
	if err := os.WriteFile(upload, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	do("sign in", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/console/?lang=zh"),
		chromedp.WaitVisible(chromedp.ID("username")), chromedp.SendKeys(chromedp.ID("username"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`a.button[href="/console/upload"]`)))
	signedIn := text("#signed-in")
	shot("console-batches.png")
	do("upload", chromedp.Navigate(ts.URL+"/console/upload"), chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetValue(chromedp.ID("dept"), "scjg"), chromedp.SetValue(chromedp.ID("item"), "admin_penalty"),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{upload}),
		chromedp.Click(chromedp.CSS(`form.stack button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("batch-rejected")))
	rejected, accepted := text("#batch-rejected"), text("#batch-accepted")
	shot("console-batch.png")
	// Add a user through the form, without JavaScript, and find it in the list.
	do("add a user", chromedp.Navigate(ts.URL+"/console/users"), chromedp.WaitVisible(chromedp.ID("new-username")),
		chromedp.SendKeys(chromedp.ID("new-username"), "li.si"), chromedp.SendKeys(chromedp.ID("new-name"), "李四"),
		chromedp.SetValue(chromedp.ID("new-dept"), "scjg"), chromedp.Click(chromedp.ID("role-submitter")),
		chromedp.SendKeys(chromedp.ID("new-password"), testPassword),
		chromedp.Click(chromedp.CSS(`#user-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.Search(`//table[@id="users"]//th[normalize-space(.)="li.si"]`)))
	usersList := text("#users")
	shot("console-users.png")
	do("the audit page", chromedp.Navigate(ts.URL+"/console/audit"), chromedp.WaitVisible(chromedp.ID("chain-status")))
	chain := text("#chain-status")
	shot("console-audit.png")
	do("the system page", chromedp.Navigate(ts.URL+"/console/system"), chromedp.WaitVisible(chromedp.ID("settings")))
	settings := text("#settings")
	do("sign out", chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("username")))
	do("the console is closed again", chromedp.Navigate(ts.URL+"/console/"), chromedp.WaitVisible(chromedp.ID("username")))
	afterLogout, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}

	problems := h.Problems()
	if !strings.Contains(signedIn, "admin") || !strings.Contains(signedIn, "市发展和改革委员会") || !strings.Contains(signedIn, "信用办管理员") {
		t.Errorf("console header: %q", signedIn)
	}
	if !strings.Contains(afterLogout, "/console/login?next=") {
		t.Errorf("after logout /console/ went to %q", afterLogout)
	}
	if !strings.Contains(usersList, "li.si") || !strings.Contains(usersList, "李四") || !strings.Contains(usersList, "报送员") {
		t.Errorf("users list after adding li.si: %q", usersList)
	}
	if !strings.Contains(settings, "journal_mode") || !strings.Contains(settings, "正常") {
		t.Errorf("settings check: %q", settings)
	}
	if !strings.Contains(chain, "审计链完整") {
		t.Errorf("audit chain: %q", chain)
	}
	if rejected != "1" || accepted != "1" {
		t.Errorf("console batch: %s accepted, %s rejected", accepted, rejected)
	}

	if subjects != "3" || records != "7" {
		t.Errorf("home figures: %q subjects, %q records", subjects, records)
	}
	if !strings.Contains(results, e.f.NameA) || !strings.Contains(results, e.f.CodeA) {
		t.Errorf("results: %q", results)
	}
	if !strings.HasSuffix(url, "/subjects/"+e.f.CodeA) {
		t.Errorf("subject URL %q", url)
	}
	for _, want := range []string{e.f.NameA, "行政处罚", e.f.PenaltyNow, "公示期至 2027-03-01", "市市场监督管理局", "张三"} {
		if !strings.Contains(main, want) {
			t.Errorf("subject page lacks %q", want)
		}
	}
	for _, bad := range []string{e.f.PenaltyOld, e.f.DonationReceipt} {
		if strings.Contains(main, bad) {
			t.Errorf("subject page shows %q", bad)
		}
	}
	for _, want := range []string{"Basic information", "Administrative penalty", "Published until 2027-03-01", "Legal representative", "Source department"} {
		if !strings.Contains(mainEN, want) {
			t.Errorf("English page lacks %q", want)
		}
	}
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
}
