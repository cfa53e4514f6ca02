package credit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Row validation runs once per imported row: the importer must keep up with ≥100,000 rows/s on
// two cores, so nothing here uses regular expressions or fmt on the happy path, and a value
// that is already canonical is kept as it came, without copying.

// Rules used by row validation besides the shared ones in errors.go.
const (
	RuleDuplicate = "duplicate_column" // a header names the same column twice
	RuleDateOrder = "date_order"       // an end date (the item's UntilField) before the decision date
)

// Default maximum lengths in characters (runes) of the standard columns and of field types
// whose Field.MaxLen is 0.
const (
	MaxLenSourceID    = 64
	MaxLenSubjectCode = 64 // as given; the importer resolves it to an 18-character code
	MaxLenSubjectName = 200
	DefaultMaxString  = 500
	DefaultMaxCode    = 18
	DefaultMaxNumber  = 32 // canonical int and decimal values
	maxIntDigits      = 18 // fits an int64
)

// StandardFields returns the three columns every import row carries besides its item's fields
// (业务编号, subject code, subject name), described as fields so templates and error reports
// can label them. They are not part of any item's Fields.
func StandardFields() []Field {
	return []Field{
		{Name: ColSourceID, Label: "业务编号", LabelEN: "Source ID", Type: TypeString, Required: true, MaxLen: MaxLenSourceID},
		{Name: ColSubjectCode, Label: "统一社会信用代码/身份证号码", LabelEN: "Subject code", Type: TypeString, Required: true, MaxLen: MaxLenSubjectCode},
		{Name: ColSubjectName, Label: "主体名称", LabelEN: "Subject name", Type: TypeString, Required: true, MaxLen: MaxLenSubjectName},
	}
}

// standardAliases are the header spellings accepted for the standard columns, besides their
// names and the labels StandardFields gives. "行政相对人…" are the 双公示 data standard's names.
var standardAliases = map[string][]string{
	ColSourceID:    {"业务编号", "记录编号", "Source ID"},
	ColSubjectCode: {"统一社会信用代码/身份证号码", "统一社会信用代码", "身份证号码", "主体代码", "行政相对人代码", "Subject code"},
	ColSubjectName: {"主体名称", "名称", "姓名", "行政相对人名称", "Subject name"},
}

// reasonColumns head the column a rejected-row file adds with the reason of each rejection; it
// is ignored when the fixed file is submitted again.
var reasonColumns = []string{"错误原因", "_error"}

