package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/listsql"
)

type tx struct {
	reader
	listsql.Tx
	db    *DB
	sq    *sql.Tx
	ctx   context.Context
	stmts map[string]*sql.Stmt
	// names are the organisations created in this transaction whose names are not yet in the
	// partial-name indexes (subject_fts, subject_chars); flushNames puts them there, before the
	// commit or anything that reads or changes those indexes in the transaction.
	names []nameRow
}

// nameRow is an organisation's id and the text partial-name search indexes (ftsText).
type nameRow struct {
	id   int64
	text string
}

// flushNames adds the transaction's new names to the full-text indexes, one row per statement
// and after the transaction's other writes. A statement that writes several rows and keeps a
// statement journal opens a savepoint, and FTS5 writes its pending terms out as a new segment
// at every savepoint: with the names inserted 500 to a statement, among the chunk's other
// multi-row inserts, each chunk left several small segments in each index, and writing and
// merging them was 9 % of a registry import's CPU (perf, 1,000,000 organisations). One row per
// statement opens no savepoint, and neither do the subjects' and records' inserts (appendRows),
// so the terms stay in FTS5's memory until the commit (or its 1 MiB limit).
func (t *tx) flushNames() error {
	if len(t.names) == 0 {
		return nil
	}
	for _, q := range [...]struct {
		query  string
		spaced bool
	}{{`INSERT INTO subject_fts (rowid, name) VALUES (?, ?)`, false}, {`INSERT INTO subject_chars (rowid, name) VALUES (?, ?)`, true}} {
		s, err := t.stmt(q.query)
		if err != nil {
			return err
		}
		for _, n := range t.names {
			text := n.text
			if q.spaced {
				text = spaced(text)
			}
			if _, err := s.ExecContext(t.ctx, n.id, text); err != nil {
				return err
			}
		}
	}
	t.names = nil
	return nil
}

// SearchSubjects searches with the transaction's own new names indexed.
func (t *tx) SearchSubjects(ctx context.Context, q store.SearchQuery) (*store.SearchResult, error) {
	if err := t.flushNames(); err != nil {
		return nil, err
	}
	return t.reader.SearchSubjects(ctx, q)
}

// stmt returns a statement prepared once per transaction (the single writer connection is
// busy with the transaction, so statements cannot be prepared on the pool meanwhile), or, for
// the writer's fixed statements, prepared once when the store opened.
func (t *tx) stmt(query string) (*sql.Stmt, error) {
	if s, ok := t.stmts[query]; ok {
		return s, nil
	}
	var s *sql.Stmt
	var err error
	if f, ok := t.db.fixed[query]; ok {
		s = t.sq.StmtContext(t.ctx, f) // reuses f's statement on the writer connection
	} else {
		s, err = t.sq.PrepareContext(t.ctx, query)
	}
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = s
	return s, nil
}

func (t *tx) exec(query string, args ...any) error {
	_, err := t.sq.ExecContext(t.ctx, query, args...)
	return err
}

func (t *tx) SaveCatalog(c *credit.Catalog) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	err = t.exec(`INSERT INTO catalogs (version, published_at, note, body) VALUES (?, ?, ?, ?)`, c.Version, unix(c.PublishedAt), c.Note, string(body))
	if err != nil && isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "目录版本 %d 已存在 / catalog version %d exists", c.Version, c.Version)
	}
	return err
}

func (t *tx) PutCodeException(e store.CodeException) error {
	return t.exec(`INSERT INTO code_exceptions (code, note, created_by, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET note = excluded.note, created_by = excluded.created_by, created_at = excluded.created_at`,
		e.Code, e.Note, e.CreatedBy, unix(e.CreatedAt))
}

func (t *tx) DeleteCodeException(code string) error {
	res, err := t.sq.ExecContext(t.ctx, `DELETE FROM code_exceptions WHERE code = ?`, code)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return credit.Errorf(credit.ENOTFOUND, "未登记该例外代码 / no such code exception: %s", code)
	}
	return nil
}

