package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/width"

	"crmlab/roster"
	"crmlab/server/store"
)

type joinPage struct {
	Code      string
	StudentNo string
	Name      string
	Error     string
	Student   *store.User // set when a signed-in student joins one more class
	Staff     bool
}

// openJoinLink is where the QR code points.
func (s *Server) openJoinLink(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, "/join?code="+normalizeCode(c.Param("code")))
}

// normalizeCode accepts what students type off a projector: lower case, spaces, full-width.
func normalizeCode(code string) string {
	code = strings.ToUpper(width.Narrow.String(code))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, code)
}

func (s *Server) showJoin(c echo.Context) error {
	page := joinPage{Code: normalizeCode(c.QueryParam("code"))}
	if u := currentUser(c); u != nil {
		if u.Role == store.RoleStudent {
			page.Student = u
		} else {
			page.Staff = true
		}
	}
	if page.Student != nil && page.Code != "" {
		// A member scanning the class's QR again (the projector shows it during a game)
		// goes straight to where the class is: its running game, or home.
		ctx := c.Request().Context()
		cls, err := s.store.ClassByCode(ctx, page.Code)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return storeErr(err)
		}
		if err == nil {
			member, err := s.store.IsMember(ctx, cls.ID, page.Student.ID)
			if err != nil {
				return storeErr(err)
			}
			if member {
				to, err := s.whereClassIs(ctx, cls.ID)
				if err != nil {
					return storeErr(err)
				}
				return c.Redirect(http.StatusSeeOther, to)
			}
		}
	}
	return s.render(c, http.StatusOK, "join", "加入班级", page)
}

// whereClassIs is where a student of a class goes after joining or scanning its QR: the
// phone page of the class's running game (the newest, if the instructor left an older one
// open), or home.
func (s *Server) whereClassIs(ctx context.Context, classID int64) (string, error) {
	games, err := s.store.GamesOfClass(ctx, classID)
	if err != nil {
		return "", err
	}
	var live *store.Game
	for i, g := range games {
		if g.EndedAt.IsZero() && (live == nil || g.CreatedAt.After(live.CreatedAt) || (g.CreatedAt.Equal(live.CreatedAt) && g.ID > live.ID)) {
			live = &games[i]
		}
	}
	if live == nil {
		return "/home", nil
	}
	return "/classes/" + itoa64(classID) + "/games/" + itoa64(live.ID) + "/play", nil
}

// joinClass lets a student join by code. A new student creates their account here; one who
// already has an account (from another class) proves it with their password, or is simply
// signed in.
func (s *Server) joinClass(c echo.Context) error {
	ctx := c.Request().Context()
	page := joinPage{
		Code:      normalizeCode(c.FormValue("code")),
		StudentNo: strings.TrimSpace(width.Narrow.String(c.FormValue("student_no"))),
		Name:      strings.Join(strings.Fields(c.FormValue("name")), " "),
	}
	fail := func(status int, msg string) error {
		page.Error = msg
		return s.render(c, status, "join", "加入班级", page)
	}
	u := currentUser(c)
	if u != nil && u.Role != store.RoleStudent {
		page.Staff = true
		return fail(http.StatusForbidden, "教师、培训师和管理员账号不需要加入班级。请退出后用学生身份加入。")
	}
	if u != nil {
		page.Student = u
		page.StudentNo, page.Name = u.Login, u.Name
	}
	if page.Code == "" {
		return fail(http.StatusBadRequest, "请输入 6 位加入码。")
	}
	cls, err := s.store.ClassByCode(ctx, page.Code)
	if errors.Is(err, store.ErrNotFound) {
		return fail(http.StatusNotFound, "加入码“"+page.Code+"”不存在。请核对投影或老师给出的 6 位加入码。")
	}
	if err != nil {
		return storeErr(err)
	}
	req := store.JoinRequest{ClassID: cls.ID, StudentNo: page.StudentNo, Name: page.Name, Now: s.now()}
	if u != nil {
		req.ExistingUserID = u.ID
	} else {
		if probs := roster.Validate([]roster.Row{{Line: 1, StudentNo: page.StudentNo, Name: page.Name}}).Rows[0].Problems; len(probs) > 0 {
			return fail(http.StatusBadRequest, strings.Join(probs, "；")+"。")
		}
		pw := c.FormValue("password")
		existing, err := s.store.UserByLogin(ctx, page.StudentNo)
		switch {
		case err == nil && existing.Role == store.RoleStudent && passwordMatches(existing.PasswordHash, pw):
			req.ExistingUserID = existing.ID
		case err == nil && existing.Role == store.RoleStudent:
			return fail(http.StatusConflict, "学号 "+page.StudentNo+" 已经有账号，但密码不对。如果这是你的学号，请输入你原来的密码；忘记密码请找老师重置。")
		case err == nil:
			return fail(http.StatusConflict, "学号 "+page.StudentNo+" 已被占用，请核对学号。")
		case !errors.Is(err, store.ErrNotFound):
			return storeErr(err)
		default:
			if err := checkPassword(pw, store.RoleStudent); err != nil {
				return fail(http.StatusBadRequest, err.(*appError).msg)
			}
			if req.NewPasswordHash, err = s.hashPassword(pw); err != nil {
				return storeErr(err)
			}
		}
	}
	joined, err := s.store.JoinClass(ctx, req)
	switch {
	case errors.Is(err, store.ErrAlreadyMember):
		s.addFlash(c, "ok", "你已经在“"+cls.Name+"”里了。")
	case errors.Is(err, store.ErrAlreadyClaimed):
		return fail(http.StatusConflict, "学号 "+page.StudentNo+" 在这个班已被认领。如果这是你的学号，请直接登录；忘记密码请找老师重置。")
	case errors.Is(err, store.ErrNameMismatch):
		return fail(http.StatusConflict, "学号 "+page.StudentNo+" 在班级名单上的姓名与你填写的不一致。请检查姓名，或请老师核对名单。")
	case err != nil:
		return storeErr(err)
	default:
		s.addFlash(c, "ok", "已加入“"+cls.Name+"”。以后用学号 "+joined.Login+" 和你的密码登录。")
	}
	if u == nil {
		if joined.ID == 0 {
			if joined, err = s.store.UserByLogin(ctx, page.StudentNo); err != nil {
				return storeErr(err)
			}
		}
		if err := s.signIn(c, joined); err != nil {
			return storeErr(err)
		}
	}
	to, err := s.whereClassIs(ctx, cls.ID)
	if err != nil {
		return storeErr(err)
	}
	return c.Redirect(http.StatusSeeOther, to)
}
