package store

import (
	"crypto/sha256"
	"encoding/binary"
)

// KeyHash returns the 63-bit hash a store indexes a record key by: cheaper to index than three
// text columns, and shared by every store so they agree. Stores keep the three columns too and
// callers compare them, so a hash collision cannot merge two records.
func KeyHash(k RecordKey) int64 {
	h := sha256.New()
	h.Write([]byte(k.Dept))
	h.Write([]byte{0})
	h.Write([]byte(k.Item))
	h.Write([]byte{0})
	h.Write([]byte(k.SourceID))
	var sum [32]byte
	return int64(binary.BigEndian.Uint64(h.Sum(sum[:0])) >> 1)
}
