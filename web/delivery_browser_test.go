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

// TestBrowserDelivery drives headless Chromium through the delivery pages as a department's
// reviewer would: the task inbox, a response through the form, the subscriptions page with a new
// subscription and its secret shown once; and the credit office's delivery status page.
// XINYONG_TEST_SHOTS, when set, receives the screenshots. It fails on any browser console error.
func TestBrowserDelivery(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t, Config{})
	e.deliveryFixture(t, "scjg")
	e.addUser("rev", "scjg", auth.RoleReviewer)
	e.addUser("admin", "fgw", auth.RoleAdmin)
	ts := httptest.NewServer(e.h)
	defer ts.Close()

	h := startHeadless(t, bin, 30*time.Second)
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
	signIn := func(user string) {
		t.Helper()
		do("sign in "+user, chromedp.Navigate(ts.URL+"/console/login?lang=zh"), chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), testPassword+kb.Enter),
			chromedp.WaitVisible(chromedp.ID("signed-in")))
	}

	signIn("rev")
	do("the inbox", chromedp.Navigate(ts.URL+"/console/tasks"), chromedp.WaitVisible(chromedp.ID("tasks")))
	inbox := text("#tasks")
	shot("delivery-tasks.png")
	do("respond", chromedp.SetValue(chromedp.ID("outcome-1"), "applied"),
		chromedp.SendKeys(chromedp.ID("response-1"), "已在行政许可审批中限制其申请"),
		chromedp.Click(chromedp.CSS(`form[action="/console/tasks/1/response"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert[role="status"]`)))
	answered := text("#tasks")
	shot("delivery-tasks-answered.png")

	do("the subscriptions", chromedp.Navigate(ts.URL+"/console/subscriptions"), chromedp.WaitVisible(chromedp.ID("sub-form")))
	shot("delivery-subscriptions.png")
	do("subscribe to a list", chromedp.Click(chromedp.ID("sub-target-list")), chromedp.SendKeys(chromedp.ID("sub-list"), "black_list"),
		chromedp.SendKeys(chromedp.ID("sub-url"), "https://scjg.example.com/black"),
		chromedp.SendKeys(chromedp.ID("sub-purpose"), "《社会信用条例》联合惩戒"),
		chromedp.Click(chromedp.CSS(`#sub-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.ID("new-secret")))
	secret, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("new-secret")))
	if err != nil {
		t.Fatal(err)
	}
	shot("delivery-subscription-created.png")
	do("sign out", chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)), chromedp.WaitVisible(chromedp.ID("username")))

	signIn("admin")
	do("delivery status", chromedp.Navigate(ts.URL+"/console/outbox"), chromedp.WaitVisible(chromedp.ID("outbox-state")))
	state := text("#outbox-state")
	shot("delivery-outbox.png")

	if !strings.Contains(inbox, "列入名单") || !strings.Contains(inbox, "待响应") {
		t.Errorf("inbox: %q", inbox)
	}
	if !strings.Contains(answered, "已在行政许可审批中限制其申请") || !strings.Contains(answered, "已响应") {
		t.Errorf("after responding: %q", answered)
	}
	if !strings.HasPrefix(secret, "whsec_") {
		t.Errorf("secret %q", secret)
	}
	if !strings.Contains(state, "待发送") {
		t.Errorf("outbox state: %q", state)
	}
	for _, p := range h.Problems() {
		t.Errorf("browser console: %s", p)
	}
}
