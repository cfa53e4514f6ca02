package credit

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// testToday is the fixed "today" of these tests.
var testToday = time.Date(2026, 5, 20, 15, 0, 0, 0, time.UTC)

// knownUSCC is a commonly cited real code, checked by hand:
//
//	position 18: values 9,1,3,5,0,1,0,0,M=21,0,0,0,1,0,0,Y=30,4 × weights 1,3,9,27,19,26,16,17,
//	20,29,25,13,8,24,10,30,28 = 9+3+27+135+26+420+8+900+112 = 1640; 1640 mod 31 = 28;
//	31 − 28 = 3 → '3'.
//	position 17 (organisation code M000100Y): M=22×3 + 1×5 + Y=34×2 = 139; 139 mod 11 = 7;
//	11 − 7 = 4 → '4'.
const knownUSCC = "91350100M000100Y43"

// makeUSCC completes a 16-character code body with both check characters.
func makeUSCC(t testing.TB, body16 string) string {
	t.Helper()
	oc, err := OrgCodeCheckChar(body16[8:16])
	if err != nil {
		t.Fatalf("OrgCodeCheckChar(%q): %v", body16[8:16], err)
	}
	first17 := body16 + string(oc)
	c, err := USCCCheckChar(first17)
	if err != nil {
		t.Fatalf("USCCCheckChar(%q): %v", first17, err)
	}
	return first17 + string(c)
}

// makeID completes 17 digits with the resident ID check character.
func makeID(first17 string) string { return first17 + string(residentIDCheckChar(first17)) }

// flip replaces the character at i with another one of the same class.
func flip(s string, i int, c byte) string { return s[:i] + string(c) + s[i+1:] }

// wantCodeError checks err is a subject code validation error whose message contains want.
func wantCodeError(t *testing.T, err error, want string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *Error containing %q", err, want)
	}
	if e.Code != EINVALID || e.Field != "subject_code" || e.Rule != RuleCode {
		t.Errorf("error = %+v, want code %s, field subject_code, rule %s", e, EINVALID, RuleCode)
	}
	if !strings.Contains(e.Message, want) {
		t.Errorf("message = %q, want it to contain %q", e.Message, want)
	}
	if zh, en, ok := strings.Cut(e.Message, " / "); !ok || zh == "" || en == "" {
		t.Errorf("message = %q, want \"Chinese / English\"", e.Message)
	}
}

func TestNormalizeCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{knownUSCC, knownUSCC},
		{"91350100m000100y43", knownUSCC},
		{" 9135 0100-M000 100Y43\t", knownUSCC},
		{"９１３５０１００Ｍ０００１００Ｙ４３", knownUSCC},
		{"９１３５０１００ｍ０００１００ｙ４３", knownUSCC},
		{"\ufeff91350100\u3000M000100Y43\u200b", knownUSCC},
		{"12345678－9", "123456789"},
		{"12345678—9", "123456789"},
		{"11010519491231002x", "11010519491231002X"},
		{"a中b", "A中B"},
		{"ab\xffc", "AB\ufffdC"},
	} {
		if got := NormalizeCode(tc.in); got != tc.want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUSCCCheckChar(t *testing.T) {
	c, err := USCCCheckChar(knownUSCC[:17])
	if err != nil || c != '3' {
		t.Fatalf("USCCCheckChar(%q) = %c, %v; want 3", knownUSCC[:17], c, err)
	}
	// A body whose sum is a multiple of 31 has check 31 → '0'.
	if c, err := USCCCheckChar("00000000000000000"); err != nil || c != '0' {
		t.Errorf("USCCCheckChar(zeros) = %c, %v; want 0", c, err)
	}
	for _, bad := range []string{"", "9135", "91350100M000100Y", "91350100M000100Y43", "91350100I000100Y4", "91350100m000100Y4"} {
		if _, err := USCCCheckChar(bad); err == nil {
			t.Errorf("USCCCheckChar(%q): no error", bad)
		}
	}
}

func TestOrgCodeCheckChar(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want byte
	}{
		// D=13: 13×3+2×7+1×9+4×10+3×5+5×8+6×4+9×2 = 199; 199 mod 11 = 1; 11−1 = 10 → X.
		{"D2143569", 'X'},
		// 1×3+2×7+3×9+4×10+5×5+6×8+7×4+8×2 = 201; 201 mod 11 = 3; 11−3 = 8.
		{"12345678", '8'},
		// sum 0; 11−0 = 11 → 0.
		{"00000000", '0'},
		{"M000100Y", '4'},
		{"MA3C5QT9", 'X'},
	} {
		if got, err := OrgCodeCheckChar(tc.in); err != nil || got != tc.want {
			t.Errorf("OrgCodeCheckChar(%q) = %c, %v; want %c", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "1234567", "123456789", "1234567a", "1234567-", "1234567中"} {
		if _, err := OrgCodeCheckChar(bad); err == nil {
			t.Errorf("OrgCodeCheckChar(%q): no error", bad)
		}
	}
}

func TestValidateUSCC(t *testing.T) {
	coop := makeUSCC(t, "93371002MA3C5QT9")
	valid := []struct{ in, want string }{
		{knownUSCC, knownUSCC},
		{"91350100m000100y43", knownUSCC},
		{"9135 0100 M000 100Y 43", knownUSCC},
		{"９１３５０１００Ｍ０００１００Ｙ４３", knownUSCC},
		{coop, coop},
		{makeUSCC(t, "12100000400000QX"), makeUSCC(t, "12100000400000QX")},
		{makeUSCC(t, "A1370000MB000001"), makeUSCC(t, "A1370000MB000001")},
		{makeUSCC(t, "N2371002MF000001"), makeUSCC(t, "N2371002MF000001")},
		{makeUSCC(t, "Y1110000MC000001"), makeUSCC(t, "Y1110000MC000001")},
		{makeUSCC(t, "21110000MD000001"), makeUSCC(t, "21110000MD000001")},
	}
	for _, tc := range valid {
		got, err := ValidateUSCC(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ValidateUSCC(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	invalid := []struct{ in, want string }{
		{"", "为空"},
		{"91350100M000100Y4", "应为18位，实为17位"},
		{"91350100M000100Y433", "应为18位，实为19位"},
		{"91350100M000100I43", "第16位字符'I'不允许"},
		{"91350100M000100O43", "第16位字符'O'不允许"},
		{"91350100M0001中0Y43", "第14位字符'中'不允许"},
		{"91350100M000中Y43", "实为16位"}, // 18 bytes, 16 characters
		{"91350100M000100Y4中", "第18位字符'中'不允许"},
		{"9135010中M000100Y43", "第8位字符'中'不允许"},
		{"B1350100M000100Y43", "第1位登记管理部门代码'B'无效"},
		{"94350100M000100Y43", "第2位机构类别代码'4'"},
		{"Y2350100M000100Y43", "第2位"},
		{"913501A0M000100Y43", "第7位应为数字"},
		{flip(knownUSCC, 16, '5'), "第17位（组织机构代码校验位）错误，应为4"},
		{flip(knownUSCC, 17, '4'), "第18位校验位错误，应为3"},
		{flip(knownUSCC, 3, '6'), "第18位校验位错误"},
	}
	for _, tc := range invalid {
		got, err := ValidateUSCC(tc.in)
		if got != "" {
			t.Errorf("ValidateUSCC(%q) = %q, want \"\"", tc.in, got)
		}
		wantCodeError(t, err, tc.want)
	}
}

func TestUSCCAuthorityAndKind(t *testing.T) {
	for _, tc := range []struct {
		code, authority, category string
		kind                      SubjectKind
	}{
		{"91", "工商", "企业", KindEnterprise},
		{"92", "工商", "个体工商户", KindIndividualBusiness},
		{"93", "工商", "农民专业合作社", KindFarmerCoop},
		{"11", "机构编制", "机关", KindGovernment},
		{"12", "机构编制", "事业单位", KindPublicInstitution},
		{"13", "机构编制", "编办直接管理机构编制的群众团体", KindSocialGroup},
		{"19", "机构编制", "其他", KindOtherOrg},
		{"A1", "中央军委改革和编制办公室", "军队事业单位", KindPublicInstitution},
		{"a1", "中央军委改革和编制办公室", "军队事业单位", KindPublicInstitution},
		{"51", "民政", "社会团体", KindSocialGroup},
		{"52", "民政", "民办非企业单位", KindPrivateNonEnterprise},
		{"53", "民政", "基金会", KindFoundation},
		{"31", "司法行政", "律师执业机构", KindOtherOrg},
		{"35", "司法行政", "仲裁委员会", KindOtherOrg},
		{"71", "宗教", "宗教活动场所", KindOtherOrg},
		{"81", "工会", "基层工会", KindOtherOrg},
		{"N3", "农业", "乡镇级集体经济组织", KindOtherOrg},
		{"Y1", "其他", "其他", KindOtherOrg},
	} {
		a, c, ok := USCCAuthority(tc.code + "0000000000000000")
		if !ok || a != tc.authority || c != tc.category {
			t.Errorf("USCCAuthority(%s…) = %q, %q, %v; want %q, %q", tc.code, a, c, ok, tc.authority, tc.category)
		}
		if k := USCCKind(tc.code); k != tc.kind {
			t.Errorf("USCCKind(%s) = %s, want %s", tc.code, k, tc.kind)
		}
	}
	for _, code := range []string{"", "9", "94", "99", "B1", "Y2", "N4", "1A", "0 "} {
		if a, c, ok := USCCAuthority(code); ok {
			t.Errorf("USCCAuthority(%q) = %q, %q, true; want not ok", code, a, c)
		}
		if k := USCCKind(code); k != KindOtherOrg {
			t.Errorf("USCCKind(%q) = %s, want other_org", code, k)
		}
	}
	for k, want := range map[SubjectKind]string{
		KindEnterprise: "企业", KindIndividualBusiness: "个体工商户", KindFarmerCoop: "农民专业合作社",
		KindGovernment: "机关", KindPublicInstitution: "事业单位", KindSocialGroup: "社会团体",
		KindPrivateNonEnterprise: "民办非企业单位", KindFoundation: "基金会", KindOtherOrg: "其他组织",
		KindPerson: "自然人", "nonsense": "",
	} {
		if got := KindNameZH(k); got != want {
			t.Errorf("KindNameZH(%s) = %q, want %q", k, got, want)
		}
	}
}

func TestValidateResidentID(t *testing.T) {
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	// 11010519491231002X is the example of GB 11643-1999: 1×7+1×9+0+1×5+0+5×4+1×2+9×1+4×6+9×3
	// +1×7+2×9+3×10+1×5+0+0+2×2 = 167; 167 mod 11 = 2 → "10X98765432"[2] = X.
	const example = "11010519491231002X"
	valid := []struct {
		in, want string
		birth    time.Time
	}{
		{example, example, date(1949, 12, 31)},
		{"11010519491231002x", example, date(1949, 12, 31)},
		{"110105 19491231 002X", example, date(1949, 12, 31)},
		{"１１０１０５１９４９１２３１００２Ｘ", example, date(1949, 12, 31)},
		// 15-digit legacy form of the same person.
		{"110105491231002", example, date(1949, 12, 31)},
		// 371002 (环翠区) only exists from 1987, but IDs are issued later with the then-current code.
		{makeID("37100219500101123"), makeID("37100219500101123"), date(1950, 1, 1)},
		// 440524 (潮阳县) was abolished after 1993: fine for someone born in 1993.
		{makeID("44052419931231001"), makeID("44052419931231001"), date(1993, 12, 31)},
		{makeID("11010520000229001"), makeID("11010520000229001"), date(2000, 2, 29)},
		{makeID("11010519000101001"), makeID("11010519000101001"), date(1900, 1, 1)},
		// Born today (in today's own time zone).
		{makeID("11010520260520001"), makeID("11010520260520001"), date(2026, 5, 20)},
	}
	for _, tc := range valid {
		id, birth, err := ValidateResidentID(tc.in, testToday)
		if err != nil || id != tc.want || !birth.Equal(tc.birth) {
			t.Errorf("ValidateResidentID(%q) = %q, %v, %v; want %q, %v", tc.in, id, birth, err, tc.want, tc.birth)
		}
	}
	invalid := []struct{ in, want string }{
		{"", "为空"},
		{"11010519491231002", "应为18位（旧号码15位），实为17位"},
		{"1101051949123100", "实为16位"},
		{"11010519491231002Y", "第18位应为数字或X"},
		{"1101051949123100XX", "第17位应为数字"},
		{"A1010519491231002X", "第1位应为数字"},
		{"11010519491231002中", "第18位应为数字或X"},
		{"1101051949123100中X", "第17位应为数字"},
		{"11010549123100A", "第15位应为数字"},
		{flip(example, 17, '3'), "第18位校验位错误，应为X"},
		{makeID("11010519490230002"), "第7-14位出生日期不是有效日期"},
		{makeID("11010519490001002"), "不是有效日期"},
		{makeID("11010519491301002"), "不是有效日期"},
		{makeID("11010519490100002"), "不是有效日期"},
		{makeID("11010519000229002"), "不是有效日期"}, // 1900 was no leap year
		{makeID("11010518991231002"), "早于1900年"},
		{makeID("11010520260521001"), "晚于今天"},
		{makeID("11010530000101001"), "晚于今天"},
		{makeID("99999919800101001"), "第1-6位行政区划码999999"},
		{makeID("44052419940101001"), "在出生年份前已撤销"},
		{"110105490230002", "第7-12位出生日期不是有效日期"},
		{"999999800101001", "行政区划码999999"},
	}
	for _, tc := range invalid {
		id, birth, err := ValidateResidentID(tc.in, testToday)
		if id != "" || !birth.IsZero() {
			t.Errorf("ValidateResidentID(%q) = %q, %v; want zero values", tc.in, id, birth)
		}
		wantCodeError(t, err, tc.want)
		if err != nil && len(tc.in) >= 15 && strings.Contains(err.Error(), NormalizeCode(tc.in)) {
			t.Errorf("ValidateResidentID(%q): error %q repeats the ID", tc.in, err)
		}
	}
}

func TestValidateOrgCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"D2143569X", "D2143569X"},
		{"D2143569-X", "D2143569X"},
		{"d2143569-x", "D2143569X"},
		{"12345678-8", "123456788"},
		{"000000000", "000000000"},
		{" MA3C5QT9－X ", "MA3C5QT9X"},
	} {
		if got, err := ValidateOrgCode(tc.in); err != nil || got != tc.want {
			t.Errorf("ValidateOrgCode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "为空"},
		{"12345678", "应为9位，实为8位"},
		{"12345678-90", "实为10位"},
		{"12345678-9", "第9位校验位错误，应为8"},
		{"1234567.8", "第8位字符'.'不允许"},
		{"1234567中8", "第8位字符'中'不允许"},
		{"12345678Y", "第9位字符'Y'不允许"},
	} {
		got, err := ValidateOrgCode(tc.in)
		if got != "" {
			t.Errorf("ValidateOrgCode(%q) = %q, want \"\"", tc.in, got)
		}
		wantCodeError(t, err, tc.want)
	}
}

func TestValidateRegNo(t *testing.T) {
	// ISO 7064 MOD 11,10 over 11010800000001, by hand: p runs 10→2→6→1→4→8→1→2→4→8→5→10→9→7→5
	// (each step s = (p+d) mod 10, 0 → 10; p = 2s mod 11); check = (11 − 5) mod 10 = 6.
	for _, tc := range []struct{ in, want string }{
		{"110108000000016", "110108000000016"},
		{"371002000000012", "371002000000012"},
		{"100000000000006", "100000000000006"},
		{"1101 0800 0000 016", "110108000000016"},
		{"９９９９９９０００００００１" + string(regNoCheckDigit("99999900000001")), "99999900000001" + string(regNoCheckDigit("99999900000001"))},
	} {
		if got, err := ValidateRegNo(tc.in); err != nil || got != tc.want {
			t.Errorf("ValidateRegNo(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "为空"},
		{"11010800000001", "应为15位数字，实为14位"},
		{"110108000000017", "第15位校验位错误，应为6"},
		{"11010800000A016", "第12位应为数字"},
		{"11010800000中016", "第12位应为数字"},
	} {
		got, err := ValidateRegNo(tc.in)
		if got != "" {
			t.Errorf("ValidateRegNo(%q) = %q, want \"\"", tc.in, got)
		}
		wantCodeError(t, err, tc.want)
	}
	// Every digit error is caught.
	for i := 0; i < 15; i++ {
		for d := byte('0'); d <= '9'; d++ {
			if c := "110108000000016"[i]; d != c {
				if _, err := ValidateRegNo(flip("110108000000016", i, d)); err == nil {
					t.Errorf("ValidateRegNo accepted a change of position %d to %c", i+1, d)
				}
			}
		}
	}
}

func TestIdentifyCode(t *testing.T) {
	const example = "11010519491231002X"
	badCheck := flip(knownUSCC, 17, '4')
	exceptions := map[string]bool{badCheck: true, "D21435690": true}
	isException := func(c string) bool { return exceptions[c] }
	// An all-digit USCC whose positions 7-14 ("00" + "100001") are no date.
	digitUSCC := makeUSCC(t, "9137100010000100")
	// A 15-digit string that fails the MOD 11,10 check but is a legacy ID.
	legacy, legacy18 := "110105491231001", makeID("11010519491231001")
	if _, err := ValidateRegNo(legacy); err == nil {
		t.Fatalf("test vector %s passes the registration number check", legacy)
	}
	for _, tc := range []struct {
		in   string
		want CodeResult
	}{
		{knownUSCC, CodeResult{Canonical: knownUSCC, Type: CodeUSCC, Valid: true, Kind: KindEnterprise, KindZH: "企业",
			Region: "350100", RegionName: "福建省福州市"}},
		{"91350100m000100y43", CodeResult{Canonical: knownUSCC, Type: CodeUSCC, Valid: true, Kind: KindEnterprise, KindZH: "企业",
			Region: "350100", RegionName: "福建省福州市"}},
		{digitUSCC, CodeResult{Canonical: digitUSCC, Type: CodeUSCC, Valid: true, Kind: KindEnterprise, KindZH: "企业",
			Region: "371000", RegionName: "山东省威海市"}},
		{badCheck, CodeResult{Canonical: badCheck, Type: CodeUSCC, Valid: true, Exception: true, Kind: KindEnterprise, KindZH: "企业",
			Region: "350100", RegionName: "福建省福州市"}},
		{flip(knownUSCC, 17, '5'), CodeResult{Type: CodeUSCC, Reason: "统一社会信用代码第18位校验位错误，应为3 / unified social credit code: position 18 (check character) wrong, expected 3"}},
		{"91350100M000100Y4", CodeResult{Type: CodeUnknown, Reason: "无法识别的代码（17位） / unrecognised code (17 characters)"}},
		{example, CodeResult{Canonical: example, Type: CodeResidentID, Valid: true, Kind: KindPerson, KindZH: "自然人",
			Region: "110105", RegionName: "北京市朝阳区"}},
		{"11010519491231002x", CodeResult{Canonical: example, Type: CodeResidentID, Valid: true, Kind: KindPerson, KindZH: "自然人",
			Region: "110105", RegionName: "北京市朝阳区"}},
		{legacy, CodeResult{Canonical: legacy18, Type: CodeResidentID, Valid: true, Kind: KindPerson, KindZH: "自然人",
			Region: "110105", RegionName: "北京市朝阳区"}},
		{flip(example, 17, '3'), CodeResult{Type: CodeResidentID, Reason: "身份证号码第18位校验位错误，应为X / resident ID: position 18 (check character) wrong, expected X"}},
		// Not a date, and 37 is no USCC authority + category: still a (bad) resident ID.
		{makeID("37100219491331002"), CodeResult{Type: CodeResidentID,
			Reason: "身份证号码第7-14位出生日期不是有效日期 / resident ID: positions 7-14, the birth date is not a valid date"}},
		{"110108000000016", CodeResult{Canonical: "110108000000016", Type: CodeRegNo, Valid: true, Region: "110108", RegionName: "北京市海淀区"}},
		{"110108000000017", CodeResult{Type: CodeRegNo, Reason: "注册号第15位校验位错误，应为6 / registration number: position 15 (check digit) wrong, expected 6"}},
		{"D2143569-X", CodeResult{Canonical: "D2143569X", Type: CodeOrgCode, Valid: true}},
		{"D2143569-0", CodeResult{Canonical: "D21435690", Type: CodeOrgCode, Valid: true, Exception: true}},
		{"D2143569-1", CodeResult{Type: CodeOrgCode, Reason: "组织机构代码第9位校验位错误，应为X / organisation code: position 9 (check character) wrong, expected X"}},
		{"", CodeResult{Type: CodeUnknown, Reason: "代码为空 / code is empty"}},
		{"  ", CodeResult{Type: CodeUnknown, Reason: "代码为空 / code is empty"}},
		{"张三", CodeResult{Type: CodeUnknown, Reason: "无法识别的代码（2位） / unrecognised code (2 characters)"}},
	} {
		got := IdentifyCode(tc.in, testToday, isException)
		tc.want.Input = tc.in
		if got != tc.want {
			t.Errorf("IdentifyCode(%q) =\n %+v\nwant\n %+v", tc.in, got, tc.want)
		}
	}
	// Without an exception list the bad code is just invalid.
	if got := IdentifyCode(badCheck, testToday, nil); got.Valid || got.Exception {
		t.Errorf("IdentifyCode(%q, nil) = %+v, want invalid", badCheck, got)
	}
}

func TestMaskID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"37010219850312123X", "3701**********123X"},
		{"370102850312123", "3701*******2123"},
		{"123456789", "1234*6789"},
		{"12345678", "********"},
		{"1234", "****"},
		{"", ""},
		{"身份证号码一二三四五", "身份证号**二三四五"},
	} {
		if got := MaskID(tc.in); got != tc.want {
			t.Errorf("MaskID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestValidatorsDoNotAllocate guards the import hot path: canonical input must not allocate.
func TestValidatorsDoNotAllocate(t *testing.T) {
	id := "11010519491231002X"
	for name, f := range map[string]func(){
		"NormalizeCode":      func() { NormalizeCode(knownUSCC) },
		"ValidateUSCC":       func() { _, _ = ValidateUSCC(knownUSCC) },
		"ValidateResidentID": func() { _, _, _ = ValidateResidentID(id, testToday) },
		"ValidateOrgCode":    func() { _, _ = ValidateOrgCode("D2143569X") },
		"ValidateRegNo":      func() { _, _ = ValidateRegNo("110108000000016") },
		"RegionKnown":        func() { RegionKnown("371002", 1950) },
		"USCCKind":           func() { _ = USCCKind(knownUSCC) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %.1f times per call, want 0", name, n)
		}
	}
}

// checkCodeErr fails when err is not nil and not a subject code validation error.
func checkCodeErr(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if err != nil && (!errors.As(err, &e) || e.Code != EINVALID || e.Field != "subject_code" || e.Rule != RuleCode || e.Message == "") {
		t.Fatalf("error %#v is not a subject code validation error", err)
	}
}

func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"", knownUSCC, " 9135 0100-m000 100y43", "９１３５０１００Ｍ", "\xef\xbc \xa1", "a\u3000-b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeCode(s)
		if NormalizeCode(n) != n {
			t.Fatalf("NormalizeCode not idempotent: %q -> %q -> %q", s, n, NormalizeCode(n))
		}
		if !utf8.ValidString(n) {
			t.Fatalf("NormalizeCode(%q) = %q is not valid UTF-8", s, n)
		}
		if strings.ContainsAny(n, " -\t\u3000abcdefghijklmnopqrstuvwxyz") {
			t.Fatalf("NormalizeCode(%q) = %q keeps a space, hyphen or lower-case letter", s, n)
		}
	})
}

func FuzzUSCCCheckChar(f *testing.F) {
	f.Add(knownUSCC[:17])
	f.Add("00000000000000000")
	f.Add("9135010OM000100Y4")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := USCCCheckChar(s)
		checkCodeErr(t, err)
		if err == nil && !strings.ContainsRune(usccAlphabet, rune(c)) {
			t.Fatalf("USCCCheckChar(%q) = %q, not in the alphabet", s, c)
		}
	})
}

func FuzzOrgCodeCheckChar(f *testing.F) {
	f.Add("D2143569")
	f.Add("0000000a")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := OrgCodeCheckChar(s)
		checkCodeErr(t, err)
		if err == nil {
			if _, err := ValidateOrgCode(s + string(c)); err != nil {
				t.Fatalf("OrgCodeCheckChar(%q) = %c, but ValidateOrgCode rejects it: %v", s, c, err)
			}
		}
	})
}

