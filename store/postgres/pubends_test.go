package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// TestIndexPublicationEndsWaitsForLoads: record ids come from a sequence, so a load still in
// its transaction can hold a lower id than a record already committed. The expiry job's
// watermark must not pass it: IndexPublicationEnds waits for the load and takes both in.
func TestIndexPublicationEndsWaitsForLoads(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	subj := &credit.Subject{Key: "91371002MA3C000009", Code: "91371002MA3C000009", Kind: credit.KindEnterprise, Name: "甲公司",
		NameNorm: "甲公司", Status: credit.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.InsertSubjects([]*credit.Subject{subj}) }); err != nil {
		t.Fatal(err)
	}
	rec := func(src string) *credit.Record {
		return &credit.Record{SubjectID: subj.ID, Item: "admin_penalty", ItemVersion: 1, Dept: "scjg", SourceID: src, Version: 1,
			Fields: map[string]string{"doc_no": src}, Hash: src, Decision: t0, PubFrom: t0, PubUntil: t0.AddDate(0, 0, 1),
			Published: true, Status: credit.RecordActive, CreatedAt: t0}
	}
	early, late := rec("EARLY"), rec("LATE")
	inserted, release, loadDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		loadDone <- db.Update(ctx, func(tx store.Tx) error {
			if err := tx.InsertRecords([]*credit.Record{early}); err != nil {
				return err
			}
			close(inserted)
			<-release // the load's transaction stays open
			return nil
		})
	}()
	<-inserted
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.InsertRecords([]*credit.Record{late}) }); err != nil {
		t.Fatal(err)
	}
	if early.ID >= late.ID {
		t.Fatalf("ids %d, %d: the open load should hold the lower one", early.ID, late.ID)
	}
	indexed := make(chan error, 1)
	go func() {
		indexed <- db.Update(ctx, func(tx store.Tx) error {
			_, err := tx.IndexPublicationEnds(1000)
			return err
		})
	}()
	select {
	case err := <-indexed:
		close(release) // end the load first, so the store closes
		<-loadDone
		t.Fatalf("indexing finished while a load was open (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-loadDone; err != nil {
		t.Fatal(err)
	}
	if err := <-indexed; err != nil {
		t.Fatal(err)
	}
	got, err := db.PublicationExpired(ctx, t0.AddDate(0, 0, 2), 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("publication ends after the load: %d records, %v", len(got), err)
	}
}
