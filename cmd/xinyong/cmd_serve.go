package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/store/sqlite"
	"github.com/xinyong/xinyong/web"
)

type serveFlags struct {
	addr, cert, key string
	proxies         string
	metrics         string
	cacheMB         int           // SQLite page cache to reserve (MiB; 0 none, negative the default)
	delivery        deliveryFlags // status-change delivery (cmd_delivery.go)
}

func (s *serveFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&s.addr, "addr", envOr(getenv, "XINYONG_ADDR", "127.0.0.1:8080"), "监听地址 / listen address (XINYONG_ADDR)")
	fs.StringVar(&s.cert, "tls-cert", getenv("XINYONG_TLS_CERT"), "TLS 证书 / TLS certificate file (XINYONG_TLS_CERT)")
	fs.StringVar(&s.key, "tls-key", getenv("XINYONG_TLS_KEY"), "TLS 私钥 / TLS key file (XINYONG_TLS_KEY)")
	fs.StringVar(&s.proxies, "trusted-proxy", getenv("XINYONG_TRUSTED_PROXIES"),
		"可信反向代理地址或网段，逗号分隔 / trusted reverse proxies, addresses or CIDR prefixes, comma-separated (XINYONG_TRUSTED_PROXIES)")
	fs.StringVar(&s.metrics, "metrics-addr", getenv("XINYONG_METRICS_ADDR"),
		"Prometheus 指标监听地址（内部端口，不对公众开放）/ listen address of the Prometheus metrics, an internal port (XINYONG_METRICS_ADDR)")
	fs.IntVar(&s.cacheMB, "sqlite-cache-mb", sqliteCacheMB(getenv), fmt.Sprintf(
		"SQLite 页缓存（MiB，启动时一次预留；0 不预留）/ SQLite page cache in MiB, reserved at start; 0: none (XINYONG_SQLITE_CACHE_MB, default %d)", sqlite.DefaultPageCacheMiB()))
	s.delivery.register(fs, getenv)
}

// sqliteCacheMB is XINYONG_SQLITE_CACHE_MB, or -1 (the default size) when it is unset or not
// a number.
func sqliteCacheMB(getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv("XINYONG_SQLITE_CACHE_MB")); err == nil {
		return n
	}
	return -1
}

// bulkCacheMB is the SQLite page cache of a bulk load (import, a bench that imports):
// XINYONG_SQLITE_CACHE_MB if set, or the store's default for a bulk load, whose extra goes to
// the writer's cache (sqlite.BulkPageCacheMiB).
func bulkCacheMB(getenv func(string) string) int {
	if mb := sqliteCacheMB(getenv); mb >= 0 {
		return mb
	}
	return sqlite.BulkPageCacheMiB()
}

// reservePageCache reserves the SQLite page cache of a long-running process (a server, an
// import, a bench) before its store opens (store/sqlite/pageslab.go): mb MiB, the default
// for a negative mb, none for 0 or a PostgreSQL store. Too late (something opened a database
// in this process already, as tests do) means the connections allocate per page.
func reservePageCache(e *env, c *config, mb int) {
	if v := e.getenv("XINYONG_SQLITE_CACHE_MB"); v != "" {
		if _, err := strconv.Atoi(v); err != nil {
			fmt.Fprintf(e.stderr, "警告：XINYONG_SQLITE_CACHE_MB=%q 不是整数，按默认值 / warning: XINYONG_SQLITE_CACHE_MB=%q is not a whole number of MiB; the default applies\n", v, v)
		}
	}
	if c.isPostgres() || mb == 0 {
		return
	}
	if mb < 0 {
		mb = sqlite.DefaultPageCacheMiB()
	}
	if err := sqlite.ReservePageCache(mb); err != nil && !errors.Is(err, sqlite.ErrPageCacheLate) {
		fmt.Fprintln(e.stderr, "警告 / warning:", err)
	}
}

// serverGCPercent is the garbage collector's target (GOGC) in a server process unless the
// environment sets GOGC. Go's default, 100, collects whenever the heap doubles; a server's live
// heap is small (its caches are SQLite's page slab, outside the Go heap) and a window check
// allocates, so at 5,000 checks a second it collected about seven times a second (live heap
// about 14 MB), and on two cores the collector took processor time from the checks. 200 halves
// that for about 16 MB more heap (docs/performance.md, ninth session).
const serverGCPercent = 200

