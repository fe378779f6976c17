package cards

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Mode says how strictly Validate checks.
type Mode int

const (
	// Draft checks only limits (lengths, counts, number syntax, choice values), so a
	// half-finished answer can be saved.
	Draft Mode = iota
	// Submit also requires required fields, minimum counts and complete rows and questions.
	Submit
)

// FieldError is one problem with an answer, to be shown next to the field.
type FieldError struct {
	Field   string // field id
	Row     int    // 0-based list item, table row or questionnaire question; -1 if n/a
	Message string // Chinese, for the student
}

func (e FieldError) Error() string { return e.Message }

// Validate checks an answer field by field against fields (for an auto-graded card pass
// c.FieldsFor(variant)). Values for ids not in fields are ignored. A field that is not
// required may be left empty even in Submit mode, but once filled it must be complete.
// The receiver is not used and may be nil.
func (c *Card) Validate(fields []Field, a Answer, mode Mode) []FieldError {
	var errs []FieldError
	for _, f := range fields {
		v := &validation{f: f, mode: mode}
		v.value(a[f.ID])
		errs = append(errs, v.errs...)
	}
	return errs
}

type validation struct {
	f    Field
	mode Mode
	errs []FieldError
}

func (v *validation) add(row int, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: v.f.ID, Row: row, Message: fmt.Sprintf(format, args...)})
}

func (v *validation) submit() bool { return v.mode == Submit }

// need is the minimum count required in Submit mode: min, or 1 for a required field whose
// minimum is 0; 0 for an optional field left empty.
func (v *validation) need(min, have int) int {
	if !v.f.Required && have == 0 {
		return 0
	}
	if v.f.Required && min < 1 {
		return 1
	}
	return min
}

func (v *validation) value(val Value) {
	f := v.f
	switch f.Type {
	case TypeText, TypeLongText:
		n := utf8.RuneCountInString(val.Text)
		if strings.TrimSpace(val.Text) == "" {
			if v.submit() && f.Required {
				v.add(-1, "请填写“%s”", f.Label)
			}
			return
		}
		if f.MaxLength > 0 && n > f.MaxLength {
			v.add(-1, "“%s”最多 %d 字，现在 %d 字", f.Label, f.MaxLength, n)
		}
	case TypeNumber:
		if strings.TrimSpace(val.Text) == "" {
			if v.submit() && f.Required {
				v.add(-1, "请填写“%s”", f.Label)
			}
			return
		}
		if msg := checkNumber(val.Text, f.Unit, f.Precision, f.Min, f.Max); msg != "" {
			v.add(-1, "“%s”%s", f.Label, msg)
		}
	case TypeChoice:
		v.choice(val)
	case TypeList:
		v.list(val.Items)
	case TypeTable:
		v.table(val.Rows)
	case TypeQuestionnaire:
		v.questionnaire(val.Questions)
	}
}

