package web

import (
	"context"
	"crypto/rand"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
)

// Who is asking, and may they (访问控制). Every request passes, in this order:
//
//	recover → access log → security headers → body limit → rate limit → authenticate →
//	(the mux picks the route) → authorise by the matrix → CSRF → handler
//
// authenticate turns a session cookie or a bearer token into an *auth.Principal; guard, which
// routes() wraps around every handler it registers, asks the matrix with the route's pattern
// and refuses before the handler runs. Handlers do only what the matrix cannot know: hold a
// department's user to its own department's objects (Principal.ActsFor) and enter reads of
// non-public data in the query log (logRead).

const (
	sessionCookie = "xy_session"
	// preCookie carries an anonymous pre-session id that the login form's CSRF token is bound
	// to. It never becomes the session: App.Login makes a fresh id (no session fixation).
	preCookie     = "xy_pre"
	csrfField     = "csrf_token"
	csrfHeader    = "X-CSRF-Token"
	purposeHeader = "X-Xinyong-Purpose"
	purposeField  = "purpose"
)

// reqState is what the middleware learns about a request, shared down the chain through one
// context value set by the outermost layer, so inner layers fill it in without copying the
// request (and the access log sees the route pattern the mux matched).
type reqState struct {
	p     *auth.Principal // nil: the anonymous public
	sid   string          // id of the signed-in session the cookie carries ("" for tokens and the public)
	ended error           // why a presented session was refused (idle, expired), for the login page
	route string          // the pattern the mux will match, looked up before routing (limits)
	// Set by guard once the mux has matched.
	pattern  string
	decision auth.Decision
	logged   bool // the handler entered its read in the query log
	// csrfPending: a multipart form whose token the upload reader checks before the file.
	csrfPending bool
	csrfOK      bool
}

type stateKey struct{}

// state returns the request's state; a request that did not come through ServeHTTP (a test
// calling a handler directly) gets an empty one.
func state(r *http.Request) *reqState {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

func withState(r *http.Request) (*http.Request, *reqState) {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return r, st
	}
	st := &reqState{}
	return r.WithContext(context.WithValue(r.Context(), stateKey{}, st)), st
}

// principal is who is making the request (nil: the anonymous public).
func principal(r *http.Request) *auth.Principal { return state(r).p }

// clientIP is the address a request came from, without the port. Rate limits and the query log
// key on it; behind a trusted reverse proxy it is the client address the proxy saw (fromProxy).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// secureCookie reports whether cookies of this response must carry Secure.
func (s *Server) secureCookie(r *http.Request) bool {
	return s.cfg.SecureCookies || r.TLS != nil || forwardedTLS(r)
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	// #nosec G124 -- Secure whenever the request came over TLS or SecureCookies is set; plain-HTTP development needs it off
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secureCookie(r)})
}

// authenticate finds the principal of a request: a department token (Authorization: Bearer
// xy_…), else a staff session (cookie xy_session), else the anonymous public. A presented token
// that is malformed, unknown, expired or revoked is refused at once (401, with the reason): a
// department's system must learn its token is dead, not be served as the public. A session
// that has ended is dropped (its cookie cleared) and the request goes on as anonymous.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r)
		now := s.app.Now()
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, tok, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				s.fail(w, r, auth.ErrTokenInvalid)
				return
			}
			p, err := s.app.AuthenticateToken(r.Context(), strings.TrimSpace(tok), now)
			if err != nil {
				if credit.ErrorCode(err) == credit.EUNAUTH {
					s.log.LogAttrs(r.Context(), slog.LevelWarn, "token refused", slog.String("remote_addr", clientIP(r)),
						slog.String("reason", credit.ErrorMessage(err)))
				}
				s.fail(w, r, err)
				return
			}
			st.p = p
		} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			p, err := s.app.Session(r.Context(), c.Value, now)
			switch {
			case err == nil:
				st.p, st.sid = p, c.Value
			case credit.ErrorCode(err) == credit.EUNAUTH:
				if err == auth.ErrSessionIdle || err == auth.ErrSessionExpired {
					st.ended = err
				}
				s.setCookie(w, r, sessionCookie, "", -1)
			default:
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// guard is the one place a route's handler is authorised: the matrix decides with the route's
// pattern, the principal and the stated purpose (查询事由: header X-Xinyong-Purpose or the
// query field purpose) before the handler runs; then unsafe requests of browsers must carry
// their CSRF token. routes() registers every handler through it (guardedMux).
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r)
		st.pattern = r.Pattern
		purpose := r.Header.Get(purposeHeader)
		if purpose == "" {
			purpose = r.URL.Query().Get(purposeField)
		}
		d := s.matrix.Decide(r.Method, r.Pattern, st.p, purpose)
		st.decision = d
		if s.onDecision != nil {
			s.onDecision(r, d)
		}
		if !d.Allow {
			s.deny(w, r, d)
			return
		}
		if d.Rule != nil && !d.Rule.Public {
			w.Header().Set("Cache-Control", "no-store")
		}
		if err := s.checkCSRF(w, r, st); err != nil {
			s.log.LogAttrs(r.Context(), slog.LevelWarn, "csrf refused", slog.String("route", r.Pattern),
				slog.String("remote_addr", clientIP(r)))
			s.fail(w, r, err)
			return
		}
		if st.sid != "" && isAPI(r) {
			// A script of the signed-in console reads its token here for unsafe API calls; no
			// other site can read this header (no CORS).
			w.Header().Set(csrfHeader, auth.CSRFToken(s.csrfKey, st.sid))
		}
		next.ServeHTTP(w, r)
		if d.LogQuery && !st.logged {
			// Every read the matrix marks must be in the query log; a handler that forgot is a
			// bug, caught here with a generic entry (and by the tests).
			if sw, ok := w.(*statusWriter); ok && sw.status >= 400 {
				return
			}
			s.log.Error("read not entered in the query log by its handler", "route", r.Pattern)
			if err := s.app.LogQuery(r.Context(), st.p, d.Purpose, "", r.Pattern, "unrecorded", clientIP(r)); err != nil {
				s.log.Error("query log", "err", err)
			}
		}
	})
}

