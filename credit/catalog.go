package credit

import "time"

// Disclosure is who may see a catalog item's records (公开属性).
type Disclosure string

// Disclosure levels.
const (
	DisclosurePublic     Disclosure = "public"     // 社会公开
	DisclosureShared     Disclosure = "shared"     // 政务共享
	DisclosureAuthorised Disclosure = "authorised" // 授权查询
)

// Polarity is whether an item's records count for or against the subject.
type Polarity string

// Polarities.
const (
	PolarityBasic    Polarity = "basic"    // 基础信息
	PolarityPositive Polarity = "positive" // 守信/良好信息
	PolarityNegative Polarity = "negative" // 失信/不良信息
	PolarityNeutral  Polarity = "neutral"  // 中性信息
)

// Tier is the severity tier of dishonesty information (失信信息分级).
type Tier string

// Dishonesty tiers (NDRC 《信用修复管理办法》, DESIGN §4).
const (
	TierNone    Tier = ""        // not dishonesty information
	TierMinor   Tier = "minor"   // 轻微: in principle not published; at most 3 months
	TierGeneral Tier = "general" // 一般: published ≥ 3 months, ≤ 1 year
	TierSerious Tier = "serious" // 严重: published ≥ 1 year, ≤ 3 years
)

// FieldType is the type of one field of a catalog item's schema.
type FieldType string

// Field types.
const (
	TypeString  FieldType = "string"
	TypeInt     FieldType = "int"
	TypeDecimal FieldType = "decimal"
	TypeDate    FieldType = "date" // YYYY-MM-DD on output; common Chinese spellings accepted on input
	TypeEnum    FieldType = "enum"
	TypeCode    FieldType = "code" // a unified social credit code or resident ID
)

// Field is one field of a catalog item's schema.
type Field struct {
	Name     string    `json:"name"`               // machine name, ASCII snake_case
	Label    string    `json:"label"`              // Chinese label; accepted as a column header
	LabelEN  string    `json:"label_en,omitempty"` // English label
	Type     FieldType `json:"type"`
	Required bool      `json:"required,omitempty"`
	MaxLen   int       `json:"max_len,omitempty"` // in characters (runes); 0 = the type's default
	Enum     []string  `json:"enum,omitempty"`    // allowed values for TypeEnum
	// Multi lets a TypeEnum field hold several listed values separated by ";" (e.g. the 双公示
	// 处罚类别 "罚款;没收违法所得"). Canonical form: the values in list order, joined by ";".
	Multi    bool `json:"multi,omitempty"`
	Personal bool `json:"personal,omitempty"` // personal information: sealed at rest, never public
}

// PublicationRule says when a record of an item is shown on the public portal, counted from its
// decision date (决定日期). Items with a Tier take their defaults from the tier.
type PublicationRule struct {
	Publish   bool `json:"publish"`              // false: never on the portal
	MinMonths int  `json:"min_months,omitempty"` // earliest month credit repair may end publication
	MaxMonths int  `json:"max_months,omitempty"` // publication ends after this many months; 0 = no end
	// UntilField, when set, names a date field that ends publication earlier (e.g. a licence's
	// valid-to date).
	UntilField string `json:"until_field,omitempty"`
}

// CatalogItem is one entry of the catalog (公共信用信息目录 / 数据归集清单): what a department
// reports, in which shape, who may see it and for how long.
type CatalogItem struct {
	Code         string          `json:"code"` // stable item code, e.g. "admin_penalty"
	NameZH       string          `json:"name_zh"`
	NameEN       string          `json:"name_en"`
	SubjectKinds []SubjectClass  `json:"subject_classes"` // which libraries (三库) it covers
	Departments  []string        `json:"departments"`     // source department codes; empty = any
	Fields       []Field         `json:"fields"`
	Disclosure   Disclosure      `json:"disclosure"`
	Polarity     Polarity        `json:"polarity"`
	Tier         Tier            `json:"tier,omitempty"`
	Publication  PublicationRule `json:"publication"`
	// DecisionField names the date field the publication window is counted from.
	DecisionField string `json:"decision_field,omitempty"`
	// DeadlineWorkdays is the reporting deadline after the decision, in working days
	// (双公示: 7). 0 = none.
	DeadlineWorkdays int `json:"deadline_workdays,omitempty"`
	// Registry marks the item whose records define a subject's registration attributes
	// (enterprise registration basics). Its fields use the standard names Reg* below.
	Registry bool `json:"registry,omitempty"`
}

// Standard field names of a Registry item, copied onto the subject when a record is accepted.
const (
	RegLegalRepName = "legal_rep_name" // 法定代表人姓名
	RegLegalRepID   = "legal_rep_id"   // 法定代表人身份证号 (personal)
	RegStatus       = "reg_status"     // 登记状态: 存续/在业, 注销, 吊销
	RegFormerNames  = "former_names"   // 曾用名, separated by ；or ;
	RegNo           = "reg_no"         // 15-digit registration number (legacy code)
	RegOrgCode      = "org_code"       // 9-character organisation code (legacy code)
)

// Department is a source department (报送部门).
type Department struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en,omitempty"`
}

// Catalog is one version of the whole catalog, with the departments it names.
type Catalog struct {
	Version     int           `json:"version"`
	PublishedAt time.Time     `json:"published_at"`
	Note        string        `json:"note,omitempty"`
	Departments []Department  `json:"departments"`
	Items       []CatalogItem `json:"items"`
}

// Standard columns every import row carries besides its item's fields.
const (
	ColSourceID    = "source_id"    // the source system's id of the record (业务编号)
	ColSubjectCode = "subject_code" // USCC, legacy code or resident ID (统一社会信用代码/身份证号)
	ColSubjectName = "subject_name" // 主体名称 / 姓名
)
