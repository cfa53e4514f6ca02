package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// TestLogChecksAllOrNothing: the pipelined batch of LogChecks is one transaction on the
// server: when a statement in it fails, the checks and query-log entries before it are not
// stored either, and a later batch is stored whole (the connection left in the failed
// transaction is not reused).
func TestLogChecksAllOrNothing(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	mk := func(key string) ([]*store.Check, []*store.QueryLog) {
		c := &store.Check{At: at, Actor: "clerk1", Dept: "cz", Matter: "bidding", SubjectKey: key, Verdict: credit.VerdictBlock,
			Measures: []store.CheckMeasure{{Measure: "P01", Dept: "fgw", Direction: credit.DirectionPunishment, Effect: credit.EffectBlock}}}
		q := &store.QueryLog{At: at, Actor: "clerk1", Dept: "cz", Purpose: "信用核查", SubjectKey: key}
		return []*store.Check{c}, []*store.QueryLog{q}
	}
	cs, qs := mk("failed-key")
	if err := db.LogChecksThenFail(ctx, cs, qs); err == nil {
		t.Fatal("a failing batch reported success")
	}
	if c, err := db.Check(ctx, cs[0].ID); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Fatalf("check of a failed batch: %+v, %v", c, err)
	}
	logged := func(key string) int {
		n := 0
		if err := db.QueryLogs(ctx, store.QueryLogFilter{SubjectKey: key}, func(*store.QueryLog) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := logged("failed-key"); n != 0 {
		t.Fatalf("query-log entries of a failed batch: %d", n)
	}
	for range 20 { // more than the pool's connections: none is left in the failed transaction
		cs, qs = mk("good-key")
		if err := db.LogChecks(ctx, cs, qs); err != nil {
			t.Fatal(err)
		}
		if c, err := db.Check(ctx, cs[0].ID); err != nil || len(c.Measures) != 1 {
			t.Fatalf("check after a failed batch: %+v, %v", c, err)
		}
	}
	if n := logged("good-key"); n != 20 {
		t.Fatalf("query-log entries: %d, want 20", n)
	}
}
