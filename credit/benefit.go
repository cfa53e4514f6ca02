package credit

import (
	"strings"
	"time"
)

// Benefit is one 信易+ incentive for subjects with a good grade (守信激励): who offers it, what it
// is, the scorecard and the minimum grade it needs, and when it applies. Seed 001: an AAA
// person's housing-fund loan may reach 25× the account balance instead of 20×; AA and above get
// 50–80% off A-grade scenic spots.
type Benefit struct {
	Code       string `json:"code"`
	NameZH     string `json:"name_zh"`
	NameEN     string `json:"name_en,omitempty"`
	Provider   string `json:"provider"` // department or partner code
	ProviderZH string `json:"provider_zh"`
	Area       string `json:"area,omitempty"` // 信易贷, 信易游, 信易医 …
	DetailZH   string `json:"detail_zh"`
	DetailEN   string `json:"detail_en,omitempty"`
	Card       string `json:"card"`      // scorecard code
	MinGrade   string `json:"min_grade"` // the lowest grade that qualifies
	ValidFrom  string `json:"valid_from,omitempty"`
	ValidTo    string `json:"valid_to,omitempty"` // YYYY-MM-DD; empty: open-ended
	Source     string `json:"source,omitempty"`   // seed or document the benefit comes from
}

// ActiveAt reports whether the benefit is offered on now's date.
func (b *Benefit) ActiveAt(now time.Time) bool {
	d := now.Format(time.DateOnly)
	return (b.ValidFrom == "" || d >= b.ValidFrom) && (b.ValidTo == "" || d <= b.ValidTo)
}

// Qualifies reports whether a subject graded grade on card qualifies for b at now.
func (b *Benefit) Qualifies(card *Scorecard, grade string, now time.Time) bool {
	return card != nil && card.Code == b.Card && b.ActiveAt(now) && card.AtLeast(grade, b.MinGrade)
}

// CheckBenefits validates a benefits list against the scorecards it names.
func CheckBenefits(list []Benefit, cards map[string]*Scorecard) error {
	p := problems{}
	seen := map[string]bool{}
	for _, b := range list {
		where := "优惠 benefit " + quote(b.Code)
		if !isCatalogCode(b.Code, 64) {
			p.add(where, "代码无效", "invalid code")
		}
		if seen[b.Code] {
			p.add(where, "代码重复", "duplicate code")
		}
		seen[b.Code] = true
		if strings.TrimSpace(b.NameZH) == "" || strings.TrimSpace(b.ProviderZH) == "" {
			p.add(where, "缺少名称或提供方", "name or provider missing")
		}
		card := cards[b.Card]
		switch {
		case card == nil:
			p.add(where, "未知评分模型 "+quote(b.Card), "unknown scorecard")
		case card.Rank(b.MinGrade) < 0:
			p.add(where, "最低等级 "+quote(b.MinGrade)+" 不在模型等级中", "min_grade is not a grade of the scorecard")
		}
		for _, d := range []string{b.ValidFrom, b.ValidTo} {
			if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
				p.add(where, "日期须为 YYYY-MM-DD", "dates must be YYYY-MM-DD")
			}
		}
	}
	return p.err()
}

// Supervision is how often subjects of one grade are inspected under graded supervision
// (信用分级分类监管): the share of the grade's subjects drawn in each random inspection
// (双随机抽查比例) and the most inspections a year. The random-inspection capability reads it.
type Supervision struct {
	Card           string  `json:"card"`
	Grade          string  `json:"grade"`
	Ratio          float64 `json:"ratio"` // 0–1: share drawn per campaign
	PerYear        int     `json:"per_year"`
	NoteZH         string  `json:"note_zh,omitempty"`
	KeySupervision bool    `json:"key_supervision,omitempty"` // goes to the key-supervision pool (重点监管对象库)
}

// CheckSupervision validates the graded-supervision table against the scorecards.
func CheckSupervision(list []Supervision, cards map[string]*Scorecard) error {
	p := problems{}
	seen := map[string]bool{}
	for _, s := range list {
		where := "分级监管 supervision " + quote(s.Card+"/"+s.Grade)
		card := cards[s.Card]
		if card == nil {
			p.add(where, "未知评分模型", "unknown scorecard")
		} else if card.Rank(s.Grade) < 0 {
			p.add(where, "等级不在模型中", "grade is not in the scorecard")
		}
		if seen[s.Card+"/"+s.Grade] {
			p.add(where, "重复", "duplicate")
		}
		seen[s.Card+"/"+s.Grade] = true
		if s.Ratio < 0 || s.Ratio > 1 || s.PerYear < 0 {
			p.add(where, "抽查比例须在 0–1 之间，频次不能为负", "ratio must be within 0–1 and per_year non-negative")
		}
	}
	return p.err()
}
