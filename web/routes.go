package web

import (
	"net/http"
	"strings"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
)

// route is one API route. The table is machine-readable so a test can hold it against
// openapi.json: a route added without documenting it, or documented without existing, fails.
// Who may call it is the matrix's (auth.DefaultMatrix), not the table's.
type route struct {
	Method string
	Path   string // a net/http pattern path; {name} wildcards as in OpenAPI
	h      http.HandlerFunc
}

// guardedMux registers routes behind the authorisation matrix: every handler given to it is
// wrapped in Server.guard before the ServeMux sees it, so no route can skip the matrix.
type guardedMux struct{ s *Server }

// HandleFunc registers h for pattern behind the matrix.
func (m guardedMux) HandleFunc(pattern string, h http.HandlerFunc) { m.Handle(pattern, h) }

// Handle registers h for pattern behind the matrix.
func (m guardedMux) Handle(pattern string, h http.Handler) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	m.s.registered = append(m.s.registered, [2]string{method, path})
	m.s.mux.Handle(pattern, m.s.guard(h))
}

// apiRoutes is the JSON API, /api/v1.
func (s *Server) apiRoutes() []route {
	return []route{
		{"GET", "/api/v1/subjects", s.apiSearch},
		{"GET", "/api/v1/subjects/{code}", s.apiSubject},
		{"GET", "/api/v1/codes/{code}", s.apiCode},
		{"GET", "/api/v1/stats", s.apiStats},
		{"GET", "/api/v1/catalog", s.apiCatalog},
		{"GET", "/api/v1/catalog/versions", s.apiCatalogVersions},
		{"PUT", "/api/v1/catalog", s.apiPublishCatalog},
		{"GET", "/api/v1/departments", s.apiDepartments},
		{"POST", "/api/v1/batches", s.apiUpload},
		{"GET", "/api/v1/batches", s.apiBatches},
		{"GET", "/api/v1/batches/{id}", s.apiBatch},
		{"GET", "/api/v1/batches/{id}/rejects", s.apiRejectsFile},
		{"GET", "/api/v1/batches/{id}/rejects.json", s.apiRejectsJSON},
		{"GET", "/api/v1/gov/subjects/{code}", s.apiGovSubject},
		{"GET", "/api/v1/code-exceptions", s.apiCodeExceptions},
		{"POST", "/api/v1/code-exceptions", s.apiAddCodeException},
		{"DELETE", "/api/v1/code-exceptions/{code}", s.apiRemoveCodeException},
		{"GET", "/api/v1/openapi.json", s.apiOpenAPI},

		// Lists, measures and window checks (名单、措施与信用核查).
		{"POST", "/api/v1/checks", s.apiCheck},
		{"GET", "/api/v1/checks/{id}", s.apiCheckRecord},
		{"POST", "/api/v1/checks/{id}/feedback", s.apiFeedback},
		{"GET", "/api/v1/check-stats", s.apiCheckStats},
		{"GET", "/api/v1/lists", s.apiLists},
		{"GET", "/api/v1/lists/{type}/batches/{no}", s.apiListBatch},
		{"POST", "/api/v1/lists/{type}/batches", s.apiPublish},
		{"POST", "/api/v1/lists/{type}/derive", s.apiDerive},
		{"PUT", "/api/v1/list-types/{code}", s.apiPutListType},
		{"GET", "/api/v1/list-entries", s.apiListEntries},
		{"POST", "/api/v1/list-entries", s.apiPropose},
		{"POST", "/api/v1/list-entries/{id}/confirm", s.apiConfirm},
		{"POST", "/api/v1/list-entries/{id}/remove", s.apiRemove},
		{"GET", "/api/v1/measures", s.apiMeasures},
		{"PUT", "/api/v1/measures/{code}", s.apiPutMeasure},
		{"POST", "/api/v1/measures/{code}/activate", s.apiSetMeasure(true)},
		{"POST", "/api/v1/measures/{code}/deactivate", s.apiSetMeasure(false)},
		{"POST", "/api/v1/check-batches", s.apiStartVerify},
		{"GET", "/api/v1/check-batches/{id}", s.apiCheckBatch},
		{"GET", "/api/v1/check-batches/{id}/result", s.apiCheckBatchResult},

		// Status-change delivery: tasks, outbox, NATS, subscriptions (任务、发件箱与订阅).
		{"GET", "/api/v1/tasks", s.apiTasks},
		{"GET", "/api/v1/tasks/{id}", s.apiTask},
		{"POST", "/api/v1/tasks/{id}/response", s.apiRespondTask},
		{"GET", "/api/v1/subscriptions", s.apiSubscriptions},
		{"POST", "/api/v1/subscriptions", s.apiSubscribe},
		{"GET", "/api/v1/subscriptions/{id}", s.apiSubscription},
		{"DELETE", "/api/v1/subscriptions/{id}", s.apiUnsubscribe},
		{"GET", "/api/v1/deliveries", s.apiDeliveries},
		{"POST", "/api/v1/deliveries/{id}/retry", s.apiRetryDelivery},
		{"GET", "/api/v1/outbox", s.apiOutbox},

		// Subjects' rights: objections, repair, calendar (异议、信用修复与工作日历).
		{"GET", "/api/v1/my/records", s.apiMyRecords},
		{"POST", "/api/v1/my/records/{id}/objections", s.apiMyFile("objection")},
		{"POST", "/api/v1/my/records/{id}/repairs", s.apiMyFile("repair")},
		{"POST", "/api/v1/my/cases/{id}/resubmit", s.apiMyResubmit},
		{"GET", "/api/v1/cases", s.apiCases},
		{"GET", "/api/v1/cases/{id}", s.apiCase},
		{"POST", "/api/v1/cases/{id}/steps", s.apiCaseStep},
		{"GET", "/api/v1/evidence/{id}", s.evidenceDownload},
		{"GET", "/api/v1/rights/stats", s.apiRightsStats},
		{"GET", "/api/v1/calendar", s.apiCalendar},
		{"PUT", "/api/v1/calendar", s.apiLoadCalendar},

		// Scores, grades, consents and benefits (评分、评级、授权与信易+).
		{"GET", "/api/v1/scorecards", s.apiScorecards},
		{"GET", "/api/v1/scorecards/{code}/versions", s.apiScorecardVersions},
		{"POST", "/api/v1/scorecards", s.apiPublishScorecard},
		{"POST", "/api/v1/scorecards/preview", s.apiPreviewScorecard},
		{"POST", "/api/v1/scores/recompute", s.apiRecompute},
		{"POST", "/api/v1/scores/grade", s.apiPartnerGrade},
		{"GET", "/api/v1/gov/scores/{code}", s.apiGovScores},
		{"GET", "/api/v1/benefits", s.apiBenefits},
		{"POST", "/api/v1/benefits/{code}/verify", s.apiVerifyBenefit},
		{"GET", "/api/v1/supervision", s.apiSupervision},
	}
}

// routes registers every route of the site: this function is the whole map.
func (s *Server) routes() {
	m := guardedMux{s}

	// Public portal (信用门户).
	m.HandleFunc("GET /{$}", s.home)
	m.HandleFunc("GET /search", s.search)
	m.HandleFunc("GET /subjects/{code}", s.subject)
	m.Handle("GET /static/", s.static())
	m.HandleFunc("GET /healthz", s.healthz)

	// Console (报送与管理控制台): staff sign in with user name and password.
	m.HandleFunc("GET /console", s.consoleRedirect)
	m.HandleFunc("GET /console/login", s.consoleLoginForm)
	m.HandleFunc("POST /console/login", s.consoleLogin)
	m.HandleFunc("POST /console/logout", s.consoleLogout)
	m.HandleFunc("GET /console/{$}", s.consoleBatches)
	m.HandleFunc("GET /console/upload", s.consoleUploadForm)
	m.HandleFunc("POST /console/upload", s.consoleUpload)
	m.HandleFunc("GET /console/batches/{id}", s.consoleBatch)
	m.HandleFunc("GET /console/batches/{id}/rejects", s.consoleRejects)

	// Console: the credit office's management of departments, users and API tokens.
	m.HandleFunc("GET /console/departments", s.consoleDepartments)
	m.HandleFunc("POST /console/departments", s.consolePutDepartment)
	m.HandleFunc("GET /console/users", s.consoleUsers)
	m.HandleFunc("POST /console/users", s.consoleAddUser)
	m.HandleFunc("POST /console/users/{username}/disable", s.consoleDisableUser)
	m.HandleFunc("POST /console/users/{username}/enable", s.consoleEnableUser)
	m.HandleFunc("GET /console/users/{username}/edit", s.consoleUserForm)
	m.HandleFunc("POST /console/users/{username}/edit", s.consoleUpdateUser)
	m.HandleFunc("GET /console/users/{username}/password", s.consolePasswordForm)
	m.HandleFunc("POST /console/users/{username}/password", s.consoleResetPassword)
	m.HandleFunc("GET /console/tokens", s.consoleTokens)
	m.HandleFunc("POST /console/tokens", s.consoleIssueToken)
	m.HandleFunc("POST /console/tokens/{id}/revoke", s.consoleRevokeToken)

	// Console: oversight (审计), read-only.
	m.HandleFunc("GET /console/querylog", s.consoleQueryLog)
	m.HandleFunc("GET /console/querylog/export", s.consoleQueryLogExport)
	m.HandleFunc("GET /console/audit", s.consoleAudit)
	m.HandleFunc("GET /console/audit/export", s.consoleAuditExport)

	// Console: activation credentials of organisations for subject self-service.
	m.HandleFunc("GET /console/subject-accounts", s.consoleSubjectAccounts)
	m.HandleFunc("POST /console/subject-accounts", s.consoleIssueSubjectCredential)
	m.HandleFunc("POST /console/subject-accounts/{code}/revoke", s.consoleRevokeSubjectCredential)

	// Subject self-service (信用主体自助): an organisation or a person sees its own record.
	m.HandleFunc("GET /my/login", s.myLoginForm)
	m.HandleFunc("POST /my/login", s.myLogin)
	m.HandleFunc("GET /my/login/person", s.myPersonForm)
	m.HandleFunc("POST /my/login/person", s.myPersonRequest)
	m.HandleFunc("POST /my/login/person/verify", s.myPersonVerify)
	m.HandleFunc("GET /my", s.my)
	m.HandleFunc("POST /my/logout", s.myLogout)

	// Console: the government view of a subject (政务共享查询), with a stated purpose, logged.
	m.HandleFunc("GET /console/subjects", s.consoleGovSearch)
	m.HandleFunc("GET /console/subjects/{code}", s.consoleGovSubject)

	// Lists, measures and window checks (名单、措施与信用核查).
	m.HandleFunc("GET /lists", s.portalLists)
	m.HandleFunc("GET /lists/{type}/batches/{no}", s.portalListBatch)
	m.HandleFunc("GET /console/checks", s.consoleChecks)
	m.HandleFunc("POST /console/checks", s.consoleRunCheck)
	m.HandleFunc("GET /console/checks/{id}", s.consoleCheckRecord)
	m.HandleFunc("POST /console/checks/{id}/feedback", s.consoleFeedback)
	m.HandleFunc("GET /console/lists", s.consoleLists)
	m.HandleFunc("POST /console/lists/entries", s.consolePropose)
	m.HandleFunc("POST /console/lists/entries/{id}/confirm", s.consoleEntryAction("confirm"))
	m.HandleFunc("POST /console/lists/entries/{id}/remove", s.consoleEntryAction("remove"))
	m.HandleFunc("POST /console/lists/{type}/publish", s.consolePublish)
	m.HandleFunc("GET /console/measures", s.consoleMeasures)
	m.HandleFunc("POST /console/measures/{code}/active", s.consoleSetMeasure)
	m.HandleFunc("GET /console/check-stats", s.consoleCheckStats)
	m.HandleFunc("GET /console/check-stats.csv", s.consoleCheckStatsCSV)
	m.HandleFunc("GET /console/check-batches", s.consoleCheckBatches)
	m.HandleFunc("POST /console/check-batches", s.consoleStartVerify)
	m.HandleFunc("GET /console/check-batches/{id}/result", s.consoleCheckBatchResult)

	// Status-change delivery: tasks, outbox, NATS, subscriptions (任务、发件箱与订阅).
	m.HandleFunc("GET /console/tasks", s.consoleTasks)
	m.HandleFunc("POST /console/tasks/{id}/response", s.consoleRespondTask)
	m.HandleFunc("GET /console/subscriptions", s.consoleSubscriptions)
	m.HandleFunc("POST /console/subscriptions", s.consoleSubscribe)
	m.HandleFunc("POST /console/subscriptions/{id}/remove", s.consoleUnsubscribe)
	m.HandleFunc("POST /console/deliveries/{id}/retry", s.consoleRetryDelivery)
	m.HandleFunc("GET /console/outbox", s.consoleOutbox)
	m.HandleFunc("GET /console/system", s.consoleSystem)

	// Subjects' rights: objections, repair, calendar (异议、信用修复与工作日历).
	m.HandleFunc("GET /guide/repair", s.repairGuide)
	m.HandleFunc("GET /my/records/{id}/objection", s.myObjectionForm)
	m.HandleFunc("POST /my/records/{id}/objection", s.myFile("objection"))
	m.HandleFunc("GET /my/records/{id}/repair", s.myRepairForm)
	m.HandleFunc("POST /my/records/{id}/repair", s.myFile("repair"))
	m.HandleFunc("GET /my/cases/{id}", s.myCase)
	m.HandleFunc("POST /my/cases/{id}/resubmit", s.myResubmit)
	m.HandleFunc("GET /my/evidence/{id}", s.evidenceDownload)
	m.HandleFunc("GET /console/objections", s.consoleCases(credit.CaseObjection))
	m.HandleFunc("GET /console/repairs", s.consoleCases(credit.CaseRepair))
	m.HandleFunc("GET /console/cases/{id}", s.consoleCase)
	m.HandleFunc("POST /console/cases/{id}", s.consoleCaseAct)
	m.HandleFunc("GET /console/evidence/{id}", s.evidenceDownload)
	m.HandleFunc("GET /console/rights-stats", s.consoleRightsStats)
	m.HandleFunc("GET /console/calendar", s.consoleCalendar)
	m.HandleFunc("POST /console/calendar", s.consoleLoadCalendar)

	// Scores, grades, consents and benefits (评分、评级、授权与信易+).
	m.HandleFunc("GET /benefits", s.benefits)
	m.HandleFunc("GET /my/score", s.myScore)
	m.HandleFunc("GET /my/consents", s.myConsents)
	m.HandleFunc("POST /my/consents", s.myGrantConsent)
	m.HandleFunc("POST /my/consents/{id}/revoke", s.myRevokeConsent)
	m.HandleFunc("GET /console/scorecards", s.consoleScorecards)
	m.HandleFunc("POST /console/scorecards", s.consoleScorecardPost)
	m.HandleFunc("POST /console/scores/recompute", s.consoleRecompute)

	// JSON API.
	for _, rt := range s.apiRoutes() {
		m.HandleFunc(rt.Method+" "+rt.Path, rt.h)
	}

	// Everything else: a 404 (or 405) in the site's own words.
	m.HandleFunc("/", s.fallback)
}

// fallback answers requests no route matched: 405 with Allow when the path exists for other
// methods, 404 otherwise, as JSON under /api/ and as a page elsewhere.
func (s *Server) fallback(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" && p != "/" {
			allow = append(allow, m)
		}
	}
	err := errNotFound
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		if isAPI(r) {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]errorBody{"error": {Code: "method_not_allowed",
				Message: "该路径不支持 " + r.Method + " 方法 / method not allowed; allowed: " + strings.Join(allow, ", ")}})
			return
		}
		http.Error(w, "405 不支持该请求方法 / method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if isAPI(r) {
		s.apiError(w, r, err)
		return
	}
	s.pageError(w, r, err)
}

// healthz answers "ok" when the store answers a point query: a monitor then notices a database
// that is gone or locked, not just a live process.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := s.app.Store.Meta(r.Context(), store.MetaKeyFingerprint); err != nil && credit.ErrorCode(err) != credit.ENOTFOUND {
		s.log.Error("health check", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("store unavailable"))
		return
	}
	_, _ = w.Write([]byte("ok"))
}
