package app_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// clock is a settable time source for App.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// clockApp opens an app over a fresh SQLite file with a clock the test moves.
func clockApp(t *testing.T) (*app.App, *clock, string) {
	t.Helper()
	path := t.TempDir() + "/x.db"
	a, err := newApp(t, path, 1)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	a.Now = c.Now
	return a, c, path
}

const (
	goodPW  = "Hai-bei 2026 fen!"
	otherPW = "Lu-dao Qing-shan 9"
	cliOp   = "cli:tester"
)

// addOffice adds the credit office department and an admin, as the first run from the
// command line does.
func addOffice(t *testing.T, a *app.App) *store.User {
	t.Helper()
	ctx := context.Background()
	if err := a.PutDepartment(ctx, cliOp, store.Department{Code: "xyb", NameZH: "市信用办"}); err != nil {
		t.Fatal(err)
	}
	u, err := a.AddUser(ctx, cliOp, "Root", "王管理", "xyb", []auth.Role{auth.RoleAdmin}, goodPW)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDepartmentsSeededFromCatalog(t *testing.T) {
	a, _, _ := clockApp(t)
	ds, err := a.Departments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != len(a.Catalog().Departments) || len(ds) == 0 {
		t.Fatalf("seeded %d departments, catalog has %d", len(ds), len(a.Catalog().Departments))
	}
	for _, d := range ds {
		if d.Level != app.DeptLevelCity || d.NameZH == "" {
			t.Fatalf("seeded department %+v", d)
		}
	}
	ctx := context.Background()
	for _, bad := range []store.Department{
		{Code: "Bad Code", NameZH: "x"},
		{Code: "ok", NameZH: ""},
		{Code: "ok", NameZH: "x", Level: "province"},
		{Code: "ok", NameZH: "x", Parent: "nope"},
		{Code: "fgw", NameZH: "发改委", Parent: "fgw"},
	} {
		if err := a.PutDepartment(ctx, cliOp, bad); credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("PutDepartment(%+v) = %v, want EINVALID", bad, err)
		}
	}
	if err := a.PutDepartment(ctx, cliOp, store.Department{Code: "hcq_xyb", NameZH: "环翠区信用办", Level: "county", Parent: "fgw"}); err != nil {
		t.Fatal(err)
	}
	// A cycle through the new county department is refused.
	if err := a.PutDepartment(ctx, cliOp, store.Department{Code: "fgw", NameZH: "发改委", Parent: "hcq_xyb"}); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("cycle: %v", err)
	}
}

func TestAddUser(t *testing.T) {
	a, _, _ := clockApp(t)
	ctx := context.Background()
	addOffice(t, a)
	for _, pw := range []string{"short1A!", "alllowercaseletters", "Password@2026", "zhangsan-Hai-bei-1", "Xinyong12345678"} {
		_, err := a.AddUser(ctx, cliOp, "zhangsan", "张三", "fgw", []auth.Role{auth.RoleSubmitter}, pw)
		var ce *credit.Error
		if !errors.As(err, &ce) || ce.Code != credit.EINVALID || ce.Field != "password" || !strings.HasPrefix(ce.Rule, "password_") {
			t.Errorf("weak password %q: %v", pw, err)
		}
	}
	u, err := a.AddUser(ctx, cliOp, " ZhangSan ", "张三", "fgw", []auth.Role{auth.RoleSubmitter, auth.RoleReviewer, auth.RoleSubmitter}, goodPW)
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "zhangsan" || u.ID == 0 || len(u.Roles) != 2 || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Fatalf("user = %+v", u)
	}
	if _, err := a.AddUser(ctx, cliOp, "ZHANGSAN", "张三", "fgw", []auth.Role{auth.RoleClerk}, otherPW); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Fatalf("duplicate user name: %v", err)
	}
	if _, err := a.AddUser(ctx, cliOp, "lisi", "李四", "nope", []auth.Role{auth.RoleClerk}, otherPW); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("unknown department: %v", err)
	}
	if _, err := a.AddUser(ctx, cliOp, "lisi", "李四", "fgw", []auth.Role{auth.RoleSubject}, otherPW); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("subject role on a staff account: %v", err)
	}
	if _, err := a.AddUser(ctx, cliOp, "lisi", "李四", "fgw", nil, otherPW); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("no role: %v", err)
	}
	if _, err := a.AddUser(ctx, cliOp, "li si", "李四", "fgw", []auth.Role{auth.RoleClerk}, otherPW); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("bad user name: %v", err)
	}
	us, err := a.Users(ctx, "fgw")
	if err != nil || len(us) != 1 || us[0].Username != "zhangsan" {
		t.Fatalf("Users(fgw) = %v, %v", us, err)
	}
}

