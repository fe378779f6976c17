package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"crmlab/server/store"
)

type staffPage struct {
	Users []store.User
	Form  staffForm
	Error string
}

type staffForm struct {
	Role  string
	Login string
	Name  string
}

func (s *Server) listStaff(c echo.Context) error {
	return s.renderStaff(c, http.StatusOK, staffForm{Role: string(store.RoleInstructor)}, "")
}

func (s *Server) renderStaff(c echo.Context, status int, form staffForm, errMsg string) error {
	users, err := s.store.ListStaff(c.Request().Context())
	if err != nil {
		return storeErr(err)
	}
	return s.render(c, status, "admin_users", "账号管理", staffPage{Users: users, Form: form, Error: errMsg})
}

// createStaff adds an instructor or trainer with a one-time password the admin passes on.
func (s *Server) createStaff(c echo.Context) error {
	form := staffForm{
		Role:  c.FormValue("role"),
		Login: strings.TrimSpace(c.FormValue("login")),
		Name:  strings.TrimSpace(c.FormValue("name")),
	}
	role := store.Role(form.Role)
	var msg string
	switch {
	case role != store.RoleInstructor && role != store.RoleTrainer:
		msg = "请选择角色：教师或培训师。"
	case checkLogin(form.Login) != "":
		msg = checkLogin(form.Login)
	case form.Name == "":
		msg = "请填写姓名。"
	case len([]rune(form.Name)) > 40:
		msg = "姓名太长（最多 40 个字）。"
	}
	if msg != "" {
		return s.renderStaff(c, http.StatusBadRequest, form, msg)
	}
	pw := tempPassword()
	hash, err := s.hashPassword(pw)
	if err != nil {
		return storeErr(err)
	}
	_, err = s.store.CreateUser(c.Request().Context(), store.User{Role: role, Login: form.Login, Name: form.Name, PasswordHash: hash, CreatedAt: s.now()})
	if errors.Is(err, store.ErrConflict) {
		return s.renderStaff(c, http.StatusConflict, form, "登录名“"+form.Login+"”已被使用，请换一个。")
	}
	if err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "已创建"+role.Label()+" "+form.Name+"（登录名 "+form.Login+"），初始密码："+pw+"。请转告本人，登录后在“修改密码”中更改。")
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}

// staffTarget loads the :user of an admin route; students and the admin's own account are
// not managed here.
func (s *Server) staffTarget(c echo.Context) (store.User, error) {
	id, err := idParam(c, "user")
	if err != nil {
		return store.User{}, err
	}
	u, err := s.store.UserByID(c.Request().Context(), id)
	if err != nil {
		return u, storeErr(err)
	}
	if u.Role == store.RoleStudent {
		return u, notFound()
	}
	if u.ID == currentUser(c).ID {
		return u, invalid("不能停用或重置自己的账号；修改自己的密码请用“修改密码”。")
	}
	return u, nil
}

func (s *Server) setStaffDisabled(disabled bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := s.staffTarget(c)
		if err != nil {
			return err
		}
		if err := s.store.SetDisabled(c.Request().Context(), u.ID, disabled); err != nil {
			return storeErr(err)
		}
		if disabled {
			s.addFlash(c, "ok", "已停用 "+u.Name+"（"+u.Login+"），该账号已被登出。")
		} else {
			s.addFlash(c, "ok", "已重新启用 "+u.Name+"（"+u.Login+"）。")
		}
		return c.Redirect(http.StatusSeeOther, "/admin/users")
	}
}

func (s *Server) resetStaffPassword(c echo.Context) error {
	u, err := s.staffTarget(c)
	if err != nil {
		return err
	}
	pw, err := s.resetPassword(c, u.ID)
	if err != nil {
		return err
	}
	s.addFlash(c, "ok", u.Name+"（"+u.Login+"）的新密码："+pw+"。请转告本人，登录后修改。")
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}
