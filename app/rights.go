package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/ingest/format"
	"github.com/xinyong/xinyong/store"
)

// Subjects' rights (异议、信用修复与工作日历): the working-day calendar in force, record states,
// objections, credit repair, the publication-expiry and escalation jobs, and the statistics.

// Audit actions of subjects' rights.
const (
	ActionCalendarLoad      = "calendar.load"
	ActionObjectionFile     = "objection.file"
	ActionObjectionAnswer   = "objection.answer"
	ActionRepairApply       = "repair.apply"
	ActionRepairStep        = "repair.step"
	ActionCaseEscalate      = "case.escalate"
	ActionPublicationExpire = "publication.expire"
	ActionRightsRefused     = "rights.refused"
)

// rightsState is the App's part for subjects' rights.
type rightsState struct {
	cal atomic.Pointer[credit.Calendar]
	// sender delivers notices outside the platform (SetNoticeSender).
	sender NoticeSender
	// Rules are the working-day deadlines (credit.DefaultRules unless set before use).
	Rules credit.Rules
}

// Rules returns the deadlines in force.
func (a *App) Rules() credit.Rules {
	if a.rights.Rules == (credit.Rules{}) {
		return credit.DefaultRules
	}
	return a.rights.Rules
}

// SetRules sets the deadlines (in working days) of objections and repairs.
func (a *App) SetRules(r credit.Rules) { a.rights.Rules = r }

// Workdays returns the working-day calendar in force (工作日历): the loaded years, the weekend
// rule for others. Every deadline on the platform counts through it.
func (a *App) Workdays() *credit.Calendar {
	if c := a.rights.cal.Load(); c != nil {
		return c
	}
	return credit.NewCalendar()
}

// loadCalendars builds the calendar in force: the built-in years (catalog/calendar, shipped
// with the code) overlaid by the years stored in the store, where an admin's load wins.
func (a *App) loadCalendars(ctx context.Context) error {
	return a.RefreshCalendar(ctx)
}

// RefreshCalendar rebuilds the calendar in force from the built-in years and the store
// (another process may have loaded a year).
func (a *App) RefreshCalendar(ctx context.Context) error {
	def, err := catalog.DefaultCalendars()
	if err != nil {
		return err
	}
	ys, err := a.Store.CalendarYears(ctx)
	if err != nil {
		return err
	}
	a.rights.cal.Store(credit.NewCalendar(append(def, ys...)...))
	return nil
}

// LoadCalendarYear checks a year's arrangement (JSON, see credit.CalendarYear) and stores it as
// the year's new version, in force at once. actor is recorded in the audit trail.
func (a *App) LoadCalendarYear(ctx context.Context, actor string, body []byte) (*credit.CalendarYear, error) {
	y, err := credit.ParseCalendarYear(body)
	if err != nil {
		return nil, err
	}
	y.LoadedBy, y.LoadedAt = actor, a.Now().UTC()
	err = a.update(ctx, func(tx store.Tx) error {
		if err := tx.SaveCalendarYear(y); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionCalendarLoad, fmt.Sprintf("calendar:%d", y.Year),
			map[string]any{"year": y.Year, "version": y.Version, "source": y.Source, "holidays": len(y.Holidays), "makeup": len(y.Makeup)})
	})
	if err != nil {
		return nil, err
	}
	return y, a.RefreshCalendar(ctx)
}

// ---- Record states and publication ----

func keyOf(r *credit.Record) store.RecordKey {
	return store.RecordKey{Dept: r.Dept, Item: r.Item, SourceID: r.SourceID}
}

// recordState returns a record's state, nil when nothing happened to it.
func recordState(ctx context.Context, rd store.Reader, k store.RecordKey) (*credit.RecordState, error) {
	st, err := rd.RecordState(ctx, k)
	if credit.ErrorCode(err) == credit.ENOTFOUND {
		return nil, nil
	}
	return st, err
}

// InForce reports whether a record is publicly in force now (公开有效): its item is public in
// the catalog in force, it is the current version, inside its publication window, and neither
// repaired nor revoked. Lists, checks and measures that rely on publication ask this.
func (a *App) InForce(ctx context.Context, r *credit.Record) (bool, error) {
	item, _ := a.Catalog().Item(r.Item)
	st, err := recordState(ctx, a.Store, keyOf(r))
	if err != nil {
		return false, err
	}
	return credit.InForce(item, r, st, a.Now()), nil
}

// ---- Cases: who acts ----

// partyOf says in which capacity p acts on case c: the subject itself, the credit office
// (admin), or the department concerned (its reviewer). Anyone else is refused.
func partyOf(p *auth.Principal, c *credit.Case) (credit.Party, error) {
	switch {
	case p == nil:
		return "", auth.ErrSignIn
	case p.Kind == auth.KindSubject && p.Is(c.SubjectKey):
		return credit.PartySubject, nil
	case p.Kind == auth.KindStaff && p.Has(auth.RoleAdmin):
		return credit.PartyOffice, nil
	case p.Kind == auth.KindStaff && p.Has(auth.RoleReviewer) && p.Dept == c.Dept:
		return credit.PartyDept, nil
	}
	return "", &credit.Error{Code: credit.EFORBIDDEN, Rule: credit.RuleParty,
		Message: "无权查看或办理该申请 / this case is not yours to see or handle"}
}

// RuleOwnRecord names the rule that a subject files only about its own records.
const RuleOwnRecord = "own_record"

