package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// deliveryFixture gives dept task 1, subscription 1 (a webhook on the fixture's CodeA) and
// webhook delivery 1, through a status change of CodeA entering the list "black_list".
func (e *env) deliveryFixture(t testing.TB, dept string) {
	t.Helper()
	ctx := context.Background()
	p := &auth.Principal{Kind: auth.KindStaff, UserID: 99, Dept: dept, Roles: []auth.Role{auth.RoleReviewer}}
	if _, _, err := e.app.Subscribe(ctx, p, app.SubscribeRequest{Target: credit.TargetSubject, Subject: e.f.CodeA,
		Channel: credit.ChannelWebhook, URL: "https://" + dept + ".example.com/hook", Purpose: "联合惩戒"}, ""); err != nil {
		t.Fatal(err)
	}
	err := e.app.Store.Update(ctx, func(tx store.Tx) error {
		return e.app.StatusChanged(ctx, tx, credit.StatusChange{Kind: credit.ChangeListEnter, SubjectKey: e.f.CodeA, List: "black_list",
			Depts: []string{dept}, Reason: "列入严重失信主体名单"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConsoleTasksAndSubscriptions(t *testing.T) {
	e := newEnv(t, Config{})
	e.deliveryFixture(t, "scjg")
	e.addUser("rev", "scjg", auth.RoleReviewer)
	e.addUser("other", "sw", auth.RoleReviewer)
	sid := e.signIn("rev")

	// The inbox shows the task with its deadline and the respond form.
	w := e.do("GET", "/console/tasks", nil, e.sessionHdr(sid)...)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "列入名单") || !strings.Contains(w.Body.String(), `action="/console/tasks/1/response"`) ||
		!strings.Contains(w.Body.String(), "待响应") {
		t.Fatalf("tasks page: %d %s", w.Code, clip(w.Body.String()))
	}
	// Another department's reviewer sees none of it.
	osid := e.signIn("other")
	if w := e.do("GET", "/console/tasks", nil, e.sessionHdr(osid)...); strings.Contains(w.Body.String(), "/console/tasks/1/response") {
		t.Fatal("another department sees the task")
	}
	// A response without text is refused on the page, with the reason.
	w = e.postForm(sid, "/console/tasks/1/response", url.Values{"outcome": {"applied"}, "response": {" "}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "请说明采取了哪些措施") {
		t.Fatalf("empty response: %d %s", w.Code, clip(w.Body.String()))
	}
	w = e.postForm(sid, "/console/tasks/1/response", url.Values{"outcome": {"applied"}, "response": {"已暂停其评优评先资格"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("respond: %d %s", w.Code, clip(w.Body.String()))
	}
	if w := e.do("GET", "/console/tasks?status=responded&lang=en", nil, e.sessionHdr(sid)...); !strings.Contains(w.Body.String(), "已暂停其评优评先资格") ||
		!strings.Contains(w.Body.String(), "Measure applied") {
		t.Fatalf("responded task: %s", clip(w.Body.String()))
	}

	// Subscriptions: the list, the form, a new one with the secret shown once.
	w = e.do("GET", "/console/subscriptions", nil, e.sessionHdr(sid)...)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "scjg.example.com") || !strings.Contains(w.Body.String(), `id="sub-form"`) {
		t.Fatalf("subscriptions page: %d %s", w.Code, clip(w.Body.String()))
	}
	w = e.postForm(sid, "/console/subscriptions", url.Values{"target": {"list"}, "list": {"black_list"}, "channel": {"webhook"},
		"url": {"http://127.0.0.1/x"}, "purpose": {"联合惩戒"}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "内网") {
		t.Fatalf("loopback webhook: %d %s", w.Code, clip(w.Body.String()))
	}
	w = e.postForm(sid, "/console/subscriptions", url.Values{"target": {"list"}, "list": {"black_list"}, "channel": {"webhook"},
		"url": {"https://scjg.example.com/black"}, "purpose": {"联合惩戒"}})
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), "whsec_") || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("subscribe: %d %s", w.Code, clip(w.Body.String()))
	}
	if w := e.do("GET", "/console/subscriptions", nil, e.sessionHdr(sid)...); strings.Contains(w.Body.String(), "whsec_") {
		t.Fatal("the secret is shown again")
	}
	if w := e.postForm(osid, "/console/subscriptions/1/remove", nil); w.Code != http.StatusForbidden {
		t.Fatalf("another department removed it: %d", w.Code)
	}
	if w := e.postForm(sid, "/console/subscriptions/1/remove", nil); w.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", w.Code, clip(w.Body.String()))
	}
}

func TestAPITasksAndSubscriptions(t *testing.T) {
	e := newEnv(t, Config{})
	e.deliveryFixture(t, "scjg")
	tok, _ := e.issueToken("scjg", auth.ScopeTasksWrite, auth.ScopeSubscriptionsWrite)
	other, _ := e.issueToken("sw", auth.ScopeTasksWrite, auth.ScopeSubscriptionsWrite)

	w := e.do("GET", "/api/v1/tasks?status=open", nil, bearer(tok)...)
	var tasks struct{ Tasks []credit.Task }
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &tasks) != nil || len(tasks.Tasks) != 1 || tasks.Tasks[0].Dept != "scjg" {
		t.Fatalf("tasks: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("GET", "/api/v1/tasks", nil, bearer(other)...); !strings.Contains(w.Body.String(), `"tasks": []`) {
		t.Fatalf("another department's tasks: %s", w.Body.String())
	}
	if w := e.do("GET", "/api/v1/tasks?status=late", nil, bearer(tok)...); w.Code != http.StatusBadRequest {
		t.Fatalf("bad status: %d", w.Code)
	}
	if w := e.doBody("POST", "/api/v1/tasks/1/response", `{"outcome":"applied","response":"x"}`, bearer(other)...); w.Code != http.StatusForbidden {
		t.Fatalf("other department responds: %d", w.Code)
	}
	w = e.doBody("POST", "/api/v1/tasks/1/response", `{"outcome":"noted","response":"已知悉并在审批系统中标注"}`, bearer(tok)...)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"status": "responded"`) {
		t.Fatalf("respond: %d %s", w.Code, w.Body.String())
	}
	if w := e.doBody("POST", "/api/v1/tasks/1/response", `{"outcome":"noted","response":"again"}`, bearer(tok)...); w.Code != http.StatusConflict {
		t.Fatalf("respond twice: %d", w.Code)
	}

	w = e.doBody("POST", "/api/v1/subscriptions", `{"target":"subject","subject":"`+e.f.CodeB+`","channel":"webhook","url":"https://scjg.example.com/b","purpose":"事中监管"}`, bearer(tok)...)
	var created struct {
		Subscription credit.Subscription
		Secret       string
	}
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &created) != nil || !strings.HasPrefix(created.Secret, "whsec_") ||
		w.Header().Get("Location") != "/api/v1/subscriptions/2" {
		t.Fatalf("subscribe: %d %s", w.Code, w.Body.String())
	}
	if strings.Contains(e.do("GET", "/api/v1/subscriptions/2", nil, bearer(tok)...).Body.String(), "whsec_") {
		t.Fatal("the secret is readable again")
	}
	if w := e.do("GET", "/api/v1/subscriptions/2", nil, bearer(other)...); w.Code != http.StatusForbidden {
		t.Fatalf("another department reads it: %d", w.Code)
	}
	if w := e.doBody("POST", "/api/v1/subscriptions", `{"target":"subject","subject":"`+e.f.CodeB+`","channel":"webhook","url":"https://x.example.com/","purpose":"","extra":1}`, bearer(tok)...); w.Code != http.StatusBadRequest {
		t.Fatalf("unknown field: %d", w.Code)
	}
	if w := e.do("GET", "/api/v1/deliveries?status=pending", nil, bearer(tok)...); !strings.Contains(w.Body.String(), `"subscription_id": 1`) {
		t.Fatalf("deliveries: %s", w.Body.String())
	}
	if w := e.do("DELETE", "/api/v1/subscriptions/2", nil, bearer(tok)...); w.Code != http.StatusNoContent {
		t.Fatalf("unsubscribe: %d", w.Code)
	}
}

// postForm posts a console form as a signed-in user (session cookie, CSRF header).
func (e *env) postForm(sid, path string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	hdr := append(e.sessionHdr(sid), "Content-Type", "application/x-www-form-urlencoded")
	return e.do(http.MethodPost, path, strings.NewReader(form.Encode()), hdr...)
}

// doBody sends a JSON body.
func (e *env) doBody(method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(method, path, strings.NewReader(body), append(hdr, "Content-Type", "application/json")...)
}
