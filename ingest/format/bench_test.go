package format

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

const benchRows = 20000

var benchHeader = []string{"统一社会信用代码", "行政相对人名称", "处罚决定书文号", "处罚类别", "处罚决定日期",
	"罚款金额（万元）", "处罚机关", "法定代表人", "违法事实", "状态"}

// benchFile writes a generated file of benchRows penalty records in format f with this
// package's Writer and returns its path.
func benchFile(b *testing.B, f Format, enc Encoding) string {
	b.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, enc, benchHeader)
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchRows {
		err := w.Write([]string{
			fmt.Sprintf("91350200MA%08X", i*7919),
			fmt.Sprintf("厦门某某贸易有限公司第%05d分公司", i),
			fmt.Sprintf("厦市监罚〔2024〕%d号", i+1),
			"罚款",
			fmt.Sprintf("2024-%02d-%02d", i%12+1, i%28+1),
			fmt.Sprintf("%d.%02d", i%100, i%97),
			"厦门市市场监督管理局",
			"张三",
			"未按规定公示年度报告，经责令限期改正后逾期仍未改正，违反了《企业信息公示暂行条例》",
			"有效",
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "bench."+string(f))
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchRead reads the file to the end once per iteration and reports rows per second.
func benchRead(b *testing.B, path string, opts Options) {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		r, err := Open(path, opts)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil || row.Err != nil {
				b.Fatal(err, row.Err)
			}
			n++
		}
		_ = r.Close()
		if n != benchRows {
			b.Fatalf("%d rows, want %d", n, benchRows)
		}
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadCSVUTF8(b *testing.B) {
	benchRead(b, benchFile(b, CSV, UTF8), Options{Format: CSV})
}

func BenchmarkReadCSVGB18030(b *testing.B) {
	benchRead(b, benchFile(b, CSV, GB18030), Options{Format: CSV})
}

func BenchmarkReadJSONL(b *testing.B) {
	benchRead(b, benchFile(b, JSONL, ""), Options{Format: JSONL})
}

func BenchmarkReadXLSX(b *testing.B) {
	benchRead(b, benchFile(b, XLSX, ""), Options{Format: XLSX})
}

// BenchmarkReadXLSXSharedStrings reads a workbook written the way Excel and WPS write
// them, with a shared-string table, rather than this package's inline strings.
func BenchmarkReadXLSXSharedStrings(b *testing.B) {
	src := benchFile(b, CSV, UTF8)
	r, err := Open(src, Options{Format: CSV})
	if err != nil {
		b.Fatal(err)
	}
	f := excelize.NewFile()
	defer f.Close()
	row := make([]any, len(benchHeader))
	for i, h := range benchHeader {
		row[i] = h
	}
	if err := f.SetSheetRow("Sheet1", "A1", &row); err != nil {
		b.Fatal(err)
	}
	for n := 2; ; n++ {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		for i, v := range rec.Values {
			row[i] = v
		}
		if err := f.SetSheetRow("Sheet1", "A"+strconv.Itoa(n), &row); err != nil {
			b.Fatal(err)
		}
	}
	_ = r.Close()
	path := filepath.Join(b.TempDir(), "shared.xlsx")
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	benchRead(b, path, Options{Format: XLSX})
}
