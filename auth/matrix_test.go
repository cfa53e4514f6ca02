package auth

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/xinyong/xinyong/credit"
)

// principals are the callers the matrix walk tries on every route, by name.
var principals = map[string]*Principal{
	"anon":      nil,
	"admin":     {UserID: 1, Kind: KindStaff, Dept: "xyb", Roles: []Role{RoleAdmin}},
	"submitter": {UserID: 2, Kind: KindStaff, Dept: "fgw", Roles: []Role{RoleSubmitter}},
	"reviewer":  {UserID: 3, Kind: KindStaff, Dept: "fgw", Roles: []Role{RoleReviewer}},
	"clerk":     {UserID: 4, Kind: KindStaff, Dept: "zwfw", Roles: []Role{RoleClerk}},
	"auditor":   {UserID: 5, Kind: KindStaff, Dept: "xyb", Roles: []Role{RoleAuditor}},
	"norole":    {UserID: 6, Kind: KindStaff, Dept: "fgw"},
	"subject":   {UserID: 7, Kind: KindSubject, Roles: []Role{RoleSubject}, SubjectKey: "91370000MA3C5KXX7A"},
	"tok-write": {TokenID: 1, Kind: KindToken, Dept: "fgw", TokenScopes: []Scope{ScopeRecordsWrite}},
	"tok-read":  {TokenID: 2, Kind: KindToken, Dept: "fgw", TokenScopes: []Scope{ScopeBatchesRead}},
	"tok-check": {TokenID: 3, Kind: KindToken, Dept: "zwfw", TokenScopes: []Scope{ScopeChecksWrite, ScopeRecordsRead}},
	// A token never acts by roles, whatever it carries.
	"tok-roles": {TokenID: 4, Kind: KindToken, Dept: "fgw", Roles: []Role{RoleAdmin}},
	// A partner's token for consent-bound grade queries (授权查询).
	"tok-verify": {TokenID: 5, Kind: KindToken, Dept: "whly", TokenScopes: []Scope{ScopeScoresVerify}},
	// Status-change delivery: a department's task system, an authorised partner's monitor.
	"tok-tasks": {TokenID: 6, Kind: KindToken, Dept: "fgw", TokenScopes: []Scope{ScopeTasksWrite}},
	"tok-subs":  {TokenID: 7, Kind: KindToken, Dept: "bank", TokenScopes: []Scope{ScopeSubscriptionsWrite}},
}