// checkNumber returns what is wrong with a typed number, or "".
func checkNumber(s, unit string, precision int, min, max *float64) string {
	x, decimals, ok := ParseNumber(s, unit)
	if !ok {
		if precision == 0 {
			return "不是数字：请输入数字，例如 1200"
		}
		return "不是数字：请输入数字，例如 98.5"
	}
	if precision >= 0 && decimals > precision {
		if precision == 0 {
			return "请填写整数，不要带小数"
		}
		return fmt.Sprintf("最多保留 %d 位小数", precision)
	}
	switch {
	case min != nil && max != nil && (x < *min || x > *max):
		return fmt.Sprintf("应在 %s 到 %s 之间", fmtFloat(*min), fmtFloat(*max))
	case min != nil && x < *min:
		return fmt.Sprintf("不能小于 %s", fmtFloat(*min))
	case max != nil && x > *max:
		return fmt.Sprintf("不能大于 %s", fmtFloat(*max))
	}
	return ""
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func (v *validation) choice(val Value) {
	f := v.f
	opts := strings.Join(f.Options, "、")
	if !f.Multiple {
		s := strings.TrimSpace(val.Text)
		if s == "" {
			if v.submit() && f.Required {
				v.add(-1, "请选择“%s”", f.Label)
			}
			return
		}
		if !contains(f.Options, s) {
			v.add(-1, "“%s”只能选择：%s", f.Label, opts)
		}
		return
	}
	if len(val.Items) == 0 {
		if v.submit() && f.Required {
			v.add(-1, "“%s”至少选择一项", f.Label)
		}
		return
	}
	seen := map[string]bool{}
	for i, s := range val.Items {
		switch {
		case !contains(f.Options, s):
			v.add(i, "“%s”没有“%s”这个选项，只能选择：%s", f.Label, s, opts)
		case seen[s]:
			v.add(i, "“%s”重复选择了“%s”", f.Label, s)
		}
		seen[s] = true
	}
}

// count checks how many items or rows a list or table has: the maximum always, the
// minimum only on submit. most is the "最多…" phrase (e.g. "填写 %d 项"), unit the counter.
func (v *validation) count(n, min, max int, most, unit string) {
	f := v.f
	if max > 0 && n > max {
		v.add(-1, "“%s”最多"+most+"，现在 %d "+unit, f.Label, max, n)
	}
	if !v.submit() {
		return
	}
	if need := v.need(min, n); n < need {
		if n == 0 {
			v.add(-1, "“%s”至少填写 %d "+unit, f.Label, need)
		} else {
			v.add(-1, "“%s”至少填写 %d %s，现在 %d %s", f.Label, need, unit, n, unit)
		}
	}
}

func (v *validation) list(items []string) {
	f := v.f
	v.count(len(items), f.MinItems, f.MaxItems, "填写 %d 项", "项")
	for i, it := range items {
		if strings.TrimSpace(it) == "" {
			if v.submit() {
				v.add(i, "“%s”第 %d 项是空的", f.Label, i+1)
			}
			continue
		}
		if l := utf8.RuneCountInString(it); f.ItemMaxLength > 0 && l > f.ItemMaxLength {
			v.add(i, "“%s”第 %d 项最多 %d 字，现在 %d 字", f.Label, i+1, f.ItemMaxLength, l)
		}
	}
}

func (v *validation) table(rows [][]string) {
	f := v.f
	v.count(len(rows), f.MinRows, f.MaxRows, " %d 行", "行")
	for i, row := range rows {
		for j, col := range f.Columns {
			cell := ""
			if j < len(row) {
				cell = strings.TrimSpace(row[j])
			}
			where := fmt.Sprintf("“%s”第 %d 行“%s”", f.Label, i+1, col.Label)
			if cell == "" {
				if v.submit() {
					v.add(i, "%s不能为空", where)
				}
				continue
			}
			switch col.Type {
			case ColumnNumber:
				if msg := checkNumber(cell, "", -1, nil, nil); msg != "" {
					v.add(i, "%s%s", where, msg)
				}
			case ColumnChoice:
				if !contains(col.Options, cell) {
					v.add(i, "%s只能选择：%s", where, strings.Join(col.Options, "、"))
				}
			default:
				if l := utf8.RuneCountInString(cell); l > DefaultCellMaxLength {
					v.add(i, "%s最多 %d 字，现在 %d 字", where, DefaultCellMaxLength, l)
				}
			}
		}
	}
}

func (v *validation) questionnaire(qs []Question) {
	f := v.f
	n := len(qs)
	if f.MaxQuestions > 0 && n > f.MaxQuestions {
		v.add(-1, "“%s”最多 %d 个问题，现在 %d 个", f.Label, f.MaxQuestions, n)
	}
	if v.submit() {
		if need := v.need(f.MinQuestions, n); n < need {
			if n == 0 {
				v.add(-1, "“%s”至少需要 %d 个问题", f.Label, need)
			} else {
				v.add(-1, "“%s”至少需要 %d 个问题，现在 %d 个", f.Label, need, n)
			}
		}
	}
	var formats []string
	for _, qf := range QuestionFormats {
		formats = append(formats, qf.Label+"（"+qf.ID+"）")
	}
	covered := map[string]bool{}
	for i, q := range qs {
		at := fmt.Sprintf("第 %d 题", i+1)
		text := strings.TrimSpace(q.Text)
		if text == "" {
			if v.submit() {
				v.add(i, "%s缺少题目文字", at)
			}
		} else if l := utf8.RuneCountInString(text); l > QuestionMaxLength {
			v.add(i, "%s的题目最多 %d 字，现在 %d 字", at, QuestionMaxLength, l)
		}
		cat := strings.TrimSpace(q.Category)
		switch {
		case cat == "":
			if v.submit() {
				v.add(i, "%s没有选择类别", at)
			}
		case !contains(f.Categories, cat):
			v.add(i, "%s的类别“%s”不在可选类别中（%s）", at, cat, strings.Join(f.Categories, "、"))
		default:
			covered[cat] = true
		}
		format := strings.TrimSpace(q.Format)
		switch {
		case format == "":
			if v.submit() {
				v.add(i, "%s没有选择题型", at)
			}
		case formatLabel(format) == "":
			v.add(i, "%s的题型“%s”无效，可选：%s", at, format, strings.Join(formats, "、"))
		case format == FormatSingle || format == FormatMultiple:
			if len(q.Options) > MaxQuestionOptions {
				v.add(i, "%s最多 %d 个选项，现在 %d 个", at, MaxQuestionOptions, len(q.Options))
			}
			seen := map[string]bool{}
			nonEmpty := 0
			for _, o := range q.Options {
				o = strings.TrimSpace(o)
				if o == "" {
					continue
				}
				nonEmpty++
				if l := utf8.RuneCountInString(o); l > OptionMaxLength {
					v.add(i, "%s的选项“%s…”最多 %d 字，现在 %d 字", at, string([]rune(o)[:10]), OptionMaxLength, l)
				}
				if seen[o] && v.submit() {
					v.add(i, "%s的选项“%s”重复", at, o)
				}
				seen[o] = true
			}
			if v.submit() && nonEmpty < 2 {
				v.add(i, "%s是%s题，至少需要 2 个选项，现在 %d 个", at, formatLabel(format), nonEmpty)
			}
		}
	}
	if v.submit() && f.RequireAllCategories && n > 0 {
		var missing []string
		for _, c := range f.Categories {
			if !covered[c] {
				missing = append(missing, c)
			}
		}
		if len(missing) > 0 {
			v.add(-1, "问卷还缺少这些类别的问题：%s", strings.Join(missing, "、"))
		}
	}
}
