package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/listsql"
)

type tx struct {
	reader
	listsql.Tx
	tx  pgx.Tx
	ctx context.Context
}

func (t *tx) exec(query string, args ...any) error {
	_, err := t.tx.Exec(t.ctx, query, args...)
	return err
}

func (t *tx) SaveCatalog(c *credit.Catalog) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	err = t.exec(`INSERT INTO catalogs (version, published_at, note, body) VALUES ($1, $2, $3, $4)`, c.Version, ts(c.PublishedAt), c.Note, body)
	if isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "目录版本 %d 已存在 / catalog version %d exists", c.Version, c.Version)
	}
	return err
}

func (t *tx) PutCodeException(e store.CodeException) error {
	return t.exec(`INSERT INTO code_exceptions (code, note, created_by, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (code) DO UPDATE SET note = excluded.note, created_by = excluded.created_by, created_at = excluded.created_at`,
		e.Code, e.Note, e.CreatedBy, ts(e.CreatedAt))
}

func (t *tx) DeleteCodeException(code string) error {
	tag, err := t.tx.Exec(t.ctx, `DELETE FROM code_exceptions WHERE code = $1`, code)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return credit.Errorf(credit.ENOTFOUND, "未登记该例外代码 / no such code exception: %s", code)
	}
	return nil
}

// lookup runs a two-column (key, id) query whose $1 is a text array, filling into.
func (t *tx) lookup(query string, keys []string, into map[string]int64) error {
	if len(keys) == 0 {
		return nil
	}
	rows, err := t.tx.Query(t.ctx, query, keys)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return err
		}
		into[k] = id
	}
	return rows.Err()
}

func (t *tx) SubjectIDs(keys []string, ids map[string]int64) error {
	return t.lookup(`SELECT key, id FROM subjects WHERE key = ANY($1)`, keys, ids)
}

func (t *tx) AliasIDs(aliases []string, ids map[string]int64) error {
	return t.lookup(`SELECT alias, subject_id FROM subject_aliases WHERE alias = ANY($1)`, aliases, ids)
}

// nextIDs draws n ids from a sequence, in ascending order, in one round trip. The SQLite store
// numbers rows itself (max + 1) because it has one writer; here other transactions may insert
// at the same time, and a sequence never hands out a number twice. Numbers drawn by a
// transaction that rolls back are skipped, so ids have gaps.
func (t *tx) nextIDs(seq string, n int) ([]int64, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT nextval('`+seq+`') FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// copyMin is the batch size from which rows go in with COPY rather than INSERT: COPY costs a
// round trip more (pgx first asks for the column types) and then writes much faster.
const copyMin = 64

// maxParams is PostgreSQL's limit of bind parameters in one statement.
const maxParams = 65535

// valuesRows is how many rows one multi-row INSERT carries at most.
const valuesRows = 500

// write stores n rows into table: COPY for a large batch, multi-row INSERT for a small one.
func (t *tx) write(table string, cols []string, n int, row func(i int, args []any) []any) error {
	if n >= copyMin {
		_, err := t.tx.CopyFrom(t.ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			return row(i, make([]any, 0, len(cols))), nil
		}))
		return err
	}
	return t.insertValues(table, cols, "", n, row)
}

