package bench

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestSmall runs every bench on a tiny city: the benches must keep working, whatever they
// measure.
func TestSmall(t *testing.T) {
	small(t, Options{Records: 3000, Dir: t.TempDir(), Ops: 200})
}

func TestSmallPostgres(t *testing.T) {
	dsn := os.Getenv("XINYONG_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("XINYONG_TEST_POSTGRES not set: DSN of a PostgreSQL test database")
	}
	o := Options{Records: 3000, Dir: t.TempDir(), Ops: 200, DB: dsn, schema: fmt.Sprintf("xt_bench_%d", time.Now().UnixNano())}
	t.Cleanup(func() {
		if conn, err := pgx.Connect(context.Background(), dsn); err == nil {
			conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+o.schema+" CASCADE")
			conn.Close(context.Background())
		}
	})
	small(t, o)
}

func small(t *testing.T, o Options) {
	ctx := context.Background()
	in, err := Ingest(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if in[0].Metric != "records_per_s" || in[0].Records < 2900 || in[0].Value <= 0 {
		t.Fatalf("ingest = %+v", in)
	}
	lk, err := Lookup(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if lk[3].Metric != "records_per_lookup" || lk[3].Value <= 0 {
		t.Fatalf("lookup found no records: %+v", lk)
	}
	sr, err := Search(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if sr[4].Metric != "hits_per_query" || sr[4].Value <= 0 {
		t.Fatalf("search found nothing: %+v", sr)
	}
	o.Records, o.Dir = 1200, t.TempDir()
	sc, err := Score(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if sc[0].Metric != "recompute_first_s" || sc[2].Metric != "scores_written" || sc[2].Value < 1200 || sc[len(sc)-1].Value <= 0 {
		t.Fatalf("score = %+v", sc)
	}
}
