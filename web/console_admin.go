package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// The credit office's management pages (信用办管理): departments, staff users and department
// API tokens. Every change goes through the app services with the signed-in admin's Actor(),
// which records it in the audit trail; the matrix admits the admin alone.

// depts names departments in a page's language.
type depts struct {
	List []store.Department
	l    lang
}

// Name names a department (its code when unknown).
func (d depts) Name(code string) string {
	for _, x := range d.List {
		if x.Code == code {
			return d.l.Pick(x.NameZH, x.NameEN)
		}
	}
	return code
}

func (s *Server) depts(r *http.Request, l lang) (depts, error) {
	ds, err := s.app.Departments(r.Context())
	return depts{List: ds, l: l}, err
}

// formError answers a refused form: the page again with the reason (status 400, 404 or 409)
// when render can show it, the error page for refusals of rights and for failures.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error, show func(status int, msg string)) {
	status, body := describeError(err)
	if status >= 500 || status == http.StatusForbidden || status == http.StatusUnauthorized {
		s.pageError(w, r, err)
		return
	}
	show(status, body.Message)
}

// done is the confirmation a page shows after a redirect (?done=key): a fixed message, never
// text from the request.
func done(l lang, r *http.Request) string {
	k := r.URL.Query().Get("done")
	if k == "" {
		return ""
	}
	if _, ok := messages["done."+k]; !ok {
		return ""
	}
	return l.T("done." + k)
}

func readForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return credit.Errorf(credit.EINVALID, "表单无法读取 / the form cannot be read")
	}
	return nil
}

// ---- Departments (部门) ----

// deptForm is what the department form holds.
type deptForm struct {
	Code, NameZH, NameEN, Level, Parent string
	Disabled                            bool
}

type departmentsPage struct {
	base
	D       depts
	Form    deptForm
	Editing bool
	Error   string
	Done    string
}

func (s *Server) departmentsPage(w http.ResponseWriter, r *http.Request) (departmentsPage, error) {
	p := departmentsPage{base: s.consoleBase(w, r, "console.departments"), Form: deptForm{Level: app.DeptLevelCity}}
	var err error
	p.D, err = s.depts(r, p.L)
	p.Done = done(p.L, r)
	return p, err
}

// consoleDepartments lists the departments with the form to add one, or to edit the one
// named by ?edit=.
func (s *Server) consoleDepartments(w http.ResponseWriter, r *http.Request) {
	p, err := s.departmentsPage(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if code := r.URL.Query().Get("edit"); code != "" {
		found := false
		for _, d := range p.D.List {
			if d.Code == code {
				p.Form = deptForm{Code: d.Code, NameZH: d.NameZH, NameEN: d.NameEN, Level: d.Level, Parent: d.Parent, Disabled: d.Disabled}
				p.Editing, found = true, true
			}
		}
		if !found {
			s.pageError(w, r, credit.Errorf(credit.ENOTFOUND, "部门不存在 / no such department"))
			return
		}
	}
	s.render(w, r, http.StatusOK, "departments", p)
}

// consolePutDepartment adds or updates a department (App.PutDepartment).
func (s *Server) consolePutDepartment(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := deptForm{Code: strings.TrimSpace(r.PostForm.Get("code")), NameZH: r.PostForm.Get("name_zh"), NameEN: r.PostForm.Get("name_en"),
		Level: r.PostForm.Get("level"), Parent: r.PostForm.Get("parent"), Disabled: r.PostForm.Get("disabled") == "1"}
	err := s.app.PutDepartment(r.Context(), actor(r), store.Department{Code: f.Code, NameZH: f.NameZH, NameEN: f.NameEN,
		Level: f.Level, Parent: f.Parent, Disabled: f.Disabled})
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p, err := s.departmentsPage(w, r)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			p.Form, p.Error, p.Done = f, msg, ""
			p.Editing = r.PostForm.Get("editing") == "1"
			s.render(w, r, status, "departments", p)
		})
		return
	}
	http.Redirect(w, r, "/console/departments?done=dept_saved", http.StatusSeeOther)
}

