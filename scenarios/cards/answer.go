package cards

import (
	"math"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Answer is what a student typed, keyed by field id; it is stored as JSON.
type Answer map[string]Value

// Value is the answer to one field. Which member is used depends on the field's type.
type Value struct {
	Text      string     `json:"text,omitempty"`      // text, longtext, number (as typed), choice (single)
	Items     []string   `json:"items,omitempty"`     // list, choice (multiple)
	Rows      [][]string `json:"rows,omitempty"`      // table: cells in column order
	Questions []Question `json:"questions,omitempty"` // questionnaire
}

// Question is one question a student wrote into a questionnaire field.
type Question struct {
	Text     string   `json:"text"`
	Category string   `json:"category"`
	Format   string   `json:"format"`            // one of the Format* constants
	Options  []string `json:"options,omitempty"` // single and multiple only
}

// Questionnaire question formats.
const (
	FormatLikert5  = "likert5"
	FormatSingle   = "single"
	FormatMultiple = "multiple"
	FormatOpen     = "open"
)

// QuestionFormats lists the formats in the order a form offers them, with their Chinese names.
var QuestionFormats = []struct{ ID, Label string }{
	{FormatLikert5, "五级满意度"},
	{FormatSingle, "单选"},
	{FormatMultiple, "多选"},
	{FormatOpen, "开放题"},
}

// Likert5 are the answer options of a likert5 question, from worst to best.
var Likert5 = []string{"非常不满意", "不满意", "一般", "满意", "非常满意"}

func formatLabel(id string) string {
	for _, f := range QuestionFormats {
		if f.ID == id {
			return f.Label
		}
	}
	return ""
}

// Only returns a copy of a holding just the ids of fields: unknown field ids (an old form,
// a changed card, a forged request) are dropped, never an error.
func (a Answer) Only(fields []Field) Answer {
	out := Answer{}
	for _, f := range fields {
		if v, ok := a[f.ID]; ok {
			out[f.ID] = v
		}
	}
	return out
}

// FromForm builds an Answer from submitted form values for the given fields. Only the fields'
// own names are read, so anything else in the form is ignored. The HTML form names its inputs
// like this, for a field with id <id>:
//
//	f.<id>                  text, longtext, number, single choice (one value)
//	f.<id>                  multiple choice: repeated, one value per ticked option
//	f.<id>.item             list: repeated, one per item; empty items are dropped
//	f.<id>.r<N>.<col>       table: the cell of row N (0-based) in column <col>; rows whose
//	                        cells are all empty are dropped and the rest renumbered in order of N
//	f.<id>.q<N>.text        questionnaire question N (0-based): its wording,
//	f.<id>.q<N>.category    its category,
//	f.<id>.q<N>.format      its format (likert5, single, multiple, open),
//	f.<id>.q<N>.options     its options, one per line in a textarea (empty lines dropped);
//	                        questions with no text, category and options are dropped
//
// Values are trimmed; longtext keeps inner line breaks (CRLF becomes LF). A field with
// nothing submitted gets no entry in the Answer.
func FromForm(fields []Field, form url.Values) Answer {
	a := Answer{}
	for _, f := range fields {
		name := "f." + f.ID
		var v Value
		switch f.Type {
		case TypeText, TypeNumber:
			v.Text = strings.TrimSpace(form.Get(name))
		case TypeLongText:
			v.Text = cleanLongText(form.Get(name))
		case TypeChoice:
			if f.Multiple {
				seen := map[string]bool{}
				for _, s := range form[name] {
					s = strings.TrimSpace(s)
					if s != "" && !seen[s] {
						seen[s] = true
						v.Items = append(v.Items, s)
					}
				}
			} else {
				v.Text = strings.TrimSpace(form.Get(name))
			}
		case TypeList:
			for _, s := range form[name+".item"] {
				if s = strings.TrimSpace(s); s != "" {
					v.Items = append(v.Items, s)
				}
			}
		case TypeTable:
			v.Rows = tableFromForm(f, name, form)
		case TypeQuestionnaire:
			v.Questions = questionsFromForm(name, form)
		default:
			continue
		}
		if !v.empty() {
			a[f.ID] = v
		}
	}
	return a
}

func (v Value) empty() bool {
	return strings.TrimSpace(v.Text) == "" && len(v.Items) == 0 && len(v.Rows) == 0 && len(v.Questions) == 0
}

func cleanLongText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

// indexedKeys finds the numbers N of form keys prefix+N+"."+suffix, sorted.
func indexedKeys(form url.Values, prefix string) []int {
	seen := map[int]bool{}
	for k := range form {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		num, _, ok := strings.Cut(rest, ".")
		if !ok || num == "" || len(num) > 6 || (len(num) > 1 && num[0] == '0') {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 {
			continue
		}
		seen[n] = true
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

func tableFromForm(f Field, name string, form url.Values) [][]string {
	var rows [][]string
	for _, n := range indexedKeys(form, name+".r") {
		row := make([]string, len(f.Columns))
		empty := true
		for j, col := range f.Columns {
			row[j] = strings.TrimSpace(form.Get(name + ".r" + strconv.Itoa(n) + "." + col.ID))
			if row[j] != "" {
				empty = false
			}
		}
		if !empty {
			rows = append(rows, row)
		}
	}
	return rows
}

func questionsFromForm(name string, form url.Values) []Question {
	var qs []Question
	for _, n := range indexedKeys(form, name+".q") {
		p := name + ".q" + strconv.Itoa(n) + "."
		q := Question{
			Text:     strings.TrimSpace(form.Get(p + "text")),
			Category: strings.TrimSpace(form.Get(p + "category")),
			Format:   strings.TrimSpace(form.Get(p + "format")),
		}
		for _, line := range strings.Split(strings.ReplaceAll(form.Get(p+"options"), "\r", "\n"), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				q.Options = append(q.Options, line)
			}
		}
		// The format select always sends a value, so it alone does not make a question.
		if q.Text == "" && q.Category == "" && len(q.Options) == 0 {
			continue
		}
		qs = append(qs, q)
	}
	return qs
}

// --- numbers ------------------------------------------------------------------------------

var (
	plainNumber   = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)
	groupedNumber = regexp.MustCompile(`^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$`)
)

var numberReplacer = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"．", ".", "。", ".", "，", ",", "－", "-", "＋", "+", "％", "%", "\u00a0", "", "\u3000", "", " ", "",
)

// ParseNumber reads a number the way students type it on a phone: full-width digits, a
// thousands separator ("1,200"), and the field's unit or a percent sign after the number
// are accepted. It returns the value and the number of decimals (trailing zeros not counted).
func ParseNumber(s, unit string) (value float64, decimals int, ok bool) {
	s = numberReplacer.Replace(strings.TrimSpace(s))
	if unit != "" {
		s = strings.TrimSuffix(s, numberReplacer.Replace(unit))
	}
	if groupedNumber.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	if !plainNumber.MatchString(s) {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, 0, false
	}
	if _, frac, found := strings.Cut(s, "."); found {
		decimals = len(strings.TrimRight(frac, "0"))
	}
	return v, decimals, true
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }
