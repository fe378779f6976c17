// Package roster parses and validates the class roster (名单) an instructor
// uploads as CSV or XLSX. It only reads and checks; storing the students is
// the caller's job, and only once the Sheet is Clean.
package roster

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// MaxFileSize is the largest roster file accepted (5 MB).
const MaxFileSize = 5 << 20

const (
	maxStudentNoLen = 32
	maxNameLen      = 40
	// headerSearchRows bounds how far down a title block may push the header.
	headerSearchRows = 20
)

// Row is one data row of the roster as the instructor will see it in the preview.
type Row struct {
	Line      int      // 1-based line (CSV) or row number (XLSX) in the file, so the instructor can find it
	StudentNo string   // trimmed (spaces, U+3000, BOM, zero-width characters); full-width digits/letters made half-width
	Name      string   // trimmed, internal runs of whitespace collapsed; no space left between two Han characters
	Problems  []string // Chinese messages, empty when the row is fine, e.g. "缺少学号", "学号与第 3 行重复"
}

// Sheet is a parsed roster.
type Sheet struct {
	Rows []Row
}

// Clean reports whether no row has a problem and there is at least one row.
func (s *Sheet) Clean() bool {
	return s != nil && len(s.Rows) > 0 && s.ProblemCount() == 0
}

// ProblemCount returns how many rows have problems.
func (s *Sheet) ProblemCount() int {
	if s == nil {
		return 0
	}
	n := 0
	for _, r := range s.Rows {
		if len(r.Problems) > 0 {
			n++
		}
	}
	return n
}

// Error is a file-level problem (the whole file is refused). Message is
// Chinese and is shown to the instructor as is.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

var (
	errUnsupported = &Error{"只支持 CSV 或 XLSX 文件"}
	errTooLarge    = &Error{"文件超过 5 MB，请删除多余的内容后重新上传"}
	errNoData      = &Error{"文件中没有学生数据"}
)

// Parse reads a roster file. The extension of filename (.csv or .xlsx, any
// case) picks the format. size is the size the client declared; Parse does not
// trust it and also stops reading after MaxFileSize+1 bytes.
//
// A returned error is either an *Error, to be shown to the instructor, or a
// failure reading r.
func Parse(filename string, r io.Reader, size int64) (*Sheet, error) {
	ext := strings.ToLower(filepath.Ext(strings.TrimSpace(filename)))
	if ext != ".csv" && ext != ".xlsx" {
		return nil, errUnsupported
	}
	if size > MaxFileSize {
		return nil, errTooLarge
	}
	if r == nil {
		return nil, errors.New("roster: nil reader")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("roster: read upload %q: %w", filename, err)
	}
	if len(data) > MaxFileSize {
		return nil, errTooLarge
	}

	var recs []record
	if ext == ".csv" {
		recs, err = readCSV(data)
	} else {
		recs, err = readXLSX(data)
	}
	if err != nil {
		return nil, err
	}
	return buildSheet(recs)
}

// Validate re-checks rows that come back from the preview form, with the
// same rules as Parse. Values are normalised again and old Problems are
// discarded. Rows whose 学号 and 姓名 are both blank are dropped, just as Parse
// skips empty lines, so clearing a row in the form removes it.
func Validate(rows []Row) *Sheet {
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		no, name := normalizeStudentNo(r.StudentNo), normalizeName(r.Name)
		if no == "" && name == "" {
			continue
		}
		out = append(out, Row{Line: r.Line, StudentNo: no, Name: name})
	}
	checkRows(out)
	return &Sheet{Rows: out}
}

// record is one row of cells as read from the file, before the header is known.
type record struct {
	line  int
	cells []string
}

func (r record) blank() bool {
	for _, c := range r.cells {
		if strings.TrimFunc(c, isBlank) != "" {
			return false
		}
	}
	return true
}

func (r record) cell(i int) string {
	if i < len(r.cells) {
		return r.cells[i]
	}
	return ""
}

// header locates the 学号 and 姓名 columns.
type header struct {
	at      int // index into the records
	noCol   int
	nameCol int
}

var (
	studentNoHeaders = []string{"学号", "学生学号", "學號"}
	nameHeaders      = []string{"姓名", "学生姓名", "名字"}
)

// headerKey normalises a header cell; dropping all spaces is what makes
// "姓 名" (padded so it lines up with longer headings) match.
func headerKey(s string) string {
	return strings.Map(func(r rune) rune {
		if isBlank(r) {
			return -1
		}
		return r
	}, width.Fold.String(s))
}

func isHeading(cell string, names []string) bool {
	k := headerKey(cell)
	for _, n := range names {
		if k == n {
			return true
		}
	}
	return false
}

