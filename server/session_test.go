package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// cookieNamed finds a Set-Cookie of a response by name.
func cookieNamed(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// replay sends a GET carrying exactly the given cookies, as someone who copied them would.
func replay(app *apptest.App, path string, cookies []*http.Cookie) *apptest.Response {
	req, _ := http.NewRequest(http.MethodGet, app.URL+path, nil)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	return app.Client().Do(req)
}

func signedOut(r *apptest.Response) bool {
	return r.Status == http.StatusSeeOther && strings.HasPrefix(r.Location, "/login")
}

// TestSessionCookieFlags: the session and CSRF cookies are HttpOnly and SameSite=Lax, the
// session lasts the configured time, and both become Secure when the public URL is https.
func TestSessionCookieFlags(t *testing.T) {
	login := func(t *testing.T, base string) http.Header {
		t.Helper()
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csrf := cookieNamed(resp.Header, "_csrf")
		if csrf == nil {
			t.Fatal("login page set no _csrf cookie")
		}
		if !csrf.HttpOnly || csrf.SameSite != http.SameSiteLaxMode {
			t.Errorf("_csrf cookie: HttpOnly=%v SameSite=%v", csrf.HttpOnly, csrf.SameSite)
		}
		form := url.Values{"login": {"wang"}, "password": {apptest.Password}, "_csrf": {csrf.Value}}
		req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(csrf)
		resp, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", resp.StatusCode)
		}
		return resp.Header
	}
	t.Run("http", func(t *testing.T) {
		app := apptest.Start(t, server.Config{SessionMaxAge: 8 * time.Hour})
		app.CreateUser(store.RoleInstructor, "wang", "王老师")
		h := login(t, app.URL)
		ck := cookieNamed(h, "crmlab")
		if ck == nil {
			t.Fatal("no session cookie after login")
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/" {
			t.Errorf("session cookie: HttpOnly=%v SameSite=%v Secure=%v Path=%q", ck.HttpOnly, ck.SameSite, ck.Secure, ck.Path)
		}
		if ck.MaxAge != int((8 * time.Hour).Seconds()) {
			t.Errorf("session cookie Max-Age %d, want the configured 8 h", ck.MaxAge)
		}
	})
	t.Run("https public URL", func(t *testing.T) {
		dir := t.TempDir()
		st, err := store.Open(context.Background(), server.DBPath(dir))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		srv, err := server.New(server.Config{DataDir: dir, PublicURL: "https://crmlab.example.edu.cn", BcryptCost: bcrypt.MinCost},
			st, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv.Handler())
		defer hs.Close()
		hash, _ := bcrypt.GenerateFromPassword([]byte(apptest.Password), bcrypt.MinCost)
		if _, err := st.CreateUser(context.Background(), store.User{Role: store.RoleInstructor, Login: "wang", Name: "王老师", PasswordHash: string(hash)}); err != nil {
			t.Fatal(err)
		}
		h := login(t, hs.URL)
		ck := cookieNamed(h, "crmlab")
		if ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie under https: %+v", ck)
		}
		resp, _ := http.Get(hs.URL + "/login")
		resp.Body.Close()
		if csrf := cookieNamed(resp.Header, "_csrf"); csrf == nil || !csrf.Secure {
			t.Fatalf("_csrf cookie under https: %+v", csrf)
		}
	})
}

// TestSessionExpires: a sign-in lasts SessionMaxAge on the server's clock, whatever the
// browser does with the cookie's Max-Age; a cookie kept past it signs nobody in.
func TestSessionExpires(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	app := apptest.Start(t, server.Config{SessionMaxAge: 12 * time.Hour}, server.WithClock(clock))
	teacher, tu := app.As(store.RoleInstructor)
	u, _ := url.Parse(app.URL)
	kept := teacher.Cookies(u)
	advance(11 * time.Hour)
	if r := teacher.Get("/classes"); r.Status != http.StatusOK {
		t.Fatalf("11 h into a 12 h session: %d", r.Status)
	}
	advance(2 * time.Hour)
	if r := teacher.Get("/classes"); !signedOut(r) {
		t.Fatalf("13 h into a 12 h session: %d %q, want the login page", r.Status, r.Location)
	}
	if r := replay(app, "/classes", kept); !signedOut(r) {
		t.Fatalf("replayed expired cookie: %d", r.Status)
	}
	// Unsafe requests with an expired session are refused with a Chinese message.
	if r := teacher.Post("/classes", url.Values{"name": {"过期后建的班"}}); r.Status != http.StatusUnauthorized || !r.Has("登录已失效") {
		t.Fatalf("post with an expired session: %d %s", r.Status, r.Body)
	}
	// Signing in again starts a new lifetime.
	teacher.Login(tu.Login, apptest.Password)
	if r := teacher.Get("/classes"); r.Status != http.StatusOK {
		t.Fatalf("after signing in again: %d", r.Status)
	}
}

// TestLogoutEndsCapturedCookie: a copy of the session cookie taken before signing out (a
// second tab, a shared computer, a stolen cookie) no longer signs in afterwards.
func TestLogoutEndsCapturedCookie(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	for _, role := range []store.Role{store.RoleInstructor, store.RoleStudent, store.RoleTrainer, store.RoleAdmin} {
		t.Run(string(role), func(t *testing.T) {
			c, user := app.As(role)
			u, _ := url.Parse(app.URL)
			kept := c.Cookies(u)
			if r := replay(app, "/learn", kept); r.Status != http.StatusOK {
				t.Fatalf("copied cookie before logout: %d", r.Status)
			}
			r := c.Post("/logout", nil)
			if r.Status != http.StatusSeeOther || r.Location != "/login" {
				t.Fatalf("logout: %d %q", r.Status, r.Location)
			}
			if r := c.Get("/learn"); !signedOut(r) {
				t.Fatalf("same browser after logout: %d", r.Status)
			}
			if r := replay(app, "/learn", kept); !signedOut(r) {
				t.Fatalf("cookie captured before logout still signs in: %d", r.Status)
			}
			// Signing in again works, with a fresh session.
			c.Login(user.Login, apptest.Password)
			if r := c.Get("/learn"); r.Status != http.StatusOK {
				t.Fatalf("after signing in again: %d", r.Status)
			}
		})
	}
}
