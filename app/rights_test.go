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
	"github.com/xinyong/xinyong/store"
)

var pdf = []byte("%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n")

// rightsCity is two companies with a general-tier penalty each, decided 2025-11-14: repair may
// be applied for from 2026-02-14, a make-up working Saturday before the Spring Festival.
type rightsCity struct {
	own, other     string
	penalty, alien *credit.Record
	subject        *auth.Principal
	reviewer       *auth.Principal // scjg's reviewer
	outsider       *auth.Principal // another department's reviewer
	office         *auth.Principal
}

func importRightsCity(t *testing.T, a *app.App) rightsCity {
	t.Helper()
	c := rightsCity{own: validUSCC(t, "91371002", "16304789"), other: validUSCC(t, "91371002", "26304781")}
	gov := validUSCC(t, "11371000", "00418923")
	body := "source_id,subject_code,subject_name,decision_no,violation_type,violation_facts,basis,penalty_category,penalty_content,fine_amount,decision_date,authority,authority_code,data_source,data_source_code\n" +
		"PEN-1," + c.own + ",威海海蓝食品有限责任公司,威市监罚〔2025〕20号,食品安全,生产经营超过保质期的食品,《食品安全法》第一百二十四条,罚款,罚款5000元,0.5,2025-11-14,威海市市场监督管理局," + gov + ",威海市市场监督管理局," + gov + "\n" +
		"PEN-2," + c.other + ",威海某某贸易有限公司,威市监罚〔2025〕21号,价格,不明码标价,《价格法》第四十二条,罚款,罚款1000元,0.1,2025-11-14,威海市市场监督管理局," + gov + ",威海市市场监督管理局," + gov + "\n"
	p := filepath.Join(t.TempDir(), "pen.csv")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := a.Import(context.Background(), ingest.Request{Dept: "scjg", Item: "admin_penalty", Path: p}, nil)
	if err != nil || res.Batch.Rejected != 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	for _, k := range []struct {
		src  string
		into **credit.Record
	}{{"PEN-1", &c.penalty}, {"PEN-2", &c.alien}} {
		vs, err := a.Store.RecordVersions(context.Background(), "scjg", "admin_penalty", k.src)
		if err != nil || len(vs) != 1 {
			t.Fatal(err)
		}
		*k.into = vs[0]
	}
	c.subject = &auth.Principal{Kind: auth.KindSubject, Roles: []auth.Role{auth.RoleSubject}, SubjectKey: c.own}
	c.reviewer = &auth.Principal{Kind: auth.KindStaff, UserID: 7, Dept: "scjg", Roles: []auth.Role{auth.RoleReviewer}}
	c.outsider = &auth.Principal{Kind: auth.KindStaff, UserID: 8, Dept: "rsj", Roles: []auth.Role{auth.RoleReviewer}}
	c.office = &auth.Principal{Kind: auth.KindStaff, UserID: 9, Dept: "xyb", Roles: []auth.Role{auth.RoleAdmin}}
	return c
}

func wantRule(t *testing.T, err error, code, rule string) {
	t.Helper()
	e, ok := err.(*credit.Error)
	if !ok || e.Code != code || e.Rule != rule {
		t.Fatalf("error = %v, want %s/%s", err, code, rule)
	}
}

func shownSources(t *testing.T, a *app.App, code string) map[string]app.RecordView {
	t.Helper()
	v, err := a.PublicSubject(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]app.RecordView{}
	for _, g := range v.Groups {
		for _, r := range g.Records {
			out[r.Record.SourceID] = r
		}
	}
	return out
}

func TestObjectionAndRepair(t *testing.T) {
	a, clk, _ := clockApp(t)
	objectionAndRepair(t, a, clk)
}

