package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/postgres"
	"github.com/xinyong/xinyong/store/sqlite"
)

// TestSearchPathsAgree gives both stores the same organisations and compares every search
// page, with PostgreSQL's thresholds lowered so that its common, rare and in-between fragments
// take each path of reader.fragmentIDs (index look-up of the rarest grams, a look-up that
// gives up, a walk of the first rows, the whole walk) on a table small enough for a test.
func TestSearchPathsAgree(t *testing.T) {
	pg := openTest(t)
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()

	rng := rand.New(rand.NewPCG(7, 8))
	places := []string{"威海", "文登", "荣成", "乳山", "环翠"}
	trades := []string{"海洋渔业", "机械", "食品", "电子科技", "建筑工程", "商贸", "船舶修造", "华为通讯"}
	forms := []string{"有限公司", "有限责任公司", "股份有限公司", "商行", "厂"}
	var subs []func() *credit.Subject
	for i := range 900 {
		name := places[rng.IntN(len(places))] + string(rune(0x4e00+rng.IntN(300))) + string(rune(0x4e00+rng.IntN(300))) +
			trades[rng.IntN(len(trades))] + forms[rng.IntN(len(forms))]
		if i%97 == 0 {
			name = "威海新华为电子科技有限公司" // the same name more than once: exact matches come first
		}
		var former []string
		if i%13 == 0 {
			former = []string{places[rng.IntN(len(places))] + "老字号" + trades[rng.IntN(len(trades))] + "厂"}
		}
		kind := credit.KindEnterprise
		if i%11 == 0 {
			kind = credit.KindPerson // never searched by name
		}
		code := fmt.Sprintf("K%06d", i)
		subs = append(subs, func() *credit.Subject {
			t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
			return &credit.Subject{Key: code, Kind: kind, Name: name, NameNorm: credit.NormalizeName(name), FormerNames: former,
				Region: "371002", Status: credit.StatusActive, CreatedAt: t0, UpdatedAt: t0}
		})
	}
	for _, st := range []store.Store{lite, pg} {
		err := st.Update(ctx, func(tx store.Tx) error {
			batch := make([]*credit.Subject, len(subs))
			for i, s := range subs {
				batch[i] = s()
			}
			if err := tx.InsertSubjects(batch); err != nil {
				return err
			}
			// A rename moves an organisation in search (UpdateSubject keeps subject_search).
			batch[5].FormerNames = append(batch[5].FormerNames, batch[5].Name)
			batch[5].Name, batch[5].NameNorm = "威海改名后的鸥鸟科技有限公司", "威海改名后的鸥鸟科技有限公司"
			return tx.UpdateSubject(batch[5])
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := pg.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	defer postgres.SetSearchThresholds(20, 60)()
	queries := []string{"有限公司", "有限", "公司", "司", "威海", "文登", "海洋渔业", "华为", "新华为电子", "威海新华为电子科技有限公司",
		"老字号", "鸥鸟", "改名后", "股份", "商行", "厂", "渔业有限", "一", "不存在的名字", "船舶修造有限责任公司", "丁"}
	for _, q := range queries {
		for _, page := range []store.SearchQuery{{Name: q, Limit: 15}, {Name: q, Limit: 15, Offset: 15}, {Name: q, Limit: 7, Offset: 40}} {
			compare(t, fmt.Sprintf("search %+v", page), search(t, lite, page), search(t, pg, page))
		}
	}
}
