package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/ingest"
	"github.com/xinyong/xinyong/store"
)

const (
	govFirm   = "91350100M000100Y43"
	govPerson = "11010519491231002X" // the firm's legal representative, a blood donor
	govRep    = "王建国"
	govMatter = "行政许可审批：食品经营许可"
)

// govApp is an app with a firm (registration: public, with its representative's resident ID as
// a personal field; a charitable donation: shared) and a person (a blood donation:
// authorised-only).
func govApp(t *testing.T) *app.App {
	t.Helper()
	a, _, _ := clockApp(t)
	dir := t.TempDir()
	for _, imp := range []struct{ dept, item, body string }{
		{"scjg", "enterprise_registration", "source_id,subject_code,subject_name,legal_rep_name,legal_rep_id,reg_status,established,address\n" +
			"R1," + govFirm + ",福州某某有限公司," + govRep + "," + govPerson + ",存续,2010-05-01,福州市鼓楼区某路1号\n"},
		{"mz", "charitable_donation", "source_id,subject_code,subject_name,amount,recipient,donation_date\n" +
			"D1," + govFirm + ",福州某某有限公司,20000,某市慈善总会,2026-01-05\n"},
		{"wjw", "blood_donation", "source_id,subject_code,subject_name,volume_ml,donation_type,donation_date,station\n" +
			"B1," + govPerson + "," + govRep + ",400,全血,2026-02-01,某市中心血站\n"},
	} {
		p := filepath.Join(dir, imp.item+".csv")
		if err := os.WriteFile(p, []byte(imp.body), 0o600); err != nil {
			t.Fatal(err)
		}
		res, err := a.Import(context.Background(), ingest.Request{Dept: imp.dept, Item: imp.item, Path: p}, nil)
		if err != nil || res.Batch.Accepted != 1 {
			t.Fatalf("import %s: %+v %v", imp.item, res, err)
		}
	}
	return a
}

