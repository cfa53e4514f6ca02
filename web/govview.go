package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
)

// The government view of a subject (政务共享查询): the console's search form and subject page,
// and GET /api/v1/gov/subjects/{code}. The matrix admits auth.GovernmentRoles and records:read
// tokens with a stated purpose; app.GovSubject decides what they see and enters every answer
// in the query log, so the handlers only carry the request's origin to it.

// govMessages are the texts of the government view's pages, merged into messages.
var govMessages = map[string][2]string{
	"console.gov":           {"政务共享查询", "Subject look-up"},
	"gov.intro":             {"按统一社会信用代码或身份证号查询主体的公开、政务共享信息；说明查询事由后，授权查询信息和个人信息按权限显示。每次查询都登记在查询使用登记中。", "Look a subject up by its unified code or resident ID: public and government-shared information, and, with a stated purpose, authorised-only and personal information as your role allows. Every look-up is entered in the query log."},
	"gov.code":              {"统一社会信用代码或身份证号", "Unified code or resident ID"},
	"gov.purpose":           {"查询事由（必填）", "Purpose (required)"},
	"gov.purpose.hint":      {"写明办理的行政事项，最多 100 字，例如“行政许可审批：食品经营许可”。", "Name the administrative matter, at most 100 characters, e.g. “行政许可审批：食品经营许可”."},
	"gov.submit":            {"查询", "Look up"},
	"gov.logged":            {"本次查询已登记：查询人、部门、事由、主体、返回内容、时间和来源地址。", "This look-up has been logged: who, department, purpose, subject, what was returned, when and from where."},
	"gov.purposeis":         {"查询事由", "Purpose"},
	"gov.levels":            {"本次可见", "Visible in this look-up"},
	"gov.personal.shown":    {"个人信息按查询事由显示明文。", "Personal information is shown in clear for the stated purpose."},
	"gov.personal.masked":   {"个人信息已脱敏。", "Personal information is masked."},
	"gov.notfound":          {"平台上没有该代码对应的主体。", "No subject on the platform has this code."},
	"gov.again":             {"新的查询", "New look-up"},
	"gov.idmasked":          {"身份证号", "Resident ID"},
	"gov.personalfield":     {"个人信息", "personal"},
	"gov.norecords":         {"没有可显示的信用记录。", "No records to show."},
	"gov.consent":           {"本人授权查询尚未开通：授权查询信息只对说明事由的窗口核查员、审核员和信用办管理员显示。", "Consent-based access is not available yet: authorised-only information is shown to window clerks, reviewers and the credit office stating a purpose."},
	"disclosure.public":     {"公开", "Public"},
	"disclosure.shared":     {"共享", "Shared"},
	"disclosure.authorised": {"授权", "Authorised"},
	"pub.shown":             {"公示中", "Published"},
	"pub.pending":           {"待公示", "Not yet published"},
	"pub.ended":             {"公示期满", "Publication ended"},
	"pub.never":             {"不公示", "Never published"},
}

func init() {
	addMessages(govMessages)
}

// govPurpose is the purpose a request states: the header X-Xinyong-Purpose, else ?purpose=,
// as the guard read it.
func govPurpose(r *http.Request) string {
	if p := r.Header.Get(purposeHeader); p != "" {
		return p
	}
	return r.URL.Query().Get(purposeField)
}

// govSubject asks app.GovSubject with the request's origin, and records that the read was
// logged there (the app logs every answer, found or not; a refusal or a failure to log is an
// error answer, which the guard does not log either).
func (s *Server) govSubject(r *http.Request) (*app.GovSubjectView, error) {
	st := state(r)
	ctx := app.WithOrigin(r.Context(), app.Origin{Route: st.pattern, RemoteAddr: clientIP(r)})
	v, err := s.app.GovSubject(ctx, principal(r), r.PathValue("code"), govPurpose(r))
	st.logged = true
	return v, err
}

type govSearchPage struct {
	base
	Code, Purpose string
	MaxPurpose    int
	Error         string
}

