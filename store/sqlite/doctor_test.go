package sqlite_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
)

func TestCheckSettings(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fs, err := db.CheckSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.Finding{}
	for _, f := range fs {
		got[f.Name] = f
	}
	if f := got["journal_mode"]; f.Level != store.LevelOK || f.Current != "wal" {
		t.Errorf("journal_mode: %+v", f)
	}
	if runtime.GOOS == "linux" {
		// A fresh database is far smaller than any test machine's free space.
		if f := got["free_space"]; f.Level != store.LevelOK || f.Current == "" {
			t.Errorf("free_space: %+v", f)
		}
	}
}

// TestCheckSettingsBesideAWriter: the check does not wait for the writer, which an import can
// hold for minutes (the console's system page runs it).
func TestCheckSettingsBesideAWriter(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Update(ctx, func(store.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = db.CheckSettings(cctx)
	close(release)
	if err != nil {
		t.Fatalf("settings check while a write transaction is open: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