func govLogs(t *testing.T, a *app.App) []*store.QueryLog {
	t.Helper()
	var out []*store.QueryLog
	if err := a.QueryLogs(context.Background(), store.QueryLogFilter{}, func(q *store.QueryLog) error { out = append(out, q); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func items(v *app.GovSubjectView) string {
	var codes []string
	for _, g := range v.Groups {
		codes = append(codes, g.Item.Code)
	}
	return strings.Join(codes, " ")
}

func TestGovSubject(t *testing.T) {
	a := govApp(t)
	clerk := &auth.Principal{UserID: 4, Kind: auth.KindStaff, Dept: "zwfw", Roles: []auth.Role{auth.RoleClerk}}
	token := &auth.Principal{TokenID: 9, Kind: auth.KindToken, Dept: "fgw", TokenScopes: []auth.Scope{auth.ScopeRecordsRead}}
	personKey := a.Sealer.PersonKey(govPerson)
	ctx := app.WithOrigin(context.Background(), app.Origin{Route: "GET /api/v1/gov/subjects/{code}", RemoteAddr: "10.0.0.7"})

	// A clerk with a purpose: public and shared records of the firm, its representative's ID
	// in clear.
	v, err := a.GovSubject(ctx, clerk, govFirm, " "+govMatter+" ")
	if err != nil {
		t.Fatal(err)
	}
	if v.Subject.Code != govFirm || v.Key != govFirm || items(v) != "enterprise_registration charitable_donation" || !v.PersonalShown {
		t.Fatalf("clerk's view of the firm: %+v (items %s)", v, items(v))
	}
	reg := v.Groups[0].Records[0]
	found := false
	for _, f := range reg.Fields {
		if f.Name == "legal_rep_id" {
			found = f.Personal && !f.Masked && f.Value == govPerson
		}
	}
	if !found || reg.Publication != credit.PubShown || v.Groups[1].Records[0].Publication != credit.PubNever {
		t.Errorf("registration fields %+v, publication %s / %s", reg.Fields, reg.Publication, v.Groups[1].Records[0].Publication)
	}

	// The person by resident ID: the authorised-only blood donation, the real name; the ID
	// stays masked.
	v, err = a.GovSubject(ctx, clerk, govPerson, govMatter)
	if err != nil {
		t.Fatal(err)
	}
	if v.Key != personKey || v.Subject.Name != govRep || v.Subject.IDMasked != credit.MaskID(govPerson) ||
		items(v) != "blood_donation" || v.Subject.IDCipher != nil {
		t.Fatalf("clerk's view of the person: %+v %+v", v, v.Subject)
	}
	// The same person by its subject key.
	if v, err = a.GovSubject(ctx, clerk, personKey, govMatter); err != nil || v.Key != personKey {
		t.Fatalf("by key: %+v %v", v, err)
	}

	// A department token: public and shared only, personal fields masked, the name masked.
	v, err = a.GovSubject(ctx, token, govFirm, "联合奖惩核查")
	if err != nil || v.PersonalShown || items(v) != "enterprise_registration charitable_donation" {
		t.Fatalf("token's view: %+v %v", v, err)
	}
	for _, f := range v.Groups[0].Records[0].Fields {
		if f.Name == "legal_rep_id" && (!f.Masked || f.Value != credit.MaskID(govPerson)) {
			t.Errorf("token sees %+v", f)
		}
	}
	v, err = a.GovSubject(ctx, token, govPerson, "联合奖惩核查")
	if err != nil || v.Subject.Name != credit.MaskName(govRep) || v.Records != 0 {
		t.Fatalf("token's view of the person: %+v %v", v, err)
	}

	// Unknown and invalid codes are answers too, and logged.
	if _, err := a.GovSubject(ctx, clerk, "110105194912310038", govMatter); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Fatalf("unknown person: %v", err)
	}
	if _, err := a.GovSubject(ctx, clerk, "12345", govMatter); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("invalid code: %v", err)
	}
	before := len(govLogs(t, a))
	if before != 7 {
		t.Fatalf("%d query-log entries after 7 reads", before)
	}

	// Refusals: no purpose, too long a purpose, not a government reader. Nothing is logged.
	for _, c := range []struct {
		p       *auth.Principal
		purpose string
		code    string
	}{
		{clerk, "", credit.EFORBIDDEN},
		{clerk, " \u3000 ", credit.EFORBIDDEN},
		{clerk, strings.Repeat("事", app.MaxGovPurposeLen+1), credit.EINVALID},
		{token, "", credit.EFORBIDDEN},
		{nil, govMatter, credit.EUNAUTH},
		{&auth.Principal{UserID: 2, Kind: auth.KindStaff, Dept: "fgw", Roles: []auth.Role{auth.RoleSubmitter}}, govMatter, credit.EFORBIDDEN},
		{&auth.Principal{UserID: 5, Kind: auth.KindStaff, Dept: "xyb", Roles: []auth.Role{auth.RoleAuditor}}, govMatter, credit.EFORBIDDEN},
		{&auth.Principal{TokenID: 3, Kind: auth.KindToken, Dept: "fgw", TokenScopes: []auth.Scope{auth.ScopeBatchesRead}}, govMatter, credit.EFORBIDDEN},
		{&auth.Principal{Kind: auth.KindSubject, Roles: []auth.Role{auth.RoleSubject}, SubjectKey: personKey}, govMatter, credit.EFORBIDDEN},
	} {
		if _, err := a.GovSubject(ctx, c.p, govPerson, c.purpose); credit.ErrorCode(err) != c.code {
			t.Errorf("%+v with purpose %q: %v, want %s", c.p, c.purpose, err, c.code)
		}
	}
	if _, err := a.GovSubject(ctx, clerk, govPerson, ""); err != auth.ErrPurposeMissing {
		t.Errorf("missing purpose: %v", err)
	}

	logs := govLogs(t, a)
	if len(logs) != before {
		t.Fatalf("refusals were logged: %d entries", len(logs))
	}
	want := []struct{ actor, dept, purpose, key, returned string }{
		{"user:4", "zwfw", govMatter, govFirm, "records: enterprise_registration×1, charitable_donation×1; levels: public,shared,authorised; personal: shown"},
		{"user:4", "zwfw", govMatter, personKey, "records: blood_donation×1; levels: public,shared,authorised; personal: shown"},
		{"user:4", "zwfw", govMatter, personKey, "records: blood_donation×1; levels: public,shared,authorised; personal: shown"},
		{"token:9@fgw", "fgw", "联合奖惩核查", govFirm, "records: enterprise_registration×1, charitable_donation×1; levels: public,shared; personal: masked"},
		{"token:9@fgw", "fgw", "联合奖惩核查", personKey, "records: none; levels: public,shared; personal: masked"},
		{"user:4", "zwfw", govMatter, a.Sealer.PersonKey("110105194912310038"), "not found"},
		{"user:4", "zwfw", govMatter, "", "invalid code"},
	}
	for i, w := range want {
		q := logs[i]
		if q.Actor != w.actor || q.Dept != w.dept || q.Purpose != w.purpose || q.SubjectKey != w.key || q.Returned != w.returned ||
			q.Route != "GET /api/v1/gov/subjects/{code}" || q.RemoteAddr != "10.0.0.7" {
			t.Errorf("entry %d = %+v, want %+v", i, q, w)
		}
		for _, s := range []string{q.SubjectKey, q.Returned, q.Purpose} {
			if strings.Contains(s, govPerson) || strings.Contains(s, "110105194912310038") {
				t.Errorf("entry %d carries a resident ID: %+v", i, q)
			}
		}
	}
}

func TestPublicationOf(t *testing.T) {
	item := &credit.CatalogItem{Disclosure: credit.DisclosurePublic}
	now := mustDay(t, "2026-06-15")
	for _, c := range []struct {
		published  bool
		from, till string
		want       credit.Publication
	}{
		{false, "2026-01-01", "", credit.PubNever},
		{true, "2026-07-01", "", credit.PubPending},
		{true, "2026-01-01", "2026-06-15", credit.PubEnded},
		{true, "2026-01-01", "2026-06-16", credit.PubShown},
		{true, "2026-06-15", "", credit.PubShown},
	} {
		r := &credit.Record{Published: c.published, PubFrom: mustDay(t, c.from), Status: credit.RecordActive}
		if c.till != "" {
			r.PubUntil = mustDay(t, c.till)
		}
		if got := credit.PublicationOf(item, r, nil, now); got != c.want {
			t.Errorf("%+v: %s, want %s", c, got, c.want)
		}
	}
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestMaskPersonal(t *testing.T) {
	if got := app.MaskPersonal(credit.Field{Name: "legal_rep_id", Type: credit.TypeString}, govPerson); got != credit.MaskID(govPerson) {
		t.Errorf("id: %s", got)
	}
	if got := app.MaskPersonal(credit.Field{Name: "spouse", Type: credit.TypeCode}, govPerson); got != credit.MaskID(govPerson) {
		t.Errorf("code: %s", got)
	}
	if got := app.MaskPersonal(credit.Field{Name: "contact", Type: credit.TypeString}, "王建国"); got != "王**" {
		t.Errorf("name: %s", got)
	}
}