// NormalizeHeader folds a header cell for matching: case-insensitive, full-width characters as
// half-width, without spaces (incl. U+3000), underscores, zero-width characters and the "*" that
// templates put on required columns. So "Subject Code", "subject_code" and "*ＳＵＢＪＥＣＴ　ｃｏｄｅ"
// all match.
func NormalizeHeader(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if 0xFF01 <= r && r <= 0xFF5E {
			r -= 0xFEE0
		}
		switch {
		case r == '_' || r == '*' || r == '\uFEFF' || r == '\u200B' || unicode.IsSpace(r):
			continue
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A'
		case r >= utf8.RuneSelf:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Binding maps one file's header to an item's fields; Validate then checks the file's rows.
// It is read-only after Bind and safe for concurrent use.
type Binding struct {
	Item *CatalogItem
	// IsException reports whether a canonical code is a registered known exception (DESIGN §4);
	// it is passed to IdentifyCode for code fields. nil: no exceptions.
	IsException func(canonical string) bool

	width             int // number of header cells
	src, code, name   int // columns of the standard fields
	cols              []boundField
	unnamed           []int // columns with an empty header: their cells must stay empty
	decision, until   int   // indexes into cols, -1 when the item has none
	nPlain, nPersonal int
	// byName indexes cols in field-name order, the order of Hash and EncodeFields; nil when two
	// fields share a name (a catalog Check refuses), and a digest then sorts the maps' keys.
	byName []int
}

type boundField struct {
	f        *Field
	col      int // -1: not in this file
	maxLen   int
	enumNorm []string // NormalizeHeader of each enum value, for lenient matching
}

// Bind maps a file's header to the item's fields. Header cells may be the field name, the
// Chinese label or the English label (see NormalizeHeader), in any order; the reason column of a
// rejected-row file ("错误原因" / "_error") is ignored. Unknown columns, duplicate columns and
// missing required columns (including the three standard ones) are errors for the whole file,
// each naming the column.
func (it *CatalogItem) Bind(header []string) (*Binding, []FieldError) {
	const (
		tSource = -1 - iota
		tCode
		tName
		tIgnore
	)
	targets := make(map[string]int, 3*len(it.Fields)+16)
	add := func(key string, t int) {
		if k := NormalizeHeader(key); k != "" {
			if _, dup := targets[k]; !dup { // Check refuses ambiguous catalogs; first wins here
				targets[k] = t
			}
		}
	}
	for i := range it.Fields {
		f := &it.Fields[i]
		add(f.Name, i)
		add(f.Label, i)
		add(f.LabelEN, i)
	}
	stdTargets := [3]int{tSource, tCode, tName} // in StandardFields order
	for i, sf := range StandardFields() {
		t := stdTargets[i]
		add(sf.Name, t)
		add(sf.Label, t)
		add(sf.LabelEN, t)
		for _, a := range standardAliases[sf.Name] {
			add(a, t)
		}
	}
	for _, r := range reasonColumns {
		add(r, tIgnore)
	}

	b := &Binding{Item: it, width: len(header), src: -1, code: -1, name: -1, decision: -1, until: -1}
	b.cols = make([]boundField, len(it.Fields))
	for i := range it.Fields {
		f := &it.Fields[i]
		bf := boundField{f: f, col: -1, maxLen: fieldMaxLen(f)}
		if f.Type == TypeEnum {
			bf.enumNorm = make([]string, len(f.Enum))
			for j, v := range f.Enum {
				bf.enumNorm[j] = NormalizeHeader(v)
			}
		}
		b.cols[i] = bf
		if f.Personal {
			b.nPersonal++
		} else {
			b.nPlain++
		}
		if f.Name == it.DecisionField {
			b.decision = i
		}
		if f.Name == it.Publication.UntilField {
			b.until = i
		}
	}

	b.byName = make([]int, len(b.cols))
	for i := range b.byName {
		b.byName[i] = i
	}
	slices.SortFunc(b.byName, func(i, j int) int { return strings.Compare(b.cols[i].f.Name, b.cols[j].f.Name) })
	for k := 1; k < len(b.byName); k++ {
		if b.cols[b.byName[k-1]].f.Name == b.cols[b.byName[k]].f.Name {
			b.byName = nil
			break
		}
	}

	var errs []FieldError
	first := make(map[int]int, len(header)) // target -> first column
	for col, cell := range header {
		k := NormalizeHeader(cell)
		if k == "" {
			b.unnamed = append(b.unnamed, col)
			continue
		}
		t, ok := targets[k]
		switch {
		case !ok:
			errs = append(errs, FieldError{Field: cell, Rule: RuleUnknown,
				Message: "未知的列：" + clip(cell) + "（第 " + strconv.Itoa(col+1) + " 列） / unknown column " + clip(cell) + " (column " + strconv.Itoa(col+1) + ")"})
			continue
		case t == tIgnore:
			continue
		}
		if prev, dup := first[t]; dup {
			errs = append(errs, FieldError{Field: cell, Rule: RuleDuplicate,
				Message: "重复的列：" + clip(cell) + "（与第 " + strconv.Itoa(prev+1) + " 列相同） / duplicate column (same as column " + strconv.Itoa(prev+1) + ")"})
			continue
		}
		first[t] = col
		switch t {
		case tSource:
			b.src = col
		case tCode:
			b.code = col
		case tName:
			b.name = col
		default:
			b.cols[t].col = col
		}
	}
	for i, sf := range StandardFields() {
		if [3]int{b.src, b.code, b.name}[i] < 0 {
			errs = append(errs, missingColumn(&sf))
		}
	}
	for i := range b.cols {
		if bf := &b.cols[i]; bf.col < 0 && bf.f.Required {
			errs = append(errs, missingColumn(bf.f))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return b, nil
}

func missingColumn(f *Field) FieldError {
	return FieldError{Field: f.Name, Rule: RuleRequired,
		Message: "缺少必需的列：" + f.Label + "（" + f.Name + "） / required column missing: " + f.Name}
}

// fieldMaxLen returns the maximum length in runes of a field's canonical value; 0: not limited
// by length (dates and enums are limited by their form).
func fieldMaxLen(f *Field) int {
	if f.MaxLen > 0 {
		return f.MaxLen
	}
	switch f.Type {
	case TypeString:
		return DefaultMaxString
	case TypeCode:
		return DefaultMaxCode
	case TypeInt, TypeDecimal:
		return DefaultMaxNumber
	}
	return 0
}

// Columns returns the number of header cells the binding was made from.
func (b *Binding) Columns() int { return b.width }

// ValidRow is a validated row in canonical form.
type ValidRow struct {
	// SourceID, SubjectCode and SubjectName are trimmed; the importer validates SubjectCode
	// and resolves it to a subject.
	SourceID, SubjectCode, SubjectName string
	// Fields holds the non-personal fields, Personal the personal ones (Field.Personal), each
	// only when the row gives a value. Canonical forms: dates "2006-01-02", ints without
	// leading zeros or "+", decimals without trailing zeros ("12.50" → "12.5"), enums exactly
	// as listed, codes as IdentifyCode canonicalises them, strings trimmed.
	Fields   map[string]string
	Personal map[string]string
	// Decision is the value of the item's DecisionField as midnight UTC of that date (zero when
	// the item has none or the row leaves it empty).
	Decision time.Time
}

// Validate checks one row, whose cells line up with the header given to Bind, and returns every
// problem found in it, each naming the field and the rule. A row shorter than the header has
// empty trailing cells (spreadsheets drop them); cells beyond the header must be empty.
//
// today is the importer's date, required: code fields are checked against it (a resident ID's
// birth date cannot be later), and so is the decision date, which may not be after today's
// calendar date in today's location. On error the ValidRow holds only the source id (when valid).
func (b *Binding) Validate(values []string, today time.Time) (ValidRow, []FieldError) {
	return b.validate(values, today, nil)
}

// Digest is what the importer stores of a valid row besides its values: the row's Hash, and its
// non-personal fields encoded as EncodeFields encodes them.
type Digest struct {
	Hash       string
	FieldsJSON []byte
}

// ValidateDigest is Validate, and for a valid row its Digest too, made from the row's canonical
// values in the binding's field-name order: the maps' keys are neither collected nor sorted.
func (b *Binding) ValidateDigest(values []string, today time.Time) (ValidRow, Digest, []FieldError) {
	var d Digest
	v, errs := b.validate(values, today, &d)
	return v, d, errs
}

func (b *Binding) validate(values []string, today time.Time, d *Digest) (ValidRow, []FieldError) {
	var errs []FieldError
	for col := b.width; col < len(values); col++ {
		if trimSpace(values[col]) != "" {
			errs = append(errs, strayCell(col))
		}
	}
	for _, col := range b.unnamed {
		if col < len(values) && trimSpace(values[col]) != "" {
			errs = append(errs, strayCell(col))
		}
	}

	var v ValidRow
	v.SourceID = b.standard(values, b.src, ColSourceID, MaxLenSourceID, &errs)
	v.SubjectCode = b.standard(values, b.code, ColSubjectCode, MaxLenSubjectCode, &errs)
	v.SubjectName = b.standard(values, b.name, ColSubjectName, MaxLenSubjectName, &errs)

	// Canonical values are collected on the stack first and put into maps only when the row is
	// valid, so a rejected row costs no map.
	var stack [48]string
	canon := stack[:0]
	if len(b.cols) > len(stack) {
		canon = make([]string, 0, len(b.cols))
	}
	var decision, until time.Time
	for i := range b.cols {
		bf := &b.cols[i]
		s := ""
		if bf.col >= 0 && bf.col < len(values) {
			s = trimSpace(values[bf.col])
		}
		if s == "" {
			if bf.f.Required {
				errs = append(errs, FieldError{Field: bf.f.Name, Rule: RuleRequired, Message: msgRequired})
			}
			canon = append(canon, "")
			continue
		}
		c, fe, ok := b.value(bf, s, today)
		if !ok {
			errs = append(errs, fe)
			canon = append(canon, "")
			continue
		}
		canon = append(canon, c)
		if i == b.decision || i == b.until {
			d, _ := ParseDate(c)
			if i == b.decision {
				decision = d
			} else {
				until = d
			}
		}
	}
	if !decision.IsZero() && !today.IsZero() {
		y, m, d := today.Date()
		if decision.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
			df := b.cols[b.decision].f
			errs = append(errs, FieldError{Field: df.Name, Rule: RuleDate,
				Message: df.Label + "晚于今天：" + FormatDate(decision) + " / " + df.Name + " is in the future"})
		}
	}
	if !decision.IsZero() && !until.IsZero() && until.Before(decision) {
		uf, df := b.cols[b.until].f, b.cols[b.decision].f
		errs = append(errs, FieldError{Field: uf.Name, Rule: RuleDateOrder,
			Message: uf.Label + "（" + FormatDate(until) + "）早于" + df.Label + "（" + FormatDate(decision) + "） / " +
				uf.Name + " is before " + df.Name})
	}
	if len(errs) > 0 {
		// Keep the source id so the rejected row can be matched when it is resubmitted.
		return ValidRow{SourceID: v.SourceID}, errs
	}

	v.Decision = decision
	v.Fields = make(map[string]string, b.nPlain)
	for i, c := range canon {
		if c == "" {
			continue
		}
		f := b.cols[i].f
		if f.Personal {
			if v.Personal == nil {
				v.Personal = make(map[string]string, b.nPersonal)
			}
			v.Personal[f.Name] = c
		} else {
			v.Fields[f.Name] = c
		}
	}
	if d != nil {
		b.digest(&v, canon, d)
	}
	return v, nil
}

// digest fills d for the valid row v, whose canonical values canon line up with b.cols.
func (b *Binding) digest(v *ValidRow, canon []string, d *Digest) {
	if b.byName == nil {
		d.Hash, d.FieldsJSON = v.Hash(), EncodeFields(v.Fields)
		return
	}
	var stack [1024]byte
	buf := v.hashHead(stack[:0])
	size := 2
	for _, i := range b.byName {
		if c := canon[i]; c != "" {
			f := b.cols[i].f
			tag := byte('F')
			if f.Personal {
				tag = 'P'
			} else {
				size += len(f.Name) + len(c) + 6
			}
			buf = appendHashField(buf, tag, f.Name, c)
		}
	}
	d.Hash = hashSum(buf)
	js := make([]byte, 0, size)
	js = append(js, '{')
	for _, i := range b.byName {
		if c := canon[i]; c != "" && !b.cols[i].f.Personal {
			if len(js) > 1 {
				js = append(js, ',')
			}
			js = AppendJSONString(js, b.cols[i].f.Name)
			js = append(js, ':')
			js = AppendJSONString(js, c)
		}
	}
	d.FieldsJSON = append(js, '}')
}

const msgRequired = "必填项为空 / required value is missing"

func strayCell(col int) FieldError {
	return FieldError{Field: "", Rule: RuleFormat,
		Message: "第 " + strconv.Itoa(col+1) + " 列没有列名却有内容 / cell in column " + strconv.Itoa(col+1) + " has no header"}
}

// standard validates one of the three standard columns: required, text, at most max runes.
func (b *Binding) standard(values []string, col int, name string, max int, errs *[]FieldError) string {
	s := ""
	if col < len(values) {
		s = trimSpace(values[col])
	}
	if s == "" {
		*errs = append(*errs, FieldError{Field: name, Rule: RuleRequired, Message: msgRequired})
		return ""
	}
	fe, long, ok := checkText(name, s, max)
	if !ok {
		*errs = append(*errs, fe)
		return ""
	}
	if long {
		*errs = append(*errs, tooLong(name, max))
		return ""
	}
	return s
}

// checkText rejects invalid UTF-8 and control characters other than tab and line breaks (NUL
// cannot be stored in PostgreSQL text) and reports whether s is longer than max runes (0: no
// limit). Runes are only counted when the bytes could exceed the limit.
func checkText(field, s string, max int) (fe FieldError, long, ok bool) {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
		} else if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F {
			return FieldError{Field: field, Rule: RuleEncoding,
				Message: "含有控制字符（第 " + strconv.Itoa(utf8.RuneCountInString(s[:i])+1) + " 个字符） / contains a control character"}, false, false
		}
	}
	if !ascii && !utf8.ValidString(s) {
		return FieldError{Field: field, Rule: RuleEncoding,
			Message: "不是有效的 UTF-8 文本，请检查文件编码 / not valid UTF-8 text: check the file's encoding"}, false, false
	}
	long = max > 0 && len(s) > max && (ascii || utf8.RuneCountInString(s) > max)
	return FieldError{}, long, true
}

// trimSpace is strings.TrimSpace without its general TrimFunc path: most cells begin and end
// with a CJK character, which is checked once here instead of by a closure.
func trimSpace(s string) string {
	for len(s) > 0 {
		c := s[0]
		if c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				break
			}
			s = s[1:]
			continue
		}
		r, w := utf8.DecodeRuneInString(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[w:]
	}
	for len(s) > 0 {
		c := s[len(s)-1]
		if c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				break
			}
			s = s[:len(s)-1]
			continue
		}
		r, w := utf8.DecodeLastRuneInString(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[:len(s)-w]
	}
	return s
}

