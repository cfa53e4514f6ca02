package credit

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// This file validates the identifiers a credit subject is known by: the unified social credit
// code (统一社会信用代码, GB 32100-2015), the resident ID (居民身份证号码, GB 11643-1999), the
// organisation code (组织机构代码, GB 11714-1997) and the 15-digit enterprise registration number
// (工商注册号, GS 15-2006). Everything here is pure and allocation-free on the happy path: it
// runs once per imported row.

// subjectCodeField is the field every code validation error names.
const subjectCodeField = "subject_code"

// codeError returns the validation error of a subject code.
func codeError(format string, args ...any) error {
	return &Error{Code: EINVALID, Field: subjectCodeField, Rule: RuleCode, Message: fmt.Sprintf(format, args...)}
}

// NormalizeCode upper-cases, converts full-width characters to half-width, removes spaces
// (incl. U+3000) and hyphens. Invalid UTF-8 becomes U+FFFD, so the result is stable:
// NormalizeCode(NormalizeCode(s)) == NormalizeCode(s). A string that is already normal is
// returned as is, without allocating.
func NormalizeCode(s string) string {
	i := 0
	for i < len(s) && isCodeByte(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if 0xFF01 <= r && r <= 0xFF5E { // full-width ASCII variants
			r -= 0xFEE0
		}
		switch {
		case 'a' <= r && r <= 'z':
			r -= 'a' - 'A'
		case r == '-' || isDash(r) || unicode.IsSpace(r) || isInvisible(r):
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isCodeByte reports whether c may appear unchanged in a normalised code.
func isCodeByte(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' }

// isDash reports whether r is one of the dash characters people type between code groups.
func isDash(r rune) bool {
	switch r {
	case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\uFE58', '\uFE63':
		return true
	}
	return false
}

// isInvisible reports whether r is a zero-width character (often left by copy and paste or a
// byte-order mark at the start of a CSV cell).
func isInvisible(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD':
		return true
	}
	return false
}

// usccAlphabet is the GB 32100 character set; a character's value is its index.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccValue maps a byte to its value in usccAlphabet, or -1.
var usccValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(usccAlphabet); i++ {
		t[usccAlphabet[i]] = int8(i)
	}
	return t
}()

// usccWeights are the GB 32100 weights of positions 1–17 (3^(i-1) mod 31).
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheckChar computes the 18th character of a unified social credit code from its first 17
// (GB 32100: check = 31 − Σ value×weight mod 31, 31 → 0). first17 must be normalised: a
// character outside the alphabet (I, O, S, V, Z, lower case, symbols) is an error.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, codeError("统一社会信用代码本体应为17位，实为%d位 / the code body must have 17 characters, got %d",
			utf8.RuneCountInString(first17), utf8.RuneCountInString(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := usccValue[first17[i]]
		if v < 0 {
			return 0, badCharError("统一社会信用代码", "unified social credit code", first17, i)
		}
		sum += int(v) * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], nil
}

// badCharError reports the disallowed character at byte offset i of s by its 1-based
// character position.
func badCharError(nameZH, nameEN, s string, i int) error {
	r, _ := utf8.DecodeRuneInString(s[i:])
	pos := utf8.RuneCountInString(s[:i]) + 1
	return codeError("%s第%d位字符%q不允许 / %s: character %d %q is not allowed", nameZH, pos, r, nameEN, pos, r)
}

// orgCodeWeights are the GB 11714 weights of positions 1–8.
var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// orgCodeValue returns the GB 11714 value of an organisation code body character (0–9, A=10 …
// Z=35), or -1.
func orgCodeValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// OrgCodeCheckChar computes the 9th character of a GB 11714 organisation code from its first 8
// (check = 11 − Σ value×weight mod 11; 10 → X, 11 → 0). first8 must be normalised (digits and
// upper-case letters).
func OrgCodeCheckChar(first8 string) (byte, error) {
	if len(first8) != 8 {
		return 0, codeError("组织机构代码本体应为8位，实为%d位 / the organisation code body must have 8 characters, got %d",
			utf8.RuneCountInString(first8), utf8.RuneCountInString(first8))
	}
	sum := 0
	for i := 0; i < 8; i++ {
		v := orgCodeValue(first8[i])
		if v < 0 {
			return 0, badCharError("组织机构代码", "organisation code", first8, i)
		}
		sum += v * orgCodeWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X', nil
	case 11:
		return '0', nil
	default:
		return byte('0' + c), nil
	}
}

// ValidateUSCC normalises and validates a unified social credit code (统一社会信用代码): 18
// characters of the GB 32100 alphabet (no I, O, S, V, Z), positions 1–2 a known registration
// authority and category, positions 3–8 the division code (six digits), positions 9–17 an
// organisation code with a valid GB 11714 check and position 18 the GB 32100 check character.
// It returns the canonical form; errors are *Error with Code EINVALID, Field "subject_code" and
// Rule RuleCode, naming the position at fault.
//
// A few early pilot codes fail the check and are nevertheless real: IdentifyCode accepts them
// when the admin has registered them as exceptions.
func ValidateUSCC(s string) (string, error) {
	n := NormalizeCode(s)
	if err := usccShape(n); err != nil {
		return "", err
	}
	if _, _, ok := USCCAuthority(n); !ok {
		if _, known := usccAuthorityName(n[0]); !known {
			return "", codeError("统一社会信用代码第1位登记管理部门代码%q无效 / unified social credit code: position 1, unknown registration authority %q",
				n[0], n[0])
		}
		return "", codeError("统一社会信用代码第2位机构类别代码%q不属于该登记管理部门 / unified social credit code: position 2, category %q is not defined for authority %q",
			n[1], n[1], n[0])
	}
	for i := 2; i < 8; i++ {
		if n[i] < '0' || n[i] > '9' {
			return "", codeError("统一社会信用代码第%d位应为数字（第3-8位为行政区划码） / unified social credit code: position %d must be a digit (positions 3-8 are the division code)",
				i+1, i+1)
		}
	}
	if c, _ := OrgCodeCheckChar(n[8:16]); n[16] != c {
		return "", codeError("统一社会信用代码第17位（组织机构代码校验位）错误，应为%c / unified social credit code: position 17 (organisation code check character) wrong, expected %c",
			c, c)
	}
	if c, _ := USCCCheckChar(n[:17]); n[17] != c {
		return "", codeError("统一社会信用代码第18位校验位错误，应为%c / unified social credit code: position 18 (check character) wrong, expected %c",
			c, c)
	}
	return n, nil
}

// usccShape checks that a normalised code has 18 characters of the GB 32100 alphabet.
func usccShape(n string) error {
	if n == "" {
		return codeError("统一社会信用代码为空 / unified social credit code is empty")
	}
	if c := utf8.RuneCountInString(n); c != 18 {
		return codeError("统一社会信用代码应为18位，实为%d位 / unified social credit code must have 18 characters, got %d", c, c)
	}
	for i := 0; i < len(n); i++ {
		if usccValue[n[i]] < 0 {
			return badUSCCChar(n, i)
		}
	}
	return nil
}

func badUSCCChar(n string, i int) error {
	r, _ := utf8.DecodeRuneInString(n[i:])
	pos := utf8.RuneCountInString(n[:i]) + 1
	return codeError("统一社会信用代码第%d位字符%q不允许（不使用I、O、S、V、Z及符号） / unified social credit code: character %d %q is not allowed (I, O, S, V, Z and symbols are never used)",
		pos, r, pos, r)
}

// usccCategory is one category (机构类别) of a registration authority.
type usccCategory struct {
	code byte
	name string
}

// usccAuthorities lists the registration authorities (登记管理部门) and their categories of GB
// 32100-2015 Annex A as amended.
var usccAuthorities = []struct {
	code       byte
	name       string
	categories []usccCategory
}{
	{'1', "机构编制", []usccCategory{{'1', "机关"}, {'2', "事业单位"}, {'3', "编办直接管理机构编制的群众团体"}, {'9', "其他"}}},
	{'2', "外交", []usccCategory{{'1', "外国常驻新闻机构"}, {'9', "其他"}}},
	{'3', "司法行政", []usccCategory{{'1', "律师执业机构"}, {'2', "公证处"}, {'3', "基层法律服务所"}, {'4', "司法鉴定机构"}, {'5', "仲裁委员会"}, {'9', "其他"}}},
	{'4', "文化", []usccCategory{{'1', "外国在华文化中心"}, {'9', "其他"}}},
	{'5', "民政", []usccCategory{{'1', "社会团体"}, {'2', "民办非企业单位"}, {'3', "基金会"}, {'9', "其他"}}},
	{'6', "旅游", []usccCategory{{'1', "外国旅游部门常驻代表机构"}, {'2', "港澳台地区旅游部门常驻内地（大陆）代表机构"}, {'9', "其他"}}},
	{'7', "宗教", []usccCategory{{'1', "宗教活动场所"}, {'2', "宗教院校"}, {'9', "其他"}}},
	{'8', "工会", []usccCategory{{'1', "基层工会"}, {'9', "其他"}}},
	{'9', "工商", []usccCategory{{'1', "企业"}, {'2', "个体工商户"}, {'3', "农民专业合作社"}}},
	{'A', "中央军委改革和编制办公室", []usccCategory{{'1', "军队事业单位"}, {'9', "其他"}}},
	{'N', "农业", []usccCategory{{'1', "组级集体经济组织"}, {'2', "村级集体经济组织"}, {'3', "乡镇级集体经济组织"}, {'9', "其他"}}},
	{'Y', "其他", []usccCategory{{'1', "其他"}}},
}

// usccAuthorityName returns the name of registration authority code a.
func usccAuthorityName(a byte) (string, bool) {
	for _, au := range usccAuthorities {
		if au.code == a {
			return au.name, true
		}
	}
	return "", false
}

// USCCAuthority returns the Chinese names of the registration authority (登记管理部门) and the
// category (机构类别) that positions 1–2 of a unified social credit code stand for; ok is false
// when the pair is not defined. Lower-case input is accepted.
func USCCAuthority(code string) (authority, category string, ok bool) {
	if len(code) < 2 {
		return "", "", false
	}
	a, c := upperASCII(code[0]), upperASCII(code[1])
	for _, au := range usccAuthorities {
		if au.code != a {
			continue
		}
		for _, cat := range au.categories {
			if cat.code == c {
				return au.name, cat.name, true
			}
		}
		return "", "", false
	}
	return "", "", false
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// USCCKind maps positions 1–2 of a unified social credit code to the kind of subject. Pairs
// without a kind of their own are KindOtherOrg.
func USCCKind(code string) SubjectKind {
	if len(code) < 2 {
		return KindOtherOrg
	}
	switch a, c := upperASCII(code[0]), upperASCII(code[1]); {
	case a == '9' && c == '1':
		return KindEnterprise
	case a == '9' && c == '2':
		return KindIndividualBusiness
	case a == '9' && c == '3':
		return KindFarmerCoop
	case a == '1' && c == '1':
		return KindGovernment
	case a == '1' && c == '2', a == 'A' && c == '1':
		return KindPublicInstitution
	case a == '1' && c == '3', a == '5' && c == '1':
		return KindSocialGroup
	case a == '5' && c == '2':
		return KindPrivateNonEnterprise
	case a == '5' && c == '3':
		return KindFoundation
	}
	return KindOtherOrg
}

// KindNameZH returns the Chinese name of a subject kind, or "" for an unknown kind.
func KindNameZH(k SubjectKind) string {
	switch k {
	case KindEnterprise:
		return "企业"
	case KindIndividualBusiness:
		return "个体工商户"
	case KindFarmerCoop:
		return "农民专业合作社"
	case KindGovernment:
		return "机关"
	case KindPublicInstitution:
		return "事业单位"
	case KindSocialGroup:
		return "社会团体"
	case KindPrivateNonEnterprise:
		return "民办非企业单位"
	case KindFoundation:
		return "基金会"
	case KindOtherOrg:
		return "其他组织"
	case KindPerson:
		return "自然人"
	}
	return ""
}

// residentIDWeights are the GB 11643 weights of positions 1–17 (2^(18-i) mod 11).
var residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentIDCheck is indexed by the weighted sum mod 11.
const residentIDCheck = "10X98765432"

// residentIDCheckChar computes the 18th character of a resident ID from 17 ASCII digits.
func residentIDCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * residentIDWeights[i]
	}
	return residentIDCheck[sum%11]
}

