package postgres

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Subjects' rights (异议、信用修复与工作日历): migration 0008_rights.sql.

func (r reader) RecordByID(ctx context.Context, id int64) (*credit.Record, error) {
	rec, err := scanRecord(r.q.QueryRow(ctx, `SELECT `+recordCols+` FROM records WHERE id = $1`, id))
	if err != nil {
		return nil, notFound("记录", "record", err)
	}
	return rec, nil
}

// recordColsR is recordCols on the alias r.
const recordColsR = `r.id, r.subject_id, r.item, r.item_version, r.dept, r.source_id, r.version, coalesce(r.batch_id, 0), r.fields,
	r.personal, r.hash, r.decision, r.pub_from, r.pub_until, r.published, r.status, r.created_at`

const stateCols = `subject_id, dept, item, source_id, objection, repaired_at, repair_case, revoked_at, expired_at, updated_at`

func scanState(sc pgx.Row) (*credit.RecordState, error) {
	var st credit.RecordState
	var rep, rev, exp, upd *time.Time
	if err := sc.Scan(&st.SubjectID, &st.Dept, &st.Item, &st.SourceID, &st.Objection, &rep, &st.RepairCase, &rev, &exp, &upd); err != nil {
		return nil, err
	}
	st.RepairedAt, st.RevokedAt, st.ExpiredAt, st.UpdatedAt = fromTS(rep), fromTS(rev), fromTS(exp), fromTS(upd)
	return &st, nil
}

func (r reader) RecordStates(ctx context.Context, subjectID int64) (map[store.RecordKey]*credit.RecordState, error) {
	rows, err := r.q.Query(ctx, `SELECT `+stateCols+` FROM record_status WHERE subject_id = $1`, subjectID)
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
	rows, err := r.q.Query(ctx,
		// LATERAL keeps record_status (a few rows) outside and looks each record up by its key.
		`SELECT r.id FROM record_status s
		CROSS JOIN LATERAL (SELECT id FROM records
			WHERE dept = s.dept AND item = s.item AND source_id = s.source_id AND status = 'active') r
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
	st, err := scanState(r.q.QueryRow(ctx, `SELECT `+stateCols+` FROM record_status WHERE dept = $1 AND item = $2 AND source_id = $3`,
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
		WHERE e.until <= $1 AND r.status = 'active' AND r.published AND s.expired_at IS NULL
		ORDER BY e.until, e.record_id LIMIT $2`, ts(now), limit)
}

// IndexPublicationEnds implements store.RightsTx. Record ids come from a sequence, so a
// transaction still loading records may hold ids below ones already committed: the share lock
// waits for every such transaction to end (and holds new ones off for this short transaction),
// so the watermark never passes a record that is not yet visible.
func (t *tx) IndexPublicationEnds(limit int) (int, error) {
	if err := t.exec(`LOCK TABLE records IN SHARE MODE`); err != nil {
		return 0, err
	}
	var mark, hi *int64
	var n int
	if err := t.tx.QueryRow(t.ctx, `SELECT (SELECT last_id FROM publication_ends_mark WHERE one)`).Scan(&mark); err != nil {
		return 0, err
	}
	from := int64(0)
	if mark != nil {
		from = *mark
	}
	if err := t.tx.QueryRow(t.ctx, `SELECT max(id), count(*) FROM (SELECT id FROM records WHERE id > $1 ORDER BY id LIMIT $2) x`,
		from, limit).Scan(&hi, &n); err != nil || n == 0 {
		return 0, err
	}
	if err := t.exec(`INSERT INTO publication_ends (until, record_id) SELECT pub_until, id FROM records
		WHERE id > $1 AND id <= $2 AND status = 'active' AND published AND pub_until IS NOT NULL
		ON CONFLICT DO NOTHING`, from, *hi); err != nil {
		return 0, err
	}
	return n, t.exec(`INSERT INTO publication_ends_mark (one, last_id) VALUES (true, $1)
		ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id`, *hi)
}

// DropPublicationEnds implements store.RightsTx.
func (t *tx) DropPublicationEnds(until time.Time) error {
	return t.exec(`DELETE FROM publication_ends WHERE until <= $1`, ts(until))
}

func (r reader) CalendarYears(ctx context.Context) ([]*credit.CalendarYear, error) {
	rows, err := r.q.Query(ctx, `SELECT c.version, c.body, c.loaded_by, c.loaded_at FROM calendar_years c
		WHERE c.version = (SELECT max(version) FROM calendar_years WHERE year = c.year) ORDER BY c.year`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.CalendarYear
	for rows.Next() {
		var y credit.CalendarYear
		var body, by string
		var v int
		var at *time.Time
		if err := rows.Scan(&v, &body, &by, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), &y); err != nil {
			return nil, err
		}
		y.Version, y.LoadedBy, y.LoadedAt = v, by, fromTS(at)
		out = append(out, &y)
	}
	return out, rows.Err()
}

func scanCase(sc pgx.Row) (*credit.Case, error) {
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
	c, err := scanCase(r.q.QueryRow(ctx, `SELECT id, body FROM cases WHERE id = $1`, id))
	if err != nil {
		return nil, notFound("申请", "case", err)
	}
	return c, nil
}

