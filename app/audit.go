package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/xinyong/xinyong/audit"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Actors that are not a signed-in principal.
const (
	// ActorSystem is the platform acting by itself (seeding, callers that do not yet know who
	// is acting).
	ActorSystem = "system"
	// actorCLIPrefix + the operating-system user names a command-line operator.
	actorCLIPrefix = "cli:"
)

// CLIActor names an operator at the command line in the audit trail: "cli:<os user>".
func CLIActor(osUser string) string {
	if osUser == "" {
		osUser = "unknown"
	}
	return actorCLIPrefix + osUser
}

// Audit actions (审计操作), as they appear in Entry.Action.
const (
	ActionCatalogPublish      = "catalog.publish"
	ActionCodeExceptionAdd    = "code_exception.add"
	ActionCodeExceptionRemove = "code_exception.remove"
	ActionBatchImport         = "batch.import"
	ActionDeptSeed            = "dept.seed"
	ActionDeptPut             = "dept.put"
	ActionUserAdd             = "user.add"
	ActionUserUpdate          = "user.update"
	ActionUserDisable         = "user.disable"
	ActionUserEnable          = "user.enable"
	ActionUserPasswordReset   = "user.password_reset"
	ActionTokenIssue          = "token.issue"
	ActionTokenRevoke         = "token.revoke"
	ActionLoginSuccess        = "login.success"
	ActionLoginFailure        = "login.failure"
	ActionLockout             = "lockout"
)

// auditRaceError is an audit append that lost the race for the next seq to another process
// (two servers, or the CLI beside a server, on PostgreSQL). The whole transaction is retried.
type auditRaceError struct{ err error }

func (e *auditRaceError) Error() string { return e.err.Error() }
func (e *auditRaceError) Unwrap() error { return e.err }

// audit appends one entry to the audit trail (审计日志) inside tx, the transaction that makes
// the change it records: the change and its entry commit together or not at all.
func (a *App) audit(ctx context.Context, tx store.Tx, actor, action, object string, detail any) error {
	if actor == "" {
		actor = ActorSystem
	}
	seq, prev, err := tx.AuditHead(ctx)
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	e, err := audit.NewEntry(seq+1, a.Now(), actor, action, object, detail)
	if err != nil {
		return err
	}
	audit.Chain(prev, e)
	if err := tx.AppendAudit(e); err != nil {
		if credit.ErrorCode(err) == credit.ECONFLICT {
			return &auditRaceError{err}
		}
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// update runs fn in one transaction like Store.Update, running it again (up to three more
// times) when its audit entry lost the race for the next seq to a concurrent writer. fn must
// therefore be safe to run more than once.
func (a *App) update(ctx context.Context, fn func(tx store.Tx) error) error {
	for i := 0; ; i++ {
		err := a.Store.Update(ctx, fn)
		var race *auditRaceError
		if i < 3 && errors.As(err, &race) {
			continue
		}
		return err
	}
}

// auditEntries streams the audit trail from seq from on as an iterator.
func (a *App) auditEntries(ctx context.Context, from int64) iter.Seq2[*audit.Entry, error] {
	return func(yield func(*audit.Entry, error) bool) {
		stop := errors.New("stop")
		err := a.Store.AuditEntries(ctx, from, func(e *audit.Entry) error {
			if !yield(e, nil) {
				return stop
			}
			return nil
		})
		if err != nil && err != stop {
			yield(nil, err)
		}
	}
}

// VerifyAudit recomputes the whole audit chain. checked is the number of entries found
// intact; brokenAt is the seq of the first broken entry (0 when the chain holds), with err an
// *audit.BreakError saying why. Any other error is a failure to read the store.
func (a *App) VerifyAudit(ctx context.Context) (checked, brokenAt int64, err error) {
	return audit.Verify(a.auditEntries(ctx, 1))
}

// AuditAnchor returns the daily anchor (每日锚定哈希) of day in loc, the credit office's time
// zone: the anchor over the hash of the last entry appended before that day ended, and that
// entry's seq (0 when there was none). Entries are taken in seq order up to the first one
// stamped after the day, so the anchor pins a prefix of the chain.
func (a *App) AuditAnchor(ctx context.Context, day time.Time, loc *time.Location) (lastSeq int64, anchor string, err error) {
	if loc == nil {
		loc = time.Local
	}
	y, m, d := day.In(loc).Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, loc)
	end := start.AddDate(0, 0, 1)
	lastHash := audit.Genesis
	for e, err := range a.auditEntries(ctx, 1) {
		if err != nil {
			return 0, "", err
		}
		if !e.At.Before(end) {
			break
		}
		lastSeq, lastHash = e.Seq, e.Hash
	}
	return lastSeq, audit.DailyAnchor(lastHash, start), nil
}

// ExportAudit writes the audit trail from seq from on (1 for all of it) to w as JSON Lines,
// in the form `xinyong audit verify --file` and anyone with audit.ReadJSONL can check. It
// returns how many entries it wrote.
func (a *App) ExportAudit(ctx context.Context, w io.Writer, from int64) (int64, error) {
	if from < 1 {
		from = 1
	}
	return audit.WriteJSONL(w, a.auditEntries(ctx, from))
}
