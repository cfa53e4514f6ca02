package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/catalog"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// Scores, grades, consents and benefits (issue 7): a person's own score page and consents
// (/my/score, /my/consents), the public 信易+ list (/benefits), the credit office's scorecard
// editor (/console/scorecards), and the API: scorecards, benefits, graded supervision, the
// partners' consent-bound grade query and benefit verification, and the government look-up.

// scoreMessages are the texts of these pages, merged into messages.
var scoreMessages = map[string][2]string{
	"score.title":                  {"我的信用积分", "My credit score"},
	"score.intro":                  {"信用积分只由依法归集、可核实的信用记录计算，每一分都可以追溯到具体记录。积分属于个人信息，只有本人和经本人授权的机构可以查看。", "Your score comes only from lawfully collected, verifiable records, and every point traces back to one. It is personal information: only you and the organisations you authorise may see it."},
	"score.none":                   {"暂无适用的评分模型。", "No scorecard applies to you."},
	"score.total":                  {"总分", "Total"},
	"score.grade":                  {"等级", "Grade"},
	"score.base":                   {"基础分", "Base score"},
	"score.version":                {"模型版本", "Scorecard version"},
	"score.capped":                 {"等级受以下记录限制：", "The grade is capped by:"},
	"score.dimensions":             {"各维度得分", "Points per dimension"},
	"score.dimension":              {"维度", "Dimension"},
	"score.points":                 {"分值", "Points"},
	"score.lines":                  {"逐条说明", "Line by line"},
	"score.nolines":                {"没有计分记录：总分即基础分。", "No record scores: the total is the base score."},
	"score.why":                    {"说明", "Why"},
	"score.item":                   {"信息项", "Item"},
	"score.date":                   {"日期", "Date"},
	"score.record":                 {"记录编号", "Record"},
	"score.history":                {"历史变化", "History"},
	"score.computed":               {"计算时间", "Computed"},
	"score.nohistory":              {"暂无历史记录。", "No history yet."},
	"score.links":                  {"信用积分与授权", "Score and consents"},
	"score.link.score":             {"查看我的信用积分及明细", "My credit score, line by line"},
	"score.link.consents":          {"管理授权查询", "Manage consents"},
	"score.link.benefits":          {"信易+ 守信激励措施", "信易+ benefits"},
	"consent.title":                {"授权查询管理", "Consents"},
	"consent.intro":                {"您可以授权平台登记的部门或合作机构在一定期限内查询您的信用等级，或核验您是否符合某项信易+优惠。授权可随时撤销，撤销后立即失效；每次使用都记录在下方。", "You may let a department or partner organisation registered on the platform learn your credit grade, or check whether you qualify for a 信易+ benefit, for a period. You can revoke a consent at any time and it stops at once; every use is listed below."},
	"consent.list":                 {"我的授权", "My consents"},
	"consent.none":                 {"尚未授权任何机构。", "You have not authorised anyone."},
	"consent.partner":              {"授权对象", "Partner"},
	"consent.scope":                {"授权范围", "Scope"},
	"consent.scope.grade":          {"仅信用等级", "Grade only"},
	"consent.scope.grade_benefits": {"信用等级及信易+资格核验", "Grade and 信易+ eligibility"},
	"consent.purpose":              {"用途", "Purpose"},
	"consent.purpose.hint":         {"例如：办理住房公积金贷款。最多 200 字。", "E.g. applying for a housing-fund loan. At most 200 characters."},
	"consent.expires":              {"有效期", "Valid until"},
	"consent.days":                 {"有效天数（1–366）或到期日（YYYY-MM-DD）", "Days (1–366) or last day (YYYY-MM-DD)"},
	"consent.created":              {"授权时间", "Granted"},
	"consent.ref":                  {"授权编号", "Reference"},
	"consent.status":               {"状态", "Status"},
	"consent.active":               {"有效", "Active"},
	"consent.expired":              {"已过期", "Expired"},
	"consent.revoked":              {"已撤销", "Revoked"},
	"consent.revoke":               {"撤销", "Revoke"},
	"consent.grant":                {"新增授权", "Grant a consent"},
	"consent.submit":               {"授权", "Grant"},
	"consent.uses":                 {"授权使用记录", "Uses of your consents"},
	"consent.nouses":               {"尚无查询或核验。", "Nobody has asked yet."},
	"consent.what":                 {"内容", "What"},
	"consent.result":               {"结果", "Result"},
	"consent.time":                 {"时间", "When"},
	"consent.result.granted":       {"已提供等级", "Grade given"},
	"consent.result.eligible":      {"核验：符合", "Checked: eligible"},
	"consent.result.not_eligible":  {"核验：不符合", "Checked: not eligible"},
	"consent.result.denied":        {"已拒绝（无有效授权）", "Refused (no valid consent)"},
	"done.consent_granted":         {"授权已生效。请将授权编号告知对方机构。", "The consent is in force. Give its reference number to the partner."},
	"done.consent_revoked":         {"授权已撤销，立即失效。", "The consent was revoked and no longer works."},
	"benefits.title":               {"信易+ 守信激励措施", "信易+ benefits for good credit"},
	"benefits.intro":               {"信用等级达到要求的市民和企业可享受以下守信激励措施。个人信用等级属于个人信息：机构须经本人授权才能核验，核验只回答“符合”或“不符合”。", "Citizens and enterprises with a good enough grade may use these benefits. A person's grade is personal information: a provider checks it only with the person's consent, and learns only “eligible” or “not eligible”."},
	"benefits.area":                {"领域", "Area"},
	"benefits.name":                {"措施", "Benefit"},
	"benefits.provider":            {"提供方", "Provider"},
	"benefits.mingrade":            {"最低等级", "Minimum grade"},
	"benefits.card":                {"评分模型", "Scorecard"},
	"benefits.valid":               {"有效期", "Valid"},
	"benefits.open":                {"长期", "Open-ended"},
	"benefits.none":                {"暂无措施。", "No benefits."},
	"console.scorecards":           {"评分模型", "Scorecards"},
	"card.intro":                   {"评分模型是数据：维度、指标（信息项与条件 → 分值、周期封顶、时间衰减）、基础分和等级区间。编辑 JSON 后先试算，再发布为新版本；每个分数都记录产生它的模型版本。发布后请重新计算。", "A scorecard is data: dimensions, indicators (item and condition → points, caps per period, decay), base score and grade bands. Edit the JSON, preview it on a sample, then publish it as a new version; every score records the version that produced it. Recompute after publishing."},
	"card.inforce":                 {"在用模型", "Scorecards in force"},
	"card.code":                    {"代码", "Code"},
	"card.name":                    {"名称", "Name"},
	"card.version":                 {"版本", "Version"},
	"card.effective":               {"生效日期", "Effective from"},
	"card.public":                  {"公开", "Public"},
	"card.distribution":            {"当前等级分布", "Current grades"},
	"card.edit":                    {"编辑", "Edit"},
	"card.editor":                  {"编辑模型", "Edit a scorecard"},
	"card.json":                    {"模型 JSON", "Scorecard JSON"},
	"card.sample":                  {"试算样本主体数", "Subjects in the preview sample"},
	"card.preview":                 {"试算", "Preview"},
	"card.publish":                 {"发布新版本", "Publish a new version"},
	"card.recompute":               {"重新计算全部分数", "Recompute all scores"},
	"card.versions":                {"历史版本", "Versions"},
	"card.publishedby":             {"发布人", "Published by"},
	"card.publishedat":             {"发布时间", "Published"},
	"card.previewof":               {"试算结果", "Preview"},
	"card.sampled":                 {"样本中适用的主体", "Subjects scored in the sample"},
	"card.changed":                 {"等级将变化的主体", "Subjects whose grade would change"},
	"card.range":                   {"分数范围 / 平均", "Range / mean"},
	"card.new":                     {"新模型", "New card"},
	"card.current":                 {"现行模型", "In force"},
	"card.supervision":             {"分级分类监管（双随机抽查比例与频次）", "Graded supervision (random-inspection ratio and frequency)"},
	"card.ratio":                   {"抽查比例", "Ratio"},
	"card.peryear":                 {"每年最多", "Per year"},
	"card.key":                     {"重点监管", "Key supervision"},
	"done.card_published":          {"新版本已发布。请重新计算分数。", "The new version was published. Recompute the scores."},
	"done.scores_recomputed":       {"分数已重新计算。", "The scores were recomputed."},
	"subject.grades":               {"公共信用评价", "Public credit evaluation"},
	"subject.grades.note":          {"评价按公开的评分模型由平台计算，随信用记录变化自动更新。", "Computed by the platform with the published scorecards; it follows the records."},
}

