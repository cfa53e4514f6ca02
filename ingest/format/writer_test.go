package format

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/credit"
)

var roundTripHeader = []string{"统一社会信用代码", "名称", "金额", "备注", ReasonColumn}

var roundTripRows = [][]string{
	{"91350200MA2XY7QF1K", "厦门某某贸易有限公司，分公司", "5000", `他说"好"`, "第 2 行：统一社会信用代码校验位错误"},
	{"0012", "多行\r\n地址\n第三行", "", "", "名称：必填"},
	{"350203199001011234", "=1+1", "-0.50", "a,b;c\td", "x"},
	{"", "", "", "😀 𠀀 ㊣ €", "整行为空以外的原因"},
	{"9135020" + strings.Repeat("0", 11), strings.Repeat("很长的名称", 200), "1e3", "\\ / \u2028 x", "r"},
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		f    Format
		enc  Encoding
	}{
		{"rejected.csv", CSV, UTF8},
		{"rejected-gbk.csv", CSV, GB18030},
		{"rejected.xlsx", XLSX, ""},
		{"rejected.jsonl", JSONL, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, tt.f, tt.enc, roundTripHeader)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range roundTripRows {
				if err := w.Write(row); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			switch {
			case tt.f == CSV && tt.enc == UTF8 && !bytes.HasPrefix(data, utf8BOM):
				t.Error("UTF-8 CSV without a byte order mark")
			case tt.enc == GB18030 && (bytes.HasPrefix(data, utf8BOM) || bytes.Contains(data, []byte("名称"))):
				t.Error("GB18030 CSV is not GB18030")
			}
			path := writeFile(t, tt.name, data)
			f := Detect("upload", data) // sniffed, not told
			if f != tt.f {
				t.Fatalf("Detect = %s, want %s", f, tt.f)
			}
			r, rows, err := readAll(t, path, Options{Format: f})
			if err != nil {
				t.Fatal(err)
			}
			if tt.f == CSV && r.Encoding() != tt.enc {
				t.Errorf("encoding %s, want %s", r.Encoding(), tt.enc)
			}
			if !reflect.DeepEqual(r.Header(), roundTripHeader) {
				t.Errorf("header %q", r.Header())
			}
			want := make([][]string, len(roundTripRows))
			for i, row := range roundTripRows {
				want[i] = make([]string, len(row))
				for j, v := range row {
					if tt.f == CSV {
						// encoding/csv folds \r\n inside quoted values to \n.
						v = strings.ReplaceAll(v, "\r\n", "\n")
					}
					want[i][j] = v
				}
			}
			if got := values(rows); !reflect.DeepEqual(got, want) {
				for i := range want {
					if i >= len(got) || !reflect.DeepEqual(got[i], want[i]) {
						t.Errorf("row %d:\n got %q\nwant %q", i, got[i:i+1], want[i])
					}
				}
			}
		})
	}
}

// TestResubmit follows a rejected CSV row through the department's fix: the bare quote that
// got the row rejected is written back properly quoted, so the same file reads cleanly.
func TestResubmit(t *testing.T) {
	src := "代码,名称\n1,某\"某\"公司\n2,甲,多余\n"
	r, rows, err := readAll(t, writeFile(t, "in.csv", []byte(src)), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, CSV, UTF8, append(append([]string(nil), r.Header()...), ReasonColumn))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if row.Err == nil {
			t.Fatalf("row %d not rejected", row.Num)
		}
		if err := w.Write(WithReason(len(r.Header()), row.Raw, row.Err.Message)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r2, again, err := readAll(t, writeFile(t, "out.csv", buf.Bytes()), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	if !IsReasonColumn(r2.Header()[2]) || len(again) != 2 {
		t.Fatalf("header %q rows %+v", r2.Header(), again)
	}
	if again[0].Err != nil || again[0].Values[1] != `某"某"公司` || !strings.Contains(again[0].Values[2], "双引号") {
		t.Errorf("fixed row %+v", again[0])
	}
	// The extra cell comes after the reason and still makes the row wrong.
	if again[1].Err == nil || again[1].Raw[3] != "多余" {
		t.Errorf("extra-cell row %+v", again[1])
	}
}

func TestWriterEdges(t *testing.T) {
	// Short rows are padded; GB18030 output replaces bytes that are not UTF-8.
	var buf bytes.Buffer
	w, err := NewWriter(&buf, CSV, GB18030, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]string{"坏\xff"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, rows, err := readAll(t, writeFile(t, "w.csv", buf.Bytes()), Options{Format: CSV, Encoding: GB18030})
	if err != nil || len(rows) != 1 || rows[0].Err == nil || rows[0].Err.Rule != credit.RuleEncoding || rows[0].Raw[0] != "坏\uFFFD" || len(rows[0].Raw) != 3 {
		t.Errorf("rows %+v, %v", rows, err)
	}

	// JSONL keeps values past the header under their column number.
	buf.Reset()
	w, _ = NewWriter(&buf, JSONL, "", []string{"a"})
	_ = w.Write([]string{"1", "2"})
	_ = w.Write(nil)
	_ = w.Close()
	if got := buf.String(); got != "{\"a\":\"1\",\"_col2\":\"2\"}\n{\"a\":\"\"}\n" {
		t.Errorf("jsonl %q", got)
	}

	// An XLSX cell cannot hold more than 32767 characters: an error, not a silent cut.
	w, _ = NewWriter(&bytes.Buffer{}, XLSX, "", []string{"a"})
	err = w.Write([]string{strings.Repeat("x", 40000)})
	wantErr(t, err, credit.EINVALID, "32767")
	_ = w.Close()

	if _, err := NewWriter(&buf, "pdf", "", nil); err == nil {
		t.Error("pdf writer")
	}
	if _, err := NewWriter(&buf, CSV, "latin1", nil); err == nil {
		t.Error("latin1 writer")
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestTestdata reads the committed sample files, which stand for what departments send, and
// compares what comes out with testdata/golden/<file>.golden (refresh with -update).
func TestTestdata(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			head, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r, rows, err := readAll(t, path, Options{Format: Detect(path, head)})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "encoding: %s\nheader: %q\n", r.Encoding(), r.Header())
			for _, row := range rows {
				if row.Err != nil {
					fmt.Fprintf(&b, "%d: rejected field=%q rule=%s: %s\n   raw: %q\n", row.Num, row.Err.Field, row.Err.Rule, row.Err.Message, row.Raw)
				} else {
					fmt.Fprintf(&b, "%d: %q\n", row.Num, row.Values)
				}
			}
			golden := filepath.Join("testdata", "golden", filepath.Base(path)+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("output differs from %s (-update to accept):\n%s", golden, b.String())
			}
		})
	}
}