// ValidateResidentID validates a resident ID (居民身份证号码, GB 11643-1999): 17 digits and a
// check character (lower-case x accepted). A 15-digit legacy ID is converted to 18 (insert "19"
// before the 2-digit year, compute the check). The birth date (positions 7–14) must be a real
// date, from 1900-01-01 up to today's date; the division code (positions 1–6) must be in the
// table and still in use in the birth year or later (IDs are issued years after birth, with
// the code then current). It returns the canonical 18-character ID and the birth date
// (midnight UTC). Errors are as for ValidateUSCC; they never repeat the ID.
func ValidateResidentID(s string, today time.Time) (id string, birth time.Time, err error) {
	n := NormalizeCode(s)
	switch utf8.RuneCountInString(n) {
	case 18:
		for i := 0; i < 17; i++ {
			if n[i] < '0' || n[i] > '9' {
				return "", time.Time{}, idCharError(n, i, "应为数字 / must be a digit")
			}
		}
		if c := n[17]; (c < '0' || c > '9') && c != 'X' {
			return "", time.Time{}, idCharError(n, 17, "应为数字或X / must be a digit or X")
		}
	case 15:
		for i := 0; i < 15; i++ {
			if n[i] < '0' || n[i] > '9' {
				return "", time.Time{}, idCharError(n, i, "应为数字（15位旧号码全为数字） / must be a digit (a 15-digit legacy ID is all digits)")
			}
		}
		birth, err = idBirthDate(n[6:12], "19", 7, 12, today)
		if err != nil {
			return "", time.Time{}, err
		}
		if err := idRegion(n[:6], birth.Year()); err != nil {
			return "", time.Time{}, err
		}
		first17 := n[:6] + "19" + n[6:]
		return first17 + string(residentIDCheckChar(first17)), birth, nil
	case 0:
		return "", time.Time{}, codeError("身份证号码为空 / resident ID is empty")
	default:
		c := utf8.RuneCountInString(n)
		return "", time.Time{}, codeError("身份证号码应为18位（旧号码15位），实为%d位 / resident ID must have 18 characters (15 for a legacy ID), got %d", c, c)
	}
	birth, err = idBirthDate(n[6:14], "", 7, 14, today)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := idRegion(n[:6], birth.Year()); err != nil {
		return "", time.Time{}, err
	}
	if c := residentIDCheckChar(n); n[17] != c {
		return "", time.Time{}, codeError("身份证号码第18位校验位错误，应为%c / resident ID: position 18 (check character) wrong, expected %c", c, c)
	}
	return n, birth, nil
}

