package credit

import (
	"encoding/json"
	"testing"
)

func TestEncodeFieldsMatchesEncodingJSON(t *testing.T) {
	for _, m := range []map[string]string{
		{},
		{"b": "2", "a": "1"},
		{"doc": "威市监罚〔2026〕1号", "q": `say "hi" \ <b>&</b>`, "ctl": "a\tb\nc\rd\x01e", "ls": "x\u2028y\u2029", "bad": "\xff"},
	} {
		want, _ := json.Marshal(m)
		if got := EncodeFields(m); string(got) != string(want) {
			t.Errorf("EncodeFields(%v) = %s, want %s", m, got, want)
		}
	}
}

func FuzzEncodeFields(f *testing.F) {
	f.Add("k", "威海\n\"<>")
	f.Fuzz(func(t *testing.T, k, v string) {
		m := map[string]string{k: v, "z": v + k}
		want, _ := json.Marshal(m)
		if got := EncodeFields(m); string(got) != string(want) {
			t.Fatalf("EncodeFields = %s, want %s", got, want)
		}
	})
}
