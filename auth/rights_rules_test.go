package auth

// rightsExpected is the walk of the routes of subjects' rights (异议、信用修复与工作日历), added to
// expected so that TestMatrixWalk and TestMatrixCoversEveryRoute hold them like every other.
var rightsExpected = map[[2]string]string{
	{"GET", "/guide/repair"}:                       "*",
	{"GET", "/my/records/{id}/objection"}:          "subject",
	{"POST", "/my/records/{id}/objection"}:         "subject",
	{"GET", "/my/records/{id}/repair"}:             "subject",
	{"POST", "/my/records/{id}/repair"}:            "subject",
	{"GET", "/my/cases/{id}"}:                      "subject",
	{"POST", "/my/cases/{id}/resubmit"}:            "subject",
	{"GET", "/my/evidence/{id}"}:                   "admin reviewer subject",
	{"GET", "/console/objections"}:                 "admin reviewer",
	{"GET", "/console/repairs"}:                    "admin reviewer",
	{"GET", "/console/cases/{id}"}:                 "admin reviewer",
	{"POST", "/console/cases/{id}"}:                "admin reviewer",
	{"GET", "/console/evidence/{id}"}:              "admin reviewer subject",
	{"GET", "/console/rights-stats"}:               "admin",
	{"GET", "/console/calendar"}:                   "admin",
	{"POST", "/console/calendar"}:                  "admin",
	{"GET", "/api/v1/my/records"}:                  "subject",
	{"POST", "/api/v1/my/records/{id}/objections"}: "subject",
	{"POST", "/api/v1/my/records/{id}/repairs"}:    "subject",
	{"POST", "/api/v1/my/cases/{id}/resubmit"}:     "subject",
	{"GET", "/api/v1/cases"}:                       "admin reviewer subject",
	{"GET", "/api/v1/cases/{id}"}:                  "admin reviewer subject",
	{"POST", "/api/v1/cases/{id}/steps"}:           "admin reviewer",
	{"GET", "/api/v1/evidence/{id}"}:               "admin reviewer subject",
	{"GET", "/api/v1/rights/stats"}:                "admin",
	{"GET", "/api/v1/calendar"}:                    "*",
	{"PUT", "/api/v1/calendar"}:                    "admin",
}

func init() {
	for k, v := range rightsExpected {
		if _, dup := expected[k]; dup {
			panic("route expected twice: " + k[0] + " " + k[1])
		}
		expected[k] = v
	}
}
