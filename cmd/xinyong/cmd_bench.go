package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"

	"github.com/xinyong/xinyong/bench"
)

func cmdBench(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var o bench.Options
	fs.IntVar(&o.Records, "records", 0, "生成的记录数 / records to generate (default 2,000,000)")
	fs.Int64Var(&o.Seed, "seed", 1, "随机种子 / generator seed")
	fs.StringVar(&o.Dir, "dir", "", "工作目录（保留已加载的数据库供后续运行复用）/ work dir; the loaded database is reused")
	fs.BoolVar(&o.Fresh, "fresh", false, "重新加载 / load anew")
	fs.IntVar(&o.Ops, "ops", 0, "计时的操作数 / operations to time")
	fs.StringVar(&o.DB, "db", "", "postgres:// 地址则在 PostgreSQL 上测试（模式 "+bench.BenchSchema+"）/ a postgres:// URL benchmarks PostgreSQL in schema "+bench.BenchSchema)
	var co bench.CheckOptions
	fs.IntVar(&co.Entries, "entries", 0, "check：载入的失信被执行人条目数 / check: court-defaulter entries to load (default 10,000,000)")
	fs.DurationVar(&co.Duration, "duration", 0, "check：HTTP 压测时长 / check: HTTP load duration (default 20s)")
	fs.IntVar(&co.Clients, "clients", 0, "check：并发客户端 / check: concurrent HTTP clients (default 32)")
	fs.IntVar(&co.BatchCodes, "codes", 0, "check：批量核查代码数 / check: codes in the batch verification (default 1,000,000)")
	fs.IntVar(&co.Rate, "rate", 0, "check：定速压测每秒发出的核查数（负数不测）/ check: checks per second offered by the paced HTTP run (default 5,000; negative: none)")
	sameProc := fs.Bool("same-process-clients", false, "check：HTTP 客户端与服务在同一进程 / check: run the HTTP clients in the server's process (default: a separate load-generator process)")
	asJSON := fs.Bool("json", false, "每个指标输出一行 JSON / one JSON object per line and metric")
	quiet := fs.Bool("q", false, "不输出过程 / no progress output")
	cpuProfile := fs.String("cpuprofile", "", "把 CPU 剖析写入文件（go tool pprof）/ write a CPU profile to this file (go tool pprof)")
	rest, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile) // #nosec G304 -- the operator's own output path
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if !*quiet {
		o.Log = e.stderr
	}
	if len(rest) == 0 {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong bench [flags] ingest|lookup|search|check|score|all")
		return exitCode(2)
	}
	// The bench serves, reads and imports like a server: it reserves a server's page cache
	// (XINYONG_SQLITE_CACHE_MB), an import's if it imports, and collects garbage as one (GOGC);
	// the load generator's child opens no database and keeps Go's defaults.
	if !slices.Equal(rest, []string{"loadgen"}) {
		mb := sqliteCacheMB(e.getenv)
		if slices.Contains(expandBench(rest), "ingest") {
			mb = bulkCacheMB(e.getenv)
		}
		reservePageCache(e, &config{DB: o.DB}, mb)
		tuneServerGC(e.getenv)
	}
	var all []bench.Result
	for _, name := range expandBench(rest) {
		var rs []bench.Result
		switch name {
		case "ingest":
			rs, err = bench.Ingest(ctx, o)
		case "lookup":
			rs, err = bench.Lookup(ctx, o)
		case "search":
			rs, err = bench.Search(ctx, o)
		case "score": // -records sets the subjects scored (default 1,200,000)
			rs, err = bench.Score(ctx, o)
		case "loadgen": // the child of `bench check` (see bench/loadgen.go)
			return bench.LoadGen(ctx, e.getenv, e.stdin, e.stdout)
		case "check":
			co.Seed, co.Fresh, co.DB, co.Ops, co.Log = o.Seed, o.Fresh, o.DB, o.Ops, o.Log
			if exe, err := os.Executable(); err == nil && !*sameProc {
				co.LoadGen = []string{exe, "bench", "-q", "loadgen"}
			}
			if o.Dir != "" {
				co.Dir = o.Dir
			}
			rs, err = bench.Check(ctx, co)
		default:
			return fmt.Errorf("未知测试 %q / unknown bench (ingest, lookup, search, check, score, all)", name)
		}
		if err != nil {
			return fmt.Errorf("bench %s: %w", name, err)
		}
		o.Fresh = false // loaded now: the following benches reuse it
		if *asJSON {
			if err := bench.Print(e.stdout, rs, true); err != nil {
				return err
			}
		}
		all = append(all, rs...)
	}
	if !*asJSON {
		return bench.Print(e.stdout, all, false)
	}
	return nil
}

func expandBench(names []string) []string {
	var out []string
	for _, n := range names {
		if n == "all" {
			out = append(out, "ingest", "lookup", "search")
		} else {
			out = append(out, n)
		}
	}
	return out
}
