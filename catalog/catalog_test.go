package catalog_test

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
)

var update = flag.Bool("update", false, "rewrite default.json in the canonical form Write produces")

// The embedded file is in exactly the form Write produces, so an export of the default
// catalog diffs cleanly against it. -update rewrites it after a hand edit.
func TestDefaultIsCanonical(t *testing.T) {
	raw, err := os.ReadFile("default.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := catalog.Write(&out, c); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("default.json", out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(raw, out.Bytes()) {
		t.Fatal("default.json is not in canonical form; run go test ./catalog -run TestDefaultIsCanonical -update")
	}
}

func TestDefault(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 1 {
		t.Errorf("version %d, want 1", c.Version)
	}
	if len(c.Departments) < 15 {
		t.Errorf("%d departments, want at least 15", len(c.Departments))
	}
	for _, code := range []string{"fgw", "scjg", "sw", "fy", "sthj", "rs", "mz", "wmb", "wjw", "zjj", "jt", "ny", "gaj", "yjj", "cz"} {
		if _, ok := c.Department(code); !ok {
			t.Errorf("department %q missing", code)
		}
	}
	want := []string{"enterprise_registration", "admin_license", "admin_penalty", "court_defaulter",
		"tax_credit_grade", "abnormal_operation", "honour", "volunteer_service", "blood_donation",
		"charitable_donation", "credit_commitment"}
	for _, code := range want {
		if _, ok := c.Item(code); !ok {
			t.Errorf("item %q missing", code)
		}
	}
	if n := len(c.Items) - len(want); n < 3 || n > 6 {
		t.Errorf("%d further items, want 3–6", n)
	}
	// Every item is complete: names, departments, classes, labels in both languages, a
	// decision field; every string field has an explicit maximum length.
	for i := range c.Items {
		it := &c.Items[i]
		if it.NameZH == "" || it.NameEN == "" || len(it.Departments) == 0 || len(it.SubjectKinds) == 0 || it.DecisionField == "" {
			t.Errorf("%s: incomplete item", it.Code)
		}
		for _, f := range it.Fields {
			if f.Label == "" || f.LabelEN == "" {
				t.Errorf("%s.%s: label missing", it.Code, f.Name)
			}
			if f.Type == credit.TypeString && f.MaxLen == 0 {
				t.Errorf("%s.%s: string without max_len", it.Code, f.Name)
			}
		}
	}
}

