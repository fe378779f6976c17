package server

import (
	"strconv"
	"strings"

	"crmlab/scenarios/cards"
)

// fieldView is one card field ready for the form or for display: values filled in, lists
// and tables padded with empty rows to type into, errors attached. Input names follow
// cards.FromForm's convention.
type fieldView struct {
	cards.Field
	Name      string
	Value     cards.Value
	Items     []string
	Rows      []rowView
	Questions []questionView
	Selected  map[string]bool
	Errors    []string
	Formats   []formatOption
}

type rowView struct {
	Index int
	Cells []cellView
	Empty bool
}

type cellView struct {
	cards.Column
	Name  string
	Value string
}

type questionView struct {
	Index                           int
	Prefix                          string
	Text, Category, Format, Options string
}

type formatOption struct{ Value, Label string }

// questionFormats are the answer formats of a questionnaire question.
var questionFormats = []formatOption{
	{"likert5", "五级量表（非常不满意…非常满意）"},
	{"single", "单选"},
	{"multiple", "多选"},
	{"open", "开放回答"},
}

// formatLabel names a question format for display.
func formatLabel(v string) string {
	for _, f := range questionFormats {
		if f.Value == v {
			return f.Label
		}
	}
	return v
}

// spare is how many empty rows a list, table or questionnaire offers beyond its content, so
// the form works without JavaScript; the page's script adds more on demand.
const spare = 1

func pad(have, min, max int) int {
	n := have + spare
	if n < min {
		n = min
	}
	if max > 0 && n > max {
		n = max
	}
	if n < have {
		n = have
	}
	return n
}

func fieldViews(fields []cards.Field, a cards.Answer, errs []cards.FieldError) []fieldView {
	byField := map[string][]string{}
	for _, e := range errs {
		byField[e.Field] = append(byField[e.Field], e.Message)
	}
	out := make([]fieldView, len(fields))
	for i, f := range fields {
		v := a[f.ID]
		fv := fieldView{Field: f, Name: "f." + f.ID, Value: v, Errors: byField[f.ID]}
		switch f.Type {
		case "list":
			fv.Items = append([]string(nil), v.Items...)
			for len(fv.Items) < pad(len(v.Items), f.MinItems, f.MaxItems) {
				fv.Items = append(fv.Items, "")
			}
		case "table":
			maxRows := f.MaxRows
			if maxRows == 0 {
				maxRows = 30
			}
			n := pad(len(v.Rows), f.MinRows, maxRows)
			for r := 0; r < n; r++ {
				row := rowView{Index: r, Empty: r >= len(v.Rows)}
				for c, col := range f.Columns {
					cell := cellView{Column: col, Name: fv.Name + ".r" + strconv.Itoa(r) + "." + col.ID}
					if r < len(v.Rows) && c < len(v.Rows[r]) {
						cell.Value = v.Rows[r][c]
					}
					row.Cells = append(row.Cells, cell)
				}
				fv.Rows = append(fv.Rows, row)
			}
		case "questionnaire":
			fv.Formats = questionFormats
			n := pad(len(v.Questions), f.MinQuestions, f.MaxQuestions)
			for q := 0; q < n; q++ {
				qv := questionView{Index: q, Prefix: fv.Name + ".q" + strconv.Itoa(q)}
				if q < len(v.Questions) {
					src := v.Questions[q]
					qv.Text, qv.Category, qv.Format, qv.Options = src.Text, src.Category, src.Format, strings.Join(src.Options, "\n")
				}
				fv.Questions = append(fv.Questions, qv)
			}
		case "choice":
			fv.Selected = map[string]bool{}
			if f.Multiple {
				for _, it := range v.Items {
					fv.Selected[it] = true
				}
			} else if v.Text != "" {
				fv.Selected[v.Text] = true
			}
		}
		out[i] = fv
	}
	return out
}
