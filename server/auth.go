package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"crmlab/server/store"
)

// SetupLinkTTL is how long a printed admin setup link works.
const SetupLinkTTL = 24 * time.Hour

// EnsureSetupLink returns a fresh one-time admin setup link while no admin exists, and ""
// once one does. Each call replaces the previous unused link.
func (s *Server) EnsureSetupLink(ctx context.Context) (string, error) {
	n, err := s.store.CountUsers(ctx, store.RoleAdmin)
	if err != nil {
		return "", fmt.Errorf("count admins: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	token := randomString(32, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
	if err := s.store.CreateSetupToken(ctx, hashToken(token), s.now().Add(SetupLinkTTL)); err != nil {
		return "", fmt.Errorf("store setup token: %w", err)
	}
	return s.baseURL + "/setup/" + token, nil
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

type loginPage struct {
	Login string
	Next  string
	Error string
}

func (s *Server) showLogin(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return s.render(c, http.StatusOK, "login", "登录", loginPage{Next: c.QueryParam("next")})
}

// safeNext keeps redirects after login on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/home"
	}
	return next
}

func (s *Server) login(c echo.Context) error {
	login := strings.TrimSpace(c.FormValue("login"))
	pw := c.FormValue("password")
	page := loginPage{Login: login, Next: c.FormValue("next")}
	u, err := s.store.UserByLogin(c.Request().Context(), login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return storeErr(err)
	}
	hash := dummyHash
	if err == nil {
		hash = u.PasswordHash
	}
	// Compare even for an unknown login, so both failures take as long and read the same.
	ok := passwordMatches(hash, pw) && err == nil
	if !ok {
		page.Error = "账号或密码不正确。"
		return s.render(c, http.StatusUnauthorized, "login", "登录", page)
	}
	if u.Disabled {
		page.Error = "这个账号已被停用，请联系管理员。"
		return s.render(c, http.StatusForbidden, "login", "登录", page)
	}
	if err := s.signIn(c, u); err != nil {
		return storeErr(err)
	}
	return c.Redirect(http.StatusSeeOther, safeNext(page.Next))
}

// logout signs this browser out; the account's other devices stay signed in.
func (s *Server) logout(c echo.Context) error {
	if err := s.signOut(c); err != nil {
		return storeErr(err)
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// signOutEverywhere ends every session of the account, this browser's too: for a lost phone
// or a computer left signed in somewhere, whose cookie this browser cannot name.
func (s *Server) signOutEverywhere(c echo.Context) error {
	if err := s.store.EndSessions(c.Request().Context(), currentUser(c).ID); err != nil {
		return storeErr(err)
	}
	if err := s.clearSession(c, "ok", "已在所有设备上退出登录。请重新登录。"); err != nil {
		return storeErr(err)
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

type setupPage struct {
	Token string
	Login string
	Name  string
	Error string
}

func (s *Server) showSetup(c echo.Context) error {
	token := c.Param("token")
	ok, err := s.store.SetupTokenUsable(c.Request().Context(), hashToken(token), s.now())
	if err != nil {
		return storeErr(err)
	}
	if !ok {
		return &appError{kind: kindNotFound, msg: "这个设置链接无效、已经用过或已过期（24 小时）。重启服务器会打印新的链接，或在服务器上运行 crmlab user add --role admin。"}
	}
	return s.render(c, http.StatusOK, "setup", "设置管理员", setupPage{Token: token})
}

func (s *Server) completeSetup(c echo.Context) error {
	token := c.Param("token")
	page := setupPage{Token: token, Login: strings.TrimSpace(c.FormValue("login")), Name: strings.TrimSpace(c.FormValue("name"))}
	pw := c.FormValue("password")
	if msg := checkLogin(page.Login); msg != "" {
		page.Error = msg
	} else if err := checkPassword(pw, store.RoleAdmin); err != nil {
		page.Error = err.(*appError).msg
	} else if pw != c.FormValue("password2") {
		page.Error = "两次输入的密码不一致。"
	}
	if page.Error != "" {
		return s.render(c, http.StatusBadRequest, "setup", "设置管理员", page)
	}
	hash, err := s.hashPassword(pw)
	if err != nil {
		return storeErr(err)
	}
	if page.Name == "" {
		page.Name = "管理员"
	}
	u, err := s.store.UseSetupToken(c.Request().Context(), hashToken(token), s.now(), store.User{Login: page.Login, Name: page.Name, PasswordHash: hash})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &appError{kind: kindNotFound, msg: "这个设置链接无效、已经用过或已过期。"}
	case errors.Is(err, store.ErrConflict):
		page.Error = "这个登录名已被使用，请换一个。"
		return s.render(c, http.StatusConflict, "setup", "设置管理员", page)
	case err != nil:
		return storeErr(err)
	}
	if err := s.signIn(c, u); err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "管理员账号已创建。现在可以添加教师和培训师账号。")
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}

// checkLogin validates a staff login name; it returns a Chinese message or "".
func checkLogin(login string) string {
	if login == "" {
		return "请填写登录名。"
	}
	if len(login) > 40 {
		return "登录名太长（最多 40 个字符）。"
	}
	for _, r := range login {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return "登录名只能使用英文字母、数字和 . _ -（例如 wang 或 li.na）。"
		}
	}
	return ""
}

type passwordPage struct{ Error string }

func (s *Server) showPasswordForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "password", "修改密码", passwordPage{})
}

