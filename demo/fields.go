package demo

import (
	"math"
	"strconv"
	"strings"

	"github.com/xinyong/xinyong/credit"
)

// fieldGen generates the values of one field of an item.
type fieldGen struct {
	f      *credit.Field
	maxLen int // in runes, 0 = not a text field
	gen    func(w *writer, dst []byte) []byte
}

// compileFields prepares a generator for every field of an item: a realistic one for the
// field names the default catalog uses, else one by type, label and enum.
func compileFields(it *credit.CatalogItem) []fieldGen {
	gens := make([]fieldGen, len(it.Fields))
	ends := endSpecOf(it)
	for i := range it.Fields {
		f := &it.Fields[i]
		g := fieldGen{f: f}
		if f.Type == credit.TypeString {
			g.maxLen = f.MaxLen
			if g.maxLen == 0 {
				g.maxLen = credit.DefaultMaxString
			}
		}
		g.gen = known(it, f, ends)
		switch {
		case g.gen == nil:
			g.gen = byType(it, f, ends)
		case f.Required:
			g.gen = orElse(g.gen, byType(it, f, ends))
		}
		if !f.Required {
			g.gen = sometimes(g.gen, f)
		}
		gens[i] = g
	}
	return gens
}

// orElse uses fallback when g leaves a required field empty (a legal representative field
// that a catalog requires even for natural persons, say).
func orElse(g, fallback func(*writer, []byte) []byte) func(*writer, []byte) []byte {
	return func(w *writer, dst []byte) []byte {
		n := len(dst)
		if dst = g(w, dst); len(dst) > n {
			return dst
		}
		return fallback(w, dst)
	}
}

// sometimes leaves optional fields empty now and then, as real submissions do. Fields whose
// generator already decides when they are empty (legal representative fields, removals,
// amounts that depend on the sanction) are left alone: they are listed in decidesEmpty.
func sometimes(g func(*writer, []byte) []byte, f *credit.Field) func(*writer, []byte) []byte {
	if decidesEmpty[f.Name] {
		return g
	}
	return func(w *writer, dst []byte) []byte {
		if w.r.IntN(10) == 0 {
			return dst
		}
		return g(w, dst)
	}
}

var decidesEmpty = map[string]bool{
	"legal_rep_name": true, "legal_rep_id": true, "legal_rep_id_type": true, "reg_no": true, "org_code": true,
	"former_names": true, "reg_capital": true, "business_scope": true, "remarks": true, "removed_date": true,
	"removal_date": true, "removal_reason": true, "removal_authority": true, "cleared_date": true,
	"fine_amount": true, "confiscated_amount": true, "license_suspended": true, "performed_part": true,
	"failed_items": true, "amount": true, "goods": true, "goods_value": true, "related_entity": true,
	"penalty_valid_until": true, "valid_to": true, "status": true, "publish_until": true,
}

// endSpec is how long an item's validity runs after its decision date, in months.
type endSpec struct{ min, max int }

// endSpecOf picks the validity of an item's records: the publication maximum for penalties
// and lists, a few years for licences, one or two for ratings and honours.
func endSpecOf(it *credit.CatalogItem) endSpec {
	r := it.EffectiveRule()
	hay := it.Code + it.NameZH
	switch {
	case strings.Contains(hay, "licen") || strings.Contains(hay, "许可"):
		return endSpec{12, 72}
	case it.Polarity == credit.PolarityNegative && r.MaxMonths > 0:
		return endSpec{r.MaxMonths, r.MaxMonths}
	case strings.Contains(hay, "rating") || strings.Contains(hay, "评价"):
		return endSpec{12, 12}
	case strings.Contains(hay, "contract") || strings.Contains(hay, "守合同"):
		return endSpec{24, 24}
	}
	return endSpec{12, 36}
}

// end returns the row's end of validity, drawing it once per row. It is the day before the
// decision date plus the months drawn, so a 12-month validity from 2024-03-05 ends 2025-03-04.
func (w *writer) end(s endSpec) day {
	if w.st.end == 0 {
		m := s.min
		if s.max > s.min {
			m += 12 * w.r.IntN((s.max-s.min)/12+1)
		}
		w.st.end = addMonths(w.dec, m) - 1
		if w.st.end < w.dec {
			w.st.end = w.dec
		}
	}
	return w.st.end
}

