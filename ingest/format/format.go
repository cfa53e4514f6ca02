// Package format reads the files departments submit (报送文件) — CSV, XLSX and JSON Lines —
// as a stream of rows, and writes rejected rows back in the same format so a department can
// fix them and resubmit the file (DESIGN §5: nothing submitted is lost).
//
// The readers are built for the files old government systems produce: CSV in UTF-8 with or
// without a byte order mark or in GB18030/GBK, CRLF line ends, quoted fields, stray blank
// lines; XLSX with the header in row 1; JSON Lines with string, number, bool and null values.
// A row that cannot be parsed does not stop the file: it comes back with Row.Err set, naming
// the row, the field where known and the rule, so the caller rejects it and goes on. Only a
// file that cannot be read further (a damaged XLSX, a read error) ends in a fatal error.
//
// The package knows nothing of the catalog: it yields header names and string values, and the
// validation layer decides what they mean.
package format

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xinyong/xinyong/credit"
)

// Format is a submitted file's format.
type Format string

// The supported formats.
const (
	CSV   Format = "csv"
	XLSX  Format = "xlsx"
	JSONL Format = "jsonl"
)

// Detect picks the format from the file name's extension (.csv .tsv .txt → CSV, .xlsx → XLSX,
// .jsonl .ndjson .json → JSON Lines) and, failing that, from the first bytes of the file:
// a zip signature (PK\x03\x04) means XLSX, '{' or '[' (after an optional byte order mark and
// white space) means JSON Lines, anything else CSV. '[' maps to JSON Lines so that a JSON
// array gets the JSON reader's clear "one object per line" error instead of a CSV parse.
func Detect(name string, head []byte) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv", ".txt":
		return CSV
	case ".xlsx", ".xlsm":
		return XLSX
	case ".jsonl", ".ndjson", ".json":
		return JSONL
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return XLSX
	}
	h := bytes.TrimPrefix(head, utf8BOM)
	h = bytes.TrimLeft(h, " \t\r\n")
	if len(h) > 0 && (h[0] == '{' || h[0] == '[') {
		return JSONL
	}
	return CSV
}

// Encoding is the character encoding of a CSV file.
type Encoding string

// The supported encodings. GB18030 is a superset of GBK and GB2312, so it reads files from
// systems that say "GBK" as well.
const (
	UTF8    Encoding = "utf-8"
	GB18030 Encoding = "gb18030"
)

// Options say how to read a file.
type Options struct {
	// Format is required.
	Format Format
	// Encoding applies to CSV only. "" means detect: a UTF-8 byte order mark means UTF-8;
	// otherwise the first 64 KiB are tried as UTF-8 (a multi-byte character cut at the
	// 64 KiB boundary is allowed) and, failing that, the file is read as GB18030. A byte
	// order mark (UTF-8 or GB18030) overrides a declared encoding; "gbk", "gb2312" and
	// "utf8" are accepted as spellings.
	Encoding Encoding
	// Comma is the CSV field delimiter. 0 means detect from the first line: a tab when it
	// has more tabs than commas (Excel's "text, tab delimited" .txt), else a comma.
	Comma rune
	// Sheet is the XLSX worksheet to read; "" means the first sheet.
	Sheet string
	// MaxFieldBytes caps one value's length in bytes (UTF-8); 0 means 64 KiB. A longer value
	// sets that row's Err; it is not fatal for the file.
	MaxFieldBytes int
}

const defaultMaxFieldBytes = 64 << 10

// Row is one data row of a submitted file.
//
// The Values and Raw slices belong to the Reader and are overwritten by the next call to
// Next: a caller that keeps a row past that must copy the slices. The strings in them are
// immutable and may be kept as they are.
type Row struct {
	// Num is the 1-based row number as a person counts it in the file. For CSV it is the
	// physical line the record starts on (a quoted value may run over several lines; the
	// header is on line 1, so the first data row is normally 2); for XLSX the worksheet row
	// number; for JSON Lines the line number. Blank rows are skipped but still counted.
	Num int
	// Values is aligned with Header(). Every value is trimmed of surrounding white space
	// (including the ideographic space U+3000, the byte order mark U+FEFF and the zero-width
	// space U+200B). Trailing cells an XLSX row leaves out and keys a JSON object leaves out
	// are ""; a CSV line must carry every column (Excel writes them all), so a short line is
	// rejected. Extra cells that are empty are ignored. Nil when Err is set.
	Values []string
	// Err, when not nil, says why this row could not be parsed: a wrong number of cells, a
	// quoting error, invalid JSON, a line that is not a JSON object, a key not in the header,
	// a nested JSON value, a value longer than MaxFieldBytes, bytes that are invalid in the
	// file's encoding. It is a *credit.Error with Code EINVALID, Row set, Field set where
	// known and Rule credit.RuleFormat or credit.RuleEncoding. The caller rejects the row
	// with this reason and goes on.
	Err error
	// Raw holds, for a row with Err, the best-effort cells as they were in the file
	// (untrimmed), so the rejected row can be written back. It may be longer than Header()
	// when the row has extra cells (see WithReason). For a JSON line that is not an object,
	// Raw has one cell: the line's text.
	Raw []string
}

