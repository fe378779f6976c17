package roster

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// ok is a row without problems.
func ok(line int, no, name string) Row {
	return Row{Line: line, StudentNo: no, Name: name}
}

func bad(line int, no, name string, problems ...string) Row {
	return Row{Line: line, StudentNo: no, Name: name, Problems: problems}
}

func gbk(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode GBK: %v", err)
	}
	return b
}

func gb18030(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode GB18030: %v", err)
	}
	return b
}

func utf16LE(t testing.TB, s string) []byte {
	t.Helper()
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode UTF-16: %v", err)
	}
	return b
}

// workbook builds an .xlsx in memory, the way the teacher's Excel would save it.
func workbook(t testing.TB, build func(f *excelize.File) error) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := build(f); err != nil {
		t.Fatalf("build workbook: %v", err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatalf("write workbook: %v", err)
	}
	return buf.Bytes()
}

func setCells(f *excelize.File, sheet string, cells map[string]any) error {
	for ref, v := range cells {
		if err := f.SetCellValue(sheet, ref, v); err != nil {
			return err
		}
	}
	return nil
}

func TestParse(t *testing.T) {
	// The same class, as Excel on Chinese Windows saves it ("CSV" = GBK).
	const plain = "学号,姓名\n2023010101,张三\n2023010102,李四\n"
	plainRows := []Row{ok(2, "2023010101", "张三"), ok(3, "2023010102", "李四")}

	numericXLSX := workbook(t, func(f *excelize.File) error {
		return setCells(f, "Sheet1", map[string]any{
			"A1": "学号", "B1": "姓名",
			"A2": 2023010101, "B2": "张三", // typed as a number, as most teachers do
			"A3": "0023010102", "B3": "李四", // stored as text to keep the leading zeros
			"A4": 202301010123, "B4": "王五",
		})
	})
	titledXLSX := workbook(t, func(f *excelize.File) error {
		// Title on row 1, blank row 2, header on row 3, extra column first.
		return setCells(f, "Sheet1", map[string]any{
			"A1": "2025级物流1班名单",
			"A3": "序号", "B3": "姓名", "C3": "学号",
			"A4": 1, "B4": "赵六", "C4": "2025030101",
			"A5": 2, "B5": "钱七", "C5": "2025030102",
		})
	})
	hiddenFirstXLSX := workbook(t, func(f *excelize.File) error {
		// Teachers hide an old sheet instead of deleting it.
		idx, err := f.NewSheet("本学期")
		if err != nil {
			return err
		}
		f.SetActiveSheet(idx) // Excel will not hide the active sheet
		if err := setCells(f, "Sheet1", map[string]any{"A1": "旧名单"}); err != nil {
			return err
		}
		if err := setCells(f, "本学期", map[string]any{"A1": "学号", "B1": "姓名", "A2": "2025030101", "B2": "孙八"}); err != nil {
			return err
		}
		return f.SetSheetVisible("Sheet1", false)
	})
	noNameXLSX := workbook(t, func(f *excelize.File) error {
		return setCells(f, "Sheet1", map[string]any{"A1": "学号", "B1": "班级", "A2": "2025030101", "B2": "物流1班"})
	})
	emptyXLSX := workbook(t, func(f *excelize.File) error { return nil })

	oleHeader := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	const line = "2023010101,张三\n"
	tooBig := append([]byte("学号,姓名\n"), bytes.Repeat([]byte(line), MaxFileSize/len(line)+1)...)

	cases := []struct {
		name     string
		filename string
		data     []byte
		size     int64 // declared size; 0 means len(data)
		want     []Row
		wantErr  string // substring of the *Error message
	}{
		{name: "UTF-8 CSV", filename: "名单.csv", data: []byte(plain), want: plainRows},
		{name: "UTF-8 CSV with BOM and CRLF from Excel", filename: "名单.CSV",
			data: []byte("\uFEFF学号,姓名\r\n2023010101,张三\r\n2023010102,李四\r\n"), want: plainRows},
		{name: "GBK CSV from Excel on Chinese Windows", filename: "名单.csv", data: gbk(t, plain), want: plainRows},
		{name: "GB18030-only character in a name", filename: "名单.csv",
			data: gb18030(t, "学号,姓名\n2023010101,张㛃\n"),
			want: []Row{ok(2, "2023010101", "张㛃")}},
		{name: "title row above header, columns reordered, extra 班级 column", filename: "名单.csv",
			data: []byte("2025级物流1班名单,,\n班级,姓名,学号\n物流1班,王芳,2025030101\n物流1班,陈明,2025030102\n"),
			want: []Row{ok(3, "2025030101", "王芳"), ok(4, "2025030102", "陈明")}},
		{name: "header variants 学生学号 and 姓 名", filename: "名单.csv",
			data: []byte("学生学号,姓 名\n2023010101,张三\n"), want: []Row{ok(2, "2023010101", "张三")}},
		{name: "traditional 學號 and 名字", filename: "名单.csv",
			data: []byte("名字,學號\n张三,2023010101\n"), want: []Row{ok(2, "2023010101", "张三")}},
		{name: "tab separated", filename: "名单.csv",
			data: []byte("学号\t姓名\n2023010101\t张三\n2023010102\t李四\n"), want: plainRows},
		{name: "semicolon separated from European Excel", filename: "名单.csv",
			data: []byte("学号;姓名\n2023010101;张三\n2023010102;李四\n"), want: plainRows},
		{name: "UTF-16 unicode text from Excel", filename: "名单.csv",
			data: utf16LE(t, "学号\t姓名\r\n2023010101\t张三\r\n2023010102\t李四\r\n"), want: plainRows},
		{name: "full-width digits, ideographic spaces and alignment padding", filename: "名单.csv",
			data: []byte("学号,姓名\n２０２３０１０１０１　,　张　三\n 2023010102 ,  Li    Ming \n"),
			want: []Row{ok(2, "2023010101", "张三"), ok(3, "2023010102", "Li Ming")}},
		{name: "blank lines and empty-cell rows are skipped, line numbers kept", filename: "名单.csv",
			data: []byte("学号,姓名\n\n2023010101,张三\n,,\n  ,  \n2023010102,李四\n"),
			want: []Row{ok(3, "2023010101", "张三"), ok(6, "2023010102", "李四")}},
		{name: "quoted fields with commas and newlines", filename: "名单.csv",
			data: []byte("学号,姓名,备注\n2023010101,张三,\"班长,\n团支书\"\n2023010102,李四,\n"),
			want: []Row{ok(2, "2023010101", "张三"), ok(4, "2023010102", "李四")}},
		{name: "header repeated between two classes", filename: "名单.csv",
			data: []byte("学号,姓名\n2023010101,张三\n学号,姓名\n2023020101,李四\n"),
			want: []Row{ok(2, "2023010101", "张三"), ok(4, "2023020101", "李四")}},
		{name: "duplicate 学号 points at the first occurrence", filename: "名单.csv",
			data: []byte("学号,姓名\n2023010101,张三\n2023010102,李四\n2023010101,王五\nwl01,赵六\nWL01,钱七\n2023010101,孙八\n"),
			want: []Row{
				ok(2, "2023010101", "张三"),
				ok(3, "2023010102", "李四"),
				bad(4, "2023010101", "王五", "学号与第 2 行重复"),
				ok(5, "wl01", "赵六"),
				bad(6, "WL01", "钱七", "学号与第 5 行重复"),
				bad(7, "2023010101", "孙八", "学号与第 2 行重复"),
			}},
		{name: "empty name", filename: "名单.csv",
			data: []byte("学号,姓名\n2023010101,张三\n2023010102,\n"),
			want: []Row{ok(2, "2023010101", "张三"), bad(3, "2023010102", "", "姓名为空")}},
		{name: "missing 学号", filename: "名单.csv",
			data: []byte("学号,姓名\n,张三\n2023010102,李四\n"),
			want: []Row{bad(2, "", "张三", "缺少学号"), ok(3, "2023010102", "李四")}},
		{name: "row with only the extra column filled", filename: "名单.csv",
			data: []byte("学号,姓名,班级\n,,物流1班\n"),
			want: []Row{bad(2, "", "", "缺少学号", "姓名为空")}},
		{name: "学号 too long, with inner space, name too long", filename: "名单.csv",
			data: []byte("学号,姓名\n" + strings.Repeat("1", 33) + ",张三\n2023 0101,李四\n2023010103," + strings.Repeat("名", 41) + "\n"),
			want: []Row{
				bad(2, strings.Repeat("1", 33), "张三", "学号过长"),
				bad(3, "2023 0101", "李四", "学号含有空格或特殊字符"),
				bad(4, "2023010103", strings.Repeat("名", 41), "姓名过长"),
			}},
		{name: "学号 mangled into scientific notation by Excel", filename: "名单.csv",
			data: []byte("学号,姓名\n2.02301E+16,张三\n"),
			want: []Row{bad(2, "2.02301E+16", "张三", "学号被 Excel 变成了科学计数法，请把学号列设为“文本”格式后重新填写")}},
		{name: "several problems on one row", filename: "名单.csv",
			data: []byte("学号,姓名\n2023010101,张三\n2023010101,\n"),
			want: []Row{ok(2, "2023010101", "张三"), bad(3, "2023010101", "", "学号与第 2 行重复", "姓名为空")}},

		{name: "XLSX with numeric and text 学号", filename: "名单.xlsx", data: numericXLSX,
			want: []Row{ok(2, "2023010101", "张三"), ok(3, "0023010102", "李四"), ok(4, "202301010123", "王五")}},
		{name: "XLSX with header on row 3", filename: "名单.XLSX", data: titledXLSX,
			want: []Row{ok(4, "2025030101", "赵六"), ok(5, "2025030102", "钱七")}},
		{name: "XLSX reads the first visible sheet", filename: "名单.xlsx", data: hiddenFirstXLSX,
			want: []Row{ok(2, "2025030101", "孙八")}},
		{name: "XLSX without 姓名 column", filename: "名单.xlsx", data: noNameXLSX, wantErr: "找不到“姓名”列"},
		{name: "XLSX with nothing in it", filename: "名单.xlsx", data: emptyXLSX, wantErr: "文件中没有学生数据"},

		{name: "missing 学号 column", filename: "名单.csv",
			data: []byte("序号,姓名\n1,张三\n"), wantErr: "找不到“学号”列，表头行必须包含“学号”和“姓名”两列"},
		{name: "missing 姓名 column", filename: "名单.csv",
			data: []byte("学号,班级\n2023010101,物流1班\n"), wantErr: "找不到“姓名”列，表头行必须包含“学号”和“姓名”两列"},
		{name: "no header at all", filename: "名单.csv",
			data: []byte("2023010101,张三\n"), wantErr: "找不到“学号”列和“姓名”列"},
		{name: "header below the first 20 rows", filename: "名单.csv",
			data: []byte(strings.Repeat("说明\n", 20) + "学号,姓名\n2023010101,张三\n"), wantErr: "找不到“学号”列和“姓名”列"},
		{name: "empty file", filename: "名单.csv", data: nil, wantErr: "文件中没有学生数据"},
		{name: "file of blank lines", filename: "名单.csv", data: []byte("\uFEFF\r\n,,\r\n  \r\n"), wantErr: "文件中没有学生数据"},
		{name: "header only", filename: "名单.csv", data: []byte("学号,姓名\n,\n"), wantErr: "文件中没有学生数据"},
		{name: "declared size over 5 MB", filename: "名单.csv", data: []byte(plain), size: MaxFileSize + 1, wantErr: "5 MB"},
		{name: "real content over 5 MB with a lying size", filename: "名单.csv", data: tooBig, size: 100, wantErr: "5 MB"},
		{name: "old .xls", filename: "名单.xls", data: oleHeader, wantErr: "只支持 CSV 或 XLSX 文件"},
		{name: "text file", filename: "名单.txt", data: []byte(plain), wantErr: "只支持 CSV 或 XLSX 文件"},
		{name: "no extension", filename: "名单", data: []byte(plain), wantErr: "只支持 CSV 或 XLSX 文件"},
		{name: ".xlsx that is really CSV text", filename: "名单.xlsx", data: []byte(plain),
			wantErr: "无法读取 XLSX 文件，请确认文件是 Excel 2007 及以上格式（.xlsx）"},
		{name: ".xls renamed to .xlsx", filename: "名单.xlsx", data: oleHeader, wantErr: "无法读取 XLSX 文件"},
		{name: "empty .xlsx", filename: "名单.xlsx", data: nil, wantErr: "无法读取 XLSX 文件"},
		{name: ".xlsx renamed to .csv", filename: "名单.csv", data: numericXLSX, wantErr: "文件不是有效的 CSV 文本"},
		{name: "unclosed quote", filename: "名单.csv",
			data: []byte("学号,姓名\n2023010101,张三\n2023010102,\"李四\n2023010103,王五\n"), wantErr: "第 3 行"},
		{name: "stray quote inside a field", filename: "名单.csv",
			data: []byte("学号,姓名\n2023010101,张\"三\n"), wantErr: "第 2 行"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			if size == 0 {
				size = int64(len(tc.data))
			}
			sheet, err := Parse(tc.filename, bytes.NewReader(tc.data), size)

			if tc.wantErr != "" {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("Parse error = %v, want *Error containing %q", err, tc.wantErr)
				}
				if !strings.Contains(e.Message, tc.wantErr) {
					t.Errorf("Parse error = %q, want it to contain %q", e.Message, tc.wantErr)
				}
				if sheet != nil {
					t.Errorf("Parse returned a sheet along with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(sheet.Rows, tc.want) {
				t.Errorf("rows:\n got %+v\nwant %+v", sheet.Rows, tc.want)
			}
			problems := 0
			for _, r := range tc.want {
				if len(r.Problems) > 0 {
					problems++
				}
			}
			if got := sheet.ProblemCount(); got != problems {
				t.Errorf("ProblemCount() = %d, want %d", got, problems)
			}
			if got := sheet.Clean(); got != (problems == 0) {
				t.Errorf("Clean() = %v, want %v", got, problems == 0)
			}
		})
	}
}

