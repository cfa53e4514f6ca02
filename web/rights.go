package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Subjects' rights pages and API (异议、信用修复与工作日历): the subject files objections and
// repair applications from /my; the credit office and the departments' reviewers work the
// queues at /console/objections and /console/repairs; /guide/repair explains the rules to the
// public. The services are app's (rights.go); these handlers only read forms and render.

// maxEvidenceBody bounds a request carrying evidence files: every file at its limit plus the
// form's text.
const maxEvidenceBody = credit.MaxEvidenceFiles*credit.MaxEvidenceBytes + 1<<20

// rightsMultipart are the routes whose handlers read evidence files (multipart/form-data):
// limitBody gives them maxEvidenceBody, and a browser form's CSRF token is checked by the
// handler once the form is parsed (checkCSRF marks it pending).
var rightsMultipart = map[string]bool{
	"POST /my/records/{id}/objection":         true,
	"POST /my/records/{id}/repair":            true,
	"POST /my/cases/{id}/resubmit":            true,
	"POST /api/v1/my/records/{id}/objections": true,
	"POST /api/v1/my/records/{id}/repairs":    true,
	"POST /api/v1/my/cases/{id}/resubmit":     true,
}

var rightsMessages = map[string][2]string{
	"my.pub.pending":  {"待公示", "Not yet published"},
	"my.pub.never":    {"未公示", "Not published"},
	"my.pub.repaired": {"已信用修复，停止公示", "Repaired: no longer published"},
	"my.pub.revoked":  {"已撤销", "Revoked"},
	"pub.repaired":    {"已信用修复（停止公示，仍在共享）", "Repaired (not public, still shared)"},
	"pub.revoked":     {"已撤销", "Revoked"},

	"rights.objection":        {"异议处理中", "Under objection"},
	"rights.object":           {"提出异议", "Object"},
	"rights.repair":           {"申请信用修复", "Apply for credit repair"},
	"rights.cases":            {"异议与修复申请", "Objections and repair applications"},
	"rights.case":             {"申请详情", "Case"},
	"rights.case.no":          {"编号", "No."},
	"rights.kind.objection":   {"异议", "Objection"},
	"rights.kind.repair":      {"信用修复", "Credit repair"},
	"rights.status.pending":   {"异议处理中", "Pending"},
	"rights.status.corrected": {"已更正", "Corrected"},
	"rights.status.revoked":   {"已撤销", "Revoked"},
	"rights.status.upheld":    {"维持原记录", "Upheld"},
	"rights.status.submitted": {"待信用办审查", "Awaiting the credit office"},
	"rights.status.returned":  {"退回补正", "Returned for materials"},
	"rights.status.forwarded": {"待认定部门决定", "Awaiting the deciding department"},
	"rights.status.approved":  {"准予修复", "Approved"},
	"rights.status.refused":   {"不予修复", "Refused"},
	"rights.due":              {"办理期限", "Due"},
	"rights.overdue":          {"已超期", "Overdue"},
	"rights.escalated":        {"已督办", "Escalated"},
	"rights.filed":            {"提交时间", "Filed"},
	"rights.reason":           {"理由与说明", "Reasons"},
	"rights.reason.objection": {"异议理由（请具体说明哪一项有误、正确内容是什么）", "Grounds (which item is wrong and what is right)"},
	"rights.reason.repair":    {"失信行为纠正与义务履行情况", "How the conduct was corrected and the obligations fulfilled"},
	"rights.files":            {"证明材料（PDF、JPG、PNG，每个不超过 5 MB，最多 5 个）", "Evidence (PDF, JPG, PNG; at most 5 MB each, 5 files)"},
	"rights.evidence":         {"证明材料", "Evidence"},
	"rights.submit":           {"提交", "Submit"},
	"rights.history":          {"办理记录", "History"},
	"rights.answer":           {"答复意见", "Answer"},
	"rights.commitment":       {"信用修复承诺书", "Credit commitment"},
	"rights.signatory":        {"承诺人（单位名称或本人姓名）", "Signed by (organisation or your name)"},
	"rights.cannot":           {"暂不能申请", "Not yet"},
	"rights.resubmit":         {"补正材料后重新提交", "Complete and resubmit"},
	"rights.note":             {"说明", "Note"},
	"rights.record":           {"所涉记录", "Record"},
	"rights.notices":          {"消息通知", "Messages"},
	"rights.notices.none":     {"暂无消息。", "No messages."},
	"rights.guide.link":       {"异议与信用修复办事指南", "Guide to objections and credit repair"},
	"rights.objection.intro":  {"信用主体认为记录有误的，可以提出异议。提交后该记录在网站上标注“异议处理中”，由数据来源部门在规定的工作日内核实答复。", "If you think the record is wrong, object. The portal marks it \"under objection\" at once, and the source department answers within the set number of working days."},
	"rights.repair.intro":     {"失信信息公示满最短期限，且已纠正失信行为、履行相关义务的，可以申请信用修复。信用办审查材料是否齐全，转认定部门决定（谁认定、谁修复）。", "After the minimum publication period, once the conduct is corrected and the obligations fulfilled, you may apply for repair. The credit office checks completeness and forwards it to the deciding department (who decided, repairs)."},

	"console.objections":   {"异议处理", "Objections"},
	"console.repairs":      {"信用修复", "Credit repair"},
	"console.rightsstats":  {"异议与修复统计", "Rights statistics"},
	"console.calendar":     {"工作日历", "Working-day calendar"},
	"cases.none":           {"暂无待办事项。", "Nothing waiting."},
	"cases.all":            {"显示全部（含已办结）", "Show all (closed too)"},
	"cases.open":           {"只显示待办", "Open only"},
	"cases.subject":        {"主体", "Subject"},
	"cases.dept":           {"部门", "Department"},
	"cases.item":           {"信息项", "Item"},
	"cases.correct":        {"更正记录", "Correct the record"},
	"cases.correct.intro":  {"填写更正后的内容：平台按导入规则校验并生成新版本，原版本保留。", "Give the corrected values: they are validated like an import and become a new version; the old one is kept."},
	"cases.revoke":         {"撤销记录", "Revoke the record"},
	"cases.uphold":         {"维持原记录（须说明理由）", "Uphold (give reasons)"},
	"cases.return":         {"退回补正（须说明需补充的材料）", "Return for materials (say which)"},
	"cases.forward":        {"材料齐全，转认定部门", "Complete: forward to the deciding department"},
	"cases.approve":        {"准予修复", "Approve"},
	"cases.refuse":         {"不予修复（须说明理由）", "Refuse (give reasons)"},
	"cases.commitment":     {"已签署承诺", "Commitment signed by"},
	"stats.applications":   {"修复申请", "Applications"},
	"stats.returned":       {"退回补正", "Returned"},
	"stats.approved":       {"准予修复", "Approved"},
	"stats.refused":        {"不予修复", "Refused"},
	"stats.avgdays":        {"平均办理工作日", "Avg. working days"},
	"stats.overdue":        {"超期未办", "Overdue"},
	"stats.objections":     {"异议", "Objections"},
	"stats.corrected":      {"更正", "Corrected"},
	"stats.revoked":        {"撤销", "Revoked"},
	"stats.upheld":         {"维持", "Upheld"},
	"stats.total":          {"合计", "Total"},
	"calendar.intro":       {"办理期限按工作日计算：周一至周五，扣除法定节假日，加上调休上班的周末。未载入的年份按周末规则计算。国务院办公厅发布下一年节假日安排后，请在此载入。", "Deadlines count working days: Monday to Friday, minus public holidays, plus make-up working weekends. Years not loaded follow the weekend rule. Load the next year when the State Council publishes it."},
	"calendar.year":        {"年份", "Year"},
	"calendar.version":     {"版本", "Version"},
	"calendar.source":      {"依据", "Source"},
	"calendar.loadedby":    {"载入", "Loaded by"},
	"calendar.builtin":     {"内置", "built-in"},
	"calendar.load":        {"载入一年的安排（JSON）", "Load a year (JSON)"},
	"calendar.holidays":    {"放假", "Days off"},
	"calendar.makeup":      {"调休上班", "Make-up working days"},
	"done.calendar_loaded": {"工作日历已载入。", "The calendar year was loaded."},
	"done.case_done":       {"已办理。", "Done."},
	"guide.title":          {"异议与信用修复办事指南", "Guide to objections and credit repair"},
}

