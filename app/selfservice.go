package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Subject self-service (信用主体自助, issue 3 §2 and §4): a credit subject signs in to see its
// own record and who has looked at it.
//
//   - An organisation signs in with its unified social credit code and an activation
//     credential (激活凭证) the credit office issues (IssueSubjectCredential): shown once, kept
//     as an argon2id hash, replaced by re-issuing, revocable. Wrong credentials count towards
//     the same lockout as staff passwords.
//   - A natural person signs in with its resident ID and a one-time code (一次性验证码) sent
//     through a CodeSender: six digits, kept as an argon2id hash, valid five minutes and for
//     five attempts. Whether an ID is registered is never revealed.
//
// Either way the session carries the subject's key (store.Session.SubjectKey, UserID 0) and
// the principal is auth.KindSubject with auth.RoleSubject: the matrix lets it open its own
// pages and nothing of the console.

// Audit actions of subject self-service.
const (
	ActionSubjectCredentialIssue  = "subject_credential.issue"
	ActionSubjectCredentialRevoke = "subject_credential.revoke"
	ActionSubjectLoginSuccess     = "subject_login.success"
	ActionSubjectLoginFailure     = "subject_login.failure"
)

// Limits of one-time codes.
const (
	CodeTTL         = 5 * time.Minute // a code works for five minutes
	MaxCodeAttempts = 5               // and for five guesses
	// codeResendAfter: a new code for the same person is sent at most once a minute; a
	// request inside that minute is answered as usual but sends nothing.
	codeResendAfter = time.Minute
)

// Refusals of subject sign-in. Each is the one answer to every way of failing, so it tells
// nobody which codes have a credential or which IDs are registered.
var (
	ErrSubjectLogin = credit.Errorf(credit.EUNAUTH, "统一社会信用代码或激活凭证错误 / wrong code or activation credential")
	ErrCodeLogin    = credit.Errorf(credit.EUNAUTH, "验证码错误或已失效，请重新获取 / the code is wrong or no longer valid: request a new one")
	errNotResident  = &credit.Error{Code: credit.EINVALID, Field: "id", Rule: credit.RuleCode,
		Message: "请输入有效的 18 位居民身份证号码 / enter a valid 18-character resident ID number"}
)

// CodeSender delivers a person's one-time sign-in code (验证码发送渠道): to the phone number the
// city's identity system holds for the subject, say. subjectKey is the person's keyed hash,
// maskedID the masked resident ID for the message; code is the six digits. This is the seam a
// city plugs its SMS gateway or unified identity provider into (App.Codes).
type CodeSender interface {
	Send(ctx context.Context, subjectKey, maskedID, code string) error
}

// LogCodeSender is the development channel: it writes the code to the log, at warning level
// so it stands out. It is what App uses when App.Codes is nil (demo, serve without a
// configured channel); never use it where the log is read by anyone but the person.
type LogCodeSender struct{ Log *slog.Logger }

// Send writes the code to the log.
func (s LogCodeSender) Send(ctx context.Context, subjectKey, maskedID, code string) error {
	s.Log.LogAttrs(ctx, slog.LevelWarn, "one-time sign-in code (development channel: configure a real one)",
		slog.String("subject", subjectKey), slog.String("id", maskedID), slog.String("code", code))
	return nil
}

func (a *App) codeSender() CodeSender {
	if a.Codes != nil {
		return a.Codes
	}
	return LogCodeSender{Log: a.Log}
}

// subjectLoginName is the name an organisation's failed sign-ins are counted under in the
// store's login failures: staff user names cannot contain ':', so the two never mix.
func subjectLoginName(key string) string { return "subject:" + key }

func subjectObject(key string) string { return "subject:" + key }

// SubjectPrincipal is the principal a subject signed in to self-service acts as.
func SubjectPrincipal(s *credit.Subject) *auth.Principal {
	return &auth.Principal{Kind: auth.KindSubject, Roles: []auth.Role{auth.RoleSubject}, SubjectKey: s.Key, Name: s.Name}
}

// ---- Activation credentials (激活凭证) ----

