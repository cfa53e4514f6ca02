package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// The window check (信用核查): a clerk (or a department's system with a checks:write token)
// checks subjects for an administrative matter before acting, sees the measures that apply with
// their legal basis and a verdict, and then records per measure what was done (反馈) — four
// steps from query to feedback (seed 001). Every check is logged (who, department, matter,
// subject key, verdict, measures) in the check log, which the statistics read, and entered in
// the query log in the same transaction.

// MaxCheckCodes is how many codes one window check takes (a file goes to batch verification).
const MaxCheckCodes = 50

// CheckRequest is one window check.
type CheckRequest struct {
	Codes  []string `json:"codes"`
	Matter string   `json:"matter"`
}

// ListHit is a list membership as the check shows it.
type ListHit struct {
	EntryID    int64            `json:"entry_id"`
	List       string           `json:"list"`
	ListName   string           `json:"list_name"`
	Direction  credit.Direction `json:"polarity"`
	Dept       string           `json:"dept"`
	Reason     string           `json:"reason,omitempty"`   // only where the matter allows a person's details
	Document   string           `json:"document,omitempty"` // likewise
	BatchNo    int              `json:"batch_no,omitempty"`
	ValidUntil time.Time        `json:"valid_until,omitzero"`
	// Via is "legal_rep" when the entry is an organisation's the checked person represents
	// (落实到人); Of and OfName name that organisation.
	Via    credit.Reach `json:"via,omitempty"`
	Of     string       `json:"of,omitempty"`
	OfName string       `json:"of_name,omitempty"`
}

// MeasureHit is a measure that applies, with its basis and trigger.
type MeasureHit struct {
	Code      string           `json:"code"`
	NameZH    string           `json:"name_zh"`
	NameEN    string           `json:"name_en"`
	Direction credit.Direction `json:"polarity"`
	Effect    credit.Effect    `json:"effect"`
	Dept      string           `json:"dept"`
	Mandatory bool             `json:"mandatory"`
	Basis     string           `json:"basis"`
	List      string           `json:"list"`
	EntryID   int64            `json:"entry_id"`
	Pending   string           `json:"pending,omitempty"` // grace period: shown, not applied
}

// ExemptHit is a measure an exemption spared.
type ExemptHit struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	Reason string `json:"reason"`
}

// CheckItem is the answer for one code.
type CheckItem struct {
	CheckID int64  `json:"check_id,omitempty"` // the logged check (feedback goes to it)
	Input   string `json:"input"`              // as given; a resident ID masked
	Valid   bool   `json:"valid"`
	Reason  string `json:"reason,omitempty"` // why the code is invalid
	// Found: the subject is registered on the platform. An unknown subject is a valid answer:
	// it is still checked against the lists (national lists name subjects never registered).
	Found    bool               `json:"found"`
	Note     string             `json:"note,omitempty"`
	Name     string             `json:"name,omitempty"` // an organisation's name, a person's masked name
	Code     string             `json:"code,omitempty"` // the canonical unified code (never a resident ID)
	Kind     credit.SubjectKind `json:"kind,omitempty"`
	Person   bool               `json:"person,omitempty"`
	Lists    []ListHit          `json:"lists"`
	Measures []MeasureHit       `json:"measures"`
	Exempted []ExemptHit        `json:"exempted,omitempty"`
	Verdict  credit.Verdict     `json:"verdict,omitempty"`
	Reasons  []string           `json:"reasons,omitempty"`
	key      string
}

// CheckResult is the answer of a window check.
type CheckResult struct {
	Matter *credit.Matter `json:"matter"`
	At     time.Time      `json:"at"`
	Items  []CheckItem    `json:"items"`
}

// resolveKey turns a code into the subject key the lists use, without reading a resident ID
// back: a unified code is its own key, a resident ID its keyed hash, a legacy code the key of
// the subject it was converted to (or the legacy code itself when none is known).
func (a *App) resolveKey(ctx context.Context, code string, exc map[string]bool) (credit.CodeResult, string, error) {
	cr := credit.IdentifyCode(code, a.Now(), func(s string) bool { return exc[s] })
	if !cr.Valid {
		return cr, "", nil
	}
	switch cr.Type {
	case credit.CodeUSCC:
		return cr, cr.Canonical, nil
	case credit.CodeResidentID:
		return cr, a.Sealer.PersonKey(cr.Canonical), nil
	}
	s, err := a.Store.SubjectByAlias(ctx, cr.Canonical)
	switch credit.ErrorCode(err) {
	case "":
		return cr, s.Key, nil
	case credit.ENOTFOUND:
		return cr, cr.Canonical, nil
	}
	return cr, "", err
}

