package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
	"github.com/xinyong/xinyong/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestContractMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := sqlite.Open(context.Background(), ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestBackupWhileOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(ctx, func(tx store.Tx) error { return tx.AddCounters(map[string]int64{"x": 7}) })
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, dst); err == nil {
		t.Fatal("backup over an existing file succeeded")
	}
	b, err := sqlite.Open(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := b.Counters(ctx)
	if err != nil || c["x"] != 7 {
		t.Fatalf("restored counters = %v, %v", c, err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "x.db"))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("database file mode %v, want 0600", fi.Mode().Perm())
	}
}
