package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
)

// testNow is the platform's clock in the tests: every publication window is judged at it.
var testNow = time.Date(2026, 6, 15, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// uscc builds a valid unified social credit code from its first 8 characters (authority,
// category, division) and an 8-character organisation code body.
func uscc(t testing.TB, head8, org8 string) string {
	t.Helper()
	oc, err := credit.OrgCodeCheckChar(org8)
	if err != nil {
		t.Fatal(err)
	}
	first17 := head8 + org8 + string(oc)
	c, err := credit.USCCCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// residentID completes 17 digits with the GB 11643 check character.
func residentID(first17 string) string {
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * w[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

// fixture is the test city: three companies, two persons, records inside and outside their
// publication windows and of a non-public item.
type fixture struct {
	CodeA, CodeB, CodeC, Gov string
	NameA, NameB, NameC      string
	PersonRep, PersonPen     string // resident IDs: A's legal representative, a penalised person
	PenaltyNow, PenaltyOld   string // decision numbers of A's penalties: public now / expired
	DonationReceipt          string // of a shared (non-public) item about A
}

func newFixture(t testing.TB) *fixture {
	return &fixture{
		CodeA:           uscc(t, "91371002", "16304789"),
		CodeB:           uscc(t, "91371002", "26304781"),
		CodeC:           uscc(t, "92371002", "36304782"),
		Gov:             uscc(t, "11371000", "00418923"),
		NameA:           "威海海蓝食品有限责任公司",
		NameB:           "威海（测试）科技有限公司",
		NameC:           "威海明远建筑工程个体店",
		PersonRep:       residentID("37100219850312123"),
		PersonPen:       residentID("37100219900701234"),
		PenaltyNow:      "威市监罚〔2026〕12号",
		PenaltyOld:      "威市监罚〔2024〕3号",
		DonationReceipt: "JZ-2026-000777",
	}
}

func (f *fixture) registrationCSV() string {
	return "source_id,subject_code,subject_name,ent_type,legal_rep_name,legal_rep_id,reg_status,reg_capital,established,address,former_names\n" +
		"REG-A," + f.CodeA + "," + f.NameA + ",有限责任公司,张三," + f.PersonRep + ",存续,500,2010-05-01,山东省威海市环翠区海滨北路1号,威海海蓝水产品有限公司\n" +
		"REG-B," + f.CodeB + "," + f.NameB + ",有限责任公司,王五,,存续,100,2018-09-20,山东省威海市环翠区新威路8号,\n" +
		"REG-C," + f.CodeC + "," + f.NameC + ",个体工商户,赵六,,吊销,,2015-03-03,山东省威海市环翠区长峰街2号,\n"
}

func (f *fixture) penaltyHeader() string {
	return "source_id,subject_code,subject_name,decision_no,violation_type,violation_facts,basis,penalty_category,penalty_content,fine_amount,decision_date,authority,authority_code,data_source,data_source_code\n"
}

func (f *fixture) penaltyRow(src, code, name, no, date string) string {
	return src + "," + code + "," + name + "," + no + ",食品安全,生产经营超过保质期的食品,《中华人民共和国食品安全法》第一百二十四条,罚款,罚款5000元,0.5," + date +
		",威海市市场监督管理局," + f.Gov + ",威海市市场监督管理局," + f.Gov + "\n"
}

func (f *fixture) penaltyCSV() string {
	return f.penaltyHeader() +
		f.penaltyRow("PEN-1", f.CodeA, f.NameA, f.PenaltyNow, "2026-03-02") +
		f.penaltyRow("PEN-2", f.CodeA, f.NameA, f.PenaltyOld, "2024-01-10") +
		f.penaltyRow("PEN-3", f.PersonPen, "李四", "威市监罚〔2026〕20号", "2026-04-01")
}

func (f *fixture) donationCSV() string {
	return "source_id,subject_code,subject_name,amount,recipient,donation_date,receipt_no\n" +
		"DON-1," + f.CodeA + "," + f.NameA + ",20000,威海市慈善总会,2026-01-05," + f.DonationReceipt + "\n"
}

// env is a server over a fresh in-memory store with the fixture imported.
type env struct {
	t    testing.TB
	app  *app.App
	srv  *Server
	h    http.Handler
	f    *fixture
	logs *lockedBuffer
	cfg  Config

	adminSID, scjgToken string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{7}, 32)
	sealer, err := credit.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, st, sealer, func() time.Time { return testNow }, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	dir := t.TempDir()
	for _, imp := range []struct{ dept, item, name, body string }{
		{"scjg", "enterprise_registration", "reg.csv", f.registrationCSV()},
		{"scjg", "admin_penalty", "pen.csv", f.penaltyCSV()},
		{"mz", "charitable_donation", "don.csv", f.donationCSV()},
	} {
		p := filepath.Join(dir, imp.name)
		if err := os.WriteFile(p, []byte(imp.body), 0o600); err != nil {
			t.Fatal(err)
		}
		res, err := a.Import(ctx, ingest.Request{Dept: imp.dept, Item: imp.item, Path: p}, nil)
		if err != nil {
			t.Fatalf("import %s: %v", imp.name, err)
		}
		if b := res.Batch; b.Rejected != 0 || b.Accepted == 0 {
			var reasons []string
			_ = st.Rejects(ctx, b.ID, func(r *store.Reject) error { reasons = append(reasons, app.RejectReason(r)); return nil })
			t.Fatalf("import %s: %+v %v", imp.name, b, reasons)
		}
	}
	logs := &lockedBuffer{}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.UploadDir == "" {
		cfg.UploadDir = filepath.Join(t.TempDir(), "uploads")
	}
	h := NewServer(a, cfg)
	srv := h.(*Server)
	t.Cleanup(func() {
		srv.Wait()
		st.Close()
	})
	return &env{t: t, app: a, srv: srv, h: h, f: f, logs: logs, cfg: cfg}
}

// do sends a request through the handler.
func (e *env) do(method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *env) get(target string, hdr ...string) *httptest.ResponseRecorder {
	return e.do(http.MethodGet, target, nil, hdr...)
}

// testPassword passes the password policy; every test user has it.
const testPassword = "Hq7#vLm2-Tz9pQ"

// addUser creates a staff user in the store, as `xinyong user add` would.
func (e *env) addUser(username, dept string, roles ...auth.Role) {
	e.t.Helper()
	if _, err := e.app.AddUser(context.Background(), "test", username, "测试用户 "+username, dept, roles, testPassword); err != nil {
		e.t.Fatalf("add user %s: %v", username, err)
	}
}

// signIn signs a user in through App.Login and returns its session id.
func (e *env) signIn(username string) string {
	e.t.Helper()
	sid, _, err := e.app.Login(context.Background(), username, testPassword, "192.0.2.1", "test")
	if err != nil {
		e.t.Fatalf("sign in %s: %v", username, err)
	}
	return sid
}

// sessionHdr is what a signed-in browser's script sends: the session cookie and, for unsafe
// methods, the CSRF header.
func (e *env) sessionHdr(sid string) []string {
	return []string{"Cookie", sessionCookie + "=" + sid, csrfHeader, auth.CSRFToken(e.srv.csrfKey, sid)}
}

// admin returns the headers of a signed-in credit-office admin (created on first use).
func (e *env) admin() []string {
	e.t.Helper()
	if e.adminSID == "" {
		e.addUser("admin", "fgw", auth.RoleAdmin)
		e.adminSID = e.signIn("admin")
	}
	return e.sessionHdr(e.adminSID)
}

// issueToken issues an API token for dept with scopes, valid for 30 days from testNow.
func (e *env) issueToken(dept string, scopes ...auth.Scope) (string, *auth.Token) {
	e.t.Helper()
	plain, tok, err := e.app.IssueToken(context.Background(), "test", dept, "测试令牌", scopes, testNow.Add(30*24*time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	return plain, tok
}

// scjg returns the bearer header of the market-regulation department's submission system
// (records:write and batches:read), issued on first use.
func (e *env) scjg() []string {
	e.t.Helper()
	if e.scjgToken == "" {
		e.scjgToken, _ = e.issueToken("scjg", auth.ScopeRecordsWrite, auth.ScopeBatchesRead)
	}
	return bearer(e.scjgToken)
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func decode[T any](t testing.TB, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %q: %v", w.Body.String(), err)
	}
	return v
}

func wantStatus(t testing.TB, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body: %s", w.Code, status, clip(w.Body.String()))
	}
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

func contains(t testing.TB, body string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %q", s)
		}
	}
}

func lacks(t testing.TB, body string, bad ...string) {
	t.Helper()
	for _, s := range bad {
		if strings.Contains(body, s) {
			t.Errorf("body contains %q", s)
		}
	}
}
