package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/auth"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Lists, measures and window checks (名单、措施与信用核查): the clerk's check page and the check
// API, list administration, the measures list, statistics, and the portal's published lists.
// The services decide and log (app/lists.go, app/checks.go); handlers carry the request.

// listMessages are the texts of these pages, merged into messages.
var listMessages = map[string][2]string{
	"console.checks":      {"信用核查", "Credit check"},
	"console.lists":       {"名单管理", "Lists"},
	"console.measures":    {"奖惩措施清单", "Measures list"},
	"console.checkstats":  {"奖惩统计", "Check statistics"},
	"checks.intro":        {"输入主体代码（统一社会信用代码、旧注册号或身份证号，多个用逗号或换行分隔）并选择办理事项：系统自动比对红黑名单，列出适用的联合奖惩措施及其法律依据，给出结论。办理后请逐项反馈。每次核查都会登记。", "Enter subject codes (unified code, legacy code or resident ID; several separated by commas or new lines) and choose the matter: the platform matches the lists, shows the joint measures that apply with their legal basis, and gives a verdict. Record feedback for each measure afterwards. Every check is logged."},
	"checks.codes":        {"主体代码", "Subject codes"},
	"checks.matter":       {"办理事项（应用清单）", "Matter (application list)"},
	"checks.submit":       {"核查", "Check"},
	"checks.step":         {"第 %d 步", "Step %d"},
	"checks.verdict":      {"核查结论", "Verdict"},
	"verdict.pass":        {"通过", "Pass"},
	"verdict.warn":        {"提示：审慎办理", "Warn: proceed with care"},
	"verdict.block":       {"拦截：不予办理", "Block: do not proceed"},
	"checks.invalid":      {"代码无效", "Invalid code"},
	"checks.notfound":     {"平台未登记该主体（已按名单核查）", "Subject not registered (checked against the lists)"},
	"checks.lists":        {"所在名单", "Lists"},
	"checks.nolists":      {"不在任何有效名单中。", "On no list in force."},
	"checks.measures":     {"适用措施", "Measures that apply"},
	"checks.nomeasures":   {"没有适用于该事项的措施。", "No measure applies to this matter."},
	"checks.exempted":     {"豁免", "Exempted"},
	"checks.via":          {"作为法定代表人：", "As legal representative of"},
	"checks.basis":        {"法律依据", "Legal basis"},
	"checks.implementer":  {"实施部门", "Implementing department"},
	"checks.mandatory":    {"必须执行", "Mandatory"},
	"checks.discretion":   {"参考执行", "Discretionary"},
	"checks.pending":      {"宽限期", "Grace period"},
	"checks.feedback":     {"反馈", "Feedback"},
	"checks.applied":      {"已实施", "Applied"},
	"checks.notapplied":   {"未实施", "Not applied"},
	"checks.note":         {"说明（未实施须填写理由）", "Note (required when not applied)"},
	"checks.sendfeedback": {"提交反馈", "Submit feedback"},
	"checks.record":       {"核查记录", "Check record"},
	"checks.new":          {"新的核查", "New check"},
	"checks.nofeedback":   {"待反馈", "Awaiting feedback"},
	"checks.logged":       {"本次核查已登记（核查人、部门、事项、主体、结论、措施）。", "This check has been logged (who, department, matter, subject, verdict, measures)."},
	"done.feedback":       {"反馈已记录。", "Feedback recorded."},
	"done.proposed":       {"已提交拟列入。", "Proposal recorded."},
	"done.confirmed":      {"已确认。", "Confirmed."},
	"done.removed":        {"已移出。", "Removed."},
	"done.published":      {"已发布。", "Published."},
	"done.measure":        {"措施状态已更新。", "Measure updated."},
	"lists.intro":         {"名单由认定部门提出、本部门审核员确认，信用办按批次统一发布；移出须说明理由，到期自动移出。", "Entries are proposed by the deciding department, confirmed by its reviewer and published by the credit office in numbered batches; removal needs a reason; entries expire automatically."},
	"lists.type":          {"名单类型", "List type"},
	"lists.polarity":      {"性质", "Polarity"},
	"lists.dept":          {"认定部门", "Deciding department"},
	"lists.validity":      {"有效期（月）", "Validity (months)"},
	"lists.basis":         {"认定依据", "Legal basis"},
	"lists.criteria":      {"列入标准", "Inclusion criteria"},
	"lists.removal":       {"移出条件", "Removal conditions"},
	"lists.active":        {"有效条目", "In force"},
	"lists.entries":       {"名单条目", "Entries"},
	"lists.subject":       {"主体", "Subject"},
	"lists.reason":        {"列入理由", "Reason"},
	"lists.document":      {"认定文书号", "Decision document"},
	"lists.status":        {"状态", "Status"},
	"lists.batch":         {"批次", "Batch"},
	"lists.validuntil":    {"有效期至", "Valid until"},
	"lists.propose":       {"拟列入", "Propose"},
	"lists.confirm":       {"确认", "Confirm"},
	"lists.remove":        {"移出", "Remove"},
	"lists.removereason":  {"移出理由", "Reason for removal"},
	"lists.publish":       {"发布已确认条目为新批次", "Publish confirmed entries as a new batch"},
	"lists.code":          {"主体代码", "Subject code"},
	"lists.name":          {"主体名称", "Subject name"},
	"lists.filter":        {"筛选", "Filter"},
	"lists.all":           {"全部", "All"},
	"lists.none":          {"没有条目。", "No entries."},
	"lists.public":        {"信用红黑名单", "Credit red and black lists"},
	"lists.publicintro":   {"以下为依法公开的名单及发布批次。自然人信息仅在名单规则允许时以脱敏方式显示。", "Lists published by law, by batch. Natural persons appear, masked, only where the list's rule allows."},
	"lists.batches":       {"发布批次", "Batches"},
	"lists.nobatches":     {"尚未发布。", "Nothing published yet."},
	"lists.hidden":        {"另有 %d 名自然人依法不予公开。", "%d natural persons are not published, by law."},
	"status.proposed":     {"拟列入", "Proposed"},
	"status.confirmed":    {"已确认", "Confirmed"},
	"status.published":    {"已发布", "Published"},
	"status.removed":      {"已移出", "Removed"},
	"status.expired":      {"已到期", "Expired"},
	"polarity.reward":     {"守信激励", "Reward"},
	"polarity.punishment": {"失信惩戒", "Punishment"},
	"polarity.neutral":    {"豁免/中性", "Exemption / neutral"},
	"measures.intro":      {"联合奖惩措施清单：每项措施列明触发名单、适用事项、实施部门、是否必须执行、效果和法律依据。没有法律依据的措施不能启用。", "The joint measures list: each measure names its triggering lists, matters, implementing department, whether it is mandatory, its effect and its legal basis. A measure without a legal basis cannot be activated."},
	"measures.code":       {"编号", "Code"},
	"measures.name":       {"措施", "Measure"},
	"measures.lists":      {"触发名单", "Triggering lists"},
	"measures.matters":    {"适用事项", "Matters"},
	"measures.effect":     {"效果", "Effect"},
	"measures.exempt":     {"豁免/宽限", "Exemptions / grace"},
	"measures.active":     {"启用", "Active"},
	"measures.activate":   {"启用", "Activate"},
	"measures.deactivate": {"停用", "Deactivate"},
	"measures.nobasis":    {"缺少法律依据", "No legal basis"},
	"stats.intro":         {"核查次数、命中、拦截、反馈率和联合奖惩实施情况，按月份、部门和措施统计。", "Checks, hits, interceptions, feedback rate and measures applied, by month, department and measure."},
	"stats.month":         {"月份", "Month"},
	"stats.checks":        {"核查", "Checks"},
	"stats.hits":          {"命中", "Hits"},
	"stats.blocked":       {"拦截", "Blocked"},
	"stats.warned":        {"提示", "Warned"},
	"stats.feedback":      {"已反馈", "With feedback"},
	"stats.rate":          {"反馈率", "Feedback rate"},
	"stats.applied":       {"已实施", "Applied"},
	"stats.rewards":       {"联合奖励", "Joint rewards"},
	"stats.punishments":   {"联合惩戒", "Joint punishments"},
	"stats.csv":           {"导出 CSV", "Export CSV"},
	"stats.bymeasure":     {"按措施", "By measure"},
	"stats.bymonth":       {"按月份和部门", "By month and department"},
	"stats.none":          {"暂无核查。", "No checks yet."},
}

