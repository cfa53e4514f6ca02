package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/store"
)

var _ store.SettingsChecker = (*DB)(nil)

// largeStore is the database size from which the size-dependent settings are compared with the
// city run's (docs/operations.md, "Server settings for a city"): below it, PostgreSQL's
// defaults serve.
const largeStore = 1 << 30

// pgSetting is one row of pg_settings: the raw value, its unit and the value as shown.
type pgSetting struct {
	raw, unit, shown string
}

// bytes is the setting in bytes, for settings measured in memory units.
func (s pgSetting) bytes() int64 {
	n, _ := strconv.ParseInt(s.raw, 10, 64)
	switch s.unit {
	case "B":
		return n
	case "kB":
		return n << 10
	case "8kB":
		return n << 13
	case "MB":
		return n << 20
	case "GB":
		return n << 30
	}
	return n
}

// checkedSettings are the server settings CheckSettings reads.
var checkedSettings = []string{
	"server_version_num", "server_version", "server_encoding", "fsync", "full_page_writes",
	"synchronous_commit", "autovacuum", "statement_timeout", "shared_buffers", "max_wal_size",
	"wal_compression", "maintenance_work_mem",
}

// CheckSettings compares the server's settings, as this store's connections see them (after
// ALTER SYSTEM, ALTER DATABASE, ALTER ROLE and the DSN's options), with what Xinyong needs, and
// looks for large tables the planner has no statistics for.
func (db *DB) CheckSettings(ctx context.Context) ([]store.Finding, error) {
	rows, err := db.pool.Query(ctx, `SELECT name, setting, coalesce(unit, ''), current_setting(name) FROM pg_settings WHERE name = ANY($1)`, checkedSettings)
	if err != nil {
		return nil, err
	}
	set := map[string]pgSetting{}
	var name string
	var v pgSetting
	if _, err := pgx.ForEachRow(rows, []any{&name, &v.raw, &v.unit, &v.shown}, func() error {
		set[name] = v
		return nil
	}); err != nil {
		return nil, err
	}
	var size int64
	var schema string
	if err := db.pool.QueryRow(ctx, `SELECT pg_database_size(current_database()), coalesce(current_schema(), '')`).Scan(&size, &schema); err != nil {
		return nil, err
	}
	out := settingFindings(set, size)
	// Shown, not judged: a search_path naming a schema that does not exist falls back to the
	// next one (often public), and the store's tables end up there.
	out = append(out, store.Finding{Level: store.LevelOK, Name: "current_schema", Current: schema,
		WhyZH: "本存储的表所在的模式（search_path 中第一个存在的模式）",
		WhyEN: "the schema holding the store's tables (the first schema of search_path that exists)"})
	stale, err := db.unanalysed(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, stale)
	store.SortFindings(out)
	return out, nil
}

