package app

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// The government view of a subject (政务共享查询): what a department sees of an organisation or a
// person for an administrative matter. Public and government-shared records are for every
// government caller; authorised-only records (授权查询: volunteer service, blood donation) and
// personal fields in clear are for staff of auth.GovernmentRoles who state the matter. A
// person's own consent is the other lawful ground for authorised-only data (issue 3 §3); it is
// not supported yet (issue 7 brings consent), so a department token never sees such data.

// MaxGovPurposeLen is the longest purpose (查询事由) a government read accepts, in characters:
// the administrative matter, e.g. "行政许可审批：食品经营许可".
const MaxGovPurposeLen = 100

// Origin is where a read comes from, for the query log: the route pattern that served it and
// the caller's address. Web puts it in the request's context (WithOrigin).
type Origin struct {
	Route, RemoteAddr string
}

type originKey struct{}

// WithOrigin returns ctx carrying o, for the query-log entries of the reads made under it.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

func originOf(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}

// GovField is one labelled value of a record in the government view.
type GovField struct {
	FieldValue
	Personal bool // personal information (个人信息)
	Masked   bool // shown masked: the read was not entitled to it in clear
}

// GovRecord is one record in the government view.
type GovRecord struct {
	Record *credit.Record
	Fields []GovField // in the item's field order, personal fields included (masked or not)
	// Publication is where the record stands towards the portal; a repaired record stays in
	// government sharing, marked PubRepaired.
	Publication credit.Publication
	Objection   bool // an objection is under way (异议处理中)
}

// GovItemGroup is the records of one catalog item in the government view.
type GovItemGroup struct {
	Item    *credit.CatalogItem
	Records []GovRecord
}

// GovSubjectView is what a government caller sees of a subject (政务共享查询).
type GovSubjectView struct {
	// Subject is nil when no subject has the code: a valid answer, logged like any other.
	// A person's Name is masked unless PersonalShown; its resident ID is only ever masked
	// (IDMasked): the caller already has it, the answer need not repeat it.
	Subject    *credit.Subject
	Key        string // the subject key the query log holds (a person's keyed hash)
	KindZH     string
	RegionName string
	Groups     []GovItemGroup // items in catalog order, only items with records
	Records    int
	// Levels are the disclosure levels the read covered (public and shared always;
	// authorised for a purpose-backed staff read).
	Levels []credit.Disclosure
	// PersonalShown: personal fields and a person's name were decrypted.
	PersonalShown bool
	Purpose       string
	// Returned is what the query log recorded of the answer.
	Returned string
	// Lists are all the subject's list entries, ended ones too.
	Lists []SubjectListEntry
}

// govAccess decides what p may see in a government read with a stated purpose: an error when
// it may not read at all (defence in depth: the matrix refuses first), else whether
// authorised-only data and personal fields in clear are included.
func govAccess(p *auth.Principal, purpose string) (authorised bool, err error) {
	staff := false
	for _, r := range auth.GovernmentRoles() {
		staff = staff || p.Has(r)
	}
	if !staff && !p.HasScope(auth.ScopeRecordsRead) {
		if p == nil {
			return false, auth.ErrSignIn
		}
		return false, credit.Errorf(credit.EFORBIDDEN, "无权进行政务共享查询 / forbidden: not a government reader")
	}
	if purpose == "" {
		return false, auth.ErrPurposeMissing
	}
	// Tokens get no authorised-only data: a department's system states one purpose for many
	// reads, and no consent seam exists yet (issue 7).
	return staff, nil
}

