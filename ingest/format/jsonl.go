package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xinyong/xinyong/credit"
)

// maxLeadingBadLines is how many lines that are not JSON objects may come before the first
// object (which gives the header) before the file is refused as not JSON Lines at all.
const maxLeadingBadLines = 100

// jsonlReader reads JSON Lines: one flat JSON object per line. The header is the keys of
// the first object, in their order on that line.
//
// Each line is checked with json.Valid and then split by a small scanner that relies on
// that check; this keeps the keys' order and the numbers' literal text, and costs one
// allocation per line (the line as a string, which the values are cut from) instead of the
// many a json.Decoder token stream makes.
type jsonlReader struct {
	file     *os.File
	count    *countingReader
	br       *bufio.Reader
	maxField int
	maxLine  int

	num     int // line number of the last line read
	long    []byte
	header  []string
	index   map[string]int
	values  []string
	raw     []string
	stamp   []int // stamp[i] == num when column i was set on line num
	pending []Row // rows read while looking for the header
}

func openJSONL(path string, opts Options) (_ Reader, err error) {
	f, err := os.Open(path) // #nosec G304 -- an operator's command-line argument or web's spool file (os.CreateTemp), never a client's name
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	count := &countingReader{f: f}
	r := &jsonlReader{
		file:     f,
		count:    count,
		br:       bufio.NewReaderSize(count, 64<<10),
		maxField: opts.MaxFieldBytes,
		maxLine:  max(1<<20, 16*opts.MaxFieldBytes),
	}
	bad := 0
	for {
		line, tooLong, err := r.readLine()
		if err == io.EOF {
			if r.num == 0 {
				return nil, fileError("文件为空", "the file is empty")
			}
			return nil, fileError("文件中没有 JSON 对象，JSON Lines 文件应每行一个对象",
				"no JSON object in the file; JSON Lines has one object per line")
		}
		if err != nil {
			return nil, ioError(r.num+1, err)
		}
		if r.num == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if !tooLong && isBlank(line) {
			continue
		}
		if !tooLong && utf8.Valid(line) && json.Valid(line) && firstByte(line) == '{' {
			if err := r.setHeader(line); err != nil {
				return nil, err
			}
			if row, ok := r.parse(line); ok {
				r.pending = append(r.pending, ownRow(row))
			}
			return r, nil
		}
		if bad++; bad > maxLeadingBadLines {
			return nil, fileError(fmt.Sprintf("前 %d 行都不是 JSON 对象，文件不是 JSON Lines", maxLeadingBadLines),
				fmt.Sprintf("none of the first %d lines is a JSON object; the file is not JSON Lines", maxLeadingBadLines))
		}
		r.pending = append(r.pending, ownRow(r.badLine(line, tooLong)))
	}
}

// ownRow copies a row's slices, for rows queued before the reader is returned.
func ownRow(row Row) Row {
	row.Values = append([]string(nil), row.Values...)
	row.Raw = append([]string(nil), row.Raw...)
	if len(row.Values) == 0 {
		row.Values = nil
	}
	if len(row.Raw) == 0 {
		row.Raw = nil
	}
	return row
}

// readLine reads the next line without its line end. A line longer than maxLine is read
// to its end but not kept: tooLong is set and the line returned is empty.
func (r *jsonlReader) readLine() (line []byte, tooLong bool, err error) {
	frag, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], frag...)
		for err == bufio.ErrBufferFull {
			frag, err = r.br.ReadSlice('\n')
			if len(r.long)+len(frag) > r.maxLine {
				tooLong = true
				r.long = r.long[:0]
			}
			if !tooLong {
				r.long = append(r.long, frag...)
			}
		}
		frag = r.long
	}
	if err == io.EOF {
		if len(frag) == 0 && !tooLong {
			return nil, false, io.EOF
		}
		err = nil
	}
	if err != nil {
		return nil, false, err
	}
	r.num++
	frag = bytes.TrimSuffix(frag, []byte("\n"))
	frag = bytes.TrimSuffix(frag, []byte("\r"))
	return frag, tooLong, nil
}

func isBlank(line []byte) bool {
	return len(bytes.TrimSpace(line)) == 0
}

func firstByte(line []byte) byte {
	line = bytes.TrimLeft(line, " \t\r\n")
	if len(line) == 0 {
		return 0
	}
	return line[0]
}

