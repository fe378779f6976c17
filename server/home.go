package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"crmlab/server/store"
)

type studentHome struct {
	Classes    []studentClass
	Activities []studentActivity
}

type studentClass struct {
	store.Class
	Group  string
	Leader string
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
	classes, err := s.store.ClassesOfStudent(ctx, u.ID)
	if err != nil {
		return storeErr(err)
	}
	acts, err := s.store.ActivitiesOfStudent(ctx, u.ID)
	if err != nil {
		return storeErr(err)
	}
	groups, err := s.store.GroupsOfStudent(ctx, u.ID)
	if err != nil {
		return storeErr(err)
	}
	var page studentHome
	for _, cls := range classes {
		sc := studentClass{Class: cls}
		if g, ok := groups[cls.ID]; ok {
			sc.Group, sc.Leader = g.Name, g.LeaderName
		}
		page.Classes = append(page.Classes, sc)
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