func tooLong(field string, max int) FieldError {
	return FieldError{Field: field, Rule: RuleMaxLength,
		Message: "超过最大长度 " + strconv.Itoa(max) + " 字 / longer than " + strconv.Itoa(max) + " characters"}
}

// value validates and canonicalises one non-empty trimmed value.
func (b *Binding) value(bf *boundField, s string, today time.Time) (string, FieldError, bool) {
	f := bf.f
	max := 0
	if f.Type == TypeString {
		max = bf.maxLen
	}
	fe, long, ok := checkText(f.Name, s, max)
	if !ok {
		return "", fe, false
	}
	// n is the canonical value's length in runes where it is limited.
	var c string
	n := 0
	switch f.Type {
	case TypeString:
		if long {
			return "", tooLong(f.Name, bf.maxLen), false
		}
		c = s
	case TypeInt:
		if c, ok = canonInt(s); !ok {
			return "", FieldError{Field: f.Name, Rule: RuleType, Message: "不是整数：" + clip(s) + " / not an integer"}, false
		}
		n = len(c)
	case TypeDecimal:
		if c, ok = canonDecimal(s); !ok {
			return "", FieldError{Field: f.Name, Rule: RuleType, Message: "不是数字：" + clip(s) + " / not a decimal number"}, false
		}
		n = len(c)
	case TypeDate:
		d, ok := ParseDate(s)
		if !ok {
			return "", FieldError{Field: f.Name, Rule: RuleDate, Message: "日期无效：" + clip(s) + " / invalid date"}, false
		}
		if isCanonicalDate(s) {
			c = s
		} else {
			c = FormatDate(d)
		}
	case TypeEnum:
		if c, ok = bf.enum(s); !ok {
			return "", FieldError{Field: f.Name, Rule: RuleEnum,
				Message: "不是可选值：" + clip(s) + "（可选：" + clip(strings.Join(f.Enum, "、")) + "） / not one of the listed values"}, false
		}
	case TypeCode:
		if len(s) > 8*DefaultMaxCode { // don't feed arbitrary text to the code parser
			return "", tooLong(f.Name, bf.maxLen), false
		}
		r := IdentifyCode(s, today, b.IsException)
		if !r.Valid {
			return "", FieldError{Field: f.Name, Rule: RuleCode, Message: "代码无效：" + clip(s) + "（" + r.Reason + "） / invalid code"}, false
		}
		if r.Type == CodeResidentID && !f.Personal {
			// A resident ID is personal information (DESIGN §4, seed 004: 个人信用信息原则上不得
			// 公开公示); a field not sealed as personal may only hold organisation codes.
			return "", FieldError{Field: f.Name, Rule: RuleCode,
				Message: "此列只收机构代码，不收身份证号码 / this column takes organisation codes, not resident IDs"}, false
		}
		c = r.Canonical
		n = len(c)
	default:
		return "", FieldError{Field: f.Name, Rule: RuleType, Message: "未知的字段类型 / unknown field type " + string(f.Type)}, false
	}
	if bf.maxLen > 0 && n > bf.maxLen {
		return "", tooLong(f.Name, bf.maxLen), false
	}
	return c, FieldError{}, true
}

