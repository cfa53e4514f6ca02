package credit

import (
	"strings"
	"testing"
	"time"
)

func testMeasures() []*Measure {
	return []*Measure{
		{Code: "P01", NameZH: "限制政府采购", Direction: DirectionPunishment, Lists: []string{"court_defaulter"}, Reaches: []Reach{ReachSubject},
			Matters: []string{"gov_procurement"}, Dept: "cz", Mandatory: true, Effect: EffectBlock, Basis: "发改财金〔2016〕141号",
			Exempt: []string{"epidemic"}, Active: true},
		{Code: "P03", NameZH: "限制财政补助", Direction: DirectionPunishment, Lists: []string{"court_defaulter"}, Reaches: []Reach{ReachSubject},
			Matters: []string{"fiscal_subsidy"}, Dept: "cz", Mandatory: true, Effect: EffectBlock, Basis: "141号",
			Grace: &Grace{Lists: []string{"hardship"}, Months: 3}, Active: true},
		{Code: "P04", NameZH: "取消评优", Direction: DirectionPunishment, Lists: []string{"court_defaulter"}, Reaches: []Reach{ReachSubject, ReachLegalRep},
			Matters: []string{"award"}, Dept: "wmb", Mandatory: true, Effect: EffectBlock, Basis: "中办发〔2016〕64号", Active: true},
		{Code: "P07", NameZH: "从严审核", Direction: DirectionPunishment, Lists: []string{"black_list"}, Reaches: []Reach{ReachSubject},
			Matters: []string{"*"}, Dept: "fgw", Effect: EffectWarn, Basis: "国办发〔2020〕49号", Active: true},
		{Code: "P13", NameZH: "无依据", Direction: DirectionPunishment, Lists: []string{"black_list"}, Reaches: []Reach{ReachSubject},
			Matters: []string{"*"}, Dept: "fgw", Mandatory: true, Effect: EffectBlock, Active: true}, // no basis: never applies
		{Code: "P99", NameZH: "停用", Direction: DirectionPunishment, Lists: []string{"black_list"}, Reaches: []Reach{ReachSubject},
			Matters: []string{"*"}, Dept: "fgw", Mandatory: true, Effect: EffectBlock, Basis: "x"},
		{Code: "R01", NameZH: "容缺受理", Direction: DirectionReward, Lists: []string{"red_list"}, Reaches: []Reach{ReachSubject},
			Matters: []string{"admin_approval"}, Dept: "fgw", Effect: EffectGreenChannel, Basis: "国发〔2016〕33号", Active: true},
	}
}

func entry(list string, from time.Time, status EntryStatus) *ListEntry {
	return &ListEntry{ID: int64(len(list)), List: list, Status: status, ValidFrom: from, ValidUntil: from.AddDate(2, 0, 0)}
}

