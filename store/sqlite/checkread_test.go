package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// BenchmarkSubjectAndEntries compares a window check's read in one statement with the two
// reads it replaced, on 20,000 list entries (half the keys read are listed, as in the bench).
func BenchmarkSubjectAndEntries(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 20000
	es := make([]*credit.ListEntry, n)
	for i := range es {
		k := fmt.Sprintf("91371002MA%08d", i)
		es[i] = &credit.ListEntry{List: "court_defaulter", SubjectKey: k, SubjectCode: k, SubjectName: "某某公司", Dept: "fy",
			Reason: "拒不履行", Document: "(2026)鲁10执1号", Status: credit.EntryPublished, ValidFrom: t0,
			ValidUntil: t0.AddDate(2, 0, 0), ProposedBy: "u1", ProposedAt: t0}
	}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.InsertListEntries(es) }); err != nil {
		b.Fatal(err)
	}
	key := func(i int) string { return fmt.Sprintf("91371002MA%08d", (i*7919)%(2*n)) }
	b.Run("one-statement", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, _, err := db.SubjectAndEntries(ctx, key(i), credit.EntryPublished); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("two-statements", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := db.SubjectByKey(ctx, key(i)); credit.ErrorCode(err) != credit.ENOTFOUND {
				b.Fatal(err)
			}
			if _, err := db.SubjectEntries(ctx, key(i), credit.EntryPublished); err != nil {
				b.Fatal(err)
			}
		}
	})
}