func init() {
	addMessages(rightsMessages)
}

// readEvidenceForm parses a multipart form with evidence files (field "files", several
// allowed), checking a browser form's CSRF token once parsed. It returns the text fields and
// the files; their type and size are app's to check (credit.CheckEvidence).
func (s *Server) readEvidenceForm(r *http.Request) (url.Values, []app.Upload, error) {
	mt := r.Header.Get("Content-Type")
	if !strings.HasPrefix(mt, "multipart/form-data") {
		if err := readForm(r); err != nil {
			return nil, nil, err
		}
		return r.PostForm, nil, nil
	}
	// #nosec G120 -- limitBody caps these routes at maxEvidenceBody; past 1 MiB parts spill to temporary files
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, credit.Errorf(credit.ETOOLARGE, "上传内容过大：最多 %d 个文件，每个不超过 5 MB / too large: at most %d files of 5 MiB", credit.MaxEvidenceFiles, credit.MaxEvidenceFiles)
		}
		return nil, nil, credit.Errorf(credit.EINVALID, "表单无法读取 / the form cannot be read")
	}
	defer r.MultipartForm.RemoveAll()
	if state(r).csrfPending {
		if err := s.checkFormCSRF(r, r.FormValue(csrfField)); err != nil {
			return nil, nil, err
		}
	}
	var ups []app.Upload
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // an empty file input
		}
		b, err := readPart(fh)
		if err != nil {
			return nil, nil, err
		}
		ups = append(ups, app.Upload{Name: fh.Filename, Content: b})
	}
	return url.Values(r.MultipartForm.Value), ups, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// One byte over the limit is enough for CheckEvidence to refuse it by name.
	return io.ReadAll(io.LimitReader(f, credit.MaxEvidenceBytes+1))
}

