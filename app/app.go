// Package app is the service layer the web handlers and the command line share: the current
// catalog, imports, code checks and the public portal's queries. It holds no HTTP and no SQL.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
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
	// Codes delivers persons' one-time sign-in codes (subject self-service); nil writes them
	// to Log (LogCodeSender, the development channel).
	Codes CodeSender
	// Delivery holds the settings of status-change delivery (delivery.go).
	Delivery DeliveryConfig

	cat atomic.Pointer[credit.Catalog]
	ids *ingest.IDCache

	tokens tokenCache // API tokens presented lately (accounts.go)

	analyzeMu  sync.Mutex
	analyzedAt int64 // records + subjects when statistics were last refreshed
	// pwSem bounds the argon2id verifications running at once: each takes 64 MiB and both
	// cores for about a quarter of a second (see auth.DefaultArgon2).
	pwSem chan struct{}

	// Lists, measures and window checks: the joint catalog in memory and the check log's
	// group commit (lists.go, checks.go).
	jointOnce sync.Once
	joint     *jointState
	rights    rightsState // subjects' rights: the calendar in force, deadlines (rights.go)
	// scores is the scoring in force (scorecards, benefits, supervision; app/scores.go).
	scores atomic.Pointer[scoring]
}

// New loads the current catalog, saving the embedded default as version 1 into an empty store.
func New(ctx context.Context, st store.Store, sealer *credit.Sealer, now func() time.Time, log *slog.Logger) (*App, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &App{Store: st, Sealer: sealer, Now: now, Log: log, ids: ingest.NewIDCache(2 << 20), pwSem: make(chan struct{}, 2)}
	if err := checkKey(ctx, st, sealer); err != nil {
		return nil, err
	}
	c, err := st.LatestCatalog(ctx)
	if credit.ErrorCode(err) == credit.ENOTFOUND {
		if c, err = catalog.Default(); err != nil {
			return nil, fmt.Errorf("default catalog: %w", err)
		}
		c.Version, c.PublishedAt = 1, now().UTC()
		if c.Note == "" {
			c.Note = "内置默认目录 / embedded default catalog"
		}
		err = a.update(ctx, func(tx store.Tx) error {
			if err := tx.SaveCatalog(c); err != nil {
				return err
			}
			return a.audit(ctx, tx, ActorSystem, ActionCatalogPublish, "catalog:v1",
				map[string]any{"version": 1, "items": len(c.Items), "departments": len(c.Departments), "note": c.Note})
		})
	}
	if err != nil {
		return nil, err
	}
	a.cat.Store(c)
	if err := a.seedDepartments(ctx); err != nil {
		return nil, err
	}
	if err := a.loadCalendars(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// checkKey refuses a master key other than the one the store's data was sealed with; a store
// without a recorded key takes this one.
func checkKey(ctx context.Context, st store.Store, sealer *credit.Sealer) error {
	fp, err := st.Meta(ctx, store.MetaKeyFingerprint)
	switch {
	case credit.ErrorCode(err) == credit.ENOTFOUND:
		return st.Update(ctx, func(tx store.Tx) error { return tx.SetMeta(store.MetaKeyFingerprint, sealer.Fingerprint()) })
	case err != nil:
		return err
	case fp != sealer.Fingerprint():
		return credit.Errorf(credit.EINVALID, "个人信息主密钥与该数据库不匹配：数据由另一把密钥加密，请使用原密钥（XINYONG_KEY 或数据目录中的 xinyong.key）/ "+
			"the personal-information master key does not match this database: use the key it was created with")
	}
	return nil
}

// Catalog returns the catalog in force.
func (a *App) Catalog() *credit.Catalog { return a.cat.Load() }

// PublishCatalog is PublishCatalogAs by the system.
func (a *App) PublishCatalog(ctx context.Context, c *credit.Catalog, note string) (*credit.Catalog, error) {
	return a.PublishCatalogAs(ctx, ActorSystem, c, note)
}

// PublishCatalogAs checks c and saves it as the next catalog version, which is then in force;
// actor is recorded in the audit trail.
func (a *App) PublishCatalogAs(ctx context.Context, actor string, c *credit.Catalog, note string) (*credit.Catalog, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	if note != "" {
		c.Note = note
	}
	// The next version after the newest stored one: another process (the CLI, a second
	// server) may have published since this one loaded its catalog.
	err := a.update(ctx, func(tx store.Tx) error {
		cur, err := tx.LatestCatalog(ctx)
		if err != nil {
			return err
		}
		c.Version, c.PublishedAt = cur.Version+1, a.Now().UTC()
		if err := tx.SaveCatalog(c); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, ActionCatalogPublish, fmt.Sprintf("catalog:v%d", c.Version),
			map[string]any{"version": c.Version, "items": len(c.Items), "departments": len(c.Departments), "note": c.Note})
	})
	if err != nil {
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

// analyzeAfterRows is the batch size after which the store's statistics are refreshed.
const analyzeAfterRows = 20000

// maybeAnalyze refreshes the store's planner statistics when the record count has at least
// doubled since this process last did (or it never did): often enough that plans match the
// tables' size within a factor of two, rarely enough not to slow a long load (measured: an
// ANALYZE after every large batch cost a third of PostgreSQL's import rate).
func (a *App) maybeAnalyze(ctx context.Context) {
	an, ok := a.Store.(interface{ Analyze(context.Context) error })
	if !ok {
		return
	}
	c, err := a.Store.Counters(ctx)
	if err != nil {
		return
	}
	n := c[store.CounterRecords] + c[store.CounterSubjectsLegal] + c[store.CounterSubjectsOther] + c[store.CounterSubjectsPerson]
	a.analyzeMu.Lock()
	defer a.analyzeMu.Unlock()
	if a.analyzedAt > 0 && n < 2*a.analyzedAt {
		return
	}
	if err := an.Analyze(ctx); err != nil {
		a.Log.Warn("analyze after import", "err", err)
		return
	}
	a.analyzedAt = n
}

// settleSearch lets a store whose name index collects new entries apart from the index proper
// merge them, so that searches after an import do not scan them one by one. On PostgreSQL that
// is the GIN index's pending list: up to 4 MB (gin_pending_list_limit) of organisations' grams
// that every search reads through until a vacuum merges them. Measured after a bench load of
// 1,000,000 records: search p50 2.6–3.1 ms with the list left (381 pages), 0.67–0.79 ms
// merged (docs/performance.md, fourteenth session). A failure is logged, not returned: the
// import itself is done.
func (a *App) settleSearch(ctx context.Context) {
	s, ok := a.Store.(interface{ SettleSearch(context.Context) error })
	if !ok {
		return
	}
	if err := s.SettleSearch(ctx); err != nil {
		a.Log.Warn("merge the name index's pending entries after import", "err", err)
	}
}

// RefreshCatalog loads the newest catalog version from the store, in case another process
// published one.
func (a *App) RefreshCatalog(ctx context.Context) error {
	c, err := a.Store.LatestCatalog(ctx)
	if err != nil {
		return err
	}
	if c.Version != a.Catalog().Version {
		a.cat.Store(c)
		a.Log.Info("catalog reloaded", "version", c.Version)
	}
	return nil
}

// Import imports one file with the newest catalog. req.SubmittedBy is the actor the audit
// trail records ("system" when empty).
//
// An import that finishes (done or failed) appends one batch.import entry to the audit trail,
// not one per record: each record version is itself immutable history (a change is a new
// version, never an overwrite), and the entry pins the file by its hash and counts. The entry
// has its own transaction after the importer's, because the importer commits in chunks so a
// large file can resume; a repeat of a finished file changes nothing and records nothing.
func (a *App) Import(ctx context.Context, req ingest.Request, progress func(ingest.Progress)) (*ingest.Result, error) {
	if err := a.RefreshCatalog(ctx); err != nil {
		return nil, err
	}
	mark := a.recordMark(ctx) // the records this import adds come after it (app/scores.go)
	res, err := a.Importer(progress).Import(ctx, req)
	// After a big batch, let a store that plans queries from statistics (PostgreSQL) refresh
	// them, so searches do not run on plans made for an empty table.
	if err == nil && res != nil && !res.Repeat && res.Batch.Rows >= analyzeAfterRows {
		a.maybeAnalyze(ctx)
	}
	if err == nil && res != nil && !res.Repeat && res.Batch.Status == store.BatchDone {
		a.settleSearch(ctx)
		// Scores follow the records: rescore the subjects the batch touched (app/scores.go).
		a.rescoreBatch(ctx, res, mark)
	}
	if res != nil && res.Batch != nil {
		b := res.Batch
		a.Log.Info("import", "batch", b.ID, "dept", b.Dept, "item", b.Item, "status", b.Status, "rows", b.Rows,
			"accepted", b.Accepted, "versions", b.Versions, "unchanged", b.Unchanged, "rejected", b.Rejected, "repeat", res.Repeat)
		if err != nil && b.Status == store.BatchRunning {
			a.Log.Error("import interrupted; it resumes when the same file is submitted again", "batch", b.ID, "checkpoint", b.Checkpoint, "err", err)
		}
		if !res.Repeat && (b.Status == store.BatchDone || b.Status == store.BatchFailed) {
			if aerr := a.auditImport(context.WithoutCancel(ctx), req.SubmittedBy, res); aerr != nil {
				err = errors.Join(err, aerr)
			}
		}
	}
	return res, err
}

// auditImport records one finished import.
func (a *App) auditImport(ctx context.Context, actor string, res *ingest.Result) error {
	b := res.Batch
	detail := map[string]any{"batch": b.ID, "dept": b.Dept, "item": b.Item, "file_name": b.FileName,
		"file_hash": b.FileHash, "status": b.Status, "rows": b.Rows, "accepted": b.Accepted, "versions": b.Versions,
		"unchanged": b.Unchanged, "rejected": b.Rejected}
	if res.Resumed {
		detail["resumed_after_row"] = res.ResumedFrom
	}
	if b.Error != "" {
		detail["error"] = b.Error
	}
	return a.update(ctx, func(tx store.Tx) error {
		return a.audit(ctx, tx, actor, ActionBatchImport, fmt.Sprintf("batch:%d", b.ID), detail)
	})
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
	err = a.Rejects(ctx, batchID, func(r *store.Reject) error {
		return fw.Write(format.WithReason(len(b.Header), r.Values, RejectReason(r)))
	})
	if err != nil {
		return err
	}
	return fw.Close()
}

// Rejects calls fn for each rejected row of a batch with its values opened: the importer seals
// them (they may hold personal information). Callers log the read (查询使用登记) as the
// authorisation matrix says.
func (a *App) Rejects(ctx context.Context, batchID int64, fn func(*store.Reject) error) error {
	return a.Store.Rejects(ctx, batchID, func(r *store.Reject) error {
		if r.Sealed != nil {
			b, err := a.Sealer.Open(r.Sealed)
			if err != nil {
				return fmt.Errorf("open rejected row %d of batch %d: %w", r.Row, batchID, err)
			}
			if err := json.Unmarshal(b, &r.Values); err != nil {
				return fmt.Errorf("rejected row %d of batch %d: %w", r.Row, batchID, err)
			}
			r.Sealed = nil
		}
		return fn(r)
	})
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
// (some early pilot codes do). Only codes that are wrong in the check alone are accepted. by is
// the actor the audit trail records.
func (a *App) AddCodeException(ctx context.Context, code, note, by string) (store.CodeException, error) {
	c := credit.NormalizeCode(code)
	if _, err := credit.ValidateUSCC(c); err == nil {
		return store.CodeException{}, credit.Errorf(credit.EINVALID, "代码 %s 校验正确，无需登记为例外 / the code is valid; no exception needed", c)
	}
	if len(c) != 18 {
		return store.CodeException{}, credit.Errorf(credit.EINVALID, "例外代码须为 18 位 / an exception must be 18 characters")
	}
	// Only the check characters (positions 17 and 18) may be wrong: everything else must be a
	// well-formed code, or the "exception" would let any string in.
	if _, _, ok := credit.USCCAuthority(c); !ok {
		return store.CodeException{}, credit.Errorf(credit.EINVALID, "第 1–2 位不是已知的登记管理部门和机构类别 / positions 1–2 are not a known authority and category")
	}
	for i := 2; i < 8; i++ {
		if c[i] < '0' || c[i] > '9' {
			return store.CodeException{}, credit.Errorf(credit.EINVALID, "第 3–8 位须为行政区划数字 / positions 3–8 must be division digits")
		}
	}
	if _, err := credit.USCCCheckChar(c[:17]); err != nil {
		return store.CodeException{}, credit.Errorf(credit.EINVALID, "代码含有不允许的字符 / the code has characters outside the alphabet: %v", err)
	}
	if _, err := credit.USCCCheckChar(c[17:] + "0000000000000000"); err != nil {
		return store.CodeException{}, credit.Errorf(credit.EINVALID, "第 18 位含有不允许的字符 / position 18 is outside the alphabet")
	}
	if strings.TrimSpace(note) == "" {
		return store.CodeException{}, &credit.Error{Code: credit.EINVALID, Field: "note", Rule: credit.RuleRequired,
			Message: "须说明登记理由（如发证机关、文号）/ a note giving the reason is required"}
	}
	e := store.CodeException{Code: c, Note: strings.TrimSpace(note), CreatedBy: by, CreatedAt: a.Now().UTC()}
	err := a.update(ctx, func(tx store.Tx) error {
		if err := tx.PutCodeException(e); err != nil {
			return err
		}
		return a.audit(ctx, tx, by, ActionCodeExceptionAdd, "code_exception:"+c, map[string]any{"code": c, "note": e.Note})
	})
	if err == nil {
		a.Log.Info("code exception added", "code", c, "by", by)
	}
	return e, err
}

// RemoveCodeException removes a registered exception; by is the actor the audit trail records.
func (a *App) RemoveCodeException(ctx context.Context, code, by string) error {
	c := credit.NormalizeCode(code)
	err := a.update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteCodeException(c); err != nil {
			return err
		}
		return a.audit(ctx, tx, by, ActionCodeExceptionRemove, "code_exception:"+c, map[string]any{"code": c})
	})
	if err == nil {
		a.Log.Info("code exception removed", "code", c, "by", by)
	}
	return err
}

// StoreSettings runs the store's settings check (运行环境检查, `xinyong doctor`) and names the
// store's engine. A store without a check gives no findings.
func (a *App) StoreSettings(ctx context.Context) (engine string, findings []store.Finding, err error) {
	if c, ok := a.Store.(interface{ CopyEngine() string }); ok {
		engine = c.CopyEngine()
	}
	sc, ok := a.Store.(store.SettingsChecker)
	if !ok {
		return engine, nil, nil
	}
	findings, err = sc.CheckSettings(ctx)
	return engine, findings, err
}
