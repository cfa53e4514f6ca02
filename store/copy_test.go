package store_test

import (
	"context"
	"iter"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
)

// alter is a destination that changes one value of one table on its way in, as a faulty copy
// would: the read-back checksum must catch it.
type alter struct {
	*sqlite.DB
	table string
	drop  bool
}

func (a alter) CopyWrite(ctx context.Context, table string, cols []store.CopyColumn, rows iter.Seq2[[]any, error]) (int64, error) {
	if table != a.table {
		return a.DB.CopyWrite(ctx, table, cols, rows)
	}
	first := true
	return a.DB.CopyWrite(ctx, table, cols, func(yield func([]any, error) bool) {
		for row, err := range rows {
			if first && err == nil {
				first = false
				if a.drop {
					continue
				}
				for i, v := range row {
					if s, ok := v.(string); ok {
						row[i] = s + "x"
						break
					}
				}
			}
			if !yield(row, err) {
				return
			}
		}
	})
}

func openFile(t *testing.T, name string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestCopyDetectsMismatch(t *testing.T) {
	ctx := context.Background()
	src := openFile(t, "src.db")
	err := src.Update(ctx, func(tx store.Tx) error {
		if err := tx.SetMeta("a", "1"); err != nil {
			return err
		}
		if err := tx.SetMeta("b", "2"); err != nil {
			return err
		}
		s := &credit.Subject{Key: "k1", Kind: credit.KindEnterprise, Name: "威海某某有限公司", NameNorm: "威海某某有限公司", Status: "active",
			CreatedAt: time.Unix(1700000000, 0), UpdatedAt: time.Unix(1700000000, 0), FormerNames: []string{"旧名"}}
		return tx.InsertSubjects([]*credit.Subject{s})
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := store.Copy(ctx, src, openFile(t, "ok.db"), store.CopyOptions{})
	if err != nil || len(rep.Mismatches()) > 0 {
		t.Fatalf("plain copy: %v %+v", err, rep)
	}
	rep, err = store.Copy(ctx, src, alter{DB: openFile(t, "bad.db"), table: "meta"}, store.CopyOptions{})
	if err == nil || rep == nil || strings.Join(rep.Mismatches(), ",") != "meta" {
		t.Fatalf("an altered value must be reported: %v %+v", err, rep)
	}
	if _, err := store.Copy(ctx, src, alter{DB: openFile(t, "drop.db"), table: "subjects", drop: true}, store.CopyOptions{}); err == nil {
		t.Fatal("a dropped row must be reported")
	}
	// A destination with data is refused, unless told to overwrite it.
	full := openFile(t, "full.db")
	full.Update(ctx, func(tx store.Tx) error { return tx.SetMeta("z", "9") })
	if _, err := store.Copy(ctx, src, full, store.CopyOptions{}); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Fatalf("full destination: %v", err)
	}
	if _, err := store.Copy(ctx, src, full, store.CopyOptions{Overwrite: true}); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	if _, err := full.Meta(ctx, "z"); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Fatalf("overwrite kept the old data: %v", err)
	}
	res, err := full.SearchSubjects(ctx, store.SearchQuery{Name: "旧名"})
	if err != nil || len(res.Subjects) != 1 {
		t.Fatalf("search on the copy (rebuilt index): %v %+v", err, res)
	}
}

func TestChecksumOrderFree(t *testing.T) {
	cols := []store.CopyColumn{{Name: "a", Kind: store.KindText}, {Name: "j", Kind: store.KindJSON}}
	var x, y store.Checksum
	r1, r2 := []any{"1", `{"b":1,"a":[2]}`}, []any{"2", nil}
	x.Add(cols, r1)
	x.Add(cols, r2)
	y.Add(cols, r2)
	y.Add(cols, []any{"1", `{"a": [2], "b": 1}`})
	if x.String() != y.String() || x.Rows() != 2 {
		t.Fatalf("same rows, other order or JSON spacing: %s vs %s", x.String(), y.String())
	}
	y.Add(cols, r2)
	if x.String() == y.String() {
		t.Fatal("a duplicated row must change the checksum")
	}
}

func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":"x"}`, `[1, 2.50, "<&>"]`, `"\u0000"`, `{"a": {"c": null, "b": true}}`, `not json`, `1 2`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := store.CanonicalJSON(s)
		if store.CanonicalJSON(c) != c {
			t.Fatalf("not idempotent: %q → %q → %q", s, c, store.CanonicalJSON(c))
		}
	})
}
