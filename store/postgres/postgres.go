// Package postgres is the production store: PostgreSQL through pgx, COPY for bulk loads and a
// narrow gram table with a GIN index for partial-name search (search.go). It passes the same contract (store/storetest) as the
// embedded SQLite store, so the services above cannot tell them apart.
//
// The SQL stays within what PostgreSQL-wire distributed engines (CockroachDB, YugabyteDB,
// Citus) also run: plain tables and indexes, no triggers, no functions of our own. The few
// PostgreSQL-only spots (the migration lock, pg_trgm, planner settings and statistics in
// search.go) are marked where they are.
//
// Backups are the operator's: pg_dump, or the server's own base backups and WAL archiving.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/listsql"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the PostgreSQL store.
type DB struct {
	pool     *pgxpool.Pool
	retries  atomic.Int64
	checkIDs idBlock
	reader
}

var _ store.Store = (*DB)(nil)

// Open connects to the database named by dsn (a postgres:// URL or key=value string, as libpq
// takes) and applies pending migrations. Tables go to the first schema of the connection's
// search_path, which may be set in the DSN (…&search_path=xinyong,public).
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx leaves the password out of its parse errors.
		return nil, credit.Errorf(credit.EINVALID, "PostgreSQL 连接串无效 / invalid PostgreSQL DSN: %v", err)
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "xinyong"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("连接 PostgreSQL 失败 / cannot connect to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("连接 PostgreSQL 失败 / cannot connect to PostgreSQL: %w", err)
	}
	if err := checkSchema(ctx, pool, cfg.ConnConfig.RuntimeParams["search_path"]); err != nil {
		pool.Close()
		return nil, err
	}
	db := &DB{pool: pool, reader: reader{q: pool, grams: &gramStats{}, Reader: listsql.Reader{DB: listDB{q: pool}, Pool: true}}}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// checkSchema refuses a search_path whose first schema does not exist. PostgreSQL would skip it
// and create the store's tables in the next one (usually public), mixed with whatever is there.
func checkSchema(ctx context.Context, pool *pgxpool.Pool, searchPath string) error {
	first, _, _ := strings.Cut(searchPath, ",")
	first = strings.TrimSpace(first)
	if first == "" || first == "$user" || first == `"$user"` {
		return nil
	}
	name := strings.ToLower(first)
	if len(first) >= 2 && first[0] == '"' && first[len(first)-1] == '"' {
		name = strings.ReplaceAll(first[1:len(first)-1], `""`, `"`)
	}
	var ok bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, name).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return credit.Errorf(credit.EINVALID, "search_path 的第一个模式 %q 不存在，请先创建（CREATE SCHEMA）/ the first schema of search_path, %q, does not exist: create it first (CREATE SCHEMA)", name, name)
	}
	return nil
}

// Close closes the connection pool. It may be called more than once.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// migrateLock is the advisory lock key ("xinyong" in ASCII) that serialises migrations.
const migrateLock int64 = 0x78696e796f6e67

