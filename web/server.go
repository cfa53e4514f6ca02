// Package web is Xinyong's HTTP layer: the public credit portal (信用门户), a minimal console
// for departments and the credit office, and the JSON API under /api/v1 with its OpenAPI
// document. Handlers hold no business rules: they call the services of package app, which the
// command line shares.
//
// Pages are server-rendered with html/template, Chinese first with English on request, and
// work without JavaScript; templates, the style sheet and openapi.json are embedded.
package web

import (
	"context"
	"crypto/rand"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
)

// DefaultMaxUpload is the largest file a department may upload when Config.MaxUpload is 0.
const DefaultMaxUpload int64 = 2 << 30

// Config is what the HTTP layer needs besides the services.
type Config struct {
	// UploadDir is where uploads are spooled before import (created if missing; default: a
	// directory under the system temp dir).
	UploadDir string
	// MaxUpload is the largest upload in bytes (default DefaultMaxUpload).
	MaxUpload int64
	Log       *slog.Logger
	// SecureCookies sets Secure on every cookie (serve over TLS, or behind a proxy that
	// terminates it); cookies of requests that arrive over TLS carry it anyway.
	SecureCookies bool
	// CSRFKey keys the anti-forgery tokens of forms (auth.DeriveKey(master, "csrf"), at least
	// auth.MinKeyLen bytes). Empty: a random key per process, so forms open across a restart
	// must be reloaded; sessions survive either way (they live in the store).
	CSRFKey []byte
	// Matrix is the authorisation matrix; nil means auth.DefaultMatrix().
	Matrix auth.Matrix
	// LoginPerMinute and SearchPerMinute are the rate limits of sign-in (per address and per
	// user name) and of public search (per address); 0 means the defaults.
	LoginPerMinute, SearchPerMinute int
	// Metrics, when set, counts every request by route and status (NewMetrics).
	Metrics *Metrics
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are
	// believed (ParseTrustedProxies); empty: none, the peer address is the client.
	TrustedProxies []netip.Prefix
	// Context, when set, is the parent of background imports: cancelling it (shutdown) stops
	// them at their next chunk; they resume when the same file is submitted again.
	Context context.Context
}

// Server serves the portal, the console and the API. NewServer returns it as an http.Handler.
type Server struct {
	app   *app.App
	cfg   Config
	log   *slog.Logger
	mux   *http.ServeMux
	h     http.Handler
	pages map[string]*template.Template

	matrix  auth.Matrix
	csrfKey []byte
	// registered lists every route routes() registered ({method, pattern}), for the matrix.
	registered [][2]string
	// onDecision, when set (tests), sees every decision of the matrix.
	onDecision func(*http.Request, auth.Decision)

	loginByIP, loginByName, searchByIP *limiter

	// Imports started by uploads run on after their request has been answered.
	importsWG sync.WaitGroup
	importsMu sync.Mutex
	inflight  map[string]bool // dept|item|sha256 of uploads being imported
	bg        context.Context // parent of background imports
	// importWait is how long an upload waits for its import before answering "running".
	importWait time.Duration
}

// NewServer returns the HTTP handler of the whole site over the services a.
func NewServer(a *app.App, cfg Config) http.Handler {
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{app: a, cfg: cfg, log: cfg.Log, mux: http.NewServeMux(), inflight: map[string]bool{},
		bg: cfg.Context, importWait: defaultImportWait}
	if s.bg == nil {
		s.bg = context.Background()
	}
	s.matrix = cfg.Matrix
	if s.matrix == nil {
		s.matrix = auth.DefaultMatrix()
	}
	s.csrfKey = cfg.CSRFKey
	if len(s.csrfKey) < auth.MinKeyLen {
		s.csrfKey = make([]byte, 32)
		_, _ = rand.Read(s.csrfKey) // crypto/rand.Read never fails (Go ≥ 1.24)
	}
	login, search := cfg.LoginPerMinute, cfg.SearchPerMinute
	if login <= 0 {
		login = DefaultLoginPerMinute
	}
	if search <= 0 {
		search = DefaultSearchPerMinute
	}
	s.loginByIP, s.loginByName, s.searchByIP = newLimiter(login), newLimiter(login), newLimiter(search)
	s.pages = parsePages()
	cfg.Metrics.watch(a)
	s.routes()
	// The matrix is default-deny: a route without a rule is refused at run time. Say so at
	// start too (TestMatrixWalk fails on it).
	if err := s.matrix.Check(); err != nil {
		s.log.Error("authorisation matrix", "err", err)
	}
	for _, rt := range s.matrix.Missing(s.registered) {
		s.log.Error("route without an access rule: refused to everyone", "method", rt[0], "pattern", rt[1])
	}
	s.h = s.recoverPanics(s.fromProxy(s.accessLog(s.secureHeaders(s.limitBody(s.rateLimit(s.authenticate(s.mux)))))))
	return s
}

// ServeHTTP serves one request through the middleware and the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// Wait blocks until every import started by an upload has finished (for shutdown and tests).
func (s *Server) Wait() { s.importsWG.Wait() }
