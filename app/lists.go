package app

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Lists and measures (名单与联合奖惩措施): list types and measures are data in the store, seeded
// from the embedded joint catalog (catalog/lists.json) on first use; matters come from that
// catalog. Entries go proposed → confirmed → published in a numbered batch → removed or
// expired; every change is audited in its transaction and, when a subject enters or leaves a
// list in force, handed to delivery (App.StatusChanged) with the implementing departments of
// the measures the list triggers.

// Audit actions of lists and measures.
const (
	ActionJointSeed      = "joint.seed"
	ActionListTypePut    = "list_type.put"
	ActionMeasurePut     = "measure.put"
	ActionEntryPropose   = "list_entry.propose"
	ActionEntryConfirm   = "list_entry.confirm"
	ActionEntryRemove    = "list_entry.remove"
	ActionEntryExpire    = "list_entry.expire"
	ActionListPublish    = "list.publish"
	ActionListLoad       = "list.load"
	ActionCheckBatch     = "check_batch.run"
	ActionCheckFeedback  = "check.feedback"
	ActionMeasureActive  = "measure.activate"
	ActionMeasureDisable = "measure.deactivate"
)

// jointState is the joint catalog in force, held in memory for the window check.
type jointState struct {
	mu     sync.Mutex
	cat    *credit.JointCatalog
	lists  map[string]*credit.ListType
	loaded time.Time
	exc    map[string]bool // registered code exceptions
	excAt  time.Time
	checks *checkLogger
}

// jointTTL is how long the joint catalog and the code exceptions are trusted before a reload
// (another process may have changed them; this process reloads at once after its own edits).
const jointTTL = 10 * time.Second

func (a *App) jointState() *jointState {
	a.jointOnce.Do(func() { a.joint = &jointState{} })
	return a.joint
}

// Joint returns the joint catalog in force (list types, matters, measures), seeding the store
// with the embedded default on first use.
func (a *App) Joint(ctx context.Context) (*credit.JointCatalog, error) {
	j := a.jointState()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.cat != nil && a.Now().Sub(j.loaded) < jointTTL {
		return j.cat, nil
	}
	return a.loadJoint(ctx, j)
}

func (a *App) reloadJoint(ctx context.Context) error {
	j := a.jointState()
	j.mu.Lock()
	defer j.mu.Unlock()
	_, err := a.loadJoint(ctx, j)
	return err
}

func (a *App) loadJoint(ctx context.Context, j *jointState) (*credit.JointCatalog, error) {
	def, err := catalog.DefaultJoint()
	if err != nil {
		return nil, err
	}
	lts, err := a.Store.ListTypes(ctx)
	if err != nil {
		return nil, err
	}
	if len(lts) == 0 {
		now := a.Now().UTC()
		err := a.update(ctx, func(tx store.Tx) error {
			if cur, err := tx.ListTypes(ctx); err != nil || len(cur) > 0 {
				return err // another process seeded first
			}
			for _, lt := range def.ListTypes {
				if err := tx.PutListType(lt, now); err != nil {
					return err
				}
			}
			for _, m := range def.Measures {
				if err := tx.PutMeasure(m, now); err != nil {
					return err
				}
			}
			return a.audit(ctx, tx, ActorSystem, ActionJointSeed, fmt.Sprintf("joint:v%d", def.Version),
				map[string]any{"list_types": len(def.ListTypes), "measures": len(def.Measures), "matters": len(def.Matters)})
		})
		if err != nil {
			return nil, fmt.Errorf("seed the joint catalog: %w", err)
		}
		if lts, err = a.Store.ListTypes(ctx); err != nil {
			return nil, err
		}
	}
	ms, err := a.Store.Measures(ctx)
	if err != nil {
		return nil, err
	}
	c := &credit.JointCatalog{Version: def.Version, Note: def.Note, ListTypes: lts, Matters: def.Matters, Measures: ms}
	j.cat, j.lists, j.loaded = c, c.ListMap(), a.Now()
	return c, nil
}

