// Package ingest takes departments' files into the platform: it reads them (package format),
// validates every row against the catalog, resolves the subject each row is about, stores new
// records and new versions, and keeps every rejected row with its reasons (quarantine, 问题数据)
// so the department can fix and resubmit it.
//
// An import is idempotent and resumable: a batch is identified by (department, item, SHA-256 of
// the file); each chunk of rows commits together with the batch's checkpoint, so an import that
// is killed resumes after the last committed row, and sending the same file again changes
// nothing. Rows whose content is identical to the stored version are counted as unchanged.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest/format"
	"github.com/xinyong/xinyong/store"
)

// Importer loads files into a store.
type Importer struct {
	Store   store.Store
	Catalog *credit.Catalog
	Sealer  *credit.Sealer
	Now     func() time.Time
	// ChunkSize is how many rows the reading goroutine hands over at a time (default 2000);
	// the writer commits several together, up to TxRows (default 20000), when they are waiting.
	ChunkSize int
	TxRows    int
	// IDs, when set, caches subject ids across imports (see IDCache).
	IDs *IDCache
	// Progress, when set, is called after every committed chunk.
	Progress func(Progress)
}

// Progress reports how far an import is.
type Progress struct {
	BatchID   int64
	Rows      int64 // data rows handled so far (this run and earlier runs of the batch)
	Bytes     int64 // bytes of the file read
	FileBytes int64 // size of the file
}

// Request names one file to import.
type Request struct {
	Dept, Item  string
	Path        string        // the file
	FileName    string        // as the department named it (default: base of Path)
	Format      format.Format // "" = detect
	Encoding    format.Encoding
	Sheet       string
	SubmittedBy string
	// OnStart, when set, is called once the batch exists (before any row is read), e.g. so an
	// HTTP handler can answer with the batch id while the import goes on.
	OnStart func(*store.Batch)
}

// Result is the outcome of an import.
type Result struct {
	Batch *store.Batch
	// Repeat is true when the same file had already been imported completely: nothing changed.
	Repeat bool
	// Resumed is true when an interrupted import of the same file was continued, after file
	// row ResumedFrom; RowsBefore rows had been handled by the earlier runs.
	Resumed     bool
	ResumedFrom int
	RowsBefore  int64
}

// Import imports one file. A file that cannot be used at all (unknown department or item,
// unreadable, header not matching the item) returns an EINVALID error and, where a batch was
// created, marks it failed with the reason; bad rows never fail the import — they are kept as
// rejects.
func (im *Importer) Import(ctx context.Context, req Request) (*Result, error) {
	item, err := im.checkRequest(req)
	if err != nil {
		return nil, err
	}
	hash, size, head, err := hashFile(req.Path)
	if err != nil {
		return nil, err
	}
	f := req.Format
	if f == "" {
		f = format.Detect(firstNonEmpty(req.FileName, req.Path), head)
	}
	name := firstNonEmpty(req.FileName, filepath.Base(req.Path))

	var b *store.Batch
	var fresh bool // no record of (dept, item) was stored when the import began
	res := &Result{}
	err = im.Store.Update(ctx, func(tx store.Tx) error {
		has, err := tx.HasRecords(req.Dept, req.Item)
		if err != nil {
			return err
		}
		fresh = !has
		found, err := tx.FindBatch(req.Dept, req.Item, hash)
		switch {
		case err == nil:
			b = found
			res.Repeat = found.Status == store.BatchDone
			res.Resumed = found.Status == store.BatchRunning
			res.ResumedFrom, res.RowsBefore = found.Checkpoint, found.Rows
			if found.Status == store.BatchFailed {
				// A file that failed before fails the same way again; try it anew.
				found.Status, found.Error, found.Checkpoint = store.BatchRunning, "", 0
				return tx.SaveBatchProgress(found)
			}
			return nil
		case credit.ErrorCode(err) != credit.ENOTFOUND:
			return err
		}
		b = &store.Batch{Dept: req.Dept, Item: req.Item, FileName: name, FileHash: hash, Format: string(f),
			Status: store.BatchRunning, SubmittedBy: req.SubmittedBy, CreatedAt: im.now()}
		return tx.CreateBatch(b)
	})
	if err != nil {
		return nil, err
	}
	res.Batch = b
	if req.OnStart != nil {
		req.OnStart(b)
	}
	if res.Repeat {
		return res, nil
	}
	if err := im.run(ctx, item, req, f, b, size, fresh); err != nil {
		if ce := credit.ErrorCode(err); ce == credit.EINVALID {
			b.Status, b.Error, b.FinishedAt = store.BatchFailed, credit.ErrorMessage(err), im.now()
			if err2 := im.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error { return tx.SaveBatchProgress(b) }); err2 != nil {
				return res, errors.Join(err, err2)
			}
		}
		return res, err
	}
	return res, nil
}

