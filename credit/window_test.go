package credit_test

import (
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-31", 1, "2026-02-28"}, // clamped, not 03-03
		{"2024-01-31", 1, "2024-02-29"}, // leap year
		{"2026-03-31", 1, "2026-04-30"},
		{"2026-01-15", 1, "2026-02-15"},
		{"2026-01-15", 12, "2027-01-15"},
		{"2025-12-31", 2, "2026-02-28"}, // across a year end
		{"2026-08-31", 36, "2029-08-31"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2024-02-29", 48, "2028-02-29"},
		{"2026-05-31", -3, "2026-02-28"},
		{"2026-05-31", 0, "2026-05-31"},
	}
	for _, tt := range tests {
		if got := credit.AddMonths(day(tt.from), tt.n); !got.Equal(day(tt.want)) {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", tt.from, tt.n, got.Format("2006-01-02"), tt.want)
		}
	}
	// The clock and the location are kept.
	loc := time.FixedZone("CST", 8*3600)
	got := credit.AddMonths(time.Date(2026, 1, 31, 9, 30, 0, 0, loc), 1)
	if want := time.Date(2026, 2, 28, 9, 30, 0, 0, loc); !got.Equal(want) || got.Location() != loc {
		t.Errorf("got %s, want %s", got, want)
	}
}

func tiered(tier credit.Tier, publish bool, min, max int, until string) *credit.CatalogItem {
	pol := credit.PolarityNegative
	if tier == credit.TierNone {
		pol = credit.PolarityBasic
	}
	return &credit.CatalogItem{
		Code: "t", Disclosure: credit.DisclosurePublic, Polarity: pol, Tier: tier,
		Publication:   credit.PublicationRule{Publish: publish, MinMonths: min, MaxMonths: max, UntilField: until},
		DecisionField: "decision_date",
	}
}

func TestEffectiveRule(t *testing.T) {
	tests := []struct {
		name     string
		it       *credit.CatalogItem
		publish  bool
		min, max int
	}{
		{"minor default: not published", tiered(credit.TierMinor, false, 0, 0, ""), false, 0, 3},
		{"minor published: 3 months", tiered(credit.TierMinor, true, 0, 0, ""), true, 0, 3},
		{"minor explicit 2", tiered(credit.TierMinor, true, 0, 2, ""), true, 0, 2},
		{"minor capped at 3", tiered(credit.TierMinor, true, 0, 6, ""), true, 0, 3},
		{"general defaults", tiered(credit.TierGeneral, true, 0, 0, ""), true, 3, 12},
		{"general explicit", tiered(credit.TierGeneral, true, 6, 9, ""), true, 6, 9},
		{"serious defaults", tiered(credit.TierSerious, true, 0, 0, ""), true, 12, 36},
		{"serious explicit max", tiered(credit.TierSerious, true, 0, 24, ""), true, 12, 24},
		{"no tier: no end", tiered(credit.TierNone, true, 0, 0, ""), true, 0, 0},
		{"no tier explicit end", tiered(credit.TierNone, true, 0, 12, ""), true, 0, 12},
	}
	for _, tt := range tests {
		r := tt.it.EffectiveRule()
		if r.Publish != tt.publish || r.MinMonths != tt.min || r.MaxMonths != tt.max {
			t.Errorf("%s: got %+v, want publish %v min %d max %d", tt.name, r, tt.publish, tt.min, tt.max)
		}
	}
	shared := tiered(credit.TierGeneral, true, 0, 0, "")
	shared.Disclosure = credit.DisclosureShared
	if shared.EffectiveRule().Publish {
		t.Error("a shared item must never be published")
	}
}

