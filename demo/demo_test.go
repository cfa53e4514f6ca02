package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
)

var testToday = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

func defaultCatalog(t testing.TB) *credit.Catalog {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatalf("catalog.Default: %v", err)
	}
	return cat
}

func smallConfig() Config {
	return Config{Seed: 7, Legal: 3000, Persons: 1500, Records: 30000, Today: testToday}
}

func generate(t testing.TB, cfg Config, cat *credit.Catalog) ([]File, string) {
	t.Helper()
	dir := t.TempDir()
	files, err := Generate(context.Background(), cfg, cat, dir)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return files, dir
}

func TestDeterministic(t *testing.T) {
	cat := defaultCatalog(t)
	cfg := smallConfig()
	a, _ := generate(t, cfg, cat)
	b, _ := generate(t, cfg, cat)
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for i := range a {
		if filepath.Base(a[i].Path) != filepath.Base(b[i].Path) || a[i].Rows != b[i].Rows || a[i].Bad != b[i].Bad {
			t.Fatalf("file %d differs: %+v vs %+v", i, a[i], b[i])
		}
		x, err := os.ReadFile(a[i].Path)
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(b[i].Path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: contents differ between runs with the same seed", filepath.Base(a[i].Path))
		}
	}

	cfg.Seed = 8
	c, _ := generate(t, cfg, cat)
	x, _ := os.ReadFile(a[0].Path)
	y, _ := os.ReadFile(c[0].Path)
	if bytes.Equal(x, y) {
		t.Error("a different seed gave the same registration file")
	}
}

// readCSV reads a generated file: it must be UTF-8 without a BOM.
func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("%s starts with a BOM", path)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// checkFiles validates every row of every file against its item, as the importer will, and
// returns the number of rejected rows; each file must have exactly File.Bad of them. Unless
// bad rows are expected it reports the first few problems.
func checkFiles(t *testing.T, cfg Config, cat *credit.Catalog, files []File, expectBad bool) (rejected int) {
	t.Helper()
	items := map[string]*credit.CatalogItem{}
	for i := range cat.Items {
		items[cat.Items[i].Code] = &cat.Items[i]
	}
	total := 0
	reported := 0
	report := func(format string, args ...any) {
		if !expectBad && reported < 20 {
			t.Errorf(format, args...)
		}
		reported++
	}
	for fi, f := range files {
		it := items[f.Item]
		if it == nil {
			t.Fatalf("%s: unknown item %s", f.Path, f.Item)
		}
		if fi == 0 && !it.Registry && slices.ContainsFunc(cat.Items, func(it credit.CatalogItem) bool { return it.Registry }) {
			t.Errorf("first file is %s, want the registry item", f.Item)
		}
		if len(it.Departments) > 0 && !slices.Contains(it.Departments, f.Dept) {
			t.Errorf("%s: department %s is not one of the item's", f.Path, f.Dept)
		}
		rows := readCSV(t, f.Path)
		if !slices.Equal(rows[0], Header(it)) {
			t.Fatalf("%s: header %v, want %v", f.Path, rows[0], Header(it))
		}
		if len(rows)-1 != f.Rows {
			t.Errorf("%s: %d rows, File says %d", f.Path, len(rows)-1, f.Rows)
		}
		total += len(rows) - 1
		b, errs := it.Bind(rows[0])
		if errs != nil {
			t.Fatalf("%s: Bind: %v", f.Path, errs)
		}
		classes := map[credit.SubjectClass]bool{}
		for _, k := range it.SubjectKinds {
			classes[k] = true
		}
		ids := map[string]bool{}
		bad := 0
		for n, row := range rows[1:] {
			ok := true
			if _, errs := b.Validate(row, cfg.Today); errs != nil {
				report("%s row %d: %v", filepath.Base(f.Path), n+1, errs)
				ok = false
			}
			if ids[row[0]] {
				t.Errorf("%s row %d: duplicate source_id %s", filepath.Base(f.Path), n+1, row[0])
			}
			ids[row[0]] = true
			// Classify the code as the importer does.
			res := credit.IdentifyCode(row[1], cfg.Today, nil)
			if !res.Valid {
				report("%s row %d: subject code %s: %s", filepath.Base(f.Path), n+1, res.Type, res.Reason)
				ok = false
			}
			if res.Valid && !classes[res.Kind.Class()] {
				t.Errorf("%s row %d: a %s is not covered by item %s", filepath.Base(f.Path), n+1, res.Kind, it.Code)
			}
			if !ok {
				bad++
			}
		}
		if bad != f.Bad {
			t.Errorf("%s: %d invalid rows, File.Bad says %d", filepath.Base(f.Path), bad, f.Bad)
		}
		rejected += bad
	}
	if total != cfg.Records {
		t.Errorf("%d rows in all, want %d", total, cfg.Records)
	}
	return rejected
}

