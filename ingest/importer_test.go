package ingest_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
)

var today = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// uscc builds a valid unified social credit code for enterprise number n.
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

// residentID builds a valid resident ID born 1980-01-01 in 371002.
func residentID(n int) string {
	first := fmt.Sprintf("37100219800101%03d", n%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, ch := range first {
		sum += int(ch-'0') * w[i]
	}
	return first + string("10X98765432"[sum%11])
}

type env struct {
	t   *testing.T
	st  store.Store
	im  *ingest.Importer
	dir string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cat.Version = 1
	sealer, _ := credit.NewSealer(bytes.Repeat([]byte{1}, 32))
	return &env{t: t, st: st, dir: t.TempDir(),
		im: &ingest.Importer{Store: st, Catalog: cat, Sealer: sealer, Now: func() time.Time { return today }, ChunkSize: 3, TxRows: 3}}
}

func (e *env) file(name string, rows [][]string) string {
	e.t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.WriteAll(rows)
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// rejects reads a batch's rejected rows, checks they are stored sealed, and opens them.
func (e *env) rejects(batchID int64) []*store.Reject {
	e.t.Helper()
	var out []*store.Reject
	err := e.st.Rejects(context.Background(), batchID, func(r *store.Reject) error {
		if r.Sealed == nil || len(r.Values) != 0 {
			e.t.Fatalf("rejected row %d is not sealed: %+v", r.Row, r.Values)
		}
		plain, err := e.im.Sealer.Open(r.Sealed)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(plain, &r.Values); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) imp(dept, item, path string) *ingest.Result {
	e.t.Helper()
	res, err := e.im.Import(context.Background(), ingest.Request{Dept: dept, Item: item, Path: path})
	if err != nil {
		e.t.Fatalf("import %s: %v", path, err)
	}
	return res
}

var penaltyHeader = []string{"source_id", "subject_code", "subject_name", "decision_no", "violation_type", "violation_facts", "basis",
	"penalty_category", "penalty_content", "fine_amount", "decision_date", "authority", "authority_code", "data_source", "data_source_code"}

func penalty(src, code, name, date string) []string {
	auth := uscc(99)
	return []string{src, code, name, "威市监罚〔2026〕" + src + "号", "虚假宣传", "发布虚假广告", "《中华人民共和国广告法》第五十五条",
		"罚款", "罚款人民币贰万元", "2", date, "威海市市场监督管理局", auth, "威海市市场监督管理局", auth}
}

func TestImportLifecycle(t *testing.T) {
	e := newEnv(t)
	rows := [][]string{penaltyHeader,
		penalty("P1", uscc(1), "威海甲有限公司", "2026-03-02"),
		penalty("P2", strings.ToLower(uscc(2)), "威海乙有限公司", "2026/3/5"),
		penalty("P3", uscc(1)[:17]+"0", "威海丙有限公司", "2026-03-05"), // bad check character
		penalty("P4", uscc(4), "威海丁有限公司", "2026-02-30"),          // impossible date
		penalty("P5", residentID(5), "张三", "2026-03-06"),         // a natural person
		penalty("P6", uscc(6), "威海戊有限公司", "2026-03-07"),
		penalty("P7", uscc(7), "威海己有限公司", "2026-03-08"),
	}
	path := e.file("p.csv", rows)
	res := e.imp("scjg", "admin_penalty", path)
	b := res.Batch
	if b.Status != store.BatchDone || b.Rows != 7 || b.Accepted != 5 || b.Rejected != 2 || b.Checkpoint != 8 {
		t.Fatalf("batch = %+v", b)
	}
	var rejects []*store.Reject
	rejects = e.rejects(b.ID)
	if len(rejects) != 2 || rejects[0].Row != 4 || rejects[0].Errors[0].Field != credit.ColSubjectCode || rejects[0].Errors[0].Rule != credit.RuleCode ||
		rejects[1].Row != 5 || rejects[1].Errors[0].Field != "decision_date" || rejects[1].Values[0] != "P4" {
		t.Fatalf("rejects = %+v %+v", rejects[0], rejects[1])
	}
	// Lower-case input is stored canonical.
	s, err := e.st.SubjectByKey(context.Background(), uscc(2))
	if err != nil || s.Name != "威海乙有限公司" || s.Kind != credit.KindEnterprise {
		t.Fatalf("subject = %+v, %v", s, err)
	}
	// The person is stored under a keyed hash, name masked, ID sealed.
	p, err := e.st.SubjectByKey(context.Background(), e.im.Sealer.PersonKey(residentID(5)))
	if err != nil || p.Name != "张*" || bytes.Contains(p.IDCipher, []byte(residentID(5))) || p.IDMasked != credit.MaskID(residentID(5)) {
		t.Fatalf("person = %+v, %v", p, err)
	}

	// The same file again changes nothing.
	again := e.imp("scjg", "admin_penalty", path)
	if !again.Repeat || again.Batch.ID != b.ID {
		t.Fatalf("repeat = %+v", again)
	}
	// The same rows in another file: all unchanged.
	rows2 := append([][]string(nil), rows...)
	rows2 = append(rows2, []string{}) // differs by a trailing blank line only
	res2 := e.imp("scjg", "admin_penalty", e.file("p2.csv", rows2))
	if res2.Batch.Unchanged != 5 || res2.Batch.Accepted != 0 || res2.Batch.Versions != 0 {
		t.Fatalf("second batch = %+v", res2.Batch)
	}

	// A fixed file: the corrected rows resolve the quarantine; a changed row becomes version 2.
	fixed := [][]string{penaltyHeader,
		penalty("P3", uscc(3), "威海丙有限公司", "2026-03-05"),
		penalty("P4", uscc(4), "威海丁有限公司", "2026-02-28"),
		penalty("P1", uscc(1), "威海甲有限公司", "2026-03-03"),
	}
	res3 := e.imp("scjg", "admin_penalty", e.file("fix.csv", fixed))
	if res3.Batch.Accepted != 2 || res3.Batch.Versions != 1 || res3.Batch.Rejected != 0 {
		t.Fatalf("fix batch = %+v", res3.Batch)
	}
	rejects = e.rejects(b.ID)
	if rejects[0].Resolved != res3.Batch.ID || rejects[1].Resolved != res3.Batch.ID {
		t.Fatalf("rejects not resolved: %+v %+v", rejects[0], rejects[1])
	}
	vs, err := e.st.RecordVersions(context.Background(), "scjg", "admin_penalty", "P1")
	if err != nil || len(vs) != 2 || vs[0].Status != credit.RecordSuperseded || vs[1].Version != 2 || vs[1].Fields["decision_date"] != "2026-03-03" {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	c, _ := e.st.Counters(context.Background())
	if c[store.CounterRecords] != 7 || c[store.CounterSubjectsLegal] != 6 || c[store.CounterSubjectsPerson] != 1 {
		t.Fatalf("counters = %v", c)
	}
}

func TestImportFileErrors(t *testing.T) {
	e := newEnv(t)
	good := e.file("g.csv", [][]string{penaltyHeader, penalty("P1", uscc(1), "甲", "2026-03-02")})
	cases := []struct {
		dept, item, path, want string
	}{
		{"nope", "admin_penalty", good, "未知部门"},
		{"scjg", "nope", good, "目录中没有信息项"},
		{"fy", "admin_penalty", good, "不是信息项"},
		{"scjg", "admin_penalty", e.file("h.csv", [][]string{{"source_id", "subject_code", "subject_name", "bogus"}, {"1", uscc(1), "甲", "x"}}), "bogus"},
		{"scjg", "admin_penalty", filepath.Join(e.dir, "missing.csv"), "无法打开文件"},
		{"scjg", "admin_penalty", e.file("empty.csv", nil), "文件为空"},
	}
	for _, tc := range cases {
		_, err := e.im.Import(context.Background(), ingest.Request{Dept: tc.dept, Item: tc.item, Path: tc.path})
		if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s/%s %s: err = %v, want %q", tc.dept, tc.item, filepath.Base(tc.path), err, tc.want)
		}
	}
	bs, _ := e.st.Batches(context.Background(), store.BatchFilter{})
	if len(bs) != 1 || bs[0].Status != store.BatchFailed || !strings.Contains(bs[0].Error, "bogus") {
		t.Fatalf("failed batch not recorded: %+v", bs)
	}
	c, _ := e.st.Counters(context.Background())
	if c[store.CounterRecords] != 0 {
		t.Fatalf("records stored by failed imports: %v", c)
	}
}

func TestImportResume(t *testing.T) {
	e := newEnv(t)
	rows := [][]string{penaltyHeader}
	for i := 1; i <= 10; i++ {
		rows = append(rows, penalty(fmt.Sprintf("R%d", i), uscc(i), fmt.Sprintf("公司%d", i), "2026-03-02"))
	}
	path := e.file("r.csv", rows)
	// Stop the import after the second chunk (3 rows each).
	ctx, cancel := context.WithCancel(context.Background())
	chunks := 0
	e.im.Progress = func(p ingest.Progress) {
		if chunks++; chunks == 2 {
			cancel()
		}
	}
	_, err := e.im.Import(ctx, ingest.Request{Dept: "scjg", Item: "admin_penalty", Path: path})
	if err == nil {
		t.Fatal("cancelled import returned no error")
	}
	e.im.Progress = nil
	bs, _ := e.st.Batches(context.Background(), store.BatchFilter{})
	if len(bs) != 1 || bs[0].Status != store.BatchRunning || bs[0].Checkpoint != 7 || bs[0].Accepted != 6 {
		t.Fatalf("interrupted batch = %+v", bs[0])
	}
	res := e.imp("scjg", "admin_penalty", path)
	if !res.Resumed || res.Batch.Status != store.BatchDone || res.Batch.Accepted != 10 || res.Batch.Rows != 10 || res.Batch.Unchanged != 0 {
		t.Fatalf("resumed batch = %+v", res.Batch)
	}
	c, _ := e.st.Counters(context.Background())
	if c[store.CounterRecords] != 10 {
		t.Fatalf("records = %d", c[store.CounterRecords])
	}
}

func TestImportRegistryAndLegacyCodes(t *testing.T) {
	e := newEnv(t)
	hdr := []string{"source_id", "subject_code", "subject_name", "legal_rep_name", "legal_rep_id", "reg_status", "established", "address", "reg_no", "org_code", "former_names"}
	code := uscc(1)
	regNo := regNumber("37100022800001")
	rows := [][]string{hdr,
		{"E1", code, "威海海洋食品有限公司", "李四", residentID(1), "存续", "2015-06-01", "威海市环翠区新威路18号", regNo, code[8:17], "威海海洋食品厂"},
	}
	e.imp("scjg", "enterprise_registration", e.file("reg.csv", rows))
	s, err := e.st.SubjectByKey(context.Background(), code)
	if err != nil || s.LegalRep != "李四" || s.LegalRepID == 0 || len(s.FormerNames) != 1 || len(s.LegacyCodes) != 2 {
		t.Fatalf("registered subject = %+v, %v", s, err)
	}
	rep, _ := e.st.SubjectByID(context.Background(), s.LegalRepID)
	if rep.Kind != credit.KindPerson || rep.Name != "李*" {
		t.Fatalf("legal rep = %+v", rep)
	}
	// A penalty reported under the legacy registration number lands on the same subject.
	e.imp("scjg", "admin_penalty", e.file("p.csv", [][]string{penaltyHeader,
		penalty("L1", regNo, "威海海洋食品有限公司", "2026-03-02"),
		penalty("L2", regNumber("37100022899999"), "未知公司", "2026-03-02"),
	}))
	recs, _ := e.st.SubjectRecords(context.Background(), s.ID, store.RecordFilter{ActiveOnly: true})
	if len(recs) != 2 { // registration + penalty
		t.Fatalf("records = %d", len(recs))
	}
	// Renaming keeps the old name as a former name and moves the subject in search.
	rows[1][0], rows[1][2], rows[1][5] = "E1", "威海蓝海食品有限公司", "吊销"
	e.imp("scjg", "enterprise_registration", e.file("reg2.csv", rows))
	s, _ = e.st.SubjectByKey(context.Background(), code)
	if s.Name != "威海蓝海食品有限公司" || s.Status != credit.StatusRevoked || len(s.FormerNames) != 2 {
		t.Fatalf("renamed = %+v", s)
	}
	res, _ := e.st.SearchSubjects(context.Background(), store.SearchQuery{Name: "海洋食品", Limit: 5})
	if len(res.Subjects) != 1 {
		t.Fatalf("former name not searchable: %v", res.Subjects)
	}
}

// regNumber appends the ISO 7064 MOD 11,10 check digit.
func regNumber(first14 string) string {
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

func TestImportGB18030(t *testing.T) {
	e := newEnv(t)
	var buf bytes.Buffer
	w := csv.NewWriter(simplifiedchinese.GB18030.NewEncoder().Writer(&buf))
	w.WriteAll([][]string{penaltyHeader, penalty("G1", uscc(1), "威海荣成渔业有限公司", "2026-03-02")})
	path := filepath.Join(e.dir, "gbk.csv")
	os.WriteFile(path, buf.Bytes(), 0o600)
	res := e.imp("scjg", "admin_penalty", path)
	if res.Batch.Accepted != 1 || res.Batch.Encoding != "gb18030" {
		t.Fatalf("batch = %+v", res.Batch)
	}
	s, _ := e.st.SubjectByKey(context.Background(), uscc(1))
	if s.Name != "威海荣成渔业有限公司" {
		t.Fatalf("name = %q", s.Name)
	}
}

// A file into an item with no records yet: the writer looks up only the rows it has written
// itself, so a record repeated in a later chunk must still become a new version (changed) or
// count as unchanged.
func TestImportFreshItemRepeatsAcrossChunks(t *testing.T) {
	e := newEnv(t)
	rows := [][]string{penaltyHeader}
	for i := 1; i <= 6; i++ {
		rows = append(rows, penalty(fmt.Sprintf("F%d", i), uscc(i), fmt.Sprintf("公司%d", i), "2026-03-02"))
	}
	rows = append(rows,
		penalty("F1", uscc(1), "公司1", "2026-03-09"), // changed: version 2
		penalty("F2", uscc(2), "公司2", "2026-03-02"), // the same: unchanged
		penalty("F7", uscc(7), "公司7", "2026-03-02"),
		penalty("F7", uscc(7), "公司7", "2026-03-10")) // changed within the chunk
	b := e.imp("scjg", "admin_penalty", e.file("f.csv", rows)).Batch
	if b.Accepted != 7 || b.Versions != 2 || b.Unchanged != 1 || b.Rows != 10 {
		t.Fatalf("batch = %+v", b)
	}
	for src, want := range map[string]int{"F1": 2, "F2": 1, "F7": 2} {
		vs, err := e.st.RecordVersions(context.Background(), "scjg", "admin_penalty", src)
		if err != nil || len(vs) != want || vs[len(vs)-1].Status != credit.RecordActive {
			t.Fatalf("%s: versions = %+v, %v", src, vs, err)
		}
	}
}

// blindStore reports every item as empty, as a store would if another import wrote the item's
// first rows after this one began.
type blindStore struct{ store.Store }

func (s blindStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(blindTx{tx}) })
}

type blindTx struct{ store.Tx }

func (blindTx) HasRecords(string, string) (bool, error) { return false, nil }

// When records the writer did not look up turn out to exist, the insert conflicts and the chunk
// is written again with every row looked up: nothing is duplicated or lost.
func TestImportItemWrittenMeanwhile(t *testing.T) {
	e := newEnv(t)
	first := [][]string{penaltyHeader}
	for i := 1; i <= 5; i++ {
		first = append(first, penalty(fmt.Sprintf("W%d", i), uscc(i), fmt.Sprintf("公司%d", i), "2026-03-02"))
	}
	e.imp("scjg", "admin_penalty", e.file("w1.csv", first))
	e.im.Store = blindStore{e.st}
	second := [][]string{penaltyHeader,
		penalty("W9", uscc(9), "公司9", "2026-03-02"),
		penalty("W1", uscc(1), "公司1", "2026-03-05"), // changed
		penalty("W2", uscc(2), "公司2", "2026-03-02"), // unchanged
		penalty("W8", uscc(8), "公司8", "2026-03-02"),
		penalty("W3", uscc(3), "公司3", "2026-03-02"), // unchanged
	}
	b := e.imp("scjg", "admin_penalty", e.file("w2.csv", second)).Batch
	if b.Status != store.BatchDone || b.Accepted != 2 || b.Versions != 1 || b.Unchanged != 2 || b.Rows != 5 {
		t.Fatalf("batch = %+v", b)
	}
	vs, err := e.st.RecordVersions(context.Background(), "scjg", "admin_penalty", "W1")
	if err != nil || len(vs) != 2 || vs[0].Status != credit.RecordSuperseded || vs[1].Fields["decision_date"] != "2026-03-05" {
		t.Fatalf("W1 versions = %+v, %v", vs, err)
	}
	c, _ := e.st.Counters(context.Background())
	if c[store.CounterRecords] != 7 {
		t.Fatalf("records = %d, want 7", c[store.CounterRecords])
	}
}