// addMonths adds n calendar months, clamping the day to the month's end.
func addMonths(z day, n int) day {
	y, m, d := z.civil()
	m += n
	y += (m - 1) / 12
	m = (m-1)%12 + 1
	if last := credit.DaysInMonth(y, m); d > last {
		d = last
	}
	return civilDay(y, m, d)
}

// removal returns the day the subject left the list, or -1: a share of the rows are removed
// (fulfilled, repaired) some time between the decision and yesterday.
func (w *writer) removal(share float64) day {
	if w.st.removal == 0 {
		w.st.removal = -1
		if span := int(w.today - 1 - w.dec); span > 0 && w.r.Float64() < share {
			w.st.removal = w.dec + 1 + days(w.r.IntN(span))
		}
	}
	return w.st.removal
}

// Generators shared by several fields.

func genDecision(w *writer, dst []byte) []byte { return appendDate(dst, w.dec) }

func genEst(w *writer, dst []byte) []byte {
	if w.legal == nil {
		return appendDate(dst, w.dec)
	}
	return appendDate(dst, w.legal.est)
}

func genDeptName(w *writer, dst []byte) []byte { return append(dst, w.dept.name...) }
func genDeptCode(w *writer, dst []byte) []byte { return append(dst, w.dept.code...) }

func genRepName(w *writer, dst []byte) []byte {
	if w.legal == nil {
		return dst
	}
	return append(dst, w.person.name...)
}

func genRepID(w *writer, dst []byte) []byte {
	if w.legal == nil {
		return dst
	}
	return append(dst, w.person.id...)
}

func genYear(w *writer, dst []byte) []byte {
	if w.year != 0 {
		return strconv.AppendInt(dst, int64(w.year), 10)
	}
	return strconv.AppendInt(dst, int64(w.dec.year()), 10)
}

func genAddress(w *writer, dst []byte) []byte {
	if w.legal != nil {
		return append(dst, w.legal.address...)
	}
	d := &districts[w.person.dist]
	dst = append(dst, cityName...)
	dst = append(dst, d.name...)
	dst = append(dst, one(w.r, d.roads)...)
	dst = strconv.AppendInt(dst, int64(1+w.r.IntN(300)), 10)
	return append(dst, "号"...)
}

