package format

import (
	"reflect"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/credit"
)

func TestJSONL(t *testing.T) {
	data := "\xEF\xBB\xBF{\"代码\":\"91350200MA2XY7QF1K\",\"名称\":\" 厦门\\u67d0\\u67d0公司 \",\"金额\":5000.50,\"撤销\":false,\"备注\":null}\r\n" +
		"\r\n" +
		"{\"名称\":\"乙\",\"代码\":\"2\",\"金额\":-1e3,\"撤销\":true}\n" + // 3: other order, a key missing
		"{\"代码\":\"3\",\"名称\":{\"a\":[1,\"}\"]}}\n" + // 4: nested
		"{\"代码\":\"4\",\"地址\":\"x\"}\n" + // 5: unknown key
		"not json\n" + // 6
		"[1,2]\n" + // 7
		"42\n" + // 8
		"{\"代码\":\"5\",\"代码\":\"6\"}\n" + // 9: repeated key
		"{\"代码\":\"\\\"q\\\" \\ud83d\\ude00 \\n\",\"备注\":\"\\/\\t\"}\n" + // 10: escapes
		"{}\n" + // 11: blank
		"{\"代码\":null,\"名称\":\"　\"}\n" + // 12: blank
		"{\"代码\":\"7\"}" // 13: no final line end
	r, rows, err := readAll(t, writeFile(t, "a.jsonl", []byte(data)), Options{Format: JSONL})
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Header(); !reflect.DeepEqual(h, []string{"代码", "名称", "金额", "撤销", "备注"}) {
		t.Errorf("header %q", h)
	}
	if n := nums(rows); !reflect.DeepEqual(n, []int{1, 3, 4, 5, 6, 7, 8, 9, 10, 13}) {
		t.Fatalf("nums %v", n)
	}
	want := [][]string{
		{"91350200MA2XY7QF1K", "厦门某某公司", "5000.50", "false", ""},
		{"2", "乙", "-1e3", "true", ""},
		nil, nil, nil, nil, nil, nil,
		{"\"q\" 😀", "", "", "", "/"},
		{"7", "", "", "", ""},
	}
	if !reflect.DeepEqual(values(rows), want) {
		t.Errorf("values %q", values(rows))
	}
	checks := map[int][]string{
		4: {"名称", "嵌套"},
		5: {"地址", "不在表头"},
		6: {"", "不是有效的 JSON"},
		7: {"", "JSON 数组"},
		8: {"", "不是 JSON 对象"},
		9: {"代码", "重复"},
	}
	for i, row := range rows {
		c, ok := checks[row.Num]
		if !ok {
			continue
		}
		if row.Err == nil || row.Err.Field != c[0] || !strings.Contains(row.Err.Message, c[1]) {
			t.Errorf("row %d: %v, want field %q and %q", row.Num, row.Err, c[0], c[1])
		}
		_ = i
	}
	byNum := map[int]got{}
	for _, row := range rows {
		byNum[row.Num] = row
	}
	if raw := byNum[4].Raw; !reflect.DeepEqual(raw, []string{"3", `{"a":[1,"}"]}`, "", "", ""}) {
		t.Errorf("row 4 raw %q", raw)
	}
	if raw := byNum[6].Raw; !reflect.DeepEqual(raw, []string{"not json"}) {
		t.Errorf("row 6 raw %q", raw)
	}
	if r.Pos() != int64(len(data)) {
		t.Errorf("Pos %d, want %d", r.Pos(), len(data))
	}
}

func TestJSONLHeader(t *testing.T) {
	// Bad lines before the first object are rejected rows; the first object gives the header.
	r, rows, err := readAll(t, writeFile(t, "a.jsonl", []byte("oops\n\n{\"a\":1,\"b\":\"x\"}\n{\"b\":\"y\"}\n")), Options{Format: JSONL})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Header(), []string{"a", "b"}) || !reflect.DeepEqual(nums(rows), []int{1, 3, 4}) ||
		rows[0].Err == nil || !reflect.DeepEqual(values(rows)[1:], [][]string{{"1", "x"}, {"", "y"}}) {
		t.Errorf("header %q rows %+v", r.Header(), rows)
	}

	tests := []struct {
		name, data string
		parts      []string
	}{
		{"empty", "", []string{"文件为空"}},
		{"no object", "1\n2\n", []string{"没有 JSON 对象"}},
		{"repeated key", `{"a":1,"a":2}`, []string{"重名"}},
		{"empty key", `{"a":1,"":2}`, []string{"空的键名"}},
		{"empty object", `{}`, []string{"表头为空"}},
		{"not json lines", strings.Repeat("x\n", maxLeadingBadLines+1), []string{"不是 JSON Lines"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(writeFile(t, "h.jsonl", []byte(tt.data)), Options{Format: JSONL})
			wantErr(t, err, credit.EINVALID, tt.parts...)
		})
	}
}

func TestJSONLLimits(t *testing.T) {
	long := `{"a":"` + strings.Repeat("x", 1<<20) + `"}`
	data := "{\"a\":\"1\"}\n" + long + "\n{\"a\":\"" + strings.Repeat("y", 20) + "\"}\n\xff\n{\"a\":\"2\"}\n"
	_, rows, err := readAll(t, writeFile(t, "a.jsonl", []byte(data)), Options{Format: JSONL, MaxFieldBytes: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(nums(rows), []int{1, 2, 3, 4, 5}) {
		t.Fatalf("nums %v", nums(rows))
	}
	if e := rows[1].Err; e == nil || !strings.Contains(e.Message, "这一行超过") {
		t.Errorf("long line: %v", e)
	}
	if e := rows[2].Err; e == nil || e.Field != "a" || !strings.Contains(e.Message, "超过上限 10") {
		t.Errorf("long value: %v", e)
	}
	if e := rows[3].Err; e == nil || e.Rule != credit.RuleEncoding {
		t.Errorf("invalid UTF-8: %v", e)
	}
	if !reflect.DeepEqual(rows[4].Values, []string{"2"}) {
		t.Errorf("last row %+v", rows[4])
	}
}
