// Package store defines the storage Xinyong's services need, independent of the database.
// Each database lives in its own package (store/sqlite, later store/postgres) and must pass the
// contract suite in store/storetest.
//
// The business logic stays out of the stores: the importer decides what is new, changed or
// unchanged; a store only offers the primitives (look up heads, insert versions, …) inside one
// transaction, so every database behaves the same.
package store

import (
	"context"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// Store is a handle on one database.
type Store interface {
	// Update runs fn in one read-write transaction; an error from fn rolls everything back.
	Update(ctx context.Context, fn func(Tx) error) error
	Reader
	Close() error
}

// CheckLogger is offered by a store that can log window checks and their query-log entries
// (as InsertChecks and AppendCheckQueryLogs in one Update would) in fewer round trips. The
// checks are stored with their query-log entries or not at all, and get their IDs.
type CheckLogger interface {
	LogChecks(ctx context.Context, cs []*Check, qs []*QueryLog) error
}

// CheckReader is offered by a store that reads a window check's subject and its list entries
// of one status in one round trip (SubjectByKey and SubjectEntries together, from one
// snapshot). The subject is nil when none has the key; that is not an error.
type CheckReader interface {
	SubjectAndEntries(ctx context.Context, key string, status credit.EntryStatus) (*credit.Subject, []*credit.ListEntry, error)
}

// Reader is what the read paths (portal, API, checks) need.
type Reader interface {
	// LatestCatalog returns the newest catalog version, ENOTFOUND when none was saved.
	LatestCatalog(ctx context.Context) (*credit.Catalog, error)
	CatalogVersions(ctx context.Context) ([]CatalogVersion, error)
	CodeExceptions(ctx context.Context) ([]CodeException, error)

	// SubjectByKey returns a subject by its key (canonical USCC or person key).
	SubjectByKey(ctx context.Context, key string) (*credit.Subject, error)
	SubjectByID(ctx context.Context, id int64) (*credit.Subject, error)
	// SubjectByAlias returns the subject a legacy code (registration number, organisation code)
	// belongs to.
	SubjectByAlias(ctx context.Context, alias string) (*credit.Subject, error)
	// SearchSubjects finds organisations (never natural persons) by normalised name fragment.
	SearchSubjects(ctx context.Context, q SearchQuery) (*SearchResult, error)
	// SubjectRecords returns the records of a subject, newest decision first.
	SubjectRecords(ctx context.Context, subjectID int64, f RecordFilter) ([]*credit.Record, error)
	// RecordVersions returns every version of one record, oldest first.
	RecordVersions(ctx context.Context, dept, item, sourceID string) ([]*credit.Record, error)
	Counters(ctx context.Context) (map[string]int64, error)
	// Meta returns a platform setting kept in the store (e.g. the key fingerprint), ENOTFOUND
	// when unset.
	Meta(ctx context.Context, name string) (string, error)

	Batch(ctx context.Context, id int64) (*Batch, error)
	Batches(ctx context.Context, f BatchFilter) ([]*Batch, error)
	// Rejects calls fn for each rejected row of a batch in row order.
	Rejects(ctx context.Context, batchID int64, fn func(*Reject) error) error

	Accounts

	// Lists, measures and window checks (名单、措施与信用核查).
	Lists

	// Status-change delivery: tasks, outbox, NATS, subscriptions (任务、发件箱与订阅).
	Delivery

	// Subjects' rights: objections, repair, calendar (异议、信用修复与工作日历).
	RightsReader

	// Scores, grades, consents and benefits (评分、评级、授权与信易+).
	Scores
}

// Tx is one read-write transaction.
type Tx interface {
	Reader

	SaveCatalog(c *credit.Catalog) error // c.Version must be new
	PutCodeException(e CodeException) error
	DeleteCodeException(code string) error

	// SubjectIDs fills ids[key] for every key in keys that exists.
	SubjectIDs(keys []string, ids map[string]int64) error
	// AliasIDs fills ids[alias] for every alias in aliases that exists.
	AliasIDs(aliases []string, ids map[string]int64) error
	// InsertSubjects stores new subjects and sets their ID.
	InsertSubjects(subs []*credit.Subject) error
	// UpdateSubject overwrites a subject's registration attributes (by ID).
	UpdateSubject(s *credit.Subject) error
	// PutAliases maps legacy codes to subjects (existing mappings are kept).
	PutAliases(aliases []Alias) error

	// Heads returns the current (non-superseded) version of each record key that exists.
	Heads(keys []RecordKey) (map[RecordKey]Head, error)
	// HasRecords reports whether any record of (dept, item) is stored: an import into an item
	// that has none need not look for the heads of its rows (ingest's writer).
	HasRecords(dept, item string) (bool, error)
	// InsertRecords stores new record versions and sets their ID.
	InsertRecords(recs []*credit.Record) error
	// Supersede marks record versions as superseded.
	Supersede(ids []int64) error
	// AddCounters adds deltas to named counters (home page figures).
	AddCounters(delta map[string]int64) error
	// SetMeta stores a platform setting.
	SetMeta(name, value string) error

	// CreateBatch stores a new batch and sets its ID. A batch with the same (dept, item,
	// file hash) returns ECONFLICT; use FindBatch first.
	CreateBatch(b *Batch) error
	// FindBatch returns the batch for the same file, ENOTFOUND when none.
	FindBatch(dept, item, fileHash string) (*Batch, error)
	// SaveBatchProgress stores counts, checkpoint and status.
	SaveBatchProgress(b *Batch) error
	// InsertRejects keeps rejected rows (a row already kept for the batch is left as it is).
	InsertRejects(rs []*Reject) error
	// ResolveRejects marks earlier open rejects of these source ids as fixed by batch.
	ResolveRejects(dept, item string, sourceIDs []string, batchID int64) (int64, error)
	// OpenRejectCount counts unresolved rejects for (dept, item).
	OpenRejectCount(dept, item string) (int64, error)

	AccountsTx

	// Lists, measures and window checks (名单、措施与信用核查).
	ListsTx
	// AppendCheckQueryLogs enters the query-log entries of checks, many rows per statement (the
	// group commit of the window check writes a few hundred at once). IDs are not given back.
	AppendCheckQueryLogs(qs []*QueryLog) error

	// Status-change delivery: tasks, outbox, NATS, subscriptions (任务、发件箱与订阅).
	DeliveryTx

	// Subjects' rights: objections, repair, calendar (异议、信用修复与工作日历).
	RightsTx

	// Scores, grades, consents and benefits (评分、评级、授权与信易+).
	ScoresTx
}

// Alias maps a legacy code (15-digit registration number, 9-character organisation code) to the
// subject it belongs to.
type Alias struct {
	Alias     string
	SubjectID int64
}

// RecordKey identifies a record across versions: the idempotency key (department, item,
// source-system id).
type RecordKey struct {
	Dept, Item, SourceID string
}

// Head is the current version of a record.
type Head struct {
	ID        int64
	Version   int
	Hash      string
	SubjectID int64
}

// CatalogVersion describes one saved catalog version.
type CatalogVersion struct {
	Version     int       `json:"version"`
	PublishedAt time.Time `json:"published_at"`
	Note        string    `json:"note,omitempty"`
	Items       int       `json:"items"`
}

// CodeException is a real unified social credit code that fails the check character (some
// early pilot codes do) and that an admin registered as known.
type CodeException struct {
	Code      string    `json:"code"`
	Note      string    `json:"note"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// SearchQuery is a name-or-code search on the public portal.
type SearchQuery struct {
	Name   string // already normalised with credit.NormalizeName
	Limit  int
	Offset int
}

// SearchResult is one page of search hits.
type SearchResult struct {
	Subjects []*credit.Subject
	More     bool // there are more hits after this page
}

// RecordFilter narrows SubjectRecords.
type RecordFilter struct {
	ActiveOnly bool   // only current versions (not superseded or revoked)
	Item       string // "" = all items
	Limit      int    // 0 = no limit
}

// BatchStatus is where an import batch is.
type BatchStatus string

// Batch statuses.
const (
	BatchRunning BatchStatus = "running" // being imported, or interrupted: rerun to resume
	BatchDone    BatchStatus = "done"
	BatchFailed  BatchStatus = "failed" // the file itself was unusable (see Error)
)

// Batch is one file submitted by a department for one catalog item (报送批次).
type Batch struct {
	ID       int64       `json:"id"`
	Dept     string      `json:"dept"`
	Item     string      `json:"item"`
	FileName string      `json:"file_name"`
	FileHash string      `json:"file_hash"` // SHA-256 of the file: the same file is the same batch
	Format   string      `json:"format"`
	Encoding string      `json:"encoding,omitempty"`
	Header   []string    `json:"header,omitempty"`
	Status   BatchStatus `json:"status"`
	Error    string      `json:"error,omitempty"`
	// Checkpoint is the last file row whose outcome is committed; a resumed import skips rows
	// up to it.
	Checkpoint  int       `json:"checkpoint"`
	Rows        int64     `json:"rows"`      // data rows read
	Accepted    int64     `json:"accepted"`  // new records
	Versions    int64     `json:"versions"`  // new versions of existing records
	Unchanged   int64     `json:"unchanged"` // identical to the stored version
	Rejected    int64     `json:"rejected"`  // kept in quarantine
	SubmittedBy string    `json:"submitted_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
}

// BatchFilter narrows Batches.
type BatchFilter struct {
	Dept  string
	Item  string
	Limit int
}

// Reject is one rejected row, kept so it can be fixed and resubmitted (问题数据).
type Reject struct {
	BatchID  int64    `json:"batch_id"`
	Row      int      `json:"row"`
	Dept     string   `json:"dept"`
	Item     string   `json:"item"`
	SourceID string   `json:"source_id,omitempty"`
	Values   []string `json:"values"`
	// Sealed holds Values encrypted with the platform key (credit.Sealer) when the importer
	// sealed them: a rejected row may carry personal information. Stores keep it as given;
	// app.Rejects opens it into Values.
	Sealed   []byte              `json:"-"`
	Errors   []credit.FieldError `json:"errors"`
	Resolved int64               `json:"resolved_by_batch,omitempty"`
}

// MetaKeyFingerprint names the fingerprint of the personal-information master key.
const MetaKeyFingerprint = "key_fingerprint"

// Counter names kept by the importer.
const (
	CounterSubjectsLegal  = "subjects.legal"
	CounterSubjectsPerson = "subjects.person"
	CounterSubjectsOther  = "subjects.other"
	CounterRecords        = "records"       // current records
	CounterRecordsPrefix  = "records.item." // + item code
)

// SearchLimit is the page size of q (20 when unset).
func (q SearchQuery) SearchLimit() int {
	if q.Limit <= 0 {
		return 20
	}
	return q.Limit
}

// SearchNeed is how many hits a store fetches for q: up to the end of the page, plus one to
// tell whether there are more.
func (q SearchQuery) SearchNeed() int { return q.Offset + q.SearchLimit() + 1 }

// SearchPage cuts q's page out of all hits (exact matches first, then fragment matches), the
// same way for every store.
func SearchPage(all []*credit.Subject, q SearchQuery) *SearchResult {
	res := &SearchResult{}
	if q.Offset < len(all) {
		all = all[q.Offset:]
	} else {
		all = nil
	}
	if limit := q.SearchLimit(); len(all) > limit {
		all, res.More = all[:limit], true
	}
	res.Subjects = all
	return res
}
