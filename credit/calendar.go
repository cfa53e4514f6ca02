package credit

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The working-day calendar (工作日历). Deadlines on the platform — objection answers, repair
// checks and decisions, 双公示 within 7 working days — count working days: Monday to Friday,
// minus the public holidays the State Council announces each year, plus the weekend days it
// turns into working days to make the holidays longer (调休, make-up working days). A year's
// arrangement is data (CalendarYear) an admin loads once the notice is out; a year that is not
// loaded falls back to the weekend rule alone.

// ChinaTime is the platform's civil time zone (UTC+8, no daylight saving). A moment's date for
// deadlines is its date here.
var ChinaTime = time.FixedZone("CST", 8*3600)

// Day returns the civil date of t in China time, as midnight UTC: the form every date on the
// platform takes (ParseDate gives the same).
func Day(t time.Time) time.Time {
	y, m, d := t.In(ChinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// HolidaySpan is one holiday in a year's arrangement: its name and first and last day off.
type HolidaySpan struct {
	Name string `json:"name"`
	From string `json:"from"` // YYYY-MM-DD
	To   string `json:"to"`   // YYYY-MM-DD, inclusive
}

// MakeupDay is a weekend day worked instead of a holiday day (调休上班).
type MakeupDay struct {
	Date string `json:"date"` // YYYY-MM-DD
	For  string `json:"for"`  // the holiday it belongs to
}

// CalendarYear is one year's holiday arrangement as the State Council General Office announces
// it (国务院办公厅关于部分节假日安排的通知).
type CalendarYear struct {
	Year      int           `json:"year"`
	Source    string        `json:"source"` // the notice: title, number, date
	SourceURL string        `json:"source_url,omitempty"`
	Holidays  []HolidaySpan `json:"holidays"`
	Makeup    []MakeupDay   `json:"makeup_workdays"`
	Version   int           `json:"version,omitempty"`   // set by the store: the n-th load of this year
	LoadedBy  string        `json:"loaded_by,omitempty"` // set by the store
	LoadedAt  time.Time     `json:"loaded_at,omitzero"`  // set by the store
}

// MaxCalendarBytes bounds a calendar file.
const MaxCalendarBytes = 64 << 10

// ParseCalendarYear reads and checks a year's arrangement in JSON. Every date must be a real
// date in the year; a holiday span must not run backwards or last more than 15 days; a make-up
// working day must fall on a Saturday or Sunday and not inside a holiday.
func ParseCalendarYear(b []byte) (*CalendarYear, error) {
	if len(b) > MaxCalendarBytes {
		return nil, &Error{Code: EINVALID, Rule: RuleMaxLength, Message: "日历文件过大 / calendar file too large"}
	}
	var y CalendarYear
	if err := json.Unmarshal(b, &y); err != nil {
		return nil, &Error{Code: EINVALID, Rule: "json", Message: "日历文件不是有效的 JSON / calendar file is not valid JSON: " + err.Error()}
	}
	if err := y.Check(); err != nil {
		return nil, err
	}
	return &y, nil
}

func calErr(field, msg string, args ...any) error {
	return &Error{Code: EINVALID, Field: field, Rule: "calendar", Message: fmt.Sprintf(msg, args...)}
}

// Check validates a year's arrangement (see ParseCalendarYear).
func (y *CalendarYear) Check() error {
	if y.Year < 2000 || y.Year > 2100 {
		return calErr("year", "年份须在 2000–2100 之间 / year must be 2000–2100: %d", y.Year)
	}
	if y.Source == "" {
		return calErr("source", "须注明依据的通知 / source: name the notice")
	}
	if len(y.Holidays) == 0 {
		return calErr("holidays", "至少须有一个节假日 / at least one holiday")
	}
	off := map[time.Time]bool{}
	for i, h := range y.Holidays {
		f := fmt.Sprintf("holidays[%d]", i)
		from, ok1 := y.date(h.From)
		to, ok2 := y.date(h.To)
		if !ok1 || !ok2 {
			return calErr(f, "日期须为 %d 年内的 YYYY-MM-DD / dates must be YYYY-MM-DD in %d: %q–%q", y.Year, y.Year, h.From, h.To)
		}
		if h.Name == "" {
			return calErr(f, "节假日须有名称 / a holiday needs a name")
		}
		if to.Before(from) || to.Sub(from) > 14*24*time.Hour {
			return calErr(f, "放假起止日期不合理 / holiday span must run forwards and last at most 15 days: %s–%s", h.From, h.To)
		}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			off[d] = true
		}
	}
	for i, m := range y.Makeup {
		f := fmt.Sprintf("makeup_workdays[%d]", i)
		d, ok := y.date(m.Date)
		if !ok {
			return calErr(f, "日期须为 %d 年内的 YYYY-MM-DD / date must be YYYY-MM-DD in %d: %q", y.Year, y.Year, m.Date)
		}
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return calErr(f, "调休上班日须为周六或周日 / a make-up working day must be a Saturday or Sunday: %s is a %s", m.Date, wd)
		}
		if off[d] {
			return calErr(f, "调休上班日不能在假期内 / a make-up working day cannot be a holiday: %s", m.Date)
		}
	}
	return nil
}