// expected is the walk of the whole matrix: for every route of web (method and pattern as
// registered; method "" for the fallback), who may call it. "*" is everyone. Everybody else is
// refused: 401 when anonymous, 403 otherwise. This table is also the hard-coded list of the
// site's routes: TestMatrixCoversEveryRoute holds it against web's source, so a route added
// to web without a line here (and a rule in DefaultMatrix) fails.
var expected = map[[2]string]string{
	{"GET", "/{$}"}:                                "*",
	{"GET", "/search"}:                             "*",
	{"GET", "/subjects/{code}"}:                    "*",
	{"GET", "/static/"}:                            "*",
	{"GET", "/healthz"}:                            "*",
	{"", "/"}:                                      "*",
	{"GET", "/console"}:                            "*",
	{"GET", "/console/login"}:                      "*",
	{"POST", "/console/login"}:                     "*",
	{"POST", "/console/logout"}:                    "*",
	{"GET", "/console/{$}"}:                        "admin submitter",
	{"GET", "/console/upload"}:                     "admin submitter",
	{"POST", "/console/upload"}:                    "admin submitter",
	{"GET", "/console/batches/{id}"}:               "admin submitter",
	{"GET", "/console/batches/{id}/rejects"}:       "admin submitter",
	{"GET", "/console/departments"}:                "admin",
	{"POST", "/console/departments"}:               "admin",
	{"GET", "/console/users"}:                      "admin",
	{"POST", "/console/users"}:                     "admin",
	{"POST", "/console/users/{username}/disable"}:  "admin",
	{"POST", "/console/users/{username}/enable"}:   "admin",
	{"GET", "/console/users/{username}/edit"}:      "admin",
	{"POST", "/console/users/{username}/edit"}:     "admin",
	{"GET", "/console/users/{username}/password"}:  "admin",
	{"POST", "/console/users/{username}/password"}: "admin",
	{"GET", "/console/tokens"}:                     "admin",
	{"POST", "/console/tokens"}:                    "admin",
	{"POST", "/console/tokens/{id}/revoke"}:        "admin",
	{"GET", "/console/querylog"}:                   "admin auditor",
	{"GET", "/console/querylog/export"}:            "admin auditor",
	{"GET", "/console/audit"}:                      "admin auditor",
	{"GET", "/console/audit/export"}:               "admin auditor",
	{"GET", "/api/v1/subjects"}:                    "*",
	{"GET", "/api/v1/subjects/{code}"}:             "*",
	{"GET", "/api/v1/codes/{code}"}:                "*",
	{"GET", "/api/v1/stats"}:                       "*",
	{"GET", "/api/v1/catalog"}:                     "*",
	{"GET", "/api/v1/catalog/versions"}:            "*",
	{"PUT", "/api/v1/catalog"}:                     "admin",
	{"GET", "/api/v1/departments"}:                 "*",
	{"POST", "/api/v1/batches"}:                    "admin submitter tok-write",
	{"GET", "/api/v1/batches"}:                     "admin submitter tok-read",
	{"GET", "/api/v1/batches/{id}"}:                "admin submitter tok-read",
	{"GET", "/api/v1/batches/{id}/rejects"}:        "admin submitter tok-read",
	{"GET", "/api/v1/batches/{id}/rejects.json"}:   "admin submitter tok-read",
	{"GET", "/api/v1/code-exceptions"}:             "*",
	{"POST", "/api/v1/code-exceptions"}:            "admin",
	{"DELETE", "/api/v1/code-exceptions/{code}"}:   "admin",
	{"GET", "/api/v1/openapi.json"}:                "*",
	// Government view of a subject (政务共享查询): with a stated purpose only (see walkPurpose).
	{"GET", "/console/subjects"}:           "admin reviewer clerk",
	{"GET", "/console/subjects/{code}"}:    "admin reviewer clerk",
	{"GET", "/api/v1/gov/subjects/{code}"}: "admin reviewer clerk tok-check",
	// Subject self-service (信用主体自助) and the credentials the credit office issues for it.
	{"GET", "/console/subject-accounts"}:                "admin",
	{"POST", "/console/subject-accounts"}:               "admin",
	{"POST", "/console/subject-accounts/{code}/revoke"}: "admin",
	{"GET", "/my/login"}:                                "*",
	{"POST", "/my/login"}:                               "*",
	{"GET", "/my/login/person"}:                         "*",
	{"POST", "/my/login/person"}:                        "*",
	{"POST", "/my/login/person/verify"}:                 "*",
	{"GET", "/my"}:                                      "subject",
	{"POST", "/my/logout"}:                              "subject",
	// Scores, grades, consents and benefits (评分、评级、授权与信易+).
	{"GET", "/benefits"}:                          "*",
	{"GET", "/api/v1/benefits"}:                   "*",
	{"GET", "/api/v1/scorecards"}:                 "*",
	{"GET", "/api/v1/scorecards/{code}/versions"}: "*",
	{"GET", "/api/v1/supervision"}:                "*",
	{"GET", "/my/score"}:                          "subject",
	{"GET", "/my/consents"}:                       "subject",
	{"POST", "/my/consents"}:                      "subject",
	{"POST", "/my/consents/{id}/revoke"}:          "subject",
	{"GET", "/console/scorecards"}:                "admin",
	{"POST", "/console/scorecards"}:               "admin",
	{"POST", "/console/scores/recompute"}:         "admin",
	{"POST", "/api/v1/scorecards"}:                "admin",
	{"POST", "/api/v1/scorecards/preview"}:        "admin",
	{"POST", "/api/v1/scores/recompute"}:          "admin",
	{"POST", "/api/v1/scores/grade"}:              "tok-verify",
	{"POST", "/api/v1/benefits/{code}/verify"}:    "tok-verify",
	{"GET", "/api/v1/gov/scores/{code}"}:          "admin reviewer clerk tok-check",
	// Status-change delivery: tasks, subscriptions, deliveries, the outbox.
	{"GET", "/console/tasks"}:                      "admin reviewer clerk",
	{"POST", "/console/tasks/{id}/response"}:       "admin reviewer clerk",
	{"GET", "/console/subscriptions"}:              "admin reviewer",
	{"POST", "/console/subscriptions"}:             "admin reviewer",
	{"POST", "/console/subscriptions/{id}/remove"}: "admin reviewer",
	{"POST", "/console/deliveries/{id}/retry"}:     "admin reviewer",
	{"GET", "/console/outbox"}:                     "admin",
	{"GET", "/console/system"}:                     "admin",
	{"GET", "/api/v1/tasks"}:                       "admin reviewer clerk tok-tasks",
	{"GET", "/api/v1/tasks/{id}"}:                  "admin reviewer clerk tok-tasks",
	{"POST", "/api/v1/tasks/{id}/response"}:        "admin reviewer clerk tok-tasks",
	{"GET", "/api/v1/subscriptions"}:               "admin reviewer tok-subs",
	{"POST", "/api/v1/subscriptions"}:              "admin reviewer tok-subs",
	{"GET", "/api/v1/subscriptions/{id}"}:          "admin reviewer tok-subs",
	{"DELETE", "/api/v1/subscriptions/{id}"}:       "admin reviewer tok-subs",
	{"GET", "/api/v1/deliveries"}:                  "admin reviewer tok-subs",
	{"POST", "/api/v1/deliveries/{id}/retry"}:      "admin reviewer tok-subs",
	{"GET", "/api/v1/outbox"}:                      "admin",
}

