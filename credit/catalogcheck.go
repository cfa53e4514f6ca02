package credit

import (
	"fmt"
	"strconv"
	"strings"
)

// maxCatalogProblems caps how many problems Check lists in its error.
const maxCatalogProblems = 30

// Check refuses a catalog that the platform could not apply safely, with every reason it finds
// (up to 30) in one *Error with code EINVALID. It checks codes and names, field schemas, that a
// file header could not be ambiguous, the publication rule against the item's tier (DESIGN §4),
// and the safeguards for personal information: personal fields are sealed, so they cannot be
// the dates that publication is counted from, and a field whose label says it holds a resident
// ID, a telephone number or a home address must be personal.
func (c *Catalog) Check() error {
	var p problems
	if c.Version < 1 {
		p.add("", "目录版本须为正整数", "version must be a positive integer")
	}
	depts := make(map[string]bool, len(c.Departments))
	for i := range c.Departments {
		d := &c.Departments[i]
		where := "部门 department " + quote(d.Code)
		switch {
		case !isCatalogCode(d.Code, 32):
			p.add(where, "部门代码须为小写字母开头的 ASCII 小写字母、数字或下划线，最长 32 个字符",
				"department code must be lower-case ASCII letters, digits or underscores, starting with a letter, at most 32 characters")
		case depts[d.Code]:
			p.add(where, "部门代码重复", "duplicate department code")
		}
		depts[d.Code] = true
		if strings.TrimSpace(d.NameZH) == "" {
			p.add(where, "缺少中文名称", "Chinese name missing")
		}
	}
	items := make(map[string]bool, len(c.Items))
	registry := ""
	for i := range c.Items {
		it := &c.Items[i]
		where := "事项 item " + quote(it.Code)
		switch {
		case !isCatalogCode(it.Code, 64):
			p.add(where, "事项代码须为小写字母开头的 ASCII 小写字母、数字或下划线，最长 64 个字符",
				"item code must be lower-case ASCII letters, digits or underscores, starting with a letter, at most 64 characters")
		case items[it.Code]:
			p.add(where, "事项代码重复", "duplicate item code")
		}
		items[it.Code] = true
		if it.Registry {
			if registry != "" {
				p.add(where, "只能有一个登记基础信息事项（已有 "+registry+"）", "only one registry item allowed (already "+registry+")")
			}
			registry = it.Code
		}
		it.check(where, depts, &p)
	}
	return p.err()
}

// check adds the problems of one item to p.
func (it *CatalogItem) check(where string, depts map[string]bool, p *problems) {
	if strings.TrimSpace(it.NameZH) == "" {
		p.add(where, "缺少中文名称", "Chinese name missing")
	}
	if strings.TrimSpace(it.NameEN) == "" {
		p.add(where, "缺少英文名称", "English name missing")
	}

	if len(it.SubjectKinds) == 0 {
		p.add(where, "须指明覆盖的主体库（legal、person、other）", "subject classes missing (legal, person, other)")
	}
	seen := map[string]bool{}
	for _, k := range it.SubjectKinds {
		switch k {
		case ClassLegal, ClassPerson, ClassOther:
		default:
			p.add(where, "未知的主体库 "+quote(string(k)), "unknown subject class "+quote(string(k)))
		}
		if seen[string(k)] {
			p.add(where, "主体库重复 "+quote(string(k)), "duplicate subject class "+quote(string(k)))
		}
		seen[string(k)] = true
	}
	clear(seen)
	for _, d := range it.Departments {
		if !depts[d] {
			p.add(where, "未知的部门 "+quote(d), "unknown department "+quote(d))
		}
		if seen[d] {
			p.add(where, "部门重复 "+quote(d), "duplicate department "+quote(d))
		}
		seen[d] = true
	}

	switch it.Disclosure {
	case DisclosurePublic, DisclosureShared, DisclosureAuthorised:
	default:
		p.add(where, "未知的公开属性 "+quote(string(it.Disclosure)), "unknown disclosure "+quote(string(it.Disclosure)))
	}
	switch it.Polarity {
	case PolarityBasic, PolarityPositive, PolarityNegative, PolarityNeutral:
	default:
		p.add(where, "未知的信息性质 "+quote(string(it.Polarity)), "unknown polarity "+quote(string(it.Polarity)))
	}
	switch it.Tier {
	case TierNone, TierMinor, TierGeneral, TierSerious:
	default:
		p.add(where, "未知的失信等级 "+quote(string(it.Tier)), "unknown tier "+quote(string(it.Tier)))
	}
	// Every piece of dishonesty information has a tier, which sets its publication period and
	// when it can be repaired (NDRC 《信用修复管理办法》); other information has none.
	if it.Polarity == PolarityNegative && it.Tier == TierNone {
		p.add(where, "失信信息须定级（minor、general、serious）", "negative item needs a tier (minor, general, serious)")
	}
	if it.Polarity != PolarityNegative && it.Tier != TierNone {
		p.add(where, "只有失信信息可以定级", "only a negative item may have a tier")
	}

	it.checkFields(where, p)
	it.checkPublication(where, p)

	if it.Registry {
		it.checkRegistry(where, p)
	}
}

