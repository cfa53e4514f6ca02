package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/xinyong/xinyong/store/sqlite"
	"github.com/xinyong/xinyong/store/storetest"
)

// TestMigrationRepairRemoves runs migration 0017 on list types stored before the field.
func TestMigrationRepairRemoves(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedOldListTypes(t, db)
	db.Close()
	body, err := os.ReadFile("migrations/0017_repair_removes.sql")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, string(body)); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if db, err = sqlite.Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.CheckRepairRemovesMigrated(t, db)
}
