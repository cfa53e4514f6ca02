package store

import (
	"context"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// Scores is what scoring and grading (issue 7) need to read: scorecard versions, current
// scores and their history, consents and their use, and a stream of subjects with their
// records for the recompute. Tables from migration 0009.
type Scores interface {
	// Scorecards returns the published versions of one scorecard ("" = every card), by code
	// then version.
	Scorecards(ctx context.Context, code string) ([]*ScorecardVersion, error)
	// Scorecard returns one version; version 0 = the newest. ENOTFOUND when none.
	Scorecard(ctx context.Context, code string, version int) (*ScorecardVersion, error)
	// SubjectScores returns a subject's current score on every card that scores it.
	SubjectScores(ctx context.Context, subjectID int64) ([]*credit.Score, error)
	// ScoresOf returns the current scores on card of the given subjects, by subject.
	ScoresOf(ctx context.Context, card string, ids []int64) (map[int64]*credit.Score, error)
	// ScoreHistory returns a subject's score history on card, newest first (limit 0 = all).
	ScoreHistory(ctx context.Context, subjectID int64, card string, limit int) ([]*credit.Score, error)
	// GradeCounts counts the current scores on card per grade.
	GradeCounts(ctx context.Context, card string) (map[string]int64, error)
	// ScoringChunk returns up to limit subjects with id > after, in id order, each with its
	// active records of the given items (all items when items is empty).
	ScoringChunk(ctx context.Context, after int64, limit int, items []string) ([]ScoringSubject, error)
	// ScoringSubjects is ScoringChunk for the given subject ids (at most 10,000; unknown ids
	// are left out), in id order.
	ScoringSubjects(ctx context.Context, ids []int64, items []string) ([]ScoringSubject, error)
	// MaxRecordID returns the highest record id (0 when there is none): taken before an import,
	// it bounds the records the batch adds.
	MaxRecordID(ctx context.Context) (int64, error)
	// BatchSubjects returns the distinct subjects of the records of batch with id > fromRecord,
	// in id order. It reads the records after fromRecord by primary key: no index on batch.
	BatchSubjects(ctx context.Context, batchID, fromRecord int64) ([]int64, error)
	// Consent returns a consent by id (ENOTFOUND when none).
	Consent(ctx context.Context, id int64) (*credit.Consent, error)
	// Consents returns a subject's consents, newest first.
	Consents(ctx context.Context, subjectID int64) ([]*credit.Consent, error)
	// ConsentUses returns the uses of a subject's consents, newest first (limit 0 = all).
	ConsentUses(ctx context.Context, subjectID int64, limit int) ([]*credit.ConsentUse, error)
}

// ScoresTx is the write side, inside Store.Update.
type ScoresTx interface {
	// SaveScorecard stores a new version of a scorecard; an existing (code, version) is
	// ECONFLICT.
	SaveScorecard(v *ScorecardVersion) error
	// PutScores makes each score the subject's current one on its card and appends it to the
	// history. Callers pass only scores that changed.
	PutScores(scores []*credit.Score) error
	// InsertConsent stores a new consent and sets its ID.
	InsertConsent(c *credit.Consent) error
	// RevokeConsent sets a consent's revocation time (ENOTFOUND when it is not the subject's,
	// ECONFLICT when already revoked).
	RevokeConsent(subjectID, id int64, at time.Time) error
	// AppendConsentUse logs one use of a consent.
	AppendConsentUse(u *credit.ConsentUse) error
}

// ScorecardVersion is one published version of a scorecard.
type ScorecardVersion struct {
	Card        *credit.Scorecard `json:"card"`
	PublishedAt time.Time         `json:"published_at"`
	PublishedBy string            `json:"published_by"`
}

// ScoringSubject is one subject as the recompute sees it: its id, key, kind and active records.
type ScoringSubject struct {
	ID      int64
	Key     string
	Kind    credit.SubjectKind
	Records []*credit.Record
}
