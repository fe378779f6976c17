package roster

import (
	"bytes"
	"strings"

	"github.com/xuri/excelize/v2"
)

var errBadXLSX = &Error{"无法读取 XLSX 文件，请确认文件是 Excel 2007 及以上格式（.xlsx）"}

// unzipLimit caps how much XML a 5 MB upload may inflate to. Keeping the XML
// limit equal means excelize never spills worksheets to temporary files.
const unzipLimit = 64 << 20

// readXLSX returns the non-empty rows of the first visible sheet as displayed
// by Excel, so a 学号 stored as a number reads "2023010101".
func readXLSX(data []byte) (recs []record, err error) {
	// excelize parses an untrusted zip of XML; a bug there must cost this
	// upload, not the server.
	defer func() {
		if recover() != nil {
			recs, err = nil, errBadXLSX
		}
	}()

	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    unzipLimit,
		UnzipXMLSizeLimit: unzipLimit,
	})
	if err != nil {
		return nil, errBadXLSX
	}
	defer f.Close()

	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errBadXLSX
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if visible, _ := f.GetSheetVisible(s); visible {
			sheet = s
			break
		}
	}

	// The streaming reader rather than GetRows: a cell in column XFD makes
	// every row 16384 cells wide, and only non-empty rows are worth keeping.
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, errBadXLSX
	}
	defer rows.Close()
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, errBadXLSX
		}
		rec := record{line: n, cells: trimTrailingBlanks(cells)}
		if !rec.blank() {
			recs = append(recs, rec)
		}
	}
	if rows.Error() != nil {
		return nil, errBadXLSX
	}
	return recs, nil
}

func trimTrailingBlanks(cells []string) []string {
	n := len(cells)
	for n > 0 && strings.TrimFunc(cells[n-1], isBlank) == "" {
		n--
	}
	// Copy so the row does not pin a wide backing array.
	return append([]string(nil), cells[:n]...)
}