// settingFindings judges the settings; size is the database's size in bytes.
func settingFindings(set map[string]pgSetting, size int64) []store.Finding {
	var out []store.Finding
	add := func(lvl store.Level, name, want, zh, en string) {
		out = append(out, store.Finding{Level: lvl, Name: name, Current: set[name].shown, Want: want, WhyZH: zh, WhyEN: en})
	}
	pick := func(bad bool, lvl store.Level) store.Level {
		if bad {
			return lvl
		}
		return store.LevelOK
	}

	v, _ := strconv.Atoi(set["server_version_num"].raw)
	out = append(out, store.Finding{Level: pick(v < 150000, store.LevelWarning), Name: "server_version",
		Current: set["server_version"].shown, Want: "15 或更高 / 15 or later",
		WhyZH: "Xinyong 在 PostgreSQL 15 上测试", WhyEN: "Xinyong is tested on PostgreSQL 15"})
	add(pick(set["server_encoding"].raw != "UTF8", store.LevelCritical), "server_encoding", "UTF8",
		"名称、字段与文书为中文，须以 UTF-8 存储", "names, fields and documents are Chinese text and must be stored as UTF-8")
	add(pick(set["fsync"].raw != "on", store.LevelCritical), "fsync", "on",
		"关闭后，服务器或主机崩溃可能损坏整个数据库", "with it off, a crash of the server or the machine can corrupt the whole database")
	add(pick(set["full_page_writes"].raw != "on", store.LevelCritical), "full_page_writes", "on",
		"关闭后，崩溃时写了一半的数据页无法恢复", "with it off, a page half written at a crash cannot be recovered")
	add(pick(set["synchronous_commit"].raw == "off", store.LevelWarning), "synchronous_commit", "on",
		"关闭后，已答复的导入批次与决定在主机断电时可能丢失；Xinyong 只对核查日志自行关闭",
		"with it off, import batches and decisions already answered can be lost at a power failure; Xinyong turns it off itself only for the window checks' log")
	add(pick(set["autovacuum"].raw != "on", store.LevelWarning), "autovacuum", "on",
		"关闭后，规划器统计与可见性信息不再随数据更新，查询可能选错计划",
		"with it off, the planner's statistics and the visibility map stop following the data, and queries can pick bad plans")
	timeout, _ := strconv.ParseInt(set["statement_timeout"].raw, 10, 64)
	add(pick(timeout > 0, store.LevelWarning), "statement_timeout", "0",
		"长语句会被取消：改写整表的迁移、xinyong copy 每表一条 COPY、大表的 ANALYZE；请只对其他角色设置",
		"long statements are cancelled: a migration that rewrites a table, xinyong copy's one COPY per table, ANALYZE of a large table; set it for other roles only")

	large := size >= largeStore
	sizeNote := func(zh, en string) (string, string) {
		if !large {
			return "数据库小于 1 GB，默认值即可（" + zh + "）", "the database is under 1 GB, so the default serves (" + en + ")"
		}
		return zh, en
	}
	zh, en := sizeNote("城市规模时索引的热点部分应留在服务器缓存中；约为内存的六分之一",
		"at city scale the hot part of the indexes should stay in the server's cache; about a sixth of RAM")
	add(pick(large && set["shared_buffers"].bytes() < 1<<30, store.LevelAdvice), "shared_buffers", "≥ 1GB（24 GB 内存时 4GB / 4GB on 24 GB of RAM）", zh, en)
	zh, en = sizeNote("批量导入不会每几秒触发一次检查点", "a bulk import does not force a checkpoint every few seconds")
	add(pick(large && set["max_wal_size"].bytes() < 4<<30, store.LevelAdvice), "max_wal_size", "≥ 4GB（城市规模测量时 16GB / 16GB in the city run）", zh, en)
	zh, en = sizeNote("检查点后的整页写入约减半", "the full-page writes after each checkpoint take about half the space")
	add(pick(large && set["wal_compression"].raw == "off", store.LevelAdvice), "wal_compression", "lz4", zh, en)
	zh, en = sizeNote("迁移重建索引与 VACUUM 更快", "migrations rebuild indexes and VACUUM runs faster")
	add(pick(large && set["maintenance_work_mem"].bytes() < 256<<20, store.LevelAdvice), "maintenance_work_mem", "≥ 256MB（1GB）", zh, en)
	return out
}

// analyseRows is the number of rows changed since the last ANALYZE from which a table is
// reported.
const analyseRows = 10000

// unanalysed finds the store's tables whose planner statistics are stale: at least analyseRows
// rows, and at least half the table, written or deleted since the table was last analysed (by
// hand, by the importer at each doubling or by autovacuum), so the statistics describe a table
// less than half its size — after a first bulk load or a copy with autovacuum off, for example.
func (db *DB) unanalysed(ctx context.Context) (store.Finding, error) {
	rows, err := db.pool.Query(ctx, `SELECT relname FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND n_mod_since_analyze >= $1 AND n_mod_since_analyze * 2 >= n_live_tup
		ORDER BY relname`, analyseRows)
	if err != nil {
		return store.Finding{}, err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return store.Finding{}, err
	}
	f := store.Finding{Level: store.LevelOK, Name: "ANALYZE", Current: "—",
		WhyZH: "各表的规划器统计与其大小相符", WhyEN: "every table's planner statistics match its size"}
	if len(tables) > 0 {
		f.Level = store.LevelWarning
		f.Current = strings.Join(tables, ", ")
		f.Want = "ANALYZE"
		f.WhyZH = "这些表自上次分析以来变化过半，规划器统计已过时；请运行 ANALYZE"
		f.WhyEN = "more than half of each of these tables changed since it was last analysed, so the planner's statistics are stale; run ANALYZE"
	}
	return f, nil
}
