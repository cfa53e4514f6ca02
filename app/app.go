// Package app is the service layer the web handlers and the command line share: the current
// catalog, imports, code checks and the public portal's queries. It holds no HTTP and no SQL.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/ingest/format"
	"github.com/xinyong/xinyong/store"
)

// App is the platform's services over one store.
type App struct {
	Store  store.Store
	Sealer *credit.Sealer
	Now    func() time.Time
	Log    *slog.Logger

	cat atomic.Pointer[credit.Catalog]
	ids *ingest.IDCache
}

// New loads the current catalog, saving the embedded default as version 1 into an empty store.
func New(ctx context.Context, st store.Store, sealer *credit.Sealer, now func() time.Time, log *slog.Logger) (*App, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &App{Store: st, Sealer: sealer, Now: now, Log: log, ids: ingest.NewIDCache(2 << 20)}
	c, err := st.LatestCatalog(ctx)
	if credit.ErrorCode(err) == credit.ENOTFOUND {
		if c, err = catalog.Default(); err != nil {
			return nil, fmt.Errorf("default catalog: %w", err)
		}
		c.Version, c.PublishedAt = 1, now().UTC()
		if c.Note == "" {
			c.Note = "内置默认目录 / embedded default catalog"
		}
		err = st.Update(ctx, func(tx store.Tx) error { return tx.SaveCatalog(c) })
	}
	if err != nil {
		return nil, err
	}
	a.cat.Store(c)
	return a, nil
}

// Catalog returns the catalog in force.
func (a *App) Catalog() *credit.Catalog { return a.cat.Load() }

// PublishCatalog checks c and saves it as the next catalog version, which is then in force.
func (a *App) PublishCatalog(ctx context.Context, c *credit.Catalog, note string) (*credit.Catalog, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	cur := a.Catalog()
	c.Version, c.PublishedAt = cur.Version+1, a.Now().UTC()
	if note != "" {
		c.Note = note
	}
	if err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.SaveCatalog(c) }); err != nil {
		return nil, err
	}
	a.cat.Store(c)
	a.Log.Info("catalog published", "version", c.Version, "items", len(c.Items))
	return c, nil
}

// Importer returns an importer for the catalog in force.
func (a *App) Importer(progress func(ingest.Progress)) *ingest.Importer {
	return &ingest.Importer{Store: a.Store, Catalog: a.Catalog(), Sealer: a.Sealer, Now: a.Now, Progress: progress, IDs: a.ids}
}

// Import imports one file with the catalog in force.
func (a *App) Import(ctx context.Context, req ingest.Request, progress func(ingest.Progress)) (*ingest.Result, error) {
	res, err := a.Importer(progress).Import(ctx, req)
	if res != nil && res.Batch != nil {
		b := res.Batch
		a.Log.Info("import", "batch", b.ID, "dept", b.Dept, "item", b.Item, "status", b.Status, "rows", b.Rows,
			"accepted", b.Accepted, "versions", b.Versions, "unchanged", b.Unchanged, "rejected", b.Rejected, "repeat", res.Repeat)
	}
	return res, err
}

// WriteRejects writes a batch's rejected rows in the batch's own format and encoding, with the
// reason appended as a last column, so the department can fix the file and submit it again.
func (a *App) WriteRejects(ctx context.Context, batchID int64, w io.Writer, f format.Format) error {
	b, err := a.Store.Batch(ctx, batchID)
	if err != nil {
		return err
	}
	if f == "" {
		f = format.Format(b.Format)
	}
	header := append(append([]string(nil), b.Header...), format.ReasonColumn)
	enc := format.Encoding(b.Encoding)
	if enc == "" {
		enc = format.UTF8
	}
	fw, err := format.NewWriter(w, f, enc, header)
	if err != nil {
		return err
	}
	err = a.Store.Rejects(ctx, batchID, func(r *store.Reject) error {
		return fw.Write(format.WithReason(len(b.Header), r.Values, RejectReason(r)))
	})
	if err != nil {
		return err
	}
	return fw.Close()
}

// RejectReason renders a rejected row's errors in one line: "第 12 行 处罚决定日期(decision_date): … [date]".
func RejectReason(r *store.Reject) string {
	parts := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		msg := e.Message
		// Readers' messages may start with the row already ("第 12 行：…").
		if j := strings.Index(msg, "行："); strings.HasPrefix(msg, "第 ") && j > 0 && j < 24 {
			msg = msg[j+len("行："):]
		}
		if e.Field != "" {
			parts[i] = fmt.Sprintf("%s: %s [%s]", e.Field, msg, e.Rule)
		} else {
			parts[i] = fmt.Sprintf("%s [%s]", msg, e.Rule)
		}
	}
	return fmt.Sprintf("第 %d 行 / row %d: %s", r.Row, r.Row, strings.Join(parts, "；"))
}

// CheckCode tells what a code is, honouring the registered known exceptions.
func (a *App) CheckCode(ctx context.Context, code string) (credit.CodeResult, error) {
	exc, err := a.exceptions(ctx)
	if err != nil {
		return credit.CodeResult{}, err
	}
	return credit.IdentifyCode(code, a.Now(), func(c string) bool { return exc[c] }), nil
}

func (a *App) exceptions(ctx context.Context) (map[string]bool, error) {
	list, err := a.Store.CodeExceptions(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(list))
	for _, e := range list {
		m[e.Code] = true
	}
	return m, nil
}

// AddCodeException registers a real unified social credit code that fails its check character
// (some early pilot codes do). Only codes that are wrong in the check alone are accepted.
func (a *App) AddCodeException(ctx context.Context, code, note, by string) (store.CodeException, error) {
	c := credit.NormalizeCode(code)
	if _, err := credit.ValidateUSCC(c); err == nil {
		return store.CodeException{}, credit.Errorf(credit.EINVALID, "代码 %s 校验正确，无需登记为例外 / the code is valid; no exception needed", c)
	}
	if len(c) != 18 {
		return store.CodeException{}, credit.Errorf(credit.EINVALID, "例外代码须为 18 位 / an exception must be 18 characters")
	}
	if _, err := credit.USCCCheckChar(c[:17]); err != nil {
		return store.CodeException{}, credit.Errorf(credit.EINVALID, "代码含有不允许的字符 / the code has characters outside the alphabet: %v", err)
	}
	if strings.TrimSpace(note) == "" {
		return store.CodeException{}, &credit.Error{Code: credit.EINVALID, Field: "note", Rule: credit.RuleRequired,
			Message: "须说明登记理由（如发证机关、文号）/ a note giving the reason is required"}
	}
	e := store.CodeException{Code: c, Note: strings.TrimSpace(note), CreatedBy: by, CreatedAt: a.Now().UTC()}
	err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.PutCodeException(e) })
	if err == nil {
		a.Log.Info("code exception added", "code", c, "by", by)
	}
	return e, err
}

// RemoveCodeException removes a registered exception.
func (a *App) RemoveCodeException(ctx context.Context, code, by string) error {
	c := credit.NormalizeCode(code)
	err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.DeleteCodeException(c) })
	if err == nil {
		a.Log.Info("code exception removed", "code", c, "by", by)
	}
	return err
}
