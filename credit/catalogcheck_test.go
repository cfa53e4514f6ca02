package credit_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
)

// smallCatalog returns a minimal valid catalog for Check tests to break one thing at a time.
func smallCatalog() *credit.Catalog {
	return &credit.Catalog{
		Version:     1,
		Departments: []credit.Department{{Code: "scjg", NameZH: "市场监督管理局"}, {Code: "fy", NameZH: "中级人民法院"}},
		Items: []credit.CatalogItem{
			{
				Code: "enterprise_registration", NameZH: "企业登记基本信息", NameEN: "Enterprise registration",
				SubjectKinds: []credit.SubjectClass{credit.ClassLegal}, Departments: []string{"scjg"},
				Fields: []credit.Field{
					{Name: "reg_status", Label: "登记状态", Type: credit.TypeEnum, Required: true, Enum: []string{"存续", "注销"}},
					{Name: "legal_rep_name", Label: "法定代表人", Type: credit.TypeString},
					{Name: "legal_rep_id", Label: "法定代表人证件号码", Type: credit.TypeCode, Personal: true},
					{Name: "established", Label: "成立日期", Type: credit.TypeDate},
				},
				Disclosure: credit.DisclosurePublic, Polarity: credit.PolarityBasic,
				Publication: credit.PublicationRule{Publish: true}, DecisionField: "established", Registry: true,
			},
			{
				Code: "penalty", NameZH: "行政处罚", NameEN: "Penalty",
				SubjectKinds: []credit.SubjectClass{credit.ClassLegal, credit.ClassPerson}, Departments: []string{"scjg"},
				Fields: []credit.Field{
					{Name: "decision_date", Label: "处罚决定日期", Type: credit.TypeDate, Required: true},
					{Name: "publish_until", Label: "公示截止期", Type: credit.TypeDate},
					{Name: "category", Label: "处罚类别", Type: credit.TypeEnum, Enum: []string{"警告", "罚款"}, Multi: true},
					{Name: "fine", Label: "罚款金额（万元）", LabelEN: "Fine", Type: credit.TypeDecimal},
				},
				Disclosure: credit.DisclosurePublic, Polarity: credit.PolarityNegative, Tier: credit.TierGeneral,
				Publication:   credit.PublicationRule{Publish: true, UntilField: "publish_until"},
				DecisionField: "decision_date", DeadlineWorkdays: 7,
			},
		},
	}
}

