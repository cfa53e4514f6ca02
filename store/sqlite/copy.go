package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

var _ store.Copier = (*DB)(nil)

// microColumns are the INTEGER time columns that hold Unix microseconds; every other time is
// Unix seconds. A table that keeps microseconds adds its column here, so `xinyong copy` converts
// it to and from PostgreSQL's timestamptz correctly.
var microColumns = map[string]bool{
	"audit_log.at": true,
}

// secondsLimit is a sanity bound for a time in Unix seconds (the year 5138): a larger value is
// microseconds in a column missing from microColumns, and the copy stops rather than write
// nonsense.
const secondsLimit = 1e11

// copyCommitRows is how many rows a copy writes per transaction.
const copyCommitRows = 50_000

// CopyEngine names the database.
func (db *DB) CopyEngine() string { return "sqlite" }

// CopyTables lists the ordinary tables and their columns. Full-text tables (subject_fts,
// subject_chars) and their shadow tables are derived from subjects and rebuilt by CopyFinish;
// sqlite_*, schema_migrations and check_journal (this store's own bookkeeping) are never
// copied.
func (db *DB) CopyTables(ctx context.Context) ([]store.CopyTable, error) {
	rows, err := db.write.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names, virtual []string
	for rows.Next() {
		var name string
		var ddl sql.NullString
		if err := rows.Scan(&name, &ddl); err != nil {
			rows.Close()
			return nil, err
		}
		if strings.HasPrefix(strings.ToUpper(ddl.String), "CREATE VIRTUAL TABLE") {
			virtual = append(virtual, name)
			continue
		}
		names = append(names, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []store.CopyTable
next:
	for _, name := range names {
		if strings.HasPrefix(name, "sqlite_") || name == "schema_migrations" || name == "check_journal" {
			continue
		}
		for _, v := range virtual {
			if strings.HasPrefix(name, v+"_") { // an FTS shadow table
				continue next
			}
		}
		t := store.CopyTable{Name: name}
		crows, err := db.write.QueryContext(ctx, `SELECT name, type, "notnull", dflt_value, hidden FROM pragma_table_xinfo(?)`, name)
		if err != nil {
			return nil, err
		}
		for crows.Next() {
			var c store.CopyColumn
			var notNull, hidden int
			var def sql.NullString
			if err := crows.Scan(&c.Name, &c.Type, &notNull, &def, &hidden); err != nil {
				crows.Close()
				return nil, err
			}
			c.Derived = hidden == 2 || hidden == 3 // generated columns
			c.Required = notNull == 1 && !def.Valid
			t.Columns = append(t.Columns, c)
		}
		crows.Close()
		if err := crows.Err(); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

type copyReader struct {
	ctx context.Context
	tx  *sql.Tx
}

// CopyRead reads from one read transaction: in WAL mode it sees one snapshot throughout.
func (db *DB) CopyRead(ctx context.Context, fn func(store.CopyReader) error) error {
	if err := db.settle(ctx); err != nil { // the checks still in the journal too
		return err
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(copyReader{ctx: ctx, tx: tx})
}

func (r copyReader) Count(table string) (int64, error) {
	var n int64
	err := r.tx.QueryRowContext(r.ctx, `SELECT count(*) FROM `+quote(table)).Scan(&n)
	return n, err
}

func (r copyReader) Rows(table string, cols []store.CopyColumn, fn func([]any) error) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quote(c.Name)
	}
	// #nosec G202 -- identifiers from the database's own schema, quoted
	rows, err := r.tx.QueryContext(r.ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+quote(table))
	if err != nil {
		return err
	}
	defer rows.Close()
	raw := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		row := make([]any, len(cols))
		for i, c := range cols {
			v, err := fromNative(table, c, raw[i])
			if err != nil {
				return err
			}
			row[i] = v
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// fromNative turns what SQLite holds into the logical value of the column's kind.
func fromNative(table string, c store.CopyColumn, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) {
		return nil, credit.Errorf(credit.EINVALID, "%s.%s 的值 %.40q 不是 %s / value %.40q of %s.%s is not %s", table, c.Name, fmt.Sprint(v), c.Kind, fmt.Sprint(v), table, c.Name, c.Kind)
	}
	switch c.Kind {
	case store.KindInt:
		if x, ok := v.(int64); ok {
			return x, nil
		}
	case store.KindFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case store.KindText, store.KindJSON:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case store.KindBytes:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	case store.KindBool:
		if x, ok := v.(int64); ok && (x == 0 || x == 1) {
			return x == 1, nil
		}
	case store.KindTime:
		if x, ok := v.(int64); ok {
			if microColumns[table+"."+c.Name] {
				return time.UnixMicro(x).UTC(), nil
			}
			if x > secondsLimit || x < -secondsLimit {
				return nil, credit.Errorf(credit.EINVALID, "%s.%s 的时间 %d 超出秒的范围（是微秒吗？登记到 sqlite.microColumns）/ time %d in %s.%s is out of range for Unix seconds (microseconds? list it in sqlite.microColumns)", table, c.Name, x, x, table, c.Name)
			}
			return time.Unix(x, 0).UTC(), nil
		}
	case store.KindTextList:
		switch x := v.(type) {
		case string:
			return splitCopyList(x), nil
		case []byte:
			return splitCopyList(string(x)), nil
		}
	}
	return bad()
}

// splitCopyList is splitList that keeps "" as an empty list rather than NULL.
func splitCopyList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, listSep)
}

// toNative turns a logical value into what SQLite keeps for the column.
func toNative(table string, c store.CopyColumn, v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case time.Time:
		if microColumns[table+"."+c.Name] {
			return x.UnixMicro(), nil
		}
		if x.Nanosecond() != 0 {
			return nil, credit.Errorf(credit.EINVALID, "%s.%s 的时间 %s 有小数秒，SQLite 按秒保存 / time %s in %s.%s has fractions of a second; SQLite keeps seconds", table, c.Name, x, x, table, c.Name)
		}
		return x.Unix(), nil
	case []string:
		for _, s := range x {
			if strings.Contains(s, listSep) {
				return nil, credit.Errorf(credit.EINVALID, "%s.%s 的列表元素含分隔符 / a list element in %s.%s holds the separator", table, c.Name, table, c.Name)
			}
		}
		return joinList(x), nil
	case string:
		if c.Kind == store.KindJSON {
			return store.CanonicalJSON(x), nil
		}
		return x, nil
	}
	return v, nil
}

// CopyClear empties the tables and the full-text indexes in one transaction.
func (db *DB) CopyClear(ctx context.Context, tables []string) error {
	return db.Update(ctx, func(t store.Tx) error {
		tx := t.(*tx)
		for _, name := range tables {
			if err := tx.exec(`DELETE FROM ` + quote(name)); err != nil {
				return err
			}
		}
		for _, fts := range []string{"subject_fts", "subject_chars"} {
			if err := tx.exec(`DELETE FROM ` + fts); err != nil {
				return err
			}
		}
		return nil
	})
}

// CopyWrite inserts rows with multi-row INSERTs, committing every copyCommitRows rows.
func (db *DB) CopyWrite(ctx context.Context, table string, cols []store.CopyColumn, rows iter.Seq2[[]any, error]) (int64, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quote(c.Name)
	}
	prefix := `INSERT INTO ` + quote(table) + ` (` + strings.Join(names, ", ") + `) VALUES `
	var n int64
	var pending [][]any
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := db.Update(ctx, func(t store.Tx) error {
			return t.(*tx).insertRows(prefix, len(cols), len(pending), func(i int, a []any) []any { return append(a, pending[i]...) })
		})
		pending = pending[:0]
		return err
	}
	for row, err := range rows {
		if err != nil {
			return n, err
		}
		nat := make([]any, len(row))
		for i, v := range row {
			if nat[i], err = toNative(table, cols[i], v); err != nil {
				return n, err
			}
		}
		pending = append(pending, nat)
		n++
		if len(pending) >= copyCommitRows {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}

// CopyFinish rebuilds the full-text indexes from subjects, reading them in one snapshot while
// the writer connection inserts (WAL lets both run).
func (db *DB) CopyFinish(ctx context.Context) error {
	var part []*credit.Subject
	flush := func() error {
		if len(part) == 0 {
			return nil
		}
		err := db.Update(ctx, func(t store.Tx) error {
			tx := t.(*tx)
			err := tx.insertRows(`INSERT INTO subject_fts (rowid, name) VALUES `, 2, len(part), func(i int, a []any) []any {
				return append(a, part[i].ID, ftsText(part[i]))
			})
			if err != nil {
				return err
			}
			return tx.insertRows(`INSERT INTO subject_chars (rowid, name) VALUES `, 2, len(part), func(i int, a []any) []any {
				return append(a, part[i].ID, spaced(ftsText(part[i])))
			})
		})
		part = part[:0]
		return err
	}
	err := db.CopyRead(ctx, func(r store.CopyReader) error {
		cols := []store.CopyColumn{{Name: "id", Kind: store.KindInt}, {Name: "kind", Kind: store.KindText},
			{Name: "name_norm", Kind: store.KindText}, {Name: "former_names", Kind: store.KindTextList}}
		return r.Rows("subjects", cols, func(row []any) error {
			s := &credit.Subject{ID: row[0].(int64), Kind: credit.SubjectKind(row[1].(string)), NameNorm: row[2].(string)}
			if l, ok := row[3].([]string); ok && len(l) > 0 {
				s.FormerNames = l
			}
			if s.IsPerson() {
				return nil
			}
			part = append(part, s)
			if len(part) >= copyCommitRows {
				return flush()
			}
			return nil
		})
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("rebuild the search index: %w", err)
	}
	if j := db.journal; j != nil {
		// The copied checks came with their ids: drop the block reserved before them, so the
		// next is reserved after them.
		j.mu.Lock()
		j.lastID = j.hi
		j.mu.Unlock()
	}
	_, err = db.write.ExecContext(ctx, `ANALYZE`)
	return err
}
