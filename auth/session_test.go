package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/xinyong/xinyong/credit"
)

func TestNewSessionID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, err := NewSessionID(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !ValidSessionID(id) || seen[id] {
			t.Fatalf("session id %q invalid or repeated", id)
		}
		seen[id] = true
	}
	id, _ := NewSessionID(bytes.NewReader(make([]byte, 32)))
	if id != strings.Repeat("A", 43) {
		t.Errorf("NewSessionID(zeros) = %q", id)
	}
	if _, err := NewSessionID(iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Error("failing rand gave a session id")
	}
	if _, err := NewSessionID(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Error("31 random bytes gave a session id")
	}
}

func TestValidSessionID(t *testing.T) {
	tail := strings.Repeat("A", 42) + "B" // 'B' sets bits that a 32-byte value cannot have
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{strings.Repeat("A", 43), true},
		{strings.Repeat("-", 42) + "w", true},
		{"", false},
		{strings.Repeat("A", 42), false},
		{strings.Repeat("A", 44), false},
		{tail, false},
		{strings.Repeat("A", 42) + "=", false},
		{strings.Repeat("+", 43), false}, // standard, not URL, alphabet
		{strings.Repeat("A", 21) + "\n" + strings.Repeat("A", 21), false},
	} {
		if got := ValidSessionID(tt.in); got != tt.ok {
			t.Errorf("ValidSessionID(%q) = %v, want %v", tt.in, got, tt.ok)
		}
	}
	if SessionKey("a") == SessionKey("b") || len(SessionKey("a")) != 64 || SessionKey("a") == "a" {
		t.Error("SessionKey is not a hex SHA-256")
	}
}

func FuzzValidSessionID(f *testing.F) {
	f.Add(strings.Repeat("A", 43))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidSessionID(s) {
			return
		}
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) != 32 || base64.RawURLEncoding.EncodeToString(b) != s {
			t.Fatalf("ValidSessionID(%q) accepted what NewSessionID cannot make", s)
		}
	})
}

func TestSessionPolicy(t *testing.T) {
	p := DefaultSessionPolicy // 30 min idle, 12 h absolute
	t0 := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		lastSeen, now time.Duration // after t0, the creation
		want          error
		expires       time.Duration
		touch         bool
	}{
		{"fresh", 0, 0, nil, 30 * time.Minute, false},
		{"active", 10 * time.Minute, 39 * time.Minute, nil, 40 * time.Minute, true},
		{"within a minute of last seen", 10 * time.Minute, 10*time.Minute + 30*time.Second, nil, 40 * time.Minute, false},
		{"idle", 10 * time.Minute, 40 * time.Minute, ErrSessionIdle, 40 * time.Minute, true},
		{"busy all day, past 12 h", 12*time.Hour - time.Minute, 12 * time.Hour, ErrSessionExpired, 12 * time.Hour, true},
		{"just before 12 h", 12*time.Hour - 2*time.Minute, 12*time.Hour - time.Second, nil, 12 * time.Hour, true},
		{"clock set back", 0, -time.Minute, ErrSessionExpired, 30 * time.Minute, false},
		{"last seen in the future", time.Hour, 30 * time.Minute, ErrSessionIdle, 90 * time.Minute, false},
	}
	for _, tt := range tests {
		last, now := t0.Add(tt.lastSeen), t0.Add(tt.now)
		if err := p.Check(t0, last, now); err != tt.want {
			t.Errorf("%s: Check = %v, want %v", tt.name, err, tt.want)
		}
		if got := p.ExpiresAt(t0, last); !got.Equal(t0.Add(tt.expires)) {
			t.Errorf("%s: ExpiresAt = %v, want %v", tt.name, got, t0.Add(tt.expires))
		}
		if got := p.NeedsTouch(last, now); got != tt.touch {
			t.Errorf("%s: NeedsTouch = %v, want %v", tt.name, got, tt.touch)
		}
	}
	if credit.ErrorCode(ErrSessionIdle) != credit.EUNAUTH || credit.ErrorCode(ErrSessionExpired) != credit.EUNAUTH {
		t.Error("ended sessions must be 401")
	}
}

func TestCSRF(t *testing.T) {
	key := DeriveKey([]byte("a master secret from the config file"), "csrf")
	other := DeriveKey([]byte("a master secret from the config file"), "session")
	sid, _ := NewSessionID(rand.Reader)
	sid2, _ := NewSessionID(rand.Reader)
	tok := CSRFToken(key, sid)
	if tok == "" || tok != CSRFToken(key, sid) {
		t.Fatalf("CSRFToken not deterministic: %q", tok)
	}
	if string(key) == string(other) || len(key) != 32 {
		t.Fatal("DeriveKey does not separate purposes")
	}
	tests := []struct {
		name       string
		key        []byte
		sid, token string
		ok         bool
	}{
		{"matching", key, sid, tok, true},
		{"another session's token (fixation, theft)", key, sid2, tok, false},
		{"another key", other, sid, tok, false},
		{"missing token", key, sid, "", false},
		{"no session", key, "", CSRFToken(key, ""), false},
		{"short key", key[:31], sid, CSRFToken(key[:31], sid), false},
		{"nil key", nil, sid, "", false},
		{"truncated", key, sid, tok[:len(tok)-1], false},
		{"one character changed", key, sid, tok[:5] + string(tok[5]^1) + tok[6:], false},
		{"padded", key, sid, tok + "=", false},
		{"the session id itself", key, sid, sid, false},
	}
	for _, tt := range tests {
		err := CheckCSRF(tt.key, tt.sid, tt.token)
		if (err == nil) != tt.ok {
			t.Errorf("%s: CheckCSRF = %v, want ok %v", tt.name, err, tt.ok)
		}
		if err != nil && (err != ErrCSRF || credit.ErrorCode(err) != credit.EFORBIDDEN) {
			t.Errorf("%s: error %v is not ErrCSRF (403)", tt.name, err)
		}
	}
}

// FuzzCheckCSRF: nothing panics, and no token but the right one passes.
func FuzzCheckCSRF(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	f.Add("session", CSRFToken(key, "session"))
	f.Add("", "")
	f.Fuzz(func(t *testing.T, sid, token string) {
		err := CheckCSRF(key, sid, token)
		if (err == nil) != (sid != "" && token == CSRFToken(key, sid)) {
			t.Fatalf("CheckCSRF(%q, %q) = %v", sid, token, err)
		}
	})
}
