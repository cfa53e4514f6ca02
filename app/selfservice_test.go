package app_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/store"
)

// codeCatcher is a CodeSender that keeps what it was asked to send.
type codeCatcher struct {
	mu    sync.Mutex
	sent  []string // codes, in order
	masks []string
}

func (c *codeCatcher) Send(_ context.Context, _, maskedID, code string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent, c.masks = append(c.sent, code), append(c.masks, maskedID)
	return nil
}

func (c *codeCatcher) last(t *testing.T) string {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sent) == 0 {
		t.Fatal("no code sent")
	}
	return c.sent[len(c.sent)-1]
}

func (c *codeCatcher) count() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.sent) }

// selfCity is a small city: one company with a public penalty and a shared donation record,
// and a penalised person.
type selfCity struct {
	company, person, stranger string
}

func validUSCC(t *testing.T, head8, org8 string) string {
	t.Helper()
	oc, err := credit.OrgCodeCheckChar(org8)
	if err != nil {
		t.Fatal(err)
	}
	c, err := credit.USCCCheckChar(head8 + org8 + string(oc))
	if err != nil {
		t.Fatal(err)
	}
	return head8 + org8 + string(oc) + string(c)
}

func validID(first17 string) string {
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * w[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

func importSelfCity(t *testing.T, a *app.App) selfCity {
	t.Helper()
	c := selfCity{company: validUSCC(t, "91371002", "16304789"), person: validID("37100219900701234"),
		stranger: validID("37100219800101111")}
	gov := validUSCC(t, "11371000", "00418923")
	files := []struct{ dept, item, body string }{
		{"scjg", "enterprise_registration", "source_id,subject_code,subject_name,ent_type,legal_rep_name,legal_rep_id,reg_status,reg_capital,established,address,former_names\n" +
			"REG-A," + c.company + ",威海海蓝食品有限责任公司,有限责任公司,张三,,存续,500,2010-05-01,山东省威海市环翠区海滨北路1号,\n"},
		{"scjg", "admin_penalty", "source_id,subject_code,subject_name,decision_no,violation_type,violation_facts,basis,penalty_category,penalty_content,fine_amount,decision_date,authority,authority_code,data_source,data_source_code\n" +
			"PEN-1," + c.person + ",李四,威市监罚〔2026〕20号,食品安全,生产经营超过保质期的食品,《食品安全法》第一百二十四条,罚款,罚款500元,0.05,2026-04-01,威海市市场监督管理局," + gov + ",威海市市场监督管理局," + gov + "\n"},
		{"mz", "charitable_donation", "source_id,subject_code,subject_name,amount,recipient,donation_date,receipt_no\n" +
			"DON-1," + c.company + ",威海海蓝食品有限责任公司,20000,威海市慈善总会,2026-01-05,JZ-2026-000777\n"},
	}
	dir := t.TempDir()
	for i, f := range files {
		p := filepath.Join(dir, f.item+".csv")
		if err := os.WriteFile(p, []byte(f.body), 0o600); err != nil {
			t.Fatal(err)
		}
		res, err := a.Import(context.Background(), ingest.Request{Dept: f.dept, Item: f.item, Path: p}, nil)
		if err != nil || res.Batch.Rejected != 0 {
			t.Fatalf("import %d: %+v %v", i, res, err)
		}
	}
	return c
}

func TestSubjectCredential(t *testing.T) {
	ctx := context.Background()
	a, clk, _ := clockApp(t)
	c := importSelfCity(t, a)

	// Nothing issued yet: the same refusal as a wrong credential.
	if _, _, err := a.SubjectLogin(ctx, c.company, "AAAAA-AAAAA-AAAAA-AAAAA", "10.0.0.1", "ua"); err != app.ErrSubjectLogin {
		t.Fatalf("before issue: %v", err)
	}
	plain, cred, subj, err := a.IssueSubjectCredential(ctx, cliOp, c.company)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != 23 || strings.Count(plain, "-") != 3 || cred.Hash == "" || strings.Contains(cred.Hash, plain) || subj.Key != c.company {
		t.Fatalf("issued %q %+v", plain, cred)
	}
	// Lower case and without dashes works too: people retype it.
	sid, p, err := a.SubjectLogin(ctx, strings.ToLower(c.company), strings.ToLower(strings.ReplaceAll(plain, "-", " ")), "10.0.0.1", "ua")
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != auth.KindSubject || !p.Is(c.company) || !p.Has(auth.RoleSubject) || p.UserID != 0 {
		t.Fatalf("principal %+v", p)
	}
	got, err := a.Session(ctx, sid, clk.Now())
	if err != nil || !got.Is(c.company) {
		t.Fatalf("Session = %+v, %v", got, err)
	}

	// Persons and unknown codes cannot have credentials.
	if _, _, _, err := a.IssueSubjectCredential(ctx, cliOp, c.person); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("issue for a person: %v", err)
	}
	if _, _, _, err := a.IssueSubjectCredential(ctx, cliOp, validUSCC(t, "91371002", "26304781")); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Errorf("issue for an unknown code: %v", err)
	}

	// Re-issuing replaces the credential and ends the session.
	plain2, _, _, err := a.IssueSubjectCredential(ctx, cliOp, c.company)
	if err != nil || plain2 == plain {
		t.Fatalf("re-issue: %q %v", plain2, err)
	}
	if _, err := a.Session(ctx, sid, clk.Now()); err != app.ErrNotSignedIn {
		t.Errorf("session after re-issue: %v", err)
	}
	if _, _, err := a.SubjectLogin(ctx, c.company, plain, "10.0.0.1", "ua"); err != app.ErrSubjectLogin {
		t.Errorf("old credential: %v", err)
	}

	// Lockout after five failures (one already counted), as for staff.
	for i := range 3 {
		if _, _, err := a.SubjectLogin(ctx, c.company, "WRONG-WRONG-WRONG-WRONG", "10.0.0.9", "ua"); err != app.ErrSubjectLogin {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, _, err := a.SubjectLogin(ctx, c.company, "WRONG", "10.0.0.9", "ua"); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("fifth failure: %v, want the lockout", err)
	}
	if _, _, err := a.SubjectLogin(ctx, c.company, plain2, "10.0.0.9", "ua"); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("right credential while locked: %v", err)
	}
	clk.Add(16 * time.Minute)
	sid, _, err = a.SubjectLogin(ctx, c.company, plain2, "10.0.0.1", "ua")
	if err != nil {
		t.Fatalf("after the lock: %v", err)
	}

	// Revoking ends the session and refuses the credential.
	if err := a.RevokeSubjectCredential(ctx, cliOp, c.company); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeSubjectCredential(ctx, cliOp, c.company); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Errorf("revoke twice: %v", err)
	}
	if _, err := a.Session(ctx, sid, clk.Now()); err != app.ErrNotSignedIn {
		t.Errorf("session after revoke: %v", err)
	}
	if _, _, err := a.SubjectLogin(ctx, c.company, plain2, "10.0.0.1", "ua"); err != app.ErrSubjectLogin {
		t.Errorf("revoked credential: %v", err)
	}
	accts, err := a.SubjectAccounts(ctx)
	if err != nil || len(accts) != 1 || !accts[0].Credential.Revoked || accts[0].Subject == nil {
		t.Fatalf("SubjectAccounts = %+v, %v", accts, err)
	}
	acts := auditActions(t, a)
	if acts[app.ActionSubjectCredentialIssue] != 2 || acts[app.ActionSubjectCredentialRevoke] != 1 || acts[app.ActionSubjectLoginSuccess] != 2 ||
		acts[app.ActionSubjectLoginFailure] < 5 || acts[app.ActionLockout] != 1 {
		t.Errorf("audit actions %v", acts)
	}
}