// inChunk is how many values one IN (...) list or multi-row VALUES carries.
const inChunk = 500

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func (t *tx) lookup(query string, keys []string, into map[string]int64) error {
	for len(keys) > 0 {
		n := min(len(keys), inChunk)
		args := make([]any, n)
		for i, k := range keys[:n] {
			args[i] = k
		}
		s, err := t.stmt(fmt.Sprintf(query, placeholders(n)))
		if err != nil {
			return err
		}
		rows, err := s.QueryContext(t.ctx, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k string
			var id int64
			if err := rows.Scan(&k, &id); err != nil {
				rows.Close()
				return err
			}
			into[k] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

func (t *tx) SubjectIDs(keys []string, ids map[string]int64) error {
	return t.lookup(`SELECT key, id FROM subjects WHERE key IN (%s)`, keys, ids)
}

func (t *tx) AliasIDs(aliases []string, ids map[string]int64) error {
	return t.lookup(`SELECT alias, subject_id FROM subject_aliases WHERE alias IN (%s)`, aliases, ids)
}

func (t *tx) nextID(table string) (int64, error) {
	var id int64
	err := t.sq.QueryRowContext(t.ctx, `SELECT coalesce(max(id), 0) + 1 FROM `+table).Scan(&id)
	return id, err
}

// insertRows inserts rows of ncol values with multi-row VALUES statements.
func (t *tx) insertRows(prefix string, ncol int, nrows int, row func(i int, args []any) []any, suffix ...string) error {
	return t.insertRowsThen(prefix, ncol, nrows, row, nil, suffix...)
}

// appendRows inserts rows as insertRows does into a table whose INTEGER PRIMARY KEY the
// statement leaves out, so that SQLite numbers the rows from first on (first must be nextID's:
// SQLite gives a new row one more than the table's largest id), and checks that it did.
//
// Naming the id in a multi-row INSERT makes SQLite ready to undo the statement alone (the id
// might not be an integer), so it copies every page the statement is the first to change into a
// statement journal (and FTS5 writes out its pending terms, see flushNames): 9 % of a registry
// import's CPU at 1,000,000 organisations, whose indexes' pages are all over the file (perf). Left out
// under INSERT OR ROLLBACK, nothing in the statement can fail without ending the transaction,
// and SQLite keeps no statement journal.
func (t *tx) appendRows(prefix string, ncol int, nrows int, first int64, row func(i int, args []any) []any) error {
	return t.insertRowsThen(prefix, ncol, nrows, row, func(start, n int, res sql.Result) error {
		last, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if want := first + int64(start+n-1); last != want {
			return fmt.Errorf("SQLite 行编号至 %d，应为 %d / sqlite: rows numbered up to %d, expected %d", last, want, last, want)
		}
		return nil
	})
}

func (t *tx) insertRowsThen(prefix string, ncol int, nrows int, row func(i int, args []any) []any, then func(start, n int, res sql.Result) error, suffix ...string) error {
	per := max(1, min(inChunk, 30000/ncol))
	one := "(" + placeholders(ncol) + ")"
	args := make([]any, 0, per*ncol)
	for start := 0; start < nrows; start += per {
		n := min(per, nrows-start)
		args = args[:0]
		for i := start; i < start+n; i++ {
			args = row(i, args)
		}
		s, err := t.stmt(prefix + strings.TrimSuffix(strings.Repeat(one+",", n), ",") + strings.Join(suffix, ""))
		if err != nil {
			return err
		}
		res, err := s.ExecContext(t.ctx, args...)
		if err != nil {
			return err
		}
		if then != nil {
			if err := then(start, n, res); err != nil {
				return err
			}
		}
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (t *tx) InsertSubjects(subs []*credit.Subject) error {
	if len(subs) == 0 {
		return nil
	}
	next, err := t.nextID("subjects")
	if err != nil {
		return err
	}
	for _, s := range subs {
		s.ID = next
		next++
	}
	err = t.appendRows(`INSERT OR ROLLBACK INTO subjects (key, code, kind, name, name_norm, region, legal_rep_id, legal_rep,
		former_names, legacy_codes, status, id_cipher, name_cipher, id_masked, created_at, updated_at) VALUES `, 16, len(subs), subs[0].ID,
		func(i int, a []any) []any {
			s := subs[i]
			var code any
			if s.Code != "" {
				code = s.Code
			}
			return append(a, s.Key, code, string(s.Kind), s.Name, s.NameNorm, s.Region, nullID(s.LegalRepID), s.LegalRep,
				joinList(s.FormerNames), joinList(s.LegacyCodes), string(s.Status), s.IDCipher, s.NameCipher, s.IDMasked,
				unix(s.CreatedAt), unix(s.UpdatedAt))
		})
	if err != nil {
		if isUnique(err) {
			return credit.Errorf(credit.ECONFLICT, "主体已存在 / subject exists: %v", err)
		}
		return err
	}
	for _, s := range subs {
		if !s.IsPerson() {
			t.names = append(t.names, nameRow{s.ID, ftsText(s)})
		}
	}
	return nil
}

// spaced puts a space between all characters, so the unicode61 tokenizer makes each a token.
func spaced(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	for i, r := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ftsText is what partial-name search indexes: the current and former names, normalised.
func ftsText(s *credit.Subject) string {
	if len(s.FormerNames) == 0 {
		return s.NameNorm
	}
	parts := []string{s.NameNorm}
	for _, f := range s.FormerNames {
		parts = append(parts, credit.NormalizeName(f))
	}
	return strings.Join(parts, " | ")
}

func (t *tx) UpdateSubject(s *credit.Subject) error {
	res, err := t.sq.ExecContext(t.ctx, `UPDATE subjects SET code = ?, kind = ?, name = ?, name_norm = ?, region = ?, legal_rep_id = ?,
		legal_rep = ?, former_names = ?, legacy_codes = ?, status = ?, id_cipher = ?, name_cipher = ?, id_masked = ?, updated_at = ?
		WHERE id = ?`,
		nullStr(s.Code), string(s.Kind), s.Name, s.NameNorm, s.Region, nullID(s.LegalRepID), s.LegalRep, joinList(s.FormerNames),
		joinList(s.LegacyCodes), string(s.Status), s.IDCipher, s.NameCipher, s.IDMasked, unix(s.UpdatedAt), s.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return credit.Errorf(credit.ENOTFOUND, "未找到主体 / subject not found: %d", s.ID)
	}
	if s.IsPerson() {
		return nil
	}
	if err := t.flushNames(); err != nil { // s may be one of them
		return err
	}
	for _, q := range []string{`DELETE FROM subject_fts WHERE rowid = ?`, `DELETE FROM subject_chars WHERE rowid = ?`} {
		if err := t.exec(q, s.ID); err != nil {
			return err
		}
	}
	if err := t.exec(`INSERT INTO subject_fts (rowid, name) VALUES (?, ?)`, s.ID, ftsText(s)); err != nil {
		return err
	}
	return t.exec(`INSERT INTO subject_chars (rowid, name) VALUES (?, ?)`, s.ID, spaced(ftsText(s)))
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t *tx) PutAliases(aliases []store.Alias) error {
	return t.insertRows(`INSERT INTO subject_aliases (alias, subject_id) VALUES `, 2, len(aliases), func(i int, a []any) []any {
		return append(a, aliases[i].Alias, aliases[i].SubjectID)
	}, ` ON CONFLICT (alias) DO NOTHING`)
}

func (t *tx) HasRecords(dept, item string) (bool, error) {
	var n int
	err := t.sq.QueryRowContext(t.ctx, `SELECT count(*) FROM (SELECT 1 FROM records WHERE dept = ? AND item = ? LIMIT 1)`, dept, item).Scan(&n)
	return n > 0, err
}

func (t *tx) Heads(keys []store.RecordKey) (map[store.RecordKey]store.Head, error) {
	out := make(map[store.RecordKey]store.Head, len(keys))
	// Group by (dept, item): one import batch has a single pair.
	groups := map[[2]string][]any{}
	for _, k := range keys {
		g := [2]string{k.Dept, k.Item}
		groups[g] = append(groups[g], k.SourceID)
	}
	for g, ids := range groups {
		for start := 0; start < len(ids); start += inChunk {
			part := ids[start:min(len(ids), start+inChunk)]
			s, err := t.stmt(`SELECT id, source_id, version, hash, subject_id FROM records
				WHERE dept = ? AND item = ? AND source_id IN (` + placeholders(len(part)) + `) AND status <> 'superseded'`)
			if err != nil {
				return nil, err
			}
			rows, err := s.QueryContext(t.ctx, append([]any{g[0], g[1]}, part...)...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				k := store.RecordKey{Dept: g[0], Item: g[1]}
				var h store.Head
				if err := rows.Scan(&h.ID, &k.SourceID, &h.Version, &h.Hash, &h.SubjectID); err != nil {
					rows.Close()
					return nil, err
				}
				out[k] = h
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (t *tx) InsertRecords(recs []*credit.Record) error {
	if len(recs) == 0 {
		return nil
	}
	next, err := t.nextID("records")
	if err != nil {
		return err
	}
	for _, r := range recs {
		r.ID = next
		next++
	}
	err = t.appendRows(`INSERT OR ROLLBACK INTO records (subject_id, dept, item, source_id, version, item_version, batch_id,
		fields, personal, hash, decision, pub_from, pub_until, published, status, created_at) VALUES `, 16, len(recs), recs[0].ID,
		func(i int, a []any) []any {
			r := recs[i]
			fields := r.FieldsJSON
			if fields == nil {
				fields = credit.EncodeFields(r.Fields)
			}
			return append(a, r.SubjectID, r.Dept, r.Item, r.SourceID, r.Version, r.ItemVersion, nullID(r.BatchID), string(fields), r.Personal, r.Hash,
				unix(r.Decision), unix(r.PubFrom), unix(r.PubUntil), r.Published, string(r.Status), unix(r.CreatedAt))
		})
	if err != nil && isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "记录版本冲突 / record version conflict: %v", err)
	}
	return err
}

func (t *tx) Supersede(ids []int64) error {
	for _, id := range ids {
		if err := t.exec(`UPDATE records SET status = 'superseded' WHERE id = ?`, id); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) AddCounters(delta map[string]int64) error {
	for k, v := range delta {
		if v == 0 {
			continue
		}
		if err := t.exec(`INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) CreateBatch(b *store.Batch) error {
	header, _ := json.Marshal(b.Header)
	res, err := t.sq.ExecContext(t.ctx, `INSERT INTO batches (dept, item, file_name, file_hash, format, encoding, header, status, error,
		checkpoint, rows, accepted, versions, unchanged, rejected, submitted_by, created_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.Dept, b.Item, b.FileName, b.FileHash, b.Format, b.Encoding, string(header), string(b.Status), b.Error, b.Checkpoint,
		b.Rows, b.Accepted, b.Versions, b.Unchanged, b.Rejected, b.SubmittedBy, unix(b.CreatedAt), unix(b.FinishedAt))
	if err != nil {
		if isUnique(err) {
			return credit.Errorf(credit.ECONFLICT, "该文件已提交过 / this file was already submitted")
		}
		return err
	}
	b.ID, err = res.LastInsertId()
	return err
}

func (t *tx) FindBatch(dept, item, fileHash string) (*store.Batch, error) {
	b, err := scanBatch(t.sq.QueryRowContext(t.ctx, `SELECT `+batchCols+` FROM batches WHERE dept = ? AND item = ? AND file_hash = ?`, dept, item, fileHash))
	return b, notFound("批次", "batch", err)
}

func (t *tx) SaveBatchProgress(b *store.Batch) error {
	header, _ := json.Marshal(b.Header)
	return t.exec(`UPDATE batches SET encoding = ?, header = ?, status = ?, error = ?, checkpoint = ?, rows = ?, accepted = ?, versions = ?,
		unchanged = ?, rejected = ?, finished_at = ? WHERE id = ?`,
		b.Encoding, string(header), string(b.Status), b.Error, b.Checkpoint, b.Rows, b.Accepted, b.Versions, b.Unchanged, b.Rejected,
		unix(b.FinishedAt), b.ID)
}

func (t *tx) InsertRejects(rs []*store.Reject) error {
	return t.insertRows(`INSERT OR IGNORE INTO rejects (batch_id, row_num, dept, item, source_id, vals, errors, sealed) VALUES `, 8, len(rs),
		func(i int, a []any) []any {
			r := rs[i]
			vals, _ := json.Marshal(r.Values)
			errs, _ := json.Marshal(r.Errors)
			return append(a, r.BatchID, r.Row, r.Dept, r.Item, r.SourceID, string(vals), string(errs), r.Sealed)
		})
}

func (t *tx) ResolveRejects(dept, item string, sourceIDs []string, batchID int64) (int64, error) {
	var total int64
	for start := 0; start < len(sourceIDs); start += inChunk {
		part := sourceIDs[start:min(len(sourceIDs), start+inChunk)]
		args := []any{batchID, dept, item, batchID}
		for _, s := range part {
			args = append(args, s)
		}
		// #nosec G202 -- only "?" placeholders are concatenated; every value is a bound argument
		res, err := t.sq.ExecContext(t.ctx, `UPDATE rejects SET resolved_batch = ? WHERE dept = ? AND item = ? AND resolved_batch IS NULL
			AND batch_id <> ? AND source_id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

func (t *tx) OpenRejectCount(dept, item string) (int64, error) {
	var n int64
	err := t.sq.QueryRowContext(t.ctx, `SELECT count(*) FROM rejects WHERE dept = ? AND item = ? AND resolved_batch IS NULL`, dept, item).Scan(&n)
	return n, err
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func (t *tx) SetMeta(name, value string) error {
	return t.exec(`INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
}
