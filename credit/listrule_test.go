package credit

import (
	"strings"
	"testing"
)

func TestCompileListRule(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"", "为空"},
		{"r.x.y +", "invalid list rule"},
		{`n.admin_penalty`, "bool"},
		{`unknown_var > 1`, "undeclared"},
		{strings.Repeat("x", MaxRuleLen+1), "过长"},
	} {
		_, err := CompileListRule(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) || ErrorCode(err) != EINVALID {
			t.Errorf("%q: %v, want %q", tc.src, err, tc.want)
		}
	}
	lr, err := CompileListRule(`"agri_quality_inspection" in r && r.agri_quality_inspection.banned_pesticide == "是" || n.admin_penalty >= 3`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(lr.Items, ",") != "agri_quality_inspection,admin_penalty" {
		t.Fatalf("items %v", lr.Items)
	}
}

func TestListRuleEval(t *testing.T) {
	c := &Catalog{Items: []CatalogItem{{Code: "agri_quality_inspection", Fields: []Field{{Name: "banned_pesticide", Type: TypeEnum}, {Name: "score", Type: TypeDecimal}}}}}
	recs := []*Record{
		{ID: 1, Item: "agri_quality_inspection", Decision: lt0, Fields: map[string]string{"banned_pesticide": "否", "score": "95.5"}},
		{ID: 2, Item: "agri_quality_inspection", Decision: lt0.AddDate(0, 1, 0), Fields: map[string]string{"banned_pesticide": "是", "score": "40"}},
		{ID: 3, Item: "admin_penalty", Decision: lt0, Fields: map[string]string{}},
	}
	f := FactsOf(c, recs)
	if f.Sources["agri_quality_inspection"] != 2 || f.Counts["agri_quality_inspection"] != 2 || f.Records["agri_quality_inspection"]["score"] != 40.0 {
		t.Fatalf("facts %+v", f)
	}
	for src, want := range map[string]bool{
		`"agri_quality_inspection" in r && r.agri_quality_inspection.banned_pesticide == "是"`: true,
		`"tax_credit_grade" in r && r.tax_credit_grade.grade == "A"`:                          false,
		`r.agri_quality_inspection.score >= 90.0`:                                             false,
		`n.admin_penalty >= 1`: true,
	} {
		lr, err := CompileListRule(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got, err := lr.Eval(f); err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", src, got, err, want)
		}
	}
	// A field the record lacks is an error, not a silent false.
	lr, _ := CompileListRule(`r.admin_penalty.fine_amount > 1.0`)
	if _, err := lr.Eval(f); err == nil {
		t.Error("missing field evaluated")
	}
}

func FuzzCompileListRule(f *testing.F) {
	f.Add(`"tax_credit_grade" in r && r.tax_credit_grade.grade == "A"`)
	f.Add(`n.admin_penalty >= 3`)
	f.Add(`[1,2,3].map(x, x * 2).size() > 0`)
	f.Fuzz(func(t *testing.T, src string) {
		lr, err := CompileListRule(src)
		if err != nil {
			return
		}
		_, _ = lr.Eval(Facts{Records: map[string]map[string]any{}, Counts: map[string]int64{}})
	})
}
