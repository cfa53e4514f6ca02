package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// TestIndexedTextBytewise keeps every index of the schema comparing text bytewise (COLLATE "C",
// migrations 0026 and 0027): a new index on a text column in the database's collation would
// compare through strcoll or ICU again, which in a Chinese-locale database made name grams 2.1–2.5
// times as slow to index, and would order differently from SQLite.
func TestIndexedTextBytewise(t *testing.T) {
	_, conn := openWithConn(t)
	rows, err := conn.Query(context.Background(), `SELECT ic.relname, coalesce(co.collname, k.coll::text)
		FROM pg_index i
		JOIN pg_class ic ON ic.oid = i.indexrelid
		JOIN pg_namespace n ON n.oid = ic.relnamespace
		CROSS JOIN LATERAL unnest(i.indcollation::oid[]) AS k(coll)
		LEFT JOIN pg_collation co ON co.oid = k.coll
		WHERE n.nspname = current_schema() AND k.coll <> 0 AND coalesce(co.collname, '') <> 'C'
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for rows.Next() {
		var idx, coll string
		if err := rows.Scan(&idx, &coll); err != nil {
			t.Fatal(err)
		}
		bad = append(bad, idx+" ("+coll+")")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Fatalf("indexes comparing text in a collation other than \"C\" (declare the column COLLATE \"C\"): %s",
			strings.Join(bad, ", "))
	}
}

// TestMigrationIndexedTextBytewise runs migration 0027 on a store whose search columns are back
// in the database's collation: search still finds the organisation by a fragment and by its
// exact name, and the columns end up in "C".
func TestMigrationIndexedTextBytewise(t *testing.T) {
	ctx := context.Background()
	db, conn := openWithConn(t)
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var subs []*credit.Subject
	for i, name := range []string{"威海市甲乙贸易有限公司", "威海市丙丁科技有限公司", "荣成市甲乙水产有限公司"} {
		code := "91371002MA3C00000" + string(rune('1'+i))
		subs = append(subs, &credit.Subject{Key: code, Code: code, Kind: credit.KindEnterprise, Name: name,
			NameNorm: credit.NormalizeName(name), Region: "371002", Status: credit.StatusActive, CreatedAt: t0, UpdatedAt: t0})
	}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.InsertSubjects(subs) }); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ALTER TABLE subjects ALTER COLUMN name_norm TYPE text COLLATE "default";
		ALTER TABLE subject_search ALTER COLUMN grams TYPE text[] COLLATE "default";
		ALTER TABLE list_entries ALTER COLUMN subject_key TYPE text COLLATE "default"`); err != nil {
		t.Fatal(err)
	}
	runMigrationFile(t, conn, "0027_indexed_text_bytewise.sql")
	for col, table := range map[string]string{"name_norm": "subjects", "grams": "subject_search", "subject_key": "list_entries"} {
		var coll string
		if err := conn.QueryRow(ctx, `SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
			WHERE a.attrelid = $1::regclass AND a.attname = $2`, table, col).Scan(&coll); err != nil || coll != "C" {
			t.Errorf("%s.%s collation %q, %v; want C", table, col, coll, err)
		}
	}
	for q, want := range map[string]int{"甲乙": 2, "丙丁科技": 1, credit.NormalizeName("荣成市甲乙水产有限公司"): 1} {
		res, err := db.SearchSubjects(ctx, store.SearchQuery{Name: q, Limit: 10})
		if err != nil || len(res.Subjects) != want {
			t.Errorf("SearchSubjects(%q) after 0027 = %v, %v; want %d", q, res, err, want)
		}
	}
}