// Reader streams the rows of a submitted file.
type Reader interface {
	// Header returns the column names as in the file, trimmed. Trailing empty header cells
	// (left by spreadsheet exports) are dropped.
	Header() []string
	// Next returns the next data row, or io.EOF at the end. Any other error is fatal for
	// the file and is a *credit.Error saying at which row and what went wrong.
	Next() (Row, error)
	// Encoding reports the encoding used: the detected or declared one for CSV, UTF8 for
	// the other formats.
	Encoding() Encoding
	// Pos reports how many bytes of the file have been consumed so far, for progress bars.
	// It is approximate for XLSX.
	Pos() int64
	// Close releases the file and any temporary files.
	Close() error
}

// Open opens the file at path for reading with opts. It reads the header before returning,
// so a file without a usable header fails here.
func Open(path string, opts Options) (Reader, error) {
	if opts.MaxFieldBytes <= 0 {
		opts.MaxFieldBytes = defaultMaxFieldBytes
	}
	switch opts.Format {
	case CSV:
		return openCSV(path, opts)
	case XLSX:
		return openXLSX(path, opts)
	case JSONL:
		return openJSONL(path, opts)
	case "":
		return nil, credit.Errorf(credit.EINVALID, "未指定文件格式 / no file format given")
	}
	return nil, credit.Errorf(credit.EINVALID, "不支持的文件格式 %q，支持 csv、xlsx、jsonl / unsupported format %q: use csv, xlsx or jsonl", opts.Format, opts.Format)
}

// ReasonColumn is the header of the column a rejected-rows file carries with each row's
// rejection reason. Importers ignore it (see IsReasonColumn), so a department can fix the
// rows and resubmit the file as it is.
const ReasonColumn = "错误原因"

// IsReasonColumn reports whether a header cell is a rejection-reason column added to a
// rejected-rows file (ReasonColumn, or "_error" as machine clients name it), which importers
// must ignore.
func IsReasonColumn(h string) bool {
	h = trim(h)
	return h == ReasonColumn || strings.EqualFold(h, "_error")
}

// WithReason lays out a rejected row for a Writer whose header is a file's header (n
// columns) followed by ReasonColumn: the first n raw cells (padded with "" when there are
// fewer), the reason, then any extra cells the row had, so no submitted cell is lost.
func WithReason(n int, raw []string, reason string) []string {
	out := make([]string, 0, max(n, len(raw))+1)
	out = append(out, raw[:min(n, len(raw))]...)
	for len(out) < n {
		out = append(out, "")
	}
	out = append(out, reason)
	if len(raw) > n {
		out = append(out, raw[n:]...)
	}
	return out
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// errClosed is returned by Next after Close.
var errClosed = &credit.Error{Code: credit.EINTERNAL, Message: "读取器已关闭 / the reader is closed"}

// trim removes surrounding white space, including U+3000 (ideographic space, common in
// Chinese input), U+FEFF (a byte order mark left inside a value) and U+200B.
func trim(s string) string {
	if s == "" {
		return s
	}
	if a, z := s[0], s[len(s)-1]; a < utf8.RuneSelf && z < utf8.RuneSelf && !asciiSpace[a] && !asciiSpace[z] {
		return s // the common case: nothing to trim
	}
	return strings.TrimFunc(s, isTrimRune)
}

var asciiSpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

func isTrimRune(r rune) bool {
	return unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B'
}

// badText reports whether s holds bytes that are not valid UTF-8 or the replacement
// character U+FFFD. The GB18030 decoder puts U+FFFD where the input bytes were invalid, and
// a U+FFFD already in a file marks text damaged by an earlier wrong conversion, so in every
// format such a value is rejected rather than stored.
func badText(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError {
			return true
		}
		i += n
	}
	return false
}

