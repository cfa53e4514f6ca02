package auth

import "github.com/xinyong/xinyong/credit"

// correcting is the purpose implied when a department reads the rejected rows of its own
// upload: they may hold personal information (a resident ID in a bad row), so the read is
// logged, but the department needs no matter to see what it sent itself.
const correcting = "报送纠错 / correcting the department's own submission"

// GovernmentRoles are the staff roles that read a subject for a government purpose (政务共享查询):
// the window clerk checking an applicant, the reviewer handling its department's matters, the
// credit office. With a stated purpose they also see authorised-only data (授权查询) and personal
// fields in clear (app.GovSubject); department tokens (records:read) see public and shared data.
func GovernmentRoles() []Role { return []Role{RoleAdmin, RoleReviewer, RoleClerk} }

// DefaultMatrix returns the authorisation matrix of every route web registers (web/routes.go).
// Each call returns a fresh copy. A route added to web without a rule here is refused at run
// time (default-deny) and fails TestMatrixCoversEveryRoute.
//
//   - The portal and the read API of public data are public (信用门户: 社会公开信息).
//   - Publishing the catalog and registering code exceptions are the credit office's (admin).
//   - Batches are the submitting department's: its submitters and its token (records:write to
//     upload, batches:read to follow up), and the admin; handlers check Principal.ActsFor.
//   - Rejected rows may carry personal information: an authorised-level read, logged with the
//     implied purpose of correcting the submission.
//   - Departments, users and API tokens are managed by the credit office (admin) alone.
//   - Subject self-service (信用主体自助): signing in is open; /my is the signed-in subject's
//     own (RoleSubject); its activation credentials are the admin's.
//   - The query log (查询使用登记) and the audit trail (审计日志) are read by auditors and the
//     admin, nobody else. They hold no credit information (a person appears as its keyed hash),
//     so they are public-level data behind roles, and reading them is not itself query-logged.
//   - The government view of a subject (政务共享查询, console and API) is for GovernmentRoles
//     and records:read tokens, with a stated purpose (NeedsPurpose), always query-logged.
func DefaultMatrix() Matrix {
	public := func(method, pattern string) Rule {
		return Rule{Method: method, Pattern: pattern, Public: true, Disclosure: credit.DisclosurePublic}
	}
	admin := func(method, pattern string) Rule {
		return Rule{Method: method, Pattern: pattern, Roles: []Role{RoleAdmin}, Disclosure: credit.DisclosurePublic}
	}
	// own is a subject's self-service page: the subject signed in, nobody else.
	own := func(method, pattern string) Rule {
		return Rule{Method: method, Pattern: pattern, Roles: []Role{RoleSubject}, Disclosure: credit.DisclosurePublic}
	}
	// oversight is a read of the logs, for auditors and the admin.
	oversight := func(method, pattern string) Rule {
		return Rule{Method: method, Pattern: pattern, Roles: []Role{RoleAdmin, RoleAuditor}, Disclosure: credit.DisclosurePublic}
	}
	// batch is a route on one department's batches, for its submitters, its token with scope,
	// and the admin.
	batch := func(method, pattern string, scope Scope, d credit.Disclosure) Rule {
		r := Rule{Method: method, Pattern: pattern, Roles: []Role{RoleAdmin, RoleSubmitter}, Scope: scope,
			Disclosure: d, DeptScoped: true}
		if d != credit.DisclosurePublic {
			r.Purpose = correcting
		}
		return r
	}
	// gov is a government read of one subject (政务共享查询): staff of GovernmentRoles, or a
	// department token with scope, always stating the administrative matter; it may return
	// authorised-only data, so every call is logged.
	gov := func(method, pattern string, scope Scope) Rule {
		return Rule{Method: method, Pattern: pattern, Roles: GovernmentRoles(), Scope: scope,
			Disclosure: credit.DisclosureAuthorised, NeedsPurpose: true}
	}
	// checkRule is a window check route (信用核查).
	checkRule := func(method, pattern string, scope Scope, d credit.Disclosure) Rule {
		return Rule{Method: method, Pattern: pattern, Roles: GovernmentRoles(), Scope: scope, Disclosure: d,
			Purpose: "信用核查 / window check"}
	}
	// listRule is a route on a department's list entries: its submitters and reviewers, and
	// the admin. The services hold the caller to its own department's entries (app
	// listActsFor), on reads as on changes, so the rule is not marked DeptScoped.
	listRule := func(method, pattern string, d credit.Disclosure) Rule {
		return Rule{Method: method, Pattern: pattern, Roles: []Role{RoleAdmin, RoleSubmitter, RoleReviewer}, Disclosure: d,
			Purpose: "名单管理 / list administration"}
	}
	// deptRule is a route on one department's delivery objects (tasks, subscriptions).
	deptRule := func(method, pattern string, scope Scope, roles []Role) Rule {
		return Rule{Method: method, Pattern: pattern, Roles: roles, Scope: scope, Disclosure: credit.DisclosurePublic, DeptScoped: true}
	}
	tasksRoles := []Role{RoleAdmin, RoleReviewer, RoleClerk}
	subsRoles := []Role{RoleAdmin, RoleReviewer}
	return Matrix{
		// Public portal (信用门户).
		public("GET", "/{$}"),
		public("GET", "/search"),
		public("GET", "/subjects/{code}"),
		public("GET", "/static/"),
		public("GET", "/healthz"),
		// The fallback answers 404/405 for every path no route matched.
		public("", "/"),

		// Console sign-in and sign-out are open: the forms carry CSRF tokens, and signing out
		// must work for a session that has just expired.
		public("GET", "/console"),
		public("GET", "/console/login"),
		public("POST", "/console/login"),
		public("POST", "/console/logout"),
		// Console (报送与管理控制台): batches of the user's department (all of them for the admin).
		batch("GET", "/console/{$}", "", credit.DisclosurePublic),
		batch("GET", "/console/upload", "", credit.DisclosurePublic),
		batch("POST", "/console/upload", "", credit.DisclosurePublic),
		// The batch page lists rejected rows with their messages, which may quote a value.
		batch("GET", "/console/batches/{id}", "", credit.DisclosureAuthorised),
		batch("GET", "/console/batches/{id}/rejects", "", credit.DisclosureAuthorised),
		// Console: the credit office manages departments, users and department API tokens.
		admin("GET", "/console/departments"),
		admin("POST", "/console/departments"),
		admin("GET", "/console/users"),
		admin("POST", "/console/users"),
		admin("POST", "/console/users/{username}/disable"),
		admin("POST", "/console/users/{username}/enable"),
		admin("GET", "/console/users/{username}/edit"),
		admin("POST", "/console/users/{username}/edit"),
		admin("GET", "/console/users/{username}/password"),
		admin("POST", "/console/users/{username}/password"),
		admin("GET", "/console/tokens"),
		admin("POST", "/console/tokens"),
		admin("POST", "/console/tokens/{id}/revoke"),
		// Console: oversight, read-only.
		oversight("GET", "/console/querylog"),
		oversight("GET", "/console/querylog/export"),
		oversight("GET", "/console/audit"),
		oversight("GET", "/console/audit/export"),
		// Console: the credit office issues and revokes organisations' activation credentials
		// (激活凭证) for subject self-service.
		admin("GET", "/console/subject-accounts"),
		admin("POST", "/console/subject-accounts"),
		admin("POST", "/console/subject-accounts/{code}/revoke"),

		// Subject self-service (信用主体自助). Signing in is open (the forms carry CSRF tokens
		// bound to the pre-session cookie). The own page shows only the signed-in subject
		// (Principal.Is, held by the handler): its own data read by itself is no third party's
		// read, so it is not query-logged — public level here means just that.
		public("GET", "/my/login"),
		public("POST", "/my/login"),
		public("GET", "/my/login/person"),
		public("POST", "/my/login/person"),
		public("POST", "/my/login/person/verify"),
		own("GET", "/my"),
		own("POST", "/my/logout"),
		// Console: the government view of a subject. The search form returns no data; the
		// subject page needs a stated purpose and is logged.
		{Method: "GET", Pattern: "/console/subjects", Roles: GovernmentRoles(), Disclosure: credit.DisclosurePublic},
		gov("GET", "/console/subjects/{code}", ""),

		// JSON API, /api/v1: public reads.
		public("GET", "/api/v1/subjects"),
		public("GET", "/api/v1/subjects/{code}"),
		public("GET", "/api/v1/codes/{code}"),
		public("GET", "/api/v1/stats"),
		public("GET", "/api/v1/catalog"),
		public("GET", "/api/v1/catalog/versions"),
		public("GET", "/api/v1/departments"),
		public("GET", "/api/v1/code-exceptions"),
		public("GET", "/api/v1/openapi.json"),
		// The credit office's own acts.
		admin("PUT", "/api/v1/catalog"),
		admin("POST", "/api/v1/code-exceptions"),
		admin("DELETE", "/api/v1/code-exceptions/{code}"),
		// Submission (报送) and its follow-up.
		batch("POST", "/api/v1/batches", ScopeRecordsWrite, credit.DisclosurePublic),
		batch("GET", "/api/v1/batches", ScopeBatchesRead, credit.DisclosurePublic),
		batch("GET", "/api/v1/batches/{id}", ScopeBatchesRead, credit.DisclosurePublic),
		batch("GET", "/api/v1/batches/{id}/rejects", ScopeBatchesRead, credit.DisclosureAuthorised),
		batch("GET", "/api/v1/batches/{id}/rejects.json", ScopeBatchesRead, credit.DisclosureAuthorised),
		// Government view of a subject (政务共享查询): always with a stated purpose, always logged.
		gov("GET", "/api/v1/gov/subjects/{code}", ScopeRecordsRead),

		// Lists, measures and window checks (名单、措施与信用核查). The window check is for
		// GovernmentRoles and checks:write tokens; it returns list memberships (some lists are
		// not public), and the app logs every check in the check log and the query log, the
		// matter being the purpose. Lists are proposed and confirmed by their department
		// (held to their department by the service), published and measures managed by the credit
		// office; the published lists and the measures list are public.
		public("GET", "/lists"),
		public("GET", "/lists/{type}/batches/{no}"),
		public("GET", "/api/v1/lists"),
		public("GET", "/api/v1/lists/{type}/batches/{no}"),
		public("GET", "/api/v1/measures"),
		checkRule("GET", "/console/checks", "", credit.DisclosurePublic),
		checkRule("POST", "/console/checks", "", credit.DisclosureShared),
		checkRule("GET", "/console/checks/{id}", "", credit.DisclosurePublic),
		checkRule("POST", "/console/checks/{id}/feedback", "", credit.DisclosurePublic),
		checkRule("POST", "/api/v1/checks", ScopeChecksWrite, credit.DisclosureShared),
		checkRule("GET", "/api/v1/checks/{id}", ScopeChecksWrite, credit.DisclosurePublic),
		checkRule("POST", "/api/v1/checks/{id}/feedback", ScopeChecksWrite, credit.DisclosurePublic),
		listRule("GET", "/console/lists", credit.DisclosureShared),
		listRule("POST", "/console/lists/entries", credit.DisclosurePublic),
		listRule("POST", "/console/lists/entries/{id}/confirm", credit.DisclosurePublic),
		listRule("POST", "/console/lists/entries/{id}/remove", credit.DisclosurePublic),
		listRule("GET", "/api/v1/list-entries", credit.DisclosureShared),
		listRule("POST", "/api/v1/list-entries", credit.DisclosurePublic),
		listRule("POST", "/api/v1/list-entries/{id}/confirm", credit.DisclosurePublic),
		listRule("POST", "/api/v1/list-entries/{id}/remove", credit.DisclosurePublic),
		admin("POST", "/console/lists/{type}/publish"),
		admin("POST", "/api/v1/lists/{type}/batches"),
		admin("POST", "/api/v1/lists/{type}/derive"),
		admin("PUT", "/api/v1/list-types/{code}"),
		{Method: "GET", Pattern: "/console/measures", Roles: []Role{RoleAdmin, RoleReviewer, RoleClerk, RoleSubmitter}, Disclosure: credit.DisclosurePublic},
		admin("POST", "/console/measures/{code}/active"),
		admin("PUT", "/api/v1/measures/{code}"),
		admin("POST", "/api/v1/measures/{code}/activate"),
		admin("POST", "/api/v1/measures/{code}/deactivate"),
		oversight("GET", "/console/check-stats"),
		oversight("GET", "/console/check-stats.csv"),
		oversight("GET", "/api/v1/check-stats"),
		checkRule("GET", "/console/check-batches", "", credit.DisclosurePublic),
		checkRule("POST", "/console/check-batches", "", credit.DisclosurePublic),
		checkRule("GET", "/console/check-batches/{id}/result", "", credit.DisclosureShared),
		checkRule("POST", "/api/v1/check-batches", ScopeChecksWrite, credit.DisclosurePublic),
		checkRule("GET", "/api/v1/check-batches/{id}", ScopeChecksWrite, credit.DisclosurePublic),
		checkRule("GET", "/api/v1/check-batches/{id}/result", ScopeChecksWrite, credit.DisclosureShared),

		// Status-change delivery: tasks, outbox, NATS, subscriptions (任务、发件箱与订阅).
		// Response tasks (联合奖惩任务) are the implementing department's: its reviewers and
		// clerks, its token (tasks:write), and the admin; app holds each to its department.
		// Monitoring subscriptions are a department's or an authorised partner's (a department
		// of level partner with a subscriptions:write token): its reviewers, its token, the
		// admin. A subscription on a subject states its legal basis and is query-logged by app;
		// tasks and deliveries name subjects by key only (a person by its keyed hash), so these
		// are public-level data behind roles.
		deptRule("GET", "/console/tasks", "", tasksRoles),
		deptRule("POST", "/console/tasks/{id}/response", "", tasksRoles),
		deptRule("GET", "/console/subscriptions", "", subsRoles),
		deptRule("POST", "/console/subscriptions", "", subsRoles),
		deptRule("POST", "/console/subscriptions/{id}/remove", "", subsRoles),
		deptRule("POST", "/console/deliveries/{id}/retry", "", subsRoles),
		admin("GET", "/console/outbox"),
		admin("GET", "/console/system"),
		deptRule("GET", "/api/v1/tasks", ScopeTasksWrite, tasksRoles),
		deptRule("GET", "/api/v1/tasks/{id}", ScopeTasksWrite, tasksRoles),
		deptRule("POST", "/api/v1/tasks/{id}/response", ScopeTasksWrite, tasksRoles),
		deptRule("GET", "/api/v1/subscriptions", ScopeSubscriptionsWrite, subsRoles),
		deptRule("POST", "/api/v1/subscriptions", ScopeSubscriptionsWrite, subsRoles),
		deptRule("GET", "/api/v1/subscriptions/{id}", ScopeSubscriptionsWrite, subsRoles),
		deptRule("DELETE", "/api/v1/subscriptions/{id}", ScopeSubscriptionsWrite, subsRoles),
		deptRule("GET", "/api/v1/deliveries", ScopeSubscriptionsWrite, subsRoles),
		deptRule("POST", "/api/v1/deliveries/{id}/retry", ScopeSubscriptionsWrite, subsRoles),
		admin("GET", "/api/v1/outbox"),

		// Subjects' rights: objections, repair, calendar (异议、信用修复与工作日历).
		// The public guide. A subject files objections and repair applications about its own
		// records (the handler holds it to them: app refuses another's record, naming the rule).
		// The queues are the credit office's (all) and the reviewers' (their department's, held
		// by app); evidence files may carry personal data: every download is query-logged.
		public("GET", "/guide/repair"),
		own("GET", "/my/records/{id}/objection"),
		own("POST", "/my/records/{id}/objection"),
		own("GET", "/my/records/{id}/repair"),
		own("POST", "/my/records/{id}/repair"),
		own("GET", "/my/cases/{id}"),
		own("POST", "/my/cases/{id}/resubmit"),
		evidenceRule("GET", "/my/evidence/{id}"),
		rightsRule("GET", "/console/objections"),
		rightsRule("GET", "/console/repairs"),
		rightsRule("GET", "/console/cases/{id}"),
		rightsRule("POST", "/console/cases/{id}"),
		evidenceRule("GET", "/console/evidence/{id}"),
		admin("GET", "/console/rights-stats"),
		admin("GET", "/console/calendar"),
		admin("POST", "/console/calendar"),
		own("GET", "/api/v1/my/records"),
		own("POST", "/api/v1/my/records/{id}/objections"),
		own("POST", "/api/v1/my/records/{id}/repairs"),
		own("POST", "/api/v1/my/cases/{id}/resubmit"),
		{Method: "GET", Pattern: "/api/v1/cases", Roles: []Role{RoleAdmin, RoleReviewer, RoleSubject}, Disclosure: credit.DisclosurePublic},
		{Method: "GET", Pattern: "/api/v1/cases/{id}", Roles: []Role{RoleAdmin, RoleReviewer, RoleSubject}, Disclosure: credit.DisclosurePublic},
		rightsRule("POST", "/api/v1/cases/{id}/steps"),
		evidenceRule("GET", "/api/v1/evidence/{id}"),
		admin("GET", "/api/v1/rights/stats"),
		public("GET", "/api/v1/calendar"),
		admin("PUT", "/api/v1/calendar"),

		// Scores, grades, consents and benefits (评分、评级、授权与信易+).
		// The 信易+ list, the scorecards in force and their versions, and the graded-supervision
		// table are public data (the model is published so a score can be checked).
		public("GET", "/benefits"),
		public("GET", "/api/v1/benefits"),
		public("GET", "/api/v1/scorecards"),
		public("GET", "/api/v1/scorecards/{code}/versions"),
		public("GET", "/api/v1/supervision"),
		// A person's score and consents are its own (the handler holds it to itself).
		own("GET", "/my/score"),
		own("GET", "/my/consents"),
		own("POST", "/my/consents"),
		own("POST", "/my/consents/{id}/revoke"),
		// The credit office edits, previews and publishes scorecards and recomputes scores.
		admin("GET", "/console/scorecards"),
		admin("POST", "/console/scorecards"),
		admin("POST", "/console/scores/recompute"),
		admin("POST", "/api/v1/scorecards"),
		admin("POST", "/api/v1/scorecards/preview"),
		admin("POST", "/api/v1/scores/recompute"),
		// Authorised query (授权查询): a partner's token (scores:verify) learns a consenting
		// person's grade or benefit eligibility; the consent is the purpose, and app enters
		// every call in the consent-use log and the query log.
		{Method: "POST", Pattern: "/api/v1/scores/grade", Scope: ScopeScoresVerify, Disclosure: credit.DisclosureAuthorised,
			Purpose: "授权查询 / authorised query by consent"},
		{Method: "POST", Pattern: "/api/v1/benefits/{code}/verify", Scope: ScopeScoresVerify, Disclosure: credit.DisclosureAuthorised,
			Purpose: "信易+ 资格核验 / benefit check by consent"},
		// Government look-up of a subject's scores: with a stated purpose, logged.
		gov("GET", "/api/v1/gov/scores/{code}", ScopeRecordsRead),
	}
}
