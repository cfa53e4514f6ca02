package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// Kind is what a column holds, independent of how a database spells it. PostgreSQL's types say it
// (bigint, timestamptz, text[], jsonb, …); SQLite's do not (a time is an INTEGER of Unix seconds, a
// list a TEXT joined by a separator), so a copy between the two takes the kind from the
// PostgreSQL side.
type Kind uint8

// Column kinds.
const (
	KindUnknown  Kind = iota
	KindInt           // int64
	KindFloat         // float64
	KindText          // string
	KindBytes         // []byte
	KindBool          // bool
	KindTime          // time.Time (UTC, microseconds)
	KindJSON          // string: JSON text, compared in a canonical form
	KindTextList      // []string
)

var kindNames = [...]string{"unknown", "int", "float", "text", "bytes", "bool", "time", "json", "text list"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// CopyColumn is one column of a table, as a store's schema describes it.
type CopyColumn struct {
	Name string
	Type string // the database's own type name, for messages
	Kind Kind   // KindUnknown when the database's type does not say (SQLite)
	// Derived columns are computed by the store from other columns of the row (PostgreSQL's
	// search_text and grams): a copy never reads or writes them; the destination store fills
	// them itself.
	Derived bool
	// Required: NOT NULL without a default, so the copy must supply it.
	Required bool
}

// CopyTable is one table of a store's schema.
type CopyTable struct {
	Name    string
	Columns []CopyColumn
}

// Copier is what a store offers to `xinyong copy`: its schema as found at run time, a consistent
// read of every table, and bulk writes. Rows travel as []any of the logical types of their
// columns' kinds (nil for NULL), so a store converts its own representation in and out.
type Copier interface {
	// CopyEngine names the database ("sqlite", "postgres").
	CopyEngine() string
	// CopyTables lists the tables that hold data (never schema_migrations, nor the store's own
	// derived structures such as full-text indexes), in name order.
	CopyTables(ctx context.Context) ([]CopyTable, error)
	// CopyRead calls fn with a reader over one consistent snapshot of the store.
	CopyRead(ctx context.Context, fn func(CopyReader) error) error
	// CopyClear empties tables (before a copy into them).
	CopyClear(ctx context.Context, tables []string) error
	// CopyWrite stores rows into table; cols carry the resolved kinds and are never derived. It
	// returns how many rows it wrote.
	CopyWrite(ctx context.Context, table string, cols []CopyColumn, rows iter.Seq2[[]any, error]) (int64, error)
	// CopyFinish runs after all tables are written: sequences reset past the copied ids, derived
	// data (search indexes) rebuilt, planner statistics refreshed.
	CopyFinish(ctx context.Context) error
}

// CopyReader reads the tables of one snapshot.
type CopyReader interface {
	Count(table string) (int64, error)
	// Rows calls fn for every row of table with the values of cols, converted to their kinds.
	// The slice is fn's to keep.
	Rows(table string, cols []CopyColumn, fn func([]any) error) error
}

// CopyOptions tune Copy.
type CopyOptions struct {
	// Overwrite allows a destination that already holds data: its tables are emptied first.
	Overwrite bool
	// Seeded is how many rows each table holds in a freshly migrated store (rows that
	// migrations insert, such as the audit chain's head); a destination holding no more than
	// that counts as empty.
	Seeded map[string]int64
	// Progress, when set, is told about each table as it starts and ends.
	Progress func(table string, done bool, rows int64)
}

// TableCheck is the outcome of copying one table: row counts and checksums read from both sides.
type TableCheck struct {
	Table       string   `json:"table"`
	SourceRows  int64    `json:"source_rows"`
	DestRows    int64    `json:"dest_rows"`
	SourceSum   string   `json:"source_checksum"`
	DestSum     string   `json:"dest_checksum"`
	Columns     int      `json:"columns"`
	SkippedCols []string `json:"skipped_columns,omitempty"` // derived columns, recomputed by the destination
}

// OK reports whether both sides agree.
func (c TableCheck) OK() bool { return c.SourceRows == c.DestRows && c.SourceSum == c.DestSum }

// CopyReport is what Copy did.
type CopyReport struct {
	Tables   []TableCheck  `json:"tables"`
	Rows     int64         `json:"rows"`
	Duration time.Duration `json:"duration_ns"`
}

// Mismatches lists the tables whose counts or checksums differ.
func (r *CopyReport) Mismatches() []string {
	var out []string
	for _, t := range r.Tables {
		if !t.OK() {
			out = append(out, t.Table)
		}
	}
	return out
}

// copyPlan is one table to copy: the columns both sides hold, with their kinds resolved.
type copyPlan struct {
	table   string
	cols    []CopyColumn
	skipped []string
}

// planCopy matches the source's tables and columns with the destination's. Every source table
// and non-derived column must exist at the destination (else data would be lost); destination
// columns the source lacks must be derived, nullable or defaulted.
func planCopy(src, dst []CopyTable) ([]copyPlan, error) {
	dt := map[string]CopyTable{}
	for _, t := range dst {
		dt[t.Name] = t
	}
	var plans []copyPlan
	var problems []string
	for _, s := range src {
		d, ok := dt[s.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("目标库没有表 / the destination has no table %s", s.Name))
			continue
		}
		p := copyPlan{table: s.Name}
		dc := map[string]CopyColumn{}
		for _, c := range d.Columns {
			dc[c.Name] = c
		}
		seen := map[string]bool{}
		for _, c := range s.Columns {
			seen[c.Name] = true
			dcol, ok := dc[c.Name]
			switch {
			case c.Derived || (ok && dcol.Derived):
				p.skipped = append(p.skipped, c.Name)
			case !ok:
				problems = append(problems, fmt.Sprintf("目标库表 %s 没有列 %s / the destination's table %s has no column %s", s.Name, c.Name, s.Name, c.Name))
			default:
				k, err := resolveKind(c, dcol)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s.%s: %v", s.Name, c.Name, err))
					continue
				}
				c.Kind = k
				p.cols = append(p.cols, c)
			}
		}
		for _, c := range d.Columns {
			if !seen[c.Name] && !c.Derived && c.Required {
				problems = append(problems, fmt.Sprintf("源库表 %s 缺少必填列 %s / the source's table %s lacks the required column %s", s.Name, c.Name, s.Name, c.Name))
			} else if !seen[c.Name] && c.Derived {
				p.skipped = append(p.skipped, c.Name)
			}
		}
		plans = append(plans, p)
	}
	if len(problems) > 0 {
		return nil, credit.Errorf(credit.EINVALID, "两库结构不一致，无法复制 / the schemas do not match, nothing copied:\n  %s", strings.Join(problems, "\n  "))
	}
	return plans, nil
}

