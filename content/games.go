package content

import (
	"fmt"
	"html/template"
	"io/fs"
	"sort"
	"strings"
)

// GameTexts are the fixed texts of the moments-of-truth game (content/games/keymoments.yaml).
type GameTexts struct {
	ID           string `yaml:"id"`
	Title        string `yaml:"title"`
	Minutes      int    `yaml:"minutes"`
	DefinePrompt string `yaml:"define_prompt"`
	HandsQ       string `yaml:"hands_question"`
	Carlzon      struct {
		Quote   string `yaml:"quote"`
		Message string `yaml:"message"`
	} `yaml:"carlzon"`
	WallPrompt string `yaml:"wall_prompt"`
	Returns    struct {
		Question string `yaml:"question"`
		Answer   string `yaml:"answer"`
	} `yaml:"returns"`
	PresentPrompt   string        `yaml:"present_prompt"`
	ReviewPrompt    string        `yaml:"review_prompt"`
	Summary         []string      `yaml:"summary"`
	InstructorNotes string        `yaml:"instructor_notes"`
	NotesHTML       template.HTML `yaml:"-"`
}

// Artefact is one customer-communication example of the game's deck.
type Artefact struct {
	ID        string        `yaml:"id"`
	Title     string        `yaml:"title"`
	Kind      string        `yaml:"kind"`
	Style     string        `yaml:"style"`
	Headline  string        `yaml:"headline"`
	Body      string        `yaml:"body"`
	FinePrint string        `yaml:"fine_print"`
	Notes     string        `yaml:"notes"`
	BodyHTML  template.HTML `yaml:"-"`
	NotesHTML template.HTML `yaml:"-"`
	File      string        `yaml:"-"`
}

var artefactStyles = map[string]bool{"ad": true, "web": true, "sms": true, "poster": true, "card": true, "terms": true,
	"notice": true, "phone": true, "app": true, "letter": true}

// loadGames reads content/games/: the game texts and the deck. A missing folder is fine
// (content without the game); a present one must be complete.
func loadGames(fsys fs.FS, md *markdown, lib *Library) []Problem {
	var problems []Problem
	const file = "games/keymoments.yaml"
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil
	}
	var g GameTexts
	if err := decodeStrict(raw, &g); err != nil {
		line, msg := yamlError(err)
		return []Problem{{File: file, Line: line, Message: msg}}
	}
	missing := []string{}
	for name, v := range map[string]string{"id": g.ID, "title": g.Title, "define_prompt": g.DefinePrompt, "hands_question": g.HandsQ,
		"carlzon.quote": g.Carlzon.Quote, "carlzon.message": g.Carlzon.Message, "wall_prompt": g.WallPrompt,
		"returns.question": g.Returns.Question, "returns.answer": g.Returns.Answer, "present_prompt": g.PresentPrompt, "review_prompt": g.ReviewPrompt} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		problems = append(problems, Problem{File: file, Message: "缺少：" + strings.Join(missing, "、")})
	}
	if len(g.Summary) != 3 {
		problems = append(problems, Problem{File: file, Message: fmt.Sprintf("summary 需要 3 条要点，现在 %d 条", len(g.Summary))})
	}
	if g.NotesHTML, _, _, _, err = md.render(g.InstructorNotes, 0); err != nil {
		problems = append(problems, Problem{File: file, Message: "instructor_notes 无法渲染"})
	}
	problems = append(problems, eachFile(fsys, "games/deck/*.yaml", func(f string, raw []byte) []Problem {
		var a Artefact
		if err := decodeStrict(raw, &a); err != nil {
			line, msg := yamlError(err)
			return []Problem{{File: f, Line: line, Message: msg}}
		}
		a.File = f
		if p := idMatchesFile(f, a.ID); p != nil {
			return p
		}
		switch {
		case a.Title == "" || a.Headline == "" || a.Body == "" || a.Notes == "":
			return []Problem{{File: f, Message: "需要 title、headline、body 和 notes"}}
		case !artefactStyles[a.Style]:
			return []Problem{{File: f, Message: fmt.Sprintf("style %q 不在可用的样式中", a.Style)}}
		}
		var dp []Problem
		var err error
		a.BodyHTML, _, _, dp, err = md.render(a.Body, 0)
		if err != nil || len(dp) > 0 {
			return []Problem{{File: f, Message: "body 无法渲染"}}
		}
		a.NotesHTML, _, _, _, _ = md.render(a.Notes, 0)
		lib.Deck = append(lib.Deck, &a)
		return nil
	})...)
	if len(lib.Deck) < 12 {
		problems = append(problems, Problem{File: "games/deck", Message: fmt.Sprintf("交流材料至少需要 12 份，现在 %d 份", len(lib.Deck))})
	}
	lib.Game = &g
	return problems
}

// Artefact finds a deck artefact.
func (l *Library) Artefact(id string) (*Artefact, bool) {
	for _, a := range l.Deck {
		if a.ID == id {
			return a, true
		}
	}
	return nil, false
}
