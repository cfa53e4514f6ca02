package storetest

import (
	"time"

	"testing"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

func testScorecards(t *testing.T, s store.Store) {
	_, err := s.Scorecard(ctx, "personal", 0)
	wantCode(t, err, credit.ENOTFOUND)
	card := &credit.Scorecard{Code: "personal", NameZH: "个人", Version: 1, Base: 1000, Min: 0, Max: 1200,
		Grades: []credit.GradeBand{{Grade: "A", Min: 0, Max: 1200}}}
	update(t, s, func(tx store.Tx) error {
		return tx.SaveScorecard(&store.ScorecardVersion{Card: card, PublishedAt: t0, PublishedBy: "admin"})
	})
	c2 := *card
	c2.Version, c2.Note = 2, "第二版"
	update(t, s, func(tx store.Tx) error {
		return tx.SaveScorecard(&store.ScorecardVersion{Card: &c2, PublishedAt: t0.AddDate(0, 0, 1), PublishedBy: "admin"})
	})
	err = s.Update(ctx, func(tx store.Tx) error { return tx.SaveScorecard(&store.ScorecardVersion{Card: card, PublishedAt: t0}) })
	wantCode(t, err, credit.ECONFLICT)
	latest, err := s.Scorecard(ctx, "personal", 0)
	if err != nil || latest.Card.Version != 2 || latest.Card.Note != "第二版" || latest.PublishedBy != "admin" {
		t.Fatalf("Scorecard latest = %+v, %v", latest, err)
	}
	v1, err := s.Scorecard(ctx, "personal", 1)
	if err != nil || v1.Card.Version != 1 || !v1.PublishedAt.Equal(t0) {
		t.Fatalf("Scorecard v1 = %+v, %v", v1, err)
	}
	all, err := s.Scorecards(ctx, "")
	if err != nil || len(all) != 2 || all[0].Card.Version != 1 {
		t.Fatalf("Scorecards = %+v, %v", all, err)
	}
}

func testScores(t *testing.T, s store.Store) {
	a, b := org("91371002MA3C000101", "甲"), org("91371002MA3C000102", "乙")
	p := &credit.Subject{Key: "P:abc", Kind: credit.KindPerson, Name: "张*", NameNorm: "", Status: credit.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.InsertSubjects([]*credit.Subject{a, b, p}) })
	r1, r2 := rec(a.ID, "S1", 1, "h1"), rec(b.ID, "S2", 1, "h2")
	r3 := rec(b.ID, "S3", 1, "h3")
	r3.Item = "honour"
	update(t, s, func(tx store.Tx) error { return tx.InsertRecords([]*credit.Record{r1, r2, r3}) })
	update(t, s, func(tx store.Tx) error { return tx.Supersede([]int64{r1.ID}) })

	chunk, err := s.ScoringChunk(ctx, 0, 10, nil)
	if err != nil || len(chunk) != 3 || chunk[0].ID != a.ID || len(chunk[0].Records) != 0 || len(chunk[1].Records) != 2 || chunk[2].Kind != credit.KindPerson {
		t.Fatalf("ScoringChunk = %+v, %v", chunk, err)
	}
	if f := chunk[1].Records[0].Fields; f["doc_no"] == "" || chunk[1].Records[0].Decision.IsZero() {
		t.Fatalf("ScoringChunk record = %+v", chunk[1].Records[0])
	}
	chunk, err = s.ScoringChunk(ctx, a.ID, 1, []string{"honour"})
	if err != nil || len(chunk) != 1 || chunk[0].ID != b.ID || len(chunk[0].Records) != 1 || chunk[0].Records[0].Item != "honour" {
		t.Fatalf("ScoringChunk after a, honour only = %+v, %v", chunk, err)
	}

	picked, err := s.ScoringSubjects(ctx, []int64{p.ID, b.ID, 9999}, []string{"admin_penalty"})
	if err != nil || len(picked) != 2 || picked[0].ID != b.ID || len(picked[0].Records) != 1 || picked[1].ID != p.ID || len(picked[1].Records) != 0 {
		t.Fatalf("ScoringSubjects = %+v, %v", picked, err)
	}

	mark, err := s.MaxRecordID(ctx)
	if err != nil || mark != r3.ID {
		t.Fatalf("MaxRecordID = %d, %v; want %d", mark, err, r3.ID)
	}
	b1, b2, b3 := rec(a.ID, "S9", 1, "h9"), rec(b.ID, "S10", 1, "h10"), rec(b.ID, "S11", 1, "h11")
	b1.BatchID, b2.BatchID, b3.BatchID = 7, 7, 8
	update(t, s, func(tx store.Tx) error { return tx.InsertRecords([]*credit.Record{b1, b2, b3}) })
	if ids, err := s.BatchSubjects(ctx, 7, mark); err != nil || len(ids) != 2 || ids[0] != a.ID || ids[1] != b.ID {
		t.Fatalf("BatchSubjects = %v, %v", ids, err)
	}
	if ids, err := s.BatchSubjects(ctx, 7, max(b1.ID, b2.ID)); err != nil || len(ids) != 0 {
		t.Fatalf("BatchSubjects after its records = %v, %v", ids, err)
	}

	sa := &credit.Score{SubjectID: a.ID, Card: "enterprise", Version: 1, Total: 80, Grade: "B", At: t0}
	sb := &credit.Score{SubjectID: b.ID, Card: "enterprise", Version: 1, Total: 40, Grade: "D", GradeCapped: "court_defaulter", At: t0}
	update(t, s, func(tx store.Tx) error { return tx.PutScores([]*credit.Score{sa, sb}) })
	sa2 := *sa
	sa2.Total, sa2.Grade, sa2.Version, sa2.At = 92, "A", 2, t0.AddDate(0, 0, 1)
	update(t, s, func(tx store.Tx) error { return tx.PutScores([]*credit.Score{&sa2}) })

	cur, err := s.SubjectScores(ctx, a.ID)
	if err != nil || len(cur) != 1 || cur[0].Total != 92 || cur[0].Grade != "A" || cur[0].Version != 2 || !cur[0].At.Equal(sa2.At) {
		t.Fatalf("SubjectScores = %+v, %v", cur, err)
	}
	m, err := s.ScoresOf(ctx, "enterprise", []int64{a.ID, b.ID, p.ID})
	if err != nil || len(m) != 2 || m[b.ID].GradeCapped != "court_defaulter" {
		t.Fatalf("ScoresBetween = %+v, %v", m, err)
	}
	if m, _ := s.ScoresOf(ctx, "personal", []int64{a.ID, b.ID}); len(m) != 0 {
		t.Fatalf("ScoresBetween other card = %+v", m)
	}
	h, err := s.ScoreHistory(ctx, a.ID, "enterprise", 0)
	if err != nil || len(h) != 2 || h[0].Total != 92 || h[1].Total != 80 || h[1].Version != 1 {
		t.Fatalf("ScoreHistory = %+v, %v", h, err)
	}
	if h, _ := s.ScoreHistory(ctx, a.ID, "enterprise", 1); len(h) != 1 {
		t.Fatalf("ScoreHistory limit 1 = %d rows", len(h))
	}
	counts, err := s.GradeCounts(ctx, "enterprise")
	if err != nil || counts["A"] != 1 || counts["D"] != 1 || counts["B"] != 0 {
		t.Fatalf("GradeCounts = %v, %v", counts, err)
	}
}

