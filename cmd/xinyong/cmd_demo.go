package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/demo"
	"github.com/xinyong/xinyong/ingest"
)

// demoMarker records which demo city a data directory holds, so a second `xinyong demo` with
// the same settings serves it at once instead of loading it again.
type demoMarker struct {
	Seed     int64     `json:"seed"`
	Scale    float64   `json:"scale"`
	Records  int64     `json:"records"`
	LoadedAt time.Time `json:"loaded_at"`
}

func cmdDemo(ctx context.Context, e *env, args []string) error {
	var c config
	var sf serveFlags
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	sf.register(fs, e.getenv)
	scale := fs.Float64("scale", 1, "规模：1 = 20 万法人、10 万自然人、200 万条记录 / size: 1 = 200k legal persons, 100k persons, 2M records")
	seed := fs.Int64("seed", 1, "随机种子 / random seed")
	fresh := fs.Bool("fresh", false, "丢弃已有演示数据重新生成 / discard the existing demo data and generate anew")
	noServe := fs.Bool("no-serve", false, "只加载不启动服务 / load only, do not serve")
	if _, err := parse(fs, e, args); err != nil {
		return err
	}
	if *scale <= 0 || *scale > 100 {
		return fmt.Errorf("--scale 须在 (0, 100] 之间 / --scale must be in (0, 100]")
	}
	// The demo has its own database, which it may replace: never the one named by --db or
	// XINYONG_DB, which may hold real data.
	if c.DB != "" {
		fmt.Fprintf(e.stderr, "演示使用自己的数据库 %s，忽略 --db / the demo uses its own database; --db is ignored\n", filepath.Join(c.DataDir, "demo.db"))
	}
	c.DB = filepath.Join(c.DataDir, "demo.db")
	markerPath := filepath.Join(c.DataDir, "demo.json")
	var have demoMarker
	loaded := false
	// #nosec G304 -- demo.json in the operator's data directory
	if b, err := os.ReadFile(markerPath); err == nil && json.Unmarshal(b, &have) == nil {
		loaded = have.Seed == *seed && have.Scale == *scale && !*fresh
	}
	if !loaded {
		journals, _ := filepath.Glob(c.dbPath() + "-checklog.*") // the old database's check journal
		for _, f := range append([]string{c.dbPath(), c.dbPath() + "-wal", c.dbPath() + "-shm"}, journals...) {
			if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		os.Remove(markerPath)
	}
	reservePageCache(e, &c, sf.cacheMB)
	tuneServerGC(e.getenv)
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()

	// Serve at once; the accounts (a few password hashes) and the city follow.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	if !*noServe {
		go func() { served <- serve(ctx, e, a, &c, &sf, nil) }()
	}
	stop := func(err error) error {
		cancel()
		if !*noServe {
			<-served
		}
		return err
	}
	if err := demoUsers(ctx, e, a); err != nil {
		return stop(err)
	}
	if loaded {
		fmt.Fprintf(e.stdout, "演示城市已加载（种子 %d，规模 %g，%d 条记录）/ demo city already loaded\n", have.Seed, have.Scale, have.Records)
		fmt.Fprintln(e.stdout, "导览 / guide: 名单 /lists，控制台 /console/，自助 /my/login；账户、凭证和令牌见首次运行的输出 / "+
			"accounts, credential and token: see the first run's output")
	} else {
		start := time.Now()
		n, err := loadDemo(ctx, e, a, &c, *seed, *scale)
		if err != nil {
			return stop(err)
		}
		m := demoMarker{Seed: *seed, Scale: *scale, Records: n, LoadedAt: time.Now().UTC()}
		b, _ := json.Marshal(m)
		if err := os.WriteFile(markerPath, b, 0o600); err != nil {
			return stop(err)
		}
		fmt.Fprintf(e.stdout, "演示城市已就绪：%d 行，用时 %.1f 秒 / demo city ready: %d rows in %.1fs\n", n, time.Since(start).Seconds(), n, time.Since(start).Seconds())
	}
	if *noServe {
		return nil
	}
	return <-served
}