// walkPurpose is the purpose TestMatrixWalk states on every route: routes that need one
// (NeedsPurpose) are then decided by role and scope alone, and tried once more without it.
const walkPurpose = "行政许可审批：食品经营许可"

// TestMatrixWalk tries every principal on every route and compares with expected.
func TestMatrixWalk(t *testing.T) {
	m := DefaultMatrix()
	for rt, who := range expected {
		allowed := strings.Fields(who)
		for name, p := range principals {
			want := who == "*" || slices.Contains(allowed, name)
			d := m.Decide(rt[0], rt[1], p, walkPurpose)
			if r := m.find(rt[0], rt[1]); want && r != nil && r.NeedsPurpose && p.kind() != KindSubject {
				// The same caller without a purpose is refused: 须说明查询事由.
				if d0 := m.Decide(rt[0], rt[1], p, ""); d0.Allow || d0.Err != ErrPurposeMissing {
					t.Errorf("%s %s as %s without a purpose: %+v, want ErrPurposeMissing", rt[0], rt[1], name, d0)
				}
			}
			if d.Allow != want {
				t.Errorf("%s %s as %s: allow = %v (%v), want %v", rt[0], rt[1], name, d.Allow, d.Err, want)
				continue
			}
			wantStatus := http.StatusOK
			if !want {
				wantStatus = http.StatusForbidden
				if p == nil {
					wantStatus = http.StatusUnauthorized
				}
			}
			if d.Status != wantStatus || (d.Err == nil) != d.Allow || d.Rule == nil {
				t.Errorf("%s %s as %s: status %d, err %v, rule %v; want status %d", rt[0], rt[1], name, d.Status, d.Err, d.Rule, wantStatus)
			}
		}
	}
}

func TestDefaultMatrixCheck(t *testing.T) {
	if err := DefaultMatrix().Check(); err != nil {
		t.Fatal(err)
	}
	a, b := DefaultMatrix(), DefaultMatrix()
	a[0].Public = false
	if !b[0].Public {
		t.Error("DefaultMatrix returns a shared slice")
	}
}

// TestMatrixCoversEveryRoute reads the routes web registers from its source (web cannot be
// imported here: it will import auth) and holds them against DefaultMatrix and expected.
func TestMatrixCoversEveryRoute(t *testing.T) {
	routes := webRoutes(t)
	m := DefaultMatrix()
	for _, rt := range m.Missing(routes) {
		t.Errorf("route %q %q has no rule in DefaultMatrix: add one", rt[0], rt[1])
	}
	for _, r := range m.Unused(routes) {
		t.Errorf("rule %q %q matches no route of web: remove it", r.Method, r.Pattern)
	}
	have := map[[2]string]bool{}
	for _, rt := range routes {
		have[rt] = true
		if _, ok := expected[rt]; !ok {
			t.Errorf("route %q %q is missing from the expected table of TestMatrixWalk", rt[0], rt[1])
		}
	}
	for rt := range expected {
		if !have[rt] {
			t.Errorf("expected lists %q %q, which web does not register", rt[0], rt[1])
		}
	}
}

