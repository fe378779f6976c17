// Package content loads the course material: Markdown pages with YAML front matter, the
// glossary, and the list of activities that pages point to. It renders every page once with
// goldmark (flow charts become inline SVG) and keeps the result, so a request only looks up.
package content

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"crmlab/scenarios/crmopt"
)

// Embedded is the course material built into the binary.
//
//go:embed pages cards sheets games sims glossary.yaml planned.yaml
var Embedded embed.FS

// Kinds of page.
const (
	KindLesson = "lesson"
	KindCase   = "case"
)

// notesHeading starts the instructor notes: everything from it to the end of the file is for
// instructors and trainers only and is never sent to students.
const notesHeading = "## 教师备注"

// Goals are what a page teaches.
type Goals struct {
	Knowledge []string `yaml:"knowledge"`
	Ability   []string `yaml:"ability"`
}

// Question is a case study's question and the exercise card that answers it.
type Question struct {
	Text string `yaml:"text"`
	Card string `yaml:"card"`
}

// Meta is a page's front matter.
type Meta struct {
	ID           string     `yaml:"id"`
	Kind         string     `yaml:"kind"`
	Title        string     `yaml:"title"`
	Chapter      int        `yaml:"chapter"`
	ChapterTitle string     `yaml:"chapter_title"`
	Order        int        `yaml:"order"`
	Minutes      int        `yaml:"minutes"`
	Goals        Goals      `yaml:"goals"`
	Activities   []string   `yaml:"activities"`
	Tags         []string   `yaml:"tags"`
	Questions    []Question `yaml:"questions"`
}

// Page is one rendered lesson or case study.
type Page struct {
	Meta
	File     string        // path inside the content folder
	Body     template.HTML // what students read
	Notes    template.HTML // instructor notes; empty template.HTML when the page has none
	Text     string        // plain text of Body (no notes), for search
	Diagrams int
	lower    string // Text and Title lowered once, so a search does not lower every page again
	lowTitle string
	Prev     *Page
	Next     *Page
}

// KindLabel names the page's kind in the UI.
func (p *Page) KindLabel() string {
	if p.Kind == KindCase {
		return "案例"
	}
	return "课程"
}

// Chapter groups pages in reading order.
type Chapter struct {
	Number int
	Title  string
	Pages  []*Page
}

// Term is a glossary entry.
type Term struct {
	Term       string `yaml:"term"`
	En         string `yaml:"en"`
	Definition string `yaml:"definition"`
	Page       string `yaml:"page"`
}

// Planned is an activity that pages already point to but whose own content file comes
// with a later part of the app (exercise cards, the game, the simulation). Listing it here
// lets `content check` tell a planned id from a typing mistake.
type Planned struct {
	ID    string `yaml:"id"`
	Kind  string `yaml:"kind"`
	Title string `yaml:"title"`
}

// Problem is one thing wrong in the content, located for the author.
type Problem struct {
	File    string
	Line    int // 0 when the problem concerns the whole file
	Message string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return p.File + ": " + p.Message
}

// Library is one consistent load of the content.
type Library struct {
	Pages    []*Page // reading order
	Chapters []Chapter
	Glossary []Term
	Planned  map[string]Planned
	Cards    map[string]*Card
	Sheets   map[string]*Sheet
	Game     *GameTexts  // nil when the content has no game
	Deck     []*Artefact // the game's customer-communication artefacts
	Sims     map[string]*crmopt.Scenario
	byID     map[string]*Page
}

// Page finds a page by id.
func (l *Library) Page(id string) (*Page, bool) {
	p, ok := l.byID[id]
	return p, ok
}