func TestCheckAcceptsDefaultAndSmall(t *testing.T) {
	if err := smallCatalog().Check(); err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckRefuses(t *testing.T) {
	reg := func(c *credit.Catalog) *credit.CatalogItem { return &c.Items[0] }
	pen := func(c *credit.Catalog) *credit.CatalogItem { return &c.Items[1] }
	tests := []struct {
		name   string
		break_ func(c *credit.Catalog)
		want   string
	}{
		{"version", func(c *credit.Catalog) { c.Version = 0 }, "目录版本"},
		{"duplicate department", func(c *credit.Catalog) { c.Departments[1].Code = "scjg" }, "部门代码重复"},
		{"bad department code", func(c *credit.Catalog) { c.Departments[1].Code = "FY" }, "部门代码须为"},
		{"department without name", func(c *credit.Catalog) { c.Departments[1].NameZH = " " }, "缺少中文名称"},
		{"duplicate item", func(c *credit.Catalog) { pen(c).Code = "enterprise_registration"; pen(c).Registry = false }, "事项代码重复"},
		{"bad item code", func(c *credit.Catalog) { pen(c).Code = "admin-penalty" }, "事项代码须为"},
		{"item without English name", func(c *credit.Catalog) { pen(c).NameEN = "" }, "缺少英文名称"},
		{"unknown department", func(c *credit.Catalog) { pen(c).Departments = []string{"nope"} }, "未知的部门"},
		{"duplicate department in item", func(c *credit.Catalog) { pen(c).Departments = []string{"scjg", "scjg"} }, "部门重复"},
		{"no subject classes", func(c *credit.Catalog) { pen(c).SubjectKinds = nil }, "主体库"},
		{"unknown subject class", func(c *credit.Catalog) { pen(c).SubjectKinds = []credit.SubjectClass{"robot"} }, "未知的主体库"},
		{"unknown disclosure", func(c *credit.Catalog) { pen(c).Disclosure = "secret" }, "未知的公开属性"},
		{"unknown polarity", func(c *credit.Catalog) { pen(c).Polarity = "bad" }, "未知的信息性质"},
		{"unknown tier", func(c *credit.Catalog) { pen(c).Tier = "huge" }, "未知的失信等级"},
		{"negative without tier", func(c *credit.Catalog) { pen(c).Tier = credit.TierNone }, "失信信息须定级"},
		{"tier on positive", func(c *credit.Catalog) { pen(c).Polarity = credit.PolarityPositive }, "只有失信信息可以定级"},
		{"no fields", func(c *credit.Catalog) {
			pen(c).Fields = nil
			pen(c).DecisionField, pen(c).Publication.UntilField = "", ""
		}, "没有字段"},
		{"duplicate field", func(c *credit.Catalog) { pen(c).Fields[3].Name = "category" }, "字段名重复"},
		{"bad field name", func(c *credit.Catalog) { pen(c).Fields[3].Name = "Fine" }, "字段名须为"},
		{"field named like a standard column", func(c *credit.Catalog) { pen(c).Fields[3].Name = "subject_code" }, "冲突"},
		{"label like a standard column", func(c *credit.Catalog) { pen(c).Fields[3].Label = "统一社会信用代码" }, "冲突"},
		{"label like the reason column", func(c *credit.Catalog) { pen(c).Fields[3].Label = "错误原因" }, "冲突"},
		{"label like another field", func(c *credit.Catalog) { pen(c).Fields[3].LabelEN = "Category" }, "冲突"},
		{"missing label", func(c *credit.Catalog) { pen(c).Fields[3].Label = "" }, "缺少中文标签"},
		{"unknown type", func(c *credit.Catalog) { pen(c).Fields[3].Type = "money" }, "未知的字段类型"},
		{"enum without values", func(c *credit.Catalog) { pen(c).Fields[2].Enum = nil }, "没有可选值"},
		{"duplicate enum value", func(c *credit.Catalog) { pen(c).Fields[2].Enum = []string{"罚款", "罚款"} }, "重复"},
		{"untrimmed enum value", func(c *credit.Catalog) { pen(c).Fields[2].Enum = []string{"罚款 "} }, "首尾有空白"},
		{"separator in multi enum", func(c *credit.Catalog) { pen(c).Fields[2].Enum = []string{"罚款;警告"} }, "分隔符"},
		{"multi enum too long", func(c *credit.Catalog) {
			pen(c).Fields[2].Enum = nil
			for i := 0; i < 65; i++ {
				pen(c).Fields[2].Enum = append(pen(c).Fields[2].Enum, "v"+strconv.Itoa(i))
			}
		}, "最多 64"},
		{"values on a non-enum", func(c *credit.Catalog) { pen(c).Fields[3].Enum = []string{"1"} }, "只有枚举字段"},
		{"negative max_len", func(c *credit.Catalog) { pen(c).Fields[3].MaxLen = -1 }, "最大长度"},
		{"decision field unknown", func(c *credit.Catalog) { pen(c).DecisionField = "nope" }, "不是本事项的字段"},
		{"decision field not a date", func(c *credit.Catalog) { pen(c).DecisionField = "fine" }, "须为日期字段"},
		{"until field not a date", func(c *credit.Catalog) { pen(c).Publication.UntilField = "category" }, "须为日期字段"},
		{"until field is decision field", func(c *credit.Catalog) { pen(c).Publication.UntilField = "decision_date" }, "不能与"},
		{"personal decision field", func(c *credit.Catalog) { pen(c).Fields[0].Personal = true }, "不能是个人信息"},
		{"tier without decision field", func(c *credit.Catalog) {
			pen(c).DecisionField = ""
			pen(c).DeadlineWorkdays = 0
		}, "decision_field"},
		{"deadline without decision field", func(c *credit.Catalog) {
			reg(c).DecisionField = ""
			reg(c).DeadlineWorkdays = 7
		}, "报送时限"},
		{"negative deadline", func(c *credit.Catalog) { pen(c).DeadlineWorkdays = -1 }, "报送时限不能为负"},
		{"published but shared", func(c *credit.Catalog) { pen(c).Disclosure = credit.DisclosureShared }, "不能在门户公示"},
		{"general max over a year", func(c *credit.Catalog) { pen(c).Publication.MaxMonths = 24 }, "超出 general"},
		{"general min under 3", func(c *credit.Catalog) { pen(c).Publication.MinMonths = 1 }, "超出 general"},
		{"serious max over 3 years", func(c *credit.Catalog) {
			pen(c).Tier = credit.TierSerious
			pen(c).Publication.MaxMonths = 48
		}, "超出 serious"},
		{"minor over 3 months", func(c *credit.Catalog) {
			pen(c).Tier = credit.TierMinor
			pen(c).Publication.MaxMonths = 6
		}, "超出 minor"},
		{"min after max", func(c *credit.Catalog) {
			pen(c).Publication.MinMonths = 9
			pen(c).Publication.MaxMonths = 6
		}, "最短公示期长于最长公示期"},
		{"negative months", func(c *credit.Catalog) { reg(c).Publication.MaxMonths = -1 }, "不能为负"},
		{"repair period without tier", func(c *credit.Catalog) { reg(c).Publication.MinMonths = 3 }, "只有失信信息有最短公示期"},
		{"ID not personal", func(c *credit.Catalog) {
			pen(c).Fields = append(pen(c).Fields, credit.Field{Name: "rep_id", Label: "法定代表人身份证号码", Type: credit.TypeString})
		}, "应标为个人信息"},
		{"phone not personal", func(c *credit.Catalog) {
			pen(c).Fields = append(pen(c).Fields, credit.Field{Name: "phone", Label: "联系电话", Type: credit.TypeString})
		}, "应标为个人信息"},
		{"two registry items", func(c *credit.Catalog) {
			pen(c).Registry = true
			pen(c).Fields = append(pen(c).Fields, credit.Field{Name: "reg_status", Label: "登记状态", Type: credit.TypeEnum, Enum: []string{"存续"}})
		}, "只能有一个登记基础信息事项"},
		{"registry covering persons", func(c *credit.Catalog) {
			reg(c).SubjectKinds = append(reg(c).SubjectKinds, credit.ClassPerson)
		}, "只适用于法人"},
		{"registry without reg_status", func(c *credit.Catalog) { reg(c).Fields = reg(c).Fields[1:] }, "缺少字段"},
		{"registry legal_rep_id not personal", func(c *credit.Catalog) { reg(c).Fields[2].Personal = false }, "legal_rep_id"},
		{"registry legal_rep_name personal", func(c *credit.Catalog) { reg(c).Fields[1].Personal = true }, "legal_rep_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := smallCatalog()
			tt.break_(c)
			err := c.Check()
			if err == nil {
				t.Fatal("accepted")
			}
			if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want EINVALID containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), " / ") {
				t.Errorf("message not bilingual: %q", err)
			}
		})
	}
}

