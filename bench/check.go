package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
	"github.com/xinyong/xinyong/web"
)

// CheckOptions configure `xinyong bench check`.
type CheckOptions struct {
	Entries    int           // court-defaulter entries to load (default 10,000,000)
	Seed       int64         // sampling seed (default 1)
	Dir        string        // work directory; the loaded database is kept and reused
	Fresh      bool          // load anew
	DB         string        // "" = SQLite in Dir; a postgres:// URL = PostgreSQL, schema BenchSchema+"_check"
	Ops        int           // in-process checks to time (default 20,000)
	Duration   time.Duration // HTTP load duration (default 20 s)
	Clients    int           // concurrent HTTP clients (default 32)
	BatchCodes int           // codes in the batch verification file (default 1,000,000)
	// Rate is the offered load of the paced HTTP run, in checks per second (default 5,000, the
	// issue's target); negative: no paced run.
	Rate int
	// LoadGen is the command of a separate load-generator process (`xinyong bench loadgen`),
	// so the HTTP clients do not share the server's process; empty = clients in this process.
	LoadGen []string
	Log     io.Writer
	schema  string
}

func (o *CheckOptions) defaults() {
	if o.Entries <= 0 {
		o.Entries = 10_000_000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Dir == "" {
		o.Dir = filepath.Join(os.TempDir(), fmt.Sprintf("xinyong-bench-check-%d", o.Entries))
	}
	if o.Ops <= 0 {
		o.Ops = 20000
	}
	if o.Duration <= 0 {
		o.Duration = 20 * time.Second
	}
	if o.Clients <= 0 {
		o.Clients = 32
	}
	if o.BatchCodes <= 0 {
		o.BatchCodes = 1_000_000
	}
	if o.Rate == 0 {
		o.Rate = 5000
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.schema == "" {
		o.schema = BenchSchema + "_check"
	}
}

func (o *CheckOptions) storeName() string {
	if o.DB != "" {
		return "postgres"
	}
	return "sqlite"
}

// checkNow is the bench's clock: every generated entry is in force.
var checkNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Generated subjects: index i is an organisation when i%7 == 0 (about 14%, as court defaulters
// are mostly natural persons: seed 000, 60 firms and 769 persons in one batch), else a person.
// Indexes below Entries are on the list; the ones above are not.

func residentCheck(first17 string) string {
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * w[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

var benchRegions = []string{"371002", "370102", "370202", "370602", "110101", "310101", "440103", "320102", "330102", "420102"}

// benchCode returns the code of generated subject i.
func benchCode(i int) string {
	if i%7 == 0 {
		k := i / 7
		head := fmt.Sprintf("91371002%08d", k%100_000_000)
		o, _ := credit.OrgCodeCheckChar(head[8:16])
		c, _ := credit.USCCCheckChar(head + string(o))
		return head + string(o) + string(c)
	}
	j := i
	y, m, d := 1970+(j/10)%30, 1+(j/300)%12, 1+(j/3600)%28
	return residentCheck(fmt.Sprintf("%s%04d%02d%02d%03d", benchRegions[j%10], y, m, d, (j/100800)%1000))
}

func openCheckApp(ctx context.Context, o *CheckOptions, fresh bool) (*app.App, func(), error) {
	var st store.Store
	var err error
	if o.DB == "" {
		if fresh {
			for _, suf := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(filepath.Join(o.Dir, "check.db"+suf))
			}
			old, _ := filepath.Glob(filepath.Join(o.Dir, "check.db-checklog.*"))
			for _, f := range old {
				_ = os.Remove(f)
			}
		}
		if err := os.MkdirAll(o.Dir, 0o750); err != nil {
			return nil, nil, err
		}
		st, err = sqlite.Open(ctx, filepath.Join(o.Dir, "check.db"))
	} else {
		st, err = openPostgres(ctx, o.DB, o.schema, fresh)
	}
	if err != nil {
		return nil, nil, err
	}
	sealer, err := credit.NewSealer(benchKey)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	a, err := app.New(ctx, st, sealer, func() time.Time { return checkNow }, nil)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return a, func() { st.Close() }, nil
}

const metaCheckEntries = "bench.check.entries"

// metaCheckAnalyzed records that the planner statistics were refreshed as analyzedAs says
// (the current AnalyzeLists: row counts, no stat4 samples).
const (
	metaCheckAnalyzed = "bench.check.analyzed"
	analyzedAs        = "lists-no-stat4"
)

// analyzeLists refreshes the list tables' statistics where the store offers it, and records it.
func analyzeLists(ctx context.Context, a *app.App) error {
	an, ok := a.Store.(interface{ AnalyzeLists(context.Context) error })
	if !ok {
		return nil
	}
	if err := an.AnalyzeLists(ctx); err != nil {
		return err
	}
	return a.Store.Update(ctx, func(tx store.Tx) error { return tx.SetMeta(metaCheckAnalyzed, analyzedAs) })
}

// loadEntries loads o.Entries court-defaulter entries by the bulk path, unless the store
// already holds them; it reports the load rate when it loaded.
func loadEntries(ctx context.Context, o *CheckOptions) (*app.App, func(), []Result, error) {
	a, done, err := openCheckApp(ctx, o, o.Fresh)
	if err != nil {
		return nil, nil, nil, err
	}
	if v, err := a.Store.Meta(ctx, metaCheckEntries); err == nil && v == strconv.Itoa(o.Entries) {
		fmt.Fprintf(o.Log, "reusing %d loaded entries\n", o.Entries)
		// Statistics as the current code keeps them (a database loaded by an older build may
		// hold SQLite's stat4 samples, which make prepared look-ups re-plan on every call):
		// once, not on every reuse (at 10 M entries ANALYZE took 15 s of CPU).
		if v, err := a.Store.Meta(ctx, metaCheckAnalyzed); err != nil || v != analyzedAs {
			if err := analyzeLists(ctx, a); err != nil {
				done()
				return nil, nil, nil, err
			}
		}
		return a, done, nil, nil
	}
	done()
	if a, done, err = openCheckApp(ctx, o, true); err != nil {
		return nil, nil, nil, err
	}
	start := time.Now()
	const chunk = 50_000
	from, until := checkNow.AddDate(0, -6, 0), checkNow.AddDate(1, 6, 0)
	es := make([]*credit.ListEntry, 0, chunk)
	for i := 0; i < o.Entries; {
		es = es[:0]
		for ; i < o.Entries && len(es) < chunk; i++ {
			code := benchCode(i)
			e := &credit.ListEntry{List: "court_defaulter", Dept: "fy", Reason: "有履行能力而拒不履行生效法律文书确定义务",
				Document: fmt.Sprintf("(2026)鲁10执%d号", i), SourceID: "B" + strconv.Itoa(i), Status: credit.EntryPublished,
				BatchNo: 1, ValidFrom: from, ValidUntil: until, ProposedBy: "bench", ProposedAt: from, ConfirmedBy: "bench",
				ConfirmedAt: from, PublishedAt: from}
			if i%7 == 0 {
				e.SubjectKey, e.SubjectCode, e.SubjectName = code, code, fmt.Sprintf("威海被执行企业%d有限公司", i)
			} else {
				e.SubjectKey, e.SubjectName, e.Person = a.Sealer.PersonKey(code), "某**", true
			}
			es = append(es, e)
		}
		if err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.LoadListEntries(es) }); err != nil {
			done()
			return nil, nil, nil, err
		}
		if i%1_000_000 < chunk {
			fmt.Fprintf(o.Log, "loaded %d entries (%.0f/s)\n", i, float64(i)/time.Since(start).Seconds())
		}
	}
	took := time.Since(start)
	err = a.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertListBatch(&credit.ListBatch{List: "court_defaulter", No: 1, Title: credit.BatchTitle(1), Entries: o.Entries,
			PublishedBy: "bench", PublishedAt: from}); err != nil {
			return err
		}
		return tx.SetMeta(metaCheckEntries, strconv.Itoa(o.Entries))
	})
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	if err := analyzeLists(ctx, a); err != nil {
		done()
		return nil, nil, nil, err
	}
	res := []Result{{Bench: "check", Metric: "load_entries_per_s", Value: round(float64(o.Entries) / took.Seconds()), Unit: "entries/s",
		Records: int64(o.Entries), Store: o.storeName(), N: o.Entries}}
	return a, done, res, nil
}