func TestRowsValidate(t *testing.T) {
	cat := defaultCatalog(t)
	cfg := smallConfig()
	cfg.BadRate = -1
	files, _ := generate(t, cfg, cat)
	if n := checkFiles(t, cfg.withDefaults(), cat, files, false); n != 0 {
		t.Errorf("%d rows rejected, want none", n)
	}
	for _, f := range files {
		if f.Bad != 0 {
			t.Errorf("%s: %d bad rows with BadRate < 0", f.Path, f.Bad)
		}
	}
}

func TestBadRows(t *testing.T) {
	cat := defaultCatalog(t)
	cfg := smallConfig()
	cfg.BadRate = 0.02
	files, _ := generate(t, cfg, cat)
	want := 0
	for _, f := range files {
		want += f.Bad
	}
	if want < cfg.Records/100 || want > cfg.Records*3/100 {
		t.Errorf("%d bad rows, want about %d", want, int(float64(cfg.Records)*cfg.BadRate))
	}
	if got := checkFiles(t, cfg.withDefaults(), cat, files, true); got != want {
		t.Errorf("%d rows rejected, want exactly the %d bad ones", got, want)
	}
}

// TestRegistry checks the registration file: one row per legal subject, legal
// representatives among the persons, some of them representing several subjects, unique
// names, and legacy codes that agree with the unified code.
func TestRegistry(t *testing.T) {
	cat := defaultCatalog(t)
	cfg := smallConfig()
	cfg.BadRate = -1
	files, _ := generate(t, cfg, cat)
	rows := readCSV(t, files[0].Path)
	if len(rows)-1 != cfg.Legal {
		t.Fatalf("%d registration rows, want %d", len(rows)-1, cfg.Legal)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	names := map[string]bool{}
	reps := map[string]int{}
	kinds := map[credit.SubjectKind]int{}
	former, legacy := 0, 0
	for _, r := range rows[1:] {
		code, name := r[col[credit.ColSubjectCode]], r[col[credit.ColSubjectName]]
		if names[name] {
			t.Errorf("duplicate name %s", name)
		}
		names[name] = true
		kinds[credit.USCCKind(code)]++
		rep := r[col[credit.RegLegalRepID]]
		if _, _, err := credit.ValidateResidentID(rep, cfg.Today); err != nil {
			t.Errorf("%s: legal representative ID: %v", name, err)
		}
		reps[rep]++
		if r[col[credit.RegLegalRepName]] == "" {
			t.Errorf("%s: no legal representative name", name)
		}
		if r[col[credit.RegFormerNames]] != "" {
			former++
		}
		if no := r[col[credit.RegNo]]; no != "" {
			legacy++
			if _, err := credit.ValidateRegNo(no); err != nil {
				t.Errorf("%s: reg_no %s: %v", name, no, err)
			}
		}
		if oc := r[col[credit.RegOrgCode]]; oc != "" {
			if oc != code[8:17] {
				t.Errorf("%s: org_code %s is not positions 9-17 of %s", name, oc, code)
			}
			if _, err := credit.ValidateOrgCode(oc); err != nil {
				t.Errorf("%s: org_code %s: %v", name, oc, err)
			}
		}
		if !strings.HasPrefix(code[2:], "3710") {
			t.Errorf("%s: region of %s is not in the city", name, code)
		}
	}
	multi := 0
	for _, n := range reps {
		if n > 1 {
			multi++
		}
	}
	if multi == 0 {
		t.Error("no person represents several subjects")
	}
	if former == 0 || legacy == 0 {
		t.Errorf("%d former names, %d legacy registration numbers: want some of each", former, legacy)
	}
	if e := kinds[credit.KindEnterprise]; e < cfg.Legal*75/100 || e > cfg.Legal*85/100 {
		t.Errorf("%d enterprises of %d", e, cfg.Legal)
	}
	for _, k := range []credit.SubjectKind{credit.KindIndividualBusiness, credit.KindFarmerCoop, credit.KindPublicInstitution,
		credit.KindSocialGroup, credit.KindPrivateNonEnterprise, credit.KindFoundation, credit.KindGovernment} {
		if kinds[k] == 0 {
			t.Errorf("no %s", k)
		}
	}
}

// TestOtherCatalog runs the generator on a catalog it knows nothing about: no registry item,
// unknown field names, every field type, an item without departments.
func TestOtherCatalog(t *testing.T) {
	cat := &credit.Catalog{
		Version:     1,
		Departments: []credit.Department{{Code: "a", NameZH: "市甲局"}, {Code: "b", NameZH: "市乙局"}},
		Items: []credit.CatalogItem{
			{Code: "widget_permit", NameZH: "小物件准许", NameEN: "Widget permit", SubjectKinds: []credit.SubjectClass{credit.ClassLegal},
				Departments: []string{"a", "b"}, Disclosure: credit.DisclosurePublic, Polarity: credit.PolarityBasic,
				DecisionField: "granted", Publication: credit.PublicationRule{Publish: true, UntilField: "expires"},
				Fields: []credit.Field{
					{Name: "granted", Label: "准许日期", Type: credit.TypeDate, Required: true},
					{Name: "expires", Label: "有效期至", Type: credit.TypeDate},
					{Name: "shade", Label: "颜色", Type: credit.TypeEnum, Enum: []string{"红", "绿", "蓝"}, Required: true},
					{Name: "tags", Label: "标签", Type: credit.TypeEnum, Enum: []string{"甲", "乙", "丙"}, Multi: true},
					{Name: "count", Label: "件数", Type: credit.TypeInt, MaxLen: 3},
					{Name: "weight", Label: "重量（万元）", Type: credit.TypeDecimal, Required: true},
					{Name: "issuer_code", Label: "发证单位代码", Type: credit.TypeCode, Required: true},
					{Name: "holder_id", Label: "持有人身份证号", Type: credit.TypeCode, Personal: true},
					{Name: "note", Label: "说明", Type: credit.TypeString, MaxLen: 5, Required: true},
				}},
			{Code: "kindness", NameZH: "好事", NameEN: "Kindness", SubjectKinds: []credit.SubjectClass{credit.ClassPerson, credit.ClassOther},
				Disclosure: credit.DisclosureShared, Polarity: credit.PolarityPositive,
				Fields: []credit.Field{
					{Name: "what", Label: "事由", Type: credit.TypeString, Required: true},
					// Known by name, empty for persons by default: required here, so filled.
					{Name: "legal_rep_name", Label: "负责人", Type: credit.TypeString, Required: true},
				}},
		},
	}
	if err := cat.Check(); err != nil {
		t.Fatalf("test catalog: %v", err)
	}
	cfg := Config{Seed: 1, Legal: 500, Persons: 400, Records: 5000, Today: testToday, BadRate: -1}
	files, _ := generate(t, cfg, cat)
	checkFiles(t, cfg.withDefaults(), cat, files, false)
}

func TestTooFewRecords(t *testing.T) {
	cfg := Config{Seed: 1, Legal: 500, Persons: 100, Records: 100, Today: testToday}
	_, err := Generate(context.Background(), cfg, defaultCatalog(t), t.TempDir())
	if credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("err = %v, want %s", err, credit.EINVALID)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, smallConfig(), defaultCatalog(t), t.TempDir())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestCheckDigits(t *testing.T) {
	r := newRand(1, "test")
	for i := 0; i < 1000; i++ {
		no := makeRegNo(r, "371002", i%2 == 0)
		if _, err := credit.ValidateRegNo(no); err != nil {
			t.Fatalf("%s: %v", no, err)
		}
		id := []byte("37100219800101123")
		id[14], id[15], id[16] = byte('0'+i%10), byte('0'+i/10%10), byte('0'+i/100%10)
		full := string(append(id, residentIDCheck(id)))
		if _, _, err := credit.ValidateResidentID(full, testToday); err != nil {
			t.Fatalf("%s: %v", full, err)
		}
	}
}

func TestDays(t *testing.T) {
	for d := civilDay(1899, 12, 25); d < civilDay(2101, 1, 5); d++ {
		y, m, dd := d.civil()
		if civilDay(y, m, dd) != d {
			t.Fatalf("day %d -> %d-%d-%d -> %d", d, y, m, dd, civilDay(y, m, dd))
		}
		want := time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02")
		if got := string(appendDate(nil, d)); got != want {
			t.Fatalf("appendDate(%d) = %s, want %s", d, got, want)
		}
	}
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2024-01-31", 1, "2024-02-29"},
		{"2023-01-31", 1, "2023-02-28"},
		{"2024-03-05", 12, "2025-03-05"},
		{"2024-11-30", 3, "2025-02-28"},
		{"2024-05-15", -5, "2023-12-15"},
	}
	for _, tt := range tests {
		from, _ := time.Parse("2006-01-02", tt.from)
		if got := string(appendDate(nil, addMonths(dayOf(from), tt.n))); got != tt.want {
			t.Errorf("addMonths(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestAppendCSV(t *testing.T) {
	for in, want := range map[string]string{
		"plain":      "plain",
		"a,b":        `"a,b"`,
		`say "hi"`:   `"say ""hi"""`,
		"line\nnext": "\"line\nnext\"",
		" padded":    `" padded"`,
		"":           "",
	} {
		if got := string(appendCSV(nil, []byte(in))); got != want {
			t.Errorf("appendCSV(%q) = %s, want %s", in, got, want)
		}
	}
}

// BenchmarkGenerate generates 100,000 rows (5,000 legal subjects, 2,500 persons).
func BenchmarkGenerate(b *testing.B) {
	cat := defaultCatalog(b)
	cfg := Config{Seed: 1, Legal: 5000, Persons: 2500, Records: 100_000, Today: testToday}
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Generate(context.Background(), cfg, cat, dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cfg.Records)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
