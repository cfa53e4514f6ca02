package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
)

func TestListsMeetRights(t *testing.T) {
	a, clk, _ := clockApp(t)
	listsMeetRights(t, a, clk)
}

// listsMeetRights: an approved repair takes the subject off the lists whose rules allow it
// (black list) and not off the court's list; a record revoked on an objection ends every
// entry it justifies; the portal, the subject's own page and the government view show the
// memberships they may.
func listsMeetRights(t *testing.T, a *app.App, clk *clock) {
	ctx := context.Background()
	clk.t = time.Date(2026, 2, 10, 2, 0, 0, 0, time.UTC)
	c := importRightsCity(t, a)
	scjgProp := staff(15, "scjg", auth.RoleSubmitter)
	on := func(list, code, dept string, prop, rev *auth.Principal, rec int64) *credit.ListEntry {
		t.Helper()
		e, err := a.ProposeEntry(ctx, prop, app.EntryInput{List: list, Code: code, Dept: dept, Reason: "严重失信", Document: "威市监〔2026〕1号", Records: []int64{rec}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.ConfirmEntry(ctx, rev, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.PublishBatch(ctx, c.office, list, []int64{e.ID}); err != nil {
			t.Fatal(err)
		}
		return e
	}
	black := on("black_list", c.own, "scjg", scjgProp, c.reviewer, c.penalty.ID)
	court := on("court_defaulter", c.own, "fy", fySub, fyRev, c.penalty.ID)
	focus := on("focus_list", c.other, "scjg", scjgProp, c.reviewer, c.alien.ID)
	court2 := on("court_defaulter", c.other, "fy", fySub, fyRev, c.alien.ID)
	status := func(id int64) *credit.ListEntry {
		t.Helper()
		e, err := a.Store.ListEntry(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	lists := func(es []app.SubjectListEntry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.Type.Code+":"+string(e.Entry.Status))
		}
		return strings.Join(s, ",")
	}

	// The portal shows public lists only; the subject itself sees every list.
	pv, err := a.PublicSubject(ctx, c.other)
	if err != nil {
		t.Fatal(err)
	}
	if got := lists(pv.Lists); got != "court_defaulter:published" {
		t.Fatalf("portal lists %q (the focus list is not public)", got)
	}
	if pv.Lists[0].Batch != "第二批" || pv.Lists[0].Type.Basis == "" {
		t.Fatalf("portal entry %+v", pv.Lists[0])
	}
	other := &auth.Principal{Kind: auth.KindSubject, Roles: []auth.Role{auth.RoleSubject}, SubjectKey: c.other}
	ov, err := a.OwnRecordView(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if got := lists(ov.Lists); !strings.Contains(got, "focus_list:published") || !strings.Contains(got, "court_defaulter:published") {
		t.Fatalf("own lists %q", got)
	}

	// The eligibility names the list an approval would leave: the black list, not the court's.
	clk.t = time.Date(2026, 2, 14, 2, 0, 0, 0, time.UTC)
	el, err := a.RepairEligibility(ctx, c.subject, c.penalty.ID)
	if err != nil || !el.Can || len(el.RemovesFrom) != 1 || el.RemovesFrom[0].Code != "black_list" {
		t.Fatalf("eligibility %+v %v", el, err)
	}
	rep, err := a.ApplyRepair(ctx, c.subject, c.penalty.ID, "已缴清罚款并完成整改", "威海海蓝食品有限责任公司", []app.Upload{{"缴款.pdf", pdf}})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err = a.RepairStep(ctx, c.office, rep.ID, credit.ActForward, "", nil); err != nil {
		t.Fatal(err)
	}
	cv, err := a.Case(ctx, c.reviewer, rep.ID)
	if err != nil || len(cv.RemovesFrom) != 1 {
		t.Fatalf("case view removes from %+v %v", cv.RemovesFrom, err)
	}
	if _, err = a.RepairStep(ctx, c.reviewer, rep.ID, credit.ActApprove, "同意修复", nil); err != nil {
		t.Fatal(err)
	}
	if e := status(black.ID); e.Status != credit.EntryRemoved || !strings.Contains(e.EndReason, "credit repair") ||
		!strings.Contains(e.EndReason, "case") || e.EndedBy == "" {
		t.Fatalf("black entry after repair: %+v", e)
	}
	if e := status(court.ID); e.Status != credit.EntryPublished {
		t.Fatalf("the court's list is left to the court, got %s", e.Status)
	}
	leaves := func() map[int64]bool {
		t.Helper()
		ms, err := a.Store.OutboxMessages(ctx, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]bool{}
		for _, m := range ms {
			var cm app.ChangeMessage
			if err := json.Unmarshal(m.Body, &cm); err != nil {
				t.Fatal(err)
			}
			if cm.Kind == credit.ChangeListLeave {
				out[cm.EntryID] = true
			}
		}
		return out
	}
	if l := leaves(); !l[black.ID] || l[court.ID] {
		t.Fatalf("list.leave changes %v", l)
	}
	removal := ""
	err = a.Store.AuditEntries(ctx, 1, func(e *audit.Entry) error {
		if e.Object == fmt.Sprintf("list_entry:%d", black.ID) && e.Action == app.ActionEntryRemove {
			removal = string(e.Detail)
		}
		return nil
	})
	if err != nil || !strings.Contains(removal, fmt.Sprintf(`"case":%d`, rep.ID)) {
		t.Fatalf("audit of the removal %q %v", removal, err)
	}
	pv, _ = a.PublicSubject(ctx, c.own)
	if got := lists(pv.Lists); got != "court_defaulter:published" {
		t.Fatalf("portal lists after repair %q", got)
	}
	ns, _ := a.Notices(ctx, c.subject, 0)
	if len(ns) == 0 || !strings.Contains(ns[0].Text, "名单") {
		t.Fatalf("approval notice does not name the lists: %+v", ns)
	}

	// A record revoked on an objection ends every entry it justified, the court's too.
	obj, err := a.FileObjection(ctx, other, c.alien.ID, "该处罚已被复议撤销", []app.Upload{{"复议决定.pdf", pdf}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = a.AnswerObjection(ctx, c.reviewer, obj.ID, app.ObjectionAnswer{Action: credit.ActRevoke, Note: "复议撤销"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{focus.ID, court2.ID} {
		if e := status(id); e.Status != credit.EntryRemoved || !strings.Contains(e.EndReason, "revoked") {
			t.Fatalf("entry %d after revocation: %+v", id, e)
		}
	}
	if l := leaves(); !l[focus.ID] || !l[court2.ID] {
		t.Fatalf("list.leave changes after revocation %v", l)
	}
	res, err := a.CheckSubjects(ctx, czClerk, app.CheckRequest{Codes: []string{c.other}, Matter: "gov_procurement"})
	if err != nil || len(res.Items) != 1 || len(res.Items[0].Lists) != 0 {
		t.Fatalf("the window check after revocation: %+v %v", res, err)
	}

	// The government view shows every entry, ended ones too.
	gv, err := a.GovSubject(ctx, c.office, c.other, "名单复核")
	if err != nil {
		t.Fatal(err)
	}
	if got := lists(gv.Lists); !strings.Contains(got, "focus_list:removed") || !strings.Contains(got, "court_defaulter:removed") {
		t.Fatalf("government lists %q", got)
	}
}
