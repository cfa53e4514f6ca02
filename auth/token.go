package auth

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// Scope is one thing a department API token may do (令牌权限范围).
type Scope string

// Scopes. A token holds only those its department needs; the matrix names the scope of each
// API route a token may call.
const (
	ScopeRecordsWrite Scope = "records:write" // submit batches of records (报送)
	ScopeRecordsRead  Scope = "records:read"  // read records beyond the public ones, as government sharing
	ScopeBatchesRead  Scope = "batches:read"  // read its department's batches and their rejected rows
	ScopeChecksWrite  Scope = "checks:write"  // check subjects for a matter and record feedback (联合奖惩核查)
	// Status-change delivery: a department's system reads and answers its tasks; a department
	// or an authorised partner (a department of level partner, e.g. a bank) manages its
	// monitoring subscriptions.
	ScopeTasksWrite         Scope = "tasks:write"         // read and answer the department's response tasks (联合奖惩任务)
	ScopeSubscriptionsWrite Scope = "subscriptions:write" // manage monitoring subscriptions and see their deliveries (监测订阅)
	// ScopeScoresVerify lets a partner (a department or partner organisation: the housing fund,
	// a bank, a scenic spot) ask a consenting person's grade or benefit eligibility (授权查询).
	ScopeScoresVerify Scope = "scores:verify"
)

// AllScopes lists every scope.
var AllScopes = []Scope{ScopeRecordsWrite, ScopeRecordsRead, ScopeBatchesRead, ScopeChecksWrite,
	ScopeTasksWrite, ScopeSubscriptionsWrite, ScopeScoresVerify}

// Valid reports whether s is one of the scopes above.
func (s Scope) Valid() bool { return slices.Contains(AllScopes, s) }

// ParseScopes reads a comma-separated scope list ("records:write, batches:read") as the
// command line and the console take it. It refuses unknown and empty lists; duplicates are
// dropped, and the result is in AllScopes order.
func ParseScopes(s string) ([]Scope, error) {
	seen := map[Scope]bool{}
	for part := range strings.SplitSeq(s, ",") {
		sc := Scope(strings.ToLower(strings.TrimSpace(part)))
		if sc == "" {
			continue
		}
		if !sc.Valid() {
			names := make([]string, len(AllScopes))
			for i, a := range AllScopes {
				names[i] = string(a)
			}
			return nil, &credit.Error{Code: credit.EINVALID, Field: "scopes", Rule: credit.RuleEnum,
				Message: "未知的令牌权限范围 " + quoteShort(string(sc)) + "，可选 " + strings.Join(names, "、") + " / unknown scope"}
		}
		seen[sc] = true
	}
	if len(seen) == 0 {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "scopes", Rule: credit.RuleRequired,
			Message: "请至少指定一项令牌权限范围 / at least one scope is required"}
	}
	var out []Scope
	for _, a := range AllScopes {
		if seen[a] {
			out = append(out, a)
		}
	}
	return out, nil
}

// Token format: "xy_" + department code + "_" + 32 characters of lower-case base32 (160 random
// bits). The prefix lets secret scanners and people recognise a Xinyong token and its
// department; only the SHA-256 of the whole token is stored.
const (
	tokenPrefix     = "xy_"
	tokenRandomLen  = 32
	tokenRandomSize = 20 // bytes: 20 × 8 / 5 = 32 base32 characters
	maxDeptCodeLen  = 32
)

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ValidDeptCode reports whether s is a department code as the catalog allows them: lower-case
// ASCII letters, digits or underscores, starting with a letter, at most 32 characters.
func ValidDeptCode(s string) bool {
	if s == "" || len(s) > maxDeptCodeLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// NewToken makes a new API token for department dept from rand (crypto/rand.Reader in
// production). plain is shown to the user once and never stored; hash (TokenHash(plain)) is
// what the store keeps and looks tokens up by.
func NewToken(dept string, rand io.Reader) (plain, hash string, err error) {
	if !ValidDeptCode(dept) {
		return "", "", &credit.Error{Code: credit.EINVALID, Field: "dept", Rule: credit.RuleDepartment,
			Message: "部门代码无效 " + quoteShort(dept) + " / invalid department code"}
	}
	b := make([]byte, tokenRandomSize)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", "", credit.Errorf(credit.EINTERNAL, "无法生成令牌 / cannot read random bytes: %v", err)
	}
	plain = tokenPrefix + dept + "_" + tokenEncoding.EncodeToString(b)
	return plain, TokenHash(plain), nil
}