// ruleMessage is an error's message with the rule it names, for forms.
func ruleMessage(err error) (int, string) {
	status, body := describeError(err)
	msg := body.Message
	if body.Field != "" && body.Rule != "" {
		msg += "（" + body.Field + "：" + body.Rule + "）"
	} else if body.Rule != "" {
		msg += "（" + body.Rule + "）"
	}
	return status, msg
}

// ---- The subject's pages ----

// rightsRecordPage is the objection or repair form of one record.
type rightsRecordPage struct {
	base
	R          *app.OwnRecord
	Kind       string // "objection" or "repair"
	Error      string
	Reason     string
	Signatory  string
	Commitment string
	Depts      []store.Department
}

// DeptName names a department.
func (p rightsRecordPage) DeptName(code string) string { return deptName(p.L, p.Depts, code) }

func deptName(l lang, ds []store.Department, code string) string {
	for _, d := range ds {
		if d.Code == code {
			return l.Pick(d.NameZH, d.NameEN)
		}
	}
	return code
}

func (s *Server) rightsRecordPage(w http.ResponseWriter, r *http.Request, kind string) (rightsRecordPage, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return rightsRecordPage{}, err
	}
	b := s.newBase(w, r, "rights."+map[string]string{"objection": "object", "repair": "repair"}[kind])
	b.CSRF = s.formToken(w, r)
	p := rightsRecordPage{base: b, Kind: kind, Commitment: credit.RepairCommitment}
	if p.R, err = s.app.OwnRecordActions(r.Context(), principal(r), id); err != nil {
		return p, err
	}
	p.Depts, err = s.app.Departments(r.Context())
	return p, err
}