// now is the import's clock, to the second: that is what stores keep.
func (im *Importer) now() time.Time {
	if im.Now != nil {
		return im.Now().UTC().Truncate(time.Second)
	}
	return time.Now().UTC().Truncate(time.Second)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (im *Importer) checkRequest(req Request) (*credit.CatalogItem, error) {
	if im.Catalog == nil {
		return nil, credit.Errorf(credit.EINTERNAL, "未加载目录 / no catalog loaded")
	}
	return im.Catalog.CheckSubmission(req.Dept, req.Item)
}

// hashFile returns the SHA-256 of the file, its size and its first bytes (for detection).
func hashFile(path string) (string, int64, []byte, error) {
	fh, err := os.Open(path) // #nosec G304 -- an operator's command-line argument or web's spool file (os.CreateTemp), never a client's name
	if err != nil {
		return "", 0, nil, credit.Errorf(credit.EINVALID, "无法打开文件 / cannot open file: %v", err)
	}
	defer fh.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(fh, head)
	head = head[:n]
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return "", 0, nil, err
	}
	h := sha256.New()
	size, err := io.Copy(h, fh)
	if err != nil {
		return "", 0, nil, credit.Errorf(credit.EINVALID, "读取文件失败 / cannot read file: %v", err)
	}
	if size == 0 {
		return "", 0, nil, credit.Errorf(credit.EINVALID, "文件为空 / the file is empty")
	}
	return hex.EncodeToString(h.Sum(nil)), size, head, nil
}

// run reads the file and applies it chunk by chunk: one goroutine reads and validates (pure
// work), the caller's goroutine writes, so both cores are busy.
func (im *Importer) run(ctx context.Context, item *credit.CatalogItem, req Request, f format.Format, b *store.Batch, size int64, fresh bool) error {
	rd, err := format.Open(req.Path, format.Options{Format: f, Encoding: req.Encoding, Sheet: req.Sheet})
	if err != nil {
		return err
	}
	defer rd.Close()
	header := rd.Header()
	bind, ferrs := item.Bind(header)
	if len(ferrs) > 0 {
		msgs := make([]string, len(ferrs))
		for i, fe := range ferrs {
			msgs[i] = fe.Error()
		}
		return &credit.Error{Code: credit.EINVALID, Row: 1, Field: ferrs[0].Field, Rule: ferrs[0].Rule,
			Message: "表头与信息项不符 / header does not match the item: " + strings.Join(msgs, "; ")}
	}
	b.Header = append([]string(nil), header...)
	b.Encoding = string(rd.Encoding())

	exc, err := im.Store.CodeExceptions(ctx)
	if err != nil {
		return err
	}
	excSet := make(map[string]bool, len(exc))
	for _, e := range exc {
		excSet[e.Code] = true
	}
	bind.IsException = func(c string) bool { return excSet[c] }
	v := &validator{im: im, item: item, bind: bind, exceptions: excSet, today: im.now(), dept: req.Dept,
		registry: item.Registry}

	chunkSize := im.ChunkSize
	if chunkSize <= 0 {
		chunkSize = 2000
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Up to eight validated chunks wait for the writer: when it falls behind, gather joins them
	// into one transaction of up to txRows rows (with room for two, a transaction held at most
	// three chunks). Measured: 11 % more records/s on SQLite (median of five alternating pairs),
	// 5–16 % on PostgreSQL (two pairs), for about 130 MB more memory at 1 M records.
	chunks := make(chan *chunk, 8)
	readErr := make(chan error, 1)
	go func() {
		defer close(chunks)
		readErr <- v.produce(ctx, rd, b.Checkpoint, chunkSize, chunks)
	}()
	ids := im.IDs
	if ids == nil {
		ids = NewIDCache(1 << 20)
	}
	txRows := im.TxRows
	if txRows <= 0 {
		txRows = 20000
	}
	w := &writer{im: im, item: item, batch: b, catVersion: im.Catalog.Version, ids: ids}
	if fresh {
		w.written = newSourceSet()
	}
	w.openRejects, err = openRejects(ctx, im.Store, req.Dept, req.Item)
	if err != nil {
		return err
	}
	for c := range chunks {
		// Commit what is waiting together: fewer, larger transactions write each index page
		// once instead of once per chunk.
		c = gather(c, chunks, txRows)
		if err := w.apply(ctx, c); err != nil {
			cancel()
			for range chunks {
			}
			return err
		}
		if im.Progress != nil {
			im.Progress(Progress{BatchID: b.ID, Rows: b.Rows, Bytes: c.pos, FileBytes: size})
		}
	}
	if err := <-readErr; err != nil {
		return err
	}
	b.Status, b.FinishedAt = store.BatchDone, im.now()
	return im.Store.Update(ctx, func(tx store.Tx) error { return tx.SaveBatchProgress(b) })
}

// gather appends the chunks already waiting in ch to c, up to max rows.
func gather(c *chunk, ch <-chan *chunk, max int) *chunk {
	for len(c.rows) < max {
		select {
		case next, ok := <-ch:
			if !ok {
				return c
			}
			c.rows = append(c.rows, next.rows...)
			c.lastNum, c.pos = next.lastNum, next.pos
		default:
			return c
		}
	}
	return c
}

func openRejects(ctx context.Context, s store.Store, dept, item string) (int64, error) {
	var n int64
	err := s.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.OpenRejectCount(dept, item)
		return err
	})
	return n, err
}

// sealJSON seals a map of personal fields.
func sealJSON(s *credit.Sealer, m map[string]string) ([]byte, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return s.Seal(b)
}
