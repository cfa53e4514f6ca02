package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xinyong/xinyong/credit"
)

// kindInfo describes one kind of legal subject in the demo city.
type kindInfo struct {
	kind     credit.SubjectKind
	prefix   string  // USCC positions 1–2 (registration authority, category)
	share    float64 // of Config.Legal
	activity float64 // how many records a subject of this kind tends to have, relative to a firm
}

// kinds lists the legal-subject kinds with their shares of Config.Legal (the brief: ~80%
// enterprises, ~12% individual businesses, ~3% co-operatives, the rest organisations).
// kinds[0] takes the rounding remainder.
var kinds = []kindInfo{
	{credit.KindEnterprise, "91", 0.80, 1},
	{credit.KindIndividualBusiness, "92", 0.12, 0.45},
	{credit.KindFarmerCoop, "93", 0.03, 0.35},
	{credit.KindPublicInstitution, "12", 0.012, 0.3},
	{credit.KindSocialGroup, "51", 0.012, 0.15},
	{credit.KindPrivateNonEnterprise, "52", 0.021, 0.2},
	{credit.KindFoundation, "53", 0.002, 0.15},
	{credit.KindGovernment, "11", 0.003, 0.05},
}

// Indexes into kinds.
const (
	kEnterprise = iota
	kIndividual
	kCoop
	kInstitution
	kGroup
	kPrivate
	kFoundation
	kGovernment
)

// Registration statuses of a legal subject.
const (
	statusActive = iota
	statusDeregistered
	statusRevoked
)

// legalSubject is one legal person or other organisation of the demo city.
type legalSubject struct {
	code     string // unified social credit code
	name     string
	former   string // 曾用名, "" if none
	regNo    string // legacy 15-digit registration number, "" if none
	address  string
	rep      int32 // index into city.persons: the legal representative (法定代表人)
	est      day   // established (成立日期)
	kind     uint8 // index into kinds
	dist     int8  // index into districts; -1 = registered at city level
	status   uint8
	industry int16   // index into industries; -1 for non-business kinds
	capital  float64 // registered capital in 万元 (0 = none)
}

func (s *legalSubject) orgCode() string { return s.code[8:17] }

// person is one natural person of the demo city.
type person struct {
	id    string // 18-digit resident ID
	name  string
	birth day
	dist  int8 // district of residence
}

// department is a catalog department with what the demo needs to write about it.
type department struct {
	credit.Department
	name string // display name, with the city prefix
	code string // its own unified social credit code (机关, 11)
	abbr string // abbreviation in document numbers (威环罚字 → 环)
}

// city is the whole synthetic population.
type city struct {
	today   day
	legal   []legalSubject
	persons []person
	depts   map[string]*department
	// activity[i] is subject i's propensity to have records, risk[i] its propensity to have
	// negative ones; both heavy-tailed so that a few subjects have many records.
	legalActivity, legalRisk   []float64
	personActivity, personRisk []float64
}

