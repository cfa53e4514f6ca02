package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCommandsOnPostgres runs the import and export commands against PostgreSQL, in a schema of
// its own, through --db.
func TestCommandsOnPostgres(t *testing.T) {
	dsn := os.Getenv("XINYONG_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("XINYONG_TEST_POSTGRES not set: DSN of a PostgreSQL test database")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("xt_cmd_%d", rand.Int64N(1<<40))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The test's own connection is closed by then: drop the schema on a new one.
		if c, err := pgx.Connect(context.Background(), dsn); err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db := dsn + sep + "search_path=" + schema + ",public"

	data := t.TempDir()
	csv := "source_id,subject_code,subject_name,honour_name,awarding_body,level,award_date\n" +
		"H1,91350100M000100Y43,福州某某有限公司,守合同重信用企业,威海市市场监督管理局,市级,2026-01-05\n" +
		"H2,91350100M000100Y44,坏代码有限公司,守合同重信用企业,威海市市场监督管理局,市级,2026-01-05\n"
	path := filepath.Join(t.TempDir(), "honour.csv")
	os.WriteFile(path, []byte(csv), 0o600)
	out, errOut, err := runCmd(t, data, "import", "-q", "--db", db, "--dept", "scjg", "--item", "honour", path)
	if err != nil || !strings.Contains(out, "新增 new 1") || !strings.Contains(out, "问题数据 rejected 1") {
		t.Fatalf("import on postgres: %v %q %q", err, out, errOut)
	}
	out, _, err = runCmd(t, data, "rejects", "--db", db, "1")
	if err != nil || !strings.Contains(out, "H2") {
		t.Fatalf("rejects on postgres: %v %q", err, out)
	}
	out, _, err = runCmd(t, data, "batches", "--db", db)
	if err != nil || !strings.Contains(out, "honour.csv") {
		t.Fatalf("batches on postgres: %v %q", err, out)
	}
}
