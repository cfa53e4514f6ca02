package format

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xinyong/xinyong/credit"
)

func gb18030(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// values returns the rows' Values for comparing, with rejected rows as nil.
func values(rows []got) [][]string {
	var out [][]string
	for _, r := range rows {
		out = append(out, r.Values)
	}
	return out
}

func nums(rows []got) []int {
	var out []int
	for _, r := range rows {
		out = append(out, r.Num)
	}
	return out
}

const sampleCSV = "统一社会信用代码,名称,处罚金额\r\n" +
	"91350200MA2XY7QF1K,\"厦门某某贸易有限公司，分公司\",5000\r\n" +
	"\r\n" +
	" , ,\r\n" +
	"92350203MA31ABCD2E,\u3000思明区某某商行\u3000 ,\r\n" +
	"\uFEFF91110000600001760P,\"北京\"\"某某\"\"公司\",1.5e3\r\n"

var sampleWant = [][]string{
	{"91350200MA2XY7QF1K", "厦门某某贸易有限公司，分公司", "5000"},
	{"92350203MA31ABCD2E", "思明区某某商行", ""},
	{"91110000600001760P", `北京"某某"公司`, "1.5e3"},
}

func TestCSVUTF8(t *testing.T) {
	for name, data := range map[string][]byte{
		"bom":    append([]byte("\xEF\xBB\xBF"), sampleCSV...),
		"no bom": []byte(sampleCSV),
		"lf":     []byte(strings.ReplaceAll(sampleCSV, "\r\n", "\n")),
	} {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, "a.csv", data)
			r, rows, err := readAll(t, path, Options{Format: CSV})
			if err != nil {
				t.Fatal(err)
			}
			if h := r.Header(); !reflect.DeepEqual(h, []string{"统一社会信用代码", "名称", "处罚金额"}) {
				t.Errorf("header %q", h)
			}
			if r.Encoding() != UTF8 {
				t.Errorf("encoding %s", r.Encoding())
			}
			if !reflect.DeepEqual(values(rows), sampleWant) {
				t.Errorf("values %q", values(rows))
			}
			if n := nums(rows); !reflect.DeepEqual(n, []int{2, 5, 6}) {
				t.Errorf("nums %v, want [2 5 6]", n)
			}
			if r.Pos() != int64(len(data)) {
				t.Errorf("Pos %d at the end, want %d", r.Pos(), len(data))
			}
		})
	}
}

func TestCSVGB18030(t *testing.T) {
	data := gb18030(t, sampleCSV)
	if bytes.Equal(data, []byte(sampleCSV)) {
		t.Fatal("encoding did nothing")
	}
	path := writeFile(t, "gbk.csv", data)
	for _, enc := range []Encoding{"", GB18030, "GBK"} {
		r, rows, err := readAll(t, path, Options{Format: CSV, Encoding: enc})
		if err != nil {
			t.Fatal(err)
		}
		if r.Encoding() != GB18030 {
			t.Errorf("encoding %q: got %s", enc, r.Encoding())
		}
		if r.Header()[0] != "统一社会信用代码" {
			t.Errorf("header %q", r.Header())
		}
		if !reflect.DeepEqual(values(rows), sampleWant) {
			t.Errorf("values %q", values(rows))
		}
	}

	// A byte that is not GB18030 rejects its row, naming the field and the encoding rule.
	bad := append(gb18030(t, "代码,名称\r\n1,好\r\n2,"), 0xFF)
	bad = append(bad, gb18030(t, "坏\r\n3,好\r\n")...)
	_, rows, err := readAll(t, writeFile(t, "bad.csv", bad), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1].Err == nil || rows[1].Err.Rule != credit.RuleEncoding || rows[1].Err.Field != "名称" {
		t.Fatalf("rows %+v", rows)
	}
	if rows[0].Err != nil || rows[2].Err != nil || rows[2].Values[1] != "好" {
		t.Errorf("rows around the bad one: %+v", rows)
	}
}

