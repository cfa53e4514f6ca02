package catalog

import (
	"strings"
	"testing"

	"github.com/xinyong/xinyong/credit"
)

func TestDefaultJoint(t *testing.T) {
	c, err := DefaultJoint()
	if err != nil {
		t.Fatal(err)
	}
	var pun, rew int
	for _, m := range c.Measures {
		switch {
		case m.Direction == credit.DirectionPunishment && m.Basis != "":
			pun++
		case m.Direction == credit.DirectionReward && m.Basis != "":
			rew++
		}
	}
	if pun < 10 || rew < 8 {
		t.Fatalf("punishments %d, rewards %d", pun, rew)
	}
	for _, code := range []string{"red_list", "black_list", "focus_list", "abnormal_operation", "court_defaulter"} {
		if _, ok := c.ListType(code); !ok {
			t.Errorf("missing list type %s", code)
		}
	}
	for _, code := range []string{"gov_procurement", "bidding", "fiscal_subsidy", "award", "admin_approval"} {
		if _, ok := c.Matter(code); !ok {
			t.Errorf("missing matter %s", code)
		}
	}
}

func TestParseJointRefuses(t *testing.T) {
	for _, tc := range []struct{ name, edit, want string }{
		{"unknown list", `"lists": ["court_defaulter"], "reaches": ["subject"], "matters": ["gov_procurement"], "dept": "cz"`, "未知名单"},
		{"active without basis", `"basis": "《中华人民共和国政府采购法》`, "法律依据"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := string(listsJSON)
			switch tc.name {
			case "unknown list":
				s = strings.Replace(s, `"lists": ["court_defaulter"], "reaches": ["subject"], "matters": ["gov_procurement"], "dept": "cz"`,
					`"lists": ["nope"], "reaches": ["subject"], "matters": ["gov_procurement"], "dept": "cz"`, 1)
			case "active without basis":
				s = strings.Replace(s, `"basis": "《中华人民共和国政府采购法》第二十二条；《关于对失信被执行人实施联合惩戒的合作备忘录》（发改财金〔2016〕141号）"`, `"basis": ""`, 1)
			}
			if s == string(listsJSON) {
				t.Fatal("edit did not apply")
			}
			_, err := ParseJoint([]byte(s))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzParseJoint(f *testing.F) {
	f.Add(listsJSON)
	f.Add([]byte(`{"list_types":[{"code":"x"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseJoint(b)
		if err == nil {
			for _, m := range c.Measures {
				if m.Active && m.Basis == "" {
					t.Fatal("accepted an active measure without basis")
				}
			}
		}
	})
}