func (y *CalendarYear) date(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil && t.Year() == y.Year
}

// Calendar answers working-day questions from the loaded years; other years follow the
// weekend rule (Monday–Friday work). The zero Calendar is the weekend rule alone. A Calendar
// is read-only once built and safe for concurrent use.
type Calendar struct {
	years   map[int]*CalendarYear
	off     map[time.Time]bool // holiday days of loaded years
	makeup  map[time.Time]bool // make-up working days of loaded years
	ordered []int
}

// NewCalendar builds a calendar from checked years; a later year value replaces an earlier
// one for the same year.
func NewCalendar(years ...*CalendarYear) *Calendar {
	c := &Calendar{years: map[int]*CalendarYear{}, off: map[time.Time]bool{}, makeup: map[time.Time]bool{}}
	for _, y := range years {
		c.years[y.Year] = y
	}
	for n, y := range c.years {
		c.ordered = append(c.ordered, n)
		for _, h := range y.Holidays {
			from, _ := y.date(h.From)
			to, _ := y.date(h.To)
			for d := from; !d.IsZero() && !d.After(to); d = d.AddDate(0, 0, 1) {
				c.off[d] = true
			}
		}
		for _, m := range y.Makeup {
			if d, ok := y.date(m.Date); ok {
				c.makeup[d] = true
			}
		}
	}
	slices.Sort(c.ordered)
	return c
}

// Years returns the loaded years, oldest first.
func (c *Calendar) Years() []*CalendarYear {
	if c == nil {
		return nil
	}
	out := make([]*CalendarYear, 0, len(c.ordered))
	for _, n := range c.ordered {
		out = append(out, c.years[n])
	}
	return out
}

// Loaded reports whether year's arrangement is loaded (otherwise the weekend rule applies).
func (c *Calendar) Loaded(year int) bool {
	if c == nil {
		return false
	}
	_, ok := c.years[year]
	return ok
}

// IsWorkday reports whether the civil date of d (its Y-M-D as given) is a working day.
func (c *Calendar) IsWorkday(d time.Time) bool {
	d = dateOnly(d)
	if c != nil {
		if c.makeup[d] {
			return true
		}
		if c.off[d] {
			return false
		}
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays returns the n-th working day after d (d itself not counted), for n ≥ 0; n = 0
// gives d itself. A deadline of "within n working days from filing on d" is AddWorkdays(d, n):
// the last day on which the answer is still on time.
func (c *Calendar) AddWorkdays(d time.Time, n int) time.Time {
	d = dateOnly(d)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkday(d) {
			n--
		}
	}
	return d
}

// WorkdaysBetween counts the working days after a up to and including b (0 when b is not
// after a): the working days something filed on a took when done on b.
func (c *Calendar) WorkdaysBetween(a, b time.Time) int {
	a, b = dateOnly(a), dateOnly(b)
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

// dateOnly keeps the Y-M-D of t as given, at midnight UTC.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
