package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Authorised queries (授权查询, issue 7 §3): a person's score is personal information. A partner
// — a department or partner organisation registered as a department, e.g. the housing fund, a
// bank, a scenic spot — learns a person's grade, or whether the person qualifies for a 信易+
// benefit, only under a consent the person granted it, for a purpose, until it expires. The
// person revokes it at once, and sees every use.

// ErrNoConsent is the one answer to every way a partner's query can fail: an ID that is not
// one, a person the platform does not know, no consent, an expired, revoked or out-of-scope
// consent, a consent of another partner. It tells nothing about the person.
var ErrNoConsent = credit.Errorf(credit.EFORBIDDEN, "无有效授权 / no valid consent")

// Consent-use results as the person's page lists them.
const (
	UseGranted = "granted" // the grade was disclosed
	UseYes     = "eligible"
	UseNo      = "not_eligible"
	UseDenied  = "denied" // no valid consent
)

// GrantConsent records that the person signed in as p lets partner learn its grade (scope) for
// purpose until expires.
func (a *App) GrantConsent(ctx context.Context, p *auth.Principal, partner string, scope credit.ConsentScope, purpose string, expires time.Time) (*credit.Consent, error) {
	sub, err := a.ownSubject(ctx, p)
	if err != nil {
		return nil, err
	}
	if !sub.IsPerson() {
		return nil, credit.Errorf(credit.EINVALID, "只有自然人需要授权查询个人信用积分 / consents are for persons' scores")
	}
	now := a.Now().UTC()
	c := &credit.Consent{SubjectID: sub.ID, Partner: strings.TrimSpace(partner), Scope: scope, Purpose: strings.TrimSpace(purpose),
		CreatedAt: now, ExpiresAt: expires.UTC()}
	if err := c.CheckNew(now); err != nil {
		return nil, err
	}
	depts, err := a.Store.Departments(ctx)
	if err != nil {
		return nil, err
	}
	if d, ok := findDept(depts, c.Partner); !ok || d.Disabled {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "partner", Rule: credit.RuleDepartment,
			Message: "授权对象不是平台登记的部门或合作机构 / the partner is not registered on the platform"}
	}
	err = a.update(ctx, func(tx store.Tx) error {
		if err := tx.InsertConsent(c); err != nil {
			return err
		}
		return a.audit(ctx, tx, p.Actor(), ActionConsentGrant, "consent:"+strconv.FormatInt(c.ID, 10),
			map[string]any{"subject_key": sub.Key, "partner": c.Partner, "scope": c.Scope, "expires_at": c.ExpiresAt})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// RevokeConsent revokes one of p's consents; it denies from this moment on.
func (a *App) RevokeConsent(ctx context.Context, p *auth.Principal, id int64) error {
	sub, err := a.ownSubject(ctx, p)
	if err != nil {
		return err
	}
	return a.update(ctx, func(tx store.Tx) error {
		if err := tx.RevokeConsent(sub.ID, id, a.Now().UTC()); err != nil {
			return err
		}
		return a.audit(ctx, tx, p.Actor(), ActionConsentRevoke, "consent:"+strconv.FormatInt(id, 10),
			map[string]any{"subject_key": sub.Key})
	})
}

// ConsentView is a person's consents and every use of them, for its own page.
type ConsentView struct {
	Consents []*credit.Consent    `json:"consents"`
	Uses     []*credit.ConsentUse `json:"uses"`
	Partners []store.Department   `json:"partners"` // who may be granted
}

// MaxConsentUses is how many uses the person's page lists.
const MaxConsentUses = 200

// OwnConsents returns p's consents, their uses and the partners it may grant to.
func (a *App) OwnConsents(ctx context.Context, p *auth.Principal) (*ConsentView, error) {
	sub, err := a.ownSubject(ctx, p)
	if err != nil {
		return nil, err
	}
	v := &ConsentView{}
	if v.Consents, err = a.Store.Consents(ctx, sub.ID); err != nil {
		return nil, err
	}
	if v.Uses, err = a.Store.ConsentUses(ctx, sub.ID, MaxConsentUses); err != nil {
		return nil, err
	}
	depts, err := a.Store.Departments(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range depts {
		if !d.Disabled {
			v.Partners = append(v.Partners, d)
		}
	}
	return v, nil
}

// PartnerQuery is what a partner sends: the person's resident ID, or the reference number of
// the consent the person gave it (either is enough).
type PartnerQuery struct {
	ID      string `json:"id,omitempty"`
	Consent int64  `json:"consent,omitempty"`
}

// consentFor finds a valid consent of the person q names for p's department covering scope.
// Any failure is ErrNoConsent; sub is set when the person is known (to log the attempt).
func (a *App) consentFor(ctx context.Context, p *auth.Principal, q PartnerQuery, scope credit.ConsentScope, now time.Time) (*credit.Subject, *credit.Consent, error) {
	if p == nil || p.Dept == "" {
		return nil, nil, ErrNoConsent
	}
	var sub *credit.Subject
	var list []*credit.Consent
	switch {
	case q.Consent > 0:
		c, err := a.Store.Consent(ctx, q.Consent)
		if err != nil || c.Partner != p.Dept {
			return nil, nil, ErrNoConsent
		}
		if sub, err = a.Store.SubjectByID(ctx, c.SubjectID); err != nil {
			return nil, nil, ErrNoConsent
		}
		if q.ID != "" { // both given: they must agree
			if s2, err := a.findSubject(ctx, q.ID); err != nil || s2.ID != sub.ID {
				return nil, nil, ErrNoConsent
			}
		}
		list = []*credit.Consent{c}
	case q.ID != "":
		var err error
		if sub, err = a.findSubject(ctx, q.ID); err != nil || !sub.IsPerson() {
			return nil, nil, ErrNoConsent
		}
		if list, err = a.Store.Consents(ctx, sub.ID); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, ErrNoConsent
	}
	for _, c := range list {
		if c.Partner == p.Dept && c.Allows(scope, now) {
			return sub, c, nil
		}
	}
	return sub, nil, ErrNoConsent
}

// logUse records one use (or refused use) of a consent on the person's page and in the query
// log (查询使用登记).
func (a *App) logUse(ctx context.Context, p *auth.Principal, sub *credit.Subject, c *credit.Consent, what, result, remoteAddr string, now time.Time) error {
	u := &credit.ConsentUse{SubjectID: sub.ID, Partner: p.Dept, Actor: p.Actor(), What: what, Result: result, At: now}
	purpose := "授权查询 / authorised query"
	if c != nil {
		u.ConsentID = c.ID
		purpose = "授权查询 consent " + strconv.FormatInt(c.ID, 10)
	}
	return a.update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		if err := tx.AppendConsentUse(u); err != nil {
			return err
		}
		return tx.AppendQueryLog(&store.QueryLog{At: now, Actor: p.Actor(), Dept: p.Dept, Purpose: purpose, SubjectKey: sub.Key,
			Route: "consent", Returned: what + ":" + result, RemoteAddr: cut(remoteAddr, maxRemoteLen)})
	})
}

// currentGrade returns the person's stored grade on card, computing and storing it when the
// person has none yet.
func (a *App) currentGrade(ctx context.Context, sub *credit.Subject, card string) (string, error) {
	scores, err := a.Store.SubjectScores(ctx, sub.ID)
	if err != nil {
		return "", err
	}
	for _, sc := range scores {
		if sc.Card == card {
			return sc.Grade, nil
		}
	}
	if err := a.RescoreSubjects(ctx, []int64{sub.ID}); err != nil {
		return "", err
	}
	if scores, err = a.Store.SubjectScores(ctx, sub.ID); err != nil {
		return "", err
	}
	for _, sc := range scores {
		if sc.Card == card {
			return sc.Grade, nil
		}
	}
	return "", nil
}

// PartnerGrade tells a partner (p: a department token with scores:verify, or a staff user of
// the partner department) a person's personal-score grade under a valid consent. Every other
// case is ErrNoConsent.
func (a *App) PartnerGrade(ctx context.Context, p *auth.Principal, q PartnerQuery, remoteAddr string) (string, error) {
	now := a.Now().UTC()
	sub, c, err := a.consentFor(ctx, p, q, credit.ScopeGrade, now)
	if err != nil {
		if sub != nil && err == ErrNoConsent {
			if lerr := a.logUse(ctx, p, sub, nil, "grade", UseDenied, remoteAddr, now); lerr != nil {
				return "", lerr
			}
		}
		return "", err
	}
	grade, err := a.currentGrade(ctx, sub, personalCard)
	if err != nil {
		return "", err
	}
	if err := a.logUse(ctx, p, sub, c, "grade", UseGranted, remoteAddr, now); err != nil {
		return "", err
	}
	return grade, nil
}

// personalCard is the code of the personal credit score card the partners' queries read.
const personalCard = "personal"

// VerifyBenefit answers a partner whether the consenting person qualifies for benefit code:
// yes or no and nothing more. The benefit must be the partner's own, and the consent must
// cover benefits; anything else is the same "no" (and the use, when the person is known, is
// logged as denied).
func (a *App) VerifyBenefit(ctx context.Context, p *auth.Principal, code string, q PartnerQuery, remoteAddr string) (bool, error) {
	now := a.Now().UTC()
	s, err := a.scoring(ctx)
	if err != nil {
		return false, err
	}
	var b *credit.Benefit
	for i := range s.benefits {
		if s.benefits[i].Code == code {
			b = &s.benefits[i]
		}
	}
	sub, c, err := a.consentFor(ctx, p, q, credit.ScopeGradeBenefits, now)
	what := "benefit:" + code
	if err == nil && (b == nil || b.Provider != p.Dept || s.byCode[b.Card] == nil) {
		c, err = nil, ErrNoConsent
	}
	if err != nil {
		if err != ErrNoConsent {
			return false, err
		}
		if sub != nil {
			if lerr := a.logUse(ctx, p, sub, nil, what, UseDenied, remoteAddr, now); lerr != nil {
				return false, lerr
			}
		}
		return false, nil
	}
	grade, err := a.currentGrade(ctx, sub, b.Card)
	if err != nil {
		return false, err
	}
	ok := b.Qualifies(s.byCode[b.Card].Card, grade, now)
	result := UseNo
	if ok {
		result = UseYes
	}
	if err := a.logUse(ctx, p, sub, c, what, result, remoteAddr, now); err != nil {
		return false, err
	}
	return ok, nil
}

// ParseExpiry reads a consent's expiry as a date (YYYY-MM-DD, the end of that day in China
// Standard Time) or a number of days from now.
func ParseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n <= credit.MaxConsentDays {
		return now.AddDate(0, 0, n), nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, chinaTime)
	if err != nil {
		return time.Time{}, &credit.Error{Code: credit.EINVALID, Field: "expires_at", Rule: credit.RuleDate,
			Message: fmt.Sprintf("到期日须为 YYYY-MM-DD 或 1–%d 天 / expiry must be a date or 1–%d days", credit.MaxConsentDays, credit.MaxConsentDays)}
	}
	return d.AddDate(0, 0, 1).UTC(), nil
}

var chinaTime = time.FixedZone("CST", 8*3600)
