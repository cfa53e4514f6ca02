package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/auth"
)

func TestQueryLogSeal(t *testing.T) {
	a, c, path := clockApp(t)
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	clerk := &auth.Principal{Kind: auth.KindStaff, UserID: 7, Name: "clerk", Dept: "sw", Roles: []auth.Role{auth.RoleClerk}}
	logRead := func(purpose string) {
		t.Helper()
		if err := a.LogQuery(ctx, clerk, purpose, "91350100M000100Y43", "GET /console/subjects/{code}", "records×1", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing logged: nothing to seal.
	if seals, err := a.SealQueryLogs(ctx, cliOp, c.Now(), cst); err != nil || len(seals) != 0 {
		t.Fatalf("empty log: %v %v", seals, err)
	}
	logRead("行政许可审查") // 2026-11-23 17:00 CST
	c.Add(20 * time.Hour)
	logRead("政府采购") // 2026-11-24 13:00 CST
	// The current day is never sealed; yesterday is, once.
	seals, err := a.SealQueryLogs(ctx, cliOp, c.Now(), cst)
	if err != nil || len(seals) != 1 || seals[0].Day != "2026-11-23" || seals[0].Entries != 1 {
		t.Fatalf("seals %+v, %v", seals, err)
	}
	if again, err := a.SealQueryLogs(ctx, cliOp, c.Now(), cst); err != nil || len(again) != 0 {
		t.Fatalf("sealed twice: %+v %v", again, err)
	}
	// Two days later both open days are sealed, the empty one too (it proves nothing was there).
	c.Add(48 * time.Hour)
	seals, err = a.SealQueryLogs(ctx, cliOp, c.Now(), cst)
	if err != nil || len(seals) != 2 || seals[0].Day != "2026-11-24" || seals[1].Entries != 0 {
		t.Fatalf("seals %+v, %v", seals, err)
	}
	checks, err := a.VerifyQueryLogs(ctx, cst)
	if err != nil || len(checks) != 3 {
		t.Fatalf("verify: %+v %v", checks, err)
	}
	for _, ch := range checks {
		if !ch.OK {
			t.Errorf("%s does not verify: %+v", ch.Sealed.Day, ch)
		}
	}
	if actor, action, object := lastAudit(t, a); actor != cliOp || action != app.ActionQueryLogSeal || object != "querylog:2026-11-25" {
		t.Errorf("audit %s %s %s", actor, action, object)
	}

	// Someone with the database file rewrites a purpose: the day no longer matches its seal.
	tamper(t, path, `UPDATE query_log SET purpose = '其他' WHERE purpose = '政府采购'`)
	checks, err = a.VerifyQueryLogs(ctx, cst)
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for _, ch := range checks {
		if !ch.OK {
			bad = append(bad, ch.Sealed.Day)
		}
	}
	if len(bad) != 1 || bad[0] != "2026-11-24" {
		t.Fatalf("broken days %v", bad)
	}
	// Deleting an entry is found too.
	tamper(t, path, `DELETE FROM query_log WHERE purpose = '行政许可审查'`)
	checks, _ = a.VerifyQueryLogs(ctx, cst)
	if checks[0].OK || checks[0].Now.Entries != 0 {
		t.Fatalf("a deleted entry went unnoticed: %+v", checks[0])
	}
}

func lastAudit(t *testing.T, a *app.App) (actor, action, object string) {
	t.Helper()
	err := a.Store.AuditEntries(context.Background(), 1, func(e *audit.Entry) error {
		actor, action, object = e.Actor, e.Action, e.Object
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}
