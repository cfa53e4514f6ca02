package demo

import (
	"math"

	"github.com/xinyong/xinyong/credit"
)

// Org is an organisation of the demo city as the cast names it.
type Org struct {
	Code    string // unified social credit code
	Name    string
	RepID   string // its legal representative's resident ID (a registered person subject)
	RepName string
}

// Person is a natural person of the demo city.
type Person struct {
	ID   string // 18-digit resident ID
	Name string
}

// Cast is a reproducible selection of the city's subjects, drawn from the seed, for what the
// demo does after the import through the platform's services: list entries, objections and
// repair applications, window checks, a self-service sign-in. Orgs are active enterprises
// (distinct, in draw order); Persons are distinct persons who are nobody's legal
// representative in the cast.
type Cast struct {
	Orgs    []Org
	Persons []Person
}

// PickCast builds the city of cfg (without writing files) and draws up to orgs active
// enterprises and persons natural persons from it. The same cfg gives the same cast.
func PickCast(cfg Config, cat *credit.Catalog, orgs, persons int) (*Cast, error) {
	cfg = cfg.withDefaults()
	if cat == nil || len(cat.Items) == 0 {
		return nil, credit.Errorf(credit.EINVALID, "演示数据需要目录 / demo: the catalog has no items")
	}
	c, err := buildCity(cfg, cat)
	if err != nil {
		return nil, err
	}
	r := newRand(cfg.Seed, "cast")
	out := &Cast{}
	used := map[int32]bool{}
	seen := map[int]bool{}
	for tries := 0; len(out.Orgs) < orgs && tries < 20*orgs+100 && len(c.legal) > 0; tries++ {
		i := r.IntN(len(c.legal))
		s := &c.legal[i]
		if seen[i] || s.kind != kEnterprise || s.status != statusActive {
			continue
		}
		seen[i] = true
		used[s.rep] = true
		p := c.persons[s.rep]
		out.Orgs = append(out.Orgs, Org{Code: s.code, Name: s.name, RepID: p.id, RepName: p.name})
	}
	for tries := 0; len(out.Persons) < persons && tries < 20*persons+100; tries++ {
		i := r.Int32N(int32(min(len(c.persons), math.MaxInt32))) // #nosec G115 -- bounded by min
		if used[i] {
			continue
		}
		used[i] = true
		out.Persons = append(out.Persons, Person{ID: c.persons[i].id, Name: c.persons[i].name})
	}
	return out, nil
}
