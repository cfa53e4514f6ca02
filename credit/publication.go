package credit

import "time"

// RecordState is what has happened to a record apart from its versions (记录状态): an objection
// under way, publication ended by repair or by its maximum period, a revocation on objection.
// It is keyed by the record key (department, item, source id), so a correction — a new
// version — keeps it and its history.
type RecordState struct {
	SubjectID int64  `json:"subject_id"`
	Dept      string `json:"dept"`
	Item      string `json:"item"`
	SourceID  string `json:"source_id"`
	// Objection is the open objection's case id (异议处理中), 0 when none.
	Objection int64 `json:"objection,omitempty"`
	// RepairedAt: a repair ended public display (信用修复), by case RepairCase.
	RepairedAt time.Time `json:"repaired_at,omitzero"`
	RepairCase int64     `json:"repair_case,omitempty"`
	// RevokedAt: the source department revoked the record on an objection.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// ExpiredAt: the expiry job recorded that the maximum period ended publication.
	ExpiredAt time.Time `json:"expired_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Publication is where a record stands towards the public portal at a moment (公示状态).
type Publication string

// Publication statuses.
const (
	PubShown    Publication = "shown"    // 公示中: on the portal now
	PubPending  Publication = "pending"  // 待公示: publication has not begun
	PubEnded    Publication = "ended"    // 公示期满: the publication period is over
	PubNever    Publication = "never"    // 不公示: the item is never published (shared, authorised)
	PubRepaired Publication = "repaired" // 已信用修复: repair ended public display; archived and shared
	PubRevoked  Publication = "revoked"  // 已撤销: the department revoked it on an objection
)

// PublicationOf returns r's publication status at now: the one rule the portal, the public
// API, the subject's own page and the government view share. item may be nil (an item no
// longer in the catalog: never shown), st may be nil (nothing happened to the record). A
// superseded version is never shown; a record under objection stays shown, marked.
func PublicationOf(item *CatalogItem, r *Record, st *RecordState, now time.Time) Publication {
	switch {
	case st != nil && !st.RevokedAt.IsZero(), r.Status == RecordRevoked:
		return PubRevoked
	case item == nil || item.Disclosure != DisclosurePublic || !r.Published || r.Status != RecordActive:
		return PubNever
	case st != nil && !st.RepairedAt.IsZero():
		return PubRepaired
	case now.Before(r.PubFrom):
		return PubPending
	case !r.PubUntil.IsZero() && !now.Before(r.PubUntil):
		return PubEnded
	}
	return PubShown
}

// InForce reports whether a record counts publicly at now (公开有效): shown on the portal, and
// so usable by checks and measures that rely on publication. A record under objection is still
// in force until the department answers.
func InForce(item *CatalogItem, r *Record, st *RecordState, now time.Time) bool {
	return PublicationOf(item, r, st, now) == PubShown
}
