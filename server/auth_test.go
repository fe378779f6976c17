package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

func TestSetupLinkCreatesOneAdmin(t *testing.T) {
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	app := apptest.Start(t, server.Config{}, server.WithClock(clock))
	ctx := context.Background()
	link, err := app.Server.EnsureSetupLink(ctx)
	if err != nil || !strings.HasPrefix(link, app.URL+"/setup/") {
		t.Fatalf("setup link %q, %v", link, err)
	}
	path := strings.TrimPrefix(link, app.URL)
	c := app.Client()
	if r := c.Get(path); r.Status != 200 || !r.Has("设置管理员账号") {
		t.Fatalf("setup page: %d", r.Status)
	}
	form := url.Values{"login": {"root"}, "name": {"教务处"}, "password": {"short"}, "password2": {"short"}}
	if r := c.Post(path, form); r.Status != 400 || !r.Has("密码太短") {
		t.Fatalf("short password: %d %s", r.Status, r.Body)
	}
	form.Set("password", "long-enough-1")
	form.Set("password2", "long-enough-2")
	if r := c.Post(path, form); r.Status != 400 || !r.Has("两次输入的密码不一致") {
		t.Fatalf("mismatch: %d", r.Status)
	}
	form.Set("password2", "long-enough-1")
	r := c.Post(path, form)
	if r.Status != http.StatusSeeOther || r.Location != "/admin/users" {
		t.Fatalf("setup: %d → %q", r.Status, r.Location)
	}
	if r := c.Follow(r); !r.Has("管理员账号已创建", "账号管理") {
		t.Fatalf("admin page after setup lacks the flash: %s", r.Body)
	}
	// Single use: the same link is dead, for a new browser too.
	if r := app.Client().Get(path); r.Status != 404 || !r.Has("已经用过或已过期") {
		t.Fatalf("second use: %d", r.Status)
	}
	// Once an admin exists, no new link is printed.
	if link, _ := app.Server.EnsureSetupLink(ctx); link != "" {
		t.Fatalf("link printed although an admin exists: %s", link)
	}
	app.Client().Login("root", "long-enough-1")
}

func TestSetupLinkExpires(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	app := apptest.Start(t, server.Config{}, server.WithClock(clock))
	link, _ := app.Server.EnsureSetupLink(context.Background())
	mu.Lock()
	now = now.Add(server.SetupLinkTTL + time.Minute)
	mu.Unlock()
	if r := app.Client().Get(strings.TrimPrefix(link, app.URL)); r.Status != 404 {
		t.Fatalf("expired link: %d", r.Status)
	}
}

func TestLogin(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	app.CreateUser(store.RoleInstructor, "wang", "王老师")
	disabled := app.CreateUser(store.RoleTrainer, "old", "旧账号")
	app.Store.SetDisabled(context.Background(), disabled.ID, true)
	cases := []struct {
		name, login, password string
		status                int
		want                  string
	}{
		{"right password", "wang", apptest.Password, http.StatusSeeOther, ""},
		{"wrong password", "wang", "nope-nope", http.StatusUnauthorized, "账号或密码不正确"},
		{"unknown login reads the same", "nobody", "nope-nope", http.StatusUnauthorized, "账号或密码不正确"},
		{"disabled account", "old", apptest.Password, http.StatusForbidden, "已被停用"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := app.Client().Post("/login", url.Values{"login": {tc.login}, "password": {tc.password}})
			if r.Status != tc.status || !r.Has(tc.want) {
				t.Fatalf("status %d, want %d with %q; body %s", r.Status, tc.status, tc.want, r.Body)
			}
		})
	}
}

func TestLoginRateLimit(t *testing.T) {
	app := apptest.Start(t, server.Config{LoginNameBurst: 3, LoginNameEvery: time.Hour, LoginIPBurst: 6, LoginIPEvery: time.Hour})
	app.CreateUser(store.RoleInstructor, "wang", "王老师")
	c := app.Client()
	try := func(login string) *apptest.Response {
		return c.Post("/login", url.Values{"login": {login}, "password": {"guess-guess"}})
	}
	for i := 0; i < 3; i++ {
		if r := try("wang"); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, r.Status)
		}
	}
	r := try("wang")
	if r.Status != http.StatusTooManyRequests || !r.Has("尝试次数过多") {
		t.Fatalf("4th attempt on one login: %d %s", r.Status, r.Body)
	}
	// Even the right password is refused while the login is limited.
	if r := c.Post("/login", url.Values{"login": {"wang"}, "password": {apptest.Password}}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("right password while limited: %d", r.Status)
	}
	// Other logins from the same address go on until the address budget (6) is spent:
	// 5 requests so far passed the address limiter.
	if r := try("li"); r.Status != http.StatusUnauthorized {
		t.Fatalf("other login: %d", r.Status)
	}
	if r := try("zhao"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("address budget spent: %d", r.Status)
	}
}