func TestWindow(t *testing.T) {
	dec := day("2026-01-31")
	tests := []struct {
		name        string
		it          *credit.CatalogItem
		decision    time.Time
		fields      map[string]string
		from, until string // "" = zero
		published   bool
	}{
		{"minor not published", tiered(credit.TierMinor, false, 0, 0, ""), dec, nil, "", "", false},
		{"minor published 3 months", tiered(credit.TierMinor, true, 0, 0, ""), dec, nil, "2026-01-31", "2026-04-30", true},
		{"general 12 months", tiered(credit.TierGeneral, true, 0, 0, ""), dec, nil, "2026-01-31", "2027-01-31", true},
		{"serious 36 months", tiered(credit.TierSerious, true, 0, 0, ""), day("2024-02-29"), nil, "2024-02-29", "2027-02-28", true},
		{"until field earlier", tiered(credit.TierGeneral, true, 0, 0, "end"), dec,
			map[string]string{"end": "2026-06-30"}, "2026-01-31", "2026-07-01", true},
		{"until field later than max", tiered(credit.TierGeneral, true, 0, 0, "end"), dec,
			map[string]string{"end": "2030-01-01"}, "2026-01-31", "2027-01-31", true},
		{"until field on the max", tiered(credit.TierGeneral, true, 0, 0, "end"), dec,
			map[string]string{"end": "2027-01-30"}, "2026-01-31", "2027-01-31", true},
		{"until field empty", tiered(credit.TierGeneral, true, 0, 0, "end"), dec,
			map[string]string{}, "2026-01-31", "2027-01-31", true},
		{"until field before decision", tiered(credit.TierGeneral, true, 0, 0, "end"), dec,
			map[string]string{"end": "2025-01-01"}, "2026-01-31", "2026-01-31", true},
		{"licence: no max, until valid_to", tiered(credit.TierNone, true, 0, 0, "end"), dec,
			map[string]string{"end": "2099-12-31"}, "2026-01-31", "2100-01-01", true},
		{"basic: no end", tiered(credit.TierNone, true, 0, 0, ""), dec, nil, "2026-01-31", "", true},
		{"no decision date: from zero, no max", tiered(credit.TierGeneral, true, 0, 0, ""), time.Time{}, nil, "", "", true},
		{"no decision date, until field", tiered(credit.TierGeneral, true, 0, 0, "end"), time.Time{},
			map[string]string{"end": "2026-06-30"}, "", "2026-07-01", true},
	}
	for _, tt := range tests {
		from, until, pub := tt.it.Window(tt.decision, tt.fields)
		if pub != tt.published || !sameDay(from, tt.from) || !sameDay(until, tt.until) {
			t.Errorf("%s: got %s .. %s published %v, want %s .. %s %v", tt.name,
				show(from), show(until), pub, tt.from, tt.until, tt.published)
		}
	}
}

func sameDay(t time.Time, want string) bool {
	if want == "" {
		return t.IsZero()
	}
	return t.Equal(day(want))
}

func show(t time.Time) string {
	if t.IsZero() {
		return "zero"
	}
	return t.Format("2006-01-02")
}

// The window's end is exclusive, as Record.PublicAt reads it: the record is public through the
// last day of the period and gone at midnight after it.
func TestWindowBoundariesWithPublicAt(t *testing.T) {
	tests := []struct {
		tier             credit.Tier
		decision         string
		lastIn, firstOut string
	}{
		{credit.TierMinor, "2026-01-31", "2026-04-29", "2026-04-30"},
		{credit.TierGeneral, "2026-01-31", "2027-01-30", "2027-01-31"},
		{credit.TierGeneral, "2026-03-15", "2027-03-14", "2027-03-15"},
		{credit.TierSerious, "2026-03-15", "2029-03-14", "2029-03-15"},
		{credit.TierSerious, "2024-02-29", "2027-02-27", "2027-02-28"},
	}
	for _, tt := range tests {
		it := tiered(tt.tier, true, 0, 0, "")
		from, until, pub := it.Window(day(tt.decision), nil)
		r := credit.Record{PubFrom: from, PubUntil: until, Published: pub, Status: credit.RecordActive}
		if r.PublicAt(day(tt.decision).Add(-time.Second)) {
			t.Errorf("%s %s: public before the decision", tt.tier, tt.decision)
		}
		if !r.PublicAt(day(tt.decision)) {
			t.Errorf("%s %s: not public on the decision day", tt.tier, tt.decision)
		}
		if !r.PublicAt(day(tt.lastIn).Add(24*time.Hour - time.Second)) {
			t.Errorf("%s %s: not public at the end of %s", tt.tier, tt.decision, tt.lastIn)
		}
		if r.PublicAt(day(tt.firstOut)) {
			t.Errorf("%s %s: still public on %s", tt.tier, tt.decision, tt.firstOut)
		}
	}
}

func TestRepairableFrom(t *testing.T) {
	shared := tiered(credit.TierGeneral, false, 0, 0, "")
	shared.Disclosure = credit.DisclosureShared
	tests := []struct {
		name     string
		it       *credit.CatalogItem
		decision time.Time
		want     string
	}{
		{"general: 3 months", tiered(credit.TierGeneral, true, 0, 0, ""), day("2026-01-31"), "2026-04-30"},
		{"general explicit 6", tiered(credit.TierGeneral, true, 6, 0, ""), day("2026-01-31"), "2026-07-31"},
		{"serious: 12 months", tiered(credit.TierSerious, true, 0, 0, ""), day("2024-02-29"), "2025-02-28"},
		{"minor published: at once", tiered(credit.TierMinor, true, 0, 0, ""), day("2026-01-31"), "2026-01-31"},
		{"minor not published", tiered(credit.TierMinor, false, 0, 0, ""), day("2026-01-31"), ""},
		{"not dishonesty information", tiered(credit.TierNone, true, 0, 0, ""), day("2026-01-31"), ""},
		{"never published", shared, day("2026-01-31"), ""},
		{"no decision date", tiered(credit.TierGeneral, true, 0, 0, ""), time.Time{}, ""},
	}
	for _, tt := range tests {
		if got := tt.it.RepairableFrom(tt.decision); !sameDay(got, tt.want) {
			t.Errorf("%s: got %s, want %s", tt.name, show(got), tt.want)
		}
	}
}