func init() {
	addMessages(scoreMessages)
}

// markLogged notes that the service entered this request's read in the query log itself (the
// consent-bound queries and the government score look-up), so the guard adds no generic entry.
func markLogged(r *http.Request) { state(r).logged = true }

// ---- Own pages (/my/score, /my/consents) ----

type myScorePage struct {
	base
	Subject *credit.Subject
	Views   []*app.ScoreView
}

func (s *Server) myScore(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	sub, views, err := s.app.OwnScores(r.Context(), principal(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	b := s.newBase(w, r, "score.title")
	b.CSRF = s.formToken(w, r)
	s.render(w, r, http.StatusOK, "my_score", myScorePage{base: b, Subject: sub, Views: views})
}

type myConsentsPage struct {
	base
	V        *app.ConsentView
	Names    map[string]string
	Benefits []credit.Benefit
	Form     consentForm
	Error    string
	Done     string
	now      time.Time
}

type consentForm struct{ Partner, Scope, Purpose, Expires string }

// ConsentStatus says whether a consent is active, expired or revoked now.
func (p myConsentsPage) ConsentStatus(c *credit.Consent) string {
	switch {
	case !c.RevokedAt.IsZero():
		return "revoked"
	case !c.ValidAt(p.now):
		return "expired"
	}
	return "active"
}

// PartnerName names a partner department.
func (p myConsentsPage) PartnerName(code string) string {
	if n, ok := p.Names[code]; ok {
		return n
	}
	return code
}

func (s *Server) myConsentsPage(w http.ResponseWriter, r *http.Request) (myConsentsPage, error) {
	b := s.newBase(w, r, "consent.title")
	b.CSRF = s.formToken(w, r)
	p := myConsentsPage{base: b, Names: map[string]string{}, Form: consentForm{Scope: string(credit.ScopeGradeBenefits), Expires: "30"}, now: s.app.Now()}
	var err error
	if p.V, err = s.app.OwnConsents(r.Context(), principal(r)); err != nil {
		return p, err
	}
	for _, d := range p.V.Partners {
		p.Names[d.Code] = b.L.Pick(d.NameZH, d.NameEN)
	}
	if p.Benefits, err = s.app.Benefits(r.Context()); err != nil {
		return p, err
	}
	for _, bf := range p.Benefits {
		if _, ok := p.Names[bf.Provider]; !ok {
			p.Names[bf.Provider] = bf.ProviderZH
		}
	}
	p.Done = done(b.L, r)
	return p, nil
}

func (s *Server) myConsents(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	p, err := s.myConsentsPage(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "my_consents", p)
}

func (s *Server) myGrantConsent(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := consentForm{Partner: r.PostForm.Get("partner"), Scope: r.PostForm.Get("scope"), Purpose: r.PostForm.Get("purpose"),
		Expires: r.PostForm.Get("expires")}
	expires, err := app.ParseExpiry(f.Expires, s.app.Now())
	if err == nil {
		_, err = s.app.GrantConsent(r.Context(), principal(r), f.Partner, credit.ConsentScope(f.Scope), f.Purpose, expires)
	}
	if err != nil {
		s.formError(w, r, err, func(status int, msg string) {
			p, err := s.myConsentsPage(w, r)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			p.Form, p.Error, p.Done = f, msg, ""
			s.render(w, r, status, "my_consents", p)
		})
		return
	}
	http.Redirect(w, r, "/my/consents?done=consent_granted", http.StatusSeeOther)
}

func (s *Server) myRevokeConsent(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.pageError(w, r, errNotFound)
		return
	}
	if err := s.app.RevokeConsent(r.Context(), principal(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/my/consents?done=consent_revoked", http.StatusSeeOther)
}

// ---- Public benefits list (/benefits) ----

type benefitsPage struct {
	base
	Benefits []credit.Benefit
	Cards    map[string]*credit.Scorecard
}

// GradeName names a grade of a card.
func (p benefitsPage) GradeName(card, grade string) string {
	if c := p.Cards[card]; c != nil {
		if i := c.Rank(grade); i >= 0 && c.Grades[i].NameZH != "" && grade != c.Grades[i].NameZH {
			return grade + "（" + c.Grades[i].NameZH + "）"
		}
	}
	return grade
}

func (s *Server) benefits(w http.ResponseWriter, r *http.Request) {
	list, err := s.app.Benefits(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cards, err := s.app.Scorecards(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := benefitsPage{base: s.newBase(w, r, "benefits.title"), Benefits: list, Cards: map[string]*credit.Scorecard{}}
	for _, c := range cards {
		p.Cards[c.Code] = c
	}
	s.render(w, r, http.StatusOK, "benefits", p)
}

// ---- Console: scorecards (/console/scorecards) ----

type cardRow struct {
	Card         *credit.Scorecard
	Distribution []app.GradeCount
}

type scorecardsPage struct {
	base
	Rows        []cardRow
	Versions    []*store.ScorecardVersion
	Editing     string // card code in the editor
	JSON        string
	Sample      int
	Preview     *app.Preview
	Supervision []credit.Supervision
	Error       string
	Done        string
}

// ErrorLines splits Check's list of problems into lines.
func (p scorecardsPage) ErrorLines() []string { return strings.Split(p.Error, "\n") }

// Percent writes a ratio as a percentage.
func (p scorecardsPage) Percent(f float64) string {
	return strconv.FormatFloat(f*100, 'f', -1, 64) + "%"
}

func (s *Server) scorecardsPage(w http.ResponseWriter, r *http.Request, code string) (scorecardsPage, error) {
	p := scorecardsPage{base: s.consoleBase(w, r, "console.scorecards"), Sample: 1000, Editing: code}
	ctx := r.Context()
	cards, err := s.app.Scorecards(ctx)
	if err != nil {
		return p, err
	}
	for _, c := range cards {
		d, err := s.app.GradeDistribution(ctx, c.Code)
		if err != nil {
			return p, err
		}
		p.Rows = append(p.Rows, cardRow{Card: c, Distribution: d})
		if c.Code == code || code == "" && p.JSON == "" {
			var buf bytes.Buffer
			if err := catalog.WriteScorecard(&buf, c); err != nil {
				return p, err
			}
			p.JSON, p.Editing = buf.String(), c.Code
		}
	}
	if p.Editing != "" {
		if p.Versions, err = s.app.ScorecardVersions(ctx, p.Editing); err != nil {
			return p, err
		}
	}
	if p.Supervision, err = s.app.Supervision(ctx); err != nil {
		return p, err
	}
	p.Done = done(p.L, r)
	return p, nil
}

func (s *Server) consoleScorecards(w http.ResponseWriter, r *http.Request) {
	p, err := s.scorecardsPage(w, r, r.URL.Query().Get("card"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "scorecards", p)
}

// consoleScorecardPost previews (action=preview) or publishes the edited JSON; errors name
// every problem Check found, shown above the editor with the text kept.
func (s *Server) consoleScorecardPost(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	body := r.PostForm.Get("card")
	sample, _ := strconv.Atoi(r.PostForm.Get("sample"))
	card, err := s.app.CheckScorecard([]byte(body))
	var preview *app.Preview
	if err == nil {
		if r.PostForm.Get("action") == "publish" {
			if _, err = s.app.PublishScorecard(r.Context(), actor(r), card); err == nil {
				// #nosec G710 -- a fixed local path; the code passed Check (lower-case ASCII) and is escaped
				http.Redirect(w, r, "/console/scorecards?card="+url.QueryEscape(card.Code)+"&done=card_published", http.StatusSeeOther)
				return
			}
		} else {
			preview, err = s.app.PreviewScorecard(r.Context(), card, sample)
		}
	}
	code := ""
	if card != nil {
		code = card.Code
	}
	status := http.StatusOK
	var msg string
	if err != nil {
		var eb errorBody
		status, eb = describeError(err)
		if status >= 500 || status == http.StatusForbidden {
			s.pageError(w, r, err)
			return
		}
		msg = eb.Message
	}
	p, perr := s.scorecardsPage(w, r, code)
	if perr != nil {
		s.pageError(w, r, perr)
		return
	}
	p.JSON, p.Preview, p.Error, p.Done = body, preview, msg, ""
	if sample > 0 {
		p.Sample = sample
	}
	s.render(w, r, status, "scorecards", p)
}

func (s *Server) consoleRecompute(w http.ResponseWriter, r *http.Request) {
	// The whole city takes about a minute (docs/performance.md); the request waits for it.
	if _, err := s.app.RecomputeAll(context.WithoutCancel(r.Context()), actor(r), nil); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/scorecards?done=scores_recomputed", http.StatusSeeOther)
}

// publicGrades returns an organisation's public evaluation grades for its portal page; a
// failure is logged and the page shows none.
func (s *Server) publicGrades(ctx context.Context, sub *credit.Subject) []app.PublicGrade {
	g, err := s.app.PublicGrades(ctx, sub)
	if err != nil {
		s.log.Error("public grades", "err", err)
	}
	return g
}

// ---- API ----

func (s *Server) apiScorecards(w http.ResponseWriter, r *http.Request) {
	cards, err := s.app.Scorecards(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"scorecards": cards})
}

func (s *Server) apiScorecardVersions(w http.ResponseWriter, r *http.Request) {
	vs, err := s.app.ScorecardVersions(r.Context(), r.PathValue("code"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if len(vs) == 0 {
		s.apiError(w, r, credit.Errorf(credit.ENOTFOUND, "未找到评分模型 / scorecard not found"))
		return
	}
	if vs == nil {
		vs = []*store.ScorecardVersion{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": vs})
}

// readScorecard reads a scorecard request body (the card's JSON, at most maxJSONBody).
func readScorecard(w http.ResponseWriter, r *http.Request, a *app.App) (*credit.Scorecard, error) {
	var raw json.RawMessage
	if err := readJSON(w, r, &raw); err != nil {
		return nil, err
	}
	return a.CheckScorecard(raw)
}

func (s *Server) apiPreviewScorecard(w http.ResponseWriter, r *http.Request) {
	card, err := readScorecard(w, r, s.app)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	sample, _ := strconv.Atoi(r.URL.Query().Get("sample"))
	if sample <= 0 {
		sample = 1000
	}
	p, err := s.app.PreviewScorecard(r.Context(), card, sample)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiPublishScorecard(w http.ResponseWriter, r *http.Request) {
	card, err := readScorecard(w, r, s.app)
	if err == nil {
		card, err = s.app.PublishScorecard(r.Context(), actor(r), card)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/scorecards/"+card.Code+"/versions")
	writeJSON(w, http.StatusCreated, card)
}

func (s *Server) apiRecompute(w http.ResponseWriter, r *http.Request) {
	st, err := s.app.RecomputeAll(context.WithoutCancel(r.Context()), actor(r), nil)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) apiBenefits(w http.ResponseWriter, r *http.Request) {
	list, err := s.app.Benefits(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"benefits": list})
}

func (s *Server) apiSupervision(w http.ResponseWriter, r *http.Request) {
	list, err := s.app.Supervision(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"supervision": list})
}

// apiVerifyBenefit answers a partner {"eligible": true|false} and nothing more; a missing,
// expired or revoked consent, an unknown person or another partner's benefit is the same false.
func (s *Server) apiVerifyBenefit(w http.ResponseWriter, r *http.Request) {
	var q app.PartnerQuery
	if err := readJSON(w, r, &q); err != nil {
		s.apiError(w, r, err)
		return
	}
	ok, err := s.app.VerifyBenefit(r.Context(), principal(r), r.PathValue("code"), q, clientIP(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	markLogged(r)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]bool{"eligible": ok})
}

// apiPartnerGrade answers a partner a consenting person's grade, or the one refusal.
func (s *Server) apiPartnerGrade(w http.ResponseWriter, r *http.Request) {
	var q app.PartnerQuery
	if err := readJSON(w, r, &q); err != nil {
		s.apiError(w, r, err)
		return
	}
	grade, err := s.app.PartnerGrade(r.Context(), principal(r), q, clientIP(r))
	markLogged(r) // entered by the service whenever the person was known; nothing to enter otherwise
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"card": "personal", "grade": grade})
}

// govScoreJSON is one card's score in the government look-up.
type govScoreJSON struct {
	Card      string          `json:"card"`
	CardName  string          `json:"card_name"`
	Score     *credit.Score   `json:"score"`
	GradeName string          `json:"grade_name,omitempty"`
	History   []*credit.Score `json:"history"`
}

func (s *Server) apiGovScores(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	sub, views, err := s.app.SubjectScoresFor(r.Context(), principal(r), st.decision.Purpose, r.PathValue("code"), st.pattern, clientIP(r))
	if err != nil {
		if credit.ErrorCode(err) == credit.ENOTFOUND {
			markLogged(r) // nothing was returned
		}
		s.apiError(w, r, err)
		return
	}
	markLogged(r)
	out := struct {
		Kind   credit.SubjectKind `json:"kind"`
		Code   string             `json:"code,omitempty"`
		Scores []govScoreJSON     `json:"scores"`
	}{Kind: sub.Kind, Code: sub.Code, Scores: []govScoreJSON{}}
	for _, v := range views {
		g := govScoreJSON{Card: v.Card.Code, CardName: v.Card.NameZH, Score: v.Score, History: v.History}
		if v.Grade != nil {
			g.GradeName = v.Grade.NameZH
		}
		if g.History == nil {
			g.History = []*credit.Score{}
		}
		out.Scores = append(out.Scores, g)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// ItemName names a catalog item for the explanation lines.
func (p myScorePage) ItemName(v *app.ScoreView, code string) string {
	if n, ok := v.Items[code]; ok {
		return n
	}
	return code
}

// DimName names a dimension of a view's card.
func (p myScorePage) DimName(v *app.ScoreView, code string) string {
	for _, d := range v.Card.Dimensions {
		if d.Code == code {
			return p.L.Pick(d.NameZH, d.NameEN)
		}
	}
	return code
}