// setHeader takes the header from the keys of the first object.
func (r *jsonlReader) setHeader(line []byte) error {
	sc := objectScanner{s: string(line)}
	var keys []string
	for sc.start(); sc.more(); {
		k := sc.key()
		sc.value()
		keys = append(keys, k)
	}
	h, err := checkHeader(keys, r.num)
	if err != nil {
		return err
	}
	if len(h) < len(keys) {
		// checkHeader drops trailing empty names, which in JSON are keys named "".
		return rowError(r.num, "", credit.RuleFormat, "对象中有空的键名", `the object has an empty key ""`)
	}
	r.header = h
	r.index = make(map[string]int, len(h))
	for i, k := range h {
		r.index[k] = i
	}
	r.values = make([]string, len(h))
	r.raw = make([]string, len(h))
	r.stamp = make([]int, len(h))
	return nil
}

func (r *jsonlReader) Header() []string   { return r.header }
func (r *jsonlReader) Encoding() Encoding { return UTF8 }
func (r *jsonlReader) Pos() int64         { return r.count.n - int64(r.br.Buffered()) }
func (r *jsonlReader) Close() error       { return r.file.Close() }

func (r *jsonlReader) Next() (Row, error) {
	if len(r.pending) > 0 {
		row := r.pending[0]
		r.pending = r.pending[1:]
		return row, nil
	}
	for {
		line, tooLong, err := r.readLine()
		if err == io.EOF {
			return Row{}, io.EOF
		}
		if err != nil {
			return Row{}, ioError(r.num+1, err)
		}
		if !tooLong && isBlank(line) {
			continue
		}
		if tooLong || !utf8.Valid(line) || !json.Valid(line) || firstByte(line) != '{' {
			return r.badLine(line, tooLong), nil
		}
		if row, ok := r.parse(line); ok {
			return row, nil
		}
	}
}

// badLine makes the rejected row of a line that is not a JSON object.
func (r *jsonlReader) badLine(line []byte, tooLong bool) Row {
	num := r.num
	var err *credit.Error
	switch {
	case tooLong:
		err = rowError(num, "", credit.RuleFormat,
			fmt.Sprintf("这一行超过 %d 字节", r.maxLine), fmt.Sprintf("the line is longer than %d bytes", r.maxLine))
		return Row{Num: num, Err: err}
	case !utf8.Valid(line):
		err = rowError(num, "", credit.RuleEncoding, "含有无效的 UTF-8 字节，JSON Lines 文件须为 UTF-8 编码",
			"invalid UTF-8 bytes; JSON Lines files must be UTF-8")
	case !json.Valid(line):
		err = rowError(num, "", credit.RuleFormat, "不是有效的 JSON", "not valid JSON")
	case firstByte(line) == '[':
		err = rowError(num, "", credit.RuleFormat, "是 JSON 数组，JSON Lines 文件应每行一个对象",
			"a JSON array; JSON Lines has one object per line")
	default:
		err = rowError(num, "", credit.RuleFormat, "不是 JSON 对象，JSON Lines 文件应每行一个对象",
			"not a JSON object; JSON Lines has one object per line")
	}
	r.raw = append(r.raw[:0], string(line))
	return Row{Num: num, Err: err, Raw: r.raw}
}

