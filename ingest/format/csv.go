package format

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/xinyong/xinyong/credit"
)

const (
	// sniffBytes is how much of a CSV file decides its encoding and delimiter.
	sniffBytes = 64 << 10
	// maxResyncs bounds how often a file may restart parsing after an unclosed quote, so
	// a file full of stray quotes costs at most maxResyncs × the record limit to read.
	maxResyncs = 100
)

// minRecordLimit is the least a CSV record may take before it is cut off; the limit is
// 16 × MaxFieldBytes when that is more. A variable so tests can lower it.
var minRecordLimit = 1 << 20

var (
	gb18030BOM = []byte{0x84, 0x31, 0x95, 0x33}

	// errRecordTooLong stops a record that runs past the record limit, which bounds the
	// memory a file with an unclosed quote (or without line ends) can take.
	errRecordTooLong = errors.New("record too long")
)

// csvReader reads CSV with encoding/csv. Between the decoder and encoding/csv sits a
// recordSource that keeps the bytes of the record being parsed, so a record with a quoting
// error can be given back as raw cells and, after an unclosed quote, parsing can restart on
// the next line instead of swallowing the rest of the file into one record.
type csvReader struct {
	file     *os.File
	count    *countingReader
	src      *recordSource
	cr       *csv.Reader
	comma    rune
	enc      Encoding
	maxField int

	header []string
	values []string // reused for every row
	raw    []string // reused for every rejected row

	lineBase int // file line = lineBase + line of the current encoding/csv reader
	resyncs  int
	fatal    error
}

func openCSV(path string, opts Options) (_ Reader, err error) {
	enc, err := normalizeEncoding(opts.Encoding)
	if err != nil {
		return nil, err
	}
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
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(count, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, ioError(1, err)
	}
	head = head[:n]
	complete := n < sniffBytes
	if len(head) == 0 {
		return nil, fileError("文件为空", "the file is empty")
	}

	// A byte order mark is stronger evidence than a declaration made by picking from a list.
	var skip int
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		enc, skip = UTF8, len(utf8BOM)
	case bytes.HasPrefix(head, gb18030BOM):
		enc, skip = GB18030, len(gb18030BOM)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, fileError("文件为 UTF-16 编码（Excel“Unicode 文本”），请另存为 UTF-8 或 GB18030 的 CSV",
			"the file is UTF-16 (Excel \"Unicode text\"); save it as CSV in UTF-8 or GB18030")
	}
	if enc == "" {
		enc = GB18030
		if validUTF8Head(head[skip:], complete) {
			enc = UTF8
		}
	}

	comma := opts.Comma
	if comma == 0 {
		comma = sniffComma(head[skip:])
	} else if comma == '"' || comma == '\r' || comma == '\n' || comma == utf8.RuneError || !utf8.ValidRune(comma) {
		return nil, fileError(fmt.Sprintf("不能用 %q 作分隔符", comma), fmt.Sprintf("%q cannot be a delimiter", comma))
	}

	var text io.Reader = io.MultiReader(bytes.NewReader(head[skip:]), count)
	if enc == GB18030 {
		text = transform.NewReader(text, simplifiedchinese.GB18030.NewDecoder())
	}
	r := &csvReader{
		file:     f,
		count:    count,
		src:      &recordSource{r: text, line: 1, limit: int64(max(minRecordLimit, 16*opts.MaxFieldBytes))},
		comma:    comma,
		enc:      enc,
		maxField: opts.MaxFieldBytes,
	}
	r.cr = r.newCSV()
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

// normalizeEncoding accepts the usual spellings of the two supported encodings.
func normalizeEncoding(e Encoding) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(string(e))) {
	case "":
		return "", nil
	case "utf-8", "utf8":
		return UTF8, nil
	case "gb18030", "gbk", "gb2312", "cp936":
		return GB18030, nil
	}
	return "", fileError(fmt.Sprintf("不支持的编码 %q，支持 utf-8、gb18030（含 GBK）", e),
		fmt.Sprintf("unsupported encoding %q: use utf-8 or gb18030 (covers GBK)", e))
}

