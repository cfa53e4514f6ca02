package credit

import (
	"bytes"
	"path"
	"strings"
	"unicode/utf8"
)

// Evidence files (证明材料) come with objections and repair applications. Only PDF, JPEG and
// PNG are accepted, recognised by their content; the file name's extension must agree with it,
// so a renamed executable or a forged "scan" is refused with the rule named.
const (
	MaxEvidenceBytes = 5 << 20 // each file
	MaxEvidenceFiles = 5       // per case
	MaxEvidenceName  = 100     // characters of a file name
)

// Rules named in evidence errors.
const (
	RuleEvidenceType  = "evidence_type"
	RuleEvidenceSize  = "evidence_size"
	RuleEvidenceCount = "evidence_count"
)

var evidenceTypes = []struct {
	mime  string
	magic []byte
	exts  []string
}{
	{"application/pdf", []byte("%PDF-"), []string{".pdf"}},
	{"image/jpeg", []byte{0xFF, 0xD8, 0xFF}, []string{".jpg", ".jpeg"}},
	{"image/png", []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, []string{".png"}},
}

// CheckEvidence checks one evidence file: its name (cleaned to a base name) and content. It
// returns the clean name and the content type, or an EINVALID error naming the file and rule.
func CheckEvidence(name string, content []byte) (cleanName, mime string, err error) {
	cleanName = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	if !utf8.ValidString(cleanName) || cleanName == "." || cleanName == "/" || cleanName == "" {
		cleanName = "file"
	}
	if r := []rune(cleanName); len(r) > MaxEvidenceName {
		cleanName = string(r[len(r)-MaxEvidenceName:])
	}
	fail := func(rule, msg string) (string, string, error) {
		return "", "", &Error{Code: EINVALID, Field: cleanName, Rule: rule, Message: msg}
	}
	if len(content) == 0 {
		return fail(RuleEvidenceSize, "文件为空 / the file is empty")
	}
	if len(content) > MaxEvidenceBytes {
		return fail(RuleEvidenceSize, "文件超过 5 MB / the file is larger than 5 MiB")
	}
	ext := strings.ToLower(path.Ext(cleanName))
	for _, t := range evidenceTypes {
		if !bytes.HasPrefix(content, t.magic) {
			continue
		}
		for _, e := range t.exts {
			if e == ext {
				return cleanName, t.mime, nil
			}
		}
		return fail(RuleEvidenceType, "文件扩展名与内容不符（内容为 "+t.mime+"）/ the file name's extension does not match its content ("+t.mime+")")
	}
	return fail(RuleEvidenceType, "只接受 PDF、JPEG、PNG 文件 / only PDF, JPEG and PNG files are accepted")
}
