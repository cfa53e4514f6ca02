package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Subjects' rights (异议、信用修复与工作日历): migration 0008_rights.sql.

func (r reader) RecordByID(ctx context.Context, id int64) (*credit.Record, error) {
	rec, err := scanRecord(r.q.QueryRowContext(ctx, `SELECT `+recordCols+` FROM records WHERE id = ?`, id))
	if err != nil {
		return nil, notFound("记录", "record", err)
	}
	return rec, nil
}

// recordColsR is recordCols on the alias r.
const recordColsR = `r.id, r.subject_id, r.item, r.item_version, r.dept, r.source_id, r.version, coalesce(r.batch_id, 0), r.fields,
	r.personal, r.hash, r.decision, r.pub_from, r.pub_until, r.published, r.status, r.created_at`

const stateCols = `subject_id, dept, item, source_id, objection, repaired_at, repair_case, revoked_at, expired_at, updated_at`

func scanState(sc interface{ Scan(...any) error }) (*credit.RecordState, error) {
	var st credit.RecordState
	var rep, rev, exp, upd sql.NullInt64
	if err := sc.Scan(&st.SubjectID, &st.Dept, &st.Item, &st.SourceID, &st.Objection, &rep, &st.RepairCase, &rev, &exp, &upd); err != nil {
		return nil, err
	}
	st.RepairedAt, st.RevokedAt, st.ExpiredAt, st.UpdatedAt = fromUnix(rep), fromUnix(rev), fromUnix(exp), fromUnix(upd)
	return &st, nil
}

func (r reader) RecordStates(ctx context.Context, subjectID int64) (map[store.RecordKey]*credit.RecordState, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+stateCols+` FROM record_status WHERE subject_id = ?`, subjectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[store.RecordKey]*credit.RecordState{}
	for rows.Next() {
		st, err := scanState(rows)
		if err != nil {
			return nil, err
		}
		out[store.RecordKey{Dept: st.Dept, Item: st.Item, SourceID: st.SourceID}] = st
	}
	return out, rows.Err()
}

// WithdrawnRecords returns the ids of the current versions of the records repaired or revoked.
func (r reader) WithdrawnRecords(ctx context.Context) (map[int64]bool, error) {
	rows, err := r.q.QueryContext(ctx,
		// CROSS JOIN keeps record_status (a few rows) outside: SQLite would otherwise scan
		// records when record_status has no statistics.
		`SELECT r.id FROM record_status s
		CROSS JOIN records r ON r.dept = s.dept AND r.item = s.item AND r.source_id = s.source_id AND r.status = 'active'
		WHERE s.repaired_at IS NOT NULL OR s.revoked_at IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

func (r reader) RecordState(ctx context.Context, k store.RecordKey) (*credit.RecordState, error) {
	st, err := scanState(r.q.QueryRowContext(ctx, `SELECT `+stateCols+` FROM record_status WHERE dept = ? AND item = ? AND source_id = ?`,
		k.Dept, k.Item, k.SourceID))
	if err != nil {
		return nil, notFound("记录状态", "record state", err)
	}
	return st, nil
}

func (r reader) PublicationExpired(ctx context.Context, now time.Time, limit int) ([]*credit.Record, error) {
	if limit <= 0 {
		limit = 1000
	}
	return r.records(ctx, `SELECT `+recordColsR+` FROM publication_ends e JOIN records r ON r.id = e.record_id
		LEFT JOIN record_status s ON s.dept = r.dept AND s.item = r.item AND s.source_id = r.source_id
		WHERE e.until <= ? AND r.status = 'active' AND r.published = 1 AND s.expired_at IS NULL
		ORDER BY e.until, e.record_id LIMIT ?`, now.Unix(), limit)
}

// IndexPublicationEnds implements store.RightsTx. The single writer assigns record ids in
// commit order, so no record can appear behind the watermark later.
func (t *tx) IndexPublicationEnds(limit int) (int, error) {
	var mark, hi sql.NullInt64
	var n int
	if err := t.sq.QueryRowContext(t.ctx, `SELECT (SELECT last_id FROM publication_ends_mark WHERE one = 1)`).Scan(&mark); err != nil {
		return 0, err
	}
	if err := t.sq.QueryRowContext(t.ctx, `SELECT max(id), count(*) FROM (SELECT id FROM records WHERE id > ? ORDER BY id LIMIT ?)`,
		mark.Int64, limit).Scan(&hi, &n); err != nil || n == 0 {
		return 0, err
	}
	if err := t.exec(`INSERT OR IGNORE INTO publication_ends (until, record_id) SELECT pub_until, id FROM records
		WHERE id > ? AND id <= ? AND status = 'active' AND published = 1 AND pub_until IS NOT NULL`, mark.Int64, hi.Int64); err != nil {
		return 0, err
	}
	return n, t.exec(`INSERT INTO publication_ends_mark (one, last_id) VALUES (1, ?)
		ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id`, hi.Int64)
}

// DropPublicationEnds implements store.RightsTx.
func (t *tx) DropPublicationEnds(until time.Time) error {
	return t.exec(`DELETE FROM publication_ends WHERE until <= ?`, until.Unix())
}

func (r reader) CalendarYears(ctx context.Context) ([]*credit.CalendarYear, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT c.version, c.body, c.loaded_by, c.loaded_at FROM calendar_years c
		WHERE c.version = (SELECT max(version) FROM calendar_years WHERE year = c.year) ORDER BY c.year`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.CalendarYear
	for rows.Next() {
		var y credit.CalendarYear
		var body string
		var v int
		var by string
		var at sql.NullInt64
		if err := rows.Scan(&v, &body, &by, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), &y); err != nil {
			return nil, err
		}
		y.Version, y.LoadedBy, y.LoadedAt = v, by, fromUnix(at)
		out = append(out, &y)
	}
	return out, rows.Err()
}

