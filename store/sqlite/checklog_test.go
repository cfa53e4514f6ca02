package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// journalGroupOf makes a group of n checks (every other one with a measure) and their
// query-log entries.
func journalGroupOf(n int, tag string) ([]*store.Check, []*store.QueryLog) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	var cs []*store.Check
	var qs []*store.QueryLog
	for i := range n {
		key := fmt.Sprintf("91%s%014d", tag, i)
		c := &store.Check{At: at, Actor: "clerk", Dept: "cz", Matter: "gov_procurement", SubjectKey: key, Found: i%3 == 0, Verdict: credit.VerdictPass}
		if i%2 == 0 {
			c.Verdict = credit.VerdictBlock
			c.Measures = []store.CheckMeasure{{Measure: "P01", Dept: "cz", Direction: credit.Direction("punish"), Effect: credit.Effect("block"),
				Mandatory: true, EntryID: int64(i + 1), List: "court_defaulter"}}
		}
		cs = append(cs, c)
		qs = append(qs, &store.QueryLog{At: at, Actor: "clerk", Dept: "cz", Purpose: "信用核查：" + tag, SubjectKey: key, Route: "/api/v1/checks",
			Returned: "check:" + string(c.Verdict), RemoteAddr: "127.0.0.1"})
	}
	return cs, qs
}

