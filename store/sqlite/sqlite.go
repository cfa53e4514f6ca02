// Package sqlite is the embedded store (pure Go SQLite, WAL): the zero-setup default for the
// demo and for a county-sized platform. SQLite has one writer, so the store keeps one writer
// connection (immediate transactions, busy timeout) and a pool of readers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/listsql"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the SQLite store.
type DB struct {
	path  string
	write *sql.DB
	read  *sql.DB
	reader
	// checkpointer copies the WAL into the database file in the background (nil in memory).
	checkpointer *sql.DB
	stopCkpt     chan struct{}
	ckptDone     chan struct{}
	files        walFiles     // the checkpointer's descriptors for flushing
	restarts     atomic.Int64 // WAL restarts by the checkpointer
	// fixed holds statements prepared once on the writer connection, for the writes that run
	// in many small transactions (the window checks' group commit): parsing them in every
	// transaction was a fifth of its cost. Read-only after Open.
	fixed map[string]*sql.Stmt
	// journal holds the window checks' log until it is in the tables (checklog.go); nil in
	// memory.
	journal *checkJournal
	// background is held by the checkpointer's rounds and the journal's moves, so that the
	// store's background work takes one core at most: overlapping, the two took both cores
	// for tens of milliseconds and the window checks' answers waited.
	background sync.Mutex
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if needed) the database at path and applies pending migrations.
// path ":memory:" gives a private in-memory database (tests).
func Open(ctx context.Context, path string) (*DB, error) {
	opened.Store(true) // no page cache can be reserved from now on (pageslab.go)
	var wdsn, rdsn, cdsn string
	if path == ":memory:" {
		// A shared-cache in-memory database, unique per Open, so readers see the writer's data.
		name := fmt.Sprintf("mem%d", memSeq.Add())
		wdsn = "file:" + name + "?mode=memory&cache=shared&_txlock=immediate&_pragma=busy_timeout(10000)"
		rdsn = wdsn
	} else {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
		}
		// Create the file private (it holds sealed personal data and the audit of imports).
		// #nosec G304 -- the database path is the operator's configuration (--db, XINYONG_DB)
		if f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
			f.Close()
		}
		u := "file:" + (&url.URL{Path: path}).EscapedPath()
		// The WAL is checkpointed by a connection of its own in the background (checkpointLoop),
		// so no commit waits for a checkpoint's copy and fsync: a window check's answer waits for
		// its commit, and a checkpoint inside that commit was its p99. The writer still
		// checkpoints by itself past 256 MiB (65536 pages), should the background one fall
		// behind. The page caches' sizes follow the reserved slab (pageslab.go, writerCacheKiB).
		prag := "&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)"
		wdsn = u + "?_txlock=immediate" + prag + fmt.Sprintf("&_pragma=cache_size(-%d)", writerCacheKiB()) + "&_pragma=wal_autocheckpoint(65536)"
		rdsn = u + "?mode=ro" + prag + fmt.Sprintf("&_pragma=cache_size(-%d)", readerCacheKiB) + "&_pragma=query_only(1)"
		// The checkpointer's busy timeout is short (20 ms): see checkpointLoop.
		cdsn = u + "?" + strings.TrimPrefix(strings.Replace(prag, "busy_timeout(10000)", "busy_timeout(20)", 1), "&") + fmt.Sprintf("&_pragma=cache_size(-%d)", checkpointerCacheKiB)
	}
	w, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db := &DB{path: path, write: w}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := db.prepareFixed(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", rdsn)
	if err != nil {
		w.Close()
		return nil, err
	}
	n := readerConns()
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.read = r
	cache := &stmtCache{db: r}
	db.reader = reader{q: preparedReader{db: r, cache: cache}, Reader: listsql.Reader{DB: listDB{q: r, prep: cache.prepare}, Pool: true}}
	if cdsn != "" {
		c, err := sql.Open("sqlite", cdsn)
		if err != nil {
			r.Close()
			w.Close()
			return nil, err
		}
		c.SetMaxOpenConns(1)
		db.checkpointer, db.stopCkpt, db.ckptDone = c, make(chan struct{}), make(chan struct{})
		go db.checkpointLoop(checkpointEvery)
		if err := db.openJournal(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// prepareFixed prepares the writer's fixed statements (DB.fixed).
func (db *DB) prepareFixed(ctx context.Context) error {
	db.fixed = map[string]*sql.Stmt{}
	for _, q := range append(listsql.LogInsertTexts(), nextIDQuery("checks")) {
		s, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		db.fixed[q] = s
	}
	return nil
}

// checkpointEvery is how often the background checkpointer runs, and restartFrames the WAL
// length (in 4 KiB frames: 64 MiB) past which it also starts the WAL over. Variables so that
// a test can shrink them.
var (
	checkpointEvery = 250 * time.Millisecond
	restartFrames   = 16384
)

// checkpointLoop keeps the WAL short without holding up commits.
//
// Every interval a PASSIVE checkpoint copies committed frames into the database file (it
// waits for no reader and no writer), and the file is flushed to disk from a descriptor of
// the store's own, outside SQLite's locks. A PASSIVE checkpoint never starts the WAL over,
// though: SQLite rewinds it only when a write begins while every frame is copied and no reader
// is using any, which a steady stream of window checks (a commit every few milliseconds,
// reads in between) never gives. The WAL then grew to the writer's own checkpoint threshold,
// and the commit that crossed it restarted the WAL itself and took about 200 ms — the p99 of
// a paced load. So once the WAL is past restartFrames and copied, the checkpointer copies and
// flushes what was committed meanwhile and then asks for a RESTART checkpoint. That one takes
// the write lock between two commits, waits at most the connection's short busy timeout for
// readers of older snapshots (a long report query makes it give up until the next round
// rather than hold the writers back), flushes what little is left and rewinds the WAL. The
// flushes beforehand are what keep it short: without them the RESTART's own flush of the
// database file took 80–130 ms with the write lock held; with them, a few milliseconds.
//
// Errors (a busy database) are left for the next round. The flushes add durability work, they
// take none away: SQLite still flushes as synchronous=NORMAL says.
func (db *DB) checkpointLoop(every time.Duration) {
	defer close(db.ckptDone)
	t := time.NewTicker(every)
	defer t.Stop()
	passive := func() (frames, copied int, ok bool) {
		var busy int
		err := db.checkpointer.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
		return frames, copied, err == nil
	}
	var lastFrames, lastCopied int
	for {
		select {
		case <-db.stopCkpt:
			return
		case <-t.C:
			db.background.Lock()
			db.checkpointRound(passive, &lastFrames, &lastCopied)
			db.background.Unlock()
		}
	}
}

// checkpointRound is one round of checkpointLoop.
func (db *DB) checkpointRound(passive func() (int, int, bool), lastFrames, lastCopied *int) {
	frames, copied, ok := passive()
	// Nothing copied since the last round (an idle store): nothing to flush.
	if !ok || copied == 0 || (frames == *lastFrames && copied == *lastCopied) {
		return
	}
	*lastFrames, *lastCopied = frames, copied
	db.files.sync(db.path)
	if frames < restartFrames || copied < frames {
		return
	}
	if _, _, ok := passive(); !ok {
		return
	}
	db.files.sync(db.path)
	db.files.syncWAL(db.path)
	if _, err := db.checkpointer.Exec(`PRAGMA wal_checkpoint(RESTART)`); err == nil {
		db.restarts.Add(1)
	}
}

// walFiles holds descriptors of the database file and of its WAL, for the checkpointer's
// flushes. They are opened once and closed only after every connection (Close): closing any
// descriptor of a SQLite database file releases all of the process's POSIX locks on it.
type walFiles struct {
	db, wal *os.File
}

// sync flushes the database file to disk.
func (f *walFiles) sync(path string) {
	if f.db == nil {
		f.db, _ = os.OpenFile(path, os.O_RDWR, 0) // #nosec G304 -- the store's own database file
	}
	if f.db != nil {
		_ = f.db.Sync()
	}
}

// syncWAL flushes the WAL file to disk.
func (f *walFiles) syncWAL(path string) {
	if f.wal == nil {
		f.wal, _ = os.OpenFile(path+"-wal", os.O_RDWR, 0) // #nosec G304 -- the store's own WAL file
	}
	if f.wal != nil {
		_ = f.wal.Sync()
	}
}

func (f *walFiles) close() {
	for _, x := range []*os.File{f.db, f.wal} {
		if x != nil {
			x.Close()
		}
	}
}

type seq struct {
	mu sync.Mutex
	n  int
}

func (s *seq) Add() int { s.mu.Lock(); defer s.mu.Unlock(); s.n++; return s.n }

var memSeq seq

// Path returns the database file path.
func (db *DB) Path() string { return db.path }

// Close moves the check journal into the tables, stops the checkpointer and closes the
// connection pools.
func (db *DB) Close() error {
	jerr := db.closeJournal()
	if db.checkpointer != nil {
		close(db.stopCkpt)
		<-db.ckptDone
		db.checkpointer.Close()
	}
	for _, s := range db.fixed {
		s.Close()
	}
	err := db.read.Close()
	if err2 := db.write.Close(); err == nil {
		err = err2
	}
	db.files.close() // after every connection: see walFiles
	if jerr != nil {
		return jerr
	}
	return err
}

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: bad name", name)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = db.Update(ctx, func(t store.Tx) error {
			tx := t.(*tx)
			var n int
			if err := tx.sq.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, v).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.sq.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			_, err := tx.sq.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, time.Now().Unix())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Update runs fn in one immediate (write-locking) transaction. The transaction first moves
// the check journal's pending groups into the tables (checklog.go), so fn reads every check
// logged so far.
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) (err error) {
	sq, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &tx{db: db, sq: sq, ctx: ctx}
	ldb := listDB{q: sq, prep: func(_ context.Context, q string) (*sql.Stmt, error) { return t.stmt(q) }}
	if db.journal != nil {
		ldb.checkIDs = func(n int) ([]int64, error) { return checkIDsIn(t, n) }
	}
	t.reader = reader{q: sq, Reader: listsql.Reader{DB: ldb}}
	t.Tx = listsql.Tx{DB: ldb, Ctx: ctx}
	var moved moveState
	j := db.journal
	locked := false
	// done ends a move: it takes effect only if the transaction committed.
	done := func(committed bool) {
		if locked {
			if committed {
				j.ingested(moved)
			}
			j.moving.Unlock()
		}
	}
	defer func() {
		if p := recover(); p != nil {
			sq.Rollback()
			done(false)
			panic(p)
		}
	}()
	if j != nil {
		j.moving.Lock()
		locked = true
		if moved, err = j.ingest(t); err != nil {
			sq.Rollback()
			done(false)
			return db.spaceError(fmt.Errorf("check journal: %w", err))
		}
	}
	if err := fn(t); err != nil {
		sq.Rollback()
		done(false)
		return db.spaceError(err)
	}
	if err := t.flushNames(); err != nil {
		sq.Rollback()
		done(false)
		return db.spaceError(err)
	}
	if err := sq.Commit(); err != nil {
		done(false)
		return db.spaceError(fmt.Errorf("commit: %w", err))
	}
	done(true)
	return nil
}

// Backup writes a consistent copy of the database to path while it keeps serving (VACUUM INTO
// reads one snapshot; writers go on meanwhile). It needs a connection of its own: the reader
// pool is query-only, and the writer must stay free.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.path == ":memory:" {
		return credit.Errorf(credit.EINVALID, "内存数据库无法备份 / an in-memory database cannot be backed up")
	}
	if _, err := os.Stat(path); err == nil {
		return credit.Errorf(credit.ECONFLICT, "备份文件已存在 / backup file exists: %s", path)
	}
	if err := db.settle(ctx); err != nil { // the checks still in the journal too
		return err
	}
	u := "file:" + (&url.URL{Path: db.path}).EscapedPath() + "?mode=ro&_pragma=busy_timeout(10000)"
	c, err := sql.Open("sqlite", u)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path) // never leave a partial backup behind
		return fmt.Errorf("backup: %w", err)
	}
	return os.Chmod(path, 0o600)
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}

func notFound(zh, en string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return credit.Errorf(credit.ENOTFOUND, "未找到%s / %s not found", zh, en)
	}
	return err
}
