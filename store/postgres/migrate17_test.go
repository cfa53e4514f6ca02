package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/xinyong/xinyong/store/storetest"
)

// TestMigrationRepairRemoves runs migration 0017 on list types stored before the field.
func TestMigrationRepairRemoves(t *testing.T) {
	ctx := context.Background()
	db, conn := openWithConn(t)
	storetest.SeedOldListTypes(t, db)
	body, err := os.ReadFile("migrations/0017_repair_removes.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, string(body)); err != nil {
		t.Fatal(err)
	}
	storetest.CheckRepairRemovesMigrated(t, db)
}
