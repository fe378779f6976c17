// Package cards reads exercise cards (练习卡), turns a submitted form into an Answer, checks
// answers, and generates and grades the per-student data of auto-graded cards.
//
// The file format is content/cards/SCHEMA.md. Everything here is pure: no HTTP, no SQL, no
// clock and no global random source; seeds come in as parameters, and problems come back as
// values whose messages are Chinese and meant to be shown to authors, students or teachers.
package cards

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Field types.
const (
	TypeText          = "text"
	TypeLongText      = "longtext"
	TypeList          = "list"
	TypeTable         = "table"
	TypeChoice        = "choice"
	TypeNumber        = "number"
	TypeQuestionnaire = "questionnaire"
)

// Column types of a table field.
const (
	ColumnText   = "text"
	ColumnNumber = "number"
	ColumnChoice = "choice"
)

// Defaults applied by Parse when the card file leaves a limit out.
const (
	DefaultTextMaxLength     = 200  // text
	DefaultLongTextMaxLength = 5000 // longtext
	DefaultItemMaxLength     = 200  // one list item
	DefaultCellMaxLength     = 200  // one text cell of a table (the format has no key for it)
	DefaultMinItems          = 1    // list
	DefaultMaxItems          = 20   // list
	DefaultMinRows           = 1    // table
	DefaultMaxRows           = 20   // table
	DefaultPrecision         = 2    // number: decimals allowed
	DefaultMinQuestions      = 1    // questionnaire
	DefaultMaxQuestions      = 50   // questionnaire
	QuestionMaxLength        = 200  // text of one questionnaire question
	OptionMaxLength          = 100  // one option of a questionnaire question
	MaxQuestionOptions       = 10   // options of one questionnaire question
)

// Problem is one thing wrong in a card or sheet file.
type Problem struct {
	Line    int // 1-based line in the file; 0 when unknown or about the whole file
	Message string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("第 %d 行：%s", p.Line, p.Message)
	}
	return p.Message
}

// Card is one exercise card.
type Card struct {
	ID, Title, Lesson string
	GroupWork         bool
	Minutes           int
	Prompt            string // Markdown
	Guidance          []string
	Fields            []Field // the answer form; for auto-graded cards the fields after the generated ones
	Rubric            []Criterion
	Autograde         *Autograde // nil unless auto-graded
}

// Field is one input of the answer form. Parse fills every limit, using the defaults above
// where the file leaves one out, so the form and the checks read the same numbers.
type Field struct {
	ID, Type, Label, Help string
	Required              bool // default true
	// text, longtext
	MaxLength int
	// list
	MinItems, MaxItems, ItemMaxLength int
	// table
	Columns          []Column
	MinRows, MaxRows int
	// choice
	Options  []string
	Multiple bool
	// number
	Unit      string
	Precision int
	Min, Max  *float64
	// questionnaire
	Categories                 []string
	MinQuestions, MaxQuestions int
	RequireAllCategories       bool
}

// Column is one column of a table field.
type Column struct {
	ID, Label, Type string
	Options         []string
}

// Criterion is one row of the rubric. An Auto criterion is the part the card's autograder
// scores: its level is suggested from the auto-score's share, and the instructor may
// override it with a reason.
type Criterion struct {
	ID, Label string
	Levels    []Level // best first
	Auto      bool
}

// Level is one grade of a criterion. AutoMin is, for an Auto criterion, the least share
// (0–1) of the auto-score that suggests this level.
type Level struct {
	Label       string
	Points      float64
	Description string
	AutoMin     float64
}

// Max is the criterion's best points.
func (cr Criterion) Max() float64 {
	best := 0.0
	for _, l := range cr.Levels {
		best = max(best, l.Points)
	}
	return best
}

// Suggest is the level an auto-score share (0–1) suggests for an Auto criterion: the best
// level whose AutoMin the share reaches; -1 for a criterion that is not Auto.
func (cr Criterion) Suggest(share float64) int {
	if !cr.Auto {
		return -1
	}
	for i, l := range cr.Levels {
		if share+1e-9 >= l.AutoMin {
			return i
		}
	}
	return len(cr.Levels) - 1
}

