package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestListCheckVerifyCommands(t *testing.T) {
	data := t.TempDir()
	const firm = "91371002163047890G"
	dir := t.TempDir()
	file := filepath.Join(dir, "court.csv")
	if err := os.WriteFile(file, []byte("code,name,reason,document,source_id\n"+firm+",威海海蓝食品有限责任公司,拒不履行,(2026)鲁10执1号,C1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runIn(t, data, "", "list", "load", file, "--list", "court_defaulter")
	if err != nil || !strings.Contains(out, "第一批") {
		t.Fatalf("load: %v %q %q", err, out, errOut)
	}
	// Loading the same file again changes nothing.
	if out, _, err = runIn(t, data, "", "list", "load", file, "--list", "court_defaulter"); err != nil || !strings.Contains(out, "already present: 1") {
		t.Fatalf("reload: %v %q", err, out)
	}
	if out, _, err = runIn(t, data, "", "list", "types"); err != nil || !strings.Contains(out, "court_defaulter") || !strings.Contains(out, "repair_removes") {
		t.Fatalf("types: %v %q", err, out)
	}
	out, errOut, err = runIn(t, data, "", "check", firm, "--matter", "gov_procurement")
	if err != nil || !strings.Contains(out, "block") || !strings.Contains(out, "P01") {
		t.Fatalf("check: %v %q %q", err, out, errOut)
	}
	if _, errOut, err = runIn(t, data, "", "check", firm, "--matter", "nope"); err == nil || !strings.Contains(errOut, "未知的办理事项") {
		t.Fatalf("unknown matter: %v %q", err, errOut)
	}
	if _, errOut, err = runIn(t, data, "", "measure", "activate", "P13"); err == nil || !strings.Contains(errOut, "法律依据") {
		t.Fatalf("activate without basis: %v %q", err, errOut)
	}
	codes := filepath.Join(dir, "codes.csv")
	if err := os.WriteFile(codes, []byte("code\n"+firm+"\n91371002MA3C5KXX7A\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := filepath.Join(dir, "out.csv")
	if _, errOut, err = runIn(t, data, "", "verify", codes, "--matter", "bidding", "-o", res, "-q"); err != nil {
		t.Fatalf("verify: %v %q", err, errOut)
	}
	b, _ := os.ReadFile(res)
	if !strings.Contains(string(b), firm+",block") || !strings.Contains(string(b), "invalid") {
		t.Fatalf("result:\n%s", b)
	}
}
