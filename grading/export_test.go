package grading

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestTableAndWriters(t *testing.T) {
	cols := []Column{{ID: 1, Title: "ABC 分类", Weight: 60}, {ID: 2, Title: "模拟任务", Weight: 40}}
	rows := Totals(cols, []Row{
		{StudentNo: "2023001", Name: "张三", Cells: []Cell{{Score: 80, Max: 100, Graded: true, Late: true}, {Score: 45, Max: 50, Graded: true}}},
		{StudentNo: "2023002", Name: "李四", Cells: []Cell{{Missing: true}, {}}},
	})
	table := Table(cols, rows)
	want := [][]string{
		{"学号", "姓名", "ABC 分类（60%）", "模拟任务（40%）", "总评"},
		{"2023001", "张三", "80.0（迟交）", "90.0", "84.0"},
		{"2023002", "李四", "未交", "待评", "0.0"},
	}
	for i := range want {
		if strings.Join(table[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d: %q, want %q", i, table[i], want[i])
		}
	}

	var buf bytes.Buffer
	if err := WriteCSV(&buf, table); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xef\xbb\xbf")) {
		t.Fatal("CSV has no byte-order mark")
	}
	back, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil || len(back) != 3 || back[1][1] != "张三" {
		t.Fatalf("CSV read back: %v %v", back, err)
	}

	buf.Reset()
	if err := WriteXLSX(&buf, []Sheet{{Name: "物流1班", Rows: table}, {Name: "物流2班: 很长很长很长很长很长很长很长很长很长很长很长很长很长很长", Rows: table[:1]}}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := f.GetSheetList()
	if len(names) != 2 || names[0] != "物流1班" || strings.Contains(names[1], ":") || len([]rune(names[1])) > 31 {
		t.Fatalf("sheets %q", names)
	}
	if v, _ := f.GetCellValue("物流1班", "D2"); v != "90" {
		t.Errorf("D2 = %q, want the number 90", v)
	}
	if typ, _ := f.GetCellType("物流1班", "D2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("D2 type %v, want a number", typ)
	}
	if v, _ := f.GetCellValue("物流1班", "C2"); v != "80.0（迟交）" {
		t.Errorf("C2 = %q", v)
	}
	if v, _ := f.GetCellValue("物流1班", "A2"); v != "2023001" {
		t.Errorf("学号 kept as text: %q", v)
	}
	panes, err := f.GetPanes("物流1班")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	if w, _ := f.GetColWidth("物流1班", "C"); w != 18 {
		t.Errorf("column C width %v", w)
	}
}