// Autograde says which generator and grader an auto-graded card uses.
type Autograde struct {
	Kind   string
	Params map[string]any
}

// MaxPoints is the sum over the rubric's criteria of each criterion's best level.
func (c *Card) MaxPoints() float64 {
	total := 0.0
	for _, cr := range c.Rubric {
		total += cr.Max()
	}
	return total
}

// FieldsFor is the whole answer form of a card for one variant: the generated fields first,
// then the card's own. v may be nil.
func (c *Card) FieldsFor(v *Variant) []Field {
	if v == nil {
		return c.Fields
	}
	out := make([]Field, 0, len(v.Fields)+len(c.Fields))
	out = append(out, v.Fields...)
	return append(out, c.Fields...)
}

// --- raw file structure -------------------------------------------------------------------

type rawCard struct {
	ID        string         `yaml:"id"`
	Title     string         `yaml:"title"`
	Lesson    string         `yaml:"lesson"`
	GroupWork bool           `yaml:"group_work"`
	Minutes   int            `yaml:"minutes"`
	Prompt    string         `yaml:"prompt"`
	Guidance  []string       `yaml:"guidance"`
	Fields    []rawField     `yaml:"fields"`
	Rubric    []RawCriterion `yaml:"rubric"`
	Autograde *rawAutograde  `yaml:"autograde"`
}

type rawField struct {
	ID                   string      `yaml:"id"`
	Type                 string      `yaml:"type"`
	Label                string      `yaml:"label"`
	Help                 string      `yaml:"help"`
	Required             *bool       `yaml:"required"`
	MaxLength            *int        `yaml:"max_length"`
	MinItems             *int        `yaml:"min_items"`
	MaxItems             *int        `yaml:"max_items"`
	ItemMaxLength        *int        `yaml:"item_max_length"`
	Columns              []rawColumn `yaml:"columns"`
	MinRows              *int        `yaml:"min_rows"`
	MaxRows              *int        `yaml:"max_rows"`
	Options              []string    `yaml:"options"`
	Multiple             bool        `yaml:"multiple"`
	Unit                 string      `yaml:"unit"`
	Precision            *int        `yaml:"precision"`
	Min                  *float64    `yaml:"min"`
	Max                  *float64    `yaml:"max"`
	Categories           []string    `yaml:"categories"`
	MinQuestions         *int        `yaml:"min_questions"`
	MaxQuestions         *int        `yaml:"max_questions"`
	RequireAllCategories bool        `yaml:"require_all_categories"`
}

type rawColumn struct {
	ID      string   `yaml:"id"`
	Label   string   `yaml:"label"`
	Type    string   `yaml:"type"`
	Options []string `yaml:"options"`
}

// RawCriterion is a rubric row as written in YAML (cards, and the simulation's report).
type RawCriterion struct {
	ID     string     `yaml:"id"`
	Label  string     `yaml:"label"`
	Auto   bool       `yaml:"auto"`
	Levels []rawLevel `yaml:"levels"`
}

type rawLevel struct {
	Label       string   `yaml:"label"`
	Points      *float64 `yaml:"points"`
	Description string   `yaml:"description"`
	AutoMin     *float64 `yaml:"auto_min"`
}

type rawAutograde struct {
	Kind   string         `yaml:"kind"`
	Params map[string]any `yaml:"params"`
}

// keys each field type may use besides id, type, label, help and required.
var typeKeys = map[string][]string{
	TypeText:          {"max_length"},
	TypeLongText:      {"max_length"},
	TypeList:          {"min_items", "max_items", "item_max_length"},
	TypeTable:         {"columns", "min_rows", "max_rows"},
	TypeChoice:        {"options", "multiple"},
	TypeNumber:        {"unit", "precision", "min", "max"},
	TypeQuestionnaire: {"categories", "min_questions", "max_questions", "require_all_categories"},
}

