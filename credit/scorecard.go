package credit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scorecard is one version of a credit scoring model (评分模型 / 评分卡), kept as data: its
// dimensions (维度), indicators (指标: a catalog item and a condition over the record's fields →
// points, with caps per period and decay over time), a base score, the scale and the grade
// bands (信用等级). Weihai's personal score 海贝分 (seeds 000, 001: five dimensions, a
// thousand-point scale, six grades), the public credit evaluation of enterprises (A–D, seed 004)
// and the agricultural star rating (seed 000) are each one Scorecard.
type Scorecard struct {
	Code    string `json:"code"` // stable model code: "personal", "enterprise", "agriculture"
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en,omitempty"`
	Version int    `json:"version"`
	// EffectiveFrom is the first day the version applies (YYYY-MM-DD).
	EffectiveFrom string `json:"effective_from,omitempty"`
	Note          string `json:"note,omitempty"`
	// Classes are the subject libraries the model scores; AnyItem, when set, narrows it to
	// subjects with at least one active record of one of these items (an industry model scores
	// only the firms of its industry).
	Classes []SubjectClass `json:"subject_classes"`
	AnyItem []string       `json:"any_item,omitempty"`
	// Public marks a model whose grades the portal shows on an organisation's page (a public
	// credit evaluation). Persons' scores are never public, whatever this says.
	Public     bool        `json:"public,omitempty"`
	Base       int         `json:"base"`
	Min        int         `json:"min"`
	Max        int         `json:"max"`
	Dimensions []Dimension `json:"dimensions"`
	Indicators []Indicator `json:"indicators"`
	// Grades cover [Min, Max] without gap or overlap, listed best first.
	Grades []GradeBand `json:"grades"`
}

// Dimension is one dimension of a scorecard (评价维度), e.g. 守法履约. Min and Max bound the
// dimension's sum when either is non-zero.
type Dimension struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en,omitempty"`
	Min    int    `json:"min,omitempty"`
	Max    int    `json:"max,omitempty"`
}

// Indicator is one scoring indicator (评价指标). A record indicator names a catalog item and the
// conditions its records must meet; each matching record scores Points (times the units of
// UnitField, when set), decays linearly to zero over DecayMonths after its date, and the sum per
// period (calendar year, or the whole history) is held to Cap. A derived indicator (Item empty)
// scores Points once when the sum of the indicators and dimensions it refers to (Of) meets its
// comparison, e.g. "no negative record in 守法履约 → +30".
type Indicator struct {
	Code      string      `json:"code"`
	NameZH    string      `json:"name_zh"`
	NameEN    string      `json:"name_en,omitempty"`
	Dimension string      `json:"dimension"`
	Item      string      `json:"item,omitempty"`
	When      []Condition `json:"when,omitempty"`
	Points    int         `json:"points"`
	// UnitField and Unit count occurrences by a number field: Points per whole Unit of it
	// (e.g. 2 points per 10 volunteer hours).
	UnitField string  `json:"unit_field,omitempty"`
	Unit      float64 `json:"unit,omitempty"`
	// DateField names the date field a record is dated by; empty: the record's decision date.
	DateField   string `json:"date_field,omitempty"`
	DecayMonths int    `json:"decay_months,omitempty"` // 0: no decay
	Cap         int    `json:"cap,omitempty"`          // bound on |sum| per Period; 0: none
	Period      string `json:"period,omitempty"`       // "year" or "" (the whole history)
	// GradeCap, when set, is the best grade a subject with a matching record can have (e.g. a
	// court defaulter is at most D; a banned pesticide puts a farm on the black list).
	GradeCap string `json:"grade_cap,omitempty"`
	// Derived indicators only.
	Of    []string `json:"of,omitempty"`
	Op    string   `json:"op,omitempty"` // eq, ne, lt, le, gt, ge
	Value int      `json:"value,omitempty"`
}

