package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

func testEntry(list, key, source string, status credit.EntryStatus) *credit.ListEntry {
	return &credit.ListEntry{List: list, SubjectKey: key, SubjectCode: key, SubjectName: "某某公司", Dept: "fy", Reason: "拒不履行",
		Document: "(2026)鲁10执1号", Records: []int64{7, 9}, SourceID: source, Status: status, ValidFrom: t0,
		ValidUntil: t0.AddDate(2, 0, 0), ProposedBy: "u1", ProposedAt: t0}
}

func testListTypesMeasures(t *testing.T, s store.Store) {
	lt := &credit.ListType{Code: "black_list", NameZH: "黑名单", Direction: credit.DirectionPunishment, Basis: "国办发〔2020〕49号", ValidMonths: 36, Public: true}
	m := &credit.Measure{Code: "P01", NameZH: "限制", Direction: credit.DirectionPunishment, Lists: []string{"black_list"},
		Reaches: []credit.Reach{credit.ReachSubject}, Matters: []string{"*"}, Dept: "cz", Effect: credit.EffectBlock, Basis: "x", Active: true}
	update(t, s, func(tx store.Tx) error {
		if err := tx.PutListType(lt, t0); err != nil {
			return err
		}
		return tx.PutMeasure(m, t0)
	})
	m.Active = false
	update(t, s, func(tx store.Tx) error { return tx.PutMeasure(m, t0) })
	lts, err := s.ListTypes(ctx)
	if err != nil || len(lts) != 1 || lts[0].NameZH != "黑名单" || lts[0].ValidMonths != 36 {
		t.Fatalf("list types = %+v, %v", lts, err)
	}
	ms, err := s.Measures(ctx)
	if err != nil || len(ms) != 1 || ms[0].Active || ms[0].Dept != "cz" {
		t.Fatalf("measures = %+v, %v", ms, err)
	}
}

func testListEntries(t *testing.T, s store.Store) {
	a := testEntry("court_defaulter", "91370000MA3C4U5X2K", "case-1", credit.EntryPublished)
	b := testEntry("court_defaulter", "91370000MA3C4U5X2K", "", credit.EntryProposed)
	c := testEntry("black_list", "P:0123456789abcdef0123456789abcdef", "", credit.EntryPublished)
	c.Person, c.ValidUntil = true, time.Time{}
	update(t, s, func(tx store.Tx) error { return tx.InsertListEntries([]*credit.ListEntry{a, b, c}) })
	if a.ID == 0 || b.ID == 0 || c.ID == 0 {
		t.Fatalf("ids not set: %d %d %d", a.ID, b.ID, c.ID)
	}
	// The same source id again is skipped: loads are idempotent.
	dup := testEntry("court_defaulter", "91370000MA3C4U5X2K", "case-1", credit.EntryPublished)
	update(t, s, func(tx store.Tx) error { return tx.InsertListEntries([]*credit.ListEntry{dup}) })
	if dup.ID != 0 {
		t.Fatalf("duplicate got id %d", dup.ID)
	}
	got, err := s.SubjectEntries(ctx, "91370000MA3C4U5X2K", credit.EntryPublished)
	if err != nil || len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("subject entries = %+v, %v", got, err)
	}
	e := got[0]
	if e.Document != a.Document || len(e.Records) != 2 || e.Records[1] != 9 || !e.ValidUntil.Equal(a.ValidUntil) || e.Person {
		t.Fatalf("entry round trip: %+v", e)
	}
	all, _ := s.SubjectEntries(ctx, "91370000MA3C4U5X2K")
	if len(all) != 2 {
		t.Fatalf("all entries = %d", len(all))
	}
	// Lifecycle fields are stored.
	b.Status, b.ConfirmedBy, b.ConfirmedAt = credit.EntryConfirmed, "u2", t0.Add(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdateListEntry(b) })
	got1, err := s.ListEntry(ctx, b.ID)
	if err != nil || got1.Status != credit.EntryConfirmed || got1.ConfirmedBy != "u2" {
		t.Fatalf("updated = %+v, %v", got1, err)
	}
	_, err = s.ListEntry(ctx, 999999)
	wantCode(t, err, credit.ENOTFOUND)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateListEntry(&credit.ListEntry{ID: 999999}) })
	wantCode(t, err, credit.ENOTFOUND)

	list, err := s.ListEntries(ctx, store.EntryFilter{List: "court_defaulter", Status: credit.EntryConfirmed})
	if err != nil || len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("filtered = %+v, %v", list, err)
	}
	many, err := s.EntriesOfSubjects(ctx, []string{"91370000MA3C4U5X2K", "P:0123456789abcdef0123456789abcdef", "none"}, credit.EntryPublished)
	if err != nil || len(many) != 2 || len(many["91370000MA3C4U5X2K"]) != 1 {
		t.Fatalf("entries of subjects = %v, %v", many, err)
	}
	due, err := s.DueEntries(ctx, t0.AddDate(3, 0, 0), 10)
	if err != nil || len(due) != 1 || due[0].ID != a.ID {
		t.Fatalf("due = %+v, %v", due, err)
	}
	n, err := s.CountEntries(ctx, credit.EntryPublished)
	if err != nil || n["court_defaulter"] != 1 || n["black_list"] != 1 {
		t.Fatalf("counts = %v, %v", n, err)
	}

	// The bulk path.
	var bulk []*credit.ListEntry
	for i := range 1000 {
		bulk = append(bulk, testEntry("court_defaulter", "P:bulk"+time.Duration(i).String(), "bulk-"+time.Duration(i).String(), credit.EntryPublished))
	}
	update(t, s, func(tx store.Tx) error { return tx.LoadListEntries(bulk) })
	n, _ = s.CountEntries(ctx, credit.EntryPublished)
	if n["court_defaulter"] != 1001 {
		t.Fatalf("after bulk: %v", n)
	}

	bt := &credit.ListBatch{List: "court_defaulter", No: 6, Title: credit.BatchTitle(6), Entries: 1, PublishedBy: "u1", PublishedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.InsertListBatch(bt) })
	err = s.Update(ctx, func(tx store.Tx) error { return tx.InsertListBatch(bt) })
	wantCode(t, err, credit.ECONFLICT)
	update(t, s, func(tx store.Tx) error { return tx.AddListBatchEntries("court_defaulter", 6, 4999) })
	err = s.Update(ctx, func(tx store.Tx) error { return tx.AddListBatchEntries("court_defaulter", 7, 1) })
	wantCode(t, err, credit.ENOTFOUND)
	bs, err := s.ListBatches(ctx, "court_defaulter")
	if err != nil || len(bs) != 1 || bs[0].Title != "第六批" || bs[0].Entries != 5000 {
		t.Fatalf("batches = %+v, %v", bs, err)
	}
	if _, err := s.ListBatch(ctx, "court_defaulter", 7); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Fatalf("missing batch: %v", err)
	}
}

