package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/xinyong/xinyong/store/sqlite"
	"github.com/xinyong/xinyong/store/storetest"
)

// TestQueryLogParts reads a subject's query log across the parts of its index; the ids are
// moved on by a row of no subject with the id before the one wanted (SQLite gives the next
// row the highest id plus one).
func TestQueryLogParts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	storetest.QueryLogParts(t, db, func(id int64) {
		if _, err := raw.Exec(`INSERT INTO query_log (id, at, actor) VALUES (?, 0, 'test')`, id-1); err != nil {
			t.Fatal(err)
		}
	})
}
