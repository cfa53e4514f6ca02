package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xinyong/xinyong/credit"
)

// fuzzRead writes data to a file, reads it to the end with opts and checks what every reader
// promises: no panic, every row either rejected with a well-formed error or exactly as wide
// as the header with trimmed values, row numbers increasing within the file's lines, fatal
// errors as *credit.Error. It returns the reader's header and the accepted rows by number.
func fuzzRead(t *testing.T, dir string, data []byte, opts Options) ([]string, map[int][]string) {
	path := filepath.Join(dir, "input") // a worker calls the fuzz function sequentially
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, opts)
	if err != nil {
		var e *credit.Error
		if !errors.As(err, &e) {
			t.Fatalf("Open: %v (%T), want *credit.Error", err, err)
		}
		return nil, nil
	}
	defer r.Close()
	header := r.Header()
	if len(header) == 0 {
		t.Fatal("empty header")
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	accepted := map[int][]string{}
	last := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var e *credit.Error
			if !errors.As(err, &e) {
				t.Fatalf("Next: %v (%T), want *credit.Error", err, err)
			}
			break
		}
		if row.Num <= last || row.Num > lines {
			t.Fatalf("row number %d after %d, file has %d lines", row.Num, last, lines)
		}
		last = row.Num
		if row.Err != nil {
			checkRowErr(t, row)
			continue
		}
		if len(row.Values) != len(header) {
			t.Fatalf("row %d: %d values, header has %d", row.Num, len(row.Values), len(header))
		}
		for _, v := range row.Values {
			if trim(v) != v {
				t.Fatalf("row %d: value %q not trimmed", row.Num, v)
			}
			if opts.Format == CSV && badText(v) {
				t.Fatalf("row %d: invalid text %q accepted", row.Num, v)
			}
		}
		accepted[row.Num] = append([]string(nil), row.Values...)
	}
	return header, accepted
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		sampleCSV,
		"\xEF\xBB\xBFa,b\r\n1,2\r\n",
		"a,b\n1,\"x\ny\"\n\n3,4\n",
		"a,b,c\n1,2\n1,2,3,4\n1,x\"y,3\n1,\"x\"y,3\n1,\"oops,3\n4,5,6\n",
		"代码,名称,地址\n1,\"某某公司,厦门\n2,甲,厦门\n3,\"乙，丙\",厦门\n",
		"a\tb\n1\t2\n",
		"\xb4\xfa\xc2\xeb,\xc3\xfb\xb3\xc6\r\n1,\xba\xc3\r\n2,\xff\r\n",
		"\xFF\xFEa\x00",
		"a,b\n\"\n\"\n\"\n",
	} {
		f.Add([]byte(s), byte(0))
	}
	defer func(n int) { minRecordLimit = n }(minRecordLimit)
	minRecordLimit = 64 // reach the record limit and the restarts after it with small inputs
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, mode byte) {
		opts := Options{Format: CSV, MaxFieldBytes: 4 + int(mode>>4)}
		opts.Encoding = []Encoding{"", UTF8, GB18030, ""}[mode&3]
		opts.Comma = []rune{0, ',', '\t', ';'}[mode>>2&3]
		fuzzRead(t, dir, data, opts)
	})
}

