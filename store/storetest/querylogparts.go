package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/xinyong/xinyong/store"
)

// QueryLogParts checks that a subject's query log reads and counts the same across the parts
// of the subject index (store.QueryLogPartBits): entries in several parts, with empty parts
// between, read oldest or newest first with every filter and page size. skipTo makes the
// store give the next query-log entry an id of at least id (raising its sequence); a store
// whose ids cannot be moved from outside does not run this test.
func QueryLogParts(t *testing.T, s store.Store, skipTo func(id int64)) {
	const part = int64(1) << store.QueryLogPartBits
	var logs []*store.QueryLog
	appendLogs := func(n int) {
		t.Helper()
		var batch []*store.QueryLog
		for range n {
			i := len(logs)
			l := &store.QueryLog{
				At:         t1.Add(time.Duration(i) * time.Minute),
				Actor:      []string{"user:1", "user:2"}[i%2],
				Purpose:    "核查",
				SubjectKey: []string{"91371002MA3C000001", "91371002MA3C000002", "91371002MA3C000001"}[i%3],
				Route:      "POST /api/v1/checks",
			}
			logs, batch = append(logs, l), append(batch, l)
		}
		update(t, s, func(tx store.Tx) error {
			for _, l := range batch {
				if err := tx.AppendQueryLog(l); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// Part 0, then the last ids of part 2 and the first of part 3, then part 6 (3 to 5 empty).
	appendLogs(4)
	skipTo(3*part - 2)
	appendLogs(5)
	skipTo(6*part + 7)
	appendLogs(4)
	if parts := logs[len(logs)-1].ID >> store.QueryLogPartBits; parts != 6 {
		t.Fatalf("the last entry has id %d (part %d), want part 6: skipTo did not move the ids", logs[len(logs)-1].ID, parts)
	}

	// want: the entries f selects, in the order it asks, by the filter's own rules.
	want := func(f store.QueryLogFilter) []int64 {
		var out []int64
		order := slices.Clone(logs)
		if f.Newest {
			slices.Reverse(order)
		}
		for _, l := range order {
			if l.SubjectKey != f.SubjectKey || (f.Actor != "" && l.Actor != f.Actor) ||
				(!f.From.IsZero() && l.At.Before(f.From)) || (!f.To.IsZero() && !l.At.Before(f.To)) {
				continue
			}
			if f.AfterID > 0 && (f.Newest && l.ID >= f.AfterID || !f.Newest && l.ID <= f.AfterID) {
				continue
			}
			if out = append(out, l.ID); len(out) == f.Limit {
				break
			}
		}
		return out
	}
	read := func(f store.QueryLogFilter) []int64 {
		t.Helper()
		var out []int64
		err := s.QueryLogs(ctx, f, func(l *store.QueryLog) error {
			if l.SubjectKey != f.SubjectKey {
				return fmt.Errorf("entry %d is of subject %q", l.ID, l.SubjectKey)
			}
			out = append(out, l.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, key := range []string{"91371002MA3C000001", "91371002MA3C000002", "91371002MA3C000009"} {
		for _, f := range []store.QueryLogFilter{
			{SubjectKey: key},
			{SubjectKey: key, Actor: "user:2"},
			{SubjectKey: key, From: logs[3].At, To: logs[10].At},
			{SubjectKey: key, AfterID: logs[5].ID},
			{SubjectKey: key, AfterID: 3*part - 1},
			{SubjectKey: key, AfterID: -1, Limit: 1},
			{SubjectKey: key, Newest: true},
			{SubjectKey: key, Newest: true, Limit: 2},
			{SubjectKey: key, Newest: true, AfterID: logs[10].ID},
			{SubjectKey: key, Newest: true, AfterID: 3 * part},
			{SubjectKey: key, Newest: true, Actor: "user:1", From: logs[2].At},
		} {
			if got, w := read(f), want(f); !slices.Equal(got, w) {
				t.Errorf("%+v: ids %v, want %v", f, got, w)
			}
			c := f
			c.AfterID, c.Limit, c.Newest = 0, 0, false
			if n, err := s.CountQueryLogs(ctx, c); err != nil || n != int64(len(want(c))) {
				t.Errorf("count %+v = %d, %v; want %d", c, n, err, len(want(c)))
			}
		}
		// Paging with every page size, both ways, reads each entry once, in order.
		for _, newest := range []bool{false, true} {
			all := want(store.QueryLogFilter{SubjectKey: key, Newest: newest})
			for size := 1; size <= len(all)+1; size++ {
				var got []int64
				for after := int64(0); ; {
					page := read(store.QueryLogFilter{SubjectKey: key, AfterID: after, Limit: size, Newest: newest})
					if len(page) > size {
						t.Fatalf("page of %d entries with limit %d", len(page), size)
					}
					if got = append(got, page...); len(page) < size {
						break
					}
					after = page[len(page)-1]
				}
				if !slices.Equal(got, all) {
					t.Errorf("%s in pages of %d (newest first: %v): ids %v, want %v", key, size, newest, got, all)
				}
			}
		}
	}
}
