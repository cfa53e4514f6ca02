package auth

// Lists, measures and window checks (名单、措施与信用核查): their lines of the matrix walk,
// merged into expected (kept in this file so the sections of the shared table merge cleanly).
var listsExpected = map[[2]string]string{
	{"GET", "/lists"}:                               "*",
	{"GET", "/lists/{type}/batches/{no}"}:           "*",
	{"GET", "/api/v1/lists"}:                        "*",
	{"GET", "/api/v1/lists/{type}/batches/{no}"}:    "*",
	{"GET", "/api/v1/measures"}:                     "*",
	{"GET", "/console/checks"}:                      "admin reviewer clerk",
	{"POST", "/console/checks"}:                     "admin reviewer clerk",
	{"GET", "/console/checks/{id}"}:                 "admin reviewer clerk",
	{"POST", "/console/checks/{id}/feedback"}:       "admin reviewer clerk",
	{"POST", "/api/v1/checks"}:                      "admin reviewer clerk tok-check",
	{"GET", "/api/v1/checks/{id}"}:                  "admin reviewer clerk tok-check",
	{"POST", "/api/v1/checks/{id}/feedback"}:        "admin reviewer clerk tok-check",
	{"GET", "/console/lists"}:                       "admin submitter reviewer",
	{"POST", "/console/lists/entries"}:              "admin submitter reviewer",
	{"POST", "/console/lists/entries/{id}/confirm"}: "admin submitter reviewer",
	{"POST", "/console/lists/entries/{id}/remove"}:  "admin submitter reviewer",
	{"GET", "/api/v1/list-entries"}:                 "admin submitter reviewer",
	{"POST", "/api/v1/list-entries"}:                "admin submitter reviewer",
	{"POST", "/api/v1/list-entries/{id}/confirm"}:   "admin submitter reviewer",
	{"POST", "/api/v1/list-entries/{id}/remove"}:    "admin submitter reviewer",
	{"POST", "/console/lists/{type}/publish"}:       "admin",
	{"POST", "/api/v1/lists/{type}/derive"}:         "admin",
	{"PUT", "/api/v1/list-types/{code}"}:            "admin",
	{"POST", "/api/v1/lists/{type}/batches"}:        "admin",
	{"GET", "/console/measures"}:                    "admin reviewer clerk submitter",
	{"POST", "/console/measures/{code}/active"}:     "admin",
	{"PUT", "/api/v1/measures/{code}"}:              "admin",
	{"POST", "/api/v1/measures/{code}/activate"}:    "admin",
	{"POST", "/api/v1/measures/{code}/deactivate"}:  "admin",
	{"GET", "/console/check-stats"}:                 "admin auditor",
	{"GET", "/console/check-stats.csv"}:             "admin auditor",
	{"GET", "/api/v1/check-stats"}:                  "admin auditor",
	{"GET", "/console/check-batches"}:               "admin reviewer clerk",
	{"POST", "/console/check-batches"}:              "admin reviewer clerk",
	{"GET", "/console/check-batches/{id}/result"}:   "admin reviewer clerk",
	{"POST", "/api/v1/check-batches"}:               "admin reviewer clerk tok-check",
	{"GET", "/api/v1/check-batches/{id}"}:           "admin reviewer clerk tok-check",
	{"GET", "/api/v1/check-batches/{id}/result"}:    "admin reviewer clerk tok-check",
}

func init() {
	for k, v := range listsExpected {
		if _, dup := expected[k]; dup {
			panic("route expected twice: " + k[0] + " " + k[1])
		}
		expected[k] = v
	}
}
