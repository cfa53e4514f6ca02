// Package bench measures the platform on generated data (the demo city's generator with a fixed
// seed), for `xinyong bench`. Figures come from here and Go benchmarks, never from timed
// assertions in tests.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/demo"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
)

// Result is one measured figure; printed as one JSON object per line with --json.
type Result struct {
	Bench   string  `json:"bench"`
	Metric  string  `json:"metric"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	Records int64   `json:"records"`
	Store   string  `json:"store"`
	N       int     `json:"n,omitempty"` // operations measured
}

// Options configure a run.
type Options struct {
	Records int    // records in the generated city (default 2,000,000)
	Seed    int64  // generator seed (default 1)
	Dir     string // work directory; the loaded database is kept there and reused by later runs
	Fresh   bool   // load anew even if Dir holds a database for the same settings
	Ops     int    // look-ups / searches to time (default 20,000 / 5,000)
	// DB is "" for SQLite in Dir, or a postgres:// URL: the bench then works in a schema of its
	// own, BenchSchema, which a fresh load drops and creates again.
	DB  string
	Log io.Writer
	// schema overrides BenchSchema (tests use their own, so they never touch a real bench's data).
	schema string
}

// BenchSchema is the PostgreSQL schema the bench loads into; nothing else is touched.
const BenchSchema = "xinyong_bench"

func (o *Options) pgSchema() string {
	if o.schema != "" {
		return o.schema
	}
	return BenchSchema
}

func (o *Options) storeName() string {
	if o.DB != "" {
		return "postgres"
	}
	return "sqlite"
}

func (o *Options) defaults() {
	if o.Records <= 0 {
		o.Records = demo.DefaultRecords
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Dir == "" {
		o.Dir = filepath.Join(os.TempDir(), fmt.Sprintf("xinyong-bench-%d-%d", o.Seed, o.Records))
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// city scales the demo's default shape to o.Records.
func (o *Options) city() demo.Config {
	f := float64(o.Records) / demo.DefaultRecords
	return demo.Config{Seed: o.Seed, Records: o.Records, Legal: max(100, int(demo.DefaultLegal*f)), Persons: max(100, int(demo.DefaultPersons*f)),
		Today: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), BadRate: -1}
}

// env is a loaded city: the app over its store.
type env struct {
	app     *app.App
	records int64
	close   func()
}

var benchKey = []byte("xinyong-bench-key-32-bytes-long!")

func openApp(ctx context.Context, o *Options, now time.Time, fresh bool) (*app.App, func(), error) {
	var st store.Store
	var err error
	if o.DB == "" {
		st, err = sqlite.Open(ctx, filepath.Join(o.Dir, "bench.db"))
	} else {
		st, err = openPostgres(ctx, o.DB, o.pgSchema(), fresh)
	}
	if err != nil {
		return nil, nil, err
	}
	sealer, err := credit.NewSealer(benchKey)
	if err != nil {
		return nil, nil, err
	}
	a, err := app.New(ctx, st, sealer, func() time.Time { return now }, nil)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return a, func() { st.Close() }, nil
}

// Ingest generates the city's CSV files and times importing them into a new SQLite database,
// which is kept in o.Dir for Lookup and Search.
func Ingest(ctx context.Context, o Options) ([]Result, error) {
	o.defaults()
	_, res, err := load(ctx, o, true)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// load returns the loaded city, loading it when needed (always when timed is set).
func load(ctx context.Context, o Options, timed bool) (*env, []Result, error) {
	cfg := o.city()
	dbPath := filepath.Join(o.Dir, "bench.db")
	marker := filepath.Join(o.Dir, "loaded-"+o.storeName())
	if !timed && !o.Fresh {
		if _, err := os.Stat(marker); err == nil {
			a, closeFn, err := openApp(ctx, &o, cfg.Today, false)
			if err != nil {
				return nil, nil, err
			}
			c, err := a.Store.Counters(ctx)
			if err != nil {
				closeFn()
				return nil, nil, err
			}
			return &env{app: a, records: c[store.CounterRecords], close: closeFn}, nil, nil
		}
	}
	// Remove only what an earlier run left: the directory may be the user's.
	for _, f := range []string{marker, dbPath, dbPath + "-wal", dbPath + "-shm", filepath.Join(o.Dir, "files")} {
		if err := os.RemoveAll(f); err != nil {
			return nil, nil, err
		}
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, nil, err
	}
	a, closeFn, err := openApp(ctx, &o, cfg.Today, true)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(o.Log, "generating %d records (seed %d)…\n", cfg.Records, cfg.Seed)
	t0 := time.Now()
	files, err := demo.Generate(ctx, cfg, a.Catalog(), filepath.Join(o.Dir, "files"))
	if err != nil {
		closeFn()
		return nil, nil, err
	}
	gen := time.Since(t0)
	var bytes int64
	for _, f := range files {
		if fi, err := os.Stat(f.Path); err == nil {
			bytes += fi.Size()
		}
	}
	fmt.Fprintf(o.Log, "generated %d files, %.0f MB in %.1fs; importing…\n", len(files), float64(bytes)/1e6, gen.Seconds())
	var rows, regRows int64
	var regTook time.Duration // the registry's files: each row makes a subject and its index entries
	t1 := time.Now()
	for _, f := range files {
		tf := time.Now()
		res, err := a.Import(ctx, ingest.Request{Dept: f.Dept, Item: f.Item, Path: f.Path, SubmittedBy: "bench"}, nil)
		if err != nil {
			closeFn()
			return nil, nil, err
		}
		rows += res.Batch.Rows
		if it, ok := a.Catalog().Item(f.Item); ok && it.Registry {
			regRows += res.Batch.Rows
			regTook += time.Since(tf)
		}
		fmt.Fprintf(o.Log, "  %-26s %9d rows %7.1fs\n", f.Item, res.Batch.Rows, time.Since(tf).Seconds())
		// Each file goes once it is in: at 50 M records the CSV (18 GB) and the growing
		// database would not otherwise fit on the disk together.
		os.Remove(f.Path)
	}
	took := time.Since(t1)
	os.RemoveAll(filepath.Join(o.Dir, "files"))
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	size := fileSize(dbPath) + fileSize(dbPath+"-wal")
	if o.DB != "" {
		if size, err = postgresSize(ctx, o.DB, o.pgSchema()); err != nil {
			closeFn()
			return nil, nil, err
		}
	}
	if err := os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)), 0o600); err != nil {
		closeFn()
		return nil, nil, err
	}
	c, _ := a.Store.Counters(ctx)
	e := &env{app: a, records: c[store.CounterRecords], close: closeFn}
	r := func(metric string, v float64, unit string) Result {
		return Result{Bench: "ingest", Metric: metric, Value: round(v), Unit: unit, Records: rows, Store: o.storeName()}
	}
	return e, []Result{
		r("records_per_s", float64(rows)/took.Seconds(), "records/s"),
		r("seconds", took.Seconds(), "s"),
		r("registry_rows_per_s", float64(regRows)/max(regTook.Seconds(), 1e-9), "rows/s"),
		r("csv_mb_per_s", float64(bytes)/1e6/took.Seconds(), "MB/s"),
		r("db_mb_per_million_records", float64(size)/1e6/(float64(rows)/1e6), "MB"),
		r("go_heap_sys_mb", float64(ms.HeapSys)/1e6, "MB"),
	}, nil
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func round(v float64) float64 {
	if v >= 100 {
		return float64(int64(v + 0.5))
	}
	return float64(int64(v*1000+0.5)) / 1000
}

// sampleSubjects draws n subjects at random (by id) from the store.
func sampleSubjects(ctx context.Context, st store.Store, n int, rng *rand.Rand, orgsOnly bool) ([]*credit.Subject, error) {
	var maxID int64
	for step := int64(1 << 24); step > 0; step /= 2 {
		if _, err := st.SubjectByID(ctx, maxID+step); err == nil {
			maxID += step
		}
	}
	if maxID == 0 {
		return nil, fmt.Errorf("no subjects loaded")
	}
	var out []*credit.Subject
	for tries := 0; len(out) < n && tries < n*20; tries++ {
		s, err := st.SubjectByID(ctx, 1+rng.Int64N(maxID))
		if err != nil {
			continue
		}
		if orgsOnly && s.IsPerson() {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// latencies times fn over every op and returns p50, p99 and max.
func latencies(n int, fn func(i int) error) (p50, p99, worst time.Duration, err error) {
	d := make([]time.Duration, n)
	for i := range n {
		t := time.Now()
		if err := fn(i); err != nil {
			return 0, 0, 0, err
		}
		d[i] = time.Since(t)
	}
	slices.Sort(d)
	return d[n/2], d[n*99/100], d[n-1], nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Lookup times finding a subject by its code with its active records (the window-check and
// subject-page path), in process.
func Lookup(ctx context.Context, o Options) ([]Result, error) {
	o.defaults()
	if o.Ops <= 0 {
		o.Ops = 20000
	}
	e, _, err := load(ctx, o, false)
	if err != nil {
		return nil, err
	}
	defer e.close()
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 2)) // #nosec G115 G404 -- a reproducible sample from the seed's bits; nothing secret
	subs, err := sampleSubjects(ctx, e.app.Store, 5000, rng, false)
	if err != nil {
		return nil, err
	}
	st := e.app.Store
	found := 0
	look := func(i int) error {
		s, err := st.SubjectByKey(ctx, subs[i%len(subs)].Key)
		if err != nil {
			return err
		}
		recs, err := st.SubjectRecords(ctx, s.ID, store.RecordFilter{ActiveOnly: true})
		found += len(recs)
		return err
	}
	if _, _, _, err := latencies(1000, look); err != nil { // warm up
		return nil, err
	}
	p50, p99, worst, err := latencies(o.Ops, look)
	if err != nil {
		return nil, err
	}
	// The public subject page's path: code check, look-up, publication filter.
	orgs, err := sampleSubjects(ctx, st, 2000, rng, true)
	if err != nil {
		return nil, err
	}
	page := func(i int) error {
		_, err := e.app.PublicSubject(ctx, orgs[i%len(orgs)].Code)
		return err
	}
	latencies(500, page)
	pp50, pp99, _, err := latencies(o.Ops/2, page)
	if err != nil {
		return nil, err
	}
	r := func(metric string, v float64, unit string, n int) Result {
		return Result{Bench: "lookup", Metric: metric, Value: round(v), Unit: unit, Records: e.records, Store: o.storeName(), N: n}
	}
	return []Result{
		r("p50_ms", ms(p50), "ms", o.Ops), r("p99_ms", ms(p99), "ms", o.Ops), r("max_ms", ms(worst), "ms", o.Ops),
		r("records_per_lookup", float64(found)/float64(o.Ops+1000), "records", o.Ops),
		r("public_page_p50_ms", ms(pp50), "ms", o.Ops/2), r("public_page_p99_ms", ms(pp99), "ms", o.Ops/2),
	}, nil
}

// Search times portal searches by partial name: 2–6 character fragments of real names, whole
// names, and names written with the 有限责任公司 variant.
func Search(ctx context.Context, o Options) ([]Result, error) {
	o.defaults()
	if o.Ops <= 0 {
		o.Ops = 5000
	}
	e, _, err := load(ctx, o, false)
	if err != nil {
		return nil, err
	}
	defer e.close()
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 3)) // #nosec G115 G404 -- as in Lookup
	orgs, err := sampleSubjects(ctx, e.app.Store, 2000, rng, true)
	if err != nil {
		return nil, err
	}
	queries := make([]string, o.Ops)
	for i := range queries {
		name := []rune(orgs[rng.IntN(len(orgs))].Name)
		switch k := rng.IntN(10); {
		case k == 0:
			queries[i] = string(name)
		case k == 1:
			queries[i] = strings.Replace(string(name), "有限公司", "有限责任公司", 1)
		default:
			l := min(len(name), 2+rng.IntN(5))
			start := rng.IntN(len(name) - l + 1)
			queries[i] = string(name[start : start+l])
		}
	}
	hits := 0
	short := 0
	search := func(i int) error {
		if utf8.RuneCountInString(queries[i]) < 3 {
			short++
		}
		res, err := e.app.Search(ctx, queries[i], 1)
		if err == nil {
			hits += len(res.Subjects)
		}
		return err
	}
	latencies(min(500, o.Ops), search)
	hits, short = 0, 0
	p50, p99, worst, err := latencies(o.Ops, search)
	if err != nil {
		return nil, err
	}
	c, _ := e.app.Store.Counters(ctx)
	legal := c[store.CounterSubjectsLegal] + c[store.CounterSubjectsOther]
	r := func(metric string, v float64, unit string) Result {
		return Result{Bench: "search", Metric: metric, Value: round(v), Unit: unit, Records: e.records, Store: o.storeName(), N: o.Ops}
	}
	return []Result{
		r("p50_ms", ms(p50), "ms"), r("p99_ms", ms(p99), "ms"), r("max_ms", ms(worst), "ms"),
		r("organisations", float64(legal), "subjects"), r("hits_per_query", float64(hits)/float64(o.Ops), "subjects"),
		r("short_query_share", float64(short)/float64(o.Ops), "ratio"),
	}, nil
}

// Print writes results as JSON lines or as a table.
func Print(w io.Writer, rs []Result, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, r := range rs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bench\tmetric\tvalue\tunit\trecords\tstore\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%g\t%s\t%d\t%s\t\n", r.Bench, r.Metric, r.Value, r.Unit, r.Records, r.Store)
	}
	return tw.Flush()
}