// Activity resolves an id a page points to: another page, a card, a sheet, or a planned
// activity.
func (l *Library) Activity(id string) (Planned, bool) {
	if p, ok := l.byID[id]; ok {
		return Planned{ID: id, Kind: p.Kind, Title: p.Title}, true
	}
	if c, ok := l.Cards[id]; ok {
		return Planned{ID: id, Kind: "card", Title: c.Title}, true
	}
	if sh, ok := l.Sheets[id]; ok {
		return Planned{ID: id, Kind: "sheet", Title: sh.Title}, true
	}
	if l.Game != nil && l.Game.ID == id {
		return Planned{ID: id, Kind: "game", Title: l.Game.Title}, true
	}
	if sc, ok := l.Sims[id]; ok {
		return Planned{ID: id, Kind: "sim", Title: sc.Title}, true
	}
	a, ok := l.Planned[id]
	return a, ok
}

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Load reads every content file of fsys. It returns the pages that loaded and every problem
// found; a caller that must not publish broken content checks len(problems) == 0.
func Load(fsys fs.FS) (*Library, []Problem) {
	lib := &Library{byID: map[string]*Page{}, Planned: map[string]Planned{}, Cards: map[string]*Card{}, Sheets: map[string]*Sheet{}, Sims: map[string]*crmopt.Scenario{}}
	var problems []Problem
	add := func(file string, line int, format string, args ...any) {
		problems = append(problems, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
	}

	if b, err := fs.ReadFile(fsys, "planned.yaml"); err == nil {
		var doc struct {
			Activities []Planned `yaml:"activities"`
		}
		if err := decodeStrict(b, &doc); err != nil {
			line, msg := yamlError(err)
			add("planned.yaml", line, "%s", msg)
		}
		for _, a := range doc.Activities {
			if !idPattern.MatchString(a.ID) || a.Title == "" {
				add("planned.yaml", 0, "活动 %q 的 id 或标题无效", a.ID)
				continue
			}
			lib.Planned[a.ID] = a
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		add("planned.yaml", 0, "无法读取：%v", err)
	}

	files, err := fs.Glob(fsys, "pages/*.md")
	if err != nil || len(files) == 0 {
		add("pages", 0, "没有找到任何页面（pages/*.md）")
	}
	sort.Strings(files)
	firstFile := map[string]string{}
	md := newMarkdown()
	for _, file := range files {
		raw, err := fs.ReadFile(fsys, file)
		if err != nil {
			add(file, 0, "无法读取：%v", err)
			continue
		}
		p, probs := parsePage(md, file, raw)
		problems = append(problems, probs...)
		if p == nil {
			continue
		}
		if prev, dup := firstFile[p.ID]; dup {
			add(file, 2, "id %q 与 %s 重复", p.ID, prev)
			continue
		}
		firstFile[p.ID] = file
		lib.byID[p.ID] = p
		lib.Pages = append(lib.Pages, p)
	}
	sort.SliceStable(lib.Pages, func(i, j int) bool {
		a, b := lib.Pages[i], lib.Pages[j]
		if a.Chapter != b.Chapter {
			return a.Chapter < b.Chapter
		}
		return a.Order < b.Order
	})
	for i, p := range lib.Pages {
		if i > 0 {
			p.Prev = lib.Pages[i-1]
		}
		if i < len(lib.Pages)-1 {
			p.Next = lib.Pages[i+1]
		}
		if n := len(lib.Chapters); n == 0 || lib.Chapters[n-1].Number != p.Chapter {
			lib.Chapters = append(lib.Chapters, Chapter{Number: p.Chapter, Title: p.ChapterTitle})
		}
		ch := &lib.Chapters[len(lib.Chapters)-1]
		ch.Pages = append(ch.Pages, p)
	}
	problems = append(problems, loadWork(fsys, md, lib)...)
	problems = append(problems, loadGames(fsys, md, lib)...)
	problems = append(problems, loadSims(fsys, lib)...)
	// Links between files are checked once every page, card and sheet is known.
	problems = append(problems, checkWorkLinks(lib)...)
	for _, p := range lib.Pages {
		for _, id := range p.Activities {
			if _, ok := lib.Activity(id); !ok {
				add(p.File, 0, "活动 %q 不存在：既不是页面 id，也不在 planned.yaml 中", id)
			}
		}
		for _, q := range p.Questions {
			if _, ok := lib.Activity(q.Card); !ok {
				add(p.File, 0, "问题“%s”指向的练习卡 %q 不存在", short(q.Text), q.Card)
			}
		}
		for _, target := range pageLinks(string(p.Body) + string(p.Notes)) {
			if _, ok := lib.byID[target]; !ok {
				add(p.File, 0, "链接指向不存在的页面 /learn/%s", target)
			}
		}
	}
	problems = append(problems, loadGlossary(fsys, lib)...)
	return lib, problems
}

var learnLink = regexp.MustCompile(`href="/learn/([^"#?]+)`)

func pageLinks(html string) []string {
	var out []string
	for _, m := range learnLink.FindAllStringSubmatch(html, -1) {
		out = append(out, m[1])
	}
	return out
}

func short(s string) string {
	r := []rune(s)
	if len(r) > 16 {
		return string(r[:16]) + "…"
	}
	return s
}

func loadGlossary(fsys fs.FS, lib *Library) []Problem {
	const file = "glossary.yaml"
	b, err := fs.ReadFile(fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return []Problem{{File: file, Message: "无法读取：" + err.Error()}}
	}
	var doc struct {
		Terms []Term `yaml:"terms"`
	}
	if err := decodeStrict(b, &doc); err != nil {
		line, msg := yamlError(err)
		return []Problem{{File: file, Line: line, Message: msg}}
	}
	var problems []Problem
	seen := map[string]bool{}
	for _, t := range doc.Terms {
		switch {
		case t.Term == "" || t.Definition == "":
			problems = append(problems, Problem{File: file, Message: fmt.Sprintf("术语 %q 缺少名称或解释", t.Term)})
			continue
		case seen[t.Term]:
			problems = append(problems, Problem{File: file, Message: fmt.Sprintf("术语 %q 重复", t.Term)})
			continue
		}
		if _, ok := lib.byID[t.Page]; !ok {
			problems = append(problems, Problem{File: file, Message: fmt.Sprintf("术语 %q 指向不存在的页面 %q", t.Term, t.Page)})
		}
		seen[t.Term] = true
		lib.Glossary = append(lib.Glossary, t)
	}
	return problems
}

func decodeStrict(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlError pulls the line out of a yaml.v3 error and words the rest for authors.
func yamlError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n", "")
	if strings.Contains(msg, "not found in type") {
		if f := regexp.MustCompile(`field (\S+) not found`).FindStringSubmatch(msg); f != nil {
			msg = "未知的字段 " + f[1] + "（检查拼写）"
		}
	} else if strings.Contains(msg, "cannot unmarshal") {
		msg = "字段类型不对：" + strings.TrimSpace(msg)
	} else {
		msg = "YAML 格式错误：" + strings.TrimSpace(msg)
	}
	return line, msg
}

// parsePage splits front matter, body and notes, checks the front matter and renders.
func parsePage(md *markdown, file string, raw []byte) (*Page, []Problem) {
	var problems []Problem
	add := func(line int, format string, args ...any) {
		problems = append(problems, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
	}
	src := strings.ReplaceAll(string(raw), "\r\n", "\n")
	src = strings.TrimPrefix(src, "\ufeff")
	if !strings.HasPrefix(src, "---\n") {
		add(1, "文件必须以 --- 开头的 YAML 头部（front matter）开始")
		return nil, problems
	}
	end := strings.Index(src[4:], "\n---\n")
	if end < 0 {
		add(1, "YAML 头部没有以 --- 结束")
		return nil, problems
	}
	front := src[4 : 4+end+1]
	body := src[4+end+5:]
	bodyLine := strings.Count(src[:4+end+5], "\n") + 1 // file line of the body's first line

	var meta Meta
	if err := decodeStrict([]byte(front), &meta); err != nil {
		line, msg := yamlError(err)
		if line > 0 {
			line++ // the YAML starts on the file's second line
		}
		add(line, "%s", msg)
		return nil, problems
	}
	fieldLine := func(name string) int {
		for i, l := range strings.Split(front, "\n") {
			if strings.HasPrefix(l, name+":") {
				return i + 2
			}
		}
		return 1
	}
	switch {
	case meta.ID == "":
		add(fieldLine("id"), "缺少 id")
	case !idPattern.MatchString(meta.ID):
		add(fieldLine("id"), "id %q 只能使用小写英文字母、数字和连字符", meta.ID)
	}
	if meta.Kind != KindLesson && meta.Kind != KindCase {
		add(fieldLine("kind"), "kind 必须是 lesson 或 case，现在是 %q", meta.Kind)
	}
	if strings.TrimSpace(meta.Title) == "" {
		add(fieldLine("title"), "缺少标题 title")
	}
	if meta.Chapter < 0 || meta.Order < 1 {
		add(fieldLine("order"), "chapter 不能为负，order 从 1 开始")
	}
	if meta.ChapterTitle == "" {
		add(fieldLine("chapter_title"), "缺少章节标题 chapter_title")
	}
	if meta.Minutes < 1 || meta.Minutes > 240 {
		add(fieldLine("minutes"), "minutes（预计学习分钟数）应在 1 到 240 之间")
	}
	if len(meta.Goals.Knowledge) == 0 || len(meta.Goals.Ability) == 0 {
		add(fieldLine("goals"), "goals 需要至少一条 knowledge（知识目标）和一条 ability（能力目标）")
	}
	if meta.Kind == KindCase && len(meta.Questions) == 0 {
		add(fieldLine("questions"), "案例（kind: case）需要列出问题 questions")
	}
	if meta.Kind != KindCase && len(meta.Questions) > 0 {
		add(fieldLine("questions"), "只有案例（kind: case）可以有 questions")
	}
	for _, q := range meta.Questions {
		if strings.TrimSpace(q.Text) == "" || q.Card == "" {
			add(fieldLine("questions"), "每个问题需要 text 和 card")
		}
	}

	notes := ""
	if i := indexLine(body, notesHeading); i >= 0 {
		notes = body[i+len(notesHeading):]
		body = body[:i]
	} else {
		add(0, "缺少“%s”一节（教师备注）", notesHeading)
	}
	p := &Page{Meta: meta, File: file}
	var err error
	var diagProblems []Problem
	p.Body, p.Text, p.Diagrams, diagProblems, err = md.render(body, bodyLine)
	if err != nil {
		add(0, "Markdown 渲染失败：%v", err)
	}
	for _, dp := range diagProblems {
		dp.File = file
		problems = append(problems, dp)
	}
	notesLine := bodyLine + strings.Count(body, "\n") + 1
	p.Notes, _, _, diagProblems, err = md.render(notes, notesLine)
	if err != nil {
		add(0, "教师备注渲染失败：%v", err)
	}
	for _, dp := range diagProblems {
		dp.File = file
		problems = append(problems, dp)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	p.lower, p.lowTitle = strings.ToLower(p.Text), strings.ToLower(p.Title)
	return p, nil
}

// indexLine finds a line that is exactly line (ignoring trailing spaces).
func indexLine(text, line string) int {
	at := 0
	for _, l := range strings.SplitAfter(text, "\n") {
		if strings.TrimRight(l, " \t\n") == line {
			return at
		}
		at += len(l)
	}
	return -1
}

// Base is the file name without folders, for messages.
func Base(file string) string { return path.Base(file) }