// ---- Users (用户) ----

// roleOption is one role checkbox of the user form.
type roleOption struct {
	Code, Label string
	Checked     bool
}

// staffRoles are the roles a staff account may hold, as checkboxes with those in checked on.
func staffRoles(l lang, checked []string) []roleOption {
	var out []roleOption
	for _, role := range auth.AllRoles {
		if role == auth.RoleSubject {
			continue // self-service accounts are of another kind
		}
		o := roleOption{Code: string(role), Label: l.Pick(role.NameZH(), role.NameEN())}
		for _, c := range checked {
			o.Checked = o.Checked || c == string(role)
		}
		out = append(out, o)
	}
	return out
}

// userForm is what the add-user form holds (never the password: a refused form is shown
// again without it).
type userForm struct {
	Username, Name, Dept string
}

type usersPage struct {
	base
	D        depts
	Users    []*store.User
	Dept     string // the list's department filter
	Form     userForm
	RoleOpts []roleOption
	Error    string
	Done     string
	Policy   string
}

// RoleNames names roles in the page's language.
func (p usersPage) RoleNames(roles []auth.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = p.L.Pick(r.NameZH(), r.NameEN())
	}
	return strings.Join(names, "、")
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, dept string) (usersPage, error) {
	p := usersPage{base: s.consoleBase(w, r, "console.users"), Dept: dept}
	p.Policy, p.Done = p.L.T("users.policy"), done(p.L, r)
	var err error
	if p.D, err = s.depts(r, p.L); err != nil {
		return p, err
	}
	p.Users, err = s.app.Users(r.Context(), dept)
	p.RoleOpts = staffRoles(p.L, nil)
	p.Form.Dept = dept
	return p, err
}

// consoleUsers lists the staff users, of one department with ?dept=, and the form to add one.
func (s *Server) consoleUsers(w http.ResponseWriter, r *http.Request) {
	p, err := s.usersPage(w, r, strings.TrimSpace(r.URL.Query().Get("dept")))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "users", p)
}

// consoleAddUser creates a staff account (App.AddUser). A password the policy refuses is
// answered with the form again and the policy's reason.
func (s *Server) consoleAddUser(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := userForm{Username: strings.TrimSpace(r.PostForm.Get("username")), Name: r.PostForm.Get("name"), Dept: r.PostForm.Get("dept")}
	checked := r.PostForm["roles"]
	roles := make([]auth.Role, 0, len(checked))
	for _, c := range checked {
		roles = append(roles, auth.Role(c)) // AddUser refuses unknown roles, naming them
	}
	_, err := s.app.AddUser(r.Context(), actor(r), f.Username, f.Name, f.Dept, roles, r.PostForm.Get("password"))
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p, err := s.usersPage(w, r, "")
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			p.Form, p.RoleOpts, p.Error, p.Done = f, staffRoles(p.L, checked), msg, ""
			s.render(w, r, status, "users", p)
		})
		return
	}
	http.Redirect(w, r, "/console/users?done=user_added", http.StatusSeeOther)
}

