package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/store"
)

func TestDoctorSQLite(t *testing.T) {
	data := t.TempDir()
	out, _, err := runCmd(t, data, "doctor")
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	if !strings.Contains(out, "[正常 ok] journal_mode = wal") || !strings.Contains(out, "严重 0，警告 0") {
		t.Errorf("doctor output:\n%s", out)
	}
	out, _, err = runCmd(t, data, "doctor", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Engine   string
		Findings []struct{ Level, Name, Current string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Findings) == 0 || !strings.HasPrefix(rep.Engine, "SQLite") {
		t.Fatalf("doctor --json: %v\n%s", err, out)
	}
}

// TestDoctorPostgres: a setting that would cancel long statements is a warning, and the command
// exits 1 so a script notices.
func TestDoctorPostgres(t *testing.T) {
	db := pgSchema(t, "xt_doctor") + "&options=" + strings.ReplaceAll(url.QueryEscape("-c statement_timeout=30s"), "+", "%20")
	out, _, err := runCmd(t, t.TempDir(), "doctor", "--db", db)
	var ex exitCode
	if !errors.As(err, &ex) || ex != 1 {
		t.Fatalf("doctor with a statement timeout: %v, want exit 1\n%s", err, out)
	}
	if !strings.Contains(out, "[警告 warning] statement_timeout = 30s") || !strings.Contains(out, "存储 / store: PostgreSQL") {
		t.Errorf("doctor output:\n%s", out)
	}
}

// checkedStore is a store whose settings check returns fixed findings.
type checkedStore struct {
	store.Store
	fs []store.Finding
}

func (c checkedStore) CheckSettings(context.Context) ([]store.Finding, error) { return c.fs, nil }

// TestLogSettings: serve logs warnings and critical findings at start, not the rest.
func TestLogSettings(t *testing.T) {
	var buf bytes.Buffer
	st := checkedStore{fs: []store.Finding{
		{Level: store.LevelCritical, Name: "fsync", Current: "off", Want: "on"},
		{Level: store.LevelWarning, Name: "autovacuum", Current: "off", Want: "on"},
		{Level: store.LevelAdvice, Name: "shared_buffers", Current: "128MB"},
		{Level: store.LevelOK, Name: "server_encoding", Current: "UTF8"},
	}}
	logSettings(context.Background(), st, slog.New(slog.NewTextHandler(&buf, nil)))
	out := buf.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "setting=fsync") || !strings.Contains(out, "level=WARN") ||
		!strings.Contains(out, "setting=autovacuum") || strings.Contains(out, "shared_buffers") || strings.Contains(out, "server_encoding") {
		t.Errorf("log:\n%s", out)
	}
}
