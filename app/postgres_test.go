package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/postgres"
)

// TestObjectionAndRepairOnPostgres runs the objection and repair flow on PostgreSQL, in a
// schema of its own, when XINYONG_TEST_POSTGRES is set.
func TestObjectionAndRepairOnPostgres(t *testing.T) {
	a, clk := pgRightsApp(t)
	objectionAndRepair(t, a, clk)
}

// TestListsMeetRightsOnPostgres runs repair and revocation ending list entries on PostgreSQL.
func TestListsMeetRightsOnPostgres(t *testing.T) {
	a, clk := pgRightsApp(t)
	listsMeetRights(t, a, clk)
}

// pgRightsApp is an App on PostgreSQL in a schema of its own; the test skips without
// XINYONG_TEST_POSTGRES.
func pgRightsApp(t *testing.T) (*app.App, *clock) {
	t.Helper()
	a, clk, _ := pgApp(t)
	return a, clk
}

// pgApp is pgRightsApp that also returns the DSN, with the schema first on its search path.
func pgApp(t *testing.T) (*app.App, *clock, string) {
	t.Helper()
	dsn := os.Getenv("XINYONG_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("XINYONG_TEST_POSTGRES not set: DSN of a PostgreSQL test database")
	}
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "xt_rights_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), dsn); err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	dsn += sep + "search_path=" + schema + ",public"
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, _ := credit.NewSealer(bytes.Repeat([]byte{1}, 32))
	clk := &clock{t: time.Date(2026, 2, 10, 2, 0, 0, 0, time.UTC)}
	a, err := app.New(ctx, st, sealer, clk.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, clk, dsn
}

// TestImportSettlesSearchOnPostgres: an import that adds an organisation leaves nothing in the
// name index's pending list, which every search would otherwise scan (App.settleSearch).
func TestImportSettlesSearchOnPostgres(t *testing.T) {
	a, _, dsn := pgApp(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	pending := func() int64 {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT gin_clean_pending_list('subject_search_grams'::regclass)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The check itself merges: an insert outside an import leaves a page, so it sees one.
	if _, err := conn.Exec(ctx, `INSERT INTO subject_search (id, search_text, grams) VALUES (-1, '甲', '{甲}')`); err != nil {
		t.Fatal(err)
	}
	if n := pending(); n == 0 {
		t.Fatal("an insert left nothing in the pending list: the index no longer collects entries apart")
	}
	importCSV(t, a, "scjg", "honour", "source_id,subject_code,subject_name,honour_name,awarding_body,level,award_date\n"+
		"H1,91350100M000100Y43,福州某某有限公司,守合同重信用企业,威海市市场监督管理局,市级,2026-01-05\n")
	if n := pending(); n != 0 {
		t.Fatalf("after the import the pending list held %d pages; want 0", n)
	}
	res, err := a.Store.SearchSubjects(ctx, store.SearchQuery{Name: "某某", Limit: 10})
	if err != nil || len(res.Subjects) != 1 {
		t.Fatalf("search after the import = %+v, %v", res, err)
	}
}