func TestCheckListsEveryProblemUpToALimit(t *testing.T) {
	c := smallCatalog()
	c.Version = 0
	c.Items[1].Fields[3].Type = "money"
	err := c.Check()
	if err == nil || !strings.Contains(err.Error(), "目录版本") || !strings.Contains(err.Error(), "money") {
		t.Fatalf("got %v", err)
	}
	c = smallCatalog()
	for i := 0; i < 50; i++ {
		c.Items = append(c.Items, c.Items[1]) // each a duplicate item code
	}
	err = c.Check()
	if err == nil || !strings.Contains(err.Error(), "more problems") {
		t.Fatalf("got %v", err)
	}
}

func TestLookups(t *testing.T) {
	c := smallCatalog()
	it, ok := c.Item("penalty")
	if !ok || it != &c.Items[1] {
		t.Fatal("Item(penalty)")
	}
	if _, ok := c.Item("nope"); ok {
		t.Error("Item(nope) found")
	}
	d, ok := c.Department("fy")
	if !ok || d.NameZH != "中级人民法院" {
		t.Error("Department(fy)")
	}
	if _, ok := c.Department("nope"); ok {
		t.Error("Department(nope) found")
	}
	if f, ok := it.Field("fine"); !ok || f.Type != credit.TypeDecimal {
		t.Error("Field(fine)")
	}
	if _, ok := it.Field("nope"); ok {
		t.Error("Field(nope) found")
	}
	if !it.Covers(credit.ClassPerson) || it.Covers(credit.ClassOther) {
		t.Error("Covers")
	}
	if !it.AcceptsDepartment("scjg") || it.AcceptsDepartment("fy") {
		t.Error("AcceptsDepartment")
	}
	it.Departments = nil
	if !it.AcceptsDepartment("fy") {
		t.Error("an item naming no departments accepts any")
	}
}
