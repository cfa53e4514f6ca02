package app_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/store"
)

// usccOf completes the first 16 characters with both check characters.
func usccOf(t *testing.T, first16 string) string {
	t.Helper()
	o, err := credit.OrgCodeCheckChar(first16[8:16])
	if err != nil {
		t.Fatal(err)
	}
	first17 := first16 + string(o)
	c, err := credit.USCCCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

func staff(id int64, dept string, roles ...auth.Role) *auth.Principal {
	return &auth.Principal{Kind: auth.KindStaff, UserID: id, Dept: dept, Roles: roles}
}

var (
	admin    = staff(1, "fgw", auth.RoleAdmin)
	fySub    = staff(2, "fy", auth.RoleSubmitter)
	fyRev    = staff(3, "fy", auth.RoleReviewer)
	czClerk  = staff(4, "cz", auth.RoleClerk)
	scjgSubm = staff(5, "scjg", auth.RoleSubmitter)
)

// listed puts code on list through the whole lifecycle and returns the published entry.
func listed(t *testing.T, a *app.App, list, code, name, dept string, prop, rev *auth.Principal) *credit.ListEntry {
	t.Helper()
	ctx := context.Background()
	e, err := a.ProposeEntry(ctx, prop, app.EntryInput{List: list, Code: code, Name: name, Dept: dept, Reason: "拒不履行生效判决", Document: "(2026)鲁10执1号"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != credit.EntryProposed {
		t.Fatalf("status %s", e.Status)
	}
	if _, err := a.ConfirmEntry(ctx, rev, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PublishBatch(ctx, admin, list, []int64{e.ID}); err != nil {
		t.Fatal(err)
	}
	e, err = a.Store.ListEntry(ctx, e.ID)
	if err != nil || e.Status != credit.EntryPublished {
		t.Fatalf("entry %+v %v", e, err)
	}
	return e
}

func TestListLifecycleAndCheck(t *testing.T) {
	a, clk, _ := clockApp(t)
	ctx := context.Background()
	firm := usccOf(t, "91371000MA3C4U5X")
	other := usccOf(t, "91371000MA3C4U6X")

	// The proposer cannot confirm its own proposal; another department cannot act.
	e, err := a.ProposeEntry(ctx, fySub, app.EntryInput{List: "court_defaulter", Code: firm, Name: "威海某某物流有限公司", Reason: "拒不履行", Document: "(2026)鲁10执1号"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConfirmEntry(ctx, fySub, e.ID); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("self-confirm: %v", err)
	}
	if _, err := a.ConfirmEntry(ctx, scjgSubm, e.ID); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("other dept: %v", err)
	}
	if _, err := a.PublishBatch(ctx, admin, "court_defaulter", []int64{e.ID}); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Fatalf("publish unconfirmed: %v", err)
	}
	if _, err := a.ConfirmEntry(ctx, fyRev, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PublishBatch(ctx, fyRev, "court_defaulter", nil); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("non-admin publish: %v", err)
	}
	b, err := a.PublishBatch(ctx, admin, "court_defaulter", nil)
	if err != nil || b.No != 1 || b.Title != "第一批" || b.Entries != 1 {
		t.Fatalf("batch %+v %v", b, err)
	}

	// The window check: procurement is blocked by a mandatory measure with its basis.
	res, err := a.CheckSubjects(ctx, czClerk, app.CheckRequest{Codes: []string{firm + "," + other, "123"}, Matter: "gov_procurement"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 3 {
		t.Fatalf("items %d", len(res.Items))
	}
	hit := res.Items[0]
	if hit.Verdict != credit.VerdictBlock || len(hit.Measures) != 1 || hit.Measures[0].Code != "P01" || hit.Measures[0].Basis == "" ||
		len(hit.Lists) != 1 || hit.CheckID == 0 || hit.Found || hit.Name != "威海某某物流有限公司" {
		t.Fatalf("hit = %+v", hit)
	}
	// An unknown subject is a valid answer, logged like any other.
	miss := res.Items[1]
	if !miss.Valid || miss.Verdict != credit.VerdictPass || miss.Note == "" || miss.CheckID == 0 {
		t.Fatalf("miss = %+v", miss)
	}
	if bad := res.Items[2]; bad.Valid || bad.Reason == "" || bad.CheckID != 0 {
		t.Fatalf("bad = %+v", bad)
	}
	// Unknown matter: a clear error.
	if _, err := a.CheckSubjects(ctx, czClerk, app.CheckRequest{Codes: []string{firm}, Matter: "nope"}); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("unknown matter: %v", err)
	}
	// Awards reach P04; admin approval finds nothing for a court defaulter.
	res2, _ := a.CheckSubjects(ctx, czClerk, app.CheckRequest{Codes: []string{firm}, Matter: "admin_approval"})
	if res2.Items[0].Verdict != credit.VerdictPass || len(res2.Items[0].Measures) != 0 {
		t.Fatalf("approval = %+v", res2.Items[0])
	}

	// Feedback: not applying needs a reason; another department cannot give it.
	if _, err := a.Feedback(ctx, czClerk, hit.CheckID, []app.FeedbackInput{{Measure: "P01", Outcome: credit.FeedbackNotApplied}}); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("no reason: %v", err)
	}
	if _, err := a.Feedback(ctx, fyRev, hit.CheckID, []app.FeedbackInput{{Measure: "P01", Outcome: credit.FeedbackApplied}}); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("other dept feedback: %v", err)
	}
	chk, err := a.Feedback(ctx, czClerk, hit.CheckID, []app.FeedbackInput{{Measure: "P01", Outcome: credit.FeedbackApplied}})
	if err != nil || chk.Measures[0].Outcome != credit.FeedbackApplied || chk.Measures[0].FeedbackBy != czClerk.Actor() {
		t.Fatalf("feedback %+v %v", chk, err)
	}
	st, err := a.Store.CheckStats(ctx, store.CheckFilter{})
	if err != nil || len(st.Checks) != 1 || st.Checks[0].Checks != 3 || st.Checks[0].Blocked != 1 || st.Measures[0].Applied != 1 {
		t.Fatalf("stats %+v %v", st, err)
	}
	// Every check entered the query log with its matter.
	logs := govLogs(t, a)
	if len(logs) != 3 || !strings.Contains(logs[0].Purpose, "政府采购") {
		t.Fatalf("query log %+v", logs)
	}

	// An exemption list spares the firm (seed 000: key epidemic-supply firms).
	listed(t, a, "epidemic_key_supply", firm, "威海某某物流有限公司", "fgw", staff(6, "fgw", auth.RoleSubmitter), staff(7, "fgw", auth.RoleReviewer))
	res3, _ := a.CheckSubjects(ctx, czClerk, app.CheckRequest{Codes: []string{firm}, Matter: "gov_procurement"})
	if it := res3.Items[0]; it.Verdict != credit.VerdictPass || len(it.Exempted) != 1 || it.Exempted[0].Code != "P01" {
		t.Fatalf("exempt = %+v", it)
	}

	// Validity: court defaulters stay 24 months, then expire automatically (idempotently).
	clk.Add(25 * 30 * 24 * time.Hour)
	n, err := a.ExpireEntries(ctx)
	if err != nil || n != 1 {
		t.Fatalf("expired %d %v", n, err)
	}
	if n, _ := a.ExpireEntries(ctx); n != 0 {
		t.Fatalf("second run expired %d", n)
	}
	e, _ = a.Store.ListEntry(ctx, e.ID)
	if e.Status != credit.EntryExpired {
		t.Fatalf("status %s", e.Status)
	}
}

func TestMeasureWithoutBasisRefused(t *testing.T) {
	a, _, _ := clockApp(t)
	ctx := context.Background()
	if _, err := a.SetMeasureActive(ctx, admin, "P13", true); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(err.Error(), "法律依据") {
		t.Fatalf("activate without basis: %v", err)
	}
	if _, err := a.SetMeasureActive(ctx, czClerk, "P01", false); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("clerk: %v", err)
	}
	m, err := a.SetMeasureActive(ctx, admin, "P01", false)
	if err != nil || m.Active {
		t.Fatalf("deactivate %+v %v", m, err)
	}
	c, _ := a.Joint(ctx)
	if got, _ := c.Measure("P01"); got.Active {
		t.Fatal("not reloaded")
	}
}

func TestRemoveAndPersonPrivacy(t *testing.T) {
	a, _, _ := clockApp(t)
	ctx := context.Background()
	e := listed(t, a, "court_defaulter", govPerson, "王建国", "fy", fySub, fyRev)
	if !e.Person || e.SubjectName != "王**" || strings.Contains(e.SubjectKey, govPerson) {
		t.Fatalf("person entry %+v", e)
	}
	// Procurement does not concern persons: the measures, not the person's details.
	res, err := a.CheckSubjects(ctx, czClerk, app.CheckRequest{Codes: []string{govPerson}, Matter: "public_hiring"})
	if err != nil {
		t.Fatal(err)
	}
	it := res.Items[0]
	if it.Verdict != credit.VerdictBlock || strings.Contains(it.Input, "19491231") || it.Lists[0].Reason == "" {
		t.Fatalf("personal matter item %+v", it)
	}
	res, _ = a.CheckSubjects(ctx, czClerk, app.CheckRequest{Codes: []string{govPerson}, Matter: "gov_procurement"})
	if it := res.Items[0]; it.Lists[0].Reason != "" || it.Lists[0].Document != "" {
		t.Fatalf("non-personal matter shows details %+v", it.Lists[0])
	}
	if _, err := a.RemoveEntry(ctx, fyRev, e.ID, " "); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("remove without reason: %v", err)
	}
	if _, err := a.RemoveEntry(ctx, fyRev, e.ID, "已履行完毕"); err != nil {
		t.Fatal(err)
	}
	res, _ = a.CheckSubjects(ctx, czClerk, app.CheckRequest{Codes: []string{govPerson}, Matter: "public_hiring"})
	if res.Items[0].Verdict != credit.VerdictPass {
		t.Fatalf("after removal %+v", res.Items[0])
	}
	// The portal never shows a person on a list whose rule does not publish persons.
	listed(t, a, "black_list", govPerson, "王建国", "fgw", staff(6, "fgw", auth.RoleSubmitter), staff(7, "fgw", auth.RoleReviewer))
	_, _, pub, hidden, err := a.PublicBatch(ctx, "black_list", 1)
	if err != nil || len(pub) != 0 || hidden != 1 {
		t.Fatalf("public batch %v hidden %d %v", pub, hidden, err)
	}
}

