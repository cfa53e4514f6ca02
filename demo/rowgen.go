package demo

import (
	"math"
	"strconv"
	"strings"

	"github.com/xinyong/xinyong/credit"
)

// Row-level decisions shared by several fields, and the content generators built on them.

// penaltyCats are the 双公示 penalty categories (处罚类别), in the catalog's list order.
var penaltyCats = []string{"警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
	"吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留"}

// Indexes into penaltyCats.
const (
	catWarn       = 0
	catFine       = 2
	catConfiscate = 3
	catSuspend    = 5
	catRevoke     = 7
	catStop       = 9
	catDetain     = 12
)

// penalty is the decision of one penalty row.
type penalty struct {
	v           *violation
	cats        uint16  // bit i: penaltyCats[i]
	fine        float64 // yuan
	confiscated float64 // yuan
	days        int     // detention or suspension days
}

func (p *penalty) has(cat int) bool { return p.cats&(1<<cat) != 0 }

// penalty decides the current row's violation and sanction once.
func (w *writer) penalty() *penalty {
	if w.st.pen != nil {
		return w.st.pen
	}
	p := &w.st.penalty
	w.st.pen = p
	list := w.dom.violations
	if w.legal == nil && len(w.dom.personViol) > 0 {
		list = w.dom.personViol
	}
	if len(list) == 0 {
		list = genericDomain.violations
	}
	p.v = &list[w.r.IntN(len(list))]
	if p.v.warn && (!p.v.fine || w.r.IntN(100) < 45) {
		p.cats = 1 << catWarn
	} else {
		p.cats = 1 << catFine
		base := math.Max(p.v.amount, 0.02) * 10000
		if w.legal == nil {
			base /= 3
		}
		p.fine = roundYuan(base * lognormal(w.r, 0.7))
		if w.r.IntN(100) < 8 {
			p.cats |= 1 << catConfiscate
			p.confiscated = roundYuan(p.fine * 0.3 * lognormal(w.r, 0.6))
		}
	}
	switch {
	case w.legal == nil && strings.Contains(w.dept.NameZH, "公安") && w.r.IntN(100) < 15:
		p.cats |= 1 << catDetain
		p.days = 3 + w.r.IntN(8)
	case w.legal != nil && w.r.IntN(100) < 3:
		switch w.r.IntN(3) {
		case 0:
			p.cats |= 1 << catSuspend
			p.days = 30 * (1 + w.r.IntN(6))
		case 1:
			p.cats |= 1 << catRevoke
		default:
			p.cats |= 1 << catStop
			p.days = 10 * (1 + w.r.IntN(9))
		}
	}
	return p
}

// roundYuan rounds an amount to what a decision would write: tens, hundreds or thousands.
func roundYuan(y float64) float64 {
	switch {
	case y >= 100000:
		return math.Round(y/1000) * 1000
	case y >= 1000:
		return math.Round(y/100) * 100
	case y >= 50:
		return math.Round(y/50) * 50
	}
	return 50
}

// penaltyCategory writes the row's categories that the field's enum lists, in list order.
func penaltyCategory(f *credit.Field) func(*writer, []byte) []byte {
	index := make([]int, len(penaltyCats)) // penaltyCats index -> enum index, -1 if absent
	any := false
	for i, c := range penaltyCats {
		index[i] = enumIndex(f.Enum, c)
		any = any || index[i] >= 0
	}
	if !any {
		return weightedEnum(f)
	}
	return func(w *writer, dst []byte) []byte {
		p := w.penalty()
		var picked [16]int
		n := 0
		for i := range penaltyCats {
			if p.has(i) && index[i] >= 0 {
				picked[n] = index[i]
				n++
			}
		}
		if n == 0 {
			return append(dst, f.Enum[0]...)
		}
		// Sort the enum indexes (insertion sort: at most three).
		for a := 1; a < n; a++ {
			for b := a; b > 0 && picked[b] < picked[b-1]; b-- {
				picked[b], picked[b-1] = picked[b-1], picked[b]
			}
		}
		if !f.Multi {
			n = 1
		}
		for k := 0; k < n; k++ {
			if k > 0 {
				dst = append(dst, ';')
			}
			dst = append(dst, f.Enum[picked[k]]...)
		}
		return dst
	}
}

