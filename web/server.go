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
	"sync"
	"time"

	"github.com/xinyong/xinyong/app"
)

// DefaultMaxUpload is the largest file a department may upload when Config.MaxUpload is 0.
const DefaultMaxUpload int64 = 2 << 30

// Config is what the HTTP layer needs besides the services.
type Config struct {
	// AdminToken is the bearer token of the write/admin API and the console's login until
	// user accounts exist. "" disables both (403 with a clear message).
	AdminToken string
	// UploadDir is where uploads are spooled before import (created if missing; default: a
	// directory under the system temp dir).
	UploadDir string
	// MaxUpload is the largest upload in bytes (default DefaultMaxUpload).
	MaxUpload int64
	Log       *slog.Logger
	// SecureCookies sets Secure on every cookie (serve over TLS).
	SecureCookies bool
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
	// secret keys the console's session and CSRF HMACs. It is made afresh at start, so a
	// restart signs everybody out of the console, which is acceptable for a token login.
	secret []byte

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
	s.secret = make([]byte, 32)
	_, _ = rand.Read(s.secret) // crypto/rand.Read never fails (Go ≥ 1.24)
	s.pages = parsePages()
	s.routes()
	s.h = s.accessLog(s.secureHeaders(s.recoverPanics(s.mux)))
	return s
}

// ServeHTTP serves one request through the middleware and the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// Wait blocks until every import started by an upload has finished (for shutdown and tests).
func (s *Server) Wait() { s.importsWG.Wait() }