// codeExceptions returns the registered code exceptions, cached like the joint catalog: the
// window check and batch verification identify many codes.
func (a *App) codeExceptions(ctx context.Context) (map[string]bool, error) {
	j := a.jointState()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.exc != nil && a.Now().Sub(j.excAt) < jointTTL {
		return j.exc, nil
	}
	exc, err := a.exceptions(ctx)
	if err != nil {
		return nil, err
	}
	j.exc, j.excAt = exc, a.Now()
	return exc, nil
}

// implementingDepts returns the implementing departments of the active measures list
// triggers: the departments a change of that list concerns.
func implementingDepts(c *credit.JointCatalog, list string) []string {
	var out []string
	for _, m := range c.Measures {
		if m.Active && slices.Contains(m.Lists, list) && !slices.Contains(out, m.Dept) {
			out = append(out, m.Dept)
		}
	}
	slices.Sort(out)
	return out
}

// listAdmin: may p act on entries of dept? The admin may for every department; a reviewer or
// submitter for its own.
func listActsFor(p *auth.Principal, dept string) error {
	if p == nil {
		return auth.ErrSignIn
	}
	if !p.ActsFor(dept) {
		return credit.Errorf(credit.EFORBIDDEN, "只能处理本部门的名单条目 / you may only act on your own department's entries")
	}
	return nil
}

// EntryInput is a proposal to put a subject on a list (拟列入).
type EntryInput struct {
	List     string    `json:"list"`
	Code     string    `json:"code"` // unified code, legacy code or resident ID
	Name     string    `json:"name"` // the subject's name as the decision names it
	Dept     string    `json:"dept"` // initiating department ("" = the proposer's)
	Reason   string    `json:"reason"`
	Document string    `json:"document"`
	Records  []int64   `json:"records,omitempty"`
	SourceID string    `json:"source_id,omitempty"`
	From     time.Time `json:"valid_from,omitzero"`
}

// entryFor builds a proposed entry from in: the subject key from the code (a person's keyed
// hash, never the ID), the name as given (masked for a person), or the registered name.
func (a *App) entryFor(ctx context.Context, c *credit.JointCatalog, in EntryInput, actor string) (*credit.ListEntry, error) {
	lt, ok := c.ListType(in.List)
	if !ok {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "list", Rule: credit.RuleEnum, Message: "未知名单类型 / unknown list type: " + in.List}
	}
	exc, err := a.codeExceptions(ctx)
	if err != nil {
		return nil, err
	}
	cr := credit.IdentifyCode(in.Code, a.Now(), func(s string) bool { return exc[s] })
	if !cr.Valid {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "code", Rule: credit.RuleCode, Message: cr.Reason}
	}
	key, code, name, person := cr.Canonical, cr.Canonical, strings.TrimSpace(in.Name), false
	switch cr.Type {
	case credit.CodeResidentID:
		key, code, person = a.Sealer.PersonKey(cr.Canonical), "", true
		name = credit.MaskName(name)
	case credit.CodeUSCC:
	default:
		s, err := a.Store.SubjectByAlias(ctx, cr.Canonical)
		if err != nil {
			return nil, &credit.Error{Code: credit.EINVALID, Field: "code", Rule: credit.RuleCode,
				Message: "旧代码未能转换为统一社会信用代码 / the legacy code maps to no known subject"}
		}
		key, code = s.Key, s.Code
	}
	if name == "" && !person {
		if s, err := a.Store.SubjectByKey(ctx, key); err == nil {
			name = s.Name
		}
	}
	e, err := credit.NewEntry(lt, key, code, name, person, in.Dept, in.Reason, in.Document, in.From, actor, a.Now())
	if err != nil {
		return nil, err
	}
	e.Records, e.SourceID = in.Records, strings.TrimSpace(in.SourceID)
	return e, nil
}

