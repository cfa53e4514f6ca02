package credit

import (
	"bytes"
	"strings"
	"testing"
)

func TestSealerRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal([]byte("370102199001011234"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("370102")) {
		t.Fatal("sealed value contains the clear text")
	}
	got, err := s.Open(sealed)
	if err != nil || string(got) != "370102199001011234" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := s.Open(sealed); err == nil {
		t.Fatal("tampered value opened")
	}
	other, _ := NewSealer(bytes.Repeat([]byte{8}, 32))
	if k1, k2 := s.PersonKey("X"), other.PersonKey("X"); k1 == k2 || !strings.HasPrefix(k1, PersonKeyPrefix) {
		t.Fatalf("person keys %q %q", k1, k2)
	}
	if k1, k2 := s.PersonKey("A"), s.PersonKey("A"); k1 != k2 {
		t.Fatalf("person key not stable: %q, then %q", k1, k2)
	}
	if _, err := NewSealer([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}