// Check loads o.Entries court-defaulter entries, then measures the window check in process
// (p50, p99), over HTTP against the real server on loopback (checks/s, p50, p99 with
// o.Clients concurrent clients for o.Duration), and a batch verification of o.BatchCodes codes.
func Check(ctx context.Context, o CheckOptions) ([]Result, error) {
	o.defaults()
	a, done, out, err := loadEntries(ctx, &o)
	if err != nil {
		return nil, err
	}
	defer done()
	rec := int64(o.Entries)
	add := func(metric string, v float64, unit string, n int) {
		out = append(out, Result{Bench: "check", Metric: metric, Value: round(v), Unit: unit, Records: rec, Store: o.storeName(), N: n})
	}
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 7)) // #nosec G115 G404 -- a reproducible sample from the seed; nothing secret
	sample := func() string {
		if rng.IntN(2) == 0 {
			return benchCode(rng.IntN(o.Entries)) // listed
		}
		return benchCode(o.Entries + rng.IntN(o.Entries)) // not listed
	}
	p := &auth.Principal{Kind: auth.KindStaff, UserID: 1, Dept: "cz", Roles: []auth.Role{auth.RoleClerk}}

	// In process: one check at a time, logged like any other.
	codes := make([]string, o.Ops)
	for i := range codes {
		codes[i] = sample()
	}
	blocked := 0
	fmt.Fprintf(o.Log, "in-process checks: %d\n", o.Ops)
	p50, p99, worst, err := latencies(o.Ops, func(i int) error {
		res, err := a.CheckSubjects(ctx, p, app.CheckRequest{Codes: codes[i : i+1], Matter: "gov_procurement"})
		if err == nil && res.Items[0].Verdict == credit.VerdictBlock {
			blocked++
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	add("inprocess_p50", ms(p50), "ms", o.Ops)
	add("inprocess_p99", ms(p99), "ms", o.Ops)
	add("inprocess_max", ms(worst), "ms", o.Ops)
	add("inprocess_blocked_share", float64(blocked)/float64(o.Ops), "ratio", o.Ops)

	// Over HTTP: the real handler on 127.0.0.1:0, a checks:write token, concurrent clients.
	rs, err := httpLoad(ctx, a, &o, sample)
	if err != nil {
		return nil, err
	}
	out = append(out, rs...)

	// Batch verification of a generated file.
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, err
	}
	path := filepath.Join(o.Dir, fmt.Sprintf("codes-%d.csv", o.BatchCodes))
	if err := writeCodes(path, o.BatchCodes, sample); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "batch verification: %d codes\n", o.BatchCodes)
	start := time.Now()
	b, err := a.Verify(ctx, p, app.VerifyRequest{Path: path, FileName: filepath.Base(path), Matter: "gov_procurement", Out: io.Discard}, nil)
	if err != nil {
		return nil, err
	}
	took := time.Since(start)
	add("batch_seconds", took.Seconds(), "s", int(b.Total))
	add("batch_codes_per_s", float64(b.Total)/took.Seconds(), "codes/s", int(b.Total))
	return out, nil
}

