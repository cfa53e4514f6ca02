package store

import "testing"

func TestTallyAndSort(t *testing.T) {
	fs := []Finding{
		{Level: LevelOK, Name: "a"}, {Level: LevelAdvice, Name: "b"}, {Level: LevelWarning, Name: "c"},
		{Level: LevelOK, Name: "d"}, {Level: LevelWarning, Name: "e"},
	}
	counts, worst := Tally(fs)
	if worst != LevelWarning || counts[LevelOK] != 2 || counts[LevelAdvice] != 1 || counts[LevelWarning] != 2 || counts[LevelCritical] != 0 {
		t.Errorf("tally: %v, worst %s", counts, worst)
	}
	if _, worst := Tally(nil); worst != LevelOK {
		t.Errorf("no findings: worst %s", worst)
	}
	SortFindings(fs)
	var names string
	for _, f := range fs {
		names += f.Name
	}
	if names != "cebad" {
		t.Errorf("sorted: %s, want the warnings, the advice, then the rest in their order", names)
	}
}