// consoleGovSearch shows the look-up form; submitted (?code=&purpose=), it checks both and
// leads to the subject page, by the person's subject key when the code is a resident ID.
func (s *Server) consoleGovSearch(w http.ResponseWriter, r *http.Request) {
	p := govSearchPage{base: s.consoleBase(w, r, "console.gov"), MaxPurpose: app.MaxGovPurposeLen}
	q := r.URL.Query()
	if !q.Has("code") && !q.Has("purpose") {
		s.render(w, r, http.StatusOK, "gov_subjects", p)
		return
	}
	p.Code = strings.TrimSpace(q.Get("code"))
	purpose, err := auth.CleanPurpose(q.Get("purpose"))
	p.Purpose = purpose
	if err == nil && purpose == "" {
		err = auth.ErrPurposeMissing
	}
	if err == nil && utf8.RuneCountInString(purpose) > app.MaxGovPurposeLen {
		err = credit.Errorf(credit.EINVALID, "查询事由最多 %d 个字符 / the purpose may be at most %d characters", app.MaxGovPurposeLen, app.MaxGovPurposeLen)
	}
	ref := ""
	if err == nil && p.Code == "" {
		err = invalidParam("code", "请填写统一社会信用代码或身份证号", "enter a unified code or resident ID")
	}
	if err == nil {
		ref, err = s.app.GovRef(r.Context(), p.Code)
	}
	if err != nil {
		_, body := describeError(err)
		p.Error = body.Message
		s.render(w, r, http.StatusBadRequest, "gov_subjects", p)
		return
	}
	target := "/console/subjects/" + url.PathEscape(ref) + "?" + url.Values{purposeField: {purpose}}.Encode()
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// govRecordView is one record on the government subject page.
type govRecordView struct {
	app.GovRecord
	DeptZH, DeptEN string
}

type govGroupView struct {
	Item    *credit.CatalogItem
	Records []govRecordView
}

type govSubjectPage struct {
	base
	View     *app.GovSubjectView
	Groups   []govGroupView
	Purpose  string
	NotFound bool
}

// consoleGovSubject shows the government view of a subject. An unknown subject is an answer
// (404, logged like any other); an invalid code, a refusal or a failure is an error page.
func (s *Server) consoleGovSubject(w http.ResponseWriter, r *http.Request) {
	v, err := s.govSubject(r)
	p := govSubjectPage{base: s.consoleBase(w, r, "console.gov")}
	p.Purpose, _ = auth.CleanPurpose(govPurpose(r))
	// The language link names the subject as the form's links do (a person by its key), so
	// a resident ID typed into the address is not repeated in the page.
	sw := &url.URL{Path: "/console/subjects", RawQuery: r.URL.RawQuery}
	if ref, rerr := s.app.GovRef(r.Context(), r.PathValue("code")); rerr == nil {
		sw.Path += "/" + url.PathEscape(ref)
	}
	p.SwitchURL = p.L.switchURL(sw)
	if credit.ErrorCode(err) == credit.ENOTFOUND {
		p.NotFound = true
		s.render(w, r, http.StatusNotFound, "gov_subject", p)
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.View, p.Groups = v, s.govGroups(v)
	p.Title = v.Subject.Name
	s.render(w, r, http.StatusOK, "gov_subject", p)
}

// govGroups adds the department names the page shows.
func (s *Server) govGroups(v *app.GovSubjectView) []govGroupView {
	cat := s.app.Catalog()
	out := make([]govGroupView, len(v.Groups))
	for i, g := range v.Groups {
		gv := govGroupView{Item: g.Item, Records: make([]govRecordView, len(g.Records))}
		for j, rec := range g.Records {
			rv := govRecordView{GovRecord: rec, DeptZH: rec.Record.Dept}
			if d, ok := cat.Department(rec.Record.Dept); ok {
				rv.DeptZH, rv.DeptEN = d.NameZH, d.NameEN
			}
			gv.Records[j] = rv
		}
		out[i] = gv
	}
	return out
}

// govSubjectJSON is the API's government view of a subject.
type govSubjectJSON struct {
	Subject       govSubjectHead `json:"subject"`
	Purpose       string         `json:"purpose"`
	Levels        []string       `json:"levels"`
	PersonalShown bool           `json:"personal_shown"`
	Records       int            `json:"records"`
	Groups        []govGroupJSON `json:"groups"`
	Logged        bool           `json:"logged"`
	// Lists are all the subject's list entries, ended ones too (web/subjectlists.go).
	Lists []subjectListJSON `json:"lists"`
}

// govSubjectHead is the subject of a government view: an organisation by its code, a person
// by its subject key and masked resident ID.
type govSubjectHead struct {
	Code       string               `json:"code,omitempty"`
	Key        string               `json:"key"`
	IDMasked   string               `json:"id_masked,omitempty"`
	Name       string               `json:"name"`
	Kind       credit.SubjectKind   `json:"kind"`
	KindZH     string               `json:"kind_zh"`
	Region     string               `json:"region,omitempty"`
	RegionName string               `json:"region_name,omitempty"`
	LegalRep   string               `json:"legal_representative,omitempty"`
	Status     credit.SubjectStatus `json:"status"`
	StatusZH   string               `json:"status_zh"`
}

type govGroupJSON struct {
	Item       string            `json:"item"`
	NameZH     string            `json:"name_zh"`
	NameEN     string            `json:"name_en,omitempty"`
	Disclosure credit.Disclosure `json:"disclosure"`
	Polarity   credit.Polarity   `json:"polarity"`
	Records    []govRecordJSON   `json:"records"`
}

type govRecordJSON struct {
	ID           int64              `json:"id"`
	Dept         string             `json:"dept"`
	DeptName     string             `json:"dept_name"`
	SourceID     string             `json:"source_id"`
	Version      int                `json:"version"`
	DecisionDate string             `json:"decision_date,omitempty"`
	Publication  credit.Publication `json:"publication"`
	Fields       []govFieldJSON     `json:"fields"`
}

type govFieldJSON struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	LabelEN  string `json:"label_en,omitempty"`
	Value    string `json:"value"`
	Personal bool   `json:"personal,omitempty"`
	Masked   bool   `json:"masked,omitempty"`
}

// apiGovSubject answers GET /api/v1/gov/subjects/{code}: the purpose in X-Xinyong-Purpose or
// ?purpose=.
func (s *Server) apiGovSubject(w http.ResponseWriter, r *http.Request) {
	v, err := s.govSubject(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	sub := v.Subject
	out := govSubjectJSON{Purpose: v.Purpose, PersonalShown: v.PersonalShown, Records: v.Records, Groups: []govGroupJSON{}, Logged: true,
		Lists: listsJSON(v.Lists, true),
		Subject: govSubjectHead{Code: sub.Code, Key: v.Key, IDMasked: sub.IDMasked, Name: sub.Name, Kind: sub.Kind, KindZH: v.KindZH,
			Region: sub.Region, RegionName: v.RegionName, LegalRep: sub.LegalRep, Status: sub.Status, StatusZH: langZH.Status(sub.Status)}}
	for _, l := range v.Levels {
		out.Levels = append(out.Levels, string(l))
	}
	for _, g := range s.govGroups(v) {
		gj := govGroupJSON{Item: g.Item.Code, NameZH: g.Item.NameZH, NameEN: g.Item.NameEN, Disclosure: g.Item.Disclosure,
			Polarity: g.Item.Polarity, Records: []govRecordJSON{}}
		for _, rv := range g.Records {
			rec := rv.Record
			rj := govRecordJSON{ID: rec.ID, Dept: rec.Dept, DeptName: rv.DeptZH, SourceID: rec.SourceID, Version: rec.Version,
				DecisionDate: day(rec.Decision), Publication: rv.Publication, Fields: []govFieldJSON{}}
			for _, f := range rv.Fields {
				rj.Fields = append(rj.Fields, govFieldJSON{Name: f.Name, Label: f.Label, LabelEN: f.LabelEN, Value: f.Value,
					Personal: f.Personal, Masked: f.Masked})
			}
			gj.Records = append(gj.Records, rj)
		}
		out.Groups = append(out.Groups, gj)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}
