package credit

import (
	"strings"
	"testing"
	"time"
)

var lt0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func blackType() *ListType {
	return &ListType{Code: "black_list", NameZH: "黑名单", Direction: DirectionPunishment, Basis: "国办发〔2020〕49号", ValidMonths: 36, Public: true}
}

func TestListTypeCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*ListType)
		field string
	}{
		{"ok", func(*ListType) {}, ""},
		{"code", func(l *ListType) { l.Code = "Black" }, "code"},
		{"name", func(l *ListType) { l.NameZH = " " }, "name_zh"},
		{"polarity", func(l *ListType) { l.Direction = "good" }, "polarity"},
		{"basis", func(l *ListType) { l.Basis = "" }, "basis"},
		{"validity", func(l *ListType) { l.ValidMonths = 121 }, "valid_months"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lt := blackType()
			tc.edit(lt)
			err := lt.Check()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Field != tc.field || e.Code != EINVALID {
				t.Fatalf("err = %v, want field %s", err, tc.field)
			}
		})
	}
}

func TestEntryLifecycle(t *testing.T) {
	lt := blackType()
	e, err := NewEntry(lt, "K", "K", "某公司", false, "fgw", "严重失信", "文1", time.Time{}, "user:1", lt0)
	if err != nil {
		t.Fatal(err)
	}
	if !e.ValidUntil.Equal(lt0.AddDate(3, 0, 0)) || e.Status != EntryProposed {
		t.Fatalf("new entry %+v", e)
	}
	steps := []struct {
		name string
		do   func() error
		want EntryStatus
		code string
	}{
		{"publish before confirm", func() error { return e.Publish(1, lt0) }, EntryProposed, ECONFLICT},
		{"self confirm", func() error { return e.Confirm("user:1", lt0) }, EntryProposed, EFORBIDDEN},
		{"confirm", func() error { return e.Confirm("user:2", lt0) }, EntryConfirmed, ""},
		{"confirm twice", func() error { return e.Confirm("user:2", lt0) }, EntryConfirmed, ECONFLICT},
		{"batch 0", func() error { return e.Publish(0, lt0) }, EntryConfirmed, EINVALID},
		{"publish", func() error { return e.Publish(6, lt0) }, EntryPublished, ""},
		{"remove without reason", func() error { return e.Remove("user:2", " ", lt0) }, EntryPublished, EINVALID},
		{"remove", func() error { return e.Remove("user:2", "信用修复", lt0) }, EntryRemoved, ""},
		{"remove twice", func() error { return e.Remove("user:2", "x", lt0) }, EntryRemoved, ECONFLICT},
	}
	for _, s := range steps {
		err := s.do()
		if ErrorCode(err) != s.code && !(s.code == "" && err == nil) {
			t.Fatalf("%s: err %v, want %q", s.name, err, s.code)
		}
		if e.Status != s.want {
			t.Fatalf("%s: status %s, want %s", s.name, e.Status, s.want)
		}
	}
	if e.InForce(lt0) || e.Expire(lt0.AddDate(5, 0, 0)) {
		t.Fatal("a removed entry is not in force and does not expire")
	}

	// Expiry is idempotent and only after the validity.
	f, _ := NewEntry(lt, "K", "K", "某公司", false, "fgw", "严重失信", "", lt0, "user:1", lt0)
	_ = f.Confirm("user:2", lt0)
	_ = f.Publish(1, lt0)
	if !f.InForce(lt0) || f.Expire(lt0.AddDate(2, 0, 0)) {
		t.Fatal("expired early")
	}
	if !f.Expire(lt0.AddDate(3, 0, 0)) || f.Status != EntryExpired || f.Expire(lt0.AddDate(4, 0, 0)) {
		t.Fatalf("expire: %+v", f)
	}

	// Bad proposals name the field.
	for _, tc := range []struct {
		key, dept, reason string
		field             string
	}{
		{"", "fgw", "r", "subject"},
		{"K", "", "r", "dept"},
		{"K", "fgw", " ", "reason"},
		{"K", "fgw", strings.Repeat("长", MaxListText+1), "reason"},
	} {
		_, err := NewEntry(lt, tc.key, "", "", false, tc.dept, tc.reason, "", time.Time{}, "u", lt0)
		if e, ok := err.(*Error); !ok || e.Field != tc.field {
			t.Fatalf("%+v: %v", tc, err)
		}
	}
	court := &ListType{Code: "court_defaulter", NameZH: "失信被执行人", Direction: DirectionPunishment, Dept: "fy", Basis: "法释〔2017〕7号"}
	if _, err := NewEntry(court, "K", "", "", false, "scjg", "r", "", time.Time{}, "u", lt0); ErrorCode(err) != EINVALID {
		t.Fatalf("wrong department: %v", err)
	}
}

func TestBatchTitle(t *testing.T) {
	for no, want := range map[int]string{0: "", 1: "第一批", 6: "第六批", 10: "第十批", 12: "第十二批", 20: "第二十批", 36: "第三十六批", 120: "第120批"} {
		if got := BatchTitle(no); got != want {
			t.Errorf("BatchTitle(%d) = %q, want %q", no, got, want)
		}
	}
}