// enum matches s against the listed values, exactly or after NormalizeHeader (so "ａ" and " a "
// match "A"), and returns the listed spelling. A Multi field takes several values separated by
// ";", "；", "、", "," or "，" and returns them in list order joined by ";".
func (bf *boundField) enum(s string) (string, bool) {
	f := bf.f
	if !f.Multi {
		i := bf.enumIndex(s)
		if i < 0 {
			return "", false
		}
		return f.Enum[i], true
	}
	if strings.IndexFunc(s, isEnumSeparator) < 0 { // a single value
		if i := bf.enumIndex(s); i >= 0 {
			return f.Enum[i], true
		}
		return "", false
	}
	var seen [64]bool // Check keeps Multi lists within 64 values
	if len(f.Enum) > len(seen) {
		return "", false
	}
	size := 0
	for rest := s; rest != ""; {
		part := rest
		cut := strings.IndexFunc(rest, isEnumSeparator)
		if cut >= 0 {
			part = rest[:cut]
			_, w := utf8.DecodeRuneInString(rest[cut:])
			rest = rest[cut+w:]
		} else {
			rest = ""
		}
		part = trimSpace(part)
		if part == "" {
			continue
		}
		i := bf.enumIndex(part)
		if i < 0 {
			return "", false
		}
		if !seen[i] {
			seen[i] = true
			size += len(f.Enum[i]) + 1
		}
	}
	if size == 0 {
		return "", false
	}
	var b strings.Builder
	b.Grow(size - 1)
	for i, ok := range seen[:len(f.Enum)] {
		if ok {
			if b.Len() > 0 {
				b.WriteByte(';')
			}
			b.WriteString(f.Enum[i])
		}
	}
	return b.String(), true
}

