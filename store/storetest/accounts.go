package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Accounts contract (store.Accounts). Stores keep times to the second, except audit entries,
// which keep the microsecond their hash covers: the tests write times with fractions and
// compare what comes back with Equal after truncating to that precision.

// t1 is a time with a fraction of a second, which the store drops.
var t1 = t0.Add(90*time.Minute + 123456789*time.Nanosecond)

func sec(t time.Time) time.Time { return t.Truncate(time.Second) }

func testDepartments(t *testing.T, s store.Store) {
	city := store.Department{Code: "xyb", NameZH: "市信用办", NameEN: "Credit Office", Level: "city", CreatedAt: t1}
	county := store.Department{Code: "hc_fgj", NameZH: "环翠区发改局", Level: "county", Parent: "xyb", CreatedAt: t1}
	update(t, s, func(tx store.Tx) error {
		if err := tx.PutDepartment(city); err != nil {
			return err
		}
		return tx.PutDepartment(county)
	})
	county.NameZH, county.Disabled = "环翠区发展和改革局", true
	changed := county
	changed.CreatedAt = t1.Add(time.Hour) // an update keeps the creation time
	update(t, s, func(tx store.Tx) error { return tx.PutDepartment(changed) })
	got, err := s.Departments(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("Departments = %+v, %v", got, err)
	}
	for i, want := range []store.Department{county, city} { // by code
		g := got[i]
		if !g.CreatedAt.Equal(sec(want.CreatedAt)) {
			t.Errorf("department %s created %v, want %v", g.Code, g.CreatedAt, sec(want.CreatedAt))
		}
		g.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
		if g != want {
			t.Errorf("department %d = %+v, want %+v", i, g, want)
		}
	}
}

func sameUser(t *testing.T, got, want *store.User) {
	t.Helper()
	if got.ID != want.ID || got.Username != want.Username || got.Name != want.Name || got.Dept != want.Dept ||
		!slices.Equal(got.Roles, want.Roles) || got.PasswordHash != want.PasswordHash || got.Disabled != want.Disabled ||
		!got.CreatedAt.Equal(sec(want.CreatedAt)) || !got.PasswordChangedAt.Equal(sec(want.PasswordChangedAt)) {
		t.Fatalf("user = %+v, want %+v", got, want)
	}
}

func testUsers(t *testing.T, s store.Store) {
	// #nosec G101 -- a well-formed but made-up hash (salt "salt", key "hash"): no password matches it
	zhang := &store.User{Username: "Zhang.San", Name: "张三", Dept: "hc_fgj", Roles: []auth.Role{auth.RoleSubmitter, auth.RoleReviewer},
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", CreatedAt: t1, PasswordChangedAt: t1}
	li := &store.User{Username: "li", Name: "李四", Dept: "xyb", Roles: []auth.Role{auth.RoleAdmin}, PasswordHash: "x", CreatedAt: t1}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertUser(zhang); err != nil {
			return err
		}
		return tx.InsertUser(li)
	})
	if zhang.ID == 0 || li.ID == 0 || zhang.ID == li.ID {
		t.Fatalf("ids not set: %d %d", zhang.ID, li.ID)
	}
	if zhang.Username != "zhang.san" {
		t.Fatalf("InsertUser left Username %q, want it lower-cased", zhang.Username)
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertUser(&store.User{Username: "ZHANG.san", Name: "另一个张三", Dept: "xyb", PasswordHash: "y", CreatedAt: t1})
	})
	wantCode(t, err, credit.ECONFLICT)

	got, err := s.UserByName(ctx, "zhang.SAN")
	if err != nil {
		t.Fatal(err)
	}
	sameUser(t, got, zhang)
	got, err = s.UserByID(ctx, li.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameUser(t, got, li)
	if !got.PasswordChangedAt.IsZero() {
		t.Fatalf("PasswordChangedAt = %v, want zero", got.PasswordChangedAt)
	}
	_, err = s.UserByName(ctx, "wang")
	wantCode(t, err, credit.ENOTFOUND)
	_, err = s.UserByID(ctx, li.ID+zhang.ID)
	wantCode(t, err, credit.ENOTFOUND)

	all, err := s.Users(ctx, "")
	if err != nil || len(all) != 2 || all[0].Username != "li" || all[1].Username != "zhang.san" {
		t.Fatalf("Users = %+v, %v", all, err)
	}
	dept, err := s.Users(ctx, "hc_fgj")
	if err != nil || len(dept) != 1 || dept[0].ID != zhang.ID {
		t.Fatalf("Users(hc_fgj) = %+v, %v", dept, err)
	}
	none, err := s.Users(ctx, "nobody")
	if err != nil || len(none) != 0 {
		t.Fatalf("Users(nobody) = %+v, %v", none, err)
	}

	// Update: every field UpdateUser names; the user name stays.
	zhang.Name, zhang.Dept, zhang.Roles, zhang.PasswordHash = "张叁", "xyb", []auth.Role{auth.RoleAuditor}, "new"
	zhang.PasswordChangedAt = t1.Add(24 * time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdateUser(zhang) })
	got, err = s.UserByID(ctx, zhang.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameUser(t, got, zhang)
	zhang.Disabled, zhang.Roles = true, nil
	update(t, s, func(tx store.Tx) error { return tx.UpdateUser(zhang) })
	got, err = s.UserByName(ctx, "zhang.san")
	if err != nil {
		t.Fatal(err)
	}
	sameUser(t, got, zhang)
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateUser(&store.User{ID: li.ID + zhang.ID, Username: "ghost", PasswordHash: "z"})
	})
	wantCode(t, err, credit.ENOTFOUND)
}