func testChecks(t *testing.T, s store.Store) {
	c1 := &store.Check{At: t0, Actor: "clerk1", Dept: "cz", Matter: "gov_procurement", SubjectKey: "91370000MA3C4U5X2K", Found: true,
		Verdict: credit.VerdictBlock, Measures: []store.CheckMeasure{
			{Measure: "P01", Dept: "cz", Direction: credit.DirectionPunishment, Effect: credit.EffectBlock, Mandatory: true, EntryID: 1, List: "court_defaulter"},
			{Measure: "R06", Dept: "cz", Direction: credit.DirectionReward, Effect: credit.EffectDiscount, EntryID: 2, List: "red_list"},
		}}
	c2 := &store.Check{At: t0.AddDate(0, 1, 0), Actor: "clerk1", Dept: "cz", Matter: "gov_procurement", SubjectKey: "x", Verdict: credit.VerdictPass}
	update(t, s, func(tx store.Tx) error { return tx.InsertChecks([]*store.Check{c1, c2}) })
	if c1.ID == 0 || c2.ID == 0 || c1.ID == c2.ID {
		t.Fatalf("ids %d %d", c1.ID, c2.ID)
	}
	update(t, s, func(tx store.Tx) error {
		return tx.PutFeedback(c1.ID, "P01", credit.FeedbackApplied, "", "clerk1", t0.Add(time.Minute))
	})
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.PutFeedback(c1.ID, "P99", credit.FeedbackApplied, "", "clerk1", t0)
	})
	wantCode(t, err, credit.ENOTFOUND)
	got, err := s.Check(ctx, c1.ID)
	if err != nil || len(got.Measures) != 2 || got.Measures[0].Outcome != credit.FeedbackApplied || got.Measures[1].Outcome != "" ||
		!got.Measures[0].Mandatory || got.Verdict != credit.VerdictBlock || !got.Found {
		t.Fatalf("check = %+v, %v", got, err)
	}
	st, err := s.CheckStats(ctx, store.CheckFilter{})
	if err != nil || len(st.Checks) != 2 || st.Checks[0].Blocked != 1 || st.Checks[0].Hits != 1 || st.Checks[1].Hits != 0 {
		t.Fatalf("stats = %+v, %v", st, err)
	}
	if len(st.Measures) != 2 || st.Measures[0].Measure != "P01" || st.Measures[0].Applied != 1 || st.Measures[1].Feedback != 0 {
		t.Fatalf("measure stats = %+v", st.Measures)
	}
	st, _ = s.CheckStats(ctx, store.CheckFilter{FromMonth: "2026-04"})
	if len(st.Checks) != 1 || len(st.Measures) != 0 {
		t.Fatalf("filtered stats = %+v", st)
	}
	cs, err := s.Checks(ctx, store.CheckFilter{Dept: "cz", Limit: 1})
	if err != nil || len(cs) != 1 || cs[0].ID != c2.ID {
		t.Fatalf("checks = %+v, %v", cs, err)
	}

	b := &store.CheckBatch{Matter: "bidding", Actor: "clerk1", Dept: "cz", FileName: "codes.csv", Format: "csv", Status: store.CheckBatchRunning, CreatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.InsertCheckBatch(b) })
	b.Total, b.Done, b.Status, b.Result, b.FinishedAt = 10, 10, store.CheckBatchDone, "/tmp/x", t0.Add(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.UpdateCheckBatch(b) })
	gb, err := s.CheckBatch(ctx, b.ID)
	if err != nil || gb.Status != store.CheckBatchDone || gb.Done != 10 || gb.Result != "/tmp/x" {
		t.Fatalf("batch = %+v, %v", gb, err)
	}
	if l, _ := s.CheckBatches(ctx, "cz", 5); len(l) != 1 {
		t.Fatalf("batches = %v", l)
	}
}

