package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runIn runs the command line with stdin and USER=tester.
func runIn(t *testing.T, data, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		switch k {
		case "XINYONG_DATA":
			return data
		case "USER":
			return "tester"
		}
		return ""
	}
	err = run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	if out, errOut, err := runIn(t, data, "", "dept", "add", "--code", "xyb", "--name", "市信用办", "--name-en", "Credit Office"); err != nil {
		t.Fatalf("dept add: %v %s %s", err, out, errOut)
	}
	if _, errOut, err := runIn(t, data, "", "dept", "add", "--code", "xyb", "--name", "又一个"); err == nil || !strings.Contains(errOut, "已存在") {
		t.Fatalf("dept add twice: %v %q", err, errOut)
	}
	out, _, err := runIn(t, data, "", "dept", "list")
	if err != nil || !strings.Contains(out, "市信用办") || !strings.Contains(out, "fgw") {
		t.Fatalf("dept list: %v %q", err, out)
	}
	// No password on stdin, and stdin is no terminal: refused, saying what to do.
	_, errOut, err := runIn(t, data, "", "user", "add", "--username", "root", "--name", "王管理", "--dept", "xyb", "--roles", "admin")
	if err == nil || !strings.Contains(errOut, "--password-stdin") {
		t.Fatalf("no password: %v %q", err, errOut)
	}
	// A weak password is refused with the policy's reason.
	_, errOut, err = runIn(t, data, "Password@2026\n", "user", "add", "--username", "root", "--name", "王管理", "--dept", "xyb",
		"--roles", "admin", "--password-stdin")
	if ex, ok := err.(exitCode); !ok || ex != 1 || !strings.Contains(errOut, "password_common") {
		t.Fatalf("weak password: %v %q", err, errOut)
	}
	out, errOut, err = runIn(t, data, "Hai-bei 2026 fen!\n", "user", "add", "--username", "root", "--name", "王管理", "--dept", "xyb",
		"--roles", "admin,审计员", "--password-stdin")
	if err != nil || !strings.Contains(out, "已添加用户") || !strings.Contains(out, "admin,auditor") {
		t.Fatalf("user add: %v %q %q", err, out, errOut)
	}
	if _, errOut, err = runIn(t, data, "Hai-bei 2026 fen!\n", "user", "add", "--username", "ROOT", "--name", "x", "--dept", "xyb",
		"--roles", "clerk", "--password-stdin"); err == nil || !strings.Contains(errOut, "已被使用") {
		t.Fatalf("duplicate: %v %q", err, errOut)
	}
	if _, _, err := runIn(t, data, "Lu-dao Qing-shan 9\n", "user", "add", "--username", "zhangsan", "--name", "张三", "--dept", "fgw",
		"--roles", "submitter", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	out, _, err = runIn(t, data, "", "user", "list", "--dept", "fgw")
	if err != nil || !strings.Contains(out, "zhangsan") || strings.Contains(out, "root") || strings.Contains(out, "argon2") {
		t.Fatalf("user list: %v %q", err, out)
	}
	if _, errOut, err := runIn(t, data, "", "user", "disable", "root"); err == nil || !strings.Contains(errOut, "最后一个") {
		t.Fatalf("disabling the last admin: %v %q", err, errOut)
	}
	for _, args := range [][]string{{"user", "disable", "zhangsan"}, {"user", "enable", "zhangsan"}} {
		if _, errOut, err := runIn(t, data, "", args...); err != nil {
			t.Fatalf("%v: %v %s", args, err, errOut)
		}
	}
	if out, errOut, err := runIn(t, data, "", "user", "update", "zhangsan", "--roles", "reviewer,clerk", "--name", "张三丰"); err != nil ||
		!strings.Contains(out, "已更新用户") || !strings.Contains(out, "张三丰") || !strings.Contains(out, "reviewer") {
		t.Fatalf("user update: %v %q %q", err, out, errOut)
	}
	if _, errOut, err := runIn(t, data, "", "user", "update", "zhangsan", "--roles", "emperor"); err == nil || errOut == "" {
		t.Fatalf("user update with an unknown role: %v %q", err, errOut)
	}
	if _, errOut, err := runIn(t, data, "", "user", "update", "root", "--roles", "clerk"); err == nil || !strings.Contains(errOut, "最后一个") {
		t.Fatalf("demoting the last admin: %v %q", err, errOut)
	}
	if out, _, err := runIn(t, data, "Xi-shan 88 Yuan!\n", "user", "reset-password", "zhangsan", "--password-stdin"); err != nil || !strings.Contains(out, "已重置密码") {
		t.Fatalf("reset-password: %v %q", err, out)
	}

	// Tokens: the plain token is printed once, never listed.
	out, errOut, err = runIn(t, data, "", "token", "issue", "--dept", "fgw", "--name", "双公示自动报送", "--scopes", "records:write,batches:read",
		"--expires", "2099-01-01")
	if err == nil || !strings.Contains(errOut, "一年") {
		t.Fatalf("token beyond a year: %v %q %q", err, out, errOut)
	}
	exp := nextYearDay()
	out, errOut, err = runIn(t, data, "", "token", "issue", "--dept", "fgw", "--name", "双公示自动报送", "--scopes", "records:write,batches:read",
		"--expires", exp)
	if err != nil || !strings.Contains(out, "xy_fgw_") || !strings.Contains(out, "只显示这一次") {
		t.Fatalf("token issue: %v %q %q", err, out, errOut)
	}
	plain := out[strings.Index(out, "xy_fgw_"):]
	plain = plain[:strings.IndexAny(plain, " \n")]
	out, _, err = runIn(t, data, "", "token", "list")
	if err != nil || strings.Contains(out, plain) || !strings.Contains(out, "有效 valid") {
		t.Fatalf("token list: %v %q", err, out)
	}
	if out, _, err := runIn(t, data, "", "token", "revoke", "1"); err != nil || !strings.Contains(out, "已吊销") {
		t.Fatalf("token revoke: %v %q", err, out)
	}
	if out, _, _ := runIn(t, data, "", "token", "list", "--dept", "fgw"); !strings.Contains(out, "已吊销 revoked") {
		t.Fatalf("token list after revoke: %q", out)
	}

	// Every change above is in the audit trail, by the operator.
	exportPath := filepath.Join(t.TempDir(), "audit.jsonl")
	if _, _, err := runIn(t, data, "", "audit", "export", "-o", exportPath); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(exportPath)
	for _, action := range []string{"dept.put", "user.add", "user.disable", "user.enable", "user.password_reset", "token.issue", "token.revoke"} {
		if !strings.Contains(string(b), `"actor":"cli:tester","action":"`+action+`"`) {
			t.Errorf("no %s by cli:tester in the audit export", action)
		}
	}

	// Query log export of an empty log.
	out, errOut, err = runIn(t, data, "", "querylog", "export", "--subject", "91350100M000100Y43", "--from", "2026-01-01", "--to", "2026-12-31")
	if err != nil || out != "" || !strings.Contains(errOut, "0 条") {
		t.Fatalf("querylog export: %v %q %q", err, out, errOut)
	}
	// Sealing an empty log seals nothing; verifying finds nothing changed.
	if out, errOut, err := runIn(t, data, "", "querylog", "seal"); err != nil || !strings.Contains(errOut, "sealed 0 days") {
		t.Fatalf("querylog seal: %v %q %q", err, out, errOut)
	}
	if out, _, err := runIn(t, data, "", "querylog", "verify"); err != nil || !strings.Contains(out, "checked 0 sealed days, 0 changed") {
		t.Fatalf("querylog verify: %v %q", err, out)
	}
}
