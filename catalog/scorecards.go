package catalog

import (
	"bytes"
	"embed"
	"encoding/json"
	"io"

	"github.com/xinyong/xinyong/credit"
)

// The default scorecards, the 信易+ benefits list and the graded-supervision table, as data.
// personal.json models Weihai's 海贝分 (seeds 000, 001: 表彰奖励、道德公益、守法履约、社会责任、
// 公共服务, a thousand-point scale, six grades); enterprise.json a public credit evaluation A–D
// (seed 004: 构建公共信用评价模型…信用分级分类); agriculture.json the agricultural star rating
// (seed 000: ≥ 90 四☆, < 60 or a banned pesticide found in a county-or-higher inspection → 黑名单).
// The points and thresholds are the platform's defaults: the seeds give the structure, not the
// weights, and a credit office publishes its own versions. The default catalog has no item yet
// for the 公共服务 dimension (e.g. utility payments); it scores zero until one is added.
//
//go:embed scorecards/*.json
var scorecardFS embed.FS

// DefaultScorecardCodes lists the embedded scorecards in the order they are shown.
var DefaultScorecardCodes = []string{"personal", "enterprise", "agriculture"}

// MaxScorecardSize is the largest scorecard ParseScorecard reads.
const MaxScorecardSize = 4 << 20

// DefaultScorecards returns fresh copies of the embedded scorecards, checked against cat.
func DefaultScorecards(cat *credit.Catalog) ([]*credit.Scorecard, error) {
	out := make([]*credit.Scorecard, 0, len(DefaultScorecardCodes))
	for _, code := range DefaultScorecardCodes {
		b, err := scorecardFS.ReadFile("scorecards/" + code + ".json")
		if err != nil {
			return nil, err
		}
		c, err := ParseScorecard(bytes.NewReader(b), cat)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ParseScorecard reads one scorecard in JSON and checks it against cat. Unknown keys and
// trailing data are errors.
func ParseScorecard(r io.Reader, cat *credit.Catalog) (*credit.Scorecard, error) {
	var c credit.Scorecard
	if err := decodeStrict(r, MaxScorecardSize, "评分模型 scorecard", &c); err != nil {
		return nil, err
	}
	if err := c.Check(cat); err != nil {
		return nil, err
	}
	return &c, nil
}

// WriteScorecard writes c as indented JSON, the form ParseScorecard reads.
func WriteScorecard(w io.Writer, c *credit.Scorecard) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(c)
}

// DefaultBenefits returns the embedded 信易+ benefits list, checked against cards.
func DefaultBenefits(cards []*credit.Scorecard) ([]credit.Benefit, error) {
	var list []credit.Benefit
	if err := readEmbedded("scorecards/benefits.json", &list); err != nil {
		return nil, err
	}
	return list, credit.CheckBenefits(list, byCode(cards))
}

// DefaultSupervision returns the embedded graded-supervision table (inspection ratio and
// frequency per grade), checked against cards.
func DefaultSupervision(cards []*credit.Scorecard) ([]credit.Supervision, error) {
	var list []credit.Supervision
	if err := readEmbedded("scorecards/supervision.json", &list); err != nil {
		return nil, err
	}
	return list, credit.CheckSupervision(list, byCode(cards))
}

func byCode(cards []*credit.Scorecard) map[string]*credit.Scorecard {
	m := make(map[string]*credit.Scorecard, len(cards))
	for _, c := range cards {
		m[c.Code] = c
	}
	return m
}

func readEmbedded(name string, v any) error {
	b, err := scorecardFS.ReadFile(name)
	if err != nil {
		return err
	}
	return decodeStrict(bytes.NewReader(b), MaxScorecardSize, name, v)
}

// decodeStrict decodes exactly one JSON value of at most limit bytes with no unknown keys.
func decodeStrict(r io.Reader, limit int64, what string, v any) error {
	lr := &io.LimitedReader{R: r, N: limit + 1}
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if lr.N <= 0 {
			return credit.Errorf(credit.ETOOLARGE, "%s 超过 %d MB / %s larger than %d MB", what, limit>>20, what, limit>>20)
		}
		return credit.Errorf(credit.EINVALID, "%s 不是有效的 JSON / %s is not valid JSON: %v", what, what, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return credit.Errorf(credit.EINVALID, "%s 在第一个 JSON 值之后还有内容 / %s has data after its JSON value", what, what)
	}
	return nil
}
