package credit_test

import (
	"bytes"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
)

var today = time.Date(2026, 6, 1, 15, 0, 0, 0, time.UTC)

// testUSCC returns a valid unified social credit code: a government body (11) in Weihai
// Huancui (371002) with the given 8-character organisation code body.
func testUSCC(org8 string) string {
	oc, err := credit.OrgCodeCheckChar(org8)
	if err != nil {
		panic(err)
	}
	body := "11371002" + org8 + string(oc)
	c, err := credit.USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

// testResidentID returns a valid resident ID with the given first 17 digits.
func testResidentID(first17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	return first17 + string("10X98765432"[sum%11])
}

var (
	orgCode  = testUSCC("00429437")
	personID = testResidentID("37100219900307123")
)

// sampleItem has one field of every kind.
func sampleItem() *credit.CatalogItem {
	return &credit.CatalogItem{
		Code: "sample", NameZH: "样例", NameEN: "Sample",
		SubjectKinds: []credit.SubjectClass{credit.ClassLegal},
		Fields: []credit.Field{
			{Name: "title", Label: "标题", LabelEN: "Title", Type: credit.TypeString, Required: true, MaxLen: 10},
			{Name: "count", Label: "数量", LabelEN: "Count", Type: credit.TypeInt},
			{Name: "amount", Label: "金额（万元）", LabelEN: "Amount", Type: credit.TypeDecimal},
			{Name: "decided", Label: "决定日期", LabelEN: "Decided", Type: credit.TypeDate, Required: true},
			{Name: "ends", Label: "截止日期", LabelEN: "Ends", Type: credit.TypeDate},
			{Name: "seen", Label: "发现日期", LabelEN: "Seen", Type: credit.TypeDate},
			{Name: "grade", Label: "等级", LabelEN: "Grade", Type: credit.TypeEnum, Enum: []string{"A", "B级", "其他"}},
			{Name: "cats", Label: "类别", LabelEN: "Categories", Type: credit.TypeEnum, Multi: true, Enum: []string{"罚款", "警告", "没收违法所得"}},
			{Name: "org", Label: "机关代码", LabelEN: "Authority code", Type: credit.TypeCode},
			{Name: "rep_id", Label: "法定代表人证件号码", LabelEN: "Rep ID", Type: credit.TypeCode, Personal: true},
			{Name: "secret", Label: "备注（个人）", LabelEN: "Private note", Type: credit.TypeString, Personal: true},
		},
		Disclosure: credit.DisclosurePublic, Polarity: credit.PolarityBasic,
		Publication:   credit.PublicationRule{Publish: true, UntilField: "ends"},
		DecisionField: "decided",
	}
}

var sampleHeader = []string{"source_id", "subject_code", "subject_name", "title", "count", "amount",
	"decided", "ends", "seen", "grade", "cats", "org", "rep_id", "secret"}

// sampleValues returns a valid row for sampleHeader with the given cells replaced.
func sampleValues(set map[string]string) []string {
	base := map[string]string{
		"source_id": "CF-2026-001", "subject_code": orgCode, "subject_name": "威海市某某有限公司",
		"title": "标题", "count": "3", "amount": "1.5", "decided": "2026-01-02", "ends": "2026-12-31",
		"seen": "2026-01-01", "grade": "A", "cats": "罚款", "org": orgCode, "rep_id": personID, "secret": "x",
	}
	maps.Copy(base, set)
	out := make([]string, len(sampleHeader))
	for i, h := range sampleHeader {
		out[i] = base[h]
	}
	return out
}

func mustBind(t testing.TB, it *credit.CatalogItem, header []string) *credit.Binding {
	t.Helper()
	b, errs := it.Bind(header)
	if errs != nil {
		t.Fatalf("Bind(%q): %v", header, errs)
	}
	return b
}

func TestBindHeaderSpellings(t *testing.T) {
	it := sampleItem()
	tests := []struct {
		name   string
		header []string
	}{
		{"names", sampleHeader},
		{"Chinese labels, shuffled", []string{"金额（万元）", "标题", "业务编号", "主体名称", "统一社会信用代码", "决定日期"}},
		{"English labels, case, spaces, full width, required marks", []string{
			"ＳＯＵＲＣＥ　ＩＤ", " subject Code ", "*主体名称", "TITLE", "De cided", "金额(万元)"}},
		{"双公示 names and the reason column", []string{"行政相对人名称", "行政相对人代码", "source id", "title", "decided", "错误原因"}},
		{"empty header cells", []string{"source_id", "", "subject_code", "subject_name", "title", "decided", " "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustBind(t, it, tt.header)
			if b.Columns() != len(tt.header) {
				t.Errorf("Columns() = %d", b.Columns())
			}
		})
	}
}

func TestBindErrors(t *testing.T) {
	it := sampleItem()
	tests := []struct {
		name   string
		header []string
		want   []credit.FieldError // Field and Rule only
	}{
		{"unknown column", []string{"source_id", "subject_code", "subject_name", "title", "decided", "colour"},
			[]credit.FieldError{{Field: "colour", Rule: credit.RuleUnknown}}},
		{"duplicate column", []string{"source_id", "subject_code", "subject_name", "title", "decided", "标题"},
			[]credit.FieldError{{Field: "标题", Rule: credit.RuleDuplicate}}},
		{"duplicate standard column", []string{"source_id", "subject_code", "subject_name", "title", "decided", "姓名"},
			[]credit.FieldError{{Field: "姓名", Rule: credit.RuleDuplicate}}},
		{"missing required field", []string{"source_id", "subject_code", "subject_name", "title"},
			[]credit.FieldError{{Field: "decided", Rule: credit.RuleRequired}}},
		{"missing standard columns", []string{"title", "decided"},
			[]credit.FieldError{{Field: "source_id", Rule: credit.RuleRequired}, {Field: "subject_code", Rule: credit.RuleRequired},
				{Field: "subject_name", Rule: credit.RuleRequired}}},
		{"several at once", []string{"subject_code", "subject_name", "x", "title", "title"},
			[]credit.FieldError{{Field: "x", Rule: credit.RuleUnknown}, {Field: "title", Rule: credit.RuleDuplicate},
				{Field: "source_id", Rule: credit.RuleRequired}, {Field: "decided", Rule: credit.RuleRequired}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, errs := it.Bind(tt.header)
			if b != nil {
				t.Fatal("bound a bad header")
			}
			if len(errs) != len(tt.want) {
				t.Fatalf("got %v, want %v", errs, tt.want)
			}
			for i, e := range errs {
				if e.Field != tt.want[i].Field || e.Rule != tt.want[i].Rule {
					t.Errorf("error %d: got %s/%s, want %s/%s", i, e.Field, e.Rule, tt.want[i].Field, tt.want[i].Rule)
				}
				if !strings.Contains(e.Message, " / ") {
					t.Errorf("message not bilingual: %q", e.Message)
				}
			}
		})
	}
}

func TestValidateCanonicalValues(t *testing.T) {
	b := mustBind(t, sampleItem(), sampleHeader)
	tests := []struct {
		field, in, want string
	}{
		{"title", "  标题  ", "标题"},
		{"title", "一二三四五六七八九十", "一二三四五六七八九十"}, // 10 runes: at the limit
		{"title", "a\tb", "a\tb"},
		{"count", "12", "12"},
		{"count", "+12", "12"},
		{"count", "007", "7"},
		{"count", "-5", "-5"},
		{"count", "-0", "0"},
		{"count", "000", "0"},
		{"count", "1,234", "1234"},
		{"count", "12.00", "12"},
		{"count", "１２", "12"},
		{"count", "999999999999999999", "999999999999999999"},
		{"amount", "12.50", "12.5"},
		{"amount", "0012.500", "12.5"},
		{"amount", ".5", "0.5"},
		{"amount", "+.5", "0.5"},
		{"amount", "5.", "5"},
		{"amount", "-0.00", "0"},
		{"amount", "-1.50", "-1.5"},
		{"amount", "1,234.50", "1234.5"},
		{"amount", "３.１４", "3.14"},
		{"amount", "0.001", "0.001"},
		{"seen", "2026-01-02", "2026-01-02"},
		{"seen", "2026/1/2", "2026-01-02"},
		{"seen", "2026.01.02", "2026-01-02"},
		{"seen", "20260102", "2026-01-02"},
		{"seen", "2026年1月2日", "2026-01-02"},
		{"seen", "2026年01月02", "2026-01-02"},
		{"seen", "45321", "2024-01-30"},
		{"seen", "45321.75", "2024-01-30"},
		{"seen", "2026-01-02 10:30:00", "2026-01-02"},
		{"seen", "2026-01-02T10:30", "2026-01-02"},
		{"seen", "2024/02/29 0:00:00.000", "2024-02-29"},
		{"seen", "２０２６－０１－０２", "2026-01-02"},
		{"seen", "1900-01-01", "1900-01-01"},
		{"ends", "2100-12-31", "2100-12-31"},
		{"grade", "A", "A"},
		{"grade", "a", "A"},
		{"grade", "Ｂ级", "B级"},
		{"grade", " 其他 ", "其他"},
		{"cats", "警告", "警告"},
		{"cats", "警告；罚款", "罚款;警告"},
		{"cats", "警告、罚款、警告", "罚款;警告"},
		{"cats", "罚款, 没收违法所得,", "罚款;没收违法所得"},
		{"org", strings.ToLower(orgCode[:9]) + " " + orgCode[9:], orgCode},
	}
	for _, tt := range tests {
		row, errs := b.Validate(sampleValues(map[string]string{tt.field: tt.in}), today)
		if errs != nil {
			t.Errorf("%s %q: %v", tt.field, tt.in, errs)
			continue
		}
		if got := row.Fields[tt.field]; got != tt.want {
			t.Errorf("%s %q: got %q, want %q", tt.field, tt.in, got, tt.want)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	b := mustBind(t, sampleItem(), sampleHeader)
	tests := []struct {
		field, in   string
		wantField   string
		rule        string
		wantMessage string
	}{
		{"title", "", "title", credit.RuleRequired, "必填"},
		{"title", " \u3000 ", "title", credit.RuleRequired, "必填"},
		{"title", "一二三四五六七八九十一", "title", credit.RuleMaxLength, "10"},
		{"title", "a\x00b", "title", credit.RuleEncoding, "控制字符"},
		{"title", "a\xffb", "title", credit.RuleEncoding, "UTF-8"},
		{"count", "1.5", "count", credit.RuleType, "不是整数"},
		{"count", "abc", "count", credit.RuleType, "不是整数"},
		{"count", "1,23", "count", credit.RuleType, ""},
		{"count", "12e3", "count", credit.RuleType, ""},
		{"count", "+", "count", credit.RuleType, ""},
		{"count", "9999999999999999999", "count", credit.RuleType, ""},
		{"amount", "1.2.3", "amount", credit.RuleType, "不是数字"},
		{"amount", "1e5", "amount", credit.RuleType, ""},
		{"amount", "--1", "amount", credit.RuleType, ""},
		{"amount", ".", "amount", credit.RuleType, ""},
		{"amount", "12,34.5", "amount", credit.RuleType, ""},
		{"amount", "1." + strings.Repeat("1", 40), "amount", credit.RuleMaxLength, ""},
		{"seen", "2026-02-30", "seen", credit.RuleDate, "日期无效：2026-02-30 / invalid date"},
		{"seen", "2025-02-29", "seen", credit.RuleDate, ""},
		{"seen", "2026-13-01", "seen", credit.RuleDate, ""},
		{"seen", "1899-12-31", "seen", credit.RuleDate, ""},
		{"seen", "2101-01-01", "seen", credit.RuleDate, ""},
		{"seen", "2026-01/02", "seen", credit.RuleDate, ""},
		{"seen", "2026", "seen", credit.RuleDate, ""},
		{"seen", "20261301", "seen", credit.RuleDate, ""},
		{"seen", "2026-1-2-3", "seen", credit.RuleDate, ""},
		{"seen", "99999", "seen", credit.RuleDate, ""}, // serial after 2100
		{"seen", "4532", "seen", credit.RuleDate, ""},  // four digits: a year, not a serial
		{"seen", "2026-01-02 25:00", "seen", credit.RuleDate, ""},
		{"grade", "C", "grade", credit.RuleEnum, "可选：A、B级、其他"},
		{"cats", "罚款;拘留", "cats", credit.RuleEnum, ""},
		{"cats", "；", "cats", credit.RuleEnum, ""},
		{"org", "91370000123456789X", "org", credit.RuleCode, "代码无效"},
		{"org", personID, "org", credit.RuleCode, "不收身份证号码"},
		{"org", strings.Repeat("9", 200), "org", credit.RuleMaxLength, ""},
		{"decided", "2026-06-02", "decided", credit.RuleDate, "晚于今天"},
		{"ends", "2025-12-31", "ends", credit.RuleDateOrder, "早于"},
		{"source_id", strings.Repeat("x", 65), "source_id", credit.RuleMaxLength, "64"},
		{"subject_name", strings.Repeat("名", 201), "subject_name", credit.RuleMaxLength, "200"},
		{"subject_code", "", "subject_code", credit.RuleRequired, ""},
	}
	for _, tt := range tests {
		row, errs := b.Validate(sampleValues(map[string]string{tt.field: tt.in}), today)
		if len(errs) != 1 {
			t.Errorf("%s %q: got %v, want one %s error", tt.field, tt.in, errs, tt.rule)
			continue
		}
		e := errs[0]
		if e.Field != tt.wantField || e.Rule != tt.rule || !strings.Contains(e.Message, tt.wantMessage) || !strings.Contains(e.Message, " / ") {
			t.Errorf("%s %q: got %+v, want %s/%s %q", tt.field, tt.in, e, tt.wantField, tt.rule, tt.wantMessage)
		}
		// A rejected row carries only its source id, so a resubmission can resolve it.
		if row.Fields != nil || row.SubjectCode != "" || (tt.field != credit.ColSourceID && row.SourceID == "") {
			t.Errorf("%s %q: a rejected row must hold only its source id: %+v", tt.field, tt.in, row)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	b := mustBind(t, sampleItem(), sampleHeader)
	_, errs := b.Validate(sampleValues(map[string]string{"title": "", "count": "x", "grade": "Z", "source_id": ""}), today)
	var got []string
	for _, e := range errs {
		got = append(got, e.Field+"/"+e.Rule)
	}
	want := "source_id/required title/required count/type grade/enum"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestValidateRowShape(t *testing.T) {
	b := mustBind(t, sampleItem(), sampleHeader)
	row, errs := b.Validate(sampleValues(map[string]string{"count": "", "subject_name": " 某某公司 "}), today)
	if errs != nil {
		t.Fatal(errs)
	}
	if row.SourceID != "CF-2026-001" || row.SubjectCode != orgCode || row.SubjectName != "某某公司" {
		t.Errorf("standard columns: %+v", row)
	}
	if !row.Decision.Equal(day("2026-01-02")) {
		t.Errorf("decision %s", row.Decision)
	}
	if _, ok := row.Fields["count"]; ok {
		t.Error("an empty optional value must not be stored")
	}
	if row.Personal["rep_id"] != personID || row.Personal["secret"] != "x" {
		t.Errorf("personal: %v", row.Personal)
	}
	for k := range row.Fields {
		if k == "rep_id" || k == "secret" {
			t.Errorf("personal field %s in Fields", k)
		}
	}
	if len(row.Fields) != 8 {
		t.Errorf("fields: %v", row.Fields)
	}
	// A personal code field takes organisation codes as well as resident IDs.
	row, errs = b.Validate(sampleValues(map[string]string{"rep_id": orgCode, "ends": "", "decided": "2026-01-02"}), today)
	if errs != nil || row.Personal["rep_id"] != orgCode {
		t.Errorf("personal code with an organisation code: %v %v", row.Personal, errs)
	}
	// No decision date given when the field is optional → zero Decision; today zero skips the
	// future check.
	row, errs = b.Validate(sampleValues(map[string]string{"decided": "2030-01-01", "ends": "", "rep_id": ""}), time.Time{})
	if errs != nil || !row.Decision.Equal(day("2030-01-01")) {
		t.Errorf("zero today: %v %v", row.Decision, errs)
	}
}

func TestValidateRowLength(t *testing.T) {
	b := mustBind(t, sampleItem(), []string{"source_id", "subject_code", "subject_name", "title", "decided", "", "count"})
	tests := []struct {
		name   string
		values []string
		errs   int
	}{
		{"exact", []string{"1", orgCode, "名", "t", "2026-01-02", "", "3"}, 0},
		{"short: trailing cells empty", []string{"1", orgCode, "名", "t", "2026-01-02"}, 0},
		{"short: required missing", []string{"1", orgCode, "名"}, 2},
		{"long with empty cells", []string{"1", orgCode, "名", "t", "2026-01-02", "", "3", "", "  "}, 0},
		{"long with a value", []string{"1", orgCode, "名", "t", "2026-01-02", "", "3", "", "x"}, 1},
		{"value under an empty header", []string{"1", orgCode, "名", "t", "2026-01-02", "x", "3"}, 1},
		{"empty row", nil, 5},
	}
	for _, tt := range tests {
		_, errs := b.Validate(tt.values, today)
		if len(errs) != tt.errs {
			t.Errorf("%s: got %v, want %d errors", tt.name, errs, tt.errs)
		}
	}
}

func TestHash(t *testing.T) {
	it := sampleItem()
	b1 := mustBind(t, it, sampleHeader)
	row1, errs := b1.Validate(sampleValues(nil), today)
	if errs != nil {
		t.Fatal(errs)
	}
	h := row1.Hash()
	if len(h) != 32 || strings.Trim(h, "0123456789abcdef") != "" {
		t.Fatalf("hash %q", h)
	}
	if row1.Hash() != h {
		t.Error("hash not stable")
	}
	// Column order and non-canonical spellings of the same values do not matter.
	rev := make([]string, len(sampleHeader))
	vals := sampleValues(map[string]string{"amount": "1.50", "decided": "2026年1月2日", "cats": " 罚款 "})
	revVals := make([]string, len(vals))
	for i := range sampleHeader {
		rev[len(rev)-1-i] = sampleHeader[i]
		revVals[len(rev)-1-i] = vals[i]
	}
	row2, errs := mustBind(t, it, rev).Validate(revVals, today)
	if errs != nil {
		t.Fatal(errs)
	}
	if row2.Hash() != h {
		t.Error("same content in another column order hashes differently")
	}
	// Any change of content changes the hash, personal fields included; so does moving a
	// value between fields.
	for _, change := range []map[string]string{
		{"source_id": "CF-2026-002"}, {"subject_name": "另一家公司"}, {"amount": "1.51"},
		{"secret": "y"}, {"count": ""},
	} {
		row, errs := b1.Validate(sampleValues(change), today)
		if errs != nil {
			t.Fatal(errs)
		}
		if row.Hash() == h {
			t.Errorf("change %v kept the hash", change)
		}
	}
	x, _ := b1.Validate(sampleValues(map[string]string{"seen": "2026-03-01", "ends": "2026-04-01"}), today)
	y, _ := b1.Validate(sampleValues(map[string]string{"seen": "2026-04-01", "ends": "2026-03-01"}), today)
	if x.Hash() == y.Hash() {
		t.Error("swapping two fields' values kept the hash")
	}
	// Values cannot bleed into each other.
	a := credit.ValidRow{SourceID: "ab", SubjectCode: "c"}
	c := credit.ValidRow{SourceID: "a", SubjectCode: "bc"}
	if a.Hash() == c.Hash() {
		t.Error("length prefixes missing")
	}
}

func TestNormalizeHeader(t *testing.T) {
	for in, want := range map[string]string{
		"Subject_Code":    "subjectcode",
		"ＳＵＢＪＥＣＴ　ｃｏｄｅ":    "subjectcode",
		"*罚款金额（万元）":       "罚款金额(万元)",
		"\uFEFFsource_id": "sourceid",
		"":                "",
	} {
		if got := credit.NormalizeHeader(in); got != want {
			t.Errorf("NormalizeHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2026-01-02": "2026-01-02", " 2026-1-2 ": "2026-01-02", "2024/2/29": "2024-02-29",
		"20000229": "2000-02-29", "2000年2月29日": "2000-02-29", "10000": "1927-05-18",
		"45321": "2024-01-30", "73415": "2100-12-31", "60000": "2064-04-08",
		"2026-01-02 08:00": "2026-01-02", "2026.1.2 23:59:59": "2026-01-02",
	} {
		got, ok := credit.ParseDate(in)
		if !ok || credit.FormatDate(got) != want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("ParseDate(%q) = %s %v, want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "x", "2026-02-29", "19000229", "2100-02-29", "1899-12-31", "2101-01-01",
		"73416", "09999", "00000", "12345678", "2026--01-02", "2026-01-02x", "2026-01-02 8", "2026年1-2",
		"2026/01-02", "2026-001-02", "2026-01-002", "123", "45321.", "45321.5.5", "2026-01-02T", "２０２６"} {
		if got, ok := credit.ParseDate(in); ok {
			t.Errorf("ParseDate(%q) = %s, want refused", in, got)
		}
	}
}

// sampleRow returns a header of field names and a valid row for any catalog item.
func sampleRow(it *credit.CatalogItem) (header, values []string) {
	header = []string{credit.ColSourceID, credit.ColSubjectCode, credit.ColSubjectName}
	values = []string{"S-1", orgCode, "威海市某某有限公司"}
	for _, f := range it.Fields {
		v := "示例"
		switch f.Type {
		case credit.TypeInt:
			v = "12"
		case credit.TypeDecimal:
			v = "1.5"
		case credit.TypeDate:
			v = "2026-01-02"
		case credit.TypeEnum:
			v = f.Enum[0]
		case credit.TypeCode:
			v = orgCode
			if f.Personal {
				v = personID
			}
		}
		header = append(header, f.Name)
		values = append(values, v)
	}
	return header, values
}

func TestDefaultCatalogRows(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Items {
		it := &c.Items[i]
		h, v := sampleRow(it)
		row, errs := mustBind(t, it, h).Validate(v, today)
		if errs != nil {
			t.Errorf("%s: %v", it.Code, errs)
			continue
		}
		if it.DecisionField != "" && !row.Decision.Equal(day("2026-01-02")) {
			t.Errorf("%s: decision %s", it.Code, row.Decision)
		}
		// Chinese labels bind as well as names.
		labels := []string{"业务编号", "统一社会信用代码", "主体名称"}
		for _, f := range it.Fields {
			labels = append(labels, f.Label)
		}
		row2, errs := mustBind(t, it, labels).Validate(v, today)
		if errs != nil || row2.Hash() != row.Hash() {
			t.Errorf("%s: by labels: %v", it.Code, errs)
		}
	}
}

// canonicalRow writes a valid row back as a row of field names and canonical values.
func canonicalRow(it *credit.CatalogItem, row credit.ValidRow) (header, values []string) {
	header = []string{credit.ColSourceID, credit.ColSubjectCode, credit.ColSubjectName}
	values = []string{row.SourceID, row.SubjectCode, row.SubjectName}
	for _, f := range it.Fields {
		v, ok := row.Fields[f.Name]
		if f.Personal {
			v, ok = row.Personal[f.Name]
		}
		if ok {
			header = append(header, f.Name)
			values = append(values, v)
		}
	}
	return header, values
}

// FuzzValidate feeds random header cells and values through Bind and Validate on every item of
// the default catalog: nothing panics, and a row that validates, written back in canonical
// form, validates to the same row and hash.
func FuzzValidate(f *testing.F) {
	c, err := catalog.Default()
	if err != nil {
		f.Fatal(err)
	}
	for i := range c.Items {
		h, v := sampleRow(&c.Items[i])
		f.Add(uint8(i), "", strings.Join(v, "\t"))
		f.Add(uint8(i), strings.Join(h, "\t"), strings.Join(v, "\t"))
	}
	f.Add(uint8(2), "", "a\t \t名\t2026年1月2日\t45321\t+0012.50\t罚款；警告\t\xff\t1,234")
	f.Add(uint8(0), "source_id\tsubject_code\t主体名称\t\t错误原因", "1\t2\t3\t\tx")
	f.Fuzz(func(t *testing.T, n uint8, header, values string) {
		it := &c.Items[int(n)%len(c.Items)]
		var cells []string
		if header == "" {
			cells, _ = sampleRow(it)
		} else {
			cells = strings.Split(header, "\t")
		}
		b, errs := it.Bind(cells)
		if errs != nil {
			if b != nil {
				t.Fatal("binding with errors")
			}
			return
		}
		row, dig, errs := b.ValidateDigest(strings.Split(values, "\t"), today)
		if errs != nil {
			for _, e := range errs {
				if e.Rule == "" || e.Message == "" {
					t.Fatalf("error without rule or message: %+v", e)
				}
			}
			return
		}
		if dig.Hash != row.Hash() || !bytes.Equal(dig.FieldsJSON, credit.EncodeFields(row.Fields)) {
			t.Fatalf("digest %s %s, want %s %s", dig.Hash, dig.FieldsJSON, row.Hash(), credit.EncodeFields(row.Fields))
		}
		h2, v2 := canonicalRow(it, row)
		row2, errs := mustBind(t, it, h2).Validate(v2, today)
		if errs != nil {
			t.Fatalf("canonical row %q refused: %v", v2, errs)
		}
		if row2.Hash() != row.Hash() || !maps.Equal(row.Fields, row2.Fields) || !maps.Equal(row.Personal, row2.Personal) ||
			!row.Decision.Equal(row2.Decision) {
			t.Fatalf("canonical form not stable:\n%+v\n%+v", row, row2)
		}
	})
}

// FuzzParseDate: no panic; an accepted date is midnight UTC within 1900..2100 and reads back
// from its canonical form.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-01-02", "2026/1/2", "2026.01.02", "20260102", "2026年1月2日", "45321",
		"45321.5", "2026-01-02 10:30:00", "2026-01-02T10:30", "２０２６－０１－０２", "2026-02-30", "0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := credit.ParseDate(s)
		if !ok {
			return
		}
		if d.Year() < 1900 || d.Year() > 2100 || d.Location() != time.UTC || !d.Equal(d.Truncate(24*time.Hour)) {
			t.Fatalf("ParseDate(%q) = %s", s, d)
		}
		back, ok := credit.ParseDate(credit.FormatDate(d))
		if !ok || !back.Equal(d) {
			t.Fatalf("ParseDate(%q) = %s does not read back", s, d)
		}
	})
}

func BenchmarkValidateAdminPenalty(b *testing.B) {
	c, err := catalog.Default()
	if err != nil {
		b.Fatal(err)
	}
	it, _ := c.Item("admin_penalty")
	header := []string{"业务编号", "统一社会信用代码", "主体名称", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据",
		"处罚类别", "处罚内容", "罚款金额（万元）", "处罚决定日期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码",
		"数据来源单位", "数据来源单位统一社会信用代码", "法定代表人"}
	values := []string{"WH-SJ-2026-000123", "91371002MA3C5XKU6P", "威海市某某食品有限公司", "威市监罚〔2026〕123号",
		"违反食品安全法", "当事人经营超过保质期的食品，货值金额1200元。", "《中华人民共和国食品安全法》第一百二十四条第一款",
		"罚款;没收违法所得", "没收违法所得1200元，罚款人民币50000元。", "5.00", "2026/3/15", "2026-06-15",
		"威海市市场监督管理局", orgCode, "威海市市场监督管理局", orgCode, "张三"}
	bd := mustBind(b, it, header)
	if _, errs := bd.Validate(values, today); errs != nil {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		row, errs := bd.Validate(values, today)
		if errs != nil || row.Fields == nil {
			b.Fatal(errs)
		}
	}
}

// BenchmarkValidateSeparately and BenchmarkValidateDigest make the same row's values, hash and
// fields encoding: with the maps' keys sorted twice, and in one pass in the binding's name order.
func BenchmarkValidateSeparately(b *testing.B) {
	bd, values := penaltyRow(b)
	b.ReportAllocs()
	for b.Loop() {
		row, errs := bd.Validate(values, today)
		if errs != nil || row.Hash() == "" || len(credit.EncodeFields(row.Fields)) == 0 {
			b.Fatal(errs)
		}
	}
}

func BenchmarkValidateDigest(b *testing.B) {
	bd, values := penaltyRow(b)
	b.ReportAllocs()
	for b.Loop() {
		_, d, errs := bd.ValidateDigest(values, today)
		if errs != nil || d.Hash == "" || len(d.FieldsJSON) == 0 {
			b.Fatal(errs)
		}
	}
}

func penaltyRow(b *testing.B) (*credit.Binding, []string) {
	c, err := catalog.Default()
	if err != nil {
		b.Fatal(err)
	}
	it, _ := c.Item("admin_penalty")
	h, v := sampleRow(it)
	return mustBind(b, it, h), v
}

func BenchmarkHash(b *testing.B) {
	bd, values := penaltyRow(b)
	row, errs := bd.Validate(values, today)
	if errs != nil {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = row.Hash()
	}
}

// A binding whose item names two fields alike (a catalog Check refuses it) still gives the
// digest Hash and EncodeFields give.
func TestValidateDigestSharedName(t *testing.T) {
	it := &credit.CatalogItem{Code: "x", Fields: []credit.Field{
		{Name: "b", Label: "乙", Type: credit.TypeString, Personal: true}, {Name: "a", Type: credit.TypeString},
		{Name: "b", Label: "丙", Type: credit.TypeString}, {Name: "c", Type: credit.TypeString, Personal: true},
	}}
	b := mustBind(t, it, []string{"source_id", "subject_code", "subject_name", "乙", "丙", "a", "c"})
	row, d, errs := b.ValidateDigest([]string{"1", orgCode, "某公司", "p", "x<y", "\"q\"", "张三"}, today)
	if errs != nil {
		t.Fatal(errs)
	}
	if d.Hash != row.Hash() || string(d.FieldsJSON) != string(credit.EncodeFields(row.Fields)) {
		t.Fatalf("digest %s %s, want %s %s", d.Hash, d.FieldsJSON, row.Hash(), credit.EncodeFields(row.Fields))
	}
	if string(d.FieldsJSON) != `{"a":"\"q\"","b":"x\u003cy"}` {
		t.Errorf("fields %s", d.FieldsJSON)
	}
}
