package credit

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Direction says whether a list or a measure rewards or punishes (守信激励 / 失信惩戒).
type Direction string

// Directions.
const (
	DirectionReward     Direction = "reward"     // 守信激励
	DirectionPunishment Direction = "punishment" // 失信惩戒
	DirectionNeutral    Direction = "neutral"    // exemption lists: neither by itself
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool {
	return d == DirectionReward || d == DirectionPunishment || d == DirectionNeutral
}

// ListType is a kind of credit list (名单类型) — red (守信激励名单), black (严重失信主体名单), focus
// (重点关注名单), abnormal operation (经营异常名录), court defaulters (失信被执行人) and any the credit
// office adds — with the department that decides it, its legal basis, inclusion criteria,
// validity and removal conditions. List types are data.
type ListType struct {
	Code      string    `json:"code"`
	NameZH    string    `json:"name_zh"`
	NameEN    string    `json:"name_en"`
	Direction Direction `json:"polarity"`
	// Dept is the issuing (deciding) department (认定部门); "" means several departments
	// decide entries of this type (each entry then names its own).
	Dept     string `json:"dept,omitempty"`
	Basis    string `json:"basis"`    // legal basis (认定依据)
	Criteria string `json:"criteria"` // inclusion criteria (列入标准)
	// ValidMonths is how long an entry stays on the list from its start (有效期); 0 = until
	// removed.
	ValidMonths int    `json:"valid_months"`
	Removal     string `json:"removal"` // removal conditions (移出条件)
	// Public: published entries appear on the portal (红黑名单公示). PublicPersons: natural
	// persons appear too (e.g. the court's list of dishonest judgment debtors, which the court
	// itself publishes); otherwise persons are never shown on the portal.
	Public        bool `json:"public"`
	PublicPersons bool `json:"public_persons,omitempty"`
	// Exemption marks a list whose members are spared punishments that name it (e.g. key
	// epidemic-supply firms, seed 000).
	Exemption bool `json:"exemption,omitempty"`
	// RepairRemoves: an approved credit repair (信用修复) of a record that justifies an entry
	// of this list also removes the entry (移出), where the list's rules allow it — e.g. the
	// black list of serious dishonesty and the focus list; not the court's list of dishonest
	// judgment debtors, which only the court removes.
	RepairRemoves bool `json:"repair_removes,omitempty"`
	// Rule is an optional expression over a subject's facts that derives entries (rule-derived
	// lists, e.g. agricultural base score ≥ 90 → red, seed 000).
	Rule string `json:"rule,omitempty"`
}

var listCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// Check validates a list type.
func (lt *ListType) Check() error {
	bad := func(field, rule, zh, en string) error {
		return &Error{Code: EINVALID, Field: field, Rule: rule, Message: zh + " / " + en}
	}
	switch {
	case !listCodeRE.MatchString(lt.Code):
		return bad("code", RuleFormat, "名单类型代码须为 2–40 位小写字母、数字或下划线，以字母开头", "a list type code is 2–40 lower-case letters, digits or _, starting with a letter")
	case strings.TrimSpace(lt.NameZH) == "":
		return bad("name_zh", RuleRequired, "须填写名单名称", "the list name is required")
	case !lt.Direction.Valid():
		return bad("polarity", RuleEnum, "性质须为 reward、punishment 或 neutral", "polarity must be reward, punishment or neutral")
	case strings.TrimSpace(lt.Basis) == "":
		return bad("basis", RuleRequired, "名单须有认定依据", "a list needs its legal basis")
	case lt.ValidMonths < 0 || lt.ValidMonths > 120:
		return bad("valid_months", RuleType, "有效期须在 0–120 个月之间", "validity must be 0–120 months")
	}
	return nil
}

// EntryStatus is where a list entry is in its lifecycle (名单条目状态).
type EntryStatus string

// Entry statuses: proposed by the initiating department → confirmed by its reviewer →
// published in a numbered batch → removed (with a reason) or expired.
const (
	EntryProposed  EntryStatus = "proposed"  // 拟列入
	EntryConfirmed EntryStatus = "confirmed" // 已确认
	EntryPublished EntryStatus = "published" // 已发布（生效）
	EntryRemoved   EntryStatus = "removed"   // 已移出
	EntryExpired   EntryStatus = "expired"   // 已到期
)

// ListEntry is one subject on one list (名单条目).
//
// An entry references its subject by subject key (the canonical unified code, or a person's
// keyed hash), not by a row of the subject table: national lists pulled down (10 million court
// defaulters, mostly natural persons) name subjects this platform has never recorded, and
// creating a subject row for each would fill the subject library with persons known only by a
// list. The check resolves a code to the same key, so both meet without a join.
type ListEntry struct {
	ID          int64  `json:"id"`
	List        string `json:"list"`
	SubjectKey  string `json:"-"`
	SubjectCode string `json:"subject_code,omitempty"` // the unified code; "" for a person
	// SubjectName is the organisation's name, or a person's masked name.
	SubjectName string      `json:"subject_name"`
	Person      bool        `json:"person,omitempty"`
	Dept        string      `json:"dept"`                // the initiating department (发起部门)
	Reason      string      `json:"reason"`              // why the subject is listed
	Document    string      `json:"document,omitempty"`  // the decision document number (认定文书号)
	Records     []int64     `json:"records,omitempty"`   // records that justify the entry
	SourceID    string      `json:"source_id,omitempty"` // the source's key (e.g. court case number): loads are idempotent by it
	Status      EntryStatus `json:"status"`
	BatchNo     int         `json:"batch_no,omitempty"` // 批次 it was published in
	ValidFrom   time.Time   `json:"valid_from"`
	ValidUntil  time.Time   `json:"valid_until,omitzero"` // zero: until removed
	ProposedBy  string      `json:"proposed_by"`
	ProposedAt  time.Time   `json:"proposed_at"`
	ConfirmedBy string      `json:"confirmed_by,omitempty"`
	ConfirmedAt time.Time   `json:"confirmed_at,omitzero"`
	PublishedAt time.Time   `json:"published_at,omitzero"`
	EndedBy     string      `json:"ended_by,omitempty"`
	EndedAt     time.Time   `json:"ended_at,omitzero"`
	EndReason   string      `json:"end_reason,omitempty"`
}

// ListRef names a list type on pages and in the API (e.g. the lists an approved repair would
// also leave).
type ListRef struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en,omitempty"`
}

