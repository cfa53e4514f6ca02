package catalog

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/xinyong/xinyong/credit"
)

// The built-in working-day calendars (工作日历), one file per year under calendar/, each
// transcribing the State Council General Office's notice on that year's holidays:
//
//   - 2026.json: 国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号), issued
//     2025-11-04 and published by Xinhua the same day. Seven holidays; make-up working days
//     Sun 1-04 (元旦), Sat 2-14 and Sat 2-28 (春节, 2-15 to 2-23, nine days), Sat 5-09 (劳动节),
//     Sun 9-20 and Sat 10-10 (国庆节). 清明、端午、中秋 need no make-up day.
//
// A city loads later years with `xinyong calendar load FILE` once the next notice is out.
//
//go:embed calendar/*.json
var calendars embed.FS

// DefaultCalendars returns the built-in years, checked.
func DefaultCalendars() ([]*credit.CalendarYear, error) {
	names, err := fs.Glob(calendars, "calendar/*.json")
	if err != nil {
		return nil, err
	}
	var out []*credit.CalendarYear
	for _, n := range names {
		b, err := calendars.ReadFile(n)
		if err != nil {
			return nil, err
		}
		y, err := credit.ParseCalendarYear(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out = append(out, y)
	}
	return out, nil
}