// deny answers a refusal of the matrix: pages redirect an anonymous visitor to the login form
// (and back afterwards); everything else gets the status and the Chinese message.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, d auth.Decision) {
	st := state(r)
	if st.p != nil || d.Status != http.StatusUnauthorized || isAPI(r) {
		s.fail(w, r, d.Err)
		return
	}
	q := url.Values{}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		q.Set("next", r.URL.RequestURI())
	}
	if st.ended != nil {
		q.Set("ended", "1")
	}
	target := loginPath(r.URL.Path)
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// fail answers an error as JSON under /api/ and as a page elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.apiError(w, r, err)
		return
	}
	s.pageError(w, r, err)
}

// multipartCSRF are the routes whose handler reads a multipart body itself and checks its CSRF
// field before the file (receiveUpload); any other multipart request must send the header.
var multipartCSRF = map[string]bool{"POST /console/upload": true, "POST /api/v1/batches": true}

// checkCSRF refuses an unsafe request of a browser without its anti-forgery token (跨站请求伪造
// 防护): the header X-CSRF-Token or the form field csrf_token, an HMAC of the session id (of the
// pre-session id before signing in). Department tokens need none: a browser never sends them
// by itself. Signing out without a live session, and the fallback, need none either.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request, st *reqState) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if st.p != nil && st.p.Kind == auth.KindToken {
		return nil
	}
	if (st.p == nil && r.Pattern == "POST /console/logout") || r.Pattern == "/" {
		return nil // nothing to forge: no session to end; the fallback only answers 404 or 405
	}
	bind := s.csrfBinding(r)
	tok := r.Header.Get(csrfHeader)
	if tok == "" {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch {
		case mt == "application/x-www-form-urlencoded":
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if err := r.ParseForm(); err != nil {
				return credit.Errorf(credit.EINVALID, "表单无法读取 / the form cannot be read")
			}
			tok = r.PostForm.Get(csrfField)
		case mt == "multipart/form-data" && (multipartCSRF[r.Pattern] || rightsMultipart[r.Pattern]):
			if bind == "" {
				return auth.ErrCSRF
			}
			st.csrfPending = true
			return nil
		}
	}
	return auth.CheckCSRF(s.csrfKey, bind, tok)
}

// checkFormCSRF checks a token found in a multipart form (see multipartCSRF).
func (s *Server) checkFormCSRF(r *http.Request, tok string) error {
	st := state(r)
	if err := auth.CheckCSRF(s.csrfKey, s.csrfBinding(r), tok); err != nil {
		return err
	}
	st.csrfOK = true
	return nil
}

// csrfBinding is the id CSRF tokens of this request are bound to: the signed-in session, or
// the pre-session cookie of an anonymous browser ("" when it has none).
func (s *Server) csrfBinding(r *http.Request) string {
	st := state(r)
	if st.sid != "" {
		return st.sid
	}
	if c, err := r.Cookie(preCookie); err == nil && auth.ValidSessionID(c.Value) {
		return c.Value
	}
	return ""
}

// formToken returns the CSRF token forms of this page carry, giving an anonymous browser its
// pre-session cookie first when it has none.
func (s *Server) formToken(w http.ResponseWriter, r *http.Request) string {
	bind := s.csrfBinding(r)
	if bind == "" {
		id, err := auth.NewSessionID(rand.Reader)
		if err != nil {
			return ""
		}
		s.setCookie(w, r, preCookie, id, 0)
		bind = id
		// #nosec G124 -- a request cookie for later calls in this request, never sent to the browser
		r.AddCookie(&http.Cookie{Name: preCookie, Value: id}) // later calls in this request agree
	}
	return auth.CSRFToken(s.csrfKey, bind)
}

// logRead enters the read a handler is about to serve in the query log (查询使用登记) when the
// matrix said it must: with the principal, the stated or implied purpose, the subject (its key;
// "" when the read spans many), the route and what is returned. The read must not be served
// when this fails.
func (s *Server) logRead(r *http.Request, subjectKey, returned string) error {
	st := state(r)
	if !st.decision.LogQuery {
		return nil
	}
	if err := s.app.LogQuery(r.Context(), st.p, st.decision.Purpose, subjectKey, st.pattern, returned, clientIP(r)); err != nil {
		return err
	}
	st.logged = true
	return nil
}

// actor names the principal of a request in the audit trail.
func actor(r *http.Request) string {
	if p := principal(r); p != nil {
		return p.Actor()
	}
	return app.ActorSystem
}

// errOtherDept refuses a department's user an object of another department.
var errOtherDept = credit.Errorf(credit.EFORBIDDEN, "无权访问其他部门的报送数据 / this belongs to another department's submissions")

// actsFor refuses p an object of department dept unless p may act for it (its own department,
// or the credit office admin).
func actsFor(p *auth.Principal, dept string) error {
	if !p.ActsFor(dept) {
		return errOtherDept
	}
	return nil
}

// safeNext is where to go after signing in: a local path only (no scheme, no host, no "//"),
// so the login form cannot be used to send people to another site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) ||
		strings.ContainsAny(next, "\r\n") {
		return "/console/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/console/"
	}
	return next
}
