// Package storetest is the contract every store must pass: the same tests run against SQLite
// and PostgreSQL, so the services above behave the same on both.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Opener returns a new, empty store for one test.
type Opener func(t *testing.T) store.Store

// Run runs the whole contract against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"Catalog", testCatalog},
		{"CodeExceptions", testCodeExceptions},
		{"Subjects", testSubjects},
		{"Search", testSearch},
		{"SearchInTransaction", testSearchInTransaction},
		{"Records", testRecords},
		{"Batches", testBatches},
		{"Rollback", testRollback},
		{"Counters", testCounters},
		{"Meta", testMeta},
		{"Departments", testDepartments},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"LoginFailures", testLoginFailures},
		{"Tokens", testTokens},
		{"QueryLog", testQueryLog},
		{"Audit", testAudit},
		{"AuditConcurrent", testAuditConcurrent},
		{"SubjectCredentials", testSubjectCredentials},
		{"OneTimeCodes", testOneTimeCodes},

		// Lists, measures and window checks (名单、措施与信用核查).
		{"ListTypesMeasures", testListTypesMeasures},
		{"ListEntries", testListEntries},
		{"Checks", testChecks},
		{"CheckQueryLogs", testCheckQueryLogs},
		{"LogChecks", testLogChecks},
		{"SubjectAndEntries", testSubjectAndEntries},
		{"RepresentedBy", testRepresentedBy},

		// Status-change delivery: tasks, outbox, NATS, subscriptions (任务、发件箱与订阅).
		{"Tasks", testTasks},
		{"Outbox", testOutbox},
		{"Subscriptions", testSubscriptions},
		{"WebhookDeliveries", testWebhookDeliveries},

		// Subjects' rights: objections, repair, calendar (异议、信用修复与工作日历).
		{"RecordStates", testRecordStates},
		{"Cases", testCases},
		{"CalendarYears", testCalendarYears},

		// Scores, grades, consents and benefits (评分、评级、授权与信易+).
		{"Scorecards", testScorecards},
		{"Scores", testScores},
		{"Consents", testConsents},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := credit.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func testCatalog(t *testing.T, s store.Store) {
	_, err := s.LatestCatalog(ctx)
	wantCode(t, err, credit.ENOTFOUND)
	c := &credit.Catalog{Version: 1, PublishedAt: t0, Departments: []credit.Department{{Code: "d", NameZH: "部门"}},
		Items: []credit.CatalogItem{{Code: "i", NameZH: "项", Fields: []credit.Field{{Name: "f", Label: "字段", Type: credit.TypeString}}}}}
	update(t, s, func(tx store.Tx) error { return tx.SaveCatalog(c) })
	c2 := *c
	c2.Version, c2.Note = 2, "second"
	update(t, s, func(tx store.Tx) error { return tx.SaveCatalog(&c2) })
	err = s.Update(ctx, func(tx store.Tx) error { return tx.SaveCatalog(c) })
	wantCode(t, err, credit.ECONFLICT)
	got, err := s.LatestCatalog(ctx)
	if err != nil || got.Version != 2 || got.Note != "second" || got.Items[0].Fields[0].Label != "字段" {
		t.Fatalf("LatestCatalog = %+v, %v", got, err)
	}
	vs, err := s.CatalogVersions(ctx)
	if err != nil || len(vs) != 2 || vs[0].Version != 1 || vs[1].Items != 1 || !vs[0].PublishedAt.Equal(t0) {
		t.Fatalf("CatalogVersions = %+v, %v", vs, err)
	}
}

func testCodeExceptions(t *testing.T, s store.Store) {
	e := store.CodeException{Code: "91350200000000000X", Note: "厦门试点", CreatedBy: "admin", CreatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.PutCodeException(e) })
	e.Note = "updated"
	update(t, s, func(tx store.Tx) error { return tx.PutCodeException(e) })
	got, err := s.CodeExceptions(ctx)
	if err != nil || len(got) != 1 || got[0] != e {
		t.Fatalf("CodeExceptions = %+v, %v", got, err)
	}
	update(t, s, func(tx store.Tx) error { return tx.DeleteCodeException(e.Code) })
	err = s.Update(ctx, func(tx store.Tx) error { return tx.DeleteCodeException(e.Code) })
	wantCode(t, err, credit.ENOTFOUND)
}

