package bench

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/postgres"
)

// openPostgres opens the store in schema, dropping and creating the schema when fresh.
func openPostgres(ctx context.Context, dsn, schema string, fresh bool) (store.Store, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	if fresh {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			return nil, err
		}
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		return nil, err
	}
	return postgres.Open(ctx, withSearchPath(dsn, schema))
}

func withSearchPath(dsn, schema string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema + ",public"
}

// postgresSize is the on-disk size of the bench schema's tables, indexes and TOAST.
func postgresSize(ctx context.Context, dsn, schema string) (int64, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`, schema).Scan(&n)
	return n, err
}