func FuzzValidateUSCC(f *testing.F) {
	for _, s := range []string{knownUSCC, "91350100m000100y43", flip(knownUSCC, 17, '4'), "91350100M000100Y4中", "", "A1350100M000100Y43"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ValidateUSCC(s)
		checkCodeErr(t, err)
		if err != nil {
			if c != "" {
				t.Fatalf("ValidateUSCC(%q) = %q with error %v", s, c, err)
			}
			return
		}
		if len(c) != 18 || c != NormalizeCode(s) {
			t.Fatalf("ValidateUSCC(%q) = %q, not the normalised 18 characters", s, c)
		}
		if again, err := ValidateUSCC(c); err != nil || again != c {
			t.Fatalf("canonical %q does not re-validate to itself: %q, %v", c, again, err)
		}
		if _, _, ok := USCCAuthority(c); !ok {
			t.Fatalf("valid %q has no authority", c)
		}
		// Any single change of the check character is caught.
		if _, err := ValidateUSCC(flip(c, 17, usccAlphabet[(strings.IndexByte(usccAlphabet, c[17])+1)%31])); err == nil {
			t.Fatalf("changed check character of %q accepted", c)
		}
	})
}

// FuzzUSCCConstructed builds well-formed codes from fuzz bytes, so the valid path is exercised
// too: they must validate, survive lower case and spacing, and any one changed character must be
// rejected (both checks are over a prime modulus with weights that are never 0, so every
// single substitution changes the sum).
func FuzzUSCCConstructed(f *testing.F) {
	f.Add([]byte("91350100M000100Y"), uint8(3), uint8(7))
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"), uint8(17), uint8(30))
	f.Fuzz(func(t *testing.T, seed []byte, pos, sub uint8) {
		if len(seed) < 16 {
			return
		}
		au := usccAuthorities[int(seed[0])%len(usccAuthorities)]
		cat := au.categories[int(seed[1])%len(au.categories)]
		body := []byte{au.code, cat.code}
		for i := 2; i < 8; i++ {
			body = append(body, '0'+seed[i]%10)
		}
		for i := 8; i < 16; i++ {
			body = append(body, usccAlphabet[int(seed[i])%len(usccAlphabet)])
		}
		code := makeUSCC(t, string(body))
		if got, err := ValidateUSCC(code); err != nil || got != code {
			t.Fatalf("ValidateUSCC(%q) = %q, %v", code, got, err)
		}
		if got, err := ValidateUSCC(" " + strings.ToLower(code[:9]) + "-" + code[9:]); err != nil || got != code {
			t.Fatalf("ValidateUSCC(lower-case %q) = %q, %v", code, got, err)
		}
		if USCCKind(code) == "" || KindNameZH(USCCKind(code)) == "" {
			t.Fatalf("no kind for %q", code)
		}
		i := int(pos) % 18
		c := usccAlphabet[(strings.IndexByte(usccAlphabet, code[i])+1+int(sub)%30)%31]
		if _, err := ValidateUSCC(flip(code, i, c)); err == nil {
			t.Fatalf("ValidateUSCC accepted %q, %q with position %d changed", flip(code, i, c), code, i+1)
		}
	})
}

func FuzzValidateResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "110105491231002", "11010519490230002X", "", "37100219500101123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, birth, err := ValidateResidentID(s, testToday)
		checkCodeErr(t, err)
		if err != nil {
			if id != "" || !birth.IsZero() {
				t.Fatalf("ValidateResidentID(%q) = %q, %v with error %v", s, id, birth, err)
			}
			return
		}
		if len(id) != 18 {
			t.Fatalf("ValidateResidentID(%q) = %q, want 18 characters", s, id)
		}
		again, birth2, err := ValidateResidentID(id, testToday)
		if err != nil || again != id || !birth2.Equal(birth) {
			t.Fatalf("canonical %q does not re-validate to itself: %q, %v, %v", id, again, birth2, err)
		}
		if birth.Before(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)) || birth.After(testToday) {
			t.Fatalf("ValidateResidentID(%q): birth %v out of range", s, birth)
		}
		if got := birth.Format("20060102"); got != id[6:14] {
			t.Fatalf("ValidateResidentID(%q): birth %s, ID says %s", s, got, id[6:14])
		}
	})
}

// FuzzResidentIDConstructed builds IDs from a table division, a date and a sequence number:
// they must be accepted exactly when the division was in use from the birth year on, and any one
// changed digit must be rejected.
func FuzzResidentIDConstructed(f *testing.F) {
	f.Add(uint16(0), uint32(0), uint16(123), uint8(3), uint8(1))
	f.Add(uint16(5000), uint32(40000), uint16(999), uint8(17), uint8(9))
	codes := make([]string, 0, len(divisionTable()))
	for k := range divisionTable() {
		codes = append(codes, fmt.Sprintf("%06d", k))
	}
	sort.Strings(codes)
	f.Fuzz(func(t *testing.T, region uint16, days uint32, seq uint16, pos, sub uint8) {
		code := codes[int(region)%len(codes)]
		birth := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(days%46000))
		if birth.After(testToday) {
			return
		}
		id := makeID(fmt.Sprintf("%s%s%03d", code, birth.Format("20060102"), seq%1000))
		got, gotBirth, err := ValidateResidentID(strings.ToLower(id), testToday)
		if known := RegionKnown(code, birth.Year()); known != (err == nil) {
			t.Fatalf("ValidateResidentID(%q) = %v, but RegionKnown(%s, %d) = %v", id, err, code, birth.Year(), known)
		}
		if err != nil {
			return
		}
		if got != id || !gotBirth.Equal(birth) {
			t.Fatalf("ValidateResidentID(%q) = %q, %v; want %v", id, got, gotBirth, birth)
		}
		i := int(pos) % 18
		digits := "0123456789X"
		c := digits[(strings.IndexByte(digits, id[i])+1+int(sub)%10)%11]
		if c == 'X' && i < 17 {
			c = digits[(strings.IndexByte(digits, id[i])+1)%10]
		}
		if _, _, err := ValidateResidentID(flip(id, i, c), testToday); err == nil {
			t.Fatalf("ValidateResidentID accepted %q, %q with position %d changed", flip(id, i, c), id, i+1)
		}
	})
}