// ProposeEntry records a proposal (拟列入) by p's department (the admin may name any).
func (a *App) ProposeEntry(ctx context.Context, p *auth.Principal, in EntryInput) (*credit.ListEntry, error) {
	if p == nil {
		return nil, auth.ErrSignIn
	}
	if in.Dept == "" {
		in.Dept = p.Dept
	}
	if err := listActsFor(p, in.Dept); err != nil {
		return nil, err
	}
	c, err := a.Joint(ctx)
	if err != nil {
		return nil, err
	}
	e, err := a.entryFor(ctx, c, in, actorName(p))
	if err != nil {
		return nil, err
	}
	err = a.update(ctx, func(tx store.Tx) error {
		if err := tx.InsertListEntries([]*credit.ListEntry{e}); err != nil {
			return err
		}
		if e.ID == 0 {
			return credit.Errorf(credit.ECONFLICT, "该来源编号已列入 / an entry with this source id exists: %s", e.SourceID)
		}
		return a.audit(ctx, tx, actorName(p), ActionEntryPropose, fmt.Sprintf("list_entry:%d", e.ID),
			map[string]any{"list": e.List, "subject_key": e.SubjectKey, "dept": e.Dept, "reason": e.Reason, "document": e.Document})
	})
	return e, err
}

// changeEntry loads entry id, checks p may act for its department, applies fn and stores it
// with its audit entry and, when it entered or left the list in force, a status change.
func (a *App) changeEntry(ctx context.Context, p *auth.Principal, id int64, action string, fn func(e *credit.ListEntry) error) (*credit.ListEntry, error) {
	c, err := a.Joint(ctx)
	if err != nil {
		return nil, err
	}
	var out *credit.ListEntry
	err = a.update(ctx, func(tx store.Tx) error {
		e, err := tx.ListEntry(ctx, id)
		if err != nil {
			return err
		}
		if err := listActsFor(p, e.Dept); err != nil {
			return err
		}
		was := e.Status
		if err := fn(e); err != nil {
			return err
		}
		if err := a.saveEntryChange(ctx, tx, c, e, was, action, actorName(p), nil); err != nil {
			return err
		}
		out = e
		return nil
	})
	return out, err
}

// saveEntryChange stores entry e, changed from status was by actor, with its audit entry
// (extra details added) and, when it left the list in force, a status change (list.leave).
func (a *App) saveEntryChange(ctx context.Context, tx store.Tx, c *credit.JointCatalog, e *credit.ListEntry, was credit.EntryStatus, action, actor string, extra map[string]any) error {
	if err := tx.UpdateListEntry(e); err != nil {
		return err
	}
	details := map[string]any{"list": e.List, "from": was, "to": e.Status, "reason": e.EndReason}
	for k, v := range extra {
		details[k] = v
	}
	if err := a.audit(ctx, tx, actor, action, fmt.Sprintf("list_entry:%d", e.ID), details); err != nil {
		return err
	}
	if was == credit.EntryPublished && e.Status != credit.EntryPublished {
		return a.listChanged(ctx, tx, c, e, credit.ChangeListLeave, e.EndReason, actor)
	}
	return nil
}

func (a *App) listChanged(ctx context.Context, tx store.Tx, c *credit.JointCatalog, e *credit.ListEntry, kind credit.ChangeKind, reason, by string) error {
	ch := credit.StatusChange{Kind: kind, SubjectKey: e.SubjectKey, List: e.List, EntryID: e.ID,
		Depts: implementingDepts(c, e.List), Reason: reason, By: by, At: a.Now().UTC()}
	if s, err := tx.SubjectByKey(ctx, e.SubjectKey); err == nil {
		ch.SubjectID = s.ID
	}
	return a.StatusChanged(ctx, tx, ch)
}

// ConfirmEntry confirms a proposal (确认): a reviewer of the initiating department or the
// admin, never the proposer.
func (a *App) ConfirmEntry(ctx context.Context, p *auth.Principal, id int64) (*credit.ListEntry, error) {
	return a.changeEntry(ctx, p, id, ActionEntryConfirm, func(e *credit.ListEntry) error { return e.Confirm(actorName(p), a.Now()) })
}

