// Package apptest starts the whole crmlab app on a random port with a temporary data folder
// and gives tests HTTP clients signed in as any role, and a headless Chromium.
package apptest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // DumpDB reads the database file
	"golang.org/x/crypto/bcrypt"

	"crmlab/server"
	"crmlab/server/store"
)

// App is a running crmlab.
type App struct {
	URL    string
	Server *server.Server
	Store  *store.Store
	Config server.Config
	t      testing.TB
	seq    atomic.Int64
	hs     *httptest.Server
	opts   []server.Option
}

// Start boots the app on 127.0.0.1 with a random port; it stops when the test ends.
// cfg may preset fields (rate limits, …); the data folder and public URL are set here.
func Start(t testing.TB, cfg server.Config, opts ...server.Option) *App {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	cfg.DataDir = t.TempDir()
	cfg.PublicURL = "http://" + ln.Addr().String()
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.MinCost // hashing at the real cost would dominate every suite
	}
	a := &App{URL: "http://" + ln.Addr().String(), Config: cfg, t: t, opts: opts}
	a.boot(ln)
	t.Cleanup(a.stop)
	return a
}

// Restart stops the app and starts it again on the same data folder and address, as a
// restart of the server process would: what it kept only in memory is gone, the database
// and the session keys remain, and the clients of the app stay signed in as before.
func (a *App) Restart() {
	a.t.Helper()
	a.stop()
	addr := strings.TrimPrefix(a.URL, "http://")
	var ln net.Listener
	var err error
	// The port was just released; another process may hold it for a moment.
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		a.t.Fatalf("listen again on %s: %v", addr, err)
	}
	a.boot(ln)
}

// stop closes the server and the store; a restart that failed to boot has nothing to close.
func (a *App) stop() {
	if a.hs == nil {
		return
	}
	a.hs.Close()
	a.Store.Close()
	a.hs = nil
}

// boot opens the store and serves the app on ln.
func (a *App) boot(ln net.Listener) {
	t, cfg := a.t, a.Config
	t.Helper()
	st, err := store.Open(context.Background(), server.DBPath(cfg.DataDir))
	if err != nil {
		ln.Close()
		t.Fatalf("open store: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv, err := server.New(cfg, st, log, a.opts...)
	if err != nil {
		st.Close()
		ln.Close()
		t.Fatalf("new server: %v", err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	a.hs, a.Server, a.Store = hs, srv, st
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Password is the password of every account the helpers create.
const Password = "test-pass-123"

// CreateUser adds an account straight to the store.
func (a *App) CreateUser(role store.Role, login, name string) store.User {
	a.t.Helper()
	h, _ := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
	u, err := a.Store.CreateUser(context.Background(), store.User{Role: role, Login: login, Name: name, PasswordHash: string(h)})
	if err != nil {
		a.t.Fatalf("create %s %s: %v", role, login, err)
	}
	return u
}

// NewLogin returns a login nobody has used in this app yet.
func (a *App) NewLogin(prefix string) string {
	return prefix + strconv.FormatInt(a.seq.Add(1), 10)
}

// As creates an account of the role and returns a client signed in as it.
func (a *App) As(role store.Role) (*Client, store.User) {
	a.t.Helper()
	login := a.NewLogin(string(role))
	if role == store.RoleStudent {
		login = a.NewLogin("2099")
	}
	u := a.CreateUser(role, login, "测试"+role.Label())
	c := a.Client()
	c.Login(login, Password)
	return c, u
}

// Client is a browser-like HTTP client with a cookie jar. It does not follow redirects, so
// tests see the 303s handlers send; Follow does.
type Client struct {
	app  *App
	http *http.Client
	t    testing.TB
}

// Client returns a new signed-out client.
func (a *App) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{app: a, t: a.t, http: &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Response is a finished request.
type Response struct {
	Status   int
	Body     string
	Header   http.Header
	Location string
}

// Has reports whether the body contains every string.
func (r *Response) Has(subs ...string) bool {
	for _, s := range subs {
		if !strings.Contains(r.Body, s) {
			return false
		}
	}
	return true
}

// Do sends a request and reads the whole answer.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read %s: %v", req.URL, err)
	}
	return &Response{Status: resp.StatusCode, Body: string(b), Header: resp.Header, Location: resp.Header.Get("Location")}
}

// Get fetches a path of the app.
func (c *Client) Get(path string) *Response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.URL+path, nil)
	return c.Do(req)
}

// Peek sends a GET and returns as soon as the status and headers arrive, for endless
// responses such as event streams; the connection is then closed.
func (c *Client) Peek(path string) *Response {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.app.URL+path, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	return &Response{Status: resp.StatusCode, Header: resp.Header, Location: resp.Header.Get("Location")}
}

// Follow fetches a path and follows redirects on this site, up to 10.
func (c *Client) Follow(r *Response) *Response {
	c.t.Helper()
	for i := 0; i < 10 && r.Location != ""; i++ {
		loc := r.Location
		if strings.HasPrefix(loc, c.app.URL) {
			loc = strings.TrimPrefix(loc, c.app.URL)
		}
		r = c.Get(loc)
	}
	return r
}

// AppURL is the base URL of the app the client talks to.
func (c *Client) AppURL() string { return c.app.URL }

// Cookies returns the client's cookies for u (to replay them from another client).
func (c *Client) Cookies(u *url.URL) []*http.Cookie { return c.http.Jar.Cookies(u) }

// SetCookie puts a cookie for the app into the client's jar, as if the app had set it.
func (c *Client) SetCookie(ck *http.Cookie) {
	u, _ := url.Parse(c.app.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{ck})
}

// CSRF returns the CSRF token the server gave this client (fetching a page first if none).
func (c *Client) CSRF() string {
	c.t.Helper()
	u, _ := url.Parse(c.app.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "_csrf" {
			return ck.Value
		}
	}
	c.Get("/login")
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "_csrf" {
			return ck.Value
		}
	}
	c.t.Fatal("server set no _csrf cookie")
	return ""
}

// Post sends a form with the CSRF token added.
func (c *Client) Post(path string, form url.Values) *Response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		form.Set("_csrf", c.CSRF())
	}
	return c.PostRaw(path, form)
}

// PostRaw sends a form as is (no CSRF token added).
func (c *Client) PostRaw(path string, form url.Values) *Response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.app.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Upload posts a multipart form with one file field named "file" and the CSRF token.
func (c *Client) Upload(path, filename string, content []byte, fields url.Values) *Response {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("_csrf", c.CSRF())
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile("file", filename)
	fw.Write(content)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.app.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

// Login signs the client in and fails the test if that does not work.
func (c *Client) Login(login, password string) {
	c.t.Helper()
	r := c.Post("/login", url.Values{"login": {login}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d, body %s", login, r.Status, r.Body)
	}
}

// DumpDB reads every row of every table of the SQLite database at path, tables in
// sqlite_master order and rows in rowid order, as text, so a test can compare the whole
// database before and after a request. skip names columns ("table.column") to leave out.
func DumpDB(t testing.TB, path string, skip ...string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	var out strings.Builder
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `" ORDER BY rowid`)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(&out, "== %s\n", table)
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("dump %s: %v", table, err)
			}
			for i, col := range cols {
				if slices.Contains(skip, table+"."+col) {
					continue
				}
				if b, ok := vals[i].([]byte); ok {
					vals[i] = string(b)
				}
				fmt.Fprintf(&out, "%s=%v\t", col, vals[i])
			}
			out.WriteString("\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		rows.Close()
	}
	return out.String()
}
