package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store/listsql"
)

// subjectAndEntriesQuery reads a subject and its list entries of one status in one statement:
// a first column says which (0 the subject, 1 an entry), and each row carries NULLs in place
// of the other's columns. The subject, if any, comes first, then the entries by id.
var subjectAndEntriesQuery = func() string {
	nulls := func(cols string) string {
		return strings.TrimSuffix(strings.Repeat("NULL, ", columns(cols)), ", ")
	}
	return `SELECT 0 AS part, 0 AS eid, ` + subjectCols + `, ` + nulls(listsql.EntryCols) + ` FROM subjects WHERE key = ?
		UNION ALL
		SELECT 1, id, ` + nulls(subjectCols) + `, ` + listsql.EntryCols + ` FROM list_entries WHERE subject_key = ? AND status = ?
		ORDER BY 1, 2`
}()

// SubjectAndEntries implements store.CheckReader: a window check starts one read transaction
// for its subject and entries instead of two, and both come from one snapshot.
func (r reader) SubjectAndEntries(ctx context.Context, key string, status credit.EntryStatus) (*credit.Subject, []*credit.ListEntry, error) {
	rows, err := r.q.QueryContext(ctx, subjectAndEntriesQuery, key, key, string(status))
	if err != nil {
		return nil, nil, err
	}
	pr := &partRows{rows: rows}
	var s *credit.Subject
	if pr.first() && pr.part == 0 {
		pr.at = 2 // the subject's columns follow part and eid
		if s, err = scanSubject(pr); err != nil {
			rows.Close()
			return nil, nil, err
		}
		pr.held = false // the entries follow
	}
	// What is left are entries (ScanEntries closes rows).
	pr.at = 2 + nSubjectCols
	es, err := listsql.ScanEntries(pr)
	return s, es, err
}

var nSubjectCols, nEntryCols = columns(subjectCols), columns(listsql.EntryCols)

// columns counts the columns of a select list (commas outside parentheses).
func columns(list string) int {
	n, depth := 1, 0
	for _, c := range list {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				n++
			}
		}
	}
	return n
}

// partRows shows the rows of subjectAndEntriesQuery to scanSubject and listsql.ScanEntries as
// rows of just the subject's or the entry's columns.
type partRows struct {
	rows       *sql.Rows
	at         int // the first column of the part Scan reads
	part       int64
	ok, held   bool // ok: the current row is valid; held: Next must not move past it
	err        error
	skip, dest []any // where the columns not asked for go
}

// first moves to the first row and reads which part it is; the row is then held for Next.
// (The rows after a subject are all entries: only the first needs looking at.)
func (p *partRows) first() bool {
	p.ok, p.held = p.rows.Next(), true
	if !p.ok {
		return false
	}
	dest := p.skipping()
	dest[0] = &p.part
	if p.err = p.rows.Scan(dest...); p.err != nil {
		p.ok = false
	}
	return p.ok
}

func (p *partRows) Next() bool {
	if p.held {
		p.held = false
		return p.ok
	}
	return p.rows.Next()
}

// skipping returns a destination for every column, each taking what it is given, for the
// caller to replace those it wants.
func (p *partRows) skipping() []any {
	n := 2 + nSubjectCols + nEntryCols
	if p.dest == nil {
		p.skip, p.dest = make([]any, n), make([]any, n)
	}
	for i := range p.dest {
		p.dest[i] = &p.skip[i]
	}
	return p.dest
}

func (p *partRows) Scan(dest ...any) error {
	all := p.skipping()
	copy(all[p.at:], dest)
	return p.rows.Scan(all...)
}

func (p *partRows) Err() error {
	if p.err != nil {
		return p.err
	}
	return p.rows.Err()
}

func (p *partRows) Close() { p.rows.Close() }
