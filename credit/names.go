package credit

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// companyFormLong is the long spelling of the limited-liability company form; NormalizeName
// folds it to the short one (公司法: 有限责任公司 may be called 有限公司). 股份有限公司 is a
// different form and stays as it is.
const (
	companyFormLong  = "有限责任公司"
	companyFormShort = "有限公司"
)

// NormalizeName folds a subject name (主体名称) for search and matching, so that spellings of
// one name that differ only in form compare equal:
//
//   - full-width ASCII letters, digits and punctuation become half-width;
//   - （）【】〔〕［］﹙﹚ and [] become ();
//   - all whitespace (incl. U+3000), zero-width characters and middle dots (·・‧•) go;
//   - Latin letters become lower case;
//   - 有限责任公司 becomes 有限公司 (股份有限公司 stays).
//
// Chinese characters are kept as they are. NormalizeName is idempotent, and a name that is
// already normal is returned without allocating.
func NormalizeName(s string) string {
	if nameIsNormal(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // invalid UTF-8 arrives as U+FFFD, which is stable
		if r = foldNameRune(r); r >= 0 {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if strings.Contains(out, companyFormLong) {
		// The replacement cannot form a new 有限责任公司, so one pass suffices.
		out = strings.ReplaceAll(out, companyFormLong, companyFormShort)
	}
	return out
}

// nameIsNormal reports whether NormalizeName would return s unchanged.
func nameIsNormal(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' || c == '[' || c == ']' || c <= ' ' || c == 0x7F {
				return false
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 || foldNameRune(r) != r {
			return false
		}
		i += w
	}
	return !strings.Contains(s, companyFormLong)
}

// foldNameRune returns the folded form of r, or -1 when r is dropped.
func foldNameRune(r rune) rune {
	if 0x3400 <= r && r < 0xA000 { // CJK ideographs, the bulk of every name: kept as they are
		return r
	}
	if 0xFF01 <= r && r <= 0xFF5E { // full-width ASCII variants
		r -= 0xFEE0
	}
	switch r {
	case '[', '【', '〔', '﹙':
		return '('
	case ']', '】', '〕', '﹚':
		return ')'
	case '·', '\u0387', '•', '‧', '∙', '⋅', '・', '･', '⸱':
		return -1
	}
	switch {
	case 'A' <= r && r <= 'Z':
		return r + ('a' - 'A')
	case r < utf8.RuneSelf:
		if r == 0x7F || r < ' ' || r == ' ' {
			return -1
		}
		return r
	case unicode.IsSpace(r) || isInvisible(r):
		return -1
	case unicode.IsUpper(r) && unicode.Is(unicode.Latin, r):
		return unicode.ToLower(r)
	}
	return r
}

// MaskName masks a natural person's name for display: the first character stays, every other
// character becomes '*' ("张*", "欧阳**"). An empty name stays empty.
func MaskName(name string) string {
	if name == "" {
		return ""
	}
	_, w := utf8.DecodeRuneInString(name)
	return name[:w] + strings.Repeat("*", utf8.RuneCountInString(name[w:]))
}
