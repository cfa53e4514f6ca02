// Package listsql is the SQL of lists, measures and window checks (名单、措施与信用核查),
// written once for both stores: store/sqlite and store/postgres each wrap their connection in
// a DB and embed Reader (and Tx) in theirs. Queries use ? placeholders, which the PostgreSQL
// adapter rebinds to $n; times are Unix seconds (0 = none) and flags 0/1, so the same scans
// work on both (tables of migration 0007_lists.sql).
package listsql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// ErrNoRows is what a DB's Row.Scan returns when the query found nothing.
var ErrNoRows = errors.New("no rows")

// Rows is a result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result; Scan returns ErrNoRows when there is none.
type Row interface{ Scan(dest ...any) error }

// DB is what a store gives this package: its pool or its transaction.
type DB interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
	// IsUnique reports whether err is a unique-key violation.
	IsUnique(err error) bool
	// NextIDs reserves n new ids of table's id column (inside the write transaction).
	NextIDs(ctx context.Context, table string, n int) ([]int64, error)
}

// Bulker is a DB with a bulk path (PostgreSQL COPY).
type Bulker interface {
	Bulk(ctx context.Context, table string, cols []string, rows [][]any) error
}

// Reader implements store.Lists over db.
type Reader struct {
	DB DB
	// Pool: DB is a connection pool (not one transaction), so independent queries may run
	// side by side.
	Pool bool
}

// Tx implements store.ListsTx over a transaction (the store's own reader, over the same
// transaction, gives the reads).
type Tx struct {
	DB  DB
	Ctx context.Context
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(v, 0).UTC()
}

func flag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func notFound(zh, en string, err error) error {
	if errors.Is(err, ErrNoRows) {
		return credit.Errorf(credit.ENOTFOUND, "未找到%s / %s not found", zh, en)
	}
	return err
}

// ListTypes implements store.Lists.
func (r Reader) ListTypes(ctx context.Context) ([]*credit.ListType, error) {
	rows, err := r.DB.Query(ctx, `SELECT body FROM joint_list_types ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.ListType
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var lt credit.ListType
		if err := json.Unmarshal([]byte(body), &lt); err != nil {
			return nil, err
		}
		out = append(out, &lt)
	}
	return out, rows.Err()
}

// Measures implements store.Lists.
func (r Reader) Measures(ctx context.Context) ([]*credit.Measure, error) {
	rows, err := r.DB.Query(ctx, `SELECT body, active FROM joint_measures ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.Measure
	for rows.Next() {
		var body string
		var active int64
		if err := rows.Scan(&body, &active); err != nil {
			return nil, err
		}
		var m credit.Measure
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			return nil, err
		}
		m.Active = active == 1
		out = append(out, &m)
	}
	return out, rows.Err()
}

// EntryCols are the columns ScanEntries reads, in its order.
const EntryCols = entryCols

const entryCols = `id, subject_key, list_type, status, subject_code, subject_name, person, dept, reason, document, records,
	source_id, batch_no, valid_from, valid_until, proposed_by, proposed_at, confirmed_by, confirmed_at, published_at,
	ended_by, ended_at, end_reason`

func scanEntry(sc interface{ Scan(...any) error }) (*credit.ListEntry, error) {
	var e credit.ListEntry
	var person, from, until, pAt, cAt, pubAt, endAt int64
	var status, records string
	var batch int64
	if err := sc.Scan(&e.ID, &e.SubjectKey, &e.List, &status, &e.SubjectCode, &e.SubjectName, &person, &e.Dept, &e.Reason,
		&e.Document, &records, &e.SourceID, &batch, &from, &until, &e.ProposedBy, &pAt, &e.ConfirmedBy, &cAt, &pubAt,
		&e.EndedBy, &endAt, &e.EndReason); err != nil {
		return nil, err
	}
	e.Status, e.Person, e.BatchNo = credit.EntryStatus(status), person == 1, int(batch)
	e.ValidFrom, e.ValidUntil, e.ProposedAt, e.ConfirmedAt = fromUnix(from), fromUnix(until), fromUnix(pAt), fromUnix(cAt)
	e.PublishedAt, e.EndedAt = fromUnix(pubAt), fromUnix(endAt)
	for _, s := range strings.Split(records, ",") {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			e.Records = append(e.Records, id)
		}
	}
	return &e, nil
}

