package auth

import (
	"bytes"
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/xinyong/xinyong/credit"
)

// cheap are argon2id parameters that make tests fast; production uses DefaultArgon2.
var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var phcShape = regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=3,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPasswordDefault(t *testing.T) {
	enc, err := HashPassword("Correct-Horse-9", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !phcShape.MatchString(enc) {
		t.Fatalf("hash %q is not in the PHC format with the default parameters", enc)
	}
	ok, rehash, err := VerifyPassword(enc, "Correct-Horse-9")
	if err != nil || !ok || rehash {
		t.Fatalf("VerifyPassword(right) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	ok, rehash, err = VerifyPassword(enc, "Correct-Horse-8")
	if err != nil || ok || rehash {
		t.Fatalf("VerifyPassword(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
	again, _ := HashPassword("Correct-Horse-9", rand.Reader)
	if again == enc {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyPassword(t *testing.T) {
	enc, err := HashPasswordWith(cheap, "口令-测试-2026-abc", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pw             string
		ok, needRehash bool
	}{
		{"口令-测试-2026-abc", true, true}, // cheap ≠ DefaultArgon2: upgrade at next sign-in
		{"口令-测试-2026-abd", false, false},
		{"", false, false},
		{"口令-测试-2026-abc ", false, false},
		{strings.Repeat("x", MaxPasswordBytes+1), false, false},
	}
	for _, tt := range tests {
		ok, rehash, err := VerifyPassword(enc, tt.pw)
		if err != nil || ok != tt.ok || rehash != tt.needRehash {
			t.Errorf("VerifyPassword(%.20q) = %v, %v, %v; want %v, %v, nil", tt.pw, ok, rehash, err, tt.ok, tt.needRehash)
		}
	}
}

// TestStoredHashStillVerifies pins the encoding: a hash stored by this version (fixed salt of
// 16 bytes 0x00…0x0f, cheap parameters) must verify forever, or every user is locked out.
func TestStoredHashStillVerifies(t *testing.T) {
	salt := bytes.NewReader([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	enc, err := HashPasswordWith(cheap, "Zhang-San-2026", salt)
	if err != nil {
		t.Fatal(err)
	}
	const stored = "$argon2id$v=19$m=64,t=1,p=1$AAECAwQFBgcICQoLDA0ODw$1eaRx2QeZ5jsetMDPfDQVxo/Nxg82xxmvMtz265EHDo"
	if enc != stored {
		t.Fatalf("encoding changed: got %q, want %q", enc, stored)
	}
	if ok, _, err := VerifyPassword(enc, "Zhang-San-2026"); !ok || err != nil {
		t.Fatalf("VerifyPassword = %v, %v", ok, err)
	}
}

func TestHashPasswordRefuses(t *testing.T) {
	if _, err := HashPasswordWith(cheap, "Long-Enough-1", iotest.ErrReader(errors.New("no entropy"))); credit.ErrorCode(err) != credit.EINTERNAL {
		t.Errorf("failing rand: err = %v, want an internal error", err)
	}
	if _, err := HashPasswordWith(cheap, strings.Repeat("a", MaxPasswordBytes+1), rand.Reader); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("over-long password: err = %v, want invalid", err)
	}
	bad := cheap
	bad.Memory = maxArgon2Memory + 1
	if _, err := HashPasswordWith(bad, "Long-Enough-1", rand.Reader); err == nil {
		t.Error("memory beyond the bound was accepted")
	}
}

func TestParsePHC(t *testing.T) {
	const salt, key = "AAECAwQFBgcICQoLDA0ODw", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	good := "$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$" + key
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"canonical", good, true},
		{"small costs", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key, true},
		{"empty", "", false},
		{"argon2i", "$argon2i$v=19$m=65536,t=3,p=2$" + salt + "$" + key, false},
		{"bcrypt", "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", false},
		{"old version", "$argon2id$v=16$m=65536,t=3,p=2$" + salt + "$" + key, false},
		{"no version", "$argon2id$m=65536,t=3,p=2$" + salt + "$" + key, false},
		{"params reordered", "$argon2id$v=19$t=3,m=65536,p=2$" + salt + "$" + key, false},
		{"param missing", "$argon2id$v=19$m=65536,t=3$" + salt + "$" + key, false},
		{"extra param", "$argon2id$v=19$m=65536,t=3,p=2,k=1$" + salt + "$" + key, false},
		{"leading zero", "$argon2id$v=19$m=065536,t=3,p=2$" + salt + "$" + key, false},
		{"plus sign", "$argon2id$v=19$m=+65536,t=3,p=2$" + salt + "$" + key, false},
		{"negative", "$argon2id$v=19$m=65536,t=-3,p=2$" + salt + "$" + key, false},
		{"p zero", "$argon2id$v=19$m=65536,t=3,p=0$" + salt + "$" + key, false},
		{"p too big", "$argon2id$v=19$m=65536,t=3,p=256$" + salt + "$" + key, false},
		{"t zero", "$argon2id$v=19$m=65536,t=0,p=2$" + salt + "$" + key, false},
		{"t huge", "$argon2id$v=19$m=65536,t=4294967295,p=2$" + salt + "$" + key, false},
		{"m below 8p", "$argon2id$v=19$m=15,t=3,p=2$" + salt + "$" + key, false},
		{"m over 1 GiB", "$argon2id$v=19$m=1048577,t=3,p=2$" + salt + "$" + key, false},
		{"m overflows", "$argon2id$v=19$m=99999999999,t=3,p=2$" + salt + "$" + key, false},
		{"padded salt", "$argon2id$v=19$m=65536,t=3,p=2$" + salt + "==$" + key, false},
		{"url base64", "$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$" + strings.ReplaceAll(key, "/", "_") + "_", false},
		{"non-canonical tail bits", "$argon2id$v=19$m=65536,t=3,p=2$AAECAwQFBgcICQoLDA0ODx$" + key, false},
		{"short salt", "$argon2id$v=19$m=65536,t=3,p=2$AAECAw$" + key, false},
		{"short key", "$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$AAECAwQFBgc", false},
		{"extra field", good + "$", false},
		{"no leading $", good[1:], false},
		{"newline in salt", "$argon2id$v=19$m=65536,t=3,p=2$AAECAwQFBgcI\nCQoLDA0ODw$" + key, false},
		{"too long", good + strings.Repeat("A", maxPHCLen), false},
	}
	for _, tt := range tests {
		h, err := ParsePHC(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("%s: ParsePHC(%q) err = %v, want ok %v", tt.name, tt.in, err, tt.ok)
			continue
		}
		if err != nil {
			if credit.ErrorCode(err) != credit.EINTERNAL || !strings.Contains(err.Error(), "密码哈希格式错误") {
				t.Errorf("%s: error %v is not the internal, Chinese-first malformed-hash error", tt.name, err)
			}
			continue
		}
		if h.String() != tt.in {
			t.Errorf("%s: String() = %q, want the input back", tt.name, h.String())
		}
		if ok, _, err := VerifyPassword(tt.in, "x"); ok || err != nil {
			t.Errorf("%s: VerifyPassword of a made-up key = %v, %v", tt.name, ok, err)
		}
	}
	if _, _, err := VerifyPassword("plain-text-password", "plain-text-password"); err == nil {
		t.Error("a stored value that is not a hash verified without error")
	}
}

// FuzzParsePHC: any string parses or fails without panicking, and what parses is canonical:
// encoding it again gives the input back.
func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=65536,t=3,p=2$AAECAwQFBgcICQoLDA0ODw$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$AAECAwQFBgcICQoLDA0ODw$AAECAwQFBgcICQoLDA0ODw")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Add("$$$$$")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParsePHC(s)
		if err != nil {
			return
		}
		if h.String() != s {
			t.Fatalf("ParsePHC(%q) accepted a non-canonical form; String() = %q", s, h.String())
		}
		p := h.Params
		if p.Memory > maxArgon2Memory || p.Time > maxArgon2Time || p.Threads == 0 || p.Memory < 8*uint32(p.Threads) {
			t.Fatalf("ParsePHC(%q) accepted parameters out of bounds: %+v", s, p)
		}
	})
}

// BenchmarkHashPassword measures the cost of one hash with DefaultArgon2 (the figure quoted on
// DefaultArgon2).
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("Correct-Horse-9", rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}
