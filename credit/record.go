package credit

import (
	"slices"
	"time"
	"unicode/utf8"
)

// RecordStatus is the state of one record version.
type RecordStatus string

// Record statuses.
const (
	RecordActive     RecordStatus = "active"     // the current version
	RecordSuperseded RecordStatus = "superseded" // replaced by a newer version; kept for history
	RecordRevoked    RecordStatus = "revoked"    // withdrawn by the source department
)

// Record is one version of one credit record (信用记录) of a catalog item about a subject.
// A change never overwrites a record: it adds a version with the same (Dept, Item, SourceID).
type Record struct {
	ID          int64             `json:"id"`
	SubjectID   int64             `json:"-"`
	Item        string            `json:"item"`
	ItemVersion int               `json:"item_version"` // catalog version the payload was validated against
	Dept        string            `json:"dept"`
	SourceID    string            `json:"source_id"`
	Version     int               `json:"version"`
	BatchID     int64             `json:"batch_id,omitempty"`
	Fields      map[string]string `json:"fields"` // non-personal fields, canonical string form
	// FieldsJSON, when set, is Fields already encoded by EncodeFields; stores write it as is
	// (the importer encodes on its reading goroutine so the single writer does less).
	FieldsJSON []byte       `json:"-"`
	Personal   []byte       `json:"-"` // sealed JSON of the personal fields
	Hash       string       `json:"-"` // content hash of the validated payload (idempotency)
	Decision   time.Time    `json:"decision_date,omitzero"`
	PubFrom    time.Time    `json:"publish_from,omitzero"`
	PubUntil   time.Time    `json:"publish_until,omitzero"` // zero: no end
	Published  bool         `json:"published"`              // false: never on the portal
	Status     RecordStatus `json:"status"`
	CreatedAt  time.Time    `json:"created_at"`
}

// PublicAt reports whether r is inside its publication window at now.
func (r *Record) PublicAt(now time.Time) bool {
	if !r.Published || r.Status != RecordActive {
		return false
	}
	if now.Before(r.PubFrom) {
		return false
	}
	return r.PubUntil.IsZero() || now.Before(r.PubUntil)
}

// EncodeFields encodes a record's fields as a JSON object with sorted keys. It is what stores
// keep; it is faster than encoding/json on a map and gives the same bytes.
func EncodeFields(m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	size := 2
	for k, v := range m {
		keys = append(keys, k)
		size += len(k) + len(v) + 6
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, k)
		b = append(b, ':')
		b = AppendJSONString(b, m[k])
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string, escaping as encoding/json does (including <, >
// and & so the output is byte-identical).
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
