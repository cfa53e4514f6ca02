package demo

import (
	"reflect"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// The cast is drawn from the seed: the same config gives the same subjects, another seed other
// ones; organisations are distinct active enterprises, persons distinct valid resident IDs
// that are not the cast's legal representatives.
func TestPickCast(t *testing.T) {
	cat := defaultCatalog(t)
	cfg := Config{Seed: 7, Legal: 500, Persons: 300, Records: 1000, Today: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	a, err := PickCast(cfg, cat, 40, 30)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := PickCast(cfg, cat, 40, 30)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different cast")
	}
	cfg.Seed = 8
	if c, _ := PickCast(cfg, cat, 40, 30); reflect.DeepEqual(a, c) {
		t.Fatal("another seed, same cast")
	}
	if len(a.Orgs) != 40 || len(a.Persons) != 30 {
		t.Fatalf("cast size %d orgs, %d persons", len(a.Orgs), len(a.Persons))
	}
	seen, reps := map[string]bool{}, map[string]bool{}
	for _, o := range a.Orgs {
		if seen[o.Code] || o.Code[:2] != "91" || o.Name == "" {
			t.Fatalf("bad org %+v", o)
		}
		seen[o.Code], reps[o.RepID] = true, true
	}
	for _, p := range a.Persons {
		cr := credit.IdentifyCode(p.ID, cfg.Today, nil)
		if seen[p.ID] || reps[p.ID] || !cr.Valid || cr.Type != credit.CodeResidentID {
			t.Fatalf("bad person %+v", p)
		}
		seen[p.ID] = true
	}
	if _, err := PickCast(cfg, &credit.Catalog{}, 1, 1); err == nil {
		t.Fatal("empty catalog accepted")
	}
}