// validUTF8Head reports whether head is valid UTF-8. When head is only the start of the
// file, a multi-byte character cut at its end is allowed.
func validUTF8Head(head []byte, complete bool) bool {
	if !complete {
		// Step back over up to three continuation bytes to the start of the last character.
		i := len(head) - 1
		for i > 0 && len(head)-i < utf8.UTFMax && head[i]&0xC0 == 0x80 {
			i--
		}
		if i >= 0 && !utf8.FullRune(head[i:]) {
			head = head[:i]
		}
	}
	return utf8.Valid(head)
}

// sniffComma picks the delimiter from the first line: a tab when it has more tabs than
// commas, a comma otherwise. Both bytes are ASCII and never occur inside a GB18030
// multi-byte character, so the raw bytes can be counted before decoding.
func sniffComma(head []byte) rune {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.Count(head, []byte{'\t'}) > bytes.Count(head, []byte{','}) {
		return '\t'
	}
	return ','
}

func (r *csvReader) newCSV() *csv.Reader {
	cr := csv.NewReader(r.src)
	cr.Comma = r.comma
	cr.FieldsPerRecord = -1 // counts are checked per row, into Row.Err
	cr.LazyQuotes = false
	cr.ReuseRecord = true
	return cr
}

// readHeader reads the first record that is not blank as the header.
func (r *csvReader) readHeader() error {
	for {
		r.src.release(r.cr.InputOffset())
		rec, err := r.cr.Read()
		if err == io.EOF {
			return fileError("文件没有表头", "the file has no header row")
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				num := r.lineBase + pe.StartLine
				zh, en := quoteProblem(pe.Err)
				return rowError(num, "", credit.RuleFormat, "表头"+zh, "header: "+en)
			}
			if errors.Is(err, errRecordTooLong) {
				num := r.lineBase + r.src.line
				return rowError(num, "", credit.RuleFormat, "表头过长或引号未闭合", "the header is too long or has an unclosed quote")
			}
			return ioError(r.lineBase+r.src.line, err)
		}
		if lastNonEmpty(rec) < 0 {
			continue
		}
		line, _ := r.cr.FieldPos(0)
		h, err := checkHeader(rec, r.lineBase+line)
		if err != nil {
			return err
		}
		for i, name := range h {
			if badText(name) {
				return rowError(r.lineBase+line, "", credit.RuleEncoding,
					fmt.Sprintf("表头第 %d 列含有无法识别的字符，请确认文件编码为 UTF-8 或 GB18030", i+1),
					fmt.Sprintf("header column %d has bytes that are invalid in the file's encoding; save the file as UTF-8 or GB18030", i+1))
			}
		}
		r.header = h
		r.values = make([]string, len(h))
		return nil
	}
}

func (r *csvReader) Header() []string   { return r.header }
func (r *csvReader) Encoding() Encoding { return r.enc }
func (r *csvReader) Pos() int64         { return r.count.n }
func (r *csvReader) Close() error       { return r.file.Close() }

func (r *csvReader) Next() (Row, error) {
	for r.fatal == nil {
		r.src.release(r.cr.InputOffset())
		rec, err := r.cr.Read()
		if err != nil {
			if err == io.EOF {
				return Row{}, io.EOF
			}
			if row, ok := r.recordError(rec, err); ok {
				return row, nil
			}
			continue // fatal is set, or a resync found nothing to report
		}
		line, _ := r.cr.FieldPos(0)
		num := r.lineBase + line
		blank, ferr := fillValues(r.values, rec, r.header, num, r.maxField, true)
		if blank {
			continue
		}
		if ferr != nil {
			r.raw = append(r.raw[:0], rec...)
			return Row{Num: num, Err: ferr, Raw: r.raw}, nil
		}
		return Row{Num: num, Values: r.values}, nil
	}
	return Row{}, r.fatal
}