// openStore opens the store at path or fails the test.
func openStore(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// holdJournal keeps the journal from being moved into the tables until restored.
func holdJournal(t *testing.T) {
	every, at := ingestEvery, ingestAt
	ingestEvery, ingestAt = time.Hour, 1<<30
	t.Cleanup(func() { ingestEvery, ingestAt = every, at })
}

// abandon stops db as a crash would: nothing pending is moved in.
func abandon(t *testing.T, db *DB) {
	t.Helper()
	j := db.journal
	close(j.stop)
	<-j.done
	j.f.Close()
	db.journal = nil
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func countRows(t *testing.T, db *DB, table string) int {
	t.Helper()
	var n int
	if err := db.read.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestJournalRecoversAfterCrash: checks answered but not yet moved into the tables when the
// process dies are there after the next open, once each, with their ids, measures and
// query-log entries; a record torn by the crash is cut off; new checks get new ids.
func TestJournalRecoversAfterCrash(t *testing.T) {
	holdJournal(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "j.db")
	db := openStore(t, path)
	var all []*store.Check
	for g := range 5 {
		cs, qs := journalGroupOf(3+g, fmt.Sprint(g))
		if err := db.LogChecks(ctx, cs, qs); err != nil {
			t.Fatal(err)
		}
		all = append(all, cs...)
	}
	if n := countRows(t, db, "checks"); n != 0 {
		t.Fatalf("%d checks in the table before any move: the journal was to hold them", n)
	}
	j := db.journal
	last := j.fileName(j.gen)
	abandon(t, db)
	// A crash in the middle of the next append: a header promising more than follows.
	f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, 9, 9})
	f.Close()

	db = openStore(t, path)
	if n := countRows(t, db, "checks"); n != len(all) {
		t.Fatalf("%d checks after recovery, want %d", n, len(all))
	}
	for _, want := range all {
		got, err := db.Check(ctx, want.ID)
		if err != nil {
			t.Fatalf("check %d: %v", want.ID, err)
		}
		if got.SubjectKey != want.SubjectKey || got.Verdict != want.Verdict || len(got.Measures) != len(want.Measures) ||
			(len(want.Measures) > 0 && got.Measures[0].EntryID != want.Measures[0].EntryID) {
			t.Fatalf("check %d: got %+v, want %+v", want.ID, got, want)
		}
	}
	var logs int
	if err := db.QueryLogs(ctx, store.QueryLogFilter{}, func(*store.QueryLog) error { logs++; return nil }); err != nil || logs != len(all) {
		t.Fatalf("%d query-log entries (%v), want %d", logs, err, len(all))
	}
	// The recovered file is gone (its name may be the new journal's, empty but its header).
	if st, err := os.Stat(last); err == nil && st.Size() > int64(len(db.journal.header)) {
		t.Fatalf("the recovered journal file is still there (%d bytes)", st.Size())
	}
	cs, qs := journalGroupOf(2, "new")
	if err := db.LogChecks(ctx, cs, qs); err != nil {
		t.Fatal(err)
	}
	if cs[0].ID <= all[len(all)-1].ID {
		t.Fatalf("a new check got id %d, not after the recovered %d", cs[0].ID, all[len(all)-1].ID)
	}
	if err := db.Close(); err != nil { // a clean close moves the rest in
		t.Fatal(err)
	}
	db = openStore(t, path)
	defer db.Close()
	if n := countRows(t, db, "checks"); n != len(all)+2 {
		t.Fatalf("%d checks after a clean close and open, want %d", n, len(all)+2)
	}
}

// TestJournalReplayAddsOnlyMissing: recovery takes from a journal file only the groups the
// tables lack (a file holds groups already moved in until it is replaced).
func TestJournalReplayAddsOnlyMissing(t *testing.T) {
	holdJournal(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "j.db")
	db := openStore(t, path)
	c1, q1 := journalGroupOf(4, "a")
	if err := db.LogChecks(ctx, c1, q1); err != nil {
		t.Fatal(err)
	}
	if err := db.settle(ctx); err != nil {
		t.Fatal(err)
	}
	c2, q2 := journalGroupOf(3, "b")
	if err := db.LogChecks(ctx, c2, q2); err != nil {
		t.Fatal(err)
	}
	abandon(t, db) // the file holds both groups; the tables have the first
	db = openStore(t, path)
	defer db.Close()
	if n, q := countRows(t, db, "checks"), countRows(t, db, "query_log"); n != 7 || q != 7 {
		t.Fatalf("%d checks and %d query-log entries after the replay, want 7 and 7", n, q)
	}
}

// TestJournalLeavesForeignFiles: a journal file another database left at the same path (its
// header names another token) is neither read nor removed nor overwritten.
func TestJournalLeavesForeignFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	foreign := path + "-checklog.7"
	body := append(journalHeader("0123456789abcdef"), appendRecord(nil, []*store.Check{{ID: 1, Actor: "x"}}, nil)...)
	if err := os.WriteFile(foreign, body, 0o600); err != nil {
		t.Fatal(err)
	}
	db := openStore(t, path)
	if db.journal.gen <= 7 {
		t.Fatalf("journal generation %d: would reuse the foreign file's name", db.journal.gen)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(foreign); err != nil || !reflect.DeepEqual(got, body) {
		t.Fatalf("foreign journal changed or removed: %v", err)
	}
	if files, _ := filepath.Glob(path + "-checklog.*"); len(files) != 1 {
		t.Fatalf("after a clean close: %v, want only the foreign file", files)
	}
	db = openStore(t, path)
	defer db.Close()
	if n := countRows(t, db, "checks"); n != 0 {
		t.Fatalf("%d checks taken from a foreign journal", n)
	}
}

// TestJournalMovesRotatesAndSharesIDs: checks logged through the journal while batch
// verification inserts checks in its own transactions all get distinct ids; the journal is
// moved in and replaced as it grows, and old files go.
func TestJournalMovesRotatesAndSharesIDs(t *testing.T) {
	every, at, rot := ingestEvery, ingestAt, rotateBytes
	ingestEvery, ingestAt, rotateBytes = 2*time.Millisecond, 16, 2048
	defer func() { ingestEvery, ingestAt, rotateBytes = every, at, rot }()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "j.db")
	db := openStore(t, path)
	defer db.Close()
	start := db.journal.gen
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 100 {
			cs, qs := journalGroupOf(3, fmt.Sprint(i))
			if err := db.LogChecks(ctx, cs, qs); err != nil {
				errs <- err
				return
			}
			if i%10 == 9 { // as a statistics page would: everything so far moved in
				if err := db.settle(ctx); err != nil {
					errs <- err
					return
				}
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range 30 {
			cs, _ := journalGroupOf(2, fmt.Sprint(i))
			if err := db.Update(ctx, func(tx store.Tx) error { return tx.InsertChecks(cs) }); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := db.settle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, "checks"); n != 360 {
		t.Fatalf("%d checks, want 360 (ids must not collide)", n)
	}
	if db.journal.gen < start+2 {
		t.Fatalf("journal generation %d from %d: never replaced", db.journal.gen, start)
	}
	files, _ := filepath.Glob(path + "-checklog.*")
	if len(files) > 2 {
		t.Fatalf("old journal files left: %v", files)
	}
}

// TestJournalTwoProcesses: two stores open on one database (the server and a command beside
// it) keep journals of their own: the second does not take the first's live file, their
// checks get distinct ids, and everything is in the tables once after both stop — one of them
// by a crash.
func TestJournalTwoProcesses(t *testing.T) {
	holdJournal(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "j.db")
	a := openStore(t, path)
	ca, qa := journalGroupOf(5, "a")
	if err := a.LogChecks(ctx, ca, qa); err != nil {
		t.Fatal(err)
	}
	b := openStore(t, path)
	if _, err := os.Stat(a.journal.fileName(a.journal.gen)); err != nil {
		t.Fatalf("the second store took the first's live journal: %v", err)
	}
	if n := countRows(t, b, "checks"); n != 0 {
		t.Fatalf("the second store moved in %d of the first's pending checks", n)
	}
	cb, qb := journalGroupOf(4, "b")
	if err := b.LogChecks(ctx, cb, qb); err != nil {
		t.Fatal(err)
	}
	cv, _ := journalGroupOf(3, "v") // batch verification's checks, in a transaction of b
	if err := b.Update(ctx, func(tx store.Tx) error { return tx.InsertChecks(cv) }); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, c := range append(append(ca, cb...), cv...) {
		if seen[c.ID] {
			t.Fatalf("id %d given twice", c.ID)
		}
		// A process that logs a few checks reserves a small block (64), not thousands.
		if c.ID > 200 {
			t.Fatalf("check id %d for the 12th check: blocks too large", c.ID)
		}
		seen[c.ID] = true
	}
	abandon(t, a) // crashes with its checks pending
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	db := openStore(t, path)
	defer db.Close()
	if n := countRows(t, db, "checks"); n != 12 {
		t.Fatalf("%d checks after both stopped, want 12", n)
	}
}

// FuzzDecodeGroup: any bytes decode to a group or an error, never a panic; what decodes
// survives encoding and decoding again.
func FuzzDecodeGroup(f *testing.F) {
	cs, qs := journalGroupOf(3, "f")
	for i, c := range cs {
		c.ID = int64(i + 1)
	}
	f.Add(encodeGroup(nil, cs, qs))
	f.Add(encodeGroup(nil, nil, nil))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, qs, err := decodeGroup(b)
		if err != nil {
			return
		}
		cs2, qs2, err := decodeGroup(encodeGroup(nil, cs, qs))
		if err != nil || !reflect.DeepEqual(cs2, cs) || !reflect.DeepEqual(qs2, qs) {
			t.Fatalf("%x decoded, encoded and decoded again differs: %v", b, err)
		}
	})
}
