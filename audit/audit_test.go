package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

// chain returns a chained log of n entries.
func chain(t testing.TB, n int) []*Entry {
	t.Helper()
	var out []*Entry
	prev := Genesis
	for i := 1; i <= n; i++ {
		e, err := NewEntry(int64(i), t0.Add(time.Duration(i)*time.Minute), fmt.Sprintf("user:%d", i%3+1), "record.version",
			fmt.Sprintf("record:%d", 100+i), map[string]any{"version": i, "note": "更正 <错别字> & 日期"})
		if err != nil {
			t.Fatal(err)
		}
		Chain(prev, e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

// all iterates over entries without errors.
func all(es []*Entry) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		for _, e := range es {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// clone deep-copies a log so a test can tamper with it.
func clone(es []*Entry) []*Entry {
	out := make([]*Entry, len(es))
	for i, e := range es {
		c := *e
		c.Detail = slices.Clone(e.Detail)
		out[i] = &c
	}
	return out
}

// TestComputeGolden pins the hashed encoding to values computed independently (a few lines of
// Python's hashlib over the documented layout): stored chains and published anchors must stay
// verifiable by every later version, and by anyone who reads the documentation.
func TestComputeGolden(t *testing.T) {
	e1 := &Entry{Seq: 1, At: time.Date(2026, 4, 1, 9, 2, 3, 123456000, time.FixedZone("CST", 8*3600)), Actor: "user:1",
		Action: "user.add", Object: "user:2", Detail: json.RawMessage(`{"name":"张三","roles":["submitter"]}`)}
	Chain(Genesis, e1)
	if e1.Hash != "2f2a29891dbc243963425fc43af9f15c25e37a111170e987d60edb154d24aeca" {
		t.Errorf("entry 1 hash = %s", e1.Hash)
	}
	shanghai := time.FixedZone("CST", 8*3600)
	e2 := &Entry{Seq: 2, At: time.Date(2026, 4, 2, 0, 0, 0, 0, shanghai), Actor: "token:7@fgw", Action: "batch.submit", Object: "batch:208"}
	Chain(e1.Hash, e2)
	if e2.Hash != "f6a79e8fc28946ea131ffe3f3eac7e42dd213ab17976404b734ec9b5732c257e" {
		t.Errorf("entry 2 hash = %s", e2.Hash)
	}
	if a := DailyAnchor(e2.Hash, time.Date(2026, 4, 1, 23, 59, 0, 0, time.UTC)); a != "452247eb40d8825835ae90bbd272c65916a1ee68abd057c50e42edcdbfc1ed40" {
		t.Errorf("anchor = %s", a)
	}
	if n, b, err := Verify(all([]*Entry{e1, e2})); n != 2 || b != 0 || err != nil {
		t.Errorf("Verify = %d, %d, %v", n, b, err)
	}
}

// TestComputeUnambiguous: moving bytes from one field to the next changes the hash, as does
// every field, while the time zone of the same instant does not.
func TestComputeUnambiguous(t *testing.T) {
	base := Entry{Seq: 5, At: t0, Actor: "ab", Action: "c", Object: "d", Detail: json.RawMessage(`{}`)}
	h := base.Compute(Genesis)
	variants := map[string]Entry{}
	v := base
	v.Actor, v.Action = "a", "bc"
	variants["actor|action boundary"] = v
	v = base
	v.Action, v.Object = "cd", ""
	variants["action|object boundary"] = v
	v = base
	v.Seq = 50
	variants["seq"] = v
	v = base
	v.At = t0.Add(time.Nanosecond)
	variants["at by a nanosecond"] = v
	v = base
	v.Detail = json.RawMessage(`{ }`)
	variants["detail bytes"] = v
	v = base
	v.Detail = nil
	variants["no detail"] = v
	for name, v := range variants {
		if v.Compute(Genesis) == h {
			t.Errorf("%s: same hash", name)
		}
	}
	if base.Compute(strings.Repeat("1", 64)) == h {
		t.Error("prev does not enter the hash")
	}
	v = base
	v.At = t0.In(time.FixedZone("CST", 8*3600))
	if v.Compute(Genesis) != h {
		t.Error("the same instant in another zone hashes differently")
	}
	v = base
	v.Prev, v.Hash = "x", "y"
	if v.Compute(Genesis) != h {
		t.Error("Compute reads Prev or Hash")
	}
}

func TestChainNormalises(t *testing.T) {
	e := &Entry{Seq: 1, At: time.Date(2026, 4, 1, 17, 0, 0, 123456789, time.FixedZone("CST", 8*3600)), Actor: "system",
		Action: "catalog.publish", Object: "catalog:v4", Detail: json.RawMessage("{\n  \"version\": 4,\n  \"note\": \"a <b>\"\n}")}
	Chain(Genesis, e)
	if e.At.Location() != time.UTC || e.At.Nanosecond() != 123456000 {
		t.Errorf("At = %v, want UTC truncated to microseconds", e.At)
	}
	if string(e.Detail) != `{"version":4,"note":"a <b>"}` {
		t.Errorf("Detail = %s, want compact", e.Detail)
	}
	if e.Prev != Genesis || e.Hash != e.Compute(Genesis) || len(e.Hash) != 64 {
		t.Errorf("Prev %q Hash %q", e.Prev, e.Hash)
	}
}

func TestVerifyIntact(t *testing.T) {
	for _, n := range []int{0, 1, 2, 50} {
		checked, broken, err := Verify(all(chain(t, n)))
		if checked != int64(n) || broken != 0 || err != nil {
			t.Errorf("%d entries: Verify = %d, %d, %v", n, checked, broken, err)
		}
	}
}

// TestVerifyDetects tampers with a log of 10 entries in every way and checks that Verify
// names the first entry where the chain no longer holds.
func TestVerifyDetects(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(es []*Entry) []*Entry
		broken int64
	}{
		{"seq changed", func(es []*Entry) []*Entry { es[4].Seq = 55; return es }, 5},
		{"time changed", func(es []*Entry) []*Entry { es[4].At = es[4].At.Add(time.Microsecond); return es }, 5},
		{"actor changed", func(es []*Entry) []*Entry { es[4].Actor = "user:99"; return es }, 5},
		{"action changed", func(es []*Entry) []*Entry { es[4].Action = "record.delete"; return es }, 5},
		{"object changed", func(es []*Entry) []*Entry { es[4].Object = "record:1"; return es }, 5},
		{"detail changed", func(es []*Entry) []*Entry { es[4].Detail = json.RawMessage(`{"version":6}`); return es }, 5},
		{"detail removed", func(es []*Entry) []*Entry { es[4].Detail = nil; return es }, 5},
		{"prev changed", func(es []*Entry) []*Entry { es[4].Prev = Genesis; return es }, 5},
		{"hash changed", func(es []*Entry) []*Entry { es[4].Hash = strings.Repeat("a", 64); return es }, 5},
		{"first entry changed", func(es []*Entry) []*Entry { es[0].Actor = "x"; return es }, 1},
		{"last entry changed", func(es []*Entry) []*Entry { es[9].Object = "x"; return es }, 10},
		{"changed and rehashed: caught at the next", func(es []*Entry) []*Entry {
			es[4].Actor = "user:99"
			es[4].Hash = es[4].Compute(es[4].Prev)
			return es
		}, 6},
		{"middle entry deleted", func(es []*Entry) []*Entry { return slices.Delete(es, 4, 5) }, 5},
		{"first entry deleted", func(es []*Entry) []*Entry { return es[1:] }, 1},
		{"deleted and renumbered", func(es []*Entry) []*Entry {
			es = slices.Delete(es, 4, 5)
			for i := 4; i < len(es); i++ {
				es[i].Seq--
			}
			return es
		}, 5},
		{"two entries swapped", func(es []*Entry) []*Entry { es[3], es[4] = es[4], es[3]; return es }, 4},
		{"swapped with seqs swapped back", func(es []*Entry) []*Entry {
			es[3], es[4] = es[4], es[3]
			es[3].Seq, es[4].Seq = 4, 5
			return es
		}, 4},
		{"entry inserted", func(es []*Entry) []*Entry {
			x := *es[4]
			x.Actor = "user:66"
			x.Hash = x.Compute(x.Prev)
			return slices.Insert(es, 4, &x)
		}, 6},
		{"entry inserted and chained", func(es []*Entry) []*Entry {
			x := &Entry{Seq: 5, At: es[4].At, Actor: "user:66", Action: "x", Object: "y"}
			Chain(es[3].Hash, x)
			return slices.Insert(es, 4, x)
		}, 6},
		{"entry duplicated", func(es []*Entry) []*Entry { return slices.Insert(es, 5, es[4]) }, 6},
		{"a log started mid-way", func(es []*Entry) []*Entry { return es[5:] }, 1},
		{"nil entry", func(es []*Entry) []*Entry { es[2] = nil; return es }, 3},
	}
	for _, tt := range tests {
		es := tt.tamper(clone(chain(t, 10)))
		checked, broken, err := Verify(all(es))
		var be *BreakError
		if broken != tt.broken || checked != tt.broken-1 || !errors.As(err, &be) || !errors.Is(err, ErrBroken) || be.Seq != broken {
			t.Errorf("%s: Verify = %d, %d, %v; want broken at %d", tt.name, checked, broken, err, tt.broken)
			continue
		}
		if !strings.HasPrefix(err.Error(), fmt.Sprintf("审计链在第 %d 条处断开", tt.broken)) {
			t.Errorf("%s: message %q", tt.name, err)
		}
	}
}

// TestTruncationNeedsAnchor: cutting the tail off leaves a chain that holds; the published
// anchor of the day is what catches it.
func TestTruncationNeedsAnchor(t *testing.T) {
	es := chain(t, 10)
	published := DailyAnchor(es[9].Hash, t0)
	v := NewVerifier()
	for _, e := range es[:8] {
		if err := v.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	seq, head := v.Head()
	if seq != 8 || head != es[7].Hash || v.Checked() != 8 {
		t.Fatalf("Head = %d %s", seq, head)
	}
	if DailyAnchor(head, t0) == published {
		t.Error("a truncated log reproduces the published anchor")
	}
	if DailyAnchor(es[9].Hash, t0.AddDate(0, 0, 1)) == published {
		t.Error("the anchor does not depend on the day")
	}
	// A day with no entries anchors the last hash before it.
	if DailyAnchor(Genesis, t0) == DailyAnchor(es[0].Hash, t0) {
		t.Error("anchor ignores the hash")
	}
}

func TestVerifierFrom(t *testing.T) {
	es := chain(t, 10)
	v := NewVerifierFrom(5, es[4].Hash)
	for _, e := range es[5:] {
		if err := v.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if seq, h := v.Head(); seq != 10 || h != es[9].Hash || v.Checked() != 5 {
		t.Errorf("Head = %d %s, checked %d", seq, h, v.Checked())
	}
	v = NewVerifierFrom(5, es[3].Hash)
	err := v.Add(es[5])
	if be := (*BreakError)(nil); !errors.As(err, &be) || be.Seq != 6 {
		t.Fatalf("wrong starting hash: %v", err)
	}
	if err := v.Add(es[6]); err == nil {
		t.Error("a broken verifier accepted more entries")
	}
	if seq, h := v.Head(); seq != 0 || h != "" {
		t.Error("a broken verifier reports a head")
	}
}

func TestVerifyReadError(t *testing.T) {
	es := chain(t, 5)
	boom := errors.New("disk on fire")
	seq := func(yield func(*Entry, error) bool) {
		for _, e := range es[:3] {
			if !yield(e, nil) {
				return
			}
		}
		yield(nil, boom)
	}
	checked, broken, err := Verify(seq)
	if checked != 3 || broken != 0 || !errors.Is(err, boom) {
		t.Errorf("Verify = %d, %d, %v", checked, broken, err)
	}
}

func TestEntryCheck(t *testing.T) {
	good := func() *Entry {
		return &Entry{Seq: 1, At: t0, Actor: "user:1", Action: "user.add", Object: "user:2", Detail: json.RawMessage(`{"a":1}`)}
	}
	tests := []struct {
		name  string
		edit  func(e *Entry)
		field string // "" = valid… or a field-less refusal when bad is true
		bad   bool
	}{
		{"valid", func(e *Entry) {}, "", false},
		{"no detail", func(e *Entry) { e.Detail = nil }, "", false},
		{"no object", func(e *Entry) { e.Object = "" }, "", false},
		{"seq 0", func(e *Entry) { e.Seq = 0 }, "seq", true},
		{"no time", func(e *Entry) { e.At = time.Time{} }, "at", true},
		{"year 10000", func(e *Entry) { e.At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "at", true},
		{"blank actor", func(e *Entry) { e.Actor = " " }, "actor", true},
		{"no action", func(e *Entry) { e.Action = "" }, "action", true},
		{"long object", func(e *Entry) { e.Object = strings.Repeat("x", 257) }, "", true},
		{"bad utf-8", func(e *Entry) { e.Actor = "user:\xff" }, "", true},
		{"detail not JSON", func(e *Entry) { e.Detail = json.RawMessage(`{a:1}`) }, "detail", true},
		{"detail too long", func(e *Entry) { e.Detail = json.RawMessage(`"` + strings.Repeat("x", 64<<10) + `"`) }, "detail", true},
	}
	for _, tt := range tests {
		e := good()
		tt.edit(e)
		err := e.Check()
		if (err != nil) != tt.bad {
			t.Errorf("%s: Check = %v", tt.name, err)
			continue
		}
		var ce *credit.Error
		if err != nil && (!errors.As(err, &ce) || ce.Code != credit.EINVALID || ce.Field != tt.field) {
			t.Errorf("%s: error %#v, want field %q", tt.name, err, tt.field)
		}
	}
	if _, err := NewEntry(1, t0, "user:1", "x", "y", func() {}); err == nil {
		t.Error("NewEntry encoded a func")
	}
	e, err := NewEntry(1, t0, "user:1", "x", "y", map[string]string{"b": "<&>", "a": "1"})
	if err != nil || string(e.Detail) != `{"a":"1","b":"<&>"}` {
		t.Errorf("NewEntry detail = %s, %v", e.Detail, err)
	}
}

func BenchmarkChainVerify(b *testing.B) {
	es := chain(b, 1000)
	for b.Loop() {
		if _, _, err := Verify(all(es)); err != nil {
			b.Fatal(err)
		}
	}
}
