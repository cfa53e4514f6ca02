package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/auth"
)

// The system page shows an administrator the store's settings check, in both languages; other
// roles cannot open it and do not see it in the navigation.
func TestConsoleSystem(t *testing.T) {
	e := newEnv(t, Config{})
	e.addUser("admin", "fgw", auth.RoleAdmin)
	e.addUser("sub", "scjg", auth.RoleSubmitter)

	admin := newBrowser(e)
	admin.signInAs(t, "admin", "/console/")
	if !strings.Contains(admin.get("/console/").Body.String(), `href="/console/system"`) {
		t.Error("the administrator's navigation lacks the system page")
	}
	w := admin.get("/console/system")
	wantStatus(t, w, http.StatusOK)
	contains(t, w.Body.String(), "系统状态", "SQLite（嵌入式）", `id="settings"`, "<code>journal_mode</code>", "全部正常", "tag-ok")
	w = admin.get("/console/system?lang=en")
	contains(t, w.Body.String(), "System", "SQLite (embedded)", "All fine", "readers do not block the writer")

	sub := newBrowser(e)
	sub.signInAs(t, "sub", "/console/")
	if strings.Contains(sub.get("/console/").Body.String(), `href="/console/system"`) {
		t.Error("a submitter's navigation offers the system page")
	}
	if w := sub.get("/console/system"); w.Code != http.StatusForbidden {
		t.Errorf("submitter opening the system page: %d, want 403", w.Code)
	}
}
