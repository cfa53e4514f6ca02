package credit_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func defaults(t testing.TB) (*credit.Catalog, []*credit.Scorecard) {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cards, err := catalog.DefaultScorecards(cat)
	if err != nil {
		t.Fatal(err)
	}
	return cat, cards
}

// small is a minimal valid card the Check cases break one way each.
func small() *credit.Scorecard {
	return &credit.Scorecard{Code: "t", NameZH: "测试", Classes: []credit.SubjectClass{credit.ClassPerson}, Base: 50, Min: 0, Max: 100,
		Dimensions: []credit.Dimension{{Code: "d1", NameZH: "一"}, {Code: "d2", NameZH: "二"}},
		Indicators: []credit.Indicator{
			{Code: "blood", NameZH: "献血", Dimension: "d1", Item: "blood_donation", Points: 10},
			{Code: "bonus", NameZH: "奖励", Dimension: "d2", Of: []string{"d1"}, Op: "gt", Value: 0, Points: 5},
		},
		Grades: []credit.GradeBand{{Grade: "A", Min: 60, Max: 100}, {Grade: "B", Min: 0, Max: 59}}}
}

func TestScorecardCheck(t *testing.T) {
	cat, _ := defaults(t)
	if err := small().Check(cat); err != nil {
		t.Fatalf("valid card refused: %v", err)
	}
	cases := []struct {
		name   string
		break_ func(c *credit.Scorecard)
		want   string
	}{
		{"unknown item", func(c *credit.Scorecard) { c.Indicators[0].Item = "no_such_item" }, "unknown catalog item"},
		{"unknown field", func(c *credit.Scorecard) {
			c.Indicators[0].When = []credit.Condition{{Field: "nope", Op: "eq", Value: "1"}}
		}, "unknown field"},
		{"personal field", func(c *credit.Scorecard) {
			c.Indicators[0].Item = "admin_penalty"
			c.Indicators[0].When = []credit.Condition{{Field: "legal_rep_id", Op: "present"}}
		}, "personal field"},
		{"enum value", func(c *credit.Scorecard) {
			c.Indicators[0].When = []credit.Condition{{Field: "donation_type", Op: "eq", Value: "血浆"}}
		}, "enum"},
		{"range on text", func(c *credit.Scorecard) {
			c.Indicators[0].When = []credit.Condition{{Field: "station", Op: "gt", Value: "1"}}
		}, "number and date fields only"},
		{"unknown op", func(c *credit.Scorecard) {
			c.Indicators[0].When = []credit.Condition{{Field: "station", Op: "like", Value: "x"}}
		}, "unknown op"},
		{"self cycle", func(c *credit.Scorecard) { c.Indicators[1].Of = []string{"d2"} }, "cycle"},
		{"two-step cycle", func(c *credit.Scorecard) {
			c.Indicators = append(c.Indicators, credit.Indicator{Code: "back", NameZH: "回", Dimension: "d1", Of: []string{"bonus"}, Op: "eq", Points: 1})
		}, "cycle"},
		{"unknown ref", func(c *credit.Scorecard) { c.Indicators[1].Of = []string{"ghost"} }, "unknown indicator or dimension"},
		{"grade gap", func(c *credit.Scorecard) { c.Grades[1].Max = 50 }, "gap between grades B and A: 51–59"},
		{"grade overlap", func(c *credit.Scorecard) { c.Grades[1].Max = 70 }, "overlap"},
		{"grades short of top", func(c *credit.Scorecard) { c.Grades[0].Max = 90 }, "do not reach the top"},
		{"grades short of bottom", func(c *credit.Scorecard) { c.Grades[1].Min = 10 }, "gap at the bottom"},
		{"grades out of order", func(c *credit.Scorecard) { c.Grades[0], c.Grades[1] = c.Grades[1], c.Grades[0] }, "best (highest) first"},
		{"base outside", func(c *credit.Scorecard) { c.Base = 101 }, "base must lie within"},
		{"unknown dimension", func(c *credit.Scorecard) { c.Indicators[0].Dimension = "d9" }, "unknown dimension"},
		{"unknown grade cap", func(c *credit.Scorecard) { c.Indicators[0].GradeCap = "Z" }, "grade_cap"},
		{"public person card", func(c *credit.Scorecard) { c.Public = true }, "cannot be public"},
		{"bad period", func(c *credit.Scorecard) { c.Indicators[0].Period = "month" }, "period"},
		{"unit without field", func(c *credit.Scorecard) { c.Indicators[0].Unit = 5 }, "unit without unit_field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := small()
			tc.break_(c)
			err := c.Check(cat)
			if err == nil || credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check = %v, want an EINVALID error mentioning %q", err, tc.want)
			}
		})
	}
	// Every reason at once.
	c := small()
	c.Indicators[0].Item = "no_such_item"
	c.Grades[1].Max = 50
	err := c.Check(cat)
	if err == nil || !strings.Contains(err.Error(), "unknown catalog item") || !strings.Contains(err.Error(), "gap") {
		t.Fatalf("Check lists one reason only: %v", err)
	}
}

