package demo

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/xinyong/xinyong/credit"
)

// Modes of choosing the subjects of an item's rows.
const (
	modeSample   = iota // draw subjects at random, weighted by activity (the long tail)
	modeYearly          // one row per (subject, year) for a share of the pairs: yearly ratings
	modeRegistry        // one row per registered subject
)

// Filters narrowing the legal subjects an item is about, beyond its subject classes.
const (
	filterAll        = iota
	filterBusiness   // enterprises, individual businesses, co-operatives
	filterEnterprise // enterprises only
	filterAgri       // co-operatives, agricultural enterprises, individual businesses
)

// profile says how many rows an item gets and about whom. Items are matched by keywords of
// their code and names, so a changed catalog still gets sensible volumes; an item no profile
// matches gets a modest volume by its polarity.
type profile struct {
	keys   []string
	mode   int
	bulk   float64 // > 0: the item takes this share of the rows left after all others
	legal  float64 // rows per eligible legal subject (yearly: share of subject-years)
	person float64 // rows per eligible person
	// personShare is, for bulk items, the share of person rows in departments that deal with
	// natural persons (others get 2%).
	personShare float64
	filter      int
	negative    bool // weight subjects by risk as well as activity
}

var profiles = []profile{
	{keys: []string{"tax_credit", "纳税信用"}, mode: modeYearly, legal: 1, filter: filterEnterprise},
	{keys: []string{"contract_honour", "守合同"}, mode: modeYearly, legal: 0.01, filter: filterEnterprise},
	{keys: []string{"rating", "grade", "信用评价", "等级"}, mode: modeYearly, legal: 0.02, filter: filterEnterprise},
	{keys: []string{"licen", "许可"}, bulk: 0.62, personShare: 0.2},
	{keys: []string{"penalt", "处罚"}, bulk: 0.38, personShare: 0.35, negative: true},
	{keys: []string{"abnormal", "异常"}, legal: 0.05, filter: filterBusiness, negative: true},
	{keys: []string{"defaulter", "被执行"}, legal: 0.01, person: 0.02, negative: true},
	{keys: []string{"wage_arrears", "拖欠"}, legal: 0.002, person: 0.001, filter: filterBusiness, negative: true},
	{keys: []string{"insurance_arrears", "欠缴"}, legal: 0.01, filter: filterBusiness, negative: true},
	{keys: []string{"blacklist", "serious", "严重失信", "黑名单"}, legal: 0.003, person: 0.002, negative: true},
	{keys: []string{"honour", "honor", "award", "表彰", "荣誉", "红名单"}, legal: 0.02, person: 0.01},
	{keys: []string{"volunteer", "志愿"}, person: 0.25},
	{keys: []string{"blood", "献血"}, person: 0.08},
	{keys: []string{"charit", "donation", "慈善", "捐赠"}, legal: 0.01, person: 0.02},
	{keys: []string{"commitment", "承诺"}, legal: 0.6, person: 0.02},
	{keys: []string{"agri", "农产品"}, legal: 0.3, filter: filterAgri},
	{keys: []string{"inspection", "抽查", "抽检"}, legal: 0.05},
}

// profileOf returns the profile of an item.
func profileOf(it *credit.CatalogItem) profile {
	if it.Registry {
		return profile{mode: modeRegistry}
	}
	hay := strings.ToLower(it.Code + " " + it.NameZH + " " + it.NameEN)
	for _, p := range profiles {
		for _, k := range p.keys {
			if strings.Contains(hay, k) {
				return p
			}
		}
	}
	switch it.Polarity {
	case credit.PolarityNegative:
		return profile{legal: 0.01, person: 0.005, negative: true}
	case credit.PolarityPositive:
		return profile{legal: 0.02, person: 0.01}
	}
	return profile{legal: 0.05, person: 0.02}
}

// pool is the subjects an item's rows may be about, with the alias table to draw them.
type pool struct {
	idx   []int32
	alias *alias
}

func (p *pool) size() int {
	if p == nil {
		return 0
	}
	return len(p.idx)
}

func (p *pool) draw(w *writer) int32 { return p.idx[p.alias.draw(w.r)] }