// ownRecord loads a record the signed-in subject p owns (its current version); another
// subject's record is refused with the rule named and the attempt logged.
func (a *App) ownRecord(ctx context.Context, p *auth.Principal, recordID int64) (*credit.Record, *credit.Subject, error) {
	if p == nil || p.Kind != auth.KindSubject || p.SubjectKey == "" {
		return nil, nil, credit.Errorf(credit.EFORBIDDEN, "只有信用主体本人（或其代理人以主体身份登录）可以提出 / only the subject itself, signed in, may file")
	}
	r, err := a.Store.RecordByID(ctx, recordID)
	if err != nil {
		return nil, nil, err
	}
	s, err := a.Store.SubjectByID(ctx, r.SubjectID)
	if err != nil {
		return nil, nil, err
	}
	if !p.Is(s.Key) {
		a.refused(ctx, p, "record:"+fmt.Sprint(recordID), "not_own_record")
		// Not found rather than forbidden: whether another subject's record exists is not this
		// subject's to learn.
		return nil, nil, &credit.Error{Code: credit.ENOTFOUND, Field: "record", Rule: RuleOwnRecord,
			Message: "您名下没有这条记录：只能对本主体的记录提出异议或修复申请 / no such record of yours: you may only file about your own records"}
	}
	return r, s, nil
}

// refused writes a refused rights request to the audit trail, so attempts on others' records,
// repeats and early applications are on file even though nothing changed.
func (a *App) refused(ctx context.Context, p *auth.Principal, object, rule string) {
	err := a.update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		return a.audit(ctx, tx, p.Actor(), ActionRightsRefused, object, map[string]any{"rule": rule})
	})
	if err != nil {
		a.Log.Error("audit of a refused rights request", "err", err)
	}
	a.Log.Warn("rights request refused", "actor", p.Actor(), "object", object, "rule", rule)
}

// Upload is one evidence file as received.
type Upload struct {
	Name    string
	Content []byte
}

// checkUploads checks every file before anything is stored; existing is how many the case has.
func checkUploads(files []Upload, existing int) ([]*store.Evidence, error) {
	if len(files)+existing > credit.MaxEvidenceFiles {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "files", Rule: credit.RuleEvidenceCount,
			Message: fmt.Sprintf("每件申请最多 %d 个材料文件 / at most %d files per case", credit.MaxEvidenceFiles, credit.MaxEvidenceFiles)}
	}
	var out []*store.Evidence
	for _, f := range files {
		name, mime, err := credit.CheckEvidence(f.Name, f.Content)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(f.Content)
		out = append(out, &store.Evidence{Name: name, Mime: mime, Size: int64(len(f.Content)), SHA256: hex.EncodeToString(sum[:])})
	}
	return out, nil
}

// saveEvidence seals and stores checked files for case c.
func (a *App) saveEvidence(tx store.Tx, ev []*store.Evidence, files []Upload, caseID int64, actor string) error {
	for i, e := range ev {
		sealed, err := a.Sealer.Seal(files[i].Content)
		if err != nil {
			return err
		}
		e.CaseID, e.Sealed, e.UploadedBy, e.CreatedAt = caseID, sealed, actor, a.Now().UTC()
		if err := tx.InsertEvidence(e); err != nil {
			return err
		}
	}
	return nil
}

// notify stores a notice to the case's subject in tx and keeps it in *sent for delivery once
// the transaction has committed.
func (a *App) notify(tx store.Tx, c *credit.Case, text string, sent **store.Notice) error {
	n := &store.Notice{SubjectID: c.SubjectID, CaseID: c.ID, At: a.Now().UTC(), Text: text}
	if err := tx.InsertNotice(n); err != nil {
		return err
	}
	*sent = n
	return nil
}

// NoticeSender delivers a subject's notices outside the platform — SMS, e-mail, a government
// app — beside the in-app list on /my: the seam like CodeSender. Without one, notices stay in
// the platform.
type NoticeSender interface {
	SendNotice(ctx context.Context, subjectKey string, n *store.Notice) error
}

// SetNoticeSender sets where subjects' notices are also delivered (nil: nowhere else).
func (a *App) SetNoticeSender(s NoticeSender) { a.rights.sender = s }

// deliver hands a committed notice to the NoticeSender. A failure is logged, not returned: the
// notice is on the subject's page whatever happens to the message.
func (a *App) deliver(ctx context.Context, subjectKey string, n *store.Notice) {
	if a.rights.sender == nil || n == nil {
		return
	}
	if err := a.rights.sender.SendNotice(context.WithoutCancel(ctx), subjectKey, n); err != nil {
		a.Log.Error("notice not delivered", "subject", subjectKey, "case", n.CaseID, "err", err)
	}
}

// statusChanged reports a record's change of status to delivery, the source department
// concerned.
func (a *App) recordChanged(ctx context.Context, tx store.Tx, kind credit.ChangeKind, c *credit.Case, recordID int64, by, reason string) error {
	return a.StatusChanged(ctx, tx, credit.StatusChange{Kind: kind, SubjectID: c.SubjectID, SubjectKey: c.SubjectKey,
		RecordID: recordID, Depts: []string{c.Dept}, Reason: reason, By: by, At: a.Now().UTC()})
}

// ---- Objections (异议处理) ----