// recordError turns a failed read into a rejected row, or sets r.fatal.
func (r *csvReader) recordError(rec []string, err error) (Row, bool) {
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe) && !r.src.hitLimit:
		end := r.cr.InputOffset()
		if pe.Err == csv.ErrQuote && pe.Line > pe.StartLine && (r.src.drained(end) || r.rowsFollow(pe.StartLine, end)) {
			// An opening quote was never closed: encoding/csv read on to the end of the file,
			// or to a quote further down, as one value. Reject the line it started on and
			// parse again from the next.
			return r.unclosed(pe.StartLine)
		}
		num := r.lineBase + pe.StartLine
		field := ""
		if len(rec) < len(r.header) {
			field = r.header[len(rec)] // rec holds the cells parsed before the error
		}
		zh, en := quoteProblem(pe.Err)
		r.raw = lazyCells(r.raw[:0], r.src.textFrom(pe.StartLine, end), r.comma)
		return Row{Num: num, Err: rowError(num, field, credit.RuleFormat, zh, en), Raw: r.raw}, true
	case errors.Is(err, errRecordTooLong) || r.src.hitLimit:
		line := r.src.firstRecordLine()
		if r.src.multiLine(line) {
			return r.unclosed(line)
		}
		num := r.lineBase + line
		r.fatal = rowError(num, "", credit.RuleFormat,
			fmt.Sprintf("这一行超过 %d 字节，文件可能不是 CSV", r.src.limit),
			fmt.Sprintf("the line is longer than %d bytes; the file may not be CSV", r.src.limit))
	default:
		r.fatal = ioError(r.lineBase+r.src.line, err)
	}
	return Row{}, false
}

// rowsFollow reports whether the lines after line, up to offset end, read on their own as
// well-formed rows of the header's width. A record that failed with a quoting error after
// running over several lines is then taken as an unclosed quote on its first line followed
// by good rows, rather than a multi-line value with a typo in it: the line holding the
// closing quote of a genuine multi-line value cannot parse on its own.
func (r *csvReader) rowsFollow(line int, end int64) bool {
	i := r.src.lineIndex(line + 1)
	j := int(end - r.src.base)
	if i < 0 || j <= i || j > len(r.src.buf) {
		return false
	}
	cr := csv.NewReader(bytes.NewReader(r.src.buf[i:j]))
	cr.Comma = r.comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
		if last := lastNonEmpty(rec); last >= 0 && (last >= len(r.header) || len(rec) < len(r.header)) {
			return false
		}
	}
}

// unclosed rejects the record starting at line (of the current csv reader) as having an
// unclosed quote and restarts parsing at the following line.
func (r *csvReader) unclosed(line int) (Row, bool) {
	num := r.lineBase + line
	r.resyncs++
	if r.resyncs > maxResyncs {
		r.fatal = rowError(num, "", credit.RuleFormat,
			fmt.Sprintf("引号未闭合的行超过 %d 处，请检查文件中的双引号", maxResyncs),
			fmt.Sprintf("more than %d lines with an unclosed quote; check the double quotes in the file", maxResyncs))
		return Row{}, false
	}
	r.raw = lazyCells(r.raw[:0], r.src.lineText(line), r.comma)
	r.src.restartAt(line + 1)
	r.lineBase += line
	r.cr = r.newCSV()
	return Row{Num: num, Err: rowError(num, "", credit.RuleFormat,
		"引号未闭合：以双引号开始的值没有结束的双引号",
		"unclosed quote: a value that starts with a double quote has no closing quote"), Raw: r.raw}, true
}

// quoteProblem explains a parse error of encoding/csv to a department clerk.
func quoteProblem(err error) (zh, en string) {
	switch err {
	case csv.ErrBareQuote:
		return "未加引号的值中有双引号（值中的双引号应写成两个，并用双引号括起整个值）",
			`a double quote inside an unquoted value (write it as "" and quote the whole value)`
	case csv.ErrQuote:
		return "双引号不配对（引号括起的值之后不能紧跟其他字符）",
			"unbalanced double quote (nothing may follow the closing quote of a quoted value)"
	}
	return "格式错误：" + err.Error(), "malformed: " + err.Error()
}

// lazyCells splits the raw text of a rejected record into cells as well as it can, with
// encoding/csv's lenient quote handling, so the row can be written back for correction.
func lazyCells(dst []string, text []byte, comma rune) []string {
	text = bytes.TrimRight(text, "\r\n")
	lr := csv.NewReader(bytes.NewReader(text))
	lr.Comma = comma
	lr.LazyQuotes = true
	lr.FieldsPerRecord = -1
	for {
		rec, err := lr.Read()
		if err != nil {
			break
		}
		dst = append(dst, rec...)
	}
	if len(dst) == 0 && len(text) > 0 {
		dst = append(dst, string(text))
	}
	return dst
}