func FuzzValidateOrgCode(f *testing.F) {
	for _, s := range []string{"D2143569X", "D2143569-x", "12345678-9", "1234567中8", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ValidateOrgCode(s)
		checkCodeErr(t, err)
		if err == nil {
			if again, err := ValidateOrgCode(c); err != nil || again != c || len(c) != 9 {
				t.Fatalf("canonical %q of %q does not re-validate to itself: %q, %v", c, s, again, err)
			}
		}
	})
}

func FuzzValidateRegNo(f *testing.F) {
	for _, s := range []string{"110108000000016", "110108000000017", "1101 0800 0000 016", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ValidateRegNo(s)
		checkCodeErr(t, err)
		if err == nil {
			if again, err := ValidateRegNo(c); err != nil || again != c || len(c) != 15 {
				t.Fatalf("canonical %q of %q does not re-validate to itself: %q, %v", c, s, again, err)
			}
		}
	})
}

func FuzzIdentifyCode(f *testing.F) {
	for _, s := range []string{knownUSCC, "11010519491231002X", "110105491231002", "110108000000016", "D2143569-X", "", "张三", flip(knownUSCC, 17, '4')} {
		f.Add(s)
	}
	exception := func(c string) bool { return strings.HasSuffix(c, "0") }
	f.Fuzz(func(t *testing.T, s string) {
		r := IdentifyCode(s, testToday, exception)
		if r.Input != s {
			t.Fatalf("IdentifyCode(%q).Input = %q", s, r.Input)
		}
		if r.Valid == (r.Reason != "") || r.Valid != (r.Canonical != "") {
			t.Fatalf("IdentifyCode(%q) = %+v: Valid, Reason and Canonical disagree", s, r)
		}
		if r.Exception && !r.Valid {
			t.Fatalf("IdentifyCode(%q) = %+v: an exception is valid", s, r)
		}
		if !r.Valid {
			return
		}
		again := IdentifyCode(r.Canonical, testToday, exception)
		if again.Canonical != r.Canonical || again.Type != r.Type || !again.Valid {
			t.Fatalf("IdentifyCode(%q) = %+v, but its canonical form gives %+v", s, r, again)
		}
		switch r.Type {
		case CodeUSCC:
			if r.Exception {
				break
			}
			if c, err := ValidateUSCC(r.Canonical); err != nil || c != r.Canonical {
				t.Fatalf("IdentifyCode(%q) says valid USCC, ValidateUSCC says %v", s, err)
			}
		case CodeResidentID:
			if id, _, err := ValidateResidentID(s, testToday); err != nil || id != r.Canonical || r.Kind != KindPerson {
				t.Fatalf("IdentifyCode(%q) says valid ID, ValidateResidentID says %q, %v", s, id, err)
			}
		case CodeRegNo:
			if _, err := ValidateRegNo(s); err != nil {
				t.Fatalf("IdentifyCode(%q) says valid reg no, ValidateRegNo says %v", s, err)
			}
		}
	})
}

func FuzzMaskID(f *testing.F) {
	f.Add("37010219850312123X")
	f.Add("1234")
	f.Add("*")
	f.Fuzz(func(t *testing.T, s string) {
		m := MaskID(s)
		n := utf8.RuneCountInString(s)
		if utf8.ValidString(s) && utf8.RuneCountInString(m) != n {
			t.Fatalf("MaskID(%q) = %q changes the length", s, m)
		}
		mr := []rune(m)
		for i, r := range mr {
			if (n <= 8 || 4 <= i && i < n-4) && r != '*' {
				t.Fatalf("MaskID(%q) = %q shows character %d", s, m, i+1)
			}
		}
	})
}

func BenchmarkValidateUSCC(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ValidateUSCC(knownUSCC); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateUSCCLowerSpaced(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ValidateUSCC("9135 0100 m000 100y 43"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateResidentID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ValidateResidentID("11010519491231002X", testToday); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIdentifyCode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		IdentifyCode(knownUSCC, testToday, nil)
	}
}