func testRepresentedBy(t *testing.T, s store.Store) {
	p := &credit.Subject{Key: "P:rep", Kind: credit.KindPerson, Name: "张*", Status: credit.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	a := org("91371002MA3C000001", "威海海洋食品有限公司")
	b := org("91371002MA3C000002", "威海海洋贸易有限公司")
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertSubjects([]*credit.Subject{p}); err != nil {
			return err
		}
		a.LegalRepID, b.LegalRepID = p.ID, p.ID
		return tx.InsertSubjects([]*credit.Subject{a, b})
	})
	keys, err := s.RepresentedBy(ctx, p.ID)
	if err != nil || len(keys) != 2 || keys[0] != a.Key || keys[1] != b.Key {
		t.Fatalf("represented by = %v, %v", keys, err)
	}
	if keys, _ := s.RepresentedBy(ctx, a.ID); len(keys) != 0 {
		t.Fatalf("an organisation represents %v", keys)
	}
}

// testCheckQueryLogs: the window check's group commit enters many query-log entries in one
// statement; each is stored with every field, and readable by subject like any other.
func testCheckQueryLogs(t *testing.T, s store.Store) {
	var qs []*store.QueryLog
	for i := range 450 { // more than one statement's worth
		qs = append(qs, &store.QueryLog{At: t0.Add(time.Duration(i) * time.Second), Actor: "clerk9", Dept: "cz",
			Purpose: "信用核查：政府采购", SubjectKey: fmt.Sprintf("qk%03d", i%3), Route: "POST /api/v1/checks",
			Returned: "check:pass lists:0 measures:0", RemoteAddr: "127.0.0.1"})
	}
	update(t, s, func(tx store.Tx) error { return tx.AppendCheckQueryLogs(qs) })
	var got []*store.QueryLog
	if err := s.QueryLogs(ctx, store.QueryLogFilter{SubjectKey: "qk001", Actor: "clerk9"}, func(q *store.QueryLog) error {
		got = append(got, q)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 150 {
		t.Fatalf("entries of qk001: %d, want 150", len(got))
	}
	g := got[0]
	if g.ID == 0 || !g.At.Equal(t0.Add(time.Second)) || g.Dept != "cz" || g.Purpose != "信用核查：政府采购" || g.Route != "POST /api/v1/checks" ||
		g.Returned != "check:pass lists:0 measures:0" || g.RemoteAddr != "127.0.0.1" {
		t.Fatalf("first entry of qk001: %+v", g)
	}
	update(t, s, func(tx store.Tx) error { return tx.AppendCheckQueryLogs(nil) })
}

// logChecks logs a group of checks as the window check does: through the store's own
// store.CheckLogger where it has one, else InsertChecks and AppendCheckQueryLogs in Update.
func logChecks(s store.Store, cs []*store.Check, qs []*store.QueryLog) error {
	if cl, ok := s.(store.CheckLogger); ok {
		return cl.LogChecks(ctx, cs, qs)
	}
	return s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertChecks(cs); err != nil {
			return err
		}
		return tx.AppendCheckQueryLogs(qs)
	})
}