// FileObjection files the signed-in subject's objection to one of its records, with reasons and
// up to credit.MaxEvidenceFiles evidence files. The record shows "异议处理中" at once; the
// case goes to the source department's queue, due in Rules().ObjectionDays working days.
func (a *App) FileObjection(ctx context.Context, p *auth.Principal, recordID int64, reason string, files []Upload) (*credit.Case, error) {
	r, s, err := a.ownRecord(ctx, p, recordID)
	if err != nil {
		return nil, err
	}
	st, err := recordState(ctx, a.Store, keyOf(r))
	if err != nil {
		return nil, err
	}
	if e := credit.ObjectionEligibility(r, st); !e.Can {
		a.refused(ctx, p, fmt.Sprintf("record:%d", r.ID), e.Rule)
		return nil, &credit.Error{Code: credit.ECONFLICT, Field: "record", Rule: e.Rule, Message: e.Reason}
	}
	ev, err := checkUploads(files, 0)
	if err != nil {
		a.refused(ctx, p, fmt.Sprintf("record:%d", r.ID), credit.ErrorCode(err)+":"+ruleOf(err))
		return nil, err
	}
	c, err := credit.NewCase(credit.CaseObjection, r, s.Key, p.Actor(), reason, "", a.Now().UTC(), a.Workdays(), a.Rules())
	if err != nil {
		return nil, err
	}
	var sent *store.Notice
	err = a.update(ctx, func(tx store.Tx) error {
		// Another objection may have been filed since the check: look again inside.
		st, err := recordState(ctx, tx, keyOf(r))
		if err != nil {
			return err
		}
		if e := credit.ObjectionEligibility(r, st); !e.Can {
			return &credit.Error{Code: credit.ECONFLICT, Field: "record", Rule: e.Rule, Message: e.Reason}
		}
		c.ID = 0
		if err := tx.InsertCase(c); err != nil {
			return err
		}
		if err := a.saveEvidence(tx, ev, files, c.ID, p.Actor()); err != nil {
			return err
		}
		if st == nil {
			st = &credit.RecordState{SubjectID: r.SubjectID, Dept: r.Dept, Item: r.Item, SourceID: r.SourceID}
		}
		st.Objection, st.UpdatedAt = c.ID, a.Now().UTC()
		if err := tx.PutRecordState(st); err != nil {
			return err
		}
		if err := a.notify(tx, c, fmt.Sprintf("您对记录 %s 的异议已受理（第 %d 号），%s 前答复 / objection no. %d received; answer due by %s",
			r.SourceID, c.ID, c.Due.Format(time.DateOnly), c.ID, c.Due.Format(time.DateOnly)), &sent); err != nil {
			return err
		}
		return a.audit(ctx, tx, p.Actor(), ActionObjectionFile, fmt.Sprintf("case:%d", c.ID),
			map[string]any{"record": r.ID, "dept": r.Dept, "item": r.Item, "source_id": r.SourceID, "files": len(files), "due": c.Due.Format(time.DateOnly)})
	})
	if err != nil {
		return nil, err
	}
	a.deliver(ctx, c.SubjectKey, sent)
	return c, nil
}

func ruleOf(err error) string {
	if e, ok := err.(*credit.Error); ok {
		return e.Rule
	}
	return ""
}

// ObjectionAnswer is the department's answer to an objection.
type ObjectionAnswer struct {
	Action credit.CaseAction // ActCorrect, ActRevoke or ActUphold
	Note   string            // reasons (required to uphold)
	// Fields are the corrected values for ActCorrect, by catalog field name; fields not given
	// keep their values. They go through the same validation as an import.
	Fields map[string]string
}

// AnswerObjection records the department's (or the credit office's) answer to an objection:
// corrected (a new version of the record, validated like an import: history is never
// overwritten), revoked, or upheld with reasons. The subject is notified; the record's
// "under objection" mark ends.
func (a *App) AnswerObjection(ctx context.Context, p *auth.Principal, caseID int64, ans ObjectionAnswer) (*credit.Case, error) {
	c, err := a.Store.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if c.Kind != credit.CaseObjection {
		return nil, credit.Errorf(credit.ENOTFOUND, "未找到异议 / no such objection")
	}
	party, err := partyOf(p, c)
	if err != nil {
		return nil, err
	}
	// A dry run of the transition: refuse a wrong step before a correction creates a version.
	probe := *c
	probe.History = nil
	if err := probe.Apply(ans.Action, party, p.Actor(), ans.Note, a.Now().UTC(), a.Workdays(), a.Rules()); err != nil {
		return nil, err
	}
	var newID int64
	if ans.Action == credit.ActCorrect {
		if newID, err = a.correctRecord(ctx, p, c, ans.Fields); err != nil {
			return nil, err
		}
	}
	var jc *credit.JointCatalog
	if ans.Action == credit.ActRevoke {
		if jc, err = a.Joint(ctx); err != nil {
			return nil, err
		}
	}
	var sent *store.Notice
	err = a.update(ctx, func(tx store.Tx) error {
		cur, err := tx.Case(ctx, caseID)
		if err != nil {
			return err
		}
		now := a.Now().UTC()
		if err := cur.Apply(ans.Action, party, p.Actor(), ans.Note, now, a.Workdays(), a.Rules()); err != nil {
			return err
		}
		cur.NewRecordID = newID
		if err := tx.UpdateCase(cur); err != nil {
			return err
		}
		k := store.RecordKey{Dept: cur.Dept, Item: cur.Item, SourceID: cur.SourceID}
		st, err := recordState(ctx, tx, k)
		if err != nil {
			return err
		}
		if st == nil {
			st = &credit.RecordState{SubjectID: cur.SubjectID, Dept: cur.Dept, Item: cur.Item, SourceID: cur.SourceID}
		}
		st.Objection, st.UpdatedAt = 0, now
		var text string
		switch ans.Action {
		case credit.ActCorrect:
			text = "已更正，网站展示更正后的记录 / corrected: the portal shows the corrected record"
			err = a.recordChanged(ctx, tx, credit.ChangeRecordCorrected, cur, newID, p.Actor(), ans.Note)
		case credit.ActRevoke:
			st.RevokedAt = now
			text = "已撤销该记录 / the record was revoked"
			if err = a.recordChanged(ctx, tx, credit.ChangeRecordRevoked, cur, cur.RecordID, p.Actor(), ans.Note); err == nil {
				var ended []int64
				if ended, err = a.endJustifiedEntries(ctx, tx, jc, cur, false, p.Actor()); len(ended) > 0 {
					text += "；据此列入的名单条目已移出 / the list entries it justified were removed"
				}
			}
		case credit.ActUphold:
			text = "经核实维持原记录，理由：" + ans.Note + " / upheld, reasons given"
		}
		if err != nil {
			return err
		}
		if err := tx.PutRecordState(st); err != nil {
			return err
		}
		if err := a.notify(tx, cur, fmt.Sprintf("异议第 %d 号处理结果：%s", cur.ID, text), &sent); err != nil {
			return err
		}
		c = cur
		return a.audit(ctx, tx, p.Actor(), ActionObjectionAnswer, fmt.Sprintf("case:%d", cur.ID),
			map[string]any{"action": ans.Action, "status": cur.Status, "new_record": newID, "note": ans.Note})
	})
	if err != nil {
		return nil, err
	}
	a.deliver(ctx, c.SubjectKey, sent)
	if ans.Action == credit.ActRevoke {
		a.rescoreAfter(ctx, c.SubjectID) // a correction rescored through its import
	}
	return c, nil
}

