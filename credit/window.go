package credit

import "time"

// Tier limits in months (DESIGN §4; NDRC 《信用修复管理办法》): minor information is in principle
// not published and at most 3 months if it is; general at least 3 and at most 12; serious at
// least 12 and at most 36, all counted from the date of the decision document.
const (
	MinorMaxMonths   = 3
	GeneralMinMonths = 3
	GeneralMaxMonths = 12
	SeriousMinMonths = 12
	SeriousMaxMonths = 36
)

// tierBounds returns the lowest allowed minimum and the highest allowed maximum of a tier.
func tierBounds(t Tier) (minLow, maxHigh int) {
	switch t {
	case TierMinor:
		return 0, MinorMaxMonths
	case TierGeneral:
		return GeneralMinMonths, GeneralMaxMonths
	case TierSerious:
		return SeriousMinMonths, SeriousMaxMonths
	}
	return 0, 0
}

// EffectiveRule returns the item's publication rule with its tier's defaults filled in: a zero
// MinMonths or MaxMonths takes the tier's value, an explicit one overrides it (Check keeps
// explicit values inside the tier's bounds). Publish is always the item's own choice, so a minor
// item is published only when the catalog says so, and then for at most 3 months. An item whose
// disclosure is not public is never published, whatever its rule says.
func (it *CatalogItem) EffectiveRule() PublicationRule {
	r := it.Publication
	switch it.Tier {
	case TierMinor:
		if r.MaxMonths == 0 || r.MaxMonths > MinorMaxMonths {
			r.MaxMonths = MinorMaxMonths
		}
	case TierGeneral:
		if r.MinMonths == 0 {
			r.MinMonths = GeneralMinMonths
		}
		if r.MaxMonths == 0 {
			r.MaxMonths = GeneralMaxMonths
		}
	case TierSerious:
		if r.MinMonths == 0 {
			r.MinMonths = SeriousMinMonths
		}
		if r.MaxMonths == 0 {
			r.MaxMonths = SeriousMaxMonths
		}
	}
	if it.Disclosure != DisclosurePublic {
		r.Publish = false
	}
	return r
}

// Window returns when a record of the item is shown on the public portal: from the decision
// date (zero when there is none) until the exclusive end (zero: no end), and whether it is
// published at all. The end is the decision date plus MaxMonths, or the day after the
// UntilField date (a licence is shown through its last valid day) when that comes earlier.
// fields holds the record's canonical field values.
func (it *CatalogItem) Window(decision time.Time, fields map[string]string) (from, until time.Time, published bool) {
	r := it.EffectiveRule()
	if !r.Publish {
		return time.Time{}, time.Time{}, false
	}
	from = decision
	if r.MaxMonths > 0 && !decision.IsZero() {
		until = AddMonths(decision, r.MaxMonths)
	}
	if r.UntilField != "" {
		if d, ok := ParseDate(fields[r.UntilField]); ok {
			end := d.AddDate(0, 0, 1)
			if until.IsZero() || end.Before(until) {
				until = end
			}
		}
	}
	if !until.IsZero() && until.Before(from) {
		until = from // an end before the start: an empty window, never shown
	}
	return from, until, true
}

// RepairableFrom returns the earliest date the subject may apply for credit repair (信用修复)
// of a record decided on decision: the decision date plus the minimum publication period. It
// is zero when repair does not apply: the item is not tiered dishonesty information, is never
// published, or the decision date is unknown.
func (it *CatalogItem) RepairableFrom(decision time.Time) time.Time {
	if it.Tier == TierNone || decision.IsZero() {
		return time.Time{}
	}
	r := it.EffectiveRule()
	if !r.Publish {
		return time.Time{}
	}
	return AddMonths(decision, r.MinMonths)
}

// AddMonths adds n calendar months to t, clamping the day to the end of the target month:
// 2026-01-31 plus one month is 2026-02-28, not 2026-03-03 as time.AddDate would give.
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	// Day 0 of the month after the target is the target month's last day.
	last := time.Date(y, m+time.Month(n)+1, 0, 0, 0, 0, 0, t.Location()).Day()
	if d > last {
		d = last
	}
	hh, mm, ss := t.Clock()
	return time.Date(y, m+time.Month(n), d, hh, mm, ss, t.Nanosecond(), t.Location())
}