// credentialAlphabet is RFC 4648 base32: no 0/1/8/9, so nothing reads as O, I or B.
const credentialAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// Credentials are 4 groups of 5 base32 characters: 100 random bits.
const (
	credentialGroups   = 4
	credentialGroupLen = 5
	credentialChars    = credentialGroups * credentialGroupLen
)

// newCredential returns a fresh credential, "ABCDE-FGHIJ-KLMNO-PQRST".
func newCredential() (string, error) {
	b := make([]byte, credentialChars)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%credentialGroupLen == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(credentialAlphabet[c&31]) // 256 is a multiple of 32: uniform
	}
	return sb.String(), nil
}

// normalizeCredential is a typed credential as it was hashed: upper case, without the
// separators and spaces people type or paste.
func normalizeCredential(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ' || r == '\u3000' || r == '\t':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// organisation returns the organisation a code names (a unified code or a legacy code it was
// converted from); a person, an unknown or an invalid code is ENOTFOUND or EINVALID.
func (a *App) organisation(ctx context.Context, code string) (*credit.Subject, error) {
	cr, err := a.CheckCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if !cr.Valid || cr.Type == credit.CodeResidentID {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "code", Rule: credit.RuleCode,
			Message: "请输入有效的统一社会信用代码 / enter a valid unified social credit code"}
	}
	s, err := a.subjectByCode(ctx, cr)
	if credit.ErrorCode(err) == credit.ENOTFOUND || err == nil && s.IsPerson() {
		return nil, credit.Errorf(credit.ENOTFOUND, "平台中没有该代码的主体 / no subject with this code on the platform")
	}
	return s, err
}

// IssueSubjectCredential issues an organisation a new activation credential and returns it:
// show it once, only its argon2id hash is kept. An earlier credential stops working and the
// organisation's sessions end. actor is recorded in the audit trail.
func (a *App) IssueSubjectCredential(ctx context.Context, actor, code string) (string, *store.SubjectCredential, *credit.Subject, error) {
	s, err := a.organisation(ctx, code)
	if err != nil {
		return "", nil, nil, err
	}
	plain, err := newCredential()
	if err != nil {
		return "", nil, nil, err
	}
	hash, err := a.hashPassword(ctx, normalizeCredential(plain))
	if err != nil {
		return "", nil, nil, err
	}
	c := &store.SubjectCredential{SubjectKey: s.Key, Hash: hash, IssuedAt: a.Now().UTC()}
	err = a.update(ctx, func(tx store.Tx) error {
		_, err := tx.SubjectCredential(ctx, s.Key)
		reissue := err == nil
		if err != nil && credit.ErrorCode(err) != credit.ENOTFOUND {
			return err
		}
		if err := tx.PutSubjectCredential(c); err != nil {
			return err
		}
		if err := tx.DeleteSubjectSessions(s.Key); err != nil {
			return err
		}
		if err := tx.ClearLoginFailures(subjectLoginName(s.Key), time.Time{}); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionSubjectCredentialIssue, subjectObject(s.Key), map[string]any{"reissue": reissue})
	})
	if err != nil {
		return "", nil, nil, err
	}
	return plain, c, s, nil
}

// RevokeSubjectCredential revokes an organisation's credential at once and ends its sessions.
// None issued is ENOTFOUND; revoking a revoked credential is ECONFLICT.
func (a *App) RevokeSubjectCredential(ctx context.Context, actor, code string) error {
	s, err := a.organisation(ctx, code)
	if err != nil {
		return err
	}
	return a.update(ctx, func(tx store.Tx) error {
		c, err := tx.SubjectCredential(ctx, s.Key)
		switch {
		case credit.ErrorCode(err) == credit.ENOTFOUND:
			return credit.Errorf(credit.ENOTFOUND, "该主体没有激活凭证 / no credential was issued to this subject")
		case err != nil:
			return err
		case c.Revoked:
			return credit.Errorf(credit.ECONFLICT, "该主体的激活凭证已吊销 / the credential was already revoked")
		}
		c.Revoked = true
		if err := tx.PutSubjectCredential(c); err != nil {
			return err
		}
		if err := tx.DeleteSubjectSessions(s.Key); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionSubjectCredentialRevoke, subjectObject(s.Key), nil)
	})
}

// SubjectAccount is an issued credential with the organisation it belongs to.
type SubjectAccount struct {
	Credential *store.SubjectCredential
	Subject    *credit.Subject // nil when the subject is gone
}

