package store

import (
	"context"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// RightsReader is the read side of subjects' rights (异议、信用修复与工作日历): record states,
// objection and repair cases, their evidence files, subjects' notices, and the working-day
// calendar. Tables from migration 0008_rights.sql: record_status, cases, evidence, notices,
// calendar_years.
type RightsReader interface {
	// RecordByID returns one record version, ENOTFOUND when none.
	RecordByID(ctx context.Context, id int64) (*credit.Record, error)
	// RecordStates returns the states of a subject's records by record key (records nothing
	// happened to are absent).
	RecordStates(ctx context.Context, subjectID int64) (map[RecordKey]*credit.RecordState, error)
	// RecordState returns one record's state, ENOTFOUND when nothing happened to it.
	RecordState(ctx context.Context, key RecordKey) (*credit.RecordState, error)
	// WithdrawnRecords returns the ids of the current versions of every record a repair or a
	// revocation took out of use (scores and other public uses leave them out); there are few.
	WithdrawnRecords(ctx context.Context) (map[int64]bool, error)
	// PublicationExpired returns up to limit current, published records whose publication
	// period ended at or before now and that are not yet marked expired, oldest end first.
	// It sees the records IndexPublicationEnds has taken in.
	PublicationExpired(ctx context.Context, now time.Time, limit int) ([]*credit.Record, error)

	// CalendarYears returns the newest loaded version of every year, oldest year first.
	CalendarYears(ctx context.Context) ([]*credit.CalendarYear, error)

	// Case returns one case, ENOTFOUND when none.
	Case(ctx context.Context, id int64) (*credit.Case, error)
	// Cases returns the cases f selects, newest first.
	Cases(ctx context.Context, f CaseFilter) ([]*credit.Case, error)
	// EvidenceOf lists a case's evidence files without their content, in upload order.
	EvidenceOf(ctx context.Context, caseID int64) ([]*Evidence, error)
	// EvidenceFile returns one evidence file with its sealed content, ENOTFOUND when none.
	EvidenceFile(ctx context.Context, id int64) (*Evidence, error)
	// Notices returns a subject's newest notices first, at most limit (0: all).
	Notices(ctx context.Context, subjectID int64, limit int) ([]*Notice, error)
}

// RightsTx is the write side of subjects' rights.
type RightsTx interface {
	// PutRecordState stores a record's state, replacing the one with the same record key.
	PutRecordState(st *credit.RecordState) error
	// IndexPublicationEnds takes up to limit records newer than the expiry job's watermark into
	// its list of publication ends (those current, published and with an end) and moves the
	// watermark past them. It reports how many records it looked at; 0 means none was left.
	IndexPublicationEnds(limit int) (int, error)
	// DropPublicationEnds forgets the publication ends at or before until: the expiry job calls
	// it once every record among them that was due is marked expired.
	DropPublicationEnds(until time.Time) error
	// SaveCalendarYear stores a new version of a year's arrangement and sets y.Version.
	SaveCalendarYear(y *credit.CalendarYear) error
	// InsertCase stores a new case and sets its ID.
	InsertCase(c *credit.Case) error
	// UpdateCase saves a case by ID (ENOTFOUND when none).
	UpdateCase(c *credit.Case) error
	// InsertEvidence stores an evidence file and sets its ID.
	InsertEvidence(e *Evidence) error
	// InsertNotice stores a notice to a subject and sets its ID.
	InsertNotice(n *Notice) error
}

// CaseFilter selects cases. Zero fields do not filter.
type CaseFilter struct {
	Kind      credit.CaseKind
	SubjectID int64
	Dept      string
	Record    *RecordKey
	OpenOnly  bool
	Limit     int
}

// Evidence is one file a subject gave with a case (证明材料). Content is sealed with the
// platform key: it may hold personal information.
type Evidence struct {
	ID         int64     `json:"id"`
	CaseID     int64     `json:"case_id"`
	Name       string    `json:"name"`
	Mime       string    `json:"mime"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	Sealed     []byte    `json:"-"`
	UploadedBy string    `json:"uploaded_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// Notice is a message to a subject in its self-service inbox (消息通知).
type Notice struct {
	ID        int64     `json:"id"`
	SubjectID int64     `json:"subject_id"`
	CaseID    int64     `json:"case_id,omitempty"`
	At        time.Time `json:"at"`
	Text      string    `json:"text"`
}
