package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// Session ids are 256 random bits in unpadded base64url: 43 characters, safe in a cookie.
const (
	sessionIDBytes = 32
	sessionIDLen   = 43
)

// NewSessionID returns a fresh session id from rand (crypto/rand.Reader in production). Web
// makes a new one at every sign-in — never keeping an id the browser brought — so a planted
// id cannot become a signed-in session (session fixation).
func NewSessionID(rand io.Reader) (string, error) {
	b := make([]byte, sessionIDBytes)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", credit.Errorf(credit.EINTERNAL, "无法生成会话标识 / cannot read random bytes: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ValidSessionID reports whether s has the shape of a session id, so a cookie of any other
// shape is dropped before the store is asked.
func ValidSessionID(s string) bool {
	if len(s) != sessionIDLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == sessionIDBytes
}

// SessionKey is what the store keeps of a session id: its hex SHA-256. Someone who reads the
// sessions table (a backup, a replica) cannot replay the cookies of the people signed in.
func SessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// SessionPolicy says how long a session lives: it ends after Idle without a request, and
// after Absolute in any case. Touch limits how often a request must record activity, so a
// busy session does not write to the store on every request.
type SessionPolicy struct {
	Idle     time.Duration
	Absolute time.Duration
	Touch    time.Duration
}

// DefaultSessionPolicy: 30 minutes idle, 12 hours at most (a working day), activity recorded
// at most once a minute.
var DefaultSessionPolicy = SessionPolicy{Idle: 30 * time.Minute, Absolute: 12 * time.Hour, Touch: time.Minute}

// Errors of sessions that have ended. Both are 401: the user signs in again.
var (
	ErrSessionIdle    = credit.Errorf(credit.EUNAUTH, "长时间未操作，会话已结束，请重新登录 / signed out after inactivity; please sign in again")
	ErrSessionExpired = credit.Errorf(credit.EUNAUTH, "会话已到期，请重新登录 / the session has expired; please sign in again")
)

// Check reports whether a session created at created and last active at lastSeen is still
// alive at now. A session whose times lie in the future (a clock set back) is refused too.
func (p SessionPolicy) Check(created, lastSeen, now time.Time) error {
	switch {
	case now.Before(created) || !now.Before(created.Add(p.Absolute)):
		return ErrSessionExpired
	case now.Before(lastSeen) || !now.Before(lastSeen.Add(p.Idle)):
		return ErrSessionIdle
	}
	return nil
}

// ExpiresAt is when the session ends if nothing happens before then.
func (p SessionPolicy) ExpiresAt(created, lastSeen time.Time) time.Time {
	idle, abs := lastSeen.Add(p.Idle), created.Add(p.Absolute)
	if idle.Before(abs) {
		return idle
	}
	return abs
}

// NeedsTouch reports whether a request at now should record activity (last seen = now).
func (p SessionPolicy) NeedsTouch(lastSeen, now time.Time) bool {
	return now.Sub(lastSeen) >= p.Touch
}

// MinKeyLen is the shortest secret key the HMAC functions accept, in bytes.
const MinKeyLen = 32

// DeriveKey derives a purpose-bound key from the platform's master secret (from config or the
// environment), so one secret serves several uses without one use's output helping another:
// DeriveKey(master, "csrf") keys CSRF tokens.
func DeriveKey(master []byte, purpose string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("xinyong key v1\x00"))
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// CSRFToken returns the anti-forgery token that every form of the session with id sessionID
// carries (跨站请求伪造防护): an HMAC of the session id under key. Another site can neither read
// it nor compute it, and it changes with the session, so a token leaked before sign-in is
// worthless after. It returns "" when key is shorter than MinKeyLen or sessionID is empty.
func CSRFToken(key []byte, sessionID string) string {
	if len(key) < MinKeyLen || sessionID == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("xinyong csrf v1\x00"))
	m.Write([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ErrCSRF is the refusal of a form without a valid anti-forgery token.
var ErrCSRF = credit.Errorf(credit.EFORBIDDEN, "表单已失效或来源不明，请刷新页面后重试 / "+
	"the form's security token is missing or invalid; reload the page and try again")

// CheckCSRF checks a submitted token against the session, in constant time. It fails closed:
// an empty token, session id or short key is a refusal.
func CheckCSRF(key []byte, sessionID, token string) error {
	want := CSRFToken(key, sessionID)
	if want == "" || token == "" || !hmac.Equal([]byte(token), []byte(want)) {
		return ErrCSRF
	}
	return nil
}