// checkFields checks the schema and that no two header spellings could mean different columns.
func (it *CatalogItem) checkFields(where string, p *problems) {
	if len(it.Fields) == 0 {
		p.add(where, "没有字段", "no fields")
	}
	// owner of every header spelling: field name, or one of the standard and reason columns
	owners := map[string]string{}
	for _, sf := range StandardFields() {
		for _, k := range append([]string{sf.Name, sf.Label, sf.LabelEN}, standardAliases[sf.Name]...) {
			owners[NormalizeHeader(k)] = "标准列 standard column " + sf.Name
		}
	}
	for _, r := range reasonColumns {
		owners[NormalizeHeader(r)] = "错误原因列 reason column"
	}
	names := map[string]bool{}
	for i := range it.Fields {
		f := &it.Fields[i]
		fw := where + " 字段 field " + quote(f.Name)
		switch {
		case !isCatalogCode(f.Name, 64):
			p.add(fw, "字段名须为小写字母开头的 ASCII 小写字母、数字或下划线", "field name must be lower-case ASCII snake_case")
		case names[f.Name]:
			p.add(fw, "字段名重复", "duplicate field name")
		}
		names[f.Name] = true
		if strings.TrimSpace(f.Label) == "" {
			p.add(fw, "缺少中文标签", "Chinese label missing")
		}
		for _, h := range []string{f.Name, f.Label, f.LabelEN} {
			k := NormalizeHeader(h)
			if k == "" {
				continue
			}
			if o, taken := owners[k]; taken && o != f.Name {
				p.add(fw, "列名 "+quote(h)+" 与 "+quote(o)+" 冲突，导入时无法区分",
					"header "+quote(h)+" collides with "+quote(o)+": a file's columns would be ambiguous")
				continue
			}
			owners[k] = f.Name
		}
		if f.MaxLen < 0 {
			p.add(fw, "最大长度不能为负", "max_len must not be negative")
		}
		switch f.Type {
		case TypeString, TypeInt, TypeDecimal, TypeDate, TypeCode:
			if len(f.Enum) > 0 || f.Multi {
				p.add(fw, "只有枚举字段可以列出可选值", "only an enum field may list values")
			}
		case TypeEnum:
			checkEnum(fw, f, p)
		default:
			p.add(fw, "未知的字段类型 "+quote(string(f.Type)), "unknown field type "+quote(string(f.Type)))
		}
		if !f.Personal {
			for _, w := range personalWords {
				if strings.Contains(f.Label, w) {
					p.add(fw, "标签含“"+w+"”，应标为个人信息（personal）", "label says "+quote(w)+": mark the field personal")
					break
				}
			}
		}
	}
}

// personalWords in a field label mark information about a natural person that must be sealed:
// resident IDs, telephone numbers, home addresses (seed 004: 个人信用信息原则上不得公开公示).
var personalWords = []string{"身份证", "手机", "联系电话", "电话号码", "家庭住址"}

func checkEnum(fw string, f *Field, p *problems) {
	if len(f.Enum) == 0 {
		p.add(fw, "枚举字段没有可选值", "enum field without values")
	}
	if f.Multi && len(f.Enum) > 64 {
		p.add(fw, "多选字段最多 64 个可选值", "a multi-value enum has at most 64 values")
	}
	seen := map[string]bool{}
	for _, v := range f.Enum {
		k := NormalizeHeader(v)
		switch {
		case v == "" || strings.TrimSpace(v) != v:
			p.add(fw, "可选值 "+quote(v)+" 为空或首尾有空白", "enum value "+quote(v)+" is empty or not trimmed")
		case seen[k]:
			p.add(fw, "可选值 "+quote(v)+" 重复", "duplicate enum value "+quote(v))
		case f.Multi && strings.ContainsFunc(v, isEnumSeparator):
			p.add(fw, "多选字段的可选值 "+quote(v)+" 不能含分隔符", "multi-value enum value "+quote(v)+" contains a separator")
		}
		seen[k] = true
	}
}

