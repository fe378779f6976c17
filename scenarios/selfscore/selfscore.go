// Package selfscore reads self-scoring sheets (自我评分表) and checks what a student fills
// in. The file format is the "Self-scoring sheet" part of content/cards/SCHEMA.md. Pure: no
// HTTP, no SQL.
package selfscore

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"crmlab/scenarios/cards"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong in a sheet file (the same type as for cards).
type Problem = cards.Problem

// FieldError is one problem with a filled sheet (the same type as for cards). Field is the
// item id, or "reflection"; Row is always -1.
type FieldError = cards.FieldError

// ReflectionField is the FieldError.Field of problems with the reflection.
const ReflectionField = "reflection"

// DefaultReflectionMaxLength applies when the sheet gives a reflection without max_length.
const DefaultReflectionMaxLength = 2000

// Sheet is one self-scoring sheet.
type Sheet struct {
	ID, Title, Assesses, Intro string
	Items                      []Item
	Reflection                 Reflection // Label "" means the sheet asks for no reflection
}

// Item is one scored line of the sheet.
type Item struct {
	ID, Label   string
	Max         int
	Description string
	Evidence    []string
}

// Reflection is the free-text part of the sheet.
type Reflection struct {
	Label     string
	MaxLength int
}

// Total is the highest possible score: the sum of the items' Max.
func (s *Sheet) Total() int {
	t := 0
	for _, it := range s.Items {
		t += it.Max
	}
	return t
}

// Entry is a filled sheet; the server stores it as JSON and recomputes the total itself
// with Sum.
type Entry struct {
	Scores     map[string]int `json:"scores"`
	Reflection string         `json:"reflection,omitempty"`
}

type rawSheet struct {
	ID         string         `yaml:"id"`
	Title      string         `yaml:"title"`
	Assesses   string         `yaml:"assesses"`
	Intro      string         `yaml:"intro"`
	Items      []rawItem      `yaml:"items"`
	Reflection *rawReflection `yaml:"reflection"`
}

type rawItem struct {
	ID          string   `yaml:"id"`
	Label       string   `yaml:"label"`
	Max         *int     `yaml:"max"`
	Description string   `yaml:"description"`
	Evidence    []string `yaml:"evidence"`
}

type rawReflection struct {
	Label     string `yaml:"label"`
	MaxLength *int   `yaml:"max_length"`
}

var itemIDPattern = regexp.MustCompile(`^[a-z0-9_]+$`)

