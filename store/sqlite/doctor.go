package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/xinyong/xinyong/store"
)

var _ store.SettingsChecker = (*DB)(nil)

// CheckSettings reports the journal mode and whether the database's disk has room for a backup
// or a migration that rewrites a table, each of which needs about as much again as the
// database holds.
func (db *DB) CheckSettings(ctx context.Context) ([]store.Finding, error) {
	// A reader asks: the writer's connection may be held by an import for minutes.
	var mode string
	if err := db.read.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return nil, err
	}
	out := []store.Finding{{Level: store.LevelOK, Name: "journal_mode", Current: mode, Want: "wal",
		WhyZH: "读者不阻塞写入，写入不阻塞读者", WhyEN: "readers do not block the writer, nor the writer readers"}}
	if mode != "wal" && db.path != ":memory:" {
		out[0].Level = store.LevelWarning
	}
	if db.path == ":memory:" {
		return out, nil
	}
	var size int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(db.path + suffix); err == nil {
			size += fi.Size()
		}
	}
	free, ok := freeBytes(filepath.Dir(db.path))
	if !ok {
		return out, nil
	}
	f := store.Finding{Level: store.LevelOK, Name: "free_space", Current: gib(free), Want: "≥ " + gib(size),
		WhyZH: fmt.Sprintf("数据库 %s；在线备份或改写整表的迁移约需同样大小的空间", gib(size)),
		WhyEN: fmt.Sprintf("the database holds %s; an online backup or a migration that rewrites a table needs about as much again", gib(size))}
	if free < size {
		f.Level = store.LevelWarning
	}
	out = append(out, f)
	store.SortFindings(out)
	return out, nil
}

// gib shows a byte count in GiB (MiB below one GiB).
func gib(n int64) string {
	if n < 1<<30 {
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}