func testSessions(t *testing.T, s store.Store) {
	a := &store.Session{Key: "k-a", UserID: 1, CreatedAt: t1, LastSeenAt: t1, RemoteAddr: "10.0.0.1", UserAgent: "Firefox"}
	b := &store.Session{Key: "k-b", UserID: 1, CreatedAt: t1, LastSeenAt: t1}
	c := &store.Session{Key: "k-c", UserID: 2, CreatedAt: t1, LastSeenAt: t1}
	update(t, s, func(tx store.Tx) error {
		for _, x := range []*store.Session{a, b, c} {
			if err := tx.InsertSession(x); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.SessionByKey(ctx, "k-a")
	if err != nil || got.Key != "k-a" || got.UserID != 1 || got.RemoteAddr != "10.0.0.1" || got.UserAgent != "Firefox" ||
		!got.CreatedAt.Equal(sec(t1)) || !got.LastSeenAt.Equal(sec(t1)) {
		t.Fatalf("SessionByKey = %+v, %v", got, err)
	}
	_, err = s.SessionByKey(ctx, "k-x")
	wantCode(t, err, credit.ENOTFOUND)

	seen := t1.Add(10 * time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.TouchSession("k-a", seen) })
	got, err = s.SessionByKey(ctx, "k-a")
	if err != nil || !got.LastSeenAt.Equal(sec(seen)) || !got.CreatedAt.Equal(sec(t1)) {
		t.Fatalf("after TouchSession: %+v, %v", got, err)
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.TouchSession("k-x", seen) })
	wantCode(t, err, credit.ENOTFOUND)

	update(t, s, func(tx store.Tx) error { return tx.DeleteSession("k-a") })
	_, err = s.SessionByKey(ctx, "k-a")
	wantCode(t, err, credit.ENOTFOUND)
	update(t, s, func(tx store.Tx) error { return tx.DeleteSession("k-a") }) // signing out twice is fine

	update(t, s, func(tx store.Tx) error { return tx.DeleteUserSessions(1) })
	_, err = s.SessionByKey(ctx, "k-b")
	wantCode(t, err, credit.ENOTFOUND)
	if _, err := s.SessionByKey(ctx, "k-c"); err != nil {
		t.Fatalf("another user's session went too: %v", err)
	}
	if got, _ := s.SessionByKey(ctx, "k-c"); got.SubjectKey != "" {
		t.Fatalf("a staff session has subject key %q", got.SubjectKey)
	}

	// A subject's session: user 0 and its subject key. Signing a subject out everywhere
	// leaves other subjects' and staff sessions alone.
	d := &store.Session{Key: "k-d", SubjectKey: "91371002MA3C000001", CreatedAt: t1, LastSeenAt: t1}
	e := &store.Session{Key: "k-e", SubjectKey: "P:abc", CreatedAt: t1, LastSeenAt: t1}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertSession(d); err != nil {
			return err
		}
		return tx.InsertSession(e)
	})
	got, err = s.SessionByKey(ctx, "k-d")
	if err != nil || got.UserID != 0 || got.SubjectKey != "91371002MA3C000001" {
		t.Fatalf("subject session = %+v, %v", got, err)
	}
	update(t, s, func(tx store.Tx) error { return tx.DeleteSubjectSessions("91371002MA3C000001") })
	_, err = s.SessionByKey(ctx, "k-d")
	wantCode(t, err, credit.ENOTFOUND)
	update(t, s, func(tx store.Tx) error { return tx.DeleteSubjectSessions("") }) // no key: nothing
	for _, k := range []string{"k-c", "k-e"} {
		if _, err := s.SessionByKey(ctx, k); err != nil {
			t.Fatalf("session %s went too: %v", k, err)
		}
	}
}