func (s *Server) myObjectionForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.rightsRecordPage(w, r, "objection")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "rights_form", p)
}

func (s *Server) myRepairForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.rightsRecordPage(w, r, "repair")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "rights_form", p)
}

// caseForm reads a case form's record or case id from the path and its fields and evidence
// files from the body.
func (s *Server) caseForm(r *http.Request) (int64, url.Values, []app.Upload, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, nil, err
	}
	form, files, err := s.readEvidenceForm(r)
	return id, form, files, err
}

// fileCase files an objection or a repair application (kind "objection" or "repair") on
// record id for the signed-in subject, as the page and the API both do.
func (s *Server) fileCase(r *http.Request, kind string, id int64, form url.Values, files []app.Upload) (*credit.Case, error) {
	if kind == "objection" {
		return s.app.FileObjection(r.Context(), principal(r), id, form.Get("reason"), files)
	}
	return s.app.ApplyRepair(r.Context(), principal(r), id, form.Get("reason"), form.Get("signatory"), files)
}

// myFile files an objection or a repair application from the form.
func (s *Server) myFile(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, form, files, err := s.caseForm(r)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		c, err := s.fileCase(r, kind, id, form, files)
		if err != nil {
			status, msg := ruleMessage(err)
			if status >= 500 || status == http.StatusUnauthorized {
				s.pageError(w, r, err)
				return
			}
			p, perr := s.rightsRecordPage(w, r, kind)
			if perr != nil {
				s.pageError(w, r, err) // the refusal itself (another's record, unknown id)
				return
			}
			p.Error, p.Reason, p.Signatory = msg, form.Get("reason"), form.Get("signatory")
			s.render(w, r, status, "rights_form", p)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/my/cases/%d", c.ID), http.StatusSeeOther) // #nosec G710 -- a local path built from the case id
	}
}

// casePage is one case, for the subject or for staff.
type casePage struct {
	base
	V      *app.CaseView
	Depts  []store.Department
	Fields []app.FieldValue // console: the record's editable fields for a correction
	Error  string
	Done   string
	Staff  bool
}

// DeptName names a department.
func (p casePage) DeptName(code string) string { return deptName(p.L, p.Depts, code) }

// StatusLabel names a case status.
func (p casePage) StatusLabel(st credit.CaseStatus) string {
	return p.L.T("rights.status." + string(st))
}

// KindLabel names a case kind.
func (p casePage) KindLabel(k credit.CaseKind) string { return p.L.T("rights.kind." + string(k)) }

// Is reports whether the case is of status st.
func (p casePage) Is(st string) bool { return string(p.V.Case.Status) == st }

func (s *Server) casePage(w http.ResponseWriter, r *http.Request, staff bool) (casePage, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return casePage{}, err
	}
	var b base
	if staff {
		b = s.consoleBase(w, r, "rights.case")
	} else {
		b = s.newBase(w, r, "rights.case")
		b.CSRF = s.formToken(w, r)
	}
	p := casePage{base: b, Staff: staff}
	p.Done = done(p.L, r)
	if p.V, err = s.app.Case(r.Context(), principal(r), id); err != nil {
		return p, err
	}
	if staff && p.V.Item != nil && p.V.Record != nil {
		for _, f := range p.V.Item.Fields {
			if !f.Personal {
				p.Fields = append(p.Fields, app.FieldValue{Name: f.Name, Label: f.Label, LabelEN: f.LabelEN, Value: p.V.Record.Fields[f.Name]})
			}
		}
	}
	if p.V.Subject != nil {
		// Staff see a person's masked name and ID only; the subject knows itself.
		subj := *p.V.Subject
		subj.IDCipher, subj.NameCipher = nil, nil
		p.V.Subject = &subj
	}
	p.Depts, err = s.app.Departments(r.Context())
	return p, err
}

