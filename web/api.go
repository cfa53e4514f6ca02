package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest/format"
	"github.com/xinyong/xinyong/store"
)

// subjectJSON is what the API shows of an organisation.
type subjectJSON struct {
	Code        string               `json:"code"`
	Name        string               `json:"name"`
	Kind        credit.SubjectKind   `json:"kind"`
	KindZH      string               `json:"kind_zh"`
	Region      string               `json:"region,omitempty"`
	RegionName  string               `json:"region_name,omitempty"`
	LegalRep    string               `json:"legal_representative,omitempty"`
	Status      credit.SubjectStatus `json:"status"`
	StatusZH    string               `json:"status_zh"`
	FormerNames []string             `json:"former_names,omitempty"`
	LegacyCodes []string             `json:"legacy_codes,omitempty"`
	URL         string               `json:"url"`
}

func toSubjectJSON(s *credit.Subject) subjectJSON {
	j := subjectJSON{Code: s.Code, Name: s.Name, Kind: s.Kind, KindZH: credit.KindNameZH(s.Kind), Region: s.Region,
		LegalRep: s.LegalRep, Status: s.Status, StatusZH: langZH.Status(s.Status), FormerNames: s.FormerNames,
		LegacyCodes: s.LegacyCodes, URL: "/api/v1/subjects/" + url.PathEscape(s.Code)}
	j.RegionName, _ = credit.RegionName(s.Region, 0)
	return j
}

type searchJSON struct {
	Query    string             `json:"query"`
	ByCode   bool               `json:"by_code"`
	Code     *credit.CodeResult `json:"code,omitempty"`
	Subjects []subjectJSON      `json:"subjects"`
	Page     int                `json:"page"`
	PageSize int                `json:"page_size"`
	More     bool               `json:"more"`
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, err := intParam(q, "page", 1, 1, maxPage)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.app.Search(r.Context(), q.Get("q"), page)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := searchJSON{Query: res.Query, ByCode: res.ByCode, Subjects: []subjectJSON{}, Page: res.Page,
		PageSize: app.PageSize, More: res.More}
	if res.Code != nil {
		c := publicCodeResult(*res.Code)
		out.Code = &c
		if c.Type == credit.CodeResidentID {
			out.Query = c.Input
		}
	}
	for _, sub := range res.Subjects {
		out.Subjects = append(out.Subjects, toSubjectJSON(sub))
	}
	writeJSON(w, http.StatusOK, out)
}

type fieldJSON struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	LabelEN string `json:"label_en,omitempty"`
	Value   string `json:"value"`
}

type recordJSON struct {
	ID           int64       `json:"id"`
	Dept         string      `json:"dept"`
	DeptName     string      `json:"dept_name"`
	SourceID     string      `json:"source_id"`
	Version      int         `json:"version"`
	DecisionDate string      `json:"decision_date,omitempty"`
	PublishFrom  string      `json:"publish_from,omitempty"`
	PublishLast  string      `json:"publish_through,omitempty"` // last day shown; absent: no end
	Fields       []fieldJSON `json:"fields"`
	// UnderObjection: an objection is under way (异议处理中).
	UnderObjection bool `json:"under_objection,omitempty"`
}

type groupJSON struct {
	Item     string          `json:"item"`
	NameZH   string          `json:"name_zh"`
	NameEN   string          `json:"name_en,omitempty"`
	Polarity credit.Polarity `json:"polarity"`
	Records  []recordJSON    `json:"records"`
}

