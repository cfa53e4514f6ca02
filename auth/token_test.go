package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/xinyong/xinyong/credit"
)

var tokenShape = regexp.MustCompile(`^xy_[a-z][a-z0-9_]{0,31}_[a-z2-7]{32}$`)

func TestNewToken(t *testing.T) {
	for _, dept := range []string{"fgw", "scjg", "zj_sw", "a", strings.Repeat("b", 32)} {
		plain, hash, err := NewToken(dept, rand.Reader)
		if err != nil {
			t.Fatalf("NewToken(%q): %v", dept, err)
		}
		if !tokenShape.MatchString(plain) || !strings.HasPrefix(plain, "xy_"+dept+"_") {
			t.Errorf("NewToken(%q) = %q: wrong shape", dept, plain)
		}
		sum := sha256.Sum256([]byte(plain))
		if hash != hex.EncodeToString(sum[:]) || hash != TokenHash(plain) {
			t.Errorf("hash %q is not the hex SHA-256 of the token", hash)
		}
		if got, ok := ParseToken(plain); !ok || got != dept {
			t.Errorf("ParseToken(%q) = %q, %v; want %q", plain, got, ok, dept)
		}
	}
	a, _, _ := NewToken("fgw", rand.Reader)
	b, _, _ := NewToken("fgw", rand.Reader)
	if a == b {
		t.Error("two tokens are equal")
	}
	// Fixed randomness gives a fixed token: the encoding is pinned.
	plain, _, err := NewToken("fgw", bytes.NewReader(make([]byte, 20)))
	if err != nil || plain != "xy_fgw_"+strings.Repeat("a", 32) {
		t.Errorf("NewToken(zero bytes) = %q, %v", plain, err)
	}
	for _, dept := range []string{"", "FGW", "1fgw", "f-gw", "fgw ", "税务", strings.Repeat("b", 33)} {
		if _, _, err := NewToken(dept, rand.Reader); credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("NewToken(%q) err = %v, want invalid", dept, err)
		}
	}
	if _, _, err := NewToken("fgw", iotest.ErrReader(errors.New("no entropy"))); credit.ErrorCode(err) != credit.EINTERNAL {
		t.Errorf("failing rand: %v", err)
	}
}

func TestParseToken(t *testing.T) {
	r := strings.Repeat("a", 32)
	tests := []struct {
		in, dept string
		ok       bool
	}{
		{"xy_fgw_" + r, "fgw", true},
		{"xy_zj_sw_" + r, "zj_sw", true},
		{"xy_fgw_abcdefghijklmnopqrstuvwxyz234567", "fgw", true},
		{"", "", false},
		{"xy_", "", false},
		{"xy__" + r, "", false},
		{"xy_fgw" + r, "", false},
		{"XY_fgw_" + r, "", false},
		{"xy_FGW_" + r, "", false},
		{"xy_fgw_" + strings.ToUpper(r), "", false},
		{"xy_fgw_" + r[:31], "", false},
		{"xy_fgw_" + r + "a", "", false},
		{"xy_fgw_" + r[:31] + "1", "", false}, // 1 is not base32
		{"xy_fgw_" + r[:31] + "=", "", false},
		{"xy_fgw_" + r[:16] + "\n" + r[:15], "", false},
		{"xy_fgw_" + r[:16] + "\n" + r[:16], "", false},
		{" xy_fgw_" + r, "", false},
		{"Bearer xy_fgw_" + r, "", false},
		{"yx_fgw_" + r, "", false},
	}
	for _, tt := range tests {
		dept, ok := ParseToken(tt.in)
		if ok != tt.ok || dept != tt.dept {
			t.Errorf("ParseToken(%q) = %q, %v; want %q, %v", tt.in, dept, ok, tt.dept, tt.ok)
		}
	}
}

// FuzzParseToken: nothing panics, and what parses has the exact shape NewToken makes.
func FuzzParseToken(f *testing.F) {
	f.Add("xy_fgw_" + strings.Repeat("a", 32))
	f.Add("xy_a_b_c_" + strings.Repeat("7", 32))
	f.Add("xy___")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		dept, ok := ParseToken(s)
		if !ok {
			if dept != "" {
				t.Fatalf("ParseToken(%q) failed but returned %q", s, dept)
			}
			return
		}
		if !tokenShape.MatchString(s) || !ValidDeptCode(dept) || s[3:3+len(dept)] != dept {
			t.Fatalf("ParseToken(%q) = %q: accepted a malformed token", s, dept)
		}
	})
}