func scanCase(sc interface{ Scan(...any) error }) (*credit.Case, error) {
	var id int64
	var body string
	if err := sc.Scan(&id, &body); err != nil {
		return nil, err
	}
	var c credit.Case
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return nil, err
	}
	c.ID = id
	return &c, nil
}

func (r reader) Case(ctx context.Context, id int64) (*credit.Case, error) {
	c, err := scanCase(r.q.QueryRowContext(ctx, `SELECT id, body FROM cases WHERE id = ?`, id))
	if err != nil {
		return nil, notFound("申请", "case", err)
	}
	return c, nil
}

func (r reader) Cases(ctx context.Context, f store.CaseFilter) ([]*credit.Case, error) {
	q := `SELECT id, body FROM cases WHERE 1 = 1`
	var args []any
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, string(f.Kind))
	}
	if f.SubjectID != 0 {
		q += ` AND subject_id = ?`
		args = append(args, f.SubjectID)
	}
	if f.Dept != "" {
		q += ` AND dept = ?`
		args = append(args, f.Dept)
	}
	if f.Record != nil {
		q += ` AND dept = ? AND item = ? AND source_id = ?`
		args = append(args, f.Record.Dept, f.Record.Item, f.Record.SourceID)
	}
	if f.OpenOnly {
		q += ` AND open = 1`
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (r reader) evidence(ctx context.Context, withContent bool, where string, arg int64) ([]*store.Evidence, error) {
	content := `x''`
	if withContent {
		content = `content`
	}
	rows, err := r.q.QueryContext(ctx, `SELECT id, case_id, name, mime, size, sha256, `+content+`, uploaded_by, created_at
		FROM evidence WHERE `+where+` ORDER BY id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Evidence
	for rows.Next() {
		var e store.Evidence
		var at sql.NullInt64
		if err := rows.Scan(&e.ID, &e.CaseID, &e.Name, &e.Mime, &e.Size, &e.SHA256, &e.Sealed, &e.UploadedBy, &at); err != nil {
			return nil, err
		}
		if !withContent {
			e.Sealed = nil
		}
		e.CreatedAt = fromUnix(at)
		out = append(out, &e)
	}
	return out, rows.Err()
}

func (r reader) EvidenceOf(ctx context.Context, caseID int64) ([]*store.Evidence, error) {
	return r.evidence(ctx, false, `case_id = ?`, caseID)
}

func (r reader) EvidenceFile(ctx context.Context, id int64) (*store.Evidence, error) {
	es, err := r.evidence(ctx, true, `id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, credit.Errorf(credit.ENOTFOUND, "未找到材料 / evidence file not found")
	}
	return es[0], nil
}

func (r reader) Notices(ctx context.Context, subjectID int64, limit int) ([]*store.Notice, error) {
	q := `SELECT id, subject_id, case_id, at, text FROM notices WHERE subject_id = ? ORDER BY id DESC`
	args := []any{subjectID}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Notice
	for rows.Next() {
		var n store.Notice
		var at sql.NullInt64
		if err := rows.Scan(&n.ID, &n.SubjectID, &n.CaseID, &at, &n.Text); err != nil {
			return nil, err
		}
		n.At = fromUnix(at)
		out = append(out, &n)
	}
	return out, rows.Err()
}

func (t *tx) PutRecordState(st *credit.RecordState) error {
	return t.exec(`INSERT INTO record_status (`+stateCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (subject_id, dept, item, source_id) DO UPDATE SET objection = excluded.objection,
		repaired_at = excluded.repaired_at, repair_case = excluded.repair_case, revoked_at = excluded.revoked_at,
		expired_at = excluded.expired_at, updated_at = excluded.updated_at`,
		st.SubjectID, st.Dept, st.Item, st.SourceID, st.Objection, unix(st.RepairedAt), st.RepairCase, unix(st.RevokedAt),
		unix(st.ExpiredAt), unix(st.UpdatedAt))
}

func (t *tx) SaveCalendarYear(y *credit.CalendarYear) error {
	var v int
	if err := t.sq.QueryRowContext(t.ctx, `SELECT coalesce(max(version), 0) FROM calendar_years WHERE year = ?`, y.Year).Scan(&v); err != nil {
		return err
	}
	y.Version = v + 1
	body, err := json.Marshal(y)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO calendar_years (year, version, body, loaded_by, loaded_at) VALUES (?, ?, ?, ?, ?)`,
		y.Year, y.Version, string(body), y.LoadedBy, unix(y.LoadedAt))
}

func (t *tx) InsertCase(c *credit.Case) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	res, err := t.sq.ExecContext(t.ctx, `INSERT INTO cases (kind, subject_id, dept, item, source_id, status, open, filed_at, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, string(c.Kind), c.SubjectID, c.Dept, c.Item, c.SourceID, string(c.Status), c.Status.Open(),
		unix(c.FiledAt), string(body))
	if err != nil {
		return err
	}
	c.ID, err = res.LastInsertId()
	return err
}

func (t *tx) UpdateCase(c *credit.Case) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	res, err := t.sq.ExecContext(t.ctx, `UPDATE cases SET status = ?, open = ?, body = ? WHERE id = ?`,
		string(c.Status), c.Status.Open(), string(body), c.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return credit.Errorf(credit.ENOTFOUND, "未找到申请 / case %d not found", c.ID)
	}
	return nil
}

func (t *tx) InsertEvidence(e *store.Evidence) error {
	res, err := t.sq.ExecContext(t.ctx, `INSERT INTO evidence (case_id, name, mime, size, sha256, content, uploaded_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.CaseID, e.Name, e.Mime, e.Size, e.SHA256, e.Sealed, e.UploadedBy, unix(e.CreatedAt))
	if err != nil {
		return err
	}
	e.ID, err = res.LastInsertId()
	return err
}

func (t *tx) InsertNotice(n *store.Notice) error {
	res, err := t.sq.ExecContext(t.ctx, `INSERT INTO notices (subject_id, case_id, at, text) VALUES (?, ?, ?, ?)`,
		n.SubjectID, n.CaseID, unix(n.At), n.Text)
	if err != nil {
		return err
	}
	n.ID, err = res.LastInsertId()
	return err
}