var commonKeys = map[string]bool{"id": true, "type": true, "label": true, "help": true, "required": true}

var (
	contentIDPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	fieldIDPattern   = regexp.MustCompile(`^[a-z0-9_]+$`)
	rawHTMLPattern   = regexp.MustCompile(`<(/?[A-Za-z][A-Za-z0-9]*)(\s[^<>]*)?/?>`)
)

// IsContentID reports whether s is a valid card or sheet id: lowercase ASCII letters, digits
// and single hyphens.
func IsContentID(s string) bool { return contentIDPattern.MatchString(s) }

// Parse reads one card file. Every problem found is returned, each with the 1-based line in
// the file (0 if unknown) and a Chinese message; a card with problems is nil.
func Parse(data []byte) (*Card, []Problem) {
	var raw rawCard
	doc, problems := decodeStrict(data, &raw)
	if problems != nil {
		return nil, problems
	}
	p := &parser{doc: doc}
	card := p.card(&raw)
	if len(p.problems) > 0 {
		return nil, p.problems
	}
	return card, nil
}

// decodeStrict decodes data into out with unknown keys rejected, and also returns the node
// tree so problems found later can be located.
func decodeStrict(data []byte, out any) (*yaml.Node, []Problem) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, YAMLProblems(data, err)
	}
	if len(doc.Content) == 0 {
		return nil, []Problem{{Line: 0, Message: "文件是空的"}}
	}
	if doc.Content[0].Kind != yaml.MappingNode {
		return nil, []Problem{{Line: doc.Content[0].Line, Message: "文件的最外层应是“键: 值”的映射"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		return nil, YAMLProblems(data, err)
	}
	return &doc, nil
}

var (
	yamlLinePattern   = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	yamlUnknownField  = regexp.MustCompile(`^field (\S+) not found in type`)
	yamlCannot        = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S+)$")
	yamlDuplicateKey  = regexp.MustCompile(`^mapping key "(.*)" already defined at line (\d+)$`)
	yamlSyntaxPhrases = map[string]string{
		"found character that cannot start any token":      "出现了不能出现在这里的字符（常见原因：用了 Tab 缩进，请改用空格）",
		"mapping values are not allowed in this context":   "这里不能写“键: 值”（检查冒号和缩进）",
		"did not find expected key":                        "缩进不对或缺少“键:”",
		"did not find expected '-' indicator":              "列表项应以“- ”开头，检查缩进",
		"could not find expected ':'":                      "缺少冒号“:”",
		"found unexpected end of stream":                   "文件意外结束（检查引号和括号是否成对）",
		"did not find expected node content":               "这里缺少内容",
		"found a tab character that violates indentation":  "用了 Tab 缩进，请改用空格",
		"found unknown escape character":                   "双引号字符串里有无效的转义字符（反斜杠）",
		"did not find expected ',' or ']'":                 "方括号列表没有正确结束，检查逗号和“]”",
		"did not find expected ',' or '}'":                 "花括号映射没有正确结束，检查逗号和“}”",
		"found character that cannot start any token in a": "出现了不能出现在这里的字符",
	}
)

var yamlTypeNames = map[string]string{
	"int": "整数", "int64": "整数", "float64": "数字", "bool": "true 或 false", "string": "文字",
}