func testConsents(t *testing.T, s store.Store) {
	p := &credit.Subject{Key: "P:c1", Kind: credit.KindPerson, Name: "李*", Status: credit.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	q := &credit.Subject{Key: "P:c2", Kind: credit.KindPerson, Name: "王*", Status: credit.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.InsertSubjects([]*credit.Subject{p, q}) })
	c := &credit.Consent{SubjectID: p.ID, Partner: "whly", Scope: credit.ScopeGrade, Purpose: "景区优惠", CreatedAt: t0, ExpiresAt: t0.AddDate(0, 1, 0)}
	c2 := &credit.Consent{SubjectID: p.ID, Partner: "gjj", Scope: credit.ScopeGradeBenefits, Purpose: "公积金贷款", CreatedAt: t0, ExpiresAt: t0.AddDate(0, 2, 0)}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertConsent(c); err != nil {
			return err
		}
		return tx.InsertConsent(c2)
	})
	if c.ID == 0 || c2.ID == c.ID {
		t.Fatalf("consent ids %d %d", c.ID, c2.ID)
	}
	got, err := s.Consent(ctx, c.ID)
	if err != nil || got.Partner != "whly" || got.Scope != credit.ScopeGrade || !got.ExpiresAt.Equal(c.ExpiresAt) || !got.RevokedAt.IsZero() || got.SubjectID != p.ID {
		t.Fatalf("Consent = %+v, %v", got, err)
	}
	_, err = s.Consent(ctx, c.ID+100)
	wantCode(t, err, credit.ENOTFOUND)
	// Another person cannot revoke it, and cannot tell it exists.
	err = s.Update(ctx, func(tx store.Tx) error { return tx.RevokeConsent(q.ID, c.ID, t0) })
	wantCode(t, err, credit.ENOTFOUND)
	update(t, s, func(tx store.Tx) error { return tx.RevokeConsent(p.ID, c.ID, t0.Add(3600e9)) })
	err = s.Update(ctx, func(tx store.Tx) error { return tx.RevokeConsent(p.ID, c.ID, t0) })
	wantCode(t, err, credit.ECONFLICT)
	list, err := s.Consents(ctx, p.ID)
	if err != nil || len(list) != 2 || list[0].ID != c2.ID || list[1].RevokedAt.IsZero() {
		t.Fatalf("Consents = %+v, %v", list, err)
	}
	if l, _ := s.Consents(ctx, q.ID); len(l) != 0 {
		t.Fatalf("other person's consents = %+v", l)
	}
	update(t, s, func(tx store.Tx) error {
		for i, res := range []string{"granted", "denied"} {
			err := tx.AppendConsentUse(&credit.ConsentUse{ConsentID: c2.ID, SubjectID: p.ID, Partner: "gjj", Actor: "token:gjj/1",
				What: "benefit:housing_fund_loan", Result: res, At: t0.Add(timeSec(i))})
			if err != nil {
				return err
			}
		}
		return nil
	})
	uses, err := s.ConsentUses(ctx, p.ID, 0)
	if err != nil || len(uses) != 2 || uses[0].Result != "denied" || uses[1].What != "benefit:housing_fund_loan" || uses[1].Actor != "token:gjj/1" {
		t.Fatalf("ConsentUses = %+v, %v", uses, err)
	}
	if u, _ := s.ConsentUses(ctx, q.ID, 0); len(u) != 0 {
		t.Fatalf("other person's uses = %+v", u)
	}
}

func timeSec(i int) time.Duration { return time.Duration(i) * time.Second }