// loadDemo generates the city's files and imports them through the normal import path.
func loadDemo(ctx context.Context, e *env, a *app.App, c *config, seed int64, scale float64) (int64, error) {
	cfg := demo.Config{Seed: seed, Legal: int(float64(demo.DefaultLegal) * scale), Persons: int(float64(demo.DefaultPersons) * scale),
		Records: int(float64(demo.DefaultRecords) * scale), Today: today()}
	dir, err := os.MkdirTemp(c.DataDir, "demo-files-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	t0 := time.Now()
	files, err := demo.Generate(ctx, cfg, a.Catalog(), dir)
	if err != nil {
		return 0, fmt.Errorf("生成演示数据 / generate: %w", err)
	}
	fmt.Fprintf(e.stdout, "已生成 %d 个文件 / generated %d files in %.1fs; 导入中 / importing…\n", len(files), len(files), time.Since(t0).Seconds())
	var rows int64
	var t time.Time
	for _, f := range files {
		t = time.Now()
		res, err := a.Import(ctx, ingest.Request{Dept: f.Dept, Item: f.Item, Path: f.Path, SubmittedBy: "demo"}, nil)
		if err != nil {
			return rows, fmt.Errorf("导入 %s / import: %w", filepath.Base(f.Path), err)
		}
		b := res.Batch
		rows += b.Rows
		fmt.Fprintf(e.stdout, "  %-26s %-8s %9d 行 rows  %9d 新增 new  %5d 问题 rejected  %6.1fs\n", b.Item, b.Dept, b.Rows, b.Accepted, b.Rejected, time.Since(t).Seconds())
	}
	// Lists, checks, cases, a consent, a credential: through the services, after the bulk
	// load, while the portal already serves.
	t = time.Now()
	ex, err := loadDemoExtras(ctx, e, a, cfg, scale)
	if err != nil {
		// The city itself is loaded and served: say what is missing rather than stop.
		fmt.Fprintf(e.stderr, "演示名单、核查与申请未能全部生成 / demo lists, checks and cases incomplete: %v\n", err)
		ex = &demoExtras{}
	}
	fmt.Fprintf(e.stdout, "  名单 %d 条、核查 %d 次、异议 %d 件、修复 %d 件 / list entries, checks, objections, repairs  %6.1fs\n",
		ex.entries, ex.checks, ex.objections, ex.repairs, demoSince(t))
	// Bulk batches are not rescored one by one: score the whole city once (app/scores.go).
	t = time.Now()
	if _, err := a.RecomputeAll(ctx, "demo", nil); err != nil {
		return rows, fmt.Errorf("计算信用评分 / scores: %w", err)
	}
	fmt.Fprintf(e.stdout, "  信用评分 / scores  %6.1fs\n", demoSince(t))
	printDemoGuide(e, ex, "/")
	return rows, nil
}

// today is the current date at midnight UTC: the demo city's "now".
func today() time.Time {
	return time.Now().UTC().Truncate(24 * time.Hour)
}

// demoUsers creates, in a demo database that has none, the departments the benefits need
// (demoDepartments) and one staff account per role (demoAccounts: the credit office's admin in
// fgw, a submitter and a reviewer of the market regulator, a window clerk of the housing bureau,
// an auditor), each with a random password printed once with what to try: the demo too has no
// default password. Later runs leave them as they are.
func demoUsers(ctx context.Context, e *env, a *app.App) error {
	users, err := a.Users(ctx, "")
	if err != nil {
		return err
	}
	if len(users) > 0 {
		fmt.Fprintln(e.stdout, "演示账户已存在，密码见首次运行时的输出（可用 xinyong user reset-password 重置）/ "+
			"the demo users exist: their passwords were printed on the first run (xinyong user reset-password resets one)")
		return nil
	}
	// The departments the default benefits name as providers, the partners among them with
	// the partner level (API tokens only, no staff accounts).
	have, err := a.Departments(ctx)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, d := range have {
		known[d.Code] = true
	}
	for _, d := range demoDepartments {
		if !known[d.Code] {
			if err := a.PutDepartment(ctx, cliActor(e), d); err != nil {
				return err
			}
		}
	}
	fmt.Fprintln(e.stdout, "演示账户（密码只显示这一次）/ demo accounts (the passwords are shown this once):")
	for _, acc := range demoAccounts {
		pw, err := randomPassword(acc.username)
		if err != nil {
			return err
		}
		if _, err := a.AddUser(ctx, cliActor(e), acc.username, acc.name, acc.dept, []auth.Role{acc.role}, pw); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "  %-13s %s  %s（%s）/ %s\n", acc.username, pw, acc.role.NameZH(), acc.dept, acc.role.NameEN())
		fmt.Fprintf(e.stdout, "  %13s 可试 / try: %s\n", "", acc.try)
	}
	fmt.Fprintln(e.stdout, "  控制台 / console: /console/")
	return nil
}

// randomPassword returns 144 random bits in base64url (24 characters) that pass the password
// policy for username.
func randomPassword(username string) (string, error) {
	for range 20 {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		pw := base64.RawURLEncoding.EncodeToString(b)
		if auth.CheckPasswordPolicy(pw, username) == nil {
			return pw, nil
		}
	}
	return "", errors.New("无法生成符合策略的密码 / cannot make a password that passes the policy")
}
