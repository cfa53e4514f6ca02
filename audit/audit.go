// Package audit is Xinyong's audit trail (审计日志): an append-only log of every change, each
// entry chained to the one before by a SHA-256 hash, so that changing, removing, reordering or
// inserting an entry breaks the chain at that point and Verify names it. A daily anchor hash,
// published by the credit office, pins the chain so that even a rewrite of the whole tail
// from some entry on is caught against the published value.
//
// Pure functions only: the store appends and reads entries, cmd prints what Verify finds.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"iter"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xinyong/xinyong/credit"
)

// Genesis is the Prev of the first entry of a log.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one entry of the audit trail: who (Actor) did what (Action) to what (Object), with
// the details of the change, chained to the entry before it.
type Entry struct {
	Seq    int64           `json:"seq"`              // 1, 2, 3, … without gaps
	At     time.Time       `json:"at"`               // when, UTC, microsecond precision
	Actor  string          `json:"actor"`            // auth.Principal.Actor(): "user:12", "token:7@fgw", "system"
	Action string          `json:"action"`           // "user.add", "record.version", "catalog.publish", …
	Object string          `json:"object"`           // what it acted on: "user:31", "batch:208", "catalog:v4"
	Detail json.RawMessage `json:"detail,omitempty"` // compact JSON: the change itself
	Prev   string          `json:"prev"`             // Hash of the entry before (Genesis for the first)
	Hash   string          `json:"hash"`             // Compute(Prev)
}

// hashVersion tags the encoding hashed by Compute, so a future encoding cannot be confused
// with this one.
const hashVersion = "xinyong audit v1"

// writeField writes one field to h with its length first, so no two different entries share
// an encoding (fields cannot run into each other whatever bytes they hold).
func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// Compute returns the hash the entry has when it follows an entry whose hash is prev: the
// lower-case hex SHA-256 over a version tag and the entry's seq (decimal), time (UTC,
// RFC 3339 with nanoseconds), actor, action, object, detail bytes and prev, each
// length-prefixed. It reads e.Prev and e.Hash not at all.
func (e *Entry) Compute(prev string) string {
	h := sha256.New()
	writeField(h, []byte(hashVersion))
	writeField(h, []byte(strconv.FormatInt(e.Seq, 10)))
	writeField(h, []byte(e.At.UTC().Format(time.RFC3339Nano)))
	writeField(h, []byte(e.Actor))
	writeField(h, []byte(e.Action))
	writeField(h, []byte(e.Object))
	writeField(h, e.Detail)
	writeField(h, []byte(prev))
	return hex.EncodeToString(h.Sum(nil))
}

// Chain links e after the entry whose hash is prev (Genesis for the first): it sets Prev and
// Hash. First it puts e in the form every store and the JSON Lines export keep byte for byte —
// At in UTC truncated to microseconds (what PostgreSQL keeps), Detail compacted when it is
// valid JSON — so the hash survives the round trip. Check e before chaining it.
func Chain(prev string, e *Entry) {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if len(e.Detail) > 0 && json.Valid(e.Detail) {
		var b bytes.Buffer
		if json.Compact(&b, e.Detail) == nil {
			e.Detail = json.RawMessage(b.Bytes())
		}
	}
	e.Prev = prev
	e.Hash = e.Compute(prev)
}

// NewEntry returns an unchained entry with detail encoded as compact JSON (nil detail: none).
func NewEntry(seq int64, at time.Time, actor, action, object string, detail any) (*Entry, error) {
	e := &Entry{Seq: seq, At: at, Actor: actor, Action: action, Object: object}
	if detail != nil {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(detail); err != nil {
			return nil, fmt.Errorf("audit detail: %w", err)
		}
		e.Detail = bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	}
	return e, e.Check()
}

// Limits of an entry's text fields, in bytes.
const (
	maxNameLen   = 256
	maxDetailLen = 64 << 10
)

// Check refuses an entry that should not be appended: no seq, no time or a time JSON cannot
// carry, a missing actor or action, over-long fields, a detail that is not JSON.
func (e *Entry) Check() error {
	switch {
	case e.Seq < 1:
		return invalid("seq", "审计条目序号须为正整数 / audit entry seq must be positive")
	case e.At.IsZero() || e.At.UTC().Year() < 1 || e.At.UTC().Year() > 9999:
		return invalid("at", "审计条目时间缺失或超出范围 / audit entry time missing or out of range")
	case strings.TrimSpace(e.Actor) == "":
		return invalid("actor", "审计条目缺少操作者 / audit entry needs an actor")
	case strings.TrimSpace(e.Action) == "":
		return invalid("action", "审计条目缺少操作 / audit entry needs an action")
	case len(e.Actor) > maxNameLen || len(e.Action) > maxNameLen || len(e.Object) > maxNameLen:
		return invalid("", "审计条目的操作者、操作或对象过长（最多 256 字节） / audit entry actor, action or object too long (at most 256 bytes)")
	// JSON would replace invalid UTF-8, and the exported entry would no longer match its hash.
	case !utf8.ValidString(e.Actor) || !utf8.ValidString(e.Action) || !utf8.ValidString(e.Object) || !utf8.Valid(e.Detail):
		return invalid("", "审计条目含有无效 UTF-8 / audit entry text is not valid UTF-8")
	case len(e.Detail) > maxDetailLen:
		return invalid("detail", "审计条目详情过长（最多 64 KiB） / audit entry detail too long (at most 64 KiB)")
	case len(e.Detail) > 0 && !json.Valid(e.Detail):
		return invalid("detail", "审计条目详情不是有效 JSON / audit entry detail is not valid JSON")
	}
	return nil
}

