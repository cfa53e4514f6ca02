package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// ActionQueryLogSeal is the audit action that seals one day of the query log.
const ActionQueryLogSeal = "querylog.seal"

// metaQueryLogSealed names the last day (YYYY-MM-DD, in the office's zone) whose query log is
// sealed.
const metaQueryLogSealed = "querylog_sealed_through"

// querySealGrace is how long after midnight a day is sealed: reads that began before midnight
// have committed by then.
const querySealGrace = 10 * time.Minute

// QueryLogSeal is the digest of one day of the query log (查询日志封存), kept in the audit
// trail: the number of entries, their id range and the SHA-256 over all of them. The query log
// takes an entry for every read of personal data, so it is not chained entry by entry (that
// would serialise every read); a day is sealed once it is over, and any later change to that
// day's entries no longer matches the seal in the chained audit trail.
type QueryLogSeal struct {
	Day     string `json:"day"`
	Entries int64  `json:"entries"`
	FirstID int64  `json:"first_id,omitempty"`
	LastID  int64  `json:"last_id,omitempty"`
	Digest  string `json:"digest"`
}

// queryLogDigest computes the seal of the day starting at start (in its location).
func (a *App) queryLogDigest(ctx context.Context, start time.Time) (*QueryLogSeal, error) {
	s := &QueryLogSeal{Day: start.Format(time.DateOnly)}
	h := sha256.New()
	err := a.Store.QueryLogs(ctx, store.QueryLogFilter{From: start, To: start.AddDate(0, 0, 1)}, func(q *store.QueryLog) error {
		// Whole seconds: the stores keep different precisions, and a copy between them must
		// still verify.
		line, err := json.Marshal(QueryLogLine{ID: q.ID, At: q.At.UTC().Truncate(time.Second), Actor: q.Actor, Dept: q.Dept,
			Purpose: q.Purpose, SubjectKey: q.SubjectKey, Route: q.Route, Returned: q.Returned, RemoteAddr: q.RemoteAddr})
		if err != nil {
			return err
		}
		h.Write(line)
		h.Write([]byte{'\n'})
		if s.FirstID == 0 {
			s.FirstID = q.ID
		}
		s.LastID = q.ID
		s.Entries++
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Digest = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// SealQueryLogs seals every day of the query log that is over (in loc, the credit office's
// zone) and not sealed yet, up to and including through, and returns the seals it made. It is
// idempotent: a sealed day is never sealed again. The first run starts from the day of the
// oldest entry.
func (a *App) SealQueryLogs(ctx context.Context, actor string, through time.Time, loc *time.Location) ([]*QueryLogSeal, error) {
	if loc == nil {
		loc = time.Local
	}
	day := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	last := day(through)
	if open := day(a.Now().Add(-querySealGrace)); !last.Before(open) {
		last = open.AddDate(0, 0, -1) // the current day (and its grace period) is still open
	}
	var next time.Time
	switch v, err := a.Store.Meta(ctx, metaQueryLogSealed); {
	case err == nil:
		d, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			return nil, fmt.Errorf("query log seal mark %q: %w", v, err)
		}
		next = d.AddDate(0, 0, 1)
	case credit.ErrorCode(err) == credit.ENOTFOUND:
		first := time.Time{}
		stop := errors.New("stop")
		err := a.Store.QueryLogs(ctx, store.QueryLogFilter{Limit: 1}, func(q *store.QueryLog) error { first = q.At; return stop })
		if err != nil && !errors.Is(err, stop) {
			return nil, err
		}
		if first.IsZero() {
			return nil, nil // nothing logged yet
		}
		next = day(first)
	default:
		return nil, err
	}
	var out []*QueryLogSeal
	for d := next; !d.After(last); d = d.AddDate(0, 0, 1) {
		seal, err := a.queryLogDigest(ctx, d)
		if err != nil {
			return out, err
		}
		err = a.update(ctx, func(tx store.Tx) error {
			if v, err := tx.Meta(ctx, metaQueryLogSealed); err == nil && v >= seal.Day {
				return nil // sealed meanwhile by another process
			}
			if err := tx.SetMeta(metaQueryLogSealed, seal.Day); err != nil {
				return err
			}
			return a.audit(ctx, tx, actor, ActionQueryLogSeal, "querylog:"+seal.Day, seal)
		})
		if err != nil {
			return out, err
		}
		out = append(out, seal)
	}
	return out, nil
}

// QueryLogSealCheck is the outcome of checking one sealed day.
type QueryLogSealCheck struct {
	Sealed QueryLogSeal  `json:"sealed"`
	Now    *QueryLogSeal `json:"now"`
	OK     bool          `json:"ok"`
}

// VerifyQueryLogs recomputes every sealed day of the query log and compares it with its seal
// in the audit trail (check the trail itself with VerifyAudit). It returns every day checked;
// a day whose entries were added, removed or changed after sealing has OK false.
func (a *App) VerifyQueryLogs(ctx context.Context, loc *time.Location) ([]QueryLogSealCheck, error) {
	if loc == nil {
		loc = time.Local
	}
	var out []QueryLogSealCheck
	for e, err := range a.auditEntries(ctx, 1) {
		if err != nil {
			return out, err
		}
		if e.Action != ActionQueryLogSeal {
			continue
		}
		var c QueryLogSealCheck
		if err := json.Unmarshal(e.Detail, &c.Sealed); err != nil {
			return out, fmt.Errorf("audit entry %d: %w", e.Seq, err)
		}
		d, err := time.ParseInLocation(time.DateOnly, c.Sealed.Day, loc)
		if err != nil {
			return out, fmt.Errorf("audit entry %d: %w", e.Seq, err)
		}
		if c.Now, err = a.queryLogDigest(ctx, d); err != nil {
			return out, err
		}
		c.OK = *c.Now == c.Sealed
		out = append(out, c)
	}
	return out, nil
}