func org(code, name string) *credit.Subject {
	return &credit.Subject{Key: code, Code: code, Kind: credit.KindEnterprise, Name: name, NameNorm: name, Region: "371002",
		Status: credit.StatusActive, CreatedAt: t0, UpdatedAt: t0}
}

func testSubjects(t *testing.T, s store.Store) {
	a := org("91371002MA3C000001", "威海海洋食品有限公司")
	a.FormerNames = []string{"威海海洋食品厂"}
	a.LegacyCodes = []string{"371000228000011"}
	p := &credit.Subject{Key: "P:abc", Kind: credit.KindPerson, Name: "张*", Status: credit.StatusActive,
		IDCipher: []byte{1, 2, 3}, NameCipher: []byte{4}, IDMasked: "3710**********1234", CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertSubjects([]*credit.Subject{p}); err != nil {
			return err
		}
		a.LegalRepID, a.LegalRep = p.ID, "张三"
		if err := tx.InsertSubjects([]*credit.Subject{a}); err != nil {
			return err
		}
		aliases := []store.Alias{}
		for _, l := range a.LegacyCodes {
			aliases = append(aliases, store.Alias{Alias: l, SubjectID: a.ID})
		}
		if err := tx.PutAliases(aliases); err != nil {
			return err
		}
		return tx.PutAliases(aliases[:1]) // an existing mapping is kept, not an error
	})
	if a.ID == 0 || p.ID == 0 || a.ID == p.ID {
		t.Fatalf("ids not set: %d %d", a.ID, p.ID)
	}
	got, err := s.SubjectByKey(ctx, a.Key)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != a.ID || got.Name != a.Name || got.LegalRepID != p.ID || got.LegalRep != "张三" || got.Region != "371002" ||
		len(got.FormerNames) != 1 || got.FormerNames[0] != "威海海洋食品厂" || !got.CreatedAt.Equal(t0) {
		t.Fatalf("SubjectByKey = %+v", got)
	}
	gp, err := s.SubjectByID(ctx, p.ID)
	if err != nil || string(gp.IDCipher) != "\x01\x02\x03" || gp.IDMasked != p.IDMasked || gp.Code != "" {
		t.Fatalf("SubjectByID = %+v, %v", gp, err)
	}
	ga, err := s.SubjectByAlias(ctx, "371000228000011")
	if err != nil || ga.ID != a.ID {
		t.Fatalf("SubjectByAlias = %+v, %v", ga, err)
	}
	_, err = s.SubjectByKey(ctx, "nope")
	wantCode(t, err, credit.ENOTFOUND)
	_, err = s.SubjectByAlias(ctx, "nope")
	wantCode(t, err, credit.ENOTFOUND)

	update(t, s, func(tx store.Tx) error {
		ids := map[string]int64{}
		if err := tx.SubjectIDs([]string{a.Key, p.Key, "missing"}, ids); err != nil {
			return err
		}
		if len(ids) != 2 || ids[a.Key] != a.ID || ids[p.Key] != p.ID {
			return fmt.Errorf("SubjectIDs = %v", ids)
		}
		al := map[string]int64{}
		if err := tx.AliasIDs([]string{"371000228000011", "x"}, al); err != nil {
			return err
		}
		if len(al) != 1 {
			return fmt.Errorf("AliasIDs = %v", al)
		}
		return nil
	})
	// A duplicate key is a conflict.
	err = s.Update(ctx, func(tx store.Tx) error { return tx.InsertSubjects([]*credit.Subject{org(a.Key, "dup")}) })
	wantCode(t, err, credit.ECONFLICT)
	a.Name, a.NameNorm, a.Status = "威海蓝海食品有限公司", "威海蓝海食品有限公司", credit.StatusDeregistered
	a.FormerNames = append(a.FormerNames, "威海海洋食品有限公司")
	update(t, s, func(tx store.Tx) error { return tx.UpdateSubject(a) })
	got, _ = s.SubjectByKey(ctx, a.Key)
	if got.Name != a.Name || got.Status != credit.StatusDeregistered || len(got.FormerNames) != 2 {
		t.Fatalf("after update: %+v", got)
	}
}

