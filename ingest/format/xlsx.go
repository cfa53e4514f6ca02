package format

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/xinyong/xinyong/credit"
)

// xlsxUnzipLimit caps the unzipped size of a workbook, against zip bombs. A sheet of ten
// million rows of twenty short cells unzips to a few GiB.
const xlsxUnzipLimit = 16 << 30

// xlsxXMLInMemory is the largest worksheet or shared-string part excelize keeps in memory;
// larger parts are unzipped to a temporary file (in xlsxTmpDir, "" for the system's) and
// streamed from there. Variables so tests can exercise the temporary-file path.
var (
	xlsxXMLInMemory int64 = 16 << 20
	xlsxTmpDir            = ""
)

// xlsxReader streams one worksheet with excelize's Rows iterator, which reads the sheet
// XML token by token; sheets larger than xlsxXMLInMemory stream from a temporary file.
//
// excelize spends most of its time in encoding/xml, so the sheet is parsed in a goroutine a
// few batches of rows ahead of Next: on two cores the XML decoding then overlaps the
// caller's validation and storage instead of adding to it.
type xlsxReader struct {
	book     *excelize.File
	sheet    *sheetRows
	size     int64
	maxField int

	header []string
	values []string
	raw    []string

	batches chan xlsxBatch
	stop    chan struct{} // closed by Close to stop the parsing goroutine
	stopped chan struct{} // closed when the parsing goroutine has returned
	closed  bool
	batch   xlsxBatch // the batch being handed out
	i       int       // next row of batch
	num     int       // the row last handed out, for Pos
}

// xlsxBatch is a run of worksheet rows parsed ahead of Next. The last batch has end or err
// set.
type xlsxBatch struct {
	nums  []int
	cells [][]string
	end   bool
	err   error
}

const xlsxBatchRows = 256

// sheetRows walks the rows of a worksheet. It is used by Open for the header and then only
// by the parsing goroutine.
type sheetRows struct {
	rows    *excelize.Rows
	num     int // the worksheet row of the last row returned
	lastRow int // the last row the sheet's <dimension> declares, 0 if unknown
	done    bool
}

func openXLSX(path string, opts Options) (_ Reader, err error) {
	f, err := os.Open(path) // #nosec G304 -- an operator's command-line argument or web's spool file (os.CreateTemp), never a client's name
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("format: %w", err)
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	_ = f.Close()
	head = head[:n]
	if n == 0 {
		return nil, fileError("文件为空", "the file is empty")
	}
	if bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return nil, fileError("这是旧版 Excel 97-2003（.xls）文件或加密的工作簿，请在 Excel 中另存为 .xlsx（不加密）或 CSV",
			"this is a legacy Excel 97-2003 (.xls) or encrypted workbook; save it as an unencrypted .xlsx or as CSV")
	}
	if !bytes.HasPrefix(head, []byte("PK")) {
		return nil, fileError("文件不是 XLSX 工作簿", "the file is not an XLSX workbook")
	}

	book, err := excelize.OpenFile(path, excelize.Options{
		UnzipSizeLimit:    xlsxUnzipLimit,
		UnzipXMLSizeLimit: xlsxXMLInMemory,
		TmpDir:            xlsxTmpDir,
		// Built-in date formats 14 and 22 come out as 2024-01-31 rather than 01-31-24.
		ShortDatePattern: "yyyy-mm-dd",
	})
	if err != nil {
		return nil, fileError("无法读取 XLSX 文件，文件可能已损坏或不完整（请重新导出后上传）："+err.Error(),
			"cannot read the XLSX file, it may be damaged or incomplete (export it again): "+err.Error())
	}
	defer func() {
		if err != nil {
			_ = book.Close()
		}
	}()

	sheets := book.GetSheetList()
	sheet := opts.Sheet
	if sheet == "" {
		if len(sheets) == 0 {
			return nil, fileError("工作簿中没有工作表", "the workbook has no worksheet")
		}
		sheet = sheets[0]
	}
	rows, err := book.Rows(sheet)
	if err != nil {
		if errors.As(err, new(excelize.ErrSheetNotExist)) {
			return nil, fileError(fmt.Sprintf("工作簿中没有名为“%s”的工作表（有：%s）", sheet, strings.Join(sheets, "、")),
				fmt.Sprintf("no worksheet named %q (the workbook has: %s)", sheet, strings.Join(sheets, ", ")))
		}
		return nil, fileError("无法读取工作表“"+sheet+"”："+err.Error(), "cannot read worksheet "+sheet+": "+err.Error())
	}
	sr := &sheetRows{rows: rows}
	if dim, err := book.GetSheetDimension(sheet); err == nil {
		if i := strings.LastIndexByte(dim, ':'); i >= 0 {
			if _, row, err := excelize.CellNameToCoordinates(dim[i+1:]); err == nil {
				sr.lastRow = row
			}
		}
	}
	r := &xlsxReader{book: book, sheet: sr, size: st.Size(), maxField: opts.MaxFieldBytes}

	// The header is row 1.
	cells, ok, err := sr.next()
	if err != nil {
		_ = rows.Close()
		return nil, err
	}
	if !ok || sr.num != 1 || lastNonEmpty(cells) < 0 {
		_ = rows.Close()
		return nil, rowError(1, "", credit.RuleFormat, "第一行应为表头，但为空", "row 1 should be the header but is empty")
	}
	if r.header, err = checkHeader(cells, 1); err != nil {
		_ = rows.Close()
		return nil, err
	}
	r.values = make([]string, len(r.header))
	r.num = 1
	r.batches = make(chan xlsxBatch, 2)
	r.stop = make(chan struct{})
	r.stopped = make(chan struct{})
	go r.parse()
	return r, nil
}

