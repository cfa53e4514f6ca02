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

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/postgres"
	"github.com/xinyong/xinyong/store/sqlite"
)

// pgSchema returns a DSN whose search_path is a fresh schema, dropped when the test ends; it
// skips the test without XINYONG_TEST_POSTGRES.
func pgSchema(t *testing.T, prefix string) string {
	t.Helper()
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
	schema := fmt.Sprintf("%s_%d", prefix, rand.Int64N(1<<40))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), dsn); err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema + ",public"
}

// tableSums reads every table of c and returns "rows checksum" per table, with the columns'
// kinds taken from kinds (the PostgreSQL schema), so two SQLite files compare as the copy does.
func tableSums(t *testing.T, c store.Copier, kinds []store.CopyTable) map[string]string {
	t.Helper()
	ctx := context.Background()
	tables, err := c.CopyTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kind := map[string]store.Kind{}
	for _, kt := range kinds {
		for _, col := range kt.Columns {
			kind[kt.Name+"."+col.Name] = col.Kind
		}
	}
	out := map[string]string{}
	err = c.CopyRead(ctx, func(r store.CopyReader) error {
		for _, tb := range tables {
			var cols []store.CopyColumn
			for _, col := range tb.Columns {
				if col.Derived {
					continue
				}
				if k, ok := kind[tb.Name+"."+col.Name]; ok {
					col.Kind = k
				} else {
					col.Kind = store.AffinityKind(col.Type)
				}
				cols = append(cols, col)
			}
			var sum store.Checksum
			if err := r.Rows(tb.Name, cols, func(row []any) error { sum.Add(cols, row); return nil }); err != nil {
				return err
			}
			out[tb.Name] = fmt.Sprintf("%d %s", sum.Rows(), sum.String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCopySQLiteToPostgresAndBack fills an SQLite store with every kind of data (demo city with
// sealed personal data, a batch with rejects and a second version, departments, users, a
// session, a login failure, tokens, code exceptions, query log, audit chain), copies it to
// PostgreSQL and back, and checks the three agree, the audit chain verifies and the copies work.
func TestCopySQLiteToPostgresAndBack(t *testing.T) {
	pg := pgSchema(t, "xt_copy")
	ctx := context.Background()
	data := t.TempDir()
	must := func(args ...string) string {
		t.Helper()
		out, errOut, err := runIn(t, data, "", args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s\n%s", args, err, out, errOut)
		}
		return out
	}
	must("demo", "--no-serve", "--scale", "0.002")
	src := filepath.Join(data, "demo.db")
	must("code-exception", "add", "--db", src, "--note", "试点代码", "91350100M000100Y44")
	must("dept", "add", "--db", src, "--code", "xyb", "--name", "市信用办")
	if _, errOut, err := runIn(t, data, "s3cret-pass-word\n", "user", "add", "--db", src, "--username", "wang", "--name", "王五", "--dept", "xyb", "--roles", "admin", "--password-stdin"); err != nil {
		t.Fatalf("user add: %v %s", err, errOut)
	}
	must("token", "issue", "--db", src, "--dept", "fgw", "--name", "报送", "--scopes", "records:write", "--expires", nextYearDay())
	csv := "source_id,subject_code,subject_name,honour_name,awarding_body,level,award_date\n" +
		"C1," + validUSCC(9001) + ",威海复制测试有限公司,守合同重信用企业,威海市市场监督管理局,市级,2026-01-05\n" +
		"C2,91350100M000100Y45,坏代码有限公司,守合同重信用企业,威海市市场监督管理局,市级,2026-01-05\n"
	f1 := filepath.Join(t.TempDir(), "honour1.csv")
	os.WriteFile(f1, []byte(csv), 0o600)
	must("import", "-q", "--db", src, "--dept", "scjg", "--item", "honour", f1)
	f2 := filepath.Join(t.TempDir(), "honour2.csv")
	os.WriteFile(f2, []byte(strings.Replace(csv, "市级", "省级", 1)), 0o600)
	must("import", "-q", "--db", src, "--dept", "scjg", "--item", "honour", f2)
	{ // a session, a login failure and a query-log entry, through the services
		c := config{DataDir: data, DB: src}
		a, done, err := c.openApp(ctx, &env{getenv: func(string) string { return "" }, stderr: os.Stderr})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Login(ctx, "wang", "s3cret-pass-word", "10.0.0.1", "test"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Login(ctx, "wang", "wrong-password-1", "10.0.0.1", "test"); err == nil {
			t.Fatal("a wrong password signed in")
		}
		p := &auth.Principal{UserID: 1, Name: "wang", Dept: "xyb", Kind: auth.KindStaff}
		if err := a.LogQuery(ctx, p, "测试", "k1", "/x", "1 record", "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		done()
	}

	// SQLite → PostgreSQL.
	out := must("copy", "-q", "--from", "sqlite:"+src, "--to", pg)
	if !strings.Contains(out, "已复制并核对") || strings.Contains(out, "MISMATCH") || !strings.Contains(out, "records") || !strings.Contains(out, "audit_log") {
		t.Fatalf("copy to postgres: %q", out)
	}
	// A second copy into the now full destination is refused.
	_, errOut, err := runIn(t, data, "", "copy", "-q", "--from", "sqlite:"+src, "--to", pg)
	if err == nil || !strings.Contains(err.Error()+errOut, "--overwrite") {
		t.Fatalf("copy into a full destination: %v %q", err, errOut)
	}
	// PostgreSQL → SQLite.
	back := filepath.Join(t.TempDir(), "back.db")
	must("copy", "-q", "--from", pg, "--to", "sqlite:"+back)

	// The round trip gives the same rows as the original, table by table.
	pdb, err := postgres.Open(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	kinds, err := pdb.CopyTables(ctx)
	pdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	sdb, err := sqlite.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	want := tableSums(t, sdb, kinds)
	sdb.Close()
	bdb, err := sqlite.Open(ctx, back)
	if err != nil {
		t.Fatal(err)
	}
	got := tableSums(t, bdb, kinds)
	bdb.Close()
	for _, tb := range []string{"subjects", "records", "batches", "rejects", "users", "sessions", "login_failures", "api_tokens", "query_log", "audit_log", "meta", "code_exceptions"} {
		if strings.HasPrefix(want[tb], "0 ") {
			t.Errorf("the source's %s is empty: the test does not cover it", tb)
		}
	}
	for tb, w := range want {
		if got[tb] != w {
			t.Errorf("%s: round trip %s, original %s", tb, got[tb], w)
		}
	}

	// Both copies work with the same key: the audit chain verifies, a new import goes in with
	// fresh ids, and name search answers (PostgreSQL recomputed grams, SQLite rebuilt its FTS).
	for _, db := range []string{pg, back} {
		if out := must("audit", "verify", "--db", db); !strings.Contains(out, "OK") {
			t.Fatalf("audit verify on %s: %q", db, out)
		}
		f3 := filepath.Join(t.TempDir(), "honour3.csv")
		os.WriteFile(f3, []byte("source_id,subject_code,subject_name,honour_name,awarding_body,level,award_date\n"+
			"N1,"+validUSCC(9002)+",复制后新增有限公司,守合同重信用企业,威海市市场监督管理局,市级,2026-02-05\n"), 0o600)
		if out := must("import", "-q", "--db", db, "--dept", "scjg", "--item", "honour", f3); !strings.Contains(out, "新增 new 1") {
			t.Fatalf("import on the copy %s: %q", db, out)
		}
		c := config{DataDir: data, DB: db}
		a, done, err := c.openApp(ctx, &env{getenv: func(string) string { return "" }, stderr: os.Stderr})
		if err != nil {
			t.Fatalf("open the copy %s with the same key: %v", db, err)
		}
		for _, q := range []string{"复制测试", "复制", "新增有限"} {
			res, err := a.Search(ctx, q, 1)
			if err != nil || len(res.Subjects) == 0 {
				t.Errorf("search %q on %s: %v %+v", q, db, err, res)
			}
		}
		if _, _, err := a.Login(ctx, "wang", "s3cret-pass-word", "10.0.0.2", "test"); err != nil {
			t.Errorf("sign in on the copy %s: %v", db, err)
		}
		done()
	}
}
