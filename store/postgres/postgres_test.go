package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/postgres"
	"github.com/xinyong/xinyong/store/storetest"
)

// testDSN returns the DSN of the test database, skipping the test when none is configured.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("XINYONG_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("XINYONG_TEST_POSTGRES not set: DSN of a PostgreSQL test database")
	}
	return dsn
}

// withSearchPath returns dsn with its search_path set, for both DSN forms pgx reads.
func withSearchPath(t testing.TB, dsn, path string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", path)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + path
}

// freshSchema creates a uniquely named schema, dropped when the test ends, and returns a DSN
// whose search_path puts it first (public follows: pg_trgm lives there).
func freshSchema(t testing.TB) string {
	t.Helper()
	dsn := testDSN(t)
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "xt_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		conn.Close(ctx)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		conn.Close(ctx)
	})
	return withSearchPath(t, dsn, schema+",public")
}

// openTest opens the store in a fresh schema.
func openTest(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openWithConn opens the store in a fresh schema, and a connection of its own to that schema
// for what a test does behind the store's back.
func openWithConn(t *testing.T) (*postgres.DB, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	dsn := freshSchema(t)
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return db, conn
}

// runMigrationFile runs one migration file as it stands on conn, for tests that rebuild an old
// schema first.
func runMigrationFile(t *testing.T, conn *pgx.Conn, name string) {
	t.Helper()
	body, err := os.ReadFile("migrations/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), string(body)); err != nil {
		t.Fatal(err)
	}
}

func TestContract(t *testing.T) {
	testDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t) })
}

// TestOpenTwice opens the same schema again: the migrations are recorded and not rerun.
func TestOpenTwice(t *testing.T) {
	dsn := freshSchema(t)
	ctx := context.Background()
	done := make(chan error, 2)
	for range 2 {
		// Two processes starting at once: the advisory lock lets one migrate, then the other
		// finds the work done.
		go func() {
			db, err := postgres.Open(ctx, dsn)
			if err == nil {
				db.Close()
			}
			done <- err
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.LatestCatalog(ctx); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Fatalf("LatestCatalog on an empty store: %v", err)
	}
}

func TestOpenBadDSN(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://u:secret@[bad")
	if credit.ErrorCode(err) != credit.EINVALID || strings.Contains(err.Error(), "secret") {
		t.Fatalf("bad DSN: %v", err)
	}
}

// TestOpenMissingSchema: a search_path whose first schema does not exist is refused before any
// migration runs, rather than filling the next schema (public) with the store's tables.
func TestOpenMissingSchema(t *testing.T) {
	dsn := testDSN(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tables := func() (n int) {
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := tables()
	missing := "xt_missing_schema"
	_, err = postgres.Open(ctx, withSearchPath(t, dsn, missing+",public"))
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(err.Error(), missing) {
		t.Fatalf("open with a missing schema: %v", err)
	}
	if n := tables(); n != before {
		t.Fatalf("public held %d tables before, %d after", before, n)
	}
	// A quoted name is taken as written.
	_, err = postgres.Open(ctx, withSearchPath(t, dsn, `"Xt_Missing",public`))
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(err.Error(), "Xt_Missing") {
		t.Fatalf("open with a missing quoted schema: %v", err)
	}
}

// TestBulkRoundTrip writes subjects and records through both paths (multi-row INSERT below
// copyMin rows, COPY from it) and reads back exactly what was written, times in whole seconds.
func TestBulkRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 8, 30, 15, 999_000_000, time.FixedZone("CST", 8*3600))
	want := at.Truncate(time.Second).UTC()
	for _, n := range []int{3, 200} {
		var subs []*credit.Subject
		for i := range n {
			s := &credit.Subject{Key: fmt.Sprintf("K%d-%d", n, i), Code: fmt.Sprintf("C%d-%d", n, i), Kind: credit.KindEnterprise,
				Name: "甲公司", NameNorm: "甲公司", Region: "371002", Status: credit.StatusActive, CreatedAt: at, UpdatedAt: at}
			if i%2 == 1 {
				s.Code, s.Kind, s.Name, s.NameNorm = "", credit.KindPerson, "张*", ""
				s.IDCipher, s.NameCipher, s.IDMasked = []byte{0, 1, byte(i)}, []byte{}, "3710**********1234"
			}
			if i%3 == 0 {
				s.FormerNames, s.LegacyCodes = []string{"甲厂", "乙厂"}, []string{"371000228000011"}
			}
			subs = append(subs, s)
		}
		var recs []*credit.Record
		err := db.Update(ctx, func(tx store.Tx) error {
			if err := tx.InsertSubjects(subs); err != nil {
				return err
			}
			for i, s := range subs {
				r := &credit.Record{SubjectID: s.ID, Item: "admin_penalty", ItemVersion: 1, Dept: "scjg", SourceID: s.Key, Version: 1,
					Fields: map[string]string{"doc_no": "威市监罚〔2026〕1号", "note": "<&>\t\"引号\""}, Hash: "h", Decision: at,
					PubFrom: at, Published: i%2 == 0, Status: credit.RecordActive, CreatedAt: at}
				if i%2 == 0 {
					r.FieldsJSON = credit.EncodeFields(r.Fields)
					r.Personal = []byte{9, 0, 9}
				}
				recs = append(recs, r)
			}
			return tx.InsertRecords(recs)
		})
		if err != nil {
			t.Fatalf("%d rows: %v", n, err)
		}
		for i, s := range subs {
			got, err := db.SubjectByID(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			w := *s
			w.CreatedAt, w.UpdatedAt = want, want
			if len(w.IDCipher) == 0 {
				w.IDCipher = nil
			}
			if len(w.NameCipher) == 0 {
				w.NameCipher = nil
			}
			if len(got.NameCipher) == 0 {
				got.NameCipher = nil
			}
			if !reflect.DeepEqual(*got, w) {
				t.Fatalf("%d rows, subject %d:\ngot  %+v\nwant %+v", n, i, *got, w)
			}
			rs, err := db.SubjectRecords(ctx, s.ID, store.RecordFilter{})
			if err != nil || len(rs) != 1 {
				t.Fatalf("records of %d: %v, %v", s.ID, rs, err)
			}
			wr := *recs[i]
			wr.FieldsJSON, wr.Decision, wr.PubFrom, wr.CreatedAt = nil, want, want, want
			if !reflect.DeepEqual(*rs[0], wr) {
				t.Fatalf("%d rows, record %d:\ngot  %+v\nwant %+v", n, i, *rs[0], wr)
			}
		}
		// A duplicate key in a batch is a conflict on both paths, and nothing of the batch stays.
		dup := append([]*credit.Subject{}, subs...)
		for i := range dup {
			c := *dup[i]
			c.Key = "new-" + c.Key
			dup[i] = &c
		}
		dup[len(dup)-1].Key = subs[0].Key
		err = db.Update(ctx, func(tx store.Tx) error { return tx.InsertSubjects(dup) })
		if credit.ErrorCode(err) != credit.ECONFLICT {
			t.Fatalf("%d rows with a duplicate: %v", n, err)
		}
		if _, err := db.SubjectByKey(ctx, dup[0].Key); credit.ErrorCode(err) != credit.ENOTFOUND {
			t.Fatalf("conflicting batch partly stored: %v", err)
		}
	}
}