// Condition is one test on a record's field: Field Op Value (or Values for in / not_in).
// Ops: eq, ne, in, not_in, lt, le, gt, ge (numbers; dates compare as YYYY-MM-DD), empty, present.
type Condition struct {
	Field  string   `json:"field"`
	Op     string   `json:"op"`
	Value  string   `json:"value,omitempty"`
	Values []string `json:"values,omitempty"`
}

// GradeBand is one grade (信用等级) and the inclusive score range that earns it.
type GradeBand struct {
	Grade  string `json:"grade"`
	NameZH string `json:"name_zh,omitempty"`
	Min    int    `json:"min"`
	Max    int    `json:"max"`
}

// Periods of an indicator's cap.
const (
	PeriodAll  = ""
	PeriodYear = "year"
)

// Check refuses a scorecard that could not be applied safely, with every reason it finds: an
// unknown item or field, a condition that does not fit the field's type, a derived indicator
// that refers to something unknown or to itself through others (a cycle), grade bands with a
// gap or an overlap, a base outside the scale. cat is the catalog in force.
func (c *Scorecard) Check(cat *Catalog) error {
	p := problems{}
	if !isCatalogCode(c.Code, 32) {
		p.add("", "模型代码须为小写字母开头的 ASCII 小写字母、数字或下划线", "model code must be lower-case ASCII letters, digits or underscores")
	}
	if strings.TrimSpace(c.NameZH) == "" {
		p.add("", "缺少中文名称", "Chinese name missing")
	}
	if c.Version < 0 {
		p.add("", "版本不能为负", "version cannot be negative")
	}
	if c.EffectiveFrom != "" {
		if _, err := time.Parse(time.DateOnly, c.EffectiveFrom); err != nil {
			p.add("effective_from", "生效日期须为 YYYY-MM-DD", "effective_from must be YYYY-MM-DD")
		}
	}
	if len(c.Classes) == 0 {
		p.add("subject_classes", "须指定适用的主体类别", "subject classes are required")
	}
	for _, cl := range c.Classes {
		if cl != ClassLegal && cl != ClassPerson && cl != ClassOther {
			p.add("subject_classes", "未知主体类别 "+quote(string(cl)), "unknown subject class")
		}
	}
	if c.Public && slices.Contains(c.Classes, ClassPerson) {
		p.add("public", "自然人评分不得公开", "a model that scores persons cannot be public")
	}
	for _, code := range c.AnyItem {
		if _, ok := cat.Item(code); !ok {
			p.add("any_item", "目录中没有信息项 "+quote(code), "unknown catalog item")
		}
	}
	if c.Min >= c.Max {
		p.add("", "分值区间无效：最低分须小于最高分", "scale: min must be below max")
	}
	if c.Base < c.Min || c.Base > c.Max {
		p.add("base", "基础分须在分值区间内", "base must lie within the scale")
	}
	dims := map[string]bool{}
	for _, d := range c.Dimensions {
		where := "维度 dimension " + quote(d.Code)
		if !isCatalogCode(d.Code, 64) {
			p.add(where, "维度代码无效", "invalid dimension code")
		}
		if dims[d.Code] {
			p.add(where, "维度代码重复", "duplicate dimension code")
		}
		dims[d.Code] = true
		if strings.TrimSpace(d.NameZH) == "" {
			p.add(where, "缺少中文名称", "Chinese name missing")
		}
		if (d.Min != 0 || d.Max != 0) && d.Min > d.Max {
			p.add(where, "维度下限大于上限", "dimension min above max")
		}
	}
	if len(c.Dimensions) == 0 {
		p.add("", "至少需要一个维度", "at least one dimension is required")
	}
	inds := map[string]*Indicator{}
	for i := range c.Indicators {
		in := &c.Indicators[i]
		if dims[in.Code] {
			p.add("指标 indicator "+quote(in.Code), "指标代码与维度代码重复", "indicator code equals a dimension code")
		}
		if inds[in.Code] != nil {
			p.add("指标 indicator "+quote(in.Code), "指标代码重复", "duplicate indicator code")
		}
		inds[in.Code] = in
	}
	grades := c.checkGrades(&p)
	for i := range c.Indicators {
		c.Indicators[i].check(cat, dims, inds, grades, &p)
	}
	c.checkCycles(inds, &p)
	if len(p.list) == 0 {
		return nil
	}
	msg := "评分模型无效 / invalid scorecard:\n- " + strings.Join(p.list, "\n- ")
	if p.more > 0 {
		msg += "\n- …另有 " + strconv.Itoa(p.more) + " 个问题 / " + strconv.Itoa(p.more) + " more problems"
	}
	return &Error{Code: EINVALID, Message: msg}
}

