package auth

import "github.com/xinyong/xinyong/credit"

// rightsRule is a route of the objection and repair queues (异议与信用修复): the credit office
// and the departments' reviewers; app holds a reviewer to its own department's cases.
func rightsRule(method, pattern string) Rule {
	return Rule{Method: method, Pattern: pattern, Roles: []Role{RoleAdmin, RoleReviewer}, Disclosure: credit.DisclosurePublic}
}

// evidenceRule is a download of a case's evidence file (证明材料): the subject, the department
// concerned and the credit office (app decides which). The files may hold personal data, so
// every download is query-logged.
func evidenceRule(method, pattern string) Rule {
	return Rule{Method: method, Pattern: pattern, Roles: []Role{RoleAdmin, RoleReviewer, RoleSubject},
		Disclosure: credit.DisclosureAuthorised, Purpose: "异议与信用修复材料审查 / objection and repair evidence"}
}