// known returns the generator for a field name the default catalog uses, or nil.
func known(it *credit.CatalogItem, f *credit.Field, ends endSpec) func(*writer, []byte) []byte {
	if f.Name == it.DecisionField && f.Type == credit.TypeDate {
		return genDecision
	}
	isEnum := f.Type == credit.TypeEnum
	switch f.Type {
	case credit.TypeDate:
		return knownDate(it, f, ends)
	case credit.TypeCode:
		if strings.Contains(f.Name, "legal_rep") {
			if f.Personal {
				return genRepID
			}
			return nil
		}
		if strings.HasSuffix(f.Name, "_code") && (strings.Contains(f.Name, "authority") ||
			strings.Contains(f.Name, "source") || strings.Contains(f.Name, "dept")) {
			return genDeptCode
		}
		return nil
	}
	switch f.Name {
	// Registration (企业登记基本信息).
	case "ent_type":
		if !isEnum {
			return genEntType
		}
	case credit.RegLegalRepName:
		return genRepName
	case credit.RegLegalRepID:
		if f.Personal {
			return genRepID
		}
	case "legal_rep_id_type":
		if isEnum {
			i := enumIndex(f.Enum, "身份证")
			if i >= 0 {
				return func(w *writer, dst []byte) []byte {
					if w.legal == nil {
						return dst
					}
					return append(dst, f.Enum[i]...)
				}
			}
		}
	case credit.RegStatus:
		if isEnum {
			return regStatus(f)
		}
	case "reg_capital":
		return genCapital
	case "address":
		return genAddress
	case "business_scope":
		return genScope
	case "reg_authority":
		return genRegAuthority
	case credit.RegNo:
		return func(w *writer, dst []byte) []byte {
			if w.legal == nil {
				return dst
			}
			return append(dst, w.legal.regNo...)
		}
	case credit.RegOrgCode:
		return func(w *writer, dst []byte) []byte {
			// Legacy subjects with a registration number, and a third of the pre-2015
			// organisations, still report their organisation code.
			s := w.legal
			if s != nil && (s.regNo != "" || s.kind > kCoop && s.est < reformDay && s.code[12]%3 == 0) {
				return append(dst, s.orgCode()...)
			}
			return dst
		}
	case credit.RegFormerNames:
		return func(w *writer, dst []byte) []byte {
			if w.legal == nil {
				return dst
			}
			return append(dst, w.legal.former...)
		}

	// Licences (行政许可).
	case "doc_name":
		if isLicence(it) {
			return func(w *writer, dst []byte) []byte {
				l := w.licence()
				dst = append(dst, l.cert...)
				return append(dst, "准予行政许可决定书"...)
			}
		}
	case "doc_no", "decision_no":
		return docNo(it)
	case "license_category":
		if isEnum {
			return func(w *writer, dst []byte) []byte {
				if i := enumIndex(f.Enum, w.licence().category); i >= 0 {
					return append(dst, f.Enum[i]...)
				}
				return append(dst, f.Enum[0]...)
			}
		}
	case "cert_name":
		return func(w *writer, dst []byte) []byte { return append(dst, w.licence().cert...) }
	case "license_no":
		return genLicenceNo
	case "content":
		switch {
		case isLicence(it):
			return genLicenceContent
		case strings.Contains(f.Label, "承诺"):
			return genCommitment
		}
	case "authority", "data_source", "listing_authority", "inspecting_body", "announcing_body",
		"accepting_dept", "removal_authority":
		if f.Name == "removal_authority" {
			return func(w *writer, dst []byte) []byte {
				if w.removal(removalShare(it)) < 0 {
					return dst
				}
				return append(dst, w.dept.name...)
			}
		}
		if strings.Contains(f.Label, "税务") {
			return genTaxAuthority
		}
		return genDeptName
	case "status":
		if isEnum && enumIndex(f.Enum, "有效") >= 0 && enumIndex(f.Enum, "无效") >= 0 {
			valid, invalid := f.Enum[enumIndex(f.Enum, "有效")], f.Enum[enumIndex(f.Enum, "无效")]
			return func(w *writer, dst []byte) []byte {
				if w.end(ends) < w.today {
					return append(dst, invalid...)
				}
				return append(dst, valid...)
			}
		}
	case "remarks":
		return func(w *writer, dst []byte) []byte {
			if w.r.IntN(25) == 0 {
				return append(dst, "无"...)
			}
			return dst
		}

	// Penalties (行政处罚).
	case "violation_type":
		return func(w *writer, dst []byte) []byte { return append(dst, w.penalty().v.typ...) }
	case "violation_facts":
		return genFacts
	case "basis":
		return func(w *writer, dst []byte) []byte { return append(dst, w.penalty().v.basis...) }
	case "penalty_category":
		if isEnum {
			return penaltyCategory(f)
		}
	case "penalty_content":
		return genPenaltyContent
	case "fine_amount":
		return func(w *writer, dst []byte) []byte {
			if p := w.penalty(); p.fine > 0 {
				return appendYuan(dst, p.fine, f.Label)
			}
			return dst
		}
	case "confiscated_amount":
		return func(w *writer, dst []byte) []byte {
			if p := w.penalty(); p.confiscated > 0 {
				return appendYuan(dst, p.confiscated, f.Label)
			}
			return dst
		}
	case "license_suspended":
		return func(w *writer, dst []byte) []byte {
			if p := w.penalty(); p.has(catSuspend) || p.has(catRevoke) {
				l := w.licence()
				dst = append(dst, l.cert...)
				dst = append(dst, "（"...)
				dst = appendLicenceNo(w, dst, l)
				return append(dst, "）"...)
			}
			return dst
		}

	// Court defaulters (失信被执行人).
	case "case_no":
		return func(w *writer, dst []byte) []byte {
			cc := w.courtCase()
			return appendCaseNo(w, dst, cc.filing.year(), cc.court, "执")
		}
	case "court":
		return func(w *writer, dst []byte) []byte { return appendCourtName(dst, w.courtCase().court) }
	case "basis_doc_no":
		return func(w *writer, dst []byte) []byte {
			cc := w.courtCase()
			return appendCaseNo(w, dst, cc.basisYear, cc.court, cc.basisKind)
		}
	case "basis_unit":
		return func(w *writer, dst []byte) []byte {
			cc := w.courtCase()
			if cc.basisKind == "仲" {
				return append(dst, "威海仲裁委员会"...)
			}
			return appendCourtName(dst, cc.court)
		}
	case "obligation":
		return genObligation
	case "performance":
		if isEnum {
			return func(w *writer, dst []byte) []byte {
				cc := w.courtCase()
				want := "全部未履行"
				if cc.paid > 0 {
					want = "部分未履行"
				}
				if i := enumIndex(f.Enum, want); i >= 0 {
					return append(dst, f.Enum[i]...)
				}
				return append(dst, f.Enum[0]...)
			}
		}
	case "performed_part":
		return func(w *writer, dst []byte) []byte {
			if cc := w.courtCase(); cc.paid > 0 {
				dst = append(dst, "已履行"...)
				dst = strconv.AppendInt(dst, cc.paid, 10)
				return append(dst, "元"...)
			}
			return dst
		}
	case "unperformed_part":
		return func(w *writer, dst []byte) []byte {
			cc := w.courtCase()
			dst = append(dst, "未履行"...)
			dst = strconv.AppendInt(dst, cc.amount-cc.paid, 10)
			return append(dst, "元及迟延履行期间的债务利息"...)
		}
	case "circumstance":
		return genCircumstance

	// Lists: removal from the list.
	case "removal_reason":
		// The reason for removal answers the reason for listing, when that field comes first.
		listed := -1
		for j := range it.Fields {
			if &it.Fields[j] == f {
				break
			}
			if it.Fields[j].Name == "reason" {
				listed = j
			}
		}
		return func(w *writer, dst []byte) []byte {
			if w.removal(removalShare(it)) < 0 {
				return dst
			}
			reason := removalReasons[""]
			if listed >= 0 {
				if r, ok := removalReasons[string(w.vals[3+listed])]; ok {
					reason = r
				}
			}
			return append(dst, reason...)
		}

	// Honours (表彰奖励, 守合同重信用).
	case "honour_name":
		return genHonour
	case "awarding_body":
		return func(w *writer, dst []byte) []byte {
			if w.r.IntN(10) < 4 {
				return append(dst, one(w.r, honourBodies)...)
			}
			return append(dst, w.dept.name...)
		}

	// Natural persons' good deeds.
	case "service_hours":
		return func(w *writer, dst []byte) []byte {
			h := math.Round(2*3*lognormalR(w, 0.9)) / 2
			return appendDecimal(dst, math.Max(h, 0.5), 1)
		}
	case "organisation":
		return func(w *writer, dst []byte) []byte { return append(dst, one(w.r, volunteerOrgs)...) }
	case "project":
		return func(w *writer, dst []byte) []byte { return append(dst, one(w.r, volunteerProjects)...) }
	case "volume_ml":
		return func(w *writer, dst []byte) []byte {
			return strconv.AppendInt(dst, int64(one(w.r, []int{200, 300, 400, 400, 400})), 10)
		}
	case "station":
		return func(w *writer, dst []byte) []byte {
			return append(dst, one(w.r, []string{"威海市中心血站", "威海市中心血站", "威海市中心血站荣成分站", "威海市中心血站文登分站", "威海市中心血站乳山分站"})...)
		}
	case "certificate_no", "receipt_no", "sample_no":
		prefix := map[string]string{"certificate_no": "鲁献", "receipt_no": "鲁财通", "sample_no": "NCP"}[f.Name]
		return func(w *writer, dst []byte) []byte {
			dst = append(dst, prefix...)
			dst = strconv.AppendInt(dst, int64(w.dec.year()), 10)
			return appendPadded(dst, w.r.IntN(100000000), 8)
		}
	case "amount":
		return func(w *writer, dst []byte) []byte {
			if w.donatedGoods() {
				return dst
			}
			yuan := math.Round(100*lognormalR(w, 1.5)) * 10
			if w.legal != nil {
				yuan *= 20
			}
			return appendYuan(dst, yuan, f.Label)
		}
	case "goods":
		return func(w *writer, dst []byte) []byte {
			if !w.donatedGoods() {
				return dst
			}
			return append(dst, one(w.r, donatedGoods)...)
		}
	case "goods_value":
		return func(w *writer, dst []byte) []byte {
			if !w.donatedGoods() {
				return dst
			}
			return appendYuan(dst, math.Round(50*lognormalR(w, 1.2))*10, f.Label)
		}
	case "recipient":
		return func(w *writer, dst []byte) []byte { return append(dst, one(w.r, charityRecipients)...) }
	case "matter":
		return func(w *writer, dst []byte) []byte { return append(dst, one(w.r, commitmentMatters)...) }

	// Social insurance arrears, wage arrears.
	case "arrears_amount":
		return func(w *writer, dst []byte) []byte {
			yuan := roundYuan(15000 * lognormalR(w, 1.2))
			if strings.Contains(f.Label, "万元") { // wages owed to a whole crew
				yuan = roundYuan(yuan * 10)
			}
			return appendYuan(dst, yuan, f.Label)
		}
	case "workers":
		return func(w *writer, dst []byte) []byte {
			return strconv.AppendInt(dst, int64(3+w.r.IntN(20)*(1+w.r.IntN(8))), 10)
		}
	case "related_entity":
		return func(w *writer, dst []byte) []byte {
			if w.legal != nil || w.c.legal == nil || len(w.c.legal) == 0 {
				return dst
			}
			return append(dst, w.c.legal[w.r.IntN(len(w.c.legal))].name...)
		}

	// Agricultural product inspection (农产品质量安全监督抽查).
	case "product":
		return func(w *writer, dst []byte) []byte { return append(dst, one(w.r, agriProducts)...) }
	case "result":
		if isEnum && enumIndex(f.Enum, "合格") >= 0 && enumIndex(f.Enum, "不合格") >= 0 {
			pass, fail := f.Enum[enumIndex(f.Enum, "合格")], f.Enum[enumIndex(f.Enum, "不合格")]
			return func(w *writer, dst []byte) []byte {
				if w.failed() {
					return append(dst, fail...)
				}
				return append(dst, pass...)
			}
		}
	case "banned_pesticide":
		if isEnum && enumIndex(f.Enum, "是") >= 0 && enumIndex(f.Enum, "否") >= 0 {
			yes, no := f.Enum[enumIndex(f.Enum, "是")], f.Enum[enumIndex(f.Enum, "否")]
			return func(w *writer, dst []byte) []byte {
				if w.failed() && w.r.IntN(4) == 0 {
					return append(dst, yes...)
				}
				return append(dst, no...)
			}
		}
	case "failed_items":
		return func(w *writer, dst []byte) []byte {
			if !w.failed() {
				return dst
			}
			return append(dst, one(w.r, pesticideItems)...)
		}
	case "testing_body":
		return func(w *writer, dst []byte) []byte {
			return append(dst, one(w.r, []string{"威海市农产品质量安全检验检测中心", "荣成市农产品质量检测站", "山东省农产品质量安全检验检测中心"})...)
		}
	case "year":
		if f.Type == credit.TypeInt {
			return genYear
		}
	}
	return nil
}

