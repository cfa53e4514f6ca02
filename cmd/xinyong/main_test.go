package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
)

// runCmd runs the command line in process with a private data directory.
func runCmd(t *testing.T, data string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "XINYONG_DATA" {
			return data
		}
		return ""
	}
	err = run(context.Background(), args, getenv, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func TestCodeCommand(t *testing.T) {
	data := t.TempDir()
	out, _, err := runCmd(t, data, "code", "--json", "91350100M000100Y43", "91350100m000100y4 3")
	if err != nil {
		t.Fatalf("valid codes: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one JSON line per code, got %q", out)
	}
	var r credit.CodeResult
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil || !r.Valid || r.Canonical != "91350100M000100Y43" || r.Kind != credit.KindEnterprise {
		t.Fatalf("result = %+v, %v", r, err)
	}
	out, _, err = runCmd(t, data, "code", "91350100M000100Y44", "11010519491231002X")
	if ex, ok := err.(exitCode); !ok || ex != 1 {
		t.Fatalf("an invalid code must exit 1, got %v", err)
	}
	if !strings.Contains(out, "校验") || strings.Contains(out, "11010519491231002X") || !strings.Contains(out, "1101**********002X") {
		t.Fatalf("output must give the reason and mask the ID: %q", out)
	}
}

func TestImportRejectsAndCatalog(t *testing.T) {
	data := t.TempDir()
	code := "91350100M000100Y43"
	csv := "source_id,subject_code,subject_name,honour_name,awarding_body,level,award_date\n" +
		"H1," + code + ",福州某某有限公司,守合同重信用企业,威海市市场监督管理局,市级,2026-01-05\n" +
		"H2,91350100M000100Y44,坏代码有限公司,守合同重信用企业,威海市市场监督管理局,市级,2026-01-05\n"
	path := filepath.Join(t.TempDir(), "honour.csv")
	os.WriteFile(path, []byte(csv), 0o600)
	out, errOut, err := runCmd(t, data, "import", "-q", "--dept", "scjg", "--item", "honour", path)
	if err != nil {
		t.Fatalf("import: %v %s", err, errOut)
	}
	if !strings.Contains(out, "新增 new 1") || !strings.Contains(out, "问题数据 rejected 1") {
		t.Fatalf("import output: %q", out)
	}
	out, _, _ = runCmd(t, data, "import", "-q", "--dept", "scjg", "--item", "honour", path)
	if !strings.Contains(out, "未做任何更改") {
		t.Fatalf("second import must change nothing: %q", out)
	}
	out, _, err = runCmd(t, data, "rejects", "1")
	if err != nil || !strings.Contains(out, "H2") || !strings.Contains(out, "错误原因") || !strings.Contains(out, "第 3 行") {
		t.Fatalf("rejects: %v %q", err, out)
	}
	_, errOut, err = runCmd(t, data, "import", "-q", "--dept", "nope", "--item", "honour", path)
	if err == nil || !strings.Contains(errOut, "未知部门") {
		t.Fatalf("unknown dept: %v %q", err, errOut)
	}
	out, _, err = runCmd(t, data, "batches")
	if err != nil || !strings.Contains(out, "honour.csv") {
		t.Fatalf("batches: %v %q", err, out)
	}
	exp := filepath.Join(t.TempDir(), "cat.json")
	if _, _, err := runCmd(t, data, "catalog", "export", exp); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd(t, data, "catalog", "import", "--note", "test", exp)
	if err != nil || !strings.Contains(out, "第 2 版") {
		t.Fatalf("catalog import: %v %q", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"version":1,"items":[{"code":"x"}]}`), 0o600)
	if _, _, err := runCmd(t, data, "catalog", "import", bad); err == nil {
		t.Fatal("a bad catalog was accepted")
	}
	// The key file was created private.
	fi, err := os.Stat(filepath.Join(data, "xinyong.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
}

func TestDemoServes(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	getenv := func(k string) string {
		switch k {
		case "XINYONG_DATA":
			return data
		case "XINYONG_ADDR":
			return "127.0.0.1:0"
		}
		return ""
	}
	go func() {
		done <- run(ctx, []string{"demo", "--scale", "0.002"}, getenv, strings.NewReader(""), &out, io.Discard)
	}()
	url := ""
	deadline := time.Now().Add(60 * time.Second)
	for url == "" && time.Now().Before(deadline) {
		if i := strings.Index(out.String(), "serving at "); i >= 0 {
			rest := out.String()[i+len("serving at "):]
			url = strings.TrimSpace(rest[:strings.Index(rest, "\n")])
		}
		time.Sleep(20 * time.Millisecond)
	}
	for !strings.Contains(out.String(), "demo city ready") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if url == "" || !strings.Contains(out.String(), "demo city ready") {
		t.Fatalf("demo did not start: %s", out.String())
	}
	// The demo's admin, printed once, signs in through the real login form.
	m := regexp.MustCompile(`(?m)^  admin +(\S+) `).FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), "scjg") || strings.Contains(out.String(), "ADMIN_TOKEN") {
		t.Fatalf("demo accounts not printed: %s", out.String())
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(url + "console/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if tok == nil {
		t.Fatalf("no login form: %s", page)
	}
	resp, err = client.PostForm(url+"console/login", neturl.Values{"csrf_token": {string(tok[1])}, "username": {"admin"}, "password": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/console/" || !strings.Contains(string(page), "signed-in-user\">admin<") {
		t.Fatalf("demo admin login: %d %s", resp.StatusCode, resp.Request.URL)
	}
	// What the demo made through the services after the import: list batches on the public
	// portal, window checks with feedback, cases in the queues.
	for path, want := range map[string]string{
		"lists":                              "court_defaulter",
		"lists/court_defaulter/batches/1":    "第一批",
		"lists/abnormal_operation/batches/2": "第二批",
		"console/checks/1":                   "招标投标",
		"console/objections":                 "/console/cases/",
		"console/repairs":                    "/console/cases/",
	} {
		resp, err := client.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("GET /%s = %d, want %q in: %.2000s", path, resp.StatusCode, want, body)
		}
	}
	for _, want := range []string{"激活凭证 credential ", "合作银行接口令牌", "zjj.clerk", "scjg.reviewer", "auditor"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("demo guide lacks %q: %s", want, out.String())
		}
	}
	for _, path := range []string{"healthz", "", "api/v1/stats"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET /%s = %d %s", path, resp.StatusCode, body)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo: %v", err)
	}
	// The person the guide names has consented to the bank and the housing fund.
	pid := regexp.MustCompile(`身份证号 ID (\d{17}[\dX])`).FindStringSubmatch(out.String())
	if pid == nil {
		t.Fatalf("no person in the demo guide: %s", out.String())
	}
	{
		c := config{DataDir: data, DB: filepath.Join(data, "demo.db")}
		a, closeApp, err := c.openApp(context.Background(), &env{getenv: getenv, stdout: io.Discard, stderr: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		cv, err := a.ConsentsCLI(context.Background(), "test", "演示测试 / demo test", pid[1])
		closeApp()
		if err != nil || len(cv.Consents) != 2 {
			t.Fatalf("demo consents: %v %+v", err, cv)
		}
	}
	// A second run with the same settings reuses the loaded city.
	var out2 bytes.Buffer
	run(context.Background(), []string{"demo", "--scale", "0.002", "--no-serve"}, getenv, strings.NewReader(""), &out2, io.Discard)
	if !strings.Contains(out2.String(), "already loaded") {
		t.Fatalf("second demo run reloaded: %s", out2.String())
	}
	if !strings.Contains(out2.String(), "the demo users exist") || strings.Contains(out2.String(), m[1]) {
		t.Fatalf("second demo run: %s", out2.String())
	}
}

// serve has no default account: it tells the operator how to create the first admin.
func TestServeWarnsWithoutAdmin(t *testing.T) {
	data := t.TempDir()
	var errb syncBuffer
	e := &env{getenv: func(k string) string { return map[string]string{"XINYONG_DATA": data}[k] }, stdout: io.Discard, stderr: &errb}
	c := config{DataDir: data}
	a, done, err := c.openApp(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if err := warnNoAdmin(context.Background(), e, a); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "xinyong user add") || !strings.Contains(errb.String(), "--roles admin") {
		t.Fatalf("no warning: %q", errb.String())
	}
	if _, err := a.AddUser(context.Background(), "test", "root.admin", "管理员", "fgw", []auth.Role{auth.RoleAdmin}, "Hq7#vLm2-Tz9pQ"); err != nil {
		t.Fatal(err)
	}
	errb = syncBuffer{}
	if err := warnNoAdmin(context.Background(), e, a); err != nil || errb.String() != "" {
		t.Fatalf("warned with an admin: %v %q", err, errb.String())
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestPageCacheSetting: XINYONG_SQLITE_CACHE_MB is a number of MiB; anything else is said, and
// the default applies. (The reservation itself is tested in store/sqlite; here the test
// process has opened databases already, so nothing is reserved.)
func TestPageCacheSetting(t *testing.T) {
	for v, want := range map[string]int{"": -1, "0": 0, "96": 96, "lots": -1} {
		getenv := func(k string) string { return map[string]string{"XINYONG_SQLITE_CACHE_MB": v}[k] }
		if got := sqliteCacheMB(getenv); got != want {
			t.Errorf("XINYONG_SQLITE_CACHE_MB=%q: %d MiB, want %d", v, got, want)
		}
		var errb strings.Builder
		reservePageCache(&env{getenv: getenv, stderr: &errb}, &config{DB: "postgres://x"}, want)
		if warned := strings.Contains(errb.String(), "XINYONG_SQLITE_CACHE_MB"); warned != (v == "lots") {
			t.Errorf("XINYONG_SQLITE_CACHE_MB=%q: stderr %q", v, errb.String())
		}
	}
}

// TestServerGC: a server process collects at serverGCPercent unless GOGC is set.
func TestServerGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	for v, want := range map[string]int{"": serverGCPercent, "50": 100} {
		debug.SetGCPercent(100)
		tuneServerGC(func(k string) string { return map[string]string{"GOGC": v}[k] })
		if got := debug.SetGCPercent(100); got != want {
			t.Errorf("GOGC=%q: GC percent %d, want %d", v, got, want)
		}
	}
}
