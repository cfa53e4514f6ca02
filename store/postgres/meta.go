package postgres

import "context"

// Meta and SetMeta keep platform settings (see store.MetaKeyFingerprint). The lead added this
// file when store.Reader gained Meta; the table is created by migration 0002_meta.sql.

func (r reader) Meta(ctx context.Context, name string) (string, error) {
	var v string
	err := r.q.QueryRow(ctx, `SELECT value FROM meta WHERE name = $1`, name).Scan(&v)
	return v, notFound("设置项", "setting", err)
}

func (t *tx) SetMeta(name, value string) error {
	return t.exec(`INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
}
