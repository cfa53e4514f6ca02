package demo

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"unicode/utf8"

	"github.com/xinyong/xinyong/credit"
)

// writer writes the rows of one file. It holds the state of the row being built, which the
// field generators read, so the fields of one row agree with each other (a fine with its
// penalty category, a removal reason with its removal date).
type writer struct {
	r       *rand.Rand
	c       *city
	j       *job
	p       *itemPlan
	dept    *department
	dom     *domain
	today   day
	badRate float64
	prefix  string
	// personShare is the probability that a row of a bulk item is about a natural person.
	personShare float64

	// The current row.
	seq    int
	legal  *legalSubject // nil for a natural person
	person *person       // the natural person, or the legal representative of legal
	dec    day           // decision date
	year   int           // rating year (modeYearly)
	st     rowState

	counters map[int]int // document number sequences per key (year, court…)
	vals     [][]byte    // the row's cells: 3 standard columns, then the item's fields
	line     []byte
}

// rowState is what the field generators of one row decide once and share. Zero values mean
// "not decided yet".
type rowState struct {
	end     day // valid-to or publication end
	removal day // removed from a list (-1: not removed)
	pen     *penalty
	penalty penalty
	court   *courtCase
	cc      courtCase
	lic     *licence
	result  int8 // inspection failed, donation in goods: 1 no, 2 yes
}

func newWriter(cfg Config, c *city, j *job) *writer {
	w := &writer{
		r:        newRand(cfg.Seed, "file/"+j.file.Item+"/"+j.file.Dept),
		c:        c,
		j:        j,
		p:        j.p,
		dept:     j.dept,
		dom:      domainOf(j.dept.NameZH),
		today:    c.today,
		badRate:  cfg.BadRate,
		prefix:   sourcePrefix(j.file.Dept, j.file.Item),
		counters: make(map[int]int),
		vals:     make([][]byte, 3+len(j.p.gens)),
	}
	if w.p.prof.bulk > 0 {
		// Only departments that license or punish natural persons have person rows.
		if w.p.prof.negative && len(w.dom.personViol) > 0 || !w.p.prof.negative && len(w.dom.personLic) > 0 {
			w.personShare = w.p.prof.personShare
		}
	} else {
		w.personShare = 1 - w.p.legalShare
	}
	if w.p.prof.mode == modeRegistry {
		// Registration rows stay valid: every subject exists, so an importer rejects exactly
		// the deliberate bad rows and no record for want of its subject.
		w.badRate = 0
	}
	if w.p.persons == nil {
		w.personShare = 0
	} else if w.p.legal == nil {
		w.personShare = 1
	}
	return w
}

// run writes the header and every row.
func (w *writer) run(ctx context.Context, bw *bufio.Writer) error {
	w.line = w.line[:0]
	for i, h := range Header(w.p.it) {
		if i > 0 {
			w.line = append(w.line, ',')
		}
		w.line = appendCSV(w.line, []byte(h))
	}
	w.line = append(w.line, '\n')
	if _, err := bw.Write(w.line); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	emit := func() error {
		if w.seq&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return w.row(bw)
	}
	switch w.p.prof.mode {
	case modeRegistry:
		for _, s := range w.j.subjects {
			w.setLegal(s)
			w.dec = w.legal.est
			if err := emit(); err != nil {
				return err
			}
		}
	case modeYearly:
		return w.yearly(emit)
	default:
		for w.seq < w.j.file.Rows {
			w.pickSubject()
			if err := emit(); err != nil {
				return err
			}
		}
	}
	return nil
}

