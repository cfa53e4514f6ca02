package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/store/postgres"
	"github.com/xinyong/xinyong/store/storetest"
)

// TestMigrationRepairRemoves runs migration 0017 on list types stored before the field.
func TestMigrationRepairRemoves(t *testing.T) {
	ctx := context.Background()
	dsn := freshSchema(t)
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.SeedOldListTypes(t, db)
	body, err := os.ReadFile("migrations/0017_repair_removes.sql")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, string(body)); err != nil {
		t.Fatal(err)
	}
	storetest.CheckRepairRemovesMigrated(t, db)
}
