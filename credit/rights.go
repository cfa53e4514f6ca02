package credit

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Subjects' rights (信用主体权益): objections against wrong records (异议处理) and credit repair
// after the minimum publication period (信用修复). Both are cases that move through a small
// state machine; who may take each step and the working-day deadline of each stage are here,
// pure, so the services only load, apply and save.

// CaseKind is the kind of a case.
type CaseKind string

// Case kinds.
const (
	CaseObjection CaseKind = "objection" // 异议
	CaseRepair    CaseKind = "repair"    // 信用修复
)

// CaseStatus is where a case stands.
type CaseStatus string

// Case statuses. An objection goes pending → corrected | revoked | upheld. A repair goes
// submitted → (returned → submitted)* → forwarded → approved | refused.
const (
	CasePending   CaseStatus = "pending"   // 异议处理中: waiting for the source department
	CaseCorrected CaseStatus = "corrected" // 已更正: a new version of the record
	CaseRevoked   CaseStatus = "revoked"   // 已撤销
	CaseUpheld    CaseStatus = "upheld"    // 维持原记录 (with reasons)
	CaseSubmitted CaseStatus = "submitted" // 待信用办审查: completeness check by the credit office
	CaseReturned  CaseStatus = "returned"  // 退回补正: the subject must add materials
	CaseForwarded CaseStatus = "forwarded" // 待认定部门决定: 谁认定、谁修复
	CaseApproved  CaseStatus = "approved"  // 准予修复
	CaseRefused   CaseStatus = "refused"   // 不予修复
)

// Open reports whether a case still waits for someone.
func (s CaseStatus) Open() bool {
	switch s {
	case CasePending, CaseSubmitted, CaseReturned, CaseForwarded:
		return true
	}
	return false
}

// Party is who takes a step in a case.
type Party string

// Parties.
const (
	PartySubject Party = "subject" // the subject or its agent, signed in as the subject
	PartyOffice  Party = "office"  // the credit office (信用办)
	PartyDept    Party = "dept"    // the source / deciding department (认定部门)
	PartySystem  Party = "system"  // a scheduled job
)

// CaseAction is one step in a case.
type CaseAction string

// Case actions.
const (
	ActFile     CaseAction = "file"     // the subject files
	ActCorrect  CaseAction = "correct"  // objection: the department corrects (new version)
	ActRevoke   CaseAction = "revoke"   // objection: the department revokes the record
	ActUphold   CaseAction = "uphold"   // objection: the department keeps the record, with reasons
	ActReturn   CaseAction = "return"   // repair: the office returns it for more materials, with a reason
	ActResubmit CaseAction = "resubmit" // repair: the subject completes and resubmits
	ActForward  CaseAction = "forward"  // repair: the office finds it complete and forwards it
	ActApprove  CaseAction = "approve"  // repair: the department approves
	ActRefuse   CaseAction = "refuse"   // repair: the department refuses, with reasons
	ActEscalate CaseAction = "escalate" // a deadline passed: escalated to the credit office (督办)
)

// Rules are the deadlines of the workflows in working days. DefaultRules follows the national
// plan for repair (platform feedback within 10 working days, department decision within 3) and
// takes 5 working days for an objection answer — a common local rule (the national rules leave
// it to each platform); a city sets its own.
type Rules struct {
	ObjectionDays      int // the source department answers an objection within
	RepairCheckDays    int // the credit office checks an application within
	RepairDecisionDays int // the deciding department decides within
}

// DefaultRules are the deadlines used unless configured.
var DefaultRules = Rules{ObjectionDays: 5, RepairCheckDays: 10, RepairDecisionDays: 3}

// CaseEvent is one step in a case's history.
type CaseEvent struct {
	At     time.Time  `json:"at"`
	Actor  string     `json:"actor"` // Principal.Actor(), "system" for jobs
	Party  Party      `json:"party"`
	Action CaseAction `json:"action"`
	Status CaseStatus `json:"status"` // after the step
	Note   string     `json:"note,omitempty"`
}

