// Package auth holds Xinyong's access-control domain (issue 3): roles and principals, argon2id
// passwords and the password policy, the lockout rule, department API tokens, sessions and
// CSRF tokens, and the authorisation matrix (route × role × disclosure level) that decides every
// request in one place.
//
// Like package credit it does no I/O and reads no clock: callers pass `now` and a source of
// randomness in. Storing users, sessions and tokens, and applying the matrix to requests, are
// the jobs of store and web.
package auth

import (
	"strconv"
	"strings"

	"github.com/xinyong/xinyong/credit"
)

// Role is what a staff user may do (角色). A user holds one or more roles within its department.
type Role string

// Roles. Each constant's comment is the role's Chinese name as the console shows it.
const (
	RoleAdmin     Role = "admin"     // 信用办管理员: catalog, departments, users, lists, measures
	RoleSubmitter Role = "submitter" // 报送员: uploads or pushes its department's records
	RoleReviewer  Role = "reviewer"  // 审核员: confirms its department's lists, answers objections
	RoleClerk     Role = "clerk"     // 窗口核查员: checks a subject at a service window, records feedback
	RoleAuditor   Role = "auditor"   // 审计员: reads the query log and the audit trail, nothing else
	RoleSubject   Role = "subject"   // 信用主体自助: an enterprise or a person seeing its own record
)

// AllRoles lists every role in the order the console shows them.
var AllRoles = []Role{RoleAdmin, RoleSubmitter, RoleReviewer, RoleClerk, RoleAuditor, RoleSubject}

var roleNames = map[Role][2]string{
	RoleAdmin:     {"信用办管理员", "credit office admin"},
	RoleSubmitter: {"报送员", "submitter"},
	RoleReviewer:  {"审核员", "reviewer"},
	RoleClerk:     {"窗口核查员", "window clerk"},
	RoleAuditor:   {"审计员", "auditor"},
	RoleSubject:   {"信用主体自助", "subject self-service"},
}

// Valid reports whether r is one of the roles above.
func (r Role) Valid() bool { _, ok := roleNames[r]; return ok }

// NameZH is the role's Chinese name ("" for an unknown role).
func (r Role) NameZH() string { return roleNames[r][0] }

// NameEN is the role's English name ("" for an unknown role).
func (r Role) NameEN() string { return roleNames[r][1] }

// ParseRole reads a role by its code ("admin") or its Chinese name ("信用办管理员"), ignoring case
// and surrounding spaces, as the command line accepts it.
func ParseRole(s string) (Role, error) {
	s = strings.TrimSpace(s)
	for _, r := range AllRoles {
		if strings.EqualFold(s, string(r)) || s == r.NameZH() {
			return r, nil
		}
	}
	codes := make([]string, len(AllRoles))
	for i, r := range AllRoles {
		codes[i] = string(r)
	}
	return "", &credit.Error{Code: credit.EINVALID, Field: "role", Rule: credit.RuleEnum,
		Message: "未知角色 " + quoteShort(s) + "，可选 " + strings.Join(codes, "、") + " / unknown role"}
}

// Kind is what sort of caller a principal is.
type Kind string

// Kinds of principal. The zero Kind is treated as KindAnonymous.
const (
	KindAnonymous Kind = "anonymous" // 社会公众: not signed in
	KindStaff     Kind = "staff"     // a user of a department or of the credit office, signed in
	KindSubject   Kind = "subject"   // a credit subject signed in to its own self-service pages
	KindToken     Kind = "token"     // a department's system calling the API with a token
)

// Principal is who is acting in a request (调用者): a signed-in user, a subject, a department
// token or the anonymous public. Web builds it from the session or the bearer token; the
// matrix, the query log and the audit trail read it. A nil *Principal is the anonymous public.
type Principal struct {
	UserID int64 // staff or subject account id; 0 for tokens and the public
	Name   string
	Dept   string // department code; for a token, the department it speaks for
	Roles  []Role
	Kind   Kind
	// SubjectKey is the subject a KindSubject principal is (its unified code, or for a person
	// the keyed hash credit.Sealer.PersonKey): such a principal may only see that subject.
	SubjectKey string
	// TokenID and TokenScopes describe a KindToken principal.
	TokenID     int64
	TokenScopes []Scope
}

// kind returns p's kind, treating nil and the zero Kind as anonymous.
func (p *Principal) kind() Kind {
	if p == nil || p.Kind == "" {
		return KindAnonymous
	}
	return p.Kind
}

// Has reports whether p holds role r. Only staff and subject principals hold roles, and each
// only its own kind: a subject account holds RoleSubject and nothing else, a staff user never
// RoleSubject, a token acts by its scopes — whatever roles a bug might have put on them.
func (p *Principal) Has(r Role) bool {
	switch k := p.kind(); {
	case k == KindStaff && r != RoleSubject, k == KindSubject && r == RoleSubject:
	default:
		return false
	}
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// HasScope reports whether p is a token principal granted scope s.
func (p *Principal) HasScope(s Scope) bool {
	if p.kind() != KindToken {
		return false
	}
	for _, x := range p.TokenScopes {
		if x == s {
			return true
		}
	}
	return false
}

// ActsFor reports whether p may act for department dept on a department-scoped route (batches:
// the submitter of the same department, its token, or the credit office admin). The matrix
// cannot know which department an object belongs to; handlers of DeptScoped rules ask this once
// they have loaded it.
func (p *Principal) ActsFor(dept string) bool {
	switch p.kind() {
	case KindStaff:
		return p.Has(RoleAdmin) || (dept != "" && p.Dept == dept)
	case KindToken:
		return dept != "" && p.Dept == dept
	}
	return false
}

// Is reports whether p is the subject with the given key signed in to self-service.
func (p *Principal) Is(subjectKey string) bool {
	return p.kind() == KindSubject && subjectKey != "" && p.SubjectKey == subjectKey
}

// Actor names p in the audit trail and the query log: "user:12", "token:7@fgw",
// "subject:<key>" or "anonymous". It never carries a resident ID (a person's subject key is
// already a keyed hash).
func (p *Principal) Actor() string {
	switch p.kind() {
	case KindStaff:
		return "user:" + strconv.FormatInt(p.UserID, 10)
	case KindSubject:
		return "subject:" + p.SubjectKey
	case KindToken:
		return "token:" + strconv.FormatInt(p.TokenID, 10) + "@" + p.Dept
	}
	return "anonymous"
}
