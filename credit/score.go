package credit

import (
	"fmt"
	"strconv"
	"time"
)

// Score is a subject's score on one scorecard version (信用评分) with the grade it earns and,
// when explained, every line that made it.
type Score struct {
	SubjectID  int64      `json:"-"`
	Card       string     `json:"card"`
	Version    int        `json:"version"`
	Total      int        `json:"total"`
	Grade      string     `json:"grade"`
	Dimensions []DimScore `json:"dimensions,omitempty"`
	Lines      []Line     `json:"lines,omitempty"`
	// GradeCapped names the indicator whose grade cap lowered the grade, if any.
	GradeCapped string    `json:"grade_capped,omitempty"`
	At          time.Time `json:"computed_at"`
}

// DimScore is a dimension's contribution to a score.
type DimScore struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	Points int    `json:"points"`
}

// Line is one line of a score's explanation: which indicator, which record, its date, the points
// it gave, and why in words ("+20 无偿献血 2026-03-02").
type Line struct {
	Indicator string    `json:"indicator"`
	Dimension string    `json:"dimension"`
	RecordID  int64     `json:"record_id,omitempty"`
	Item      string    `json:"item,omitempty"`
	Date      time.Time `json:"date,omitzero"`
	Points    int       `json:"points"`
	Why       string    `json:"why"`
}

// CompiledCard is a checked scorecard prepared for fast evaluation: indicators grouped by
// catalog item, conditions parsed once, derived indicators in dependency order. It is safe for
// concurrent use.
type CompiledCard struct {
	Card    *Scorecard
	byItem  map[string][]*cInd
	derived []*cInd
	inds    []*cInd
	dimIdx  map[string]int
	anyItem map[string]bool
}

type cInd struct {
	*Indicator
	idx    int
	dim    int
	conds  []cCond
	ofInd  []int
	ofDim  []int
	capRnk int // grade rank of GradeCap, -1 none
}

type cCond struct {
	field  string
	op     string
	value  string
	num    float64
	isNum  bool
	values []string
}

// Compile checks card against cat and prepares it for Evaluate.
func Compile(card *Scorecard, cat *Catalog) (*CompiledCard, error) {
	if err := card.Check(cat); err != nil {
		return nil, err
	}
	cc := &CompiledCard{Card: card, byItem: map[string][]*cInd{}, dimIdx: map[string]int{}, anyItem: map[string]bool{}}
	for i, d := range card.Dimensions {
		cc.dimIdx[d.Code] = i
	}
	for _, it := range card.AnyItem {
		cc.anyItem[it] = true
	}
	indIdx := map[string]int{}
	idx := map[string]*Indicator{}
	for i := range card.Indicators {
		in := &card.Indicators[i]
		indIdx[in.Code] = i
		idx[in.Code] = in
	}
	cc.inds = make([]*cInd, len(card.Indicators))
	for i := range card.Indicators {
		in := &card.Indicators[i]
		ci := &cInd{Indicator: in, idx: i, dim: cc.dimIdx[in.Dimension], capRnk: card.Rank(in.GradeCap)}
		if in.GradeCap == "" {
			ci.capRnk = -1
		}
		for _, c := range in.When {
			cc := cCond{field: c.Field, op: c.Op, value: c.Value, values: c.Values}
			if f, err := strconv.ParseFloat(c.Value, 64); err == nil {
				cc.num, cc.isNum = f, true
			}
			ci.conds = append(ci.conds, cc)
		}
		for _, ref := range in.Of {
			if j, ok := indIdx[ref]; ok {
				ci.ofInd = append(ci.ofInd, j)
			} else {
				ci.ofDim = append(ci.ofDim, cc.dimIdx[ref])
			}
		}
		cc.inds[i] = ci
		if in.Item != "" {
			cc.byItem[in.Item] = append(cc.byItem[in.Item], ci)
		}
	}
	order, _ := card.derivedOrder(idx)
	for _, in := range order {
		cc.derived = append(cc.derived, cc.inds[indIdx[in.Code]])
	}
	return cc, nil
}

