package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite" // to tamper with the store's file directly

	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
)

// tamper runs one SQL statement on a store's file behind the store's back, as someone with
// access to the database file could.
func tamper(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(stmt)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s changed %d rows", stmt, n)
	}
}

func TestAuditTrail(t *testing.T) {
	a, c, path := clockApp(t)
	ctx := context.Background()
	addOffice(t, a)
	c.Add(time.Hour)
	if _, err := a.AddCodeException(ctx, "91350100M000100Y44", "厦门早期试点代码", cliOp); err != nil {
		t.Fatal(err)
	}
	if err := a.RemoveCodeException(ctx, "91350100M000100Y44", cliOp); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PublishCatalogAs(ctx, cliOp, a.Catalog(), "测试"); err != nil {
		t.Fatal(err)
	}
	// An import: one entry for the batch, not one per record.
	csv := "source_id,subject_code,subject_name,honour_name,awarding_body,level,award_date\n" +
		"H1,91350100M000100Y43,福州某某有限公司,守合同重信用企业,威海市市场监督管理局,市级,2026-01-05\n" +
		"H2,91350100M000100Y43,福州某某有限公司,重质量守信用企业,威海市市场监督管理局,市级,2026-01-06\n"
	file := filepath.Join(t.TempDir(), "honour.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	req := ingest.Request{Dept: "scjg", Item: "honour", Path: file, SubmittedBy: "user:1"}
	if _, err := a.Import(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	if res, err := a.Import(ctx, req, nil); err != nil || !res.Repeat {
		t.Fatalf("repeat import: %v %v", res, err)
	}
	c.Add(24 * time.Hour) // the next day
	if _, _, err := a.IssueToken(ctx, cliOp, "scjg", "报送", []auth.Scope{auth.ScopeRecordsWrite}, c.Now().AddDate(0, 3, 0)); err != nil {
		t.Fatal(err)
	}

	acts := auditActions(t, a)
	for action, n := range map[string]int{"catalog.publish": 2, "dept.seed": 1, "dept.put": 1, "user.add": 1,
		"code_exception.add": 1, "code_exception.remove": 1, "batch.import": 1, "token.issue": 1} {
		if acts[action] != n {
			t.Errorf("%d %s entries, want %d (all: %v)", acts[action], action, n, acts)
		}
	}
	checked, brokenAt, err := a.VerifyAudit(ctx)
	if err != nil || brokenAt != 0 || checked != 9 {
		t.Fatalf("VerifyAudit = %d, %d, %v", checked, brokenAt, err)
	}

	// The anchor of the first day covers the entries before the token, and does not change
	// when later days append more.
	loc, _ := time.LoadLocation("Asia/Shanghai")
	seq1, anchor1, err := a.AuditAnchor(ctx, time.Date(2026, 11, 23, 0, 0, 0, 0, loc), loc)
	if err != nil || seq1 != 8 || len(anchor1) != 64 {
		t.Fatalf("anchor = %d %q %v", seq1, anchor1, err)
	}
	// New appended entries 1 and 2 on 2026-11-01 (newApp's clock); nothing before.
	if seq, _, _ := a.AuditAnchor(ctx, time.Date(2026, 11, 22, 0, 0, 0, 0, loc), loc); seq != 2 {
		t.Fatalf("anchor of the day before covers %d entries", seq)
	}
	seq0, anchor0, _ := a.AuditAnchor(ctx, time.Date(2026, 10, 31, 0, 0, 0, 0, loc), loc)
	if seq0 != 0 || anchor0 != audit.DailyAnchor(audit.Genesis, time.Date(2026, 10, 31, 0, 0, 0, 0, loc)) {
		t.Fatalf("anchor before any entry = %d %q", seq0, anchor0)
	}
	c.Add(time.Hour)
	if _, err := a.AddUser(ctx, cliOp, "auditor1", "审计员", "xyb", []auth.Role{auth.RoleAuditor}, otherPW); err != nil {
		t.Fatal(err)
	}
	if s, an, _ := a.AuditAnchor(ctx, time.Date(2026, 11, 23, 12, 0, 0, 0, loc), loc); s != seq1 || an != anchor1 {
		t.Fatalf("anchor changed: %d %q", s, an)
	}

	// The export reads back and verifies on its own, and from N starts at N.
	var buf bytes.Buffer
	n, err := a.ExportAudit(ctx, &buf, 1)
	if err != nil || n != 10 {
		t.Fatalf("export: %d %v", n, err)
	}
	if checked, brokenAt, err := audit.Verify(audit.ReadJSONL(&buf)); err != nil || brokenAt != 0 || checked != 10 {
		t.Fatalf("exported log: %d %d %v", checked, brokenAt, err)
	}
	buf.Reset()
	if n, err := a.ExportAudit(ctx, &buf, 9); err != nil || n != 2 {
		t.Fatalf("export from 9: %d %v", n, err)
	}

	// Someone edits entry 2 in the database file: verification names it.
	tamper(t, path, `UPDATE audit_log SET actor = 'x' WHERE seq = 2`)
	checked, brokenAt, err = a.VerifyAudit(ctx)
	if brokenAt != 2 || checked != 1 || !errors.Is(err, audit.ErrBroken) {
		t.Fatalf("tampered: VerifyAudit = %d, %d, %v", checked, brokenAt, err)
	}
	// A new entry still appends (the chain continues from the stored head), and the break
	// stays where it is.
	if err := a.DisableUser(ctx, cliOp, "auditor1"); err != nil {
		t.Fatal(err)
	}
	if _, brokenAt, _ = a.VerifyAudit(ctx); brokenAt != 2 {
		t.Fatalf("break moved to %d", brokenAt)
	}
}

func TestAuditDeletedEntry(t *testing.T) {
	a, _, path := clockApp(t)
	addOffice(t, a)
	tamper(t, path, `DELETE FROM audit_log WHERE seq = 3`)
	checked, brokenAt, err := a.VerifyAudit(context.Background())
	if brokenAt != 3 || checked != 2 || credit.ErrorCode(err) == "" {
		t.Fatalf("deleted entry: %d %d %v", checked, brokenAt, err)
	}
}
