package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// consoleRejectRows is how many rejected rows the batch page shows; the download has them all.
const consoleRejectRows = 500

// maxFormBody bounds the console's url-encoded forms (the upload form streams separately).
const maxFormBody = 64 << 10

// consoleOnly lets signed-in users through; others go to the login form (or get 401 for
// anything but GET). With no admin token configured the console is closed to everyone.
func (s *Server) consoleOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if s.cfg.AdminToken == "" {
			s.pageError(w, r, errNoAdmin)
			return
		}
		if !s.signedIn(r) {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/console/login", http.StatusSeeOther)
				return
			}
			s.pageError(w, r, credit.Errorf(credit.EUNAUTH, "请先登录控制台 / sign in to the console first"))
			return
		}
		next(w, r)
	}
}

func (s *Server) consoleBase(w http.ResponseWriter, r *http.Request, titleKey string) base {
	b := s.newBase(w, r, titleKey)
	b.Console, b.SignedIn, b.CSRF = true, s.signedIn(r), s.csrfToken(w, r)
	return b
}

func (s *Server) consoleRedirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
}

type loginPage struct {
	base
	Error string
}

func (s *Server) consoleLoginForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.cfg.AdminToken == "" {
		s.pageError(w, r, errNoAdmin)
		return
	}
	if s.signedIn(r) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", loginPage{base: s.consoleBase(w, r, "console.login")})
}

// postForm parses a small url-encoded console form and checks its CSRF token.
func (s *Server) postForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		return credit.Errorf(credit.EINVALID, "表单无法读取 / the form cannot be read")
	}
	return s.checkCSRF(r, r.PostForm.Get(csrfField))
}

func (s *Server) consoleLogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.cfg.AdminToken == "" {
		s.pageError(w, r, errNoAdmin)
		return
	}
	if err := s.postForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !s.tokenMatches(r.PostForm.Get("token")) {
		s.log.Warn("console login refused")
		p := loginPage{base: s.consoleBase(w, r, "console.login")}
		p.Error = p.L.T("console.tokenbad")
		s.render(w, r, http.StatusForbidden, "login", p)
		return
	}
	s.setSession(w, s.newSession(time.Now()), int(sessionTTL/time.Second))
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

func (s *Server) consoleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.postForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.setSession(w, "", -1)
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

type batchesPage struct {
	base
	Batches     []*store.Batch
	Departments []credit.Department
	Items       []credit.CatalogItem
	Dept, Item  string
}

// DeptName names a department in the page's language (its code when unknown).
func (p batchesPage) DeptName(code string) string {
	for _, d := range p.Departments {
		if d.Code == code {
			return p.L.Pick(d.NameZH, d.NameEN)
		}
	}
	return code
}

// ItemName names a catalog item in the page's language (its code when unknown).
func (p batchesPage) ItemName(code string) string {
	for i := range p.Items {
		if p.Items[i].Code == code {
			return p.L.Pick(p.Items[i].NameZH, p.Items[i].NameEN)
		}
	}
	return code
}

func (s *Server) consoleBatches(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := batchesPage{base: s.consoleBase(w, r, "console.batches"), Dept: q.Get("dept"), Item: q.Get("item")}
	bs, err := s.app.Store.Batches(r.Context(), store.BatchFilter{Dept: p.Dept, Item: p.Item, Limit: 200})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cat := s.app.Catalog()
	p.Batches, p.Departments, p.Items = bs, cat.Departments, cat.Items
	s.render(w, r, http.StatusOK, "batches", p)
}

type uploadPage struct {
	base
	Departments []credit.Department
	Items       []credit.CatalogItem
	Dept, Item  string
	Error       string
	MaxUpload   string
}

func (s *Server) uploadPage(w http.ResponseWriter, r *http.Request, dept, item string) uploadPage {
	cat := s.app.Catalog()
	return uploadPage{base: s.consoleBase(w, r, "console.upload"), Departments: cat.Departments, Items: cat.Items,
		Dept: dept, Item: item, MaxUpload: byteSize(s.cfg.MaxUpload)}
}

func (s *Server) consoleUploadForm(w http.ResponseWriter, r *http.Request) {
	p := s.uploadPage(w, r, r.URL.Query().Get("dept"), r.URL.Query().Get("item"))
	s.render(w, r, http.StatusOK, "upload", p)
}