// TokenHash is the stored form of a token: the hex SHA-256 of the whole token. A plain hash is
// enough (no salt, no argon2): the token carries 160 random bits, so nothing can be guessed
// from it, and one hash lets the store find a token by an indexed equality.
func TokenHash(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// ParseToken checks the shape of a presented token and returns the department it claims.
// Shape only: whether the token exists, and belongs to that department, is for the store
// (look it up by TokenHash) and Token.Valid.
func ParseToken(plain string) (dept string, ok bool) {
	rest, ok := strings.CutPrefix(plain, tokenPrefix)
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(rest, '_')
	if i < 0 {
		return "", false
	}
	dept, random := rest[:i], rest[i+1:]
	if !ValidDeptCode(dept) || len(random) != tokenRandomLen {
		return "", false
	}
	for i := 0; i < len(random); i++ { // the decoder would skip \r and \n: check every character
		if c := random[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return "", false
		}
	}
	if b, err := tokenEncoding.DecodeString(random); err != nil || len(b) != tokenRandomSize {
		return "", false
	}
	return dept, true
}

// MaxTokenLifetime is the longest a token may be issued for: it must be renewed yearly, so a
// forgotten token dies by itself.
const MaxTokenLifetime = 366 * 24 * time.Hour

// Token is a department's API token as stored (never the plain token itself).
type Token struct {
	ID         int64
	Dept       string
	Name       string // what the department uses it for, e.g. "双公示自动报送"
	Hash       string // TokenHash of the plain token
	Scopes     []Scope
	ExpiresAt  time.Time
	RevokedAt  time.Time // zero while not revoked
	CreatedBy  string    // the actor who issued it (Principal.Actor)
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until first used
}

// Errors of tokens that cannot be used. Each names why, so a department's operator knows
// whether to renew or to ask why it was revoked.
var (
	ErrTokenRevoked  = credit.Errorf(credit.EUNAUTH, "API 令牌已被吊销 / the API token has been revoked")
	ErrTokenExpired  = credit.Errorf(credit.EUNAUTH, "API 令牌已过期，请申请新的令牌 / the API token has expired")
	ErrTokenNoExpiry = credit.Errorf(credit.EUNAUTH, "API 令牌没有有效期，不能使用 / the API token has no expiry date")
	ErrTokenInvalid  = credit.Errorf(credit.EUNAUTH, "API 令牌无效 / invalid API token")
)

// Valid reports whether t may be used at now: not revoked, not expired. A token without an
// expiry date is refused, not taken as eternal.
func (t *Token) Valid(now time.Time) error {
	switch {
	case t == nil:
		return ErrTokenInvalid
	case !t.RevokedAt.IsZero() && !now.Before(t.RevokedAt):
		return ErrTokenRevoked
	case t.ExpiresAt.IsZero():
		return ErrTokenNoExpiry
	case !now.Before(t.ExpiresAt):
		return ErrTokenExpired
	}
	return nil
}

// CheckExpiry checks the expiry date of a token being issued at now: in the future, and at
// most MaxTokenLifetime away.
func CheckExpiry(expires, now time.Time) error {
	if !expires.After(now) {
		return &credit.Error{Code: credit.EINVALID, Field: "expires", Rule: credit.RuleDate,
			Message: "令牌有效期须晚于当前时间 / the expiry must be in the future"}
	}
	if expires.Sub(now) > MaxTokenLifetime {
		return &credit.Error{Code: credit.EINVALID, Field: "expires", Rule: credit.RuleDate,
			Message: "令牌有效期最长一年 / a token may be valid for at most one year"}
	}
	return nil
}

// Principal returns the principal a request authenticated by t acts as.
func (t *Token) Principal() *Principal {
	return &Principal{Kind: KindToken, Dept: t.Dept, Name: t.Name, TokenID: t.ID, TokenScopes: slices.Clone(t.Scopes)}
}

// quoteShort quotes s for a message, cut to 40 bytes so hostile input cannot flood a log line.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = strings.ToValidUTF8(s[:40], "") + "…"
	}
	return "“" + s + "”"
}
