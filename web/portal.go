package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
)

// maxPage bounds search paging: deep offsets cost the database and help only scrapers.
const maxPage = 500

type homePage struct {
	base
	Stats *app.Stats
}

// home is the portal's front page: the search box, live figures and what is public.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	st, err := s.app.Stats(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := homePage{base: s.newBase(w, r, ""), Stats: st}
	s.render(w, r, http.StatusOK, "home", p)
}

type searchPage struct {
	base
	Result  *app.SearchResult
	Code    *credit.CodeResult // masked when a resident ID
	Person  bool               // the query was a resident ID
	Error   string
	Start   int // number of the first hit on this page
	PrevURL string
	NextURL string
}

// search lists the organisations a name fragment or code finds. Natural persons never appear:
// App.Search does not return them, and a resident ID only gets the notice that persons are
// not public, with no hint whether the platform knows the person.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	p := searchPage{base: s.newBase(w, r, "search.title")}
	p.Query = q
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(1, min(page, maxPage))
	res, err := s.app.Search(r.Context(), q, page)
	if err != nil {
		status, body := describeError(err)
		if status != http.StatusBadRequest {
			s.pageError(w, r, err)
			return
		}
		p.Error = body.Message
		s.render(w, r, status, "search", p)
		return
	}
	p.Result, p.Start = res, (res.Page-1)*app.PageSize+1
	if res.Code != nil {
		c := publicCodeResult(*res.Code)
		p.Code, p.Person = &c, c.Type == credit.CodeResidentID
		if p.Person {
			// Shown masked in the result; not in full in the search box or the language link.
			p.Query, p.SwitchURL = "", p.L.switchURL(&url.URL{Path: "/search"})
		}
	}
	link := func(n int) string {
		v := url.Values{"q": {res.Query}}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return "/search?" + v.Encode()
	}
	if res.Page > 1 {
		p.PrevURL = link(res.Page - 1)
	}
	if res.More && res.Page < maxPage {
		p.NextURL = link(res.Page + 1)
	}
	s.render(w, r, http.StatusOK, "search", p)
}

// recordView is one public record on a subject page.
type recordView struct {
	app.RecordView
	Decision time.Time
	Until    time.Time // exclusive end of publication; zero: no end
	DeptZH   string
	DeptEN   string
}

type groupView struct {
	Item    *credit.CatalogItem
	Records []recordView
	// DecisionZH and DecisionEN label the date the publication window counts from (处罚决定日期,
	// 成立日期 …), falling back to a generic "decision date".
	DecisionZH, DecisionEN string
}

type subjectPage struct {
	base
	View   *app.SubjectView
	Groups []groupView
	Grades []app.PublicGrade // public evaluation grades (web/scores.go)
}

// subject shows an organisation and its records that are public now. A natural person's code,
// an invalid code and an unknown one all get the same 404.
func (s *Server) subject(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	v, err := s.app.PublicSubject(r.Context(), code)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if v.Subject.Code != "" && v.Subject.Code != code {
		// One address per subject: lower case, spaces and legacy codes lead to the canonical one.
		http.Redirect(w, r, "/subjects/"+url.PathEscape(v.Subject.Code), http.StatusMovedPermanently)
		return
	}
	p := subjectPage{base: s.newBase(w, r, ""), View: v, Groups: s.groups(v)}
	p.Title = v.Subject.Name
	p.Grades = s.publicGrades(r.Context(), v.Subject)
	s.render(w, r, http.StatusOK, "subject", p)
}

// groups adds the department names and publication windows the templates show.
func (s *Server) groups(v *app.SubjectView) []groupView {
	cat := s.app.Catalog()
	out := make([]groupView, len(v.Groups))
	for i, g := range v.Groups {
		gv := groupView{Item: g.Item, Records: make([]recordView, len(g.Records)), DecisionZH: messages["subject.decision"][0],
			DecisionEN: messages["subject.decision"][1]}
		if f, ok := g.Item.Field(g.Item.DecisionField); ok {
			gv.DecisionZH, gv.DecisionEN = f.Label, f.LabelEN
		}
		for j, rv := range g.Records {
			rec := recordView{RecordView: rv, Decision: rv.Record.Decision, Until: rv.Record.PubUntil, DeptZH: rv.Record.Dept}
			if d, ok := cat.Department(rv.Record.Dept); ok {
				rec.DeptZH, rec.DeptEN = d.NameZH, d.NameEN
			}
			gv.Records[j] = rec
		}
		out[i] = gv
	}
	return out
}

// publicCodeResult hides a resident ID: the API and the pages never echo one in full.
func publicCodeResult(c credit.CodeResult) credit.CodeResult {
	if c.Type == credit.CodeResidentID {
		c.Input = credit.MaskID(credit.NormalizeCode(c.Input))
		if c.Canonical != "" {
			c.Canonical = credit.MaskID(c.Canonical)
		}
	}
	return c
}
