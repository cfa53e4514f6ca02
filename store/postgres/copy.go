package postgres

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

var _ store.Copier = (*DB)(nil)

// derivedTables are tables this store keeps from other tables: a copy skips them and CopyFinish
// rebuilds them. audit_head is the last audit entry's seq and hash (the SQLite store reads them
// from audit_log itself); subject_search is name search's table, computed from the subjects.
var derivedTables = map[string]func(ctx context.Context, db *DB) error{
	"audit_head": func(ctx context.Context, db *DB) error {
		_, err := db.pool.Exec(ctx, `INSERT INTO audit_head (one, seq, hash)
			SELECT true, coalesce(max(seq), 0), coalesce((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), $1) FROM audit_log
			ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, audit.Genesis)
		return err
	},
	"subject_search": func(ctx context.Context, db *DB) error { return db.rebuildSearch(ctx) },
}

// rebuildSearch fills subject_search anew from the organisations in subjects, streaming.
func (db *DB) rebuildSearch(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `TRUNCATE subject_search`); err != nil {
		return err
	}
	rows, err := db.pool.Query(ctx, `SELECT id, kind, name_norm, former_names FROM subjects WHERE kind <> 'person'`)
	if err != nil {
		return err
	}
	defer rows.Close()
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		var s credit.Subject
		var kind string
		if err := rows.Scan(&s.ID, &kind, &s.NameNorm, &s.FormerNames); err != nil {
			return nil, err
		}
		s.Kind = credit.SubjectKind(kind)
		return []any{s.ID, searchText(&s), grams(&s)}, nil
	})
	_, err = db.pool.CopyFrom(ctx, pgx.Identifier{"subject_search"}, searchColumns, src)
	return err
}

// CopyEngine names the database.
func (db *DB) CopyEngine() string { return "postgres" }

// kindOf maps a PostgreSQL type name to what it holds; KindUnknown for types a copy does not
// handle yet.
func kindOf(typ string) store.Kind {
	switch typ {
	case "int2", "int4", "int8":
		return store.KindInt
	case "float4", "float8":
		return store.KindFloat
	case "text", "varchar", "bpchar", "name":
		return store.KindText
	case "bytea":
		return store.KindBytes
	case "bool":
		return store.KindBool
	case "timestamptz", "timestamp":
		return store.KindTime
	case "json", "jsonb":
		return store.KindJSON
	case "_text", "_varchar":
		return store.KindTextList
	}
	return store.KindUnknown
}

// CopyTables lists the tables of the store's schema (the first of search_path) and their
// columns. Generated columns and the columns in derived are marked derived.
func (db *DB) CopyTables(ctx context.Context) ([]store.CopyTable, error) {
	rows, err := db.pool.Query(ctx, `SELECT c.relname, a.attname, t.typname, a.attnotnull, a.atthasdef OR a.attidentity <> '', a.attgenerated <> ''
		FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		JOIN pg_type t ON t.oid = a.atttypid
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'
		ORDER BY c.relname, a.attnum`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.CopyTable
	for rows.Next() {
		var table string
		var c store.CopyColumn
		var notNull, hasDef, generated bool
		if err := rows.Scan(&table, &c.Name, &c.Type, &notNull, &hasDef, &generated); err != nil {
			return nil, err
		}
		if _, ok := derivedTables[table]; ok {
			continue
		}
		c.Kind = kindOf(c.Type)
		c.Required = notNull && !hasDef
		c.Derived = generated
		if !c.Derived && c.Kind == store.KindUnknown {
			return nil, fmt.Errorf("%s.%s: 复制不支持类型 / copy does not handle type %s yet", table, c.Name, c.Type)
		}
		if len(out) == 0 || out[len(out)-1].Name != table {
			out = append(out, store.CopyTable{Name: table})
		}
		out[len(out)-1].Columns = append(out[len(out)-1].Columns, c)
	}
	return out, rows.Err()
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

type copyReader struct {
	ctx context.Context
	tx  pgx.Tx
}

// CopyRead reads from one repeatable-read, read-only transaction: one snapshot of every table.
func (db *DB) CopyRead(ctx context.Context, fn func(store.CopyReader) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return fn(copyReader{ctx: ctx, tx: tx})
}

func (r copyReader) Count(table string) (int64, error) {
	var n int64
	err := r.tx.QueryRow(r.ctx, `SELECT count(*) FROM `+ident(table)).Scan(&n)
	return n, err
}

func (r copyReader) Rows(table string, cols []store.CopyColumn, fn func([]any) error) error {
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = ident(c.Name)
		if c.Kind == store.KindJSON {
			sel[i] += "::text" // the text, not a decoded map
		}
	}
	rows, err := r.tx.Query(r.ctx, `SELECT `+strings.Join(sel, ", ")+` FROM `+ident(table))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		for i, c := range cols {
			if vals[i], err = logical(table, c, vals[i]); err != nil {
				return err
			}
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// logical turns what pgx decoded into the logical value of the column's kind.
func logical(table string, c store.CopyColumn, v any) (any, error) {
	switch x := v.(type) {
	case nil, int64, float64, string, []byte, bool:
		return v, nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case []any:
		l := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s.%s: 列表元素不是文本 / a list element is not text: %T", table, c.Name, e)
			}
			l[i] = s
		}
		return l, nil
	}
	if t, ok := v.(time.Time); ok {
		return t.UTC(), nil
	}
	return nil, fmt.Errorf("%s.%s: 复制不支持的值 / copy cannot handle a value of type %T", table, c.Name, v)
}

// CopyClear empties the tables in one statement.
func (db *DB) CopyClear(ctx context.Context, tables []string) error {
	if len(tables) == 0 {
		return nil
	}
	ids := make([]string, len(tables))
	for i, t := range tables {
		ids[i] = ident(t)
	}
	_, err := db.pool.Exec(ctx, `TRUNCATE `+strings.Join(ids, ", "))
	return err
}

// CopyWrite streams rows into table with one COPY.
func (db *DB) CopyWrite(ctx context.Context, table string, cols []store.CopyColumn, rows iter.Seq2[[]any, error]) (int64, error) {
	next, stop := iter.Pull2(rows)
	defer stop()
	src := pgx.CopyFromFunc(func() ([]any, error) {
		row, err, ok := next()
		if !ok || err != nil {
			return nil, err
		}
		return row, nil
	})
	return db.pool.CopyFrom(ctx, pgx.Identifier{table}, store.ColumnNames(cols), src)
}

// CopyFinish moves every sequence past the largest id of the column that draws from it, so new
// rows do not collide with copied ones, and refreshes the planner's statistics.
func (db *DB) CopyFinish(ctx context.Context) error {
	// Sequences owned by a column (serial, OWNED BY, identity) and those a column default calls.
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT s.oid::regclass::text, t.relname, a.attname
		FROM pg_class s
		JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND (
			(d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')) OR
			(d.classid = 'pg_attrdef'::regclass AND d.refobjid = s.oid))
		LEFT JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
		JOIN pg_class t ON t.oid = CASE WHEN d.classid = 'pg_attrdef'::regclass THEN ad.adrelid ELSE d.refobjid END
		JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = CASE WHEN d.classid = 'pg_attrdef'::regclass THEN ad.adnum ELSE d.refobjsubid END
		WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		return err
	}
	type seqCol struct{ seq, table, col string }
	var seqs []seqCol
	for rows.Next() {
		var s seqCol
		if err := rows.Scan(&s.seq, &s.table, &s.col); err != nil {
			rows.Close()
			return err
		}
		seqs = append(seqs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// One sequence may feed several columns: it moves past the largest of them.
	top := map[string]int64{}
	var order []string
	for _, s := range seqs {
		var m *int64
		q := fmt.Sprintf(`SELECT max(%s)::bigint FROM %s`, ident(s.col), ident(s.table))
		if err := db.pool.QueryRow(ctx, q).Scan(&m); err != nil {
			return fmt.Errorf("reset sequence %s: %w", s.seq, err)
		}
		if _, ok := top[s.seq]; !ok {
			order = append(order, s.seq)
			top[s.seq] = 0
		}
		if m != nil && *m > top[s.seq] {
			top[s.seq] = *m
		}
	}
	for _, seq := range order {
		// setval(seq, max, true): the next value is max + 1; an empty table starts again at 1.
		var err error
		if top[seq] > 0 {
			_, err = db.pool.Exec(ctx, `SELECT setval($1::regclass, $2, true)`, seq, top[seq])
		} else {
			_, err = db.pool.Exec(ctx, `SELECT setval($1::regclass, 1, false)`, seq)
		}
		if err != nil {
			return fmt.Errorf("reset sequence %s: %w", seq, err)
		}
	}
	for table, rebuild := range derivedTables {
		if err := rebuild(ctx, db); err != nil {
			return fmt.Errorf("rebuild %s: %w", table, err)
		}
	}
	// Statistics for the copied tables only (a bare ANALYZE would visit every schema).
	tables, err := db.CopyTables(ctx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := db.pool.Exec(ctx, `ANALYZE `+ident(t.Name)); err != nil {
			return err
		}
	}
	return nil
}