// correctRecord makes the corrected version of the record an objection is about by importing
// one row through the normal import path (validation, versioning, quarantine). It returns the
// new version's id. A correction that changes nothing, or whose values fail validation, is
// refused with the fields and rules named.
func (a *App) correctRecord(ctx context.Context, p *auth.Principal, c *credit.Case, fields map[string]string) (int64, error) {
	vers, err := a.Store.RecordVersions(ctx, c.Dept, c.Item, c.SourceID)
	if err != nil {
		return 0, err
	}
	var head *credit.Record
	for _, v := range vers {
		if v.Status == credit.RecordActive {
			head = v
		}
	}
	if head == nil {
		return 0, credit.Errorf(credit.ECONFLICT, "该记录没有现行版本 / the record has no current version")
	}
	item, ok := a.Catalog().Item(c.Item)
	if !ok {
		return 0, credit.Errorf(credit.EINVALID, "目录中已无该事项 / the item is no longer in the catalog")
	}
	if len(fields) == 0 {
		return 0, &credit.Error{Code: credit.EINVALID, Field: "fields", Rule: credit.RuleRequired, Message: "请填写更正后的内容 / give the corrected values"}
	}
	s, err := a.Store.SubjectByID(ctx, head.SubjectID)
	if err != nil {
		return 0, err
	}
	code, name := s.Code, s.Name
	if s.IsPerson() {
		id, err := a.Sealer.Open(s.IDCipher)
		if err != nil {
			return 0, err
		}
		nm, err := a.Sealer.Open(s.NameCipher)
		if err != nil {
			return 0, err
		}
		code, name = string(id), string(nm)
	}
	row := map[string]string{credit.ColSourceID: c.SourceID, credit.ColSubjectCode: code, credit.ColSubjectName: name}
	for k, v := range head.Fields {
		row[k] = v
	}
	personal, err := a.personalFields(item, head)
	if err != nil {
		return 0, err
	}
	for _, f := range personal {
		row[f.Name] = f.Value
	}
	known := map[string]bool{}
	for _, f := range item.Fields {
		known[f.Name] = true
	}
	for k, v := range fields {
		if !known[k] {
			return 0, &credit.Error{Code: credit.EINVALID, Field: k, Rule: credit.RuleUnknown, Message: "该事项没有此字段 / no such field in the item"}
		}
		row[k] = v
	}
	// Only the item's own columns: a field the record lacks and the correction does not give
	// stays absent.
	line := map[string]string{}
	for k, v := range row {
		if known[k] || k == credit.ColSourceID || k == credit.ColSubjectCode || k == credit.ColSubjectName {
			line[k] = v
		}
	}
	b, err := json.Marshal(line)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "xinyong-correction-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, fmt.Sprintf("objection-%d.jsonl", c.ID))
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return 0, err
	}
	res, err := a.Import(ctx, ingest.Request{Dept: c.Dept, Item: c.Item, Path: path, FileName: fmt.Sprintf("objection-%d.jsonl", c.ID),
		Format: format.JSONL, SubmittedBy: p.Actor()}, nil)
	if err != nil {
		return 0, err
	}
	bt := res.Batch
	if bt.Rejected > 0 {
		var ferr *credit.Error
		_ = a.Store.Rejects(ctx, bt.ID, func(rj *store.Reject) error {
			if len(rj.Errors) > 0 && ferr == nil {
				fe := rj.Errors[0]
				ferr = &credit.Error{Code: credit.EINVALID, Field: fe.Field, Rule: fe.Rule, Message: fe.Message}
			}
			return nil
		})
		if ferr == nil {
			ferr = credit.Errorf(credit.EINVALID, "更正内容未通过校验 / the corrected values failed validation")
		}
		return 0, ferr
	}
	vers, err = a.Store.RecordVersions(ctx, c.Dept, c.Item, c.SourceID)
	if err != nil {
		return 0, err
	}
	last := vers[len(vers)-1]
	if last.ID == c.RecordID || last.Version <= head.Version && bt.Unchanged > 0 && head.ID == c.RecordID {
		return 0, &credit.Error{Code: credit.EINVALID, Field: "fields", Rule: "unchanged", Message: "更正内容与原记录相同 / the corrected values are the same as the record's"}
	}
	return last.ID, nil
}

// ---- Credit repair (信用修复) ----