// Parse reads one sheet file. Problems carry the 1-based line (0 if unknown) and a Chinese
// message; a sheet with problems is nil.
func Parse(data []byte) (*Sheet, []Problem) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, cards.YAMLProblems(data, err)
	}
	if len(doc.Content) == 0 {
		return nil, []Problem{{Message: "文件是空的"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, []Problem{{Line: root.Line, Message: "文件的最外层应是“键: 值”的映射"}}
	}
	var raw rawSheet
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, cards.YAMLProblems(data, err)
	}

	var problems []Problem
	add := func(line int, format string, args ...any) {
		problems = append(problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
	}
	at := func(path ...any) int { return cards.LineOf(root, path...) }

	s := &Sheet{
		ID: strings.TrimSpace(raw.ID), Title: strings.TrimSpace(raw.Title),
		Assesses: strings.TrimSpace(raw.Assesses), Intro: strings.TrimSpace(raw.Intro),
	}
	switch {
	case s.ID == "":
		add(at("id"), "缺少 id")
	case !cards.IsContentID(s.ID):
		add(at("id"), "id“%s”只能用小写英文字母、数字和连字符“-”", s.ID)
	}
	if s.Title == "" {
		add(at("title"), "缺少标题 title")
	}
	switch {
	case s.Assesses == "":
		add(at("assesses"), "缺少 assesses（这张表评价的活动 id）")
	case !cards.IsContentID(s.Assesses):
		add(at("assesses"), "assesses“%s”不是有效的活动 id", s.Assesses)
	}
	if len(raw.Items) == 0 {
		add(at("items"), "至少要有一个评分项 items")
	}
	seen := map[string]int{}
	for i, ri := range raw.Items {
		it := Item{ID: strings.TrimSpace(ri.ID), Label: strings.TrimSpace(ri.Label), Description: strings.TrimSpace(ri.Description)}
		name := fmt.Sprintf("第 %d 个评分项", i+1)
		switch {
		case it.ID == "":
			add(at("items", i), "%s缺少 id", name)
		case !itemIDPattern.MatchString(it.ID):
			add(at("items", i, "id"), "评分项 id“%s”只能用小写英文字母、数字和下划线", it.ID)
		default:
			if first, dup := seen[it.ID]; dup {
				add(at("items", i, "id"), "评分项 id“%s”重复（第 %d 行已经用过）", it.ID, first)
			} else {
				seen[it.ID] = at("items", i, "id")
			}
			name = fmt.Sprintf("评分项“%s”", it.ID)
		}
		if it.Label == "" {
			add(at("items", i), "%s缺少名称 label", name)
		}
		switch {
		case ri.Max == nil:
			add(at("items", i), "%s缺少满分 max", name)
		case *ri.Max <= 0 || *ri.Max > 1000:
			add(at("items", i, "max"), "%s的满分 max 应是 1 到 1000 之间的整数", name)
		default:
			it.Max = *ri.Max
		}
		if n := len(ri.Evidence); n < 1 || n > 4 {
			add(at("items", i, "evidence"), "%s的证据 evidence 应有 1 到 4 条，现在 %d 条", name, n)
		}
		for j, e := range ri.Evidence {
			e = strings.TrimSpace(e)
			if e == "" {
				add(at("items", i, "evidence", j), "%s的第 %d 条证据是空的", name, j+1)
			}
			it.Evidence = append(it.Evidence, e)
		}
		s.Items = append(s.Items, it)
	}
	if r := raw.Reflection; r != nil {
		s.Reflection = Reflection{Label: strings.TrimSpace(r.Label), MaxLength: DefaultReflectionMaxLength}
		if s.Reflection.Label == "" {
			add(at("reflection"), "reflection 缺少标签 label")
		}
		if r.MaxLength != nil {
			if *r.MaxLength <= 0 {
				add(at("reflection", "max_length"), "reflection 的 max_length 应大于 0")
			}
			s.Reflection.MaxLength = *r.MaxLength
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return s, nil
}

// FromForm reads a submitted sheet: score.<item id> for each item and reflection. Scores
// are whole numbers from 0 to the item's max (full-width digits are accepted); every item
// must be scored. The total is never read from the form (a "total" value is ignored): the
// server computes it with Sum. The Entry holds the scores that were valid.
func FromForm(s *Sheet, form url.Values) (Entry, []FieldError) {
	e := Entry{Scores: map[string]int{}}
	var errs []FieldError
	for _, it := range s.Items {
		raw := strings.TrimSpace(digits.Replace(form.Get("score." + it.ID)))
		if raw == "" {
			errs = append(errs, FieldError{Field: it.ID, Row: -1, Message: fmt.Sprintf("请给“%s”打分", it.Label)})
			continue
		}
		n, err := strconv.Atoi(strings.TrimPrefix(raw, "+"))
		if err != nil || n < 0 || n > it.Max {
			errs = append(errs, FieldError{Field: it.ID, Row: -1, Message: rangeMessage(it)})
			continue
		}
		e.Scores[it.ID] = n
	}
	if s.Reflection.Label != "" {
		r := strings.ReplaceAll(form.Get("reflection"), "\r\n", "\n")
		e.Reflection = strings.TrimSpace(strings.ReplaceAll(r, "\r", "\n"))
	}
	errs = append(errs, s.checkReflection(e.Reflection)...)
	return e, errs
}

var digits = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9", "－", "-", "＋", "+")

func rangeMessage(it Item) string {
	return fmt.Sprintf("“%s”的得分必须是 0 到 %d 之间的整数", it.Label, it.Max)
}

func (s *Sheet) checkReflection(text string) []FieldError {
	if s.Reflection.Label == "" {
		if text != "" {
			return []FieldError{{Field: ReflectionField, Row: -1, Message: "这张评分表没有反思栏"}}
		}
		return nil
	}
	if n := utf8.RuneCountInString(text); s.Reflection.MaxLength > 0 && n > s.Reflection.MaxLength {
		return []FieldError{{Field: ReflectionField, Row: -1, Message: fmt.Sprintf("“%s”最多 %d 字，现在 %d 字", s.Reflection.Label, s.Reflection.MaxLength, n)}}
	}
	return nil
}

// Check validates a stored Entry the same way FromForm validates a form: every item scored
// with a whole number from 0 to its max, and the reflection within its length. Scores for
// ids the sheet does not have are ignored.
func (s *Sheet) Check(e Entry) []FieldError {
	var errs []FieldError
	for _, it := range s.Items {
		n, ok := e.Scores[it.ID]
		switch {
		case !ok:
			errs = append(errs, FieldError{Field: it.ID, Row: -1, Message: fmt.Sprintf("请给“%s”打分", it.Label)})
		case n < 0 || n > it.Max:
			errs = append(errs, FieldError{Field: it.ID, Row: -1, Message: rangeMessage(it)})
		}
	}
	return append(errs, s.checkReflection(e.Reflection)...)
}

// Sum is the total of an entry: the scores of the sheet's items, each clamped to 0..max;
// scores for unknown ids are ignored.
func (s *Sheet) Sum(e Entry) int {
	t := 0
	for _, it := range s.Items {
		t += min(max(e.Scores[it.ID], 0), it.Max)
	}
	return t
}
