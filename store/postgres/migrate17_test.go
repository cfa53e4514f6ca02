package postgres_test

import (
	"testing"

	"github.com/xinyong/xinyong/store/storetest"
)

// TestMigrationRepairRemoves runs migration 0017 on list types stored before the field.
func TestMigrationRepairRemoves(t *testing.T) {
	db, conn := openWithConn(t)
	storetest.SeedOldListTypes(t, db)
	runMigrationFile(t, conn, "0017_repair_removes.sql")
	storetest.CheckRepairRemovesMigrated(t, db)
}
