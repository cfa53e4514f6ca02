package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/xinyong/xinyong/auth"
)

// TestBrowserRights drives Chromium through subjects' rights end to end, without JavaScript on
// the pages: the company signs in to /my and objects to its penalty with a PDF; the portal
// marks the record at once; the market regulator's reviewer corrects it from the console; the
// portal shows the corrected version. Then the company applies for repair; the credit office
// returns it for materials; the company completes it; the office forwards it; the reviewer
// approves it; the record leaves the portal but stays in the archive and in the government
// view, marked repaired. It fails on any browser console error (CSP violations included).
func TestBrowserRights(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t, Config{})
	e.addUser("admin", "fgw", auth.RoleAdmin)
	e.addUser("shen.he", "scjg", auth.RoleReviewer)
	credential, _, _, err := e.app.IssueSubjectCredential(t.Context(), "test", e.f.CodeA)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := e.app.Store.RecordVersions(t.Context(), "scjg", "admin_penalty", "PEN-1")
	if err != nil || len(vs) != 1 {
		t.Fatalf("PEN-1: %v", err)
	}
	pen := vs[0]
	dir := t.TempDir()
	pdf := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("%PDF-1.4\n% "+name+"\n%%EOF\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ts := httptest.NewServer(e.h)
	defer ts.Close()

	h := startHeadless(t, bin, 60*time.Second)
	ctx := h.ctx
	clearCookies := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
		return err
	})
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
	shot := h.Shot
	asSubject := func() {
		t.Helper()
		do("subject sign-in", clearCookies, chromedp.Navigate(ts.URL+"/my/login?lang=zh"),
			chromedp.WaitVisible(chromedp.ID("code")), chromedp.SendKeys(chromedp.ID("code"), e.f.CodeA),
			chromedp.SendKeys(chromedp.ID("credential"), credential+kb.Enter), chromedp.WaitVisible(chromedp.ID("my-basic")))
	}
	asStaff := func(user string) {
		t.Helper()
		do("staff sign-in "+user, clearCookies, chromedp.Navigate(ts.URL+"/console/login?lang=zh"),
			chromedp.WaitVisible(chromedp.ID("username")), chromedp.SendKeys(chromedp.ID("username"), user),
			chromedp.SendKeys(chromedp.ID("password"), testPassword+kb.Enter), chromedp.WaitVisible(chromedp.ID("signed-in")))
	}
	portal := func() string {
		t.Helper()
		do("the portal", chromedp.Navigate(ts.URL+"/subjects/"+e.f.CodeA+"?lang=zh"), chromedp.WaitVisible(chromedp.CSS("h1.subject-name")))
		return text("main")
	}
	caseID := func() int64 {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		path := loc[strings.Index(loc, "/cases/")+len("/cases/"):]
		if _, err := fmt.Sscanf(path, "%d", &id); err != nil {
			t.Fatalf("case id from %q: %v", loc, err)
		}
		return id
	}

	// 1. The subject objects, with a PDF.
	asSubject()
	do("object", chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/my/records/%d/objection"]`, pen.ID))),
		chromedp.WaitVisible(chromedp.ID("rights-form")),
		chromedp.SendKeys(chromedp.ID("reason"), "罚款金额录入错误，实际为 3000 元，附缴款书"),
		chromedp.SetUploadFiles(chromedp.ID("files"), []string{pdf("缴款书.pdf")}),
		chromedp.Click(chromedp.ID("rights-submit")), chromedp.WaitVisible(chromedp.ID("case-status")))
	objection := caseID()
	objStatus := text("#case-status")
	shot("rights-objection.png")
	marked := portal()
	shot("rights-portal-marked.png")

	// 2. The department's reviewer corrects the record.
	asStaff("shen.he")
	do("the objection queue", chromedp.Navigate(ts.URL+"/console/objections"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/console/cases/%d"]`, objection))), chromedp.WaitVisible(chromedp.ID("correct-form")),
		chromedp.SetValue(chromedp.ID("f_fine_amount"), "0.3"), chromedp.SetValue(chromedp.ID("f_penalty_content"), "罚款3000元"),
		chromedp.SendKeys(chromedp.ID("correct-note"), "核实后更正罚款金额"),
		chromedp.Click(chromedp.ID("correct-submit")), chromedp.WaitVisible(chromedp.ID("case-done")))
	corrected := text("#case-status")
	shot("rights-corrected.png")
	afterCorrection := portal()
	vs, _ = e.app.Store.RecordVersions(t.Context(), "scjg", "admin_penalty", "PEN-1")
	if len(vs) != 2 {
		t.Fatalf("versions after correction: %d", len(vs))
	}
	current := vs[1]

	// 3. The subject applies for repair.
	asSubject()
	do("apply for repair", chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/my/records/%d/repair"]`, current.ID))),
		chromedp.WaitVisible(chromedp.ID("rights-form")),
		chromedp.SendKeys(chromedp.ID("reason"), "已缴清罚款，已下架并销毁过期食品，完成整改"),
		chromedp.SendKeys(chromedp.ID("signatory"), e.f.NameA),
		chromedp.SetUploadFiles(chromedp.ID("files"), []string{pdf("整改报告.pdf")}),
		chromedp.Click(chromedp.ID("rights-submit")), chromedp.WaitVisible(chromedp.ID("case-status")))
	repair := caseID()
	submitted := text("#case-status")

	// 4. The credit office returns it for materials.
	asStaff("admin")
	do("return", chromedp.Navigate(ts.URL+"/console/repairs"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/console/cases/%d"]`, repair))), chromedp.WaitVisible(chromedp.ID("return-form")),
		chromedp.SendKeys(chromedp.ID("return-note"), "请补充罚款缴纳凭证"),
		chromedp.Click(chromedp.ID("return-submit")), chromedp.WaitVisible(chromedp.ID("case-done")))
	returned := text("#case-status")

	// 5. The subject completes it.
	asSubject()
	do("resubmit", chromedp.Navigate(ts.URL+fmt.Sprintf("/my/cases/%d", repair)), chromedp.WaitVisible(chromedp.ID("resubmit-form")),
		chromedp.SendKeys(chromedp.ID("note"), "补充罚款缴纳凭证"),
		chromedp.SetUploadFiles(chromedp.ID("files"), []string{pdf("缴款凭证.pdf")}),
		chromedp.Click(chromedp.ID("resubmit-submit")), chromedp.WaitVisible(chromedp.ID("case-done")))
	resubmitted := text("#case-status")
	evidence := text("#case-evidence")
	shot("rights-resubmitted.png")

	// 6. The office forwards it; the deciding department approves it.
	asStaff("admin")
	do("forward", chromedp.Navigate(ts.URL+fmt.Sprintf("/console/cases/%d", repair)), chromedp.WaitVisible(chromedp.ID("forward-form")),
		chromedp.Click(chromedp.ID("forward-submit")), chromedp.WaitVisible(chromedp.ID("case-done")))
	forwarded := text("#case-status")
	asStaff("shen.he")
	do("approve", chromedp.Navigate(ts.URL+fmt.Sprintf("/console/cases/%d", repair)), chromedp.WaitVisible(chromedp.ID("approve-form")),
		chromedp.Click(chromedp.ID("approve-submit")), chromedp.WaitVisible(chromedp.ID("case-done")))
	approved := text("#case-status")
	shot("rights-approved.png")
	afterRepair := portal()
	asStaff("shen.he")
	do("the government view", chromedp.Navigate(ts.URL+"/console/subjects/"+e.f.CodeA+"?purpose="+"信用修复复核"),
		chromedp.WaitVisible(chromedp.CSS("main")))
	govView := text("main")
	shot("rights-gov.png")

	problems := h.Problems()
	if objStatus != "异议处理中" || corrected != "已更正" || submitted != "待信用办审查" || returned != "退回补正" ||
		resubmitted != "待信用办审查" || forwarded != "待认定部门决定" || approved != "准予修复" {
		t.Errorf("statuses: %q %q %q %q %q %q %q", objStatus, corrected, submitted, returned, resubmitted, forwarded, approved)
	}
	if !strings.Contains(marked, "异议处理中") || !strings.Contains(marked, "罚款5000元") {
		t.Errorf("portal under objection: %q", clip(marked))
	}
	if strings.Contains(afterCorrection, "异议处理中") || !strings.Contains(afterCorrection, "罚款3000元") || strings.Contains(afterCorrection, "罚款5000元") {
		t.Errorf("portal after correction: %q", clip(afterCorrection))
	}
	if !strings.Contains(evidence, "整改报告.pdf") || !strings.Contains(evidence, "缴款凭证.pdf") {
		t.Errorf("evidence list: %q", evidence)
	}
	if strings.Contains(afterRepair, e.f.PenaltyNow) || !strings.Contains(afterRepair, e.f.NameA) {
		t.Errorf("portal after repair still shows the penalty: %q", clip(afterRepair))
	}
	if !strings.Contains(govView, e.f.PenaltyNow) || !strings.Contains(govView, "已信用修复") {
		t.Errorf("government view after repair: %q", clip(govView))
	}
	// The archive keeps every version.
	if vs, _ := e.app.Store.RecordVersions(t.Context(), "scjg", "admin_penalty", "PEN-1"); len(vs) != 2 {
		t.Errorf("archive: %d versions", len(vs))
	}
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
}
