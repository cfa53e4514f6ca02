package auth

import (
	"slices"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// Lockout is the rule that locks an account after repeated failed sign-ins (登录失败锁定):
// MaxFailures failures within Window lock it for LockFor after the last of them. The zero
// Lockout (MaxFailures ≤ 0) never locks.
type Lockout struct {
	MaxFailures int
	Window      time.Duration
	LockFor     time.Duration
}

// DefaultLockout locks an account for 15 minutes after 5 failures within 15 minutes.
var DefaultLockout = Lockout{MaxFailures: 5, Window: 15 * time.Minute, LockFor: 15 * time.Minute}

// Check decides from the times of an account's failed sign-ins whether it is locked at now
// and, if so, until when. The failures may come in any order; those after now are ignored.
//
// A lock starts at the failure that completes a run of MaxFailures within Window and lasts
// LockFor from it. Web must not record attempts it refuses while locked — they never reach
// the password check — so a lock ends on time; rate limits per address bound the rest.
func (l Lockout) Check(failures []time.Time, now time.Time) (locked bool, until time.Time) {
	if l.MaxFailures <= 0 || len(failures) < l.MaxFailures {
		return false, time.Time{}
	}
	ts := make([]time.Time, 0, len(failures))
	for _, t := range failures {
		if !t.After(now) {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	for i := l.MaxFailures - 1; i < len(ts); i++ {
		if ts[i].Sub(ts[i-l.MaxFailures+1]) <= l.Window {
			if end := ts[i].Add(l.LockFor); end.After(until) {
				until = end
			}
		}
	}
	if now.Before(until) {
		return true, until
	}
	return false, time.Time{}
}

// Since is the earliest failure time that can still matter at now: the store may forget
// older failures, and need load only these for Check.
func (l Lockout) Since(now time.Time) time.Time { return now.Add(-l.Window - l.LockFor) }

// LockedError is the refusal of a sign-in to a locked account. It says when to try again but
// not whether the password was right, and web shows it for unknown user names too, so it
// tells an attacker nothing about which accounts exist.
func LockedError(until time.Time) error {
	return credit.Errorf(credit.EFORBIDDEN, "登录失败次数过多，账户已临时锁定，请于 %s 后再试 / "+
		"too many failed sign-ins: the account is locked until %s", until.Format("15:04"), until.Format("15:04 MST"))
}
