package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/postgres"
)

// A load into PostgreSQL that loses its server connection, or whose statement the server
// refuses, stops with an error and leaves only whole chunks behind; running the same file again
// resumes after the last committed chunk and ends with every row stored exactly once.

const (
	resumeRows  = 60_000
	resumeChunk = 500
	resumeBad   = 97 // every 97th row has a wrong check character and is rejected
)

// resumeFile writes resumeRows penalties with unique source ids: enterprises by unified code,
// every 13th about a natural person, every resumeBad-th with a bad code. It returns the path and
// how many rows are valid and rejected.
func resumeFile(t *testing.T) (path string, valid, rejected int) {
	t.Helper()
	rows := [][]string{penaltyHeader}
	for i := 1; i <= resumeRows; i++ {
		e := 1 + i%15_000
		code, name := uscc(e), "威海某某有限公司"
		switch {
		case i%resumeBad == 0:
			code = badUSCC(e)
			rejected++
		case i%13 == 0:
			code, name = residentID(i), "张三"
		}
		date := fmt.Sprintf("2026-%02d-%02d", 1+i%10, 1+i%28)
		rows = append(rows, penalty(fmt.Sprintf("P%d", i), code, name, date, fmt.Sprint(1+i%20)))
	}
	return writeCSV(t, t.TempDir(), "pen.csv", rows), resumeRows - rejected, rejected
}

// withParam returns dsn with one more connection parameter, for both DSN forms pgx reads.
func withParam(t testing.TB, dsn, key, value string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set(key, value)
		// Spaces as %20: pgx does not read "+" as a space.
		u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
		return u.String()
	}
	return dsn + " " + key + "='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value) + "'"
}

// resumeEnv is one test's fresh schema, the DSN the importer uses (with an application name
// of its own, so its connections can be found in pg_stat_activity) and an admin connection.
type resumeEnv struct {
	dsn     string // the fresh schema
	appName string
	admin   *pgx.Conn
}