// tuneServerGC sets serverGCPercent in a server process (serve, demo, a bench's server side)
// unless GOGC is set.
func tuneServerGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	var c config
	var sf serveFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	sf.register(fs, e.getenv)
	if _, err := parse(fs, e, args); err != nil {
		return err
	}
	reservePageCache(e, &c, sf.cacheMB)
	tuneServerGC(e.getenv)
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	logSettings(ctx, a.Store, a.Log)
	if err := warnNoAdmin(ctx, e, a); err != nil {
		return err
	}
	return serve(ctx, e, a, &c, &sf, nil)
}

// warnNoAdmin tells the operator how to create the first admin when there is none: the
// platform has no default account or password, so the console is closed to everyone until then.
func warnNoAdmin(ctx context.Context, e *env, a *app.App) error {
	users, err := a.Users(ctx, "")
	if err != nil {
		return err
	}
	for _, u := range users {
		if !u.Disabled && slices.Contains(u.Roles, auth.RoleAdmin) {
			return nil
		}
	}
	fmt.Fprintln(e.stderr, "尚无可用的管理员账户，控制台无人可登录。请先创建 / no admin user exists, so nobody can sign in to the console. Create one first:\n"+
		"  xinyong user add --username admin --name 姓名 --dept fgw --roles admin --password-stdin")
	return nil
}

// serve runs the HTTP server until ctx ends. ready, when set, is called with the URL once the
// server listens.
func serve(ctx context.Context, e *env, a *app.App, c *config, sf *serveFlags, ready func(url string)) error {
	if (sf.cert == "") != (sf.key == "") {
		return errors.New("--tls-cert 与 --tls-key 须同时给出 / --tls-cert and --tls-key go together")
	}
	master, err := c.masterKey(e.stderr)
	if err != nil {
		return err
	}
	proxies, err := web.ParseTrustedProxies(sf.proxies)
	if err != nil {
		return err
	}
	// Forms stay valid across a restart and across servers that share the master key.
	var metrics *web.Metrics
	if sf.metrics != "" {
		metrics = web.NewMetrics()
		mln, err := net.Listen("tcp", sf.metrics)
		if err != nil {
			return fmt.Errorf("监听 %s 失败 / metrics listen: %w", sf.metrics, err)
		}
		msrv := &http.Server{Handler: metricsMux(metrics), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		fmt.Fprintf(e.stdout, "运行指标 / metrics at http://%s/metrics\n", mln.Addr())
	}
	h := web.NewServer(a, web.Config{UploadDir: filepath.Join(c.DataDir, "uploads"), Log: a.Log, Metrics: metrics,
		SecureCookies: sf.cert != "", Context: ctx, CSRFKey: auth.DeriveKey(master, "csrf"), TrustedProxies: proxies})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: nil}
	ln, err := net.Listen("tcp", sf.addr)
	if err != nil {
		return fmt.Errorf("监听 %s 失败 / listen: %w", sf.addr, err)
	}
	scheme := "http"
	if sf.cert != "" {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s/", scheme, ln.Addr())
	fmt.Fprintf(e.stdout, "信用门户已启动 / serving at %s\n", url)
	if ready != nil {
		ready(url)
	}
	go sealQueryLogsDaily(ctx, a)
	dctx, stopDelivery := context.WithCancel(ctx)
	waitDelivery := startDelivery(dctx, e, a, &sf.delivery)
	defer func() { stopDelivery(); waitDelivery() }()
	go runRightsJobs(ctx, a) // publication expiry, overdue escalation (cmd_rights.go)
	// Lists, measures and window checks: entries whose validity ended leave their list.
	go a.RunListJobs(ctx, time.Hour)
	errc := make(chan error, 1)
	go func() {
		if sf.cert != "" {
			errc <- srv.ServeTLS(ln, sf.cert, sf.key)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// Uploads answered "running" import on; ctx is done, so they stop at their next chunk.
	if w, ok := h.(interface{ Wait() }); ok {
		w.Wait()
	}
	fmt.Fprintln(e.stdout, "已停止 / stopped")
	return nil
}

// metricsMux serves /metrics and nothing else on the internal metrics port.
func metricsMux(m *web.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

// officeZone is the credit office's time zone: days of the query log and the audit anchors.
var officeZone = time.FixedZone("CST", 8*3600)

// sealQueryLogsDaily seals each finished day of the query log into the audit trail, at start
// and then every hour (a day is sealed once, 10 minutes after it ends; see App.SealQueryLogs).
func sealQueryLogsDaily(ctx context.Context, a *app.App) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if seals, err := a.SealQueryLogs(ctx, app.ActorSystem, a.Now(), officeZone); err != nil {
			if ctx.Err() == nil {
				a.Log.Error("query log seal", "err", err)
			}
		} else if len(seals) > 0 {
			a.Log.Info("query log sealed", "days", len(seals), "through", seals[len(seals)-1].Day)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