func TestPersonSignIn(t *testing.T) {
	ctx := context.Background()
	a, clk, _ := clockApp(t)
	sender := &codeCatcher{}
	a.Codes = sender
	c := importSelfCity(t, a)

	// Not a resident ID: a format error, which reveals nothing.
	if err := a.RequestSignInCode(ctx, "12345"); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("bad ID: %v", err)
	}
	// A well-formed ID nobody registered: the same answer as a registered one, and no code.
	if err := a.RequestSignInCode(ctx, c.stranger); err != nil || sender.count() != 0 {
		t.Fatalf("unknown ID: %v, %d sent", err, sender.count())
	}
	if err := a.RequestSignInCode(ctx, c.person); err != nil {
		t.Fatal(err)
	}
	code := sender.last(t)
	if len(code) != 6 || sender.masks[0] != credit.MaskID(c.person) {
		t.Fatalf("sent %q to %q", code, sender.masks[0])
	}
	// Within a minute nothing new is sent, and the answer is the same.
	if err := a.RequestSignInCode(ctx, c.person); err != nil || sender.count() != 1 {
		t.Fatalf("resend: %v, %d sent", err, sender.count())
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if _, _, err := a.PersonLogin(ctx, c.person, wrong, "10.0.0.1", "ua"); err != app.ErrCodeLogin {
		t.Fatalf("wrong code: %v", err)
	}
	if _, _, err := a.PersonLogin(ctx, c.stranger, code, "10.0.0.1", "ua"); err != app.ErrCodeLogin {
		t.Fatalf("another ID: %v", err)
	}
	sid, p, err := a.PersonLogin(ctx, c.person, " "+code+" ", "10.0.0.1", "ua")
	if err != nil {
		t.Fatal(err)
	}
	key := a.Sealer.PersonKey(c.person)
	if !p.Is(key) || strings.Contains(p.Actor(), c.person) {
		t.Fatalf("principal %+v", p)
	}
	if _, err := a.Session(ctx, sid, clk.Now()); err != nil {
		t.Fatal(err)
	}
	// A code works once.
	if _, _, err := a.PersonLogin(ctx, c.person, code, "10.0.0.1", "ua"); err != app.ErrCodeLogin {
		t.Fatalf("code reused: %v", err)
	}

	// Expired after five minutes.
	clk.Add(2 * time.Minute)
	if err := a.RequestSignInCode(ctx, c.person); err != nil {
		t.Fatal(err)
	}
	code = sender.last(t)
	clk.Add(app.CodeTTL)
	if _, _, err := a.PersonLogin(ctx, c.person, code, "10.0.0.1", "ua"); err != app.ErrCodeLogin {
		t.Fatalf("expired code: %v", err)
	}
	if _, err := a.Store.OneTimeCode(ctx, key); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Errorf("expired code kept: %v", err)
	}

	// Five attempts, then even the right code is refused.
	if err := a.RequestSignInCode(ctx, c.person); err != nil {
		t.Fatal(err)
	}
	code = sender.last(t)
	wrong = "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := range app.MaxCodeAttempts {
		if _, _, err := a.PersonLogin(ctx, c.person, wrong, "10.0.0.1", "ua"); err != app.ErrCodeLogin {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, _, err := a.PersonLogin(ctx, c.person, code, "10.0.0.1", "ua"); err != app.ErrCodeLogin {
		t.Fatalf("right code after %d wrong ones: %v", app.MaxCodeAttempts, err)
	}

	// The own page: the real name and masked ID, the penalty with its status.
	v, err := a.OwnRecordView(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if v.RealName != "李四" || v.IDMasked != credit.MaskID(c.person) || v.Records != 1 || v.Groups[0].Records[0].Status != credit.PubShown {
		t.Fatalf("own view %+v", v)
	}
	if _, err := a.OwnRecordView(ctx, &auth.Principal{Kind: auth.KindStaff, Roles: []auth.Role{auth.RoleAdmin}}); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("staff on the own view: %v", err)
	}
}

