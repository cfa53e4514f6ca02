package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/store"
)

// TestAppendRowsNumbering: rows inserted without their ids are numbered on from the table's
// largest id, across statements, and a first id that is not the next one is an error that
// leaves nothing written.
func TestAppendRowsNumbering(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE nums (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	insert := func(n int, first func(t *tx) (int64, error)) error {
		return db.Update(ctx, func(st store.Tx) error {
			t := st.(*tx)
			f, err := first(t)
			if err != nil {
				return err
			}
			return t.appendRows(`INSERT OR ROLLBACK INTO nums (v) VALUES `, 1, n, f, func(i int, a []any) []any {
				return append(a, fmt.Sprint(f+int64(i)))
			})
		})
	}
	next := func(t *tx) (int64, error) { return t.nextID("nums") }
	if err := insert(3, next); err != nil {
		t.Fatal(err)
	}
	if err := insert(1200, next); err != nil { // three statements
		t.Fatal(err)
	}
	err = insert(2, func(t *tx) (int64, error) { n, err := t.nextID("nums"); return n + 5, err })
	if err == nil || !strings.Contains(err.Error(), "expected") {
		t.Fatalf("wrong first id: %v", err)
	}
	var n, bad int
	if err := db.write.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE v <> CAST(id AS TEXT)) FROM nums`).Scan(&n, &bad); err != nil {
		t.Fatal(err)
	}
	if n != 1203 || bad != 0 {
		t.Fatalf("%d rows, %d numbered otherwise than expected", n, bad)
	}
}