// YAMLProblems turns an error from gopkg.in/yaml.v3 (syntax error, unknown key with
// KnownFields, wrong value type, repeated key) found in data into located Chinese problems.
// Other content parsers (self-scoring sheets) use it so every file reports problems the same
// way.
func YAMLProblems(data []byte, err error) []Problem {
	var lines []string
	if te, ok := err.(*yaml.TypeError); ok {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	var out []Problem
	for _, l := range lines {
		line := 0
		msg := strings.TrimPrefix(l, "yaml: ")
		if m := yamlLinePattern.FindStringSubmatch(l); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		p := Problem{Line: line, Message: translateYAML(msg)}
		if strings.Contains(p.Message, "Tab") {
			// yaml.v3 reports where the scalar before the tab began; point at the tab.
			if tab := tabIndentedLine(data); tab > 0 {
				p.Line = tab
			}
		}
		out = append(out, p)
	}
	return out
}

// tabIndentedLine is the first line whose indentation contains a tab, or 0.
func tabIndentedLine(data []byte) int {
	for i, l := range strings.Split(string(data), "\n") {
		indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if strings.Contains(indent, "\t") && strings.TrimSpace(l) != "" {
			return i + 1
		}
	}
	return 0
}

func translateYAML(msg string) string {
	if m := yamlUnknownField.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("未知的键“%s”（检查拼写，可用的键见 SCHEMA.md）", m[1])
	}
	if m := yamlDuplicateKey.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("键“%s”重复（第 %s 行已经写过）", m[1], m[2])
	}
	if m := yamlCannot.FindStringSubmatch(msg); m != nil {
		want := yamlTypeNames[m[3]]
		switch {
		case want != "":
		case strings.HasPrefix(m[3], "[]"):
			want = "列表"
		default:
			want = "“键: 值”映射"
		}
		if m[2] != "" {
			return fmt.Sprintf("“%s”的格式不对，这里应是%s", m[2], want)
		}
		return fmt.Sprintf("格式不对，这里应是%s", want)
	}
	for phrase, zh := range yamlSyntaxPhrases {
		if strings.HasPrefix(msg, phrase) {
			return "YAML 格式错误：" + zh
		}
	}
	return "YAML 格式错误：" + msg
}

// --- checks after decoding ----------------------------------------------------------------

type parser struct {
	doc      *yaml.Node
	problems []Problem
}