func FuzzJSONL(f *testing.F) {
	for _, s := range []string{
		"{\"a\":1,\"b\":\"x\"}\n{\"b\":null,\"a\":true}\n",
		"\xEF\xBB\xBF{\"代码\":\"1\",\"名称\":\"\\u4e2d\\ud83d\\ude00\\ud800x\"}\r\n\r\n{\"代码\":{\"x\":[1,\"]\"]}}\n",
		"oops\n{\"a\":1}\n[1]\n42\n{\"a\":1,\"a\":2}\n{\"c\":1}\n",
		"{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}\n{\"a\": -0.5e+10 }\n",
		"{}\n{\"a\":\"\\u3000\"}",
	} {
		f.Add([]byte(s), byte(0))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, mode byte) {
		header, accepted := fuzzRead(t, dir, data, Options{Format: JSONL, MaxFieldBytes: 4 + int(mode)})
		if header == nil {
			return
		}
		// Differential check: every accepted line decodes with encoding/json to the same
		// values (numbers as written, null as "", strings trimmed).
		lines := bytes.Split(data, []byte("\n"))
		lines[0] = bytes.TrimPrefix(lines[0], utf8BOM)
		for num, vals := range accepted {
			line := bytes.TrimSuffix(lines[num-1], []byte("\r"))
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.UseNumber()
			var raw map[string]any
			if err := dec.Decode(&raw); err != nil {
				t.Fatalf("line %d accepted but encoding/json says %v", num, err)
			}
			obj := make(map[string]any, len(raw)) // keys are trimmed like header cells
			for k, v := range raw {
				obj[trim(k)] = v
			}
			for i, k := range header {
				want := ""
				switch v := obj[k].(type) {
				case string:
					want = trim(v)
				case json.Number:
					want = string(v)
				case bool:
					want = map[bool]string{true: "true", false: "false"}[v]
				case nil:
				default:
					t.Fatalf("line %d: nested value %v accepted", num, v)
				}
				if vals[i] != want {
					t.Fatalf("line %d key %q: got %q, encoding/json %q", num, k, vals[i], want)
				}
			}
			if len(raw) > len(header) {
				t.Fatalf("line %d: keys outside the header accepted", num)
			}
		}
	})
}

// FuzzRoundTrip writes random values with every Writer and reads them back: what a
// department gets in a rejected-rows file must read as the same values when resubmitted.
func FuzzRoundTrip(f *testing.F) {
	f.Add("甲|乙|丙\n1|\"x\",y|\r\n多行\n2| 　|\\")
	f.Add("a\n\n=1+1|0012|\t")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		var rows [][]string
		for line := range strings.SplitSeq(s, "\n") {
			rows = append(rows, strings.Split(line, "|"))
		}
		header := []string{"h1", "h2", "h3", ReasonColumn}
		for _, tc := range []struct {
			f   Format
			enc Encoding
		}{{CSV, UTF8}, {CSV, GB18030}, {XLSX, ""}, {JSONL, ""}} {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, tc.f, tc.enc, header)
			if err != nil {
				t.Fatal(err)
			}
			var want [][]string
			for _, row := range rows {
				row = row[:min(len(row), 3)]
				vals := WithReason(3, row, "r")
				if err := w.Write(vals); err != nil {
					t.Fatal(err)
				}
				var exp []string // nil: the row must come back rejected
				if !damaged(tc.f, vals) {
					exp = make([]string, len(vals))
					for i, v := range vals {
						exp[i] = roundTripped(tc.f, v)
					}
				}
				want = append(want, exp)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "rt")
			if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := Open(path, Options{Format: tc.f})
			if err != nil {
				t.Fatalf("%s %s: %v", tc.f, tc.enc, err)
			}
			for i := 0; ; i++ {
				row, err := r.Next()
				if err == io.EOF {
					if i != len(want) {
						t.Fatalf("%s %s: %d rows, wrote %d", tc.f, tc.enc, i, len(want))
					}
					break
				}
				if err != nil || i >= len(want) {
					t.Fatalf("%s %s row %d: %v", tc.f, tc.enc, i, err)
				}
				if want[i] == nil {
					var e *credit.Error
					if !errors.As(row.Err, &e) || e.Rule != credit.RuleEncoding {
						t.Fatalf("%s %s row %d: %q read back without an encoding error (%v)", tc.f, tc.enc, i, row.Values, row.Err)
					}
					continue
				}
				if row.Err != nil || !slices.Equal(row.Values, want[i]) {
					t.Fatalf("%s %s row %d: got %q (%v), wrote %q", tc.f, tc.enc, i, row.Values, row.Err, rows[i])
				}
			}
			_ = r.Close()
		}
	})
}

// roundTripped is what a written value reads back as: trimmed, and with the changes each
// format makes to it.
func roundTripped(f Format, v string) string {
	if f == CSV {
		v = strings.ReplaceAll(v, "\r\n", "\n") // encoding/csv folds CRLF inside quotes
	}
	return trim(v)
}

// damaged reports whether a written row must read back rejected: a value holds U+FFFD, or
// for XLSX a character XML cannot carry (which the writer turns into U+FFFD).
func damaged(f Format, vals []string) bool {
	for _, v := range vals {
		if strings.ContainsRune(v, utf8.RuneError) || f == XLSX && xmlText(v) != v {
			return true
		}
	}
	return false
}
