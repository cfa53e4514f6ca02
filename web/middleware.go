package web

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
)

// statusWriter remembers the status and size of a response for the access log and for panic
// recovery (a 500 can only be sent before anything was written).
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs every request: method, route, status, duration, size. It logs the route
// pattern instead of the path when the path carries a value (a code may be a resident ID,
// which is personal information and has no place in a log), and never the query string.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		done := false
		defer func() {
			status := sw.status
			if !done && status == 0 {
				status = http.StatusInternalServerError // a panic, answered by recoverPanics
			}
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "http", slog.String("method", r.Method),
				slog.String("path", logPath(r)), slog.Int("status", status),
				slog.Duration("duration", time.Since(start)), slog.Int64("bytes", sw.bytes),
				slog.String("actor", principal(r).Actor()))
			s.cfg.Metrics.observe(r.Method, state(r).pattern, status, time.Since(start))
		}()
		next.ServeHTTP(sw, r)
		done = true
	})
}

// logPath is what a log line may say of a request's path.
func logPath(r *http.Request) string {
	if strings.Contains(r.Pattern, "{") {
		return r.Pattern
	}
	if p := state(r).pattern; strings.Contains(p, "{") {
		return p
	}
	return r.URL.Path
}

// secureHeaders sets the security headers of every response. The CSP allows nothing inline,
// so templates carry no script and no style attribute.
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic into a logged 500; the user never sees a stack trace. It is the
// outermost layer: it gives the request the state the inner layers share and the status
// writer they answer through.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, _ = withState(r)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p) // net/http's own way to abort a response: let it through
			}
			s.log.LogAttrs(r.Context(), slog.LevelError, "panic", slog.String("method", r.Method),
				slog.String("path", logPath(r)), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			if sw.status != 0 {
				return // too late for a status; the client gets a cut-off response
			}
			s.fail(sw, r, credit.Errorf(credit.EINTERNAL, "panic: %v", p))
		}()
		next.ServeHTTP(sw, r)
	})
}

// limitBody bounds every request body by its route (looked up here, before routing, and kept
// for the rate limits): uploads to MaxUpload and their multipart envelope, the catalog to
// catalog.MaxSize, everything else to maxJSONBody. A body announced larger is refused at
// once (413), before any of it is read.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r)
		_, st.route = s.mux.Handler(r)
		limit := int64(maxJSONBody)
		switch st.route {
		case "POST /console/upload", "POST /api/v1/batches":
			limit = s.cfg.MaxUpload + 1<<20
		case "PUT /api/v1/catalog":
			limit = catalog.MaxSize + 1
		}
		if rightsMultipart[st.route] {
			limit = maxEvidenceBody // evidence files (rights.go)
		}
		if r.ContentLength > limit {
			s.fail(w, r, credit.Errorf(credit.ETOOLARGE, "请求体超过上限 %s / the request body is larger than %s", byteSize(limit), byteSize(limit)))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