func (s *Server) changePassword(c echo.Context) error {
	u := currentUser(c)
	old, pw := c.FormValue("old"), c.FormValue("password")
	var msg string
	if !passwordMatches(u.PasswordHash, old) {
		msg = "当前密码不正确。"
	} else if err := checkPassword(pw, u.Role); err != nil {
		msg = err.(*appError).msg
	} else if pw != c.FormValue("password2") {
		msg = "两次输入的新密码不一致。"
	}
	if msg != "" {
		return s.render(c, http.StatusBadRequest, "password", "修改密码", passwordPage{Error: msg})
	}
	hash, err := s.hashPassword(pw)
	if err != nil {
		return storeErr(err)
	}
	nu, err := s.store.SetPassword(c.Request().Context(), u.ID, hash)
	if err != nil {
		return storeErr(err)
	}
	// The reset bumped the session epoch; keep this browser signed in with the new one.
	if err := s.signIn(c, nu); err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "密码已修改。")
	return c.Redirect(http.StatusSeeOther, "/home")
}

// AddUser creates a staff account from the command line with the same rules as the web
// forms. Messages are the web's Chinese ones.
func AddUser(ctx context.Context, st *store.Store, role store.Role, login, name, password string) (store.User, error) {
	if role != store.RoleAdmin && role != store.RoleInstructor && role != store.RoleTrainer {
		return store.User{}, fmt.Errorf("--role must be admin, instructor or trainer (students join classes by code)")
	}
	if msg := checkLogin(login); msg != "" {
		return store.User{}, errors.New(msg)
	}
	if err := checkPassword(password, role); err != nil {
		return store.User{}, errors.New(err.(*appError).msg)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return store.User{}, err
	}
	u, err := st.CreateUser(ctx, store.User{Role: role, Login: login, Name: name, PasswordHash: string(hash)})
	if errors.Is(err, store.ErrConflict) {
		return u, fmt.Errorf("登录名 %q 已被使用", login)
	}
	return u, err
}

// resetPassword gives an account a one-time password, ends its sessions and returns the
// password so it can be shown once to whoever reset it.
func (s *Server) resetPassword(c echo.Context, userID int64) (string, error) {
	pw := tempPassword()
	hash, err := s.hashPassword(pw)
	if err != nil {
		return "", storeErr(err)
	}
	if _, err := s.store.SetPassword(c.Request().Context(), userID, hash); err != nil {
		return "", storeErr(err)
	}
	return pw, nil
}
