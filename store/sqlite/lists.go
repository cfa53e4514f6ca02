package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/xinyong/xinyong/store/listsql"
)

// Lists, measures and window checks (store.Lists, store.ListsTx): the SQL is shared with the
// PostgreSQL store in store/listsql; this adapter runs it on database/sql.

type listDB struct{ q querier }

func (d listDB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := d.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

type listRows struct{ *sql.Rows }

func (r listRows) Close() { r.Rows.Close() }

func (d listDB) Query(ctx context.Context, query string, args ...any) (listsql.Rows, error) {
	rows, err := d.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return listRows{rows}, nil
}

type listRow struct{ r *sql.Row }

func (r listRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return listsql.ErrNoRows
	}
	return err
}

func (d listDB) QueryRow(ctx context.Context, query string, args ...any) listsql.Row {
	return listRow{d.q.QueryRowContext(ctx, query, args...)}
}

func (d listDB) IsUnique(err error) bool { return err != nil && isUnique(err) }