func init() {
	addMessages(listMessages)
}

// checkPurpose is what the query log records for list administration reads.
const listAdminPurpose = "名单管理 / list administration"

// --- API ---

// apiCheck answers POST /api/v1/checks: {"codes": [...], "matter": "..."}.
func (s *Server) apiCheck(w http.ResponseWriter, r *http.Request) {
	var req app.CheckRequest
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.check(r, req)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeCompactJSON(w, http.StatusOK, res)
}

// check runs a window check with the request's origin; the app logs it (check log and query
// log), found or not.
func (s *Server) check(r *http.Request, req app.CheckRequest) (*app.CheckResult, error) {
	st := state(r)
	ctx := app.WithOrigin(r.Context(), app.Origin{Route: st.pattern, RemoteAddr: clientIP(r)})
	res, err := s.app.CheckSubjects(ctx, principal(r), req)
	st.logged = true // logged by the app, or refused before anything was read
	return res, err
}

// pathID reads a numeric path value of a route ({id}), ENOTFOUND when it is not a positive
// integer: such a path names nothing.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// apiCheckRecord answers GET /api/v1/checks/{id}: the logged check with its feedback.
func (s *Server) apiCheckRecord(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.app.CheckRecord(r.Context(), principal(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// apiFeedback answers POST /api/v1/checks/{id}/feedback: {"items": [{"measure", "outcome", "note"}]}.
func (s *Server) apiFeedback(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Items []app.FeedbackInput `json:"items"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.app.Feedback(r.Context(), principal(r), id, body.Items)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// apiLists answers GET /api/v1/lists: the public list types with their published batches.
func (s *Server) apiLists(w http.ResponseWriter, r *http.Request) {
	lists, err := s.publicLists(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"lists": lists})
}

type publicList struct {
	*credit.ListType
	Active  int64              `json:"active"`
	Batches []credit.ListBatch `json:"batches"`
}

func (s *Server) publicLists(r *http.Request) ([]publicList, error) {
	c, err := s.app.Joint(r.Context())
	if err != nil {
		return nil, err
	}
	counts, err := s.app.Store.CountEntries(r.Context(), credit.EntryPublished)
	if err != nil {
		return nil, err
	}
	bs, err := s.app.Store.ListBatches(r.Context(), "")
	if err != nil {
		return nil, err
	}
	var out []publicList
	for _, lt := range c.ListTypes {
		if !lt.Public {
			continue
		}
		pl := publicList{ListType: lt, Active: counts[lt.Code], Batches: []credit.ListBatch{}}
		for _, b := range bs {
			if b.List == lt.Code {
				pl.Batches = append(pl.Batches, b)
			}
		}
		out = append(out, pl)
	}
	return out, nil
}

// apiListBatch answers GET /api/v1/lists/{type}/batches/{no}: what the portal shows of a batch.
func (s *Server) apiListBatch(w http.ResponseWriter, r *http.Request) {
	no, err := strconv.Atoi(r.PathValue("no"))
	if err != nil {
		s.apiError(w, r, invalidParam("no", "批次号无效", "invalid batch number"))
		return
	}
	lt, b, es, hidden, err := s.app.PublicBatch(r.Context(), r.PathValue("type"), no)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if es == nil {
		es = []app.PublicEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"list": lt, "batch": b, "entries": es, "persons_not_shown": hidden})
}

// apiMeasures answers GET /api/v1/measures: the measures list and the matters (public, as the
// seeds publish their 联合奖惩措施清单).
func (s *Server) apiMeasures(w http.ResponseWriter, r *http.Request) {
	c, err := s.app.Joint(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": c.Version, "measures": c.Measures, "matters": c.Matters, "list_types": c.ListTypes})
}

// apiSetMeasure answers POST /api/v1/measures/{code}/activate and …/deactivate.
func (s *Server) apiSetMeasure(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := s.app.SetMeasureActive(r.Context(), principal(r), r.PathValue("code"), active)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, m)
	}
}

// apiPutMeasure answers PUT /api/v1/measures/{code}: a measure as JSON.
func (s *Server) apiPutMeasure(w http.ResponseWriter, r *http.Request) {
	var m credit.Measure
	if err := readJSON(w, r, &m); err != nil {
		s.apiError(w, r, err)
		return
	}
	if m.Code != r.PathValue("code") {
		s.apiError(w, r, invalidParam("code", "路径与请求体中的措施编号不一致", "the code in the path and body differ"))
		return
	}
	if err := s.app.PutMeasure(r.Context(), principal(r), &m); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// apiListEntries answers GET /api/v1/list-entries?list=&status=&batch=: the department's
// entries (all of them for the admin).
func (s *Server) apiListEntries(w http.ResponseWriter, r *http.Request) {
	es, err := s.listEntries(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if es == nil {
		es = []*credit.ListEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": es})
}

func (s *Server) listEntries(r *http.Request) ([]*credit.ListEntry, error) {
	q := r.URL.Query()
	f := store.EntryFilter{List: q.Get("list"), Status: credit.EntryStatus(q.Get("status")), Limit: 200}
	if b := q.Get("batch"); b != "" {
		f.BatchNo, _ = strconv.Atoi(b)
	}
	p := principal(r)
	if !p.Has(auth.RoleAdmin) {
		f.Dept = p.Dept
	}
	es, err := s.app.Store.ListEntries(r.Context(), f)
	if err != nil {
		return nil, err
	}
	st := state(r)
	if err := s.app.LogQuery(r.Context(), p, listAdminPurpose, "", st.pattern, fmt.Sprintf("list_entries×%d", len(es)), clientIP(r)); err != nil {
		return nil, err
	}
	st.logged = true
	return es, nil
}

// apiPropose answers POST /api/v1/list-entries: a proposal (app.EntryInput).
func (s *Server) apiPropose(w http.ResponseWriter, r *http.Request) {
	var in app.EntryInput
	if err := readJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	e, err := s.app.ProposeEntry(r.Context(), principal(r), in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, e)
}

// apiConfirm answers POST /api/v1/list-entries/{id}/confirm.
func (s *Server) apiConfirm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	e, err := s.app.ConfirmEntry(r.Context(), principal(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// apiRemove answers POST /api/v1/list-entries/{id}/remove: {"reason": "..."}.
func (s *Server) apiRemove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	e, err := s.app.RemoveEntry(r.Context(), principal(r), id, body.Reason)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// apiPublish answers POST /api/v1/lists/{type}/batches: {"entries": [ids]} or {} for every
// confirmed entry.
func (s *Server) apiPublish(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Entries []int64 `json:"entries"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	b, err := s.app.PublishBatch(r.Context(), principal(r), r.PathValue("type"), body.Entries)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, b)
}

// apiPutListType answers PUT /api/v1/list-types/{code}: add or replace a list type (its rule,
// when given, must compile).
func (s *Server) apiPutListType(w http.ResponseWriter, r *http.Request) {
	var lt credit.ListType
	if err := readJSON(w, r, &lt); err != nil {
		s.apiError(w, r, err)
		return
	}
	if lt.Code != r.PathValue("code") {
		s.apiError(w, r, invalidParam("code", "路径与请求体中的名单类型代码不一致", "the code in the path and body differ"))
		return
	}
	if err := s.app.PutListType(r.Context(), principal(r), &lt); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, lt)
}

// apiDerive answers POST /api/v1/lists/{type}/derive: runs the list's rule and proposes the
// matches (the deciding department confirms them).
func (s *Server) apiDerive(w http.ResponseWriter, r *http.Request) {
	res, err := s.app.DeriveList(r.Context(), principal(r), r.PathValue("type"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// apiCheckStats answers GET /api/v1/check-stats?from=2026-01&to=2026-12&dept=.
func (s *Server) apiCheckStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.checkStats(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) checkStats(r *http.Request) (*store.CheckStats, error) {
	q := r.URL.Query()
	f := store.CheckFilter{Dept: q.Get("dept"), FromMonth: q.Get("from"), ToMonth: q.Get("to")}
	for _, m := range []string{f.FromMonth, f.ToMonth} {
		if m == "" {
			continue
		}
		if _, err := time.Parse("2006-01", m); err != nil {
			return nil, invalidParam("from", "月份格式应为 2026-01", "months are written 2026-01")
		}
	}
	st, err := s.app.Store.CheckStats(r.Context(), f)
	if err != nil {
		return nil, err
	}
	if st.Checks == nil {
		st.Checks = []store.CheckCount{}
	}
	if st.Measures == nil {
		st.Measures = []store.MeasureCount{}
	}
	return st, nil
}

// --- console: the clerk's check ---

type checksPage struct {
	base
	Matters []*credit.Matter
	Matter  string
	Codes   string
	Error   string
	Result  *app.CheckResult
	D       deptNames
}

// deptNames names departments in the page's language.
type deptNames struct {
	l   lang
	cat *credit.Catalog
}

// Name returns a department's name.
func (d deptNames) Name(code string) string {
	if dep, ok := d.cat.Department(code); ok {
		return d.l.Pick(dep.NameZH, dep.NameEN)
	}
	return code
}

func (s *Server) checksBase(w http.ResponseWriter, r *http.Request) (checksPage, error) {
	p := checksPage{base: s.consoleBase(w, r, "console.checks")}
	c, err := s.app.Joint(r.Context())
	if err != nil {
		return p, err
	}
	p.Matters, p.D = c.Matters, deptNames{p.L, s.app.Catalog()}
	return p, nil
}

// consoleChecks shows the check form (step 1).
func (s *Server) consoleChecks(w http.ResponseWriter, r *http.Request) {
	p, err := s.checksBase(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Matter = r.URL.Query().Get("matter")
	s.render(w, r, http.StatusOK, "checks", p)
}

// consoleRunCheck runs the check (step 2) and shows the result with a feedback form per
// measure (step 3).
func (s *Server) consoleRunCheck(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	p, err := s.checksBase(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Codes, p.Matter = r.PostForm.Get("codes"), r.PostForm.Get("matter")
	res, err := s.check(r, app.CheckRequest{Codes: []string{p.Codes}, Matter: p.Matter})
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p.Error = msg
			s.render(w, r, status, "checks", p)
		})
		return
	}
	p.Result = res
	s.render(w, r, http.StatusOK, "checks", p)
}

// consoleFeedback stores the feedback of one check (step 4): outcome_<measure> and
// note_<measure> for each measure answered.
func (s *Server) consoleFeedback(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var items []app.FeedbackInput
	for k, v := range r.PostForm {
		code, ok := strings.CutPrefix(k, "outcome_")
		if !ok || len(v) == 0 || v[0] == "" {
			continue
		}
		items = append(items, app.FeedbackInput{Measure: code, Outcome: credit.FeedbackOutcome(v[0]), Note: r.PostForm.Get("note_" + code)})
	}
	slices.SortFunc(items, func(a, b app.FeedbackInput) int { return strings.Compare(a.Measure, b.Measure) })
	if _, err := s.app.Feedback(r.Context(), principal(r), id, items); err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			s.renderCheckRecord(w, r, id, status, msg)
		})
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/console/checks/%d?done=feedback", id), http.StatusSeeOther) // #nosec G710 -- a local path built from a parsed integer id
}

type checkRecordPage struct {
	base
	Check    *store.Check
	Matter   string
	Measures map[string]*credit.Measure
	Error    string
	Done     string
	D        deptNames
}

// consoleCheckRecord shows a logged check with its feedback, and the form for what is missing.
func (s *Server) consoleCheckRecord(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderCheckRecord(w, r, id, http.StatusOK, "")
}

func (s *Server) renderCheckRecord(w http.ResponseWriter, r *http.Request, id int64, status int, msg string) {
	c, err := s.app.CheckRecord(r.Context(), principal(r), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	jc, err := s.app.Joint(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := checkRecordPage{base: s.consoleBase(w, r, "checks.record"), Check: c, Matter: c.Matter, Measures: map[string]*credit.Measure{}, Error: msg}
	p.D = deptNames{p.L, s.app.Catalog()}
	if m, ok := jc.Matter(c.Matter); ok {
		p.Matter = p.L.Pick(m.NameZH, m.NameEN)
	}
	for _, m := range jc.Measures {
		p.Measures[m.Code] = m
	}
	p.Done = done(p.L, r)
	s.render(w, r, status, "check", p)
}

// --- console: lists ---

type listsPage struct {
	base
	Types   []*credit.ListType
	Counts  map[string]int64
	Entries []*credit.ListEntry
	List    string
	Status  string
	Error   string
	Done    string
	Admin   bool
	D       deptNames
	Form    app.EntryInput
}

func (s *Server) listsPage(w http.ResponseWriter, r *http.Request) (listsPage, error) {
	p := listsPage{base: s.consoleBase(w, r, "console.lists")}
	p.D, p.Admin = deptNames{p.L, s.app.Catalog()}, principal(r).Has(auth.RoleAdmin)
	c, err := s.app.Joint(r.Context())
	if err != nil {
		return p, err
	}
	p.Types = c.ListTypes
	if p.Counts, err = s.app.Store.CountEntries(r.Context(), credit.EntryPublished); err != nil {
		return p, err
	}
	q := r.URL.Query()
	p.List, p.Status = q.Get("list"), q.Get("status")
	if p.Entries, err = s.listEntries(r); err != nil {
		return p, err
	}
	p.Done = done(p.L, r)
	return p, nil
}

// consoleLists shows list types, entries (filtered) and the proposal form.
func (s *Server) consoleLists(w http.ResponseWriter, r *http.Request) {
	p, err := s.listsPage(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "lists_admin", p)
}

// consolePropose records a proposal from the form.
func (s *Server) consolePropose(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := r.PostForm
	in := app.EntryInput{List: f.Get("list"), Code: f.Get("code"), Name: f.Get("name"), Reason: f.Get("reason"), Document: f.Get("document")}
	if _, err := s.app.ProposeEntry(r.Context(), principal(r), in); err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p, perr := s.listsPage(w, r)
			if perr != nil {
				s.pageError(w, r, perr)
				return
			}
			p.Error, p.Form = msg, in
			s.render(w, r, status, "lists_admin", p)
		})
		return
	}
	http.Redirect(w, r, "/console/lists?status=proposed&done=proposed", http.StatusSeeOther)
}