// migrate applies the embedded migrations not yet recorded in schema_migrations, each in its own
// transaction. Every transaction first takes a transaction-scoped advisory lock, so processes
// starting at once apply each migration once and never race on CREATE EXTENSION or CREATE TABLE.
// The lock is database-wide (every schema waits for it), which is what the one CREATE EXTENSION
// needs. CockroachDB has no advisory locks: there, run `xinyong migrate` from one process before
// starting the others.
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: bad name", name)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)`); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, v).Scan(&n); err != nil || n > 0 {
				return err
			}
			// Without arguments pgx sends the file as one simple query, so it may hold many statements.
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, v)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// Update runs fn in one transaction at the server's default isolation (read committed unless the
// DSN or the server sets default_transaction_isolation; CockroachDB and YugabyteDB run
// serializable). A serialisation failure (SQLSTATE 40001) or a deadlock (40P01), whether from a
// statement in fn or from the commit, rolls back and runs fn again, up to MaxAttempts times in
// all, after a jittered, doubling pause. fn must therefore be safe to run more than once: it may
// change only what it builds inside the call, and publish results to its caller after Update
// returns nil (ingest's chunk writer and app.update's callers do so).
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	var lock string
	for attempt := 1; ; attempt++ {
		err := db.update(ctx, fn, lock)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "53100" { // disk_full
			return &store.SpaceError{CauseZH: "数据库服务器磁盘已满", CauseEN: "the database server's disk is full", Err: err}
		}
		if err == nil || !Retryable(err) || attempt >= MaxAttempts {
			if err != nil && Retryable(err) {
				err = fmt.Errorf("事务冲突，重试 %d 次仍失败 / transaction conflict, still failing after %d attempts: %w", attempt, attempt, err)
			}
			return err
		}
		db.retries.Add(1)
		if race := (*raceError)(nil); errors.As(err, &race) {
			lock = race.table
		}
		t := time.NewTimer(retryPause(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// MaxAttempts is how many times Update runs a transaction that keeps failing to serialise.
const MaxAttempts = 8

// retryPause is the pause before attempt n+1: a random time up to 5 ms · 2ⁿ⁻¹, at most 1 s
// ("full jitter", so writers that collided do not collide again in step).
func retryPause(n int) time.Duration {
	ceil := min(5*time.Millisecond<<min(n-1, 20), time.Second)
	return time.Duration(rand.Int64N(int64(ceil)) + 1) // #nosec G404 -- jitter, not a secret
}

// Retryable reports whether err is a serialisation failure (40001), a deadlock (40P01) or a
// raceError: the transaction was rolled back and may simply be run again.
func Retryable(err error) bool {
	var pe *pgconn.PgError
	var race *raceError
	return errors.As(err, &race) || errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// raceError is a unique key that another transaction took first: two imports creating the same
// new subject, or adding a version of the same record, at once. At read committed the second
// INSERT waits for the first transaction and then fails; run again, the transaction function
// finds the subject or the new head and goes on. Two imports walking the same new subjects
// would collide again and again, so the rerun first locks the table against other writers
// (SHARE ROW EXCLUSIVE: reads go on, writers wait for it, it waits for the writers in flight)
// and then cannot collide. A transaction that keeps conflicting (a true duplicate) ends with the
// ECONFLICT error inside after MaxAttempts.
type raceError struct {
	table string
	err   error
}

func (e *raceError) Error() string { return e.err.Error() }
func (e *raceError) Unwrap() error { return e.err }

// Retries is how many times Update has run a transaction again since the store was opened.
func (db *DB) Retries() int64 { return db.retries.Load() }

// update is one attempt of Update; lock names a table to lock against other writers first
// (after a raceError on it).
func (db *DB) update(ctx context.Context, fn func(store.Tx) error, lock string) error {
	ptx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if lock != "" {
		if _, err := ptx.Exec(ctx, `LOCK TABLE `+pgx.Identifier{lock}.Sanitize()+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			ptx.Rollback(context.WithoutCancel(ctx))
			return fmt.Errorf("lock %s: %w", lock, err)
		}
	}
	// Roll back even when ctx is already cancelled, so the connection goes back to the pool clean.
	rollback := func() { ptx.Rollback(context.WithoutCancel(ctx)) }
	t := &tx{reader: reader{q: ptx, inTx: true, grams: db.grams, Reader: listsql.Reader{DB: listDB{q: ptx, tx: ptx}}}, tx: ptx, ctx: ctx,
		Tx: listsql.Tx{DB: listDB{q: ptx, tx: ptx}, Ctx: ctx}}
	defer func() {
		if p := recover(); p != nil {
			rollback()
			panic(p)
		}
	}()
	if err := fn(t); err != nil {
		rollback()
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// querier is what the pool and a transaction share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ts is how a time is written: whole seconds, UTC, NULL for the zero time — what the SQLite
// store keeps as Unix seconds, so both give back the same time.Time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return time.Unix(t.Unix(), 0).UTC()
}

// fromTS turns a scanned, possibly NULL, timestamp back into a UTC time.
func fromTS(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func notFound(zh, en string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return credit.Errorf(credit.ENOTFOUND, "未找到%s / %s not found", zh, en)
	}
	return err
}

// isUnique reports whether err is a unique violation (SQLSTATE 23505).
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// SettleSearch merges the entries that inserts left in the pending list of the name index
// (subject_search_grams, a GIN index with fastupdate on) into the index proper. Every search
// scans the whole pending list, which grows to gin_pending_list_limit (4 MB by default) between
// merges, and only an insert that overflows it or a vacuum merges it; the importer's caller
// runs this after each import. It returns at once when the list is empty. The role must own
// the index (it does when it ran the migrations).
func (db *DB) SettleSearch(ctx context.Context) error {
	_, err := db.pool.Exec(ctx, `SELECT gin_clean_pending_list('subject_search_grams'::regclass)`)
	return err
}

// Analyze refreshes the planner's statistics of the tables a bulk load grows. Right after a
// large import the statistics are empty or stale (autovacuum catches up later) and search
// plans are poor; the importer's caller runs this after big batches.
func (db *DB) Analyze(ctx context.Context) error {
	_, err := db.pool.Exec(ctx, `ANALYZE subjects, subject_search, records, subject_aliases`)
	return err
}
