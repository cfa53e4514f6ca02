package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/xinyong/xinyong/credit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed openapi.json
var openAPIJSON []byte

// pageNames are the templates under templates/ besides layout.html and the partials
// (partial_*.html, parsed with every page), one per page.
var pageNames = []string{"home", "search", "subject", "error", "login", "batches", "upload", "batch", "user_edit",
	"departments", "users", "password", "tokens", "token_issued", "querylog", "audit",
	"gov_subjects", "gov_subject",
	"login_subject", "login_subject_person", "login_subject_code", "my", "subject_accounts", "subject_credential_issued",

	// Lists, measures and window checks (名单、措施与信用核查).
	"checks", "check", "lists_admin", "measures", "check_stats", "lists_public", "list_batch", "check_batches",

	// Status-change delivery: tasks, outbox, NATS, subscriptions (任务、发件箱与订阅).
	"tasks", "subscriptions", "subscription_created", "outbox",

	// Subjects' rights: objections, repair, calendar (异议、信用修复与工作日历).
	"rights_form", "rights_case", "rights_queue", "rights_stats", "rights_calendar", "guide_repair",

	// Scores, grades, consents and benefits (评分、评级、授权与信易+).
	"my_score", "my_consents", "benefits", "scorecards",

	// The store's settings check (系统状态).
	"system",
}

// displayZone is the time zone pages show times in: China Standard Time, whatever the
// server's own zone (containers often run in UTC).
var displayZone = time.FixedZone("CST", 8*3600)

var templateFuncs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	},
	// lastDay turns an exclusive end (the first day a record is no longer shown) into the last
	// day it is shown, the date a reader expects after 公示期至.
	"lastDay": func(t time.Time) string { return t.AddDate(0, 0, -1).Format(time.DateOnly) },
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(displayZone).Format("2006-01-02 15:04")
	},
	"num":  formatCount,
	"sum":  func(a, b int64) int64 { return a + b },
	"join": strings.Join,
	// region names a 6-digit division code ("" when unknown).
	"region": func(code string) string {
		n, _ := credit.RegionName(code, 0)
		return n
	},
	// codeKey and polarityKey pick message keys.
	"codeKey": func(t credit.CodeType) string {
		switch t {
		case credit.CodeUSCC:
			return "uscc"
		case credit.CodeResidentID:
			return "resident"
		case credit.CodeOrgCode:
			return "org_code"
		case credit.CodeRegNo:
			return "reg_no"
		}
		return "unknown"
	},
	"polarityKey": func(p credit.Polarity) string {
		switch p {
		case credit.PolarityNegative:
			return "n"
		case credit.PolarityPositive:
			return "p"
		case credit.PolarityBasic:
			return "b"
		}
		return "0"
	},
}

// parsePages parses each page with the layout. The templates are embedded, so a parse error
// is a bug found by any test: panic.
func parsePages() map[string]*template.Template {
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t := template.New("layout.html").Funcs(templateFuncs)
		pages[name] = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/partial_*.html", "templates/"+name+".html"))
	}
	return pages
}

// base is what every page's data carries for the layout.
type base struct {
	L         lang
	Title     string
	SwitchURL string
	Query     string // the search box's value
	CSRF      string // console forms
	Console   bool   // console navigation instead of the portal's
	SignedIn  bool
	User      string    // the signed-in user's login name
	UserDept  string    // and its department
	Roles     []string  // and its roles, in the page's language
	Nav       []navLink // the console sections the signed-in user may open
	Home      string    // where the console's brand link leads (its first section)
	Refresh   bool      // reload every few seconds (a running import)
}

// newBase prepares the layout data of a request.
func (s *Server) newBase(w http.ResponseWriter, r *http.Request, titleKey string) base {
	l := s.pickLang(w, r)
	b := base{L: l, SwitchURL: l.switchURL(r.URL)}
	if titleKey != "" {
		b.Title = l.T(titleKey)
	}
	return b
}

// render executes a page into a buffer first, so a template error becomes a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout.html", data); err != nil {
		s.log.Error("render", "page", name, "err", err)
		http.Error(w, "服务器内部错误 / internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if strings.HasPrefix(r.URL.Path, "/console") {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage is the data of the error page.
type errorPage struct {
	base
	Status  int
	Message string
}

// pageError answers a page request with the error's status and message (see describeError).
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := describeError(err)
	s.logError(r, status, err)
	p := errorPage{base: s.newBase(w, r, "error.title"), Status: status, Message: body.Message}
	if status == http.StatusNotFound {
		// The language link leads home: a not-found page has nothing to translate, and the
		// link must not repeat a code that may be a resident ID.
		p.Title, p.SwitchURL = p.L.T("error.404"), p.L.switchURL(&url.URL{Path: "/"})
	}
	p.Console = strings.HasPrefix(r.URL.Path, "/console")
	s.render(w, r, status, "error", p)
}

// static serves the embedded style sheet and icons.
func (s *Server) static() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			s.pageError(w, r, errNotFound)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// formatCount writes a count with thousands separators: 1234567 → "1,234,567".
func formatCount(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