// RemoveEntry withdraws a proposal or takes a published entry off its list (移出), with reason.
func (a *App) RemoveEntry(ctx context.Context, p *auth.Principal, id int64, reason string) (*credit.ListEntry, error) {
	return a.changeEntry(ctx, p, id, ActionEntryRemove, func(e *credit.ListEntry) error { return e.Remove(actorName(p), reason, a.Now()) })
}

// PublishBatch publishes confirmed entries of list as its next numbered batch (发布批次,
// "第六批"): ids, or every confirmed entry of the list when ids is empty. Only the credit office
// publishes. Each entry entering the list is a status change for the measures' departments.
func (a *App) PublishBatch(ctx context.Context, p *auth.Principal, list string, ids []int64) (*credit.ListBatch, error) {
	if p == nil || !p.Has(auth.RoleAdmin) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "名单由信用办统一发布 / only the credit office publishes lists")
	}
	c, err := a.Joint(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := c.ListType(list); !ok {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "list", Rule: credit.RuleEnum, Message: "未知名单类型 / unknown list type: " + list}
	}
	var b *credit.ListBatch
	err = a.update(ctx, func(tx store.Tx) error {
		var es []*credit.ListEntry
		if len(ids) == 0 {
			all, err := tx.ListEntries(ctx, store.EntryFilter{List: list, Status: credit.EntryConfirmed, Limit: 100000})
			if err != nil {
				return err
			}
			es = all
		} else {
			for _, id := range ids {
				e, err := tx.ListEntry(ctx, id)
				if err != nil {
					return err
				}
				if e.List != list {
					return credit.Errorf(credit.EINVALID, "条目 %d 不属于名单 %s / entry %d is not on list %s", id, list, id, list)
				}
				es = append(es, e)
			}
		}
		if len(es) == 0 {
			return credit.Errorf(credit.EINVALID, "没有待发布的已确认条目 / no confirmed entries to publish")
		}
		no, err := nextBatchNo(ctx, tx, list)
		if err != nil {
			return err
		}
		now := a.Now()
		b = &credit.ListBatch{List: list, No: no, Title: credit.BatchTitle(no), Entries: len(es), PublishedBy: actorName(p), PublishedAt: now.UTC()}
		for _, e := range es {
			if err := e.Publish(no, now); err != nil {
				return err
			}
			if err := tx.UpdateListEntry(e); err != nil {
				return err
			}
			if e.InForce(now) {
				if err := a.listChanged(ctx, tx, c, e, credit.ChangeListEnter, "发布于"+b.Title, actorName(p)); err != nil {
					return err
				}
			}
		}
		if err := tx.InsertListBatch(b); err != nil {
			return err
		}
		return a.audit(ctx, tx, actorName(p), ActionListPublish, fmt.Sprintf("list_batch:%s:%d", list, no),
			map[string]any{"list": list, "no": no, "title": b.Title, "entries": len(es)})
	})
	return b, err
}

// LoadEntries puts decided entries on a list in one published batch (e.g. the court defaulters
// pulled down from the national list, already decided by the courts): no proposal and
// confirmation here, since the deciding body is elsewhere. Entries with a stored source id are
// skipped (a load may be repeated). Each new entry is a status change. It is LoadEntryStream
// over a slice.
func (a *App) LoadEntries(ctx context.Context, actor, list, dept string, ins []EntryInput) (loaded, skipped int, b *credit.ListBatch, err error) {
	i := 0
	return a.LoadEntryStream(ctx, actor, list, dept, func() (EntryInput, error) {
		if i == len(ins) {
			return EntryInput{}, io.EOF
		}
		i++
		return ins[i-1], nil
	})
}

// nextBatchNo is the number the list's next published batch takes (第N批).
func nextBatchNo(ctx context.Context, tx store.Tx, list string) (int, error) {
	prev, err := tx.ListBatches(ctx, list)
	if err != nil {
		return 0, err
	}
	no := 1
	for _, pb := range prev {
		no = max(no, pb.No+1)
	}
	return no, nil
}

// loadChunk is how many entries one transaction of a list load stores.
const loadChunk = 5000

