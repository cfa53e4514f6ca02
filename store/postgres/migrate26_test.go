package postgres_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// TestMigrationRecordFieldsText runs migration 0026 on records stored before it (fields as
// jsonb, key columns in the database's collation): the fields read back unchanged, and new
// versions still find their heads.
func TestMigrationRecordFieldsText(t *testing.T) {
	ctx := context.Background()
	db, conn := openWithConn(t)
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	subj := &credit.Subject{Key: "91371002MA3C000009", Code: "91371002MA3C000009", Kind: credit.KindEnterprise,
		Name: "甲公司", NameNorm: "甲公司", Region: "371002", Status: credit.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	fields := map[string]string{"doc_no": "威市监罚〔2026〕1号", "amount": "1.5", "basis": "引号\"、反斜杠\\ 与\t制表符", "": "空键"}
	r := &credit.Record{Item: "admin_penalty", ItemVersion: 1, Dept: "scjg", SourceID: "S1", Version: 1,
		Fields: fields, Hash: "h1", Decision: t0, PubFrom: t0, PubUntil: t0.AddDate(1, 0, 0), Published: true,
		Status: credit.RecordActive, CreatedAt: t0}
	if err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertSubjects([]*credit.Subject{subj}); err != nil {
			return err
		}
		r.SubjectID = subj.ID
		return tx.InsertRecords([]*credit.Record{r})
	}); err != nil {
		t.Fatal(err)
	}
	// Back to the schema before 0026.
	if _, err := conn.Exec(ctx, `ALTER TABLE records
		ALTER COLUMN fields TYPE jsonb USING fields::jsonb,
		ALTER COLUMN dept TYPE text COLLATE "default",
		ALTER COLUMN item TYPE text COLLATE "default",
		ALTER COLUMN source_id TYPE text COLLATE "default"`); err != nil {
		t.Fatal(err)
	}
	runMigrationFile(t, conn, "0026_record_fields_text.sql")
	var typ, coll string
	if err := conn.QueryRow(ctx, `SELECT t.typname, coalesce(c.collname, '')
		FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_collation c ON c.oid = a.attcollation
		WHERE a.attrelid = 'records'::regclass AND a.attname = 'fields'`).Scan(&typ, &coll); err != nil || typ != "text" {
		t.Fatalf("records.fields is %q, %v; want text", typ, err)
	}
	if err := conn.QueryRow(ctx, `SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
		WHERE a.attrelid = 'records'::regclass AND a.attname = 'source_id'`).Scan(&coll); err != nil || coll != "C" {
		t.Fatalf("records.source_id collation %q, %v; want C", coll, err)
	}
	got, err := db.SubjectRecords(ctx, subj.ID, store.RecordFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("SubjectRecords = %d, %v", len(got), err)
	}
	if !reflect.DeepEqual(got[0].Fields, fields) {
		t.Fatalf("fields after 0026 = %q, want %q", got[0].Fields, fields)
	}
	k := store.RecordKey{Dept: "scjg", Item: "admin_penalty", SourceID: "S1"}
	if err := db.Update(ctx, func(tx store.Tx) error {
		h, err := tx.Heads([]store.RecordKey{k})
		if err != nil || h[k].ID != r.ID {
			t.Errorf("Heads after 0026 = %+v, %v", h, err)
		}
		v2 := *r
		v2.ID, v2.Version, v2.Hash = 0, 2, "h2"
		return tx.InsertRecords([]*credit.Record{&v2})
	}); err != nil {
		t.Fatal(err)
	}
	vs, err := db.RecordVersions(ctx, "scjg", "admin_penalty", "S1")
	if err != nil || len(vs) != 2 || !reflect.DeepEqual(vs[1].Fields, fields) {
		t.Fatalf("RecordVersions after 0026 = %+v, %v", vs, err)
	}
}
