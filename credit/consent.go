package credit

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ConsentScope is what a consent lets a partner learn about a person.
type ConsentScope string

// Consent scopes.
const (
	ScopeGrade         ConsentScope = "grade"          // the grade only (仅信用等级)
	ScopeGradeBenefits ConsentScope = "grade_benefits" // the grade and whether a benefit applies (等级与信易+资格)
)

// Consent is a person's authorisation (授权) for one partner — the housing fund, a bank, a scenic
// spot — to learn their credit grade for a stated purpose until it expires (授权查询, DESIGN §1.6).
// The person may revoke it at any time; it then denies at once.
type Consent struct {
	ID        int64        `json:"id"`
	SubjectID int64        `json:"-"`
	Partner   string       `json:"partner"` // department code of the partner organisation
	Scope     ConsentScope `json:"scope"`
	Purpose   string       `json:"purpose"`
	CreatedAt time.Time    `json:"created_at"`
	ExpiresAt time.Time    `json:"expires_at"`
	RevokedAt time.Time    `json:"revoked_at,omitzero"`
}

// MaxConsentDays bounds how long one consent may last.
const MaxConsentDays = 366

// ValidAt reports whether c lets its partner see the grade at now.
func (c *Consent) ValidAt(now time.Time) bool {
	return c.RevokedAt.IsZero() && now.Before(c.ExpiresAt) && !now.Before(c.CreatedAt)
}

// Allows reports whether c, valid at now, covers scope.
func (c *Consent) Allows(scope ConsentScope, now time.Time) bool {
	if !c.ValidAt(now) {
		return false
	}
	return c.Scope == scope || c.Scope == ScopeGradeBenefits
}

// CheckNew validates a consent the person is granting at now.
func (c *Consent) CheckNew(now time.Time) error {
	switch {
	case c.Partner == "":
		return &Error{Code: EINVALID, Field: "partner", Rule: RuleRequired, Message: "请选择授权对象 / choose the partner"}
	case c.Scope != ScopeGrade && c.Scope != ScopeGradeBenefits:
		return &Error{Code: EINVALID, Field: "scope", Rule: RuleEnum, Message: "授权范围须为 grade 或 grade_benefits / scope must be grade or grade_benefits"}
	case strings.TrimSpace(c.Purpose) == "":
		return &Error{Code: EINVALID, Field: "purpose", Rule: RuleRequired, Message: "请说明授权用途 / state the purpose"}
	case utf8.RuneCountInString(c.Purpose) > 200:
		return &Error{Code: EINVALID, Field: "purpose", Rule: RuleMaxLength, Message: "用途最长 200 字 / purpose: at most 200 characters"}
	case !c.ExpiresAt.After(now):
		return &Error{Code: EINVALID, Field: "expires_at", Rule: "future", Message: "到期日须晚于今天 / the expiry must be in the future"}
	case c.ExpiresAt.After(now.AddDate(0, 0, MaxConsentDays)):
		return &Error{Code: EINVALID, Field: "expires_at", Rule: "max_days", Message: "授权期限最长一年 / a consent lasts at most one year"}
	}
	return nil
}

// ConsentUse is one use of a consent (授权使用记录), listed on the person's page.
type ConsentUse struct {
	ConsentID int64     `json:"consent_id"`
	SubjectID int64     `json:"-"`
	Partner   string    `json:"partner"`
	Actor     string    `json:"actor"`
	What      string    `json:"what"` // "grade" or "benefit:<code>"
	Result    string    `json:"result"`
	At        time.Time `json:"at"`
}