// genPenaltyContent writes the sanction in words: 警告 / 罚款5000元 / 没收违法所得1200元，并处罚款5000元.
func genPenaltyContent(w *writer, dst []byte) []byte {
	p := w.penalty()
	start := len(dst)
	sep := func() {
		if len(dst) > start {
			dst = append(dst, "，并处"...)
		}
	}
	if p.has(catWarn) {
		dst = append(dst, "警告"...)
	}
	if p.has(catConfiscate) {
		sep()
		dst = append(dst, "没收违法所得"...)
		dst = strconv.AppendInt(dst, int64(p.confiscated), 10)
		dst = append(dst, "元"...)
	}
	if p.has(catFine) {
		sep()
		dst = append(dst, "罚款"...)
		dst = strconv.AppendInt(dst, int64(p.fine), 10)
		dst = append(dst, "元"...)
	}
	if p.has(catDetain) {
		sep()
		dst = append(dst, "行政拘留"...)
		dst = strconv.AppendInt(dst, int64(p.days), 10)
		dst = append(dst, "日"...)
	}
	if p.has(catSuspend) {
		sep()
		dst = append(dst, "暂扣"...)
		dst = append(dst, w.licence().cert...)
		dst = strconv.AppendInt(dst, int64(p.days/30), 10)
		dst = append(dst, "个月"...)
	}
	if p.has(catRevoke) {
		sep()
		dst = append(dst, "吊销"...)
		dst = append(dst, w.licence().cert...)
	}
	if p.has(catStop) {
		sep()
		dst = append(dst, "责令停产停业"...)
		dst = strconv.AppendInt(dst, int64(p.days), 10)
		dst = append(dst, "日"...)
	}
	return dst
}

// genFacts writes the facts found: 经查，当事人于2024年3月5日……
func genFacts(w *writer, dst []byte) []byte {
	p := w.penalty()
	dst = append(dst, "经查，当事人于"...)
	dst = appendDateZH(dst, w.dec-days(10+w.r.IntN(110)))
	dst = append(dst, p.v.facts...)
	dst = append(dst, "。以上事实有现场检查笔录、询问笔录、现场照片等证据证实。"...)
	return dst
}

// appendDateZH appends z as 2024年3月5日.
func appendDateZH(dst []byte, z day) []byte {
	y, m, d := z.civil()
	dst = strconv.AppendInt(dst, int64(y), 10)
	dst = append(dst, "年"...)
	dst = strconv.AppendInt(dst, int64(m), 10)
	dst = append(dst, "月"...)
	dst = strconv.AppendInt(dst, int64(d), 10)
	return append(dst, "日"...)
}

// licence decides the current row's licence once: one the department grants, to natural
// persons if the subject is one.
func (w *writer) licence() *licence {
	if w.st.lic == nil {
		list := w.dom.licences
		if w.legal == nil && len(w.dom.personLic) > 0 {
			list = w.dom.personLic
		}
		if len(list) == 0 {
			list = genericDomain.licences
		}
		w.st.lic = &list[w.r.IntN(len(list))]
	}
	return w.st.lic
}

func genLicenceNo(w *writer, dst []byte) []byte { return appendLicenceNo(w, dst, w.licence()) }

// appendLicenceNo appends a licence number: the certificate's prefix, the year and a sequence.
func appendLicenceNo(w *writer, dst []byte, l *licence) []byte {
	y := w.dec.year()
	dst = append(dst, l.prefix...)
	dst = strconv.AppendInt(dst, int64(y), 10)
	return appendPadded(dst, w.next(2<<20|y), 6)
}

func genLicenceContent(w *writer, dst []byte) []byte { return append(dst, w.licence().content...) }

// next returns the next number of a document sequence (per kind and year).
func (w *writer) next(key int) int {
	n := w.counters[key] + 1
	w.counters[key] = n
	return n
}

// docNo returns the generator of an item's document numbers: 威环罚字〔2025〕第0123号 for
// decisions, 威人社发〔2024〕12号 for honours.
func docNo(it *credit.CatalogItem) func(*writer, []byte) []byte {
	kind := "决"
	hay := it.Code + it.NameZH
	switch {
	case strings.Contains(hay, "penalt") || strings.Contains(hay, "处罚"):
		kind = "罚"
	case isLicence(it):
		kind = "许"
	case strings.Contains(hay, "abnormal") || strings.Contains(hay, "异常"):
		kind = "异"
	case strings.Contains(hay, "list") || strings.Contains(hay, "名单"):
		kind = "列"
	case strings.Contains(hay, "honour") || strings.Contains(hay, "表彰"):
		return func(w *writer, dst []byte) []byte {
			y := w.dec.year()
			dst = append(dst, "威"...)
			dst = append(dst, w.dept.abbr...)
			dst = append(dst, "发〔"...)
			dst = strconv.AppendInt(dst, int64(y), 10)
			dst = append(dst, "〕"...)
			dst = strconv.AppendInt(dst, int64(w.next(1<<20|y)), 10)
			return append(dst, "号"...)
		}
	}
	return func(w *writer, dst []byte) []byte {
		y := w.dec.year()
		dst = append(dst, "威"...)
		dst = append(dst, w.dept.abbr...)
		dst = append(dst, kind...)
		dst = append(dst, "字〔"...)
		dst = strconv.AppendInt(dst, int64(y), 10)
		dst = append(dst, "〕第"...)
		dst = appendPadded(dst, w.next(1<<20|y), 4)
		return append(dst, "号"...)
	}
}