// SubjectAccounts lists every issued credential, newest first, for the credit office.
func (a *App) SubjectAccounts(ctx context.Context) ([]SubjectAccount, error) {
	cs, err := a.Store.SubjectCredentials(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SubjectAccount, len(cs))
	for i, c := range cs {
		out[i].Credential = c
		s, err := a.Store.SubjectByKey(ctx, c.SubjectKey)
		if err != nil && credit.ErrorCode(err) != credit.ENOTFOUND {
			return nil, err
		}
		out[i].Subject = s
	}
	return out, nil
}

// SubjectLogin signs an organisation in with its code and activation credential and returns a
// new session id with the principal. The lockout is that of staff sign-in (auth.DefaultLockout,
// checked first, refused attempts not counted); a code that is not an organisation's, one
// without a credential or with a revoked one, and a wrong credential all get ErrSubjectLogin
// after the same argon2id work.
func (a *App) SubjectLogin(ctx context.Context, code, credential, remoteAddr, userAgent string) (string, *auth.Principal, error) {
	cr, err := a.CheckCode(ctx, code)
	if err != nil {
		return "", nil, err
	}
	if !cr.Valid || cr.Type == credit.CodeResidentID {
		return "", nil, ErrSubjectLogin // no organisation's code: nothing to count
	}
	remoteAddr, userAgent = cut(remoteAddr, maxRemoteLen), cut(userAgent, maxUserAgentLen)
	now := a.Now().UTC()
	s, err := a.subjectByCode(ctx, cr)
	switch {
	case credit.ErrorCode(err) == credit.ENOTFOUND:
		s = nil
	case err != nil:
		return "", nil, err
	case s.IsPerson():
		s = nil
	}
	key := cr.Canonical
	if s != nil {
		key = s.Key
	}
	lock := auth.DefaultLockout
	name := subjectLoginName(key)
	fails, err := a.Store.LoginFailures(ctx, name, lock.Since(now))
	if err != nil {
		return "", nil, err
	}
	if locked, until := lock.Check(fails, now); locked {
		return "", nil, auth.LockedError(until.In(time.Local))
	}
	hash, reason := dummyHash, "unknown_subject"
	if s != nil {
		c, err := a.Store.SubjectCredential(ctx, s.Key)
		switch {
		case credit.ErrorCode(err) == credit.ENOTFOUND:
			reason = "no_credential"
		case err != nil:
			return "", nil, err
		case c.Revoked:
			reason = "revoked"
		default:
			hash, reason = c.Hash, ""
		}
	}
	var ok bool
	var verr error
	if err := a.argon(ctx, func() { ok, _, verr = auth.VerifyPassword(hash, normalizeCredential(credential)) }); err != nil {
		return "", nil, err
	}
	if verr != nil {
		a.Log.Error("unreadable credential hash", "subject", key, "err", verr)
		ok = false
	}
	if reason != "" || !ok {
		if reason == "" {
			reason = "wrong_credential"
		}
		return "", nil, a.subjectLoginFailed(ctx, key, reason, remoteAddr, now)
	}
	p := SubjectPrincipal(s)
	sid, err := a.newSubjectSession(ctx, p, name, remoteAddr, userAgent, now, nil)
	if err != nil {
		return "", nil, err
	}
	return sid, p, nil
}

// subjectLoginFailed counts and records a failed organisation sign-in and returns the refusal:
// ErrSubjectLogin, or the lockout when this failure completes a run.
func (a *App) subjectLoginFailed(ctx context.Context, key, reason, remoteAddr string, now time.Time) error {
	return a.signInFailed(ctx, subjectLoginName(key), subjectObject(key), ActionSubjectLoginFailure, ErrSubjectLogin, reason, remoteAddr, now)
}