// Scores reports whether the card applies to a subject of class cl with these records (the
// class, and for an industry model at least one active record of its items).
func (cc *CompiledCard) Scores(cl SubjectClass, recs []*Record) bool {
	if !cc.Card.Applies(cl) {
		return false
	}
	if len(cc.anyItem) == 0 {
		return true
	}
	for _, r := range recs {
		if r.Status == RecordActive && cc.anyItem[r.Item] {
			return true
		}
	}
	return false
}

// Evaluator holds the scratch space of Evaluate so that scoring many subjects allocates little.
// One per goroutine.
type Evaluator struct {
	indSum []int
	dimSum []int
	period map[periodKey]int
}

type periodKey struct {
	ind  int
	year int
}

// Evaluate computes a subject's score from its records at now. Only active records count. With
// explain, s.Lines and s.Dimensions say where every point came from; without, only Total and
// Grade are set (the bulk recompute). s is reset and reused.
func (cc *CompiledCard) Evaluate(ev *Evaluator, recs []*Record, now time.Time, explain bool, s *Score) {
	card := cc.Card
	*s = Score{Card: card.Code, Version: card.Version, At: now, Lines: s.Lines[:0], Dimensions: s.Dimensions[:0], SubjectID: s.SubjectID}
	if cap(ev.indSum) < len(cc.inds) {
		ev.indSum = make([]int, len(cc.inds))
	}
	ev.indSum = ev.indSum[:len(cc.inds)]
	clear(ev.indSum)
	if cap(ev.dimSum) < len(card.Dimensions) {
		ev.dimSum = make([]int, len(card.Dimensions))
	}
	ev.dimSum = ev.dimSum[:len(card.Dimensions)]
	clear(ev.dimSum)
	if ev.period == nil {
		ev.period = map[periodKey]int{}
	}
	clear(ev.period)
	capRank := -1
	capBy := ""
	for _, r := range recs {
		if r.Status != RecordActive {
			continue
		}
		for _, ci := range cc.byItem[r.Item] {
			if !ci.match(r.Fields) {
				continue
			}
			date := r.Decision
			if ci.DateField != "" {
				d, ok := parseDay(r.Fields[ci.DateField])
				if !ok {
					continue
				}
				date = d
			}
			if date.After(now) {
				continue // not yet in force
			}
			pts := ci.Points
			if ci.UnitField != "" {
				v, err := strconv.ParseFloat(r.Fields[ci.UnitField], 64)
				if err != nil || v <= 0 {
					continue
				}
				pts *= int(v / ci.Unit)
			}
			pts = decay(pts, date, now, ci.DecayMonths)
			if pts == 0 {
				continue
			}
			if ci.Cap > 0 {
				k := periodKey{ind: ci.idx}
				if ci.Period == PeriodYear {
					k.year = date.Year()
				}
				used := ev.period[k]
				pts = clampAdd(used, pts, ci.Cap)
				ev.period[k] = used + pts
				if pts == 0 {
					continue
				}
			}
			ev.indSum[ci.idx] += pts
			if ci.capRnk >= 0 && (capRank < 0 || ci.capRnk > capRank) {
				capRank, capBy = ci.capRnk, ci.Code
			}
			if explain {
				s.Lines = append(s.Lines, Line{Indicator: ci.Code, Dimension: ci.Dimension, RecordID: r.ID, Item: r.Item,
					Date: date, Points: pts, Why: why(pts, ci.NameZH, date)})
			}
		}
	}
	for _, ci := range cc.inds {
		if ci.Item != "" {
			ev.dimSum[ci.dim] += ev.indSum[ci.idx]
		}
	}
	for _, ci := range cc.derived {
		sum := 0
		for _, j := range ci.ofInd {
			sum += ev.indSum[j]
		}
		for _, d := range ci.ofDim {
			sum += ev.dimSum[d]
		}
		if !compare(float64(sum), ci.Op, float64(ci.Value)) {
			continue
		}
		ev.indSum[ci.idx] = ci.Points
		ev.dimSum[ci.dim] += ci.Points
		if explain && ci.Points != 0 {
			s.Lines = append(s.Lines, Line{Indicator: ci.Code, Dimension: ci.Dimension, Points: ci.Points, Why: why(ci.Points, ci.NameZH, time.Time{})})
		}
	}
	total := card.Base
	for i, d := range card.Dimensions {
		v := ev.dimSum[i]
		if d.Min != 0 || d.Max != 0 {
			v = min(max(v, d.Min), d.Max)
		}
		total += v
		if explain {
			s.Dimensions = append(s.Dimensions, DimScore{Code: d.Code, NameZH: d.NameZH, Points: v})
		}
	}
	s.Total = min(max(total, card.Min), card.Max)
	s.Grade = card.GradeOf(s.Total)
	if capRank >= 0 && card.Rank(s.Grade) < capRank {
		s.Grade, s.GradeCapped = card.Grades[capRank].Grade, capBy
	}
}