// yearly picks exactly Rows of the item's (subject, year) pairs by selection sampling, in
// year order, so each subject is rated at most once a year (more only when Rows exceeds the
// pairs).
func (w *writer) yearly(emit func() error) error {
	total := w.p.pairs
	want := w.j.file.Rows
	if total == 0 {
		return fmt.Errorf("demo: item %s: %w", w.p.it.Code, errNoSubjects)
	}
	each, extra := want/total, want%total
	seen := 0
	for _, y := range w.p.years {
		end := civilDay(y.year, 12, 31)
		for _, i := range w.p.legal.idx {
			s := &w.c.legal[i]
			if s.est >= end || s.status != statusActive {
				continue
			}
			n := each
			if extra > 0 && w.r.IntN(total-seen) < extra {
				n++
				extra--
			}
			seen++
			for ; n > 0; n-- {
				w.setLegal(i)
				w.year = y.year
				w.dec = y.from + days(w.r.IntN(int(y.to-y.from)+1))
				if err := emit(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (w *writer) setLegal(i int32) {
	w.legal = &w.c.legal[i]
	w.person = &w.c.persons[w.legal.rep]
}

// pickSubject draws the subject and decision date of a sampled row. Decision dates lie in the
// five years before today, more of them recent, and never before the subject existed (or, for
// a person, turned 18).
func (w *writer) pickSubject() {
	hi := w.today - 1
	lo := w.today.addYears(-5)
	u := w.r.Float64()
	w.dec = hi - day(float64(hi-lo)*u*(0.5+0.5*u))
	var first day
	if w.personShare > 0 && w.r.Float64() < w.personShare {
		w.legal = nil
		w.person = &w.c.persons[w.p.persons.draw(w)]
		first = w.person.birth.addYears(18)
	} else {
		w.setLegal(w.p.legal.draw(w))
		first = w.legal.est
	}
	if w.dec < first {
		if first >= hi {
			w.dec = hi
		} else {
			w.dec = first + days(w.r.IntN(int(hi-first)+1))
		}
	}
}

// row builds and writes the current row.
func (w *writer) row(bw *bufio.Writer) error {
	w.st = rowState{}
	w.seq++
	v := w.vals
	v[0] = appendPadded(append(v[0][:0], w.prefix...), w.seq, 8)
	if w.legal != nil {
		v[1] = append(v[1][:0], w.legal.code...)
		v[2] = append(v[2][:0], w.legal.name...)
	} else {
		v[1] = append(v[1][:0], w.person.id...)
		v[2] = append(v[2][:0], w.person.name...)
	}
	for k := range w.p.gens {
		g := &w.p.gens[k]
		b := g.gen(w, v[3+k][:0])
		if g.maxLen > 0 && len(b) > g.maxLen { // bytes ≥ runes: only then count runes
			b = truncateRunes(b, g.maxLen)
		}
		v[3+k] = b
	}
	if w.badRate > 0 && w.r.Float64() < w.badRate {
		w.corrupt()
		w.j.file.Bad++
	}
	line := w.line[:0]
	for i, cell := range v {
		if i > 0 {
			line = append(line, ',')
		}
		line = appendCSV(line, cell)
	}
	line = append(line, '\n')
	w.line = line
	if _, err := bw.Write(line); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// truncateRunes cuts b to at most n runes.
func truncateRunes(b []byte, n int) []byte {
	i := 0
	for k := 0; k < n && i < len(b); k++ {
		_, size := utf8.DecodeRune(b[i:])
		i += size
	}
	return b[:i]
}

// appendCSV appends one cell, quoted only when it has to be (RFC 4180).
func appendCSV(dst, cell []byte) []byte {
	quote := false
	for _, c := range cell {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote && (len(cell) == 0 || cell[0] != ' ' && cell[len(cell)-1] != ' ') {
		return append(dst, cell...)
	}
	dst = append(dst, '"')
	for _, c := range cell {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

// Kinds of deliberate errors.
const (
	badCheck = iota
	badDate
	badLength
	badEnum
)

// corrupt makes the current row invalid in one way the importer must catch: a wrong check
// character in the subject code, an impossible date, a value longer than the field allows, or
// a value outside the field's enum.
func (w *writer) corrupt() {
	var options [4]int
	n := 0
	options[n] = badCheck
	n++
	var dates, longs, enums [8]int
	nd, nl, ne := 0, 0, 0
	for k := range w.p.gens {
		g := &w.p.gens[k]
		switch g.f.Type {
		case credit.TypeDate:
			if len(w.vals[3+k]) > 0 && nd < len(dates) {
				dates[nd] = k
				nd++
			}
		case credit.TypeString:
			if g.maxLen > 0 && g.maxLen <= 600 && nl < len(longs) {
				longs[nl] = k
				nl++
			}
		case credit.TypeEnum:
			if ne < len(enums) {
				enums[ne] = k
				ne++
			}
		}
	}
	if nd > 0 {
		options[n] = badDate
		n++
	}
	if nl > 0 {
		options[n] = badLength
		n++
	}
	if ne > 0 {
		options[n] = badEnum
		n++
	}
	switch options[w.r.IntN(n)] {
	case badCheck:
		code := w.vals[1]
		last := len(code) - 1
		if len(code) == 18 && (code[0] < '0' || code[0] > '9' || w.legal != nil) {
			code[last] = usccAlphabet[(indexByte(usccAlphabet, code[last])+1+w.r.IntN(29))%len(usccAlphabet)]
		} else {
			d := digit(w.r.IntN(10))
			if d == code[last] {
				d = '0' + (d-'0'+1)%10
			}
			code[last] = d
		}
	case badDate:
		k := 3 + dates[w.r.IntN(nd)]
		y := w.dec.year()
		impossible := [...]string{"-02-30", "-04-31", "-13-01", "-00-10", "-06-31"}
		w.vals[k] = append(appendPadded(w.vals[k][:0], y, 4), one(w.r, impossible[:])...)
	case badLength:
		g := &w.p.gens[longs[w.r.IntN(nl)]]
		k := 3 + indexGen(w.p.gens, g)
		b := w.vals[k]
		for utf8.RuneCount(b) <= g.maxLen {
			b = append(b, "（补充说明）"...)
		}
		w.vals[k] = b
	case badEnum:
		k := 3 + enums[w.r.IntN(ne)]
		w.vals[k] = append(w.vals[k][:0], "其他（未列明）"...)
	}
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return 0
}

func indexGen(gens []fieldGen, g *fieldGen) int {
	for i := range gens {
		if &gens[i] == g {
			return i
		}
	}
	return 0
}
