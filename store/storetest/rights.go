package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Subjects' rights (异议、信用修复与工作日历): record states, cases, evidence, notices, calendars.

func testRecordStates(t *testing.T, s store.Store) {
	a := org("91371002MA3C000017", "状态公司")
	update(t, s, func(tx store.Tx) error { return tx.InsertSubjects([]*credit.Subject{a}) })
	r1, r2 := rec(a.ID, "S1", 1, "h1"), rec(a.ID, "S2", 1, "h2")
	r2.PubUntil = t0.AddDate(0, 0, 1) // ends on t0+1
	update(t, s, func(tx store.Tx) error { return tx.InsertRecords([]*credit.Record{r1, r2}) })

	got, err := s.RecordByID(ctx, r2.ID)
	if err != nil || got.SourceID != "S2" || !got.PubUntil.Equal(t0.AddDate(0, 0, 1)) {
		t.Fatalf("RecordByID = %+v, %v", got, err)
	}
	_, err = s.RecordByID(ctx, 999999)
	wantCode(t, err, credit.ENOTFOUND)
	k1 := store.RecordKey{Dept: "scjg", Item: "admin_penalty", SourceID: "S1"}
	_, err = s.RecordState(ctx, k1)
	wantCode(t, err, credit.ENOTFOUND)

	st := &credit.RecordState{SubjectID: a.ID, Dept: "scjg", Item: "admin_penalty", SourceID: "S1", Objection: 5, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.PutRecordState(st) })
	st.Objection, st.RepairedAt, st.RepairCase = 0, t0.Add(time.Hour), 6
	update(t, s, func(tx store.Tx) error { return tx.PutRecordState(st) })
	one, err := s.RecordState(ctx, k1)
	if err != nil || one.Objection != 0 || !one.RepairedAt.Equal(t0.Add(time.Hour)) || one.RepairCase != 6 || !one.RevokedAt.IsZero() {
		t.Fatalf("RecordState = %+v, %v", one, err)
	}
	all, err := s.RecordStates(ctx, a.ID)
	if err != nil || len(all) != 1 || all[k1].RepairCase != 6 {
		t.Fatalf("RecordStates = %+v, %v", all, err)
	}
	// A repaired record is withdrawn; one only under objection is not.
	k2 := store.RecordKey{Dept: "scjg", Item: "admin_penalty", SourceID: "S2"}
	update(t, s, func(tx store.Tx) error {
		return tx.PutRecordState(&credit.RecordState{SubjectID: a.ID, Dept: k2.Dept, Item: k2.Item, SourceID: k2.SourceID, Objection: 7, UpdatedAt: t0})
	})
	if w, err := s.WithdrawnRecords(ctx); err != nil || len(w) != 1 || !w[r1.ID] {
		t.Fatalf("WithdrawnRecords = %v, %v", w, err)
	}
	update(t, s, func(tx store.Tx) error {
		return tx.PutRecordState(&credit.RecordState{SubjectID: a.ID, Dept: k2.Dept, Item: k2.Item, SourceID: k2.SourceID, RevokedAt: t0, UpdatedAt: t0})
	})
	if w, err := s.WithdrawnRecords(ctx); err != nil || len(w) != 2 || !w[r2.ID] {
		t.Fatalf("WithdrawnRecords after a revocation = %v, %v", w, err)
	}
	update(t, s, func(tx store.Tx) error {
		return tx.PutRecordState(&credit.RecordState{SubjectID: a.ID, Dept: k2.Dept, Item: k2.Item, SourceID: k2.SourceID, UpdatedAt: t0})
	})

	// The expiry job's query sees the records taken into its list of publication ends: none
	// before, both after (one chunk of one record at a time here), and nothing is taken twice.
	if exp, err := s.PublicationExpired(ctx, t0.AddDate(5, 0, 0), 10); err != nil || len(exp) != 0 {
		t.Fatalf("PublicationExpired before indexing = %d, %v", len(exp), err)
	}
	indexed := func(limit int) int {
		var n int
		update(t, s, func(tx store.Tx) error {
			var err error
			n, err = tx.IndexPublicationEnds(limit)
			return err
		})
		return n
	}
	if n1, n2, n3 := indexed(1), indexed(1), indexed(10); n1 != 1 || n2 != 1 || n3 != 0 {
		t.Fatalf("IndexPublicationEnds looked at %d, %d, %d records, want 1, 1, 0", n1, n2, n3)
	}
	// Only S2 ended by t0+1, until it is marked.
	exp, err := s.PublicationExpired(ctx, t0, 10)
	if err != nil || len(exp) != 0 {
		t.Fatalf("PublicationExpired(t0) = %d, %v", len(exp), err)
	}
	exp, err = s.PublicationExpired(ctx, t0.AddDate(0, 0, 1), 10)
	if err != nil || len(exp) != 1 || exp[0].ID != r2.ID {
		t.Fatalf("PublicationExpired(t0+1) = %+v, %v", exp, err)
	}
	update(t, s, func(tx store.Tx) error {
		return tx.PutRecordState(&credit.RecordState{SubjectID: a.ID, Dept: "scjg", Item: "admin_penalty", SourceID: "S2",
			ExpiredAt: t0.AddDate(0, 0, 1), UpdatedAt: t0.AddDate(0, 0, 1)})
	})
	exp, err = s.PublicationExpired(ctx, t0.AddDate(2, 0, 0), 10)
	if err != nil || len(exp) != 1 || exp[0].ID != r1.ID {
		t.Fatalf("PublicationExpired after marking = %+v, %v", exp, err)
	}
	// Ends dropped up to t0+1 leave the later one.
	update(t, s, func(tx store.Tx) error { return tx.DropPublicationEnds(t0.AddDate(0, 0, 1)) })
	exp, err = s.PublicationExpired(ctx, t0.AddDate(2, 0, 0), 10)
	if err != nil || len(exp) != 1 || exp[0].ID != r1.ID {
		t.Fatalf("PublicationExpired after dropping the first end = %+v, %v", exp, err)
	}
}

