package catalog

import (
	"bytes"
	"strings"
	"testing"
)

func TestDefaultScorecards(t *testing.T) {
	cat, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	cards, err := DefaultScorecards(cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 3 || cards[0].Code != "personal" || len(cards[0].Dimensions) != 5 || len(cards[0].Grades) != 6 {
		t.Fatalf("personal card: %+v", cards[0])
	}
	if _, err := DefaultBenefits(cards); err != nil {
		t.Fatal(err)
	}
	if _, err := DefaultSupervision(cards); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteScorecard(&buf, cards[1]); err != nil {
		t.Fatal(err)
	}
	back, err := ParseScorecard(&buf, cat)
	if err != nil || back.Code != "enterprise" || len(back.Indicators) != len(cards[1].Indicators) {
		t.Fatalf("round trip: %v", err)
	}
}

func TestParseScorecardStrict(t *testing.T) {
	cat, _ := Default()
	for name, in := range map[string]string{
		"unknown key": `{"code":"x","bogus":1}`,
		"trailing":    `{"code":"x"} {}`,
		"not json":    `{`,
	} {
		if _, err := ParseScorecard(strings.NewReader(in), cat); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseScorecard(f *testing.F) {
	cat, _ := Default()
	for _, code := range DefaultScorecardCodes {
		b, _ := scorecardFS.ReadFile("scorecards/" + code + ".json")
		f.Add(b)
	}
	f.Add([]byte(`{"code":"a","name_zh":"甲","subject_classes":["person"],"base":5,"min":0,"max":10,"dimensions":[{"code":"d","name_zh":"维"}],` +
		`"indicators":[{"code":"x","name_zh":"派","dimension":"d","of":["y"],"op":"eq"},{"code":"y","name_zh":"派","dimension":"d","of":["x"],"op":"eq"}],` +
		`"grades":[{"grade":"A","min":6,"max":10},{"grade":"B","min":0,"max":4}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseScorecard(bytes.NewReader(b), cat)
		if err != nil {
			return
		}
		// A card that passes Check compiles and evaluates without panicking.
		if _, err := compileAndRun(c, cat); err != nil {
			t.Fatalf("checked card does not compile: %v", err)
		}
	})
}