// courtCase is the enforcement case behind a court-defaulter row.
type courtCase struct {
	filing    day
	court     int // index into districts, -1: the intermediate court
	basisYear int
	basisKind string
	amount    int64 // yuan owed
	paid      int64 // yuan paid so far
}

var caseKindPicker = newPicker(caseKinds)

func (w *writer) courtCase() *courtCase {
	if w.st.court != nil {
		return w.st.court
	}
	cc := &w.st.cc
	w.st.court = cc
	cc.filing = w.dec - days(15+w.r.IntN(300))
	cc.court = int(w.person.dist)
	if w.legal != nil {
		cc.court = max(int(w.legal.dist), 0)
	}
	if w.r.IntN(100) < 12 {
		cc.court = -1
	}
	cc.basisYear = cc.filing.year() - w.r.IntN(2)
	cc.basisKind = caseKindPicker.pick(w.r)
	amount := 8000 * lognormal(w.r, 1.3)
	if w.legal != nil {
		amount *= 6
	}
	cc.amount = int64(roundYuan(amount))
	if w.r.IntN(100) < 25 {
		cc.paid = int64(roundYuan(float64(cc.amount) * (0.1 + 0.6*w.r.Float64())))
		if cc.paid >= cc.amount {
			cc.paid = cc.amount / 2
		}
	}
	return cc
}

// appendCaseNo appends a case number: （2025）鲁1002执1234号, or an arbitral award number.
func appendCaseNo(w *writer, dst []byte, year, court int, kind string) []byte {
	if kind == "仲" {
		dst = append(dst, "威仲字〔"...)
		dst = strconv.AppendInt(dst, int64(year), 10)
		dst = append(dst, "〕第"...)
		dst = strconv.AppendInt(dst, int64(w.next(4<<20|year)), 10)
		return append(dst, "号"...)
	}
	dst = append(dst, "（"...)
	dst = strconv.AppendInt(dst, int64(year), 10)
	dst = append(dst, "）"...)
	if court < 0 {
		dst = append(dst, cityCourt...)
	} else {
		dst = append(dst, districts[court].court...)
	}
	dst = append(dst, kind...)
	key := (8+court)<<24 | len(kind)<<16 | year
	dst = strconv.AppendInt(dst, int64(w.next(key)), 10)
	return append(dst, "号"...)
}

// appendCourtName appends a court's name: 威海市环翠区人民法院, 荣成市人民法院, 威海市中级人民法院.
func appendCourtName(dst []byte, court int) []byte {
	if court < 0 {
		return append(dst, "威海市中级人民法院"...)
	}
	d := &districts[court]
	if strings.HasSuffix(d.name, "区") {
		dst = append(dst, cityName...)
	}
	dst = append(dst, d.name...)
	return append(dst, "人民法院"...)
}

// obligationParts are the obligation templates split at the amount.
var obligationParts = func() [][2]string {
	out := make([][2]string, len(obligations))
	for i, o := range obligations {
		a, b, _ := strings.Cut(o, "%s")
		out[i] = [2]string{a, b}
	}
	return out
}()

func genObligation(w *writer, dst []byte) []byte {
	cc := w.courtCase()
	o := obligationParts[w.r.IntN(len(obligationParts))]
	dst = append(dst, o[0]...)
	dst = strconv.AppendInt(dst, cc.amount, 10)
	dst = append(dst, o[1]...)
	return append(dst, "，并负担案件受理费"...)
}

var circumstancePicker = newPicker(defaulterCircumstances)

func genCircumstance(w *writer, dst []byte) []byte {
	return append(dst, circumstancePicker.pick(w.r)...)
}

// genHonour writes an honour's name, for persons or organisations, sometimes with the year.
func genHonour(w *writer, dst []byte) []byte {
	list := w.dom.honours
	if w.legal == nil {
		list = w.dom.personHonor
		if len(list) == 0 {
			list = genericDomain.personHonor
		}
	}
	if len(list) == 0 {
		list = genericDomain.honours
	}
	if w.r.IntN(2) == 0 {
		dst = strconv.AppendInt(dst, int64(w.dec.year()-1), 10)
		dst = append(dst, "年度"...)
	}
	return append(dst, one(w.r, list)...)
}

// donatedGoods reports whether the current donation is in goods rather than money.
func (w *writer) donatedGoods() bool {
	if w.st.result == 0 {
		w.st.result = 1
		if w.r.IntN(10) < 3 {
			w.st.result = 2
		}
	}
	return w.st.result == 2
}

