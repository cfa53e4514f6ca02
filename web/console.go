package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// consoleRejectRows is how many rejected rows the batch page shows; the download has them all.
const consoleRejectRows = 500

// maxFormBody bounds the console's url-encoded forms (the upload form streams separately).
// guard reads them (for their CSRF token) before the handler.
const maxFormBody = 64 << 10

// consoleSection is one entry of the console's navigation: the page's path, the route
// pattern the matrix knows it by, and the message key of its name.
type consoleSection struct{ path, pattern, key string }

// consoleSections are the console's pages in navigation order. Which of them a user sees is
// the matrix's answer for its GET route, so the navigation cannot drift from the rules.
var consoleSections = []consoleSection{
	{"/console/", "/console/{$}", "console.batches"},
	{"/console/upload", "/console/upload", "console.upload"},
	{"/console/subjects", "/console/subjects", "console.gov"},
	{"/console/departments", "/console/departments", "console.departments"},
	{"/console/users", "/console/users", "console.users"},
	{"/console/tokens", "/console/tokens", "console.tokens"},
	{"/console/querylog", "/console/querylog", "console.querylog"},
	{"/console/audit", "/console/audit", "console.audit"},
	{"/console/subject-accounts", "/console/subject-accounts", "console.subjectaccounts"},

	// Lists, measures and window checks (名单、措施与信用核查).
	{"/console/checks", "/console/checks", "console.checks"},
	{"/console/check-batches", "/console/check-batches", "console.checkbatches"},
	{"/console/lists", "/console/lists", "console.lists"},
	{"/console/measures", "/console/measures", "console.measures"},
	{"/console/check-stats", "/console/check-stats", "console.checkstats"},

	// Status-change delivery: tasks, outbox, NATS, subscriptions (任务、发件箱与订阅).
	{"/console/tasks", "/console/tasks", "console.tasks"},
	{"/console/subscriptions", "/console/subscriptions", "console.subscriptions"},
	{"/console/outbox", "/console/outbox", "console.outbox"},

	// The store's settings check (系统状态).
	{"/console/system", "/console/system", "console.system"},

	// Subjects' rights: objections, repair, calendar (异议、信用修复与工作日历).
	{"/console/objections", "/console/objections", "console.objections"},
	{"/console/repairs", "/console/repairs", "console.repairs"},
	{"/console/rights-stats", "/console/rights-stats", "console.rightsstats"},
	{"/console/calendar", "/console/calendar", "console.calendar"},

	// Scores, grades, consents and benefits (评分、评级、授权与信易+).
	{"/console/scorecards", "/console/scorecards", "console.scorecards"},
}

// navLink is one link of the console's navigation.
type navLink struct {
	Href, Label string
	Current     bool
}

// sections returns the console sections the matrix lets p open.
func (s *Server) sections(p *auth.Principal) []consoleSection {
	var out []consoleSection
	for _, c := range consoleSections {
		if s.matrix.Decide(http.MethodGet, c.pattern, p, "").Allow {
			out = append(out, c)
		}
	}
	return out
}

// landing is where a signed-in user goes: next when it names a page, else the first console
// section its roles open (an auditor has no batches to see).
func (s *Server) landing(p *auth.Principal, next string) string {
	n := safeNext(next)
	if n != "/console/" {
		return n
	}
	if secs := s.sections(p); len(secs) > 0 {
		return secs[0].path
	}
	return n
}

func (s *Server) consoleBase(w http.ResponseWriter, r *http.Request, titleKey string) base {
	b := s.newBase(w, r, titleKey)
	b.Console, b.CSRF = true, s.formToken(w, r)
	if p := principal(r); p != nil && p.Kind == auth.KindStaff {
		b.SignedIn, b.User, b.UserDept = true, p.Name, p.Dept
		for _, c := range s.sections(p) {
			b.Nav = append(b.Nav, navLink{Href: c.path, Label: b.L.T(c.key), Current: r.URL.Path == c.path})
		}
		if len(b.Nav) > 0 {
			b.Home = b.Nav[0].Href
		}
		for _, role := range p.Roles {
			b.Roles = append(b.Roles, b.L.Pick(role.NameZH(), role.NameEN()))
		}
		if ds, err := s.app.Departments(r.Context()); err == nil {
			for _, d := range ds {
				if d.Code == p.Dept {
					b.UserDept = b.L.Pick(d.NameZH, d.NameEN)
				}
			}
		}
	}
	return b
}

func (s *Server) consoleRedirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
}

type loginPage struct {
	base
	Username string
	Next     string
	Notice   string
	Error    string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, next string) loginPage {
	p := loginPage{base: s.consoleBase(w, r, "console.login"), Next: safeNext(next)}
	if r.URL.Query().Get("ended") == "1" {
		p.Notice = p.L.T("console.ended")
	}
	return p
}