func isEnumSeparator(r rune) bool {
	return r == ';' || r == '；' || r == '、' || r == ',' || r == '，'
}

func (bf *boundField) enumIndex(s string) int {
	for i, e := range bf.f.Enum {
		if e == s {
			return i
		}
	}
	k := NormalizeHeader(s)
	for i, e := range bf.enumNorm {
		if e == k && k != "" {
			return i
		}
	}
	return -1
}

// clip shortens a value echoed in a message to 40 characters.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i, n := 0, 0
	for i < len(s) && n < max {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
		n++
	}
	if i >= len(s) {
		return s
	}
	return s[:i] + "…"
}

// foldDigits turns full-width digits, signs, points and commas into ASCII; ASCII input is
// returned as is.
func foldDigits(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			var b strings.Builder
			b.Grow(len(s))
			for _, r := range s {
				if 0xFF01 <= r && r <= 0xFF5E {
					r -= 0xFEE0
				}
				b.WriteRune(r)
			}
			return b.String()
		}
	}
	return s
}

// splitNumber splits an ASCII number into sign, integer digits (thousands separators removed
// when they group by three: grouped) and fraction digits.
func splitNumber(s string) (neg bool, intPart, frac string, grouped, ok bool) {
	if s == "" {
		return
	}
	switch s[0] {
	case '+':
		s = s[1:]
	case '-':
		neg, s = true, s[1:]
	}
	point := strings.IndexByte(s, '.')
	intPart = s
	if point >= 0 {
		intPart, frac = s[:point], s[point+1:]
		for i := 0; i < len(frac); i++ {
			if frac[i] < '0' || frac[i] > '9' {
				return false, "", "", false, false
			}
		}
	}
	if strings.IndexByte(intPart, ',') >= 0 {
		// "1,234,567": the first group 1–3 digits, then groups of exactly three.
		groups := strings.Split(intPart, ",")
		if len(groups[0]) < 1 || len(groups[0]) > 3 {
			return false, "", "", false, false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return false, "", "", false, false
			}
		}
		intPart = strings.Join(groups, "")
		grouped = true
	}
	for i := 0; i < len(intPart); i++ {
		if intPart[i] < '0' || intPart[i] > '9' {
			return false, "", "", false, false
		}
	}
	if intPart == "" && frac == "" {
		return false, "", "", false, false
	}
	return neg, intPart, frac, grouped, true
}