func TestCSVEncodingDetection(t *testing.T) {
	// A UTF-8 character cut by the 64 KiB sniffing boundary still means UTF-8.
	var b strings.Builder
	b.WriteString("名称,备注\n")
	for b.Len() < sniffBytes-2 {
		b.WriteString("a,b\n")
	}
	b.WriteString(strings.Repeat("x", sniffBytes-2-b.Len()))
	b.WriteString("中,文\n") // starts 2 bytes before the boundary
	if b.Len() <= sniffBytes || !strings.HasPrefix(b.String()[sniffBytes-2:], "中") {
		t.Fatal("test file is not laid out as intended")
	}
	r, rows, err := readAll(t, writeFile(t, "cut.csv", []byte(b.String())), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	if r.Encoding() != UTF8 {
		t.Errorf("cut character: encoding %s, want utf-8", r.Encoding())
	}
	last := rows[len(rows)-1]
	if !strings.HasSuffix(last.Values[0], "中") || last.Values[1] != "文" {
		t.Errorf("last row %q", last.Values)
	}

	// A GBK file whose first 64 KiB are plain ASCII is taken for UTF-8; its Chinese rows are
	// rejected with an encoding error rather than read as garbage, and declaring the
	// encoding reads them.
	var a strings.Builder
	a.WriteString("code,name\n")
	for a.Len() < sniffBytes+10 {
		a.WriteString("1,a\n")
	}
	data := append([]byte(a.String()), gb18030(t, "2,中文\n")...)
	path := writeFile(t, "late.csv", data)
	_, rows, err = readAll(t, path, Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	if last := rows[len(rows)-1]; last.Err == nil || last.Err.Rule != credit.RuleEncoding {
		t.Errorf("auto: last row %+v, want an encoding error", last)
	}
	_, rows, err = readAll(t, path, Options{Format: CSV, Encoding: GB18030})
	if err != nil {
		t.Fatal(err)
	}
	if last := rows[len(rows)-1]; last.Err != nil || last.Values[1] != "中文" {
		t.Errorf("declared: last row %+v", last)
	}

	// A byte order mark overrides a declared encoding.
	r, rows, err = readAll(t, writeFile(t, "bom.csv", []byte("\xEF\xBB\xBF名称\n甲\n")), Options{Format: CSV, Encoding: GB18030})
	if err != nil || r.Encoding() != UTF8 || r.Header()[0] != "名称" || rows[0].Values[0] != "甲" {
		t.Errorf("UTF-8 BOM, declared GB18030: %s %q %+v %v", r.Encoding(), r.Header(), rows, err)
	}
	r, rows, err = readAll(t, writeFile(t, "gbbom.csv", append(append([]byte{}, gb18030BOM...), gb18030(t, "名称\n甲\n")...)), Options{Format: CSV})
	if err != nil || r.Encoding() != GB18030 || r.Header()[0] != "名称" || rows[0].Values[0] != "甲" {
		t.Errorf("GB18030 BOM: %s %q %+v %v", r.Encoding(), r.Header(), rows, err)
	}

	// UTF-16 (Excel's "Unicode text") is refused with advice.
	_, err = Open(writeFile(t, "u16.txt", []byte("\xFF\xFEa\x00,\x00b\x00")), Options{Format: CSV})
	wantErr(t, err, credit.EINVALID, "UTF-16")
}

func TestCSVMultiLineAndNum(t *testing.T) {
	data := "名称,地址,备注\r\n" +
		"甲,\"第一行\r\n第二行\",x\r\n" +
		"\r\n" +
		"乙,\"a\nb\nc\",y\r\n" +
		"丙,d,z"
	_, rows, err := readAll(t, writeFile(t, "m.csv", []byte(data)), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"甲", "第一行\n第二行", "x"}, {"乙", "a\nb\nc", "y"}, {"丙", "d", "z"}}
	if !reflect.DeepEqual(values(rows), want) {
		t.Errorf("values %q", values(rows))
	}
	// Num is the line each record starts on.
	if n := nums(rows); !reflect.DeepEqual(n, []int{2, 5, 8}) {
		t.Errorf("nums %v, want [2 5 8]", n)
	}
}

func TestCSVBadRows(t *testing.T) {
	data := "a,b,c\n" +
		"1,2\n" + // 2: too few
		"1,2,3,4\n" + // 3: too many
		"1,2,3,,\n" + // 4: empty extra cells are padding
		"1,x\"y,3\n" + // 5: bare quote
		"1,\"x\"y,3\n" + // 6: text after a closing quote
		"1,2,3\n" + // 7
		",,,\n" + // 8: blank
		"1,\"oops,3\n" + // 9: never closed
		"4,5,6\n" + // 10
		"7,8,9\n" // 11
	_, rows, err := readAll(t, writeFile(t, "bad.csv", []byte(data)), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	if n := nums(rows); !reflect.DeepEqual(n, []int{2, 3, 4, 5, 6, 7, 9, 10, 11}) {
		t.Fatalf("nums %v", n)
	}
	byNum := map[int]got{}
	for _, r := range rows {
		byNum[r.Num] = r
	}
	for _, n := range []int{2, 3, 5, 6, 9} {
		if byNum[n].Err == nil {
			t.Errorf("row %d: no error", n)
		}
	}
	for _, n := range []int{4, 7, 10, 11} {
		if byNum[n].Err != nil {
			t.Errorf("row %d: %v", n, byNum[n].Err)
		}
	}
	if e := byNum[2].Err; e == nil || !strings.Contains(e.Message, "第 2 行：列数为 2，表头为 3 / row 2: 2 columns, header has 3") {
		t.Errorf("row 2: %v", e)
	}
	if e := byNum[3].Err; e == nil || !strings.Contains(e.Message, "列数为 4，表头为 3") {
		t.Errorf("row 3: %v", e)
	}
	if !reflect.DeepEqual(byNum[3].Raw, []string{"1", "2", "3", "4"}) {
		t.Errorf("row 3 raw %q", byNum[3].Raw)
	}
	if !reflect.DeepEqual(byNum[4].Values, []string{"1", "2", "3"}) {
		t.Errorf("row 4 values %q", byNum[4].Values)
	}
	if e := byNum[5].Err; e == nil || e.Field != "b" || !reflect.DeepEqual(byNum[5].Raw, []string{"1", `x"y`, "3"}) {
		t.Errorf("row 5: %v raw %q", e, byNum[5].Raw)
	}
	if r := byNum[6].Raw; !reflect.DeepEqual(r, []string{"1", `x"y,3`}) { // lenient parse of the text
		t.Errorf("row 6 raw %q", r)
	}
	if e := byNum[9].Err; e == nil || !strings.Contains(e.Message, "引号未闭合") || !reflect.DeepEqual(byNum[9].Raw, []string{"1", "oops,3"}) {
		t.Errorf("row 9: %v raw %q", e, byNum[9].Raw)
	}
	if !reflect.DeepEqual(byNum[11].Values, []string{"7", "8", "9"}) {
		t.Errorf("row 11 values %q", byNum[11].Values)
	}
}

func TestCSVUnclosedQuoteBeforeQuotedRows(t *testing.T) {
	// A stray opening quote pairs with the next quoted value; the rows in between are good
	// and are read as rows, not swallowed into the bad one.
	data := "代码,名称,地址\n" +
		"1,\"某某公司,厦门\n" + // 2: unclosed
		"2,甲,厦门\n" +
		"3,\"乙，丙\",厦门\n" + // 4: its opening quote closed line 2's value
		"4,丁,\"多行\n地址\"\n" +
		"5,戊,厦门\n"
	_, rows, err := readAll(t, writeFile(t, "q.csv", []byte(data)), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	if n := nums(rows); !reflect.DeepEqual(n, []int{2, 3, 4, 5, 7}) {
		t.Fatalf("nums %v", n)
	}
	if rows[0].Err == nil || countErrs(rows) != 1 {
		t.Errorf("rows %+v", rows)
	}
	if rows[2].Values[1] != "乙，丙" || rows[3].Values[2] != "多行\n地址" {
		t.Errorf("values %q", values(rows))
	}

	// A multi-line value with a typo after its closing quote stays one rejected row: its
	// continuation lines are not read as rows.
	data = "代码,名称,地址\n" +
		"1,\"第一行\n2,甲,厦门\n末行\"x,厦门\n" +
		"3,乙,厦门\n"
	_, rows, err = readAll(t, writeFile(t, "q.csv", []byte(data)), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	if n := nums(rows); !reflect.DeepEqual(n, []int{2, 5}) || rows[0].Err == nil || rows[1].Err != nil {
		t.Errorf("rows %+v", rows)
	}
}

func TestCSVFieldTooLong(t *testing.T) {
	data := "代码,名称\n1,一二三\n2,一二三四\n"
	_, rows, err := readAll(t, writeFile(t, "long.csv", []byte(data)), Options{Format: CSV, MaxFieldBytes: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Err != nil {
		t.Fatalf("rows %+v", rows)
	}
	if e := rows[1].Err; e == nil || e.Field != "名称" || e.Rule != credit.RuleFormat || !strings.Contains(e.Message, "12 字节") {
		t.Errorf("row 3: %v", e)
	}
}

func TestCSVDelimiter(t *testing.T) {
	data := "名称\t代码\t备注,说明\n甲\t1\ta,b\n"
	_, rows, err := readAll(t, writeFile(t, "tab.txt", []byte(data)), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(values(rows), [][]string{{"甲", "1", "a,b"}}) {
		t.Errorf("values %q", values(rows))
	}
	_, rows, err = readAll(t, writeFile(t, "semi.csv", []byte("a;b\n1;2\n")), Options{Format: CSV, Comma: ';'})
	if err != nil || !reflect.DeepEqual(values(rows), [][]string{{"1", "2"}}) {
		t.Errorf("values %q, %v", values(rows), err)
	}
	_, err = Open(writeFile(t, "q.csv", []byte("a\n")), Options{Format: CSV, Comma: '"'})
	wantErr(t, err, credit.EINVALID, "分隔符")
}

func TestCSVHeader(t *testing.T) {
	tests := []struct {
		name, data string
		parts      []string
	}{
		{"empty file", "", []string{"文件为空"}},
		{"only blank lines", "\r\n\r\n,,\r\n", []string{"没有表头"}},
		{"duplicate", "代码,名称,代码\n", []string{"第 1 行", "重名", "代码"}},
		{"empty name", "代码,,名称\n", []string{"第 2 列"}},
		{"bad quote", "代码,\"名称\n", []string{"表头"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(writeFile(t, "h.csv", []byte(tt.data)), Options{Format: CSV})
			wantErr(t, err, credit.EINVALID, tt.parts...)
		})
	}

	// Trailing empty header cells are dropped, leading blank lines skipped.
	r, rows, err := readAll(t, writeFile(t, "h.csv", []byte("\n代码,名称,,\n1,甲,,\n")), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Header(), []string{"代码", "名称"}) || !reflect.DeepEqual(values(rows), [][]string{{"1", "甲"}}) || rows[0].Num != 3 {
		t.Errorf("header %q rows %+v", r.Header(), rows)
	}

	// A header alone is a file with no rows.
	_, rows, err = readAll(t, writeFile(t, "h.csv", []byte("代码,名称\r\n")), Options{Format: CSV})
	if err != nil || len(rows) != 0 {
		t.Errorf("rows %+v, %v", rows, err)
	}
}

func TestCSVLongRecords(t *testing.T) {
	// A line past the record limit is fatal, and says where.
	data := "a,b\n1,2\n3," + strings.Repeat("x", 1<<20+10) + "\n5,6\n"
	_, rows, err := readAll(t, writeFile(t, "long.csv", []byte(data)), Options{Format: CSV})
	if len(rows) != 1 {
		t.Errorf("rows before the fatal error: %+v", rows)
	}
	if e := wantErr(t, err, credit.EINVALID, "第 3 行"); e.Row != 3 {
		t.Errorf("row %d", e.Row)
	}

	// An unclosed quote followed by more than the record limit of good lines rejects only
	// its own line; parsing goes on at the next line.
	var b strings.Builder
	b.WriteString("a,b\n1,\"never closed\n")
	n := 0
	for b.Len() < 1<<20+1<<16 {
		b.WriteString("2,ok\n")
		n++
	}
	_, rows, err = readAll(t, writeFile(t, "quote.csv", []byte(b.String())), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 || rows[0].Err == nil || rows[0].Num != 2 {
		t.Fatalf("%d rows (want %d), first %+v", len(rows), n+1, rows[0])
	}
	for i, r := range rows[1:] {
		if r.Err != nil || r.Num != i+3 || r.Values[1] != "ok" {
			t.Fatalf("row %+v", r)
		}
	}

	// A file full of unclosed quotes gives up after maxResyncs.
	defer func(n int) { minRecordLimit = n }(minRecordLimit)
	minRecordLimit = 1 << 10
	b.Reset()
	b.WriteString("a,b\n")
	for range maxResyncs + 5 {
		b.WriteString("1,\"x\n")
		for range 300 {
			b.WriteString("2,ok\n")
		}
	}
	_, rows, err = readAll(t, writeFile(t, "quotes.csv", []byte(b.String())), Options{Format: CSV, MaxFieldBytes: 16})
	wantErr(t, err, credit.EINVALID, "引号未闭合")
	if bad := countErrs(rows); bad != maxResyncs || len(rows) < maxResyncs*300 {
		t.Errorf("%d rows, %d rejected before giving up; want %d rejected", len(rows), bad, maxResyncs)
	}
}

func countErrs(rows []got) int {
	n := 0
	for _, r := range rows {
		if r.Err != nil {
			n++
		}
	}
	return n
}

func TestCSVValuesReused(t *testing.T) {
	// Documented: Values is overwritten by the next call; the strings themselves stay valid.
	r, err := Open(writeFile(t, "a.csv", []byte("a\n1\n2\n")), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	first, _ := r.Next()
	kept := first.Values[0]
	second, _ := r.Next()
	if kept != "1" || second.Values[0] != "2" {
		t.Errorf("kept %q, second %q", kept, second.Values[0])
	}
}