// itemPlan is what the writers need to know about one item.
type itemPlan struct {
	it      *credit.CatalogItem
	prof    profile
	rule    credit.PublicationRule
	gens    []fieldGen
	legal   *pool // nil: the item has no legal subjects
	persons *pool // nil: the item has no natural persons
	// legalShare is the probability that a row of a non-bulk item is about a legal subject.
	legalShare float64
	years      []yearSpan // modeYearly: the rating years
	pairs      int        // modeYearly: eligible (subject, year) pairs
	rows       int
}

// yearSpan is one rating year and the days its results are published.
type yearSpan struct {
	year     int
	from, to day // inclusive
}

// job is one file to write.
type job struct {
	file     File
	p        *itemPlan
	dept     *department
	subjects []int32 // modeRegistry: the subjects, in order
}

// plan decides the rows of every item and splits them into files.
func plan(cfg Config, cat *credit.Catalog, c *city) ([]*job, error) {
	plans := make([]*itemPlan, len(cat.Items))
	pools := map[string]*pool{}
	// When the catalog has a registry item, records are only about organisations it registers:
	// the importer knows no others.
	registered := map[credit.SubjectClass]bool{credit.ClassLegal: true, credit.ClassOther: true}
	for i := range cat.Items {
		if it := &cat.Items[i]; it.Registry {
			clear(registered)
			for _, k := range it.SubjectKinds {
				registered[k] = true
			}
		}
	}
	var registry *itemPlan
	for i := range cat.Items {
		it := &cat.Items[i]
		p := &itemPlan{it: it, prof: profileOf(it), rule: it.EffectiveRule()}
		p.gens = compileFields(it)
		p.legal, p.persons = c.pools(it, p.prof, registered, pools)
		if p.prof.mode == modeRegistry {
			if registry != nil {
				return nil, credit.Errorf(credit.EINVALID, "目录有多个登记事项 / demo: more than one registry item (%s, %s)", registry.it.Code, it.Code)
			}
			registry = p
			p.rows = p.legal.size()
		}
		if p.prof.mode == modeYearly {
			p.years, p.pairs = c.ratingYears(p.legal)
		}
		plans[i] = p
	}
	rest := cfg.Records
	if registry != nil {
		rest -= registry.rows
		if rest < 0 {
			return nil, credit.Errorf(credit.EINVALID,
				"记录数少于登记行数 / demo: %d records cannot hold the %d registration rows", cfg.Records, registry.rows)
		}
	}
	if err := c.allocate(plans, rest); err != nil {
		return nil, err
	}

	var jobs []*job
	if registry != nil {
		jobs = append(jobs, c.registryJobs(registry)...)
	}
	for _, p := range plans {
		if p == registry || p.rows == 0 {
			continue
		}
		jobs = append(jobs, c.itemJobs(cfg, cat, p)...)
	}
	return jobs, nil
}

// pools returns the legal and person pools of an item, sharing identical ones. Organisations
// of a class the registry item does not register are left out.
func (c *city) pools(it *credit.CatalogItem, prof profile, registered map[credit.SubjectClass]bool,
	cache map[string]*pool) (legal, persons *pool) {
	var classLegal, classOther, classPerson bool
	for _, k := range it.SubjectKinds {
		switch k {
		case credit.ClassLegal:
			classLegal = registered[k]
		case credit.ClassOther:
			classOther = registered[k]
		case credit.ClassPerson:
			classPerson = true
		}
	}
	neg := prof.negative && prof.mode == modeSample
	if classLegal || classOther {
		key := fmt.Sprint("L", classLegal, classOther, prof.filter, neg, prof.mode)
		if legal = cache[key]; legal == nil {
			legal = &pool{}
			var w []float64
			for i := range c.legal {
				s := &c.legal[i]
				class := kinds[s.kind].kind.Class()
				if class == credit.ClassLegal && !classLegal || class == credit.ClassOther && !classOther ||
					class == credit.ClassPerson || !passes(s, prof.filter) {
					continue
				}
				legal.idx = append(legal.idx, int32(i))
				x := c.legalActivity[i]
				if neg {
					x *= c.legalRisk[i]
				}
				w = append(w, x)
			}
			if len(w) > 0 && prof.mode == modeSample {
				legal.alias = newAlias(w)
			}
			cache[key] = legal
		}
		if len(legal.idx) == 0 {
			legal = nil
		}
	}
	if classPerson && prof.mode == modeSample {
		key := fmt.Sprint("P", neg)
		if persons = cache[key]; persons == nil {
			persons = &pool{}
			adult := c.today.addYears(-18)
			var w []float64
			for i := range c.persons {
				if c.persons[i].birth > adult {
					continue
				}
				persons.idx = append(persons.idx, int32(i))
				x := c.personActivity[i]
				if neg {
					x *= c.personRisk[i]
				}
				w = append(w, x)
			}
			if len(w) > 0 {
				persons.alias = newAlias(w)
			}
			cache[key] = persons
		}
		if len(persons.idx) == 0 {
			persons = nil
		}
	}
	return legal, persons
}