// webRoutes parses the non-test Go files of ../web and returns every route they register:
// the string literal given to a mux's HandleFunc or Handle, and each element of a []route
// literal (the API table: method and path first).
func webRoutes(t *testing.T) [][2]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "web", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no web sources: %v", err)
	}
	var out [][2]string
	add := func(method, path string) { out = append(out, [2]string{method, path}) }
	fset := gotoken.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") || len(n.Args) != 2 {
					return true
				}
				if s, ok := stringLit(n.Args[0]); ok {
					if method, path, ok := strings.Cut(s, " "); ok {
						add(method, path)
					} else {
						add("", s)
					}
				}
			case *ast.CompositeLit:
				at, ok := n.Type.(*ast.ArrayType)
				if !ok {
					return true
				}
				if id, ok := at.Elt.(*ast.Ident); !ok || id.Name != "route" {
					return true
				}
				for _, el := range n.Elts {
					cl, ok := el.(*ast.CompositeLit)
					if !ok {
						t.Fatalf("%s: a []route element that is not a literal", fset.Position(el.Pos()))
					}
					var method, path string
					for i, v := range cl.Elts {
						key := ""
						if kv, ok := v.(*ast.KeyValueExpr); ok {
							key, v = kv.Key.(*ast.Ident).Name, kv.Value
						} else if i < 2 {
							key = [2]string{"Method", "Path"}[i]
						}
						s, _ := stringLit(v)
						switch key {
						case "Method":
							method = s
						case "Path":
							path = s
						}
					}
					if method == "" || path == "" {
						t.Fatalf("%s: cannot read method and path of a route", fset.Position(cl.Pos()))
					}
					add(method, path)
				}
			}
			return true
		})
	}
	if len(out) < 30 {
		t.Fatalf("found only %d routes in web: update webRoutes to how web registers them now", len(out))
	}
	return out
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != gotoken.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// testMatrix exercises what the default matrix has no route for yet: a personal-data read
// that needs a stated purpose, shared data, a subject's own page, any-method fallback.
var testMatrix = Matrix{
	{Method: "GET", Pattern: "/api/v1/persons/{key}", Roles: []Role{RoleClerk, RoleAdmin, RoleSubject}, Scope: ScopeRecordsRead,
		Disclosure: credit.DisclosureAuthorised, NeedsPurpose: true},
	{Method: "GET", Pattern: "/api/v1/shared/{code}", Roles: []Role{RoleClerk}, Scope: ScopeRecordsRead, Disclosure: credit.DisclosureShared},
	{Method: "GET", Pattern: "/audit", Roles: []Role{RoleAuditor}, Disclosure: credit.DisclosurePublic},
	{Method: "GET", Pattern: "/x", Public: true, Disclosure: credit.DisclosurePublic},
	{Method: "", Pattern: "/x", Roles: []Role{RoleAdmin}, Disclosure: credit.DisclosurePublic},
}

