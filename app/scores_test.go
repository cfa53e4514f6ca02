package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
)

func importCSV(t *testing.T, a *app.App, dept, item, body string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), item+".csv")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := a.Import(context.Background(), ingest.Request{Dept: dept, Item: item, Path: p}, nil)
	if err != nil || res.Batch.Rejected != 0 {
		t.Fatalf("import %s: %+v %v", item, res.Batch, err)
	}
}

func personScore(t *testing.T, a *app.App, id string) *credit.Score {
	t.Helper()
	key, err := a.PersonKeyOf(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := a.Store.SubjectByKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	list, err := a.Store.SubjectScores(context.Background(), sub.ID)
	if err != nil || len(list) != 1 || list[0].Card != "personal" {
		t.Fatalf("stored scores = %+v, %v", list, err)
	}
	return list[0]
}

func TestScoresFollowImports(t *testing.T) {
	a, clk, _ := clockApp(t)
	ctx := context.Background()
	c := importSelfCity(t, a)
	// The penalised person was scored as the batch committed: 1000 − 30 for the penalty, no
	// clean-record bonus, still decaying from 2026-04-01 over 36 months.
	s := personScore(t, a, c.person)
	if s.Version != 1 || s.Total >= 1000 || s.Grade != "B" {
		t.Fatalf("penalised person = %+v", s)
	}
	importCSV(t, a, "wjw", "blood_donation", "source_id,subject_code,subject_name,volume_ml,donation_type,donation_date,station,certificate_no\n"+
		"BD-1,"+c.person+",李四,400,全血,2026-10-02,威海市中心血站,XZ-1\n")
	s2 := personScore(t, a, c.person)
	if s2.Total <= s.Total {
		t.Fatalf("blood donation did not raise the score: %d → %d", s.Total, s2.Total)
	}
	sub, views, err := a.OwnScores(ctx, personPrincipal(t, a, c.person))
	if err != nil || len(views) != 1 || sub.Kind != credit.KindPerson {
		t.Fatalf("OwnScores = %v, %v", views, err)
	}
	v := views[0]
	if v.Score.Total != s2.Total || len(v.History) != 2 || len(v.Score.Lines) != 2 {
		t.Fatalf("explanation = %+v, history %d", v.Score, len(v.History))
	}
	var sawBlood bool
	for _, l := range v.Score.Lines {
		sawBlood = sawBlood || strings.HasSuffix(l.Why, " 无偿献血 2026-10-02") && l.Points > 0 && l.RecordID != 0
	}
	if !sawBlood {
		t.Fatalf("no blood-donation line: %+v", v.Score.Lines)
	}
	// Another subject may not read it.
	if _, _, err := a.OwnScores(ctx, &auth.Principal{Kind: auth.KindStaff, UserID: 1}); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("staff through OwnScores: %v", err)
	}
	// The company has a public enterprise grade; the person none.
	co, _ := a.Store.SubjectByKey(ctx, c.company)
	pg, err := a.PublicGrades(ctx, co)
	if err != nil || len(pg) != 1 || pg[0].Card != "enterprise" || pg[0].Grade == "" {
		t.Fatalf("PublicGrades = %+v, %v", pg, err)
	}
	if pg, _ := a.PublicGrades(ctx, sub); len(pg) != 0 {
		t.Fatalf("person has public grades: %+v", pg)
	}

	// A full recompute right after changes nothing; three years later the penalty has decayed.
	st, err := a.RecomputeAll(ctx, "cli:tester", nil)
	if err != nil || st.Subjects != 2 || st.Scored != 2 || st.Changed != 0 {
		t.Fatalf("RecomputeAll = %+v, %v", st, err)
	}
	clk.Add(3 * 365 * 24 * time.Hour)
	st, err = a.RecomputeAll(ctx, "cli:tester", nil)
	if err != nil || st.Changed == 0 || st.GradeChanges == 0 {
		t.Fatalf("RecomputeAll later = %+v, %v", st, err)
	}
	if s3 := personScore(t, a, c.person); s3.Total != 1000+20 || s3.Grade != "A" {
		t.Fatalf("after decay = %+v", s3)
	}
	if n := auditActions(t, a)[app.ActionScoreRecompute]; n != 2 {
		t.Fatalf("recompute audit entries = %d", n)
	}
}