// passes reports whether a legal subject is within a filter.
func passes(s *legalSubject, filter int) bool {
	switch filter {
	case filterBusiness:
		return s.kind <= kCoop
	case filterEnterprise:
		return s.kind == kEnterprise
	case filterAgri:
		return s.kind == kCoop || s.kind == kIndividual ||
			s.kind == kEnterprise && industries[s.industry].code == "A"
	}
	return true
}

// ratingYears returns the last five rating years whose results are out by today (published
// from 15 March to 30 June of the following year, as tax credit grades are) and the number of
// (subject, year) pairs: subjects founded before the year's end and still active.
func (c *city) ratingYears(p *pool) ([]yearSpan, int) {
	var ys []yearSpan
	for y := c.today.year() - 6; y < c.today.year(); y++ {
		from, to := civilDay(y+1, 3, 15), civilDay(y+1, 6, 30)
		if from >= c.today {
			continue
		}
		ys = append(ys, yearSpan{y, from, min(to, c.today-1)})
	}
	if len(ys) > 5 {
		ys = ys[len(ys)-5:]
	}
	pairs := 0
	if p != nil {
		for _, y := range ys {
			pairs += c.eligibleInYear(p, y.year)
		}
	}
	return ys, pairs
}

func (c *city) eligibleInYear(p *pool, year int) int {
	end := civilDay(year, 12, 31)
	n := 0
	for _, i := range p.idx {
		if s := &c.legal[i]; s.est < end && s.status == statusActive {
			n++
		}
	}
	return n
}

// allocate sets the rows of every non-registry item so that they add up to rest. Items with
// a fixed rate get rate × eligible subjects, scaled down if together they would take more than
// 45% of rest; the bulk items (licences and penalties, the 双公示 records) share the remainder.
func (c *city) allocate(plans []*itemPlan, rest int) error {
	want := make([]float64, len(plans))
	fixed, bulk := 0.0, 0.0
	for i, p := range plans {
		switch {
		case p.prof.mode == modeRegistry:
			continue
		case p.prof.mode == modeYearly:
			want[i] = p.prof.legal * float64(p.pairs)
		case p.prof.bulk > 0:
			if p.legal.size()+p.persons.size() > 0 {
				bulk += p.prof.bulk
			}
			continue
		default:
			l := p.prof.legal * float64(p.legal.size())
			h := p.prof.person * float64(p.persons.size())
			if p.persons == nil {
				h = 0
			}
			if p.legal == nil {
				l = 0
			}
			want[i] = l + h
			if l+h > 0 {
				p.legalShare = l / (l + h)
			}
		}
		fixed += want[i]
	}
	scale := 1.0
	switch {
	case bulk > 0 && fixed > 0.45*float64(rest):
		scale = 0.45 * float64(rest) / fixed
	case bulk == 0 && fixed > 0:
		scale = float64(rest) / fixed
	case bulk == 0 && rest > 0:
		return credit.Errorf(credit.EINVALID, "目录没有可生成记录的事项 / demo: no catalog item can take the %d records", rest)
	}
	fixedTotal := 0.0
	for i := range want {
		want[i] *= scale
		fixedTotal += want[i]
	}
	bulkRows := float64(rest) - fixedTotal
	for i, p := range plans {
		if p.prof.bulk > 0 && p.legal.size()+p.persons.size() > 0 {
			want[i] = bulkRows * p.prof.bulk / bulk
		}
	}
	counts := roundShares(want, rest)
	for i, p := range plans {
		if p.prof.mode != modeRegistry {
			p.rows = counts[i]
		}
	}
	return nil
}

