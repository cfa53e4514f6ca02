package postgres_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
)

// The importer knows nothing of the database: the same files imported into SQLite and into
// PostgreSQL leave the same subjects, records, rejects, counters and search results.

var today = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// uscc builds a valid unified social credit code (an enterprise, 91) for number n.
func uscc(n int) string {
	body := fmt.Sprintf("%08d", n)
	oc, err := credit.OrgCodeCheckChar(body)
	if err != nil {
		panic(err)
	}
	first := "91371002" + body + string(oc)
	c, err := credit.USCCCheckChar(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

// badUSCC is uscc(n) with a wrong check character.
func badUSCC(n int) string {
	c := uscc(n)
	last := byte('0')
	if c[17] == '0' {
		last = '1'
	}
	return c[:17] + string(last)
}

// residentID builds a valid resident ID born 1980-01-01 in 371002 (1,000 distinct).
func residentID(n int) string {
	first := fmt.Sprintf("37100219800101%03d", n%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, ch := range first {
		sum += int(ch-'0') * w[i]
	}
	return first + string("10X98765432"[sum%11])
}

// regNumber builds a 15-digit registration number for n (ISO 7064 MOD 11,10 check digit).
func regNumber(n int) string {
	first14 := fmt.Sprintf("3710002%07d", n)
	p := 10
	for _, ch := range first14 {
		s := (p + int(ch-'0')) % 10
		if s == 0 {
			s = 10
		}
		p = (s * 2) % 11
	}
	return first14 + fmt.Sprint((11-p)%10)
}

var (
	places = []string{"威海", "荣成", "文登", "乳山", "环翠"}
	words  = []string{"海洋", "蓝海", "华为", "鸿蒙", "渔业", "食品", "电子", "科技", "果蔬", "建筑", "远洋", "石岛"}
	forms  = []string{"有限公司", "有限责任公司", "股份有限公司", "专业合作社", "商行"}
)

// companyName is a plausible, often repeated, name for enterprise n.
func companyName(rng *rand.Rand, n int) string {
	name := places[rng.IntN(len(places))] + words[rng.IntN(len(words))] + words[rng.IntN(len(words))]
	if n%7 == 0 {
		name += fmt.Sprint(n % 50)
	}
	return name + forms[rng.IntN(len(forms))]
}

var registryHeader = []string{"source_id", "subject_code", "subject_name", "legal_rep_name", "legal_rep_id", "reg_status",
	"established", "address", "reg_no", "org_code", "former_names"}

// registryRows registers enterprises from..to-1; every fifth has a former name.
func registryRows(rng *rand.Rand, from, to int) [][]string {
	rows := [][]string{registryHeader}
	for n := from; n < to; n++ {
		code := uscc(n)
		former := ""
		if n%5 == 0 {
			former = places[n%len(places)] + words[n%len(words)] + "厂"
		}
		rows = append(rows, []string{fmt.Sprintf("E%d", n), code, companyName(rng, n), "李四", residentID(n), "存续", "2015-06-01",
			"威海市环翠区新威路18号", regNumber(n), code[8:17], former})
	}
	return rows
}

var penaltyHeader = []string{"source_id", "subject_code", "subject_name", "decision_no", "violation_type", "violation_facts", "basis",
	"penalty_category", "penalty_content", "fine_amount", "decision_date", "authority", "authority_code", "data_source", "data_source_code"}

func penalty(src, code, name, date, amount string) []string {
	auth := uscc(99999)
	return []string{src, code, name, "威市监罚〔2026〕" + src + "号", "虚假宣传", "发布虚假广告", "《中华人民共和国广告法》第五十五条",
		"罚款", "罚款人民币" + amount + "万元", amount, date, "威海市市场监督管理局", auth, "威海市市场监督管理局", auth}
}

// penaltyRows makes n penalties over enterprises 1..subjects: mostly by unified code, some by
// the legacy registration number, some about natural persons, some bad (check character, date).
func penaltyRows(rng *rand.Rand, n, subjects int) [][]string {
	rows := [][]string{penaltyHeader}
	for i := 1; i <= n; i++ {
		e := 1 + rng.IntN(subjects)
		code, name := uscc(e), "威海某某有限公司"
		date := fmt.Sprintf("2026-%02d-%02d", 1+rng.IntN(10), 1+rng.IntN(28))
		switch {
		case i%53 == 0:
			code = badUSCC(e)
		case i%61 == 0:
			date = "2026-02-30"
		case i%11 == 0:
			code = regNumber(e)
		case i%13 == 0:
			code, name = residentID(500+rng.IntN(400)), "张三"
		}
		rows = append(rows, penalty(fmt.Sprintf("P%d", i), code, name, date, fmt.Sprint(1+rng.IntN(20))))
	}
	return rows
}

func writeCSV(t testing.TB, dir, name string, rows [][]string) string {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newImporter(t testing.TB, st store.Store, chunk int) *ingest.Importer {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cat.Version = 1
	sealer, err := credit.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &ingest.Importer{Store: st, Catalog: cat, Sealer: sealer, Now: func() time.Time { return today },
		ChunkSize: chunk, TxRows: chunk}
}

type importFile struct {
	dept, item, path string
}

func TestImporterSameOnBothStores(t *testing.T) {
	pg := openTest(t)
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()

	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	reg := registryRows(rng, 1, 400)
	pen := penaltyRows(rng, 600, 450) // some enterprises are not registered: they are created by the penalty
	// The second penalty file changes half of the first 80 rows (new versions), repeats the rest
	// (unchanged), fixes the rows rejected before and adds new ones.
	pen2 := [][]string{penaltyHeader}
	for i, r := range pen[1:81] {
		r = append([]string(nil), r...)
		if i%2 == 0 {
			r[9], r[8] = "99", "罚款人民币99万元"
		}
		pen2 = append(pen2, r)
	}
	for i, r := range pen[1:] {
		if i+1 == 53 || i+1 == 61 || i+1 == 106 {
			r = append([]string(nil), r...)
			r[1], r[10] = uscc(1000+i), "2026-03-01"
			pen2 = append(pen2, r)
		}
	}
	pen2 = append(pen2, penaltyRows(rand.New(rand.NewPCG(3, 4)), 30, 50)[1:]...)
	for _, r := range pen2[len(pen2)-30:] {
		r[0] = "N" + r[0]
	}
	// The registry again with renames and a status change: former names grow, search moves.
	reg2 := [][]string{registryHeader}
	for i, r := range reg[1:41] {
		r = append([]string(nil), r...)
		if i%2 == 0 {
			r[2] = "威海新华为电子科技有限公司" + fmt.Sprint(i)
			r[5] = "吊销"
		}
		reg2 = append(reg2, r)
	}
	files := []importFile{
		{"scjg", "enterprise_registration", writeCSV(t, dir, "reg.csv", reg)},
		{"scjg", "admin_penalty", writeCSV(t, dir, "pen.csv", pen)},
		{"scjg", "admin_penalty", writeCSV(t, dir, "pen2.csv", pen2)},
		{"scjg", "enterprise_registration", writeCSV(t, dir, "reg2.csv", reg2)},
		{"scjg", "admin_penalty", writeCSV(t, dir, "pen.csv", pen)}, // the same file again: nothing changes
	}
	stores := []store.Store{lite, pg}
	var ims []*ingest.Importer
	for _, st := range stores {
		// Chunk and transaction size alike, so transactions (and ids) do not depend on timing;
		// 100 rows make most writes COPY and the last of each file multi-row INSERT.
		ims = append(ims, newImporter(t, st, 100))
	}
	for i, f := range files {
		var res []*ingest.Result
		for _, im := range ims {
			r, err := im.Import(ctx, ingest.Request{Dept: f.dept, Item: f.item, Path: f.path})
			if err != nil {
				t.Fatalf("import %s: %v", filepath.Base(f.path), err)
			}
			res = append(res, r)
		}
		a, b := *res[0].Batch, *res[1].Batch
		a.ID, b.ID = 0, 0
		compare(t, "batch of "+filepath.Base(f.path), a, b)
		if repeat := i == len(files)-1; res[0].Repeat != repeat || res[1].Repeat != repeat {
			t.Fatalf("%s: repeat = %v, %v", filepath.Base(f.path), res[0].Repeat, res[1].Repeat)
		}
	}
	sealer := ims[0].Sealer
	snaps := []*snapshot{takeSnapshot(t, lite, sealer), takeSnapshot(t, pg, sealer)}
	if snaps[0].subjects < 400 || snaps[0].records < 600 || len(snaps[0].rejects) == 0 {
		t.Fatalf("the test data are too small: %d subjects, %d records, %d rejects", snaps[0].subjects, snaps[0].records, len(snaps[0].rejects))
	}
	compare(t, "counters", snaps[0].counters, snaps[1].counters)
	compare(t, "batches", snaps[0].batches, snaps[1].batches)
	compare(t, "rejects", snaps[0].rejects, snaps[1].rejects)
	compare(t, "subject count", snaps[0].subjects, snaps[1].subjects)
	compare(t, "record count", snaps[0].records, snaps[1].records)
	for key, s := range snaps[0].byKey {
		compare(t, "subject "+key, s, snaps[1].byKey[key])
	}
	for _, q := range []string{"有限公司", "华为", "华", "司", "海洋渔业", "新华为电子", "威海新华为电子科技有限公司0", "电子科技",
		"商行", "厂", "0有", "不存在的名字"} {
		for _, page := range []store.SearchQuery{{Name: q, Limit: 15}, {Name: q, Limit: 15, Offset: 15}, {Name: q, Limit: 7, Offset: 40}} {
			compare(t, fmt.Sprintf("search %+v", page), search(t, lite, page), search(t, pg, page))
		}
	}
}

func compare(t *testing.T, what string, sqliteV, pgV any) {
	t.Helper()
	if !reflect.DeepEqual(sqliteV, pgV) {
		t.Fatalf("%s differs\nsqlite   %+v\npostgres %+v", what, sqliteV, pgV)
	}
}

// snapshot is a store's content with ids replaced by what they stand for (subject keys, file
// hashes) and sealed data opened, so two stores can be compared.
type snapshot struct {
	counters map[string]int64
	batches  []store.Batch
	rejects  []store.Reject
	byKey    map[string]subjectView
	subjects int
	records  int
}

type subjectView struct {
	Subject  credit.Subject
	LegalRep string // key of the legal representative
	ID, Name string // opened personal information
	Records  []credit.Record
}

func takeSnapshot(t *testing.T, st store.Store, sealer *credit.Sealer) *snapshot {
	return snapshotOf(t, st, sealer, nil)
}

// snapshotOf is takeSnapshot; with keys it looks those subjects up by key rather than walking
// ids from 1 (ids may have large gaps, e.g. after retried transactions).
func snapshotOf(t *testing.T, st store.Store, sealer *credit.Sealer, keys []string) *snapshot {
	t.Helper()
	ctx := context.Background()
	snap := &snapshot{byKey: map[string]subjectView{}}
	var err error
	if snap.counters, err = st.Counters(ctx); err != nil {
		t.Fatal(err)
	}
	bs, err := st.Batches(ctx, store.BatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	batchRef := func(id int64) int64 {
		if id == 0 {
			return 0
		}
		for i, b := range bs {
			if b.ID == id {
				return int64(len(bs) - i) // position, oldest 1
			}
		}
		t.Fatalf("unknown batch %d", id)
		return 0
	}
	for _, b := range bs {
		err := st.Rejects(ctx, b.ID, func(r *store.Reject) error {
			// Values are sealed (random nonce): compare what they open to.
			if r.Sealed != nil {
				plain, err := sealer.Open(r.Sealed)
				if err != nil {
					return err
				}
				if err := json.Unmarshal(plain, &r.Values); err != nil {
					return err
				}
				r.Sealed = nil
			}
			r.BatchID, r.Resolved = batchRef(r.BatchID), batchRef(r.Resolved)
			snap.rejects = append(snap.rejects, *r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		c := *b
		c.ID = batchRef(b.ID)
		snap.batches = append(snap.batches, c)
	}
	open := func(b []byte) string {
		if b == nil {
			return ""
		}
		p, err := sealer.Open(b)
		if err != nil {
			t.Fatal(err)
		}
		return string(p)
	}
	// Subjects are numbered from 1 in both stores; walk them until a run of misses.
	keyOf := map[int64]string{}
	next := func() func() (*credit.Subject, bool) {
		if keys != nil {
			i := 0
			return func() (*credit.Subject, bool) {
				if i == len(keys) {
					return nil, false
				}
				s, err := st.SubjectByKey(ctx, keys[i])
				if err != nil {
					t.Fatalf("subject %s: %v", keys[i], err)
				}
				i++
				return s, true
			}
		}
		id, misses := int64(0), 0
		return func() (*credit.Subject, bool) {
			for misses < 50 {
				id++
				s, err := st.SubjectByID(ctx, id)
				if credit.ErrorCode(err) == credit.ENOTFOUND {
					misses++
					continue
				} else if err != nil {
					t.Fatal(err)
				}
				misses = 0
				return s, true
			}
			return nil, false
		}
	}()
	for s, ok := next(); ok; s, ok = next() {
		keyOf[s.ID] = s.Key
		recs, err := st.SubjectRecords(ctx, s.ID, store.RecordFilter{})
		if err != nil {
			t.Fatal(err)
		}
		v := subjectView{ID: open(s.IDCipher), Name: open(s.NameCipher)}
		for _, r := range recs {
			if r.SubjectID != s.ID {
				t.Fatalf("record %d of subject %d has subject %d", r.ID, s.ID, r.SubjectID)
			}
			c := *r
			c.ID, c.SubjectID, c.BatchID = 0, 0, batchRef(r.BatchID)
			if c.Personal != nil {
				c.Personal = []byte(open(c.Personal))
			}
			v.Records = append(v.Records, c)
		}
		snap.records += len(recs)
		v.Subject = *s
		snap.byKey[s.Key] = v
	}
	snap.subjects = len(keyOf)
	for key, v := range snap.byKey {
		if v.Subject.LegalRepID != 0 {
			v.LegalRep = keyOf[v.Subject.LegalRepID]
		}
		v.Subject.ID, v.Subject.LegalRepID, v.Subject.IDCipher, v.Subject.NameCipher = 0, 0, nil, nil
		snap.byKey[key] = v
	}
	return snap
}

type searchView struct {
	Keys []string
	More bool
}

func search(t *testing.T, st store.Store, q store.SearchQuery) searchView {
	t.Helper()
	q.Name = credit.NormalizeName(q.Name)
	res, err := st.SearchSubjects(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	v := searchView{More: res.More}
	for _, s := range res.Subjects {
		v.Keys = append(v.Keys, s.Key)
	}
	return v
}

// BenchmarkImport imports 50,000 generated rows through the real importer into a fresh store:
//
//	XINYONG_TEST_POSTGRES=… go test -run '^$' -bench Import -benchtime 3x ./store/postgres/
func BenchmarkImport(b *testing.B) {
	const n = 50_000
	dir := b.TempDir()
	files := map[string]importFile{
		"penalties": {"scjg", "admin_penalty", writeCSV(b, dir, "pen.csv", penaltyRows(rand.New(rand.NewPCG(1, 2)), n, 20_000))},
		"registry":  {"scjg", "enterprise_registration", writeCSV(b, dir, "reg.csv", registryRows(rand.New(rand.NewPCG(1, 2)), 1, n+1))},
	}
	opens := map[string]func(b *testing.B) store.Store{
		"sqlite": func(b *testing.B) store.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "b.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		},
		"postgres": func(b *testing.B) store.Store { return openTest(b) },
	}
	for _, file := range []string{"penalties", "registry"} {
		for _, db := range []string{"sqlite", "postgres"} {
			b.Run(file+"/"+db, func(b *testing.B) {
				f := files[file]
				for b.Loop() {
					b.StopTimer()
					im := newImporter(b, opens[db](b), 0)
					b.StartTimer()
					res, err := im.Import(context.Background(), ingest.Request{Dept: f.dept, Item: f.item, Path: f.path})
					if err != nil {
						b.Fatal(err)
					}
					if res.Batch.Rows != n {
						b.Fatalf("rows = %d", res.Batch.Rows)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

// blindStore reports every item as empty, as if another import wrote the item's first rows
// after this one began: the writer then skips looking up rows that exist.
type blindStore struct{ store.Store }

func (s blindStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(blindTx{tx}) })
}

type blindTx struct{ store.Tx }

func (blindTx) HasRecords(string, string) (bool, error) { return false, nil }

// An import that took its item for empty, while rows of it exist, ends as one that knew: the
// conflicting chunk is written again with every row looked up (on PostgreSQL by the store's
// rerun of the transaction, on SQLite by the writer's).
func TestImporterItemWrittenMeanwhile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	pen := penaltyRows(rng, 300, 200)
	pen2 := [][]string{penaltyHeader}
	for i, r := range pen[1:121] {
		r = append([]string(nil), r...)
		if i%3 == 0 {
			r[9], r[8] = "77", "罚款人民币77万元"
		}
		pen2 = append(pen2, r)
	}
	for _, r := range penaltyRows(rand.New(rand.NewPCG(7, 8)), 40, 250)[1:] {
		r[0] = "N" + r[0]
		pen2 = append(pen2, r)
	}
	f1, f2 := writeCSV(t, dir, "pen.csv", pen), writeCSV(t, dir, "pen2.csv", pen2)
	open := func() store.Store {
		st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	ref, lite, pg := open(), open(), store.Store(openTest(t))
	var batches []store.Batch
	var snaps []*snapshot
	for i, st := range []store.Store{ref, lite, pg} {
		im := newImporter(t, st, 50)
		if _, err := im.Import(ctx, ingest.Request{Dept: "scjg", Item: "admin_penalty", Path: f1}); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			im.Store = blindStore{st}
		}
		res, err := im.Import(ctx, ingest.Request{Dept: "scjg", Item: "admin_penalty", Path: f2})
		if err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
		b := *res.Batch
		b.ID, b.CreatedAt, b.FinishedAt = 0, time.Time{}, time.Time{}
		batches = append(batches, b)
		snaps = append(snaps, takeSnapshot(t, st, im.Sealer))
	}
	if batches[0].Versions == 0 || batches[0].Unchanged == 0 || batches[0].Accepted == 0 {
		t.Fatalf("the reference batch has no versions, unchanged or new rows: %+v", batches[0])
	}
	for i, what := range []string{"", "sqlite", "postgres"} {
		if i == 0 {
			continue
		}
		compare(t, what+" batch", batches[0], batches[i])
		compare(t, what+" counters", snaps[0].counters, snaps[i].counters)
		compare(t, what+" record count", snaps[0].records, snaps[i].records)
		for key, s := range snaps[0].byKey {
			compare(t, what+" subject "+key, s, snaps[i].byKey[key])
		}
	}
}