func TestParseScopes(t *testing.T) {
	tests := []struct {
		in   string
		want []Scope
		ok   bool
	}{
		{"records:write", []Scope{ScopeRecordsWrite}, true},
		{" batches:read , records:write ", []Scope{ScopeRecordsWrite, ScopeBatchesRead}, true},
		{"RECORDS:WRITE,records:write", []Scope{ScopeRecordsWrite}, true},
		{"records:write,,checks:write,", []Scope{ScopeRecordsWrite, ScopeChecksWrite}, true},
		{"", nil, false},
		{" , ", nil, false},
		{"records:delete", nil, false},
		{"records", nil, false},
		{"admin", nil, false},
	}
	for _, tt := range tests {
		got, err := ParseScopes(tt.in)
		if (err == nil) != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("ParseScopes(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("ParseScopes(%q): error code %s", tt.in, credit.ErrorCode(err))
		}
	}
}

// FuzzParseScopes: nothing panics; a result is non-empty, known, ordered and without repeats.
func FuzzParseScopes(f *testing.F) {
	f.Add("records:write,batches:read")
	f.Add(",,,")
	f.Add("records:write,records:writ")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseScopes(s)
		if err != nil {
			return
		}
		if len(got) == 0 {
			t.Fatal("no error and no scope")
		}
		for i, sc := range got {
			if !sc.Valid() || (i > 0 && slices.Index(AllScopes, got[i-1]) >= slices.Index(AllScopes, sc)) {
				t.Fatalf("ParseScopes(%q) = %v", s, got)
			}
		}
	})
}

func TestTokenValid(t *testing.T) {
	now := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		tok  *Token
		want error
	}{
		{"valid", &Token{ExpiresAt: now.Add(time.Hour)}, nil},
		{"expires now", &Token{ExpiresAt: now}, ErrTokenExpired},
		{"expired", &Token{ExpiresAt: now.Add(-time.Hour)}, ErrTokenExpired},
		{"no expiry", &Token{}, ErrTokenNoExpiry},
		{"revoked", &Token{ExpiresAt: now.Add(time.Hour), RevokedAt: now.Add(-time.Minute)}, ErrTokenRevoked},
		{"revoked now", &Token{ExpiresAt: now.Add(time.Hour), RevokedAt: now}, ErrTokenRevoked},
		{"revoked and expired: revoked wins", &Token{ExpiresAt: now.Add(-time.Hour), RevokedAt: now.Add(-2 * time.Hour)}, ErrTokenRevoked},
		{"revocation scheduled later", &Token{ExpiresAt: now.Add(time.Hour), RevokedAt: now.Add(time.Minute)}, nil},
		{"nil", nil, ErrTokenInvalid},
	}
	for _, tt := range tests {
		if err := tt.tok.Valid(now); err != tt.want {
			t.Errorf("%s: Valid = %v, want %v", tt.name, err, tt.want)
		}
	}
	for _, err := range []error{ErrTokenExpired, ErrTokenRevoked, ErrTokenNoExpiry, ErrTokenInvalid} {
		if credit.ErrorCode(err) != credit.EUNAUTH {
			t.Errorf("%v: code %s, want unauthorized (401)", err, credit.ErrorCode(err))
		}
	}
	if ErrTokenExpired.Error() == ErrTokenRevoked.Error() {
		t.Error("expired and revoked tokens must be told apart")
	}
}

func TestCheckExpiry(t *testing.T) {
	now := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		exp time.Time
		ok  bool
	}{
		{now.AddDate(0, 3, 0), true},
		{now.Add(MaxTokenLifetime), true},
		{now.Add(MaxTokenLifetime + time.Second), false},
		{now, false},
		{now.Add(-time.Hour), false},
		{time.Time{}, false},
	} {
		if err := CheckExpiry(tt.exp, now); (err == nil) != tt.ok {
			t.Errorf("CheckExpiry(%v) = %v, want ok %v", tt.exp, err, tt.ok)
		}
	}
}

func TestTokenPrincipal(t *testing.T) {
	tok := &Token{ID: 7, Dept: "fgw", Name: "双公示报送", Scopes: []Scope{ScopeRecordsWrite}}
	p := tok.Principal()
	if p.Kind != KindToken || p.Dept != "fgw" || !p.HasScope(ScopeRecordsWrite) || p.HasScope(ScopeBatchesRead) ||
		p.Has(RoleAdmin) || p.Actor() != "token:7@fgw" || !p.ActsFor("fgw") || p.ActsFor("sw") {
		t.Errorf("token principal %+v", p)
	}
	p.TokenScopes[0] = ScopeChecksWrite
	if tok.Scopes[0] != ScopeRecordsWrite {
		t.Error("the principal shares the token's scope slice")
	}
}
