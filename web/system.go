package web

import (
	"net/http"

	"github.com/xinyong/xinyong/store"
)

// The system page (系统状态): the store's engine and its settings check, the same findings as
// `xinyong doctor`, for administrators who run the platform from the console.

var systemMessages = map[string][2]string{
	"console.system":         {"系统状态", "System"},
	"system.intro":           {"数据库服务器与存储的设置检查，与命令 xinyong doctor 相同。严重与警告项请交数据库管理员处理；建议项在数据量达到城市规模时有用。", "The settings check of the database server and the store, the same as the xinyong doctor command. Hand critical findings and warnings to the database administrator; advice matters once the store holds a city's data."},
	"system.engine":          {"存储", "Store"},
	"system.engine.sqlite":   {"SQLite（嵌入式）", "SQLite (embedded)"},
	"system.engine.postgres": {"PostgreSQL", "PostgreSQL"},
	"system.summary":         {"检查结果", "Result"},
	"system.setting":         {"设置项", "Setting"},
	"system.current":         {"当前值", "Current"},
	"system.want":            {"建议值", "Recommended"},
	"system.why":             {"说明", "Why"},
	"system.level":           {"级别", "Level"},
	"system.level.ok":        {"正常", "OK"},
	"system.level.advice":    {"建议", "Advice"},
	"system.level.warning":   {"警告", "Warning"},
	"system.level.critical":  {"严重", "Critical"},
	"system.none":            {"该存储没有设置检查。", "This store has no settings check."},
	"system.allok":           {"全部正常。", "All fine."},
}

func init() {
	addMessages(systemMessages)
}

type systemPage struct {
	base
	Engine   string
	Findings []store.Finding
	// Counts per level, for the summary line.
	Counts map[store.Level]int
	Worst  store.Level
}

// levelTag is the tag class of a finding's level.
func (systemPage) LevelTag(l store.Level) string {
	switch l {
	case store.LevelCritical:
		return "tag-failed"
	case store.LevelWarning, store.LevelAdvice:
		return "tag-warn"
	}
	return "tag-ok"
}

// consoleSystem shows the store's settings check to administrators.
func (s *Server) consoleSystem(w http.ResponseWriter, r *http.Request) {
	p := systemPage{base: s.consoleBase(w, r, "console.system")}
	var err error
	p.Engine, p.Findings, err = s.app.StoreSettings(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Counts, p.Worst = store.Tally(p.Findings)
	s.render(w, r, http.StatusOK, "system", p)
}