// failed reports whether the current inspection failed.
func (w *writer) failed() bool {
	if w.st.result == 0 {
		w.st.result = 1
		if w.r.IntN(100) < 4 {
			w.st.result = 2
		}
	}
	return w.st.result == 2
}

var entTypePicker = newPicker(entTypes)

// genEntType writes the market-subject type (市场主体类型) of the registration.
func genEntType(w *writer, dst []byte) []byte {
	s := w.legal
	if s == nil {
		return dst
	}
	switch s.kind {
	case kEnterprise:
		if strings.HasSuffix(s.name, "股份有限公司") {
			return append(dst, "股份有限公司（非上市、自然人投资或控股）"...)
		}
		return append(dst, entTypePicker.pick(w.r)...)
	case kIndividual:
		return append(dst, "个体工商户"...)
	case kCoop:
		return append(dst, "农民专业合作社"...)
	case kInstitution:
		return append(dst, "事业单位"...)
	case kGroup:
		return append(dst, "社会团体"...)
	case kPrivate:
		return append(dst, "民办非企业单位"...)
	case kFoundation:
		return append(dst, "基金会"...)
	}
	return append(dst, "机关"...)
}

func genCapital(w *writer, dst []byte) []byte {
	if w.legal == nil || w.legal.capital <= 0 {
		return dst
	}
	return appendDecimal(dst, w.legal.capital, 2)
}

var individualScopes = []string{
	"日用百货、预包装食品零售", "餐饮服务", "水产品零售", "五金产品、建材零售", "理发及美容服务",
	"机动车维修", "服装、鞋帽零售", "蔬菜、水果零售", "烟草制品零售；预包装食品销售", "打字复印服务",
}

const scopeTail = "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"

// genScope writes the business scope (经营范围): by industry for firms, by kind otherwise.
func genScope(w *writer, dst []byte) []byte {
	s := w.legal
	if s == nil {
		return dst
	}
	switch s.kind {
	case kEnterprise:
		dst = append(dst, "一般项目："...)
		dst = append(dst, industries[s.industry].scope...)
		return append(dst, scopeTail...)
	case kIndividual:
		return append(dst, one(w.r, individualScopes)...)
	case kCoop:
		return append(dst, "组织采购、供应成员所需的生产资料；组织收购、销售成员生产的农产品；开展成员所需的运输、贮藏、加工、包装等服务；引进新技术、新品种，开展技术培训、技术交流和信息咨询服务"...)
	case kGroup, kFoundation, kPrivate:
		return append(dst, "开展行业交流、业务培训、咨询服务、公益活动"...)
	}
	return dst
}

// genRegAuthority writes the registering authority: the district's market regulator (or the
// administrative approval bureau) for firms, the establishment office for institutions and
// government bodies, civil affairs for social organisations.
func genRegAuthority(w *writer, dst []byte) []byte {
	s := w.legal
	if s == nil {
		return dst
	}
	switch s.kind {
	case kInstitution, kGovernment:
		return append(dst, "中共威海市委机构编制委员会办公室"...)
	case kGroup, kPrivate, kFoundation:
		dst = appendDistrictPrefix(dst, s.dist)
		return append(dst, "民政局"...)
	}
	dst = appendDistrictPrefix(dst, s.dist)
	if s.est >= civilDay(2018, 1, 1) && w.r.IntN(3) == 0 {
		return append(dst, "行政审批服务局"...)
	}
	return append(dst, "市场监督管理局"...)
}

// appendDistrictPrefix appends 威海市 / 威海市环翠区 / 荣成市 for an office of a district.
func appendDistrictPrefix(dst []byte, dist int8) []byte {
	if dist < 0 {
		return append(dst, cityName...)
	}
	d := &districts[dist]
	if strings.HasSuffix(d.name, "区") {
		dst = append(dst, cityName...)
	}
	return append(dst, d.name...)
}

// genTaxAuthority writes the tax bureau of the subject's district.
func genTaxAuthority(w *writer, dst []byte) []byte {
	dst = append(dst, "国家税务总局"...)
	dist := int8(-1)
	if w.legal != nil {
		dist = w.legal.dist
	}
	dst = appendDistrictPrefix(dst, dist)
	return append(dst, "税务局"...)
}

// genCommitment writes a credit commitment's text (信用承诺书).
func genCommitment(w *writer, dst []byte) []byte {
	if w.legal == nil {
		dst = append(dst, "本人郑重承诺："...)
	} else {
		dst = append(dst, "本单位郑重承诺："...)
	}
	dst = append(dst, "所提交的申请材料真实、合法、有效；严格遵守国家法律法规和政策规定，依法诚信经营；"...)
	return append(dst, "如有违反，自愿接受有关部门依法作出的处理，并同意将违诺情况记入信用记录、向社会公开。"...)
}