func TestLoginAndLockout(t *testing.T) {
	a, c, _ := clockApp(t)
	ctx := context.Background()
	addOffice(t, a)
	if _, err := a.AddUser(ctx, cliOp, "zhangsan", "张三", "fgw", []auth.Role{auth.RoleSubmitter}, goodPW); err != nil {
		t.Fatal(err)
	}
	sid, u, err := a.Login(ctx, "ZhangSan", goodPW, "10.0.0.1", "test")
	if err != nil || u.Username != "zhangsan" || !auth.ValidSessionID(sid) {
		t.Fatalf("login: %q %v %v", sid, u, err)
	}
	p, err := a.Session(ctx, sid, c.Now())
	if err != nil || p.Kind != auth.KindStaff || p.Dept != "fgw" || !p.Has(auth.RoleSubmitter) || p.Has(auth.RoleAdmin) {
		t.Fatalf("session principal = %+v, %v", p, err)
	}
	// An unknown user and a wrong password get the same answer.
	_, _, errUnknown := a.Login(ctx, "nobody", goodPW, "10.0.0.1", "test")
	_, _, errWrong := a.Login(ctx, "zhangsan", "wrong", "10.0.0.1", "test")
	if errUnknown == nil || errWrong == nil || errUnknown.Error() != errWrong.Error() || credit.ErrorCode(errWrong) != credit.EUNAUTH {
		t.Fatalf("unknown user: %v; wrong password: %v", errUnknown, errWrong)
	}
	// Four more failures (five in all) lock the account.
	for i := 0; i < 3; i++ {
		c.Add(time.Minute)
		if _, _, err := a.Login(ctx, "zhangsan", "wrong", "10.0.0.1", "test"); err.Error() != errWrong.Error() {
			t.Fatalf("failure %d: %v", i+2, err)
		}
	}
	c.Add(time.Minute)
	_, _, err = a.Login(ctx, "zhangsan", "wrong", "10.0.0.1", "test")
	if credit.ErrorCode(err) != credit.EFORBIDDEN || !strings.Contains(err.Error(), "锁定") {
		t.Fatalf("fifth failure must lock: %v", err)
	}
	// Locked: even the right password is refused, and the refusal is not counted.
	c.Add(10 * time.Minute)
	if _, _, err := a.Login(ctx, "zhangsan", goodPW, "10.0.0.1", "test"); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("locked account let in: %v", err)
	}
	// The lock ends 15 minutes after the fifth failure.
	c.Add(5*time.Minute + time.Second)
	if _, _, err := a.Login(ctx, "zhangsan", goodPW, "10.0.0.1", "test"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	// The success cleared the failures: one more failure does not lock again.
	if _, _, err := a.Login(ctx, "zhangsan", "wrong", "10.0.0.1", "test"); credit.ErrorCode(err) != credit.EUNAUTH {
		t.Fatalf("failure after success: %v", err)
	}
	// Everything above is in the audit trail, the unknown user name's failure too.
	acts := auditActions(t, a)
	for _, want := range []string{"login.success", "login.failure", "lockout"} {
		if acts[want] == 0 {
			t.Errorf("no %s entry in the audit trail: %v", want, acts)
		}
	}
	if acts["login.failure"] != 7 || acts["lockout"] != 1 || acts["login.success"] != 2 {
		t.Errorf("audit actions = %v", acts)
	}
}

// auditActions counts the audit trail's entries by action.
func auditActions(t *testing.T, a *app.App) map[string]int {
	t.Helper()
	var b strings.Builder
	if _, err := a.ExportAudit(context.Background(), &b, 1); err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		i := strings.Index(l, `"action":"`)
		if i < 0 {
			t.Fatalf("export line without action: %s", l)
		}
		rest := l[i+len(`"action":"`):]
		m[rest[:strings.IndexByte(rest, '"')]]++
	}
	return m
}