func testCases(t *testing.T, s store.Store) {
	c1 := &credit.Case{Kind: credit.CaseObjection, SubjectID: 1, SubjectKey: "K1", RecordID: 10, Dept: "scjg", Item: "admin_penalty",
		SourceID: "S1", Status: credit.CasePending, Reason: "金额错误", FiledAt: t0, Due: t0.AddDate(0, 0, 7), UpdatedAt: t0,
		History: []credit.CaseEvent{{At: t0, Actor: "subject:K1", Party: credit.PartySubject, Action: credit.ActFile, Status: credit.CasePending}}}
	c2 := &credit.Case{Kind: credit.CaseRepair, SubjectID: 1, SubjectKey: "K1", RecordID: 11, Dept: "rsj", Item: "wage_arrears_list",
		SourceID: "W1", Status: credit.CaseSubmitted, Reason: "已整改", Commitment: "某公司", FiledAt: t0, UpdatedAt: t0}
	c3 := &credit.Case{Kind: credit.CaseRepair, SubjectID: 2, SubjectKey: "K2", RecordID: 12, Dept: "scjg", Item: "admin_penalty",
		SourceID: "S9", Status: credit.CaseApproved, Reason: "已缴款", FiledAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error {
		for _, c := range []*credit.Case{c1, c2, c3} {
			if err := tx.InsertCase(c); err != nil {
				return err
			}
		}
		return nil
	})
	if c1.ID == 0 || c2.ID == c1.ID {
		t.Fatalf("ids %d %d", c1.ID, c2.ID)
	}
	got, err := s.Case(ctx, c1.ID)
	if err != nil || got.ID != c1.ID || got.Reason != "金额错误" || !got.Due.Equal(c1.Due) || len(got.History) != 1 {
		t.Fatalf("Case = %+v, %v", got, err)
	}
	_, err = s.Case(ctx, 99999)
	wantCode(t, err, credit.ENOTFOUND)
	for _, tc := range []struct {
		f    store.CaseFilter
		want []int64
	}{
		{store.CaseFilter{}, []int64{c3.ID, c2.ID, c1.ID}},
		{store.CaseFilter{Kind: credit.CaseRepair}, []int64{c3.ID, c2.ID}},
		{store.CaseFilter{SubjectID: 1}, []int64{c2.ID, c1.ID}},
		{store.CaseFilter{Dept: "scjg", OpenOnly: true}, []int64{c1.ID}},
		{store.CaseFilter{Record: &store.RecordKey{Dept: "scjg", Item: "admin_penalty", SourceID: "S9"}}, []int64{c3.ID}},
		{store.CaseFilter{Limit: 1}, []int64{c3.ID}},
	} {
		cs, err := s.Cases(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		if len(ids) != len(tc.want) || (len(ids) > 0 && ids[0] != tc.want[0]) || (len(ids) > 1 && ids[1] != tc.want[1]) {
			t.Errorf("Cases(%+v) = %v, want %v", tc.f, ids, tc.want)
		}
	}
	c1.Status = credit.CaseUpheld
	update(t, s, func(tx store.Tx) error { return tx.UpdateCase(c1) })
	if cs, _ := s.Cases(ctx, store.CaseFilter{Dept: "scjg", OpenOnly: true}); len(cs) != 0 {
		t.Fatalf("closed case still open: %d", len(cs))
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateCase(&credit.Case{ID: 99999, Status: credit.CasePending}) })
	wantCode(t, err, credit.ENOTFOUND)

	// Evidence keeps its sealed bytes exactly; the list leaves them out.
	blob := bytes.Repeat([]byte{0, 1, 2, 255}, 1000)
	e := &store.Evidence{CaseID: c2.ID, Name: "凭证.pdf", Mime: "application/pdf", Size: 4000, SHA256: "ab", Sealed: blob, UploadedBy: "subject:K1", CreatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.InsertEvidence(e) })
	list, err := s.EvidenceOf(ctx, c2.ID)
	if err != nil || len(list) != 1 || list[0].Sealed != nil || list[0].Name != "凭证.pdf" || list[0].Size != 4000 {
		t.Fatalf("EvidenceOf = %+v, %v", list, err)
	}
	f, err := s.EvidenceFile(ctx, e.ID)
	if err != nil || !bytes.Equal(f.Sealed, blob) || f.CaseID != c2.ID {
		t.Fatalf("EvidenceFile: %v", err)
	}
	_, err = s.EvidenceFile(ctx, 99999)
	wantCode(t, err, credit.ENOTFOUND)

	// Notices, newest first.
	update(t, s, func(tx store.Tx) error {
		for i, txt := range []string{"已受理", "已更正"} {
			if err := tx.InsertNotice(&store.Notice{SubjectID: 1, CaseID: c1.ID, At: t0.Add(time.Duration(i) * time.Hour), Text: txt}); err != nil {
				return err
			}
		}
		return nil
	})
	ns, err := s.Notices(ctx, 1, 0)
	if err != nil || len(ns) != 2 || ns[0].Text != "已更正" || ns[0].CaseID != c1.ID {
		t.Fatalf("Notices = %+v, %v", ns, err)
	}
	if ns, _ := s.Notices(ctx, 1, 1); len(ns) != 1 {
		t.Fatalf("Notices limit: %d", len(ns))
	}
}

