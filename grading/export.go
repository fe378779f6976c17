package grading

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Table is a gradebook as text cells: 学号, 姓名, one column per activity (percent, or
// 未交 / 待评, with （迟交）), and the weighted total.
func Table(cols []Column, rows []Row) [][]string {
	head := []string{"学号", "姓名"}
	for _, c := range cols {
		head = append(head, fmt.Sprintf("%s（%.0f%%）", c.Title, c.Weight))
	}
	head = append(head, "总评")
	out := [][]string{head}
	for _, r := range rows {
		line := []string{r.StudentNo, r.Name}
		for _, cell := range r.Cells {
			switch {
			case cell.Missing:
				line = append(line, "未交")
			case !cell.Graded:
				line = append(line, "待评")
			default:
				v := strconv.FormatFloat(cell.Percent(), 'f', 1, 64)
				if cell.Late {
					v += "（迟交）"
				}
				line = append(line, v)
			}
		}
		out = append(out, append(line, strconv.FormatFloat(r.Total, 'f', 1, 64)))
	}
	return out
}

// Sheet is one named table of an export; its first row is the header.
type Sheet struct {
	Name string
	Rows [][]string
}

// WriteCSV writes rows as CSV in UTF-8 with a byte-order mark, so that Excel on Chinese
// Windows opens the Chinese text correctly.
func WriteCSV(w io.Writer, rows [][]string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// WriteXLSX writes the sheets as one workbook: header row frozen, the first two columns
// (学号, 姓名) sized for them and the rest wide enough for Chinese titles; cells that read
// as numbers (after the first two columns) are stored as numbers so Excel can sort and sum.
func WriteXLSX(w io.Writer, sheets []Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		name := sheetName(sh.Name, i)
		if i == 0 {
			f.SetSheetName(f.GetSheetName(0), name)
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("new sheet %q: %w", name, err)
		}
		width := 0
		for r, line := range sh.Rows {
			cells := make([]any, len(line))
			for j, v := range line {
				if n, err := strconv.ParseFloat(v, 64); err == nil && r > 0 && j > 1 {
					cells[j] = n
				} else {
					cells[j] = v
				}
			}
			width = max(width, len(line))
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &cells); err != nil {
				return fmt.Errorf("write row: %w", err)
			}
		}
		if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fmt.Errorf("freeze header: %w", err)
		}
		f.SetColWidth(name, "A", "A", 14)
		f.SetColWidth(name, "B", "B", 10)
		if width > 2 {
			last, _ := excelize.ColumnNumberToName(width)
			f.SetColWidth(name, "C", last, 18)
		}
	}
	return f.Write(w)
}

// sheetName makes a name Excel accepts: at most 31 characters, none of : \ / ? * [ ].
func sheetName(name string, i int) string {
	r := []rune(name)
	out := make([]rune, 0, len(r))
	for _, c := range r {
		switch c {
		case ':', '\\', '/', '?', '*', '[', ']':
			c = '_'
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return fmt.Sprintf("Sheet%d", i+1)
	}
	if len(out) > 31 {
		out = out[:31]
	}
	return string(out)
}
