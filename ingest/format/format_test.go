package format

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/credit"
)

// got is one row as a test sees it, copied out of the reader's reused slices.
type got struct {
	Num    int
	Values []string
	Raw    []string
	Err    *credit.Error
}

// writeFile writes data to a file in a fresh temporary directory and returns its path.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readAll opens path and reads it to the end. It fails the test on an Open error; a fatal
// Next error is returned.
func readAll(t testing.TB, path string, opts Options) (Reader, []got, error) {
	t.Helper()
	r, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", filepath.Base(path), err)
	}
	t.Cleanup(func() { _ = r.Close() })
	var rows []got
	for {
		row, err := r.Next()
		if err == io.EOF {
			return r, rows, nil
		}
		if err != nil {
			return r, rows, err
		}
		g := got{Num: row.Num, Values: append([]string(nil), row.Values...), Raw: append([]string(nil), row.Raw...)}
		if row.Values == nil {
			g.Values = nil
		}
		if row.Raw == nil {
			g.Raw = nil
		}
		if row.Err != nil {
			if !errors.As(row.Err, &g.Err) {
				t.Fatalf("row %d: Err is %T, want *credit.Error", row.Num, row.Err)
			}
			checkRowErr(t, row)
		}
		rows = append(rows, g)
	}
}

// checkRowErr checks the shape every row error must have.
func checkRowErr(t testing.TB, row Row) {
	t.Helper()
	var e *credit.Error
	if !errors.As(row.Err, &e) {
		t.Fatalf("row %d: Err is %T, want *credit.Error", row.Num, row.Err)
	}
	if e.Code != credit.EINVALID || e.Row != row.Num || (e.Rule != credit.RuleFormat && e.Rule != credit.RuleEncoding) {
		t.Fatalf("row %d: bad error shape %+v", row.Num, e)
	}
	if row.Values != nil {
		t.Fatalf("row %d: Values set on a rejected row", row.Num)
	}
}

// wantErr checks that err is a *credit.Error with code and a message containing each of parts.
func wantErr(t testing.TB, err error, code string, parts ...string) *credit.Error {
	t.Helper()
	var e *credit.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want *credit.Error", err, err)
	}
	if e.Code != code {
		t.Errorf("code %q, want %q (%v)", e.Code, code, e)
	}
	for _, p := range parts {
		if !strings.Contains(e.Message, p) {
			t.Errorf("message %q lacks %q", e.Message, p)
		}
	}
	return e
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		head string
		want Format
	}{
		{"a.csv", "PK\x03\x04", CSV},
		{"a.TXT", "", CSV},
		{"a.tsv", "", CSV},
		{"a.xlsx", "", XLSX},
		{"a.jsonl", "", JSONL},
		{"a.ndjson", "", JSONL},
		{"a.json", "", JSONL},
		{"upload", "PK\x03\x04rest", XLSX},
		{"upload", `{"a":1}`, JSONL},
		{"upload", "\xEF\xBB\xBF \r\n{\"a\":1}", JSONL},
		{"upload", "[{}]", JSONL},
		{"upload", "名称,代码\r\n", CSV},
		{"upload.bin", "", CSV},
	}
	for _, tt := range tests {
		if got := Detect(tt.name, []byte(tt.head)); got != tt.want {
			t.Errorf("Detect(%q, %q) = %q, want %q", tt.name, tt.head, got, tt.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "missing.csv"), Options{Format: CSV}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist", err)
	}
	path := writeFile(t, "a.csv", []byte("a,b\n"))
	_, err := Open(path, Options{})
	wantErr(t, err, credit.EINVALID, "未指定")
	_, err = Open(path, Options{Format: "xls"})
	wantErr(t, err, credit.EINVALID, "不支持")
	_, err = Open(path, Options{Format: CSV, Encoding: "big5"})
	wantErr(t, err, credit.EINVALID, "big5")
}

func TestReasonColumn(t *testing.T) {
	for _, h := range []string{ReasonColumn, " 错误原因　", "_error", "_ERROR"} {
		if !IsReasonColumn(h) {
			t.Errorf("IsReasonColumn(%q) = false", h)
		}
	}
	for _, h := range []string{"原因", "error", ""} {
		if IsReasonColumn(h) {
			t.Errorf("IsReasonColumn(%q) = true", h)
		}
	}
	tests := []struct {
		n    int
		raw  []string
		want []string
	}{
		{3, []string{"a", "b", "c"}, []string{"a", "b", "c", "r"}},
		{3, []string{"a"}, []string{"a", "", "", "r"}},
		{2, []string{"a", "b", "c"}, []string{"a", "b", "r", "c"}},
		{2, nil, []string{"", "", "r"}},
	}
	for _, tt := range tests {
		if got := WithReason(tt.n, tt.raw, "r"); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("WithReason(%d, %q) = %q, want %q", tt.n, tt.raw, got, tt.want)
		}
	}
}

func TestTrim(t *testing.T) {
	tests := map[string]string{
		"":                "",
		"abc":             "abc",
		" abc\t":          "abc",
		"\u3000名称\u3000":  "名称",
		"\uFEFF91350200":  "91350200",
		"\u200B代码 \u00A0": "代码",
		"a b":             "a b",
	}
	for in, want := range tests {
		if got := trim(in); got != want {
			t.Errorf("trim(%q) = %q, want %q", in, got, want)
		}
	}
}