func TestDecide(t *testing.T) {
	clerk, sub := principals["clerk"], principals["subject"]
	tokCheck, tokRead := principals["tok-check"], principals["tok-read"]
	tests := []struct {
		name            string
		method, pattern string
		p               *Principal
		purpose         string
		status          int
		code            string // error code when refused
		log             bool
		logPurpose      string
	}{
		{"anonymous on personal data", "GET", "/api/v1/persons/{key}", nil, "", 401, credit.EUNAUTH, false, ""},
		{"unknown kind counts as anonymous", "GET", "/api/v1/persons/{key}", &Principal{Kind: "robot", Roles: []Role{RoleClerk}}, "x", 401, credit.EUNAUTH, false, ""},
		{"role mismatch", "GET", "/api/v1/persons/{key}", principals["submitter"], "核查", 403, credit.EFORBIDDEN, false, ""},
		{"clerk without purpose", "GET", "/api/v1/persons/{key}", clerk, "", 403, credit.EFORBIDDEN, false, ""},
		{"clerk with blank purpose", "GET", "/api/v1/persons/{key}", clerk, " \u3000 ", 403, credit.EFORBIDDEN, false, ""},
		{"clerk with purpose", "GET", "/api/v1/persons/{key}", clerk, " 政府采购供应商资格审查 ", 200, "", true, "政府采购供应商资格审查"},
		{"purpose with control characters", "GET", "/api/v1/persons/{key}", clerk, "a\x00b", 400, credit.EINVALID, false, ""},
		{"purpose too long", "GET", "/api/v1/persons/{key}", clerk, strings.Repeat("事", 201), 400, credit.EINVALID, false, ""},
		{"subject needs no purpose", "GET", "/api/v1/persons/{key}", sub, "", 200, "", true, "本人查询 / own record"},
		{"token with scope and purpose", "GET", "/api/v1/persons/{key}", tokCheck, "行政许可", 200, "", true, "行政许可"},
		{"token with scope, no purpose", "GET", "/api/v1/persons/{key}", tokCheck, "", 403, credit.EFORBIDDEN, false, ""},
		{"token without scope", "GET", "/api/v1/persons/{key}", tokRead, "行政许可", 403, credit.EFORBIDDEN, false, ""},
		{"shared data is logged", "GET", "/api/v1/shared/{code}", clerk, "", 200, "", true, ""},
		{"shared data, not for subjects", "GET", "/api/v1/shared/{code}", sub, "", 403, credit.EFORBIDDEN, false, ""},
		{"auditor", "GET", "/audit", principals["auditor"], "", 200, "", false, ""},
		{"token where none may go", "GET", "/audit", tokCheck, "", 403, credit.EFORBIDDEN, false, ""},
		{"admin is not auditor", "GET", "/audit", principals["admin"], "", 403, credit.EFORBIDDEN, false, ""},
		{"HEAD follows GET", "HEAD", "/audit", principals["auditor"], "", 200, "", false, ""},
		{"pattern with its method", "", "GET /audit", principals["auditor"], "", 200, "", false, ""},
		{"lower-case method", "get", "/audit", principals["auditor"], "", 200, "", false, ""},
		{"exact method before any-method", "GET", "/x", nil, "", 200, "", false, ""},
		{"any-method rule", "DELETE", "/x", nil, "", 401, credit.EUNAUTH, false, ""},
		{"no rule: default deny", "GET", "/nowhere", principals["admin"], "", 403, credit.EFORBIDDEN, false, ""},
		{"no rule for this method", "POST", "/audit", principals["auditor"], "", 403, credit.EFORBIDDEN, false, ""},
	}
	if err := testMatrix.Check(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		d := testMatrix.Decide(tt.method, tt.pattern, tt.p, tt.purpose)
		if d.Status != tt.status || d.Allow != (tt.status == 200) || credit.ErrorCode(d.Err) != tt.code {
			t.Errorf("%s: Decide = %d %v, want %d %s", tt.name, d.Status, d.Err, tt.status, tt.code)
			continue
		}
		if d.Allow && (d.LogQuery != tt.log || d.Purpose != tt.logPurpose) {
			t.Errorf("%s: log %v purpose %q, want %v %q", tt.name, d.LogQuery, d.Purpose, tt.log, tt.logPurpose)
		}
		if d.Err != nil && !chineseFirst(credit.ErrorMessage(d.Err)) {
			t.Errorf("%s: message %q is not Chinese first", tt.name, credit.ErrorMessage(d.Err))
		}
	}
	d := testMatrix.Decide("GET", "/api/v1/persons/{key}", clerk, "")
	if d.Err != ErrPurposeMissing || !strings.Contains(d.Err.Error(), "须说明查询事由") {
		t.Errorf("missing purpose: %v", d.Err)
	}
	// The implied purpose of a route is logged when the caller states none.
	d = DefaultMatrix().Decide("GET", "/api/v1/batches/{id}/rejects", principals["submitter"], "")
	if !d.Allow || !d.LogQuery || d.Purpose != correcting {
		t.Errorf("rejects: %+v", d)
	}
}

func TestMatrixCheckRefuses(t *testing.T) {
	pub := credit.DisclosurePublic
	bad := []Rule{
		{Method: "GET", Pattern: "/a", Public: true, Roles: []Role{RoleAdmin}, Disclosure: pub},
		{Method: "GET", Pattern: "/b", Public: true, Disclosure: credit.DisclosureShared},
		{Method: "GET", Pattern: "/c", Disclosure: pub},
		{Method: "GET", Pattern: "/d", Roles: []Role{"root"}, Disclosure: pub},
		{Method: "GET", Pattern: "/e", Scope: "everything", Disclosure: pub},
		{Method: "GET", Pattern: "/f", Roles: []Role{RoleClerk}, Disclosure: credit.DisclosureAuthorised},
		{Method: "GET", Pattern: "/g", Roles: []Role{RoleClerk}},
		{Method: "FETCH", Pattern: "/h", Roles: []Role{RoleClerk}, Disclosure: pub},
		{Method: "GET", Pattern: "i", Roles: []Role{RoleClerk}, Disclosure: pub},
	}
	for _, r := range bad {
		if err := (Matrix{r}).Check(); err == nil {
			t.Errorf("Check accepted %+v", r)
		}
	}
	dup := Matrix{bad[2], bad[2]}
	dup[0].Roles, dup[1].Roles = []Role{RoleAdmin}, []Role{RoleAdmin}
	if err := dup.Check(); err == nil || !strings.Contains(err.Error(), "规则重复") {
		t.Errorf("duplicate rules: %v", err)
	}
}