func writeCodes(path string, n int, sample func() string) error {
	f, err := os.Create(path) // #nosec G304 -- the bench's own work directory
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "code")
	for range n {
		fmt.Fprintln(w, sample())
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func httpLoad(ctx context.Context, a *app.App, o *CheckOptions, sample func() string) ([]Result, error) {
	plain, _, err := a.IssueToken(ctx, "bench", "cz", "bench", []auth.Scope{auth.ScopeChecksWrite}, checkNow.AddDate(0, 0, 30))
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The server logs every request as `xinyong serve` does (one line each, here to a file in
	// the work directory), so its cost is in the figures.
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(o.Dir, "http-access.log")) // #nosec G304 -- the bench's own work directory
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	h := web.NewServer(a, web.Config{Context: sctx, Log: slog.New(slog.NewTextHandler(logf, nil))})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/api/v1/checks"
	// Bodies are prepared beforehand, so the load generator spends its share of the two cores
	// on sending, not on building requests. Each run gets subjects of its own, so the paced
	// run does not find the closed loop's pages in the cache.
	bodies := func() [][]byte {
		bs := make([][]byte, 50000)
		for i := range bs {
			bs[i], _ = json.Marshal(app.CheckRequest{Codes: []string{sample()}, Matter: "gov_procurement"})
		}
		return bs
	}
	run := func(p loadPlan) (st loadStats, serverCPU, allCPU time.Duration, err error) {
		bs := bodies()
		cpu0, all0 := processCPU(), machineCPU()
		if len(o.LoadGen) > 0 {
			st, err = spawnLoad(ctx, o, p, url, plain, bs)
		} else {
			st, err = runLoad(ctx, url, plain, p, bs)
			st.ClientCPU = 0 // one process: the server's figure includes the clients
		}
		if err == nil && st.N == 0 {
			err = fmt.Errorf("no successful HTTP check: %s", st.FirstError)
		}
		if err == nil && st.Failures > 0 {
			fmt.Fprintf(o.Log, "HTTP failures: %d (first: %s)\n", st.Failures, st.FirstError)
		}
		return st, processCPU() - cpu0, machineCPU() - all0, err
	}
	where := "separate load-generator process"
	if len(o.LoadGen) == 0 {
		where = "load generator in this process"
	}
	rec := int64(o.Entries)
	var out []Result
	add := func(metric string, v float64, unit string, n int) {
		out = append(out, Result{Bench: "check", Metric: metric, Value: round(v), Unit: unit, Records: rec, Store: o.storeName(), N: n})
	}

	// Closed loop: as many checks as o.Clients clients get answered.
	fmt.Fprintf(o.Log, "HTTP load: %d clients for %s (%s)\n", o.Clients, o.Duration, where)
	st, serverCPU, allCPU, err := run(loadPlan{Clients: o.Clients, Duration: o.Duration})
	if err != nil {
		return nil, err
	}
	n := st.N
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	add("http_checks_per_s", float64(n)/st.Seconds, "checks/s", n)
	// The CPU spent per check, by the serving process and by the load generator: on two cores
	// 5,000 checks/s leave 400 µs of CPU per check for both together.
	add("http_server_cpu_per_check", us(serverCPU), "µs", n)
	add("http_client_cpu_per_check", us(st.ClientCPU), "µs", n)
	// Everything the machine ran meanwhile: the database server's processes (PostgreSQL) and
	// whatever else shares the machine.
	add("http_machine_cpu_per_check", us(allCPU), "µs", n)
	add("http_p50", st.P50, "ms", n)
	add("http_p99", st.P99, "ms", n)
	add("http_clients", float64(o.Clients), "clients", n)
	add("http_failures", float64(st.Failures), "requests", n)
	if o.Rate < 0 {
		return out, nil
	}

	// Paced: o.Rate checks due per second, latency counted from when each was due.
	p := loadPlan{Clients: pacedWorkers * o.Clients, Duration: o.Duration, Rate: o.Rate}
	fmt.Fprintf(o.Log, "HTTP load: %d checks/s offered for %s, up to %d in flight (%s)\n", p.Rate, p.Duration, p.Clients, where)
	st, _, _, err = run(p)
	if err != nil {
		return nil, err
	}
	add("http_paced_offered", float64(p.Rate), "checks/s", st.N)
	add("http_paced_checks_per_s", float64(st.N)/st.Seconds, "checks/s", st.N)
	add("http_paced_p50", st.P50, "ms", st.N)
	add("http_paced_p99", st.P99, "ms", st.N)
	add("http_paced_failures", float64(st.Failures), "requests", st.N)
	return out, nil
}

// pacedWorkers is how many requests per closed-loop client the paced run may have in flight:
// enough that a burst of slow answers does not hold back the requests due next.
const pacedWorkers = 4
