package format

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/xinyong/xinyong/credit"
)

// buildXLSX writes a workbook with excelize's ordinary (non-streaming) API, as a
// department's own tools would, and returns its bytes.
func buildXLSX(t testing.TB, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func set(t testing.TB, f *excelize.File, sheet, cell string, v any) {
	t.Helper()
	if err := f.SetCellValue(sheet, cell, v); err != nil {
		t.Fatal(err)
	}
}

func sampleWorkbook(t testing.TB) []byte {
	return buildXLSX(t, func(f *excelize.File) {
		s := "Sheet1"
		for i, h := range []string{"统一社会信用代码", " 名称 ", "决定日期", "罚款金额", "备注"} {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			set(t, f, s, cell, h)
		}
		set(t, f, s, "A2", "91350200MA2XY7QF1K")
		set(t, f, s, "B2", "厦门某某贸易有限公司")
		set(t, f, s, "C2", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC))
		set(t, f, s, "D2", 5000)
		set(t, f, s, "E2", "第一行\n第二行")
		// Row 3 is missing, row 4 only has spaces: blank rows, skipped but counted.
		set(t, f, s, "B4", "\u3000 ")
		set(t, f, s, "A5", "92350203MA31ABCD2E")
		set(t, f, s, "B5", "\u3000思明区某某商行")
		set(t, f, s, "D5", 12.5)
		// Row 6 has a value beyond the header.
		set(t, f, s, "A6", "x")
		set(t, f, s, "G6", "extra")
		if _, err := f.NewSheet("第二张"); err != nil {
			t.Fatal(err)
		}
		set(t, f, "第二张", "A1", "代码")
		set(t, f, "第二张", "A2", "1")
	})
}

func TestXLSXRead(t *testing.T) {
	path := writeFile(t, "a.xlsx", sampleWorkbook(t))
	r, rows, err := readAll(t, path, Options{Format: XLSX})
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Header(); !reflect.DeepEqual(h, []string{"统一社会信用代码", "名称", "决定日期", "罚款金额", "备注"}) {
		t.Errorf("header %q", h)
	}
	if n := nums(rows); !reflect.DeepEqual(n, []int{2, 5, 6}) {
		t.Fatalf("nums %v", n)
	}
	want := [][]string{
		{"91350200MA2XY7QF1K", "厦门某某贸易有限公司", "2024-03-05", "5000", "第一行\n第二行"},
		{"92350203MA31ABCD2E", "思明区某某商行", "", "12.5", ""},
		nil,
	}
	if !reflect.DeepEqual(values(rows), want) {
		t.Errorf("values %q", values(rows))
	}
	if e := rows[2].Err; e == nil || !strings.Contains(e.Message, "列数为 7，表头为 5") {
		t.Errorf("row 6: %v", e)
	}
	if raw := rows[2].Raw; len(raw) != 7 || raw[0] != "x" || raw[6] != "extra" {
		t.Errorf("row 6 raw %q", raw)
	}
	if st, _ := os.Stat(path); r.Pos() != st.Size() || r.Encoding() != UTF8 {
		t.Errorf("Pos %d (size %d), encoding %s", r.Pos(), st.Size(), r.Encoding())
	}

	r, rows, err = readAll(t, path, Options{Format: XLSX, Sheet: "第二张"})
	if err != nil || r.Header()[0] != "代码" || !reflect.DeepEqual(values(rows), [][]string{{"1"}}) {
		t.Errorf("second sheet: %q %q %v", r.Header(), values(rows), err)
	}
	_, err = Open(path, Options{Format: XLSX, Sheet: "无此表"})
	wantErr(t, err, credit.EINVALID, "无此表", "第二张")
}

