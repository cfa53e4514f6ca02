package credit

import "time"

// ChangeKind names what changed in a subject's credit status.
type ChangeKind string

// Kinds of status change. Lists and measures, objections and repairs, and scores each report
// theirs; the platform turns every change into tasks for the departments concerned, outbox
// messages for other platforms and notifications for subscribers.
const (
	ChangeListEnter       ChangeKind = "list.enter"       // the subject entered a list (列入名单)
	ChangeListLeave       ChangeKind = "list.leave"       // the subject left a list: removed or expired (移出名单)
	ChangeRecordCorrected ChangeKind = "record.corrected" // an objection corrected a record (a new version)
	ChangeRecordRevoked   ChangeKind = "record.revoked"   // an objection revoked a record
	ChangeRecordRepaired  ChangeKind = "record.repaired"  // a repair ended a record's publication (信用修复)
	ChangeRecordExpired   ChangeKind = "record.expired"   // a record's publication period ended
	ChangeGradeChanged    ChangeKind = "grade.changed"    // a subject's credit grade changed (信用评级)
)

// StatusChange is one change in a subject's credit status that other parties must hear of
// (状态变更): the implementing departments of the measures it triggers (联合奖惩的发起与响应),
// subscribers monitoring the subject or the list, and the platforms above and below.
type StatusChange struct {
	Kind       ChangeKind `json:"kind"`
	SubjectID  int64      `json:"subject_id"`
	SubjectKey string     `json:"subject_key"`        // canonical code, or a person's keyed hash: never a resident ID
	List       string     `json:"list,omitempty"`     // list type code, for list changes
	EntryID    int64      `json:"entry_id,omitempty"` // list entry, for list changes
	RecordID   int64      `json:"record_id,omitempty"`
	Grade      string     `json:"grade,omitempty"` // the new grade, for grade changes
	// Depts are the implementing departments concerned: each receives a task to respond to.
	Depts  []string  `json:"depts,omitempty"`
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by,omitempty"` // who caused it (Principal.Actor), "system" for scheduled jobs
	At     time.Time `json:"at"`
}
