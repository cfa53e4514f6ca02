package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestSubjectCommands(t *testing.T) {
	data := t.TempDir()
	const valid = "91371002163047890G" // a valid unified code (check characters 0, G)
	reg := filepath.Join(t.TempDir(), "reg.csv")
	body := "source_id,subject_code,subject_name,ent_type,legal_rep_name,legal_rep_id,reg_status,reg_capital,established,address,former_names\n" +
		"REG-A," + valid + ",威海海蓝食品有限责任公司,有限责任公司,张三,,存续,500,2010-05-01,山东省威海市环翠区海滨北路1号,\n"
	if err := os.WriteFile(reg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := runIn(t, data, "", "import", "--dept", "scjg", "--item", "enterprise_registration", reg); err != nil {
		t.Fatalf("import: %v %s %s", err, out, errOut)
	}
	if _, _, err := runIn(t, data, "", "subject"); err == nil {
		t.Fatal("no action: no error")
	}
	out, errOut, err := runIn(t, data, "", "subject", "activate", valid)
	if err != nil {
		t.Fatalf("activate: %v %s", err, errOut)
	}
	cred := regexp.MustCompile(`[A-Z2-7]{5}(-[A-Z2-7]{5}){3}`).FindString(out)
	if cred == "" || !strings.Contains(out, "只显示这一次") {
		t.Fatalf("activate printed %q", out)
	}
	if out, _, err = runIn(t, data, "", "subject", "list"); err != nil || !strings.Contains(out, valid) || strings.Contains(out, cred) {
		t.Fatalf("list: %v %q", err, out)
	}
	if _, _, err = runIn(t, data, "", "subject", "revoke", valid); err != nil {
		t.Fatal(err)
	}
	if out, _, err = runIn(t, data, "", "subject", "list"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("list after revoke: %v %q", err, out)
	}
	if _, errOut, err = runIn(t, data, "", "subject", "activate", "91371002MA3C5KXX7A"); err == nil || errOut == "" {
		t.Fatalf("unknown or invalid code: %v %q", err, errOut)
	}
}