// DailyAnchor is the value the credit office publishes for a day (每日锚定哈希): the hex SHA-256
// over a tag, the calendar date of day (in day's own location — pass a time in the office's
// time zone) and the hash of the last entry appended up to the end of that day (Genesis when
// there is none yet). Anyone holding a published anchor can later check that the log up to
// that day is the one that was published.
func DailyAnchor(lastHashOfDay string, day time.Time) string {
	h := sha256.New()
	writeField(h, []byte("xinyong audit anchor v1"))
	writeField(h, []byte(day.Format(time.DateOnly)))
	writeField(h, []byte(lastHashOfDay))
	return hex.EncodeToString(h.Sum(nil))
}

// ErrBroken is matched (errors.Is) by every *BreakError.
var ErrBroken = errors.New("audit chain broken")

// BreakError says where and why the chain does not hold.
type BreakError struct {
	Seq    int64  // the seq the broken entry should have had: entries before it are intact
	Got    int64  // the seq the entry carries (0 when the log ended early)
	Reason string // Chinese first
}

func (e *BreakError) Error() string {
	return fmt.Sprintf("审计链在第 %d 条处断开 / audit chain broken at entry %d: %s", e.Seq, e.Seq, e.Reason)
}

// Is lets errors.Is(err, ErrBroken) find a BreakError.
func (e *BreakError) Is(target error) bool { return target == ErrBroken }

// Verifier checks a log entry by entry, as the store streams it.
type Verifier struct {
	next    int64
	prev    string
	checked int64
}

// NewVerifier starts verification at the beginning of a log.
func NewVerifier() *Verifier { return &Verifier{next: 1, prev: Genesis} }

// NewVerifierFrom starts verification after an entry already trusted (an archived segment's
// last entry, a published anchor's entry): the next entry must have seq lastSeq+1 and Prev
// lastHash.
func NewVerifierFrom(lastSeq int64, lastHash string) *Verifier {
	return &Verifier{next: lastSeq + 1, prev: lastHash}
}

// Add checks the next entry of the log: its seq is the next one, its Prev is the previous
// entry's hash, its Hash is what Compute gives. It returns a *BreakError for the first entry
// that fails; after that the Verifier stays broken. Entries whose own hash was recomputed
// after tampering show as a break at the entry after them (their successor's Prev no longer
// matches), which is why the reason names both.
func (v *Verifier) Add(e *Entry) error {
	if v.next == 0 {
		return &BreakError{Reason: "校验已中止 / verification already failed"}
	}
	fail := func(reason string) error {
		err := &BreakError{Seq: v.next, Reason: reason}
		if e != nil {
			err.Got = e.Seq
		}
		v.next = 0
		return err
	}
	switch {
	case e == nil:
		return fail("条目为空 / nil entry")
	case e.Seq != v.next:
		return fail(fmt.Sprintf("序号应为 %d，实为 %d（条目被删除、插入或调换） / expected seq %d, found %d (an entry was removed, inserted or moved)",
			v.next, e.Seq, v.next, e.Seq))
	case e.Prev != v.prev:
		return fail(fmt.Sprintf("前序哈希与第 %d 条的哈希不符（该条或前一条被改动） / prev does not match the hash of entry %d (this entry or the one before was altered)",
			v.next-1, v.next-1))
	case e.Hash != e.Compute(v.prev):
		return fail("内容与哈希不符（该条被改动） / the entry does not match its hash (it was altered)")
	}
	v.prev = e.Hash
	v.next++
	v.checked++
	return nil
}

// Checked is how many entries have been verified intact.
func (v *Verifier) Checked() int64 { return v.checked }

// Head is the seq and hash of the last intact entry (0 and the starting hash when none).
func (v *Verifier) Head() (seq int64, hash string) {
	if v.next == 0 {
		return 0, ""
	}
	return v.next - 1, v.prev
}

// Verify recomputes the chain of a whole log from its first entry. checked is the number of
// entries found intact; brokenAt is the seq at which the chain breaks (0 when it holds), with
// err a *BreakError saying why. An error from the iterator itself (reading the store or a
// file) ends the walk and is returned as it is, with brokenAt 0. An empty log verifies.
//
// A chain can be rewritten consistently from some entry to the end by someone who can write
// the store; Verify cannot see that, the published daily anchors can.
func Verify(entries iter.Seq2[*Entry, error]) (checked int64, brokenAt int64, err error) {
	v := NewVerifier()
	for e, err := range entries {
		if err != nil {
			return v.checked, 0, err
		}
		if err := v.Add(e); err != nil {
			var be *BreakError
			errors.As(err, &be)
			return v.checked, be.Seq, err
		}
	}
	return v.checked, 0, nil
}

func invalid(field, msg string) error {
	return &credit.Error{Code: credit.EINVALID, Field: field, Rule: credit.RuleFormat, Message: msg}
}