// subjectAndEntries reads the subject with key (nil when none is registered) and its
// published list entries: in one round trip where the store offers it (store.CheckReader).
func (a *App) subjectAndEntries(ctx context.Context, key string) (*credit.Subject, []*credit.ListEntry, error) {
	if cr, ok := a.Store.(store.CheckReader); ok {
		return cr.SubjectAndEntries(ctx, key, credit.EntryPublished)
	}
	s, err := a.Store.SubjectByKey(ctx, key)
	switch credit.ErrorCode(err) {
	case "":
	case credit.ENOTFOUND:
		s = nil
	default:
		return nil, nil, err
	}
	es, err := a.Store.SubjectEntries(ctx, key, credit.EntryPublished)
	return s, es, err
}

// decide evaluates one subject key for matter: the pure verdict over its published entries es
// in force and, for a registered person, the entries of the organisations it represents
// (落实到人: measures that reach the legal representative).
func (a *App) decide(ctx context.Context, c *credit.JointCatalog, key string, s *credit.Subject, es []*credit.ListEntry, matter string) (credit.Decision, []credit.Membership, error) {
	ms := make([]credit.Membership, len(es))
	for i, e := range es {
		ms[i] = credit.Membership{Entry: e}
	}
	if s != nil && s.IsPerson() {
		orgs, err := a.Store.RepresentedBy(ctx, s.ID)
		if err != nil {
			return credit.Decision{}, nil, err
		}
		if len(orgs) > 0 {
			byOrg, err := a.Store.EntriesOfSubjects(ctx, orgs, credit.EntryPublished)
			if err != nil {
				return credit.Decision{}, nil, err
			}
			for _, k := range orgs {
				for _, e := range byOrg[k] {
					ms = append(ms, credit.Membership{Entry: e, Via: credit.ReachLegalRep})
				}
			}
		}
	}
	return credit.Decide(ms, matter, c.Measures, a.jointState().listMap(), a.Now()), ms, nil
}

func (j *jointState) listMap() map[string]*credit.ListType {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.lists
}