// GovSubject returns the government view of the subject a code names — a unified social credit
// code, a legacy code, a resident ID (looked up by its keyed hash) or a person's subject key
// ("P:…", as the console's links carry it) — with its active records: public and shared items
// for every government reader, authorised-only items and personal fields in clear only for
// staff of auth.GovernmentRoles (see govAccess). Personal fields are otherwise masked.
//
// Every answer is entered in the query log (App.LogQuery) with p, the purpose, the subject key
// (never a resident ID), the route and remote address of ctx (WithOrigin) and a summary of what
// was returned — an unknown subject (ENOTFOUND) and an invalid code (EINVALID) included. A
// caller without the right or without a purpose is refused before anything is read or logged.
func (a *App) GovSubject(ctx context.Context, p *auth.Principal, code, purpose string) (*GovSubjectView, error) {
	purpose, err := auth.CleanPurpose(purpose)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(purpose) > MaxGovPurposeLen {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "purpose", Rule: credit.RuleMaxLength,
			Message: fmt.Sprintf("查询事由最多 %d 个字符 / the purpose may be at most %d characters", MaxGovPurposeLen, MaxGovPurposeLen)}
	}
	authorised, err := govAccess(p, purpose)
	if err != nil {
		return nil, err
	}
	v := &GovSubjectView{Purpose: purpose, PersonalShown: authorised,
		Levels: []credit.Disclosure{credit.DisclosurePublic, credit.DisclosureShared}}
	if authorised {
		v.Levels = append(v.Levels, credit.DisclosureAuthorised)
	}
	s, key, err := a.govLookup(ctx, code)
	switch credit.ErrorCode(err) {
	case "":
	case credit.EINVALID:
		return nil, a.govLog(ctx, p, purpose, "", "invalid code", err)
	case credit.ENOTFOUND:
		return nil, a.govLog(ctx, p, purpose, key, "not found", credit.Errorf(credit.ENOTFOUND, "未找到该主体 / no such subject"))
	default:
		return nil, err
	}
	if err := a.fillGovView(ctx, v, s, authorised); err != nil {
		return nil, err
	}
	v.Key = key
	v.Returned = govSummary(v)
	if err := a.govLog(ctx, p, purpose, key, v.Returned, nil); err != nil {
		return nil, err
	}
	return v, nil
}

// govLog enters a government read in the query log and returns answer (the read's own error,
// nil for a subject found), or the logging error: a read that cannot be logged is not served.
func (a *App) govLog(ctx context.Context, p *auth.Principal, purpose, key, returned string, answer error) error {
	o := originOf(ctx)
	if err := a.LogQuery(ctx, p, purpose, key, o.Route, returned, o.RemoteAddr); err != nil {
		return fmt.Errorf("query log: %w", err)
	}
	return answer
}

// govLookup finds the subject of a code, and the key the query log records for it (also when
// none is found; "" for an invalid code). It never returns a resident ID.
func (a *App) govLookup(ctx context.Context, code string) (*credit.Subject, string, error) {
	code = strings.TrimSpace(code)
	if isPersonKey(code) {
		s, err := a.Store.SubjectByKey(ctx, code)
		return s, code, err
	}
	cr, err := a.CheckCode(ctx, code)
	if err != nil {
		return nil, "", err
	}
	if !cr.Valid {
		return nil, "", &credit.Error{Code: credit.EINVALID, Field: "code", Rule: credit.RuleCode, Message: cr.Reason}
	}
	key := cr.Canonical
	if cr.Type == credit.CodeResidentID {
		key = a.Sealer.PersonKey(cr.Canonical)
	}
	s, err := a.subjectByCode(ctx, cr)
	if err != nil {
		return nil, key, err
	}
	return s, s.Key, nil
}

