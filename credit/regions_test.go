package credit

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDivisionTableParses(t *testing.T) {
	table, err := parseDivisions(divisionsTSV)
	if err != nil {
		t.Fatal(err)
	}
	// One row per line but the header.
	if want := strings.Count(strings.TrimSpace(divisionsTSV), "\n"); len(table) != want {
		t.Errorf("table has %d codes, want %d", len(table), want)
	}
	for k, ps := range table {
		if k < 110000 || k > 829999 {
			t.Errorf("code %06d out of range", k)
		}
		for _, p := range ps {
			if p.name == "" || p.province == "" || !utf8.ValidString(p.name) || strings.ContainsAny(p.name, ",[]") {
				t.Errorf("code %06d: bad period %+v", k, p)
			}
		}
	}
}

func TestParseDivisions(t *testing.T) {
	const data = "code\tprovince\tname\tvalid_from\tvalid_until\n" +
		"# a comment\n" +
		"120110\t天津市\t东郊区,[1992-]东丽区\t\t1991\n" +
		"132426\t河北省\t完县,[1993-1994]顺平县\t\t1992\r\n" +
		"\n" +
		"990101\t测试省\t甲县\t1990\t1995\n" +
		"990101\t测试省\t甲市\t2000\n"
	table, err := parseDivisions(data)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32][]divisionPeriod{
		120110: {{0, 1991, "天津市", "东郊区"}, {1992, openYear, "天津市", "东丽区"}},
		132426: {{0, 1992, "河北省", "完县"}, {1993, 1994, "河北省", "顺平县"}},
		990101: {{1990, 1995, "测试省", "甲县"}, {2000, openYear, "测试省", "甲市"}},
	}
	if len(table) != len(want) {
		t.Fatalf("got %d codes, want %d: %v", len(table), len(want), table)
	}
	for k, ps := range want {
		got := table[k]
		if len(got) != len(ps) {
			t.Fatalf("code %d: got %v, want %v", k, got, ps)
		}
		for i := range ps {
			if got[i] != ps[i] {
				t.Errorf("code %d period %d: got %+v, want %+v", k, i, got[i], ps[i])
			}
		}
	}
	for _, bad := range []string{
		"12011\t天津市\t东郊区\t\t1991\n",
		"120110\t天津市\n",
		"120110\t天津市\t东郊区\tabc\t\n",
		"120110\t天津市\t东郊区\t\t19911\n",
		"120110\t天津市\t东郊区,[1992]东丽区\t\t1991\n",
		"120110\t天津市\t东郊区,[199x-]东丽区\t\t1991\n",
		"120110\t天津市\t东郊区\t\t1991\t\t\n",
	} {
		if _, err := parseDivisions(bad); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("parseDivisions(%q): error %v, want one for line 1", bad, err)
		}
	}
}

func TestRegionName(t *testing.T) {
	for _, tc := range []struct {
		code string
		year int
		want string
		ok   bool
	}{
		{"371002", 0, "山东省威海市环翠区", true},
		{"371002", 2020, "山东省威海市环翠区", true},
		{"371002", 1986, "", false}, // 威海市 and its districts date from 1987
		{"370000", 0, "山东省", true},
		{"371000", 0, "山东省威海市", true},
		{"110101", 0, "北京市东城区", true}, // 110100 市辖区 is no place
		{"110103", 0, "北京市崇文区", true},
		{"110103", 2011, "", false},
		{"110100", 0, "北京市市辖区", true},
		{"120110", 1990, "天津市东郊区", true},
		{"120110", 0, "天津市东丽区", true},
		{"132426", 1993, "河北省保定地区顺平县", true},
		{"510200", 1990, "四川省重庆市", true},
		{"441000", 1987, "广东省海口市", true},
		{"460100", 0, "海南省海口市", true},
		{"429004", 0, "湖北省仙桃市", true}, // under 省直辖县级行政单位
		{"810000", 0, "香港特别行政区", true},
		{"999999", 0, "", false},
		{"37100", 0, "", false},
		{"37100A", 0, "", false},
		{"", 0, "", false},
	} {
		got, ok := RegionName(tc.code, tc.year)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RegionName(%q, %d) = %q, %v; want %q, %v", tc.code, tc.year, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRegionKnown(t *testing.T) {
	for _, tc := range []struct {
		code string
		from int
		want bool
	}{
		{"371002", 0, true},
		{"371002", 1950, true}, // created 1987: in use after 1950
		{"371002", 2030, true}, // still in use
		{"440524", 1993, true}, // abolished after 1993
		{"440524", 1994, false},
		{"110103", 2010, true},
		{"110103", 2011, false},
		{"120110", 2020, true}, // renamed, same code
		{"132426", 1994, true},
		{"132426", 1995, false},
		{"999999", 0, false},
		{"abcdef", 0, false},
		{"3710021", 0, false},
	} {
		if got := RegionKnown(tc.code, tc.from); got != tc.want {
			t.Errorf("RegionKnown(%q, %d) = %v, want %v", tc.code, tc.from, got, tc.want)
		}
	}
}

func FuzzRegionName(f *testing.F) {
	f.Add("371002", 0)
	f.Add("110000", 1990)
	f.Add("000000", -1)
	f.Fuzz(func(t *testing.T, code string, year int) {
		name, ok := RegionName(code, year)
		if ok != (name != "") {
			t.Fatalf("RegionName(%q, %d) = %q, %v", code, year, name, ok)
		}
		if ok && !RegionKnown(code, 0) {
			t.Fatalf("RegionName(%q, %d) = %q, but RegionKnown says no", code, year, name)
		}
		if ok && year > 0 && !RegionKnown(code, year) {
			t.Fatalf("RegionName(%q, %d) = %q, but the code was not in use from %d", code, year, name, year)
		}
	})
}