// recordSource hands the decoded text to encoding/csv and keeps the bytes from the start of
// the current record, so a bad record's text can be recovered and parsing restarted. It
// also stops a record that grows past limit. Offsets and line numbers are those of the
// current encoding/csv reader (they restart with it).
type recordSource struct {
	r      io.Reader // the decoded UTF-8 text
	replay []byte    // text to hand out again after a restart, before r
	buf    []byte    // text handed out; buf[off:] is the current record and what follows
	off    int       // index in buf of the current record's start
	base   int64     // offset of buf[0]
	fed    int64     // offset of the next byte to hand out
	line   int       // line number of buf[off]
	limit  int64
	eof    bool // r returned io.EOF
	// hitLimit is set when the current record ran into limit; encoding/csv may report a
	// quoting error in the cut-off text instead of the limit error.
	hitLimit bool
}

func (s *recordSource) Read(p []byte) (int, error) {
	left := s.limit - (s.fed - (s.base + int64(s.off)))
	if left <= 0 {
		s.hitLimit = true
		return 0, errRecordTooLong
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	var n int
	var err error
	switch {
	case len(s.replay) > 0:
		n = copy(p, s.replay)
		s.replay = s.replay[n:]
	case s.eof:
		return 0, io.EOF
	default:
		n, err = s.r.Read(p)
		if err == io.EOF {
			s.eof = true
		}
	}
	if s.off > 0 && len(s.buf)+n > cap(s.buf) {
		// Drop what is behind the current record before the buffer would grow.
		k := copy(s.buf, s.buf[s.off:])
		s.buf = s.buf[:k]
		s.base += int64(s.off)
		s.off = 0
	}
	s.buf = append(s.buf, p[:n]...)
	s.fed += int64(n)
	return n, err
}

// release moves the start of the current record to offset at (encoding/csv's InputOffset
// before it reads a record), keeping count of the lines passed.
func (s *recordSource) release(at int64) {
	k := int(at - s.base)
	if k <= s.off || k > len(s.buf) {
		return
	}
	s.line += bytes.Count(s.buf[s.off:k], []byte{'\n'})
	s.off = k
}

// drained reports whether encoding/csv has consumed everything up to the end of the file.
func (s *recordSource) drained(consumed int64) bool {
	return s.eof && len(s.replay) == 0 && consumed == s.fed
}

// lineIndex returns the index in buf where line starts, or -1 when it is not held.
func (s *recordSource) lineIndex(line int) int {
	i := s.off
	for l := s.line; l < line; l++ {
		j := bytes.IndexByte(s.buf[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
	}
	return i
}

// textFrom returns the held text from the start of line to offset end.
func (s *recordSource) textFrom(line int, end int64) []byte {
	i := s.lineIndex(line)
	j := int(end - s.base)
	if i < 0 || j < i || j > len(s.buf) {
		return nil
	}
	return s.buf[i:j]
}

// lineText returns the held text of one line, without its line end.
func (s *recordSource) lineText(line int) []byte {
	i := s.lineIndex(line)
	if i < 0 {
		return nil
	}
	t := s.buf[i:]
	if j := bytes.IndexByte(t, '\n'); j >= 0 {
		t = t[:j]
	}
	return t
}

// firstRecordLine returns the line the current record starts on, past empty lines (which
// encoding/csv skips).
func (s *recordSource) firstRecordLine() int {
	i, line := s.off, s.line
	for {
		t := s.buf[i:]
		switch {
		case bytes.HasPrefix(t, []byte("\n")):
			i++
		case bytes.HasPrefix(t, []byte("\r\n")):
			i += 2
		default:
			return line
		}
		line++
	}
}

// multiLine reports whether the held text goes past the end of line.
func (s *recordSource) multiLine(line int) bool {
	i := s.lineIndex(line)
	return i >= 0 && bytes.IndexByte(s.buf[i:], '\n') >= 0
}

// restartAt makes the source hand out the text again from the start of line, for a new
// encoding/csv reader whose line 1 and offset 0 it becomes.
func (s *recordSource) restartAt(line int) {
	var rest []byte
	if i := s.lineIndex(line); i >= 0 {
		rest = s.buf[i:]
	}
	replay := make([]byte, 0, len(rest)+len(s.replay))
	replay = append(append(replay, rest...), s.replay...)
	s.replay = replay
	s.buf = s.buf[:0]
	s.off, s.base, s.fed, s.line = 0, 0, 0, 1
	s.hitLimit = false
}
