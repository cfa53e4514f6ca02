package format

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/xinyong/xinyong/credit"
)

// Writer writes rows in one of the formats, typically the rejected rows of a batch with
// their reasons (see ReasonColumn and WithReason), so the department can fix them and
// resubmit the file. Rows shorter than the header are padded with "".
type Writer interface {
	Write(values []string) error
	// Close flushes what is buffered (for XLSX: writes the whole workbook). It does not
	// close the underlying io.Writer.
	Close() error
}

// NewWriter starts a file in format f on w and writes header as given.
//
//   - CSV: UTF-8 with a byte order mark (so Excel opens it as UTF-8), or GB18030 without one
//     when enc is GB18030; CRLF line ends; enc "" means UTF-8.
//   - XLSX: one sheet named "Sheet1" written with excelize's StreamWriter; every value is a
//     text cell, so codes such as 91350200… are not turned into numbers; the header row is
//     bold and frozen and a reason column is red. The workbook is written to w on Close.
//   - JSONL: one object per row with the header's keys in order and every value a string.
//     Values past the header are kept under keys "_col<N>" (N is the 1-based column).
func NewWriter(w io.Writer, f Format, enc Encoding, header []string) (Writer, error) {
	switch f {
	case CSV:
		return newCSVWriter(w, enc, header)
	case XLSX:
		return newXLSXWriter(w, header)
	case JSONL:
		return newJSONLWriter(w, header)
	}
	return nil, credit.Errorf(credit.EINVALID, "不支持的文件格式 %q，支持 csv、xlsx、jsonl / unsupported format %q: use csv, xlsx or jsonl", f, f)
}

type csvWriter struct {
	cw      *csv.Writer
	enc     io.WriteCloser // the GB18030 encoder, nil for UTF-8
	n       int
	scratch []string
}

func newCSVWriter(w io.Writer, enc Encoding, header []string) (*csvWriter, error) {
	e, err := normalizeEncoding(enc)
	if err != nil {
		return nil, err
	}
	cw := &csvWriter{n: len(header)}
	if e == GB18030 {
		cw.enc = transform.NewWriter(w, simplifiedchinese.GB18030.NewEncoder())
		cw.cw = csv.NewWriter(cw.enc)
	} else {
		if _, err := w.Write(utf8BOM); err != nil {
			return nil, fmt.Errorf("format: write csv: %w", err)
		}
		cw.cw = csv.NewWriter(w)
	}
	cw.cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return nil, err
	}
	return cw, nil
}

func (w *csvWriter) Write(values []string) error {
	// The GB18030 encoder stops at bytes that are not UTF-8 (possible in the raw cells of
	// a rejected row); those are written as U+FFFD instead.
	if len(values) < w.n || (w.enc != nil && !allUTF8(values)) {
		w.scratch = append(w.scratch[:0], values...)
		for len(w.scratch) < w.n {
			w.scratch = append(w.scratch, "")
		}
		if w.enc != nil {
			for i, v := range w.scratch {
				w.scratch[i] = strings.ToValidUTF8(v, "\uFFFD")
			}
		}
		values = w.scratch
	}
	if err := w.cw.Write(values); err != nil {
		return fmt.Errorf("format: write csv: %w", err)
	}
	return nil
}

func allUTF8(values []string) bool {
	for _, v := range values {
		if !utf8.ValidString(v) {
			return false
		}
	}
	return true
}

func (w *csvWriter) Close() error {
	w.cw.Flush()
	err := w.cw.Error()
	if w.enc != nil {
		if cerr := w.enc.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("format: write csv: %w", err)
	}
	return nil
}

type xlsxWriter struct {
	w      io.Writer
	book   *excelize.File
	sw     *excelize.StreamWriter
	n      int
	row    int
	reason []bool // columns holding a rejection reason
	red    int    // style of reason cells
	cells  []any
}

const xlsxSheet = "Sheet1"