// parse runs in its own goroutine and sends the worksheet's rows in batches until the end,
// an error, or Close.
func (r *xlsxReader) parse() {
	defer close(r.stopped)
	for {
		var b xlsxBatch
		for len(b.cells) < xlsxBatchRows && !b.end && b.err == nil {
			cells, ok, err := r.sheet.next()
			switch {
			case err != nil:
				b.err = err
			case !ok:
				b.end = true
			default:
				b.nums = append(b.nums, r.sheet.num)
				b.cells = append(b.cells, cells)
			}
		}
		select {
		case r.batches <- b:
		case <-r.stop:
			return
		}
		if b.end || b.err != nil {
			return
		}
	}
}

// next advances to the next worksheet row and returns its cells.
func (r *sheetRows) next() ([]string, bool, error) {
	if r.done {
		return nil, false, nil
	}
	if !r.rows.Next() {
		r.done = true
		if err := r.rows.Error(); err != nil {
			return nil, false, rowError(r.num+1, "", credit.RuleFormat,
				"工作表无法继续读取："+err.Error(), "cannot read the worksheet further: "+err.Error())
		}
		// excelize ends the iteration quietly on malformed XML; a sheet that stops before
		// the last row its own <dimension> declares was cut short.
		if r.lastRow > r.num && r.num > 0 {
			return nil, false, rowError(r.num+1, "", credit.RuleFormat,
				fmt.Sprintf("工作表在第 %d 行后中断，但声明共有 %d 行，文件可能已损坏", r.num, r.lastRow),
				fmt.Sprintf("the worksheet stops after row %d but declares %d rows; the file may be damaged", r.num, r.lastRow))
		}
		return nil, false, nil
	}
	r.num++ // the iterator yields every row number, including rows absent from the XML
	cells, err := r.rows.Columns()
	if err != nil {
		r.done = true
		return nil, false, rowError(r.num, "", credit.RuleFormat,
			"工作表无法继续读取："+err.Error(), "cannot read the worksheet further: "+err.Error())
	}
	return cells, true, nil
}

func (r *xlsxReader) Header() []string   { return r.header }
func (r *xlsxReader) Encoding() Encoding { return UTF8 }

// Pos estimates the bytes consumed from the rows handed out and the rows the sheet
// declares; without a usable declaration it reports 0 until the end.
func (r *xlsxReader) Pos() int64 {
	lastRow := r.sheet.lastRow // written only before the parsing goroutine starts
	switch {
	case r.batch.end && r.i == len(r.batch.cells):
		return r.size
	case lastRow > 1 && r.num <= lastRow:
		return r.size * int64(r.num) / int64(lastRow)
	}
	return 0
}

func (r *xlsxReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	close(r.stop)
	<-r.stopped
	err := r.sheet.rows.Close()
	if cerr := r.book.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("format: close xlsx: %w", err)
	}
	return nil
}

func (r *xlsxReader) Next() (Row, error) {
	if r.closed {
		return Row{}, errClosed
	}
	for {
		if r.i == len(r.batch.cells) {
			switch {
			case r.batch.err != nil:
				return Row{}, r.batch.err
			case r.batch.end:
				return Row{}, io.EOF
			}
			r.batch, r.i = <-r.batches, 0
			continue
		}
		num, cells := r.batch.nums[r.i], r.batch.cells[r.i]
		r.batch.cells[r.i] = nil // let the row go once handed out
		r.i++
		r.num = num
		blank, ferr := fillValues(r.values, cells, r.header, num, r.maxField, false)
		if blank {
			continue
		}
		if ferr != nil {
			r.raw = append(r.raw[:0], cells...)
			return Row{Num: num, Err: ferr, Raw: r.raw}, nil
		}
		return Row{Num: num, Values: r.values}, nil
	}
}