func (p *parser) add(line int, format string, args ...any) {
	p.problems = append(p.problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

// line finds the line of the node at path (string keys and int indexes), or of the deepest
// node on the way when the path ends early (a missing key is reported on its parent; a
// missing top-level key on line 0, the whole file).
func (p *parser) line(path ...any) int {
	n := p.doc
	if n == nil {
		return 0
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, step := range path {
		next, keyLine := child(n, step)
		if next == nil {
			if keyLine > 0 {
				return keyLine
			}
			return line
		}
		n = next
		line = n.Line
		if keyLine > 0 {
			line = keyLine
		}
	}
	return line
}

// node returns the node at path, or nil.
func (p *parser) node(path ...any) *yaml.Node {
	n := p.doc
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, step := range path {
		n, _ = child(n, step)
		if n == nil {
			return nil
		}
	}
	return n
}

func child(n *yaml.Node, step any) (*yaml.Node, int) {
	switch s := step.(type) {
	case string:
		if n.Kind != yaml.MappingNode {
			return nil, 0
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == s {
				return n.Content[i+1], n.Content[i].Line
			}
		}
	case int:
		if n.Kind == yaml.SequenceNode && s >= 0 && s < len(n.Content) {
			return n.Content[s], 0
		}
	}
	return nil, 0
}

// keys lists the keys of the mapping at path with their lines.
func (p *parser) keys(path ...any) []*yaml.Node {
	n := p.node(path...)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out []*yaml.Node
	for i := 0; i < len(n.Content); i += 2 {
		out = append(out, n.Content[i])
	}
	return out
}

func (p *parser) card(raw *rawCard) *Card {
	c := &Card{
		ID: strings.TrimSpace(raw.ID), Title: strings.TrimSpace(raw.Title), Lesson: strings.TrimSpace(raw.Lesson),
		GroupWork: raw.GroupWork, Minutes: raw.Minutes, Prompt: raw.Prompt,
	}
	switch {
	case c.ID == "":
		p.add(p.line("id"), "缺少 id")
	case !IsContentID(c.ID):
		p.add(p.line("id"), "id“%s”只能用小写英文字母、数字和连字符“-”", c.ID)
	}
	if c.Title == "" {
		p.add(p.line("title"), "缺少标题 title")
	}
	switch {
	case c.Lesson == "":
		p.add(p.line("lesson"), "缺少 lesson（讲授这个主题的页面 id）")
	case !IsContentID(c.Lesson):
		p.add(p.line("lesson"), "lesson“%s”不是有效的页面 id", c.Lesson)
	}
	if c.Minutes <= 0 || c.Minutes > 240 {
		p.add(p.line("minutes"), "minutes 应是 1 到 240 之间的整数（预计分钟数）")
	}
	if strings.TrimSpace(c.Prompt) == "" {
		p.add(p.line("prompt"), "缺少题目说明 prompt")
	} else if m := rawHTMLPattern.FindStringIndex(c.Prompt); m != nil {
		p.add(p.textLine("prompt", c.Prompt, m[0]), "prompt 里不能写 HTML 标签（%s），请用 Markdown", c.Prompt[m[0]:m[1]])
	}
	if n := len(raw.Guidance); n < 1 || n > 6 {
		p.add(p.line("guidance"), "分析要点 guidance 应有 1 到 6 条，现在 %d 条", n)
	}
	for i, g := range raw.Guidance {
		g = strings.TrimSpace(g)
		if g == "" {
			p.add(p.line("guidance", i), "分析要点第 %d 条是空的", i+1)
		}
		c.Guidance = append(c.Guidance, g)
	}

	if raw.Autograde != nil {
		c.Autograde = p.autograde(raw.Autograde)
	}
	reserved := map[string]bool{}
	if c.Autograde != nil {
		if g := graders[c.Autograde.Kind]; g != nil {
			for _, id := range g.fieldIDs(c.Autograde.Params) {
				reserved[id] = true
			}
		}
	}

	if len(raw.Fields) == 0 && raw.Autograde == nil {
		p.add(p.line("fields"), "练习卡至少要有一个填写项 fields")
	}
	seen := map[string]int{}
	for i := range raw.Fields {
		f := p.field(i, &raw.Fields[i])
		if f.ID != "" {
			if first, dup := seen[f.ID]; dup {
				p.add(p.line("fields", i, "id"), "填写项 id“%s”重复（第 %d 行已经用过）", f.ID, first)
			} else {
				seen[f.ID] = p.line("fields", i, "id")
			}
			if reserved[f.ID] {
				p.add(p.line("fields", i, "id"), "填写项 id“%s”和自动生成的填写项重名，请换一个", f.ID)
			}
		}
		c.Fields = append(c.Fields, f)
	}

	if len(raw.Rubric) == 0 && raw.Autograde == nil {
		p.add(p.line("rubric"), "缺少评分标准 rubric（教师评分要用）")
	}
	maxAuto := 0
	if raw.Autograde != nil {
		maxAuto = 1
	}
	c.Rubric = p.rubric(raw.Rubric, maxAuto)
	return c
}

// Rubric builds and checks the rubric found under the key "rubric" of a YAML document whose
// node tree is root; maxAuto is how many criteria may be Auto (0: the document has no
// automatic score for them to follow).
func Rubric(root *yaml.Node, raws []RawCriterion, maxAuto int) ([]Criterion, []Problem) {
	p := &parser{doc: root}
	r := p.rubric(raws, maxAuto)
	return r, p.problems
}

func (p *parser) rubric(raws []RawCriterion, maxAuto int) []Criterion {
	var out []Criterion
	seenCr := map[string]bool{}
	autos := 0
	for i, rc := range raws {
		cr := p.criterion(i, rc)
		if cr.ID != "" {
			if seenCr[cr.ID] {
				p.add(p.line("rubric", i, "id"), "评分项 id“%s”重复", cr.ID)
			}
			seenCr[cr.ID] = true
		}
		if cr.Auto {
			autos++
			if maxAuto == 0 {
				p.add(p.line("rubric", i, "auto"), "评分项“%s”标了 auto，但没有自动评分 autograde", cr.ID)
			} else if autos > maxAuto {
				p.add(p.line("rubric", i, "auto"), "最多 %d 个评分项可以标 auto（由自动评分建议等级）", maxAuto)
			}
		}
		out = append(out, cr)
	}
	return out
}

// textLine locates byte offset off of a block scalar's text.
func (p *parser) textLine(key, text string, off int) int {
	n := p.node(key)
	if n == nil {
		return p.line(key)
	}
	line := n.Line
	if n.Style == yaml.LiteralStyle || n.Style == yaml.FoldedStyle {
		line++
	}
	return line + strings.Count(text[:off], "\n")
}

func (p *parser) field(i int, rf *rawField) Field {
	at := func(key string) int { return p.line("fields", i, key) }
	f := Field{
		ID: strings.TrimSpace(rf.ID), Type: strings.TrimSpace(rf.Type), Label: strings.TrimSpace(rf.Label),
		Help: strings.TrimSpace(rf.Help), Required: rf.Required == nil || *rf.Required,
		Multiple: rf.Multiple, Unit: strings.TrimSpace(rf.Unit), Min: rf.Min, Max: rf.Max,
		RequireAllCategories: rf.RequireAllCategories,
	}
	name := fmt.Sprintf("第 %d 个填写项", i+1)
	switch {
	case f.ID == "":
		p.add(p.line("fields", i), "%s缺少 id", name)
	case !fieldIDPattern.MatchString(f.ID):
		p.add(at("id"), "填写项 id“%s”只能用小写英文字母、数字和下划线", f.ID)
	default:
		name = fmt.Sprintf("填写项“%s”", f.ID)
	}
	if f.Label == "" {
		p.add(p.line("fields", i), "%s缺少标签 label", name)
	}
	allowed, known := typeKeys[f.Type]
	if f.Type == "" {
		p.add(p.line("fields", i), "%s缺少类型 type", name)
	} else if !known {
		p.add(at("type"), "%s的类型“%s”未知，可用：text、longtext、list、table、choice、number、questionnaire", name, f.Type)
	}
	if known {
		ok := map[string]bool{}
		for _, k := range allowed {
			ok[k] = true
		}
		for _, k := range p.keys("fields", i) {
			if !commonKeys[k.Value] && !ok[k.Value] {
				p.add(k.Line, "%s是 %s 类型，不能使用“%s”", name, f.Type, k.Value)
			}
		}
	}
	positive := func(key string, v *int, def int) int {
		if v == nil {
			return def
		}
		if *v <= 0 {
			p.add(at(key), "%s的 %s 应大于 0", name, key)
		}
		return *v
	}
	nonNegative := func(key string, v *int, def int) int {
		if v == nil {
			return def
		}
		if *v < 0 {
			p.add(at(key), "%s的 %s 不能小于 0", name, key)
		}
		return *v
	}
	switch f.Type {
	case TypeText:
		f.MaxLength = positive("max_length", rf.MaxLength, DefaultTextMaxLength)
	case TypeLongText:
		f.MaxLength = positive("max_length", rf.MaxLength, DefaultLongTextMaxLength)
	case TypeList:
		f.MinItems = nonNegative("min_items", rf.MinItems, DefaultMinItems)
		f.MaxItems = positive("max_items", rf.MaxItems, max(DefaultMaxItems, f.MinItems))
		f.ItemMaxLength = positive("item_max_length", rf.ItemMaxLength, DefaultItemMaxLength)
		if f.MaxItems < f.MinItems {
			p.add(at("max_items"), "%s的 max_items（%d）小于 min_items（%d）", name, f.MaxItems, f.MinItems)
		}
	case TypeTable:
		f.MinRows = nonNegative("min_rows", rf.MinRows, DefaultMinRows)
		f.MaxRows = positive("max_rows", rf.MaxRows, max(DefaultMaxRows, f.MinRows))
		if f.MaxRows < f.MinRows {
			p.add(at("max_rows"), "%s的 max_rows（%d）小于 min_rows（%d）", name, f.MaxRows, f.MinRows)
		}
		if len(rf.Columns) == 0 {
			p.add(at("columns"), "%s是表格，至少要有一列 columns", name)
		}
		seen := map[string]bool{}
		for j, rc := range rf.Columns {
			cat := func(key string) int { return p.line("fields", i, "columns", j, key) }
			col := Column{ID: strings.TrimSpace(rc.ID), Label: strings.TrimSpace(rc.Label), Type: strings.TrimSpace(rc.Type)}
			cname := fmt.Sprintf("%s的第 %d 列", name, j+1)
			switch {
			case col.ID == "":
				p.add(cat("id"), "%s缺少 id", cname)
			case !fieldIDPattern.MatchString(col.ID):
				p.add(cat("id"), "%s的 id“%s”只能用小写英文字母、数字和下划线", cname, col.ID)
			case seen[col.ID]:
				p.add(cat("id"), "%s的 id“%s”重复", cname, col.ID)
			}
			seen[col.ID] = true
			if col.Label == "" {
				p.add(cat("label"), "%s缺少标签 label", cname)
			}
			if col.Type == "" {
				col.Type = ColumnText
			}
			switch col.Type {
			case ColumnText, ColumnNumber:
				if len(rc.Options) > 0 {
					p.add(cat("options"), "%s不是 choice 列，不能有 options", cname)
				}
			case ColumnChoice:
				col.Options = p.options(cat("options"), cname, rc.Options)
			default:
				p.add(cat("type"), "%s的类型“%s”未知，可用：text、number、choice", cname, col.Type)
			}
			f.Columns = append(f.Columns, col)
		}
	case TypeChoice:
		f.Options = p.options(at("options"), name, rf.Options)
	case TypeNumber:
		f.Precision = nonNegative("precision", rf.Precision, DefaultPrecision)
		if f.Precision > 6 {
			p.add(at("precision"), "%s的 precision 最多 6 位小数", name)
		}
		if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
			p.add(at("max"), "%s的 max 小于 min", name)
		}
	case TypeQuestionnaire:
		f.MinQuestions = nonNegative("min_questions", rf.MinQuestions, DefaultMinQuestions)
		f.MaxQuestions = positive("max_questions", rf.MaxQuestions, max(DefaultMaxQuestions, f.MinQuestions))
		if f.MaxQuestions < f.MinQuestions {
			p.add(at("max_questions"), "%s的 max_questions（%d）小于 min_questions（%d）", name, f.MaxQuestions, f.MinQuestions)
		}
		if len(rf.Categories) == 0 {
			p.add(at("categories"), "%s是问卷，至少要有一个类别 categories", name)
		}
		seen := map[string]bool{}
		for _, c := range rf.Categories {
			c = strings.TrimSpace(c)
			switch {
			case c == "":
				p.add(at("categories"), "%s有空的类别", name)
			case seen[c]:
				p.add(at("categories"), "%s的类别“%s”重复", name, c)
			}
			seen[c] = true
			f.Categories = append(f.Categories, c)
		}
		if f.RequireAllCategories && len(f.Categories) > f.MaxQuestions {
			p.add(at("max_questions"), "%s要求每个类别都有问题，但 max_questions（%d）少于类别数（%d）", name, f.MaxQuestions, len(f.Categories))
		}
	}
	return f
}

// options checks the options of a choice field or column: at least two, none empty, none
// repeated.
func (p *parser) options(line int, name string, raw []string) []string {
	if len(raw) == 0 {
		p.add(line, "%s是选择题，缺少选项 options", name)
		return nil
	}
	if len(raw) < 2 {
		p.add(line, "%s至少要有 2 个选项", name)
	}
	seen := map[string]bool{}
	var out []string
	for _, o := range raw {
		o = strings.TrimSpace(o)
		switch {
		case o == "":
			p.add(line, "%s有空的选项", name)
		case seen[o]:
			p.add(line, "%s的选项“%s”重复", name, o)
		}
		seen[o] = true
		out = append(out, o)
	}
	return out
}

func (p *parser) criterion(i int, rc RawCriterion) Criterion {
	cr := Criterion{ID: strings.TrimSpace(rc.ID), Label: strings.TrimSpace(rc.Label), Auto: rc.Auto}
	name := fmt.Sprintf("第 %d 个评分项", i+1)
	switch {
	case cr.ID == "":
		p.add(p.line("rubric", i), "%s缺少 id", name)
	case !fieldIDPattern.MatchString(cr.ID):
		p.add(p.line("rubric", i, "id"), "评分项 id“%s”只能用小写英文字母、数字和下划线", cr.ID)
	default:
		name = fmt.Sprintf("评分项“%s”", cr.ID)
	}
	if cr.Label == "" {
		p.add(p.line("rubric", i), "%s缺少标签 label", name)
	}
	if len(rc.Levels) == 0 {
		p.add(p.line("rubric", i, "levels"), "%s至少要有一个等级 levels", name)
	}
	for j, rl := range rc.Levels {
		l := Level{Label: strings.TrimSpace(rl.Label), Description: strings.TrimSpace(rl.Description)}
		at := p.line("rubric", i, "levels", j)
		if l.Label == "" {
			p.add(at, "%s的第 %d 个等级缺少名称 label", name, j+1)
		}
		switch {
		case rl.Points == nil:
			p.add(at, "%s的等级“%s”缺少分数 points", name, l.Label)
		case *rl.Points < 0:
			p.add(at, "%s的等级“%s”分数不能是负数", name, l.Label)
		default:
			l.Points = *rl.Points
			if j > 0 && rc.Levels[j-1].Points != nil && *rc.Levels[j-1].Points < l.Points {
				p.add(at, "%s的等级应从高分到低分排列（“%s”比上一个等级分数高）", name, l.Label)
			}
		}
		switch {
		case !cr.Auto && rl.AutoMin != nil:
			p.add(at, "%s没有标 auto，等级“%s”不需要 auto_min", name, l.Label)
		case cr.Auto && rl.AutoMin == nil:
			p.add(at, "%s标了 auto，等级“%s”需要 auto_min（自动评分达到多少比例时建议这个等级，0 到 1）", name, l.Label)
		case cr.Auto && (*rl.AutoMin < 0 || *rl.AutoMin > 1):
			p.add(at, "%s的等级“%s”的 auto_min 要在 0 到 1 之间", name, l.Label)
		case cr.Auto:
			l.AutoMin = *rl.AutoMin
			if j > 0 && rc.Levels[j-1].AutoMin != nil && *rc.Levels[j-1].AutoMin <= l.AutoMin {
				p.add(at, "%s的 auto_min 应从高到低排列", name)
			}
			if j == len(rc.Levels)-1 && l.AutoMin != 0 {
				p.add(at, "%s最后一个等级的 auto_min 应为 0，这样任何自动评分都有对应的等级", name)
			}
		}
		cr.Levels = append(cr.Levels, l)
	}
	return cr
}

func (p *parser) autograde(ra *rawAutograde) *Autograde {
	a := &Autograde{Kind: strings.TrimSpace(ra.Kind), Params: ra.Params}
	if a.Params == nil {
		a.Params = map[string]any{}
	}
	g := graders[a.Kind]
	if g == nil {
		if a.Kind == "" {
			p.add(p.line("autograde"), "autograde 缺少 kind")
		} else {
			p.add(p.line("autograde", "kind"), "未知的自动评分类型“%s”，可用：abc、customer-state、clv、warehouse-kpi", a.Kind)
		}
		return a
	}
	if _, errs := g.config(a.Params); len(errs) > 0 {
		for _, e := range errs {
			p.add(0, "autograde 参数错误：%s", e)
		}
	}
	return a
}

// LineOf is the line of the node at path (map keys and sequence indexes), or of the deepest
// node found on the way, so a problem can point at its line of a YAML file.
func LineOf(n *yaml.Node, path ...any) int {
	line := 0
	for _, step := range path {
		var next *yaml.Node
		switch k := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
						line = n.Content[i].Line
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k >= 0 && k < len(n.Content) {
				next = n.Content[k]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}
