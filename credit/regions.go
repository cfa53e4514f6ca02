package credit

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The administrative division table (行政区划代码, GB/T 2260 and its yearly updates) says which
// 6-digit division codes existed when. Each row of data/admin_divisions.tsv is
//
//	code  province  name  valid_from  valid_until
//
// with inclusive years and a blank for "open". A renamed division keeps its code; the name
// column then lists the later names with their years, e.g. "东郊区,[1992-]东丽区" or
// "完县,[1993-1994]顺平县": each is a period of its own. A code may also have several rows.

//go:embed data/admin_divisions.tsv
var divisionsTSV string

// openYear stands for a blank valid_until.
const openYear = 9999

// divisionPeriod is one name of one division code and the years it was in use.
type divisionPeriod struct {
	from, until int    // inclusive; from 0 = since before the table starts, until openYear = still in use
	province    string // the province the division belonged to then
	name        string
}

func (p divisionPeriod) empty() bool { return p.from > p.until }

var divisions struct {
	once   sync.Once
	byCode map[int32][]divisionPeriod
}

// divisionTable returns the parsed table, parsing it on first use. The embedded file is checked
// by the tests, so rows that do not parse are skipped here rather than failing at run time.
func divisionTable() map[int32][]divisionPeriod {
	divisions.once.Do(func() {
		divisions.byCode, _ = parseDivisions(divisionsTSV)
	})
	return divisions.byCode
}

// parseDivisions parses the division table. It returns the rows it could parse and the first
// error, naming its line.
func parseDivisions(data string) (map[int32][]divisionPeriod, error) {
	type row struct {
		code int32
		p    divisionPeriod
	}
	rows := make([]row, 0, strings.Count(data, "\n")+8)
	var firstErr error
	fail := func(line int, format string, args ...any) {
		if firstErr == nil {
			firstErr = fmt.Errorf("admin_divisions.tsv line %d: "+format, append([]any{line}, args...)...)
		}
	}
	for line := 1; data != ""; line++ {
		var l string
		l, data, _ = strings.Cut(data, "\n")
		l = strings.TrimSuffix(l, "\r")
		if l == "" || l[0] == '#' || line == 1 && strings.HasPrefix(l, "code\t") {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) < 3 || len(f) > 5 {
			fail(line, "want 3 to 5 tab-separated columns, got %d", len(f))
			continue
		}
		f = append(f, "", "")[:5]
		code, ok := divisionKey(f[0])
		if !ok {
			fail(line, "code %q is not 6 digits", f[0])
			continue
		}
		from, err1 := parseYear(f[3], 0)
		until, err2 := parseYear(f[4], openYear)
		if err1 != nil || err2 != nil {
			fail(line, "bad year in %q / %q", f[3], f[4])
			continue
		}
		// The first name has the row's years; each ",[from-until]name" after it its own.
		names := strings.Split(f[2], ",[")
		rows = append(rows, row{code, divisionPeriod{from, until, f[1], names[0]}})
		for _, n := range names[1:] {
			years, name, ok := strings.Cut(n, "]")
			fy, uy, ok2 := strings.Cut(years, "-")
			if !ok || !ok2 || name == "" {
				fail(line, "bad renaming %q", n)
				continue
			}
			pf, err1 := parseYear(fy, 0)
			pu, err2 := parseYear(uy, openYear)
			if err1 != nil || err2 != nil {
				fail(line, "bad renaming years %q", years)
				continue
			}
			rows = append(rows, row{code, divisionPeriod{pf, pu, f[1], name}})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].code < rows[j].code })
	periods := make([]divisionPeriod, len(rows))
	byCode := make(map[int32][]divisionPeriod, len(rows))
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].code == rows[i].code {
			periods[j] = rows[j].p
			j++
		}
		byCode[rows[i].code] = periods[i:j:j]
		i = j
	}
	return byCode, firstErr
}

func parseYear(s string, blank int) (int, error) {
	if s == "" {
		return blank, nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 1900 || y > 2200 {
		return 0, fmt.Errorf("bad year %q", s)
	}
	return y, nil
}

// divisionKey turns a 6-digit code into its table key without allocating.
func divisionKey(code string) (int32, bool) {
	if len(code) != 6 {
		return 0, false
	}
	var k int32
	for i := 0; i < 6; i++ {
		c := code[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		k = k*10 + int32(c-'0')
	}
	return k, true
}

// divisionAt returns the period of code in use in year (0: the newest one).
func divisionAt(code string, year int) (divisionPeriod, bool) {
	k, ok := divisionKey(code)
	if !ok {
		return divisionPeriod{}, false
	}
	var best divisionPeriod
	found := false
	for _, p := range divisionTable()[k] {
		if p.empty() || year != 0 && (year < p.from || year > p.until) {
			continue
		}
		if !found || p.until > best.until || p.until == best.until && p.from > best.from {
			best, found = p, true
		}
	}
	return best, found
}

// RegionKnown reports whether division code was in use at any time in [fromYear, ∞); fromYear
// 0 means at any time at all.
func RegionKnown(code string, fromYear int) bool {
	k, ok := divisionKey(code)
	if !ok {
		return false
	}
	for _, p := range divisionTable()[k] {
		if !p.empty() && p.until >= fromYear {
			return true
		}
	}
	return false
}

// RegionName returns the full display name of a 6-digit division code as it was in year (0:
// its newest name), built from the province, the prefecture (code[:4]+"00") and the county,
// e.g. "山东省威海市环翠区" for 371002. ok is false when the code is not in the table or was not
// in use in year.
func RegionName(code string, year int) (string, bool) {
	p, ok := divisionAt(code, year)
	if !ok {
		return "", false
	}
	if code[2:] == "0000" {
		return p.name, true
	}
	if code[4:] == "00" {
		return p.province + p.name, true
	}
	// Name the prefecture as it was when the county last had this name.
	at := year
	if at == 0 && p.until != openYear {
		at = p.until
	}
	pref, ok := divisionAt(code[:4]+"00", at)
	if !ok && at != 0 {
		pref, ok = divisionAt(code[:4]+"00", 0)
	}
	if !ok || isPlaceholderDivision(pref.name) {
		return p.province + p.name, true
	}
	return p.province + pref.name + p.name, true
}

// isPlaceholderDivision reports whether a prefecture-level name is a grouping rather than a
// place (市辖区, 县, 省直辖县级行政单位 …) and so is left out of display names.
func isPlaceholderDivision(name string) bool {
	return name == "市辖区" || name == "县" || name == "市" || strings.Contains(name, "直辖")
}
