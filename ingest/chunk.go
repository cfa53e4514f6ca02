package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest/format"
	"github.com/xinyong/xinyong/store"
)

// chunk is a run of rows that commits together.
type chunk struct {
	rows    []*row
	lastNum int   // the batch checkpoint once this chunk is committed
	pos     int64 // bytes of the file read
}

// row is one validated (or rejected) input row with its subject resolved as far as pure work
// can go; the writer finishes the resolution against the store.
type row struct {
	num    int
	reject *store.Reject
	valid  credit.ValidRow
	hash   string
	rec    *credit.Record // the record version this row becomes, less subject, version and batch

	key   string // subject key (canonical USCC or person key); empty when only alias is known
	alias string // a legacy code to resolve through the store
	kind  credit.SubjectKind
	code  string // canonical USCC
	id    string // canonical resident ID (person subjects)

	values    []string // kept for rows that may still be rejected by the writer (alias not found)
	subjectID int64    // set by the writer
	created   bool     // the writer created the subject from this row

	// Registry rows only.
	rep    *person
	legacy []string
	former []string
}

type person struct {
	key, id, name string
}

type validator struct {
	im         *Importer
	item       *credit.CatalogItem
	bind       *credit.Binding
	exceptions map[string]bool
	today      time.Time
	dept       string
	registry   bool
}

func (v *validator) isException(code string) bool { return v.exceptions[code] }

// produce reads rows after checkpoint and sends them in chunks.
func (v *validator) produce(ctx context.Context, rd format.Reader, checkpoint, size int, out chan<- *chunk) error {
	c := &chunk{rows: make([]*row, 0, size)}
	flush := func() bool {
		c.pos = rd.Pos()
		select {
		case out <- c:
		case <-ctx.Done():
			return false
		}
		c = &chunk{rows: make([]*row, 0, size)}
		return true
	}
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if r.Num <= checkpoint {
			continue
		}
		c.rows = append(c.rows, v.check(r))
		c.lastNum = r.Num
		if len(c.rows) >= size && !flush() {
			return ctx.Err()
		}
	}
	if len(c.rows) > 0 && !flush() {
		return ctx.Err()
	}
	return nil
}

func (v *validator) rejectRow(num int, values []string, sourceID string, errs ...credit.FieldError) *row {
	return &row{num: num, reject: newReject(v.im.Sealer, num, v.dept, v.item.Code, sourceID, values, errs)}
}

// newReject keeps a rejected row with its values sealed: a row that failed validation may still
// hold a resident ID or a person's name, and nothing personal is stored in clear.
func newReject(s *credit.Sealer, num int, dept, item, sourceID string, values []string, errs []credit.FieldError) *store.Reject {
	r := &store.Reject{Row: num, Dept: dept, Item: item, SourceID: sourceID, Errors: errs}
	b, err := json.Marshal(values)
	if err == nil {
		r.Sealed, err = s.Seal(b)
	}
	if err != nil || r.Sealed == nil {
		// Sealing cannot fail with a working key; if it ever does, keep the row rather than
		// lose it (nothing submitted is lost), in clear.
		r.Values, r.Sealed = append([]string(nil), values...), nil
	}
	return r
}

func asFieldError(err error) credit.FieldError {
	var ce *credit.Error
	if errors.As(err, &ce) {
		return credit.FieldError{Field: ce.Field, Rule: ce.Rule, Message: ce.Message}
	}
	return credit.FieldError{Rule: credit.RuleFormat, Message: err.Error()}
}

