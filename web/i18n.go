package web

import (
	"net/http"
	"net/url"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// lang is the language a page is rendered in: Chinese unless the visitor chose English.
type lang string

const (
	langZH lang = "zh"
	langEN lang = "en"
)

const langCookie = "lang"

// pickLang returns the language of a request: ?lang= first (and remembered in a cookie), then
// the cookie, then Chinese. Accept-Language is not consulted: the portal is Chinese first.
func (s *Server) pickLang(w http.ResponseWriter, r *http.Request) lang {
	switch q := lang(r.URL.Query().Get("lang")); q {
	case langZH, langEN:
		// #nosec G124 -- Secure whenever the request came over TLS or SecureCookies is set; plain-HTTP development needs it off
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(q), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookie(r)})
		return q
	}
	if c, err := r.Cookie(langCookie); err == nil && lang(c.Value) == langEN {
		return langEN
	}
	return langZH
}

// T returns the text of key in the page's language; a missing key shows as itself so it is
// noticed (a test checks every key the templates use).
func (l lang) T(key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if l == langEN {
		return m[1]
	}
	return m[0]
}

// Pick returns zh or en by the page's language (en falls back to zh when empty).
func (l lang) Pick(zh, en string) string {
	if l == langEN && en != "" {
		return en
	}
	return zh
}

// HTML is the value of the html element's lang attribute.
func (l lang) HTML() string {
	if l == langEN {
		return "en"
	}
	return "zh-CN"
}

// IsEN reports whether the page is in English.
func (l lang) IsEN() bool { return l == langEN }

// switchURL is the current URL with the other language chosen.
func (l lang) switchURL(u *url.URL) string {
	q := u.Query()
	if l == langEN {
		q.Set("lang", string(langZH))
	} else {
		q.Set("lang", string(langEN))
	}
	return u.Path + "?" + q.Encode()
}

// Kind names a subject kind.
func (l lang) Kind(k credit.SubjectKind) string {
	if l == langEN {
		if en, ok := kindEN[k]; ok {
			return en
		}
	}
	return credit.KindNameZH(k)
}

var kindEN = map[credit.SubjectKind]string{
	credit.KindEnterprise:           "Enterprise",
	credit.KindIndividualBusiness:   "Individual business",
	credit.KindFarmerCoop:           "Farmers' cooperative",
	credit.KindGovernment:           "Government body",
	credit.KindPublicInstitution:    "Public institution",
	credit.KindSocialGroup:          "Social group",
	credit.KindPrivateNonEnterprise: "Private non-enterprise unit",
	credit.KindFoundation:           "Foundation",
	credit.KindOtherOrg:             "Other organisation",
	credit.KindPerson:               "Natural person",
}

// Status names a subject's registration status.
func (l lang) Status(st credit.SubjectStatus) string {
	if m, ok := statusNames[st]; ok {
		return l.Pick(m[0], m[1])
	}
	return string(st)
}

var statusNames = map[credit.SubjectStatus][2]string{
	credit.StatusActive:       {"存续", "Active"},
	credit.StatusDeregistered: {"注销", "Deregistered"},
	credit.StatusRevoked:      {"吊销", "Licence revoked"},
	credit.StatusMovedOut:     {"迁出", "Moved out"},
}

// BatchStatus names an import batch's status.
func (l lang) BatchStatus(st store.BatchStatus) string {
	switch st {
	case store.BatchRunning:
		return l.Pick("导入中", "Running")
	case store.BatchDone:
		return l.Pick("已完成", "Done")
	case store.BatchFailed:
		return l.Pick("失败", "Failed")
	}
	return string(st)
}

