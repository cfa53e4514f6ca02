package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCalendarAndPublicationCommands(t *testing.T) {
	data := t.TempDir()
	out, errOut, err := runIn(t, data, "", "calendar", "show")
	if err != nil || !strings.Contains(out, "2026") || !strings.Contains(out, "国办发明电〔2025〕7号") {
		t.Fatalf("show: %v %q %q", err, out, errOut)
	}
	if out, _, err = runIn(t, data, "", "calendar", "show", "2026"); err != nil || !strings.Contains(out, `"2026-02-28"`) {
		t.Fatalf("show 2026: %v %q", err, out)
	}
	if _, errOut, err = runIn(t, data, "", "calendar", "show", "2027"); err == nil || !strings.Contains(errOut, "weekend rule") {
		t.Fatalf("show 2027: %v %q", err, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"year":2027,"source":"x","holidays":[{"name":"元旦","from":"2027-01-01","to":"2027-01-01"}],"makeup_workdays":[{"date":"2027-01-04"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err = runIn(t, data, "", "calendar", "load", bad); err == nil || !strings.Contains(errOut, "周六或周日") {
		t.Fatalf("load a bad year: %v %q", err, errOut)
	}
	good := `{"year":2027,"source":"测试通知","holidays":[{"name":"元旦","from":"2027-01-01","to":"2027-01-03"}]}`
	if out, errOut, err = runIn(t, data, good, "calendar", "load", "-"); err != nil || !strings.Contains(out, "2027") {
		t.Fatalf("load: %v %q %q", err, out, errOut)
	}
	if out, _, err = runIn(t, data, "", "calendar", "show"); err != nil || !strings.Contains(out, "测试通知") {
		t.Fatalf("show after load: %v %q", err, out)
	}
	if out, _, err = runIn(t, data, "", "publication", "expire", "--dry-run"); err != nil || !strings.Contains(out, "dry run") {
		t.Fatalf("expire dry run: %v %q", err, out)
	}
	if out, _, err = runIn(t, data, "", "publication", "expire"); err != nil || !strings.Contains(out, "0") {
		t.Fatalf("expire: %v %q", err, out)
	}
	if _, _, err = runIn(t, data, "", "publication"); err == nil {
		t.Fatal("no action: no error")
	}
}