// consoleDisableUser disables a user; its sessions end at once (App.DisableUser).
func (s *Server) consoleDisableUser(w http.ResponseWriter, r *http.Request) {
	if err := s.app.DisableUser(r.Context(), actor(r), r.PathValue("username")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/users?done=user_disabled", http.StatusSeeOther)
}

// consoleEnableUser lets a disabled user sign in again.
func (s *Server) consoleEnableUser(w http.ResponseWriter, r *http.Request) {
	if err := s.app.EnableUser(r.Context(), actor(r), r.PathValue("username")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/users?done=user_enabled", http.StatusSeeOther)
}

type userEditPage struct {
	base
	Target   *store.User
	D        depts
	Form     userForm
	RoleOpts []roleOption
	Error    string
}

func (s *Server) userEditPage(w http.ResponseWriter, r *http.Request) (userEditPage, error) {
	p := userEditPage{base: s.consoleBase(w, r, "users.edit")}
	u, err := s.app.User(r.Context(), r.PathValue("username"))
	if err != nil {
		return p, err
	}
	p.Target, p.Form = u, userForm{Username: u.Username, Name: u.Name, Dept: u.Dept}
	roles := make([]string, len(u.Roles))
	for i, role := range u.Roles {
		roles[i] = string(role)
	}
	p.RoleOpts = staffRoles(p.L, roles)
	p.D, err = s.depts(r, p.L)
	return p, err
}

// consoleUserForm shows the form to change a user's name, department and roles.
func (s *Server) consoleUserForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.userEditPage(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "user_edit", p)
}

// consoleUpdateUser changes a user's name, department and roles (App.UpdateUser: the last
// enabled admin cannot be demoted; the change applies at the user's next request). A user
// needs at least one role: an empty choice is refused rather than read as "no change".
func (s *Server) consoleUpdateUser(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := userForm{Username: r.PathValue("username"), Name: r.PostForm.Get("name"), Dept: r.PostForm.Get("dept")}
	checked := r.PostForm["roles"]
	roles := make([]auth.Role, 0, len(checked))
	for _, c := range checked {
		roles = append(roles, auth.Role(c))
	}
	var err error
	if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Dept) == "" {
		err = errUserFieldsMissing
	} else {
		_, err = s.app.UpdateUser(r.Context(), actor(r), f.Username, f.Name, f.Dept, roles)
	}
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p, err := s.userEditPage(w, r)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			p.Form, p.RoleOpts, p.Error = f, staffRoles(p.L, checked), msg
			s.render(w, r, status, "user_edit", p)
		})
		return
	}
	http.Redirect(w, r, "/console/users?done=user_updated", http.StatusSeeOther)
}

// errUserFieldsMissing refuses an edit that blanks the name or the department.
var errUserFieldsMissing = &credit.Error{Code: credit.EINVALID, Field: "name", Rule: credit.RuleRequired,
	Message: "姓名和部门不能为空 / the name and the department are required"}

type passwordPage struct {
	base
	Target *store.User
	DeptNm string
	Error  string
	Policy string
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) (passwordPage, error) {
	p := passwordPage{base: s.consoleBase(w, r, "users.reset")}
	p.Policy = p.L.T("users.policy")
	u, err := s.app.User(r.Context(), r.PathValue("username"))
	if err != nil {
		return p, err
	}
	p.Target = u
	d, err := s.depts(r, p.L)
	p.DeptNm = d.Name(u.Dept)
	return p, err
}

// consolePasswordForm shows the form to set a user's new password.
func (s *Server) consolePasswordForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.passwordPage(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "password", p)
}

// errPasswordsDiffer refuses a new password typed differently twice.
var errPasswordsDiffer = &credit.Error{Code: credit.EINVALID, Field: "password2", Rule: credit.RuleFormat,
	Message: "两次输入的密码不一致 / the two passwords differ"}

// consoleResetPassword sets a user's new password (App.ResetPassword: the policy applies, the
// user's sessions end and its lockout is lifted).
func (s *Server) consoleResetPassword(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	pw := r.PostForm.Get("password")
	var err error
	if pw != r.PostForm.Get("password2") {
		err = errPasswordsDiffer
	} else {
		err = s.app.ResetPassword(r.Context(), actor(r), r.PathValue("username"), pw)
	}
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p, err := s.passwordPage(w, r)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			p.Error = msg
			s.render(w, r, status, "password", p)
		})
		return
	}
	http.Redirect(w, r, "/console/users?done=password_reset", http.StatusSeeOther)
}

// ---- API tokens (接口令牌) ----

// scopeOption is one scope checkbox of the token form.
type scopeOption struct {
	Code, Label string
	Checked     bool
}

func scopeOptions(l lang, checked []string) []scopeOption {
	out := make([]scopeOption, 0, len(auth.AllScopes))
	for _, sc := range auth.AllScopes {
		o := scopeOption{Code: string(sc), Label: l.T("scope." + string(sc))}
		for _, c := range checked {
			o.Checked = o.Checked || c == string(sc)
		}
		out = append(out, o)
	}
	return out
}

