package server_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// BenchmarkStudentHome measures the signed-in student's home page against a bare echo
// handler on the same machine in the same run, over real loopback HTTP, and reports the
// ratio of their throughputs (1.0 = as fast as echo serving a constant string). The two are
// measured in alternating slices so that noise from other work on a shared machine falls
// on both alike.
//
//	go test ./server/ -run '^$' -bench StudentHome -benchtime 2000x
func BenchmarkStudentHome(b *testing.B) {
	app := apptest.Start(b, server.Config{}, server.WithActivityKind(practiceKind{}))
	teacher, _ := app.As(store.RoleInstructor)
	r := teacher.Post("/classes", url.Values{"name": {"物流1班"}, "term": {"2025 秋"}})
	classes, _ := app.Store.AllClasses(ctx)
	if r.Status != http.StatusSeeOther || len(classes) != 1 {
		b.Fatalf("create class: %d", r.Status)
	}
	cls := classes[0]
	var entries []store.RosterEntry
	for i := 0; i < 40; i++ {
		entries = append(entries, store.RosterEntry{StudentNo: "20230" + itoa(int64(10+i)), Name: "学生" + itoa(int64(i))})
	}
	app.Store.ImportRoster(ctx, cls.ID, entries, time.Now())
	stu := app.Client()
	stu.Post("/join", url.Values{"code": {cls.JoinCode}, "student_no": {"2023010"}, "name": {"学生0"}, "password": {"secret1"}})
	teacher.Post("/classes/"+itoa(cls.ID)+"/groups/shuffle", url.Values{"size": {"5"}})
	teacher.Post("/classes/"+itoa(cls.ID)+"/activities", url.Values{"activity": {"practice:p-abc"}, "due": {time.Now().Add(48 * time.Hour).Format("2006-01-02T15:04")}})
	teacher.Post("/classes/"+itoa(cls.ID)+"/activities", url.Values{"activity": {"practice:p-solo"}})
	if page := stu.Get("/home"); page.Status != 200 || !page.Has("物流1班", "ABC 分类练习") {
		b.Fatalf("home page not as expected: %d", page.Status)
	}

	benchAgainstBareEcho(b, app, stu, "/home")
}

// benchAgainstBareEcho times GET path for the signed-in client against two bare echo
// handlers, all over loopback HTTP with one keep-alive client, in alternating slices of 100
// requests, and reports µs per request of each and the throughput ratios: "ratio" against a
// handler answering "ok" to a request without cookies, and "ratio_same" against one
// answering with the page's very bytes
// and headers (captured from the app once) to the same request, cookies and all, so that
// what separates the two is the app's own work.
func benchAgainstBareEcho(b *testing.B, app *apptest.App, signedIn *apptest.Client, path string) {
	appURL, _ := url.Parse(app.URL)
	cookies := signedIn.Cookies(appURL)
	client := &http.Client{}
	get := func(u string, withCookies bool) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		// As a browser: it takes gzip and unpacks on its own CPU, not the server's (set by
		// hand, so the Go client leaves the body as sent).
		req.Header.Set("Accept-Encoding", "gzip, deflate")
		if withCookies {
			for _, c := range cookies {
				req.AddCookie(c)
			}
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", u, resp.StatusCode)
		}
		return resp
	}
	page := get(app.URL+path, true)
	pageBody, _ := io.ReadAll(page.Body)
	page.Body.Close()
	e := echo.New()
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/same", func(c echo.Context) error {
		h := c.Response().Header()
		for k, v := range page.Header {
			if k != "Date" {
				h[k] = v
			}
		}
		c.Response().WriteHeader(http.StatusOK)
		_, err := c.Response().Write(pageBody)
		return err
	})
	bare := httptest.NewServer(e)
	defer bare.Close()
	fetch := func(u string, withCookies bool) {
		resp := get(u, withCookies)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// Warm all up (connections, caches, prepared state).
	for i := 0; i < 50; i++ {
		fetch(bare.URL+"/", false)
		fetch(bare.URL+"/same", true)
		fetch(app.URL+path, true)
	}
	alternate(b,
		timed{"page", func() { fetch(app.URL+path, true) }},
		timed{"bare", func() { fetch(bare.URL+"/", false) }},
		timed{"same", func() { fetch(bare.URL+"/same", true) }})
}

// timed is one of the requests a benchmark alternates.
type timed struct {
	name string
	f    func()
}

