package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Until user accounts arrive, one admin token guards the write API (as a bearer token) and the
// console (typed into the login form). The console keeps no server-side sessions: its session
// cookie is an expiry and an HMAC over it and the token with a per-process secret, so the
// token itself never sits in a cookie and a changed token or a restart ends every session.

const (
	sessionCookie = "xy_session"
	csrfCookie    = "xy_csrf"
	csrfField     = "csrf_token"
	sessionTTL    = 12 * time.Hour
	// submittedBy names the actor until accounts exist.
	submittedBy = "admin-token"
)

// adminOnly requires the admin bearer token: none → 401, a wrong one → 403, and 403 for
// everyone when no token is configured.
func (s *Server) adminOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkBearer(r); err != nil {
			s.apiError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next(w, r)
	}
}

func (s *Server) checkBearer(r *http.Request) error {
	if s.cfg.AdminToken == "" {
		return errNoAdmin
	}
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return errNoToken
	}
	if !s.tokenMatches(strings.TrimSpace(tok)) {
		return errBadToken
	}
	return nil
}

// tokenMatches compares in constant time (over hashes, so the lengths leak nothing either).
func (s *Server) tokenMatches(tok string) bool {
	a, b := sha256.Sum256([]byte(tok)), sha256.Sum256([]byte(s.cfg.AdminToken))
	return s.cfg.AdminToken != "" && hmac.Equal(a[:], b[:])
}

func (s *Server) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newSession returns a session cookie value: "expiry.hmac(expiry, token)".
func (s *Server) newSession(now time.Time) string {
	exp := strconv.FormatInt(now.Add(sessionTTL).Unix(), 10)
	return exp + "." + s.mac("session", exp, s.cfg.AdminToken)
}

// signedIn reports whether the request carries a valid, unexpired console session.
func (s *Server) signedIn(r *http.Request) bool {
	if s.cfg.AdminToken == "" {
		return false
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	exp, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || time.Now().Unix() > n {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(s.mac("session", exp, s.cfg.AdminToken)))
}

// CSRF protection of console forms: a random cookie (HttpOnly, SameSite=Strict) and, in every
// form, an HMAC of it under the server secret. A POST must bring both, matching; another site
// can neither read the cookie nor compute the HMAC.

// csrfToken returns the form token for the request, setting the CSRF cookie when missing.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 16 {
		v = c.Value
	} else {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		v = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/console", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: s.cfg.SecureCookies})
	}
	return s.mac("csrf", v)
}

// checkCSRF checks a submitted form token against the request's CSRF cookie.
func (s *Server) checkCSRF(r *http.Request, token string) error {
	c, err := r.Cookie(csrfCookie)
	if err != nil || token == "" || !hmac.Equal([]byte(token), []byte(s.mac("csrf", c.Value))) {
		return errBadCSRF
	}
	return nil
}

func (s *Server) setSession(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/console", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.cfg.SecureCookies})
}
