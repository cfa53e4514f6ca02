package ingest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xinyong/xinyong/ingest/format"
)

// TestImportXLSXAndJSONL imports the same rows from an XLSX workbook and from JSON Lines: the
// second file changes nothing, and rejected rows come back in the file's own format.
func TestImportXLSXAndJSONL(t *testing.T) {
	e := newEnv(t)
	rows := [][]string{
		penalty("X1", uscc(1), "威海甲有限公司", "2026-03-02"),
		penalty("X2", uscc(2), "威海乙有限公司", "2026-13-01"), // bad month
	}
	write := func(name string, f format.Format) string {
		p := filepath.Join(e.dir, name)
		fh, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		w, err := format.NewWriter(fh, f, format.UTF8, penaltyHeader)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		fh.Close()
		return p
	}
	x := e.imp("scjg", "admin_penalty", write("p.xlsx", format.XLSX))
	if x.Batch.Format != "xlsx" || x.Batch.Accepted != 1 || x.Batch.Rejected != 1 {
		t.Fatalf("xlsx batch = %+v", x.Batch)
	}
	j := e.imp("scjg", "admin_penalty", write("p.jsonl", format.JSONL))
	if j.Batch.Format != "jsonl" || j.Batch.Unchanged != 1 || j.Batch.Rejected != 1 || j.Batch.Accepted != 0 {
		t.Fatalf("jsonl batch = %+v", j.Batch)
	}
	rj := e.rejects(x.Batch.ID)
	if len(rj) != 1 || rj[0].Row != 3 || rj[0].Errors[0].Field != "decision_date" {
		t.Fatalf("xlsx rejects = %+v", rj)
	}
}