// checkPublication checks the decision and until fields and the publication rule against the
// tier's bounds (DESIGN §4).
func (it *CatalogItem) checkPublication(where string, p *problems) {
	r := it.Publication
	dateField := func(role, name string) {
		f, ok := it.Field(name)
		switch {
		case !ok:
			p.add(where, role+" "+quote(name)+" 不是本事项的字段", role+" "+quote(name)+" is not a field of the item")
		case f.Type != TypeDate:
			p.add(where, role+" "+quote(name)+" 须为日期字段", role+" "+quote(name)+" must be a date field")
		case f.Personal:
			// Record dates are kept in clear to compute publication; a sealed field cannot be one.
			p.add(where, role+" "+quote(name)+" 不能是个人信息字段", role+" "+quote(name)+" must not be personal")
		}
	}
	if it.DecisionField != "" {
		dateField("decision_field", it.DecisionField)
	}
	if r.UntilField != "" {
		dateField("until_field", r.UntilField)
		if r.UntilField == it.DecisionField {
			p.add(where, "until_field 不能与 decision_field 相同", "until_field must differ from decision_field")
		}
	}
	if r.MinMonths < 0 || r.MaxMonths < 0 {
		p.add(where, "公示期月数不能为负", "publication months must not be negative")
	}
	if it.DeadlineWorkdays < 0 {
		p.add(where, "报送时限不能为负", "deadline_workdays must not be negative")
	}
	if r.Publish && it.Disclosure != DisclosurePublic {
		p.add(where, "非社会公开的事项不能在门户公示", "only a public item may be published on the portal")
	}
	if it.Tier == TierNone {
		if r.MinMonths != 0 {
			p.add(where, "只有失信信息有最短公示期（信用修复）", "only a tiered negative item has min_months (credit repair)")
		}
	} else {
		lo, hi := tierBounds(it.Tier)
		tier := string(it.Tier)
		if r.MinMonths != 0 && (r.MinMonths < lo || r.MinMonths > hi) {
			p.add(where, "最短公示期 "+strconv.Itoa(r.MinMonths)+" 个月超出 "+tier+" 级的范围 "+strconv.Itoa(lo)+"–"+strconv.Itoa(hi),
				"min_months "+strconv.Itoa(r.MinMonths)+" is outside the "+tier+" range "+strconv.Itoa(lo)+"–"+strconv.Itoa(hi))
		}
		if r.MaxMonths != 0 && (r.MaxMonths < max(lo, 1) || r.MaxMonths > hi) {
			p.add(where, "最长公示期 "+strconv.Itoa(r.MaxMonths)+" 个月超出 "+tier+" 级的范围 "+strconv.Itoa(max(lo, 1))+"–"+strconv.Itoa(hi),
				"max_months "+strconv.Itoa(r.MaxMonths)+" is outside the "+tier+" range "+strconv.Itoa(max(lo, 1))+"–"+strconv.Itoa(hi))
		}
	}
	if e := it.EffectiveRule(); e.MaxMonths != 0 && e.MinMonths > e.MaxMonths {
		p.add(where, "最短公示期长于最长公示期", "min_months is longer than max_months")
	}
	// Periods are counted from the decision document (DESIGN §4), and so are reporting deadlines.
	if it.DecisionField == "" {
		if it.Tier != TierNone || r.MaxMonths != 0 {
			p.add(where, "有公示期的事项须指明决定日期字段 decision_field", "an item with a publication period needs a decision_field")
		}
		if it.DeadlineWorkdays != 0 {
			p.add(where, "有报送时限的事项须指明决定日期字段 decision_field", "an item with a reporting deadline needs a decision_field")
		}
	}
}

