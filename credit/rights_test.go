package credit

import (
	"bytes"
	"testing"
	"time"
)

func tierItem(t Tier) *CatalogItem {
	return &CatalogItem{Code: "x", Tier: t, Disclosure: DisclosurePublic, Publication: PublicationRule{Publish: true}}
}

func activeRecord(it *CatalogItem, decision string) *Record {
	dec := d(decision)
	from, until, pub := it.Window(dec, nil)
	return &Record{ID: 7, SubjectID: 3, Dept: "d", Item: it.Code, SourceID: "s1", Version: 1, Decision: dec,
		PubFrom: from, PubUntil: until, Published: pub, Status: RecordActive}
}

// at is noon China time on a date.
func at(s string) time.Time { return d(s).Add(4 * time.Hour) }

// TestTierWindows holds each tier's publication window at its boundaries: shown through the
// last day before decision + maximum, ended on it.
func TestTierWindows(t *testing.T) {
	for _, tc := range []struct {
		tier                Tier
		decision, last, end string
	}{
		{TierMinor, "2025-11-14", "2026-02-13", "2026-02-14"},
		{TierGeneral, "2025-02-16", "2026-02-15", "2026-02-16"},
		{TierSerious, "2023-02-28", "2026-02-27", "2026-02-28"},
	} {
		it := tierItem(tc.tier)
		r := activeRecord(it, tc.decision)
		if got := PublicationOf(it, r, nil, at(tc.last)); got != PubShown {
			t.Errorf("%s on %s: %s, want shown", tc.tier, tc.last, got)
		}
		if got := PublicationOf(it, r, nil, at(tc.end)); got != PubEnded {
			t.Errorf("%s on %s: %s, want ended", tc.tier, tc.end, got)
		}
		if got := PublicationOf(it, r, nil, d(tc.decision).Add(-time.Hour)); got != PubPending {
			t.Errorf("%s before decision: %s, want pending", tc.tier, got)
		}
		// Repair ends display at once; the record stays (the status says why it is not shown).
		st := &RecordState{RepairedAt: at(tc.last)}
		if got := PublicationOf(it, r, st, at(tc.last)); got != PubRepaired || InForce(it, r, st, at(tc.last)) {
			t.Errorf("%s repaired: %s", tc.tier, got)
		}
		// An objection leaves it shown (marked by the caller).
		if !InForce(it, r, &RecordState{Objection: 1}, at(tc.last)) {
			t.Errorf("%s under objection must stay in force", tc.tier)
		}
	}
	shared := tierItem(TierGeneral)
	shared.Disclosure = DisclosureShared
	if got := PublicationOf(shared, activeRecord(tierItem(TierGeneral), "2026-01-05"), nil, at("2026-02-01")); got != PubNever {
		t.Errorf("shared item: %s", got)
	}
	if got := PublicationOf(nil, activeRecord(tierItem(TierGeneral), "2026-01-05"), nil, at("2026-02-01")); got != PubNever {
		t.Errorf("unknown item: %s", got)
	}
}

// TestRepairEligibility holds the minimum period at its boundary, which for a general record
// decided 2025-11-14 falls on Saturday 2026-02-14, a make-up working day before the Spring
// Festival: applications are accepted from that day.
func TestRepairEligibility(t *testing.T) {
	for _, tc := range []struct {
		tier           Tier
		decision, from string
	}{
		{TierGeneral, "2025-11-14", "2026-02-14"},
		{TierSerious, "2025-02-15", "2026-02-15"},
		{TierMinor, "2026-02-10", "2026-02-10"},
	} {
		it := tierItem(tc.tier)
		r := activeRecord(it, tc.decision)
		before := d(tc.from).AddDate(0, 0, -1)
		if before.Before(r.Decision) {
			before = r.Decision
		}
		e := RepairEligibility(it, r, nil, false, at(before.Format(time.DateOnly)))
		if tc.tier != TierMinor && (e.Can || e.Rule != RuleMinimumPeriod || !e.From.Equal(d(tc.from))) {
			t.Errorf("%s day before: %+v", tc.tier, e)
		}
		if e := RepairEligibility(it, r, nil, false, at(tc.from)); !e.Can {
			t.Errorf("%s on %s: %+v", tc.tier, tc.from, e)
		}
		// Late evening UTC of the day before is already the day in China.
		if tc.tier == TierGeneral {
			if e := RepairEligibility(it, r, nil, false, d(tc.from).Add(-2*time.Hour)); !e.Can {
				t.Errorf("China date must count: %+v", e)
			}
		}
		if e := RepairEligibility(it, r, nil, true, at(tc.from)); e.Can || e.Rule != RuleAlreadyOpen {
			t.Errorf("open application: %+v", e)
		}
		if e := RepairEligibility(it, r, &RecordState{RepairedAt: at(tc.from)}, false, at(tc.from)); e.Can || e.Rule != RuleRepaired {
			t.Errorf("repaired: %+v", e)
		}
	}
	if e := RepairEligibility(tierItem(TierNone), activeRecord(tierItem(TierNone), "2025-01-01"), nil, false, at("2026-02-14")); e.Rule != RuleNotDishonest {
		t.Errorf("untiered: %+v", e)
	}
	it := tierItem(TierGeneral)
	if e := RepairEligibility(it, activeRecord(it, "2025-01-02"), nil, false, at("2026-02-14")); e.Rule != RuleNotPublished {
		t.Errorf("ended: %+v", e)
	}
}