// knownDate returns the generator of a date field that is not the decision date.
func knownDate(it *credit.CatalogItem, f *credit.Field, ends endSpec) func(*writer, []byte) []byte {
	name, label := f.Name, f.Label
	switch {
	case name == "established" || strings.Contains(label, "成立"):
		return genEst
	case name == "approved_date" || strings.Contains(label, "核准"):
		// The last change of registration: often the founding day, else some day since.
		return func(w *writer, dst []byte) []byte {
			from := w.dec
			if w.legal != nil {
				from = w.legal.est
			}
			if w.r.IntN(5) < 2 || from >= w.today-1 {
				return appendDate(dst, from)
			}
			return appendDate(dst, from+days(w.r.IntN(int(w.today-1-from))))
		}
	case strings.Contains(name, "filing") || strings.Contains(label, "立案"):
		return func(w *writer, dst []byte) []byte { return appendDate(dst, w.courtCase().filing) }
	case strings.Contains(name, "remov") || strings.Contains(name, "cleared") ||
		strings.Contains(label, "移出") || strings.Contains(label, "删除") || strings.Contains(label, "补缴"):
		share := removalShare(it)
		return func(w *writer, dst []byte) []byte {
			if d := w.removal(share); d > 0 {
				return appendDate(dst, d)
			}
			return dst
		}
	case strings.Contains(label, "欠缴"):
		// Arrears periods end before they are determined.
		start := strings.HasSuffix(name, "_from") || strings.Contains(label, "起")
		return func(w *writer, dst []byte) []byte {
			end := w.dec - days(20+w.r.IntN(40))
			if start {
				return appendDate(dst, addMonths(end, -(3+w.r.IntN(21))))
			}
			return appendDate(dst, end)
		}
	case strings.HasSuffix(name, "_from") || strings.Contains(label, "开始") || strings.HasSuffix(label, "自"):
		// A start: the decision itself, unless the decision is the end of a period (volunteer
		// service), then some days before it.
		if strings.HasSuffix(it.DecisionField, "_to") {
			return func(w *writer, dst []byte) []byte { return appendDate(dst, w.dec-days(w.r.IntN(60))) }
		}
		return genDecision
	case name == "publish_until" || strings.Contains(label, "公示截止"):
		r := it.EffectiveRule()
		months := r.MaxMonths
		if months == 0 {
			months = ends.max
		}
		return func(w *writer, dst []byte) []byte { return appendDate(dst, addMonths(w.dec, months)-1) }
	case strings.HasSuffix(name, "_to") || strings.HasSuffix(name, "_until") ||
		strings.Contains(label, "至") || strings.Contains(label, "有效期") || strings.Contains(label, "截止"):
		fill := 10
		if !f.Required && !isLicence(it) {
			fill = 6
		}
		return func(w *writer, dst []byte) []byte {
			e := w.end(ends) // drawn even when left empty, so the row's status agrees
			if w.r.IntN(10) >= fill {
				return dst
			}
			return appendDate(dst, e)
		}
	}
	return nil
}