// Case is an objection (异议) or a repair application (信用修复申请) about one record.
type Case struct {
	ID         int64      `json:"id"`
	Kind       CaseKind   `json:"kind"`
	SubjectID  int64      `json:"subject_id"`
	SubjectKey string     `json:"subject_key"`
	RecordID   int64      `json:"record_id"` // the version objected to or to be repaired
	Dept       string     `json:"dept"`      // the source / deciding department
	Item       string     `json:"item"`
	SourceID   string     `json:"source_id"`
	Status     CaseStatus `json:"status"`
	// Reason is the subject's statement: the objection's grounds, or how the behaviour was
	// corrected and the obligations fulfilled.
	Reason string `json:"reason"`
	// Commitment is the public credit commitment a repair applicant signs (信用修复承诺书).
	Commitment string    `json:"commitment,omitempty"`
	FiledBy    string    `json:"filed_by"`
	FiledAt    time.Time `json:"filed_at"`
	// Due is the last day (China civil date) of the current stage, zero when the case waits
	// for the subject or is closed.
	Due       time.Time `json:"due,omitzero"`
	Escalated bool      `json:"escalated,omitempty"`
	// Answer is the department's or office's last reasons (answer, return reason, refusal).
	Answer string `json:"answer,omitempty"`
	// NewRecordID is the corrected version, for a corrected objection.
	NewRecordID int64       `json:"new_record_id,omitempty"`
	ClosedAt    time.Time   `json:"closed_at,omitzero"`
	UpdatedAt   time.Time   `json:"updated_at"`
	History     []CaseEvent `json:"history"`
}

// Text limits.
const (
	MaxReasonLen     = 2000
	MinReasonLen     = 5
	MaxCommitmentLen = 4000
)

// RepairCommitment is the public credit commitment the applicant signs (信用修复承诺书), shown
// on the form; the applicant types its name under it.
const RepairCommitment = "本主体郑重承诺：已纠正失信行为、履行相关义务，所提交材料真实、合法、有效；" +
	"如有虚假，自愿承担相应法律责任，并同意将本承诺向社会公开。/ We solemnly commit that we have corrected " +
	"the dishonest conduct and fulfilled the obligations concerned, that the materials are true, lawful and valid, " +
	"that we bear legal responsibility for any falsehood, and that this commitment may be made public."

func ruleErr(code, rule, field, msg string, args ...any) *Error {
	return &Error{Code: code, Rule: rule, Field: field, Message: fmt.Sprintf(msg, args...)}
}

// Rules named in errors.
const (
	RuleTransition = "case_transition"
	RuleParty      = "case_party"
	RuleReason     = "reason"
)

// checkCaseText trims and checks a free text: required with at least min characters when min > 0.
func checkCaseText(field, s string, minLen, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) {
		return "", ruleErr(EINVALID, RuleType, field, "文本编码无效 / text is not valid UTF-8")
	}
	if minLen > 0 && n < minLen {
		return "", ruleErr(EINVALID, RuleRequired, field, "请填写理由（至少 %d 字）/ give reasons (at least %d characters)", minLen, minLen)
	}
	if n > maxLen {
		return "", ruleErr(EINVALID, RuleMaxLength, field, "文字过长（最多 %d 字）/ too long (at most %d characters)", maxLen, maxLen)
	}
	return s, nil
}

// NewCase starts a case filed by the subject on record r at now: it checks the texts and sets
// the first stage's deadline. Eligibility (whose record, repeated applications, minimum
// period) is the caller's, with RepairEligibility and ObjectionEligibility.
func NewCase(kind CaseKind, r *Record, subjectKey, actor, reason, commitment string, now time.Time, cal *Calendar, rules Rules) (*Case, error) {
	reason, err := checkCaseText("reason", reason, MinReasonLen, MaxReasonLen)
	if err != nil {
		return nil, err
	}
	c := &Case{Kind: kind, SubjectID: r.SubjectID, SubjectKey: subjectKey, RecordID: r.ID, Dept: r.Dept, Item: r.Item,
		SourceID: r.SourceID, Reason: reason, FiledBy: actor, FiledAt: now, UpdatedAt: now}
	today := Day(now)
	switch kind {
	case CaseObjection:
		c.Status, c.Due = CasePending, cal.AddWorkdays(today, rules.ObjectionDays)
	case CaseRepair:
		if commitment, err = checkCaseText("commitment", commitment, 2, MaxCommitmentLen); err != nil {
			return nil, ruleErr(EINVALID, "commitment", "commitment", "须签署信用修复承诺书（填写承诺人名称）/ sign the credit commitment (type the signatory's name)")
		}
		c.Commitment = commitment
		c.Status, c.Due = CaseSubmitted, cal.AddWorkdays(today, rules.RepairCheckDays)
	default:
		return nil, ruleErr(EINVALID, RuleEnum, "kind", "未知的申请类型 / unknown case kind %q", kind)
	}
	c.History = []CaseEvent{{At: now, Actor: actor, Party: PartySubject, Action: ActFile, Status: c.Status}}
	return c, nil
}