func testSearch(t *testing.T, s store.Store) {
	names := []string{"威海华为电子有限公司", "荣成华为海产有限公司", "华为", "乳山市果蔬专业合作社", "威海市100%科技有限公司"}
	var subs []*credit.Subject
	for i, n := range names {
		subs = append(subs, org(fmt.Sprintf("91371002MA3C%06d", i), n))
	}
	person := &credit.Subject{Key: "P:x", Kind: credit.KindPerson, Name: "华*", NameNorm: "华为", Status: credit.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	subs = append(subs, person)
	subs[1].FormerNames = []string{"荣成海洋渔业有限公司"}
	update(t, s, func(tx store.Tx) error { return tx.InsertSubjects(subs) })
	search := func(q string, limit int) []string {
		t.Helper()
		res, err := s.SearchSubjects(ctx, store.SearchQuery{Name: q, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range res.Subjects {
			if s.Kind == credit.KindPerson {
				t.Fatalf("search %q returned a natural person", q)
			}
			out = append(out, s.Name)
		}
		return out
	}
	if got := search("华为", 10); len(got) != 3 || got[0] != "华为" {
		t.Fatalf("search 华为 = %v (exact match first, no person)", got)
	}
	if got := search("蔬", 10); len(got) != 1 || got[0] != names[3] {
		t.Fatalf("search 蔬 = %v (one character)", got)
	}
	if got := search("司", 10); len(got) != 3 {
		t.Fatalf("search 司 = %v (last character of names)", got)
	}
	if got := search("电子", 10); len(got) != 1 || got[0] != names[0] {
		t.Fatalf("search 电子 = %v", got)
	}
	if got := search("0%", 10); len(got) != 1 {
		t.Fatalf("search 0%% = %v (punctuation in a short query)", got)
	}
	if got := search("华为电子", 10); len(got) != 1 || got[0] != names[0] {
		t.Fatalf("search 华为电子 = %v", got)
	}
	if got := search("海洋渔业", 10); len(got) != 1 || got[0] != names[1] {
		t.Fatalf("search by former name = %v", got)
	}
	if got := search("100%", 10); len(got) != 1 {
		t.Fatalf("search with %% = %v", got)
	}
	if got := search("有限公司", 2); len(got) != 2 {
		t.Fatalf("limit: %v", got)
	}
	res, _ := s.SearchSubjects(ctx, store.SearchQuery{Name: "有限公司", Limit: 2})
	if !res.More {
		t.Fatal("More not set")
	}
	res, _ = s.SearchSubjects(ctx, store.SearchQuery{Name: "有限公司", Limit: 2, Offset: 2})
	if len(res.Subjects) != 1 || res.More {
		t.Fatalf("second page: %d more=%v", len(res.Subjects), res.More)
	}
	if got := search("不存在的名字", 10); len(got) != 0 {
		t.Fatalf("no match: %v", got)
	}
	// A rename moves the subject in the index.
	subs[0].Name, subs[0].NameNorm = "威海鸿蒙电子有限公司", "威海鸿蒙电子有限公司"
	update(t, s, func(tx store.Tx) error { return tx.UpdateSubject(subs[0]) })
	if got := search("鸿蒙电子", 10); len(got) != 1 {
		t.Fatalf("after rename: %v", got)
	}
	if got := search("华为电子", 10); len(got) != 0 {
		t.Fatalf("old name still found: %v", got)
	}
}

// testSearchInTransaction: a transaction finds the organisations it created by name, a rename
// in the same transaction leaves the new name alone in the index, and subjects inserted in
// several calls get the ids the store gave them.
func testSearchInTransaction(t *testing.T, s store.Store) {
	a := org("91371002MA3D000001", "威海星辰船舶有限公司")
	b := org("91371002MA3D000002", "威海星辰渔具有限公司")
	c := org("91371002MA3D000003", "文登星辰茶叶有限公司")
	names := func(tx store.Reader, q string) []string {
		t.Helper()
		res, err := tx.SearchSubjects(ctx, store.SearchQuery{Name: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range res.Subjects {
			out = append(out, s.Name)
		}
		return out
	}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertSubjects([]*credit.Subject{a, b}); err != nil {
			return err
		}
		a.Name, a.NameNorm = "威海远航船舶有限公司", "威海远航船舶有限公司"
		if err := tx.UpdateSubject(a); err != nil {
			return err
		}
		if err := tx.InsertSubjects([]*credit.Subject{c}); err != nil {
			return err
		}
		if got := names(tx, "星辰"); len(got) != 2 {
			return fmt.Errorf("search 星辰 in the transaction = %v, want the two not renamed", got)
		}
		if got := names(tx, "远航船舶"); len(got) != 1 {
			return fmt.Errorf("search 远航船舶 after the rename = %v", got)
		}
		return nil
	})
	if got := names(s, "星辰"); len(got) != 2 || got[0] != b.Name || got[1] != c.Name {
		t.Fatalf("search 星辰 after commit = %v, want %s and %s", got, b.Name, c.Name)
	}
	if got := names(s, "船舶"); len(got) != 1 || got[0] != a.Name {
		t.Fatalf("search 船舶 after commit = %v, want the new name once", got)
	}
	for _, x := range []*credit.Subject{a, b, c} {
		got, err := s.SubjectByID(ctx, x.ID)
		if err != nil || got.Key != x.Key || got.Name != x.Name {
			t.Fatalf("subject %d: %+v, %v; want %s %s", x.ID, got, err, x.Key, x.Name)
		}
	}
	if !(a.ID < b.ID && b.ID < c.ID) {
		t.Fatalf("ids %d, %d, %d not in insertion order", a.ID, b.ID, c.ID)
	}
}

func rec(subject int64, src string, version int, hash string) *credit.Record {
	return &credit.Record{SubjectID: subject, Item: "admin_penalty", ItemVersion: 1, Dept: "scjg", SourceID: src, Version: version,
		Fields: map[string]string{"doc_no": "威市监罚〔2026〕1号", "amount": "1.5"}, Personal: []byte{9}, Hash: hash,
		Decision: t0, PubFrom: t0, PubUntil: t0.AddDate(1, 0, 0), Published: true, Status: credit.RecordActive, CreatedAt: t0}
}

func testRecords(t *testing.T, s store.Store) {
	a := org("91371002MA3C000009", "甲公司")
	update(t, s, func(tx store.Tx) error { return tx.InsertSubjects([]*credit.Subject{a}) })
	hasRecords := func(dept, item string, want bool) {
		t.Helper()
		update(t, s, func(tx store.Tx) error {
			if got, err := tx.HasRecords(dept, item); err != nil || got != want {
				return fmt.Errorf("HasRecords(%s, %s) = %v, %v; want %v", dept, item, got, err, want)
			}
			return nil
		})
	}
	hasRecords("scjg", "admin_penalty", false)
	r1, r2 := rec(a.ID, "S1", 1, "h1"), rec(a.ID, "S2", 1, "h2")
	r2.Decision = t0.AddDate(0, 1, 0)
	update(t, s, func(tx store.Tx) error { return tx.InsertRecords([]*credit.Record{r1, r2}) })
	hasRecords("scjg", "admin_penalty", true)
	hasRecords("scjg", "admin_license", false)
	hasRecords("swj", "admin_penalty", false)
	k1 := store.RecordKey{Dept: "scjg", Item: "admin_penalty", SourceID: "S1"}
	k3 := store.RecordKey{Dept: "scjg", Item: "admin_penalty", SourceID: "S3"}
	update(t, s, func(tx store.Tx) error {
		h, err := tx.Heads([]store.RecordKey{k1, k3})
		if err != nil {
			return err
		}
		if len(h) != 1 || h[k1].ID != r1.ID || h[k1].Hash != "h1" || h[k1].Version != 1 || h[k1].SubjectID != a.ID {
			return fmt.Errorf("tx.Heads = %+v", h)
		}
		v2 := rec(a.ID, "S1", 2, "h1b")
		if err := tx.InsertRecords([]*credit.Record{v2}); err != nil {
			return err
		}
		if err := tx.Supersede([]int64{r1.ID}); err != nil {
			return err
		}
		h, err = tx.Heads([]store.RecordKey{k1})
		if err != nil || h[k1].Version != 2 || h[k1].ID != v2.ID {
			return fmt.Errorf("tx.Heads after new version = %+v, %v", h, err)
		}
		return nil
	})
	// The same version twice is a conflict.
	err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertRecords([]*credit.Record{rec(a.ID, "S1", 2, "x")}) })
	wantCode(t, err, credit.ECONFLICT)
	all, err := s.SubjectRecords(ctx, a.ID, store.RecordFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("SubjectRecords = %d, %v", len(all), err)
	}
	active, err := s.SubjectRecords(ctx, a.ID, store.RecordFilter{ActiveOnly: true})
	if err != nil || len(active) != 2 || active[0].SourceID != "S2" {
		t.Fatalf("active = %+v, %v (newest decision first)", active, err)
	}
	got := active[1]
	if got.Fields["doc_no"] != "威市监罚〔2026〕1号" || string(got.Personal) != "\x09" || !got.PubUntil.Equal(t0.AddDate(1, 0, 0)) ||
		!got.Published || got.Version != 2 {
		t.Fatalf("record = %+v", got)
	}
	vs, err := s.RecordVersions(ctx, "scjg", "admin_penalty", "S1")
	if err != nil || len(vs) != 2 || vs[0].Status != credit.RecordSuperseded || vs[1].Status != credit.RecordActive {
		t.Fatalf("RecordVersions = %+v, %v", vs, err)
	}
	lim, _ := s.SubjectRecords(ctx, a.ID, store.RecordFilter{Limit: 1, Item: "admin_penalty"})
	if len(lim) != 1 {
		t.Fatalf("limit: %d", len(lim))
	}
}

func testBatches(t *testing.T, s store.Store) {
	b := &store.Batch{Dept: "scjg", Item: "admin_penalty", FileName: "罚.csv", FileHash: "abc", Format: "csv", Header: []string{"a", "b"},
		Status: store.BatchRunning, CreatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.CreateBatch(b) })
	if b.ID == 0 {
		t.Fatal("batch id not set")
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateBatch(&store.Batch{Dept: "scjg", Item: "admin_penalty", FileHash: "abc", Status: store.BatchRunning, CreatedAt: t0})
	})
	wantCode(t, err, credit.ECONFLICT)
	update(t, s, func(tx store.Tx) error {
		found, err := tx.FindBatch("scjg", "admin_penalty", "abc")
		if err != nil || found.ID != b.ID {
			return fmt.Errorf("FindBatch = %+v, %v", found, err)
		}
		if _, err := tx.FindBatch("scjg", "admin_penalty", "zzz"); credit.ErrorCode(err) != credit.ENOTFOUND {
			return fmt.Errorf("FindBatch missing: %v", err)
		}
		b.Checkpoint, b.Rows, b.Accepted, b.Rejected, b.Status, b.FinishedAt = 10, 9, 7, 2, store.BatchDone, t0
		if err := tx.SaveBatchProgress(b); err != nil {
			return err
		}
		rj := []*store.Reject{
			{BatchID: b.ID, Row: 3, Dept: "scjg", Item: "admin_penalty", SourceID: "S9", Values: []string{"x", "y"},
				Errors: []credit.FieldError{{Field: "subject_code", Rule: "code", Message: "校验位错误"}}},
			{BatchID: b.ID, Row: 5, Dept: "scjg", Item: "admin_penalty", Values: []string{"z"}, Errors: []credit.FieldError{{Rule: "format", Message: "m"}}},
			{BatchID: b.ID, Row: 7, Dept: "scjg", Item: "admin_penalty", Sealed: []byte{0, 1, 2, 250}, Errors: []credit.FieldError{{Rule: "format", Message: "s"}}},
		}
		if err := tx.InsertRejects(rj); err != nil {
			return err
		}
		return tx.InsertRejects(rj[:1]) // kept once
	})
	got, err := s.Batch(ctx, b.ID)
	if err != nil || got.Checkpoint != 10 || got.Accepted != 7 || got.Status != store.BatchDone || len(got.Header) != 2 || got.FileName != "罚.csv" {
		t.Fatalf("Batch = %+v, %v", got, err)
	}
	var rows []*store.Reject
	if err := s.Rejects(ctx, b.ID, func(r *store.Reject) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].Row != 3 || rows[0].Errors[0].Message != "校验位错误" || rows[1].Values[0] != "z" ||
		string(rows[2].Sealed) != "\x00\x01\x02\xfa" || len(rows[2].Values) != 0 || rows[0].Sealed != nil {
		t.Fatalf("Rejects = %+v", rows)
	}
	b2 := &store.Batch{Dept: "scjg", Item: "admin_penalty", FileHash: "def", Status: store.BatchRunning, CreatedAt: t0}
	update(t, s, func(tx store.Tx) error {
		if err := tx.CreateBatch(b2); err != nil {
			return err
		}
		n, err := tx.OpenRejectCount("scjg", "admin_penalty")
		if err != nil || n != 3 {
			return fmt.Errorf("OpenRejectCount = %d, %v", n, err)
		}
		n, err = tx.ResolveRejects("scjg", "admin_penalty", []string{"S9", "S10"}, b2.ID)
		if err != nil || n != 1 {
			return fmt.Errorf("ResolveRejects = %d, %v", n, err)
		}
		n, _ = tx.OpenRejectCount("scjg", "admin_penalty")
		if n != 2 {
			return fmt.Errorf("open after resolve = %d", n)
		}
		return nil
	})
	list, err := s.Batches(ctx, store.BatchFilter{Dept: "scjg"})
	if err != nil || len(list) != 2 || list[0].ID != b2.ID {
		t.Fatalf("Batches = %v, %v (newest first)", list, err)
	}
	_, err = s.Batch(ctx, 999999)
	wantCode(t, err, credit.ENOTFOUND)
}

