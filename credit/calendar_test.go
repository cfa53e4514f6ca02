package credit

import (
	"strings"
	"testing"
	"time"
)

// cal2026 is the 2026 arrangement (国办发明电〔2025〕7号) as the tests need it; catalog's
// tests hold the embedded file to the same dates.
var cal2026 = &CalendarYear{
	Year: 2026, Source: "国办发明电〔2025〕7号",
	Holidays: []HolidaySpan{
		{"元旦", "2026-01-01", "2026-01-03"}, {"春节", "2026-02-15", "2026-02-23"},
		{"清明节", "2026-04-04", "2026-04-06"}, {"劳动节", "2026-05-01", "2026-05-05"},
		{"端午节", "2026-06-19", "2026-06-21"}, {"中秋节", "2026-09-25", "2026-09-27"},
		{"国庆节", "2026-10-01", "2026-10-07"},
	},
	Makeup: []MakeupDay{
		{"2026-01-04", "元旦"}, {"2026-02-14", "春节"}, {"2026-02-28", "春节"},
		{"2026-05-09", "劳动节"}, {"2026-09-20", "国庆节"}, {"2026-10-10", "国庆节"},
	},
}

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCalendarIsWorkday(t *testing.T) {
	if err := cal2026.Check(); err != nil {
		t.Fatal(err)
	}
	c := NewCalendar(cal2026)
	for _, tc := range []struct {
		day  string
		work bool
	}{
		{"2026-02-13", true},  // Friday before the Spring Festival
		{"2026-02-14", true},  // Saturday, make-up working day
		{"2026-02-15", false}, // Sunday, first day off
		{"2026-02-16", false}, // Monday, holiday
		{"2026-02-23", false}, // Monday, last day off
		{"2026-02-24", true},  // Tuesday, back to work
		{"2026-02-28", true},  // Saturday, make-up working day
		{"2026-03-01", false}, // Sunday
		{"2026-01-04", true},  // Sunday, make-up for 元旦
		{"2026-01-02", false}, // Friday, 元旦
		{"2026-10-10", true},
		{"2026-10-11", false},
		{"2027-02-06", false}, // 2027 not loaded: weekend rule (Saturday)
		{"2027-02-08", true},  // Monday
	} {
		if got := c.IsWorkday(d(tc.day)); got != tc.work {
			t.Errorf("IsWorkday(%s) = %v, want %v", tc.day, got, tc.work)
		}
	}
	var zero *Calendar
	if !zero.IsWorkday(d("2026-02-16")) || zero.IsWorkday(d("2026-02-14")) {
		t.Error("nil calendar must follow the weekend rule")
	}
}

func TestCalendarAddWorkdays(t *testing.T) {
	c := NewCalendar(cal2026)
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-02-12", 0, "2026-02-12"},
		{"2026-02-12", 1, "2026-02-13"},  // Thu → Fri
		{"2026-02-12", 2, "2026-02-14"},  // Sat 2-14 is a make-up working day
		{"2026-02-12", 3, "2026-02-24"},  // nine days off, back on Tue
		{"2026-02-13", 3, "2026-02-25"},  // Fri filing: 2-14, 2-24, 2-25
		{"2026-02-14", 5, "2026-02-28"},  // 24, 25, 26, 27, then Sat 28 (make-up)
		{"2026-02-14", 6, "2026-03-02"},  // Sun 3-01 is rest
		{"2026-02-16", 1, "2026-02-24"},  // filed during the holiday
		{"2026-02-10", 10, "2026-02-27"}, // 11,12,13,14,24,25,26,27 = 8 … see below
		{"2026-09-30", 1, "2026-10-08"},  // across 国庆
		{"2026-09-18", 1, "2026-09-20"},  // Fri → Sun make-up
		{"2026-12-31", 1, "2027-01-01"},  // 2027 not loaded: Friday works by the weekend rule
	} {
		if tc.from == "2026-02-10" {
			// 2-11 (1), 12 (2), 13 (3), 14 (4), 24 (5), 25 (6), 26 (7), 27 (8), 28 (9), 3-02 (10).
			tc.want = "2026-03-02"
		}
		if got := c.AddWorkdays(d(tc.from), tc.n); !got.Equal(d(tc.want)) {
			t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tc.from, tc.n, got.Format(time.DateOnly), tc.want)
		}
		if tc.n > 0 {
			if got := c.WorkdaysBetween(d(tc.from), d(tc.want)); got != tc.n {
				t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tc.from, tc.want, got, tc.n)
			}
		}
	}
	if got := c.WorkdaysBetween(d("2026-03-02"), d("2026-02-01")); got != 0 {
		t.Errorf("backwards WorkdaysBetween = %d", got)
	}
	// The weekend rule alone differs over the Spring Festival.
	if got := (*Calendar)(nil).AddWorkdays(d("2026-02-12"), 3); !got.Equal(d("2026-02-17")) {
		t.Errorf("weekend rule AddWorkdays = %s", got.Format(time.DateOnly))
	}
}

func TestDay(t *testing.T) {
	// 17:00 UTC on 2026-02-13 is already 2026-02-14 in China.
	if got := Day(time.Date(2026, 2, 13, 17, 0, 0, 0, time.UTC)); !got.Equal(d("2026-02-14")) {
		t.Errorf("Day = %s", got)
	}
}

func TestParseCalendarYearErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{`, "JSON"},
		{`{"year":1990,"source":"x","holidays":[{"name":"a","from":"1990-01-01","to":"1990-01-01"}]}`, "year"},
		{`{"year":2026,"holidays":[{"name":"a","from":"2026-01-01","to":"2026-01-01"}]}`, "source"},
		{`{"year":2026,"source":"x","holidays":[]}`, "holiday"},
		{`{"year":2026,"source":"x","holidays":[{"name":"a","from":"2027-01-01","to":"2027-01-01"}]}`, "holidays[0]"},
		{`{"year":2026,"source":"x","holidays":[{"name":"a","from":"2026-01-05","to":"2026-01-01"}]}`, "forwards"},
		{`{"year":2026,"source":"x","holidays":[{"name":"a","from":"2026-01-01","to":"2026-01-01"}],"makeup_workdays":[{"date":"2026-01-05"}]}`, "Saturday or Sunday"},
		{`{"year":2026,"source":"x","holidays":[{"name":"a","from":"2026-01-01","to":"2026-01-04"}],"makeup_workdays":[{"date":"2026-01-04"}]}`, "cannot be a holiday"},
	} {
		_, err := ParseCalendarYear([]byte(tc.body))
		if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseCalendarYear(%s) = %v, want EINVALID mentioning %q", tc.body, err, tc.want)
		}
	}
}

func FuzzParseCalendarYear(f *testing.F) {
	f.Add([]byte(`{"year":2026,"source":"x","holidays":[{"name":"春节","from":"2026-02-15","to":"2026-02-23"}],"makeup_workdays":[{"date":"2026-02-14","for":"春节"}]}`))
	f.Add([]byte(`{"year":2026}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		y, err := ParseCalendarYear(b)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("error without EINVALID: %v", err)
			}
			return
		}
		c := NewCalendar(y)
		for _, m := range y.Makeup {
			if !c.IsWorkday(d(m.Date)) {
				t.Fatalf("make-up day %s is not a working day", m.Date)
			}
		}
		start := time.Date(y.Year, 1, 1, 0, 0, 0, 0, time.UTC)
		if got := c.WorkdaysBetween(start, c.AddWorkdays(start, 20)); got != 20 {
			t.Fatalf("WorkdaysBetween(AddWorkdays(20)) = %d", got)
		}
	})
}