// step is one allowed transition.
type step struct {
	kind     CaseKind
	from     CaseStatus
	to       CaseStatus
	parties  []Party
	needNote bool
}

var steps = map[CaseAction][]step{
	ActCorrect:  {{CaseObjection, CasePending, CaseCorrected, []Party{PartyDept, PartyOffice}, false}},
	ActRevoke:   {{CaseObjection, CasePending, CaseRevoked, []Party{PartyDept, PartyOffice}, false}},
	ActUphold:   {{CaseObjection, CasePending, CaseUpheld, []Party{PartyDept, PartyOffice}, true}},
	ActReturn:   {{CaseRepair, CaseSubmitted, CaseReturned, []Party{PartyOffice}, true}},
	ActResubmit: {{CaseRepair, CaseReturned, CaseSubmitted, []Party{PartySubject}, false}},
	ActForward:  {{CaseRepair, CaseSubmitted, CaseForwarded, []Party{PartyOffice}, false}},
	ActApprove:  {{CaseRepair, CaseForwarded, CaseApproved, []Party{PartyDept, PartyOffice}, false}},
	ActRefuse:   {{CaseRepair, CaseForwarded, CaseRefused, []Party{PartyDept, PartyOffice}, true}},
}

// Apply takes one step in the case at now: it checks that the action is allowed from the
// current status and for the party, that a note (reasons) is given where the rules require one,
// then moves the status, sets the next stage's deadline and appends the history. Escalation is
// Escalate's.
func (c *Case) Apply(act CaseAction, party Party, actor, note string, now time.Time, cal *Calendar, rules Rules) error {
	var st *step
	for i, s := range steps[act] {
		if s.kind == c.Kind {
			st = &steps[act][i]
		}
	}
	if st == nil {
		return ruleErr(EINVALID, RuleTransition, "action", "该申请不能进行此操作 / %s is not a step of a %s", act, c.Kind)
	}
	if c.Status != st.from {
		return ruleErr(ECONFLICT, RuleTransition, "status", "当前状态（%s）不能进行此操作 / a %s case cannot %s: it is %s", c.Status, c.Kind, act, c.Status)
	}
	allowed := false
	for _, p := range st.parties {
		allowed = allowed || p == party
	}
	if !allowed {
		return ruleErr(EFORBIDDEN, RuleParty, "action", "无权进行此操作 / %s may not %s", party, act)
	}
	minNote := 0
	if st.needNote {
		minNote = MinReasonLen
	}
	note, err := checkCaseText("note", note, minNote, MaxReasonLen)
	if err != nil {
		return err
	}
	today := Day(now)
	c.Status, c.UpdatedAt = st.to, now
	switch st.to {
	case CaseSubmitted:
		c.Due, c.Escalated = cal.AddWorkdays(today, rules.RepairCheckDays), false
	case CaseForwarded:
		c.Due, c.Escalated = cal.AddWorkdays(today, rules.RepairDecisionDays), false
	case CaseReturned:
		c.Due = time.Time{}
	}
	if party != PartySubject && note != "" {
		c.Answer = note
	}
	if !c.Status.Open() {
		c.Due, c.ClosedAt = time.Time{}, now
	}
	c.History = append(c.History, CaseEvent{At: now, Actor: actor, Party: party, Action: act, Status: c.Status, Note: note})
	return nil
}

// Overdue reports whether the case's current stage passed its deadline at now: today (China
// time) is after the due date.
func (c *Case) Overdue(now time.Time) bool {
	return c.Status.Open() && !c.Due.IsZero() && Day(now).After(c.Due)
}

// Escalate marks an overdue case as escalated to the credit office (超期督办). It reports
// false, changing nothing, when the case is not overdue or already escalated, so a scheduled
// job may run it any number of times.
func (c *Case) Escalate(now time.Time) bool {
	if c.Escalated || !c.Overdue(now) {
		return false
	}
	c.Escalated, c.UpdatedAt = true, now
	c.History = append(c.History, CaseEvent{At: now, Actor: "system", Party: PartySystem, Action: ActEscalate, Status: c.Status,
		Note: "超过办理期限 " + c.Due.Format(time.DateOnly) + "，已提交信用办督办 / past its deadline, escalated to the credit office"})
	return true
}