// alternate runs bare, same and app in turn, 100 at a time, until each has run b.N times, so
// that noise from other work on a shared machine falls on all alike, and reports µs per
// request of each and app's throughput ratios: "ratio" to bare and "ratio_same" to same.
func alternate(b *testing.B, app, bare, same timed) {
	const slice = 100
	var times [3]time.Duration
	n := 0
	b.ResetTimer()
	b.StartTimer()
	for n < b.N {
		k := min(slice, b.N-n)
		for j, t := range []timed{bare, same, app} {
			start := time.Now()
			for i := 0; i < k; i++ {
				t.f()
			}
			times[j] += time.Since(start)
		}
		n += k
	}
	b.StopTimer()
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
	for j, t := range []timed{bare, same, app} {
		b.ReportMetric(per(times[j])/1000, t.name+"_µs/req")
	}
	b.ReportMetric(per(times[0])/per(times[2]), "ratio")
	b.ReportMetric(per(times[1])/per(times[2]), "ratio_same")
}

// BenchmarkAutosave measures the card autosave endpoint (session, CSRF, form parsing,
// access checks, validation, versioned write with contributor record, JSON answer) over
// loopback HTTP, posting what work.js posts (the form as multipart FormData), against two
// minimal echo handlers in the same run, in alternating slices: one inserting a row of one
// URL-encoded field into SQLite in WAL mode ("ratio"), and one taking the autosave's very
// request and inserting its two fields ("ratio_same": what is left is the app's own work).
//
//	go test ./server/ -run '^$' -bench Autosave -benchtime 2000x
func BenchmarkAutosave(b *testing.B) {
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(b.TempDir(), "base.db")+"?_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL, body2 TEXT NOT NULL DEFAULT '')"); err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	e.POST("/", func(c echo.Context) error {
		if _, err := db.Exec("INSERT INTO t (body) VALUES (?)", c.FormValue("body")); err != nil {
			return err
		}
		return c.String(http.StatusOK, "ok")
	})
	e.POST("/same", func(c echo.Context) error {
		if _, err := db.Exec("INSERT INTO t (body, body2) VALUES (?, ?)", c.FormValue("f.practice"), c.FormValue("f.insight")); err != nil {
			return err
		}
		return c.String(http.StatusOK, "ok")
	})
	bare := httptest.NewServer(e)
	defer bare.Close()

	b.StopTimer()
	app := apptest.Start(b, server.Config{})
	teacher, _ := app.As(store.RoleInstructor)
	r := teacher.Post("/classes", url.Values{"name": {"物流1班"}})
	classes, _ := app.Store.AllClasses(ctx)
	if r.Status != http.StatusSeeOther || len(classes) != 1 {
		b.Fatal("create class")
	}
	cls := classes[0]
	stu := app.Client()
	stu.Post("/join", url.Values{"code": {cls.JoinCode}, "student_no": {"2024001"}, "name": {"学生"}, "password": {"secret1"}})
	teacher.Post("/classes/"+itoa(cls.ID)+"/activities", url.Values{"activity": {"card:card-ups-think"}})
	acts, _ := app.Store.Activities(ctx, cls.ID)
	if len(acts) != 1 {
		b.Fatal("assign")
	}
	saveURL := app.URL + workPath(acts[0]) + "/save"
	stu.Get(workPath(acts[0]))
	appURL, _ := url.Parse(app.URL)
	cookies := stu.Cookies(appURL)
	token := stu.CSRF()
	client := &http.Client{}
	version := 0
	text := strings.Repeat("客户关系管理靠长期积累。", 20)
	do := func(req *http.Request, app bool) {
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var res struct {
			Version int `json:"version"`
		}
		if app {
			json.NewDecoder(resp.Body).Decode(&res)
			version = res.Version
		} else {
			io.Copy(io.Discard, resp.Body)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", req.URL, resp.StatusCode)
		}
	}
	// multipart is the request work.js sends: fetch with a FormData body.
	multipartReq := func(u string, app bool) *http.Request {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("version", strconv.Itoa(version))
		mw.WriteField("f.practice", text)
		mw.WriteField("f.insight", text)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, u, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if app {
			req.Header.Set("Accept", "application/json")
			req.Header.Set("X-CSRF-Token", token)
			for _, c := range cookies {
				req.AddCookie(c)
			}
		}
		return req
	}
	save := func() { do(multipartReq(saveURL, true), true) }
	same := func() { do(multipartReq(bare.URL+"/same", false), false) }
	insert := func() {
		req, _ := http.NewRequest(http.MethodPost, bare.URL+"/", strings.NewReader(url.Values{"body": {text}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		do(req, false)
	}
	for i := 0; i < 30; i++ {
		save()
		same()
		insert()
	}
	alternate(b, timed{"autosave", save}, timed{"insert", insert}, timed{"same", same})
}
