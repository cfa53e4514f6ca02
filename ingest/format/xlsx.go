package format

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/xinyong/xinyong/credit"
)

const (
	// xlsxXMLInMemory is the largest worksheet or shared-string part excelize keeps in
	// memory; larger parts are unzipped to a temporary file and streamed from there.
	xlsxXMLInMemory = 16 << 20
	// xlsxUnzipLimit caps the unzipped size of a workbook, against zip bombs. A sheet of
	// ten million rows of twenty short cells unzips to a few GiB.
	xlsxUnzipLimit = 16 << 30
)

// xlsxReader streams one worksheet with excelize's Rows iterator, which reads the sheet
// XML token by token; sheets larger than xlsxXMLInMemory stream from a temporary file.
type xlsxReader struct {
	book     *excelize.File
	rows     *excelize.Rows
	sheet    string
	size     int64
	maxField int
	num      int // the worksheet row of the last row returned by excelize
	lastRow  int // the last row the sheet's <dimension> declares, 0 if unknown
	done     bool

	header []string
	values []string
	raw    []string
}

func openXLSX(path string, opts Options) (_ Reader, err error) {
	f, err := os.Open(path)
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
		if _, ok := err.(excelize.ErrSheetNotExist); ok {
			return nil, fileError(fmt.Sprintf("工作簿中没有名为“%s”的工作表（有：%s）", sheet, strings.Join(sheets, "、")),
				fmt.Sprintf("no worksheet named %q (the workbook has: %s)", sheet, strings.Join(sheets, ", ")))
		}
		return nil, fileError("无法读取工作表“"+sheet+"”："+err.Error(), "cannot read worksheet "+sheet+": "+err.Error())
	}
	r := &xlsxReader{book: book, rows: rows, sheet: sheet, size: st.Size(), maxField: opts.MaxFieldBytes}
	if dim, err := book.GetSheetDimension(sheet); err == nil {
		if i := strings.LastIndexByte(dim, ':'); i >= 0 {
			if _, row, err := excelize.CellNameToCoordinates(dim[i+1:]); err == nil {
				r.lastRow = row
			}
		}
	}

	// The header is row 1.
	cells, ok, err := r.next()
	if err != nil {
		_ = rows.Close()
		return nil, err
	}
	if !ok || r.num != 1 || lastNonEmpty(cells) < 0 {
		_ = rows.Close()
		return nil, rowError(1, "", credit.RuleFormat, "第一行应为表头，但为空", "row 1 should be the header but is empty")
	}
	if r.header, err = checkHeader(cells, 1); err != nil {
		_ = rows.Close()
		return nil, err
	}
	r.values = make([]string, len(r.header))
	return r, nil
}

// next advances to the next worksheet row and returns its cells.
func (r *xlsxReader) next() ([]string, bool, error) {
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

// Pos estimates the bytes consumed from the rows read and the rows the sheet declares;
// without a usable declaration it reports 0 until the end.
func (r *xlsxReader) Pos() int64 {
	if r.done {
		return r.size
	}
	if r.lastRow > 1 && r.num <= r.lastRow {
		return r.size * int64(r.num) / int64(r.lastRow)
	}
	return 0
}

func (r *xlsxReader) Close() error {
	err := r.rows.Close()
	if cerr := r.book.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("format: close xlsx: %w", err)
	}
	return nil
}

func (r *xlsxReader) Next() (Row, error) {
	for {
		cells, ok, err := r.next()
		if err != nil {
			return Row{}, err
		}
		if !ok {
			return Row{}, io.EOF
		}
		blank, ferr := fillValues(r.values, cells, r.header, r.num, r.maxField, false, false)
		if blank {
			continue
		}
		if ferr != nil {
			r.raw = append(r.raw[:0], cells...)
			return Row{Num: r.num, Err: ferr, Raw: r.raw}, nil
		}
		return Row{Num: r.num, Values: r.values}, nil
	}
}
