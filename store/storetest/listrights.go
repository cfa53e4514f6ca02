package storetest

import (
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// SeedOldListTypes stores list types the way a store seeded before
// credit.ListType.RepairRemoves holds them (the field absent), for the migration check.
func SeedOldListTypes(t *testing.T, s store.Store) {
	t.Helper()
	at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	update(t, s, func(tx store.Tx) error {
		for _, code := range []string{"black_list", "focus_list", "court_defaulter"} {
			lt := &credit.ListType{Code: code, NameZH: "名单 " + code, Direction: credit.DirectionPunishment, Basis: "依据", ValidMonths: 12, Public: true}
			if err := tx.PutListType(lt, at); err != nil {
				return err
			}
		}
		return nil
	})
}

// CheckRepairRemovesMigrated checks a store seeded by SeedOldListTypes after migration 0017:
// the black and focus lists allow removal by repair, the court's list does not, and every other
// field is as it was.
func CheckRepairRemovesMigrated(t *testing.T, s store.Store) {
	t.Helper()
	lts, err := s.ListTypes(ctx)
	if err != nil || len(lts) != 3 {
		t.Fatalf("list types %d %v", len(lts), err)
	}
	for _, lt := range lts {
		want := lt.Code == "black_list" || lt.Code == "focus_list"
		if lt.RepairRemoves != want || lt.NameZH != "名单 "+lt.Code || lt.ValidMonths != 12 || !lt.Public || lt.Basis != "依据" {
			t.Errorf("after migration 0017: %+v", lt)
		}
	}
}