// isPersonKey reports whether s has the shape of a person's subject key (credit.Sealer.PersonKey).
func isPersonKey(s string) bool {
	h, ok := strings.CutPrefix(s, credit.PersonKeyPrefix)
	if !ok || len(h) != 32 || strings.ToLower(h) != h {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

// fillGovView adds the subject and its active records at the levels the read covers.
func (a *App) fillGovView(ctx context.Context, v *GovSubjectView, s *credit.Subject, authorised bool) error {
	subj := *s
	if s.IsPerson() && authorised {
		name, err := a.Sealer.Open(s.NameCipher)
		if err != nil {
			return fmt.Errorf("open the name of subject %d: %w", s.ID, err)
		}
		subj.Name = string(name)
	}
	subj.IDCipher, subj.NameCipher = nil, nil
	v.Subject = &subj
	v.KindZH = credit.KindNameZH(s.Kind)
	v.RegionName, _ = credit.RegionName(s.Region, 0)
	recs, err := a.Store.SubjectRecords(ctx, s.ID, store.RecordFilter{ActiveOnly: true})
	if err != nil {
		return err
	}
	states, err := a.Store.RecordStates(ctx, s.ID)
	if err != nil {
		return err
	}
	now := a.Now()
	cat := a.Catalog()
	byItem := map[string][]GovRecord{}
	for _, r := range recs {
		item, ok := cat.Item(r.Item)
		if !ok || !slices.Contains(v.Levels, item.Disclosure) {
			continue
		}
		st := states[keyOf(r)]
		gr, err := a.govRecord(item, r, st, now, authorised)
		if err != nil {
			return err
		}
		byItem[r.Item] = append(byItem[r.Item], gr)
		v.Records++
	}
	for i := range cat.Items {
		it := &cat.Items[i]
		if rs := byItem[it.Code]; len(rs) > 0 {
			v.Groups = append(v.Groups, GovItemGroup{Item: it, Records: rs})
		}
	}
	v.Lists, err = a.subjectLists(ctx, a.Store, s, listsGov)
	return err
}

// govRecord labels a record's fields in the item's order, personal fields decrypted when
// inClear is true and masked otherwise.
func (a *App) govRecord(item *credit.CatalogItem, r *credit.Record, st *credit.RecordState, now time.Time, inClear bool) (GovRecord, error) {
	gr := GovRecord{Record: r, Publication: credit.PublicationOf(item, r, st, now), Objection: st != nil && st.Objection != 0}
	var personal map[string]string
	if len(r.Personal) > 0 {
		b, err := a.Sealer.Open(r.Personal)
		if err != nil {
			return gr, fmt.Errorf("open the personal fields of record %d: %w", r.ID, err)
		}
		if err := json.Unmarshal(b, &personal); err != nil {
			return gr, fmt.Errorf("personal fields of record %d: %w", r.ID, err)
		}
	}
	for _, f := range item.Fields {
		val := r.Fields[f.Name]
		if f.Personal {
			val = personal[f.Name]
		}
		if val == "" {
			continue
		}
		gf := GovField{FieldValue: FieldValue{Name: f.Name, Label: f.Label, LabelEN: f.LabelEN, Value: val}, Personal: f.Personal}
		if f.Personal && !inClear {
			gf.Value, gf.Masked = MaskPersonal(f, val), true
		}
		gr.Fields = append(gr.Fields, gf)
	}
	return gr, nil
}

// MaskPersonal masks the value of a personal field for display by its kind: an identifier (a
// code field, or a name ending in _id) as credit.MaskID, anything else as credit.MaskName.
func MaskPersonal(f credit.Field, v string) string {
	if f.Type == credit.TypeCode || strings.HasSuffix(f.Name, "_id") {
		return credit.MaskID(v)
	}
	return credit.MaskName(v)
}

// govSummary is what the query log records of an answer: the records per item, the levels
// covered and whether personal fields were shown ("records: admin_penalty×2, blood_donation×1;
// levels: public,shared,authorised; personal: shown").
func govSummary(v *GovSubjectView) string {
	var b strings.Builder
	b.WriteString("records: ")
	if len(v.Groups) == 0 {
		b.WriteString("none")
	}
	for i, g := range v.Groups {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(g.Item.Code + "×" + strconv.Itoa(len(g.Records)))
	}
	levels := make([]string, len(v.Levels))
	for i, l := range v.Levels {
		levels[i] = string(l)
	}
	if len(v.Lists) > 0 {
		b.WriteString("; list entries: " + strconv.Itoa(len(v.Lists)))
	}
	b.WriteString("; levels: " + strings.Join(levels, ","))
	if v.PersonalShown {
		b.WriteString("; personal: shown")
	} else {
		b.WriteString("; personal: masked")
	}
	return b.String()
}

// GovRef returns the address segment of the subject a code names in the government view's
// links: the canonical code, or for a resident ID the person's subject key, so the ID stays
// out of addresses, browser histories and logs. An invalid code is refused (EINVALID); whether
// a subject has the code is for GovSubject to answer (and log).
func (a *App) GovRef(ctx context.Context, code string) (string, error) {
	code = strings.TrimSpace(code)
	if isPersonKey(code) {
		return code, nil
	}
	cr, err := a.CheckCode(ctx, code)
	if err != nil {
		return "", err
	}
	if !cr.Valid {
		return "", &credit.Error{Code: credit.EINVALID, Field: "code", Rule: credit.RuleCode, Message: cr.Reason}
	}
	if cr.Type == credit.CodeResidentID {
		return a.Sealer.PersonKey(cr.Canonical), nil
	}
	return cr.Canonical, nil
}
