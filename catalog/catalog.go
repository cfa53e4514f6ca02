// Package catalog holds the default public credit information catalog (公共信用信息目录 /
// 数据归集清单) as data, and reads and writes catalogs as JSON for import and export.
//
// The default catalog (default.json) models a prefecture-level city after Weihai (seed 000: 72
// departments, 3,384 administrative items, 243 million records); a city edits it to its own
// catalog. Notes on choices in it that JSON cannot carry as comments:
//
//   - admin_license, admin_penalty: the fields of the national 双公示 data standard; reported
//     within 7 working days of the decision (seed 002: 7个工作日内…公开). A licence is shown
//     until its valid-to date, a penalty for its tier's period (general: 3–12 months) or until
//     the department's 公示截止期 when that comes earlier. 处罚类别 may list several categories
//     ("罚款;没收违法所得"), as the standard allows. Penalties of natural persons are public by
//     that standard too; the portal masks the person's name and ID.
//   - court_defaulter: the Supreme People's Court publishes its list of dishonest judgment
//     debtors (seed 002: 司法机关的失信被执行人名单…公示), so it is public, serious information,
//     and reaches persons and legal persons alike. The court deletes an entry when the debtor
//     performs; removed_date ends publication.
//   - tax_credit_grade: the tax rules have the tax authority publish the A-grade list and let
//     every taxpayer look up its own grade; the default keeps the item simply public (graded,
//     classified supervision uses every grade, DESIGN §1.5). A city that follows the tax rules
//     to the letter publishes A only, e.g. with a separate A-list item.
//   - volunteer_service, blood_donation: records of natural persons only, positive points of
//     the personal credit score (seed 000: 志愿服务37.1万条；无偿献血13.2万条). Personal credit
//     information is not public unless the law says so (seed 004: 个人公共信用信息可以通过授权
//     查询、政务共享的方式披露…原则上不得公开公示): disclosure "authorised". Blood donations are
//     reported by the health commission, which the central blood station (中心血站) belongs to.
//   - charitable_donation: covers persons too (seed 000: 慈善捐助13.6万), so it is shared
//     between departments, not public.
//   - credit_commitment: commitments are published (seed 003: "信用承诺"专区已公示514份信用
//     承诺书); the item covers organisations only, since a person's commitment is not public.
//   - social_insurance_arrears: negative, shared between departments, not published.
//   - env_credit_rating: the four grades of the enterprise environmental credit evaluation
//     (seed 003: 环保诚信企业、环保良好企业、警示企业); results are published.
//   - agri_quality_inspection: supervisory sampling of farm produce; a banned pesticide found in
//     a county-or-higher inspection puts the producer on the black list (seed 000: 在县级以上
//     监督抽查中检出国家禁用农药，列入黑名单), hence the separate flag. Neutral (a record may be a
//     pass), published for 12 months.
//   - contract_honouring: 守合同重信用企业 (seed 001: "守合同重信用企业公示").
//   - wage_arrears_list: the list of employers in serious wage arrears kept by human resources
//     departments (seed 004: 拖欠农民工工资…联合惩戒); serious, listed for three years, early
//     removal after one year once the wages are paid.
package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/xinyong/xinyong/credit"
)

//go:embed default.json
var defaultJSON []byte

// MaxSize is the largest catalog file Parse reads (Weihai's 3,384 items take a few MB).
const MaxSize = 64 << 20

// Default returns a fresh copy of the default catalog, checked.
func Default() (*credit.Catalog, error) {
	return Parse(bytes.NewReader(defaultJSON))
}

// Parse reads one catalog in JSON and checks it (credit.Catalog.Check). Unknown keys and
// trailing data are errors, so a misspelt key is not silently dropped.
func Parse(r io.Reader) (*credit.Catalog, error) {
	lr := &io.LimitedReader{R: r, N: MaxSize + 1}
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	var c credit.Catalog
	if err := dec.Decode(&c); err != nil {
		if lr.N <= 0 {
			return nil, credit.Errorf(credit.ETOOLARGE, "目录文件超过 %d MB / catalog file larger than %d MB", MaxSize>>20, MaxSize>>20)
		}
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if lr.N <= 0 {
			return nil, credit.Errorf(credit.ETOOLARGE, "目录文件超过 %d MB / catalog file larger than %d MB", MaxSize>>20, MaxSize>>20)
		}
		return nil, credit.Errorf(credit.EINVALID, "目录文件在第一个 JSON 值之后还有内容 / catalog file has data after its JSON value")
	}
	if err := c.Check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// jsonError turns a decoding error into an EINVALID error that says where the problem is.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return credit.Errorf(credit.EINVALID, "目录文件不是有效的 JSON（第 %d 字节）/ catalog file is not valid JSON at byte %d: %v", syn.Offset, syn.Offset, err)
	case errors.As(err, &typ):
		return credit.Errorf(credit.EINVALID, "目录文件中 %s 的类型不对，应为 %s / catalog: %s should be %s", typ.Field, typ.Type, typ.Field, typ.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return credit.Errorf(credit.EINVALID, "目录文件为空或不完整 / catalog file is empty or truncated")
	}
	return credit.Errorf(credit.EINVALID, "目录文件无法读取 / catalog file unreadable: %v", err)
}

// Write writes c as indented JSON, the form Parse reads. It does not check c, so a catalog
// that fails Check can still be exported, fixed and imported again.
func Write(w io.Writer, c *credit.Catalog) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return credit.Errorf(credit.EINTERNAL, "write catalog version %s: %v", strconv.Itoa(c.Version), err)
	}
	return nil
}