// Ref returns the list type's name reference.
func (lt *ListType) Ref() ListRef {
	return ListRef{Code: lt.Code, NameZH: lt.NameZH, NameEN: lt.NameEN}
}

// MaxListText is the longest reason, document number or removal reason, in characters.
const MaxListText = 500

// NewEntry checks a proposal (拟列入) for list type lt and returns the entry, proposed at now
// by actor of dept. from is when the listing takes effect (zero: now); the validity follows
// from lt.
func NewEntry(lt *ListType, key, code, name string, person bool, dept, reason, document string, from time.Time, actor string, now time.Time) (*ListEntry, error) {
	bad := func(field, rule, zh, en string) error {
		return &Error{Code: EINVALID, Field: field, Rule: rule, Message: zh + " / " + en}
	}
	reason, document = strings.TrimSpace(reason), strings.TrimSpace(document)
	switch {
	case key == "":
		return nil, bad("subject", RuleRequired, "须指明主体", "a subject is required")
	case dept == "":
		return nil, bad("dept", RuleRequired, "须指明发起部门", "the initiating department is required")
	case lt.Dept != "" && dept != lt.Dept && dept != "fgw":
		return nil, bad("dept", RuleDepartment, fmt.Sprintf("名单「%s」由 %s 认定", lt.NameZH, lt.Dept), "this list is decided by department "+lt.Dept)
	case reason == "":
		return nil, bad("reason", RuleRequired, "须说明列入理由", "a reason is required")
	case utf8.RuneCountInString(reason) > MaxListText || utf8.RuneCountInString(document) > MaxListText:
		return nil, bad("reason", RuleMaxLength, "理由或文书号过长", "reason or document too long")
	case lt.Exemption && lt.Direction != DirectionNeutral:
		return nil, bad("list", RuleEnum, "豁免名单须为中性", "an exemption list must be neutral")
	}
	if from.IsZero() {
		from = now
	}
	e := &ListEntry{List: lt.Code, SubjectKey: key, SubjectCode: code, SubjectName: name, Person: person, Dept: dept,
		Reason: reason, Document: document, Status: EntryProposed, ValidFrom: from.UTC(), ProposedBy: actor, ProposedAt: now.UTC()}
	if lt.ValidMonths > 0 {
		e.ValidUntil = from.UTC().AddDate(0, lt.ValidMonths, 0)
	}
	return e, nil
}

