package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"
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

// TestLogoutEndsOnlyThisSession: a teacher signed in on a phone and on the projector's
// laptop signs out on the phone. The laptop stays signed in; the phone's cookie, and a copy
// of it taken before, sign nobody in, also after the server restarts.
func TestLogoutEndsOnlyThisSession(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	tu := app.CreateUser(store.RoleInstructor, "wang", "王老师")
	phone, laptop := app.Client(), app.Client()
	phone.Login(tu.Login, apptest.Password)
	laptop.Login(tu.Login, apptest.Password)
	u, _ := url.Parse(app.URL)
	kept := phone.Cookies(u)
	// Seen once before the logout, so the copy is in the server's session-cookie cache.
	if r := replay(app, "/classes", kept); r.Status != http.StatusOK {
		t.Fatalf("copied cookie before logout: %d", r.Status)
	}
	if r := phone.Post("/logout", nil); r.Status != http.StatusSeeOther || r.Location != "/login" {
		t.Fatalf("logout: %d %q", r.Status, r.Location)
	}
	if r := laptop.Get("/classes"); r.Status != http.StatusOK {
		t.Fatalf("laptop after the phone signed out: %d %q, want still signed in", r.Status, r.Location)
	}
	if r := phone.Get("/classes"); !signedOut(r) {
		t.Fatalf("phone after logout: %d", r.Status)
	}
	if r := replay(app, "/classes", kept); !signedOut(r) {
		t.Fatalf("phone's cookie copied before logout still signs in: %d", r.Status)
	}
	if after, _ := app.Store.UserByID(ctx, tu.ID); after.SessionEpoch != tu.SessionEpoch {
		t.Fatalf("session epoch %d → %d: signing out one session ended them all", tu.SessionEpoch, after.SessionEpoch)
	}

	app.Restart()
	if r := replay(app, "/classes", kept); !signedOut(r) {
		t.Fatalf("after a restart the signed-out cookie signs in again: %d", r.Status)
	}
	if r := laptop.Get("/classes"); r.Status != http.StatusOK {
		t.Fatalf("laptop after a restart: %d %q", r.Status, r.Location)
	}
	// The phone signs in again with a new session, which the old revocation does not touch.
	phone.Login(tu.Login, apptest.Password)
	if r := phone.Get("/classes"); r.Status != http.StatusOK {
		t.Fatalf("phone after signing in again: %d", r.Status)
	}
}

// TestLogoutEverywhere: the button on the password page, for a lost phone, signs the
// account out on every device, this one included, and only that account.
func TestLogoutEverywhere(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	tu := app.CreateUser(store.RoleInstructor, "wang", "王老师")
	other, _ := app.As(store.RoleInstructor)
	phone, laptop := app.Client(), app.Client()
	phone.Login(tu.Login, apptest.Password)
	laptop.Login(tu.Login, apptest.Password)
	u, _ := url.Parse(app.URL)
	kept := laptop.Cookies(u)
	if r := laptop.Get("/classes"); r.Status != http.StatusOK {
		t.Fatalf("laptop before: %d", r.Status)
	}
	page := phone.Get("/account/password")
	if page.Status != http.StatusOK || !page.Has(`action="/account/logout-everywhere"`, "退出所有设备", `name="_csrf"`) {
		t.Fatalf("password page has no 退出所有设备 form: %d %s", page.Status, page.Body)
	}
	r := phone.Post("/account/logout-everywhere", nil)
	if r.Status != http.StatusSeeOther || r.Location != "/login" {
		t.Fatalf("sign out everywhere: %d %q", r.Status, r.Location)
	}
	if r := phone.Follow(r); !r.Has("已在所有设备上退出登录") {
		t.Errorf("the login page does not confirm it: %s", r.Body)
	}
	for name, r := range map[string]*apptest.Response{
		"phone":       phone.Get("/classes"),
		"laptop":      laptop.Get("/classes"),
		"laptop copy": replay(app, "/classes", kept),
	} {
		if !signedOut(r) {
			t.Errorf("%s after signing out everywhere: %d %q", name, r.Status, r.Location)
		}
	}
	if r := other.Get("/classes"); r.Status != http.StatusOK {
		t.Errorf("another teacher was signed out too: %d", r.Status)
	}
	// Without a session there is nothing to sign out of.
	if r := app.Client().Post("/account/logout-everywhere", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("signed-out browser: %d, want 401", r.Status)
	}
	laptop.Login(tu.Login, apptest.Password)
	if r := laptop.Get("/classes"); r.Status != http.StatusOK {
		t.Fatalf("signing in again: %d", r.Status)
	}
}

// legacyCookie is a session cookie as the server issued them before session ids: uid,
// epoch and sign-in time only, sealed with the app's own keys.
func legacyCookie(t *testing.T, app *apptest.App, u store.User) *http.Cookie {
	t.Helper()
	keys, err := os.ReadFile(filepath.Join(app.Config.DataDir, "session.key"))
	if err != nil || len(keys) != 96 {
		t.Fatalf("read session keys: %v (%d bytes)", err, len(keys))
	}
	codec := sessions.NewCookieStore(keys[:64], keys[64:])
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	rec := httptest.NewRecorder()
	sess, _ := codec.New(req, "crmlab")
	sess.Values = map[any]any{"uid": u.ID, "epoch": u.SessionEpoch, "iat": time.Now().Unix()}
	if err := sess.Save(req, rec); err != nil {
		t.Fatal(err)
	}
	ck := cookieNamed(rec.Header(), "crmlab")
	if ck == nil {
		t.Fatal("no cookie encoded")
	}
	return &http.Cookie{Name: ck.Name, Value: ck.Value}
}

// TestLogoutLegacyCookie: a cookie from before session ids has no id to revoke. It stays
// valid until it expires, but signing out with it falls back to ending every session of
// the account, so a copy of it taken before still stops working.
func TestLogoutLegacyCookie(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	tu := app.CreateUser(store.RoleInstructor, "wang", "王老师")
	old := app.Client()
	old.SetCookie(legacyCookie(t, app, tu))
	u, _ := url.Parse(app.URL)
	kept := old.Cookies(u)
	if r := old.Get("/classes"); r.Status != http.StatusOK {
		t.Fatalf("cookie from before session ids: %d %q, want still valid", r.Status, r.Location)
	}
	// Another session of the account signing out does not touch the old cookie.
	laptop := app.Client()
	laptop.Login(tu.Login, apptest.Password)
	laptop.Post("/logout", nil)
	if r := replay(app, "/classes", kept); r.Status != http.StatusOK {
		t.Fatalf("old cookie after another session signed out: %d", r.Status)
	}

	phone := app.Client()
	phone.Login(tu.Login, apptest.Password)
	if r := old.Post("/logout", nil); r.Status != http.StatusSeeOther || r.Location != "/login" {
		t.Fatalf("logout with the old cookie: %d %q", r.Status, r.Location)
	}
	if r := replay(app, "/classes", kept); !signedOut(r) {
		t.Fatalf("copy of the old cookie after logout: %d", r.Status)
	}
	if after, _ := app.Store.UserByID(ctx, tu.ID); after.SessionEpoch != tu.SessionEpoch+1 {
		t.Fatalf("session epoch %d → %d, want moved on by one", tu.SessionEpoch, after.SessionEpoch)
	}
	// The fallback is the old behaviour: every device is signed out.
	if r := phone.Get("/classes"); !signedOut(r) {
		t.Fatalf("phone after the old cookie signed out: %d", r.Status)
	}
}