func (s *Server) consoleLoginForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	next := r.URL.Query().Get("next")
	if p := principal(r); p != nil && p.Kind == auth.KindStaff {
		http.Redirect(w, r, s.landing(p, next), http.StatusSeeOther) // #nosec G710 -- landing allows only a local path
		return
	}
	s.render(w, r, http.StatusOK, "login", s.loginPage(w, r, next))
}

// consoleLogin signs a staff user in (guard has checked the form's CSRF token, bound to the
// pre-session cookie). The session id comes from App.Login, never from the browser, and the
// pre-session cookie is dropped: whatever id a browser had before cannot become its session.
// Failures re-show the form with App.Login's answer: one message for every wrong user name
// or password, the lock's end when the account is locked.
func (s *Server) consoleLogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, credit.Errorf(credit.EINVALID, "表单无法读取 / the form cannot be read"))
		return
	}
	username, password := strings.TrimSpace(r.PostForm.Get("username")), r.PostForm.Get("password")
	refuse := func(err error) {
		status, body := describeError(err)
		if status >= 500 {
			s.pageError(w, r, err)
			return
		}
		p := s.loginPage(w, r, r.PostForm.Get("next"))
		p.Username, p.Error = username, body.Message
		s.render(w, r, status, "login", p)
	}
	if ok, wait := s.loginByName.allow(strings.ToLower(username), time.Now()); !ok {
		s.log.Warn("rate limited", "route", r.Pattern, "remote_addr", clientIP(r))
		retryAfter(w, wait)
		refuse(tooMany(wait))
		return
	}
	sid, u, err := s.app.Login(r.Context(), username, password, clientIP(r), r.UserAgent())
	if err != nil {
		s.log.Warn("console login refused", "remote_addr", clientIP(r), "reason", credit.ErrorCode(err))
		refuse(err)
		return
	}
	s.log.Info("console login", "user", u.Username, "remote_addr", clientIP(r))
	s.setCookie(w, r, preCookie, "", -1)
	s.setCookie(w, r, sessionCookie, sid, int(auth.DefaultSessionPolicy.Absolute/time.Second))
	http.Redirect(w, r, s.landing(app.UserPrincipal(u), r.PostForm.Get("next")), http.StatusSeeOther) // #nosec G710 -- landing allows only a local path
}

// consoleLogout ends the session in the store, not only in the browser.
func (s *Server) consoleLogout(w http.ResponseWriter, r *http.Request) {
	if sid := state(r).sid; sid != "" {
		if err := s.app.Logout(r.Context(), sid); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.setCookie(w, r, sessionCookie, "", -1)
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

// consoleBatches lists batches: the user's department's, every department's for the admin.
func (s *Server) consoleBatches(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := batchesPage{base: s.consoleBase(w, r, "console.batches"), Dept: q.Get("dept"), Item: q.Get("item")}
	dept, err := listDept(principal(r), p.Dept)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	bs, err := s.app.Store.Batches(r.Context(), store.BatchFilter{Dept: dept, Item: p.Item, Limit: 200})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cat := s.app.Catalog()
	p.Batches, p.Departments, p.Items = bs, ownDepartments(principal(r), cat.Departments), cat.Items
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
	if p := principal(r); dept == "" && !p.Has(auth.RoleAdmin) {
		dept = p.Dept
	}
	return uploadPage{base: s.consoleBase(w, r, "console.upload"), Departments: ownDepartments(principal(r), cat.Departments),
		Items: cat.Items, Dept: dept, Item: item, MaxUpload: byteSize(s.cfg.MaxUpload)}
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
	// guard has required the CSRF token; receiveUpload checks it before it reads the file.
	u, err := s.receiveUpload(w, r)
	if err != nil {
		formError(nil, err)
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
	if err := s.logRead(r, "", fmt.Sprintf("batch:%d rejects shown %d of %d", b.ID, len(rs), b.Rejected)); err != nil {
		s.pageError(w, r, err)
		return
	}
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

// listDept is the department filter of a batch list for p: what was asked for by the admin,
// p's own department for everyone else (asking for another one is refused).
func listDept(p *auth.Principal, asked string) (string, error) {
	if p.Has(auth.RoleAdmin) {
		return asked, nil
	}
	if asked != "" && asked != p.Dept {
		return "", errOtherDept
	}
	return p.Dept, nil
}

// ownDepartments is the departments p may choose in a form: all for the admin, its own else.
func ownDepartments(p *auth.Principal, all []credit.Department) []credit.Department {
	if p.Has(auth.RoleAdmin) {
		return all
	}
	var out []credit.Department
	for _, d := range all {
		if d.Code == p.Dept {
			out = append(out, d)
		}
	}
	return out
}