func newResumeEnv(t *testing.T) *resumeEnv {
	t.Helper()
	dsn := freshSchema(t)
	b := make([]byte, 4)
	rand.Read(b)
	e := &resumeEnv{dsn: dsn, appName: "xinyong_resume_test_" + hex.EncodeToString(b)}
	admin, err := pgx.Connect(context.Background(), withParam(t, dsn, "application_name", "xinyong_resume_admin"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	e.admin = admin
	return e
}

// importerDSN is the DSN of the importer's store, with extra parameters as key, value pairs.
func (e *resumeEnv) importerDSN(t *testing.T, kv ...string) string {
	dsn := withParam(t, e.dsn, "application_name", e.appName)
	for i := 0; i+1 < len(kv); i += 2 {
		dsn = withParam(t, dsn, kv[i], kv[i+1])
	}
	return dsn
}

func (e *resumeEnv) open(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// terminate ends the importer's server processes — only those inside a transaction when inTx
// is set — and returns what they were doing.
func (e *resumeEnv) terminate(t *testing.T, inTx bool) []string {
	t.Helper()
	ctx := context.Background()
	// Choose first, then end by pid: in one statement the planner may call pg_terminate_backend
	// before the other conditions and end backends that are not the importer's.
	type victim struct {
		PID  int32
		What string
	}
	rows, err := e.admin.Query(ctx, `SELECT pid, state || coalesce(': ' || left(query, 40), '') FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()
			AND (NOT $2 OR xact_start IS NOT NULL)`, e.appName, inTx)
	if err != nil {
		t.Fatal(err)
	}
	victims, err := pgx.CollectRows(rows, pgx.RowToStructByPos[victim])
	if err != nil {
		t.Fatal(err)
	}
	var ended []string
	for _, v := range victims {
		var ok bool
		if err := e.admin.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, v.PID).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		if ok {
			ended = append(ended, v.What)
		}
	}
	return ended
}

func (e *resumeEnv) count(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.admin.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// onlyBatch returns the one batch of the store.
func onlyBatch(t *testing.T, st store.Store) *store.Batch {
	t.Helper()
	bs, err := st.Batches(context.Background(), store.BatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 {
		t.Fatalf("%d batches, want 1: %+v", len(bs), bs)
	}
	return bs[0]
}

// waitCheckpoint polls the batch through its own store handle until its checkpoint passes
// after, i.e. until this run has committed a chunk.
func waitCheckpoint(t *testing.T, watch store.Store, done <-chan importOutcome, after int) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case out := <-done:
			t.Fatalf("the import ended before it could be interrupted: %+v, %v", out.res, out.err)
		default:
		}
		bs, err := watch.Batches(context.Background(), store.BatchFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) == 1 && bs[0].Checkpoint > after {
			return bs[0].Checkpoint
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("no chunk committed within 15s")
	return 0
}

type importOutcome struct {
	res *ingest.Result
	err error
}

// startImport runs the import in a goroutine. Each committed chunk pauses a little, so the
// load lasts long enough to be interrupted on any machine.
func startImport(t *testing.T, st store.Store, path string) <-chan importOutcome {
	im := newImporter(t, st, resumeChunk)
	im.Progress = func(ingest.Progress) { time.Sleep(3 * time.Millisecond) }
	done := make(chan importOutcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- importOutcome{err: fmt.Errorf("panic: %v", p)}
			}
		}()
		res, err := im.Import(context.Background(), ingest.Request{Dept: "scjg", Item: "admin_penalty", Path: path})
		done <- importOutcome{res, err}
	}()
	return done
}

// checkWhole checks that what an interrupted import left is whole chunks: the records, rejects
// and counters are exactly what the batch's checkpoint says, and the batch can be resumed.
func checkWhole(t *testing.T, e *resumeEnv, st store.Store) *store.Batch {
	t.Helper()
	b := onlyBatch(t, st)
	if b.Status != store.BatchRunning {
		t.Fatalf("an interrupted batch is %q, want %q (resumable): %+v", b.Status, store.BatchRunning, b)
	}
	if b.Checkpoint <= 1 || b.Rows != int64(b.Checkpoint-1) || b.Rows >= resumeRows {
		t.Fatalf("checkpoint %d, rows %d: not a partial load", b.Checkpoint, b.Rows)
	}
	// Data rows are numbered from 2 (the header is row 1).
	wantRejected := int64(0)
	for i := 1; i <= b.Checkpoint-1; i++ {
		if i%resumeBad == 0 {
			wantRejected++
		}
	}
	if b.Rejected != wantRejected || b.Accepted != b.Rows-b.Rejected || b.Versions != 0 || b.Unchanged != 0 {
		t.Fatalf("batch counts do not match its checkpoint %d (rejected want %d): %+v", b.Checkpoint, wantRejected, b)
	}
	if n := e.count(t, `SELECT count(*) FROM records`); n != b.Accepted {
		t.Fatalf("%d records stored, the batch accepted %d: half a chunk was written", n, b.Accepted)
	}
	if n := e.count(t, `SELECT count(*) FROM records WHERE (substr(source_id, 2))::int > $1 - 1`, b.Checkpoint); n != 0 {
		t.Fatalf("%d records after the checkpoint %d", n, b.Checkpoint)
	}
	if n := e.count(t, `SELECT count(*) FROM rejects`); n != b.Rejected {
		t.Fatalf("%d rejects stored, the batch rejected %d", n, b.Rejected)
	}
	c, err := st.Counters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c[store.CounterRecords] != b.Accepted {
		t.Fatalf("records counter %d, the batch accepted %d", c[store.CounterRecords], b.Accepted)
	}
	checkSubjectCounters(t, e, c)
	return b
}

func checkSubjectCounters(t *testing.T, e *resumeEnv, c map[string]int64) {
	t.Helper()
	subjects := e.count(t, `SELECT count(*) FROM subjects`)
	if sum := c[store.CounterSubjectsLegal] + c[store.CounterSubjectsPerson] + c[store.CounterSubjectsOther]; sum != subjects {
		t.Fatalf("subject counters add up to %d, %d subjects stored", sum, subjects)
	}
}

// resumeAndCheck runs the same file again on a new store handle and checks the end state.
func resumeAndCheck(t *testing.T, e *resumeEnv, path string, valid, rejected int, before *store.Batch) {
	t.Helper()
	st := e.open(t, e.importerDSN(t))
	res, err := newImporter(t, st, resumeChunk).Import(context.Background(),
		ingest.Request{Dept: "scjg", Item: "admin_penalty", Path: path})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if !res.Resumed || res.Repeat || res.ResumedFrom != before.Checkpoint || res.RowsBefore != before.Rows {
		t.Fatalf("resume: resumed %v repeat %v from %d (want %d) rows before %d (want %d)",
			res.Resumed, res.Repeat, res.ResumedFrom, before.Checkpoint, res.RowsBefore, before.Rows)
	}
	b := onlyBatch(t, st)
	if b.ID != before.ID || b.Status != store.BatchDone || b.Rows != resumeRows || b.Accepted != int64(valid) ||
		b.Rejected != int64(rejected) || b.Versions != 0 || b.Unchanged != 0 || b.Checkpoint != resumeRows+1 {
		t.Fatalf("after resume: %+v; want %d rows, %d accepted, %d rejected", b, resumeRows, valid, rejected)
	}
	c, err := st.Counters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c[store.CounterRecords] != int64(valid) || c[store.CounterRecordsPrefix+"admin_penalty"] != int64(valid) {
		t.Fatalf("records counters %d / %d, want %d", c[store.CounterRecords], c[store.CounterRecordsPrefix+"admin_penalty"], valid)
	}
	checkSubjectCounters(t, e, c)
	for what, q := range map[string]string{
		"records":                  `SELECT count(*) FROM records`,
		"distinct source ids":      `SELECT count(DISTINCT source_id) FROM records`,
		"records of the batch, v1": `SELECT count(*) FROM records WHERE version = 1 AND status = 'active' AND batch_id = ` + fmt.Sprint(b.ID),
	} {
		if n := e.count(t, q); n != int64(valid) {
			t.Fatalf("%s: %d, want %d", what, n, valid)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM (SELECT 1 FROM records GROUP BY dept, item, source_id HAVING count(*) > 1) d`); n != 0 {
		t.Fatalf("%d (dept, item, source_id) stored more than once", n)
	}
	if n := e.count(t, `SELECT count(*) FROM rejects`); n != int64(rejected) {
		t.Fatalf("%d rejects stored, want %d", n, rejected)
	}
	if n := e.count(t, `SELECT count(DISTINCT row_num) FROM rejects WHERE (row_num - 1) % $1 = 0`, resumeBad); n != int64(rejected) {
		t.Fatalf("%d of the bad rows kept as rejects, want %d", n, rejected)
	}
	// Sending the file once more changes nothing.
	res, err = newImporter(t, st, resumeChunk).Import(context.Background(), ingest.Request{Dept: "scjg", Item: "admin_penalty", Path: path})
	if err != nil || !res.Repeat {
		t.Fatalf("the same file again: repeat %v, %v", res != nil && res.Repeat, err)
	}
	if n := e.count(t, `SELECT count(*) FROM records`); n != int64(valid) {
		t.Fatalf("after a repeat: %d records, want %d", n, valid)
	}
}

// TestResumeAfterDroppedConnection terminates the importer's server connections in the middle
// of a load, twice; the third run finishes the batch.
func TestResumeAfterDroppedConnection(t *testing.T) {
	e := newResumeEnv(t)
	path, valid, rejected := resumeFile(t)
	watch := e.open(t, withParam(t, e.dsn, "application_name", "xinyong_resume_watch"))

	var before *store.Batch
	for round := 1; round <= 2; round++ {
		st := e.open(t, e.importerDSN(t))
		done := startImport(t, st, path)
		after := 0
		if before != nil {
			after = before.Checkpoint
		}
		from := waitCheckpoint(t, watch, done, after)
		// Keep ending the importer's connections until the import gives up: a new one from the
		// pool is ended too. The first round ends them wherever they are (often idle between
		// two chunks), the second only inside a transaction (a chunk half sent).
		var out importOutcome
		var ended []string
		timeout := time.After(15 * time.Second)
	kill:
		for {
			ended = append(ended, e.terminate(t, round == 2)...)
			select {
			case out = <-done:
				break kill
			case <-timeout:
				t.Fatal("the import did not return within 15s of losing its connection")
			case <-time.After(2 * time.Millisecond):
			}
		}
		if out.err == nil {
			t.Fatalf("round %d: the import succeeded although its connections were ended (%q)", round, ended)
		}
		if strings.HasPrefix(out.err.Error(), "panic") {
			t.Fatalf("round %d: %v", round, out.err)
		}
		t.Logf("round %d: checkpoint %d when killed; ended %q; error: %v", round, from, ended, out.err)
		if !clearConnError(out.err) {
			t.Fatalf("round %d: the error does not say the connection was lost: %v", round, out.err)
		}
		st.Close()
		b := checkWhole(t, e, watch)
		if before != nil && b.Checkpoint <= before.Checkpoint {
			t.Fatalf("round %d made no progress: checkpoint %d", round, b.Checkpoint)
		}
		before = b
	}
	resumeAndCheck(t, e, path, valid, rejected, before)
}

// clearConnError reports whether err says, in words an operator understands, that the
// database connection went away.
func clearConnError(err error) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"terminating connection", "administrator command", "conn closed", "connection reset", "broken pipe", "eof", "57p01", "closed network connection", "connection refused"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// TestResumeAfterLockTimeout makes a chunk fail on the server: another session takes the records
// table, the importer's next write waits past its lock_timeout and the server cancels it.
func TestResumeAfterLockTimeout(t *testing.T) {
	e := newResumeEnv(t)
	path, valid, rejected := resumeFile(t)
	watch := e.open(t, withParam(t, e.dsn, "application_name", "xinyong_resume_watch"))
	st := e.open(t, e.importerDSN(t, "options", "-c lock_timeout=300ms"))
	done := startImport(t, st, path)
	from := waitCheckpoint(t, watch, done, 0)

	ctx := context.Background()
	locker, err := pgx.Connect(ctx, withParam(t, e.dsn, "application_name", "xinyong_resume_locker"))
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	ltx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ltx.Exec(ctx, `SET LOCAL lock_timeout = '10s'`); err != nil {
		t.Fatal(err)
	}
	if _, err := ltx.Exec(ctx, `LOCK TABLE records IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	var out importOutcome
	select {
	case out = <-done:
	case <-time.After(15 * time.Second):
		ltx.Rollback(ctx)
		t.Fatal("the import did not return within 15s of the table being locked")
	}
	if err := ltx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if out.err == nil {
		t.Fatal("the import succeeded although the records table was locked")
	}
	t.Logf("checkpoint %d when locked; error: %v", from, out.err)
	if msg := out.err.Error(); !strings.Contains(msg, "lock timeout") || !strings.Contains(msg, "55P03") {
		t.Fatalf("the error does not say a lock timed out: %v", out.err)
	}
	before := checkWhole(t, e, watch)
	resumeAndCheck(t, e, path, valid, rejected, before)
}