func TestCSRF(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	teacher, _ := app.As(store.RoleInstructor)
	cases := []struct {
		name  string
		token string
		site  string // Sec-Fetch-Site header
		want  int
	}{
		{"no token", "", "", http.StatusForbidden},
		{"wrong token", "forged", "", http.StatusForbidden},
		{"cross-site browser post", "", "cross-site", http.StatusForbidden},
		{"right token", teacher.CSRF(), "", http.StatusSeeOther},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"name": {"物流1班"}}
			if tc.token != "" {
				form.Set("_csrf", tc.token)
			}
			req, _ := http.NewRequest(http.MethodPost, app.URL+"/classes", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.site != "" {
				req.Header.Set("Sec-Fetch-Site", tc.site)
			}
			r := teacher.Do(req)
			if r.Status != tc.want {
				t.Fatalf("status %d, want %d", r.Status, tc.want)
			}
			if tc.want == http.StatusForbidden && !strings.ContainsAny(r.Body, "令牌权限") {
				t.Fatalf("no Chinese explanation: %s", r.Body)
			}
		})
	}
	classes, _ := app.Store.AllClasses(context.Background())
	if len(classes) != 1 {
		t.Fatalf("%d classes created, want only the one with a valid token", len(classes))
	}
}

func TestSessionEndsWhenDisabledOrReset(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	admin, _ := app.As(store.RoleAdmin)
	teacher, tu := app.As(store.RoleInstructor)
	if r := teacher.Get("/classes"); r.Status != 200 {
		t.Fatalf("teacher classes: %d", r.Status)
	}
	if r := admin.Post("/admin/users/"+itoa(tu.ID)+"/disable", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.Status)
	}
	if r := teacher.Get("/classes"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
		t.Fatalf("disabled teacher still signed in: %d %s", r.Status, r.Location)
	}
	admin.Post("/admin/users/"+itoa(tu.ID)+"/enable", nil)
	teacher.Login(tu.Login, apptest.Password)
	r := admin.Follow(admin.Post("/admin/users/"+itoa(tu.ID)+"/reset", nil))
	i := strings.Index(r.Body, "的新密码：")
	if i < 0 {
		t.Fatalf("no new password shown: %s", r.Body)
	}
	newPw := r.Body[i+len("的新密码：") : i+len("的新密码：")+8]
	if r := teacher.Get("/classes"); r.Status != http.StatusSeeOther {
		t.Fatalf("old session survived a password reset: %d", r.Status)
	}
	teacher.Login(tu.Login, newPw)
	// The teacher changes the one-time password.
	r = teacher.Post("/account/password", url.Values{"old": {newPw}, "password": {"my-own-pass"}, "password2": {"my-own-pass"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("change password: %d %s", r.Status, r.Body)
	}
	if r := teacher.Get("/classes"); r.Status != 200 {
		t.Fatalf("signed out after changing own password: %d", r.Status)
	}
	app.Client().Login(tu.Login, "my-own-pass")
}

func TestAdminManagesStaff(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	admin, au := app.As(store.RoleAdmin)
	cases := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"instructor", url.Values{"role": {"instructor"}, "login": {"wang"}, "name": {"王老师"}}, http.StatusSeeOther, ""},
		{"trainer", url.Values{"role": {"trainer"}, "login": {"zhou"}, "name": {"周培训"}}, http.StatusSeeOther, ""},
		{"taken login", url.Values{"role": {"trainer"}, "login": {"wang"}, "name": {"另一个"}}, http.StatusConflict, "已被使用"},
		{"student role refused", url.Values{"role": {"student"}, "login": {"stu"}, "name": {"学生"}}, http.StatusBadRequest, "请选择角色"},
		{"login with Chinese", url.Values{"role": {"instructor"}, "login": {"王"}, "name": {"王"}}, http.StatusBadRequest, "登录名只能使用"},
		{"no name", url.Values{"role": {"instructor"}, "login": {"li"}}, http.StatusBadRequest, "请填写姓名"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := admin.Post("/admin/users", tc.form)
			if r.Status != tc.status || !r.Has(tc.want) {
				t.Fatalf("status %d, want %d with %q", r.Status, tc.status, tc.want)
			}
		})
	}
	staff, _ := app.Store.ListStaff(context.Background())
	if len(staff) != 3 {
		t.Fatalf("%d staff accounts, want admin + 2", len(staff))
	}
	if r := admin.Post("/admin/users/"+itoa(au.ID)+"/disable", nil); r.Status != http.StatusBadRequest {
		t.Fatalf("admin disabling self: %d", r.Status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