// RepairEligibility says whether the signed-in subject may apply for repair of its record now.
func (a *App) RepairEligibility(ctx context.Context, p *auth.Principal, recordID int64) (credit.Eligibility, error) {
	r, s, err := a.ownRecord(ctx, p, recordID)
	if err != nil {
		return credit.Eligibility{}, err
	}
	e, err := a.repairEligibility(ctx, a.Store, r)
	if err == nil && e.Can {
		e.RemovesFrom, err = a.RepairRemovesFrom(ctx, a.Store, s.Key, r)
	}
	return e, err
}

func (a *App) repairEligibility(ctx context.Context, rd store.Reader, r *credit.Record) (credit.Eligibility, error) {
	item, _ := a.Catalog().Item(r.Item)
	st, err := recordState(ctx, rd, keyOf(r))
	if err != nil {
		return credit.Eligibility{}, err
	}
	k := keyOf(r)
	open, err := rd.Cases(ctx, store.CaseFilter{Kind: credit.CaseRepair, Record: &k, OpenOnly: true, Limit: 1})
	if err != nil {
		return credit.Eligibility{}, err
	}
	return credit.RepairEligibility(item, r, st, len(open) > 0, a.Now()), nil
}

// ApplyRepair files the signed-in subject's credit repair application for one of its records:
// how it corrected the behaviour and fulfilled its obligations (reason), the public credit
// commitment it signs (the signatory's name under credit.RepairCommitment), and at least one
// proof file. It is refused, naming the rule, before the minimum period, while another
// application is open, or for a record not the subject's.
func (a *App) ApplyRepair(ctx context.Context, p *auth.Principal, recordID int64, reason, commitment string, files []Upload) (*credit.Case, error) {
	r, s, err := a.ownRecord(ctx, p, recordID)
	if err != nil {
		return nil, err
	}
	e, err := a.repairEligibility(ctx, a.Store, r)
	if err != nil {
		return nil, err
	}
	if !e.Can {
		a.refused(ctx, p, fmt.Sprintf("record:%d", r.ID), e.Rule)
		return nil, &credit.Error{Code: credit.ECONFLICT, Field: "record", Rule: e.Rule, Message: e.Reason}
	}
	if len(files) == 0 {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "files", Rule: credit.RuleRequired,
			Message: "须上传已履行义务、纠正失信行为的证明材料 / attach proof that the obligations were fulfilled"}
	}
	ev, err := checkUploads(files, 0)
	if err != nil {
		a.refused(ctx, p, fmt.Sprintf("record:%d", r.ID), ruleOf(err))
		return nil, err
	}
	c, err := credit.NewCase(credit.CaseRepair, r, s.Key, p.Actor(), reason, commitment, a.Now().UTC(), a.Workdays(), a.Rules())
	if err != nil {
		return nil, err
	}
	var sent *store.Notice
	err = a.update(ctx, func(tx store.Tx) error {
		e, err := a.repairEligibility(ctx, tx, r)
		if err != nil {
			return err
		}
		if !e.Can {
			return &credit.Error{Code: credit.ECONFLICT, Field: "record", Rule: e.Rule, Message: e.Reason}
		}
		c.ID = 0
		if err := tx.InsertCase(c); err != nil {
			return err
		}
		if err := a.saveEvidence(tx, ev, files, c.ID, p.Actor()); err != nil {
			return err
		}
		if err := a.notify(tx, c, fmt.Sprintf("您的信用修复申请（第 %d 号）已提交，信用办将于 %s 前完成审查 / repair application no. %d submitted; the credit office checks it by %s",
			c.ID, c.Due.Format(time.DateOnly), c.ID, c.Due.Format(time.DateOnly)), &sent); err != nil {
			return err
		}
		return a.audit(ctx, tx, p.Actor(), ActionRepairApply, fmt.Sprintf("case:%d", c.ID),
			map[string]any{"record": r.ID, "dept": r.Dept, "item": r.Item, "source_id": r.SourceID, "files": len(files), "due": c.Due.Format(time.DateOnly)})
	})
	if err != nil {
		return nil, err
	}
	a.deliver(ctx, c.SubjectKey, sent)
	return c, nil
}

