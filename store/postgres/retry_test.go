package postgres_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/postgres"
	"github.com/xinyong/xinyong/store/sqlite"
)

// TestUpdateRetriesSerializationFailure provokes a real serialisation failure: two SERIALIZABLE
// transactions each read the row the other writes (write skew). PostgreSQL aborts one with
// 40001; Update runs it again and both changes land.
func TestUpdateRetriesSerializationFailure(t *testing.T) {
	dsn := freshSchema(t) + "&default_transaction_isolation=serializable"
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.SetMeta("x", "0"); err != nil {
			return err
		}
		return tx.SetMeta("y", "0")
	}); err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int64
	var both sync.WaitGroup
	both.Add(2)
	// move reads from, then writes to + 1: the other transaction does the reverse.
	move := func(from, to string) error {
		first := true
		return db.Update(ctx, func(tx store.Tx) error {
			attempts.Add(1)
			v, err := tx.Meta(ctx, from)
			if err != nil {
				return err
			}
			if first { // both have read before either writes
				first = false
				both.Done()
				both.Wait()
			}
			n, _ := strconv.Atoi(v)
			return tx.SetMeta(to, strconv.Itoa(n+1))
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- move("x", "y") }()
	go func() { errs <- move("y", "x") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("update not retried to success: %v", err)
		}
	}
	if attempts.Load() < 3 || db.Retries() < 1 {
		t.Fatalf("expected a serialisation failure and a retry: %d attempts, %d retries", attempts.Load(), db.Retries())
	}
	// Serial order: one saw the other's write, so one value is 1 and the other 2.
	x, _ := db.Meta(ctx, "x")
	y, _ := db.Meta(ctx, "y")
	if x+y != "12" && x+y != "21" {
		t.Fatalf("x = %s, y = %s: not a serial outcome", x, y)
	}
}

func TestUpdateRetryLimits(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for _, code := range []string{"40001", "40P01"} {
		n := 0
		err := db.Update(ctx, func(tx store.Tx) error {
			n++
			return &pgconn.PgError{Code: code, Message: "injected"}
		})
		var pe *pgconn.PgError
		if n != postgres.MaxAttempts || !errors.As(err, &pe) || pe.Code != code {
			t.Fatalf("%s: %d attempts, %v", code, n, err)
		}
	}
	n := 0
	err := db.Update(ctx, func(tx store.Tx) error {
		n++
		return &pgconn.PgError{Code: "23505", Message: "unique"}
	})
	if n != 1 || err == nil {
		t.Fatalf("a unique violation must not be retried: %d attempts, %v", n, err)
	}
	n = 0
	err = db.Update(ctx, func(tx store.Tx) error {
		n++
		if n < 3 {
			return &pgconn.PgError{Code: "40001"}
		}
		return tx.SetMeta("after", "retries")
	})
	if v, _ := db.Meta(ctx, "after"); err != nil || n != 3 || v != "retries" {
		t.Fatalf("retry then success: %d attempts, %v, %q", n, err, v)
	}
}

// flaky fails the first attempt of every transaction with a serialisation failure after its
// function ran to the end, so every transaction function of the importer runs twice, the first
// time rolled back.
type flaky struct {
	*postgres.DB
	injected atomic.Int64
}

func (f *flaky) Update(ctx context.Context, fn func(store.Tx) error) error {
	first := true
	return f.DB.Update(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if first {
			first = false
			f.injected.Add(1)
			return &pgconn.PgError{Code: "40001", Message: "injected serialisation failure"}
		}
		return nil
	})
}