func testSubjectCredentials(t *testing.T, s store.Store) {
	_, err := s.SubjectCredential(ctx, "91371002MA3C000001")
	wantCode(t, err, credit.ENOTFOUND)
	a := &store.SubjectCredential{SubjectKey: "91371002MA3C000001", Hash: "h1", IssuedAt: t1}
	b := &store.SubjectCredential{SubjectKey: "91371002MA3C000002", Hash: "h2", IssuedAt: t1.Add(time.Hour)}
	update(t, s, func(tx store.Tx) error {
		if err := tx.PutSubjectCredential(a); err != nil {
			return err
		}
		return tx.PutSubjectCredential(b)
	})
	same := func(got, want *store.SubjectCredential) {
		t.Helper()
		if got.SubjectKey != want.SubjectKey || got.Hash != want.Hash || !got.IssuedAt.Equal(sec(want.IssuedAt)) || got.Revoked != want.Revoked {
			t.Fatalf("credential = %+v, want %+v", got, want)
		}
	}
	got, err := s.SubjectCredential(ctx, a.SubjectKey)
	if err != nil {
		t.Fatal(err)
	}
	same(got, a)
	list, err := s.SubjectCredentials(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("SubjectCredentials = %+v, %v", list, err)
	}
	same(list[0], b) // newest first
	same(list[1], a)

	// Re-issuing replaces the hash and time; revoking keeps the row.
	a.Hash, a.IssuedAt = "h1'", t1.Add(2*time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.PutSubjectCredential(a) })
	a.Revoked = true
	update(t, s, func(tx store.Tx) error { return tx.PutSubjectCredential(a) })
	got, err = s.SubjectCredential(ctx, a.SubjectKey)
	if err != nil {
		t.Fatal(err)
	}
	same(got, a)
	if list, err := s.SubjectCredentials(ctx); err != nil || len(list) != 2 || list[0].SubjectKey != a.SubjectKey {
		t.Fatalf("after re-issue: %+v, %v", list, err)
	}
}

func testOneTimeCodes(t *testing.T, s store.Store) {
	_, err := s.OneTimeCode(ctx, "P:abc")
	wantCode(t, err, credit.ENOTFOUND)
	c := &store.OneTimeCode{SubjectKey: "P:abc", Hash: "h", ExpiresAt: t1.Add(5 * time.Minute)}
	other := &store.OneTimeCode{SubjectKey: "P:def", Hash: "g", ExpiresAt: t1}
	update(t, s, func(tx store.Tx) error {
		if err := tx.PutOneTimeCode(c); err != nil {
			return err
		}
		return tx.PutOneTimeCode(other)
	})
	check := func(want *store.OneTimeCode) {
		t.Helper()
		got, err := s.OneTimeCode(ctx, want.SubjectKey)
		if err != nil || got.Hash != want.Hash || !got.ExpiresAt.Equal(sec(want.ExpiresAt)) || got.Attempts != want.Attempts {
			t.Fatalf("OneTimeCode = %+v, %v; want %+v", got, err, want)
		}
	}
	check(c)
	c.Attempts = 3
	update(t, s, func(tx store.Tx) error { return tx.PutOneTimeCode(c) })
	check(c)
	// A new code replaces the pending one, attempts and all.
	c.Hash, c.ExpiresAt, c.Attempts = "h2", t1.Add(10*time.Minute), 0
	update(t, s, func(tx store.Tx) error { return tx.PutOneTimeCode(c) })
	check(c)
	update(t, s, func(tx store.Tx) error { return tx.DeleteOneTimeCode("P:abc") })
	_, err = s.OneTimeCode(ctx, "P:abc")
	wantCode(t, err, credit.ENOTFOUND)
	update(t, s, func(tx store.Tx) error { return tx.DeleteOneTimeCode("P:abc") }) // twice is fine
	check(other)
}

