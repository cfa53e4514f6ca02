package credit

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
)

// Sealer protects personal information (个人信息) at rest: AES-256-GCM for the values, and a keyed
// hash (HMAC-SHA-256) so a resident ID can be looked up without being stored in clear.
// Both keys are derived from one 32-byte master key that comes from config or the environment.
type Sealer struct {
	aead        cipher.AEAD
	hashKey     []byte
	fingerprint string
	rand        io.Reader
}

// NewSealer derives the sealing and hashing keys from a 32-byte master key.
func NewSealer(master []byte) (*Sealer, error) {
	if len(master) != 32 {
		return nil, Errorf(EINVALID, "主密钥须为 32 字节 / master key must be 32 bytes, got %d", len(master))
	}
	enc := derive(master, "xinyong seal v1")
	block, err := aes.NewCipher(enc)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, hashKey: derive(master, "xinyong lookup v1"),
		fingerprint: hex.EncodeToString(derive(master, "xinyong fingerprint v1")[:16]), rand: rand.Reader}, nil
}

func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Seal encrypts plaintext; the nonce is prepended to the result. Empty input seals to nil.
func (s *Sealer) Seal(plaintext []byte) ([]byte, error) {
	if len(plaintext) == 0 {
		return nil, nil
	}
	out := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := io.ReadFull(s.rand, out); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out, plaintext, nil), nil
}

// ErrUnseal is returned when sealed data does not open with this key.
var ErrUnseal = errors.New("sealed data does not open with this key")

// Open decrypts what Seal produced. nil opens to nil.
func (s *Sealer) Open(sealed []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrUnseal
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, ErrUnseal
	}
	return out, nil
}

// PersonKey returns the look-up key of a natural person from the canonical resident ID.
func (s *Sealer) PersonKey(canonicalID string) string {
	m := hmac.New(sha256.New, s.hashKey)
	m.Write([]byte(canonicalID))
	return PersonKeyPrefix + hex.EncodeToString(m.Sum(nil)[:16])
}

// Fingerprint identifies the master key without revealing it. A store records it on first use so
// that opening the data with another key is refused instead of silently creating duplicates.
func (s *Sealer) Fingerprint() string { return s.fingerprint }