// tokenForm is what the token form holds.
type tokenForm struct {
	Dept, Name, Expires string
}

type tokensPage struct {
	base
	D      depts
	Tokens []*auth.Token
	Now    time.Time
	Form   tokenForm
	Scopes []scopeOption
	Error  string
	Done   string
}

// ScopeNames lists the scopes of a token.
func (p tokensPage) ScopeNames(scopes []auth.Scope) string { return scopeList(scopes) }

// State says whether a token can be used now: "revoked", "expired" or "valid".
func (p tokensPage) State(t *auth.Token) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked"
	case t.Valid(p.Now) != nil:
		return "expired"
	}
	return "valid"
}

func scopeList(scopes []auth.Scope) string {
	out := make([]string, len(scopes))
	for i, sc := range scopes {
		out[i] = string(sc)
	}
	return strings.Join(out, ", ")
}

// defaultTokenDays is how long the issue form proposes a token to live.
const defaultTokenDays = 90

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) (tokensPage, error) {
	now := s.app.Now()
	p := tokensPage{base: s.consoleBase(w, r, "console.tokens"), Now: now,
		Form: tokenForm{Expires: now.In(displayZone).AddDate(0, 0, defaultTokenDays).Format(time.DateOnly)}}
	p.Scopes, p.Done = scopeOptions(p.L, nil), done(p.L, r)
	var err error
	if p.D, err = s.depts(r, p.L); err != nil {
		return p, err
	}
	p.Tokens, err = s.app.Tokens(r.Context(), "")
	return p, err
}

// consoleTokens lists every department's API tokens (never the tokens themselves: only their
// hashes are stored) with the form to issue one.
func (s *Server) consoleTokens(w http.ResponseWriter, r *http.Request) {
	p, err := s.tokensPage(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "tokens", p)
}

type tokenIssuedPage struct {
	base
	Plain    string
	Token    *auth.Token
	DeptName string
	Scopes   string
}

// errExpiryDate refuses an expiry that is not a date.
var errExpiryDate = &credit.Error{Code: credit.EINVALID, Field: "expires", Rule: credit.RuleDate,
	Message: "有效期须为日期，如 2026-12-31 / the expiry must be a date such as 2026-12-31"}

// consoleIssueToken issues a department API token (App.IssueToken) valid through the chosen
// day (China Standard Time), and shows it this once: the answer to this POST is the only
// place the plain token ever appears.
func (s *Server) consoleIssueToken(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := tokenForm{Dept: r.PostForm.Get("dept"), Name: r.PostForm.Get("name"), Expires: strings.TrimSpace(r.PostForm.Get("expires"))}
	checked := r.PostForm["scopes"]
	scopes := make([]auth.Scope, len(checked))
	for i, c := range checked {
		scopes[i] = auth.Scope(c)
	}
	var plain string
	var tok *auth.Token
	day, err := time.ParseInLocation(time.DateOnly, f.Expires, displayZone)
	if err != nil {
		err = errExpiryDate
	} else {
		plain, tok, err = s.app.IssueToken(r.Context(), actor(r), f.Dept, f.Name, scopes, day.AddDate(0, 0, 1))
	}
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p, err := s.tokensPage(w, r)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			p.Form, p.Scopes, p.Error, p.Done = f, scopeOptions(p.L, checked), msg, ""
			s.render(w, r, status, "tokens", p)
		})
		return
	}
	p := tokenIssuedPage{base: s.consoleBase(w, r, "tokens.issued"), Plain: plain, Token: tok}
	d, err := s.depts(r, p.L)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.DeptName = d.Name(tok.Dept)
	p.Scopes = scopeList(tok.Scopes)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusCreated, "token_issued", p)
}

// consoleRevokeToken revokes an API token at once (App.RevokeToken).
func (s *Server) consoleRevokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.pageError(w, r, errNotFound)
		return
	}
	if _, err := s.app.RevokeToken(r.Context(), actor(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/tokens?"+url.Values{"done": {"token_revoked"}}.Encode(), http.StatusSeeOther)
}
