package web

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The embedded OpenAPI document and the registered API routes describe the same set of
// (method, path): a route added without documenting it, or documented without existing, fails.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title, Version string
		} `json:"info"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIJSON, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Info.Title == "" || doc.Info.Version == "" {
		t.Fatalf("not an OpenAPI 3 document: %q %+v", doc.OpenAPI, doc.Info)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("servers %+v", doc.Servers)
	}
	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true, "trace": true}
	var documented []string
	for path, ops := range doc.Paths {
		for m, raw := range ops {
			if !methods[m] {
				continue
			}
			documented = append(documented, strings.ToUpper(m)+" "+doc.Servers[0].URL+path)
			var op struct {
				Summary    string `json:"summary"`
				Parameters []struct {
					Name, In string
				} `json:"parameters"`
				Responses map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			if !hasChinese(op.Summary) || !strings.Contains(op.Summary, "/") || len(op.Responses) == 0 {
				t.Errorf("%s %s: summary %q must be Chinese / English, with responses", m, path, op.Summary)
			}
			for _, pm := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
				if !slices.ContainsFunc(op.Parameters, func(p struct{ Name, In string }) bool { return p.Name == pm[1] && p.In == "path" }) {
					t.Errorf("%s %s: path parameter %s undeclared", m, path, pm[1])
				}
			}
		}
	}
	s := newEnv(t, Config{}).srv
	var registered []string
	for _, rt := range s.apiRoutes() {
		registered = append(registered, rt.Method+" "+rt.Path)
		// The table entry is what the mux serves.
		path := strings.NewReplacer("{id}", "1", "{code}", "X").Replace(rt.Path)
		if _, pat := s.mux.Handler(httptest.NewRequest(rt.Method, path, nil)); pat != rt.Method+" "+rt.Path {
			t.Errorf("%s %s is served by %q", rt.Method, rt.Path, pat)
		}
	}
	slices.Sort(documented)
	slices.Sort(registered)
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not documented in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("openapi.json documents %s, which is not a route", d)
		}
	}
}

// The document says which credentials each route takes, as the matrix decides it: none for
// public routes, bearerAuth where a department token may call, cookieAuth where staff roles may.
func TestOpenAPISecurity(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIJSON, &doc); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bearerAuth", "cookieAuth"} {
		if _, ok := doc.Components.SecuritySchemes[name]; !ok {
			t.Errorf("security scheme %s missing", name)
		}
	}
	s := newEnv(t, Config{}).srv
	for _, rt := range s.apiRoutes() {
		raw := doc.Paths[strings.TrimPrefix(rt.Path, "/api/v1")][strings.ToLower(rt.Method)]
		var op struct {
			Security  []map[string][]string      `json:"security"`
			Responses map[string]json.RawMessage `json:"responses"`
		}
		if err := json.Unmarshal(raw, &op); err != nil {
			t.Fatalf("%s %s: %v", rt.Method, rt.Path, err)
		}
		has := func(scheme string) bool {
			return slices.ContainsFunc(op.Security, func(m map[string][]string) bool { _, ok := m[scheme]; return ok })
		}
		rule := s.matrix.Decide(rt.Method, rt.Path, nil, "").Rule
		if rule == nil {
			t.Fatalf("%s %s: no rule", rt.Method, rt.Path)
		}
		where := rt.Method + " " + rt.Path
		if rule.Public != (len(op.Security) == 0) {
			t.Errorf("%s: public %v, security %v", where, rule.Public, op.Security)
		}
		if (rule.Scope != "") != has("bearerAuth") || (len(rule.Roles) > 0) != has("cookieAuth") {
			t.Errorf("%s: scope %q roles %v, security %v", where, rule.Scope, rule.Roles, op.Security)
		}
		if !rule.Public && (op.Responses["401"] == nil || op.Responses["403"] == nil) {
			t.Errorf("%s: 401 and 403 undocumented", where)
		}
	}
}

// Every $ref in the document points at a schema it defines.
func TestOpenAPIRefs(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIJSON, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if _, ok := schemas[name]; !ok || name == ref {
					t.Errorf("dangling $ref %q", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	e := newEnv(t, Config{})
	w := e.get("/api/v1/openapi.json")
	wantStatus(t, w, 200)
	if w.Body.String() != string(openAPIJSON) {
		t.Error("served document differs from the embedded one")
	}
}