func (s *Server) myCase(w http.ResponseWriter, r *http.Request) {
	p, err := s.casePage(w, r, false)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "rights_case", p)
}

func (s *Server) myResubmit(w http.ResponseWriter, r *http.Request) {
	id, form, files, err := s.caseForm(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if _, err := s.app.RepairStep(r.Context(), principal(r), id, credit.ActResubmit, form.Get("note"), files); err != nil {
		s.caseFormError(w, r, err, false)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/my/cases/%d?done=case_done", id), http.StatusSeeOther) // #nosec G710 -- a local path built from a parsed integer
}

func (s *Server) caseFormError(w http.ResponseWriter, r *http.Request, err error, staff bool) {
	status, msg := ruleMessage(err)
	if status >= 500 || status == http.StatusUnauthorized || status == http.StatusForbidden && ruleOf(err) != credit.RuleParty {
		s.pageError(w, r, err)
		return
	}
	p, perr := s.casePage(w, r, staff)
	if perr != nil {
		s.pageError(w, r, err)
		return
	}
	p.Error, p.Done = msg, ""
	s.render(w, r, status, "rights_case", p)
}

func ruleOf(err error) string {
	var ce *credit.Error
	if errors.As(err, &ce) {
		return ce.Rule
	}
	return ""
}

// evidenceDownload serves one evidence file to the subject, the department concerned or the
// credit office; app.Evidence enters the read in the query log.
func (s *Server) evidenceDownload(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, body, err := s.app.Evidence(r.Context(), principal(r), id, state(r).pattern, clientIP(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	state(r).logged = true
	w.Header().Set("Content-Type", e.Mime)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(e.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body) // #nosec G705 -- an attachment with its sniffed PDF/JPEG/PNG type and nosniff, never rendered as HTML
}

// ---- Console queues ----

type casesPage struct {
	base
	Kind  credit.CaseKind
	Cases []*app.CaseView
	All   bool
	Depts []store.Department
	Now   time.Time
}

// DeptName names a department.
func (p casesPage) DeptName(code string) string { return deptName(p.L, p.Depts, code) }

// StatusLabel names a case status.
func (p casesPage) StatusLabel(st credit.CaseStatus) string {
	return p.L.T("rights.status." + string(st))
}

func (s *Server) consoleCases(kind credit.CaseKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		title := map[credit.CaseKind]string{credit.CaseObjection: "console.objections", credit.CaseRepair: "console.repairs"}[kind]
		p := casesPage{base: s.consoleBase(w, r, title), Kind: kind, All: r.URL.Query().Get("all") == "1", Now: s.app.Now()}
		var err error
		if p.Cases, err = s.app.Cases(r.Context(), principal(r), kind, r.URL.Query().Get("dept"), !p.All); err != nil {
			s.pageError(w, r, err)
			return
		}
		if p.Depts, err = s.app.Departments(r.Context()); err != nil {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "rights_queue", p)
	}
}

func (s *Server) consoleCase(w http.ResponseWriter, r *http.Request) {
	p, err := s.casePage(w, r, true)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "rights_case", p)
}

// consoleCaseAct takes one step on a case from the console: an objection's answer (with the
// corrected values, fields f_NAME that differ from the record) or a repair step.
func (s *Server) consoleCaseAct(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	act := credit.CaseAction(r.PostForm.Get("action"))
	note := r.PostForm.Get("note")
	c, err := s.app.Store.Case(r.Context(), id)
	if err == nil {
		if c.Kind == credit.CaseObjection {
			ans := app.ObjectionAnswer{Action: act, Note: note}
			if act == credit.ActCorrect {
				var rec *credit.Record
				if rec, err = s.app.Store.RecordByID(r.Context(), c.RecordID); err == nil {
					ans.Fields = map[string]string{}
					for k, v := range r.PostForm {
						name, ok := strings.CutPrefix(k, "f_")
						if ok && len(v) > 0 && strings.TrimSpace(v[0]) != rec.Fields[name] {
							ans.Fields[name] = strings.TrimSpace(v[0])
						}
					}
				}
			}
			if err == nil {
				_, err = s.app.AnswerObjection(r.Context(), principal(r), id, ans)
			}
		} else {
			_, err = s.app.RepairStep(r.Context(), principal(r), id, act, note, nil)
		}
	}
	if err != nil {
		s.caseFormError(w, r, err, true)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/console/cases/%d?done=case_done", id), http.StatusSeeOther) // #nosec G710 -- a local path built from a parsed integer
}

// ---- Statistics ----

type rightsStatsPage struct {
	base
	Rows  []app.RightsStats
	Depts []store.Department
}

// DeptName names a department ("" is the total).
func (p rightsStatsPage) DeptName(code string) string {
	if code == "" {
		return p.L.T("stats.total")
	}
	return deptName(p.L, p.Depts, code)
}

func (s *Server) consoleRightsStats(w http.ResponseWriter, r *http.Request) {
	rows, err := s.app.RightsStatistics(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="rights-stats.csv"`)
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"dept", "applications", "returned", "approved", "refused", "avg_workdays_to_decision", "overdue",
			"objections", "corrected", "revoked", "upheld"})
		for _, x := range rows {
			d := x.Dept
			if d == "" {
				d = "total"
			}
			_ = cw.Write([]string{d, strconv.Itoa(x.Applications), strconv.Itoa(x.Returned), strconv.Itoa(x.Approved),
				strconv.Itoa(x.Refused), strconv.FormatFloat(x.AvgDays, 'f', 1, 64), strconv.Itoa(x.Overdue),
				strconv.Itoa(x.Objections), strconv.Itoa(x.Corrected), strconv.Itoa(x.Revoked), strconv.Itoa(x.Upheld)})
		}
		cw.Flush()
		return
	}
	p := rightsStatsPage{base: s.consoleBase(w, r, "console.rightsstats"), Rows: rows}
	if p.Depts, err = s.app.Departments(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "rights_stats", p)
}

// ---- Calendar ----

type calendarPage struct {
	base
	Years []*credit.CalendarYear
	Body  string
	Error string
	Done  string
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) calendarPage {
	p := calendarPage{base: s.consoleBase(w, r, "console.calendar"), Years: s.app.Workdays().Years()}
	p.Done = done(p.L, r)
	return p
}

func (s *Server) consoleCalendar(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "rights_calendar", s.calendarPage(w, r))
}

func (s *Server) consoleLoadCalendar(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	body := r.PostForm.Get("calendar")
	if _, err := s.app.LoadCalendarYear(r.Context(), actor(r), []byte(body)); err != nil {
		s.formError(w, r, err, func(status int, _ string) {
			_, msg := ruleMessage(err)
			p := s.calendarPage(w, r)
			p.Body, p.Error, p.Done = body, msg, ""
			s.render(w, r, status, "rights_calendar", p)
		})
		return
	}
	http.Redirect(w, r, "/console/calendar?done=calendar_loaded", http.StatusSeeOther)
}

// ---- Public guide ----

type guidePage struct {
	base
	Rules credit.Rules
}

func (s *Server) repairGuide(w http.ResponseWriter, r *http.Request) {
	p := guidePage{base: s.newBase(w, r, "guide.title"), Rules: s.app.Rules()}
	s.render(w, r, http.StatusOK, "guide_repair", p)
}

// ---- JSON API ----

// apiOwnRecord is one of the subject's records with what it can do about it.
type apiOwnRecord struct {
	RecordID    int64              `json:"record_id"`
	Item        string             `json:"item"`
	Dept        string             `json:"dept"`
	SourceID    string             `json:"source_id"`
	Version     int                `json:"version"`
	Decision    string             `json:"decision_date,omitempty"`
	Publication credit.Publication `json:"publication"`
	Objection   bool               `json:"under_objection"`
	CanObject   credit.Eligibility `json:"objection"`
	Repair      credit.Eligibility `json:"repair"`
	Cases       []*credit.Case     `json:"cases,omitempty"`
}

func (s *Server) apiMyRecords(w http.ResponseWriter, r *http.Request) {
	v, err := s.app.OwnRecordView(r.Context(), principal(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := []apiOwnRecord{}
	for _, g := range v.Groups {
		for _, x := range g.Records {
			rec := x.Record
			ar := apiOwnRecord{RecordID: rec.ID, Item: rec.Item, Dept: rec.Dept, SourceID: rec.SourceID, Version: rec.Version,
				Publication: x.Status, Objection: x.Objection, CanObject: x.CanObject, Repair: x.Repair, Cases: x.Cases}
			if !rec.Decision.IsZero() {
				ar.Decision = rec.Decision.Format(time.DateOnly)
			}
			out = append(out, ar)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"records": out})
}

func (s *Server) apiMyFile(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, form, files, err := s.caseForm(r)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		c, err := s.fileCase(r, kind, id, form, files)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		w.Header().Set("Location", fmt.Sprintf("/api/v1/cases/%d", c.ID))
		writeJSON(w, http.StatusCreated, c)
	}
}

func (s *Server) apiMyResubmit(w http.ResponseWriter, r *http.Request) {
	id, form, files, err := s.caseForm(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.app.RepairStep(r.Context(), principal(r), id, credit.ActResubmit, form.Get("note"), files)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// apiCaseView is a case as the API gives it.
type apiCaseView struct {
	*credit.Case
	Overdue  bool              `json:"overdue"`
	Evidence []*store.Evidence `json:"evidence,omitempty"`
}

func (s *Server) apiCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kind := credit.CaseKind(q.Get("kind"))
	if kind != "" && kind != credit.CaseObjection && kind != credit.CaseRepair {
		s.apiError(w, r, invalidParam("kind", "kind 须为 objection 或 repair", "kind must be objection or repair"))
		return
	}
	cs, err := s.app.Cases(r.Context(), principal(r), kind, q.Get("dept"), q.Get("open") != "0")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiCaseView, 0, len(cs))
	for _, c := range cs {
		out = append(out, apiCaseView{Case: c.Case, Overdue: c.Overdue})
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": out})
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v, err := s.app.Case(r.Context(), principal(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiCaseView{Case: v.Case, Overdue: v.Overdue, Evidence: v.Evidence})
}

// apiCaseStep is the body of a step on a case.
type apiCaseStep struct {
	Action credit.CaseAction `json:"action"`
	Note   string            `json:"note"`
	Fields map[string]string `json:"fields,omitempty"` // corrected values (objection, action correct)
}

func (s *Server) apiCaseStep(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body apiCaseStep
	if err := readJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.app.Store.Case(r.Context(), id)
	if err == nil {
		if c.Kind == credit.CaseObjection {
			c, err = s.app.AnswerObjection(r.Context(), principal(r), id, app.ObjectionAnswer{Action: body.Action, Note: body.Note, Fields: body.Fields})
		} else {
			c, err = s.app.RepairStep(r.Context(), principal(r), id, body.Action, body.Note, nil)
		}
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiRightsStats(w http.ResponseWriter, r *http.Request) {
	rows, err := s.app.RightsStatistics(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"departments": rows})
}

func (s *Server) apiCalendar(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"years": s.app.Workdays().Years(), "rules": s.app.Rules()})
}

func (s *Server) apiLoadCalendar(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, credit.MaxCalendarBytes+1))
	if err != nil {
		s.apiError(w, r, credit.Errorf(credit.EINVALID, "请求体无法读取 / the body cannot be read"))
		return
	}
	y, err := s.app.LoadCalendarYear(r.Context(), actor(r), b)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, y)
}