// TestRepairWorkflow walks a repair across the Spring Festival: deadlines in working days,
// the make-up Saturdays counted, escalation once.
func TestRepairWorkflow(t *testing.T) {
	cal := NewCalendar(cal2026)
	it := tierItem(TierGeneral)
	r := activeRecord(it, "2025-11-13")
	_, err := NewCase(CaseRepair, r, "K", "subject:K", "已缴清罚款并整改完毕", "", at("2026-02-13"), cal, DefaultRules)
	if ErrorCode(err) != EINVALID || err.(*Error).Rule != "commitment" {
		t.Fatalf("unsigned commitment: %v", err)
	}
	c, err := NewCase(CaseRepair, r, "K", "subject:K", "已缴清罚款并整改完毕", "某某公司", at("2026-02-13"), cal, DefaultRules)
	if err != nil {
		t.Fatal(err)
	}
	// 10 working days from Fri 2-13: 2-14 (Sat, make-up), 24, 25, 26, 27, 28 (Sat, make-up), 3-02, 03, 04, 05.
	if !c.Due.Equal(d("2026-03-05")) {
		t.Fatalf("office due = %s", c.Due.Format(time.DateOnly))
	}
	if err := c.Apply(ActReturn, PartyOffice, "u:office", "", at("2026-02-14"), cal, DefaultRules); err == nil || err.(*Error).Rule != RuleRequired {
		t.Fatalf("return without reason: %v", err)
	}
	if err := c.Apply(ActForward, PartyDept, "u:dept", "", at("2026-02-14"), cal, DefaultRules); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("dept forwarding: %v", err)
	}
	if err := c.Apply(ActReturn, PartyOffice, "u:office", "缺少缴款凭证", at("2026-02-14"), cal, DefaultRules); err != nil {
		t.Fatal(err)
	}
	if !c.Due.IsZero() || c.Overdue(at("2026-04-01")) {
		t.Fatal("a returned case waits for the subject: no deadline")
	}
	if err := c.Apply(ActApprove, PartyDept, "u:dept", "", at("2026-02-14"), cal, DefaultRules); ErrorCode(err) != ECONFLICT {
		t.Fatalf("approve a returned case: %v", err)
	}
	if err := c.Apply(ActResubmit, PartySubject, "subject:K", "补充缴款凭证", at("2026-02-16"), cal, DefaultRules); err != nil {
		t.Fatal(err)
	}
	// Resubmitted during the holiday: 2-24 … 2-28 (make-up), 3-02 … 3-06.
	if !c.Due.Equal(d("2026-03-06")) {
		t.Fatalf("office due after resubmission = %s", c.Due.Format(time.DateOnly))
	}
	if err := c.Apply(ActForward, PartyOffice, "u:office", "", at("2026-02-14"), cal, DefaultRules); err != nil {
		t.Fatal(err)
	}
	// 3 working days from Sat 2-14: 24, 25, 26.
	if !c.Due.Equal(d("2026-02-26")) {
		t.Fatalf("department due = %s", c.Due.Format(time.DateOnly))
	}
	if c.Overdue(at("2026-02-26")) || !c.Overdue(at("2026-02-27")) {
		t.Fatal("overdue boundary")
	}
	if c.Escalate(at("2026-02-26")) || !c.Escalate(at("2026-02-27")) || c.Escalate(at("2026-02-28")) {
		t.Fatal("escalate must happen once, only when overdue")
	}
	if err := c.Apply(ActApprove, PartyDept, "u:dept", "", at("2026-02-27"), cal, DefaultRules); err != nil {
		t.Fatal(err)
	}
	if c.Status != CaseApproved || c.Status.Open() || c.ClosedAt.IsZero() || len(c.History) != 6 {
		t.Fatalf("after approval: %+v", c)
	}
}

