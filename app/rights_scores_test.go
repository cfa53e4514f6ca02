package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
)

// A revoked record stops counting in the subject's scores at once, and so does a repaired
// one: the portal, the window check and the scores all leave them out.
func TestWithdrawnRecordsLeaveTheScores(t *testing.T) {
	a, clk, _ := clockApp(t)
	ctx := context.Background()
	clk.t = time.Date(2026, 2, 10, 2, 0, 0, 0, time.UTC)
	c := importRightsCity(t, a)
	enterprise := func(code string) *credit.Score {
		t.Helper()
		sub, err := a.Store.SubjectByKey(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		list, err := a.Store.SubjectScores(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			if s.Card == "enterprise" {
				return s
			}
		}
		t.Fatalf("no enterprise score for %s: %+v", code, list)
		return nil
	}
	before := enterprise(c.own)
	other := enterprise(c.other)
	if before.Total != other.Total {
		t.Fatalf("two firms with one penalty each score %d and %d", before.Total, other.Total)
	}
	obj, err := a.FileObjection(ctx, c.subject, c.penalty.ID, "该处罚决定已被复议机关撤销", []app.Upload{{Name: "复议决定书.pdf", Content: pdf}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AnswerObjection(ctx, c.reviewer, obj.ID, app.ObjectionAnswer{Action: credit.ActRevoke, Note: "复议撤销"}); err != nil {
		t.Fatal(err)
	}
	after := enterprise(c.own)
	if after.Total <= before.Total {
		t.Fatalf("the revoked penalty still counts: %d → %d", before.Total, after.Total)
	}
	if len(after.Lines) > 0 {
		for _, l := range after.Lines {
			if l.RecordID == c.penalty.ID {
				t.Fatalf("explanation still cites the revoked record: %+v", l)
			}
		}
	}
	// A full recompute agrees, and leaves the other firm as it was.
	if _, err := a.RecomputeAll(ctx, "cli:tester", nil); err != nil {
		t.Fatal(err)
	}
	if s := enterprise(c.own); s.Total != after.Total {
		t.Fatalf("recompute gives %d, rescore gave %d", s.Total, after.Total)
	}
	if s := enterprise(c.other); s.Total != other.Total {
		t.Fatalf("the other firm moved: %d → %d", other.Total, s.Total)
	}
}
