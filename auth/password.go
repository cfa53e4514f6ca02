package auth

import (
	"crypto/subtle"
	"encoding/base64"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/xinyong/xinyong/credit"
)

// Argon2Params are the cost parameters of argon2id (RFC 9106) for password hashes.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultArgon2 is the cost of new password hashes: 64 MiB, 3 passes, 2 lanes (RFC 9106's
// second recommended option, with one lane per core of our 2-core server). Measured with
// BenchmarkHashPassword on a 2-core Xeon like ours: 210–250 ms and 64 MiB per hash, so a
// sign-in stays well under a second while every offline guess costs as much. Because each
// hash holds 64 MiB and both cores, web must bound how many run at once (a semaphore of 2–4).
// Changing these values makes VerifyPassword report needsRehash for older hashes, so they
// upgrade at the user's next sign-in.
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}

// Bounds of a hash that ParsePHC accepts. They keep a corrupted or hostile stored hash from
// making a single verification take gigabytes or minutes.
const (
	maxArgon2Memory = 1 << 20 // KiB = 1 GiB
	maxArgon2Time   = 64
	minSaltLen      = 8
	maxSaltLen      = 64
	minKeyLen       = 16
	maxKeyLen       = 64
	// maxPHCLen bounds the encoded string itself (the longest valid one is about 200 bytes).
	maxPHCLen = 512
)

// MaxPasswordBytes is the longest password accepted, in bytes (UTF-8). Longer input is
// refused by the policy and never verifies, so nobody can make the server hash megabytes.
const MaxPasswordBytes = 1024

// PHC is a parsed argon2id hash in the PHC string format.
type PHC struct {
	Params Argon2Params
	Salt   []byte
	Key    []byte
}

var b64 = base64.RawStdEncoding.Strict()

// String encodes h as "$argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>" with unpadded standard
// base64, the format of the PHC string specification and of the argon2 reference tool.
func (h *PHC) String() string {
	var b strings.Builder
	b.WriteString("$argon2id$v=")
	b.WriteString(strconv.Itoa(argon2.Version))
	b.WriteString("$m=")
	b.WriteString(strconv.FormatUint(uint64(h.Params.Memory), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(h.Params.Time), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(h.Params.Threads), 10))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(h.Salt))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(h.Key))
	return b.String()
}

// errPHC is the error of a stored hash that cannot be read. It is an internal error: stored
// hashes are written by HashPassword, so a bad one means corruption, not a user's mistake.
func errPHC(why string) error {
	return credit.Errorf(credit.EINTERNAL, "密码哈希格式错误：%s / malformed password hash: %s", why, why)
}

// ParsePHC reads an argon2id hash in the PHC string format. It accepts exactly what String
// writes: algorithm argon2id, version 19, parameters m, t, p in that order as plain decimals,
// canonical unpadded base64, and costs within sane bounds. Any input returns a value or an
// error, never a panic.
func ParsePHC(s string) (*PHC, error) {
	if len(s) > maxPHCLen {
		return nil, errPHC("too long")
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return nil, errPHC("expected $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[1] != "argon2id" {
		return nil, errPHC("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return nil, errPHC("version is not 19")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return nil, errPHC("parameters must be m, t, p")
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		k, v, ok := strings.Cut(kv[i], "=")
		if !ok || k != name {
			return nil, errPHC("parameters must be m, t, p in that order")
		}
		n, ok := parseDecimal(v)
		if !ok {
			return nil, errPHC("parameter " + name + " is not a plain decimal")
		}
		vals[i] = n
	}
	m, t, p := vals[0], vals[1], vals[2]
	switch {
	case p < 1 || p > 255:
		return nil, errPHC("p out of range 1–255")
	case t < 1 || t > maxArgon2Time:
		return nil, errPHC("t out of range")
	case m < 8*p || m > maxArgon2Memory:
		return nil, errPHC("m out of range")
	}
	// #nosec G115 -- the bounds checked above make these conversions exact
	h := &PHC{Params: Argon2Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(p)}}
	var err error
	if !isB64(parts[4]) || !isB64(parts[5]) { // the decoder would skip \r and \n
		return nil, errPHC("salt and hash must be unpadded standard base64")
	}
	if h.Salt, err = b64.DecodeString(parts[4]); err != nil || len(h.Salt) < minSaltLen || len(h.Salt) > maxSaltLen {
		return nil, errPHC("bad salt")
	}
	if h.Key, err = b64.DecodeString(parts[5]); err != nil || len(h.Key) < minKeyLen || len(h.Key) > maxKeyLen {
		return nil, errPHC("bad hash")
	}
	// #nosec G115 -- both lengths were just bounded by maxSaltLen and maxKeyLen
	h.Params.SaltLen, h.Params.KeyLen = uint32(len(h.Salt)), uint32(len(h.Key))
	return h, nil
}

func isB64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// parseDecimal reads a plain decimal of at most 10 digits without sign or leading zeros.
func parseDecimal(s string) (uint64, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + uint64(s[i]-'0')
	}
	return n, true
}

// HashPassword hashes pw with DefaultArgon2 and a fresh salt read from rand (crypto/rand.Reader
// in production) and returns the PHC string to store.
func HashPassword(pw string, rand io.Reader) (string, error) {
	return HashPasswordWith(DefaultArgon2, pw, rand)
}

// HashPasswordWith is HashPassword with explicit parameters (tests use cheap ones).
func HashPasswordWith(p Argon2Params, pw string, rand io.Reader) (string, error) {
	if len(pw) > MaxPasswordBytes {
		return "", errTooLong
	}
	if p.Threads < 1 || p.Time < 1 || p.Time > maxArgon2Time || p.Memory < 8*uint32(p.Threads) || p.Memory > maxArgon2Memory ||
		p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen || p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen {
		return "", credit.Errorf(credit.EINTERNAL, "argon2 参数超出范围 / argon2 parameters out of range: %+v", p)
	}
	h := &PHC{Params: p, Salt: make([]byte, p.SaltLen)}
	if _, err := io.ReadFull(rand, h.Salt); err != nil {
		return "", credit.Errorf(credit.EINTERNAL, "无法生成盐值 / cannot read random salt: %v", err)
	}
	h.Key = argon2.IDKey([]byte(pw), h.Salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return h.String(), nil
}

// VerifyPassword checks pw against a stored PHC string in constant time. ok reports a match;
// needsRehash reports (only with ok) that the hash was made with other parameters than
// DefaultArgon2, so the caller should store a fresh HashPassword(pw) now that it knows pw.
// err reports a stored hash that cannot be read (never a wrong password).
func VerifyPassword(encoded, pw string) (ok, needsRehash bool, err error) {
	h, err := ParsePHC(encoded)
	if err != nil {
		return false, false, err
	}
	if len(pw) > MaxPasswordBytes {
		return false, false, nil
	}
	got := argon2.IDKey([]byte(pw), h.Salt, h.Params.Time, h.Params.Memory, h.Params.Threads, h.Params.KeyLen)
	if subtle.ConstantTimeCompare(got, h.Key) != 1 {
		return false, false, nil
	}
	return true, h.Params != DefaultArgon2, nil
}

var errTooLong = &credit.Error{Code: credit.EINVALID, Field: "password", Rule: credit.RuleMaxLength,
	Message: "密码过长（最多 1024 字节） / password too long (at most 1024 bytes)"}
