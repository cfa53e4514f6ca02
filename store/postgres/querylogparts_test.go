package postgres_test

import (
	"context"
	"testing"

	"github.com/xinyong/xinyong/store/storetest"
)

// TestQueryLogParts reads a subject's query log across the parts of its index; the ids are
// moved on by raising the query log's sequence.
func TestQueryLogParts(t *testing.T) {
	ctx := context.Background()
	db, conn := openWithConn(t)
	storetest.QueryLogParts(t, db, func(id int64) {
		if _, err := conn.Exec(ctx, `SELECT setval('query_log_ids', $1)`, id-1); err != nil {
			t.Fatal(err)
		}
	})
}
