package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"unicode"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/listsql"
)

// reader implements store.Reader over either the reader pool or a write transaction.
type reader struct {
	q querier
	listsql.Reader
}

func (r reader) LatestCatalog(ctx context.Context) (*credit.Catalog, error) {
	var body string
	err := r.q.QueryRowContext(ctx, `SELECT body FROM catalogs ORDER BY version DESC LIMIT 1`).Scan(&body)
	if err != nil {
		return nil, notFound("目录", "catalog", err)
	}
	var c credit.Catalog
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (r reader) CatalogVersions(ctx context.Context) ([]store.CatalogVersion, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT version, published_at, note, json_array_length(body, '$.items') FROM catalogs ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.CatalogVersion
	for rows.Next() {
		var v store.CatalogVersion
		var at sql.NullInt64
		if err := rows.Scan(&v.Version, &at, &v.Note, &v.Items); err != nil {
			return nil, err
		}
		v.PublishedAt = fromUnix(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

func (r reader) CodeExceptions(ctx context.Context) ([]store.CodeException, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT code, note, created_by, created_at FROM code_exceptions ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.CodeException
	for rows.Next() {
		var e store.CodeException
		var at sql.NullInt64
		if err := rows.Scan(&e.Code, &e.Note, &e.CreatedBy, &at); err != nil {
			return nil, err
		}
		e.CreatedAt = fromUnix(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

const subjectCols = `id, key, coalesce(code, ''), kind, name, name_norm, region, coalesce(legal_rep_id, 0), legal_rep,
	former_names, legacy_codes, status, id_cipher, name_cipher, id_masked, created_at, updated_at`

func scanSubject(sc interface{ Scan(...any) error }) (*credit.Subject, error) {
	var s credit.Subject
	var former, legacy string
	var created, updated sql.NullInt64
	err := sc.Scan(&s.ID, &s.Key, &s.Code, &s.Kind, &s.Name, &s.NameNorm, &s.Region, &s.LegalRepID, &s.LegalRep,
		&former, &legacy, &s.Status, &s.IDCipher, &s.NameCipher, &s.IDMasked, &created, &updated)
	if err != nil {
		return nil, err
	}
	s.FormerNames = splitList(former)
	s.LegacyCodes = splitList(legacy)
	s.CreatedAt, s.UpdatedAt = fromUnix(created), fromUnix(updated)
	return &s, nil
}

// Lists (former names, legacy codes) are stored as one column joined by a unit separator.
const listSep = "\x1f"

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, listSep)
}

func joinList(l []string) string { return strings.Join(l, listSep) }

func (r reader) SubjectByKey(ctx context.Context, key string) (*credit.Subject, error) {
	s, err := scanSubject(r.q.QueryRowContext(ctx, `SELECT `+subjectCols+` FROM subjects WHERE key = ?`, key))
	return s, notFound("主体", "subject", err)
}

func (r reader) SubjectByID(ctx context.Context, id int64) (*credit.Subject, error) {
	s, err := scanSubject(r.q.QueryRowContext(ctx, `SELECT `+subjectCols+` FROM subjects WHERE id = ?`, id))
	return s, notFound("主体", "subject", err)
}

func (r reader) SubjectByAlias(ctx context.Context, alias string) (*credit.Subject, error) {
	s, err := scanSubject(r.q.QueryRowContext(ctx, `SELECT `+subjectCols+` FROM subjects WHERE id = (SELECT subject_id FROM subject_aliases WHERE alias = ?)`, alias))
	return s, notFound("主体", "subject", err)
}

// SearchSubjects lists exact name matches first, then fragment matches in id order: the trigram
// index for three characters or more, the character-token index (a phrase of adjacent
// characters) for one or two, and a LIKE scan only for short queries with punctuation. No query
// sorts its matches, so a fragment that matches most names still stops after one page.
func (r reader) SearchSubjects(ctx context.Context, q store.SearchQuery) (*store.SearchResult, error) {
	if q.Name == "" {
		return &store.SearchResult{}, nil
	}
	need := q.SearchNeed()
	exact, err := r.subjects(ctx, `SELECT `+subjectCols+` FROM subjects WHERE name_norm = ? AND kind <> 'person' ORDER BY id LIMIT ?`, q.Name, need)
	if err != nil {
		return nil, err
	}
	all := exact
	if len(all) < need {
		skip := make([]string, 0, len(exact))
		args := []any{}
		for _, s := range exact {
			skip = append(skip, "?")
			args = append(args, s.ID)
		}
		notIn := ""
		if len(skip) > 0 {
			notIn = ` AND id NOT IN (` + strings.Join(skip, ",") + `)`
		}
		var more []*credit.Subject
		if chars, ok := charPhrase(q.Name); len([]rune(q.Name)) >= 3 || ok {
			table, phrase := "subject_fts", `"`+strings.ReplaceAll(q.Name, `"`, `""`)+`"`
			if len([]rune(q.Name)) < 3 {
				table, phrase = "subject_chars", chars
			}
			more, err = r.subjects(ctx, `SELECT `+subjectCols+` FROM subjects WHERE id IN (
				SELECT rowid FROM `+table+` WHERE `+table+` MATCH ? ORDER BY rowid LIMIT ?)`+notIn+` ORDER BY id`,
				append([]any{phrase, need}, args...)...)
		} else {
			more, err = r.subjects(ctx, `SELECT `+subjectCols+` FROM subjects WHERE name_norm LIKE ? ESCAPE '\' AND kind <> 'person'`+notIn+` LIMIT ?`,
				append(append([]any{"%" + escapeLike(q.Name) + "%"}, args...), need)...)
		}
		if err != nil {
			return nil, err
		}
		all = append(all, more...)
	}
	return store.SearchPage(all, q), nil
}

func (r reader) subjects(ctx context.Context, query string, args ...any) ([]*credit.Subject, error) {
	rows, err := r.q.QueryContext(ctx, query, args...)
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

// charPhrase turns a short query into an FTS phrase of single-character tokens ("华 为"); ok is
// false when the query holds characters the tokenizer drops (punctuation), which then need a scan.
func charPhrase(q string) (string, bool) {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range q {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return "", false
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String(), true
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

const recordCols = `id, subject_id, item, item_version, dept, source_id, version, coalesce(batch_id, 0), fields, personal, hash,
	decision, pub_from, pub_until, published, status, created_at`

func scanRecord(sc interface{ Scan(...any) error }) (*credit.Record, error) {
	var r credit.Record
	var fields string
	var decision, from, until, created sql.NullInt64
	err := sc.Scan(&r.ID, &r.SubjectID, &r.Item, &r.ItemVersion, &r.Dept, &r.SourceID, &r.Version, &r.BatchID, &fields,
		&r.Personal, &r.Hash, &decision, &from, &until, &r.Published, &r.Status, &created)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(fields), &r.Fields); err != nil {
		return nil, err
	}
	r.Decision, r.PubFrom, r.PubUntil, r.CreatedAt = fromUnix(decision), fromUnix(from), fromUnix(until), fromUnix(created)
	return &r, nil
}

func (r reader) SubjectRecords(ctx context.Context, subjectID int64, f store.RecordFilter) ([]*credit.Record, error) {
	q := `SELECT ` + recordCols + ` FROM records WHERE subject_id = ?`
	args := []any{subjectID}
	if f.ActiveOnly {
		q += ` AND status = 'active'`
	}
	if f.Item != "" {
		q += ` AND item = ?`
		args = append(args, f.Item)
	}
	q += ` ORDER BY decision DESC, id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return r.records(ctx, q, args...)
}

func (r reader) records(ctx context.Context, q string, args ...any) ([]*credit.Record, error) {
	rows, err := r.q.QueryContext(ctx, q, args...)
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
	return r.records(ctx, `SELECT `+recordCols+` FROM records WHERE dept = ? AND item = ? AND source_id = ? ORDER BY version`,
		dept, item, sourceID)
}

func (r reader) Counters(ctx context.Context) (map[string]int64, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT name, value FROM counters`)
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

func scanBatch(sc interface{ Scan(...any) error }) (*store.Batch, error) {
	var b store.Batch
	var header string
	var created, finished sql.NullInt64
	err := sc.Scan(&b.ID, &b.Dept, &b.Item, &b.FileName, &b.FileHash, &b.Format, &b.Encoding, &header, &b.Status, &b.Error,
		&b.Checkpoint, &b.Rows, &b.Accepted, &b.Versions, &b.Unchanged, &b.Rejected, &b.SubmittedBy, &created, &finished)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(header), &b.Header); err != nil {
		return nil, err
	}
	b.CreatedAt, b.FinishedAt = fromUnix(created), fromUnix(finished)
	return &b, nil
}

func (r reader) Batch(ctx context.Context, id int64) (*store.Batch, error) {
	b, err := scanBatch(r.q.QueryRowContext(ctx, `SELECT `+batchCols+` FROM batches WHERE id = ?`, id))
	return b, notFound("批次", "batch", err)
}

func (r reader) Batches(ctx context.Context, f store.BatchFilter) ([]*store.Batch, error) {
	q := `SELECT ` + batchCols + ` FROM batches WHERE 1 = 1`
	var args []any
	if f.Dept != "" {
		q += ` AND dept = ?`
		args = append(args, f.Dept)
	}
	if f.Item != "" {
		q += ` AND item = ?`
		args = append(args, f.Item)
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

func (r reader) Rejects(ctx context.Context, batchID int64, fn func(*store.Reject) error) error {
	rows, err := r.q.QueryContext(ctx, `SELECT batch_id, row_num, dept, item, source_id, vals, errors, coalesce(resolved_batch, 0), sealed
		FROM rejects WHERE batch_id = ? ORDER BY row_num`, batchID)
	if err != nil {
		return err
	}
	defer rows.Close()
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
		if err := fn(&rj); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (r reader) Meta(ctx context.Context, name string) (string, error) {
	var v string
	err := r.q.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = ?`, name).Scan(&v)
	return v, notFound("设置项", "setting", err)
}