// consoleUpload receives the upload form, imports the file and shows its batch.
func (s *Server) consoleUpload(w http.ResponseWriter, r *http.Request) {
	formError := func(u *upload, err error) {
		if credit.ErrorCode(err) == credit.EFORBIDDEN {
			s.pageError(w, r, err)
			return
		}
		status, body := describeError(err)
		if status >= 500 {
			s.pageError(w, r, err)
			return
		}
		var p uploadPage
		if u != nil {
			p = s.uploadPage(w, r, u.Dept, u.Item)
		} else {
			p = s.uploadPage(w, r, "", "")
		}
		p.Error = body.Message
		s.render(w, r, status, "upload", p)
	}
	// The CSRF cookie must be there before the body is read; the token itself arrives in the
	// form, ahead of the file.
	if _, err := r.Cookie(csrfCookie); err != nil {
		s.pageError(w, r, errBadCSRF)
		return
	}
	u, err := s.receiveUpload(w, r)
	if err != nil {
		formError(nil, err)
		return
	}
	if err := s.checkCSRF(r, u.Fields[csrfField]); err != nil {
		u.remove()
		s.pageError(w, r, err)
		return
	}
	run, err := s.startImport(u)
	if err != nil {
		formError(u, err)
		return
	}
	o, err := s.wait(r.Context(), run, s.importWait)
	if err != nil {
		return
	}
	if o.finished && o.err != nil && o.batch == nil {
		formError(u, o.err)
		return
	}
	if o.batch == nil {
		s.pageError(w, r, o.err)
		return
	}
	target := "/console/batches/" + strconv.FormatInt(o.batch.ID, 10)
	if o.finished && o.res != nil && o.res.Repeat {
		target += "?repeat=1"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// rejectLine is one error of one rejected row on the batch page.
type rejectLine struct {
	Row      int
	SourceID string
	Field    string
	Rule     string
	Message  string
	Resolved int64
}

type batchPage struct {
	base
	Batch      *store.Batch
	ItemName   string
	DeptName   string
	Repeat     bool
	Rejects    []rejectLine
	Shown      int
	More       bool
	Limit      int
	Formats    []string
	BatchIDStr string
}

func (s *Server) consoleBatch(w http.ResponseWriter, r *http.Request) {
	b, err := s.batchByPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := batchPage{base: s.consoleBase(w, r, "console.detail"), Batch: b, Repeat: r.URL.Query().Get("repeat") == "1",
		Limit: consoleRejectRows, Formats: []string{"csv", "xlsx", "jsonl"}, BatchIDStr: strconv.FormatInt(b.ID, 10)}
	p.Refresh = b.Status == store.BatchRunning
	cat := s.app.Catalog()
	item, _ := cat.Item(b.Item)
	p.ItemName, p.DeptName = b.Item, b.Dept
	if item != nil {
		p.ItemName = p.L.Pick(item.NameZH, item.NameEN)
	}
	if d, ok := cat.Department(b.Dept); ok {
		p.DeptName = p.L.Pick(d.NameZH, d.NameEN)
	}
	rs, more, err := s.pageRejects(r, b.ID, 0, consoleRejectRows)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Shown, p.More = len(rs), more
	for _, rj := range rs {
		for _, fe := range rj.Errors {
			p.Rejects = append(p.Rejects, rejectLine{Row: rj.Row, SourceID: rj.SourceID, Field: fieldLabel(p.L, item, fe.Field),
				Rule: fe.Rule, Message: fe.Message, Resolved: rj.Resolved})
		}
		if len(rj.Errors) == 0 {
			p.Rejects = append(p.Rejects, rejectLine{Row: rj.Row, SourceID: rj.SourceID, Resolved: rj.Resolved})
		}
	}
	s.render(w, r, http.StatusOK, "batch", p)
}

// fieldLabel names a field for people: "处罚决定日期 (decision_date)".
func fieldLabel(l lang, item *credit.CatalogItem, name string) string {
	if name == "" {
		return ""
	}
	if item != nil {
		if f, ok := item.Field(name); ok {
			return l.Pick(f.Label, f.LabelEN) + " (" + name + ")"
		}
	}
	for _, f := range credit.StandardFields() {
		if f.Name == name {
			return l.Pick(f.Label, f.LabelEN) + " (" + name + ")"
		}
	}
	return name
}

func (s *Server) consoleRejects(w http.ResponseWriter, r *http.Request) {
	s.serveRejects(w, r, s.pageError)
}