func TestDisableUser(t *testing.T) {
	a, c, _ := clockApp(t)
	ctx := context.Background()
	root := addOffice(t, a)
	if _, err := a.AddUser(ctx, cliOp, "zhangsan", "张三", "fgw", []auth.Role{auth.RoleSubmitter}, goodPW); err != nil {
		t.Fatal(err)
	}
	sid, _, err := a.Login(ctx, "zhangsan", goodPW, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DisableUser(ctx, cliOp, "zhangsan"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(ctx, sid, c.Now()); credit.ErrorCode(err) != credit.EUNAUTH {
		t.Fatalf("a disabled user's session still works: %v", err)
	}
	if _, _, err := a.Login(ctx, "zhangsan", goodPW, "", ""); err == nil || err.Error() != app.ErrLogin.Error() {
		t.Fatalf("a disabled user signed in: %v", err)
	}
	// The only admin cannot be disabled or demoted.
	if err := a.DisableUser(ctx, cliOp, root.Username); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Fatalf("disabling the last admin: %v", err)
	}
	if _, err := a.UpdateUser(ctx, cliOp, root.Username, "", "", []auth.Role{auth.RoleAuditor}); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Fatalf("demoting the last admin: %v", err)
	}
	if err := a.EnableUser(ctx, cliOp, "zhangsan"); err != nil {
		t.Fatal(err)
	}
	sid, _, err = a.Login(ctx, "zhangsan", goodPW, "", "")
	if err != nil {
		t.Fatalf("enabled user: %v", err)
	}
	// A password reset ends every session and takes effect at once.
	if err := a.ResetPassword(ctx, cliOp, "zhangsan", "short"); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("weak reset: %v", err)
	}
	if err := a.ResetPassword(ctx, cliOp, "zhangsan", otherPW); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(ctx, sid, c.Now()); credit.ErrorCode(err) != credit.EUNAUTH {
		t.Fatalf("session survived a password reset: %v", err)
	}
	if _, _, err := a.Login(ctx, "zhangsan", goodPW, "", ""); credit.ErrorCode(err) != credit.EUNAUTH {
		t.Fatalf("old password still works: %v", err)
	}
	if _, _, err := a.Login(ctx, "zhangsan", otherPW, "", ""); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if err := a.DisableUser(ctx, cliOp, "nobody"); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestSessionTimeouts(t *testing.T) {
	a, c, _ := clockApp(t)
	ctx := context.Background()
	addOffice(t, a)
	sid, _, err := a.Login(ctx, "root", goodPW, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []time.Duration{10 * time.Minute, 29 * time.Minute, 29 * time.Minute} {
		c.Add(step)
		if _, err := a.Session(ctx, sid, c.Now()); err != nil {
			t.Fatalf("active session ended after %v: %v", step, err)
		}
	}
	c.Add(30 * time.Minute)
	if _, err := a.Session(ctx, sid, c.Now()); !errors.Is(err, auth.ErrSessionIdle) {
		t.Fatalf("idle session: %v", err)
	}
	// The ended session is gone for good.
	if _, err := a.Session(ctx, sid, c.Now()); !errors.Is(err, app.ErrNotSignedIn) {
		t.Fatalf("ended session: %v", err)
	}
	// Absolute limit: a session kept busy still ends after 12 hours.
	sid, _, err = a.Login(ctx, "root", goodPW, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12*3; i++ {
		c.Add(20 * time.Minute)
		_, err = a.Session(ctx, sid, c.Now())
		if err != nil {
			break
		}
	}
	if !errors.Is(err, auth.ErrSessionExpired) {
		t.Fatalf("busy session after 12h: %v", err)
	}
	if err := a.Logout(ctx, sid); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(ctx, "not-a-session", c.Now()); !errors.Is(err, app.ErrNotSignedIn) {
		t.Fatalf("malformed id: %v", err)
	}
	sid, _, _ = a.Login(ctx, "root", goodPW, "", "")
	if err := a.Logout(ctx, sid); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(ctx, sid, c.Now()); !errors.Is(err, app.ErrNotSignedIn) {
		t.Fatalf("after logout: %v", err)
	}
}

func TestTokens(t *testing.T) {
	a, c, _ := clockApp(t)
	ctx := context.Background()
	now := c.Now()
	if _, _, err := a.IssueToken(ctx, cliOp, "fgw", "报送", []auth.Scope{auth.ScopeRecordsWrite}, now.AddDate(2, 0, 0)); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("two-year token: %v", err)
	}
	if _, _, err := a.IssueToken(ctx, cliOp, "fgw", "报送", nil, now.AddDate(0, 6, 0)); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("no scopes: %v", err)
	}
	if _, _, err := a.IssueToken(ctx, cliOp, "nope", "报送", []auth.Scope{auth.ScopeRecordsWrite}, now.AddDate(0, 6, 0)); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("unknown department: %v", err)
	}
	plain, tok, err := a.IssueToken(ctx, cliOp, "fgw", "双公示自动报送", []auth.Scope{auth.ScopeBatchesRead, auth.ScopeRecordsWrite}, now.AddDate(0, 6, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, "xy_fgw_") || tok.Hash != auth.TokenHash(plain) || tok.CreatedBy != cliOp {
		t.Fatalf("token %q %+v", plain, tok)
	}
	p, err := a.AuthenticateToken(ctx, plain, c.Now())
	if err != nil || p.Kind != auth.KindToken || p.Dept != "fgw" || !p.HasScope(auth.ScopeRecordsWrite) || p.HasScope(auth.ScopeChecksWrite) {
		t.Fatalf("principal %+v, %v", p, err)
	}
	list, err := a.Tokens(ctx, "fgw")
	if err != nil || len(list) != 1 || list[0].LastUsedAt.IsZero() {
		t.Fatalf("tokens = %+v, %v (last use must be recorded)", list, err)
	}
	// A forged token of the right shape, a token with another department's prefix, garbage.
	forged := plain[:len(plain)-4] + "aaaa"
	other := strings.Replace(plain, "xy_fgw_", "xy_sw_", 1)
	for _, bad := range []string{forged, other, "", "Bearer " + plain} {
		if _, err := a.AuthenticateToken(ctx, bad, c.Now()); !errors.Is(err, auth.ErrTokenInvalid) {
			t.Errorf("AuthenticateToken(%q) = %v", bad, err)
		}
	}
	if _, err := a.RevokeToken(ctx, cliOp, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthenticateToken(ctx, plain, c.Now()); !errors.Is(err, auth.ErrTokenRevoked) {
		t.Fatalf("revoked token: %v", err)
	}
	if _, err := a.RevokeToken(ctx, cliOp, tok.ID); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Fatalf("second revoke: %v", err)
	}
	if _, err := a.RevokeToken(ctx, cliOp, 999); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Fatalf("unknown token: %v", err)
	}
	// Expiry.
	plain, _, err = a.IssueToken(ctx, cliOp, "fgw", "短期", []auth.Scope{auth.ScopeRecordsRead}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthenticateToken(ctx, plain, now.Add(59*time.Minute)); err != nil {
		t.Fatalf("token before expiry: %v", err)
	}
	if _, err := a.AuthenticateToken(ctx, plain, now.Add(time.Hour)); !errors.Is(err, auth.ErrTokenExpired) {
		t.Fatalf("expired token: %v", err)
	}
	acts := auditActions(t, a)
	if acts["token.issue"] != 2 || acts["token.revoke"] != 1 {
		t.Fatalf("audit actions = %v", acts)
	}
}

// TestTokenCache: a token answers from memory for a moment; a revocation in this process ends
// it at once, one made through another process on the same store within tokenCacheFor.
func TestTokenCache(t *testing.T) {
	a, c, path := clockApp(t)
	ctx := context.Background()
	cache := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	app.SetTokenClock(a, cache.Now)
	plain, tok, err := a.IssueToken(ctx, cliOp, "fgw", "核查", []auth.Scope{auth.ScopeChecksWrite}, c.Now().AddDate(0, 6, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthenticateToken(ctx, plain, c.Now()); err != nil {
		t.Fatal(err)
	}
	other, err := newApp(t, path, 1) // the CLI, say
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.RevokeToken(ctx, cliOp, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthenticateToken(ctx, plain, c.Now()); err != nil {
		t.Fatalf("within the cache time the token still answers from memory: %v", err)
	}
	cache.Add(2 * time.Second)
	if _, err := a.AuthenticateToken(ctx, plain, c.Now()); !errors.Is(err, auth.ErrTokenRevoked) {
		t.Fatalf("after the cache time: %v, want revoked", err)
	}
}
