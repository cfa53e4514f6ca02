package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/listsql"
)

// reader implements store.Reader over either the pool or a transaction.
type reader struct {
	listsql.Reader
	q     querier
	inTx  bool       // q is a transaction: one connection, busy while a result is being read
	grams *gramStats // the common grams of name search, shared by the store's readers
}

func (r reader) LatestCatalog(ctx context.Context) (*credit.Catalog, error) {
	var body []byte
	err := r.q.QueryRow(ctx, `SELECT body FROM catalogs ORDER BY version DESC LIMIT 1`).Scan(&body)
	if err != nil {
		return nil, notFound("目录", "catalog", err)
	}
	var c credit.Catalog
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (r reader) CatalogVersions(ctx context.Context) ([]store.CatalogVersion, error) {
	rows, err := r.q.Query(ctx, `SELECT version, published_at, note,
		CASE WHEN jsonb_typeof(body->'items') = 'array' THEN jsonb_array_length(body->'items') ELSE 0 END
		FROM catalogs ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.CatalogVersion
	for rows.Next() {
		var v store.CatalogVersion
		var at *time.Time
		if err := rows.Scan(&v.Version, &at, &v.Note, &v.Items); err != nil {
			return nil, err
		}
		v.PublishedAt = fromTS(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

func (r reader) CodeExceptions(ctx context.Context) ([]store.CodeException, error) {
	rows, err := r.q.Query(ctx, `SELECT code, note, created_by, created_at FROM code_exceptions ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.CodeException
	for rows.Next() {
		var e store.CodeException
		var at *time.Time
		if err := rows.Scan(&e.Code, &e.Note, &e.CreatedBy, &at); err != nil {
			return nil, err
		}
		e.CreatedAt = fromTS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

const subjectCols = `id, key, coalesce(code, ''), kind, name, name_norm, region, coalesce(legal_rep_id, 0), legal_rep,
	former_names, legacy_codes, status, id_cipher, name_cipher, id_masked, created_at, updated_at`

func scanSubject(sc pgx.Row) (*credit.Subject, error) {
	var s credit.Subject
	var kind, status string
	var created, updated *time.Time
	err := sc.Scan(&s.ID, &s.Key, &s.Code, &kind, &s.Name, &s.NameNorm, &s.Region, &s.LegalRepID, &s.LegalRep,
		&s.FormerNames, &s.LegacyCodes, &status, &s.IDCipher, &s.NameCipher, &s.IDMasked, &created, &updated)
	if err != nil {
		return nil, err
	}
	s.Kind, s.Status = credit.SubjectKind(kind), credit.SubjectStatus(status)
	// An empty list reads back as nil, as from the SQLite store.
	if len(s.FormerNames) == 0 {
		s.FormerNames = nil
	}
	if len(s.LegacyCodes) == 0 {
		s.LegacyCodes = nil
	}
	s.CreatedAt, s.UpdatedAt = fromTS(created), fromTS(updated)
	return &s, nil
}

func (r reader) SubjectByKey(ctx context.Context, key string) (*credit.Subject, error) {
	s, err := scanSubject(r.q.QueryRow(ctx, `SELECT `+subjectCols+` FROM subjects WHERE key = $1`, key))
	return s, notFound("主体", "subject", err)
}

func (r reader) SubjectByID(ctx context.Context, id int64) (*credit.Subject, error) {
	s, err := scanSubject(r.q.QueryRow(ctx, `SELECT `+subjectCols+` FROM subjects WHERE id = $1`, id))
	return s, notFound("主体", "subject", err)
}

func (r reader) SubjectByAlias(ctx context.Context, alias string) (*credit.Subject, error) {
	s, err := scanSubject(r.q.QueryRow(ctx, `SELECT `+subjectCols+` FROM subjects
		WHERE id = (SELECT subject_id FROM subject_aliases WHERE alias = $1)`, alias))
	return s, notFound("主体", "subject", err)
}

// SearchSubjects lists exact name matches first, then fragment matches in id order, as the
// SQLite store does; the fragment matches come from subject_search (see search.go).
func (r reader) SearchSubjects(ctx context.Context, q store.SearchQuery) (*store.SearchResult, error) {
	if q.Name == "" {
		return &store.SearchResult{}, nil
	}
	need := q.SearchNeed()
	exact, err := r.subjects(ctx, `SELECT `+subjectCols+` FROM subjects WHERE name_norm = $1 AND kind <> 'person' ORDER BY id LIMIT $2`,
		q.Name, need)
	if err != nil {
		return nil, err
	}
	all := exact
	if len(all) < need {
		// An exact match also contains the fragment: ask for enough to drop them here.
		ids, err := r.fragmentIDs(ctx, q.Name, need+len(exact))
		if err != nil {
			return nil, err
		}
		ids = slices.DeleteFunc(ids, func(id int64) bool {
			return slices.ContainsFunc(exact, func(s *credit.Subject) bool { return s.ID == id })
		})
		ids = ids[:min(len(ids), need-len(exact))]
		if len(ids) > 0 {
			more, err := r.subjects(ctx, `SELECT `+subjectCols+` FROM subjects WHERE id = ANY($1) ORDER BY id`, ids)
			if err != nil {
				return nil, err
			}
			all = append(all, more...)
		}
	}
	return store.SearchPage(all, q), nil
}

func (r reader) subjects(ctx context.Context, query string, args ...any) ([]*credit.Subject, error) {
	rows, err := r.q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.Subject
	for rows.Next() {
		s, err := scanSubject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// escapeLike escapes LIKE's wildcards; backslash is PostgreSQL's default LIKE escape.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

const recordCols = `id, subject_id, item, item_version, dept, source_id, version, coalesce(batch_id, 0), fields, personal, hash,
	decision, pub_from, pub_until, published, status, created_at`

func scanRecord(sc pgx.Row) (*credit.Record, error) {
	var r credit.Record
	var fields []byte
	var status string
	var decision, from, until, created *time.Time
	err := sc.Scan(&r.ID, &r.SubjectID, &r.Item, &r.ItemVersion, &r.Dept, &r.SourceID, &r.Version, &r.BatchID, &fields,
		&r.Personal, &r.Hash, &decision, &from, &until, &r.Published, &status, &created)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(fields, &r.Fields); err != nil {
		return nil, err
	}
	r.Status = credit.RecordStatus(status)
	r.Decision, r.PubFrom, r.PubUntil, r.CreatedAt = fromTS(decision), fromTS(from), fromTS(until), fromTS(created)
	return &r, nil
}

func (r reader) SubjectRecords(ctx context.Context, subjectID int64, f store.RecordFilter) ([]*credit.Record, error) {
	q := `SELECT ` + recordCols + ` FROM records WHERE subject_id = $1`
	args := []any{subjectID}
	if f.ActiveOnly {
		q += ` AND status = 'active'`
	}
	if f.Item != "" {
		args = append(args, f.Item)
		q += ` AND item = $` + strconv.Itoa(len(args))
	}
	// NULLS LAST: SQLite sorts a NULL below every value, so records without a decision date
	// come last there too.
	q += ` ORDER BY decision DESC NULLS LAST, id DESC`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	return r.records(ctx, q, args...)
}

func (r reader) records(ctx context.Context, q string, args ...any) ([]*credit.Record, error) {
	rows, err := r.q.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credit.Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

func (r reader) RecordVersions(ctx context.Context, dept, item, sourceID string) ([]*credit.Record, error) {
	return r.records(ctx, `SELECT `+recordCols+` FROM records WHERE dept = $1 AND item = $2 AND source_id = $3 ORDER BY version`,
		dept, item, sourceID)
}

func (r reader) Counters(ctx context.Context) (map[string]int64, error) {
	rows, err := r.q.Query(ctx, `SELECT name, value FROM counters`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

const batchCols = `id, dept, item, file_name, file_hash, format, encoding, header, status, error, checkpoint, rows,
	accepted, versions, unchanged, rejected, submitted_by, created_at, finished_at`

func scanBatch(sc pgx.Row) (*store.Batch, error) {
	var b store.Batch
	var header, status string
	var created, finished *time.Time
	err := sc.Scan(&b.ID, &b.Dept, &b.Item, &b.FileName, &b.FileHash, &b.Format, &b.Encoding, &header, &status, &b.Error,
		&b.Checkpoint, &b.Rows, &b.Accepted, &b.Versions, &b.Unchanged, &b.Rejected, &b.SubmittedBy, &created, &finished)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(header), &b.Header); err != nil {
		return nil, err
	}
	b.Status = store.BatchStatus(status)
	b.CreatedAt, b.FinishedAt = fromTS(created), fromTS(finished)
	return &b, nil
}

func (r reader) Batch(ctx context.Context, id int64) (*store.Batch, error) {
	b, err := scanBatch(r.q.QueryRow(ctx, `SELECT `+batchCols+` FROM batches WHERE id = $1`, id))
	return b, notFound("批次", "batch", err)
}

func (r reader) Batches(ctx context.Context, f store.BatchFilter) ([]*store.Batch, error) {
	q := `SELECT ` + batchCols + ` FROM batches WHERE true`
	var args []any
	if f.Dept != "" {
		args = append(args, f.Dept)
		q += ` AND dept = $` + strconv.Itoa(len(args))
	}
	if f.Item != "" {
		args = append(args, f.Item)
		q += ` AND item = $` + strconv.Itoa(len(args))
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	rows, err := r.q.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Rejects streams the rows from the pool. Inside a transaction it reads them all first: the
// transaction's one connection is busy until a result is read, and fn may well query again.
func (r reader) Rejects(ctx context.Context, batchID int64, fn func(*store.Reject) error) error {
	rows, err := r.q.Query(ctx, `SELECT batch_id, row_num, dept, item, source_id, vals, errors, coalesce(resolved_batch, 0), sealed
		FROM rejects WHERE batch_id = $1 ORDER BY row_num`, batchID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var held []*store.Reject
	for rows.Next() {
		var rj store.Reject
		var vals, errs string
		if err := rows.Scan(&rj.BatchID, &rj.Row, &rj.Dept, &rj.Item, &rj.SourceID, &vals, &errs, &rj.Resolved, &rj.Sealed); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(vals), &rj.Values); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(errs), &rj.Errors); err != nil {
			return err
		}
		if r.inTx {
			held = append(held, &rj)
			continue
		}
		if err := fn(&rj); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	for _, rj := range held {
		if err := fn(rj); err != nil {
			return err
		}
	}
	return nil
}