func testLoginFailures(t *testing.T, s store.Store) {
	at := []time.Time{t1, t1.Add(2 * time.Minute), t1.Add(5 * time.Minute)}
	update(t, s, func(tx store.Tx) error {
		for i, x := range at {
			if err := tx.AddLoginFailure([]string{"Zhang", "zhang", "ZHANG"}[i], x, "10.0.0.9"); err != nil {
				return err
			}
		}
		return tx.AddLoginFailure("li", t1, "10.0.0.9")
	})
	want := func(since time.Time, n int) {
		t.Helper()
		got, err := s.LoginFailures(ctx, "zHang", since)
		if err != nil || len(got) != n {
			t.Fatalf("LoginFailures(since %v) = %v, %v; want %d", since, got, err, n)
		}
		for i, g := range got {
			if w := at[len(at)-n+i]; !g.Equal(sec(w)) {
				t.Fatalf("failure %d at %v, want %v", i, g, sec(w))
			}
		}
	}
	want(time.Time{}, 3)
	want(t1.Add(time.Minute), 2)
	want(sec(at[2]), 1) // since is inclusive
	want(t1.Add(time.Hour), 0)

	update(t, s, func(tx store.Tx) error { return tx.ClearLoginFailures("ZHANG", t1.Add(3*time.Minute)) })
	want(time.Time{}, 1)
	update(t, s, func(tx store.Tx) error { return tx.ClearLoginFailures("zhang", time.Time{}) })
	want(time.Time{}, 0)
	other, err := s.LoginFailures(ctx, "li", time.Time{})
	if err != nil || len(other) != 1 {
		t.Fatalf("another user's failures: %v, %v", other, err)
	}
}

func sameToken(t *testing.T, got, want *auth.Token) {
	t.Helper()
	if got.ID != want.ID || got.Dept != want.Dept || got.Name != want.Name || got.Hash != want.Hash ||
		!slices.Equal(got.Scopes, want.Scopes) || got.CreatedBy != want.CreatedBy ||
		!got.ExpiresAt.Equal(sec(want.ExpiresAt)) || !got.RevokedAt.Equal(sec(want.RevokedAt)) ||
		!got.CreatedAt.Equal(sec(want.CreatedAt)) || !got.LastUsedAt.Equal(sec(want.LastUsedAt)) {
		t.Fatalf("token = %+v, want %+v", got, want)
	}
}

func testTokens(t *testing.T, s store.Store) {
	a1 := &auth.Token{Dept: "fgw", Name: "双公示自动报送", Hash: auth.TokenHash("a1"), Scopes: []auth.Scope{auth.ScopeRecordsWrite, auth.ScopeBatchesRead},
		ExpiresAt: t1.Add(300 * 24 * time.Hour), CreatedBy: "user:1", CreatedAt: t1}
	b1 := &auth.Token{Dept: "scjg", Name: "核查", Hash: auth.TokenHash("b1"), Scopes: []auth.Scope{auth.ScopeChecksWrite},
		ExpiresAt: t1.Add(24 * time.Hour), CreatedBy: "user:1", CreatedAt: t1.Add(time.Minute)}
	a2 := &auth.Token{Dept: "fgw", Name: "共享读取", Hash: auth.TokenHash("a2"), Scopes: []auth.Scope{auth.ScopeRecordsRead},
		ExpiresAt: t1.Add(24 * time.Hour), CreatedBy: "user:2", CreatedAt: t1.Add(2 * time.Minute)}
	update(t, s, func(tx store.Tx) error {
		for _, x := range []*auth.Token{a1, b1, a2} {
			if err := tx.InsertToken(x); err != nil {
				return err
			}
		}
		return nil
	})
	if a1.ID == 0 || b1.ID == 0 || a2.ID == 0 || a1.ID == a2.ID {
		t.Fatalf("ids not set: %d %d %d", a1.ID, b1.ID, a2.ID)
	}
	got, err := s.TokenByHash(ctx, auth.TokenHash("a1"))
	if err != nil {
		t.Fatal(err)
	}
	sameToken(t, got, a1)
	if !got.RevokedAt.IsZero() || !got.LastUsedAt.IsZero() {
		t.Fatalf("new token revoked %v, last used %v", got.RevokedAt, got.LastUsedAt)
	}
	_, err = s.TokenByHash(ctx, auth.TokenHash("nope"))
	wantCode(t, err, credit.ENOTFOUND)

	list, err := s.Tokens(ctx, "fgw")
	if err != nil || len(list) != 2 || list[0].ID != a2.ID || list[1].ID != a1.ID { // newest first
		t.Fatalf("Tokens(fgw) = %+v, %v", list, err)
	}
	list, err = s.Tokens(ctx, "")
	if err != nil || len(list) != 3 || list[0].ID != a2.ID || list[1].ID != b1.ID || list[2].ID != a1.ID {
		t.Fatalf("Tokens() = %+v, %v", list, err)
	}

	a1.LastUsedAt = t1.Add(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdateToken(a1) })
	a1.RevokedAt = t1.Add(2 * time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdateToken(a1) })
	got, err = s.TokenByHash(ctx, a1.Hash)
	if err != nil {
		t.Fatal(err)
	}
	sameToken(t, got, a1)
	if got.Valid(t1.Add(3*time.Hour)) != auth.ErrTokenRevoked {
		t.Fatalf("revoked token valid: %v", got.Valid(t1.Add(3*time.Hour)))
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateToken(&auth.Token{ID: a1.ID + b1.ID + a2.ID}) })
	wantCode(t, err, credit.ENOTFOUND)

	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertToken(&auth.Token{Dept: "other", Name: "dup", Hash: a2.Hash, ExpiresAt: t1, CreatedAt: t1})
	})
	wantCode(t, err, credit.ECONFLICT)
}