// LoadEntryStream is LoadEntries for lists of any size (a national list holds millions):
// next yields the inputs one at a time until io.EOF. They are validated and stored loadChunk
// at a time, each chunk in a transaction of its own, so a long load neither holds the store's
// single writer (SQLite) for its whole length nor keeps the list in memory. All entries of one
// load join one batch: the first chunk that stores an entry numbers and creates it, later
// chunks add to its count, and each chunk is audited. A bad row stops the load with its row
// number; the chunks before it stay stored, and loading the corrected file again skips them
// (by source id) and puts the rest in a new batch.
func (a *App) LoadEntryStream(ctx context.Context, actor, list, dept string, next func() (EntryInput, error)) (loaded, skipped int, b *credit.ListBatch, err error) {
	c, err := a.Joint(ctx)
	if err != nil {
		return 0, 0, nil, err
	}
	lt, ok := c.ListType(list)
	if !ok {
		return 0, 0, nil, &credit.Error{Code: credit.EINVALID, Field: "list", Rule: credit.RuleEnum, Message: "未知名单类型 / unknown list type: " + list}
	}
	if dept == "" {
		dept = lt.Dept
	}
	now := a.Now()
	row := 0
	for eof := false; !eof; {
		es := make([]*credit.ListEntry, 0, loadChunk)
		first := row + 1
		for len(es) < loadChunk {
			in, err := next()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				return loaded, skipped, b, err
			}
			row++
			in.List, in.Dept = list, dept
			e, err := a.entryFor(ctx, c, in, actor)
			if err != nil {
				if ce, ok := err.(*credit.Error); ok {
					ce.Row = row
				}
				return loaded, skipped, b, err
			}
			e.Status, e.ConfirmedBy, e.ConfirmedAt = credit.EntryConfirmed, actor, now.UTC()
			es = append(es, e)
		}
		if len(es) == 0 {
			break
		}
		n, sk, nb, err := a.loadEntryChunk(ctx, c, actor, list, es, b, now, [2]int{first, row})
		if err != nil {
			return loaded, skipped, b, err
		}
		loaded, skipped, b = loaded+n, skipped+sk, nb
	}
	if loaded == 0 {
		err = a.update(ctx, func(tx store.Tx) error {
			return a.audit(ctx, tx, actor, ActionListLoad, "list:"+list, map[string]any{"list": list, "loaded": 0, "skipped": skipped})
		})
	}
	return loaded, skipped, b, err
}

// loadEntryChunk stores one chunk of a list load in one transaction: the new entries, published
// in batch b (created here when b is nil and an entry is new), their status changes and an
// audit entry naming the rows.
func (a *App) loadEntryChunk(ctx context.Context, c *credit.JointCatalog, actor, list string, es []*credit.ListEntry, b *credit.ListBatch,
	now time.Time, rows [2]int) (loaded, skipped int, out *credit.ListBatch, err error) {
	err = a.update(ctx, func(tx store.Tx) error {
		loaded, skipped, out = 0, 0, b
		for _, e := range es { // a retried transaction starts from the entries as validated
			e.ID, e.Status, e.BatchNo, e.PublishedAt = 0, credit.EntryConfirmed, 0, time.Time{}
		}
		if err := tx.InsertListEntries(es); err != nil {
			return err
		}
		var fresh []*credit.ListEntry
		for _, e := range es {
			if e.ID == 0 {
				skipped++
			} else {
				fresh = append(fresh, e)
			}
		}
		loaded = len(fresh)
		if loaded == 0 {
			return nil
		}
		if b == nil {
			no, err := nextBatchNo(ctx, tx, list)
			if err != nil {
				return err
			}
			out = &credit.ListBatch{List: list, No: no, Title: credit.BatchTitle(no), Entries: loaded, PublishedBy: actor, PublishedAt: now.UTC()}
			if err := tx.InsertListBatch(out); err != nil {
				return err
			}
		} else {
			if err := tx.AddListBatchEntries(list, b.No, loaded); err != nil {
				return err
			}
			nb := *b
			nb.Entries += loaded
			out = &nb
		}
		for _, e := range fresh {
			if err := e.Publish(out.No, now); err != nil {
				return err
			}
			if err := tx.UpdateListEntry(e); err != nil {
				return err
			}
			if e.InForce(now) {
				if err := a.listChanged(ctx, tx, c, e, credit.ChangeListEnter, "批量载入 / loaded", actor); err != nil {
					return err
				}
			}
		}
		return a.audit(ctx, tx, actor, ActionListLoad, fmt.Sprintf("list_batch:%s:%d", list, out.No),
			map[string]any{"list": list, "no": out.No, "loaded": loaded, "skipped": skipped, "rows": fmt.Sprintf("%d-%d", rows[0], rows[1])})
	})
	if err != nil {
		return 0, 0, b, err
	}
	return loaded, skipped, out, nil
}

