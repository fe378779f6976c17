package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// benchAgainstBareEcho times GET path for the signed-in client against a bare echo handler,
// both over loopback HTTP with one keep-alive client, in alternating slices of 100 requests,
// and reports µs per request of each and the throughput ratio (page ÷ bare).
func benchAgainstBareEcho(b *testing.B, app *apptest.App, signedIn *apptest.Client, path string) {
	e := echo.New()
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	bare := httptest.NewServer(e)
	defer bare.Close()
	appURL, _ := url.Parse(app.URL)
	cookies := signedIn.Cookies(appURL)
	client := &http.Client{}
	get := func(u string, withCookies bool) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if withCookies {
			for _, c := range cookies {
				req.AddCookie(c)
			}
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", u, resp.StatusCode)
		}
	}
	// Warm both up (connections, caches, prepared state).
	for i := 0; i < 50; i++ {
		get(bare.URL+"/", false)
		get(app.URL+path, true)
	}
	const slice = 100
	var bareTime, pageTime time.Duration
	var bareN, pageN int
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(slice, b.N-done)
		t0 := time.Now()
		for i := 0; i < n; i++ {
			get(bare.URL+"/", false)
		}
		t1 := time.Now()
		for i := 0; i < n; i++ {
			get(app.URL+path, true)
		}
		t2 := time.Now()
		bareTime += t1.Sub(t0)
		pageTime += t2.Sub(t1)
		bareN += n
		pageN += n
		done += n
	}
	b.StopTimer()
	bareNs := float64(bareTime.Nanoseconds()) / float64(bareN)
	pageNs := float64(pageTime.Nanoseconds()) / float64(pageN)
	b.ReportMetric(pageNs/1000, "page_µs/req")
	b.ReportMetric(bareNs/1000, "bare_µs/req")
	b.ReportMetric(bareNs/pageNs, "ratio")
}