// check validates one row and resolves what can be resolved without the store.
func (v *validator) check(r format.Row) *row {
	if r.Err != nil {
		vals := r.Raw
		if vals == nil {
			vals = r.Values
		}
		return v.rejectRow(r.Num, vals, "", asFieldError(r.Err))
	}
	valid, dig, errs := v.bind.ValidateDigest(r.Values, v.today)
	if len(errs) > 0 {
		return v.rejectRow(r.Num, r.Values, valid.SourceID, errs...)
	}
	out := &row{num: r.Num, valid: valid}
	res := credit.IdentifyCode(valid.SubjectCode, v.today, v.isException)
	if !res.Valid {
		return v.rejectRow(r.Num, r.Values, valid.SourceID, credit.FieldError{Field: credit.ColSubjectCode, Rule: credit.RuleCode, Message: res.Reason})
	}
	switch res.Type {
	case credit.CodeUSCC:
		out.key, out.code, out.kind = res.Canonical, res.Canonical, res.Kind
	case credit.CodeResidentID:
		out.key, out.id, out.kind = v.im.Sealer.PersonKey(res.Canonical), res.Canonical, credit.KindPerson
	default:
		out.alias = res.Canonical
		out.values = append([]string(nil), r.Values...)
	}
	if out.kind != "" && len(v.item.SubjectKinds) > 0 && !v.item.Covers(out.kind.Class()) {
		return v.rejectRow(r.Num, r.Values, valid.SourceID, credit.FieldError{Field: credit.ColSubjectCode, Rule: credit.RuleKind,
			Message: "该信息项不适用于" + credit.KindNameZH(out.kind) + " / this item does not cover subjects of kind " + string(out.kind)})
	}
	if v.registry {
		if fe, ok := v.registryFields(out); !ok {
			return v.rejectRow(r.Num, r.Values, valid.SourceID, fe)
		}
	}
	out.hash = dig.Hash
	// Encode, seal and date the record here, on the reading goroutine, so the single writer
	// only writes.
	sealed, err := sealJSON(v.im.Sealer, valid.Personal)
	if err != nil {
		return v.rejectRow(r.Num, r.Values, valid.SourceID, credit.FieldError{Rule: credit.RuleFormat, Message: "加密失败 / sealing failed"})
	}
	from, until, published := v.item.Window(valid.Decision, valid.Fields)
	out.rec = &credit.Record{Item: v.item.Code, ItemVersion: v.im.Catalog.Version, Dept: v.dept, SourceID: valid.SourceID,
		Fields: valid.Fields, FieldsJSON: dig.FieldsJSON, Personal: sealed, Hash: out.hash,
		Decision: valid.Decision, PubFrom: from, PubUntil: until, Published: published, Status: credit.RecordActive, CreatedAt: v.today}
	return out
}

func field(vr *credit.ValidRow, name string) string {
	if s, ok := vr.Fields[name]; ok {
		return s
	}
	return vr.Personal[name]
}

// registryFields reads the registration attributes of a Registry row.
func (v *validator) registryFields(out *row) (credit.FieldError, bool) {
	vr := &out.valid
	if id := field(vr, credit.RegLegalRepID); id != "" {
		canon, _, err := credit.ValidateResidentID(id, v.today)
		if err != nil {
			fe := asFieldError(err)
			fe.Field = credit.RegLegalRepID
			return fe, false
		}
		out.rep = &person{key: v.im.Sealer.PersonKey(canon), id: canon, name: field(vr, credit.RegLegalRepName)}
	}
	if s := field(vr, credit.RegNo); s != "" {
		canon, err := credit.ValidateRegNo(s)
		if err != nil {
			fe := asFieldError(err)
			fe.Field = credit.RegNo
			return fe, false
		}
		out.legacy = append(out.legacy, canon)
	}
	if s := field(vr, credit.RegOrgCode); s != "" {
		canon, err := credit.ValidateOrgCode(s)
		if err != nil {
			fe := asFieldError(err)
			fe.Field = credit.RegOrgCode
			return fe, false
		}
		out.legacy = append(out.legacy, canon)
	}
	if s := field(vr, credit.RegFormerNames); s != "" {
		for _, n := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' || r == '|' }) {
			if n = strings.TrimSpace(n); n != "" {
				out.former = append(out.former, n)
			}
		}
	}
	return credit.FieldError{}, true
}