// ExpireEntries ends every published entry whose validity has passed (到期自动移出): a
// scheduled job of the server. It is idempotent (an entry expires once) and audits and
// reports each expiry. It returns how many entries expired.
func (a *App) ExpireEntries(ctx context.Context) (int, error) {
	c, err := a.Joint(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for {
		now := a.Now()
		n := 0
		err := a.update(ctx, func(tx store.Tx) error {
			n = 0
			due, err := tx.DueEntries(ctx, now, 500)
			if err != nil {
				return err
			}
			for _, e := range due {
				if !e.Expire(now) {
					continue
				}
				if err := tx.UpdateListEntry(e); err != nil {
					return err
				}
				if err := a.audit(ctx, tx, ActorSystem, ActionEntryExpire, fmt.Sprintf("list_entry:%d", e.ID),
					map[string]any{"list": e.List, "valid_until": e.ValidUntil}); err != nil {
					return err
				}
				if err := a.listChanged(ctx, tx, c, e, credit.ChangeListLeave, e.EndReason, ActorSystem); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < 500 {
			return total, nil
		}
	}
}

// SetMeasureActive activates or deactivates a measure (admin). A measure without a legal basis
// cannot be activated.
func (a *App) SetMeasureActive(ctx context.Context, p *auth.Principal, code string, active bool) (*credit.Measure, error) {
	if p == nil || !p.Has(auth.RoleAdmin) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "措施由信用办管理 / measures are managed by the credit office")
	}
	c, err := a.Joint(ctx)
	if err != nil {
		return nil, err
	}
	cur, ok := c.Measure(code)
	if !ok {
		return nil, credit.Errorf(credit.ENOTFOUND, "未知措施 / no such measure: %s", code)
	}
	m := *cur
	m.Active = active
	if active {
		if err := m.CanActivate(); err != nil {
			return nil, err
		}
	}
	return &m, a.putMeasure(ctx, p, &m, map[bool]string{true: ActionMeasureActive, false: ActionMeasureDisable}[active])
}

// PutMeasure adds or replaces a measure of the measures list (admin), checked against the
// joint catalog (known lists and matters, exemption lists, legal basis when active).
func (a *App) PutMeasure(ctx context.Context, p *auth.Principal, m *credit.Measure) error {
	if p == nil || !p.Has(auth.RoleAdmin) {
		return credit.Errorf(credit.EFORBIDDEN, "措施由信用办管理 / measures are managed by the credit office")
	}
	c, err := a.Joint(ctx)
	if err != nil {
		return err
	}
	next := *c
	next.Measures = slices.DeleteFunc(slices.Clone(c.Measures), func(x *credit.Measure) bool { return x.Code == m.Code })
	next.Measures = append(next.Measures, m)
	if err := next.Check(); err != nil {
		return err
	}
	return a.putMeasure(ctx, p, m, ActionMeasurePut)
}

func (a *App) putMeasure(ctx context.Context, p *auth.Principal, m *credit.Measure, action string) error {
	err := a.update(ctx, func(tx store.Tx) error {
		if err := tx.PutMeasure(m, a.Now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, actorName(p), action, "measure:"+m.Code, m)
	})
	if err != nil {
		return err
	}
	return a.reloadJoint(ctx)
}

// PutListType adds or replaces a list type (admin).
func (a *App) PutListType(ctx context.Context, p *auth.Principal, lt *credit.ListType) error {
	if p == nil || !p.Has(auth.RoleAdmin) {
		return credit.Errorf(credit.EFORBIDDEN, "名单类型由信用办管理 / list types are managed by the credit office")
	}
	if err := lt.Check(); err != nil {
		return err
	}
	if lt.Rule != "" {
		if _, err := credit.CompileListRule(lt.Rule); err != nil {
			return err
		}
	}
	err := a.update(ctx, func(tx store.Tx) error {
		if err := tx.PutListType(lt, a.Now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, actorName(p), ActionListTypePut, "list_type:"+lt.Code, lt)
	})
	if err != nil {
		return err
	}
	return a.reloadJoint(ctx)
}

// PublicEntry is what the portal shows of a published entry: organisations by name and code;
// persons only when the list's rule says so, and then only the masked name.
type PublicEntry struct {
	ID          int64     `json:"id"`
	SubjectCode string    `json:"subject_code,omitempty"`
	SubjectName string    `json:"subject_name"`
	Dept        string    `json:"dept"`
	Reason      string    `json:"reason"`
	Document    string    `json:"document,omitempty"`
	BatchNo     int       `json:"batch_no"`
	ValidFrom   time.Time `json:"valid_from"`
	ValidUntil  time.Time `json:"valid_until,omitzero"`
}

// PublicBatch returns a published batch of a public list with its entries in force that the
// portal may show, and how many persons were left out.
func (a *App) PublicBatch(ctx context.Context, list string, no int) (*credit.ListType, *credit.ListBatch, []PublicEntry, int, error) {
	c, err := a.Joint(ctx)
	if err != nil {
		return nil, nil, nil, 0, err
	}
	lt, ok := c.ListType(list)
	if !ok || !lt.Public {
		return nil, nil, nil, 0, credit.Errorf(credit.ENOTFOUND, "没有该公开名单 / no such public list")
	}
	b, err := a.Store.ListBatch(ctx, list, no)
	if err != nil {
		return nil, nil, nil, 0, err
	}
	es, err := a.Store.ListEntries(ctx, store.EntryFilter{List: list, Status: credit.EntryPublished, BatchNo: no, Limit: 5000})
	if err != nil {
		return nil, nil, nil, 0, err
	}
	now := a.Now()
	var out []PublicEntry
	hidden := 0
	for _, e := range es {
		if !e.InForce(now) {
			continue
		}
		if e.Person && !lt.PublicPersons {
			hidden++
			continue
		}
		out = append(out, PublicEntry{ID: e.ID, SubjectCode: e.SubjectCode, SubjectName: e.SubjectName, Dept: e.Dept,
			Reason: e.Reason, Document: e.Document, BatchNo: e.BatchNo, ValidFrom: e.ValidFrom, ValidUntil: e.ValidUntil})
	}
	return lt, b, out, hidden, nil
}

// CLIPrincipal is the command-line operator acting on lists, measures and checks: the
// platform's own operator (admin rights, as every command has), named cli:<os user> in the
// logs, acting for dept.
func CLIPrincipal(osUser, dept string) *auth.Principal {
	return &auth.Principal{Kind: auth.KindStaff, Name: CLIActor(osUser), Dept: dept, Roles: []auth.Role{auth.RoleAdmin}}
}

// actorName names p in the logs: its Actor, or the command-line operator's name.
func actorName(p *auth.Principal) string {
	if p != nil && p.Kind == auth.KindStaff && p.UserID == 0 && strings.HasPrefix(p.Name, actorCLIPrefix) {
		return p.Name
	}
	return p.Actor()
}

// RunListJobs runs the scheduled jobs of lists until ctx ends: expiry of entries whose
// validity ended, at once and then every interval. Errors are logged and retried at the next
// run; ExpireEntries is idempotent, so several servers may run it.
func (a *App) RunListJobs(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.ExpireEntries(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			a.Log.Error("list expiry", "err", err)
		} else if n > 0 {
			a.Log.Info("list entries expired", "n", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DeriveResult is what a rule run found.
type DeriveResult struct {
	List     string `json:"list"`
	Subjects int    `json:"subjects"` // subjects evaluated
	Matched  int    `json:"matched"`
	Proposed int    `json:"proposed"` // new proposals (the others are already on the list or proposed)
	Errors   int    `json:"errors"`   // subjects the rule could not be evaluated for (logged)
}

// DeriveList runs a list type's rule (规则认定) over the subjects that have records of the
// items it names and proposes an entry for each match not already proposed, confirmed or
// published. The proposals go through the same lifecycle: the deciding department's reviewer
// confirms them (the proposer is "rule:<list>", never a person), the credit office publishes.
func (a *App) DeriveList(ctx context.Context, p *auth.Principal, list string) (*DeriveResult, error) {
	if p == nil || !p.Has(auth.RoleAdmin) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "规则认定由信用办运行 / only the credit office runs list rules")
	}
	c, err := a.Joint(ctx)
	if err != nil {
		return nil, err
	}
	lt, ok := c.ListType(list)
	if !ok {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "list", Rule: credit.RuleEnum, Message: "未知名单类型 / unknown list type: " + list}
	}
	if lt.Rule == "" {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "rule", Rule: credit.RuleRequired, Message: "该名单没有认定规则 / this list has no rule"}
	}
	rule, err := credit.CompileListRule(lt.Rule)
	if err != nil {
		return nil, err
	}
	res := &DeriveResult{List: list}
	seen := map[int64]bool{}
	cat := a.Catalog()
	proposer := "rule:" + list
	for _, item := range rule.Items {
		for after := int64(0); ; {
			ids, err := a.Store.ItemSubjects(ctx, item, after, 500)
			if err != nil {
				return nil, err
			}
			if len(ids) == 0 {
				break
			}
			after = ids[len(ids)-1]
			for _, id := range ids {
				if seen[id] {
					continue
				}
				seen[id] = true
				res.Subjects++
				s, err := a.Store.SubjectByID(ctx, id)
				if err != nil {
					return nil, err
				}
				recs, err := a.Store.SubjectRecords(ctx, id, store.RecordFilter{ActiveOnly: true})
				if err != nil {
					return nil, err
				}
				f := credit.FactsOf(cat, recs)
				match, err := rule.Eval(f)
				if err != nil {
					res.Errors++
					a.Log.Warn("list rule", "list", list, "subject", id, "err", err)
					continue
				}
				if !match {
					continue
				}
				res.Matched++
				cur, err := a.Store.SubjectEntries(ctx, s.Key, credit.EntryProposed, credit.EntryConfirmed, credit.EntryPublished)
				if err != nil {
					return nil, err
				}
				if slices.ContainsFunc(cur, func(e *credit.ListEntry) bool { return e.List == list }) {
					continue
				}
				dept := lt.Dept
				if dept == "" {
					dept = "fgw"
				}
				name := s.Name
				e, err := credit.NewEntry(lt, s.Key, s.Code, name, s.IsPerson(), dept, "规则认定 / derived by rule: "+lt.Rule, "", time.Time{}, proposer, a.Now())
				if err != nil {
					return nil, err
				}
				for _, it := range rule.Items {
					if rid, ok := f.Sources[it]; ok {
						e.Records = append(e.Records, rid)
					}
				}
				err = a.update(ctx, func(tx store.Tx) error {
					if err := tx.InsertListEntries([]*credit.ListEntry{e}); err != nil {
						return err
					}
					return a.audit(ctx, tx, actorName(p), ActionEntryPropose, fmt.Sprintf("list_entry:%d", e.ID),
						map[string]any{"list": list, "subject_key": e.SubjectKey, "rule": lt.Rule, "records": e.Records})
				})
				if err != nil {
					return nil, err
				}
				res.Proposed++
			}
		}
	}
	return res, nil
}