func TestPrincipal(t *testing.T) {
	var nilP *Principal
	if nilP.Has(RoleAdmin) || nilP.ActsFor("fgw") || nilP.Actor() != "anonymous" || nilP.Is("x") {
		t.Error("nil principal has rights")
	}
	admin, sub := principals["admin"], principals["submitter"]
	if !admin.ActsFor("fgw") || !sub.ActsFor("fgw") || sub.ActsFor("sw") || sub.ActsFor("") {
		t.Error("ActsFor")
	}
	if principals["clerk"].Actor() != "user:4" || principals["subject"].Actor() != "subject:91370000MA3C5KXX7A" {
		t.Error("Actor")
	}
	odd := []*Principal{
		{Kind: KindSubject, Roles: []Role{RoleSubject, RoleAdmin}},
		{Kind: KindStaff, Roles: []Role{RoleSubject}},
		{Kind: KindAnonymous, Roles: []Role{RoleAdmin}},
		{Roles: []Role{RoleAdmin}},
	}
	for _, p := range odd {
		if p.Has(RoleAdmin) || (p.Kind == KindStaff && p.Has(RoleSubject)) {
			t.Errorf("%+v holds a role its kind cannot", p)
		}
		if d := DefaultMatrix().Decide("PUT", "/api/v1/catalog", p, ""); d.Allow {
			t.Errorf("%+v may publish the catalog", p)
		}
	}
	if !odd[0].Has(RoleSubject) {
		t.Error("a subject lost its role")
	}
	if !principals["subject"].Is("91370000MA3C5KXX7A") || principals["subject"].Is("") || admin.Is("91370000MA3C5KXX7A") {
		t.Error("Is")
	}
	for _, r := range AllRoles {
		got, err := ParseRole(" " + strings.ToUpper(string(r)) + " ")
		if err != nil || got != r || r.NameZH() == "" || r.NameEN() == "" {
			t.Errorf("role %s: %v %v", r, got, err)
		}
		if got, err := ParseRole(r.NameZH()); err != nil || got != r {
			t.Errorf("ParseRole(%s) = %v %v", r.NameZH(), got, err)
		}
	}
	if _, err := ParseRole("root"); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("ParseRole(root) = %v", err)
	}
}

func FuzzCleanPurpose(f *testing.F) {
	f.Add("政府采购供应商资格审查")
	f.Add(" \t ")
	f.Add("a\x00b")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := CleanPurpose(s)
		if err != nil {
			return
		}
		if got != strings.TrimSpace(got) || len([]rune(got)) > MaxPurposeLen || strings.ContainsAny(got, "\x00\n\r") {
			t.Fatalf("CleanPurpose(%q) = %q", s, got)
		}
	})
}

// FuzzDecide: any method, pattern and purpose get a consistent answer and never a panic.
func FuzzDecide(f *testing.F) {
	f.Add("GET", "/api/v1/batches/{id}/rejects", "报送纠错", 1)
	f.Add("HEAD", "GET /", "", 0)
	f.Add("", " ", "\xff", 8)
	names := make([]string, 0, len(principals))
	for n := range principals {
		names = append(names, n)
	}
	slices.Sort(names)
	m := DefaultMatrix()
	f.Fuzz(func(t *testing.T, method, pattern, purpose string, who int) {
		p := principals[names[(who%len(names)+len(names))%len(names)]]
		d := m.Decide(method, pattern, p, purpose)
		if d.Allow != (d.Err == nil) || d.Allow != (d.Status == http.StatusOK) {
			t.Fatalf("inconsistent decision %+v", d)
		}
		if d.Allow && d.Rule == nil {
			t.Fatal("allowed without a rule")
		}
		if !d.Allow && d.Status != 400 && d.Status != 401 && d.Status != 403 {
			t.Fatalf("refusal with status %d", d.Status)
		}
	})
}

// chineseFirst reports whether msg reads "中文 / English": Chinese before the first " / ",
// English after it.
func chineseFirst(msg string) bool {
	zh, en, ok := strings.Cut(msg, " / ")
	return ok && strings.ContainsFunc(zh, func(r rune) bool { return unicode.Is(unicode.Han, r) }) &&
		!strings.ContainsFunc(en, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}