func testCalendarYears(t *testing.T, s store.Store) {
	ys, err := s.CalendarYears(ctx)
	if err != nil || len(ys) != 0 {
		t.Fatalf("empty CalendarYears = %v, %v", ys, err)
	}
	mk := func(year int, src string) *credit.CalendarYear {
		return &credit.CalendarYear{Year: year, Source: src, Holidays: []credit.HolidaySpan{{Name: "元旦", From: "2026-01-01", To: "2026-01-03"}},
			LoadedBy: "cli:admin", LoadedAt: t0}
	}
	a, b, c := mk(2026, "first"), mk(2026, "second"), mk(2027, "next")
	update(t, s, func(tx store.Tx) error {
		for _, y := range []*credit.CalendarYear{a, b, c} {
			if err := tx.SaveCalendarYear(y); err != nil {
				return err
			}
		}
		return nil
	})
	if a.Version != 1 || b.Version != 2 || c.Version != 1 {
		t.Fatalf("versions %d %d %d", a.Version, b.Version, c.Version)
	}
	ys, err = s.CalendarYears(ctx)
	if err != nil || len(ys) != 2 || ys[0].Source != "second" || ys[0].Version != 2 || ys[1].Year != 2027 || ys[0].LoadedBy != "cli:admin" || !ys[0].LoadedAt.Equal(t0) {
		t.Fatalf("CalendarYears = %+v, %v", ys, err)
	}
}
