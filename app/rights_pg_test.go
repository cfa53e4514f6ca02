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
	st, err := postgres.Open(ctx, dsn+sep+"search_path="+schema+",public")
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
	return a, clk
}