var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func rec(id int64, item string, date time.Time, f map[string]string) *credit.Record {
	return &credit.Record{ID: id, Item: item, Status: credit.RecordActive, Decision: date, Fields: f}
}

func TestEvaluateCapsAndDecay(t *testing.T) {
	cat, _ := defaults(t)
	c := small()
	c.Indicators[0].Cap, c.Indicators[0].Period = 15, credit.PeriodYear
	c.Indicators[0].DecayMonths = 12
	cc, err := credit.Compile(c, cat)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		recs  []*credit.Record
		total int
		grade string
	}{
		{"no records", nil, 50, "B"},
		{"one today", []*credit.Record{rec(1, "blood_donation", now, nil)}, 50 + 10 + 5, "A"},
		{"cap per year", []*credit.Record{rec(1, "blood_donation", now, nil), rec(2, "blood_donation", now.AddDate(0, 0, -1), nil)}, 50 + 15 + 5, "A"},
		{"cap is per year", []*credit.Record{rec(1, "blood_donation", now, nil), rec(2, "blood_donation", now.AddDate(0, -6, 0), nil)}, 50 + 10 + 5 + 5, "A"},
		{"half decayed (183 of 365 days left)", []*credit.Record{rec(1, "blood_donation", now.AddDate(0, -6, 0), nil)}, 50 + 5 + 5, "A"},
		{"decayed on the day", []*credit.Record{rec(1, "blood_donation", now.AddDate(-1, 0, 0), nil)}, 50, "B"},
		{"a day before fully decayed", []*credit.Record{rec(1, "blood_donation", now.AddDate(-1, 0, 1), nil)}, 50 + 0, "B"},
		{"future record ignored", []*credit.Record{rec(1, "blood_donation", now.AddDate(0, 0, 1), nil)}, 50, "B"},
		{"revoked ignored", []*credit.Record{{ID: 1, Item: "blood_donation", Status: credit.RecordRevoked, Decision: now}}, 50, "B"},
	}
	ev := &credit.Evaluator{}
	var s credit.Score
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cc.Evaluate(ev, tc.recs, now, true, &s)
			if s.Total != tc.total || s.Grade != tc.grade {
				t.Fatalf("score = %d %s, want %d %s; lines %+v", s.Total, s.Grade, tc.total, tc.grade, s.Lines)
			}
			sum := c.Base
			for _, l := range s.Lines {
				sum += l.Points
			}
			if sum != s.Total {
				t.Fatalf("lines add up to %d, total %d", sum, s.Total)
			}
		})
	}
}

func TestEvaluateGradeCapAndUnits(t *testing.T) {
	cat, cards := defaults(t)
	personal, _ := credit.Compile(cards[0], cat)
	ev := &credit.Evaluator{}
	var s credit.Score
	// 25 hours of volunteering = 2 whole units of 10 → 4 points; an honour lifts the person to AA,
	// a court-defaulter entry caps them at D whatever the points.
	recs := []*credit.Record{
		rec(1, "volunteer_service", now, map[string]string{"service_hours": "25", "period_to": "2026-06-01"}),
		rec(2, "honour", now, map[string]string{"level": "国家级"}),
	}
	personal.Evaluate(ev, recs, now, true, &s)
	if s.Total != 1000+4+50+20 || s.Grade != "AAA" {
		t.Fatalf("score = %d %s, lines %+v", s.Total, s.Grade, s.Lines)
	}
	recs = append(recs, rec(3, "court_defaulter", now, map[string]string{"case_no": "x"}))
	personal.Evaluate(ev, recs, now, true, &s)
	if s.Grade != "D" || s.GradeCapped != "court_defaulter" {
		t.Fatalf("defaulter: %d %s capped by %q", s.Total, s.Grade, s.GradeCapped)
	}
	agri, _ := credit.Compile(cards[2], cat)
	if agri.Scores(credit.ClassLegal, recs) {
		t.Fatal("agricultural card scores a firm without inspections")
	}
	farm := []*credit.Record{rec(1, "agri_quality_inspection", now, map[string]string{"result": "合格", "banned_pesticide": "是", "inspection_level": "县级"})}
	if !agri.Scores(credit.ClassLegal, farm) {
		t.Fatal("agricultural card skips a farm")
	}
	agri.Evaluate(ev, farm, now, false, &s)
	if s.Grade != "BLACK" {
		t.Fatalf("banned pesticide: %d %s", s.Total, s.Grade)
	}
}