// newSubjectSession stores a fresh session of p (never an id the browser brought), forgets the
// failures counted under failName and records the sign-in; more runs inside the same
// transaction.
func (a *App) newSubjectSession(ctx context.Context, p *auth.Principal, failName, remoteAddr, userAgent string, now time.Time,
	more func(store.Tx) error) (string, error) {
	sid, err := auth.NewSessionID(rand.Reader)
	if err != nil {
		return "", err
	}
	err = a.update(ctx, func(tx store.Tx) error {
		if more != nil {
			if err := more(tx); err != nil {
				return err
			}
		}
		s := &store.Session{Key: auth.SessionKey(sid), SubjectKey: p.SubjectKey, CreatedAt: now, LastSeenAt: now,
			RemoteAddr: remoteAddr, UserAgent: userAgent}
		if err := tx.InsertSession(s); err != nil {
			return err
		}
		if failName != "" {
			if err := tx.ClearLoginFailures(failName, time.Time{}); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, p.Actor(), ActionSubjectLoginSuccess, subjectObject(p.SubjectKey),
			map[string]any{"remote_addr": remoteAddr})
	})
	if err != nil {
		return "", err
	}
	return sid, nil
}

// subjectSessionPrincipal is the principal of a subject's session, loaded at every request like
// a staff user: a subject that is gone, or an organisation whose credential was revoked since,
// is ENOTFOUND (signed out).
func (a *App) subjectSessionPrincipal(ctx context.Context, key string) (*auth.Principal, error) {
	s, err := a.Store.SubjectByKey(ctx, key)
	if err != nil {
		return nil, err
	}
	if !s.IsPerson() {
		c, err := a.Store.SubjectCredential(ctx, key)
		if err != nil {
			return nil, err
		}
		if c.Revoked {
			return nil, credit.Errorf(credit.ENOTFOUND, "激活凭证已吊销 / the credential was revoked")
		}
	}
	return SubjectPrincipal(s), nil
}

// ---- One-time codes (一次性验证码) ----

// residentKey checks a typed resident ID and returns it canonical with its subject key.
func (a *App) residentKey(ctx context.Context, id string) (canonical, key string, err error) {
	cr, err := a.CheckCode(ctx, id)
	if err != nil {
		return "", "", err
	}
	if !cr.Valid || cr.Type != credit.CodeResidentID {
		return "", "", errNotResident
	}
	return cr.Canonical, a.Sealer.PersonKey(cr.Canonical), nil
}

// PersonKeyOf returns the subject key of a typed resident ID (EINVALID when it is not one),
// for rate limits that must not keep the ID itself.
func (a *App) PersonKeyOf(ctx context.Context, id string) (string, error) {
	_, key, err := a.residentKey(ctx, id)
	return key, err
}

// RequestSignInCode sends a person a one-time sign-in code when the resident ID belongs to a
// person subject of the platform. Its answer is the same either way — nil for any
// well-formed ID, after the same argon2id work — so nobody learns whether an ID is
// registered: the page says "if the ID is registered, a code was sent". A new code replaces a
// pending one; within a minute of the last one nothing new is sent. A channel that fails is
// logged, not reported, for the same reason.
func (a *App) RequestSignInCode(ctx context.Context, id string) error {
	canonical, key, err := a.residentKey(ctx, id)
	if err != nil {
		return err
	}
	now := a.Now().UTC()
	s, err := a.Store.SubjectByKey(ctx, key)
	known := err == nil && s.IsPerson()
	if err != nil && credit.ErrorCode(err) != credit.ENOTFOUND {
		return err
	}
	if known {
		if c, err := a.Store.OneTimeCode(ctx, key); err == nil && now.Before(c.ExpiresAt.Add(-CodeTTL+codeResendAfter)) {
			a.Log.Info("one-time code not resent within a minute", "subject", key)
			return nil
		}
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	hash, err := a.hashPassword(ctx, code)
	if err != nil || !known {
		return err
	}
	c := &store.OneTimeCode{SubjectKey: key, Hash: hash, ExpiresAt: now.Add(CodeTTL)}
	if err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.PutOneTimeCode(c) }); err != nil {
		return err
	}
	if err := a.codeSender().Send(ctx, key, credit.MaskID(canonical), code); err != nil {
		a.Log.Error("one-time code not delivered", "subject", key, "err", err)
	}
	return nil
}

