package catalog

import (
	"testing"
	"time"
)

// TestDefaultCalendar2026 holds the embedded 2026 file to the notice's dates (国办发明电〔2025〕7号).
func TestDefaultCalendar2026(t *testing.T) {
	ys, err := DefaultCalendars()
	if err != nil {
		t.Fatal(err)
	}
	if len(ys) != 1 || ys[0].Year != 2026 {
		t.Fatalf("years = %v", ys)
	}
	y := ys[0]
	wantOff := map[string][2]string{
		"元旦": {"2026-01-01", "2026-01-03"}, "春节": {"2026-02-15", "2026-02-23"}, "清明节": {"2026-04-04", "2026-04-06"},
		"劳动节": {"2026-05-01", "2026-05-05"}, "端午节": {"2026-06-19", "2026-06-21"}, "中秋节": {"2026-09-25", "2026-09-27"},
		"国庆节": {"2026-10-01", "2026-10-07"},
	}
	if len(y.Holidays) != len(wantOff) {
		t.Fatalf("holidays = %d", len(y.Holidays))
	}
	for _, h := range y.Holidays {
		if w := wantOff[h.Name]; w != [2]string{h.From, h.To} {
			t.Errorf("%s: %s–%s, want %v", h.Name, h.From, h.To, w)
		}
	}
	wantMakeup := []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}
	if len(y.Makeup) != len(wantMakeup) {
		t.Fatalf("make-up days = %v", y.Makeup)
	}
	for i, m := range y.Makeup {
		if m.Date != wantMakeup[i] {
			t.Errorf("make-up %d = %s, want %s", i, m.Date, wantMakeup[i])
		}
		day, _ := time.Parse(time.DateOnly, m.Date)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			t.Errorf("%s is a %s", m.Date, wd)
		}
	}
}