// RepairStep takes one step in a repair application: the credit office returns it for more
// materials (with a reason) or forwards it to the deciding department (谁认定、谁修复); the
// subject completes a returned application (more files allowed); the department approves or
// refuses (with reasons). Approval ends public display at once; the record stays in the
// archive and in government sharing.
func (a *App) RepairStep(ctx context.Context, p *auth.Principal, caseID int64, act credit.CaseAction, note string, files []Upload) (*credit.Case, error) {
	c, err := a.Store.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if c.Kind != credit.CaseRepair {
		return nil, credit.Errorf(credit.ENOTFOUND, "未找到信用修复申请 / no such repair application")
	}
	party, err := partyOf(p, c)
	if err != nil {
		return nil, err
	}
	var ev []*store.Evidence
	if len(files) > 0 {
		if party != credit.PartySubject || act != credit.ActResubmit {
			return nil, credit.Errorf(credit.EINVALID, "只有申请人补正时可以上传材料 / only the applicant adds files, when completing")
		}
		have, err := a.Store.EvidenceOf(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		if ev, err = checkUploads(files, len(have)); err != nil {
			a.refused(ctx, p, fmt.Sprintf("case:%d", c.ID), ruleOf(err))
			return nil, err
		}
	}
	var jc *credit.JointCatalog
	if act == credit.ActApprove {
		if jc, err = a.Joint(ctx); err != nil {
			return nil, err
		}
	}
	var sent *store.Notice
	err = a.update(ctx, func(tx store.Tx) error {
		cur, err := tx.Case(ctx, caseID)
		if err != nil {
			return err
		}
		now := a.Now().UTC()
		if err := cur.Apply(act, party, p.Actor(), note, now, a.Workdays(), a.Rules()); err != nil {
			return err
		}
		if err := tx.UpdateCase(cur); err != nil {
			return err
		}
		if err := a.saveEvidence(tx, ev, files, cur.ID, p.Actor()); err != nil {
			return err
		}
		var text string
		switch act {
		case credit.ActReturn:
			text = "需补正材料：" + note + " / returned for more materials"
		case credit.ActResubmit:
			text = "补正材料已提交，信用办将于 " + cur.Due.Format(time.DateOnly) + " 前审查 / completed; check due " + cur.Due.Format(time.DateOnly)
		case credit.ActForward:
			text = "材料齐全，已转认定部门，将于 " + cur.Due.Format(time.DateOnly) + " 前决定 / forwarded to the deciding department; decision due " + cur.Due.Format(time.DateOnly)
		case credit.ActApprove:
			text = "准予信用修复，已停止公示 / repair approved: public display has ended"
			k := store.RecordKey{Dept: cur.Dept, Item: cur.Item, SourceID: cur.SourceID}
			st, err := recordState(ctx, tx, k)
			if err != nil {
				return err
			}
			if st == nil {
				st = &credit.RecordState{SubjectID: cur.SubjectID, Dept: cur.Dept, Item: cur.Item, SourceID: cur.SourceID}
			}
			st.RepairedAt, st.RepairCase, st.UpdatedAt = now, cur.ID, now
			if err := tx.PutRecordState(st); err != nil {
				return err
			}
			if err := a.recordChanged(ctx, tx, credit.ChangeRecordRepaired, cur, cur.RecordID, p.Actor(), note); err != nil {
				return err
			}
			ended, err := a.endJustifiedEntries(ctx, tx, jc, cur, true, p.Actor())
			if err != nil {
				return err
			}
			if len(ended) > 0 {
				text += "；据此列入的名单条目已移出 / the list entries it justified were removed"
			}
		case credit.ActRefuse:
			text = "不予信用修复，理由：" + note + " / repair refused, reasons given"
		}
		if err := a.notify(tx, cur, fmt.Sprintf("信用修复申请第 %d 号：%s", cur.ID, text), &sent); err != nil {
			return err
		}
		c = cur
		return a.audit(ctx, tx, p.Actor(), ActionRepairStep, fmt.Sprintf("case:%d", cur.ID),
			map[string]any{"action": act, "status": cur.Status, "note": note, "files": len(files)})
	})
	if err != nil {
		return nil, err
	}
	a.deliver(ctx, c.SubjectKey, sent)
	if act == credit.ActApprove {
		a.rescoreAfter(ctx, c.SubjectID)
	}
	return c, nil
}

// ---- Reading cases ----

// CaseView is a case with its record and evidence list, for the pages.
type CaseView struct {
	Case     *credit.Case
	Record   *credit.Record
	Item     *credit.CatalogItem
	Evidence []*store.Evidence
	Overdue  bool
	Subject  *credit.Subject
	// RemovesFrom (an open repair): the lists an approval would also take the subject off.
	RemovesFrom []credit.ListRef
}

// Case returns one case for p: the subject its own, a department reviewer its department's,
// the credit office any.
func (a *App) Case(ctx context.Context, p *auth.Principal, id int64) (*CaseView, error) {
	c, err := a.Store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := partyOf(p, c); err != nil {
		return nil, err
	}
	v := &CaseView{Case: c, Overdue: c.Overdue(a.Now())}
	if v.Record, err = a.Store.RecordByID(ctx, c.RecordID); err != nil {
		return nil, err
	}
	v.Item, _ = a.Catalog().Item(c.Item)
	if v.Evidence, err = a.Store.EvidenceOf(ctx, c.ID); err != nil {
		return nil, err
	}
	if v.Subject, err = a.Store.SubjectByID(ctx, c.SubjectID); err != nil {
		return nil, err
	}
	if c.Kind == credit.CaseRepair && c.Status.Open() {
		if v.RemovesFrom, err = a.RepairRemovesFrom(ctx, a.Store, c.SubjectKey, v.Record); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Cases lists cases for p: a subject its own; a department reviewer its department's; the
// credit office all (dept narrows). Newest first.
func (a *App) Cases(ctx context.Context, p *auth.Principal, kind credit.CaseKind, dept string, openOnly bool) ([]*CaseView, error) {
	f := store.CaseFilter{Kind: kind, OpenOnly: openOnly, Limit: 500}
	switch {
	case p == nil:
		return nil, auth.ErrSignIn
	case p.Kind == auth.KindSubject:
		s, err := a.Store.SubjectByKey(ctx, p.SubjectKey)
		if err != nil {
			return nil, err
		}
		f.SubjectID = s.ID
	case p.Kind == auth.KindStaff && p.Has(auth.RoleAdmin):
		f.Dept = dept
	case p.Kind == auth.KindStaff && p.Has(auth.RoleReviewer):
		f.Dept = p.Dept
	default:
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权查看申请 / forbidden")
	}
	cs, err := a.Store.Cases(ctx, f)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	out := make([]*CaseView, 0, len(cs))
	for _, c := range cs {
		v := &CaseView{Case: c, Overdue: c.Overdue(now)}
		v.Item, _ = a.Catalog().Item(c.Item)
		out = append(out, v)
	}
	return out, nil
}

// Evidence returns one evidence file opened, for the subject, the department concerned or the
// credit office; each download is entered in the query log (it may hold personal data).
func (a *App) Evidence(ctx context.Context, p *auth.Principal, id int64, route, remoteAddr string) (*store.Evidence, []byte, error) {
	e, err := a.Store.EvidenceFile(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	c, err := a.Store.Case(ctx, e.CaseID)
	if err != nil {
		return nil, nil, err
	}
	if _, err := partyOf(p, c); err != nil {
		return nil, nil, err
	}
	b, err := a.Sealer.Open(e.Sealed)
	if err != nil {
		return nil, nil, fmt.Errorf("open evidence %d: %w", id, err)
	}
	purpose := fmt.Sprintf("%s第 %d 号材料查阅 / case evidence", map[credit.CaseKind]string{credit.CaseObjection: "异议", credit.CaseRepair: "信用修复"}[c.Kind], c.ID)
	if err := a.LogQuery(ctx, p, purpose, c.SubjectKey, route, fmt.Sprintf("evidence:%d", e.ID), remoteAddr); err != nil {
		return nil, nil, err
	}
	e.Sealed = nil
	return e, b, nil
}

// Notices returns the signed-in subject's newest notices.
func (a *App) Notices(ctx context.Context, p *auth.Principal, limit int) ([]*store.Notice, error) {
	if p == nil || p.Kind != auth.KindSubject {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只有信用主体本人可以查看 / only the subject itself")
	}
	s, err := a.Store.SubjectByKey(ctx, p.SubjectKey)
	if err != nil {
		return nil, err
	}
	return a.Store.Notices(ctx, s.ID, limit)
}

// ---- Scheduled jobs ----

// EscalateOverdue marks every open case past its deadline as escalated to the credit office
// (超期督办), once: running it again changes nothing. It returns how many it escalated.
func (a *App) EscalateOverdue(ctx context.Context) (int, error) {
	cs, err := a.Store.Cases(ctx, store.CaseFilter{OpenOnly: true})
	if err != nil {
		return 0, err
	}
	n := 0
	now := a.Now().UTC()
	for _, c := range cs {
		if !c.Overdue(now) || c.Escalated {
			continue
		}
		err := a.update(ctx, func(tx store.Tx) error {
			cur, err := tx.Case(ctx, c.ID)
			if err != nil {
				return err
			}
			if !cur.Escalate(now) {
				return nil
			}
			n++
			if err := tx.UpdateCase(cur); err != nil {
				return err
			}
			return a.audit(ctx, tx, ActorSystem, ActionCaseEscalate, fmt.Sprintf("case:%d", cur.ID),
				map[string]any{"kind": cur.Kind, "dept": cur.Dept, "status": cur.Status, "due": cur.Due.Format(time.DateOnly)})
		})
		if err != nil {
			return n, err
		}
	}
	if n > 0 {
		a.Log.Info("overdue cases escalated to the credit office", "cases", n)
	}
	return n, nil
}

// ExpireReport is what ExpirePublications did or would do.
type ExpireReport struct {
	Records int     `json:"records"` // records whose publication ended and were marked
	Changes int     `json:"changes"` // of them, records that were on the portal until now (record.expired sent)
	IDs     []int64 `json:"ids,omitempty"`
}

// ExpirePublications marks every current record whose maximum publication period has ended
// (公示期满自动停止公示): its state gets ExpiredAt, the audit trail an entry, delivery a
// record.expired change for each record that was on public display. The portal already stops
// showing such a record at its end date; this job makes the end an event others hear of. It is
// idempotent: a marked record is not found again. dryRun only counts.
func (a *App) ExpirePublications(ctx context.Context, dryRun bool) (*ExpireReport, error) {
	rep := &ExpireReport{}
	now := a.Now().UTC()
	cat := a.Catalog()
	// First take the records imported since the last run into the list of publication ends
	// (derived data, so a dry run does it too), a chunk per transaction.
	for {
		var n int
		err := a.Store.Update(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.IndexPublicationEnds(indexChunk)
			return err
		})
		if err != nil {
			return rep, fmt.Errorf("publication ends: %w", err)
		}
		if n < indexChunk {
			break
		}
	}
	const chunk = 500
	seen := map[int64]bool{}
	for {
		recs, err := a.Store.PublicationExpired(ctx, now, chunk)
		if err != nil {
			return rep, err
		}
		fresh := recs[:0]
		for _, r := range recs {
			if !seen[r.ID] {
				fresh = append(fresh, r)
				seen[r.ID] = true
			}
		}
		if len(fresh) == 0 {
			if dryRun {
				return rep, nil
			}
			// Every due record is marked: the ends up to now are of no more use.
			return rep, a.Store.Update(ctx, func(tx store.Tx) error { return tx.DropPublicationEnds(now) })
		}
		if dryRun {
			for _, r := range fresh {
				rep.Records++
				rep.IDs = append(rep.IDs, r.ID)
			}
			if len(recs) < chunk {
				return rep, nil
			}
			// A dry run cannot page by marking: stop after one chunk and say so by the count.
			return rep, nil
		}
		err = a.update(ctx, func(tx store.Tx) error {
			for _, r := range fresh {
				st, err := recordState(ctx, tx, keyOf(r))
				if err != nil {
					return err
				}
				item, _ := cat.Item(r.Item)
				// Was it on display just before its end? Not if repaired, revoked or never public.
				wasShown := credit.PublicationOf(item, r, st, r.PubUntil.Add(-time.Second)) == credit.PubShown
				if st == nil {
					st = &credit.RecordState{SubjectID: r.SubjectID, Dept: r.Dept, Item: r.Item, SourceID: r.SourceID}
				}
				st.ExpiredAt, st.UpdatedAt = now, now
				if err := tx.PutRecordState(st); err != nil {
					return err
				}
				if wasShown {
					s, err := tx.SubjectByID(ctx, r.SubjectID)
					if err != nil {
						return err
					}
					err = a.StatusChanged(ctx, tx, credit.StatusChange{Kind: credit.ChangeRecordExpired, SubjectID: r.SubjectID,
						SubjectKey: s.Key, RecordID: r.ID, Depts: []string{r.Dept}, Reason: "公示期满 / publication period ended",
						By: ActorSystem, At: now})
					if err != nil {
						return err
					}
				}
				if err := a.audit(ctx, tx, ActorSystem, ActionPublicationExpire, fmt.Sprintf("record:%d", r.ID),
					map[string]any{"dept": r.Dept, "item": r.Item, "source_id": r.SourceID, "pub_until": r.PubUntil.Format(time.DateOnly), "was_shown": wasShown}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
		for _, r := range fresh {
			rep.Records++
			rep.IDs = append(rep.IDs, r.ID)
		}
	}
}

// indexChunk is how many records one transaction of IndexPublicationEnds looks at.
const indexChunk = 50_000

// RightsJobs runs the scheduled jobs of subjects' rights once: publication expiry and the
// escalation of overdue cases. The server calls it periodically.
func (a *App) RightsJobs(ctx context.Context) error {
	if err := a.RefreshCalendar(ctx); err != nil {
		return err
	}
	if _, err := a.ExpirePublications(ctx, false); err != nil {
		return err
	}
	_, err := a.EscalateOverdue(ctx)
	return err
}

// ---- Statistics ----

// RightsStats are the figures of one department (or the total, Dept "").
type RightsStats struct {
	Dept         string  `json:"dept"`
	Applications int     `json:"applications"` // repair applications
	Returned     int     `json:"returned"`     // applications returned for materials at least once
	Approved     int     `json:"approved"`
	Refused      int     `json:"refused"`
	AvgDays      float64 `json:"avg_workdays_to_decision"` // filed → approved/refused, working days
	Overdue      int     `json:"overdue"`                  // open cases past their deadline now (both kinds)
	Objections   int     `json:"objections"`
	Corrected    int     `json:"corrected"`
	Revoked      int     `json:"revoked"`
	Upheld       int     `json:"upheld"`
}

// RightsStatistics computes the figures per department, with the total last. Only the credit
// office (admin) asks. The figures are the ones a credit office reports (seed 003, Sanya, as
// the first reviewer of repairs: 309 applications, 186 returned as not acceptable, 123 passed);
// an application returned and then completed counts once as returned and once as decided.
func (a *App) RightsStatistics(ctx context.Context) ([]RightsStats, error) {
	cs, err := a.Store.Cases(ctx, store.CaseFilter{})
	if err != nil {
		return nil, err
	}
	cal, now := a.Workdays(), a.Now()
	by := map[string]*RightsStats{}
	total := &RightsStats{}
	days := map[string]int{}
	var order []string
	for _, c := range cs {
		s := by[c.Dept]
		if s == nil {
			s = &RightsStats{Dept: c.Dept}
			by[c.Dept] = s
			order = append(order, c.Dept)
		}
		for _, x := range []*RightsStats{s, total} {
			if c.Overdue(now) {
				x.Overdue++
			}
			if c.Kind == credit.CaseObjection {
				x.Objections++
				switch c.Status {
				case credit.CaseCorrected:
					x.Corrected++
				case credit.CaseRevoked:
					x.Revoked++
				case credit.CaseUpheld:
					x.Upheld++
				}
				continue
			}
			x.Applications++
			for _, h := range c.History {
				if h.Action == credit.ActReturn {
					x.Returned++
					break
				}
			}
			switch c.Status {
			case credit.CaseApproved:
				x.Approved++
			case credit.CaseRefused:
				x.Refused++
			}
			if c.Status == credit.CaseApproved || c.Status == credit.CaseRefused {
				days[x.Dept] += cal.WorkdaysBetween(credit.Day(c.FiledAt), credit.Day(c.ClosedAt))
			}
		}
	}
	slices.Sort(order)
	out := make([]RightsStats, 0, len(order)+1)
	for _, d := range append(order, "") {
		x := by[d]
		if d == "" {
			x = total
		}
		if n := x.Approved + x.Refused; n > 0 {
			x.AvgDays = float64(days[d]) / float64(n)
		}
		out = append(out, *x)
	}
	return out, nil
}

// OwnRecordActions returns one of the signed-in subject's records with what it can do about
// it: object, apply for repair (or why not yet), and its cases.
func (a *App) OwnRecordActions(ctx context.Context, p *auth.Principal, recordID int64) (*OwnRecord, error) {
	r, s, err := a.ownRecord(ctx, p, recordID)
	if err != nil {
		return nil, err
	}
	item, ok := a.Catalog().Item(r.Item)
	if !ok {
		return nil, credit.Errorf(credit.ENOTFOUND, "目录中已无该事项 / the item is no longer in the catalog")
	}
	st, err := recordState(ctx, a.Store, keyOf(r))
	if err != nil {
		return nil, err
	}
	k := keyOf(r)
	cs, err := a.Store.Cases(ctx, store.CaseFilter{Record: &k})
	if err != nil {
		return nil, err
	}
	or := &OwnRecord{RecordView: View(item, r), Status: credit.PublicationOf(item, r, st, a.Now())}
	or.Objection = st != nil && st.Objection != 0
	openRepair := false
	for _, c := range cs {
		if c.SubjectID == s.ID {
			or.Cases = append(or.Cases, c)
			openRepair = openRepair || (c.Kind == credit.CaseRepair && c.Status.Open())
		}
	}
	or.CanObject = credit.ObjectionEligibility(r, st)
	or.Repair = credit.RepairEligibility(item, r, st, openRepair, a.Now())
	if or.Repair.Can {
		if or.Repair.RemovesFrom, err = a.RepairRemovesFrom(ctx, a.Store, s.Key, r); err != nil {
			return nil, err
		}
	}
	if s.IsPerson() {
		if or.Personal, err = a.personalFields(item, r); err != nil {
			return nil, err
		}
	}
	return or, nil
}