// checkRegistry checks the standard fields of the registry item, whose values are copied onto
// the subject.
func (it *CatalogItem) checkRegistry(where string, p *problems) {
	if it.Covers(ClassPerson) {
		p.add(where, "登记基础信息事项只适用于法人和其他组织", "the registry item cannot cover natural persons")
	}
	want := []struct {
		name     string
		typ      FieldType
		personal bool
		required bool
	}{
		{RegStatus, TypeEnum, false, true},
		{RegLegalRepName, TypeString, false, false},
		{RegLegalRepID, TypeCode, true, false},
		{RegFormerNames, TypeString, false, false},
		{RegNo, TypeString, false, false},
		{RegOrgCode, TypeString, false, false},
	}
	for _, w := range want {
		f, ok := it.Field(w.name)
		if !ok {
			if w.required {
				p.add(where, "登记基础信息事项缺少字段 "+quote(w.name), "registry item lacks field "+quote(w.name))
			}
			continue
		}
		if f.Type != w.typ || f.Personal != w.personal {
			kind := "非个人信息"
			if w.personal {
				kind = "个人信息"
			}
			p.add(where, "登记字段 "+quote(w.name)+" 须为 "+string(w.typ)+" 类型的"+kind,
				"registry field "+quote(w.name)+" must be of type "+string(w.typ)+" with personal="+strconv.FormatBool(w.personal))
		}
	}
}

// Item returns the catalog item with the given code.
func (c *Catalog) Item(code string) (*CatalogItem, bool) {
	for i := range c.Items {
		if c.Items[i].Code == code {
			return &c.Items[i], true
		}
	}
	return nil, false
}

// Department returns the department with the given code.
func (c *Catalog) Department(code string) (*Department, bool) {
	for i := range c.Departments {
		if c.Departments[i].Code == code {
			return &c.Departments[i], true
		}
	}
	return nil, false
}

// Field returns the item's field with the given name.
func (it *CatalogItem) Field(name string) (*Field, bool) {
	for i := range it.Fields {
		if it.Fields[i].Name == name {
			return &it.Fields[i], true
		}
	}
	return nil, false
}

// Covers reports whether the item's records may be about subjects of the given library.
func (it *CatalogItem) Covers(class SubjectClass) bool {
	for _, k := range it.SubjectKinds {
		if k == class {
			return true
		}
	}
	return false
}

// AcceptsDepartment reports whether the department may report the item (an item that names no
// departments accepts any).
func (it *CatalogItem) AcceptsDepartment(code string) bool {
	if len(it.Departments) == 0 {
		return true
	}
	for _, d := range it.Departments {
		if d == code {
			return true
		}
	}
	return false
}

// isCatalogCode reports whether s is ASCII snake_case starting with a letter, at most max bytes.
func isCatalogCode(s string, max int) bool {
	if s == "" || len(s) > max || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func quote(s string) string { return "“" + s + "”" }

// problems collects catalog problems, Chinese first, then English.
type problems struct {
	list []string
	more int
}

func (p *problems) add(where, zh, en string) {
	if len(p.list) >= maxCatalogProblems {
		p.more++
		return
	}
	if where != "" {
		where += "："
	}
	p.list = append(p.list, where+zh+" / "+en)
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	msg := "目录无效 / invalid catalog:\n- " + strings.Join(p.list, "\n- ")
	if p.more > 0 {
		msg += "\n- …另有 " + strconv.Itoa(p.more) + " 个问题 / " + strconv.Itoa(p.more) + " more problems"
	}
	return &Error{Code: EINVALID, Message: msg}
}

// CheckSubmission checks that a department may submit records of an item under this catalog and
// returns the item. Errors name the field (dept or item) and the rule.
func (c *Catalog) CheckSubmission(dept, item string) (*CatalogItem, error) {
	if dept == "" {
		return nil, &Error{Code: EINVALID, Field: "dept", Rule: RuleRequired, Message: "请指定报送部门 / the department (dept) is required"}
	}
	if item == "" {
		return nil, &Error{Code: EINVALID, Field: "item", Rule: RuleRequired, Message: "请指定信息项 / the catalog item (item) is required"}
	}
	if _, ok := c.Department(dept); !ok {
		return nil, &Error{Code: EINVALID, Field: "dept", Rule: RuleDepartment, Message: fmt.Sprintf("未知部门 %q / unknown department", dept)}
	}
	it, ok := c.Item(item)
	if !ok {
		return nil, &Error{Code: EINVALID, Field: "item", Rule: RuleItem, Message: fmt.Sprintf("目录中没有信息项 %q / unknown catalog item", item)}
	}
	if !it.AcceptsDepartment(dept) {
		return nil, &Error{Code: EINVALID, Field: "dept", Rule: RuleDepartment,
			Message: fmt.Sprintf("部门 %q 不是信息项 %q 的报送部门（应为 %s）/ the department does not report this item",
				dept, item, strings.Join(it.Departments, "、"))}
	}
	return it, nil
}