func newXLSXWriter(w io.Writer, header []string) (_ *xlsxWriter, err error) {
	book := excelize.NewFile()
	defer func() {
		if err != nil {
			_ = book.Close()
		}
	}()
	xw := &xlsxWriter{w: w, book: book, n: len(header), reason: make([]bool, len(header))}
	for i, h := range header {
		xw.reason[i] = IsReasonColumn(h)
	}
	bold, err := book.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, fmt.Errorf("format: write xlsx: %w", err)
	}
	if xw.red, err = book.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "C00000"}}); err != nil {
		return nil, fmt.Errorf("format: write xlsx: %w", err)
	}
	if xw.sw, err = book.NewStreamWriter(xlsxSheet); err != nil {
		return nil, fmt.Errorf("format: write xlsx: %w", err)
	}
	if len(header) > 0 {
		if err := xw.sw.SetColWidth(1, len(header), 18); err != nil {
			return nil, fmt.Errorf("format: write xlsx: %w", err)
		}
	}
	if err := xw.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, fmt.Errorf("format: write xlsx: %w", err)
	}
	xw.row = 1
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := xw.sw.SetRow("A1", cells); err != nil {
		return nil, fmt.Errorf("format: write xlsx: %w", err)
	}
	return xw, nil
}

func (w *xlsxWriter) Write(values []string) error {
	w.row++
	w.cells = w.cells[:0]
	for i := range max(len(values), w.n) {
		v := ""
		if i < len(values) {
			v = values[i]
		}
		if n := utf16Len(v); n > excelize.TotalCellChars {
			return rowError(w.row, "", credit.RuleFormat,
				fmt.Sprintf("第 %d 列的值有 %d 个字符，超过 XLSX 单元格上限 %d，请改用 CSV", i+1, n, excelize.TotalCellChars),
				fmt.Sprintf("column %d holds %d characters, more than an XLSX cell's %d; use CSV", i+1, n, excelize.TotalCellChars))
		}
		v = xmlText(v)
		switch {
		case v == "":
			w.cells = append(w.cells, nil)
		case i < w.n && w.reason[i]:
			w.cells = append(w.cells, excelize.Cell{StyleID: w.red, Value: v})
		default:
			w.cells = append(w.cells, v)
		}
	}
	if err := w.sw.SetRow("A"+strconv.Itoa(w.row), w.cells); err != nil {
		return fmt.Errorf("format: write xlsx row %d: %w", w.row, err)
	}
	return nil
}

// xmlText replaces what XML 1.0 cannot hold — control characters other than tab and line
// ends, U+FFFE, U+FFFF, bytes that are not UTF-8 — with U+FFFD, which every reader rejects,
// so a damaged value comes back to the department as an error instead of changing quietly.
func xmlText(s string) string {
	for _, r := range s {
		if !xmlChar(r) {
			return strings.Map(func(r rune) rune {
				if xmlChar(r) {
					return r
				}
				return utf8.RuneError
			}, s)
		}
	}
	return s
}

func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || 0x20 <= r && r <= 0xD7FF ||
		0xE000 <= r && r <= 0xFFFD && r != utf8.RuneError || 0x10000 <= r && r <= utf8.MaxRune
}

func utf16Len(s string) int {
	if len(s) <= excelize.TotalCellChars {
		return len(s) // a UTF-16 unit takes at least one byte of UTF-8
	}
	n := 0
	for _, r := range s {
		n += max(1, utf16.RuneLen(r))
	}
	return n
}

func (w *xlsxWriter) Close() error {
	err := w.sw.Flush()
	if err == nil {
		_, err = w.book.WriteTo(w.w)
	}
	if cerr := w.book.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("format: write xlsx: %w", err)
	}
	return nil
}

type jsonlWriter struct {
	bw   *bufio.Writer
	keys [][]byte // `"key":` for each column
	line []byte
}

func newJSONLWriter(w io.Writer, header []string) (*jsonlWriter, error) {
	jw := &jsonlWriter{bw: bufio.NewWriterSize(w, 64<<10)}
	for _, h := range header {
		jw.keys = append(jw.keys, append(credit.AppendJSONString(nil, h), ':'))
	}
	return jw, nil
}

func (w *jsonlWriter) Write(values []string) error {
	b := append(w.line[:0], '{')
	for i := range max(len(values), len(w.keys)) {
		if i > 0 {
			b = append(b, ',')
		}
		if i < len(w.keys) {
			b = append(b, w.keys[i]...)
		} else {
			b = append(credit.AppendJSONString(b, "_col"+strconv.Itoa(i+1)), ':')
		}
		v := ""
		if i < len(values) {
			v = values[i]
		}
		b = credit.AppendJSONString(b, v)
	}
	b = append(b, '}', '\n')
	w.line = b
	if _, err := w.bw.Write(b); err != nil {
		return fmt.Errorf("format: write jsonl: %w", err)
	}
	return nil
}

func (w *jsonlWriter) Close() error {
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("format: write jsonl: %w", err)
	}
	return nil
}