// TestImportSurvivesRetries imports registry and penalty files (new subjects, versions,
// rejects resolved by a later file) through a store whose every transaction is rolled back and
// run again, and compares the result with a plain SQLite import: the importer's transaction
// functions are safe to rerun.
func TestImportSurvivesRetries(t *testing.T) {
	ctx := context.Background()
	pg := &flaky{DB: openTest(t)}
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	reg := registryRows(rng, 1, 200)
	pen := penaltyRows(rng, 300, 250)
	pen2 := [][]string{penaltyHeader}
	for i, r := range pen[1:] {
		r = append([]string(nil), r...)
		if i%3 == 0 {
			r[9], r[8] = "77", "罚款人民币77万元"
		}
		if i+1 == 53 || i+1 == 61 || i+1 == 106 { // the rows rejected before, fixed
			r[1], r[10] = uscc(2000+i), "2026-03-01"
		}
		pen2 = append(pen2, r)
	}
	files := []importFile{
		{"scjg", "enterprise_registration", writeCSV(t, dir, "reg.csv", reg)},
		{"scjg", "admin_penalty", writeCSV(t, dir, "pen.csv", pen)},
		{"scjg", "admin_penalty", writeCSV(t, dir, "pen2.csv", pen2)},
	}
	ims := []*ingest.Importer{newImporter(t, lite, 100), newImporter(t, pg, 100)}
	for _, f := range files {
		for _, im := range ims {
			if _, err := im.Import(ctx, ingest.Request{Dept: f.dept, Item: f.item, Path: f.path}); err != nil {
				t.Fatalf("import %s: %v", filepath.Base(f.path), err)
			}
		}
	}
	if pg.injected.Load() < 10 || pg.Retries() < pg.injected.Load() {
		t.Fatalf("injected %d failures, %d retries", pg.injected.Load(), pg.Retries())
	}
	sealer := ims[0].Sealer
	want := takeSnapshot(t, lite, sealer)
	var keys []string
	for k := range want.byKey {
		keys = append(keys, k)
	}
	got := snapshotOf(t, pg, sealer, keys)
	if want.subjects < 200 || want.records < 300 {
		t.Fatalf("test data too small: %d subjects, %d records", want.subjects, want.records)
	}
	compare(t, "counters", want.counters, got.counters)
	compare(t, "batches", want.batches, got.batches)
	compare(t, "rejects", want.rejects, got.rejects)
	compare(t, "record count", want.records, got.records)
	for key, s := range want.byKey {
		compare(t, "subject "+key, s, got.byKey[key])
	}
	// No subject exists in PostgreSQL that SQLite lacks (a rolled-back attempt left nothing).
	c, _ := pg.Counters(ctx)
	var n int64
	for _, k := range []string{store.CounterSubjectsLegal, store.CounterSubjectsPerson, store.CounterSubjectsOther} {
		n += c[k]
	}
	if n != int64(want.subjects) {
		t.Fatalf("postgres counts %d subjects, sqlite holds %d", n, want.subjects)
	}
}

// TestConcurrentImportsShareNewSubjects runs two imports at once (a registry file and a penalty
// file) that create the same new organisations. On PostgreSQL the second INSERT of a subject
// waits for the first transaction and then hits the unique key; the transaction is rerun and
// finds the subject. Both imports must finish, with every subject once.
func TestConcurrentImportsShareNewSubjects(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 8))
	reg := writeCSV(t, dir, "reg.csv", registryRows(rng, 1, 1501))
	pen := writeCSV(t, dir, "pen.csv", penaltyRows(rng, 3000, 1500))
	files := []importFile{{"scjg", "enterprise_registration", reg}, {"scjg", "admin_penalty", pen}}
	errs := make(chan error, 2)
	var ready sync.WaitGroup
	ready.Add(2)
	for _, f := range files {
		im := newImporter(t, db, 50)
		go func() {
			ready.Done()
			ready.Wait()
			_, err := im.Import(ctx, ingest.Request{Dept: f.dept, Item: f.item, Path: f.path})
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent import: %v", err)
		}
	}
	if db.Retries() == 0 {
		t.Skip("the two imports did not collide on this run: nothing was tested")
	}
	c, err := db.Counters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	db.CopyRead(ctx, func(r store.CopyReader) error {
		rows, err = r.Count("subjects")
		return err
	})
	if sum := c[store.CounterSubjectsLegal] + c[store.CounterSubjectsPerson] + c[store.CounterSubjectsOther]; sum != rows {
		t.Fatalf("counters say %d subjects, the table holds %d", sum, rows)
	}
	for n := 1; n <= 1500; n++ {
		if _, err := db.SubjectByKey(ctx, uscc(n)); err != nil {
			t.Fatalf("subject %d: %v", n, err)
		}
	}
	t.Logf("%d transactions rerun", db.Retries())
}
