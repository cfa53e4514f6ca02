package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/listsql"
)

// Lists, measures and window checks (store.Lists, store.ListsTx): the SQL is shared with the
// SQLite store in store/listsql; this adapter rebinds its ? placeholders to $n and gives it
// COPY for bulk loads.

type listDB struct {
	q  querier
	tx pgx.Tx // nil outside a transaction
}

// rebound caches the $n form of each query (the queries are a fixed set of strings).
var rebound sync.Map

func rebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(q) < 4096 { // multi-row inserts vary with their size; keep only the fixed ones
		rebound.Store(q, out)
	}
	return out
}

func (d listDB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := d.q.Exec(ctx, rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (d listDB) Query(ctx context.Context, query string, args ...any) (listsql.Rows, error) {
	return d.q.Query(ctx, rebind(query), args...)
}

type listRow struct{ r pgx.Row }

func (r listRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return listsql.ErrNoRows
	}
	return err
}

func (d listDB) QueryRow(ctx context.Context, query string, args ...any) listsql.Row {
	return listRow{d.q.QueryRow(ctx, rebind(query), args...)}
}

func (d listDB) IsUnique(err error) bool { return isUnique(err) }

// NextIDs reserves n values of table's id sequence.
func (d listDB) NextIDs(ctx context.Context, table string, n int) ([]int64, error) {
	rows, err := d.q.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Bulk copies rows into table with COPY (listsql.Bulker).
func (d listDB) Bulk(ctx context.Context, table string, cols []string, rows [][]any) error {
	if d.tx == nil {
		return errors.New("bulk load outside a transaction")
	}
	_, err := d.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	return err
}

// AnalyzeLists refreshes the planner's statistics of the list tables after a bulk load.
func (db *DB) AnalyzeLists(ctx context.Context) error {
	_, err := db.pool.Exec(ctx, `ANALYZE list_entries`)
	return err
}

// AppendCheckQueryLogs implements store.ListsTx.
func (t *tx) AppendCheckQueryLogs(qs []*store.QueryLog) error {
	for _, st := range queryLogStatements(qs) {
		if err := t.exec(st.SQL, st.Args...); err != nil {
			return err
		}
	}
	return nil
}

// queryLogStatements returns the multi-row inserts ($n placeholders) that enter qs.
func queryLogStatements(qs []*store.QueryLog) []listsql.Statement {
	out := listsql.QueryLogStatements(qs, ts)
	for i := range out {
		out[i].SQL = rebind(out[i].SQL)
	}
	return out
}

// LogChecks implements store.CheckLogger: the inserts of the checks, their measures and their
// query-log entries go to the server as one pipelined batch, one transaction (all or
// nothing; see checkLogBatch) in one round trip where Update took six (begin, ids, three
// inserts, commit). Check IDs come from a block reserved beforehand (checkIDs).
func (db *DB) LogChecks(ctx context.Context, cs []*store.Check, qs []*store.QueryLog) error {
	if len(cs) == 0 && len(qs) == 0 {
		return nil
	}
	ids, err := db.checkIDs.take(ctx, db.pool, len(cs))
	if err != nil {
		return fmt.Errorf("check ids: %w", err)
	}
	b := checkLogBatch(cs, ids, qs)
	return sendBatch(ctx, db.pool, b)
}

// SubjectAndEntries implements store.CheckReader: both queries go as one pipelined batch, so
// a window check pays one round trip for them, and they read one snapshot.
func (db *DB) SubjectAndEntries(ctx context.Context, key string, status credit.EntryStatus) (*credit.Subject, []*credit.ListEntry, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT `+subjectCols+` FROM subjects WHERE key = $1`, key)
	q, args := listsql.SubjectEntriesQuery(key, status)
	b.Queue(rebind(q), args...)
	br := db.pool.SendBatch(ctx, b)
	defer br.Close()
	s, err := scanSubject(br.QueryRow())
	if errors.Is(err, pgx.ErrNoRows) {
		s, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, nil, err
	}
	es, err := listsql.ScanEntries(rows)
	if err != nil {
		return nil, nil, err
	}
	return s, es, br.Close()
}

// checkLogBatch queues the statements that store cs (with ids) and qs, in one transaction
// that commits without waiting for its WAL to reach the disk (synchronous_commit off, for
// this transaction only). A check's answer waited for that flush, and on this disk a flush
// now and then took tens of milliseconds. The log stays as safe as the SQLite store's check
// journal: nothing is lost if this process or PostgreSQL stops; if the machine loses power,
// the last moments of the check log (at most three times wal_writer_delay, 0.6 s by default)
// can be missing, and the database is consistent either way. Every other write still
// commits synchronously.
func checkLogBatch(cs []*store.Check, ids []int64, qs []*store.QueryLog) *pgx.Batch {
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SET LOCAL synchronous_commit TO off`)
	if len(cs) > 0 {
		for _, st := range listsql.CheckStatements(cs, ids) {
			b.Queue(rebind(st.SQL), st.Args...)
		}
	}
	for _, st := range queryLogStatements(qs) {
		b.Queue(st.SQL, st.Args...)
	}
	b.Queue(`COMMIT`)
	return b
}

// sendBatch sends b outside any explicit transaction and reads every result: the first error
// (the server then skips the rest and rolls the batch back) is returned.
func sendBatch(ctx context.Context, q interface {
	SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
}, b *pgx.Batch) error {
	br := q.SendBatch(ctx, b)
	var first error
	for range b.Len() {
		if _, err := br.Exec(); err != nil && first == nil {
			first = err
		}
	}
	if err := br.Close(); err != nil && first == nil {
		first = err
	}
	return first
}

// idBlock hands out values of the checks id sequence reserved in blocks, so a logged check
// does not cost a round trip for its id. Values left unused when the process ends are gaps in
// the sequence, as a rolled-back insert leaves.
type idBlock struct {
	mu   sync.Mutex
	free []int64
}

// idBlockSize is how many ids one refill reserves.
const idBlockSize = 512

func (b *idBlock) take(ctx context.Context, q querier, n int) ([]int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.free) < n {
		more, err := listDB{q: q}.NextIDs(ctx, "checks", max(n-len(b.free), idBlockSize))
		if err != nil {
			return nil, err
		}
		b.free = append(b.free, more...)
	}
	ids := append([]int64(nil), b.free[:n]...)
	b.free = b.free[n:]
	return ids, nil
}