// messages holds every fixed text of the pages: key → {Chinese, English}.
var messages = map[string][2]string{
	"colon":          {"：", ": "},
	"site.title":     {"信用门户", "Credit Portal"},
	"site.subtitle":  {"公共信用信息平台", "Public Credit Information Platform"},
	"site.skip":      {"跳到主要内容", "Skip to main content"},
	"nav.home":       {"首页", "Home"},
	"nav.search":     {"信用查询", "Search"},
	"nav.console":    {"报送控制台", "Console"},
	"nav.api":        {"开放接口", "API"},
	"nav.lang":       {"English", "中文"},
	"nav.lang.label": {"Switch to English", "切换为中文"},
	"footer.note": {"本网站公示的信用信息由各报送部门依法归集，如有异议请联系信息提供部门或市信用办。",
		"Credit information on this site is collected from the reporting departments as the law provides. To object to a record, contact the department that supplied it or the city credit office."},

	"search.label":       {"主体名称或统一社会信用代码", "Subject name or unified social credit code"},
	"search.hint":        {"输入企业等组织的名称（可只输入部分）或 18 位统一社会信用代码", "Enter an organisation's name (or part of it) or its 18-character unified social credit code"},
	"search.button":      {"查询", "Search"},
	"search.title":       {"查询结果", "Search results"},
	"search.results.for": {"查询词", "Query"},
	"search.none":        {"没有找到符合条件的主体。", "No subject matches your query."},
	"search.tips":        {"查询提示", "Tips"},
	"search.tip1":        {"至少输入 1 个字；名称可只输入其中一部分，如“海蓝食品”。", "Enter at least one character; part of a name is enough."},
	"search.tip2":        {"“有限公司”与“有限责任公司”、全角与半角括号视为相同。", "有限公司 and 有限责任公司, and full-width and half-width brackets, are treated alike."},
	"search.tip3":        {"按代码查询时请输入完整的 18 位统一社会信用代码（也可输入 15 位注册号或 9 位组织机构代码）。", "To search by code, enter the full 18-character code (or a 15-digit registration number or 9-character organisation code)."},
	"search.tip4":        {"自然人信息不在公开查询范围内。", "Information about natural persons is not public."},
	"search.empty":       {"请输入要查询的主体名称或代码。", "Enter a name or a code to search."},
	"search.prev":        {"上一页", "Previous page"},
	"search.next":        {"下一页", "Next page"},
	"search.page":        {"第 %d 页", "Page %d"},
	"search.pages":       {"分页", "Pagination"},

	"code.title":     {"代码校验结果", "Code check"},
	"code.valid":     {"代码有效", "The code is valid"},
	"code.invalid":   {"代码无效", "The code is not valid"},
	"code.exception": {"（已登记的早期试点代码）", "(a registered early pilot code)"},
	"code.type":      {"代码类型", "Code type"},
	"code.reason":    {"原因", "Reason"},
	"code.region":    {"登记地", "Region"},
	"code.person":    {"这是居民身份证号码。自然人的信用信息不予公开，可通过授权查询获取。", "This is a resident ID number. Natural persons' credit information is not public; it is available by authorised query only."},
	"code.notfound":  {"本平台暂无该代码对应主体的公开信息。", "The platform holds no public information about a subject with this code."},
	"code.uscc":      {"统一社会信用代码", "Unified social credit code"},
	"code.reg_no":    {"工商注册号", "Registration number"},
	"code.org_code":  {"组织机构代码", "Organisation code"},
	"code.resident":  {"居民身份证号码", "Resident ID number"},
	"code.unknown":   {"无法识别", "Unrecognised"},

	"col.name":     {"主体名称", "Name"},
	"col.code":     {"统一社会信用代码", "Unified social credit code"},
	"col.kind":     {"主体类型", "Kind"},
	"col.region":   {"所在地区", "Region"},
	"col.status":   {"登记状态", "Status"},
	"col.legalrep": {"法定代表人", "Legal representative"},
	"col.former":   {"曾用名", "Former names"},
	"col.legacy":   {"原注册号/组织机构代码", "Former registration numbers and organisation codes"},

	"home.intro": {"查询企业等法人和其他组织依法公示的行政许可、行政处罚、红黑名单等公共信用信息。",
		"Look up public credit information — administrative licences and penalties, red and black lists and more — about enterprises and other organisations."},
	"home.stats":         {"平台数据概况", "The platform in figures"},
	"home.legal":         {"法人和其他组织数", "Legal persons and other organisations"},
	"home.records":       {"信用记录数", "Credit records"},
	"home.persons":       {"自然人数", "Natural persons"},
	"home.items":         {"各类信用信息记录数", "Records per catalog item"},
	"home.item":          {"信息项", "Catalog item"},
	"home.count":         {"记录数", "Records"},
	"home.asof":          {"统计时间", "As of"},
	"home.about":         {"公开范围说明", "What is public, and why"},
	"home.about1":        {"本门户公示法人和其他组织依法应当公开的信用信息，如“双公示”行政许可和行政处罚、守信激励和失信惩戒名单、经营异常名录、信用承诺等。", "The portal shows the credit information about legal persons and other organisations that the law requires to be public: administrative licences and penalties (双公示), red and black lists, the abnormal-operation list, credit commitments and the like."},
	"home.about2":        {"自然人的信用信息不予公开，只能通过本人授权查询或政务共享的方式使用。", "Credit information about natural persons is not public; it is used only with the person's authorisation or shared between government bodies."},
	"home.about3":        {"每条信息只在其法定公示期内显示；公示期届满或经信用修复后，不再在本门户公示。", "Each record is shown only inside its legal publication period; once the period ends or the record has been repaired, the portal no longer shows it."},
	"home.about4":        {"对公示信息有异议的，可向信息提供部门或市信用办提出。", "If you believe a record is wrong, raise an objection with the department that supplied it or the city credit office."},
	"home.stats.persons": {"（自然人信息不公开，仅显示数量）", "(not public: the number only)"},

	"subject.basic":      {"基本信息", "Basic information"},
	"subject.records":    {"公示信息", "Public records"},
	"subject.norecords":  {"该主体目前没有处于公示期内的公开信用信息。", "This subject has no public credit records inside their publication period at present."},
	"subject.decision":   {"决定日期", "Decision date"},
	"subject.until":      {"公示期至", "Published until"},
	"subject.noend":      {"长期公示", "No end date"},
	"subject.source":     {"信息提供部门", "Source department"},
	"subject.version":    {"版本", "Version"},
	"subject.record":     {"记录", "Record"},
	"subject.count":      {"共 %d 条", "total: %d"},
	"subject.notice":     {"以下信息在其法定公示期内公示；公示期届满后不再显示。", "Records are shown inside their legal publication period only."},
	"subject.polarity.n": {"失信信息", "Negative information"},
	"subject.polarity.p": {"守信信息", "Positive information"},
	"subject.polarity.b": {"基础信息", "Basic information"},
	"subject.polarity.0": {"其他信息", "Other information"},
	"subject.back":       {"返回查询", "Back to search"},

	"error.title": {"出错了", "Something went wrong"},
	"error.home":  {"返回首页", "Back to the home page"},
	"error.404":   {"未找到该页面或主体", "No such page or subject"},

	"console.title":         {"报送控制台", "Submission console"},
	"console.login":         {"登录", "Sign in"},
	"console.username":      {"用户名", "User name"},
	"console.password":      {"密码", "Password"},
	"console.password.hint": {"连续输错 5 次，账户将锁定 15 分钟。忘记密码请联系市信用办管理员重置。", "Five wrong passwords in a row lock the account for 15 minutes. If you forgot your password, ask the credit office's admin to reset it."},
	"console.ended":         {"会话已结束（长时间未操作或已到期），请重新登录。", "Your session has ended (inactivity or its time limit); please sign in again."},
	"console.signedin":      {"当前用户", "Signed in as"},
	"console.logout":        {"退出", "Sign out"},
	"console.batches":       {"报送批次", "Batches"},
	"console.upload":        {"上传报送文件", "Upload a file"},
	"console.nobatches":     {"还没有报送批次。", "No batches yet."},
	"console.dept":          {"报送部门", "Department"},
	"console.item":          {"信息项", "Catalog item"},
	"console.file":          {"文件（CSV、XLSX 或 JSON Lines）", "File (CSV, XLSX or JSON Lines)"},
	"console.file.hint":     {"表头可用字段名或中文名称；已导入过的同一文件再次上传不会重复入库。", "Header cells may be field names or Chinese labels; uploading a file that was already imported changes nothing."},
	"console.submit":        {"上传并导入", "Upload and import"},
	"console.id":            {"批次号", "Batch"},
	"console.filename":      {"文件名", "File name"},
	"console.status":        {"状态", "Status"},
	"console.rows":          {"数据行", "Rows"},
	"console.accepted":      {"新增", "New"},
	"console.versions":      {"新版本", "New versions"},
	"console.unchanged":     {"未变化", "Unchanged"},
	"console.rejected":      {"拒收", "Rejected"},
	"console.created":       {"提交时间", "Submitted"},
	"console.finished":      {"完成时间", "Finished"},
	"console.format":        {"格式", "Format"},
	"console.error":         {"文件错误", "File error"},
	"console.running":       {"正在导入，页面每 5 秒自动刷新；也可手动刷新。", "Import in progress: the page reloads every 5 seconds; you may also reload it yourself."},
	"console.repeat":        {"该文件此前已完整导入，本次未作任何更改。", "This file had been imported completely before; nothing was changed."},
	"console.rejects":       {"拒收行", "Rejected rows"},
	"console.norejects":     {"没有拒收的数据行。", "No rows were rejected."},
	"console.row":           {"行号", "Row"},
	"console.field":         {"字段", "Field"},
	"console.rule":          {"规则", "Rule"},
	"console.message":       {"说明", "Message"},
	"console.resolved":      {"已由批次 %d 更正", "fixed by batch %d"},
	"console.download":      {"下载拒收行（附错误原因，修改后可重新上传）", "Download the rejected rows (with reasons; fix and upload again)"},
	"console.first":         {"仅显示前 %d 行，完整内容请下载。", "Only the first %d rows are shown; download the file for all of them."},
	"console.detail":        {"批次详情", "Batch details"},
	"console.back":          {"返回批次列表", "Back to the batches"},
	"console.filter":        {"筛选", "Filter"},
	"console.all":           {"全部", "All"},
	"console.choose":        {"请选择", "Choose"},
	"console.uploadfirst":   {"上传文件后将生成报送批次。", "Uploading a file creates a batch."},
}