// clampAdd returns how much of pts fits when used points were already given and |sum| ≤ limit.
func clampAdd(used, pts, limit int) int {
	sum := used + pts
	switch {
	case sum > limit:
		return max(limit-used, 0)
	case sum < -limit:
		return min(-limit-used, 0)
	}
	return pts
}

// decay shrinks pts linearly to zero over months after date: full at date, zero from date +
// months on. The fraction is counted in days and truncated toward zero.
func decay(pts int, date, now time.Time, months int) int {
	if months <= 0 {
		return pts
	}
	end := date.AddDate(0, months, 0)
	if !now.Before(end) {
		return 0
	}
	total := end.Sub(date).Hours()
	left := end.Sub(now).Hours()
	if left >= total {
		return pts
	}
	return int(float64(pts) * left / total)
}

func why(pts int, name string, date time.Time) string {
	s := strconv.Itoa(pts)
	if pts > 0 {
		s = "+" + s
	}
	s += " " + name
	if !date.IsZero() {
		s += " " + date.Format(time.DateOnly)
	}
	return s
}

func (ci *cInd) match(f map[string]string) bool {
	for i := range ci.conds {
		c := &ci.conds[i]
		v, present := f[c.field]
		present = present && v != ""
		switch c.op {
		case "empty":
			if present {
				return false
			}
		case "present":
			if !present {
				return false
			}
		case "eq":
			if v != c.value {
				return false
			}
		case "ne":
			if v == c.value {
				return false
			}
		case "in", "not_in":
			found := false
			for _, x := range c.values {
				if x == v {
					found = true
					break
				}
			}
			if found != (c.op == "in") {
				return false
			}
		default: // lt le gt ge
			if !present {
				return false
			}
			if c.isNum {
				n, err := strconv.ParseFloat(v, 64)
				if err != nil || !compare(n, c.op, c.num) {
					return false
				}
			} else if !compareStr(v, c.op, c.value) {
				return false
			}
		}
	}
	return true
}

func compare(a float64, op string, b float64) bool {
	switch op {
	case "eq":
		return a == b
	case "ne":
		return a != b
	case "lt":
		return a < b
	case "le":
		return a <= b
	case "gt":
		return a > b
	case "ge":
		return a >= b
	}
	return false
}

func compareStr(a, op, b string) bool {
	switch op {
	case "lt":
		return a < b
	case "le":
		return a <= b
	case "gt":
		return a > b
	case "ge":
		return a >= b
	}
	return false
}

// parseDay parses a canonical YYYY-MM-DD date without allocating.
func parseDay(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	n := func(p string) int {
		v := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return -1
			}
			v = v*10 + int(p[i]-'0')
		}
		return v
	}
	y, m, d := n(s[:4]), n(s[5:7]), n(s[8:])
	if y < 1 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// String renders a score in one line, for logs and the command line.
func (s *Score) String() string {
	return fmt.Sprintf("%s v%d: %d %s", s.Card, s.Version, s.Total, s.Grade)
}
