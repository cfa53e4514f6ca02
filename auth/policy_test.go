package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
)

func TestCheckPasswordPolicy(t *testing.T) {
	tests := []struct {
		pw, user string
		rule     string // "" = accepted
	}{
		{"Hai-Bei-Fen-2026", "zhangsan", ""},
		{"威海信用平台很安全2026", "zhangsan", ""},         // Chinese characters count one each, and as a class
		{"correct horse battery", "zhangsan", ""}, // letters and spaces
		{"7$3!9&2@5*1^", "", ""},                  // digits and symbols, no word
		{"Short-1", "zhangsan", RulePasswordLength},
		{"威海信用平台2026", "zhangsan", RulePasswordLength}, // 10 characters, though 22 bytes
		{"123456789012", "zhangsan", RulePasswordClasses},
		{"abcdefghijklmnop", "zhangsan", RulePasswordClasses},
		{"ABCDEFGHIJKLMNOP", "zhangsan", RulePasswordClasses},
		{"!@#$%^&*()_+{}", "zhangsan", RulePasswordClasses},
		{"ZhangSan-2026-x", "zhangsan", RulePasswordUsername},
		{"my-li.ming-2026", "li.ming@fgw.example.cn", RulePasswordUsername},
		{"Li-2026-password", "li", RulePasswordCommon}, // "li" is too short to judge by; "password" is not
		{"password1234", "", RulePasswordCommon},
		{"Password1234", "", RulePasswordCommon},
		{"qwertyuiop12", "", RulePasswordCommon},
		{"1qaz2wsx3edc", "", RulePasswordCommon},
		{"woaini1314520", "", RulePasswordCommon},
		{"Password@2026!", "", RulePasswordCommon}, // a common word padded
		{"2026!!Admin!!", "", RulePasswordCommon},
		{"Xinyong@20260401", "", RulePasswordCommon},
		{"a123456789012", "", RulePasswordCommon},
		{"Abc1234567890", "", RulePasswordCommon},
		{"good\x00password99", "", RulePasswordChars},
		{"bad\xffutf8-password", "", RulePasswordChars},
		{strings.Repeat("Ab1", 400), "", credit.RuleMaxLength},
	}
	for _, tt := range tests {
		err := CheckPasswordPolicy(tt.pw, tt.user)
		if tt.rule == "" {
			if err != nil {
				t.Errorf("CheckPasswordPolicy(%q, %q) = %v, want accepted", tt.pw, tt.user, err)
			}
			continue
		}
		var e *credit.Error
		if !errors.As(err, &e) || e.Rule != tt.rule || e.Code != credit.EINVALID || e.Field != "password" {
			t.Errorf("CheckPasswordPolicy(%.30q, %q) = %v, want rule %s", tt.pw, tt.user, err, tt.rule)
			continue
		}
		if !chineseFirst(e.Message) {
			t.Errorf("message %q is not Chinese first", e.Message)
		}
	}
}

// TestCommonPasswordsAllRefused: every entry of the embedded list is refused, whatever rule
// catches it first, and the list is not empty.
func TestCommonPasswordsAllRefused(t *testing.T) {
	if len(commonPasswords) < 50 {
		t.Fatalf("only %d common passwords loaded", len(commonPasswords))
	}
	for pw := range commonPasswords {
		if CheckPasswordPolicy(pw, "") == nil {
			t.Errorf("common password %q accepted", pw)
		}
	}
}

func TestLockout(t *testing.T) {
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	at := func(mins ...float64) []time.Time {
		out := make([]time.Time, len(mins))
		for i, m := range mins {
			out[i] = t0.Add(time.Duration(m * float64(time.Minute)))
		}
		return out
	}
	l := DefaultLockout // 5 within 15 min → 15 min
	tests := []struct {
		name     string
		lock     Lockout
		failures []time.Time
		now      float64 // minutes after t0
		until    float64 // minutes after t0; -1 = not locked
	}{
		{"none", l, nil, 0, -1},
		{"four", l, at(0, 1, 2, 3), 4, -1},
		{"five in a minute", l, at(0, 0.2, 0.4, 0.6, 0.8), 1, 15.8},
		{"five exactly over the window", l, at(0, 5, 10, 14, 15), 16, 30},
		{"five spread too far", l, at(0, 5, 10, 14, 15.1), 16, -1},
		{"lock over", l, at(0, 1, 2, 3, 4), 25, -1},
		{"lock just over", l, at(0, 1, 2, 3, 4), 19, -1},
		{"lock last minute", l, at(0, 1, 2, 3, 4), 18.99, 19},
		{"any order", l, at(4, 0, 3, 1, 2), 5, 19},
		{"future failures ignored", l, at(0, 1, 2, 3, 60), 5, -1},
		{"a later run extends", l, at(0, 1, 2, 3, 4, 20, 21, 22, 23, 24), 30, 39},
		{"six: the lock counts from the sixth", l, at(0, 1, 2, 3, 4, 10), 20, 25},
		{"zero lockout never locks", Lockout{}, at(0, 0, 0, 0, 0, 0, 0), 1, -1},
		{"one strike", Lockout{MaxFailures: 1, Window: time.Minute, LockFor: time.Hour}, at(0), 30, 60},
	}
	for _, tt := range tests {
		now := t0.Add(time.Duration(tt.now * float64(time.Minute)))
		locked, until := tt.lock.Check(tt.failures, now)
		if tt.until < 0 {
			if locked || !until.IsZero() {
				t.Errorf("%s: locked until %v, want unlocked", tt.name, until)
			}
			continue
		}
		want := t0.Add(time.Duration(tt.until * float64(time.Minute)))
		if !locked || !until.Equal(want) {
			t.Errorf("%s: Check = %v, %v; want locked until %v", tt.name, locked, until.Format("15:04:05"), want.Format("15:04:05"))
		}
	}
	// Since bounds what a store must load: failures before it cannot lock now.
	now := t0.Add(time.Hour)
	old := at(0, 1, 2, 3, 4, 5, 6, 7)
	for i := range old {
		old[i] = l.Since(now).Add(-time.Second * time.Duration(i+1))
	}
	if locked, _ := l.Check(old, now); locked {
		t.Error("failures before Since(now) locked the account")
	}
	if err := LockedError(t0); credit.ErrorCode(err) != credit.EFORBIDDEN || !strings.Contains(err.Error(), "09:00") {
		t.Errorf("LockedError = %v", err)
	}
}