func TestOwnRecordView(t *testing.T) {
	ctx := context.Background()
	a, _, _ := clockApp(t)
	c := importSelfCity(t, a)
	clerk := &auth.Principal{UserID: 9, Kind: auth.KindStaff, Dept: "zwfw", Roles: []auth.Role{auth.RoleClerk}}
	if err := a.LogQuery(ctx, clerk, "政府采购供应商资格审查", c.company, "GET /x", "records×2", "10.0.0.5"); err != nil {
		t.Fatal(err)
	}
	if err := a.LogQuery(ctx, clerk, "别人的事", "91371002MA3C000001", "GET /x", "", "10.0.0.5"); err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{Kind: auth.KindSubject, Roles: []auth.Role{auth.RoleSubject}, SubjectKey: c.company}
	v, err := a.OwnRecordView(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]credit.Publication{}
	for _, g := range v.Groups {
		for _, r := range g.Records {
			status[g.Item.Code] = r.Status
			if r.Personal != nil {
				t.Errorf("an organisation sees personal fields: %+v", r.Personal)
			}
		}
	}
	if status["charitable_donation"] != credit.PubNever || status["enterprise_registration"] == "" || v.RealName != "" {
		t.Errorf("statuses %v, name %q", status, v.RealName)
	}
	if v.ReadsTotal != 1 || len(v.Reads) != 1 || v.Reads[0].Purpose != "政府采购供应商资格审查" || v.Reads[0].Dept != "zwfw" {
		t.Fatalf("reads %+v", v.Reads)
	}
	var n int
	_ = a.Store.QueryLogs(ctx, store.QueryLogFilter{SubjectKey: c.company}, func(*store.QueryLog) error { n++; return nil })
	if n != 1 {
		t.Errorf("the own view was logged: %d entries", n)
	}

	// Past MaxOwnReads the page lists the newest, newest first, and counts them all.
	for i := range app.MaxOwnReads + 4 {
		if err := a.LogQuery(ctx, clerk, fmt.Sprintf("核查 %d", i), c.company, "GET /x", "", "10.0.0.5"); err != nil {
			t.Fatal(err)
		}
	}
	if v, err = a.OwnRecordView(ctx, p); err != nil {
		t.Fatal(err)
	}
	if v.ReadsTotal != app.MaxOwnReads+5 || len(v.Reads) != app.MaxOwnReads {
		t.Fatalf("%d reads listed of %d, want %d of %d", len(v.Reads), v.ReadsTotal, app.MaxOwnReads, app.MaxOwnReads+5)
	}
	if v.Reads[0].Purpose != fmt.Sprintf("核查 %d", app.MaxOwnReads+3) || !slices.IsSortedFunc(v.Reads, func(x, y *store.QueryLog) int { return cmp.Compare(y.ID, x.ID) }) {
		t.Errorf("reads not newest first: the first is %q", v.Reads[0].Purpose)
	}
}
