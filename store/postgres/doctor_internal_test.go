package postgres

import (
	"testing"

	"github.com/xinyong/xinyong/store"
)

// defaults are PostgreSQL 15's defaults, as pg_settings gives them.
func defaults() map[string]pgSetting {
	return map[string]pgSetting{
		"server_version_num":   {raw: "150020", shown: "150020"},
		"server_version":       {raw: "15.20", shown: "15.20"},
		"server_encoding":      {raw: "UTF8", shown: "UTF8"},
		"fsync":                {raw: "on", shown: "on"},
		"full_page_writes":     {raw: "on", shown: "on"},
		"synchronous_commit":   {raw: "on", shown: "on"},
		"autovacuum":           {raw: "on", shown: "on"},
		"statement_timeout":    {raw: "0", unit: "ms", shown: "0"},
		"shared_buffers":       {raw: "16384", unit: "8kB", shown: "128MB"},
		"max_wal_size":         {raw: "1024", unit: "MB", shown: "1GB"},
		"wal_compression":      {raw: "off", shown: "off"},
		"maintenance_work_mem": {raw: "65536", unit: "kB", shown: "64MB"},
	}
}

func levels(fs []store.Finding) map[string]store.Level {
	out := map[string]store.Level{}
	for _, f := range fs {
		out[f.Name] = f.Level
	}
	return out
}

func TestSettingFindings(t *testing.T) {
	// A small database on the defaults: nothing to say.
	for name, l := range levels(settingFindings(defaults(), 100<<20)) {
		if l != store.LevelOK {
			t.Errorf("small database, defaults: %s is %s, want ok", name, l)
		}
	}
	// The same defaults at city size: the four memory and WAL settings are advice.
	got := levels(settingFindings(defaults(), 40<<30))
	for _, name := range []string{"shared_buffers", "max_wal_size", "wal_compression", "maintenance_work_mem"} {
		if got[name] != store.LevelAdvice {
			t.Errorf("40 GB database, defaults: %s is %s, want advice", name, got[name])
		}
	}
	if got["fsync"] != store.LevelOK || got["autovacuum"] != store.LevelOK {
		t.Errorf("40 GB database: %v", got)
	}
	// The city settings of docs/operations.md: all fine.
	city := defaults()
	city["shared_buffers"] = pgSetting{raw: "524288", unit: "8kB", shown: "4GB"}
	city["max_wal_size"] = pgSetting{raw: "16384", unit: "MB", shown: "16GB"}
	city["wal_compression"] = pgSetting{raw: "lz4", shown: "lz4"}
	city["maintenance_work_mem"] = pgSetting{raw: "1048576", unit: "kB", shown: "1GB"}
	for name, l := range levels(settingFindings(city, 40<<30)) {
		if l != store.LevelOK {
			t.Errorf("city settings: %s is %s, want ok", name, l)
		}
	}
	// What loses data, or keeps it from being stored right.
	bad := defaults()
	bad["fsync"] = pgSetting{raw: "off", shown: "off"}
	bad["full_page_writes"] = pgSetting{raw: "off", shown: "off"}
	bad["server_encoding"] = pgSetting{raw: "SQL_ASCII", shown: "SQL_ASCII"}
	bad["synchronous_commit"] = pgSetting{raw: "off", shown: "off"}
	bad["autovacuum"] = pgSetting{raw: "off", shown: "off"}
	bad["statement_timeout"] = pgSetting{raw: "30000", unit: "ms", shown: "30s"}
	bad["server_version_num"] = pgSetting{raw: "140011", shown: "140011"}
	got = levels(settingFindings(bad, 100<<20))
	want := map[string]store.Level{
		"fsync": store.LevelCritical, "full_page_writes": store.LevelCritical, "server_encoding": store.LevelCritical,
		"synchronous_commit": store.LevelWarning, "autovacuum": store.LevelWarning, "statement_timeout": store.LevelWarning,
		"server_version": store.LevelWarning,
	}
	for name, l := range want {
		if got[name] != l {
			t.Errorf("%s is %s, want %s", name, got[name], l)
		}
	}
}

func TestSettingBytes(t *testing.T) {
	for _, c := range []struct {
		s    pgSetting
		want int64
	}{
		{pgSetting{raw: "16384", unit: "8kB"}, 128 << 20},
		{pgSetting{raw: "1024", unit: "MB"}, 1 << 30},
		{pgSetting{raw: "65536", unit: "kB"}, 64 << 20},
		{pgSetting{raw: "7", unit: "B"}, 7},
	} {
		if got := c.s.bytes(); got != c.want {
			t.Errorf("%+v: %d, want %d", c.s, got, c.want)
		}
	}
}