// TestExplanationGolden keeps the explanation of a sample person and enterprise in
// testdata/score_*.golden (refresh with go test ./credit -run Golden -update).
func TestExplanationGolden(t *testing.T) {
	cat, cards := defaults(t)
	samples := map[string][]*credit.Record{
		"personal": {
			rec(11, "blood_donation", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), map[string]string{"volume_ml": "400"}),
			rec(12, "volunteer_service", time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), map[string]string{"service_hours": "48"}),
			rec(13, "charitable_donation", time.Date(2025, 9, 9, 0, 0, 0, 0, time.UTC), map[string]string{"amount": "5000"}),
			rec(14, "admin_penalty", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), map[string]string{"penalty_category": "罚款"}),
		},
		"enterprise": {
			rec(21, "tax_credit_grade", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), map[string]string{"grade": "A"}),
			rec(22, "abnormal_operation", time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC), map[string]string{"reason": "未按规定报送年度报告"}),
			rec(23, "honour", time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC), map[string]string{"level": "市级"}),
		},
	}
	for i, code := range []string{"personal", "enterprise"} {
		cc, _ := credit.Compile(cards[i], cat)
		var s credit.Score
		cc.Evaluate(&credit.Evaluator{}, samples[code], now, true, &s)
		got, _ := json.MarshalIndent(s, "", "  ")
		path := filepath.Join("testdata", "score_"+code+".golden")
		if *update {
			if err := os.WriteFile(path, append(got, '\n'), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(want) != string(got)+"\n" {
			t.Errorf("%s explanation differs from %s:\n%s", code, path, got)
		}
	}
}

func TestConsent(t *testing.T) {
	c := credit.Consent{Partner: "whly", Scope: credit.ScopeGrade, Purpose: "景区门票优惠", CreatedAt: now, ExpiresAt: now.AddDate(0, 1, 0)}
	if err := c.CheckNew(now); err != nil {
		t.Fatal(err)
	}
	if !c.Allows(credit.ScopeGrade, now) || c.Allows(credit.ScopeGradeBenefits, now) {
		t.Fatal("scope")
	}
	if c.ValidAt(c.ExpiresAt) || c.ValidAt(now.Add(-time.Second)) {
		t.Fatal("valid outside its time")
	}
	c.RevokedAt = now.Add(time.Minute)
	if c.ValidAt(now.Add(2 * time.Minute)) {
		t.Fatal("revoked consent valid")
	}
	bad := c
	bad.ExpiresAt = now.AddDate(2, 0, 0)
	if err := bad.CheckNew(now); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatal("two-year consent accepted")
	}
}

func TestBenefitQualifies(t *testing.T) {
	_, cards := defaults(t)
	b := credit.Benefit{Code: "x", Card: "personal", MinGrade: "AA", ValidTo: "2026-12-31"}
	for grade, want := range map[string]bool{"AAA": true, "AA": true, "A": false, "D": false, "": false, "Z": false} {
		if got := b.Qualifies(cards[0], grade, now); got != want {
			t.Errorf("%q qualifies = %v", grade, got)
		}
	}
	if b.Qualifies(cards[0], "AAA", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) || b.Qualifies(cards[1], "A", now) {
		t.Error("expired benefit or wrong card qualifies")
	}
}

func FuzzEvaluate(f *testing.F) {
	cat, cards := defaults(f)
	cc, _ := credit.Compile(cards[0], cat)
	f.Add("volunteer_service", "service_hours", "12.5", "2026-01-01")
	f.Add("admin_penalty", "penalty_category", "行政拘留", "1999-02-30")
	f.Fuzz(func(t *testing.T, item, field, value, date string) {
		r := rec(1, item, now.AddDate(0, -1, 0), map[string]string{field: value, "period_to": date})
		var s credit.Score
		cc.Evaluate(&credit.Evaluator{}, []*credit.Record{r, r}, now, true, &s)
		if s.Total < cards[0].Min || s.Total > cards[0].Max || s.Grade == "" {
			t.Fatalf("score %d %q out of scale", s.Total, s.Grade)
		}
	})
}