// testLogChecks: a group of checks is stored with its measures and query-log entries, and every
// check gets its ID, whichever way the store logs it (store.CheckLogger or Update).
func testLogChecks(t *testing.T, s store.Store) {
	var cs []*store.Check
	var qs []*store.QueryLog
	for i := range 450 { // more than one statement's worth of each
		c := &store.Check{At: t0, Actor: "clerk7", Dept: "cz", Matter: "bidding", SubjectKey: fmt.Sprintf("lk%03d", i),
			Found: i%2 == 0, Verdict: credit.VerdictPass}
		if i%3 == 0 {
			c.Verdict = credit.VerdictBlock
			c.Measures = []store.CheckMeasure{{Measure: "P01", Dept: "fgw", Direction: credit.DirectionPunishment, Effect: credit.EffectBlock,
				Mandatory: true, EntryID: int64(i + 1), List: "court_defaulter"}}
		}
		cs = append(cs, c)
		qs = append(qs, &store.QueryLog{At: t0, Actor: "clerk7", Dept: "cz", Purpose: "信用核查：招标投标", SubjectKey: c.SubjectKey,
			Route: "POST /api/v1/checks", Returned: "check:" + string(c.Verdict)})
	}
	if err := logChecks(s, cs, qs); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, c := range cs {
		if c.ID == 0 || seen[c.ID] {
			t.Fatalf("check %s has id %d (zero or repeated)", c.SubjectKey, c.ID)
		}
		seen[c.ID] = true
	}
	got, err := s.Check(ctx, cs[3].ID)
	if err != nil || got.SubjectKey != "lk003" || got.Verdict != credit.VerdictBlock || len(got.Measures) != 1 ||
		got.Measures[0].Measure != "P01" || got.Measures[0].EntryID != 4 || !got.Measures[0].Mandatory {
		t.Fatalf("check lk003 = %+v, %v", got, err)
	}
	if got, err := s.Check(ctx, cs[5].ID); err != nil || got.Found || len(got.Measures) != 0 {
		t.Fatalf("check lk005 = %+v, %v", got, err)
	}
	n := 0
	if err := s.QueryLogs(ctx, store.QueryLogFilter{Actor: "clerk7"}, func(*store.QueryLog) error { n++; return nil }); err != nil || n != 450 {
		t.Fatalf("query-log entries of clerk7: %d, %v", n, err)
	}
	if err := logChecks(s, nil, nil); err != nil {
		t.Fatal(err)
	}
}

// subjectAndEntries reads a check's subject and published entries as the window check does:
// through the store's own store.CheckReader where it has one, else one by one.
func subjectAndEntries(s store.Store, key string) (*credit.Subject, []*credit.ListEntry, error) {
	if cr, ok := s.(store.CheckReader); ok {
		return cr.SubjectAndEntries(ctx, key, credit.EntryPublished)
	}
	subj, err := s.SubjectByKey(ctx, key)
	if credit.ErrorCode(err) == credit.ENOTFOUND {
		subj, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	es, err := s.SubjectEntries(ctx, key, credit.EntryPublished)
	return subj, es, err
}

// testSubjectAndEntries: a check's subject and entries, read together (store.CheckReader) or
// one by one: an unregistered subject is nil, not an error, and its entries are still read.
func testSubjectAndEntries(t *testing.T, s store.Store) {
	o := org("91371002MA3C000009", "威海某某建设有限公司")
	a := testEntry("court_defaulter", o.Key, "case-9", credit.EntryPublished)
	b := testEntry("court_defaulter", o.Key, "", credit.EntryProposed)
	c := testEntry("abnormal_operation", o.Key, "case-11", credit.EntryPublished)
	u := testEntry("court_defaulter", "91371002MA3C00000X", "case-10", credit.EntryPublished)
	clean := org("91371002MA3C000017", "威海某某商贸有限公司")
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertSubjects([]*credit.Subject{o, clean}); err != nil {
			return err
		}
		return tx.InsertListEntries([]*credit.ListEntry{a, b, u, c})
	})
	subj, es, err := subjectAndEntries(s, o.Key)
	if err != nil || subj == nil || subj.ID != o.ID || subj.Name != o.Name || len(es) != 2 || es[0].ID != a.ID || es[0].Document != a.Document ||
		es[1].ID != c.ID || es[1].List != c.List {
		t.Fatalf("subject and entries = %+v, %+v, %v", subj, es, err)
	}
	subj, es, err = subjectAndEntries(s, clean.Key)
	if err != nil || subj == nil || subj.ID != clean.ID || subj.Code != clean.Code || len(es) != 0 {
		t.Fatalf("subject without entries = %+v, %+v, %v", subj, es, err)
	}
	subj, es, err = subjectAndEntries(s, u.SubjectKey)
	if err != nil || subj != nil || len(es) != 1 || es[0].ID != u.ID {
		t.Fatalf("unregistered subject = %+v, %+v, %v", subj, es, err)
	}
	subj, es, err = subjectAndEntries(s, "91371002MA3C0000YY")
	if err != nil || subj != nil || len(es) != 0 {
		t.Fatalf("unknown key = %+v, %+v, %v", subj, es, err)
	}
}
