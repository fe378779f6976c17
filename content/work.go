package content

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"sort"
	"strings"

	"crmlab/scenarios/cards"
	"crmlab/scenarios/selfscore"
)

// Card is an exercise card with its prompt rendered.
type Card struct {
	*cards.Card
	File       string
	PromptHTML template.HTML
}

// Sheet is a self-scoring sheet with its introduction rendered.
type Sheet struct {
	*selfscore.Sheet
	File      string
	IntroHTML template.HTML
}

// eachFile calls load for every file matching pattern, in name order, and collects the
// problems; a file that cannot be read is one problem.
func eachFile(fsys fs.FS, pattern string, load func(file string, raw []byte) []Problem) []Problem {
	var problems []Problem
	files, _ := fs.Glob(fsys, pattern)
	sort.Strings(files)
	for _, file := range files {
		raw, err := fs.ReadFile(fsys, file)
		if err != nil {
			problems = append(problems, Problem{File: file, Message: "无法读取：" + err.Error()})
			continue
		}
		problems = append(problems, load(file, raw)...)
	}
	return problems
}

// located turns an engine's line-numbered problems into problems of a file.
func located(file string, probs []cards.Problem) []Problem {
	out := make([]Problem, len(probs))
	for i, p := range probs {
		out[i] = Problem{File: file, Line: p.Line, Message: p.Message}
	}
	return out
}

// idMatchesFile checks that a file's id is its name, so authors find a card by its id.
func idMatchesFile(file, id string) []Problem {
	if want := strings.TrimSuffix(path.Base(file), ".yaml"); id != want {
		return []Problem{{File: file, Line: 1, Message: fmt.Sprintf("id %q 与文件名不一致（应为 %q）", id, want)}}
	}
	return nil
}

// loadWork reads content/cards/*.yaml and content/sheets/*.yaml into lib; ids are checked
// against each other and against pages by the caller.
func loadWork(fsys fs.FS, md *markdown, lib *Library) []Problem {
	problems := eachFile(fsys, "cards/*.yaml", func(file string, raw []byte) []Problem {
		c, probs := cards.Parse(raw)
		if c == nil {
			return located(file, probs)
		}
		if p := idMatchesFile(file, c.ID); p != nil {
			return p
		}
		html, _, _, dp, err := md.render(c.Prompt, 0)
		if err != nil || len(dp) > 0 {
			return []Problem{{File: file, Message: "prompt 的 Markdown 无法渲染"}}
		}
		lib.Cards[c.ID] = &Card{Card: c, File: file, PromptHTML: html}
		return located(file, probs)
	})
	return append(problems, eachFile(fsys, "sheets/*.yaml", func(file string, raw []byte) []Problem {
		sh, probs := selfscore.Parse(raw)
		if sh == nil {
			return located(file, probs)
		}
		if p := idMatchesFile(file, sh.ID); p != nil {
			return p
		}
		html, _, _, _, err := md.render(sh.Intro, 0)
		if err != nil {
			return []Problem{{File: file, Message: "intro 的 Markdown 无法渲染"}}
		}
		lib.Sheets[sh.ID] = &Sheet{Sheet: sh, File: file, IntroHTML: html}
		return located(file, probs)
	})...)
}

// checkWorkLinks runs once every page, card and sheet is known.
func checkWorkLinks(lib *Library) []Problem {
	var problems []Problem
	ids := make([]string, 0, len(lib.Cards))
	for id := range lib.Cards {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		c := lib.Cards[id]
		if _, ok := lib.byID[c.Lesson]; !ok {
			problems = append(problems, Problem{File: c.File, Message: fmt.Sprintf("lesson %q 不是已有页面的 id", c.Lesson)})
		}
		if _, dup := lib.byID[id]; dup {
			problems = append(problems, Problem{File: c.File, Message: fmt.Sprintf("id %q 与一个页面重复", id)})
		}
		if _, dup := lib.Planned[id]; dup {
			problems = append(problems, Problem{File: c.File, Message: fmt.Sprintf("id %q 已有文件，请从 planned.yaml 中删除", id)})
		}
	}
	for id, sh := range lib.Sheets {
		if _, ok := lib.Activity(sh.Assesses); !ok {
			problems = append(problems, Problem{File: sh.File, Message: fmt.Sprintf("assesses %q 不是已有的活动", sh.Assesses)})
		}
		if _, dup := lib.Cards[id]; dup {
			problems = append(problems, Problem{File: sh.File, Message: fmt.Sprintf("id %q 与一张练习卡重复", id)})
		}
		if _, dup := lib.Planned[id]; dup {
			problems = append(problems, Problem{File: sh.File, Message: fmt.Sprintf("id %q 已有文件，请从 planned.yaml 中删除", id)})
		}
	}
	return problems
}

// Card finds an exercise card.
func (l *Library) Card(id string) (*Card, bool) {
	c, ok := l.Cards[id]
	return c, ok
}

// Sheet finds a self-scoring sheet.
func (l *Library) Sheet(id string) (*Sheet, bool) {
	s, ok := l.Sheets[id]
	return s, ok
}

// CardList lists cards by title, for the assign menu.
func (l *Library) CardList() []*Card {
	out := make([]*Card, 0, len(l.Cards))
	for _, c := range l.Cards {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SheetList lists sheets by id.
func (l *Library) SheetList() []*Sheet {
	out := make([]*Sheet, 0, len(l.Sheets))
	for _, s := range l.Sheets {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