func personPrincipal(t *testing.T, a *app.App, id string) *auth.Principal {
	t.Helper()
	key, err := a.PersonKeyOf(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := a.Store.SubjectByKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return app.SubjectPrincipal(sub)
}

func TestConsentAndBenefitVerification(t *testing.T) {
	a, clk, _ := clockApp(t)
	ctx := context.Background()
	c := importSelfCity(t, a)
	importCSV(t, a, "wmb", "honour", "source_id,subject_code,subject_name,honour_name,awarding_body,level,award_date\n"+
		"H-1,"+c.stranger+",王五,全国道德模范,中央文明委,国家级,2026-09-01\n")
	me := personPrincipal(t, a, c.stranger)
	if s := personScore(t, a, c.stranger); s.Grade != "AAA" {
		t.Fatalf("honoured person = %+v", s)
	}
	scenic := &auth.Principal{Kind: auth.KindToken, Dept: "whly", TokenID: 7, TokenScopes: []auth.Scope{auth.ScopeScoresVerify}}
	bank := &auth.Principal{Kind: auth.KindToken, Dept: "cz", TokenID: 8, TokenScopes: []auth.Scope{auth.ScopeScoresVerify}}
	byID := app.PartnerQuery{ID: c.stranger}

	verify := func(p *auth.Principal, code string, q app.PartnerQuery) bool {
		t.Helper()
		ok, err := a.VerifyBenefit(ctx, p, code, q, "127.0.0.1")
		if err != nil {
			t.Fatalf("VerifyBenefit: %v", err)
		}
		return ok
	}
	if verify(scenic, "scenic_discount", byID) {
		t.Fatal("eligible without consent")
	}
	if _, err := a.GrantConsent(ctx, me, "whly", credit.ScopeGradeBenefits, "景区门票优惠", clk.Now().AddDate(2, 0, 0)); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("two-year consent: %v", err)
	}
	if _, err := a.GrantConsent(ctx, me, "nosuch", credit.ScopeGrade, "x", clk.Now().AddDate(0, 1, 0)); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("unknown partner: %v", err)
	}
	con, err := a.GrantConsent(ctx, me, "whly", credit.ScopeGradeBenefits, "景区门票优惠", clk.Now().AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !verify(scenic, "scenic_discount", byID) || !verify(scenic, "scenic_discount", app.PartnerQuery{Consent: con.ID}) {
		t.Fatal("AAA person with consent not eligible")
	}
	// Another partner's benefit, another partner, an unknown benefit: the same plain no.
	if verify(scenic, "housing_fund_loan", byID) || verify(bank, "scenic_discount", byID) || verify(scenic, "nope", byID) ||
		verify(bank, "scenic_discount", app.PartnerQuery{Consent: con.ID}) {
		t.Fatal("eligible outside the consent")
	}
	g, err := a.PartnerGrade(ctx, scenic, byID, "")
	if err != nil || g != "AAA" {
		t.Fatalf("PartnerGrade = %q, %v", g, err)
	}
	// Every refusal reads the same, whether the person exists or not.
	_, e1 := a.PartnerGrade(ctx, bank, byID, "")
	_, e2 := a.PartnerGrade(ctx, scenic, app.PartnerQuery{ID: validID("11010519491231002")}, "")
	_, e3 := a.PartnerGrade(ctx, scenic, app.PartnerQuery{ID: "not an id"}, "")
	if e1 == nil || e1 != e2 || e2 != e3 || strings.Contains(e1.Error(), c.stranger[:6]) {
		t.Fatalf("refusals differ: %v / %v / %v", e1, e2, e3)
	}
	// Revocation denies at once.
	if err := a.RevokeConsent(ctx, me, con.ID); err != nil {
		t.Fatal(err)
	}
	if verify(scenic, "scenic_discount", byID) {
		t.Fatal("eligible after revocation")
	}
	if err := a.RevokeConsent(ctx, personPrincipal(t, a, c.person), con.ID); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Fatalf("another person revokes: %v", err)
	}
	// Expiry denies at once.
	con2, err := a.GrantConsent(ctx, me, "whly", credit.ScopeGrade, "核验等级", clk.Now().Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if g, err := a.PartnerGrade(ctx, scenic, app.PartnerQuery{Consent: con2.ID}, ""); err != nil || g != "AAA" {
		t.Fatalf("grade-only consent: %q %v", g, err)
	}
	if verify(scenic, "scenic_discount", byID) {
		t.Fatal("grade-only consent verifies benefits")
	}
	clk.Add(48 * time.Hour)
	if _, err := a.PartnerGrade(ctx, scenic, app.PartnerQuery{Consent: con2.ID}, ""); err != app.ErrNoConsent {
		t.Fatalf("expired consent: %v", err)
	}
	v, err := a.OwnConsents(ctx, me)
	if err != nil || len(v.Consents) != 2 || len(v.Partners) == 0 {
		t.Fatalf("OwnConsents = %+v, %v", v, err)
	}
	results := map[string]int{}
	for _, u := range v.Uses {
		results[u.Result]++
	}
	if results[app.UseYes] != 2 || results[app.UseGranted] != 2 || results[app.UseDenied] < 4 {
		t.Fatalf("uses = %v", results)
	}
}

