package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/xinyong/xinyong/credit"
)

// MaxLineLen is the longest line ReadJSONL accepts: an entry with the largest detail, escaped.
const MaxLineLen = 1 << 20

// WriteJSONL writes entries to w as JSON Lines, one entry per line, in the form ReadJSONL reads
// back byte for byte (details are not HTML-escaped, so a chained entry keeps its hash). It
// stops at the first error, of the iterator or of w, and returns how many entries it wrote.
func WriteJSONL(w io.Writer, entries iter.Seq2[*Entry, error]) (n int64, err error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for e, err := range entries {
		if err != nil {
			return n, err
		}
		if e == nil {
			return n, errors.New("audit: nil entry")
		}
		if err := enc.Encode(e); err != nil {
			return n, fmt.Errorf("audit entry %d: %w", e.Seq, err)
		}
		n++
	}
	return n, bw.Flush()
}

// ReadJSONL reads the JSON Lines that WriteJSONL writes. Each entry comes with a nil error;
// a line that is not exactly one entry (unknown fields, trailing data, too long) yields an
// *credit.Error naming the line and ends the sequence, as does a read error. Blank lines
// are skipped. It never panics, whatever the input.
func ReadJSONL(r io.Reader) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		for line := 1; ; line++ {
			b, err := readLine(br)
			if err == io.EOF && len(b) == 0 {
				return
			}
			if err != nil && err != io.EOF {
				if errors.Is(err, errLineTooLong) {
					err = lineError(line, "行过长（最多 1 MiB） / line too long (at most 1 MiB)")
				}
				yield(nil, err)
				return
			}
			if len(bytes.TrimSpace(b)) > 0 {
				e, perr := parseLine(b)
				if perr != nil {
					yield(nil, lineError(line, perr.Error()))
					return
				}
				if !yield(e, nil) {
					return
				}
			}
			if err == io.EOF {
				return
			}
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its line ending; io.EOF comes with the last line
// when it has none.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineLen+2 {
			return nil, errLineTooLong
		}
		buf = append(buf, chunk...)
		switch err {
		case nil:
			buf = bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r"))
			return buf, nil
		case bufio.ErrBufferFull:
			continue
		default:
			return buf, err
		}
	}
}

func parseLine(b []byte) (*Entry, error) {
	if t := bytes.TrimSpace(b); t[0] != '{' {
		return nil, errors.New("不是 JSON 对象 / not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var e Entry
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("不是有效的审计条目 / not an audit entry: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("条目后有多余内容 / trailing data after the entry")
	}
	return &e, nil
}

func lineError(line int, msg string) error {
	return &credit.Error{Code: credit.EINVALID, Row: line, Rule: credit.RuleFormat,
		Message: fmt.Sprintf("审计日志第 %d 行：%s", line, msg)}
}