type subjectViewJSON struct {
	Subject subjectJSON `json:"subject"`
	Records int         `json:"records"`
	Groups  []groupJSON `json:"groups"`
	// Lists are the subject's published entries of public lists (web/subjectlists.go).
	Lists []subjectListJSON `json:"lists"`
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func (s *Server) apiSubject(w http.ResponseWriter, r *http.Request) {
	v, err := s.app.PublicSubject(r.Context(), r.PathValue("code"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := subjectViewJSON{Subject: toSubjectJSON(v.Subject), Records: v.Records, Groups: []groupJSON{}, Lists: listsJSON(v.Lists, false)}
	for _, g := range s.groups(v) {
		gj := groupJSON{Item: g.Item.Code, NameZH: g.Item.NameZH, NameEN: g.Item.NameEN, Polarity: g.Item.Polarity}
		for _, rv := range g.Records {
			rec := rv.Record
			rj := recordJSON{ID: rec.ID, Dept: rec.Dept, DeptName: rv.DeptZH, SourceID: rec.SourceID, Version: rec.Version,
				DecisionDate: day(rec.Decision), PublishFrom: day(rec.PubFrom), Fields: []fieldJSON{}, UnderObjection: rv.Objection}
			if !rec.PubUntil.IsZero() {
				rj.PublishLast = day(rec.PubUntil.AddDate(0, 0, -1))
			}
			for _, f := range rv.Fields {
				rj.Fields = append(rj.Fields, fieldJSON{Name: f.Name, Label: f.Label, LabelEN: f.LabelEN, Value: f.Value})
			}
			gj.Records = append(gj.Records, rj)
		}
		out.Groups = append(out.Groups, gj)
	}
	writeJSON(w, http.StatusOK, out)
}

// apiCode checks a code. A resident ID is never echoed: input and canonical form are masked.
func (s *Server) apiCode(w http.ResponseWriter, r *http.Request) {
	c, err := s.app.CheckCode(r.Context(), r.PathValue("code"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, publicCodeResult(c))
}

type itemCountJSON struct {
	Item   string `json:"item"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en,omitempty"`
	Count  int64  `json:"count"`
}

type statsJSON struct {
	Legal   int64           `json:"legal"`
	Other   int64           `json:"other"`
	Persons int64           `json:"persons"`
	Records int64           `json:"records"`
	Items   []itemCountJSON `json:"items"`
	At      time.Time       `json:"at"`
}

func (s *Server) apiStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.app.Stats(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := statsJSON{Legal: st.Legal, Other: st.Other, Persons: st.Persons, Records: st.Records, At: st.At, Items: []itemCountJSON{}}
	for _, ic := range st.Items {
		out.Items = append(out.Items, itemCountJSON{Item: ic.Item.Code, NameZH: ic.Item.NameZH, NameEN: ic.Item.NameEN, Count: ic.Count})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCatalog(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.app.Catalog())
}

func (s *Server) apiCatalogVersions(w http.ResponseWriter, r *http.Request) {
	vs, err := s.app.Store.CatalogVersions(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if vs == nil {
		vs = []store.CatalogVersion{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": vs})
}

// apiPublishCatalog publishes a new catalog version. The body is a whole catalog as
// catalog.Parse reads it (its own size limit applies, far above the 1 MiB of other bodies).
func (s *Server) apiPublishCatalog(w http.ResponseWriter, r *http.Request) {
	c, err := catalog.Parse(r.Body)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err = s.app.PublishCatalogAs(r.Context(), actor(r), c, r.URL.Query().Get("note"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/catalog")
	writeJSON(w, http.StatusCreated, store.CatalogVersion{Version: c.Version, PublishedAt: c.PublishedAt, Note: c.Note, Items: len(c.Items)})
}

func (s *Server) apiDepartments(w http.ResponseWriter, r *http.Request) {
	d := s.app.Catalog().Departments
	if d == nil {
		d = []credit.Department{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"departments": d})
}

// batchJSON is a batch with how the upload that named it went.
type batchJSON struct {
	*store.Batch
	Repeat  bool `json:"repeat"`
	Resumed bool `json:"resumed,omitempty"`
}

// apiUpload receives a file, imports it and answers 201 (done), 200 (the same file had been
// imported: nothing changed) or 202 (still running after a few seconds; poll Location).
func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request) {
	u, err := s.receiveUpload(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	run, err := s.startImport(u)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	o, err := s.wait(r.Context(), run, s.importWait)
	if err != nil {
		return // the client went away; the import goes on
	}
	if o.finished && o.err != nil {
		s.apiError(w, r, o.err)
		return
	}
	w.Header().Set("Location", "/api/v1/batches/"+strconv.FormatInt(o.batch.ID, 10))
	switch {
	case !o.finished:
		writeJSON(w, http.StatusAccepted, batchJSON{Batch: o.batch})
	case o.res.Repeat:
		writeJSON(w, http.StatusOK, batchJSON{Batch: o.batch, Repeat: true})
	default:
		writeJSON(w, http.StatusCreated, batchJSON{Batch: o.batch, Resumed: o.res.Resumed})
	}
}

func (s *Server) apiBatches(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := intParam(q, "limit", 50, 1, 1000)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	dept, err := listDept(principal(r), q.Get("dept"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	bs, err := s.app.Store.Batches(r.Context(), store.BatchFilter{Dept: dept, Item: q.Get("item"), Limit: limit})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if bs == nil {
		bs = []*store.Batch{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"batches": bs})
}

// batchByPath returns the batch named by the {id} wildcard, if the caller may act for its
// department (its own, or any for the admin): every batch route loads its batch here.
func (s *Server) batchByPath(r *http.Request) (*store.Batch, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, credit.Errorf(credit.ENOTFOUND, "没有该批次 / no such batch")
	}
	b, err := s.app.Store.Batch(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := actsFor(principal(r), b.Dept); err != nil {
		return nil, err
	}
	return b, nil
}

func (s *Server) apiBatch(w http.ResponseWriter, r *http.Request) {
	b, err := s.batchByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) apiRejectsFile(w http.ResponseWriter, r *http.Request) {
	s.serveRejects(w, r, s.apiError)
}

// rejectFormats are the download formats of rejected rows, with their media types.
var rejectFormats = map[format.Format]string{
	format.CSV:   "text/csv",
	format.XLSX:  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	format.JSONL: "application/x-ndjson; charset=utf-8",
}

// serveRejects streams a batch's rejected rows as a file (App.WriteRejects), in ?format= or
// the batch's own format, as an attachment. fail answers errors found before streaming.
func (s *Server) serveRejects(w http.ResponseWriter, r *http.Request, fail func(http.ResponseWriter, *http.Request, error)) {
	b, err := s.batchByPath(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	f := format.Format(r.URL.Query().Get("format"))
	if f == "" {
		f = format.Format(b.Format)
	}
	ct, ok := rejectFormats[f]
	if !ok {
		fail(w, r, &credit.Error{Code: credit.EINVALID, Field: "format", Rule: credit.RuleEnum,
			Message: fmt.Sprintf("不支持的格式 %q，应为 csv、xlsx 或 jsonl / format must be csv, xlsx or jsonl", f)})
		return
	}
	if f == format.CSV {
		ct += "; charset=" + string(format.UTF8)
		if b.Encoding == string(format.GB18030) {
			ct = "text/csv; charset=gb18030"
		}
	}
	if err := s.logRead(r, "", fmt.Sprintf("batch:%d rejects file %s, %d rows", b.ID, f, b.Rejected)); err != nil {
		fail(w, r, err)
		return
	}
	cw := &countWriter{w: w}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="batch-%d-rejects.%s"`, b.ID, f))
	h.Set("Cache-Control", "no-store")
	if err := s.app.WriteRejects(r.Context(), b.ID, cw, f); err != nil {
		if cw.n == 0 {
			h.Del("Content-Disposition")
			fail(w, r, err)
			return
		}
		s.log.Error("write rejects", "batch", b.ID, "err", err) // the download is cut short
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type rejectJSON struct {
	*store.Reject
	Reason string `json:"reason"`
}

// errStop ends a walk over rejects early.
var errStop = errors.New("stop")

// pageRejects returns up to limit rejects of a batch after offset, and whether more follow.
func (s *Server) pageRejects(r *http.Request, batchID int64, offset, limit int) ([]*store.Reject, bool, error) {
	var out []*store.Reject
	more, i := false, 0
	err := s.app.Rejects(r.Context(), batchID, func(rj *store.Reject) error {
		i++
		if i <= offset {
			return nil
		}
		if len(out) == limit {
			more = true
			return errStop
		}
		cp := *rj
		out = append(out, &cp)
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, more, err
}

func (s *Server) apiRejectsJSON(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, err := intParam(q, "offset", 0, 0, 1<<40)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	limit, err := intParam(q, "limit", 100, 1, 1000)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	b, err := s.batchByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rs, more, err := s.pageRejects(r, b.ID, offset, limit)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.logRead(r, "", fmt.Sprintf("batch:%d rejects offset %d, %d rows", b.ID, offset, len(rs))); err != nil {
		s.apiError(w, r, err)
		return
	}
	list := make([]rejectJSON, len(rs))
	for i, rj := range rs {
		list[i] = rejectJSON{Reject: rj, Reason: app.RejectReason(rj)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"batch_id": b.ID, "total": b.Rejected, "offset": offset, "limit": limit,
		"more": more, "rejects": list})
}

func (s *Server) apiCodeExceptions(w http.ResponseWriter, r *http.Request) {
	list, err := s.app.Store.CodeExceptions(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if list == nil {
		list = []store.CodeException{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"code_exceptions": list})
}

func (s *Server) apiAddCodeException(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string `json:"code"`
		Note string `json:"note"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	e, err := s.app.AddCodeException(r.Context(), in.Code, in.Note, actor(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/code-exceptions/"+url.PathEscape(e.Code))
	writeJSON(w, http.StatusCreated, e)
}

func (s *Server) apiRemoveCodeException(w http.ResponseWriter, r *http.Request) {
	if err := s.app.RemoveCodeException(r.Context(), r.PathValue("code"), actor(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIJSON)
}

// intParam reads an optional integer query parameter within [lo, hi].
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, invalidParam(name, fmt.Sprintf("参数 %s 应为 %d 到 %d 之间的整数", name, lo, hi),
			fmt.Sprintf("parameter %s must be an integer from %d to %d", name, lo, hi))
	}
	return n, nil
}
