package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Subject self-service pages (信用主体自助): an organisation signs in at /my/login with its code
// and activation credential, a person at /my/login/person with its resident ID and a one-time
// code; /my shows the signed-in subject its own record and who has read it. The credit office
// issues and revokes credentials at /console/subject-accounts. The services are app's
// (SubjectLogin, RequestSignInCode, PersonLogin, OwnRecordView); the matrix lets a subject
// principal open /my and nothing of the console.

// myLoginPath is where an anonymous visitor of a subject page is sent to sign in.
const myLoginPath = "/my/login"

// loginPath is the sign-in form for a page path: the subject's for /my, else the console's.
func loginPath(path string) string {
	if path == "/my" || strings.HasPrefix(path, "/my/") {
		return myLoginPath
	}
	return "/console/login"
}

// subjectLoginPage is the data of the three sign-in forms.
type subjectLoginPage struct {
	base
	Code, ID string // what was typed (the ID only on the code form, to submit it again)
	Notice   string
	Error    string
}

func (s *Server) subjectLoginPage(w http.ResponseWriter, r *http.Request, titleKey string) subjectLoginPage {
	b := s.newBase(w, r, titleKey)
	b.CSRF = s.formToken(w, r)
	p := subjectLoginPage{base: b}
	if r.URL.Query().Get("ended") == "1" {
		p.Notice = p.L.T("console.ended")
	}
	return p
}

// signedInSubject reports whether the request comes from a subject signed in to self-service.
func signedInSubject(r *http.Request) bool {
	p := principal(r)
	return p != nil && p.Kind == auth.KindSubject
}

func (s *Server) myLoginForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if signedInSubject(r) {
		http.Redirect(w, r, "/my", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login_subject", s.subjectLoginPage(w, r, "my.login"))
}

// startSubjectSession gives the browser its new session (never the id it brought) and opens
// the own page.
func (s *Server) startSubjectSession(w http.ResponseWriter, r *http.Request, sid string) {
	s.setCookie(w, r, preCookie, "", -1)
	s.setCookie(w, r, sessionCookie, sid, int(auth.DefaultSessionPolicy.Absolute/time.Second))
	http.Redirect(w, r, "/my", http.StatusSeeOther)
}

// limited applies the per-name sign-in limit to key and answers the refusal itself.
func (s *Server) limited(w http.ResponseWriter, r *http.Request, key string, refuse func(error)) bool {
	ok, wait := s.loginByName.allow(key, time.Now())
	if ok {
		return false
	}
	s.log.Warn("rate limited", "route", r.Pattern, "remote_addr", clientIP(r))
	retryAfter(w, wait)
	refuse(tooMany(wait))
	return true
}

// myLogin signs an organisation in (guard has checked the CSRF token). Every failure shows
// the one message of App.SubjectLogin, or the lock's end.
func (s *Server) myLogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	code := strings.TrimSpace(r.PostForm.Get("code"))
	refuse := func(err error) {
		status, body := describeError(err)
		if status >= 500 {
			s.pageError(w, r, err)
			return
		}
		p := s.subjectLoginPage(w, r, "my.login")
		p.Code, p.Error = code, body.Message
		s.render(w, r, status, "login_subject", p)
	}
	if s.limited(w, r, "subject:"+credit.NormalizeCode(code), refuse) {
		return
	}
	sid, p, err := s.app.SubjectLogin(r.Context(), code, r.PostForm.Get("credential"), clientIP(r), r.UserAgent())
	if err != nil {
		s.log.Warn("subject login refused", "remote_addr", clientIP(r), "reason", credit.ErrorCode(err))
		refuse(err)
		return
	}
	s.log.Info("subject login", "actor", p.Actor(), "remote_addr", clientIP(r))
	s.startSubjectSession(w, r, sid)
}