// objectionAndRepair is the whole flow of an objection and a repair on one store.
func objectionAndRepair(t *testing.T, a *app.App, clk *clock) {
	ctx := context.Background()
	clk.t = time.Date(2026, 2, 10, 2, 0, 0, 0, time.UTC) // Tue 2026-02-10, 10:00 in China
	c := importRightsCity(t, a)
	cases := func() int {
		cs, err := a.Store.Cases(ctx, store.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}

	// Bad input: someone else's record, a forged PDF, an oversized file, too many files.
	_, err := a.FileObjection(ctx, c.subject, c.alien.ID, "金额录入错误", []app.Upload{{"a.pdf", pdf}})
	wantRule(t, err, credit.ENOTFOUND, app.RuleOwnRecord)
	_, err = a.FileObjection(ctx, c.subject, c.penalty.ID, "金额录入错误", []app.Upload{{"scan.pdf", []byte("MZ\x90\x00 not a pdf")}})
	wantRule(t, err, credit.EINVALID, credit.RuleEvidenceType)
	_, err = a.FileObjection(ctx, c.subject, c.penalty.ID, "金额录入错误", []app.Upload{{"big.pdf", append(append([]byte{}, pdf...), make([]byte, credit.MaxEvidenceBytes)...)}})
	wantRule(t, err, credit.EINVALID, credit.RuleEvidenceSize)
	six := make([]app.Upload, 6)
	for i := range six {
		six[i] = app.Upload{Name: "p.pdf", Content: pdf}
	}
	_, err = a.FileObjection(ctx, c.subject, c.penalty.ID, "金额录入错误", six)
	wantRule(t, err, credit.EINVALID, credit.RuleEvidenceCount)
	if n := cases(); n != 0 {
		t.Fatalf("refused objections left %d cases", n)
	}

	// The objection: marked at once on the portal, due in 5 working days.
	obj, err := a.FileObjection(ctx, c.subject, c.penalty.ID, "罚款金额录入错误，应为 0.3 万元", []app.Upload{{"缴款书.pdf", pdf}})
	if err != nil {
		t.Fatal(err)
	}
	if !obj.Due.Equal(time.Date(2026, 2, 24, 0, 0, 0, 0, time.UTC)) { // 11, 12, 13, 14 (make-up), 24
		t.Fatalf("objection due %s", obj.Due)
	}
	if r := shownSources(t, a, c.own)["PEN-1"]; !r.Objection {
		t.Fatal("the portal does not mark the record under objection")
	}
	_, err = a.FileObjection(ctx, c.subject, c.penalty.ID, "再次提出异议", nil)
	wantRule(t, err, credit.ECONFLICT, credit.RuleAlreadyOpen)

	// Only the source department (or the office) answers; a correction goes through validation.
	_, err = a.AnswerObjection(ctx, c.outsider, obj.ID, app.ObjectionAnswer{Action: credit.ActRevoke})
	wantRule(t, err, credit.EFORBIDDEN, credit.RuleParty)
	_, err = a.AnswerObjection(ctx, c.reviewer, obj.ID, app.ObjectionAnswer{Action: credit.ActCorrect, Fields: map[string]string{"fine_amount": "三千"}})
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(err.Error(), "fine_amount") {
		t.Fatalf("invalid correction: %v", err)
	}
	_, err = a.AnswerObjection(ctx, c.reviewer, obj.ID, app.ObjectionAnswer{Action: credit.ActCorrect, Fields: map[string]string{"fine_amount": "0.5"}})
	wantRule(t, err, credit.EINVALID, "unchanged")
	obj, err = a.AnswerObjection(ctx, c.reviewer, obj.ID, app.ObjectionAnswer{Action: credit.ActCorrect, Note: "核实后更正金额",
		Fields: map[string]string{"fine_amount": "0.3", "penalty_content": "罚款3000元"}})
	if err != nil {
		t.Fatal(err)
	}
	vs, _ := a.Store.RecordVersions(ctx, "scjg", "admin_penalty", "PEN-1")
	if obj.Status != credit.CaseCorrected || len(vs) != 2 || obj.NewRecordID != vs[1].ID || vs[0].Status != credit.RecordSuperseded {
		t.Fatalf("after correction: %+v, versions %d", obj, len(vs))
	}
	shown := shownSources(t, a, c.own)["PEN-1"]
	if shown.Objection || shown.Record.ID != vs[1].ID || shown.Record.Fields["fine_amount"] != "0.3" {
		t.Fatalf("portal after correction: %+v", shown)
	}
	_, err = a.AnswerObjection(ctx, c.reviewer, obj.ID, app.ObjectionAnswer{Action: credit.ActRevoke})
	wantRule(t, err, credit.ECONFLICT, credit.RuleTransition)
	current := vs[1]

	// Repair: not before the minimum period (3 months from 2025-11-14).
	clk.t = time.Date(2026, 2, 13, 2, 0, 0, 0, time.UTC)
	e, err := a.RepairEligibility(ctx, c.subject, current.ID)
	if err != nil || e.Can || e.Rule != credit.RuleMinimumPeriod || !strings.Contains(e.Reason, "2026-02-14") {
		t.Fatalf("eligibility on 2-13: %+v %v", e, err)
	}
	_, err = a.ApplyRepair(ctx, c.subject, current.ID, "已缴清罚款并完成整改", "威海海蓝食品有限责任公司", []app.Upload{{"缴款.pdf", pdf}})
	wantRule(t, err, credit.ECONFLICT, credit.RuleMinimumPeriod)
	clk.t = time.Date(2026, 2, 14, 2, 0, 0, 0, time.UTC) // the make-up Saturday
	_, err = a.ApplyRepair(ctx, c.subject, current.ID, "已缴清罚款并完成整改", "威海海蓝食品有限责任公司", nil)
	wantRule(t, err, credit.EINVALID, credit.RuleRequired)
	_, err = a.ApplyRepair(ctx, c.subject, vs[0].ID, "已缴清罚款并完成整改", "威海海蓝食品有限责任公司", []app.Upload{{"缴款.pdf", pdf}})
	wantRule(t, err, credit.ECONFLICT, credit.RuleNotCurrent)
	rep, err := a.ApplyRepair(ctx, c.subject, current.ID, "已缴清罚款并完成整改", "威海海蓝食品有限责任公司", []app.Upload{{"缴款.pdf", pdf}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.ApplyRepair(ctx, c.subject, current.ID, "已缴清罚款并完成整改", "威海海蓝食品有限责任公司", []app.Upload{{"缴款.pdf", pdf}})
	wantRule(t, err, credit.ECONFLICT, credit.RuleAlreadyOpen)

	// Returned for materials, completed, forwarded, approved.
	_, err = a.RepairStep(ctx, c.reviewer, rep.ID, credit.ActForward, "", nil)
	wantRule(t, err, credit.EFORBIDDEN, credit.RuleParty)
	if rep, err = a.RepairStep(ctx, c.office, rep.ID, credit.ActReturn, "缺少整改报告", nil); err != nil {
		t.Fatal(err)
	}
	clk.t = time.Date(2026, 2, 24, 2, 0, 0, 0, time.UTC)
	if rep, err = a.RepairStep(ctx, c.subject, rep.ID, credit.ActResubmit, "补充整改报告", []app.Upload{{"整改报告.pdf", pdf}}); err != nil {
		t.Fatal(err)
	}
	if rep, err = a.RepairStep(ctx, c.office, rep.ID, credit.ActForward, "", nil); err != nil {
		t.Fatal(err)
	}
	if !rep.Due.Equal(time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("department due %s", rep.Due)
	}
	if ok, _ := a.InForce(ctx, current); !ok {
		t.Fatal("in force before approval")
	}
	clk.t = time.Date(2026, 2, 25, 2, 0, 0, 0, time.UTC)
	if rep, err = a.RepairStep(ctx, c.reviewer, rep.ID, credit.ActApprove, "同意修复", nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := shownSources(t, a, c.own)["PEN-1"]; ok {
		t.Fatal("a repaired record is still on the portal")
	}
	if ok, _ := a.InForce(ctx, current); ok {
		t.Fatal("a repaired record is still in force")
	}
	// The archive keeps it; the government view shows it marked.
	gv, err := a.GovSubject(ctx, c.office, c.own, "信用修复复核")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, g := range gv.Groups {
		for _, r := range g.Records {
			found = found || (r.Record.SourceID == "PEN-1" && r.Publication == credit.PubRepaired)
		}
	}
	if !found {
		t.Fatal("the government view lost the repaired record")
	}
	ev, err := a.Store.EvidenceOf(ctx, rep.ID)
	if err != nil || len(ev) != 2 {
		t.Fatalf("evidence %d %v", len(ev), err)
	}
	_, _, err = a.Evidence(ctx, c.outsider, ev[0].ID, "GET /x", "10.0.0.1")
	wantRule(t, err, credit.EFORBIDDEN, credit.RuleParty)
	meta, body, err := a.Evidence(ctx, c.subject, ev[0].ID, "GET /x", "10.0.0.1")
	if err != nil || string(body) != string(pdf) || meta.Mime != "application/pdf" {
		t.Fatalf("evidence download: %v", err)
	}
	ns, _ := a.Notices(ctx, c.subject, 0)
	if len(ns) < 6 || !strings.Contains(ns[0].Text, "准予信用修复") {
		t.Fatalf("notices %d: %v", len(ns), ns[0].Text)
	}
	own, err := a.OwnRecordView(ctx, c.subject)
	if err != nil {
		t.Fatal(err)
	}
	r0 := own.Groups[0].Records[0]
	if r0.Status != credit.PubRepaired || r0.Repair.Rule != credit.RuleRepaired || len(r0.Cases) != 2 {
		t.Fatalf("own view: %+v", r0)
	}

	st, err := a.RightsStatistics(ctx)
	if err != nil || len(st) != 2 {
		t.Fatal(err)
	}
	tot := st[1]
	// Filed 2-14 (Sat, a working day), decided 2-25: 24 and 25 count → 2 working days.
	if tot.Applications != 1 || tot.Returned != 1 || tot.Approved != 1 || tot.Objections != 1 || tot.Corrected != 1 || tot.AvgDays != 2 {
		t.Fatalf("stats %+v", tot)
	}
}

func TestEscalationAndExpiry(t *testing.T) {
	ctx := context.Background()
	a, clk, _ := clockApp(t)
	clk.t = time.Date(2026, 2, 10, 2, 0, 0, 0, time.UTC)
	c := importRightsCity(t, a)
	obj, err := a.FileObjection(ctx, c.subject, c.penalty.ID, "处罚对象错误，非本公司", nil)
	if err != nil {
		t.Fatal(err)
	}
	clk.t = time.Date(2026, 2, 24, 15, 0, 0, 0, time.UTC) // 23:00 on the due day: not yet overdue
	if n, err := a.EscalateOverdue(ctx); err != nil || n != 0 {
		t.Fatalf("escalated on the due day: %d %v", n, err)
	}
	clk.t = time.Date(2026, 2, 24, 17, 0, 0, 0, time.UTC) // 01:00 on 2-25 in China
	if n, err := a.EscalateOverdue(ctx); err != nil || n != 1 {
		t.Fatalf("escalate: %d %v", n, err)
	}
	if n, _ := a.EscalateOverdue(ctx); n != 0 {
		t.Fatal("escalated twice")
	}
	got, _ := a.Store.Case(ctx, obj.ID)
	if !got.Escalated {
		t.Fatal("not marked escalated")
	}
	// Revoked on the objection: off the portal.
	if _, err := a.AnswerObjection(ctx, c.office, obj.ID, app.ObjectionAnswer{Action: credit.ActRevoke, Note: "经核实撤销"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := shownSources(t, a, c.own)["PEN-1"]; ok {
		t.Fatal("a revoked record is on the portal")
	}

	// Expiry: general tier, 12 months from 2025-11-14.
	clk.t = time.Date(2026, 11, 13, 2, 0, 0, 0, time.UTC)
	if rep, err := a.ExpirePublications(ctx, false); err != nil || rep.Records != 0 {
		t.Fatalf("expired early: %+v %v", rep, err)
	}
	clk.t = time.Date(2026, 11, 14, 2, 0, 0, 0, time.UTC)
	dry, err := a.ExpirePublications(ctx, true)
	if err != nil || dry.Records != 2 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	rep, err := a.ExpirePublications(ctx, false)
	if err != nil || rep.Records != 2 {
		t.Fatalf("expire: %+v %v", rep, err)
	}
	if rep, _ := a.ExpirePublications(ctx, false); rep.Records != 0 {
		t.Fatal("expiry is not idempotent")
	}
	if len(shownSources(t, a, c.other)) != 0 {
		t.Fatal("an expired record is on the portal")
	}
}

func TestLoadCalendarYear(t *testing.T) {
	ctx := context.Background()
	a, _, _ := clockApp(t)
	if !a.Workdays().Loaded(2026) || a.Workdays().IsWorkday(time.Date(2026, 2, 16, 0, 0, 0, 0, time.UTC)) {
		t.Fatal("the built-in 2026 calendar is not in force")
	}
	if _, err := a.LoadCalendarYear(ctx, "cli:admin", []byte(`{"year":2027}`)); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("bad year: %v", err)
	}
	y, err := a.LoadCalendarYear(ctx, "cli:admin", []byte(`{"year":2027,"source":"测试","holidays":[{"name":"元旦","from":"2027-01-01","to":"2027-01-03"}]}`))
	if err != nil || y.Version != 1 {
		t.Fatalf("load: %+v %v", y, err)
	}
	if a.Workdays().IsWorkday(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) || !a.Workdays().Loaded(2026) {
		t.Fatal("the loaded year is not in force, or 2026 was lost")
	}
}

// noticeCatcher is a NoticeSender that keeps what it was given.
type noticeCatcher struct{ texts []string }

func (n *noticeCatcher) SendNotice(_ context.Context, key string, nt *store.Notice) error {
	n.texts = append(n.texts, key+" "+nt.Text)
	return nil
}

func TestNoticeSender(t *testing.T) {
	ctx := context.Background()
	a, clk, _ := clockApp(t)
	clk.t = time.Date(2026, 2, 10, 2, 0, 0, 0, time.UTC)
	c := importRightsCity(t, a)
	nc := &noticeCatcher{}
	a.SetNoticeSender(nc)
	obj, err := a.FileObjection(ctx, c.subject, c.penalty.ID, "处罚对象错误，非本公司", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AnswerObjection(ctx, c.reviewer, obj.ID, app.ObjectionAnswer{Action: credit.ActUphold, Note: "经核实无误，维持"}); err != nil {
		t.Fatal(err)
	}
	if len(nc.texts) != 2 || !strings.HasPrefix(nc.texts[0], c.own+" ") || !strings.Contains(nc.texts[1], "维持原记录") {
		t.Fatalf("delivered %q", nc.texts)
	}
}