// consoleEntryAction confirms or removes an entry from the form.
func (s *Server) consoleEntryAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := readForm(r); err != nil {
			s.pageError(w, r, err)
			return
		}
		id, err := pathID(r, "id")
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		doneKey := "removed"
		if action == "confirm" {
			doneKey = "confirmed"
			_, err = s.app.ConfirmEntry(r.Context(), principal(r), id)
		} else {
			_, err = s.app.RemoveEntry(r.Context(), principal(r), id, r.PostForm.Get("reason"))
		}
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		http.Redirect(w, r, "/console/lists?done="+doneKey, http.StatusSeeOther)
	}
}

// consolePublish publishes every confirmed entry of a list as its next batch.
func (s *Server) consolePublish(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if _, err := s.app.PublishBatch(r.Context(), principal(r), r.PathValue("type"), nil); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/lists?done=published&status=published&list="+url.QueryEscape(r.PathValue("type")), http.StatusSeeOther)
}

// --- console: measures ---

type measuresPage struct {
	base
	Joint *credit.JointCatalog
	Admin bool
	Done  string
	D     deptNames
}

// consoleMeasures shows the measures list.
func (s *Server) consoleMeasures(w http.ResponseWriter, r *http.Request) {
	c, err := s.app.Joint(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := measuresPage{base: s.consoleBase(w, r, "console.measures"), Joint: c, Admin: principal(r).Has(auth.RoleAdmin)}
	p.D, p.Done = deptNames{p.L, s.app.Catalog()}, done(p.L, r)
	s.render(w, r, http.StatusOK, "measures", p)
}

// consoleSetMeasure activates (active=1) or deactivates a measure.
func (s *Server) consoleSetMeasure(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if _, err := s.app.SetMeasureActive(r.Context(), principal(r), r.PathValue("code"), r.PostForm.Get("active") == "1"); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/measures?done=measure", http.StatusSeeOther)
}

// --- console: statistics ---

type statsPage struct {
	base
	Stats     *store.CheckStats
	Months    []statMonth
	Measures  []statMeasure
	Rewards   int64
	Punish    int64
	Checks    int64
	Hits      int64
	Blocked   int64
	Feedback  int64
	Hit       int64
	Rate      string
	MaxChecks int64
	D         deptNames
	Filter    string // the query string, for the CSV link
}

type statMonth struct {
	store.CheckCount
	Pct, HitPct int64 // bar widths, percent of the largest month
}

type statMeasure struct {
	store.MeasureCount
	Name string
	Pct  int64
}

// consoleCheckStats shows the statistics with CSS bar charts.
func (s *Server) consoleCheckStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.checkStats(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	c, err := s.app.Joint(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := statsPage{base: s.consoleBase(w, r, "console.checkstats"), Stats: st, Filter: r.URL.RawQuery}
	p.D = deptNames{p.L, s.app.Catalog()}
	for _, m := range st.Checks {
		p.Checks += m.Checks
		p.Hits += m.Hits
		p.Blocked += m.Blocked
		p.MaxChecks = max(p.MaxChecks, m.Checks)
	}
	var maxHits int64
	for _, m := range st.Measures {
		maxHits = max(maxHits, m.Hits)
		p.Hit += m.Hits
		p.Feedback += m.Feedback
		if m.Direction == credit.DirectionReward {
			p.Rewards += m.Applied
		} else {
			p.Punish += m.Applied
		}
	}
	for _, m := range st.Checks {
		p.Months = append(p.Months, statMonth{CheckCount: m, Pct: pct(m.Checks, p.MaxChecks), HitPct: pct(m.Hits, p.MaxChecks)})
	}
	for _, m := range st.Measures {
		sm := statMeasure{MeasureCount: m, Name: m.Measure, Pct: pct(m.Hits, maxHits)}
		if mm, ok := c.Measure(m.Measure); ok {
			sm.Name = p.L.Pick(mm.NameZH, mm.NameEN)
		}
		p.Measures = append(p.Measures, sm)
	}
	p.Rate = "—"
	if p.Hit > 0 {
		p.Rate = fmt.Sprintf("%.1f%%", 100*float64(p.Feedback)/float64(p.Hit))
	}
	s.render(w, r, http.StatusOK, "check_stats", p)
}

func pct(n, of int64) int64 {
	if of <= 0 {
		return 0
	}
	return max(1, n*100/of)
}

// consoleCheckStatsCSV exports the statistics as CSV (UTF-8 with BOM, for spreadsheets).
func (s *Server) consoleCheckStatsCSV(w http.ResponseWriter, r *http.Request) {
	st, err := s.checkStats(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="check-stats.csv"`)
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"table", "month", "dept", "measure", "polarity", "checks", "hits", "blocked", "warned", "feedback", "applied"})
	for _, c := range st.Checks {
		_ = cw.Write([]string{"checks", c.Month, c.Dept, "", "", i64(c.Checks), i64(c.Hits), i64(c.Blocked), i64(c.Warned), "", ""})
	}
	for _, m := range st.Measures {
		_ = cw.Write([]string{"measures", m.Month, m.Dept, m.Measure, string(m.Direction), "", i64(m.Hits), "", "", i64(m.Feedback), i64(m.Applied)})
	}
	cw.Flush()
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// --- portal: published lists ---

type publicListsPage struct {
	base
	Lists []publicList
	D     deptNames
}

// portalLists shows the public lists and their batches.
func (s *Server) portalLists(w http.ResponseWriter, r *http.Request) {
	lists, err := s.publicLists(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := publicListsPage{base: s.newBase(w, r, "lists.public"), Lists: lists}
	p.D = deptNames{p.L, s.app.Catalog()}
	s.render(w, r, http.StatusOK, "lists_public", p)
}

type publicBatchPage struct {
	base
	List    *credit.ListType
	Batch   *credit.ListBatch
	Entries []app.PublicEntry
	Hidden  int
	D       deptNames
}

// portalListBatch shows one published batch (e.g. 第六批).
func (s *Server) portalListBatch(w http.ResponseWriter, r *http.Request) {
	no, err := strconv.Atoi(r.PathValue("no"))
	if err != nil {
		s.pageError(w, r, errNotFound)
		return
	}
	lt, b, es, hidden, err := s.app.PublicBatch(r.Context(), r.PathValue("type"), no)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := publicBatchPage{base: s.newBase(w, r, ""), List: lt, Batch: b, Entries: es, Hidden: hidden}
	p.Title = lt.NameZH + " " + b.Title
	p.D = deptNames{p.L, s.app.Catalog()}
	s.render(w, r, http.StatusOK, "list_batch", p)
}
