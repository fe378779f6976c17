package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"crmlab/server/store"
)

type classesPage struct {
	Classes []store.Class
	CanEdit bool
	Form    classForm
	Error   string
}

type classForm struct{ Name, Term string }

func (s *Server) listClasses(c echo.Context) error {
	return s.renderClasses(c, http.StatusOK, classForm{}, "")
}

func (s *Server) renderClasses(c echo.Context, status int, form classForm, errMsg string) error {
	u := currentUser(c)
	var classes []store.Class
	var err error
	if u.Role == store.RoleInstructor {
		classes, err = s.store.ClassesOfInstructor(c.Request().Context(), u.ID)
	} else {
		classes, err = s.store.AllClasses(c.Request().Context())
	}
	if err != nil {
		return storeErr(err)
	}
	title := "我的班级"
	if u.Role == store.RoleTrainer {
		title = "全部班级"
	}
	return s.render(c, status, "classes", title, classesPage{
		Classes: classes, CanEdit: u.Role == store.RoleInstructor, Form: form, Error: errMsg,
	})
}

func (s *Server) createClass(c echo.Context) error {
	form := classForm{Name: strings.TrimSpace(c.FormValue("name")), Term: strings.TrimSpace(c.FormValue("term"))}
	var msg string
	switch {
	case form.Name == "":
		msg = "请填写班级名称，例如“2024级物流管理1班”。"
	case len([]rune(form.Name)) > 60:
		msg = "班级名称太长（最多 60 个字）。"
	case len([]rune(form.Term)) > 30:
		msg = "学期太长（最多 30 个字），例如“2025-2026 学年第一学期”。"
	}
	if msg != "" {
		return s.renderClasses(c, http.StatusBadRequest, form, msg)
	}
	cls, err := s.store.CreateClass(c.Request().Context(), store.Class{
		Name: form.Name, Term: form.Term, InstructorID: currentUser(c).ID, CreatedAt: s.now(),
	}, newJoinCode)
	if err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "已创建班级“"+cls.Name+"”，加入码 "+cls.JoinCode+"。")
	return c.Redirect(http.StatusSeeOther, classURL(cls.ID))
}

func classURL(id int64) string { return "/classes/" + itoa64(id) }

// joinURL is what the QR code and the projector show: phones open it and land on the join
// form with the code filled in.
func (s *Server) joinURL(cls *store.Class) string { return s.baseURL + "/j/" + cls.JoinCode }

type classPage struct {
	Class      *store.Class
	JoinURL    string
	Members    []store.Member
	GroupNames map[int64]string
	Activities []activityView
	Options    []ActivityGroup
	CanEdit    bool
	Games      []store.Game
}

type activityView struct {
	store.Activity
	KindLabel string
}

func (s *Server) showClass(c echo.Context) error { return s.renderClass(c, http.StatusOK) }

func (s *Server) renderClass(c echo.Context, status int) error {
	ctx := c.Request().Context()
	withCounts, err := s.store.ClassWithCounts(ctx, classOf(c).ID)
	if err != nil {
		return storeErr(err)
	}
	cls := &withCounts
	members, err := s.store.Members(ctx, cls.ID)
	if err != nil {
		return storeErr(err)
	}
	groups, err := s.store.Groups(ctx, cls.ID)
	if err != nil {
		return storeErr(err)
	}
	names := map[int64]string{}
	for _, g := range groups {
		names[g.ID] = g.Name
	}
	acts, err := s.store.Activities(ctx, cls.ID)
	if err != nil {
		return storeErr(err)
	}
	canEdit := currentUser(c).Role == store.RoleInstructor
	page := classPage{
		Class: cls, JoinURL: s.joinURL(cls), Members: members, GroupNames: names,
		Activities: s.activityViews(acts), CanEdit: canEdit,
	}
	if canEdit {
		page.Options = s.activities.Options()
	}
	if page.Games, err = s.store.GamesOfClass(ctx, cls.ID); err != nil {
		return storeErr(err)
	}
	return s.render(c, status, "class", cls.Name, page)
}

type projectorPage struct {
	Class   *store.Class
	JoinURL string
}

// showProjector is the page an instructor puts on the classroom screen while students join.
func (s *Server) showProjector(c echo.Context) error {
	withCounts, err := s.store.ClassWithCounts(c.Request().Context(), classOf(c).ID)
	if err != nil {
		return storeErr(err)
	}
	cls := &withCounts
	return s.render(c, http.StatusOK, "projector", cls.Name+" · 加入班级", projectorPage{Class: cls, JoinURL: s.joinURL(cls)})
}

// showJoinCount is the projector's live counter, polled by htmx every few seconds.
func (s *Server) showJoinCount(c echo.Context) error {
	cls, err := s.store.ClassWithCounts(c.Request().Context(), classOf(c).ID)
	if err != nil {
		return storeErr(err)
	}
	return s.renderPartial(c, "projector", "count", cls)
}

func (s *Server) showJoinQR(c echo.Context) error {
	png, err := qrcode.Encode(s.joinURL(classOf(c)), qrcode.Medium, 640)
	if err != nil {
		return storeErr(err)
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=300")
	return c.Blob(http.StatusOK, "image/png", png)
}

// deleteClass removes a class and everything in it. The instructor types the class's name to
// confirm, because nothing of it can be brought back (a backup can).
func (s *Server) deleteClass(c echo.Context) error {
	cls := classOf(c)
	if strings.Join(strings.Fields(c.FormValue("confirm")), " ") != strings.Join(strings.Fields(cls.Name), " ") {
		return s.failBack(c, cls, "没有删除：请在确认框里输入班级名称“"+cls.Name+"”。")
	}
	del, err := s.store.DeleteClass(c.Request().Context(), cls.ID, c.FormValue("remove_students") == "1")
	if err != nil {
		return storeErr(err)
	}
	s.forgetGames(cls.ID)
	msg := fmt.Sprintf("已删除班级“%s”（名单 %d 人，以及全部分组、活动、作业和游戏记录）。", cls.Name, del.Members)
	if del.Students > 0 {
		msg += fmt.Sprintf("同时删除了 %d 个只在本班的学生账号。", del.Students)
	}
	s.addFlash(c, "ok", msg)
	return c.Redirect(http.StatusSeeOther, "/classes")
}
