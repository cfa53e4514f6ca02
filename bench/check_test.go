package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/credit"
)

// TestCheckSmall runs `bench check` on a few thousand entries: the bench must keep working,
// whatever it measures; the generated codes must be valid, and half the sample listed.
func TestCheckSmall(t *testing.T) {
	for i := range 50 {
		if cr := credit.IdentifyCode(benchCode(i), checkNow, nil); !cr.Valid {
			t.Fatalf("generated code %d %s: %s", i, benchCode(i), cr.Reason)
		}
	}
	smallCheck(t, CheckOptions{Entries: 3000, Dir: t.TempDir(), Ops: 100, Duration: time.Second, Clients: 4, BatchCodes: 3000, Rate: 200})
}

func TestCheckSmallPostgres(t *testing.T) {
	dsn := os.Getenv("XINYONG_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("XINYONG_TEST_POSTGRES not set: DSN of a PostgreSQL test database")
	}
	o := CheckOptions{Entries: 3000, Dir: t.TempDir(), Ops: 100, Duration: time.Second, Clients: 4, BatchCodes: 3000, Rate: 200, DB: dsn,
		schema: fmt.Sprintf("xt_benchcheck_%d", time.Now().UnixNano())}
	t.Cleanup(func() {
		if conn, err := pgx.Connect(context.Background(), dsn); err == nil {
			conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+o.schema+" CASCADE")
			conn.Close(context.Background())
		}
	})
	smallCheck(t, o)
}

func smallCheck(t *testing.T, o CheckOptions) {
	rs, err := Check(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, r := range rs {
		got[r.Metric] = r.Value
	}
	for _, m := range []string{"load_entries_per_s", "inprocess_p99", "http_checks_per_s", "http_p99", "http_server_cpu_per_check", "batch_seconds",
		"http_paced_checks_per_s", "http_paced_p99"} {
		if _, ok := got[m]; !ok {
			t.Errorf("metric %s missing: %v", m, got)
		}
	}
	if got["http_failures"] != 0 || got["http_paced_failures"] != 0 {
		t.Errorf("HTTP failures: %v closed loop, %v paced", got["http_failures"], got["http_paced_failures"])
	}
	if s := got["inprocess_blocked_share"]; s < 0.3 || s > 0.7 {
		t.Errorf("blocked share %v, want about half", s)
	}
	// A second run reuses the loaded entries.
	o.Rate = -1
	rs, err = Check(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Metric == "load_entries_per_s" {
			t.Error("entries loaded again")
		}
		if strings.HasPrefix(r.Metric, "http_paced_") {
			t.Errorf("%s measured with a negative rate", r.Metric)
		}
	}
}