func TestDecide(t *testing.T) {
	now := lt0.AddDate(0, 1, 0)
	court := entry("court_defaulter", lt0, EntryPublished)
	for _, tc := range []struct {
		name     string
		ms       []Membership
		matter   string
		verdict  Verdict
		applied  string // codes, comma-separated
		exempted string
		pending  bool
	}{
		{"nothing", nil, "gov_procurement", VerdictPass, "", "", false},
		{"court blocks procurement", []Membership{{Entry: court}}, "gov_procurement", VerdictBlock, "P01", "", false},
		{"other matter", []Membership{{Entry: court}}, "land_supply", VerdictPass, "", "", false},
		{"proposed does not count", []Membership{{Entry: entry("court_defaulter", lt0, EntryProposed)}}, "gov_procurement", VerdictPass, "", "", false},
		{"expired validity does not count", []Membership{{Entry: entry("court_defaulter", lt0.AddDate(-3, 0, 0), EntryPublished)}}, "gov_procurement", VerdictPass, "", "", false},
		{"exemption list", []Membership{{Entry: court}, {Entry: entry("epidemic", lt0, EntryPublished)}}, "gov_procurement", VerdictPass, "", "P01", false},
		{"grace period", []Membership{{Entry: court}, {Entry: entry("hardship", lt0, EntryPublished)}}, "fiscal_subsidy", VerdictPass, "P03", "", true},
		{"grace over", []Membership{{Entry: entry("court_defaulter", lt0.AddDate(0, -4, 0), EntryPublished)}, {Entry: entry("hardship", lt0, EntryPublished)}}, "fiscal_subsidy", VerdictBlock, "P03", "", false},
		{"discretionary warns; no basis never applies; inactive never applies", []Membership{{Entry: entry("black_list", lt0, EntryPublished)}}, "award", VerdictWarn, "P07", "", false},
		{"legal representative reached", []Membership{{Entry: court, Via: ReachLegalRep}}, "award", VerdictBlock, "P04", "", false},
		{"legal representative not reached", []Membership{{Entry: court, Via: ReachLegalRep}}, "gov_procurement", VerdictPass, "", "", false},
		{"reward passes", []Membership{{Entry: entry("red_list", lt0, EntryPublished)}}, "admin_approval", VerdictPass, "R01", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.ms, tc.matter, testMeasures(), nil, now)
			var got, ex []string
			pending := false
			for _, am := range d.Applied {
				got = append(got, am.Measure.Code)
				pending = pending || am.Pending != ""
			}
			for _, e := range d.Exempted {
				ex = append(ex, e.Measure.Code)
			}
			if d.Verdict != tc.verdict || strings.Join(got, ",") != tc.applied || strings.Join(ex, ",") != tc.exempted || pending != tc.pending {
				t.Fatalf("got %s applied %v exempted %v pending %v; reasons %v", d.Verdict, got, ex, pending, d.Reasons)
			}
			if len(d.Reasons) == 0 {
				t.Fatal("no reasons")
			}
		})
	}
}

func TestMeasureCheck(t *testing.T) {
	m := testMeasures()[4]
	if err := m.Check(); ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), "法律依据") {
		t.Fatalf("active without basis: %v", err)
	}
	m.Active = false
	if err := m.Check(); err != nil {
		t.Fatalf("inactive without basis is fine: %v", err)
	}
	for _, edit := range []func(*Measure){
		func(m *Measure) { m.Code = "" },
		func(m *Measure) { m.Lists = nil },
		func(m *Measure) { m.Matters = nil },
		func(m *Measure) { m.Dept = "" },
		func(m *Measure) { m.Effect = "fine" },
		func(m *Measure) { m.Effect = EffectPriority }, // a reward effect on a punishment
		func(m *Measure) { m.Reaches = []Reach{"family"} },
		func(m *Measure) { m.Grace = &Grace{Months: 0, Lists: []string{"x"}} },
	} {
		m := testMeasures()[0]
		edit(m)
		if err := m.Check(); ErrorCode(err) != EINVALID {
			t.Fatalf("%+v: %v", m, err)
		}
	}
}

func TestCheckFeedback(t *testing.T) {
	for _, tc := range []struct {
		o    FeedbackOutcome
		note string
		ok   bool
	}{
		{FeedbackApplied, "", true},
		{FeedbackNotApplied, "", false},
		{FeedbackNotApplied, "申请人已履行", true},
		{"maybe", "", false},
		{FeedbackApplied, strings.Repeat("x", MaxListText+1), false},
	} {
		if err := CheckFeedback(tc.o, tc.note); (err == nil) != tc.ok {
			t.Errorf("%s %q: %v", tc.o, tc.note, err)
		}
	}
}

func FuzzCheckFeedback(f *testing.F) {
	f.Add("applied", "")
	f.Add("not_applied", "理由")
	f.Fuzz(func(t *testing.T, o, note string) {
		err := CheckFeedback(FeedbackOutcome(o), note)
		if err == nil && o != "applied" && o != "not_applied" {
			t.Fatalf("accepted %q", o)
		}
	})
}
