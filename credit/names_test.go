package credit

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalizeName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"威海市环翠区某某有限公司", "威海市环翠区某某有限公司"},
		{"威海市环翠区某某有限责任公司", "威海市环翠区某某有限公司"},
		{"某某股份有限公司", "某某股份有限公司"},
		{"某某股份有限责任公司", "某某股份有限公司"},
		{"某某 有限 责任公司", "某某有限公司"},
		{"某某\u3000科技\t有限公司", "某某科技有限公司"},
		{"某某（威海）有限公司", "某某(威海)有限公司"},
		{"某某【威海】有限公司", "某某(威海)有限公司"},
		{"某某〔威海〕[分公司]", "某某(威海)(分公司)"},
		{"ＡＢＣ科技有限公司", "abc科技有限公司"},
		{"ABC Technology Co., Ltd.", "abctechnologyco.,ltd."},
		{"ＡＢＣ１２３，．", "abc123,."},
		{"阿卜杜·热合曼", "阿卜杜热合曼"},
		{"阿卜杜・热合曼", "阿卜杜热合曼"},
		{"ÉCOLE", "école"},
		{"\ufeff某某公司\u200b", "某某公司"},
		{"某某\xff公司", "某某\ufffd公司"},
		{"有限责任有限责任公司公司", "有限责任有限公司公司"},
	} {
		if got := NormalizeName(tc.in); got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := NormalizeName(tc.want); got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, not idempotent", tc.want, got)
		}
	}
}

func TestNormalizeNameDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { NormalizeName("威海市环翠区某某科技有限公司(分公司)abc") }); n != 0 {
		t.Errorf("NormalizeName of a normal name allocates %.1f times, want 0", n)
	}
}

func TestMaskName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"张", "张"},
		{"张三", "张*"},
		{"欧阳小明", "欧***"},
		{"阿卜杜·热合曼", "阿******"},
		{"Li Lei", "L*****"},
	} {
		if got := MaskName(tc.in); got != tc.want {
			t.Errorf("MaskName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"", "某某有限责任公司", "ＡＢＣ（威海）", "a\u3000b·c", "有限 责任公司", "\xef\xbc \xa1", "Ǆ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeName(s)
		if again := NormalizeName(n); again != n {
			t.Fatalf("NormalizeName not idempotent: %q -> %q -> %q", s, n, again)
		}
		if !utf8.ValidString(n) {
			t.Fatalf("NormalizeName(%q) = %q is not valid UTF-8", s, n)
		}
		if strings.Contains(n, companyFormLong) {
			t.Fatalf("NormalizeName(%q) = %q keeps %s", s, n, companyFormLong)
		}
		for _, r := range n {
			if unicode.IsSpace(r) || 'A' <= r && r <= 'Z' || 0xFF01 <= r && r <= 0xFF5E || strings.ContainsRune("（）【】[]·", r) {
				t.Fatalf("NormalizeName(%q) = %q keeps %q", s, n, r)
			}
		}
		// CJK characters survive in order; only 责任 of 有限责任公司 may go.
		in, out := hanOnly(s), hanOnly(n)
		if !strings.Contains(in, "责任") && in != out || !isSubsequence(out, in) {
			t.Fatalf("NormalizeName(%q) = %q: CJK characters changed", s, n)
		}
	})
}

func FuzzMaskName(f *testing.F) {
	f.Add("张三")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		m := MaskName(s)
		if utf8.ValidString(s) && utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
			t.Fatalf("MaskName(%q) = %q changes the length", s, m)
		}
		if utf8.RuneCountInString(s) > 1 && m == s && strings.Trim(s[1:], "*") != "" {
			t.Fatalf("MaskName(%q) shows everything", s)
		}
	})
}

func hanOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isSubsequence reports whether the runes of sub appear in s in order.
func isSubsequence(sub, s string) bool {
	for _, r := range sub {
		i := strings.IndexRune(s, r)
		if i < 0 {
			return false
		}
		s = s[i+utf8.RuneLen(r):]
	}
	return true
}

func BenchmarkNormalizeName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NormalizeName("威海市环翠区某某科技有限公司")
	}
}

func BenchmarkNormalizeNameFolding(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NormalizeName("威海市环翠区 ＡＢＣ科技（威海）有限责任公司")
	}
}
