package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/xinyong/xinyong/auth"
)

// TestBrowserClerkCheck drives headless Chromium through the window check as a clerk would,
// without JavaScript of the site's own: sign in, enter a black-listed firm's code and the
// matter, see the block verdict with the measure and its legal basis, record feedback, and
// find it on the check record. It fails on any console error (CSP violations included).
func TestBrowserClerkCheck(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t, Config{})
	e.courtDefaulter(e.f.CodeA, e.f.NameA)
	e.addUser("clerk", "cz", auth.RoleClerk)
	ts := httptest.NewServer(e.h)
	defer ts.Close()

	h := startHeadless(t, bin, 30*time.Second)
	ctx := h.ctx
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

	// Step 1: sign in and open the check page.
	do("sign in", chromedp.Navigate(ts.URL+"/console/checks?lang=zh"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "clerk"), chromedp.SendKeys(chromedp.ID("password"), testPassword+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("check-codes")))
	// Step 2: the code and the matter, then check.
	do("check", chromedp.SendKeys(chromedp.ID("check-codes"), e.f.CodeA), chromedp.SetValue(chromedp.ID("check-matter"), "gov_procurement"),
		chromedp.Click(chromedp.ID("check-submit")), chromedp.WaitVisible(chromedp.ID("check-result")))
	result := text("#check-result")
	verdict, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#check-result [data-verdict]"), "data-verdict"))
	if err != nil {
		t.Fatal(err)
	}
	// Step 3: feedback — applied.
	do("feedback", chromedp.Click(chromedp.CSS(`input[name="outcome_P01"][value="applied"]`)),
		chromedp.Click(chromedp.CSS("button.feedback-submit")), chromedp.WaitVisible(chromedp.ID("done")))
	// Step 4: done, the record shows it.
	record := text("#check-measures")
	problems := h.Problems()

	if verdict.Value != "block" {
		t.Errorf("verdict %q, want block", verdict.Value)
	}
	for _, want := range []string{e.f.NameA, "拦截", "失信被执行人名单", "限制参与政府采购活动", "政府采购法", "市财政局"} {
		if !strings.Contains(result, want) {
			t.Errorf("check result lacks %q:\n%s", want, result)
		}
	}
	if !strings.Contains(record, "已实施") || !strings.Contains(record, "P01") {
		t.Errorf("check record: %q", record)
	}
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
}
