package credit

import "time"

// RecordStatus is the state of one record version.
type RecordStatus string

// Record statuses.
const (
	RecordActive     RecordStatus = "active"     // the current version
	RecordSuperseded RecordStatus = "superseded" // replaced by a newer version; kept for history
	RecordRevoked    RecordStatus = "revoked"    // withdrawn by the source department
)

// Record is one version of one credit record (信用记录) of a catalog item about a subject.
// A change never overwrites a record: it adds a version with the same (Dept, Item, SourceID).
type Record struct {
	ID          int64             `json:"id"`
	SubjectID   int64             `json:"-"`
	Item        string            `json:"item"`
	ItemVersion int               `json:"item_version"` // catalog version the payload was validated against
	Dept        string            `json:"dept"`
	SourceID    string            `json:"source_id"`
	Version     int               `json:"version"`
	BatchID     int64             `json:"batch_id,omitempty"`
	Fields      map[string]string `json:"fields"` // non-personal fields, canonical string form
	Personal    []byte            `json:"-"`      // sealed JSON of the personal fields
	Hash        string            `json:"-"`      // content hash of the validated payload (idempotency)
	Decision    time.Time         `json:"decision_date,omitzero"`
	PubFrom     time.Time         `json:"publish_from,omitzero"`
	PubUntil    time.Time         `json:"publish_until,omitzero"` // zero: no end
	Published   bool              `json:"published"`              // false: never on the portal
	Status      RecordStatus      `json:"status"`
	CreatedAt   time.Time         `json:"created_at"`
}

// PublicAt reports whether r is inside its publication window at now.
func (r *Record) PublicAt(now time.Time) bool {
	if !r.Published || r.Status != RecordActive {
		return false
	}
	if now.Before(r.PubFrom) {
		return false
	}
	return r.PubUntil.IsZero() || now.Before(r.PubUntil)
}