func testQueryLog(t *testing.T, s store.Store) {
	var logs []*store.QueryLog
	for i := range 6 {
		logs = append(logs, &store.QueryLog{
			At:         t1.Add(time.Duration(i) * time.Minute),
			Actor:      []string{"user:1", "token:7@fgw"}[i%2],
			Dept:       []string{"xyb", "fgw"}[i%2],
			Purpose:    "行政许可审查",
			SubjectKey: []string{"91371002MA3C000001", "P:abc", "91371002MA3C000001"}[i%3],
			Route:      "GET /v1/subjects/{key}/records",
			Returned:   fmt.Sprintf("records:admin_penalty×%d", i),
			RemoteAddr: "10.0.0.2",
		})
	}
	update(t, s, func(tx store.Tx) error {
		for _, l := range logs {
			if err := tx.AppendQueryLog(l); err != nil {
				return err
			}
		}
		return nil
	})
	for i := 1; i < len(logs); i++ {
		if logs[i].ID <= logs[i-1].ID {
			t.Fatalf("ids not increasing: %d then %d", logs[i-1].ID, logs[i].ID)
		}
	}
	query := func(f store.QueryLogFilter) []int {
		t.Helper()
		var out []int
		err := s.QueryLogs(ctx, f, func(l *store.QueryLog) error {
			i := slices.IndexFunc(logs, func(x *store.QueryLog) bool { return x.ID == l.ID })
			if i < 0 {
				return fmt.Errorf("unknown id %d", l.ID)
			}
			w := *logs[i]
			if !l.At.Equal(sec(w.At)) {
				return fmt.Errorf("entry %d at %v, want %v", i, l.At, sec(w.At))
			}
			g := *l
			g.At, w.At = time.Time{}, time.Time{}
			if g != w {
				return fmt.Errorf("entry %d = %+v, want %+v", i, g, w)
			}
			out = append(out, i)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	check := func(name string, f store.QueryLogFilter, want ...int) {
		t.Helper()
		if got := query(f); !slices.Equal(got, want) {
			t.Errorf("%s: entries %v, want %v", name, got, want)
		}
	}
	check("all", store.QueryLogFilter{}, 0, 1, 2, 3, 4, 5)
	check("subject", store.QueryLogFilter{SubjectKey: "91371002MA3C000001"}, 0, 2, 3, 5)
	check("actor", store.QueryLogFilter{Actor: "token:7@fgw"}, 1, 3, 5)
	check("subject and actor", store.QueryLogFilter{SubjectKey: "P:abc", Actor: "token:7@fgw"}, 1)
	check("from, to exclusive", store.QueryLogFilter{From: sec(logs[1].At), To: sec(logs[4].At)}, 1, 2, 3)
	check("from only", store.QueryLogFilter{From: logs[4].At}, 4, 5)
	check("to only", store.QueryLogFilter{To: sec(logs[1].At)}, 0)
	check("nobody", store.QueryLogFilter{Actor: "user:99"})
	check("newest first", store.QueryLogFilter{Newest: true}, 5, 4, 3, 2, 1, 0)
	check("newest first, a page", store.QueryLogFilter{Newest: true, Limit: 2}, 5, 4)
	check("actor, newest first, after", store.QueryLogFilter{Actor: "token:7@fgw", Newest: true, AfterID: logs[5].ID}, 3, 1)
	check("subject, newest first", store.QueryLogFilter{SubjectKey: "91371002MA3C000001", Newest: true, Limit: 3}, 5, 3, 2)
	for _, c := range []struct {
		f    store.QueryLogFilter
		want int64
	}{
		{store.QueryLogFilter{}, 6},
		{store.QueryLogFilter{SubjectKey: "91371002MA3C000001"}, 4},
		{store.QueryLogFilter{SubjectKey: "P:abc", Actor: "token:7@fgw"}, 1},
		{store.QueryLogFilter{Actor: "token:7@fgw", From: sec(logs[3].At)}, 2},
		{store.QueryLogFilter{To: sec(logs[1].At)}, 1},
		{store.QueryLogFilter{SubjectKey: "nobody"}, 0},
	} {
		if n, err := s.CountQueryLogs(ctx, c.f); err != nil || n != c.want {
			t.Errorf("CountQueryLogs(%+v) = %d, %v; want %d", c.f, n, err, c.want)
		}
	}

	// Paging: AfterID the last id of the page before.
	var pages [][]int
	after := int64(0)
	for {
		page := query(store.QueryLogFilter{SubjectKey: "91371002MA3C000001", AfterID: after, Limit: 3})
		if len(page) == 0 {
			break
		}
		pages = append(pages, page)
		after = logs[page[len(page)-1]].ID
	}
	if len(pages) != 2 || !slices.Equal(pages[0], []int{0, 2, 3}) || !slices.Equal(pages[1], []int{5}) {
		t.Errorf("pages = %v", pages)
	}

	stop := errors.New("stop")
	n := 0
	err := s.QueryLogs(ctx, store.QueryLogFilter{}, func(*store.QueryLog) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("an error from fn: got %v after %d calls", err, n)
	}
}

// appendAudit appends one entry after the head, read in the same transaction, as callers do.
func appendAudit(tx store.Tx, at time.Time, actor, action, object string, detail any) (*audit.Entry, error) {
	seq, prev, err := tx.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	e, err := audit.NewEntry(seq+1, at, actor, action, object, detail)
	if err != nil {
		return nil, err
	}
	audit.Chain(prev, e)
	return e, tx.AppendAudit(e)
}

// auditLog reads the whole log as audit.Verify takes it.
func auditLog(s store.Store, from int64) iter.Seq2[*audit.Entry, error] {
	return func(yield func(*audit.Entry, error) bool) {
		stop := errors.New("stop")
		err := s.AuditEntries(ctx, from, func(e *audit.Entry) error {
			if !yield(e, nil) {
				return stop
			}
			return nil
		})
		if err != nil && err != stop {
			yield(nil, err)
		}
	}
}

func testAudit(t *testing.T, s store.Store) {
	seq, hash, err := s.AuditHead(ctx)
	if err != nil || seq != 0 || hash != audit.Genesis {
		t.Fatalf("empty AuditHead = %d, %q, %v", seq, hash, err)
	}
	shanghai := time.FixedZone("CST", 8*3600)
	var want []*audit.Entry
	for i, detail := range []any{
		map[string]any{"name": "张三", "roles": []string{"submitter"}, "note": "a <b> & \"c\""},
		nil,
		rawJSON(`{ "version" : 4,  "items": [1, 2.50, {"k": null}] }`),
	} {
		at := t1.In(shanghai).Add(time.Duration(i)*time.Second + 987*time.Nanosecond) // Chain drops the nanoseconds
		update(t, s, func(tx store.Tx) error {
			e, err := appendAudit(tx, at, "user:1", "user.add", fmt.Sprintf("user:%d", i+2), detail)
			want = append(want, e)
			return err
		})
	}
	seq, hash, err = s.AuditHead(ctx)
	if err != nil || seq != 3 || hash != want[2].Hash {
		t.Fatalf("AuditHead = %d, %q, %v; want 3, %q", seq, hash, err, want[2].Hash)
	}

	var got []*audit.Entry
	if err := s.AuditEntries(ctx, 2, func(e *audit.Entry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("AuditEntries(2) gave %d entries, want 2", len(got))
	}
	for i, g := range got {
		w := want[i+1]
		if g.Seq != w.Seq || !g.At.Equal(w.At) || g.At.Location() != time.UTC || g.At.Nanosecond()%1000 != 0 || g.Actor != w.Actor ||
			g.Action != w.Action || g.Object != w.Object || !bytes.Equal(g.Detail, w.Detail) || g.Prev != w.Prev || g.Hash != w.Hash {
			t.Errorf("entry %d = %+v (detail %s), want %+v (detail %s)", w.Seq, g, g.Detail, w, w.Detail)
		}
		if g.Compute(g.Prev) != g.Hash {
			t.Errorf("entry %d does not hash to its Hash after the round trip", g.Seq)
		}
	}
	if string(got[1].Detail) != `{"version":4,"items":[1,2.50,{"k":null}]}` || got[0].Detail != nil {
		t.Errorf("details %q, %q", got[0].Detail, got[1].Detail)
	}

	// Appends that do not follow the head.
	for name, mod := range map[string]func(e *audit.Entry){
		"seq after a gap":  func(e *audit.Entry) { e.Seq = 5 },
		"seq already used": func(e *audit.Entry) { e.Seq = 3 },
		"prev not the head": func(e *audit.Entry) {
			e.Seq = 4
			audit.Chain(want[1].Hash, e)
		},
	} {
		err := s.Update(ctx, func(tx store.Tx) error {
			e, err := audit.NewEntry(4, t1.Add(time.Hour), "system", "test", "", nil)
			if err != nil {
				return err
			}
			audit.Chain(want[2].Hash, e)
			mod(e)
			if e.Prev == want[2].Hash {
				audit.Chain(e.Prev, e) // rehash with the modified seq
			}
			return tx.AppendAudit(e)
		})
		if credit.ErrorCode(err) != credit.ECONFLICT {
			t.Errorf("%s: error %v, want ECONFLICT", name, err)
		}
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		e, _ := audit.NewEntry(4, t1.Add(time.Hour), "system", "test", "", nil)
		audit.Chain(want[2].Hash, e)
		e.Object = "tampered"
		return tx.AppendAudit(e)
	})
	wantCode(t, err, credit.EINVALID)

	// Two appends in one transaction: the second sees the first as the head.
	update(t, s, func(tx store.Tx) error {
		for range 2 {
			if _, err := appendAudit(tx, t1.Add(time.Hour), "system", "catalog.publish", "catalog:v4", map[string]int{"version": 4}); err != nil {
				return err
			}
		}
		return nil
	})
	// A rolled-back append leaves no trace.
	err = s.Update(ctx, func(tx store.Tx) error {
		if _, err := appendAudit(tx, t1.Add(time.Hour), "system", "x", "", nil); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("rollback: no error")
	}
	checked, broken, err := audit.Verify(auditLog(s, 1))
	if checked != 5 || broken != 0 || err != nil {
		t.Fatalf("Verify = %d, %d, %v; want 5 intact", checked, broken, err)
	}
}

// rawJSON is detail that encodes as itself (NewEntry encodes detail; Chain compacts it).
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// testAuditConcurrent: appenders racing for the head each end up with their own seq, retrying
// on ECONFLICT, and the chain holds.
func testAuditConcurrent(t *testing.T, s store.Store) {
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			for try := 0; ; try++ {
				err := s.Update(ctx, func(tx store.Tx) error {
					_, err := appendAudit(tx, t1.Add(time.Duration(i)*time.Millisecond), fmt.Sprintf("user:%d", i), "test", "", nil)
					return err
				})
				if credit.ErrorCode(err) == credit.ECONFLICT && try < 100 {
					continue
				}
				errs <- err
				return
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checked, broken, err := audit.Verify(auditLog(s, 1))
	if checked != n || broken != 0 || err != nil {
		t.Fatalf("Verify = %d, %d, %v; want %d intact", checked, broken, err, n)
	}
}