// canonInt returns the canonical form of an integer: no "+", no leading zeros, "0" for zero.
// Thousands separators and a zero fraction ("12.00", as spreadsheets write) are accepted.
func canonInt(in string) (string, bool) {
	s := foldDigits(in)
	neg, ip, frac, grouped, ok := splitNumber(s)
	if !ok || ip == "" {
		return "", false
	}
	for i := 0; i < len(frac); i++ {
		if frac[i] != '0' {
			return "", false
		}
	}
	ip = strings.TrimLeft(ip, "0")
	if len(ip) > maxIntDigits {
		return "", false
	}
	if ip == "" {
		return "0", true
	}
	if s == in && !grouped && (neg && len(s) == len(ip)+1 || !neg && len(s) == len(ip)) {
		return in, true // already canonical: nothing was dropped but a "-"
	}
	if neg {
		return "-" + ip, true
	}
	return ip, true
}

// canonDecimal returns the canonical form of a decimal number: no "+", no leading zeros in the
// integer part, no trailing zeros in the fraction, no point when there is no fraction, "0" for
// zero. Exponents are not accepted.
func canonDecimal(in string) (string, bool) {
	s := foldDigits(in)
	neg, ip, frac, _, ok := splitNumber(s)
	if !ok {
		return "", false
	}
	ip = strings.TrimLeft(ip, "0")
	frac = strings.TrimRight(frac, "0")
	if ip == "" && frac == "" {
		return "0", true
	}
	if ip == "" {
		ip = "0"
	}
	if s == in && isDecimalForm(in, neg, ip, frac) {
		return in, true // already canonical
	}
	n := len(ip) + 1 + len(frac)
	var b strings.Builder
	b.Grow(n)
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(ip)
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String(), true
}