// The rules the brief and the seeds fix for particular items.
func TestDefaultItemRules(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	item := func(code string) *credit.CatalogItem {
		it, ok := c.Item(code)
		if !ok {
			t.Fatalf("item %q missing", code)
		}
		return it
	}
	field := func(it *credit.CatalogItem, name string) *credit.Field {
		f, ok := it.Field(name)
		if !ok {
			t.Fatalf("%s: field %q missing", it.Code, name)
		}
		return f
	}

	reg := item("enterprise_registration")
	if !reg.Registry || reg.Polarity != credit.PolarityBasic || reg.Disclosure != credit.DisclosurePublic ||
		reg.DecisionField != "established" || reg.EffectiveRule().MaxMonths != 0 {
		t.Errorf("enterprise_registration: %+v", reg)
	}
	if f := field(reg, credit.RegLegalRepName); f.Personal {
		t.Error("legal_rep_name of an enterprise is publicly registered, not personal")
	}
	if f := field(reg, credit.RegLegalRepID); !f.Personal || f.Type != credit.TypeCode {
		t.Error("legal_rep_id must be a personal code")
	}
	if f := field(reg, credit.RegStatus); strings.Join(f.Enum, "/") != "存续/在业/注销/吊销/迁出" {
		t.Errorf("reg_status enum %v", f.Enum)
	}

	lic := item("admin_license")
	if lic.DeadlineWorkdays != 7 || lic.Publication.UntilField != "valid_to" || !lic.EffectiveRule().Publish {
		t.Errorf("admin_license: %+v", lic)
	}
	if f := field(lic, "license_category"); strings.Join(f.Enum, "/") != "普通/特许/认可/核准/登记/其他" {
		t.Errorf("license_category enum %v", f.Enum)
	}
	field(lic, "authority_code")

	pen := item("admin_penalty")
	if pen.Polarity != credit.PolarityNegative || pen.Tier != credit.TierGeneral || pen.DeadlineWorkdays != 7 {
		t.Errorf("admin_penalty: %+v", pen)
	}
	if f := field(pen, "penalty_category"); len(f.Enum) != 14 || !f.Multi {
		t.Errorf("penalty_category: %+v", f)
	}
	if f := field(pen, "fine_amount"); f.Type != credit.TypeDecimal {
		t.Errorf("fine_amount type %s", f.Type)
	}

	cd := item("court_defaulter")
	if cd.Tier != credit.TierSerious || cd.Disclosure != credit.DisclosurePublic || !cd.Covers(credit.ClassPerson) || !cd.Covers(credit.ClassLegal) {
		t.Errorf("court_defaulter: %+v", cd)
	}
	if f := field(cd, "performance"); strings.Join(f.Enum, "/") != "全部未履行/部分未履行" {
		t.Errorf("performance enum %v", f.Enum)
	}
	if f := field(item("tax_credit_grade"), "grade"); strings.Join(f.Enum, "") != "ABMCD" {
		t.Errorf("grade enum %v", f.Enum)
	}
	if item("abnormal_operation").Tier != credit.TierGeneral {
		t.Error("abnormal_operation tier")
	}

	// Personal records are never public (seed 004).
	for _, code := range []string{"volunteer_service", "blood_donation"} {
		it := item(code)
		if it.Disclosure != credit.DisclosureAuthorised || it.EffectiveRule().Publish || it.Polarity != credit.PolarityPositive {
			t.Errorf("%s: %+v", code, it)
		}
	}
	if f := field(item("blood_donation"), "volume_ml"); f.Type != credit.TypeInt {
		t.Error("volume_ml must be int")
	}
	if it := item("blood_donation"); it.Departments[0] != "wjw" {
		t.Errorf("blood_donation reported by %v", it.Departments)
	}
	if it := item("charitable_donation"); !it.Covers(credit.ClassPerson) || !it.Covers(credit.ClassLegal) || it.Disclosure == credit.DisclosurePublic {
		t.Errorf("charitable_donation: %+v", it)
	}
	if f := field(item("credit_commitment"), "commitment_type"); strings.Join(f.Enum, "/") != "审批替代型/主动型/行业自律型/信用修复型" {
		t.Errorf("commitment_type enum %v", f.Enum)
	}
	if f := field(item("agri_quality_inspection"), "banned_pesticide"); f.Type != credit.TypeEnum {
		t.Error("banned_pesticide flag missing")
	}

	// No public item that covers persons may carry unsealed personal data: any field holding an
	// ID is personal, and every public person item is one the law makes public.
	lawful := map[string]bool{"admin_license": true, "admin_penalty": true, "court_defaulter": true,
		"honour": true, "wage_arrears_list": true}
	for i := range c.Items {
		it := &c.Items[i]
		if it.Disclosure == credit.DisclosurePublic && it.Covers(credit.ClassPerson) && !lawful[it.Code] {
			t.Errorf("%s: public item about persons without a legal basis noted in package doc", it.Code)
		}
		for _, f := range it.Fields {
			if strings.Contains(f.Label, "证件号码") && !f.Personal {
				t.Errorf("%s.%s: ID field not personal", it.Code, f.Name)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	good, err := os.ReadFile("default.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in, code, want string
	}{
		{"empty", "", credit.EINVALID, "为空"},
		{"syntax", "{", credit.EINVALID, "不完整"},
		{"not json", "x", credit.EINVALID, "不是有效的 JSON"},
		{"wrong type", `{"version":"1"}`, credit.EINVALID, "version"},
		{"unknown key", `{"version":1,"itemz":[]}`, credit.EINVALID, "itemz"},
		{"trailing", string(good) + "{}", credit.EINVALID, "之后还有内容"},
		{"check", strings.Replace(string(good), `"version": 1`, `"version": 0`, 1), credit.EINVALID, "目录版本"},
		{"bad item", strings.Replace(string(good), `"type": "decimal"`, `"type": "money"`, 1), credit.EINVALID, "money"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := catalog.Parse(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if credit.ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %s %q, want %s containing %q", credit.ErrorCode(err), err, tt.code, tt.want)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	big := strings.NewReader(`{"note":"` + strings.Repeat("x", catalog.MaxSize) + `"}`)
	_, err := catalog.Parse(big)
	if credit.ErrorCode(err) != credit.ETOOLARGE {
		t.Fatalf("got %v, want too_large", err)
	}
}

// Write and Parse round-trip: an exported catalog imports as the same catalog.
func TestWriteParseRoundTrip(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	c.Items[0].NameEN = "Renamed <&> item"
	var a bytes.Buffer
	if err := catalog.Write(&a, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.String(), "Renamed <&> item") {
		t.Error("Write escaped HTML characters")
	}
	c2, err := catalog.Parse(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := catalog.Write(&b, c2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("round trip changed the catalog")
	}
	// Default returns a fresh copy each time.
	d, _ := catalog.Default()
	if d.Items[0].NameEN == "Renamed <&> item" {
		t.Error("Default shares state between calls")
	}
}
