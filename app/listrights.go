package app

import (
	"context"
	"fmt"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Lists meet subjects' rights here (名单与信用修复、异议): an approved credit repair of a record
// removes the entries the record justifies from the lists whose rules allow it
// (credit.ListType.RepairRemoves: the black list, the focus list — never the court's list of
// dishonest judgment debtors), and a record revoked on an objection ends every entry it
// justifies, whatever the list (a revoked record was wrong). An entry is justified by a
// record when one of its Records is a version of that record. Both go through the list
// services' own remove path (saveEntryChange): audited, and a list.leave status change for
// an entry that was in force.

// justifiedEntries returns the subject's entries not yet ended (proposed, confirmed or
// published) that a version of record k justifies.
func justifiedEntries(ctx context.Context, rd store.Reader, subjectKey string, k store.RecordKey) ([]*credit.ListEntry, error) {
	es, err := rd.SubjectEntries(ctx, subjectKey, credit.EntryProposed, credit.EntryConfirmed, credit.EntryPublished)
	if err != nil || len(es) == 0 {
		return nil, err
	}
	justify := false
	for _, e := range es {
		justify = justify || len(e.Records) > 0
	}
	if !justify {
		return nil, nil
	}
	vers, err := rd.RecordVersions(ctx, k.Dept, k.Item, k.SourceID)
	if err != nil {
		return nil, err
	}
	ids := make(map[int64]bool, len(vers))
	for _, v := range vers {
		ids[v.ID] = true
	}
	var out []*credit.ListEntry
	for _, e := range es {
		for _, id := range e.Records {
			if ids[id] {
				out = append(out, e)
				break
			}
		}
	}
	return out, nil
}

// RepairRemovesFrom returns the lists in force that an approved repair of record r of
// subjectKey would also take the subject off (each once), for the eligibility shown to the
// subject and the case shown to the department.
func (a *App) RepairRemovesFrom(ctx context.Context, rd store.Reader, subjectKey string, r *credit.Record) ([]credit.ListRef, error) {
	c, err := a.Joint(ctx)
	if err != nil {
		return nil, err
	}
	es, err := justifiedEntries(ctx, rd, subjectKey, keyOf(r))
	if err != nil {
		return nil, err
	}
	now := a.Now()
	var out []credit.ListRef
	seen := map[string]bool{}
	for _, e := range es {
		lt, ok := c.ListType(e.List)
		if !ok || !lt.RepairRemoves || !e.InForce(now) || seen[e.List] {
			continue
		}
		seen[e.List] = true
		out = append(out, lt.Ref())
	}
	return out, nil
}

// endJustifiedEntries ends, inside tx, the entries of case cs's subject that its record
// justifies: on an approved repair (repair true) those of lists that allow it, on a revocation
// all of them. Proposals are withdrawn, published entries leave their list. It returns the
// ids of the entries ended.
func (a *App) endJustifiedEntries(ctx context.Context, tx store.Tx, c *credit.JointCatalog, cs *credit.Case, repair bool, actor string) ([]int64, error) {
	es, err := justifiedEntries(ctx, tx, cs.SubjectKey, store.RecordKey{Dept: cs.Dept, Item: cs.Item, SourceID: cs.SourceID})
	if err != nil {
		return nil, err
	}
	reason := fmt.Sprintf("信用修复（第 %d 号）/ credit repair, case %d", cs.ID, cs.ID)
	if !repair {
		reason = fmt.Sprintf("异议撤销所依据的记录（第 %d 号）/ justifying record revoked on objection, case %d", cs.ID, cs.ID)
	}
	var ended []int64
	for _, e := range es {
		if lt, ok := c.ListType(e.List); repair && (!ok || !lt.RepairRemoves) {
			continue
		}
		was := e.Status
		if err := e.Remove(actor, reason, a.Now()); err != nil {
			return nil, err
		}
		if err := a.saveEntryChange(ctx, tx, c, e, was, ActionEntryRemove, actor,
			map[string]any{"case": cs.ID, "record": cs.RecordID}); err != nil {
			return nil, err
		}
		ended = append(ended, e.ID)
	}
	return ended, nil
}

// SubjectListEntry is one of a subject's list entries (名单条目) on a subject page, with its
// list type (name, legal basis, removal conditions) and the batch it was published in.
type SubjectListEntry struct {
	Type  *credit.ListType
	Entry *credit.ListEntry
	Batch string // "第六批"; "" when not published in a batch
}

// listsView says which of a subject's entries a page shows.
type listsView int

const (
	listsPublic listsView = iota // portal: published entries in force of public lists, persons only where the list publishes them
	listsOwn                     // the subject itself: its entries in force, every list
	listsGov                     // government: every entry, ended ones too
)

// subjectLists returns the subject's list entries that view v shows, newest first.
func (a *App) subjectLists(ctx context.Context, rd store.Reader, s *credit.Subject, v listsView) ([]SubjectListEntry, error) {
	c, err := a.Joint(ctx)
	if err != nil {
		return nil, err
	}
	var statuses []credit.EntryStatus
	if v != listsGov {
		statuses = []credit.EntryStatus{credit.EntryPublished}
	}
	es, err := rd.SubjectEntries(ctx, s.Key, statuses...)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	var out []SubjectListEntry
	for _, e := range es {
		lt, ok := c.ListType(e.List)
		if !ok {
			continue
		}
		if v != listsGov && !e.InForce(now) {
			continue
		}
		if v == listsPublic && (!lt.Public || (s.IsPerson() || e.Person) && !lt.PublicPersons) {
			continue
		}
		out = append(out, SubjectListEntry{Type: lt, Entry: e, Batch: credit.BatchTitle(e.BatchNo)})
	}
	return out, nil
}
