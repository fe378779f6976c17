package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

var (
	errBinaryCSV = &Error{"文件不是有效的 CSV 文本"}
	errEncoding  = &Error{"无法识别文件的文字编码，请在 Excel 中另存为“CSV UTF-8”格式后再上传"}
)

// readCSV decodes the file and splits it into records, each with the line on
// which it starts.
func readCSV(data []byte) ([]record, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sniffDelimiter(text)
	r.FieldsPerRecord = -1 // title rows and ragged rows are normal in hand-made rosters
	var recs []record
	for {
		cells, err := r.Read()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// StartLine is where the broken field begins; an unclosed
				// quote makes Line point at the end of the file.
				return nil, &Error{fmt.Sprintf("CSV 文件第 %d 行无法解析：英文双引号（\"）不成对或位置不对，请检查这一行", pe.StartLine)}
			}
			return nil, fmt.Errorf("roster: read csv: %w", err)
		}
		line, _ := r.FieldPos(0)
		recs = append(recs, record{line: line, cells: cells})
	}
}

// decodeText turns the file into a string. Excel on Chinese Windows saves
// "CSV" as GBK and "CSV UTF-8" with a BOM; "Unicode text" is UTF-16 with a BOM.
func decodeText(data []byte) (string, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", errEncoding
		}
		data = b
	}
	// Text files never contain NUL; an xlsx or xls renamed to .csv does.
	if bytes.IndexByte(data, 0) >= 0 {
		return "", errBinaryCSV
	}
	if !utf8.Valid(data) {
		b, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return "", errEncoding
		}
		data = b
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	// Old Mac Excel ends lines with a bare CR, which encoding/csv keeps as data.
	if !strings.Contains(text, "\n") {
		text = strings.ReplaceAll(text, "\r", "\n")
	}
	return text, nil
}

// headerHints are the words that mark the header line for delimiter sniffing.
var headerHints = []string{"学号", "學號", "姓名", "姓 名", "名字"}

// sniffDelimiter looks at the first line that looks like the header and picks
// whichever of comma, tab and semicolon it contains most; comma wins ties and
// is the default.
func sniffDelimiter(text string) rune {
	rest := text
	for seen := 0; seen < headerSearchRows && rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		seen++
		if !containsAny(line, headerHints) {
			continue
		}
		best, most := ',', strings.Count(line, ",")
		for _, d := range []rune{'\t', ';'} {
			if n := strings.Count(line, string(d)); n > most {
				best, most = d, n
			}
		}
		if most > 0 {
			return best
		}
	}
	return ','
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