// removalShare is the share of an item's rows whose subject has left the list.
func removalShare(it *credit.CatalogItem) float64 {
	switch {
	case strings.Contains(it.Code, "abnormal"):
		return 0.35
	case strings.Contains(it.Code, "insurance"):
		return 0.4
	case strings.Contains(it.Code, "defaulter"):
		return 0.25
	}
	return 0.2
}

// byType returns a generator by the field's type, label and enum, for fields the generator
// does not know by name.
func byType(it *credit.CatalogItem, f *credit.Field, ends endSpec) func(*writer, []byte) []byte {
	label := f.Label
	switch f.Type {
	case credit.TypeDate:
		return genDecision
	case credit.TypeInt:
		digits := f.MaxLen
		if digits == 0 || digits > 9 {
			digits = 9
		}
		switch {
		case strings.Contains(label, "年度") || strings.Contains(f.Name, "year"):
			return genYear
		case strings.Contains(label, "人数") || strings.Contains(label, "次数") || strings.Contains(label, "数量"):
			return func(w *writer, dst []byte) []byte {
				return strconv.AppendInt(dst, int64(1+w.r.IntN(min(50, pow10(digits)-1))), 10)
			}
		}
		return func(w *writer, dst []byte) []byte {
			return strconv.AppendInt(dst, int64(w.r.IntN(min(1000, pow10(digits)-1))+1), 10)
		}
	case credit.TypeDecimal:
		return func(w *writer, dst []byte) []byte {
			v := math.Round(1000*lognormalR(w, 1.2)) / 100
			if strings.Contains(label, "万元") {
				v = math.Round(v*10) / 1000
				if v == 0 {
					v = 0.01
				}
			}
			return appendDecimal(dst, v, 4)
		}
	case credit.TypeEnum:
		return weightedEnum(f)
	case credit.TypeCode:
		if f.Personal {
			return func(w *writer, dst []byte) []byte { return append(dst, w.person.id...) }
		}
		return func(w *writer, dst []byte) []byte {
			if w.legal != nil && (strings.Contains(label, "主体") || strings.Contains(label, "当事人")) {
				return append(dst, w.legal.code...)
			}
			return append(dst, w.dept.code...)
		}
	}
	// Text: guess from the label.
	switch {
	case strings.Contains(label, "机关") || strings.Contains(label, "单位") || strings.Contains(label, "部门"):
		return genDeptName
	case strings.Contains(label, "住所") || strings.Contains(label, "地址"):
		return genAddress
	case strings.Contains(label, "文号") || strings.Contains(label, "文书号"):
		return docNo(it)
	case strings.Contains(label, "编号") || strings.Contains(label, "号码"):
		return func(w *writer, dst []byte) []byte {
			dst = strconv.AppendInt(dst, int64(w.dec.year()), 10)
			return appendPadded(dst, w.seq, 8)
		}
	case strings.Contains(label, "法定代表人") || strings.Contains(label, "负责人"):
		// The representative of an organisation; a natural person answers for themselves.
		return func(w *writer, dst []byte) []byte { return append(dst, w.person.name...) }
	case strings.Contains(label, "名称"):
		return func(w *writer, dst []byte) []byte {
			dst = append(dst, cityName...)
			return append(dst, it.NameZH...)
		}
	}
	return func(w *writer, dst []byte) []byte {
		dst = append(dst, it.NameZH...)
		return append(dst, "相关信息"...)
	}
}