func (c *Scorecard) checkGrades(p *problems) map[string]bool {
	grades := map[string]bool{}
	if len(c.Grades) == 0 {
		p.add("grades", "至少需要一个等级", "at least one grade is required")
		return grades
	}
	bands := slices.Clone(c.Grades)
	for _, g := range bands {
		where := "等级 grade " + quote(g.Grade)
		if strings.TrimSpace(g.Grade) == "" || len(g.Grade) > 32 {
			p.add(where, "等级名称须为 1–32 个字节", "grade name must be 1–32 bytes")
		}
		if grades[g.Grade] {
			p.add(where, "等级重复", "duplicate grade")
		}
		grades[g.Grade] = true
		if g.Min > g.Max {
			p.add(where, "等级下限大于上限", "grade min above max")
		}
	}
	// Best first as listed: each band's range lies above the next one's.
	for i := 1; i < len(bands); i++ {
		if bands[i].Min >= bands[i-1].Min {
			p.add("grades", "等级须按分数从高到低排列", "grades must be listed best (highest) first")
			return grades
		}
	}
	slices.Reverse(bands)
	if bands[0].Min != c.Min {
		p.add("grades", fmt.Sprintf("等级未覆盖最低分 %d（最低等级自 %d 起）", c.Min, bands[0].Min),
			fmt.Sprintf("grades leave a gap at the bottom: the scale starts at %d, the lowest grade at %d", c.Min, bands[0].Min))
	}
	if last := bands[len(bands)-1]; last.Max != c.Max {
		p.add("grades", fmt.Sprintf("等级未覆盖最高分 %d（最高等级止于 %d）", c.Max, last.Max),
			fmt.Sprintf("grades do not reach the top of the scale: %d, the highest grade ends at %d", c.Max, last.Max))
	}
	for i := 1; i < len(bands); i++ {
		lo, hi := bands[i-1], bands[i]
		switch {
		case hi.Min > lo.Max+1:
			p.add("grades", fmt.Sprintf("等级 %s 与 %s 之间有空档（%d–%d 无等级）", lo.Grade, hi.Grade, lo.Max+1, hi.Min-1),
				fmt.Sprintf("gap between grades %s and %s: %d–%d has no grade", lo.Grade, hi.Grade, lo.Max+1, hi.Min-1))
		case hi.Min <= lo.Max:
			p.add("grades", fmt.Sprintf("等级 %s 与 %s 重叠（%d–%d）", lo.Grade, hi.Grade, hi.Min, lo.Max),
				fmt.Sprintf("grades %s and %s overlap: %d–%d", lo.Grade, hi.Grade, hi.Min, lo.Max))
		}
	}
	return grades
}

var conditionOps = map[string]bool{"eq": true, "ne": true, "in": true, "not_in": true, "lt": true, "le": true,
	"gt": true, "ge": true, "empty": true, "present": true}

