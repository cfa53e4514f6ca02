package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

func TestQueryLog(t *testing.T) {
	a, c, _ := clockApp(t)
	ctx := context.Background()
	clerk := &auth.Principal{UserID: 7, Dept: "fgw", Roles: []auth.Role{auth.RoleClerk}, Kind: auth.KindStaff}
	person, err := a.SubjectKeyOf(ctx, "11010519491231002X")
	if err != nil || strings.Contains(person, "11010519491231002X") {
		t.Fatalf("person key %q, %v", person, err)
	}
	firm := "91350100M000100Y43"
	if err := a.LogQuery(ctx, clerk, " 行政许可审批 ", person, "GET /console/subjects/{key}", "records:admin_penalty×1", "10.0.0.9"); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Hour)
	if err := a.LogQuery(ctx, clerk, "政府采购", firm, "GET /console/subjects/{key}", "records:×4", "10.0.0.9"); err != nil {
		t.Fatal(err)
	}
	if err := a.LogQuery(ctx, clerk, "bad\x00purpose", firm, "", "", ""); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("control character in purpose: %v", err)
	}
	var got []*store.QueryLog
	err = a.QueryLogs(ctx, store.QueryLogFilter{SubjectKey: person}, func(q *store.QueryLog) error { got = append(got, q); return nil })
	if err != nil || len(got) != 1 || got[0].Purpose != "行政许可审批" || got[0].Actor != "user:7" || got[0].Dept != "fgw" {
		t.Fatalf("query logs of the person = %+v, %v", got, err)
	}
	// The export carries the subject key (a keyed hash for a person), filterable by time.
	var buf bytes.Buffer
	n, err := a.ExportQueryLogs(ctx, &buf, store.QueryLogFilter{From: c.Now().Add(-time.Minute)})
	if err != nil || n != 1 {
		t.Fatalf("export: %d %v", n, err)
	}
	var line app.QueryLogLine
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line.SubjectKey != firm || line.Purpose != "政府采购" {
		t.Fatalf("export line %s: %+v %v", buf.String(), line, err)
	}
	// A subject sees who looked at it, and only that; nobody else may use OwnQueryLogs.
	self := &auth.Principal{Kind: auth.KindSubject, SubjectKey: firm, Roles: []auth.Role{auth.RoleSubject}}
	got = nil
	err = a.OwnQueryLogs(ctx, self, store.QueryLogFilter{SubjectKey: person}, func(q *store.QueryLog) error { got = append(got, q); return nil })
	if err != nil || len(got) != 1 || got[0].SubjectKey != firm {
		t.Fatalf("own query logs = %+v, %v", got, err)
	}
	if err := a.OwnQueryLogs(ctx, clerk, store.QueryLogFilter{}, func(*store.QueryLog) error { return nil }); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Fatalf("a clerk used OwnQueryLogs: %v", err)
	}
}