func (r Reader) entries(ctx context.Context, query string, args ...any) ([]*credit.ListEntry, error) {
	rows, err := r.DB.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return ScanEntries(rows)
}

// ScanEntries reads list entries (the columns of the package's entry queries) and closes rows.
func ScanEntries(rows Rows) ([]*credit.ListEntry, error) {
	defer rows.Close()
	var out []*credit.ListEntry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ListEntry implements store.Lists.
func (r Reader) ListEntry(ctx context.Context, id int64) (*credit.ListEntry, error) {
	e, err := scanEntry(r.DB.QueryRow(ctx, `SELECT `+entryCols+` FROM list_entries WHERE id = ?`, id))
	return e, notFound("名单条目", "list entry", err)
}

// ListEntries implements store.Lists.
func (r Reader) ListEntries(ctx context.Context, f store.EntryFilter) ([]*credit.ListEntry, error) {
	q, args := `SELECT `+entryCols+` FROM list_entries WHERE 1 = 1`, []any{}
	if f.List != "" {
		q, args = q+` AND list_type = ?`, append(args, f.List)
	}
	if f.Status != "" {
		q, args = q+` AND status = ?`, append(args, string(f.Status))
	}
	if f.BatchNo > 0 {
		q, args = q+` AND batch_no = ?`, append(args, f.BatchNo)
	}
	if f.Dept != "" {
		q, args = q+` AND dept = ?`, append(args, f.Dept)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d OFFSET %d`, limit, max(f.Offset, 0))
	return r.entries(ctx, q, args...)
}

// SubjectEntries implements store.Lists.
func (r Reader) SubjectEntries(ctx context.Context, key string, statuses ...credit.EntryStatus) ([]*credit.ListEntry, error) {
	q, args := SubjectEntriesQuery(key, statuses...)
	return r.entries(ctx, q, args...)
}

// SubjectEntriesQuery is the query (? placeholders) of SubjectEntries, for a store that sends
// it along with others; ScanEntries reads its rows.
func SubjectEntriesQuery(key string, statuses ...credit.EntryStatus) (string, []any) {
	q, args := `SELECT `+entryCols+` FROM list_entries WHERE subject_key = ?`, []any{key}
	switch len(statuses) {
	case 0:
	case 1:
		q, args = q+` AND status = ?`, append(args, string(statuses[0]))
	default:
		ph := make([]string, len(statuses))
		for i, s := range statuses {
			ph[i] = "?"
			args = append(args, string(s))
		}
		q += ` AND status IN (` + strings.Join(ph, ",") + `)`
	}
	return q + ` ORDER BY id`, args
}

// EntriesOfSubjects implements store.Lists.
func (r Reader) EntriesOfSubjects(ctx context.Context, keys []string, status credit.EntryStatus) (map[string][]*credit.ListEntry, error) {
	// Keys go 500 to a query; more than one query run side by side (up to entryQueries), so
	// batch verification keeps the database and this process busy at once.
	var parts [][]string
	for len(keys) > 0 {
		n := min(len(keys), 500)
		parts, keys = append(parts, keys[:n]), keys[n:]
	}
	res := make([][]*credit.ListEntry, len(parts))
	errs := make([]error, len(parts))
	query := func(i int) {
		part := parts[i]
		args := make([]any, 0, len(part)+1)
		args = append(args, string(status))
		for _, k := range part {
			args = append(args, k)
		}
		res[i], errs[i] = r.entries(ctx, `SELECT `+entryCols+` FROM list_entries WHERE status = ? AND subject_key IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")+`)`, args...)
	}
	if len(parts) == 1 || !r.Pool {
		for i := range parts {
			query(i)
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		for range min(len(parts), entryQueries) {
			wg.Go(func() {
				for i := range next {
					query(i)
				}
			})
		}
		for i := range parts {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	out := map[string][]*credit.ListEntry{}
	for i := range parts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		for _, e := range res[i] {
			out[e.SubjectKey] = append(out[e.SubjectKey], e)
		}
	}
	return out, nil
}

// entryQueries is how many look-ups of EntriesOfSubjects run at once.
const entryQueries = 4

// ItemSubjects implements store.Lists.
func (r Reader) ItemSubjects(ctx context.Context, item string, after int64, limit int) ([]int64, error) {
	rows, err := r.DB.Query(ctx, `SELECT DISTINCT subject_id FROM records WHERE item = ? AND subject_id > ? ORDER BY subject_id LIMIT `+
		strconv.Itoa(max(limit, 1)), item, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RepresentedBy implements store.Lists.
func (r Reader) RepresentedBy(ctx context.Context, personID int64) ([]string, error) {
	rows, err := r.DB.Query(ctx, `SELECT key FROM subjects WHERE legal_rep_id = ? ORDER BY id LIMIT 100`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// DueEntries implements store.Lists.
func (r Reader) DueEntries(ctx context.Context, now time.Time, limit int) ([]*credit.ListEntry, error) {
	return r.entries(ctx, `SELECT `+entryCols+` FROM list_entries WHERE status = 'published' AND valid_until > 0 AND valid_until <= ?
		ORDER BY valid_until LIMIT `+strconv.Itoa(max(limit, 1)), now.Unix())
}

func scanBatch(sc interface{ Scan(...any) error }) (*credit.ListBatch, error) {
	var b credit.ListBatch
	var no, n, at int64
	if err := sc.Scan(&b.List, &no, &b.Title, &n, &b.PublishedBy, &at); err != nil {
		return nil, err
	}
	b.No, b.Entries, b.PublishedAt = int(no), int(n), fromUnix(at)
	return &b, nil
}

const batchCols = `list_type, no, title, entries, published_by, published_at`

// ListBatches implements store.Lists.
func (r Reader) ListBatches(ctx context.Context, list string) ([]credit.ListBatch, error) {
	q, args := `SELECT `+batchCols+` FROM list_batches`, []any{}
	if list != "" {
		q, args = q+` WHERE list_type = ?`, append(args, list)
	}
	rows, err := r.DB.Query(ctx, q+` ORDER BY published_at DESC, list_type, no DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []credit.ListBatch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *b)
	}
	return out, rows.Err()
}

// ListBatch implements store.Lists.
func (r Reader) ListBatch(ctx context.Context, list string, no int) (*credit.ListBatch, error) {
	b, err := scanBatch(r.DB.QueryRow(ctx, `SELECT `+batchCols+` FROM list_batches WHERE list_type = ? AND no = ?`, list, no))
	return b, notFound("发布批次", "batch", err)
}

// CountEntries implements store.Lists.
func (r Reader) CountEntries(ctx context.Context, status credit.EntryStatus) (map[string]int64, error) {
	rows, err := r.DB.Query(ctx, `SELECT list_type, count(*) FROM list_entries WHERE status = ? GROUP BY list_type`, string(status))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var l string
		var n int64
		if err := rows.Scan(&l, &n); err != nil {
			return nil, err
		}
		out[l] = n
	}
	return out, rows.Err()
}

const checkCols = `id, at, actor, dept, matter, subject_key, found, verdict, batch_id`

func scanCheck(sc interface{ Scan(...any) error }) (*store.Check, error) {
	var c store.Check
	var at, found int64
	var verdict string
	if err := sc.Scan(&c.ID, &at, &c.Actor, &c.Dept, &c.Matter, &c.SubjectKey, &found, &verdict, &c.BatchID); err != nil {
		return nil, err
	}
	c.At, c.Found, c.Verdict = fromUnix(at), found == 1, credit.Verdict(verdict)
	return &c, nil
}

// Check implements store.Lists.
func (r Reader) Check(ctx context.Context, id int64) (*store.Check, error) {
	c, err := scanCheck(r.DB.QueryRow(ctx, `SELECT `+checkCols+` FROM checks WHERE id = ?`, id))
	if err != nil {
		return nil, notFound("核查记录", "check", err)
	}
	rows, err := r.DB.Query(ctx, `SELECT measure, dept, direction, effect, mandatory, entry_id, list_type, pending, outcome, note,
		feedback_by, feedback_at FROM check_measures WHERE check_id = ? ORDER BY measure`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m store.CheckMeasure
		var dir, eff, out string
		var mand, pend, at int64
		if err := rows.Scan(&m.Measure, &m.Dept, &dir, &eff, &mand, &m.EntryID, &m.List, &pend, &out, &m.Note, &m.FeedbackBy, &at); err != nil {
			return nil, err
		}
		m.Direction, m.Effect, m.Outcome = credit.Direction(dir), credit.Effect(eff), credit.FeedbackOutcome(out)
		m.Mandatory, m.Pending, m.FeedbackAt = mand == 1, pend == 1, fromUnix(at)
		c.Measures = append(c.Measures, m)
	}
	return c, rows.Err()
}

func monthFilter(q string, args []any, f store.CheckFilter, deptCol string) (string, []any) {
	if f.Dept != "" {
		q, args = q+` AND `+deptCol+` = ?`, append(args, f.Dept)
	}
	if f.FromMonth != "" {
		q, args = q+` AND month >= ?`, append(args, f.FromMonth)
	}
	if f.ToMonth != "" {
		q, args = q+` AND month <= ?`, append(args, f.ToMonth)
	}
	return q, args
}

// Checks implements store.Lists.
func (r Reader) Checks(ctx context.Context, f store.CheckFilter) ([]*store.Check, error) {
	q, args := monthFilter(`SELECT `+checkCols+` FROM checks WHERE 1 = 1`, nil, f, "dept")
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := r.DB.Query(ctx, q+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Check
	for rows.Next() {
		c, err := scanCheck(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CheckStats implements store.Lists.
func (r Reader) CheckStats(ctx context.Context, f store.CheckFilter) (*store.CheckStats, error) {
	st := &store.CheckStats{}
	q, args := monthFilter(`SELECT month, dept, count(*), sum(CASE WHEN measures > 0 THEN 1 ELSE 0 END),
		sum(CASE WHEN verdict = 'block' THEN 1 ELSE 0 END), sum(CASE WHEN verdict = 'warn' THEN 1 ELSE 0 END)
		FROM checks WHERE 1 = 1`, nil, f, "dept")
	rows, err := r.DB.Query(ctx, q+` GROUP BY month, dept ORDER BY month, dept`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c store.CheckCount
		if err := rows.Scan(&c.Month, &c.Dept, &c.Checks, &c.Hits, &c.Blocked, &c.Warned); err != nil {
			rows.Close()
			return nil, err
		}
		st.Checks = append(st.Checks, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	q, args = monthFilter(`SELECT month, measure, dept, direction, count(*), sum(CASE WHEN outcome <> '' THEN 1 ELSE 0 END),
		sum(CASE WHEN outcome = 'applied' THEN 1 ELSE 0 END) FROM check_measures WHERE 1 = 1`, nil, f, "checker_dept")
	rows, err = r.DB.Query(ctx, q+` GROUP BY month, measure, dept, direction ORDER BY month, measure`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m store.MeasureCount
		var dir string
		if err := rows.Scan(&m.Month, &m.Measure, &m.Dept, &dir, &m.Hits, &m.Feedback, &m.Applied); err != nil {
			return nil, err
		}
		m.Direction = credit.Direction(dir)
		st.Measures = append(st.Measures, m)
	}
	return st, rows.Err()
}

const checkBatchCols = `id, matter, actor, dept, file_name, format, status, total, done, found, blocked, warned, bad_rows, error, result, created_at, finished_at`

func scanCheckBatch(sc interface{ Scan(...any) error }) (*store.CheckBatch, error) {
	var b store.CheckBatch
	var status string
	var created, finished int64
	if err := sc.Scan(&b.ID, &b.Matter, &b.Actor, &b.Dept, &b.FileName, &b.Format, &status, &b.Total, &b.Done, &b.Found,
		&b.Blocked, &b.Warned, &b.BadRows, &b.Error, &b.Result, &created, &finished); err != nil {
		return nil, err
	}
	b.Status, b.CreatedAt, b.FinishedAt = store.CheckBatchStatus(status), fromUnix(created), fromUnix(finished)
	return &b, nil
}

// CheckBatch implements store.Lists.
func (r Reader) CheckBatch(ctx context.Context, id int64) (*store.CheckBatch, error) {
	b, err := scanCheckBatch(r.DB.QueryRow(ctx, `SELECT `+checkBatchCols+` FROM check_batches WHERE id = ?`, id))
	return b, notFound("批量核查任务", "batch verification", err)
}

// CheckBatches implements store.Lists.
func (r Reader) CheckBatches(ctx context.Context, dept string, limit int) ([]*store.CheckBatch, error) {
	q, args := `SELECT `+checkBatchCols+` FROM check_batches`, []any{}
	if dept != "" {
		q, args = q+` WHERE dept = ?`, append(args, dept)
	}
	rows, err := r.DB.Query(ctx, q+` ORDER BY id DESC LIMIT `+strconv.Itoa(max(limit, 1)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.CheckBatch
	for rows.Next() {
		b, err := scanCheckBatch(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// PutListType implements store.ListsTx.
func (t Tx) PutListType(lt *credit.ListType, at time.Time) error {
	body, err := json.Marshal(lt)
	if err != nil {
		return err
	}
	_, err = t.DB.Exec(t.Ctx, `INSERT INTO joint_list_types (code, body, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`, lt.Code, string(body), unix(at))
	return err
}

// PutMeasure implements store.ListsTx.
func (t Tx) PutMeasure(m *credit.Measure, at time.Time) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = t.DB.Exec(t.Ctx, `INSERT INTO joint_measures (code, body, active, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET body = excluded.body, active = excluded.active, updated_at = excluded.updated_at`,
		m.Code, string(body), flag(m.Active), unix(at))
	return err
}

const insertEntryCols = `subject_key, list_type, status, subject_code, subject_name, person, dept, reason, document, records,
	source_id, batch_no, valid_from, valid_until, proposed_by, proposed_at, confirmed_by, confirmed_at, published_at,
	ended_by, ended_at, end_reason`

const entryColCount = 22

func entryArgs(e *credit.ListEntry) []any {
	recs := make([]string, len(e.Records))
	for i, id := range e.Records {
		recs[i] = strconv.FormatInt(id, 10)
	}
	return []any{e.SubjectKey, e.List, string(e.Status), e.SubjectCode, e.SubjectName, flag(e.Person), e.Dept, e.Reason,
		e.Document, strings.Join(recs, ","), e.SourceID, int64(e.BatchNo), unix(e.ValidFrom), unix(e.ValidUntil), e.ProposedBy,
		unix(e.ProposedAt), e.ConfirmedBy, unix(e.ConfirmedAt), unix(e.PublishedAt), e.EndedBy, unix(e.EndedAt), e.EndReason}
}

func rowPlaceholders(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

// InsertListEntries implements store.ListsTx.
func (t Tx) InsertListEntries(es []*credit.ListEntry) error {
	for _, e := range es {
		var id int64
		err := t.DB.QueryRow(t.Ctx, `INSERT INTO list_entries (`+insertEntryCols+`) VALUES `+rowPlaceholders(1, entryColCount)+`
			ON CONFLICT (list_type, source_id) WHERE source_id <> '' DO NOTHING RETURNING id`, entryArgs(e)...).Scan(&id)
		if errors.Is(err, ErrNoRows) {
			e.ID = 0
			continue
		}
		if err != nil {
			return err
		}
		e.ID = id
	}
	return nil
}

// loadChunk is how many entries one multi-row insert carries (22 columns × 400 stays under
// both databases' parameter limits).
const loadChunk = 400

// LoadListEntries implements store.ListsTx.
func (t Tx) LoadListEntries(es []*credit.ListEntry) error {
	if b, ok := t.DB.(Bulker); ok {
		rows := make([][]any, len(es))
		for i, e := range es {
			rows[i] = entryArgs(e)
		}
		cols := strings.Fields(strings.ReplaceAll(insertEntryCols, ",", " "))
		err := b.Bulk(t.Ctx, "list_entries", cols, rows)
		if t.DB.IsUnique(err) {
			return credit.Errorf(credit.ECONFLICT, "名单条目重复（名单与来源编号）/ duplicate list entries (list, source id)")
		}
		return err
	}
	for len(es) > 0 {
		n := min(len(es), loadChunk)
		args := make([]any, 0, n*entryColCount)
		for _, e := range es[:n] {
			args = append(args, entryArgs(e)...)
		}
		if _, err := t.DB.Exec(t.Ctx, `INSERT INTO list_entries (`+insertEntryCols+`) VALUES `+rowPlaceholders(n, entryColCount)+`
			ON CONFLICT (list_type, source_id) WHERE source_id <> '' DO NOTHING`, args...); err != nil {
			return err
		}
		es = es[n:]
	}
	return nil
}

// UpdateListEntry implements store.ListsTx.
func (t Tx) UpdateListEntry(e *credit.ListEntry) error {
	n, err := t.DB.Exec(t.Ctx, `UPDATE list_entries SET status = ?, batch_no = ?, valid_from = ?, valid_until = ?, confirmed_by = ?,
		confirmed_at = ?, published_at = ?, ended_by = ?, ended_at = ?, end_reason = ? WHERE id = ?`,
		string(e.Status), int64(e.BatchNo), unix(e.ValidFrom), unix(e.ValidUntil), e.ConfirmedBy, unix(e.ConfirmedAt),
		unix(e.PublishedAt), e.EndedBy, unix(e.EndedAt), e.EndReason, e.ID)
	if err == nil && n == 0 {
		return credit.Errorf(credit.ENOTFOUND, "未找到名单条目 %d / list entry %d not found", e.ID, e.ID)
	}
	return err
}

// InsertListBatch implements store.ListsTx.
func (t Tx) InsertListBatch(b *credit.ListBatch) error {
	_, err := t.DB.Exec(t.Ctx, `INSERT INTO list_batches (`+batchCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		b.List, int64(b.No), b.Title, int64(b.Entries), b.PublishedBy, unix(b.PublishedAt))
	if t.DB.IsUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "批次 %s %d 已存在 / batch %d of %s exists", b.List, b.No, b.No, b.List)
	}
	return err
}

// AddListBatchEntries implements store.ListsTx.
func (t Tx) AddListBatchEntries(list string, no, n int) error {
	k, err := t.DB.Exec(t.Ctx, `UPDATE list_batches SET entries = entries + ? WHERE list_type = ? AND no = ?`, int64(n), list, int64(no))
	if err == nil && k == 0 {
		return credit.Errorf(credit.ENOTFOUND, "批次 %s %d 不存在 / batch %d of %s not found", list, no, no, list)
	}
	return err
}

// RowSizes are the row counts of the multi-row inserts that log window checks, largest
// first. A group of n rows is split into statements of these sizes (SplitRows), so the texts
// come from a small fixed set that a store prepares once (LogInsertTexts), where one statement
// of n rows would be a new text, parsed and planned anew, for every group size. Batch
// verification logs thousands of checks in statements of 400.
var RowSizes = []int{400, 64, 16, 4, 1}

// SplitRows splits n rows into statement sizes from RowSizes, largest first; they sum to n.
func SplitRows(n int) []int {
	var out []int
	for _, k := range RowSizes {
		for ; n >= k; n -= k {
			out = append(out, k)
		}
	}
	return out
}

// The columns of the check log's multi-row inserts, and how many each row binds.
const (
	checkInsertCols    = `INSERT INTO checks (id, at, month, actor, dept, matter, subject_key, found, verdict, measures, batch_id) VALUES `
	measureInsertCols  = `INSERT INTO check_measures (check_id, measure, month, dept, checker_dept, direction, effect, mandatory, entry_id, list_type, pending) VALUES `
	queryLogInsertCols = `INSERT INTO query_log (at, actor, dept, purpose, subject_key, route, returned, remote_addr) VALUES `
	checkArgs          = 11
	queryLogArgs       = 8
)

// LogInsertTexts returns the text of every insert CheckStatements and QueryLogStatements can
// produce (? placeholders), for a store to prepare once.
func LogInsertTexts() []string {
	var out []string
	for _, k := range RowSizes {
		out = append(out, checkInsertCols+rowPlaceholders(k, checkArgs), measureInsertCols+rowPlaceholders(k, checkArgs),
			queryLogInsertCols+rowPlaceholders(k, queryLogArgs))
	}
	return out
}

// InsertChecks implements store.ListsTx.
func (t Tx) InsertChecks(cs []*store.Check) error {
	if len(cs) == 0 {
		return nil
	}
	ids, err := t.DB.NextIDs(t.Ctx, "checks", len(cs))
	if err != nil {
		return err
	}
	for _, st := range CheckStatements(cs, ids) {
		if _, err := t.DB.Exec(t.Ctx, st.SQL, st.Args...); err != nil {
			return err
		}
	}
	return nil
}

// Statement is one SQL statement (with ? placeholders) and its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// rowStatements splits the rows in args (cols values each, one after another) into
// multi-row inserts of the RowSizes.
func rowStatements(prefix string, cols int, args []any) []Statement {
	var out []Statement
	for _, k := range SplitRows(len(args) / cols) {
		out = append(out, Statement{prefix + rowPlaceholders(k, cols), args[: k*cols : k*cols]})
		args = args[k*cols:]
	}
	return out
}

// CheckStatements gives checks cs the ids (one per check, reserved by the caller) and returns
// the multi-row inserts that store them and their measures, in statements of the RowSizes.
// A store may run them one by one in a transaction (InsertChecks) or send them at once.
func CheckStatements(cs []*store.Check, ids []int64) []Statement {
	checks := make([]any, 0, len(cs)*checkArgs)
	var measures []any
	for i, c := range cs {
		c.ID = ids[i]
		month := c.At.UTC().Format("2006-01")
		checks = append(checks, c.ID, unix(c.At), month, c.Actor, c.Dept, c.Matter, c.SubjectKey, flag(c.Found),
			string(c.Verdict), int64(len(c.Measures)), c.BatchID)
		for _, m := range c.Measures {
			measures = append(measures, c.ID, m.Measure, month, m.Dept, c.Dept, string(m.Direction), string(m.Effect),
				flag(m.Mandatory), m.EntryID, m.List, flag(m.Pending))
		}
	}
	return append(rowStatements(checkInsertCols, checkArgs, checks), rowStatements(measureInsertCols, checkArgs, measures)...)
}

// QueryLogStatements returns the multi-row inserts that enter the query-log entries qs, in
// statements of the RowSizes; at encodes the time as the store's column holds it.
func QueryLogStatements(qs []*store.QueryLog, at func(time.Time) any) []Statement {
	args := make([]any, 0, len(qs)*queryLogArgs)
	for _, q := range qs {
		args = append(args, at(q.At), q.Actor, q.Dept, q.Purpose, q.SubjectKey, q.Route, q.Returned, q.RemoteAddr)
	}
	return rowStatements(queryLogInsertCols, queryLogArgs, args)
}

// PutFeedback implements store.ListsTx.
func (t Tx) PutFeedback(checkID int64, measure string, outcome credit.FeedbackOutcome, note, by string, at time.Time) error {
	n, err := t.DB.Exec(t.Ctx, `UPDATE check_measures SET outcome = ?, note = ?, feedback_by = ?, feedback_at = ?
		WHERE check_id = ? AND measure = ?`, string(outcome), note, by, unix(at), checkID, measure)
	if err == nil && n == 0 {
		return credit.Errorf(credit.ENOTFOUND, "核查 %d 未涉及措施 %s / check %d did not find measure %s", checkID, measure, checkID, measure)
	}
	return err
}

// InsertCheckBatch implements store.ListsTx.
func (t Tx) InsertCheckBatch(b *store.CheckBatch) error {
	return t.DB.QueryRow(t.Ctx, `INSERT INTO check_batches (matter, actor, dept, file_name, format, status, result, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, b.Matter, b.Actor, b.Dept, b.FileName, b.Format, string(b.Status), b.Result,
		unix(b.CreatedAt)).Scan(&b.ID)
}

// UpdateCheckBatch implements store.ListsTx.
func (t Tx) UpdateCheckBatch(b *store.CheckBatch) error {
	n, err := t.DB.Exec(t.Ctx, `UPDATE check_batches SET status = ?, total = ?, done = ?, found = ?, blocked = ?, warned = ?,
		bad_rows = ?, error = ?, result = ?, finished_at = ? WHERE id = ?`, string(b.Status), b.Total, b.Done, b.Found, b.Blocked,
		b.Warned, b.BadRows, b.Error, b.Result, unix(b.FinishedAt), b.ID)
	if err == nil && n == 0 {
		return credit.Errorf(credit.ENOTFOUND, "未找到批量核查任务 / batch verification not found")
	}
	return err
}

var (
	_ store.Lists   = Reader{}
	_ store.ListsTx = Tx{}
)