func columnOf(cells []string, names []string) int {
	for i, c := range cells {
		if isHeading(c, names) {
			return i
		}
	}
	return -1
}

func findHeader(recs []record) (header, error) {
	// sawNo and sawName only serve to tell the instructor which column is missing.
	nonEmpty, sawNo, sawName := 0, false, false
	for i, rec := range recs {
		if rec.blank() {
			continue
		}
		if nonEmpty++; nonEmpty > headerSearchRows {
			break
		}
		no, name := columnOf(rec.cells, studentNoHeaders), columnOf(rec.cells, nameHeaders)
		if no >= 0 && name >= 0 {
			return header{at: i, noCol: no, nameCol: name}, nil
		}
		sawNo = sawNo || no >= 0
		sawName = sawName || name >= 0
	}
	const must = "表头行必须包含“学号”和“姓名”两列"
	switch {
	case nonEmpty == 0:
		return header{}, errNoData
	case sawNo && sawName:
		return header{}, &Error{"找不到同时包含“学号”和“姓名”的表头行，" + must}
	case sawNo:
		return header{}, &Error{"找不到“姓名”列，" + must}
	case sawName:
		return header{}, &Error{"找不到“学号”列，" + must}
	default:
		return header{}, &Error{"找不到“学号”列和“姓名”列，" + must}
	}
}

func buildSheet(recs []record) (*Sheet, error) {
	h, err := findHeader(recs)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, rec := range recs[h.at+1:] {
		if rec.blank() {
			continue
		}
		rawNo, rawName := rec.cell(h.noCol), rec.cell(h.nameCol)
		// Rosters stitched together from several classes repeat the header;
		// such a line is not a student.
		if isHeading(rawNo, studentNoHeaders) && isHeading(rawName, nameHeaders) {
			continue
		}
		rows = append(rows, Row{
			Line:      rec.line,
			StudentNo: normalizeStudentNo(rawNo),
			Name:      normalizeName(rawName),
		})
	}
	if len(rows) == 0 {
		return nil, errNoData
	}
	checkRows(rows)
	return &Sheet{Rows: rows}, nil
}

// scientific matches a number as Excel shows it when it has too many digits.
var scientific = regexp.MustCompile(`^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$`)

// checkRows fills Problems of every row, replacing what was there.
func checkRows(rows []Row) {
	firstLine := make(map[string]int, len(rows))
	for i := range rows {
		r := &rows[i]
		var p []string
		if r.StudentNo == "" {
			p = append(p, "缺少学号")
		} else {
			if utf8.RuneCountInString(r.StudentNo) > maxStudentNoLen {
				p = append(p, "学号过长")
			}
			if strings.IndexFunc(r.StudentNo, badInStudentNo) >= 0 {
				p = append(p, "学号含有空格或特殊字符")
			}
			// Excel shows long numbers as 2.02301E+16 and saves them that way
			// in CSV; the real digits are gone and must be typed again.
			if scientific.MatchString(r.StudentNo) {
				p = append(p, "学号被 Excel 变成了科学计数法，请把学号列设为“文本”格式后重新填写")
			}
			// Letters in 学号 are typed in either case; "wl01" and "WL01"
			// are the same student.
			key := strings.ToUpper(r.StudentNo)
			if first, seen := firstLine[key]; !seen {
				firstLine[key] = r.Line
			} else if first > 0 {
				p = append(p, fmt.Sprintf("学号与第 %d 行重复", first))
			} else {
				// Rows added in the preview form have no line to point at.
				p = append(p, "学号重复")
			}
		}
		if r.Name == "" {
			p = append(p, "姓名为空")
		} else if utf8.RuneCountInString(r.Name) > maxNameLen {
			p = append(p, "姓名过长")
		}
		r.Problems = p
	}
}

// isBlank covers invisible characters that sneak in from Excel and web
// pages: the BOM, zero-width spaces and the ideographic space U+3000.
func isBlank(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}

func badInStudentNo(r rune) bool {
	return isBlank(r) || unicode.IsControl(r) || r == utf8.RuneError
}

func normalizeStudentNo(s string) string {
	return strings.TrimFunc(width.Fold.String(s), isBlank)
}

func normalizeName(s string) string {
	fields := strings.FieldsFunc(s, isBlank)
	var b strings.Builder
	for i, f := range fields {
		// Chinese rosters pad two-character names ("张　三") to line up with
		// three-character ones; that padding is not part of the name.
		if i > 0 && !(endsWithHan(fields[i-1]) && startsWithHan(f)) {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return b.String()
}

func startsWithHan(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.Is(unicode.Han, r)
}

func endsWithHan(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.Is(unicode.Han, r)
}