// insertValues stores n rows with multi-row INSERT statements; suffix (an ON CONFLICT clause)
// ends each statement.
func (t *tx) insertValues(table string, cols []string, suffix string, n int, row func(i int, args []any) []any) error {
	ncol := len(cols)
	per := max(1, min(valuesRows, maxParams/ncol))
	args := make([]any, 0, min(n, per)*ncol)
	var q strings.Builder
	for start := 0; start < n; start += per {
		m := min(per, n-start)
		args = args[:0]
		for i := start; i < start+m; i++ {
			args = row(i, args)
		}
		q.Reset()
		q.WriteString(`INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `)
		p := 1
		for i := range m {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteByte('(')
			for c := range ncol {
				if c > 0 {
					q.WriteByte(',')
				}
				q.WriteByte('$')
				q.WriteString(strconv.Itoa(p))
				p++
			}
			q.WriteByte(')')
		}
		q.WriteString(suffix)
		if err := t.exec(q.String(), args...); err != nil {
			return err
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

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// list is a text[] value: never NULL (the columns are NOT NULL; pgx writes a nil slice as NULL).
func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// searchSep separates the names in search_text. NormalizeName removes all whitespace, so a
// query never holds it and a match never runs from one name into the next.
const searchSep = "\n"

// searchText is what partial-name search looks in: the normalised current and former names of
// an organisation; NULL for a natural person.
func searchText(s *credit.Subject) any {
	if s.IsPerson() {
		return nil
	}
	if len(s.FormerNames) == 0 {
		return s.NameNorm
	}
	parts := []string{s.NameNorm}
	for _, f := range s.FormerNames {
		parts = append(parts, credit.NormalizeName(f))
	}
	return strings.Join(parts, searchSep)
}

// grams are the single characters and adjacent pairs of the search text (never across two
// names), for one- and two-character queries; nil for a natural person.
func grams(s *credit.Subject) []string {
	text, ok := searchText(s).(string)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	out := []string{} // never NULL for an organisation, even with an empty name
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	for _, name := range strings.Split(text, searchSep) {
		r := []rune(name)
		for i := range r {
			add(string(r[i]))
			if i+1 < len(r) {
				add(string(r[i : i+2]))
			}
		}
	}
	return out
}

var subjectColumns = []string{"id", "key", "code", "kind", "name", "name_norm", "region", "legal_rep_id", "legal_rep",
	"former_names", "legacy_codes", "status", "id_cipher", "name_cipher", "id_masked", "created_at", "updated_at"}

func (t *tx) InsertSubjects(subs []*credit.Subject) error {
	if len(subs) == 0 {
		return nil
	}
	ids, err := t.nextIDs("subject_ids", len(subs))
	if err != nil {
		return err
	}
	for i, s := range subs {
		s.ID = ids[i]
	}
	err = t.write("subjects", subjectColumns, len(subs), func(i int, a []any) []any {
		s := subs[i]
		return append(a, s.ID, s.Key, nullStr(s.Code), string(s.Kind), s.Name, s.NameNorm, s.Region, nullID(s.LegalRepID),
			s.LegalRep, list(s.FormerNames), list(s.LegacyCodes), string(s.Status), s.IDCipher, s.NameCipher, s.IDMasked,
			ts(s.CreatedAt), ts(s.UpdatedAt))
	})
	if isUnique(err) {
		return &raceError{table: "subjects", err: credit.Errorf(credit.ECONFLICT, "主体已存在 / subject exists: %v", err)}
	}
	if err != nil {
		return err
	}
	var orgs []*credit.Subject
	for _, s := range subs {
		if !s.IsPerson() {
			orgs = append(orgs, s)
		}
	}
	return t.write("subject_search", searchColumns, len(orgs), func(i int, a []any) []any {
		return append(a, orgs[i].ID, searchText(orgs[i]), grams(orgs[i]))
	})
}

// searchColumns are subject_search's columns (migration 0021).
var searchColumns = []string{"id", "search_text", "grams"}

func (t *tx) UpdateSubject(s *credit.Subject) error {
	tag, err := t.tx.Exec(t.ctx, `UPDATE subjects SET code = $1, kind = $2, name = $3, name_norm = $4, region = $5,
		legal_rep_id = $6, legal_rep = $7, former_names = $8, legacy_codes = $9, status = $10, id_cipher = $11, name_cipher = $12,
		id_masked = $13, updated_at = $14 WHERE id = $15`,
		nullStr(s.Code), string(s.Kind), s.Name, s.NameNorm, s.Region, nullID(s.LegalRepID), s.LegalRep,
		list(s.FormerNames), list(s.LegacyCodes), string(s.Status), s.IDCipher, s.NameCipher, s.IDMasked, ts(s.UpdatedAt), s.ID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return credit.Errorf(credit.ENOTFOUND, "未找到主体 / subject not found: %d", s.ID)
	}
	if s.IsPerson() {
		_, err = t.tx.Exec(t.ctx, `DELETE FROM subject_search WHERE id = $1`, s.ID)
		return err
	}
	_, err = t.tx.Exec(t.ctx, `INSERT INTO subject_search (id, search_text, grams) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET search_text = excluded.search_text, grams = excluded.grams
		WHERE subject_search.search_text IS DISTINCT FROM excluded.search_text`, s.ID, searchText(s), grams(s))
	return err
}

func (t *tx) PutAliases(aliases []store.Alias) error {
	return t.insertValues("subject_aliases", []string{"alias", "subject_id"}, ` ON CONFLICT (alias) DO NOTHING`, len(aliases),
		func(i int, a []any) []any { return append(a, aliases[i].Alias, aliases[i].SubjectID) })
}

func (t *tx) HasRecords(dept, item string) (bool, error) {
	// Ordered as the unique index is, so the plan walks the index to its first entry: a plain
	// EXISTS was planned, with the statistics of a table that is being loaded, as a scan of the
	// whole table, which for an item with no records reads every row (seconds a file at 1 M).
	var n int
	err := t.tx.QueryRow(t.ctx, `SELECT count(*) FROM (SELECT 1 FROM records WHERE dept = $1 AND item = $2
		ORDER BY dept, item, source_id, version LIMIT 1) AS r`, dept, item).Scan(&n)
	return n > 0, err
}

func (t *tx) Heads(keys []store.RecordKey) (map[store.RecordKey]store.Head, error) {
	out := make(map[store.RecordKey]store.Head, len(keys))
	// Group by (dept, item): one import batch has a single pair, so this is one query.
	groups := map[[2]string][]string{}
	for _, k := range keys {
		g := [2]string{k.Dept, k.Item}
		groups[g] = append(groups[g], k.SourceID)
	}
	for g, ids := range groups {
		// One index probe per key, whatever the planner knows. The plain form (source_id =
		// ANY($3)) is planned, on a table just bulk-loaded and not yet analysed, as a scan of the
		// whole (dept, item) with the array searched row by row: seconds per chunk. LIMIT keeps
		// the subquery from being flattened into such a join; should a key have two versions not
		// superseded, the newest is the head, as in the SQLite store (its scan ends with it).
		rows, err := t.tx.Query(t.ctx, `SELECT r.id, k.source_id, r.version, r.hash, r.subject_id FROM unnest($3::text[]) AS k(source_id)
			CROSS JOIN LATERAL (SELECT id, version, hash, subject_id FROM records
				WHERE dept = $1 AND item = $2 AND source_id = k.source_id AND status <> 'superseded'
				ORDER BY version DESC LIMIT 1) AS r`, g[0], g[1], ids)
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
	return out, nil
}

var recordColumns = []string{"id", "subject_id", "dept", "item", "source_id", "version", "item_version", "batch_id", "fields", "personal",
	"hash", "decision", "pub_from", "pub_until", "published", "status", "created_at"}

func (t *tx) InsertRecords(recs []*credit.Record) error {
	if len(recs) == 0 {
		return nil
	}
	ids, err := t.nextIDs("record_ids", len(recs))
	if err != nil {
		return err
	}
	for i, r := range recs {
		r.ID = ids[i]
	}
	err = t.write("records", recordColumns, len(recs), func(i int, a []any) []any {
		r := recs[i]
		fields := r.FieldsJSON
		if fields == nil {
			fields = credit.EncodeFields(r.Fields)
		}
		return append(a, r.ID, r.SubjectID, r.Dept, r.Item, r.SourceID, r.Version, r.ItemVersion, nullID(r.BatchID), fields, r.Personal,
			r.Hash, ts(r.Decision), ts(r.PubFrom), ts(r.PubUntil), r.Published, string(r.Status), ts(r.CreatedAt))
	})
	if isUnique(err) {
		return &raceError{table: "records", err: credit.Errorf(credit.ECONFLICT, "记录版本冲突 / record version conflict: %v", err)}
	}
	return err
}

func (t *tx) Supersede(ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return t.exec(`UPDATE records SET status = 'superseded' WHERE id = ANY($1)`, ids)
}

func (t *tx) AddCounters(delta map[string]int64) error {
	// In name order, so two writers adding to the same counters lock them in the same order.
	names := make([]string, 0, len(delta))
	for k, v := range delta {
		if v != 0 {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return t.insertValues("counters", []string{"name", "value"}, ` ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value`,
		len(names), func(i int, a []any) []any { return append(a, names[i], delta[names[i]]) })
}

// storable makes free text that came with a file (its name, a reader's error about it)
// storable: PostgreSQL text holds neither NUL nor invalid UTF-8, which SQLite would keep.
func storable(s string) string {
	if utf8.ValidString(s) && !strings.Contains(s, "\x00") {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func (t *tx) CreateBatch(b *store.Batch) error {
	header, _ := json.Marshal(b.Header)
	err := t.tx.QueryRow(t.ctx, `INSERT INTO batches (dept, item, file_name, file_hash, format, encoding, header, status, error,
		checkpoint, rows, accepted, versions, unchanged, rejected, submitted_by, created_at, finished_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
		b.Dept, b.Item, storable(b.FileName), b.FileHash, b.Format, b.Encoding, string(header), string(b.Status), storable(b.Error),
		b.Checkpoint, b.Rows, b.Accepted, b.Versions, b.Unchanged, b.Rejected, storable(b.SubmittedBy), ts(b.CreatedAt),
		ts(b.FinishedAt)).Scan(&b.ID)
	if isUnique(err) {
		return credit.Errorf(credit.ECONFLICT, "该文件已提交过 / this file was already submitted")
	}
	return err
}

func (t *tx) FindBatch(dept, item, fileHash string) (*store.Batch, error) {
	b, err := scanBatch(t.tx.QueryRow(t.ctx, `SELECT `+batchCols+` FROM batches WHERE dept = $1 AND item = $2 AND file_hash = $3`,
		dept, item, fileHash))
	return b, notFound("批次", "batch", err)
}

// SaveBatchProgress also lets a chunk of a running import commit without waiting for the WAL
// flush (synchronous_commit off, for this transaction only). A crash may then lose the last
// chunks acknowledged in the ~0.6 s before it, but never part of one: the checkpoint is in the
// same transaction, so the rerun imports those rows again, once. That is the durability the
// SQLite store gives every transaction (WAL, synchronous=NORMAL). The batch's last save (done or
// failed) and every other transaction wait for the flush as before.
func (t *tx) SaveBatchProgress(b *store.Batch) error {
	if b.Status == store.BatchRunning && b.Checkpoint > 0 {
		if err := t.exec(`SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
	}
	header, _ := json.Marshal(b.Header)
	return t.exec(`UPDATE batches SET encoding = $1, header = $2, status = $3, error = $4, checkpoint = $5, rows = $6, accepted = $7,
		versions = $8, unchanged = $9, rejected = $10, finished_at = $11 WHERE id = $12`,
		b.Encoding, string(header), string(b.Status), storable(b.Error), b.Checkpoint, b.Rows, b.Accepted, b.Versions, b.Unchanged,
		b.Rejected, ts(b.FinishedAt), b.ID)
}

var rejectColumns = []string{"batch_id", "row_num", "dept", "item", "source_id", "vals", "errors", "sealed"}

func (t *tx) InsertRejects(rs []*store.Reject) error {
	// INSERT rather than COPY even for many rows: a row already kept is skipped (ON CONFLICT),
	// which COPY cannot do. Whole files of bad rows are rare.
	return t.insertValues("rejects", rejectColumns, ` ON CONFLICT (batch_id, row_num) DO NOTHING`, len(rs),
		func(i int, a []any) []any {
			r := rs[i]
			vals, _ := json.Marshal(r.Values)
			errs, _ := json.Marshal(r.Errors)
			return append(a, r.BatchID, r.Row, r.Dept, r.Item, r.SourceID, string(vals), string(errs), r.Sealed)
		})
}

func (t *tx) ResolveRejects(dept, item string, sourceIDs []string, batchID int64) (int64, error) {
	if len(sourceIDs) == 0 {
		return 0, nil
	}
	// Planned for these values every time (an unnamed statement): the array is then a constant
	// the executor hashes, so the cost is one pass over the item's open rejects. A cached generic
	// plan for a table without statistics searches the array row by row instead.
	tag, err := t.tx.Exec(t.ctx, `UPDATE rejects SET resolved_batch = $1 WHERE dept = $2 AND item = $3 AND resolved_batch IS NULL
		AND batch_id <> $1 AND source_id = ANY($4)`, pgx.QueryExecModeExec, batchID, dept, item, sourceIDs)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (t *tx) OpenRejectCount(dept, item string) (int64, error) {
	var n int64
	err := t.tx.QueryRow(t.ctx, `SELECT count(*) FROM rejects WHERE dept = $1 AND item = $2 AND resolved_batch IS NULL`, dept, item).Scan(&n)
	return n, err
}