func testRollback(t *testing.T, s store.Store) {
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertSubjects([]*credit.Subject{org("91371002MA3C000077", "回滚公司")}); err != nil {
			return err
		}
		return credit.Errorf(credit.EINVALID, "stop")
	})
	wantCode(t, err, credit.EINVALID)
	_, err = s.SubjectByKey(ctx, "91371002MA3C000077")
	wantCode(t, err, credit.ENOTFOUND)
	res, _ := s.SearchSubjects(ctx, store.SearchQuery{Name: "回滚公司"})
	if len(res.Subjects) != 0 {
		t.Fatal("rolled-back subject is searchable")
	}
}

func testCounters(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error { return tx.AddCounters(map[string]int64{"a": 2, "b": 1}) })
	update(t, s, func(tx store.Tx) error { return tx.AddCounters(map[string]int64{"a": 3, "c": 0}) })
	c, err := s.Counters(ctx)
	if err != nil || c["a"] != 5 || c["b"] != 1 || len(c) != 2 {
		t.Fatalf("Counters = %v, %v", c, err)
	}
}

func testMeta(t *testing.T, s store.Store) {
	_, err := s.Meta(ctx, "k")
	wantCode(t, err, credit.ENOTFOUND)
	update(t, s, func(tx store.Tx) error { return tx.SetMeta("k", "v1") })
	update(t, s, func(tx store.Tx) error { return tx.SetMeta("k", "v2") })
	if v, err := s.Meta(ctx, "k"); err != nil || v != "v2" {
		t.Fatalf("Meta = %q, %v", v, err)
	}
}