func (s *Server) myPersonForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if signedInSubject(r) {
		http.Redirect(w, r, "/my", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login_subject_person", s.subjectLoginPage(w, r, "my.login.person"))
}

// myPersonRequest sends a person its one-time code and shows the form to enter it. The answer
// is the same whether or not the ID is registered (App.RequestSignInCode); the limit per ID
// applies to every well-formed ID alike, so it tells nothing either.
func (s *Server) myPersonRequest(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	id := strings.TrimSpace(r.PostForm.Get("id"))
	refuse := func(err error) {
		status, body := describeError(err)
		if status >= 500 {
			s.pageError(w, r, err)
			return
		}
		p := s.subjectLoginPage(w, r, "my.login.person")
		p.Error = body.Message
		s.render(w, r, status, "login_subject_person", p)
	}
	key, err := s.app.PersonKeyOf(r.Context(), id)
	if err != nil {
		refuse(err)
		return
	}
	if s.limited(w, r, "code:"+key, refuse) {
		return
	}
	if err := s.app.RequestSignInCode(r.Context(), id); err != nil {
		refuse(err)
		return
	}
	p := s.subjectLoginPage(w, r, "my.login.code")
	p.ID, p.Notice = id, p.L.T("my.code.sent")
	s.render(w, r, http.StatusOK, "login_subject_code", p)
}

// myPersonVerify signs a person in with its resident ID and one-time code.
func (s *Server) myPersonVerify(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	id := strings.TrimSpace(r.PostForm.Get("id"))
	refuse := func(err error) {
		status, body := describeError(err)
		if status >= 500 {
			s.pageError(w, r, err)
			return
		}
		p := s.subjectLoginPage(w, r, "my.login.code")
		p.ID, p.Error = id, body.Message
		s.render(w, r, status, "login_subject_code", p)
	}
	if key, err := s.app.PersonKeyOf(r.Context(), id); err == nil && s.limited(w, r, "verify:"+key, refuse) {
		return
	}
	sid, p, err := s.app.PersonLogin(r.Context(), id, r.PostForm.Get("code"), clientIP(r), r.UserAgent())
	if err != nil {
		s.log.Warn("person login refused", "remote_addr", clientIP(r), "reason", credit.ErrorCode(err))
		refuse(err)
		return
	}
	s.log.Info("person login", "actor", p.Actor(), "remote_addr", clientIP(r))
	s.startSubjectSession(w, r, sid)
}

// myPage is the data of the subject's own page.
type myPage struct {
	base
	V           *app.OwnView
	Departments []store.Department
	Notices     []*store.Notice // messages about objections and repairs (rights.go)
}

// DeptName names a department in the page's language (its code when unknown).
func (p myPage) DeptName(code string) string {
	for _, d := range p.Departments {
		if d.Code == code {
			return p.L.Pick(d.NameZH, d.NameEN)
		}
	}
	return code
}

// ActorKind says what sort of caller read the record — staff, a department's system — never
// who: the subject learns the department and the kind of access, not a person's identity.
func (p myPage) ActorKind(actor string) string {
	kind, _, _ := strings.Cut(actor, ":")
	switch kind {
	case "user":
		return p.L.T("my.actor.user")
	case "token":
		return p.L.T("my.actor.token")
	case "subject":
		return p.L.T("my.actor.self")
	}
	return p.L.T("my.actor.other")
}

// PubLabel names a record's publication status.
func (p myPage) PubLabel(st credit.Publication) string { return p.L.T("my.pub." + string(st)) }

// my shows the signed-in subject its own record (App.OwnRecordView holds it to itself).
func (s *Server) my(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	v, err := s.app.OwnRecordView(r.Context(), principal(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	b := s.newBase(w, r, "my.title")
	b.CSRF = s.formToken(w, r)
	p := myPage{base: b, V: v}
	if p.Departments, err = s.app.Departments(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	if p.Notices, err = s.app.Notices(r.Context(), principal(r), 50); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "my", p)
}

// myLogout ends the subject's session in the store, not only in the browser.
func (s *Server) myLogout(w http.ResponseWriter, r *http.Request) {
	if sid := state(r).sid; sid != "" {
		if err := s.app.Logout(r.Context(), sid); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, myLoginPath, http.StatusSeeOther)
}

// ---- Console: activation credentials (激活凭证) ----

type subjectAccountsPage struct {
	base
	Accounts []app.SubjectAccount
	Code     string
	Error    string
	Done     string
}

func (s *Server) subjectAccountsPage(w http.ResponseWriter, r *http.Request) (subjectAccountsPage, error) {
	p := subjectAccountsPage{base: s.consoleBase(w, r, "console.subjectaccounts")}
	p.Done = done(p.L, r)
	var err error
	p.Accounts, err = s.app.SubjectAccounts(r.Context())
	return p, err
}

func (s *Server) consoleSubjectAccounts(w http.ResponseWriter, r *http.Request) {
	p, err := s.subjectAccountsPage(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "subject_accounts", p)
}

type credentialIssuedPage struct {
	base
	Plain   string
	Subject *credit.Subject
}

// consoleIssueSubjectCredential issues an organisation a credential and shows it this once.
func (s *Server) consoleIssueSubjectCredential(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	code := strings.TrimSpace(r.PostForm.Get("code"))
	plain, _, subj, err := s.app.IssueSubjectCredential(r.Context(), actor(r), code)
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p, err := s.subjectAccountsPage(w, r)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			p.Code, p.Error, p.Done = code, msg, ""
			s.render(w, r, status, "subject_accounts", p)
		})
		return
	}
	p := credentialIssuedPage{base: s.consoleBase(w, r, "subjectaccounts.issued"), Plain: plain, Subject: subj}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusCreated, "subject_credential_issued", p)
}

// consoleRevokeSubjectCredential revokes an organisation's credential at once.
func (s *Server) consoleRevokeSubjectCredential(w http.ResponseWriter, r *http.Request) {
	if err := s.app.RevokeSubjectCredential(r.Context(), actor(r), r.PathValue("code")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/subject-accounts?"+url.Values{"done": {"credential_revoked"}}.Encode(), http.StatusSeeOther)
}
