package credit

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Matter is an administrative matter where credit is checked (应用清单事项): government
// procurement (政府采购), bidding (招投标), fiscal subsidies (财政资金补助), awards (评优评先),
// administrative approval (行政审批) …
type Matter struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	// Personal: the matter lawfully concerns natural persons (e.g. a civil-servant hiring or a
	// housing fund loan), so a check may name a person's memberships; otherwise a person's
	// check answers only the verdict and the measures, never the person's details.
	Personal bool `json:"personal,omitempty"`
}

// Effect is what a measure does at the window (措施效果).
type Effect string

// Effects. Block and restrict are punishments' strongest; priority, green channel and
// discount are rewards.
const (
	EffectBlock        Effect = "block"         // 禁止/拦截: the matter cannot proceed
	EffectRestrict     Effect = "restrict"      // 限制: limited (e.g. lower quota), proceed with care
	EffectWarn         Effect = "warn"          // 提示/从严审核: stricter review
	EffectInspect      Effect = "inspect"       // 加大检查频次
	EffectPriority     Effect = "priority"      // 优先办理
	EffectGreenChannel Effect = "green_channel" // 绿色通道/容缺受理
	EffectDiscount     Effect = "discount"      // 优惠、降低保证金
	EffectSimplify     Effect = "simplify"      // 简化程序、减少检查
)

var effects = []Effect{EffectBlock, EffectRestrict, EffectWarn, EffectInspect, EffectPriority, EffectGreenChannel, EffectDiscount, EffectSimplify}

// Reach is whom a measure reaches besides the subject itself (落实到人).
type Reach string

// Reaches.
const (
	ReachSubject     Reach = "subject"     // the listed subject itself
	ReachLegalRep    Reach = "legal_rep"   // its legal representative (法定代表人)
	ReachResponsible Reach = "responsible" // its directly responsible persons (主要负责人、直接责任人)
)

// Grace spares a subject on one of Lists from a measure for Months after the entry that
// triggers it took effect (e.g. seed 000: a grace period for small firms in difficulty).
type Grace struct {
	Lists  []string `json:"lists"`
	Months int      `json:"months"`
}

// Measure is one joint reward or punishment measure (联合奖惩措施) of the measures list: what
// triggers it, whom it reaches, in which matters, who carries it out, whether it must be
// applied, its effect and its legal basis. A measure without a legal basis cannot be active
// (the seeds warn against 泛化、扩大化).
type Measure struct {
	Code      string    `json:"code"`
	NameZH    string    `json:"name_zh"`
	NameEN    string    `json:"name_en"`
	Direction Direction `json:"polarity"`
	Lists     []string  `json:"lists"`     // triggering list types (any of them)
	Reaches   []Reach   `json:"reaches"`   // whom it reaches
	Matters   []string  `json:"matters"`   // where it applies; "*" = every matter
	Dept      string    `json:"dept"`      // implementing department (实施部门)
	Mandatory bool      `json:"mandatory"` // 必须执行 (else 参考执行)
	Effect    Effect    `json:"effect"`
	Basis     string    `json:"basis"`            // legal basis (法律依据); required to activate
	Exempt    []string  `json:"exempt,omitempty"` // exemption lists whose members are spared
	Grace     *Grace    `json:"grace,omitempty"`
	Active    bool      `json:"active"`
}

var measureCodeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{1,39}$`)

// Check validates a measure's shape (not its activation: see CanActivate).
func (m *Measure) Check() error {
	bad := func(field, rule, zh, en string) error {
		return &Error{Code: EINVALID, Field: field, Rule: rule, Message: fmt.Sprintf("措施 %s：%s / measure %s: %s", m.Code, zh, m.Code, en)}
	}
	switch {
	case !measureCodeRE.MatchString(m.Code):
		return bad("code", RuleFormat, "代码格式不对", "bad code")
	case strings.TrimSpace(m.NameZH) == "":
		return bad("name_zh", RuleRequired, "须有名称", "a name is required")
	case m.Direction != DirectionReward && m.Direction != DirectionPunishment:
		return bad("polarity", RuleEnum, "性质须为 reward 或 punishment", "polarity must be reward or punishment")
	case len(m.Lists) == 0:
		return bad("lists", RuleRequired, "须指明触发名单", "triggering lists are required")
	case len(m.Matters) == 0:
		return bad("matters", RuleRequired, "须指明适用事项（或 *）", "matters are required (or *)")
	case m.Dept == "":
		return bad("dept", RuleRequired, "须指明实施部门", "the implementing department is required")
	case !slices.Contains(effects, m.Effect):
		return bad("effect", RuleEnum, "效果未知", "unknown effect")
	case m.Grace != nil && (m.Grace.Months <= 0 || len(m.Grace.Lists) == 0):
		return bad("grace", RuleRequired, "宽限期须有名单和月数", "a grace period needs lists and months")
	}
	rewardEffect := m.Effect == EffectPriority || m.Effect == EffectGreenChannel || m.Effect == EffectDiscount || m.Effect == EffectSimplify
	if rewardEffect != (m.Direction == DirectionReward) {
		return bad("effect", RuleEnum, "效果与性质不符", "effect does not match polarity")
	}
	for _, r := range m.Reaches {
		if r != ReachSubject && r != ReachLegalRep && r != ReachResponsible {
			return bad("reaches", RuleEnum, "对象未知："+string(r), "unknown reach: "+string(r))
		}
	}
	if m.Active {
		return m.CanActivate()
	}
	return nil
}

// CanActivate refuses a measure without a legal basis (无法律依据的措施不得启用).
func (m *Measure) CanActivate() error {
	if strings.TrimSpace(m.Basis) == "" {
		return &Error{Code: EINVALID, Field: "basis", Rule: RuleRequired,
			Message: fmt.Sprintf("措施 %s 没有法律依据，不能启用 / measure %s has no legal basis and cannot be activated", m.Code, m.Code)}
	}
	return nil
}

// AppliesTo reports whether m applies in matter.
func (m *Measure) AppliesTo(matter string) bool {
	return slices.Contains(m.Matters, "*") || slices.Contains(m.Matters, matter)
}

// Verdict is the outcome of a window check (核查结论).
type Verdict string

// Verdicts.
const (
	VerdictPass  Verdict = "pass"  // 通过
	VerdictWarn  Verdict = "warn"  // 提示（审慎办理）
	VerdictBlock Verdict = "block" // 拦截
)

// Membership is a subject's entry on a list as the check sees it. Via is "" for the subject's
// own entry, or the reach (legal_rep, responsible) through which an organisation's entry
// reaches a person.
type Membership struct {
	Entry *ListEntry
	Via   Reach
}

// AppliedMeasure is one measure that applies in a check, with what triggered it.
type AppliedMeasure struct {
	Measure *Measure
	Entry   *ListEntry // the triggering entry
	Via     Reach      `json:",omitempty"`
	// Pending: within a grace period; shown, not applied.
	Pending string `json:",omitempty"`
}

// ExemptMeasure is a measure that would apply but for an exemption.
type ExemptMeasure struct {
	Measure *Measure
	Reason  string
}

// Decision is the pure answer of "which measures apply to this subject for this matter, now".
type Decision struct {
	Verdict  Verdict
	Applied  []AppliedMeasure
	Exempted []ExemptMeasure
	Reasons  []string // why the verdict, in order (Chinese first)
}

// Decide computes the verdict for a subject with memberships (its list entries, of any status)
// in matter at now, under the active measures of ms and the list types of lists.
//
//   - Only entries in force count (ListEntry.InForce).
//   - A measure applies when it is active, applies to the matter, one of its lists holds an
//     entry in force, and the entry's Via is among its reaches (the subject's own entry always
//     reaches it when ReachSubject is listed).
//   - A subject on one of its Exempt lists is spared (e.g. key epidemic-supply firms).
//   - A subject on one of Grace.Lists is spared until Grace.Months after the entry began.
//   - Verdict: block when a mandatory block measure applies; warn when any other punishment
//     applies; pass otherwise (rewards are applied with pass).
func Decide(memberships []Membership, matter string, ms []*Measure, lists map[string]*ListType, now time.Time) Decision {
	var d Decision
	inForce := map[string]bool{}
	var live []Membership
	for _, m := range memberships {
		if m.Entry != nil && m.Entry.InForce(now) {
			live = append(live, m)
			if m.Via == "" {
				inForce[m.Entry.List] = true
			}
		}
	}
	for _, m := range ms {
		if !m.Active || !m.AppliesTo(matter) || m.CanActivate() != nil {
			continue
		}
		var trig *Membership
		for i := range live {
			mm := &live[i]
			if !slices.Contains(m.Lists, mm.Entry.List) {
				continue
			}
			via := mm.Via
			if via == "" {
				via = ReachSubject
			}
			if !slices.Contains(m.Reaches, via) {
				continue
			}
			trig = mm
			break
		}
		if trig == nil {
			continue
		}
		if ex := firstIn(m.Exempt, inForce); ex != "" {
			d.Exempted = append(d.Exempted, ExemptMeasure{Measure: m, Reason: fmt.Sprintf("主体在豁免名单「%s」中 / the subject is on exemption list %s", listName(lists, ex), ex)})
			continue
		}
		am := AppliedMeasure{Measure: m, Entry: trig.Entry, Via: trig.Via}
		if g := m.Grace; g != nil {
			if gl := firstIn(g.Lists, inForce); gl != "" {
				if until := trig.Entry.ValidFrom.AddDate(0, g.Months, 0); now.Before(until) {
					am.Pending = fmt.Sprintf("「%s」宽限期至 %s / grace period until %s", listName(lists, gl), until.Format("2006-01-02"), until.Format("2006-01-02"))
				}
			}
		}
		d.Applied = append(d.Applied, am)
	}
	d.Verdict = VerdictPass
	for _, am := range d.Applied {
		m := am.Measure
		if m.Direction != DirectionPunishment || am.Pending != "" {
			continue
		}
		if m.Mandatory && m.Effect == EffectBlock {
			d.Verdict = VerdictBlock
			d.Reasons = append(d.Reasons, fmt.Sprintf("必须执行的禁止措施「%s」（%s）/ mandatory block %s", m.NameZH, m.Basis, m.Code))
		} else if d.Verdict == VerdictPass {
			d.Verdict = VerdictWarn
		}
	}
	if d.Verdict == VerdictWarn {
		d.Reasons = append(d.Reasons, "适用惩戒措施，须审慎办理 / punishments apply: proceed with care")
	}
	for _, am := range d.Applied {
		if am.Pending != "" {
			d.Reasons = append(d.Reasons, fmt.Sprintf("措施「%s」暂缓执行：%s", am.Measure.NameZH, am.Pending))
		}
	}
	switch {
	case len(d.Applied) == 0:
		d.Reasons = append(d.Reasons, "无适用措施 / no measure applies")
	case d.Verdict == VerdictPass:
		d.Reasons = append(d.Reasons, "无须拦截或提示；激励措施见下 / nothing to block or warn; rewards below")
	}
	for _, ex := range d.Exempted {
		d.Reasons = append(d.Reasons, fmt.Sprintf("措施「%s」豁免：%s", ex.Measure.NameZH, ex.Reason))
	}
	return d
}

func firstIn(codes []string, set map[string]bool) string {
	for _, c := range codes {
		if set[c] {
			return c
		}
	}
	return ""
}

func listName(lists map[string]*ListType, code string) string {
	if lt, ok := lists[code]; ok {
		return lt.NameZH
	}
	return code
}

// FeedbackOutcome is what the clerk did with one measure (反馈).
type FeedbackOutcome string

// Feedback outcomes.
const (
	FeedbackApplied    FeedbackOutcome = "applied"     // 已实施
	FeedbackNotApplied FeedbackOutcome = "not_applied" // 未实施（须说明理由）
)

// CheckFeedback validates the clerk's feedback on one measure: not applying a measure needs a
// reason.
func CheckFeedback(outcome FeedbackOutcome, note string) error {
	switch outcome {
	case FeedbackApplied:
	case FeedbackNotApplied:
		if strings.TrimSpace(note) == "" {
			return &Error{Code: EINVALID, Field: "note", Rule: RuleRequired, Message: "未实施须说明理由 / not applying a measure needs a reason"}
		}
	default:
		return &Error{Code: EINVALID, Field: "outcome", Rule: RuleEnum, Message: "反馈结果须为 applied 或 not_applied / outcome must be applied or not_applied"}
	}
	if len([]rune(note)) > MaxListText {
		return &Error{Code: EINVALID, Field: "note", Rule: RuleMaxLength, Message: "说明过长 / note too long"}
	}
	return nil
}

// JointCatalog is the data the joint rewards and punishments run on (联合奖惩目录): list types,
// the matters of the application list (应用清单) and the measures list (措施清单).
type JointCatalog struct {
	Version   int         `json:"version"`
	Note      string      `json:"note,omitempty"`
	ListTypes []*ListType `json:"list_types"`
	Matters   []*Matter   `json:"matters"`
	Measures  []*Measure  `json:"measures"`
}

// Check validates every part and the references between them: unique codes, measures that
// name known lists and matters, exemption and grace lists that are exemption lists, and no
// active measure without a legal basis.
func (c *JointCatalog) Check() error {
	lists := map[string]*ListType{}
	for _, lt := range c.ListTypes {
		if err := lt.Check(); err != nil {
			return err
		}
		if lt.Rule != "" {
			if _, err := CompileListRule(lt.Rule); err != nil {
				return fmt.Errorf("list type %s: %w", lt.Code, err)
			}
		}
		if lists[lt.Code] != nil {
			return &Error{Code: EINVALID, Field: "list_types", Rule: "unique", Message: "名单类型重复 / duplicate list type: " + lt.Code}
		}
		lists[lt.Code] = lt
	}
	matters := map[string]bool{"*": true}
	for _, m := range c.Matters {
		if !listCodeRE.MatchString(m.Code) || strings.TrimSpace(m.NameZH) == "" {
			return &Error{Code: EINVALID, Field: "matters", Rule: RuleFormat, Message: "事项代码或名称不对 / bad matter: " + m.Code}
		}
		if matters[m.Code] {
			return &Error{Code: EINVALID, Field: "matters", Rule: "unique", Message: "事项重复 / duplicate matter: " + m.Code}
		}
		matters[m.Code] = true
	}
	seen := map[string]bool{}
	for _, m := range c.Measures {
		if err := m.Check(); err != nil {
			return err
		}
		if seen[m.Code] {
			return &Error{Code: EINVALID, Field: "measures", Rule: "unique", Message: "措施重复 / duplicate measure: " + m.Code}
		}
		seen[m.Code] = true
		for _, l := range m.Lists {
			if lists[l] == nil {
				return &Error{Code: EINVALID, Field: "lists", Rule: RuleEnum, Message: fmt.Sprintf("措施 %s 引用未知名单 %s / measure %s names unknown list %s", m.Code, l, m.Code, l)}
			}
		}
		for _, x := range m.Matters {
			if !matters[x] {
				return &Error{Code: EINVALID, Field: "matters", Rule: RuleEnum, Message: fmt.Sprintf("措施 %s 引用未知事项 %s / measure %s names unknown matter %s", m.Code, x, m.Code, x)}
			}
		}
		ex := m.Exempt
		if m.Grace != nil {
			ex = append(slices.Clone(ex), m.Grace.Lists...)
		}
		for _, l := range ex {
			if lt := lists[l]; lt == nil || !lt.Exemption {
				return &Error{Code: EINVALID, Field: "exempt", Rule: RuleEnum, Message: fmt.Sprintf("措施 %s 的豁免名单 %s 不是豁免名单 / measure %s: %s is not an exemption list", m.Code, l, m.Code, l)}
			}
		}
	}
	return nil
}

// ListType returns the list type with code.
func (c *JointCatalog) ListType(code string) (*ListType, bool) {
	for _, lt := range c.ListTypes {
		if lt.Code == code {
			return lt, true
		}
	}
	return nil, false
}

// Matter returns the matter with code.
func (c *JointCatalog) Matter(code string) (*Matter, bool) {
	for _, m := range c.Matters {
		if m.Code == code {
			return m, true
		}
	}
	return nil, false
}

// Measure returns the measure with code.
func (c *JointCatalog) Measure(code string) (*Measure, bool) {
	for _, m := range c.Measures {
		if m.Code == code {
			return m, true
		}
	}
	return nil, false
}

// ListMap returns the list types by code.
func (c *JointCatalog) ListMap() map[string]*ListType {
	m := make(map[string]*ListType, len(c.ListTypes))
	for _, lt := range c.ListTypes {
		m[lt.Code] = lt
	}
	return m
}