func TestScorecardPublishAndPreview(t *testing.T) {
	a, _, _ := clockApp(t)
	ctx := context.Background()
	importSelfCity(t, a)
	cards, err := a.Scorecards(ctx)
	if err != nil || len(cards) != 3 {
		t.Fatalf("Scorecards = %v, %v", cards, err)
	}
	bad := *cards[0]
	bad.Grades = append([]credit.GradeBand(nil), bad.Grades...)
	bad.Grades[1].Min = 1035 // gap between AA and A
	if _, err := a.PublishScorecard(ctx, "cli:tester", &bad); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(err.Error(), "gap") {
		t.Fatalf("card with a gap published: %v", err)
	}
	next := *cards[0]
	next.Base = 1040
	p, err := a.PreviewScorecard(ctx, &next, 100)
	if err != nil || p.Sampled != 1 || p.Changed != 1 {
		t.Fatalf("Preview = %+v, %v", p, err)
	}
	pub, err := a.PublishScorecard(ctx, "cli:tester", &next)
	if err != nil || pub.Version != 2 {
		t.Fatalf("Publish = %+v, %v", pub, err)
	}
	if _, err := a.RecomputeAll(ctx, "cli:tester", nil); err != nil {
		t.Fatal(err)
	}
	dist, err := a.GradeDistribution(ctx, "personal")
	if err != nil || len(dist) != 6 {
		t.Fatalf("GradeDistribution = %+v, %v", dist, err)
	}
	vs, err := a.ScorecardVersions(ctx, "personal")
	if err != nil || len(vs) != 2 || vs[1].PublishedBy != "cli:tester" {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
}

func FuzzParseExpiry(f *testing.F) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, s := range []string{"30", "366", "367", "0", "-1", "2026-12-31", "2026-02-30", " 7 ", "", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		exp, err := app.ParseExpiry(s, now)
		if err != nil {
			if credit.ErrorCode(err) != credit.EINVALID {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		// Whatever parses either passes the consent's own check or is refused by it: never a
		// consent in the past.
		c := credit.Consent{Partner: "whly", Scope: credit.ScopeGrade, Purpose: "x", CreatedAt: now, ExpiresAt: exp}
		if c.CheckNew(now) == nil && !exp.After(now) {
			t.Fatalf("%q: accepted expiry %v in the past", s, exp)
		}
	})
}