func TestVerifyBatch(t *testing.T) {
	a, _, _ := clockApp(t)
	ctx := context.Background()
	firm := usccOf(t, "91371000MA3C4U5X")
	listed(t, a, "court_defaulter", firm, "威海某某物流有限公司", "fy", fySub, fyRev)
	dir := t.TempDir()
	in := dir + "/codes.csv"
	body := "代码,备注\n" + firm + ",a\n" + usccOf(t, "91371000MA3C4U6X") + ",b\n" + "37100219900701234X,c\n" + ",d\n" + "\"broken,e\n"
	if err := os.WriteFile(in, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var seen int64
	b, err := a.Verify(ctx, czClerk, app.VerifyRequest{Path: in, FileName: "codes.csv", Matter: "bidding", Out: &out}, func(b *store.CheckBatch) { seen = b.Done })
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != store.CheckBatchDone || b.Total != 5 || b.Blocked != 1 || b.BadRows != 3 || seen != 5 {
		t.Fatalf("batch %+v (progress %d)", b, seen)
	}
	res := out.String()
	for _, want := range []string{firm + ",block,失信被执行人名单,P02", ",pass,", "3710**", "代码为空"} {
		if !strings.Contains(res, want) {
			t.Errorf("result lacks %q:\n%s", want, res)
		}
	}
	if strings.Contains(res, "19900701") {
		t.Error("a resident ID is echoed in clear")
	}
	st, _ := a.Store.CheckStats(ctx, store.CheckFilter{})
	if len(st.Checks) != 1 || st.Checks[0].Blocked != 1 {
		t.Fatalf("batch hits not in the statistics: %+v", st)
	}
	if _, err := a.Verify(ctx, czClerk, app.VerifyRequest{Path: in, FileName: "codes.csv", Matter: "nope", Out: &out}, nil); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("unknown matter: %v", err)
	}
}