// rowError builds the error of one row: "第 12 行：… / row 12: …".
func rowError(row int, field, rule, zh, en string) *credit.Error {
	return &credit.Error{
		Code:    credit.EINVALID,
		Message: fmt.Sprintf("第 %d 行：%s / row %d: %s", row, zh, row, en),
		Row:     row,
		Field:   field,
		Rule:    rule,
	}
}

// fileError builds an error about the file as a whole, not bound to a row.
func fileError(zh, en string) *credit.Error {
	return &credit.Error{Code: credit.EINVALID, Message: zh + " / " + en, Rule: credit.RuleFormat}
}

// ioError wraps a failure to read the file (a fault of the system, not of the submitted
// content) at row.
func ioError(row int, err error) *credit.Error {
	return &credit.Error{
		Code:    credit.EINTERNAL,
		Message: fmt.Sprintf("读取文件出错（第 %d 行附近）/ read error near row %d: %v", row, row, err),
		Row:     row,
		Rule:    credit.RuleFormat,
	}
}

// header checks and trims a header row: trailing empty cells are dropped; an empty cell
// before the last named one and a repeated name are fatal, because values could not be
// matched to columns.
func checkHeader(cells []string, row int) ([]string, error) {
	h := make([]string, len(cells))
	for i, c := range cells {
		h[i] = trim(c)
	}
	for len(h) > 0 && h[len(h)-1] == "" {
		h = h[:len(h)-1]
	}
	if len(h) == 0 {
		return nil, rowError(row, "", credit.RuleFormat, "表头为空", "the header is empty")
	}
	seen := make(map[string]int, len(h))
	for i, name := range h {
		if name == "" {
			return nil, rowError(row, "", credit.RuleFormat,
				fmt.Sprintf("表头第 %d 列没有列名", i+1), fmt.Sprintf("header column %d has no name", i+1))
		}
		if j, ok := seen[name]; ok {
			return nil, rowError(row, name, credit.RuleFormat,
				fmt.Sprintf("表头第 %d 列与第 %d 列重名：%s", i+1, j+1, name),
				fmt.Sprintf("header columns %d and %d are both named %q", j+1, i+1, name))
		}
		seen[name] = i
	}
	return h, nil
}

// fillValues trims cells into dst (reused, len(header)) and checks them: the number of cells,
// a value too long, invalid text. It reports blank when every cell is empty (the row is then
// skipped). strict makes fewer cells than the header an error (CSV, where every line must
// carry every column); otherwise missing trailing cells are "" (XLSX leaves out empty
// trailing cells). Extra cells are tolerated when empty, as spreadsheets pad rows.
func fillValues(dst, cells, header []string, num, maxField int, strict bool) (blank bool, err error) {
	last := lastNonEmpty(cells)
	if last < 0 {
		return true, nil
	}
	if last >= len(header) || (strict && len(cells) < len(header)) {
		n := len(cells)
		if n > len(header) {
			n = last + 1
		}
		return false, rowError(num, "", credit.RuleFormat,
			fmt.Sprintf("列数为 %d，表头为 %d", n, len(header)),
			fmt.Sprintf("%d columns, header has %d", n, len(header)))
	}
	for i := range dst {
		if i >= len(cells) {
			dst[i] = ""
			continue
		}
		v := trim(cells[i])
		if len(v) > maxField {
			return false, rowError(num, header[i], credit.RuleFormat,
				fmt.Sprintf("“%s”的值长 %d 字节，超过上限 %d 字节", header[i], len(v), maxField),
				fmt.Sprintf("value of %q is %d bytes, more than the limit of %d", header[i], len(v), maxField))
		}
		if badText(v) {
			return false, rowError(num, header[i], credit.RuleEncoding,
				fmt.Sprintf("“%s”含有无法识别的字符（乱码），请检查文件编码（CSV 应为 UTF-8 或 GB18030）", header[i]),
				fmt.Sprintf("value of %q has unreadable characters (invalid bytes or U+FFFD); check the file's encoding (CSV: UTF-8 or GB18030)", header[i]))
		}
		dst[i] = v
	}
	return false, nil
}

// lastNonEmpty returns the index of the last cell that is not blank, -1 when all are.
func lastNonEmpty(cells []string) int {
	for i := len(cells) - 1; i >= 0; i-- {
		if trim(cells[i]) != "" {
			return i
		}
	}
	return -1
}

// countingReader counts the bytes read from the file, for Pos.
type countingReader struct {
	f *os.File
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.f.Read(p)
	c.n += int64(n)
	return n, err
}
