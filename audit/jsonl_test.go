package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// collect reads a whole sequence: the entries, and the error that ended it.
func collect(seq func(func(*Entry, error) bool)) ([]*Entry, error) {
	var out []*Entry
	for e, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

func TestJSONLRoundTrip(t *testing.T) {
	es := chain(t, 20)
	// Details that JSON encoders like to rewrite: HTML characters, line and paragraph
	// separators, non-BMP characters, escapes.
	odd := []string{`{"s":"<script>&amp;</script>"}`, "{\"s\":\"a\u2028b\u2029c\"}", `{"s":"𠮷野家"}`, `{"s":"tab\tq\"uote\\"}`, `null`, `[1,2.50,1e3]`}
	prev := es[len(es)-1].Hash
	for i, d := range odd {
		e := &Entry{Seq: int64(len(es) + 1), At: t0.Add(time.Duration(i) * time.Hour), Actor: "system", Action: "odd", Object: "<o&>",
			Detail: json.RawMessage(d)}
		Chain(prev, e)
		prev = e.Hash
		es = append(es, e)
	}
	var buf bytes.Buffer
	n, err := WriteJSONL(&buf, all(es))
	if err != nil || n != int64(len(es)) {
		t.Fatalf("WriteJSONL = %d, %v", n, err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != len(es) {
		t.Fatalf("%d lines for %d entries", lines, len(es))
	}
	back, err := collect(ReadJSONL(bytes.NewReader(buf.Bytes())))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(es) {
		t.Fatalf("read %d entries, want %d", len(back), len(es))
	}
	for i := range es {
		if !es[i].At.Equal(back[i].At) || !bytes.Equal(es[i].Detail, back[i].Detail) || es[i].Hash != back[i].Hash ||
			es[i].Compute(es[i].Prev) != back[i].Compute(back[i].Prev) {
			t.Errorf("entry %d changed in the round trip:\n%+v\n%+v", i+1, es[i], back[i])
		}
	}
	if checked, broken, err := Verify(ReadJSONL(bytes.NewReader(buf.Bytes()))); checked != int64(len(es)) || broken != 0 || err != nil {
		t.Errorf("Verify(exported) = %d, %d, %v", checked, broken, err)
	}
	// A tampered export is caught at the right entry.
	tampered := strings.Replace(buf.String(), `"record:105"`, `"record:999"`, 1)
	if _, broken, err := Verify(ReadJSONL(strings.NewReader(tampered))); broken != 5 || !errors.Is(err, ErrBroken) {
		t.Errorf("Verify(tampered export) broken at %d, %v; want 5", broken, err)
	}
}

func TestReadJSONL(t *testing.T) {
	es := chain(t, 3)
	var buf bytes.Buffer
	if _, err := WriteJSONL(&buf, all(es)); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(buf.String(), "\n")
	good := strings.Join(lines, "")
	tests := []struct {
		name string
		in   string
		n    int // entries read before the end
		line int // line of the error, 0 = none
	}{
		{"as written", good, 3, 0},
		{"empty", "", 0, 0},
		{"no final newline", strings.TrimSuffix(good, "\n"), 3, 0},
		{"CRLF", strings.ReplaceAll(good, "\n", "\r\n"), 3, 0},
		{"blank lines", "\n" + lines[0] + "   \n\n" + lines[1] + lines[2], 3, 0},
		{"unknown field", lines[0] + `{"seq":2,"evil":true}` + "\n" + lines[2], 1, 2},
		{"trailing data", lines[0] + strings.TrimSuffix(lines[1], "\n") + " {}\n", 1, 2},
		{"two objects", strings.TrimSuffix(lines[0], "\n") + lines[1], 0, 1},
		{"not an object", "null\n", 0, 1},
		{"array", "[]\n", 0, 1},
		{"bad time", `{"seq":1,"at":"yesterday"}` + "\n", 0, 1},
		{"truncated", lines[0][:40], 0, 1},
		{"too long", lines[0] + strings.Repeat(" ", MaxLineLen+10) + "\n", 1, 2},
	}
	for _, tt := range tests {
		got, err := collect(ReadJSONL(strings.NewReader(tt.in)))
		if len(got) != tt.n {
			t.Errorf("%s: read %d entries, want %d (err %v)", tt.name, len(got), tt.n, err)
		}
		if tt.line == 0 {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var ce *credit.Error
		if !errors.As(err, &ce) || ce.Row != tt.line || ce.Code != credit.EINVALID || !strings.HasPrefix(ce.Message, "审计日志第") {
			t.Errorf("%s: err = %v, want an invalid-input error at line %d", tt.name, err, tt.line)
		}
	}
	// A read error is passed on as it is.
	boom := errors.New("network gone")
	_, err := collect(ReadJSONL(io.MultiReader(strings.NewReader(lines[0]), iotest.ErrReader(boom))))
	if !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
	// Stopping early is allowed.
	for e, err := range ReadJSONL(strings.NewReader(good)) {
		if err != nil || e.Seq != 1 {
			t.Fatal(e, err)
		}
		break
	}
}

func TestWriteJSONLErrors(t *testing.T) {
	boom := errors.New("full")
	seq := func(yield func(*Entry, error) bool) {
		es := chain(t, 2)
		if yield(es[0], nil) {
			yield(nil, boom)
		}
	}
	var buf bytes.Buffer
	if n, err := WriteJSONL(&buf, seq); n != 1 || !errors.Is(err, boom) {
		t.Errorf("iterator error: %d, %v", n, err)
	}
	bad := &Entry{Seq: 1, At: t0, Actor: "a", Action: "b", Detail: json.RawMessage(`{oops`)}
	if _, err := WriteJSONL(io.Discard, all([]*Entry{bad})); err == nil {
		t.Error("an entry with invalid detail was written")
	}
	if _, err := WriteJSONL(errWriter{}, all(chain(t, 1))); err == nil {
		t.Error("a failing writer went unnoticed")
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// FuzzReadJSONL: any input reads without panicking; whatever reads, written and read again,
// comes back the same — and with the same hash.
func FuzzReadJSONL(f *testing.F) {
	var buf bytes.Buffer
	_, _ = WriteJSONL(&buf, all(chain(f, 3)))
	f.Add(buf.Bytes())
	f.Add([]byte(`{"seq":1,"at":"2026-04-01T00:00:00+08:00","actor":"a","action":"b","object":"","detail":{ "x" : [1, 2] },"prev":"","hash":""}`))
	f.Add([]byte("{}\n\n{}\r\n"))
	f.Add([]byte(`{"detail":"\u2028<>&","actor":"\ud800"}`))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		first, _ := collect(ReadJSONL(bytes.NewReader(data)))
		var out bytes.Buffer
		if _, err := WriteJSONL(&out, all(first)); err != nil {
			return // e.g. a year JSON cannot write; nothing more to compare
		}
		second, err := collect(ReadJSONL(bytes.NewReader(out.Bytes())))
		if err != nil {
			t.Fatalf("cannot read back what WriteJSONL wrote: %v\n%s", err, out.Bytes())
		}
		if len(second) != len(first) {
			t.Fatalf("%d entries became %d", len(first), len(second))
		}
		var again bytes.Buffer
		_, _ = WriteJSONL(&again, all(second))
		if !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("export not stable:\n%s\n%s", out.Bytes(), again.Bytes())
		}
		for i := range second {
			a, b := *first[i], *second[i]
			// An entry as Chain leaves it (valid, compact detail) keeps its hash.
			var compact bytes.Buffer
			_ = json.Compact(&compact, a.Detail)
			if a.Check() == nil && bytes.Equal(compact.Bytes(), a.Detail) && a.Compute(a.Prev) != b.Compute(b.Prev) {
				t.Fatalf("a valid entry's hash changed in the round trip:\n%+v\n%+v", a, b)
			}
			a.At, b.At = time.Time{}, time.Time{}
			a.Detail, b.Detail = nil, nil
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("entry changed:\n%+v\n%+v", a, b)
			}
		}
	})
}