// parse splits a valid JSON object line into values aligned with the header. It reports
// false for an object with no non-empty value (a blank row).
func (r *jsonlReader) parse(line []byte) (Row, bool) {
	num := r.num
	r.raw = r.raw[:0]
	for i := range r.values {
		r.values[i] = ""
		r.raw = append(r.raw, "")
	}
	var bad *credit.Error
	blank := true
	sc := objectScanner{s: string(line)}
	for sc.start(); sc.more(); {
		k := trim(sc.key())
		v, kind := sc.value()
		i, ok := r.index[k]
		switch {
		case !ok:
			if bad == nil {
				bad = rowError(num, k, credit.RuleFormat,
					fmt.Sprintf("键“%s”不在表头中（表头为第一个对象的键）", k),
					fmt.Sprintf("key %q is not in the header (the keys of the first object)", k))
			}
			continue
		case r.stamp[i] == num:
			if bad == nil {
				bad = rowError(num, k, credit.RuleFormat, fmt.Sprintf("键“%s”重复出现", k), fmt.Sprintf("key %q appears twice", k))
			}
			continue
		}
		r.stamp[i] = num
		r.raw[i] = v
		if kind == kindNested {
			if bad == nil {
				bad = rowError(num, k, credit.RuleFormat,
					fmt.Sprintf("“%s”的值是嵌套的对象或数组，只接受字符串、数字、true/false 或 null", k),
					fmt.Sprintf("value of %q is a nested object or array; only strings, numbers, true/false and null are accepted", k))
			}
			blank = false
			continue
		}
		tv := trim(v)
		if tv == "" {
			continue
		}
		blank = false
		switch {
		case bad != nil:
		case len(tv) > r.maxField:
			bad = rowError(num, k, credit.RuleFormat,
				fmt.Sprintf("“%s”的值长 %d 字节，超过上限 %d 字节", k, len(tv), r.maxField),
				fmt.Sprintf("value of %q is %d bytes, more than the limit of %d", k, len(tv), r.maxField))
		case badText(tv):
			bad = rowError(num, k, credit.RuleEncoding,
				fmt.Sprintf("“%s”含有替换字符 U+FFFD，文字在转换编码时已损坏", k),
				fmt.Sprintf("value of %q holds the replacement character U+FFFD: the text was damaged by a wrong encoding conversion", k))
		}
		r.values[i] = tv
	}
	if bad != nil {
		return Row{Num: num, Err: bad, Raw: r.raw}, true
	}
	if blank {
		return Row{}, false
	}
	return Row{Num: num, Values: r.values}, true
}

// Kinds of JSON values the scanner reports.
const (
	kindScalar = iota // string, number, true, false, null
	kindNested        // object or array
)

// objectScanner walks the members of one JSON object held in s, which json.Valid has
// accepted, so it does not check the grammar again.
type objectScanner struct {
	s    string
	i    int
	done bool
}

func (p *objectScanner) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// start moves past the opening brace.
func (p *objectScanner) start() {
	p.ws()
	p.i++ // '{'
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.done = true
	}
}

// more reports whether another member follows, moving past the comma between members.
func (p *objectScanner) more() bool {
	if p.done {
		return false
	}
	p.ws()
	switch p.s[p.i] {
	case '}':
		p.done = true
		return false
	case ',':
		p.i++
		p.ws()
	}
	return true
}

// key reads a member's key and the colon after it.
func (p *objectScanner) key() string {
	k := p.str()
	p.ws()
	p.i++ // ':'
	p.ws()
	return k
}

// value reads a member's value: strings decoded, numbers as written, true/false as
// "true"/"false", null as "", nested objects and arrays as their JSON text.
func (p *objectScanner) value() (string, int) {
	switch c := p.s[p.i]; c {
	case '"':
		return p.str(), kindScalar
	case '{', '[':
		start := p.i
		p.skipNested()
		return p.s[start:p.i], kindNested
	case 't':
		p.i += len("true")
		return "true", kindScalar
	case 'f':
		p.i += len("false")
		return "false", kindScalar
	case 'n':
		p.i += len("null")
		return "", kindScalar
	default:
		start := p.i
		for p.i < len(p.s) && isNumberByte(p.s[p.i]) {
			p.i++
		}
		return p.s[start:p.i], kindScalar
	}
}

func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// str reads a string at p.i. Without escapes it is a substring of the line.
func (p *objectScanner) str() string {
	p.i++ // opening quote
	start := p.i
	escaped := false
	for {
		j := strings.IndexAny(p.s[p.i:], `"\`)
		p.i += j
		if p.s[p.i] == '"' {
			break
		}
		escaped = true
		p.i += 2 // a backslash and the character it escapes
	}
	v := p.s[start:p.i]
	p.i++ // closing quote
	if escaped {
		return unescape(v)
	}
	return v
}

// skipNested moves past an object or array, counting brackets outside strings.
func (p *objectScanner) skipNested() {
	depth := 0
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				p.i++
				return
			}
		case '"':
			p.str()
			continue
		}
		p.i++
	}
}

// unescape decodes the escapes of a JSON string body as encoding/json does: a lone or
// mismatched UTF-16 surrogate becomes U+FFFD.
func unescape(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		switch s[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(s[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2 = utf16.DecodeRune(r, hex4(s[i+2:i+6]))
				}
				if r2 != utf8.RuneError {
					i += 6
				}
				r = r2
			}
			b = utf8.AppendRune(b, r)
			continue
		default: // '"', '\\', '/'
			b = append(b, s[i+1])
		}
		i += 2
	}
	return string(b)
}

func hex4(s string) rune {
	var r rune
	for i := range 4 {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