// CheckSubjects runs a window check for p (信用核查) and logs it.
func (a *App) CheckSubjects(ctx context.Context, p *auth.Principal, req CheckRequest) (*CheckResult, error) {
	if p == nil {
		return nil, auth.ErrSignIn
	}
	c, err := a.Joint(ctx)
	if err != nil {
		return nil, err
	}
	matter, ok := c.Matter(strings.TrimSpace(req.Matter))
	if !ok {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "matter", Rule: credit.RuleEnum,
			Message: "未知的办理事项，请从应用清单中选择 / unknown matter: choose one of the application list: " + req.Matter}
	}
	var codes []string
	for _, code := range req.Codes {
		for _, f := range strings.FieldsFunc(code, func(r rune) bool { return r == ',' || r == '\n' || r == '，' || r == ';' }) {
			if f = strings.TrimSpace(f); f != "" {
				codes = append(codes, f)
			}
		}
	}
	if len(codes) == 0 {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "codes", Rule: credit.RuleRequired, Message: "请输入主体代码 / enter at least one code"}
	}
	if len(codes) > MaxCheckCodes {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "codes", Rule: credit.RuleMaxLength,
			Message: fmt.Sprintf("一次最多核查 %d 个代码，更多请用批量核查 / at most %d codes per check; use batch verification", MaxCheckCodes, MaxCheckCodes)}
	}
	exc, err := a.codeExceptions(ctx)
	if err != nil {
		return nil, err
	}
	now := a.Now().UTC()
	res := &CheckResult{Matter: matter, At: now}
	var logs []*store.Check
	var qlogs []*store.QueryLog
	o := originOf(ctx)
	for _, code := range codes {
		cr, key, err := a.resolveKey(ctx, code, exc)
		if err != nil {
			return nil, err
		}
		it := CheckItem{Input: code, Valid: cr.Valid, Reason: cr.Reason, Lists: []ListHit{}, Measures: []MeasureHit{}}
		if cr.Type == credit.CodeResidentID {
			it.Input = credit.MaskID(cr.Canonical)
			it.Person = true
		} else if !cr.Valid {
			it.Input = maskIfID(code)
		}
		if !cr.Valid {
			res.Items = append(res.Items, it)
			continue
		}
		it.key = key
		var subj *credit.Subject
		if cr.Type != credit.CodeResidentID {
			it.Code = cr.Canonical
		}
		subj, entries, err := a.subjectAndEntries(ctx, key)
		if err != nil {
			return nil, err
		}
		if s := subj; s != nil {
			it.Found, it.Name, it.Kind, it.Person = true, s.Name, s.Kind, s.IsPerson()
			if s.Code != "" {
				it.Code = s.Code
			}
		} else {
			it.Note = "平台未登记该主体，已按名单核查 / subject not registered on the platform; checked against the lists"
		}
		d, es, err := a.decide(ctx, c, key, subj, entries, matter.Code)
		if err != nil {
			return nil, err
		}
		a.fillItem(&it, c, matter, d, es)
		chk := &store.Check{At: now, Actor: actorName(p), Dept: p.Dept, Matter: matter.Code, SubjectKey: key, Found: it.Found,
			Verdict: d.Verdict}
		for _, am := range d.Applied {
			chk.Measures = append(chk.Measures, store.CheckMeasure{Measure: am.Measure.Code, Dept: am.Measure.Dept,
				Direction: am.Measure.Direction, Effect: am.Measure.Effect, Mandatory: am.Measure.Mandatory, EntryID: am.Entry.ID,
				List: am.Entry.List, Pending: am.Pending != ""})
		}
		logs = append(logs, chk)
		qlogs = append(qlogs, &store.QueryLog{At: now, Actor: actorName(p), Dept: p.Dept, Purpose: "信用核查：" + matter.NameZH,
			SubjectKey: key, Route: cut(o.Route, maxRouteLen), RemoteAddr: cut(o.RemoteAddr, maxRemoteLen),
			Returned: cut(fmt.Sprintf("check:%s lists:%d measures:%d", d.Verdict, len(it.Lists), len(it.Measures)), maxReturnedLen)})
		res.Items = append(res.Items, it)
	}
	if len(logs) > 0 {
		if err := a.logChecks(ctx, logs, qlogs); err != nil {
			return nil, fmt.Errorf("check log: %w", err)
		}
		j := 0
		for i := range res.Items {
			if res.Items[i].key != "" {
				res.Items[i].CheckID = logs[j].ID
				j++
			}
		}
	}
	return res, nil
}

func (a *App) fillItem(it *CheckItem, c *credit.JointCatalog, matter *credit.Matter, d credit.Decision, ms []credit.Membership) {
	now := a.Now()
	lists := c.ListMap()
	// A person's entry details (reason, decision document) only where the matter concerns
	// persons lawfully; otherwise the lists and measures alone.
	details := !it.Person || matter.Personal
	for _, m := range ms {
		e := m.Entry
		if !e.InForce(now) {
			continue
		}
		h := ListHit{EntryID: e.ID, List: e.List, ListName: e.List, Dept: e.Dept, BatchNo: e.BatchNo, ValidUntil: e.ValidUntil, Via: m.Via}
		if m.Via != "" {
			h.Of, h.OfName = e.SubjectCode, e.SubjectName
		}
		if lt := lists[e.List]; lt != nil {
			h.ListName, h.Direction = lt.NameZH, lt.Direction
		}
		if details {
			h.Reason, h.Document = e.Reason, e.Document
		}
		if it.Name == "" && e.SubjectName != "" && m.Via == "" {
			it.Name = e.SubjectName
		}
		it.Lists = append(it.Lists, h)
	}
	for _, am := range d.Applied {
		m := am.Measure
		it.Measures = append(it.Measures, MeasureHit{Code: m.Code, NameZH: m.NameZH, NameEN: m.NameEN, Direction: m.Direction,
			Effect: m.Effect, Dept: m.Dept, Mandatory: m.Mandatory, Basis: m.Basis, List: am.Entry.List, EntryID: am.Entry.ID, Pending: am.Pending})
	}
	for _, ex := range d.Exempted {
		it.Exempted = append(it.Exempted, ExemptHit{Code: ex.Measure.Code, NameZH: ex.Measure.NameZH, Reason: ex.Reason})
	}
	it.Verdict, it.Reasons = d.Verdict, d.Reasons
}

