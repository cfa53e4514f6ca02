package postgres_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/postgres"
)

func finding(fs []store.Finding, name string) store.Finding {
	for _, f := range fs {
		if f.Name == name {
			return f
		}
	}
	return store.Finding{}
}

// TestCheckSettings reads the settings the store's connections run with: here the DSN turns
// off synchronous_commit and sets a statement timeout for the session, and a table of the
// store holds rows the planner has no statistics for.
func TestCheckSettings(t *testing.T) {
	ctx := context.Background()
	dsn := freshSchema(t)
	db, err := postgres.Open(ctx, dsn+"&options="+strings.ReplaceAll(url.QueryEscape("-c synchronous_commit=off -c statement_timeout=600000"), "+", "%20"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fs, err := db.CheckSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f := finding(fs, "synchronous_commit"); f.Level != store.LevelWarning || f.Current != "off" {
		t.Errorf("synchronous_commit: %+v", f)
	}
	if f := finding(fs, "statement_timeout"); f.Level != store.LevelWarning || f.Current != "10min" {
		t.Errorf("statement_timeout: %+v", f)
	}
	for _, name := range []string{"server_encoding", "fsync", "full_page_writes", "server_version"} {
		if f := finding(fs, name); f.Level != store.LevelOK {
			t.Errorf("%s: %+v (the test server should be sound)", name, f)
		}
	}
	if fs[0].Level != store.LevelWarning {
		t.Errorf("the warnings should come first: %+v", fs[0])
	}
	if f := finding(fs, "ANALYZE"); f.Level != store.LevelOK {
		t.Errorf("a fresh store has nothing to analyse: %+v", f)
	}
	if f := finding(fs, "current_schema"); !strings.HasPrefix(f.Current, "xt_") {
		t.Errorf("current_schema: %+v, want the test's schema", f)
	}

	// 12,000 rows in a table that is not analysed after them (autovacuum is off for it).
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`ALTER TABLE counters SET (autovacuum_enabled = false)`,
		`INSERT INTO counters (name, value) SELECT 'doctor.' || i, i FROM generate_series(1, 12000) i`,
		`SELECT pg_stat_force_next_flush()`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// The insert's statistics reach the server's counters when its session next goes idle.
	var f store.Finding
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if fs, err = db.CheckSettings(ctx); err != nil {
			t.Fatal(err)
		}
		if f = finding(fs, "ANALYZE"); f.Level != store.LevelOK {
			break
		}
	}
	if f.Level != store.LevelWarning || f.Current != "counters" {
		t.Errorf("unanalysed table: %+v", f)
	}
	if _, err := conn.Exec(ctx, `ANALYZE counters`); err != nil {
		t.Fatal(err)
	}
	if fs, err = db.CheckSettings(ctx); err != nil {
		t.Fatal(err)
	}
	if f := finding(fs, "ANALYZE"); f.Level != store.LevelOK {
		t.Errorf("after ANALYZE: %+v", f)
	}
}