// failingReader stands for an upload cut off halfway.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestParseReadFailure(t *testing.T) {
	_, err := Parse("名单.csv", failingReader{}, 10)
	var e *Error
	if !errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &e) {
		t.Fatalf("Parse error = %v, want the wrapped read error and not an *Error", err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		rows  []Row
		want  []Row
		clean bool
	}{
		{name: "teacher fixed the flagged rows; stale problems are dropped",
			rows: []Row{bad(2, "2023010101", "张三"), bad(3, "2023010102", "李四", "学号与第 2 行重复")},
			want: []Row{ok(2, "2023010101", "张三"), ok(3, "2023010102", "李四")}, clean: true},
		{name: "typed values are normalised again",
			rows: []Row{{Line: 2, StudentNo: " ２０２３０１０１０１ ", Name: "  王　芳 "}},
			want: []Row{ok(2, "2023010101", "王芳")}, clean: true},
		{name: "an edit creates a duplicate",
			rows: []Row{ok(2, "2023010101", "张三"), ok(3, "2023010101", "李四")},
			want: []Row{ok(2, "2023010101", "张三"), bad(3, "2023010101", "李四", "学号与第 2 行重复")}},
		{name: "row added in the form duplicates another added row",
			rows: []Row{ok(0, "2023010109", "周九"), ok(0, "2023010109", "吴十")},
			want: []Row{ok(0, "2023010109", "周九"), bad(0, "2023010109", "吴十", "学号重复")}},
		{name: "cleared row is removed, half-cleared row is flagged",
			rows: []Row{ok(2, "", " "), ok(3, "2023010102", ""), ok(4, "", "李四")},
			want: []Row{bad(3, "2023010102", "", "姓名为空"), bad(4, "", "李四", "缺少学号")}},
		{name: "limits are the same as for files",
			rows: []Row{ok(2, strings.Repeat("9", 32), strings.Repeat("名", 40)), ok(3, "20230101\t02", strings.Repeat("名", 41))},
			want: []Row{ok(2, strings.Repeat("9", 32), strings.Repeat("名", 40)),
				bad(3, "20230101\t02", strings.Repeat("名", 41), "学号含有空格或特殊字符", "姓名过长")}},
		{name: "everything cleared", rows: []Row{ok(2, "", "")}, want: []Row{}},
		{name: "nothing submitted", rows: nil, want: []Row{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]Row(nil), tc.rows...)
			sheet := Validate(tc.rows)
			if !reflect.DeepEqual(sheet.Rows, tc.want) {
				t.Errorf("rows:\n got %+v\nwant %+v", sheet.Rows, tc.want)
			}
			if sheet.Clean() != tc.clean {
				t.Errorf("Clean() = %v, want %v", sheet.Clean(), tc.clean)
			}
			if !reflect.DeepEqual(tc.rows, in) {
				t.Errorf("Validate modified its input")
			}
		})
	}
}

func TestNilSheet(t *testing.T) {
	var s *Sheet
	if s.Clean() || s.ProblemCount() != 0 {
		t.Errorf("nil sheet: Clean() = %v, ProblemCount() = %d", s.Clean(), s.ProblemCount())
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("学号,姓名\n2023010101,张三\n"))
	f.Add([]byte("\uFEFF标题\n班级,姓名,学号\n1班,李四,\"20230\n10102\"\n"))
	f.Add([]byte("学号\t姓名\n２０２３\t王　芳\n"))
	f.Add([]byte{0xFF, 0xFE, 0x66, 0x5B, 0xF7, 0x53, 0x09, 0x00, 0xD3, 0x59, 0x0D, 0x54})
	f.Add([]byte("学号,姓名\n\"bad,quote\n"))
	f.Add([]byte{0xD1, 0xA7, 0xBA, 0xC5, ',', 0xD0, 0xD5, 0xC3, 0xFB, '\n', '1', ',', 0x81})
	f.Fuzz(func(t *testing.T, data []byte) {
		sheet, err := Parse("fuzz.csv", bytes.NewReader(data), int64(len(data)))
		if err == nil && sheet == nil {
			t.Fatal("nil error with nil sheet")
		}
	})
}