func TestObjectionWorkflow(t *testing.T) {
	cal := NewCalendar(cal2026)
	r := activeRecord(tierItem(TierGeneral), "2026-01-05")
	if _, err := NewCase(CaseObjection, r, "K", "s", "  ", "", at("2026-02-12"), cal, DefaultRules); ErrorCode(err) != EINVALID {
		t.Fatalf("empty reason: %v", err)
	}
	c, err := NewCase(CaseObjection, r, "K", "s", "处罚金额录入错误，应为 500 元", "", at("2026-02-12"), cal, DefaultRules)
	if err != nil {
		t.Fatal(err)
	}
	// 5 working days from Thu 2-12: 13, 14 (make-up), 24, 25, 26.
	if !c.Due.Equal(d("2026-02-26")) {
		t.Fatalf("due = %s", c.Due.Format(time.DateOnly))
	}
	if err := c.Apply(ActUphold, PartyDept, "u", "", at("2026-02-13"), cal, DefaultRules); ErrorCode(err) != EINVALID {
		t.Fatalf("uphold without reasons: %v", err)
	}
	if err := c.Apply(ActReturn, PartyOffice, "u", "原因说明", at("2026-02-13"), cal, DefaultRules); ErrorCode(err) != EINVALID {
		t.Fatalf("return on an objection: %v", err)
	}
	if err := c.Apply(ActCorrect, PartySubject, "s", "", at("2026-02-13"), cal, DefaultRules); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("subject correcting: %v", err)
	}
	if err := c.Apply(ActCorrect, PartyDept, "u", "已更正金额", at("2026-02-24"), cal, DefaultRules); err != nil || c.Status != CaseCorrected {
		t.Fatalf("correct: %v %s", err, c.Status)
	}
	if e := ObjectionEligibility(r, &RecordState{Objection: 9}); e.Can || e.Rule != RuleAlreadyOpen {
		t.Fatalf("repeated objection: %+v", e)
	}
}

func TestCheckEvidence(t *testing.T) {
	pdf := []byte("%PDF-1.7\n...")
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0}
	for _, tc := range []struct {
		name    string
		body    []byte
		rule    string
		cleaned string
	}{
		{"凭证.pdf", pdf, "", "凭证.pdf"},
		{`C:\scans\图.PNG`, png, "", "图.PNG"},
		{"../../etc/x.jpg", []byte{0xFF, 0xD8, 0xFF, 0xE0}, "", "x.jpg"},
		{"凭证.pdf", png, RuleEvidenceType, ""},
		{"a.exe", []byte("MZ\x90\x00"), RuleEvidenceType, ""},
		{"fake.pdf", []byte("<html>%PDF-"), RuleEvidenceType, ""},
		{"e.pdf", nil, RuleEvidenceSize, ""},
		{"big.pdf", append(pdf, bytes.Repeat([]byte{0}, MaxEvidenceBytes)...), RuleEvidenceSize, ""},
	} {
		name, _, err := CheckEvidence(tc.name, tc.body)
		if tc.rule == "" {
			if err != nil || name != tc.cleaned {
				t.Errorf("%s: %q %v", tc.name, name, err)
			}
			continue
		}
		if e, ok := err.(*Error); !ok || e.Rule != tc.rule || e.Code != EINVALID {
			t.Errorf("%s: %v, want rule %s", tc.name, err, tc.rule)
		}
	}
}

func FuzzCheckEvidence(f *testing.F) {
	f.Add("a.pdf", []byte("%PDF-1.4"))
	f.Add("b.png", []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})
	f.Add("../c.jpg", []byte{0xFF, 0xD8, 0xFF})
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		clean, mime, err := CheckEvidence(name, body)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatal(err)
			}
			return
		}
		if mime == "" || clean == "" || bytes.ContainsAny([]byte(clean), `/\`) {
			t.Fatalf("accepted %q as %q (%s)", name, clean, mime)
		}
	})
}