// PersonLogin signs a person in with its resident ID and the one-time code it was sent, and
// returns a new session id with the principal. Every guess uses up one of the code's
// MaxCodeAttempts before it is checked, so parallel guesses cannot exceed them; a code that
// has expired or run out of attempts is deleted. Every refusal is ErrCodeLogin.
func (a *App) PersonLogin(ctx context.Context, id, code, remoteAddr, userAgent string) (string, *auth.Principal, error) {
	_, key, err := a.residentKey(ctx, id)
	if err != nil {
		return "", nil, ErrCodeLogin
	}
	remoteAddr, userAgent = cut(remoteAddr, maxRemoteLen), cut(userAgent, maxUserAgentLen)
	now := a.Now().UTC()
	var pending *store.OneTimeCode
	err = a.Store.Update(ctx, func(tx store.Tx) error {
		pending = nil
		c, err := tx.OneTimeCode(ctx, key)
		if credit.ErrorCode(err) == credit.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		if !now.Before(c.ExpiresAt) || c.Attempts >= MaxCodeAttempts {
			return tx.DeleteOneTimeCode(key)
		}
		c.Attempts++
		pending = c
		return tx.PutOneTimeCode(c)
	})
	if err != nil {
		return "", nil, err
	}
	hash := dummyHash
	if pending != nil {
		hash = pending.Hash
	}
	code = strings.TrimSpace(code)
	var ok bool
	var verr error
	if err := a.argon(ctx, func() { ok, _, verr = auth.VerifyPassword(hash, code) }); err != nil {
		return "", nil, err
	}
	if verr != nil {
		a.Log.Error("unreadable one-time code hash", "subject", key, "err", verr)
		ok = false
	}
	if pending == nil || !ok {
		a.Log.Warn("person sign-in refused", "subject", key, "remote_addr", remoteAddr, "pending", pending != nil)
		return "", nil, ErrCodeLogin
	}
	s, err := a.Store.SubjectByKey(ctx, key)
	if credit.ErrorCode(err) == credit.ENOTFOUND || err == nil && !s.IsPerson() {
		return "", nil, ErrCodeLogin
	} else if err != nil {
		return "", nil, err
	}
	p := SubjectPrincipal(s)
	sid, err := a.newSubjectSession(ctx, p, "", remoteAddr, userAgent, now, func(tx store.Tx) error { return tx.DeleteOneTimeCode(key) })
	if err != nil {
		return "", nil, err
	}
	return sid, p, nil
}

// ---- The subject's own page (本人信用信息) ----

// OwnRecord is one of the subject's own records with everything it may see of it.
type OwnRecord struct {
	RecordView
	Status   credit.Publication
	Personal []FieldValue // a person's own personal fields, decrypted; nil for organisations
	// What the subject can do about it: object (异议) and apply for repair (信用修复), or why not.
	CanObject credit.Eligibility
	Repair    credit.Eligibility
	// Cases are the subject's objections and repair applications about the record, newest first.
	Cases []*credit.Case
}

// OwnGroup is the subject's records of one item.
type OwnGroup struct {
	Item    *credit.CatalogItem
	Records []OwnRecord
}

// OwnView is what a subject signed in to self-service sees of itself.
type OwnView struct {
	Subject    *credit.Subject
	KindZH     string
	RegionName string
	// RealName and IDMasked: a person's own name (decrypted) and masked resident ID.
	RealName, IDMasked string
	Groups             []OwnGroup // items in catalog order
	Records            int
	// Reads are the newest MaxOwnReads reads of the subject's record by others (查询记录),
	// newest first; ReadsTotal counts them all.
	Reads      []*store.QueryLog
	ReadsTotal int
	// Lists are the subject's list entries in force, every list (its own page), with the
	// list type (removal conditions).
	Lists []SubjectListEntry
}

// MaxOwnReads is how many reads of its record the own page lists.
const MaxOwnReads = 200