func TestXLSXDamaged(t *testing.T) {
	data := sampleWorkbook(t)
	// Cut in half, as an interrupted upload would: a clear error, not a panic.
	_, err := Open(writeFile(t, "half.xlsx", data[:len(data)/2]), Options{Format: XLSX})
	wantErr(t, err, credit.EINVALID, "损坏或不完整")

	_, err = Open(writeFile(t, "old.xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest")), Options{Format: XLSX})
	wantErr(t, err, credit.EINVALID, ".xls")
	_, err = Open(writeFile(t, "csv.xlsx", []byte("a,b\n")), Options{Format: XLSX})
	wantErr(t, err, credit.EINVALID, "不是 XLSX")
	_, err = Open(writeFile(t, "empty.xlsx", nil), Options{Format: XLSX})
	wantErr(t, err, credit.EINVALID, "文件为空")

	// Row 1 must be the header.
	noHeader := buildXLSX(t, func(f *excelize.File) { set(t, f, "Sheet1", "A2", "x") })
	_, err = Open(writeFile(t, "nohead.xlsx", noHeader), Options{Format: XLSX})
	wantErr(t, err, credit.EINVALID, "第 1 行", "表头")
}

// TestXLSXCutSheet rewrites a workbook so that the zip is sound but the worksheet XML stops
// mid-row: excelize ends such a sheet quietly, and the reader must notice from the sheet's
// declared dimension instead of silently dropping the rest.
func TestXLSXCutSheet(t *testing.T) {
	data := buildXLSX(t, func(f *excelize.File) {
		set(t, f, "Sheet1", "A1", "代码")
		for i := 2; i <= 200; i++ {
			cell, _ := excelize.CoordinatesToCellName(1, i)
			set(t, f, "Sheet1", cell, i)
		}
		// Excel records the used range; excelize leaves "A1" unless told.
		if err := f.SetSheetDimension("Sheet1", "A1:A200"); err != nil {
			t.Fatal(err)
		}
	})
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == "xl/worksheets/sheet1.xml" {
			cut := bytes.Index(body, []byte(`<row r="120"`))
			if cut < 0 {
				t.Fatalf("no row 120 in %.300s", body)
			}
			body = body[:cut+5]
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, rows, err := readAll(t, writeFile(t, "cut.xlsx", out.Bytes()), Options{Format: XLSX})
	wantErr(t, err, credit.EINVALID, "中断")
	if len(rows) == 0 || len(rows) > 118 {
		t.Errorf("%d rows before the error", len(rows))
	}
}

func TestXLSXFieldTooLong(t *testing.T) {
	data := buildXLSX(t, func(f *excelize.File) {
		set(t, f, "Sheet1", "A1", "名称")
		set(t, f, "Sheet1", "A2", strings.Repeat("长", 10))
	})
	_, rows, err := readAll(t, writeFile(t, "long.xlsx", data), Options{Format: XLSX, MaxFieldBytes: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Err == nil || rows[0].Err.Field != "名称" {
		t.Errorf("rows %+v", rows)
	}
}

// TestXLSXTempFile reads a worksheet larger than the in-memory limit, which excelize unzips
// to a temporary file and streams, and checks the temporary files go with Close, also when
// the reader is closed before the end.
func TestXLSXTempFile(t *testing.T) {
	defer func(n int64, d string) { xlsxXMLInMemory, xlsxTmpDir = n, d }(xlsxXMLInMemory, xlsxTmpDir)
	xlsxXMLInMemory = 4 << 10
	xlsxTmpDir = t.TempDir()

	var buf bytes.Buffer
	w, err := NewWriter(&buf, XLSX, "", []string{"代码", "名称"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	for i := range n {
		if err := w.Write([]string{strconv.Itoa(i), "名称" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "big.xlsx", buf.Bytes())

	r, err := Open(path, Options{Format: XLSX})
	if err != nil {
		t.Fatal(err)
	}
	if tmp, _ := os.ReadDir(xlsxTmpDir); len(tmp) == 0 {
		t.Error("the worksheet was not unzipped to a temporary file")
	}
	rows := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil || row.Err != nil || row.Num != rows+2 || row.Values[0] != strconv.Itoa(rows) {
			t.Fatalf("row %+v, %v", row, err)
		}
		rows++
	}
	if rows != n {
		t.Errorf("%d rows, want %d", rows, n)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if tmp, _ := os.ReadDir(xlsxTmpDir); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}

	// Closed early, with the parsing goroutine still running ahead.
	r, err = Open(path, Options{Format: XLSX})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err == nil {
		t.Error("Next after Close")
	}
	if tmp, _ := os.ReadDir(xlsxTmpDir); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}
