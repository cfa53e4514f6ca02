package app

import (
	"context"
	"strings"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// PageSize is how many search hits a page shows.
const PageSize = 20

// SearchResult is one page of a portal search.
type SearchResult struct {
	Query    string
	ByCode   bool // the query was a code; Subjects has at most one
	Code     *credit.CodeResult
	Subjects []*credit.Subject
	Page     int // 1-based
	More     bool
}

// Search finds organisations by code or by (partial) name for the public portal. Natural
// persons are never returned, whatever the query.
func (a *App) Search(ctx context.Context, q string, page int) (*SearchResult, error) {
	q = strings.TrimSpace(q)
	if page < 1 {
		page = 1
	}
	res := &SearchResult{Query: q, Page: page}
	if q == "" {
		return res, nil
	}
	if len([]rune(q)) > 100 {
		return nil, &credit.Error{Code: credit.EINVALID, Field: "q", Rule: credit.RuleMaxLength, Message: "查询词过长（最多 100 字）/ query too long"}
	}
	if looksLikeCode(q) {
		cr, err := a.CheckCode(ctx, q)
		if err != nil {
			return nil, err
		}
		res.ByCode, res.Code = true, &cr
		if cr.Valid && cr.Type != credit.CodeResidentID {
			s, err := a.subjectByCode(ctx, cr)
			if err == nil && !s.IsPerson() {
				res.Subjects = []*credit.Subject{s}
			} else if err != nil && credit.ErrorCode(err) != credit.ENOTFOUND {
				return nil, err
			}
		}
		return res, nil
	}
	sr, err := a.Store.SearchSubjects(ctx, store.SearchQuery{Name: credit.NormalizeName(q), Limit: PageSize, Offset: (page - 1) * PageSize})
	if err != nil {
		return nil, err
	}
	res.Subjects, res.More = sr.Subjects, sr.More
	return res, nil
}

// looksLikeCode reports whether a query is a code rather than a name: only ASCII letters and
// digits (after removing spaces and hyphens), at least 8 of them, with a digit.
func looksLikeCode(q string) bool {
	c := credit.NormalizeCode(q)
	if len(c) < 8 || len(c) > 18 {
		return false
	}
	digit := false
	for i := 0; i < len(c); i++ {
		switch ch := c[i]; {
		case ch >= '0' && ch <= '9':
			digit = true
		case ch >= 'A' && ch <= 'Z':
		default:
			return false
		}
	}
	return digit
}

func (a *App) subjectByCode(ctx context.Context, cr credit.CodeResult) (*credit.Subject, error) {
	switch cr.Type {
	case credit.CodeUSCC:
		return a.Store.SubjectByKey(ctx, cr.Canonical)
	case credit.CodeResidentID:
		return a.Store.SubjectByKey(ctx, a.Sealer.PersonKey(cr.Canonical))
	default:
		return a.Store.SubjectByAlias(ctx, cr.Canonical)
	}
}

// FieldValue is one labelled value of a record, for display.
type FieldValue struct {
	Name, Label, LabelEN, Value string
}

// RecordView is a record with its catalog item, ready to show.
type RecordView struct {
	Record *credit.Record
	Item   *credit.CatalogItem
	Fields []FieldValue // in the item's field order; personal fields are never included
	// Objection: an objection to the record is under way (异议处理中); the portal marks it.
	Objection bool
}

// ItemGroup is the records of one item on a subject page.
type ItemGroup struct {
	Item    *credit.CatalogItem
	Records []RecordView
}

// SubjectView is what the public portal shows of a subject.
type SubjectView struct {
	Subject    *credit.Subject
	KindZH     string
	RegionName string
	Groups     []ItemGroup // items in catalog order; only items with public records
	Records    int
	// Lists are the subject's published entries in force of public lists (红黑名单).
	Lists []SubjectListEntry
}

// PublicSubject returns an organisation and its records that are public now: items with public
// disclosure, active versions, inside their publication window. A natural person is not found.
func (a *App) PublicSubject(ctx context.Context, code string) (*SubjectView, error) {
	cr, err := a.CheckCode(ctx, code)
	if err != nil {
		return nil, err
	}
	notFound := credit.Errorf(credit.ENOTFOUND, "未找到该主体 / no such subject")
	if !cr.Valid || cr.Type == credit.CodeResidentID {
		return nil, notFound
	}
	s, err := a.subjectByCode(ctx, cr)
	if err != nil {
		return nil, err
	}
	if s.IsPerson() {
		return nil, notFound
	}
	recs, err := a.Store.SubjectRecords(ctx, s.ID, store.RecordFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	states, err := a.Store.RecordStates(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	cat := a.Catalog()
	v := &SubjectView{Subject: s, KindZH: credit.KindNameZH(s.Kind)}
	v.RegionName, _ = credit.RegionName(s.Region, 0)
	byItem := map[string][]RecordView{}
	for _, r := range recs {
		item, ok := cat.Item(r.Item)
		st := states[keyOf(r)]
		if !ok || !PublicRecord(item, r, st, now) {
			continue
		}
		rv := View(item, r)
		rv.Objection = st != nil && st.Objection != 0
		byItem[r.Item] = append(byItem[r.Item], rv)
		v.Records++
	}
	for i := range cat.Items {
		it := &cat.Items[i]
		if rs := byItem[it.Code]; len(rs) > 0 {
			v.Groups = append(v.Groups, ItemGroup{Item: it, Records: rs})
		}
	}
	if v.Lists, err = a.subjectLists(ctx, a.Store, s, listsPublic); err != nil {
		return nil, err
	}
	return v, nil
}

// PublicRecord reports whether a record may be shown to the public at now, given its state
// (nil when nothing happened to it): credit.InForce.
func PublicRecord(item *credit.CatalogItem, r *credit.Record, st *credit.RecordState, now time.Time) bool {
	return credit.InForce(item, r, st, now)
}

// View labels a record's non-personal fields in the item's order.
func View(item *credit.CatalogItem, r *credit.Record) RecordView {
	rv := RecordView{Record: r, Item: item}
	for _, f := range item.Fields {
		if f.Personal {
			continue
		}
		if val, ok := r.Fields[f.Name]; ok && val != "" {
			rv.Fields = append(rv.Fields, FieldValue{Name: f.Name, Label: f.Label, LabelEN: f.LabelEN, Value: val})
		}
	}
	return rv
}

// Stats are the portal home page's figures.
type Stats struct {
	Legal, Other, Persons, Records int64
	Items                          []ItemCount // items with records, in catalog order
	At                             time.Time
}

// ItemCount is how many current records an item has.
type ItemCount struct {
	Item  *credit.CatalogItem
	Count int64
}

// Stats reads the live counters.
func (a *App) Stats(ctx context.Context) (*Stats, error) {
	c, err := a.Store.Counters(ctx)
	if err != nil {
		return nil, err
	}
	s := &Stats{Legal: c[store.CounterSubjectsLegal], Other: c[store.CounterSubjectsOther], Persons: c[store.CounterSubjectsPerson],
		Records: c[store.CounterRecords], At: a.Now()}
	cat := a.Catalog()
	for i := range cat.Items {
		if n := c[store.CounterRecordsPrefix+cat.Items[i].Code]; n > 0 {
			s.Items = append(s.Items, ItemCount{Item: &cat.Items[i], Count: n})
		}
	}
	return s, nil
}
