package credit

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
)

// ListRule is a compiled rule that derives a list from records (规则认定名单): a CEL expression,
// stored as data with its list type, over a subject's facts, true when the subject belongs on
// the list (e.g. seed 000: a banned pesticide found in an inspection → the farm black list).
//
// The expression sees two variables:
//   - r: the subject's newest active record of each catalog item, as a map from item code to
//     its fields (decimal fields are doubles, int fields ints, everything else strings):
//     `"agri_quality_inspection" in r && r.agri_quality_inspection.banned_pesticide == "是"`.
//   - n: how many active records the subject has of each item: `n.admin_penalty >= 3`.
//
// Expressions are type-checked at compile time (they must give a bool and name only r and n),
// and evaluated with a cost limit, so a rule cannot run away.
type ListRule struct {
	Source string
	Items  []string // the items the expression names (r.X, n.X, "X" in r)
	prg    cel.Program
}

// MaxRuleLen is the longest rule expression, in characters.
const MaxRuleLen = 1000

// ruleCostLimit bounds one evaluation (CEL's abstract cost units).
const ruleCostLimit = 10_000

var (
	ruleEnv     *cel.Env
	ruleEnvErr  error
	ruleItemsRE = regexp.MustCompile(`\b[rn]\.([a-z][a-z0-9_]*)|"([a-z][a-z0-9_]*)"\s+in\s+[rn]\b`)
)

func init() {
	ruleEnv, ruleEnvErr = cel.NewEnv(
		cel.Variable("r", cel.MapType(cel.StringType, cel.MapType(cel.StringType, cel.DynType))),
		cel.Variable("n", cel.MapType(cel.StringType, cel.IntType)),
	)
}

// CompileListRule checks and compiles a rule; a bad expression is refused with the reason.
func CompileListRule(src string) (*ListRule, error) {
	bad := func(msg string) error {
		return &Error{Code: EINVALID, Field: "rule", Rule: RuleFormat, Message: "名单规则无效 / invalid list rule: " + msg}
	}
	src = strings.TrimSpace(src)
	switch {
	case ruleEnvErr != nil:
		return nil, ruleEnvErr
	case src == "":
		return nil, bad("表达式为空 / empty expression")
	case !utf8.ValidString(src) || utf8.RuneCountInString(src) > MaxRuleLen:
		return nil, bad(fmt.Sprintf("表达式过长或编码无效（最多 %d 字）/ too long or not UTF-8", MaxRuleLen))
	}
	ast, iss := ruleEnv.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, bad(iss.Err().Error())
	}
	if ast.OutputType() != cel.BoolType {
		return nil, bad("结果须为真假值 / the expression must give a bool, not " + ast.OutputType().String())
	}
	prg, err := ruleEnv.Program(ast, cel.CostLimit(ruleCostLimit))
	if err != nil {
		return nil, bad(err.Error())
	}
	lr := &ListRule{Source: src, prg: prg}
	for _, m := range ruleItemsRE.FindAllStringSubmatch(src, -1) {
		item := m[1] + m[2]
		if !slices.Contains(lr.Items, item) {
			lr.Items = append(lr.Items, item)
		}
	}
	return lr, nil
}

// Facts are what a rule sees of one subject.
type Facts struct {
	Records map[string]map[string]any
	Counts  map[string]int64
	// Sources are the records the facts came from, by item (to justify an entry).
	Sources map[string]int64
}

// FactsOf builds a subject's facts from its active records under catalog c: the newest record
// of each item (by decision date, then id), typed by the item's field types.
func FactsOf(c *Catalog, recs []*Record) Facts {
	f := Facts{Records: map[string]map[string]any{}, Counts: map[string]int64{}, Sources: map[string]int64{}}
	newest := map[string]*Record{}
	for _, r := range recs {
		f.Counts[r.Item]++
		if cur, ok := newest[r.Item]; !ok || r.Decision.After(cur.Decision) || (r.Decision.Equal(cur.Decision) && r.ID > cur.ID) {
			newest[r.Item] = r
		}
	}
	for code, r := range newest {
		m := map[string]any{}
		var types map[string]FieldType
		if item, ok := c.Item(code); ok {
			types = map[string]FieldType{}
			for _, fd := range item.Fields {
				types[fd.Name] = fd.Type
			}
		}
		for k, v := range r.Fields {
			switch types[k] {
			case TypeDecimal:
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					m[k] = x
					continue
				}
			case TypeInt:
				if x, err := strconv.ParseInt(v, 10, 64); err == nil {
					m[k] = x
					continue
				}
			}
			m[k] = v
		}
		f.Records[code], f.Sources[code] = m, r.ID
	}
	return f
}

// Eval reports whether a subject with facts belongs on the list. An evaluation error (a field
// the subject's record lacks, the cost limit) is returned, not taken as true or false.
func (lr *ListRule) Eval(f Facts) (bool, error) {
	out, _, err := lr.prg.Eval(map[string]any{"r": f.Records, "n": f.Counts})
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("rule gave %T, not bool", out.Value())
	}
	return b, nil
}