// logChecks logs checks and their query-log entries through the group commit: concurrent
// checks share one store call (PostgreSQL: one transaction; SQLite: one append to its check
// journal, moved into the tables in the background), so no check pays a commit of its own. It
// returns when they are logged.
func (a *App) logChecks(ctx context.Context, cs []*store.Check, qs []*store.QueryLog) error {
	j := a.jointState()
	j.mu.Lock()
	if j.checks == nil {
		j.checks = &checkLogger{ch: make(chan *logReq, 1024)}
		go j.checks.run(a) // #nosec G118 -- the logger outlives the request that starts it; each request waits for its own commit
	}
	l := j.checks
	j.mu.Unlock()
	r := &logReq{checks: cs, qlogs: qs, done: make(chan error, 1)}
	select {
	case l.ch <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Wait for the commit even if ctx ends meanwhile: the answer is served only once logged.
	return <-r.done
}

type logReq struct {
	checks []*store.Check
	qlogs  []*store.QueryLog
	done   chan error
}

type checkLogger struct{ ch chan *logReq }

// maxGroup bounds how many requests share one commit.
const maxGroup = 256

func (l *checkLogger) run(a *App) {
	for r := range l.ch {
		group := []*logReq{r}
	drain:
		for len(group) < maxGroup {
			select {
			case r2 := <-l.ch:
				group = append(group, r2)
			default:
				break drain
			}
		}
		// One statement per table for the whole group (not per request): the checks, their
		// measures and the query-log entries of every waiting request.
		var cs []*store.Check
		var qs []*store.QueryLog
		for _, g := range group {
			cs = append(cs, g.checks...)
			qs = append(qs, g.qlogs...)
		}
		var err error
		if cl, ok := a.Store.(store.CheckLogger); ok {
			err = cl.LogChecks(context.Background(), cs, qs)
		} else {
			err = a.Store.Update(context.Background(), func(tx store.Tx) error {
				if err := tx.InsertChecks(cs); err != nil {
					return err
				}
				return tx.AppendCheckQueryLogs(qs)
			})
		}
		for _, g := range group {
			g.done <- err
		}
	}
}

// FeedbackInput is the clerk's feedback on one measure of a check (反馈).
type FeedbackInput struct {
	Measure string                 `json:"measure"`
	Outcome credit.FeedbackOutcome `json:"outcome"`
	Note    string                 `json:"note,omitempty"`
}

// Feedback records what was done with the measures of check id: by its own department (or the
// admin). Every item is validated first (not applying a measure needs a reason); then all are
// stored in one transaction with one audit entry, so no feedback is half-recorded.
func (a *App) Feedback(ctx context.Context, p *auth.Principal, id int64, items []FeedbackInput) (*store.Check, error) {
	if p == nil {
		return nil, auth.ErrSignIn
	}
	if len(items) == 0 {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "items", Rule: credit.RuleRequired, Message: "请至少反馈一项措施 / give feedback on at least one measure"}
	}
	for i, it := range items {
		if err := credit.CheckFeedback(it.Outcome, it.Note); err != nil {
			if ce, ok := err.(*credit.Error); ok {
				ce.Row = i + 1
				ce.Message = it.Measure + "：" + ce.Message
			}
			return nil, err
		}
	}
	var out *store.Check
	err := a.update(ctx, func(tx store.Tx) error {
		c, err := tx.Check(ctx, id)
		if err != nil {
			return err
		}
		if !p.Has(auth.RoleAdmin) && (c.Dept != p.Dept || (p.Kind != auth.KindToken && c.Actor != actorName(p) && !p.Has(auth.RoleReviewer))) {
			return credit.Errorf(credit.EFORBIDDEN, "只能反馈本人（本部门）的核查 / you may only give feedback on your own department's checks")
		}
		now := a.Now()
		for _, it := range items {
			if err := tx.PutFeedback(id, it.Measure, it.Outcome, strings.TrimSpace(it.Note), actorName(p), now); err != nil {
				return err
			}
		}
		if err := a.audit(ctx, tx, actorName(p), ActionCheckFeedback, fmt.Sprintf("check:%d", id), items); err != nil {
			return err
		}
		out, err = tx.Check(ctx, id)
		return err
	})
	return out, err
}

// CheckRecord returns a logged check for its department (or the admin).
func (a *App) CheckRecord(ctx context.Context, p *auth.Principal, id int64) (*store.Check, error) {
	c, err := a.Store.Check(ctx, id)
	if err != nil {
		return nil, err
	}
	if p == nil || (!p.Has(auth.RoleAdmin) && c.Dept != p.Dept) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只能查看本部门的核查 / you may only see your own department's checks")
	}
	return c, nil
}
