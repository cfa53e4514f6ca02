package ingest

import (
	"context"
	"hash/maphash"
	"slices"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// writer applies chunks to the store, one transaction each.
type writer struct {
	im          *Importer
	item        *credit.CatalogItem
	batch       *store.Batch
	catVersion  int
	openRejects int64
	// ids caches subject keys already resolved (shared across imports when the Importer has one).
	ids *IDCache
	// written, while not nil, holds the source ids this import has committed, into an item that
	// had no records when it began: only those rows can have a stored head, so only they are
	// looked up (Heads), and a fresh load skips one index probe per row.
	written *sourceSet
}

// sourceSet is a set of source ids, kept as 64-bit hashes (8 bytes an entry instead of the
// string). A collision only makes a row look written: it is then looked up, which is correct.
type sourceSet struct {
	seed maphash.Seed
	m    map[uint64]struct{}
}

// maxWritten bounds a sourceSet (40–80 MB at most); an import that writes more rows looks every row
// up from then on.
const maxWritten = 4 << 20

func newSourceSet() *sourceSet { return &sourceSet{seed: maphash.MakeSeed(), m: map[uint64]struct{}{}} }

func (s *sourceSet) has(id string) bool {
	_, ok := s.m[maphash.String(s.seed, id)]
	return ok
}

func (s *sourceSet) add(id string) { s.m[maphash.String(s.seed, id)] = struct{}{} }

// rowState is what a chunk transaction changes on a row; it is put back before each attempt.
type rowState struct {
	reject *store.Reject
	status credit.RecordStatus
}

// apply writes one chunk in one transaction. The store may run the transaction function more
// than once (PostgreSQL retries serialisation failures and deadlocks), so every attempt starts
// from the chunk as the validator left it and changes the writer's own state only after the
// commit.
func (w *writer) apply(ctx context.Context, c *chunk) error {
	var committed map[string]int64
	var resolved int64
	var after store.Batch // the batch's counts once this chunk is in
	// skip: look up heads only for rows this import wrote. Should another import write a row
	// of the same item meanwhile, this chunk's insert conflicts with it; the store's rerun of the
	// transaction (attempt > 1), or the rerun below, then looks every row up, as do all later
	// chunks.
	skip := w.written != nil
	attempt := 0
	saved := make([]rowState, len(c.rows))
	for i, r := range c.rows {
		saved[i].reject = r.reject
		if r.rec != nil {
			saved[i].status = r.rec.Status
		}
	}
	restore := func() {
		for i, r := range c.rows {
			r.reject, r.subjectID, r.created = saved[i].reject, 0, false
			if r.rec != nil {
				r.rec.Status, r.rec.ID = saved[i].status, 0
			}
		}
	}
	var written []string
	err := w.im.Store.Update(ctx, func(tx store.Tx) error {
		attempt++
		restore()
		resolved = 0
		// Work on copies of the batch counters so a failed transaction leaves them untouched.
		b := *w.batch
		newIDs := map[string]int64{}
		if err := w.resolveSubjects(tx, c, newIDs); err != nil {
			return err
		}
		counters := map[string]int64{}
		var rejects []*store.Reject
		var accepted []*row
		for _, r := range c.rows {
			if r.reject != nil {
				r.reject.BatchID = b.ID
				rejects = append(rejects, r.reject)
				continue
			}
			accepted = append(accepted, r)
		}
		var only *sourceSet
		if skip && attempt == 1 {
			only = w.written
		}
		recs, superseded, sources, err := w.versions(tx, accepted, &b, counters, only)
		if err != nil {
			return err
		}
		if err := tx.InsertRecords(recs); err != nil {
			return err
		}
		if err := tx.Supersede(superseded); err != nil {
			return err
		}
		if err := tx.InsertRejects(rejects); err != nil {
			return err
		}
		if w.openRejects > 0 && len(sources) > 0 {
			n, err := tx.ResolveRejects(b.Dept, b.Item, sources, b.ID)
			if err != nil {
				return err
			}
			resolved = n
		}
		for _, s := range newSubjectCounters(c, newIDs) {
			counters[s]++
		}
		if err := tx.AddCounters(counters); err != nil {
			return err
		}
		b.Rows += int64(len(c.rows))
		b.Rejected += int64(len(rejects))
		b.Checkpoint = c.lastNum
		if err := tx.SaveBatchProgress(&b); err != nil {
			return err
		}
		after = b
		committed = newIDs
		written = sources
		return nil
	})
	if skip && (attempt > 1 || credit.ErrorCode(err) == credit.ECONFLICT) {
		// Another writer is loading this item too: look every row up from now on. A conflict the
		// store did not rerun itself (SQLite) is rerun here, once.
		w.written = nil
		if err != nil {
			restore()
			return w.apply(ctx, c)
		}
	}
	if err == nil {
		if w.written != nil {
			for _, id := range written {
				w.written.add(id)
			}
			if len(w.written.m) > maxWritten {
				w.written = nil
			}
		}
		// Only ids that are committed may be remembered: a rolled-back id can be reused.
		w.ids.add(committed)
		w.openRejects -= resolved
		*w.batch = after
	}
	return err
}

func newSubjectCounters(c *chunk, newIDs map[string]int64) []string {
	var out []string
	seen := map[string]bool{}
	add := func(key string, kind credit.SubjectKind) {
		if _, ok := newIDs[key]; ok && !seen[key] {
			seen[key] = true
			switch kind.Class() {
			case credit.ClassPerson:
				out = append(out, store.CounterSubjectsPerson)
			case credit.ClassOther:
				out = append(out, store.CounterSubjectsOther)
			default:
				out = append(out, store.CounterSubjectsLegal)
			}
		}
	}
	for _, r := range c.rows {
		if r.reject != nil {
			continue
		}
		if r.rep != nil {
			add(r.rep.key, credit.KindPerson)
		}
		add(r.key, r.kind)
	}
	return out
}

// resolveSubjects finds or creates the subject of every accepted row (and the legal
// representatives of registry rows), and applies registration attributes.
func (w *writer) resolveSubjects(tx store.Tx, c *chunk, newIDs map[string]int64) error {
	var keys, aliases []string
	// found holds every key of the chunk that has an id: from the shared cache (looked up once
	// here; it is large, and each look-up a cache miss) or from the store.
	found := make(map[string]int64, len(c.rows))
	want := map[string]bool{}
	for _, r := range c.rows {
		if r.reject != nil {
			continue
		}
		if r.alias != "" {
			aliases = append(aliases, r.alias)
		}
		for _, k := range [2]string{r.key, r.repKey()} {
			if k == "" || want[k] {
				continue
			}
			if _, ok := found[k]; ok {
				continue
			}
			if v, ok := w.ids.get(k); ok {
				found[k] = v
			} else {
				want[k] = true
				keys = append(keys, k)
			}
		}
	}
	if err := tx.SubjectIDs(keys, found); err != nil {
		return err
	}
	aliasIDs := map[string]int64{}
	if err := tx.AliasIDs(aliases, aliasIDs); err != nil {
		return err
	}
	id := func(k string) int64 {
		if v, ok := newIDs[k]; ok {
			return v
		}
		return found[k]
	}
	now := w.im.now()
	// Legal representatives first, so new organisations can link to them.
	var persons []*credit.Subject
	for _, r := range c.rows {
		if r.reject != nil {
			continue
		}
		if p := r.rep; p != nil && id(p.key) == 0 {
			s, err := w.newPerson(p.key, p.id, p.name, now)
			if err != nil {
				return err
			}
			persons = append(persons, s)
			newIDs[p.key] = -1
		}
		if r.kind == credit.KindPerson && id(r.key) == 0 {
			s, err := w.newPerson(r.key, r.id, r.valid.SubjectName, now)
			if err != nil {
				return err
			}
			persons = append(persons, s)
			newIDs[r.key] = -1
		}
	}
	if err := tx.InsertSubjects(persons); err != nil {
		return err
	}
	for _, s := range persons {
		newIDs[s.Key] = s.ID
	}
	var orgs []*credit.Subject
	var orgRows []*row
	for _, r := range c.rows {
		if r.reject != nil {
			continue
		}
		if r.alias != "" {
			sid, ok := aliasIDs[r.alias]
			if !ok {
				r.reject = newReject(w.im.Sealer, r.num, w.batch.Dept, w.batch.Item, r.valid.SourceID, r.values,
					[]credit.FieldError{{Field: credit.ColSubjectCode, Rule: credit.RuleCode,
						Message: "未找到该注册号或组织机构代码对应的主体，请使用统一社会信用代码 / unknown legacy code: use the unified social credit code"}})
				continue
			}
			r.subjectID = sid
			continue
		}
		if r.kind == credit.KindPerson || id(r.key) != 0 {
			continue
		}
		s := &credit.Subject{Key: r.key, Code: r.code, Kind: r.kind, Name: r.valid.SubjectName,
			NameNorm: credit.NormalizeName(r.valid.SubjectName), Region: r.code[2:8], Status: credit.StatusActive,
			CreatedAt: now, UpdatedAt: now}
		if w.item.Registry {
			w.applyRegistry(s, r, id)
		}
		orgs = append(orgs, s)
		orgRows = append(orgRows, r)
		newIDs[r.key] = -1
	}
	if err := tx.InsertSubjects(orgs); err != nil {
		return err
	}
	var legacy []store.Alias
	for i, s := range orgs {
		newIDs[s.Key] = s.ID
		for _, l := range orgRows[i].legacy {
			legacy = append(legacy, store.Alias{Alias: l, SubjectID: s.ID})
		}
		orgRows[i].created = true
	}
	if err := tx.PutAliases(legacy); err != nil {
		return err
	}
	for _, r := range c.rows {
		if r.reject != nil || r.alias != "" {
			continue
		}
		r.subjectID = id(r.key)
		if w.item.Registry && !r.created && r.kind != credit.KindPerson {
			if err := w.updateRegistry(tx, r, id, now); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *row) repKey() string {
	if r.rep == nil {
		return ""
	}
	return r.rep.key
}

func (w *writer) newPerson(key, id, name string, now time.Time) (*credit.Subject, error) {
	sealer := w.im.Sealer
	idc, err := sealer.Seal([]byte(id))
	if err != nil {
		return nil, err
	}
	nc, err := sealer.Seal([]byte(name))
	if err != nil {
		return nil, err
	}
	return &credit.Subject{Key: key, Kind: credit.KindPerson, Name: credit.MaskName(name), Region: id[:6],
		Status: credit.StatusActive, IDCipher: idc, NameCipher: nc, IDMasked: credit.MaskID(id), CreatedAt: now, UpdatedAt: now}, nil
}

// applyRegistry copies a registry row's attributes onto s.
func (w *writer) applyRegistry(s *credit.Subject, r *row, id func(string) int64) {
	vr := &r.valid
	if st := field(vr, credit.RegStatus); st != "" {
		s.Status = credit.StatusFromRegistry(st)
	}
	if r.rep != nil {
		s.LegalRepID = id(r.rep.key)
		s.LegalRep = r.rep.name
	} else if n := field(vr, credit.RegLegalRepName); n != "" {
		s.LegalRep = n
	}
	for _, f := range r.former {
		if f != s.Name && !slices.Contains(s.FormerNames, f) {
			s.FormerNames = append(s.FormerNames, f)
		}
	}
	for _, l := range r.legacy {
		if !slices.Contains(s.LegacyCodes, l) {
			s.LegacyCodes = append(s.LegacyCodes, l)
		}
	}
}

// updateRegistry applies a registry row to an existing subject; a new name keeps the old one as
// a former name.
func (w *writer) updateRegistry(tx store.Tx, r *row, id func(string) int64, now time.Time) error {
	s, err := tx.SubjectByID(context.Background(), r.subjectID)
	if err != nil {
		return err
	}
	before := *s
	before.FormerNames = slices.Clone(s.FormerNames)
	before.LegacyCodes = slices.Clone(s.LegacyCodes)
	if name := r.valid.SubjectName; name != "" && name != s.Name {
		if !slices.Contains(s.FormerNames, s.Name) {
			s.FormerNames = append(s.FormerNames, s.Name)
		}
		s.Name, s.NameNorm = name, credit.NormalizeName(name)
	}
	w.applyRegistry(s, r, id)
	if s.Name == before.Name && s.Status == before.Status && s.LegalRepID == before.LegalRepID && s.LegalRep == before.LegalRep &&
		slices.Equal(s.FormerNames, before.FormerNames) && slices.Equal(s.LegacyCodes, before.LegacyCodes) {
		return nil
	}
	s.UpdatedAt = now
	if err := tx.UpdateSubject(s); err != nil {
		return err
	}
	aliases := make([]store.Alias, len(r.legacy))
	for i, l := range r.legacy {
		aliases[i] = store.Alias{Alias: l, SubjectID: s.ID}
	}
	return tx.PutAliases(aliases)
}

// versions decides, per accepted row, whether it is a new record, a new version of a stored one,
// or unchanged, and builds the record versions to insert. When only is not nil, rows whose
// source id it does not hold have no stored version and are not looked up.
func (w *writer) versions(tx store.Tx, rows []*row, b *store.Batch, counters map[string]int64, only *sourceSet) ([]*credit.Record, []int64, []string, error) {
	keys := make([]store.RecordKey, 0, len(rows))
	for _, r := range rows {
		if r.reject == nil && (only == nil || only.has(r.valid.SourceID)) {
			keys = append(keys, store.RecordKey{Dept: b.Dept, Item: b.Item, SourceID: r.valid.SourceID})
		}
	}
	heads, err := tx.Heads(keys)
	if err != nil {
		return nil, nil, nil, err
	}
	var recs []*credit.Record
	var superseded []int64
	var sources []string
	pending := map[store.RecordKey]*credit.Record{} // versions created in this chunk
	for _, r := range rows {
		k := store.RecordKey{Dept: b.Dept, Item: b.Item, SourceID: r.valid.SourceID}
		version := 1
		if p, ok := pending[k]; ok {
			if p.Hash == r.hash {
				b.Unchanged++
				continue
			}
			p.Status = credit.RecordSuperseded
			version = p.Version + 1
			b.Versions++
		} else if h, ok := heads[k]; ok {
			if h.Hash == r.hash {
				b.Unchanged++
				continue
			}
			superseded = append(superseded, h.ID)
			version = h.Version + 1
			b.Versions++
		} else {
			b.Accepted++
			counters[store.CounterRecords]++
			counters[store.CounterRecordsPrefix+b.Item]++
		}
		rec := r.rec
		rec.SubjectID, rec.Version, rec.BatchID = r.subjectID, version, b.ID
		pending[k] = rec
		recs = append(recs, rec)
		sources = append(sources, r.valid.SourceID)
	}
	return recs, superseded, sources, nil
}