func TestDeriveList(t *testing.T) {
	a := govApp(t) // a firm with a registration; add a tax grade A for it
	ctx := context.Background()
	p := t.TempDir() + "/tax.csv"
	body := "source_id,subject_code,subject_name,grade,year,rated_date,authority\nT1," + govFirm + ",福州某某有限公司,A,2025,2026-04-01,国家税务总局某市税务局\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if res, err := a.Import(ctx, ingest.Request{Dept: "sw", Item: "tax_credit_grade", Path: p}, nil); err != nil || res.Batch.Accepted != 1 {
		t.Fatalf("import %+v %v", res, err)
	}
	if _, err := a.DeriveList(ctx, czClerk, "tax_a"); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("clerk: %v", err)
	}
	if _, err := a.DeriveList(ctx, admin, "red_list"); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("no rule: %v", err)
	}
	res, err := a.DeriveList(ctx, admin, "tax_a")
	if err != nil || res.Subjects != 1 || res.Matched != 1 || res.Proposed != 1 {
		t.Fatalf("derive %+v %v", res, err)
	}
	// A second run proposes nothing new.
	if res, _ := a.DeriveList(ctx, admin, "tax_a"); res.Proposed != 0 || res.Matched != 1 {
		t.Fatalf("second run %+v", res)
	}
	es, _ := a.Store.SubjectEntries(ctx, govFirm, credit.EntryProposed)
	if len(es) != 1 || es[0].ProposedBy != "rule:tax_a" || len(es[0].Records) != 1 {
		t.Fatalf("proposal %+v", es)
	}
	// A bad rule is refused with the reason.
	bad := &credit.ListType{Code: "x_list", NameZH: "测试", Direction: credit.DirectionPunishment, Basis: "x", Rule: "r.x +"}
	if err := a.PutListType(ctx, admin, bad); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(err.Error(), "rule") {
		t.Fatalf("bad rule: %v", err)
	}
}

