package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScoreCommands(t *testing.T) {
	data := t.TempDir()
	const valid = "91371002163047890G"
	pen := filepath.Join(t.TempDir(), "tax.csv")
	body := "source_id,subject_code,subject_name,grade,year,rated_date,authority\n" +
		"TAX-1," + valid + ",威海海蓝食品有限责任公司,A,2025,2026-04-01,国家税务总局威海市税务局\n"
	if err := os.WriteFile(pen, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := runIn(t, data, "", "import", "--dept", "sw", "--item", "tax_credit_grade", pen); err != nil {
		t.Fatalf("import: %v %s %s", err, out, errOut)
	}
	out, errOut, err := runIn(t, data, "", "score", "recompute")
	if err != nil || !strings.Contains(out, "recomputed 1 scores of 1 subjects: 0 changed") {
		t.Fatalf("recompute (the import scored it already): %v %q %q", err, out, errOut)
	}
	if _, errOut, err = runIn(t, data, "", "score", "show", valid); err == nil || !strings.Contains(errOut, "purpose") {
		t.Fatalf("show without purpose: %v %q", err, errOut)
	}
	out, _, err = runIn(t, data, "", "score", "show", "--purpose", "行政许可审批", valid)
	if err != nil || !strings.Contains(out, "纳税信用A级") || !strings.Contains(out, "公共信用综合评价 v1") {
		t.Fatalf("show: %v %q", err, out)
	}
	card := filepath.Join(t.TempDir(), "enterprise.json")
	if _, _, err = runIn(t, data, "", "score", "card", "export", "enterprise", card); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(card)
	edited := strings.Replace(string(b), `"base": 80`, `"base": 70`, 1)
	bad := strings.Replace(edited, `"item": "honour"`, `"item": "no_such_item"`, 1)
	badPath := filepath.Join(t.TempDir(), "bad.json")
	goodPath := filepath.Join(t.TempDir(), "good.json")
	_ = os.WriteFile(badPath, []byte(bad), 0o600)
	_ = os.WriteFile(goodPath, []byte(edited), 0o600)
	if _, errOut, err = runIn(t, data, "", "score", "card", "import", badPath); err == nil || !strings.Contains(errOut, "unknown catalog item") {
		t.Fatalf("bad card imported: %v %q", err, errOut)
	}
	if out, _, err = runIn(t, data, "", "score", "card", "preview", goodPath); err != nil || !strings.Contains(out, "grade changes: 1") {
		t.Fatalf("preview: %v %q", err, out)
	}
	if out, _, err = runIn(t, data, "", "score", "card", "import", goodPath); err != nil || !strings.Contains(out, "version 2") {
		t.Fatalf("import: %v %q", err, out)
	}
	if out, _, err = runIn(t, data, "", "score", "card", "versions", "enterprise"); err != nil || !strings.Contains(out, "v2") || !strings.Contains(out, "cli:") {
		t.Fatalf("versions: %v %q", err, out)
	}
	if out, _, err = runIn(t, data, "", "score", "recompute"); err != nil || !strings.Contains(out, "1 changed (1 grades)") {
		t.Fatalf("recompute after v2: %v %q", err, out)
	}
	if _, errOut, err = runIn(t, data, "", "consent", "list", "--purpose", "窗口咨询", "110105194912310021"); err == nil || strings.Contains(errOut, "110105") {
		t.Fatalf("consent list of an unknown person: %v %q", err, errOut)
	}
}
