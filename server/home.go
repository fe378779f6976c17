package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"crmlab/server/store"
)

type studentHome struct {
	Classes    []store.StudentClass
	Activities []studentActivity
	Games      []runningGame
	NewGrades  []store.ReleasedGrade // released since the student last looked
	Grades     int                   // released grades in all
}

type runningGame struct {
	URL   string
	Class string
	Since time.Time
}

type studentActivity struct {
	activityView
	URL     string
	Overdue bool
}

// showHome sends staff to their main page and shows students their classes and work.
func (s *Server) showHome(c echo.Context) error {
	u := currentUser(c)
	switch u.Role {
	case store.RoleAdmin:
		return c.Redirect(http.StatusSeeOther, "/admin/users")
	case store.RoleInstructor, store.RoleTrainer:
		return c.Redirect(http.StatusSeeOther, "/classes")
	}
	ctx := c.Request().Context()
	classes, err := s.store.StudentClasses(ctx, u.ID)
	if err != nil {
		return storeErr(err)
	}
	acts, err := s.store.ActivitiesOfStudent(ctx, u.ID)
	if err != nil {
		return storeErr(err)
	}
	page := studentHome{Classes: classes}
	for _, cls := range classes {
		games, err := s.store.GamesOfClass(ctx, cls.ClassID)
		if err != nil {
			return storeErr(err)
		}
		for _, g := range games {
			if g.EndedAt.IsZero() {
				page.Games = append(page.Games, runningGame{URL: "/classes/" + itoa64(cls.ClassID) + "/games/" + itoa64(g.ID) + "/play", Class: cls.Name, Since: g.CreatedAt})
			}
		}
	}
	released, err := s.store.ReleasedGradesOf(ctx, u.ID)
	if err != nil {
		return storeErr(err)
	}
	page.Grades = len(released)
	for _, r := range released {
		if !r.Seen {
			page.NewGrades = append(page.NewGrades, r)
		}
	}
	now := s.now()
	for _, a := range s.activityViews(acts) {
		page.Activities = append(page.Activities, studentActivity{
			activityView: a,
			URL:          s.activities.StudentURL(a.Activity),
			Overdue:      !a.DueAt.IsZero() && now.After(a.DueAt),
		})
	}
	return s.render(c, http.StatusOK, "home_student", "我的学习", page)
}