// buildCity creates the persons, the legal subjects and the departments from the seed.
func buildCity(cfg Config, cat *credit.Catalog) (*city, error) {
	c := &city{today: dayOf(cfg.Today), depts: make(map[string]*department, len(cat.Departments))}
	if err := c.buildPersons(cfg); err != nil {
		return nil, err
	}
	if err := c.buildDepartments(cfg, cat); err != nil {
		return nil, err
	}
	if err := c.buildLegal(cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// buildPersons creates cfg.Persons natural persons born 1950–2005 with unique resident IDs.
func (c *city) buildPersons(cfg Config) error {
	r := newRand(cfg.Seed, "persons")
	sur := newPicker(surnames)
	lastBirth := min(civilDay(2005, 12, 31), c.today.addYears(-1))
	firstBirth := civilDay(1950, 1, 1)
	byYearLocal := regionsByYear(localBirth)
	byYearOther := regionsByYear(otherBirth)
	seen := make(map[string]struct{}, cfg.Persons)
	c.persons = make([]person, cfg.Persons)
	c.personActivity = make([]float64, cfg.Persons)
	c.personRisk = make([]float64, cfg.Persons)
	var buf []byte
	for i := range c.persons {
		p := &c.persons[i]
		p.birth = firstBirth + days(r.IntN(int(lastBirth-firstBirth)+1))
		p.dist = int8(r.IntN(len(districts))) // #nosec G115 -- a district index: the city has four
		regions := byYearLocal
		if r.IntN(10) == 0 {
			regions = byYearOther
		}
		year := p.birth.year()
		male := r.IntN(2) == 0
		for try := 0; ; try++ {
			region := regions[year].pick(r)
			buf = append(buf[:0], region...)
			buf = appendDate8(buf, p.birth)
			seq := r.IntN(500) * 2 // position 17: odd for men, even for women
			if male {
				seq++
			}
			buf = appendPadded(buf, seq, 3)
			buf = append(buf, residentIDCheck(buf))
			if _, dup := seen[string(buf)]; !dup {
				p.id = string(buf)
				seen[p.id] = struct{}{}
				break
			}
			if try > 1000 {
				return fmt.Errorf("demo: cannot find a free resident ID for %d persons", cfg.Persons)
			}
		}
		p.name = personName(r, sur, male)
		c.personActivity[i] = tail(r, 0.8)
		c.personRisk[i] = tail(r, 0.9)
	}
	return nil
}

// regionsByYear returns, for each birth year 1950–2005, a picker over the codes in use then.
func regionsByYear(rs []birthRegion) map[int]picker {
	out := make(map[int]picker, 60)
	for y := 1950; y <= 2005; y++ {
		var ws []weighted
		for _, b := range rs {
			if (b.from == 0 || y >= b.from) && (b.until == 0 || y < b.until) {
				ws = append(ws, weighted{b.code, b.weight})
			}
		}
		out[y] = newPicker(ws)
	}
	return out
}

// appendDate8 appends z as YYYYMMDD.
func appendDate8(dst []byte, z day) []byte {
	y, m, d := z.civil()
	dst = appendPadded(dst, y, 4)
	dst = appendPadded(dst, m, 2)
	return appendPadded(dst, d, 2)
}

// residentIDCheck computes the GB 11643-1999 check character of the 17 digits in first17.
// credit.ValidateResidentID is the validator; this is the generator's own copy of the rule so
// the demo can build IDs without round-tripping through validation.
func residentIDCheck(first17 []byte) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	return "10X98765432"[sum%11]
}

// regNoCheck computes the ISO 7064 MOD 11,10 check digit of a 15-digit registration number
// (工商注册号) from its first 14 digits.
func regNoCheck(first14 []byte) byte {
	p := 10
	for _, c := range first14 {
		s := (p + int(c-'0')) % 10
		if s == 0 {
			s = 10
		}
		p = s * 2 % 11
	}
	return byte('0' + (11-p)%10)
}

func personName(r *rand.Rand, sur picker, male bool) string {
	name := sur.pick(r)
	list, other := givenMale, givenFem
	if !male {
		list, other = other, list
	}
	n := 1
	if r.IntN(10) < 7 {
		n = 2
	}
	for j := 0; j < n; j++ {
		if r.IntN(12) == 0 {
			name += one(r, other)
		} else {
			name += one(r, list)
		}
	}
	return name
}

// usccAlphabet is the GB 32100 character set (no I, O, S, V, Z).
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// reformDay is when unified codes replaced separate registration numbers and organisation codes
// (国发〔2015〕33号, in force 2015-10-01): firms founded later get "MA…" bodies and no legacy
// numbers.
var reformDay = civilDay(2015, 10, 1)

// farFuture is the "today" for telling codes from IDs: any birth date could then be real.
var farFuture = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

// makeUSCC builds a valid unified social credit code: prefix (positions 1–2), region, an
// organisation code body with its GB 11714 check, and the GB 32100 check character.
func makeUSCC(r *rand.Rand, prefix, region string, modern bool) (string, error) {
	var b [18]byte
	copy(b[:], prefix)
	copy(b[2:], region)
	if modern {
		b[8], b[9] = 'M', 'A'
		for i := 10; i < 16; i++ {
			b[i] = usccAlphabet[r.IntN(len(usccAlphabet))]
		}
	} else {
		b[8] = digit(1 + r.IntN(9))
		for i := 9; i < 16; i++ {
			b[i] = digit(r.IntN(10))
		}
	}
	oc, err := credit.OrgCodeCheckChar(string(b[8:16]))
	if err != nil {
		return "", err
	}
	b[16] = oc
	cc, err := credit.USCCCheckChar(string(b[:17]))
	if err != nil {
		return "", err
	}
	b[17] = cc
	code := string(b[:])
	// An all-digit code could also read as a valid resident ID, and the importer takes such a
	// code for a person (credit.IdentifyCode): draw again.
	if credit.IdentifyCode(code, farFuture, nil).Type != credit.CodeUSCC {
		return makeUSCC(r, prefix, region, modern)
	}
	return code, nil
}

// buildLegal creates cfg.Legal legal persons and other organisations.
func (c *city) buildLegal(cfg Config) error {
	r := newRand(cfg.Seed, "legal")
	n := cfg.Legal
	// Kinds, in a shuffled order so the registration file is not grouped by kind.
	kindOf := make([]uint8, 0, n)
	for k := len(kinds) - 1; k >= 1; k-- {
		for j := 0; j < int(float64(n)*kinds[k].share); j++ {
			kindOf = append(kindOf, uint8(k)) // #nosec G115 -- an index into kinds, a handful of entries
		}
	}
	for len(kindOf) < n {
		kindOf = append(kindOf, kEnterprise)
	}
	r.Shuffle(n, func(i, j int) { kindOf[i], kindOf[j] = kindOf[j], kindOf[i] })

	distPick := make([]weighted, len(districts))
	for i, d := range districts {
		distPick[i] = weighted{d.code, d.weight}
	}
	dp := newPicker(distPick)
	forms := newPicker(companyForms)
	marks := newPicker(shopMarks)
	coops := newPicker(coopKinds)
	groups := newPicker(groupKinds)
	adultLimit := c.today.addYears(-22)
	// The departments are government bodies with codes of their own: no subject shares a name
	// or code with one.
	names := make(map[string]struct{}, n+len(c.depts))
	codes := make(map[string]struct{}, n+len(c.depts))
	for _, d := range c.depts {
		names[d.name] = struct{}{}
		codes[d.code] = struct{}{}
	}
	c.legal = make([]legalSubject, n)
	c.legalActivity = make([]float64, n)
	c.legalRisk = make([]float64, n)
	ng := nameGen{r: r, forms: forms, marks: marks, coops: coops, groups: groups}
	for i := range c.legal {
		s := &c.legal[i]
		s.kind = kindOf[i]
		s.dist = int8(dp.index(r)) // #nosec G115 -- a district index: the city has four
		if s.kind == kGovernment || s.kind == kInstitution || s.kind == kGroup || s.kind == kFoundation {
			if r.IntN(3) == 0 {
				s.dist = -1
			}
		} else if s.kind == kEnterprise && r.IntN(10) == 0 {
			s.dist = -1
		}
		s.industry = -1
		if s.kind == kEnterprise {
			s.industry = int16(r.IntN(len(industries))) // #nosec G115 -- an index into industries, a few dozen
		}
		// Legal representative: an adult person. Some persons represent several subjects,
		// as the counts make unavoidable when there are more subjects than persons.
		for try := 0; ; try++ {
			p := r.IntN(len(c.persons))
			if c.persons[p].birth <= adultLimit || try > 50 {
				s.rep = int32(p) // #nosec G115 -- a person index; --scale 100 makes 10 million persons, inside int32
				break
			}
		}
		s.est = c.establishedDay(r, c.persons[s.rep].birth)
		s.name = ng.unique(names, s, c.persons[s.rep].name) // may move s to a district
		if r.IntN(30) == 0 {
			s.former = ng.unique(names, s, c.persons[s.rep].name)
		}
		region := cityCode
		if s.dist >= 0 {
			region = districts[s.dist].code
		}
		modern := s.est >= reformDay
		for {
			code, err := makeUSCC(r, kinds[s.kind].prefix, region, modern && s.kind <= kCoop)
			if err != nil {
				return err
			}
			if _, dup := codes[code]; !dup {
				codes[code] = struct{}{}
				s.code = code
				break
			}
		}
		if !modern && s.kind <= kCoop && r.IntN(5) == 0 {
			s.regNo = makeRegNo(r, region, s.kind == kIndividual)
		}
		s.address = ng.address(s.dist)
		switch x := r.IntN(100); {
		case x < 88:
			s.status = statusActive
		case x < 97:
			s.status = statusDeregistered
		default:
			s.status = statusRevoked
		}
		if s.kind <= kCoop || s.kind == kPrivate {
			s.capital = capital(r, s.kind)
		}
		c.legalActivity[i] = kinds[s.kind].activity * tail(r, 0.9)
		c.legalRisk[i] = tail(r, 0.9)
		if s.status != statusActive {
			c.legalActivity[i] *= 0.3
		}
	}
	return nil
}

// tail draws a subject's propensity to have records: lognormal, capped at 12 times the median
// so that the busiest subjects have dozens of records, not thousands.
func tail(r *rand.Rand, sigma float64) float64 { return min(lognormal(r, sigma), 12) }

// establishedDay draws a founding date: most firms are young, some date back to the 1980s.
// It is at least 18 years after the legal representative's birth and before today.
func (c *city) establishedDay(r *rand.Rand, repBirth day) day {
	var lo, hi day
	switch x := r.IntN(100); {
	case x < 55:
		lo, hi = c.today.addYears(-8), c.today-30
	case x < 85:
		lo, hi = civilDay(2000, 1, 1), c.today.addYears(-8)
	default:
		lo, hi = civilDay(1985, 1, 1), civilDay(2000, 1, 1)
	}
	if adult := repBirth.addYears(18); lo < adult {
		lo = adult
	}
	if hi <= lo {
		hi = lo + 1
	}
	if lo >= c.today {
		return c.today - 1
	}
	if hi > c.today {
		hi = c.today
	}
	return lo + days(r.IntN(int(hi-lo)))
}

// makeRegNo builds a legacy 15-digit registration number: the registering authority's division
// code, a type digit (0–3 domestic enterprises, 6–9 individual businesses), a sequence number and
// the check digit.
func makeRegNo(r *rand.Rand, region string, individual bool) string {
	var b [15]byte
	copy(b[:], region)
	if individual {
		b[6] = digit(6 + r.IntN(4))
	} else {
		b[6] = digit(r.IntN(4))
	}
	for i := 7; i < 14; i++ {
		b[i] = digit(r.IntN(10))
	}
	b[14] = regNoCheck(b[:14])
	return string(b[:])
}

// capital draws registered capital in 万元: small shops a few, firms tens to thousands.
func capital(r *rand.Rand, k uint8) float64 {
	var x float64
	switch k {
	case kIndividual:
		x = 0.5 + 20*r.Float64()*r.Float64()
	case kCoop:
		x = 5 + 200*r.Float64()*r.Float64()
	case kPrivate:
		x = 3 + 100*r.Float64()
	default:
		x = 3 + 50*lognormal(r, 1.6)
	}
	switch {
	case x >= 100:
		return float64(int(x/10) * 10)
	case x >= 10:
		return float64(int(x))
	}
	return float64(int(x*10)) / 10
}

// nameGen makes subject names.
type nameGen struct {
	r                           *rand.Rand
	forms, marks, coops, groups picker
	buf                         strings.Builder
}

// unique returns a name for s not yet in names, and records it. Names are tried at random; a
// city-level organisation whose names are taken moves to a district, and when the space of
// plausible names is nearly used up a street suffix makes the name unique, as real duplicate
// names are resolved.
func (g *nameGen) unique(names map[string]struct{}, s *legalSubject, repName string) string {
	for try := 0; ; try++ {
		if try == 8 && s.dist < 0 {
			s.dist = int8(g.r.IntN(len(districts))) // #nosec G115 -- the city-level names are taken: a district index
		}
		n := g.name(s, repName)
		if try >= 40 {
			n += "（" + one(g.r, districtOf(s.dist).roads) + "）"
		}
		if try >= 80 {
			n = n[:len(n)-len("）")] + strconv.Itoa(try) + "）"
		}
		if _, dup := names[n]; !dup {
			names[n] = struct{}{}
			return n
		}
	}
}

// districtOf returns the district with index d; city-level subjects (-1) are placed in 环翠区,
// where the city government sits.
func districtOf(d int8) *district {
	if d < 0 {
		return &districts[0]
	}
	return &districts[d]
}

func (g *nameGen) trade() string { return one(g.r, tradeChars) + one(g.r, tradeChars) }

// name draws one candidate name fitting the subject's kind and district.
func (g *nameGen) name(s *legalSubject, repName string) string {
	r := g.r
	d := districtOf(s.dist)
	short, long := d.short, d.name
	if s.dist < 0 {
		short, long = cityShort, cityName
	} else if strings.HasSuffix(long, "区") {
		long = cityName + long // 威海市环翠区; county-level cities stand alone (荣成市)
	}
	b := &g.buf
	b.Reset()
	switch s.kind {
	case kEnterprise:
		ind := industries[s.industry].name
		form := g.forms.pick(r)
		switch x := r.IntN(100); {
		case x < 72:
			b.WriteString(short)
			b.WriteString(g.trade())
			b.WriteString(ind)
		case x < 82:
			b.WriteString(long)
			b.WriteString(g.trade())
			b.WriteString(ind)
		case x < 90:
			b.WriteString("山东")
			b.WriteString(g.trade())
			b.WriteString(ind)
		case x < 95:
			b.WriteString(g.trade())
			b.WriteString("（")
			b.WriteString(short)
			b.WriteString("）")
			b.WriteString(ind)
		default:
			b.WriteString(short)
			b.WriteString(g.trade())
			b.WriteString("集团")
			form = "有限公司"
		}
		b.WriteString(form)
	case kIndividual:
		b.WriteString(d.name)
		switch x := r.IntN(10); {
		case x < 5:
			b.WriteString(surnameOf(repName))
			b.WriteString(g.marks.pick(r))
		case x < 8:
			b.WriteString(g.trade())
		default:
			b.WriteString(trimTown(one(r, d.towns)))
			b.WriteString(repName)
		}
		line := one(r, shopLines)
		b.WriteString(one(r, line.goods))
		b.WriteString(one(r, line.kinds))
	case kCoop:
		b.WriteString(d.name)
		if r.IntN(2) == 0 {
			b.WriteString(one(r, d.towns))
		}
		b.WriteString(g.trade())
		b.WriteString(one(r, coopGoods))
		b.WriteString(g.coops.pick(r))
	case kInstitution:
		b.WriteString(long)
		switch x := r.IntN(100); {
		case x < 35 || s.dist < 0:
			if r.IntN(6) == 0 {
				b.WriteString(one(r, ordinals))
				b.WriteString(one(r, []string{"中学", "实验小学"}))
			} else {
				b.WriteString(one(r, institutionKinds))
			}
		case x < 80:
			b.WriteString(one(r, d.towns))
			b.WriteString(one(r, institutionTownKinds))
		case x < 88:
			b.WriteString(one(r, d.roads))
			b.WriteString(one(r, schoolKinds))
		default:
			b.WriteString(one(r, d.towns))
			b.WriteString(surnameOf(one(r, surnames).s))
			b.WriteString(one(r, villageSuffixes))
			b.WriteString(one(r, schoolKinds))
		}
	case kGroup:
		b.WriteString(long)
		if r.IntN(8) == 0 {
			b.WriteString(one(r, d.towns))
			b.WriteString("商会")
			break
		}
		if r.IntN(4) == 0 {
			b.WriteString(industries[r.IntN(len(industries))].name)
			b.WriteString("行业")
		} else {
			b.WriteString(one(r, groupTopics))
		}
		b.WriteString(g.groups.pick(r))
	case kPrivate:
		b.WriteString(long)
		b.WriteString(g.trade())
		b.WriteString(one(r, privateKinds))
	case kFoundation:
		b.WriteString(long)
		if r.IntN(2) == 0 {
			b.WriteString(g.trade())
		}
		b.WriteString(one(r, foundationTopics))
		b.WriteString("基金会")
	case kGovernment:
		b.WriteString(long)
		if r.IntN(2) == 0 {
			bureau := one(r, govBureaus)
			if s.dist < 0 && bureau == "人民法院" {
				bureau = "中级人民法院"
			}
			b.WriteString(bureau)
		} else if s.dist >= 0 {
			b.WriteString(one(r, d.towns))
			b.WriteString(one(r, govUnits))
		} else {
			b.WriteString(one(r, govBureaus))
		}
	}
	return b.String()
}

// surnameOf returns the surname of a generated person name (compound surnames are two
// characters).
func surnameOf(name string) string {
	for _, w := range surnames {
		if len(w.s) > 3 && strings.HasPrefix(name, w.s) {
			return w.s
		}
	}
	_, w := utf8.DecodeRuneInString(name)
	return name[:w]
}

// trimTown drops the 镇/街道 suffix of a town for use inside a shop name.
func trimTown(t string) string {
	t = strings.TrimSuffix(t, "街道")
	return strings.TrimSuffix(t, "镇")
}

// address draws an address in a district.
func (g *nameGen) address(dist int8) string {
	r := g.r
	d := districtOf(dist)
	b := &g.buf
	b.Reset()
	b.WriteString(cityName)
	b.WriteString(d.name)
	if r.IntN(4) == 0 {
		b.WriteString(one(r, d.towns))
		b.WriteString(one(r, surnames).s)
		b.WriteString(one(r, []string{"家村", "家庄村", "家疃村", "格庄村"}))
		b.WriteString(strconv.Itoa(1 + r.IntN(300)))
		b.WriteString("号")
		return b.String()
	}
	b.WriteString(one(r, d.roads))
	b.WriteString(strconv.Itoa(1 + r.IntN(400)))
	b.WriteString("号")
	if r.IntN(3) == 0 {
		b.WriteString("-")
		b.WriteString(strconv.Itoa(1 + r.IntN(20)))
		b.WriteString(one(r, []string{"号楼", "号", "层", "室"}))
	}
	return b.String()
}

// buildDepartments gives each catalog department a display name, a code and an abbreviation.
func (c *city) buildDepartments(cfg Config, cat *credit.Catalog) error {
	r := newRand(cfg.Seed, "departments")
	for _, d := range cat.Departments {
		dep := &department{Department: d, name: displayName(d.NameZH)}
		code, err := makeUSCC(r, "11", cityCode, false)
		if err != nil {
			return err
		}
		dep.code = code
		dep.abbr = deptAbbrev(d.NameZH)
		c.depts[d.Code] = dep
	}
	return nil
}

// displayName turns a catalog department name, written for any city ("市市场监督管理局",
// "国家税务总局市税务局", "共青团市委"), into the demo city's ("威海市市场监督管理局").
func displayName(name string) string {
	switch {
	case strings.Contains(name, cityShort), strings.HasPrefix(name, "山东"):
		return name
	case strings.HasPrefix(name, "市"):
		return cityName + strings.TrimPrefix(name, "市")
	case strings.Contains(name, "总局市"):
		return strings.Replace(name, "总局市", "总局"+cityName, 1)
	case strings.Contains(name, "团市委"):
		return strings.Replace(name, "团市委", "团"+cityName+"委", 1)
	}
	return cityName + name
}

// deptAbbrev returns the abbreviation of a department in document numbers.
func deptAbbrev(name string) string {
	for _, a := range deptAbbrevs {
		if strings.Contains(name, a.key) {
			return a.abbr
		}
	}
	name = strings.TrimPrefix(strings.TrimPrefix(name, cityName), "市")
	for _, r := range name {
		return string(r)
	}
	return "综"
}