func pow10(n int) int {
	p := 1
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

func lognormalR(w *writer, sigma float64) float64 { return lognormal(w.r, sigma) }

// enumIndex returns the index of v in values, or -1.
func enumIndex(values []string, v string) int {
	for i, e := range values {
		if e == v {
			return i
		}
	}
	return -1
}

// enumWeightHints give realistic frequencies to enum values the default catalog uses; other
// values get Zipf weights by position (earlier values are more common, as catalogs list them).
var enumWeightHints = map[string]int{
	"A": 12, "B": 55, "M": 18, "C": 10, "D": 5,
	"国家级": 3, "省级": 12, "市级": 50, "县级": 35,
	"合格": 96, "不合格": 4, "是": 1, "否": 20,
	"环保诚信企业": 12, "环保良好企业": 70, "环保警示企业": 13, "环保不良企业": 5,
	"全部未履行": 75, "部分未履行": 25, "全血": 85, "成分血": 15,
	"审批替代型": 55, "主动型": 25, "行业自律型": 14, "信用修复型": 6,
	"有效": 80, "无效": 20,
}

// weightedEnum picks enum values by the hints above or by position; a Multi field sometimes
// gets two values, in list order.
func weightedEnum(f *credit.Field) func(*writer, []byte) []byte {
	ws := make([]weighted, len(f.Enum))
	hinted := 0
	for _, v := range f.Enum {
		if _, ok := enumWeightHints[v]; ok {
			hinted++
		}
	}
	for i, v := range f.Enum {
		w := 1000 / (i + 1)
		if hinted == len(f.Enum) {
			w = enumWeightHints[v]
		}
		ws[i] = weighted{v, max(w, 1)}
	}
	p := newPicker(ws)
	values := f.Enum
	if !f.Multi {
		return func(w *writer, dst []byte) []byte { return append(dst, p.pick(w.r)...) }
	}
	return func(w *writer, dst []byte) []byte {
		a := p.pick(w.r)
		if w.r.IntN(5) > 0 || len(values) < 2 {
			return append(dst, a...)
		}
		b := p.pick(w.r)
		ia, ib := enumIndex(values, a), enumIndex(values, b)
		switch {
		case ia == ib:
			return append(dst, a...)
		case ia > ib:
			a, b = b, a
		}
		dst = append(dst, a...)
		dst = append(dst, ';')
		return append(dst, b...)
	}
}

// regStatus maps the subject's status to the enum: 存续 (now and then 在业) for active
// subjects, 注销, 吊销.
func regStatus(f *credit.Field) func(*writer, []byte) []byte {
	find := func(vs ...string) string {
		for _, v := range vs {
			if i := enumIndex(f.Enum, v); i >= 0 {
				return f.Enum[i]
			}
		}
		return f.Enum[0]
	}
	active, operating := find("存续", "在业"), find("在业", "存续")
	dereg, revoked := find("注销"), find("吊销")
	return func(w *writer, dst []byte) []byte {
		if w.legal == nil {
			return append(dst, active...)
		}
		switch w.legal.status {
		case statusDeregistered:
			return append(dst, dereg...)
		case statusRevoked:
			return append(dst, revoked...)
		}
		if w.r.IntN(10) == 0 {
			return append(dst, operating...)
		}
		return append(dst, active...)
	}
}

// appendDecimal appends v with at most frac decimals and no trailing zeros (12.5, 3, 0.05).
func appendDecimal(dst []byte, v float64, frac int) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, v, 'f', frac, 64)
	if frac > 0 {
		for dst[len(dst)-1] == '0' {
			dst = dst[:len(dst)-1]
		}
		if dst[len(dst)-1] == '.' {
			dst = dst[:len(dst)-1]
		}
	}
	if len(dst) == start {
		dst = append(dst, '0')
	}
	return dst
}

// appendYuan appends an amount given in yuan in the unit the field's label names (万元 or 元).
func appendYuan(dst []byte, yuan float64, label string) []byte {
	if strings.Contains(label, "万元") {
		return appendDecimal(dst, yuan/10000, 6)
	}
	return appendDecimal(dst, yuan, 2)
}

func isLicence(it *credit.CatalogItem) bool {
	return strings.Contains(it.Code, "licen") || strings.Contains(it.NameZH, "许可")
}