// Eligibility is whether a subject may file a case about a record now, and if not, why, in
// words the subject understands and the rule's name.
type Eligibility struct {
	Can    bool      `json:"can"`
	From   time.Time `json:"from,omitzero"` // repair: the first day an application is accepted
	Rule   string    `json:"rule,omitempty"`
	Reason string    `json:"reason,omitempty"` // Chinese / English
	// RemovesFrom (repair only) names the lists whose entries, justified by the record, an
	// approval of the repair would also end (ListType.RepairRemoves).
	RemovesFrom []ListRef `json:"removes_from,omitempty"`
}

// Eligibility rules.
const (
	RuleNotDishonest  = "not_dishonest"  // not tiered dishonesty information
	RuleNotPublished  = "not_published"  // not on the portal: nothing to repair
	RuleMinimumPeriod = "minimum_period" // the minimum publication period has not passed
	RuleAlreadyOpen   = "already_open"   // a case of the kind is open on the record
	RuleRepaired      = "repaired"       // already repaired
	RuleNotCurrent    = "not_current"    // a superseded or revoked version
)

var tierZH = map[Tier]string{TierMinor: "轻微", TierGeneral: "一般", TierSerious: "严重"}

// RepairEligibility says whether the subject may apply for credit repair of r at now. Repair
// applies to tiered dishonesty information on public display; it may be applied for from the
// decision date plus the tier's minimum period (NDRC 《信用修复管理办法》: general at least 3
// months, serious at least 1 year; minor information may be repaired at once); not while an
// application is open (open); not twice once approved. Obligations and the commitment are
// checked on the application itself.
func RepairEligibility(item *CatalogItem, r *Record, st *RecordState, open bool, now time.Time) Eligibility {
	no := func(rule, reason string) Eligibility { return Eligibility{Rule: rule, Reason: reason} }
	if item == nil || item.Tier == TierNone {
		return no(RuleNotDishonest, "该信息不属于失信信息，无需信用修复 / not dishonesty information: nothing to repair")
	}
	switch PublicationOf(item, r, st, now) {
	case PubRepaired:
		return no(RuleRepaired, "该记录已完成信用修复，已停止公示 / already repaired: no longer shown")
	case PubRevoked:
		return no(RuleNotCurrent, "该记录已撤销 / the record was revoked")
	case PubNever:
		if r.Status != RecordActive {
			return no(RuleNotCurrent, "该记录不是现行版本 / not the current version of the record")
		}
		return no(RuleNotPublished, "该记录未在网站公示，无需信用修复 / not published: nothing to repair")
	case PubEnded:
		return no(RuleNotPublished, "公示期已满，已自动停止公示，无需申请 / the publication period is over: display has ended by itself")
	}
	if open {
		return no(RuleAlreadyOpen, "已有正在办理的信用修复申请，请勿重复申请 / an application for this record is already under way")
	}
	from := item.RepairableFrom(r.Decision)
	if from.IsZero() {
		return no(RuleNotDishonest, "缺少决定日期，无法计算最短公示期，请联系信用办 / the decision date is missing: ask the credit office")
	}
	if Day(now).Before(from) {
		m := item.EffectiveRule().MinMonths
		return Eligibility{From: from, Rule: RuleMinimumPeriod, Reason: fmt.Sprintf(
			"可于 %s 起申请：%s失信信息最短公示期为自决定之日（%s）起 %d 个月 / you may apply from %s: the minimum period of %s-tier information is %d months from the decision date (%s)",
			from.Format(time.DateOnly), tierZH[item.Tier], r.Decision.Format(time.DateOnly), m,
			from.Format(time.DateOnly), item.Tier, m, r.Decision.Format(time.DateOnly))}
	}
	return Eligibility{Can: true, From: from}
}

// ObjectionEligibility says whether the subject may object to r now: any current version may
// be objected to, once at a time.
func ObjectionEligibility(r *Record, st *RecordState) Eligibility {
	switch {
	case r.Status != RecordActive || (st != nil && !st.RevokedAt.IsZero()):
		return Eligibility{Rule: RuleNotCurrent, Reason: "该记录不是现行版本 / not the current version of the record"}
	case st != nil && st.Objection != 0:
		return Eligibility{Rule: RuleAlreadyOpen, Reason: "该记录已有正在处理的异议，请勿重复提交 / an objection to this record is already under way"}
	}
	return Eligibility{Can: true}
}
