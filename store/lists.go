package store

import (
	"context"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// Lists is what lists, measures and window checks (名单、措施与信用核查, issue 5) read from a
// store. Every Store implements it (in store/listsql, shared by both databases); the reads are
// also available inside a transaction.
type Lists interface {
	// ListTypes returns the stored list types, by code.
	ListTypes(ctx context.Context) ([]*credit.ListType, error)
	// Measures returns the stored measures, by code, with their activation.
	Measures(ctx context.Context) ([]*credit.Measure, error)
	// ListEntry returns one entry (ENOTFOUND when none).
	ListEntry(ctx context.Context, id int64) (*credit.ListEntry, error)
	// ListEntries returns the entries matching f, newest first.
	ListEntries(ctx context.Context, f EntryFilter) ([]*credit.ListEntry, error)
	// SubjectEntries returns a subject's entries with one of statuses (all when none): the
	// window check's one indexed look-up (subject key first).
	SubjectEntries(ctx context.Context, subjectKey string, statuses ...credit.EntryStatus) ([]*credit.ListEntry, error)
	// EntriesOfSubjects returns the entries with status of many subjects at once, by subject
	// key (batch verification).
	EntriesOfSubjects(ctx context.Context, keys []string, status credit.EntryStatus) (map[string][]*credit.ListEntry, error)
	// ItemSubjects returns up to limit ids of subjects with a record of item, above after, in
	// id order (rule-derived lists walk them page by page).
	ItemSubjects(ctx context.Context, item string, after int64, limit int) ([]int64, error)
	// RepresentedBy returns the subject keys of the organisations whose legal representative
	// is the subject with id personID (落实到人).
	RepresentedBy(ctx context.Context, personID int64) ([]string, error)
	// DueEntries returns up to limit published entries whose validity ended at or before now.
	DueEntries(ctx context.Context, now time.Time, limit int) ([]*credit.ListEntry, error)
	// ListBatches returns the publication batches of a list ("" = all lists), newest first.
	ListBatches(ctx context.Context, list string) ([]credit.ListBatch, error)
	// ListBatch returns one batch (ENOTFOUND when none).
	ListBatch(ctx context.Context, list string, no int) (*credit.ListBatch, error)
	// CountEntries counts the entries of each list with status (all lists).
	CountEntries(ctx context.Context, status credit.EntryStatus) (map[string]int64, error)
	// Check returns one logged check with its measures (ENOTFOUND when none).
	Check(ctx context.Context, id int64) (*Check, error)
	// Checks returns the newest logged checks matching f.
	Checks(ctx context.Context, f CheckFilter) ([]*Check, error)
	// CheckStats returns the statistics of checks and measures (by month, department, measure).
	CheckStats(ctx context.Context, f CheckFilter) (*CheckStats, error)
	// CheckBatch returns one batch verification job (ENOTFOUND when none).
	CheckBatch(ctx context.Context, id int64) (*CheckBatch, error)
	// CheckBatches returns the newest batch verification jobs of dept ("" = all).
	CheckBatches(ctx context.Context, dept string, limit int) ([]*CheckBatch, error)
}

// ListsTx is the write side, inside Store.Update.
type ListsTx interface {
	// PutListType inserts or replaces a list type (by code).
	PutListType(lt *credit.ListType, at time.Time) error
	// PutMeasure inserts or replaces a measure (by code).
	PutMeasure(m *credit.Measure, at time.Time) error
	// InsertListEntries stores new entries and sets their ID. An entry whose (list, source id)
	// is already stored is skipped and keeps ID 0 (loads are idempotent).
	InsertListEntries(es []*credit.ListEntry) error
	// LoadListEntries stores many entries by the database's bulk path (COPY on PostgreSQL,
	// multi-row inserts on SQLite) without giving IDs back. For loading national lists and
	// the benchmark; an entry with a stored (list, source id) is ECONFLICT on PostgreSQL and
	// skipped on SQLite.
	LoadListEntries(es []*credit.ListEntry) error
	// UpdateListEntry stores an entry's status and lifecycle fields (by ID).
	UpdateListEntry(e *credit.ListEntry) error
	// InsertListBatch stores a publication batch; a taken number is ECONFLICT.
	InsertListBatch(b *credit.ListBatch) error
	// AddListBatchEntries adds n to the entry count of a stored batch (a list load in chunks;
	// ENOTFOUND when there is no such batch).
	AddListBatchEntries(list string, no, n int) error
	// InsertChecks logs checks with their measures and sets their IDs.
	InsertChecks(cs []*Check) error
	// PutFeedback stores the clerk's feedback on one measure of a check (ENOTFOUND when the
	// check did not find that measure).
	PutFeedback(checkID int64, measure string, outcome credit.FeedbackOutcome, note, by string, at time.Time) error
	// InsertCheckBatch stores a new batch verification job and sets its ID.
	InsertCheckBatch(b *CheckBatch) error
	// UpdateCheckBatch stores a job's progress, status and result.
	UpdateCheckBatch(b *CheckBatch) error
}

// EntryFilter narrows ListEntries.
type EntryFilter struct {
	List    string
	Status  credit.EntryStatus
	BatchNo int
	Dept    string
	Limit   int // 0 = 100
	Offset  int
}

// Check is one logged window check (信用核查) and the measures it found.
type Check struct {
	ID         int64          `json:"id"`
	At         time.Time      `json:"at"`
	Actor      string         `json:"actor"`
	Dept       string         `json:"dept"`
	Matter     string         `json:"matter"`
	SubjectKey string         `json:"-"` // a person's keyed hash, never a resident ID
	Found      bool           `json:"found"`
	Verdict    credit.Verdict `json:"verdict"`
	BatchID    int64          `json:"batch_id,omitempty"` // a batch verification's checks
	Measures   []CheckMeasure `json:"measures"`
}

// CheckMeasure is one measure a check found, with the clerk's feedback.
type CheckMeasure struct {
	Measure    string                 `json:"measure"`
	Dept       string                 `json:"dept"` // implementing department
	Direction  credit.Direction       `json:"direction"`
	Effect     credit.Effect          `json:"effect"`
	Mandatory  bool                   `json:"mandatory"`
	EntryID    int64                  `json:"entry_id"`
	List       string                 `json:"list"`
	Pending    bool                   `json:"pending,omitempty"` // within a grace period
	Outcome    credit.FeedbackOutcome `json:"outcome,omitempty"`
	Note       string                 `json:"note,omitempty"`
	FeedbackBy string                 `json:"feedback_by,omitempty"`
	FeedbackAt time.Time              `json:"feedback_at,omitzero"`
}

// CheckFilter narrows Checks and CheckStats.
type CheckFilter struct {
	Dept      string // the checking department ("" = all)
	FromMonth string // "2026-01" inclusive ("" = all)
	ToMonth   string // inclusive
	Limit     int
}

// CheckStats are the counters of the joint rewards and punishments (联合奖惩统计).
type CheckStats struct {
	Checks   []CheckCount   `json:"checks"`   // by month and checking department
	Measures []MeasureCount `json:"measures"` // by month, measure and implementing department
}

// CheckCount counts checks of one month by one department.
type CheckCount struct {
	Month   string `json:"month"`
	Dept    string `json:"dept"`
	Checks  int64  `json:"checks"`
	Hits    int64  `json:"hits"`    // checks that found at least one measure
	Blocked int64  `json:"blocked"` // verdict block (拦截)
	Warned  int64  `json:"warned"`
}

// MeasureCount counts one measure's hits and feedback in one month.
type MeasureCount struct {
	Month     string           `json:"month"`
	Measure   string           `json:"measure"`
	Dept      string           `json:"dept"`
	Direction credit.Direction `json:"direction"`
	Hits      int64            `json:"hits"`
	Feedback  int64            `json:"feedback"` // hits with feedback
	Applied   int64            `json:"applied"`  // feedback "applied"
}

// CheckBatchStatus is where a batch verification job is.
type CheckBatchStatus string

// Batch verification statuses.
const (
	CheckBatchRunning CheckBatchStatus = "running"
	CheckBatchDone    CheckBatchStatus = "done"
	CheckBatchFailed  CheckBatchStatus = "failed"
)

// CheckBatch is one batch verification job (批量核查).
type CheckBatch struct {
	ID         int64            `json:"id"`
	Matter     string           `json:"matter"`
	Actor      string           `json:"actor"`
	Dept       string           `json:"dept"`
	FileName   string           `json:"file_name"`
	Format     string           `json:"format"`
	Status     CheckBatchStatus `json:"status"`
	Total      int64            `json:"total"` // codes read so far
	Done       int64            `json:"done"`
	Found      int64            `json:"found"`
	Blocked    int64            `json:"blocked"`
	Warned     int64            `json:"warned"`
	BadRows    int64            `json:"bad_rows"`
	Error      string           `json:"error,omitempty"`
	Result     string           `json:"-"` // where the result file is kept
	CreatedAt  time.Time        `json:"created_at"`
	FinishedAt time.Time        `json:"finished_at,omitzero"`
}