// OwnRecordView returns p's own record: its basic information, all its active records —
// non-public ones too, with every non-personal field and, for a person, its own personal
// fields — each with its publication status, and who has read it. Only a subject principal
// may ask, and only about itself; this read is the subject's own and is not query-logged.
func (a *App) OwnRecordView(ctx context.Context, p *auth.Principal) (*OwnView, error) {
	if p == nil || p.Kind != auth.KindSubject || p.SubjectKey == "" {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只有信用主体本人可以查看本页 / only the subject itself may see this page")
	}
	s, err := a.Store.SubjectByKey(ctx, p.SubjectKey)
	if err != nil {
		return nil, err
	}
	if !p.Is(s.Key) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权查看其他主体 / this is another subject")
	}
	v := &OwnView{Subject: s, KindZH: credit.KindNameZH(s.Kind)}
	v.RegionName, _ = credit.RegionName(s.Region, 0)
	if s.IsPerson() {
		v.IDMasked = s.IDMasked
		name, err := a.Sealer.Open(s.NameCipher)
		if err != nil {
			return nil, fmt.Errorf("open own name: %w", err)
		}
		v.RealName = string(name)
	}
	recs, err := a.Store.SubjectRecords(ctx, s.ID, store.RecordFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	states, err := a.Store.RecordStates(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	cases, err := a.Store.Cases(ctx, store.CaseFilter{SubjectID: s.ID})
	if err != nil {
		return nil, err
	}
	now := a.Now()
	cat := a.Catalog()
	// The subject's list memberships (all lists: it is the subject itself), and whether any
	// could end through a repair (then each repairable record says which).
	if v.Lists, err = a.subjectLists(ctx, a.Store, s, listsOwn); err != nil {
		return nil, err
	}
	var repairable []SubjectListEntry
	for _, m := range v.Lists {
		if m.Type.RepairRemoves && len(m.Entry.Records) > 0 {
			repairable = append(repairable, m)
		}
	}
	byItem := map[string][]OwnRecord{}
	for _, r := range recs {
		item, ok := cat.Item(r.Item)
		if !ok {
			continue
		}
		st := states[keyOf(r)]
		or := OwnRecord{RecordView: View(item, r), Status: credit.PublicationOf(item, r, st, now)}
		or.Objection = st != nil && st.Objection != 0
		openRepair := false
		for _, c := range cases {
			if c.Dept == r.Dept && c.Item == r.Item && c.SourceID == r.SourceID {
				or.Cases = append(or.Cases, c)
				openRepair = openRepair || (c.Kind == credit.CaseRepair && c.Status.Open())
			}
		}
		or.CanObject = credit.ObjectionEligibility(r, st)
		or.Repair = credit.RepairEligibility(item, r, st, openRepair, now)
		if or.Repair.Can && len(repairable) > 0 {
			if or.Repair.RemovesFrom, err = a.RepairRemovesFrom(ctx, a.Store, s.Key, r); err != nil {
				return nil, err
			}
		}
		if s.IsPerson() {
			if or.Personal, err = a.personalFields(item, r); err != nil {
				return nil, err
			}
		}
		byItem[r.Item] = append(byItem[r.Item], or)
		v.Records++
	}
	for i := range cat.Items {
		it := &cat.Items[i]
		if rs := byItem[it.Code]; len(rs) > 0 {
			v.Groups = append(v.Groups, OwnGroup{Item: it, Records: rs})
		}
	}
	// The newest reads, then the count (index only): a subject read a million times is not read
	// a million rows for its page.
	err = a.OwnQueryLogs(ctx, p, store.QueryLogFilter{Newest: true, Limit: MaxOwnReads}, func(q *store.QueryLog) error {
		v.Reads = append(v.Reads, q)
		return nil
	})
	if err != nil {
		return nil, err
	}
	n, err := a.Store.CountQueryLogs(ctx, store.QueryLogFilter{SubjectKey: p.SubjectKey})
	if err != nil {
		return nil, err
	}
	v.ReadsTotal = int(n)
	return v, nil
}

// personalFields opens a record's personal fields and labels them in the item's order.
func (a *App) personalFields(item *credit.CatalogItem, r *credit.Record) ([]FieldValue, error) {
	if len(r.Personal) == 0 {
		return nil, nil
	}
	b, err := a.Sealer.Open(r.Personal)
	if err != nil {
		return nil, fmt.Errorf("open personal fields of record %d: %w", r.ID, err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("personal fields of record %d: %w", r.ID, err)
	}
	var out []FieldValue
	for _, f := range item.Fields {
		if val := m[f.Name]; f.Personal && val != "" {
			out = append(out, FieldValue{Name: f.Name, Label: f.Label, LabelEN: f.LabelEN, Value: val})
		}
	}
	return out, nil
}