func (r reader) Cases(ctx context.Context, f store.CaseFilter) ([]*credit.Case, error) {
	q := `SELECT id, body FROM cases WHERE true`
	var args []any
	arg := func(v any) string { args = append(args, v); return `$` + strconv.Itoa(len(args)) }
	if f.Kind != "" {
		q += ` AND kind = ` + arg(string(f.Kind))
	}
	if f.SubjectID != 0 {
		q += ` AND subject_id = ` + arg(f.SubjectID)
	}
	if f.Dept != "" {
		q += ` AND dept = ` + arg(f.Dept)
	}
	if f.Record != nil {
		q += ` AND dept = ` + arg(f.Record.Dept) + ` AND item = ` + arg(f.Record.Item) + ` AND source_id = ` + arg(f.Record.SourceID)
	}
	if f.OpenOnly {
		q += ` AND open`
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + arg(f.Limit)
	}
	rows, err := r.q.Query(ctx, q, args...)
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
	content := `''::bytea`
	if withContent {
		content = `content`
	}
	rows, err := r.q.Query(ctx, `SELECT id, case_id, name, mime, size, sha256, `+content+`, uploaded_by, created_at
		FROM evidence WHERE `+where+` ORDER BY id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Evidence
	for rows.Next() {
		var e store.Evidence
		var at *time.Time
		if err := rows.Scan(&e.ID, &e.CaseID, &e.Name, &e.Mime, &e.Size, &e.SHA256, &e.Sealed, &e.UploadedBy, &at); err != nil {
			return nil, err
		}
		if !withContent {
			e.Sealed = nil
		}
		e.CreatedAt = fromTS(at)
		out = append(out, &e)
	}
	return out, rows.Err()
}

func (r reader) EvidenceOf(ctx context.Context, caseID int64) ([]*store.Evidence, error) {
	return r.evidence(ctx, false, `case_id = $1`, caseID)
}

func (r reader) EvidenceFile(ctx context.Context, id int64) (*store.Evidence, error) {
	es, err := r.evidence(ctx, true, `id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, credit.Errorf(credit.ENOTFOUND, "未找到材料 / evidence file not found")
	}
	return es[0], nil
}

func (r reader) Notices(ctx context.Context, subjectID int64, limit int) ([]*store.Notice, error) {
	q := `SELECT id, subject_id, case_id, at, text FROM notices WHERE subject_id = $1 ORDER BY id DESC`
	args := []any{subjectID}
	if limit > 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	rows, err := r.q.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Notice
	for rows.Next() {
		var n store.Notice
		var at *time.Time
		if err := rows.Scan(&n.ID, &n.SubjectID, &n.CaseID, &at, &n.Text); err != nil {
			return nil, err
		}
		n.At = fromTS(at)
		out = append(out, &n)
	}
	return out, rows.Err()
}

func (t *tx) PutRecordState(st *credit.RecordState) error {
	return t.exec(`INSERT INTO record_status (`+stateCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (subject_id, dept, item, source_id) DO UPDATE SET objection = excluded.objection,
		repaired_at = excluded.repaired_at, repair_case = excluded.repair_case, revoked_at = excluded.revoked_at,
		expired_at = excluded.expired_at, updated_at = excluded.updated_at`,
		st.SubjectID, st.Dept, st.Item, st.SourceID, st.Objection, ts(st.RepairedAt), st.RepairCase, ts(st.RevokedAt),
		ts(st.ExpiredAt), ts(st.UpdatedAt))
}

func (t *tx) SaveCalendarYear(y *credit.CalendarYear) error {
	var v int
	if err := t.tx.QueryRow(t.ctx, `SELECT coalesce(max(version), 0) FROM calendar_years WHERE year = $1`, y.Year).Scan(&v); err != nil {
		return err
	}
	y.Version = v + 1
	body, err := json.Marshal(y)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO calendar_years (year, version, body, loaded_by, loaded_at) VALUES ($1, $2, $3, $4, $5)`,
		y.Year, y.Version, string(body), y.LoadedBy, ts(y.LoadedAt))
}

func (t *tx) InsertCase(c *credit.Case) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return t.tx.QueryRow(t.ctx, `INSERT INTO cases (kind, subject_id, dept, item, source_id, status, open, filed_at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, string(c.Kind), c.SubjectID, c.Dept, c.Item, c.SourceID,
		string(c.Status), c.Status.Open(), ts(c.FiledAt), string(body)).Scan(&c.ID)
}

func (t *tx) UpdateCase(c *credit.Case) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	tag, err := t.tx.Exec(t.ctx, `UPDATE cases SET status = $1, open = $2, body = $3 WHERE id = $4`,
		string(c.Status), c.Status.Open(), string(body), c.ID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return credit.Errorf(credit.ENOTFOUND, "未找到申请 / case %d not found", c.ID)
	}
	return nil
}

func (t *tx) InsertEvidence(e *store.Evidence) error {
	return t.tx.QueryRow(t.ctx, `INSERT INTO evidence (case_id, name, mime, size, sha256, content, uploaded_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, e.CaseID, e.Name, e.Mime, e.Size, e.SHA256, e.Sealed, e.UploadedBy,
		ts(e.CreatedAt)).Scan(&e.ID)
}

func (t *tx) InsertNotice(n *store.Notice) error {
	return t.tx.QueryRow(t.ctx, `INSERT INTO notices (subject_id, case_id, at, text) VALUES ($1, $2, $3, $4) RETURNING id`,
		n.SubjectID, n.CaseID, ts(n.At), n.Text).Scan(&n.ID)
}
