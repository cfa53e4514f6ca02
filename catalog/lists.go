package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/xinyong/xinyong/credit"
)

// lists.json is the default joint catalog (联合奖惩目录): list types, the matters of the
// application list (应用清单) and the measures list (联合奖惩措施清单), modelled on seeds
// 000–003, each measure with the legal basis it cites. Notes JSON cannot carry:
//
//   - court_defaulter publishes persons (the Supreme People's Court publishes its list), every
//     other list publishes organisations only.
//   - epidemic_key_supply is the exemption of seed 000 (疫情防控重点保障企业…原则上不得采取失信
//     惩戒); sme_hardship carries the 3-month grace period for small firms in difficulty.
//   - P13 has no legal basis on purpose: it ships inactive and cannot be activated until one is
//     entered, showing the rule.
//   - agri_black and tax_a carry rules (credit.ListRule) over a subject's records: a banned
//     pesticide found in an inspection (seed 000: 检出国家禁用农药，列入黑名单), a tax grade A.
//     Seed 000's score rule (≥ 90 → red, < 60 → black) needs the base assessment score, which
//     the default catalog has no item for yet; a city that collects it adds the item and the
//     rule ("r.agri_base_assessment.score >= 90.0").
//
//go:embed lists.json
var listsJSON []byte

// DefaultJoint returns a fresh copy of the embedded joint catalog, checked.
func DefaultJoint() (*credit.JointCatalog, error) { return ParseJoint(listsJSON) }

// ParseJoint reads a joint catalog from JSON and checks it.
func ParseJoint(b []byte) (*credit.JointCatalog, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c credit.JointCatalog
	if err := dec.Decode(&c); err != nil {
		return nil, credit.Errorf(credit.EINVALID, "联合奖惩目录格式错误 / bad joint catalog: %v", err)
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("joint catalog: %w", err)
	}
	return &c, nil
}
