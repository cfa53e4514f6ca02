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
	"console.departments":   {"部门管理", "Departments"},
	"console.users":         {"用户管理", "Users"},
	"console.tokens":        {"接口令牌", "API tokens"},
	"console.querylog":      {"查询使用登记", "Query log"},
	"console.audit":         {"审计日志", "Audit trail"},

	"console.subjectaccounts": {"主体激活凭证", "Subject credentials"},

	"subjectaccounts.intro":   {"为企业等组织签发激活凭证，供其以统一社会信用代码登录“信用主体自助”查看本单位信用记录。凭证只在签发时显示一次，平台只保存其哈希值；重新签发将使旧凭证失效。", "Issue an organisation an activation credential so it can sign in to subject self-service with its unified social credit code and see its own record. The credential is shown once; the platform keeps only its hash. Issuing again replaces the old one."},
	"subjectaccounts.code":    {"统一社会信用代码", "Unified social credit code"},
	"subjectaccounts.issue":   {"签发激活凭证", "Issue a credential"},
	"subjectaccounts.issued":  {"激活凭证已签发", "Credential issued"},
	"subjectaccounts.once":    {"请立即将此凭证通过安全渠道交给该单位。它只显示这一次，遗失后只能重新签发。", "Hand this credential to the organisation through a safe channel now. It is shown only this once; if it is lost, issue a new one."},
	"subjectaccounts.plain":   {"激活凭证", "Activation credential"},
	"subjectaccounts.subject": {"主体", "Subject"},
	"subjectaccounts.at":      {"签发时间", "Issued"},
	"subjectaccounts.valid":   {"有效", "Valid"},
	"subjectaccounts.revoked": {"已吊销", "Revoked"},
	"subjectaccounts.revoke":  {"吊销", "Revoke"},
	"subjectaccounts.none":    {"还没有签发激活凭证。", "No credentials have been issued."},
	"subjectaccounts.back":    {"返回凭证列表", "Back to the credentials"},
	"done.credential_revoked": {"激活凭证已吊销，该单位的登录会话已全部结束。", "The credential was revoked and the organisation signed out everywhere."},

	"my.title":           {"本人信用信息", "My credit record"},
	"my.login":           {"信用主体自助登录", "Subject self-service sign-in"},
	"my.login.intro":     {"企业等组织使用统一社会信用代码和市信用办签发的激活凭证登录，查看本单位的全部信用记录及被查询情况。", "Organisations sign in with their unified social credit code and the activation credential the credit office issued, to see all their records and who has looked at them."},
	"my.code":            {"统一社会信用代码", "Unified social credit code"},
	"my.credential":      {"激活凭证", "Activation credential"},
	"my.credential.hint": {"格式如 ABCDE-FGHIJ-KLMNO-PQRST，不区分大小写。连续输错 5 次将锁定 15 分钟。如需凭证请联系市信用办。", "Like ABCDE-FGHIJ-KLMNO-PQRST, in any case. Five wrong attempts in a row lock sign-in for 15 minutes. Ask the city credit office for a credential."},
	"my.login.submit":    {"登录", "Sign in"},
	"my.topersons":       {"自然人请使用身份证号和验证码登录", "Natural persons: sign in with your resident ID and a code"},
	"my.toorgs":          {"企业等组织请使用激活凭证登录", "Organisations: sign in with an activation credential"},
	"my.login.person":    {"自然人登录", "Sign-in for natural persons"},
	"my.id":              {"居民身份证号码", "Resident ID number"},
	"my.id.hint":         {"我们将向该证件登记的联系方式发送 6 位验证码，5 分钟内有效。", "We send a 6-digit code to the contact registered for the ID; it is valid for 5 minutes."},
	"my.code.request":    {"获取验证码", "Send me a code"},
	"my.login.code":      {"输入验证码", "Enter the code"},
	"my.code.sent":       {"如该证件号已登记，验证码已发送。", "If the ID is registered, a code was sent."},
	"my.otp":             {"6 位验证码", "6-digit code"},
	"my.otp.hint":        {"验证码 5 分钟内有效，最多可尝试 5 次。", "The code is valid for 5 minutes and for 5 attempts."},
	"my.code.again":      {"重新获取验证码", "Request a new code"},
	"my.basic":           {"基本信息", "Basic information"},
	"my.realname":        {"姓名", "Name"},
	"my.idmasked":        {"身份证号码", "Resident ID"},
	"my.records":         {"我的信用记录", "My records"},
	"my.records.intro":   {"以下为本平台归集的全部有效信用记录，包括不向社会公开的信息，并标明其公示状态。如有异议，请联系信息提供部门或市信用办。", "Every current record the platform holds about you, including those that are not public, with their publication status. To object to a record, contact the department that supplied it or the city credit office."},
	"my.norecords":       {"本平台暂无您的信用记录。", "The platform holds no records about you."},
	"my.pub":             {"公示状态", "Publication"},
	"my.pub.shown":       {"公示中", "Published"},
	"my.pub.not_shown":   {"未公示", "Not published"},
	"my.pub.ended":       {"公示期满", "Publication ended"},
	"my.personal":        {"个人信息（仅本人可见）", "Personal information (visible to you only)"},
	"my.reads":           {"谁查询了我的信用记录", "Who looked at my record"},
	"my.reads.intro":     {"政府部门查询您的非公开信息或个人信息时，平台均登记查询部门、事由和时间。", "Whenever a government body reads your non-public or personal information, the platform records the department, the purpose and the time."},
	"my.reads.none":      {"尚无查询记录。", "Nobody has looked at your record yet."},
	"my.reads.more":      {"共 %d 次查询，显示最近 %d 次。", "%d reads in all; the latest %d are shown."},
	"my.reads.at":        {"查询时间", "Time"},
	"my.reads.dept":      {"查询部门", "Department"},
	"my.reads.actor":     {"查询方式", "Accessed by"},
	"my.reads.purpose":   {"查询事由", "Purpose"},
	"my.actor.user":      {"部门工作人员", "Department staff"},
	"my.actor.token":     {"部门业务系统", "Department system"},
	"my.actor.self":      {"本人", "Yourself"},
	"my.actor.other":     {"其他", "Other"},
	"my.logout":          {"退出", "Sign out"},

	"common.actions":  {"操作", "Actions"},
	"common.edit":     {"编辑", "Edit"},
	"common.save":     {"保存", "Save"},
	"common.enabled":  {"启用", "Enabled"},
	"common.disabled": {"已停用", "Disabled"},

	"done.dept_saved":     {"部门已保存。", "The department was saved."},
	"done.user_added":     {"用户已添加。", "The user was added."},
	"done.user_disabled":  {"用户已停用，其登录会话已全部结束。", "The user was disabled and signed out everywhere."},
	"done.user_enabled":   {"用户已重新启用。", "The user was enabled again."},
	"done.user_updated":   {"用户信息已更新，下一次请求起生效。", "The user was updated; the change applies from the user's next request."},
	"done.password_reset": {"密码已重置，该用户的登录会话已全部结束。", "The password was reset and the user signed out everywhere."},
	"done.token_revoked":  {"令牌已吊销，立即失效。", "The token was revoked; it no longer works."},

	"dept.code":         {"部门代码", "Code"},
	"dept.code.hint":    {"小写字母开头，可含小写字母、数字和下划线，最多 32 个字符，如 scjg。保存后不可修改。", "Lower-case letters, digits and underscores, starting with a letter, at most 32 characters, e.g. scjg. It cannot be changed later."},
	"dept.name_zh":      {"中文名称", "Chinese name"},
	"dept.name_en":      {"英文名称（可选）", "English name (optional)"},
	"dept.level":        {"级别", "Level"},
	"dept.level.city":   {"市级", "City"},
	"dept.level.county": {"区县级", "County"},
	"dept.parent":       {"上级部门", "Parent department"},
	"dept.noparent":     {"无", "None"},
	"dept.disabled":     {"停用该部门（不能再添加用户或签发令牌）", "Disable the department (no new users or tokens)"},
	"dept.add":          {"添加部门", "Add a department"},
	"dept.edit":         {"编辑部门", "Edit the department"},
	"dept.none":         {"还没有部门。", "No departments yet."},

	"users.name":          {"姓名", "Name"},
	"users.roles":         {"角色", "Roles"},
	"users.created":       {"创建时间", "Created"},
	"users.pwchanged":     {"密码修改时间", "Password changed"},
	"users.enable":        {"启用", "Enable"},
	"users.disable":       {"停用", "Disable"},
	"users.reset":         {"重置密码", "Reset the password"},
	"users.edit":          {"修改信息与角色", "Edit name, department and roles"},
	"users.edit.note":     {"修改在该用户的下一次请求时生效；不能降级最后一个可用的管理员。", "The change applies from the user's next request; the last enabled admin cannot be demoted."},
	"users.reset.note":    {"重置后该用户的所有登录会话立即结束，登录失败锁定同时解除。请通过安全渠道告知新密码。", "Resetting ends all of the user's sessions at once and lifts a lockout. Tell the user the new password through a safe channel."},
	"users.newpw":         {"新密码", "New password"},
	"users.newpw2":        {"再次输入新密码", "New password again"},
	"users.back":          {"返回用户列表", "Back to the users"},
	"users.add":           {"添加用户", "Add a user"},
	"users.none":          {"没有符合条件的用户。", "No users match."},
	"users.initial":       {"初始密码", "Initial password"},
	"users.username.hint": {"字母、数字和 . _ - @，以字母或数字开头。", "Letters, digits and . _ - @, starting with a letter or digit."},
	"users.policy":        {"至少 12 个字符，混合至少两类字符（大小写字母、数字、符号），不含用户名，不能是常见密码。", "At least 12 characters mixing at least two kinds (lower case, upper case, digits, symbols); not containing the user name; not a common password."},

	"scope.records:write": {"报送信用记录", "submit credit records"},
	"scope.records:read":  {"读取政务共享信息", "read government-shared records"},
	"scope.batches:read":  {"查看本部门报送批次及拒收行", "read the department's batches and rejected rows"},
	"scope.checks:write":  {"联合奖惩核查并反馈", "check subjects for a matter and record feedback"},

	"tokens.intro":        {"接口令牌供各部门的系统调用开放接口；令牌只在签发时显示一次，平台只保存其哈希值。", "API tokens let a department's systems call the API. A token is shown once, when issued; the platform keeps only its hash."},
	"tokens.id":           {"编号", "No."},
	"tokens.name":         {"用途", "Purpose"},
	"tokens.name.hint":    {"如“双公示自动报送”。", "For example, automatic submission of licences and penalties."},
	"tokens.scopes":       {"权限范围", "Scopes"},
	"tokens.created":      {"签发时间 / 签发人", "Issued / by"},
	"tokens.expires":      {"有效期至", "Valid until"},
	"tokens.expires.hint": {"令牌在所选日期结束时（北京时间）失效，最长一年。", "The token stops working at the end of the chosen day (China Standard Time); at most one year."},
	"tokens.lastused":     {"最近使用", "Last used"},
	"tokens.never":        {"从未使用", "never"},
	"tokens.valid":        {"有效", "Valid"},
	"tokens.expired":      {"已过期", "Expired"},
	"tokens.revoked":      {"已吊销", "Revoked"},
	"tokens.revoke":       {"吊销", "Revoke"},
	"tokens.none":         {"还没有签发接口令牌。", "No API tokens have been issued."},
	"tokens.issue":        {"签发令牌", "Issue a token"},
	"tokens.issued":       {"令牌已签发", "Token issued"},
	"tokens.once":         {"请立即复制并妥善保存此令牌。它只显示这一次，离开本页后无法再次查看；遗失后只能吊销并重新签发。", "Copy this token now and keep it safe. It is shown only this once and cannot be shown again; if it is lost, revoke it and issue a new one."},
	"tokens.plain":        {"令牌", "Token"},
	"tokens.use":          {"调用接口时在请求头中携带：Authorization: Bearer <令牌>", "Send it with each API call as the header Authorization: Bearer <token>"},
	"tokens.back":         {"返回令牌列表", "Back to the tokens"},

	"querylog.intro":      {"记录每一次对个人信息和非公开信息的查询：查询人、部门、事由、主体、返回内容、时间和来源地址。最新的在前。", "Every read of personal or non-public information: who, department, purpose, subject, what was returned, when and from where. Newest first."},
	"querylog.subject":    {"主体代码（统一社会信用代码或身份证号）", "Subject code (unified code or resident ID)"},
	"querylog.actor":      {"查询人", "Actor"},
	"querylog.from":       {"开始日期", "From"},
	"querylog.to":         {"结束日期", "To"},
	"querylog.export":     {"导出符合条件的全部记录", "Export every matching entry"},
	"querylog.at":         {"时间", "Time"},
	"querylog.purpose":    {"事由", "Purpose"},
	"querylog.subjectkey": {"主体标识", "Subject key"},
	"querylog.route":      {"接口", "Route"},
	"querylog.returned":   {"返回内容", "Returned"},
	"querylog.remote":     {"来源地址", "From address"},
	"querylog.none":       {"没有符合条件的查询记录。", "No entries match."},

	"audit.chain":        {"审计链校验", "Chain verification"},
	"audit.ok":           {"审计链完整：全部条目的哈希链校验通过。", "The audit chain holds: every entry's hash checks."},
	"audit.broken":       {"审计链已断开！", "The audit chain is broken!"},
	"audit.checked":      {"校验通过的条目数", "Entries checked intact"},
	"audit.brokenat":     {"首个断开的条目", "First broken entry"},
	"audit.headseq":      {"最新条目序号", "Head entry"},
	"audit.headhash":     {"最新条目哈希", "Head hash"},
	"audit.export":       {"导出审计日志（JSON Lines）", "Export the audit trail (JSON Lines)"},
	"audit.anchors":      {"每日锚定哈希（最近 7 天）", "Daily anchors (last 7 days)"},
	"audit.anchors.hint": {"按北京时间计日，与 xinyong audit anchor 输出一致，可与已公布的锚定值核对。", "Days in China Standard Time, as xinyong audit anchor prints them; compare them with the published anchors."},
	"audit.day":          {"日期", "Day"},
	"audit.through":      {"截至条目", "Through entry"},
	"audit.anchor":       {"锚定哈希", "Anchor"},
	"audit.latest":       {"最新 50 条", "The latest 50 entries"},
	"audit.seq":          {"序号", "Seq"},
	"audit.actor":        {"操作人", "Actor"},
	"audit.action":       {"操作", "Action"},
	"audit.object":       {"对象", "Object"},
	"audit.detail":       {"详情", "Detail"},
	"audit.none":         {"审计日志为空。", "The audit trail is empty."},
}

// addMessages merges the texts of one area's pages into messages, at init; a key defined twice
// is a programming error.
func addMessages(m map[string][2]string) {
	for k, v := range m {
		if _, dup := messages[k]; dup {
			panic("message key defined twice: " + k)
		}
		messages[k] = v
	}
}