// A person is reached through the organisation it represents (落实到人) where the measure says
// so, and only there.
func TestCheckReachesLegalRepresentative(t *testing.T) {
	a := govApp(t)
	ctx := context.Background()
	listed(t, a, "court_defaulter", govFirm, "福州某某有限公司", "fy", fySub, fyRev)
	res, err := a.CheckSubjects(ctx, czClerk, app.CheckRequest{Codes: []string{govPerson}, Matter: "award"})
	if err != nil {
		t.Fatal(err)
	}
	it := res.Items[0]
	if it.Verdict != credit.VerdictBlock || len(it.Measures) != 1 || it.Measures[0].Code != "P04" || len(it.Lists) != 1 ||
		it.Lists[0].Via != credit.ReachLegalRep || it.Lists[0].Of != govFirm {
		t.Fatalf("legal rep, award: %+v", it)
	}
	res, _ = a.CheckSubjects(ctx, czClerk, app.CheckRequest{Codes: []string{govPerson}, Matter: "gov_procurement"})
	if it := res.Items[0]; it.Verdict != credit.VerdictPass || len(it.Measures) != 0 {
		t.Fatalf("legal rep, procurement (P01 reaches the firm only): %+v", it)
	}
}

// TestLoadEntriesInChunks: a load longer than one transaction's chunk keeps one batch and
// its count; a bad row stops it with its row number and keeps the chunks before it; loading
// the corrected file again skips those and puts the rest in a new batch.
func TestLoadEntriesInChunks(t *testing.T) {
	a, _, _ := clockApp(t)
	ctx := context.Background()
	const n = 12_000
	ins := make([]app.EntryInput, n)
	for i := range ins {
		ins[i] = app.EntryInput{Code: usccOf(t, fmt.Sprintf("91371002%08d", i)), Name: fmt.Sprintf("威海测试%d有限公司", i),
			Reason: "拒不履行生效判决", Document: fmt.Sprintf("(2026)鲁10执%d号", i), SourceID: fmt.Sprintf("C%d", i)}
	}
	bad := slices.Clone(ins)
	bad[11_000].Code = "91371002000000001"
	loaded, skipped, b, err := a.LoadEntries(ctx, "cli:test", "court_defaulter", "", bad)
	if ce, ok := err.(*credit.Error); !ok || ce.Row != 11_001 || ce.Field != "code" {
		t.Fatalf("bad row: %v", err)
	}
	if loaded != 10_000 || skipped != 0 || b == nil || b.No != 1 || b.Entries != 10_000 {
		t.Fatalf("before the bad row: loaded %d skipped %d batch %+v", loaded, skipped, b)
	}
	loaded, skipped, b, err = a.LoadEntries(ctx, "cli:test", "court_defaulter", "", ins)
	if err != nil || loaded != 2_000 || skipped != 10_000 || b == nil || b.No != 2 {
		t.Fatalf("reload: loaded %d skipped %d batch %+v, %v", loaded, skipped, b, err)
	}
	for no, want := range map[int]int{1: 10_000, 2: 2_000} {
		got, err := a.Store.ListBatch(ctx, "court_defaulter", no)
		if err != nil || got.Entries != want {
			t.Fatalf("batch %d = %+v, %v; want %d entries", no, got, err, want)
		}
	}
	counts, _ := a.Store.CountEntries(ctx, credit.EntryPublished)
	if counts["court_defaulter"] != n {
		t.Fatalf("published = %v", counts)
	}
}