var compareOps = map[string]bool{"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true}

func (in *Indicator) check(cat *Catalog, dims map[string]bool, inds map[string]*Indicator, grades map[string]bool, p *problems) {
	where := "指标 indicator " + quote(in.Code)
	if !isCatalogCode(in.Code, 64) {
		p.add(where, "指标代码无效", "invalid indicator code")
	}
	if strings.TrimSpace(in.NameZH) == "" {
		p.add(where, "缺少中文名称", "Chinese name missing")
	}
	if !dims[in.Dimension] {
		p.add(where, "未知维度 "+quote(in.Dimension), "unknown dimension")
	}
	if in.GradeCap != "" && !grades[in.GradeCap] {
		p.add(where, "封顶等级 "+quote(in.GradeCap)+" 不在等级表中", "grade_cap is not a grade of the model")
	}
	if in.Cap < 0 || in.DecayMonths < 0 {
		p.add(where, "封顶分与衰减月数不能为负", "cap and decay_months cannot be negative")
	}
	if in.Period != PeriodAll && in.Period != PeriodYear {
		p.add(where, "周期须为 year 或留空", "period must be \"year\" or empty")
	}
	if in.Item == "" {
		if len(in.Of) == 0 {
			p.add(where, "须指定信息项（item）或派生来源（of）", "an indicator needs an item or, when derived, of")
		}
		if !compareOps[in.Op] {
			p.add(where, "派生指标的比较须为 eq、ne、lt、le、gt、ge 之一", "a derived indicator's op must be eq, ne, lt, le, gt or ge")
		}
		for _, ref := range in.Of {
			if !dims[ref] && inds[ref] == nil {
				p.add(where, "引用了未知的指标或维度 "+quote(ref), "refers to an unknown indicator or dimension")
			}
		}
		if len(in.When) > 0 || in.UnitField != "" || in.DateField != "" || in.DecayMonths != 0 {
			p.add(where, "派生指标不能有条件、计量字段、日期字段或衰减", "a derived indicator takes no when, unit_field, date_field or decay")
		}
		return
	}
	if len(in.Of) > 0 || in.Op != "" {
		p.add(where, "信息项指标不能有 of 或 op", "an item indicator takes no of or op")
	}
	it, ok := cat.Item(in.Item)
	if !ok {
		p.add(where, "目录中没有信息项 "+quote(in.Item), "unknown catalog item")
		return
	}
	if in.UnitField != "" {
		f, ok := it.Field(in.UnitField)
		switch {
		case !ok:
			p.add(where, "计量字段 "+quote(in.UnitField)+" 不在信息项中", "unit_field is not a field of the item")
		case f.Type != TypeInt && f.Type != TypeDecimal:
			p.add(where, "计量字段须为数值字段", "unit_field must be a number field")
		case f.Personal:
			p.add(where, "计量字段不能是个人信息字段", "unit_field cannot be a personal field")
		}
		if in.Unit <= 0 {
			p.add(where, "计量单位（unit）须为正数", "unit must be positive")
		}
	} else if in.Unit != 0 {
		p.add(where, "有计量单位却没有计量字段", "unit without unit_field")
	}
	if in.DateField != "" {
		f, ok := it.Field(in.DateField)
		if !ok || f.Type != TypeDate || f.Personal {
			p.add(where, "日期字段 "+quote(in.DateField)+" 须为信息项的非个人日期字段", "date_field must be a non-personal date field of the item")
		}
	}
	for j, cond := range in.When {
		cw := fmt.Sprintf("%s 条件 condition %d", where, j+1)
		f, ok := it.Field(cond.Field)
		if !ok {
			p.add(cw, "字段 "+quote(cond.Field)+" 不在信息项 "+quote(in.Item)+" 中", "unknown field of the item")
			continue
		}
		if f.Personal {
			p.add(cw, "条件不能使用个人信息字段 "+quote(cond.Field), "a condition cannot read a personal field")
		}
		if !conditionOps[cond.Op] {
			p.add(cw, "未知比较 "+quote(cond.Op), "unknown op")
			continue
		}
		switch cond.Op {
		case "in", "not_in":
			if len(cond.Values) == 0 {
				p.add(cw, "in / not_in 须给出 values", "in and not_in need values")
			}
			for _, v := range cond.Values {
				checkCondValue(cw, f, v, p)
			}
		case "lt", "le", "gt", "ge":
			if f.Type != TypeInt && f.Type != TypeDecimal && f.Type != TypeDate {
				p.add(cw, "大小比较只适用于数值或日期字段", "lt/le/gt/ge apply to number and date fields only")
			}
			checkCondValue(cw, f, cond.Value, p)
		case "eq", "ne":
			checkCondValue(cw, f, cond.Value, p)
		}
	}
}

func checkCondValue(where string, f *Field, v string, p *problems) {
	switch f.Type {
	case TypeInt, TypeDecimal:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			p.add(where, "值 "+quote(v)+" 不是数字", "value is not a number")
		}
	case TypeDate:
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			p.add(where, "值 "+quote(v)+" 不是 YYYY-MM-DD 日期", "value is not a YYYY-MM-DD date")
		}
	case TypeEnum:
		if !slices.Contains(f.Enum, v) {
			p.add(where, "值 "+quote(v)+" 不在字段的枚举中", "value is not one of the field's enum values")
		}
	}
}

