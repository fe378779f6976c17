package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"crmlab/content"
	"crmlab/server/store"
)

// WithContent serves course material from src instead of what Config asks for (tests).
func WithContent(src *content.Source) Option { return func(s *Server) { s.content = src } }

func (s *Server) openContent() error {
	if s.content != nil {
		return nil
	}
	var err error
	if s.cfg.ContentDir != "" {
		s.content, err = content.FromDir(s.cfg.ContentDir)
	} else {
		s.content, err = content.FromEmbedded()
	}
	return err
}

// library returns the content to show, and its problems for staff when an edited folder has
// them (students never see problems; they keep the last good version).
func (s *Server) library(c echo.Context) (*content.Library, []content.Problem) {
	lib, probs := s.content.Current()
	if u := currentUser(c); u == nil || u.Role == store.RoleStudent {
		probs = nil
	}
	return lib, probs
}

// lessonKind lets instructors assign a lesson or case study as reading.
type lessonKind struct{ s *Server }

func (k lessonKind) Kind() string  { return "lesson" }
func (k lessonKind) Label() string { return "课程阅读" }
func (k lessonKind) Choices() []ActivityChoice {
	lib, _ := k.s.content.Current()
	out := make([]ActivityChoice, 0, len(lib.Pages))
	for _, p := range lib.Pages {
		out = append(out, ActivityChoice{ContentID: p.ID, Title: p.KindLabel() + "：" + p.Title})
	}
	return out
}
func (k lessonKind) StudentURL(a store.Activity) string { return "/learn/" + a.ContentID }

type coursePage struct {
	Chapters []content.Chapter
	Problems []content.Problem
	Query    string
}

func (s *Server) showCourse(c echo.Context) error {
	lib, probs := s.library(c)
	if len(probs) > 0 {
		return s.render(c, http.StatusOK, "course", "课程内容", coursePage{Chapters: lib.Chapters, Problems: probs})
	}
	return s.renderContent(c, "course", "课程内容", lib, "", false, func() any { return coursePage{Chapters: lib.Chapters} })
}

// activityLink is something a page leads to, linked when its part of crmlab exists.
type activityLink struct {
	Title string
	Kind  string
	URL   string // "" while the activity is not available yet
}

type lessonPage struct {
	Page       *content.Page
	Questions  []caseQuestion
	Activities []activityLink
	Staff      bool
	Problems   []content.Problem
}

type caseQuestion struct {
	Text string
	Card activityLink
}

var activityKindLabels = map[string]string{
	"card": "练习卡", "sheet": "自评表", "game": "课堂游戏", "simulation": "模拟任务", "sim": "模拟任务",
	content.KindLesson: "课程", content.KindCase: "案例",
}

func (s *Server) activityLink(lib *content.Library, id string) activityLink {
	a, ok := lib.Activity(id)
	if !ok {
		return activityLink{Title: id}
	}
	link := activityLink{Title: a.Title, Kind: activityKindLabels[a.Kind]}
	if _, isPage := lib.Page(id); isPage {
		link.URL = "/learn/" + id
	} else {
		link.URL = s.activities.StudentURL(store.Activity{Kind: a.Kind, ContentID: id})
	}
	return link
}

func (s *Server) showLesson(c echo.Context) error {
	lib, probs := s.library(c)
	p, ok := lib.Page(c.Param("page"))
	if !ok {
		return notFound()
	}
	staff := currentUser(c).Role != store.RoleStudent
	build := func() any {
		page := lessonPage{Page: p, Staff: staff, Problems: probs}
		for _, q := range p.Questions {
			page.Questions = append(page.Questions, caseQuestion{Text: q.Text, Card: s.activityLink(lib, q.Card)})
		}
		for _, id := range p.Activities {
			page.Activities = append(page.Activities, s.activityLink(lib, id))
		}
		return page
	}
	if len(probs) > 0 {
		return s.render(c, http.StatusOK, "lesson", p.Title, build())
	}
	return s.renderContent(c, "lesson", p.Title, lib, p.ID, staff, build)
}

type searchPage struct {
	Query    string
	Cut      bool
	Hits     []content.Hit
	Chapters []content.Chapter
}

func (s *Server) searchContent(c echo.Context) error {
	lib, _ := s.library(c)
	q := strings.TrimSpace(c.QueryParam("q"))
	page := searchPage{Query: q}
	if r := []rune(q); len(r) > content.MaxQuery {
		page.Query, page.Cut = string(r[:content.MaxQuery]), true
	}
	if page.Query == "" {
		page.Chapters = lib.Chapters
	} else {
		page.Hits = lib.Search(page.Query, 50)
	}
	return s.render(c, http.StatusOK, "search", "搜索课程内容", page)
}

type glossaryPage struct {
	Terms []glossaryTerm
}

type glossaryTerm struct {
	content.Term
	PageTitle string
}

func (s *Server) showGlossary(c echo.Context) error {
	lib, _ := s.library(c)
	return s.renderContent(c, "glossary", "术语表", lib, "", false, func() any {
		var page glossaryPage
		for _, t := range lib.Glossary {
			gt := glossaryTerm{Term: t}
			if p, ok := lib.Page(t.Page); ok {
				gt.PageTitle = p.Title
			}
			page.Terms = append(page.Terms, gt)
		}
		return page
	})
}

// Library is the content currently served (tests read expected values from it).
func (s *Server) Library() *content.Library {
	lib, _ := s.content.Current()
	return lib
}