// idCharError reports a wrong character at byte offset i of a resident ID, by position only
// (the ID is personal information).
func idCharError(n string, i int, what string) error {
	pos := utf8.RuneCountInString(n[:i]) + 1
	zh, en, _ := strings.Cut(what, " / ")
	return codeError("身份证号码第%d位%s / resident ID: position %d %s", pos, zh, pos, en)
}

// idBirthDate parses the birth date digits of a resident ID (YYYYMMDD, or YYMMDD with century
// prefix) at positions from–to, and checks it lies in [1900-01-01, today].
func idBirthDate(digits, century string, from, to int, today time.Time) (time.Time, error) {
	y, m, d, ok := parseYMD(digits, century)
	if !ok {
		return time.Time{}, codeError("身份证号码第%d-%d位出生日期不是有效日期 / resident ID: positions %d-%d, the birth date is not a valid date",
			from, to, from, to)
	}
	if y < 1900 {
		return time.Time{}, codeError("身份证号码第%d-%d位出生日期早于1900年 / resident ID: positions %d-%d, the birth date is before 1900",
			from, to, from, to)
	}
	ty, tm, td := today.Date()
	if y > ty || y == ty && (m > int(tm) || m == int(tm) && d > td) {
		return time.Time{}, codeError("身份证号码第%d-%d位出生日期晚于今天 / resident ID: positions %d-%d, the birth date is after today",
			from, to, from, to)
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

// parseYMD parses YYYYMMDD (century == "") or YYMMDD (century == "19") ASCII digits into a real
// calendar date.
func parseYMD(digits, century string) (y, m, d int, ok bool) {
	if len(digits)+len(century) != 8 {
		return 0, 0, 0, false
	}
	v := [8]int{}
	for i := 0; i < 8; i++ {
		var c byte
		if i < len(century) {
			c = century[i]
		} else {
			c = digits[i-len(century)]
		}
		if c < '0' || c > '9' {
			return 0, 0, 0, false
		}
		v[i] = int(c - '0')
	}
	y = v[0]*1000 + v[1]*100 + v[2]*10 + v[3]
	m = v[4]*10 + v[5]
	d = v[6]*10 + v[7]
	if m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// DaysInMonth returns the number of days of month m (1–12) of year y (Gregorian).
func DaysInMonth(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// idRegion checks the division code of a resident ID against the birth year.
func idRegion(code string, birthYear int) error {
	if !RegionKnown(code, birthYear) {
		return codeError("身份证号码第1-6位行政区划码%s不存在或在出生年份前已撤销 / resident ID: positions 1-6, division code %s is unknown or was abolished before the birth year",
			code, code)
	}
	return nil
}

// ValidateOrgCode validates a 9-character organisation code (组织机构代码, GB 11714), written with
// or without the hyphen before the check character ("12345678-9"). The canonical form has 9
// characters and no hyphen.
func ValidateOrgCode(s string) (string, error) {
	n := NormalizeCode(s)
	if n == "" {
		return "", codeError("组织机构代码为空 / organisation code is empty")
	}
	if c := utf8.RuneCountInString(n); c != 9 || len(n) != 9 {
		if c == 9 {
			for i := 0; i < len(n); i++ {
				if n[i] >= utf8.RuneSelf {
					return "", badCharError("组织机构代码", "organisation code", n, i)
				}
			}
		}
		return "", codeError("组织机构代码应为9位，实为%d位 / organisation code must have 9 characters, got %d", c, c)
	}
	c, err := OrgCodeCheckChar(n[:8])
	if err != nil {
		return "", err
	}
	if n[8] != c {
		if n[8] != 'X' && (n[8] < '0' || n[8] > '9') {
			return "", badCharError("组织机构代码", "organisation code", n, 8)
		}
		return "", codeError("组织机构代码第9位校验位错误，应为%c / organisation code: position 9 (check character) wrong, expected %c", c, c)
	}
	return n, nil
}

// regNoCheckDigit computes the ISO 7064 MOD 11,10 check digit over 14 ASCII digits.
func regNoCheckDigit(first14 string) byte {
	p := 10
	for i := 0; i < 14; i++ {
		s := (p + int(first14[i]-'0')) % 10
		if s == 0 {
			s = 10
		}
		p = s * 2 % 11
	}
	return byte('0' + (11-p)%10)
}

// ValidateRegNo validates a 15-digit enterprise registration number (工商注册号): the first 6
// digits are the registering authority's division code (not checked against the table: numbers
// outlive their divisions and the State Administration used "100000"), the 15th is the ISO 7064
// MOD 11,10 check digit over the first 14.
func ValidateRegNo(s string) (string, error) {
	n := NormalizeCode(s)
	if n == "" {
		return "", codeError("注册号为空 / registration number is empty")
	}
	if c := utf8.RuneCountInString(n); c != 15 {
		return "", codeError("注册号应为15位数字，实为%d位 / registration number must have 15 digits, got %d", c, c)
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			pos := utf8.RuneCountInString(n[:i]) + 1
			return "", codeError("注册号第%d位应为数字 / registration number: position %d must be a digit", pos, pos)
		}
	}
	if c := regNoCheckDigit(n); n[14] != c {
		return "", codeError("注册号第15位校验位错误，应为%c / registration number: position 15 (check digit) wrong, expected %c", c, c)
	}
	return n, nil
}

// CodeType names what an identifier is.
type CodeType string

// Code types found by IdentifyCode.
const (
	CodeUSCC       CodeType = "uscc"        // 统一社会信用代码
	CodeResidentID CodeType = "resident_id" // 居民身份证号码
	CodeOrgCode    CodeType = "org_code"    // 组织机构代码
	CodeRegNo      CodeType = "reg_no"      // 工商注册号
	CodeUnknown    CodeType = "unknown"
)

// CodeResult is what IdentifyCode found out about one identifier.
type CodeResult struct {
	Input      string      `json:"input"`
	Canonical  string      `json:"canonical,omitempty"` // set when Valid
	Type       CodeType    `json:"type"`
	Valid      bool        `json:"valid"`
	Exception  bool        `json:"exception,omitempty"` // a registered real code that fails the check (known exception)
	Kind       SubjectKind `json:"kind,omitempty"`
	KindZH     string      `json:"kind_zh,omitempty"`
	Region     string      `json:"region,omitempty"`      // 6-digit division
	RegionName string      `json:"region_name,omitempty"` // e.g. 山东省威海市环翠区, empty when not in table
	Reason     string      `json:"reason,omitempty"`      // why invalid (Chinese / English)
}

// IdentifyCode decides what kind of identifier s is by its shape after NormalizeCode, and
// validates it as that:
//
//   - 18 characters: a resident ID when it is 17 digits + digit/X and validates as one;
//     otherwise a unified social credit code. An invalid all-digit string counts as a resident
//     ID when its positions 7–14 are a plausible birth date or its positions 1–2 are no
//     registration authority and category.
//   - 15 digits: a registration number when its MOD 11,10 check passes, else a legacy resident
//     ID when positions 7–12 are a plausible date (legacy IDs have no check), else an invalid
//     registration number.
//   - 9 characters: an organisation code.
//
// isException (nil allowed) reports whether the admin registered a canonical code as a known
// exception (DESIGN §4: some early pilot codes fail the check yet are real); such a code, if it
// has the right length and characters, is Valid with Exception set. For a resident ID,
// Canonical is the full ID: the caller masks it for display.
func IdentifyCode(s string, today time.Time, isException func(canonical string) bool) CodeResult {
	n := NormalizeCode(s)
	res := CodeResult{Input: s, Type: CodeUnknown}
	exception := func(c string) bool { return isException != nil && isException(c) }
	switch len(n) {
	case 18:
		idLike := isDigits(n[:17]) && (isDigits(n[17:]) || n[17] == 'X')
		var idErr error
		if idLike {
			var id string
			if id, _, idErr = ValidateResidentID(n, today); idErr == nil {
				return personResult(res, id)
			}
		}
		c, err := ValidateUSCC(n)
		if err == nil {
			return usccResult(res, c, false)
		}
		if usccShape(n) == nil && exception(n) {
			return usccResult(res, n, true)
		}
		if idLike {
			_, _, pairOK := USCCAuthority(n)
			if _, _, _, dateOK := parseYMD(n[6:14], ""); dateOK || !pairOK {
				res.Type, res.Reason = CodeResidentID, codeReason(idErr)
				return res
			}
		}
		res.Type, res.Reason = CodeUSCC, codeReason(err)
		return res
	case 15:
		if !isDigits(n) {
			break
		}
		c, err := ValidateRegNo(n)
		if err == nil {
			return regNoResult(res, c)
		}
		if _, _, _, dateOK := parseYMD(n[6:12], "19"); dateOK {
			id, _, idErr := ValidateResidentID(n, today)
			if idErr == nil {
				return personResult(res, id)
			}
			res.Type, res.Reason = CodeResidentID, codeReason(idErr)
			return res
		}
		res.Type, res.Reason = CodeRegNo, codeReason(err)
		return res
	case 9:
		res.Type = CodeOrgCode
		_, err := ValidateOrgCode(n)
		if err == nil || orgCodeShape(n) && exception(n) {
			res.Canonical, res.Valid, res.Exception = n, true, err != nil
			return res
		}
		res.Reason = codeReason(err)
		return res
	}
	if n == "" {
		res.Reason = "代码为空 / code is empty"
		return res
	}
	res.Reason = fmt.Sprintf("无法识别的代码（%d位） / unrecognised code (%d characters)",
		utf8.RuneCountInString(n), utf8.RuneCountInString(n))
	return res
}

// codeReason returns the message of a code validation error without the location suffix that
// Error adds.
func codeReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	} else if err != nil {
		return err.Error()
	}
	return ""
}

func personResult(res CodeResult, id string) CodeResult {
	res.Type, res.Valid, res.Canonical = CodeResidentID, true, id
	res.Kind, res.KindZH = KindPerson, KindNameZH(KindPerson)
	res.Region = id[:6]
	res.RegionName, _ = RegionName(res.Region, 0)
	return res
}

func usccResult(res CodeResult, code string, exception bool) CodeResult {
	res.Type, res.Valid, res.Canonical, res.Exception = CodeUSCC, true, code, exception
	res.Kind = USCCKind(code)
	res.KindZH = KindNameZH(res.Kind)
	if isDigits(code[2:8]) {
		res.Region = code[2:8]
		res.RegionName, _ = RegionName(res.Region, 0)
	}
	return res
}

func regNoResult(res CodeResult, code string) CodeResult {
	res.Type, res.Valid, res.Canonical = CodeRegNo, true, code
	res.Region = code[:6]
	res.RegionName, _ = RegionName(res.Region, 0)
	return res
}

// orgCodeShape reports whether n looks like an organisation code: 8 digits or upper-case letters
// and a digit or X.
func orgCodeShape(n string) bool {
	if len(n) != 9 {
		return false
	}
	for i := 0; i < 8; i++ {
		if orgCodeValue(n[i]) < 0 {
			return false
		}
	}
	return n[8] == 'X' || '0' <= n[8] && n[8] <= '9'
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MaskID masks a resident ID for display, keeping the first 4 and last 4 characters
// ("3701**********123X"). An ID of 8 characters or fewer is all stars: nothing of it may show.
func MaskID(id string) string {
	n := utf8.RuneCountInString(id)
	if n <= 8 {
		return strings.Repeat("*", n)
	}
	head := 0
	for i := 0; i < 4; i++ {
		_, w := utf8.DecodeRuneInString(id[head:])
		head += w
	}
	tail := len(id)
	for i := 0; i < 4; i++ {
		_, w := utf8.DecodeLastRuneInString(id[:tail])
		tail -= w
	}
	return id[:head] + strings.Repeat("*", n-8) + id[tail:]
}