// checkCycles refuses derived indicators that depend on themselves, directly or through other
// indicators or dimensions (a derived indicator in dimension X may not refer to X).
func (c *Scorecard) checkCycles(inds map[string]*Indicator, p *problems) {
	if _, err := c.derivedOrder(inds); err != "" {
		p.add("指标 indicator "+quote(err), "派生指标存在循环引用", "derived indicators refer to each other in a cycle")
	}
}

// derivedOrder returns the derived indicators in an order where each comes after everything it
// depends on, or the code of one indicator on a cycle.
func (c *Scorecard) derivedOrder(inds map[string]*Indicator) ([]*Indicator, string) {
	deps := func(in *Indicator) []string {
		var out []string
		for _, ref := range in.Of {
			if r := inds[ref]; r != nil {
				if r.Item == "" {
					out = append(out, r.Code)
				}
				continue
			}
			for i := range c.Indicators { // a dimension: every derived indicator in it
				if d := &c.Indicators[i]; d.Dimension == ref && d.Item == "" {
					out = append(out, d.Code)
				}
			}
		}
		return out
	}
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var order []*Indicator
	var visit func(code string) string
	visit = func(code string) string {
		switch state[code] {
		case active:
			return code
		case done:
			return ""
		}
		state[code] = active
		for _, d := range deps(inds[code]) {
			if bad := visit(d); bad != "" {
				return bad
			}
		}
		state[code] = done
		order = append(order, inds[code])
		return ""
	}
	for i := range c.Indicators {
		if in := &c.Indicators[i]; in.Item == "" {
			if bad := visit(in.Code); bad != "" {
				return nil, bad
			}
		}
	}
	return order, ""
}

// Rank returns the position of grade in the card's bands, 0 for the best; -1 when unknown.
func (c *Scorecard) Rank(grade string) int {
	for i, g := range c.Grades {
		if g.Grade == grade {
			return i
		}
	}
	return -1
}

// AtLeast reports whether grade is as good as min or better on this card.
func (c *Scorecard) AtLeast(grade, min string) bool {
	r, m := c.Rank(grade), c.Rank(min)
	return r >= 0 && m >= 0 && r <= m
}

// GradeOf returns the grade band that total falls in.
func (c *Scorecard) GradeOf(total int) string {
	for _, g := range c.Grades {
		if total >= g.Min && total <= g.Max {
			return g.Grade
		}
	}
	return ""
}

// Applies reports whether the card scores a subject of class cl (AnyItem is checked by
// Evaluate, which sees the records).
func (c *Scorecard) Applies(cl SubjectClass) bool { return slices.Contains(c.Classes, cl) }