// roundShares rounds non-negative shares to integers that add up to total (largest remainder).
func roundShares(want []float64, total int) []int {
	out := make([]int, len(want))
	sum := 0
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, 0, len(want))
	for i, w := range want {
		if w <= 0 {
			continue
		}
		out[i] = int(math.Floor(w))
		sum += out[i]
		rems = append(rems, rem{i, w - math.Floor(w)})
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.r > b.r:
			return -1
		case a.r < b.r:
			return 1
		}
		return 0
	})
	for k := 0; sum < total && len(rems) > 0; k = (k + 1) % len(rems) {
		out[rems[k].i]++
		sum++
	}
	return out
}

// registryJobs splits the registry item's subjects over its departments: public institutions
// and government bodies to the establishment office (编办), social organisations to civil
// affairs (民政) when the item lists them, everything else to the first department.
func (c *city) registryJobs(p *itemPlan) []*job {
	depts := c.itemDepts(p.it, nil)
	route := func(k uint8) int {
		var key string
		switch k {
		case kInstitution, kGovernment:
			key = "编"
		case kGroup, kPrivate, kFoundation:
			key = "民政"
		default:
			return 0
		}
		for i, d := range depts {
			if strings.Contains(d.NameZH, key) {
				return i
			}
		}
		return 0
	}
	jobs := make([]*job, len(depts))
	for i, d := range depts {
		jobs[i] = &job{file: File{Dept: d.Code, Item: p.it.Code}, p: p, dept: d}
	}
	if p.legal != nil {
		for _, s := range p.legal.idx {
			j := jobs[route(c.legal[s].kind)]
			j.subjects = append(j.subjects, s)
		}
	}
	var out []*job
	for _, j := range jobs {
		if j.file.Rows = len(j.subjects); j.file.Rows > 0 {
			out = append(out, j)
		}
	}
	return out
}

// itemJobs splits an item's rows over its departments: licences and penalties by the volume
// of the department's domain, other items with the first departments taking more.
func (c *city) itemJobs(cfg Config, cat *credit.Catalog, p *itemPlan) []*job {
	depts := c.itemDepts(p.it, cat)
	if p.prof.mode == modeYearly {
		depts = depts[:1]
	}
	w := make([]float64, len(depts))
	sum := 0.0
	for i, d := range depts {
		if p.prof.bulk > 0 {
			w[i] = domainOf(d.NameZH).weight(p.prof.negative)
		} else {
			w[i] = 1 / math.Pow(float64(i+1), 0.7)
		}
		sum += w[i]
	}
	for i := range w {
		w[i] *= float64(p.rows) / sum
	}
	counts := roundShares(w, p.rows)
	var jobs []*job
	for i, d := range depts {
		if counts[i] > 0 {
			jobs = append(jobs, &job{file: File{Dept: d.Code, Item: p.it.Code, Rows: counts[i]}, p: p, dept: d})
		}
	}
	return jobs
}

// itemDepts returns the departments of an item. An item open to any department gets up to
// three of the catalog's, chosen by the item's code so the choice is stable.
func (c *city) itemDepts(it *credit.CatalogItem, cat *credit.Catalog) []*department {
	var out []*department
	for _, code := range it.Departments {
		if d := c.depts[code]; d != nil {
			out = append(out, d)
		}
	}
	if len(out) > 0 {
		return out
	}
	var all []*department
	if cat != nil {
		for _, d := range cat.Departments {
			all = append(all, c.depts[d.Code])
		}
	}
	if len(all) == 0 {
		// No departments at all: invent the credit office so the file has a source.
		d := &department{Department: credit.Department{Code: "xyb", NameZH: "市信用办"}, name: cityName + "信用办", abbr: "信"}
		d.code, _ = makeUSCC(newRand(0, "xyb"), "11", cityCode, false)
		return []*department{d}
	}
	h := uint(0)
	for _, b := range []byte(it.Code) {
		h = h*31 + uint(b)
	}
	for k := uint(0); k < uint(min(3, len(all))); k++ {
		out = append(out, all[(h+k*7)%uint(len(all))])
	}
	slices.SortFunc(out, func(a, b *department) int { return strings.Compare(a.Code, b.Code) })
	return slices.CompactFunc(out, func(a, b *department) bool { return a == b })
}
