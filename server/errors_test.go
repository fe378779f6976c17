package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// TestBadRequestsReadChinese: requests that go wrong before any handler runs still get a
// Chinese page with the right status, and never a 500.
func TestBadRequestsReadChinese(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	teacher, _ := app.As(store.RoleInstructor)
	student, _ := app.As(store.RoleStudent)
	cases := []struct {
		name   string
		do     func() *apptest.Response
		status int
		want   string
	}{
		{"unknown page", func() *apptest.Response { return teacher.Get("/no/such/page") }, 404, "页面不存在"},
		{"wrong method", func() *apptest.Response { return teacher.Post("/healthz", nil) }, 404, "页面不存在"},
		{"form over 1 MB", func() *apptest.Response {
			return teacher.Post("/classes", url.Values{"name": {strings.Repeat("班", 400_000)}})
		}, 413, "太大"},
		{"class id that is not a number", func() *apptest.Response { return teacher.Get("/classes/abc") }, 404, "页面不存在"},
		{"class that does not exist", func() *apptest.Response { return teacher.Get("/classes/999999") }, 404, "页面不存在"},
		{"student opens an instructor page", func() *apptest.Response { return student.Get("/classes") }, 403, "不能使用这个页面"},
		{"student opens the admin page", func() *apptest.Response { return student.Get("/admin/users") }, 403, "不能使用这个页面"},
		{"roster upload without a file", func() *apptest.Response {
			r := teacher.Post("/classes", url.Values{"name": {"一班"}})
			return teacher.Post(r.Location+"/roster/preview", nil)
		}, 400, "请选择要上传的名单文件"},
		{"class name too long", func() *apptest.Response {
			return teacher.Post("/classes", url.Values{"name": {strings.Repeat("班", 61)}})
		}, 400, "班级名称太长"},
		{"class without a name", func() *apptest.Response { return teacher.Post("/classes", url.Values{"name": {"  "}}) }, 400, "请填写班级名称"},
		{"htmx request gets a short text", func() *apptest.Response {
			req, _ := http.NewRequest(http.MethodGet, app.URL+"/classes/999999", nil)
			req.Header.Set("HX-Request", "true")
			return teacher.Do(req)
		}, 404, "页面不存在"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do()
			if r.Status != tc.status || !r.Has(tc.want) {
				t.Fatalf("status %d, want %d with %q; body %.300s", r.Status, tc.status, tc.want, r.Body)
			}
		})
	}
}