// isDecimalForm reports whether s is exactly [-]ip[.frac].
func isDecimalForm(s string, neg bool, ip, frac string) bool {
	if neg {
		if s == "" || s[0] != '-' {
			return false
		}
		s = s[1:]
	}
	if len(s) < len(ip) || s[:len(ip)] != ip {
		return false
	}
	s = s[len(ip):]
	if frac == "" {
		return s == ""
	}
	return len(s) == 1+len(frac) && s[0] == '.' && s[1:] == frac
}

// ParseDate reads a calendar date written as 2006-01-02, 2006/01/02, 2006.01.02 (month and day
// may have one digit), 20060102, 2006年1月2日, or as an Excel serial day number of five digits
// (45321 = 2024-01-30; a time fraction is ignored), optionally followed by a time of day
// ("2006-01-02 15:04:05", "2006-01-02T15:04"), which is ignored. Full-width digits are
// accepted. Impossible dates and years outside 1900..2100 are refused. The result is midnight
// UTC of that date.
func ParseDate(s string) (time.Time, bool) {
	s = trimSpace(s)
	p := dateScanner{s: s}
	n1, w1 := p.number()
	if w1 == 0 {
		return time.Time{}, false
	}
	var y, m, d int
	switch {
	case w1 == 8 && (p.end() || p.timeSuffix()):
		y, m, d = n1/10000, n1/100%100, n1%100
	case w1 == 5:
		// An Excel serial: 1 is 1900-01-01, and Excel counts a 1900-02-29 that never was,
		// so from 61 on the day is 1899-12-30 plus the serial. Only five digits are taken
		// (1927-05-18 onwards): a bare four-digit number is more likely a year than a date
		// in the 1900s.
		if !p.end() {
			if !p.accept('.') {
				return time.Time{}, false
			}
			if _, w := p.number(); w == 0 || !p.end() {
				return time.Time{}, false
			}
		}
		if n1 < 10000 {
			return time.Time{}, false
		}
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n1)
		if t.Year() > 2100 {
			return time.Time{}, false
		}
		return t, true
	case w1 == 4:
		y = n1
		sep := p.next()
		switch sep {
		case '-', '/', '.', '年':
		default:
			return time.Time{}, false
		}
		var wm, wd int
		m, wm = p.number()
		if wm == 0 || wm > 2 {
			return time.Time{}, false
		}
		if sep == '年' {
			if p.next() != '月' {
				return time.Time{}, false
			}
		} else if p.next() != sep {
			return time.Time{}, false
		}
		d, wd = p.number()
		if wd == 0 || wd > 2 {
			return time.Time{}, false
		}
		if sep == '年' {
			p.accept('日')
		}
		if !p.end() && !p.timeSuffix() {
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	if y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

// dateScanner reads a date string rune by rune, folding full-width digits.
type dateScanner struct {
	s string
	i int
}

func (p *dateScanner) end() bool { return p.i >= len(p.s) }

func (p *dateScanner) peek() (rune, int) {
	if p.i >= len(p.s) {
		return -1, 0
	}
	r, w := utf8.DecodeRuneInString(p.s[p.i:])
	if 0xFF01 <= r && r <= 0xFF5E {
		r -= 0xFEE0
	}
	return r, w
}

func (p *dateScanner) next() rune {
	r, w := p.peek()
	p.i += w
	return r
}

func (p *dateScanner) accept(want rune) bool {
	if r, w := p.peek(); r == want {
		p.i += w
		return true
	}
	return false
}

// number reads up to 9 digits and returns their value and count.
func (p *dateScanner) number() (n, digits int) {
	for digits < 9 {
		r, w := p.peek()
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
		digits++
		p.i += w
	}
	return n, digits
}

// timeSuffix accepts " 15:04", " 15:04:05", " 15:04:05.000" (or "T" for the space) up to the
// end of the string.
func (p *dateScanner) timeSuffix() bool {
	if !p.accept(' ') && !p.accept('T') {
		return false
	}
	for p.accept(' ') {
	}
	h, wh := p.number()
	if wh == 0 || wh > 2 || h > 23 || !p.accept(':') {
		return false
	}
	mi, wm := p.number()
	if wm != 2 || mi > 59 {
		return false
	}
	if p.accept(':') {
		sec, ws := p.number()
		if ws != 2 || sec > 59 {
			return false
		}
		if p.accept('.') {
			if _, wf := p.number(); wf == 0 {
				return false
			}
		}
	}
	return p.end()
}

// isCanonicalDate reports whether s has the form "2006-01-02" (ParseDate must accept it too).
func isCanonicalDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i := 0; i < 10; i++ {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

// FormatDate writes t's date as "2006-01-02".
func FormatDate(t time.Time) string {
	y, m, d := t.Date()
	var b [10]byte
	b[0], b[1], b[2], b[3] = byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4] = '-'
	b[5], b[6] = byte('0'+int(m)/10), byte('0'+int(m)%10) // #nosec G115 -- time.Date gives a month of 1–12
	b[7] = '-'
	b[8], b[9] = byte('0'+d/10), byte('0'+d%10) // #nosec G115 -- and a day of 1–31
	return string(b[:])
}

// Hash returns a stable content hash of the canonical row (hex of the first 16 bytes of its
// SHA-256): the source id, subject code and name, and every field and personal field, in field
// name order so the hash does not depend on the order of the file's columns or on how the row
// was built. The importer compares it to skip a row it already has (idempotent imports).
func (v *ValidRow) Hash() string {
	var stack [1024]byte
	buf := v.hashHead(stack[:0])
	var keyStack [48]string
	keys := keyStack[:0]
	for k := range v.Fields {
		keys = append(keys, k)
	}
	for k := range v.Personal {
		if _, both := v.Fields[k]; !both {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if s, ok := v.Fields[k]; ok {
			buf = appendHashField(buf, 'F', k, s)
		}
		if s, ok := v.Personal[k]; ok {
			buf = appendHashField(buf, 'P', k, s)
		}
	}
	return hashSum(buf)
}

// hashHead appends what Hash hashes before the fields: a version tag and the standard columns.
func (v *ValidRow) hashHead(buf []byte) []byte {
	buf = append(buf, "xinyong row v1"...)
	buf = appendHashString(buf, v.SourceID)
	buf = appendHashString(buf, v.SubjectCode)
	return appendHashString(buf, v.SubjectName)
}

// appendHashField appends one field as Hash hashes it: its tag ('F' for a field, 'P' for a
// personal one), name and value.
func appendHashField(buf []byte, tag byte, name, value string) []byte {
	buf = append(buf, tag)
	buf = appendHashString(buf, name)
	return appendHashString(buf, value)
}

func appendHashString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func hashSum(buf []byte) string {
	sum := sha256.Sum256(buf)
	var out [32]byte
	hex.Encode(out[:], sum[:16])
	return string(out[:])
}