func transitionErr(e *ListEntry, to string) error {
	return Errorf(ECONFLICT, "条目 %d 当前状态为 %s，不能%s / entry %d is %s: cannot %s", e.ID, e.Status, to, e.ID, e.Status, to)
}

// Confirm moves a proposed entry to confirmed (确认). The confirming reviewer must not be the
// proposer (four eyes).
func (e *ListEntry) Confirm(actor string, now time.Time) error {
	if e.Status != EntryProposed {
		return transitionErr(e, "确认 confirm")
	}
	if actor == e.ProposedBy {
		return Errorf(EFORBIDDEN, "提出人不能自行确认 / the proposer cannot confirm its own proposal")
	}
	e.Status, e.ConfirmedBy, e.ConfirmedAt = EntryConfirmed, actor, now.UTC()
	return nil
}

// Publish puts a confirmed entry in force as part of batch no (发布批次).
func (e *ListEntry) Publish(no int, now time.Time) error {
	if e.Status != EntryConfirmed {
		return transitionErr(e, "发布 publish")
	}
	if no <= 0 {
		return Errorf(EINVALID, "批次号须为正整数 / a batch number is positive")
	}
	e.Status, e.BatchNo, e.PublishedAt = EntryPublished, no, now.UTC()
	return nil
}

// Remove takes an entry off its list (移出) with a reason: a proposed or confirmed entry is
// withdrawn, a published one leaves the list.
func (e *ListEntry) Remove(actor, reason string, now time.Time) error {
	reason = strings.TrimSpace(reason)
	if e.Status == EntryRemoved || e.Status == EntryExpired {
		return transitionErr(e, "移出 remove")
	}
	if reason == "" {
		return &Error{Code: EINVALID, Field: "reason", Rule: RuleRequired, Message: "移出须说明理由 / a removal needs a reason"}
	}
	if utf8.RuneCountInString(reason) > MaxListText {
		return &Error{Code: EINVALID, Field: "reason", Rule: RuleMaxLength, Message: "理由过长 / reason too long"}
	}
	e.Status, e.EndedBy, e.EndedAt, e.EndReason = EntryRemoved, actor, now.UTC(), reason
	return nil
}

// Expire ends a published entry whose validity has passed at now, and reports whether it did
// (idempotent: an entry already ended, or still valid, is left as it is).
func (e *ListEntry) Expire(now time.Time) bool {
	if e.Status != EntryPublished || e.ValidUntil.IsZero() || now.Before(e.ValidUntil) {
		return false
	}
	e.Status, e.EndedBy, e.EndedAt, e.EndReason = EntryExpired, "system", now.UTC(), "有效期届满 / validity ended"
	return true
}

// InForce reports whether the entry counts at now: published, begun and not past its validity.
func (e *ListEntry) InForce(now time.Time) bool {
	return e.Status == EntryPublished && !now.Before(e.ValidFrom) && (e.ValidUntil.IsZero() || now.Before(e.ValidUntil))
}

// BatchTitle names a publication batch the way the seeds do: "第六批".
func BatchTitle(no int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case no <= 0:
		return ""
	case no < 10:
		return "第" + digits[no%10] + "批"
	case no < 20:
		s := "十"
		if no%10 > 0 {
			s += digits[no%10]
		}
		return "第" + s + "批"
	case no < 100:
		s := digits[no/10] + "十"
		if no%10 > 0 {
			s += digits[no%10]
		}
		return "第" + s + "批"
	}
	return fmt.Sprintf("第%d批", no)
}

// ListBatch is one numbered publication of a list (名单发布批次, e.g. 威海市第六批信用"红黑名单").
type ListBatch struct {
	List        string    `json:"list"`
	No          int       `json:"no"`
	Title       string    `json:"title"`
	Entries     int       `json:"entries"`
	PublishedBy string    `json:"published_by"`
	PublishedAt time.Time `json:"published_at"`
}
