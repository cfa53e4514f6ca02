package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/listsql"
)

// Lists, measures and window checks (store.Lists, store.ListsTx): the SQL is shared with the
// PostgreSQL store in store/listsql; this adapter runs it on database/sql.

// listDB runs the shared SQL on the reader pool or on the write transaction, with each query
// prepared once: the window check runs a few small queries, and parsing them again each time
// was a third of its cost.
type listDB struct {
	q    querier
	prep func(ctx context.Context, query string) (*sql.Stmt, error) // nil: run unprepared
	// checkIDs hands out check ids when the store has a check journal (which gives ids
	// before its checks are in the table); nil: after the largest in the table.
	checkIDs func(n int) ([]int64, error)
}

// stmtCache prepares statements on a pool once (a *sql.Stmt is safe for concurrent use and
// re-prepares itself per connection).
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxCachedStmts bounds the cache: IN lists of varying length make distinct queries.
const maxCachedStmts = 256

func (c *stmtCache) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s, nil
	}
	if len(c.m) >= maxCachedStmts {
		return nil, nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = s
	return s, nil
}

func (d listDB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if d.prep == nil {
		return nil, nil
	}
	return d.prep(ctx, query)
}

func (d listDB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return 0, err
	}
	var res sql.Result
	if st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = d.q.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

type listRows struct{ *sql.Rows }

func (r listRows) Close() { r.Rows.Close() }

func (d listDB) Query(ctx context.Context, query string, args ...any) (listsql.Rows, error) {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	if st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = d.q.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return listRows{rows}, nil
}

type listRow struct{ r *sql.Row }

func (r listRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return listsql.ErrNoRows
	}
	return err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (d listDB) QueryRow(ctx context.Context, query string, args ...any) listsql.Row {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	if st != nil {
		return listRow{st.QueryRowContext(ctx, args...)}
	}
	return listRow{d.q.QueryRowContext(ctx, query, args...)}
}

func (d listDB) IsUnique(err error) bool { return err != nil && isUnique(err) }

// NextIDs reserves ids after the largest one (check ids, where the store has a check journal,
// from its reservations: see checkIDsIn): SQLite has one writer, and this runs inside its
// transaction, so no other insert can take them meanwhile.
func (d listDB) NextIDs(ctx context.Context, table string, n int) ([]int64, error) {
	if table == "checks" && d.checkIDs != nil {
		return d.checkIDs(n)
	}
	var last int64
	if err := d.QueryRow(ctx, nextIDQuery(table)).Scan(&last); err != nil {
		return nil, err
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last + int64(i) + 1
	}
	return ids, nil
}

// nextIDQuery is the query NextIDs runs.
func nextIDQuery(table string) string {
	return `SELECT coalesce(max(id), 0) FROM ` + table // #nosec G202 -- table is one of this package's own table names
}

// AnalyzeLists refreshes the query planner's statistics of the list tables after a bulk load.
// It keeps the per-index row counts (sqlite_stat1) and drops the value samples (sqlite_stat4):
// with samples, SQLite re-plans a prepared statement whenever a bound value changes, so the
// window check's look-up by subject key was parsed again on every call, and the samples do
// not change its plan (the key is nearly unique).
func (db *DB) AnalyzeLists(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `ANALYZE list_entries`); err != nil {
		return err
	}
	return dropListSamples(ctx, db.write)
}

// dropListSamples removes the list tables' stat4 samples, if the library keeps any, and has
// the planner reload its statistics.
func dropListSamples(ctx context.Context, q querier) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM sqlite_stat4 WHERE tbl = 'list_entries'`); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `ANALYZE sqlite_schema`)
	return err
}

// preparedReader runs the reader pool's queries through a statement cache, so the queries
// every request makes (the token, the subject, the catalog) are parsed once per connection,
// not once per call: on the window check's path parsing was a quarter of the CPU. A query
// the cache does not take (it is full) runs unprepared.
type preparedReader struct {
	db    *sql.DB
	cache *stmtCache
}

func (p preparedReader) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.db.ExecContext(ctx, query, args...) // the reader pool is read-only: nothing to cache
}

func (p preparedReader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.cache.prepare(ctx, query)
	if err != nil || st == nil {
		return p.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (p preparedReader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.cache.prepare(ctx, query)
	if err != nil || st == nil {
		return p.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// AppendCheckQueryLogs implements store.ListsTx: in statements of the fixed sizes the writer
// prepared at open (listsql.LogInsertTexts).
func (t *tx) AppendCheckQueryLogs(qs []*store.QueryLog) error {
	return t.execStatements(listsql.QueryLogStatements(qs, unix))
}

// execStatements runs sts in order through the transaction's prepared statements.
func (t *tx) execStatements(sts []listsql.Statement) error {
	for _, st := range sts {
		s, err := t.stmt(st.SQL)
		if err != nil {
			return err
		}
		if _, err := s.ExecContext(t.ctx, st.Args...); err != nil {
			return err
		}
	}
	return nil
}
