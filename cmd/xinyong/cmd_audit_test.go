package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// nextYearDay is a date about half a year away, for token expiries.
func nextYearDay() string { return time.Now().AddDate(0, 6, 0).Format(time.DateOnly) }

func TestAuditVerifyCommand(t *testing.T) {
	data := t.TempDir()
	for _, args := range [][]string{
		{"dept", "add", "--code", "xyb", "--name", "市信用办"},
		{"dept", "add", "--code", "hcq", "--name", "环翠区信用办", "--level", "county", "--parent", "xyb"},
		{"token", "issue", "--dept", "fgw", "--name", "报送", "--scopes", "records:write", "--expires", nextYearDay()},
	} {
		if _, errOut, err := runIn(t, data, "", args...); err != nil {
			t.Fatalf("%v: %v %s", args, err, errOut)
		}
	}
	out, _, err := runIn(t, data, "", "audit", "verify")
	if err != nil || !strings.Contains(out, "已校验 / checked: 5 条") || !strings.Contains(out, "OK") {
		t.Fatalf("verify: %v %q", err, out)
	}
	if !regexp.MustCompile(`链头 / head: 第 5 条 entry 5  [0-9a-f]{64}`).MatchString(out) {
		t.Fatalf("verify must print the head: %q", out)
	}
	out, _, err = runIn(t, data, "", "audit", "anchor", "--day", time.Now().AddDate(0, 0, 1).Format(time.DateOnly))
	if err != nil || !regexp.MustCompile(`^\d{4}-\d\d-\d\d  [0-9a-f]{64}  \(至第 5 条`).MatchString(out) {
		t.Fatalf("anchor: %v %q", err, out)
	}
	exportPath := filepath.Join(t.TempDir(), "audit.jsonl")
	if _, _, err := runIn(t, data, "", "audit", "export", "-o", exportPath); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runIn(t, data, "", "audit", "verify", "--file", exportPath); err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("verify --file: %v %q", err, out)
	}

	// Tamper with entry 2 behind the store's back.
	db, err := sql.Open("sqlite", filepath.Join(data, "xinyong.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET actor = 'x' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, _, err = runIn(t, data, "", "audit", "verify")
	if ex, ok := err.(exitCode); !ok || ex != 1 {
		t.Fatalf("tampered log: want exit 1, got %v (%q)", err, out)
	}
	if !strings.Contains(out, "第 2 条") || !strings.Contains(out, "entry 2") || !strings.Contains(out, "已校验 / checked: 1 条") {
		t.Fatalf("the message must name entry 2: %q", out)
	}
	// An exported file edited by hand is caught the same way.
	b, _ := os.ReadFile(exportPath)
	lines := strings.SplitAfter(string(b), "\n")
	lines[2] = strings.Replace(lines[2], `"actor":"cli:tester"`, `"actor":"cli:someone"`, 1)
	edited := filepath.Join(t.TempDir(), "edited.jsonl")
	os.WriteFile(edited, []byte(strings.Join(lines, "")), 0o600)
	out, _, err = runIn(t, data, "", "audit", "verify", "--file", edited)
	if ex, ok := err.(exitCode); !ok || ex != 1 || !strings.Contains(out, "第 3 条") {
		t.Fatalf("edited export: %v %q", err, out)
	}
}