// resolveKind takes a column's kind from whichever side's type says it (PostgreSQL), else from
// SQLite's declared affinity.
func resolveKind(src, dst CopyColumn) (Kind, error) {
	switch {
	case src.Kind != KindUnknown && dst.Kind != KindUnknown && src.Kind != dst.Kind:
		return 0, fmt.Errorf("类型不同 / types differ: %s (%s) → %s (%s)", src.Type, src.Kind, dst.Type, dst.Kind)
	case src.Kind != KindUnknown:
		return src.Kind, nil
	case dst.Kind != KindUnknown:
		return dst.Kind, nil
	}
	return AffinityKind(dst.Type), nil
}

// AffinityKind is the kind of an SQLite declared type, by SQLite's affinity rules.
func AffinityKind(decl string) Kind {
	t := strings.ToUpper(decl)
	switch {
	case strings.Contains(t, "INT"):
		return KindInt
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return KindText
	case t == "" || strings.Contains(t, "BLOB"):
		return KindBytes
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return KindFloat
	}
	return KindText
}

// Copy copies every table of src into dst, then reads both back and compares each table's row
// count and checksum. dst's schema must be current (its store migrated it when opened). A
// mismatch is returned as an error together with the report.
func Copy(ctx context.Context, src, dst Copier, opt CopyOptions) (*CopyReport, error) {
	start := time.Now()
	st, err := src.CopyTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("source schema: %w", err)
	}
	dt, err := dst.CopyTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("destination schema: %w", err)
	}
	plans, err := planCopy(st, dt)
	if err != nil {
		return nil, err
	}

	// Refuse a destination that holds data, unless told to overwrite it.
	var full []string
	err = dst.CopyRead(ctx, func(r CopyReader) error {
		for _, t := range dt {
			n, err := r.Count(t.Name)
			if err != nil {
				return err
			}
			if n > opt.Seeded[t.Name] {
				full = append(full, fmt.Sprintf("%s (%d)", t.Name, n))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	if len(full) > 0 && !opt.Overwrite {
		return nil, credit.Errorf(credit.ECONFLICT, "目标库已有数据，未复制（确需覆盖请加 --overwrite）/ the destination already holds data, nothing copied (add --overwrite to replace it): %s", strings.Join(full, ", "))
	}
	var names []string
	for _, t := range dt {
		names = append(names, t.Name)
	}
	if err := dst.CopyClear(ctx, names); err != nil {
		return nil, fmt.Errorf("empty the destination: %w", err)
	}

	rep := &CopyReport{}
	err = src.CopyRead(ctx, func(r CopyReader) error {
		for _, p := range plans {
			if opt.Progress != nil {
				opt.Progress(p.table, false, 0)
			}
			tc := TableCheck{Table: p.table, Columns: len(p.cols), SkippedCols: p.skipped}
			var sum Checksum
			var readErr error
			rows := func(yield func([]any, error) bool) {
				stopped := false
				readErr = r.Rows(p.table, p.cols, func(row []any) error {
					sum.Add(p.cols, row)
					if !yield(row, nil) {
						stopped = true
						return errStopCopy
					}
					return nil
				})
				if readErr != nil && !stopped {
					yield(nil, fmt.Errorf("read %s: %w", p.table, readErr))
				}
			}
			n, err := dst.CopyWrite(ctx, p.table, p.cols, rows)
			if err != nil {
				return fmt.Errorf("write %s: %w", p.table, err)
			}
			if readErr != nil && readErr != errStopCopy {
				return fmt.Errorf("read %s: %w", p.table, readErr)
			}
			tc.SourceRows, tc.SourceSum = sum.n, sum.String()
			if n != sum.n {
				return fmt.Errorf("%s: read %d rows, wrote %d", p.table, sum.n, n)
			}
			rep.Tables = append(rep.Tables, tc)
			rep.Rows += n
			if opt.Progress != nil {
				opt.Progress(p.table, true, n)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := dst.CopyFinish(ctx); err != nil {
		return nil, fmt.Errorf("finish: %w", err)
	}

	// Read everything back from the destination: counts and checksums of what it holds.
	err = dst.CopyRead(ctx, func(r CopyReader) error {
		for i, p := range plans {
			var sum Checksum
			if err := r.Rows(p.table, p.cols, func(row []any) error { sum.Add(p.cols, row); return nil }); err != nil {
				return fmt.Errorf("read back %s: %w", p.table, err)
			}
			rep.Tables[i].DestRows, rep.Tables[i].DestSum = sum.n, sum.String()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Duration = time.Since(start)
	if bad := rep.Mismatches(); len(bad) > 0 {
		return rep, credit.Errorf(credit.EINTERNAL, "复制后校验不一致 / the copy does not match its source: %s", strings.Join(bad, ", "))
	}
	return rep, nil
}

var errStopCopy = fmt.Errorf("copy stopped")

// Checksum is an order-independent digest of a table's rows: the sum, in four 64-bit lanes, of
// the SHA-256 of each row's canonical encoding, with the row count. Two tables holding the same
// rows in any order have the same checksum; a row lost, duplicated or altered changes it. The
// two databases return rows in different orders (and collate text differently), so an ordered
// digest would need a sort; the sum needs none.
type Checksum struct {
	lanes [4]uint64
	n     int64
	buf   []byte
}

// Add adds one row (values of cols' kinds).
func (c *Checksum) Add(cols []CopyColumn, row []any) {
	c.buf = AppendCanonical(c.buf[:0], cols, row)
	h := sha256.Sum256(c.buf)
	for i := range c.lanes {
		c.lanes[i] += binary.BigEndian.Uint64(h[8*i:])
	}
	c.n++
}

// Rows is how many rows were added.
func (c *Checksum) Rows() int64 { return c.n }

func (c *Checksum) String() string {
	var b [32]byte
	for i, l := range c.lanes {
		binary.BigEndian.PutUint64(b[8*i:], l)
	}
	return hex.EncodeToString(b[:])
}

// AppendCanonical appends the canonical encoding of a row: per value a tag byte and a payload in
// a form that does not depend on the database (times as Unix microseconds, JSON re-encoded with
// sorted keys, lists element by element, lengths before bytes).
func AppendCanonical(b []byte, cols []CopyColumn, row []any) []byte {
	for i, v := range row {
		if v == nil {
			b = append(b, 0)
			continue
		}
		switch x := v.(type) {
		case int64:
			b = append(b, 'i')
			b = binary.BigEndian.AppendUint64(b, uint64(x)) // #nosec G115 -- the bit pattern, not a magnitude
		case float64:
			b = append(b, 'f')
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(x))
		case string:
			if i < len(cols) && cols[i].Kind == KindJSON {
				b = append(b, 'j')
				x = CanonicalJSON(x)
			} else {
				b = append(b, 's')
			}
			b = binary.AppendUvarint(b, uint64(len(x)))
			b = append(b, x...)
		case []byte:
			b = append(b, 'b')
			b = binary.AppendUvarint(b, uint64(len(x)))
			b = append(b, x...)
		case bool:
			b = append(b, 'o')
			if x {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		case time.Time:
			b = append(b, 't')
			b = binary.BigEndian.AppendUint64(b, uint64(x.UnixMicro()))
		case []string:
			b = append(b, 'l')
			b = binary.AppendUvarint(b, uint64(len(x)))
			for _, s := range x {
				b = binary.AppendUvarint(b, uint64(len(s)))
				b = append(b, s...)
			}
		default:
			// Not a logical type: encode its printed form so the sides still compare.
			s := fmt.Sprintf("%T:%v", v, v)
			b = append(b, '?')
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	return b
}

// CanonicalJSON re-encodes JSON text compactly with object keys sorted and numbers as written,
// so PostgreSQL's jsonb rendering and the text SQLite keeps compare equal. Text that is not JSON
// is returned as it is.
func CanonicalJSON(s string) string {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return s
	}
	var out bytes.Buffer
	e := json.NewEncoder(&out)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return s
	}
	return strings.TrimSuffix(out.String(), "\n")
}

// SortTables orders tables by name (stores list them so).
func SortTables(ts []CopyTable) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
}

// ColumnNames lists cols' names.
func ColumnNames(cols []CopyColumn) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}
