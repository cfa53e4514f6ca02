package auth

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xinyong/xinyong/credit"
)

// MinPasswordLength is the shortest password allowed, in characters (a Chinese character
// counts as one).
const MinPasswordLength = 12

// Rules of the password policy, as they appear in the Rule of the error.
const (
	RulePasswordLength   = "password_length"
	RulePasswordClasses  = "password_classes"
	RulePasswordUsername = "password_username"
	RulePasswordCommon   = "password_common"
	RulePasswordChars    = "password_chars"
)

//go:embed common_passwords.txt
var commonPasswordsFile string

// commonPasswords holds the embedded list, lower case.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonPasswordsFile, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = true
		}
	}
	return m
}()

// commonStems are words that, padded with digits or symbols before or after, still make a
// guessable password ("Password@2026", "admin12345678", "2026xinyong!!").
var commonStems = map[string]bool{
	"a": true, "aa": true, "aaa": true, "abc": true, "abcd": true, "abcde": true, "abcdef": true, "abcdefg": true,
	"admin": true, "administrator": true, "root": true, "user": true, "guest": true, "test": true, "demo": true,
	"password": true, "passw0rd": true, "p@ssw0rd": true, "p@ssword": true, "pass": true, "pwd": true,
	"qwerty": true, "qwertyuiop": true, "qwer": true, "asdf": true, "asdfgh": true, "asdfghjkl": true,
	"zxcv": true, "zxcvbn": true, "zxcvbnm": true, "qaz": true, "qazwsx": true, "qazwsxedc": true,
	"iloveyou": true, "woaini": true, "aini": true, "love": true, "welcome": true, "letmein": true,
	"changeme": true, "china": true, "zhongguo": true, "xinyong": true, "xinyongban": true,
	"monkey": true, "dragon": true, "sunshine": true, "master": true, "hello": true, "superman": true,
}

// commonWords may not appear anywhere in a password: the words every guessing tool tries first.
var commonWords = []string{"password", "passw0rd", "p@ssw0rd", "p@ssword", "qwertyuiop", "1qaz2wsx", "xinyong"}

// CheckPasswordPolicy refuses a password that is too easy to guess, saying why in Chinese
// first: fewer than 12 characters, one kind of character only (all digits, all lower-case…),
// containing the user name, one of the most common passwords (an embedded list), containing
// one of the handful of most-guessed words, or a common word padded with digits or symbols.
// username may be "" (no check against it).
func CheckPasswordPolicy(pw, username string) error {
	fail := func(rule, msg string) error {
		return &credit.Error{Code: credit.EINVALID, Field: "password", Rule: rule, Message: msg}
	}
	if !utf8.ValidString(pw) || strings.ContainsFunc(pw, unicode.IsControl) {
		return fail(RulePasswordChars, "密码含有无效字符或控制字符 / password contains invalid or control characters")
	}
	if len(pw) > MaxPasswordBytes {
		return errTooLong
	}
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return fail(RulePasswordLength, "密码至少 12 个字符 / password must be at least 12 characters long")
	}
	if passwordClasses(pw) < 2 {
		return fail(RulePasswordClasses, "密码不能只由一类字符组成（如全为数字或全为小写字母），请混合大小写字母、数字或符号 / "+
			"password must mix at least two kinds of characters (lower case, upper case, digits, symbols)")
	}
	lower := strings.ToLower(pw)
	for _, name := range userNameParts(username) {
		if strings.Contains(lower, name) {
			return fail(RulePasswordUsername, "密码不能包含用户名 / password must not contain the user name")
		}
	}
	if commonPasswords[lower] {
		return fail(RulePasswordCommon, "该密码过于常见，容易被猜中 / this password is too common")
	}
	for _, w := range commonWords {
		if strings.Contains(lower, w) {
			return fail(RulePasswordCommon, "密码不能包含 "+w+" 这类最常被猜的词 / password must not contain a most-guessed word such as "+w)
		}
	}
	if commonStems[strings.TrimFunc(lower, notLetter)] {
		return fail(RulePasswordCommon, "该密码是常见词加数字或符号的变体，容易被猜中 / "+
			"this password is a common word padded with digits or symbols")
	}
	return nil
}

// passwordClasses counts the kinds of character in pw: lower case, upper case, digits, and
// everything else (symbols, spaces, Chinese characters).
func passwordClasses(pw string) int {
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = 1
		case r >= 'A' && r <= 'Z':
			upper = 1
		case r >= '0' && r <= '9':
			digit = 1
		default:
			other = 1
		}
	}
	return lower + upper + digit + other
}

// userNameParts returns the lower-case forms of a user name a password must not contain: the
// whole name and, for an e-mail address, its local part; names shorter than 3 characters are
// too short to judge by.
func userNameParts(username string) []string {
	var out []string
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if utf8.RuneCountInString(s) >= 3 {
			out = append(out, s)
		}
	}
	add(username)
	if local, _, ok := strings.Cut(username, "@"); ok {
		add(local)
	}
	return out
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }
