package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// TestPagesGzipped fetches pages with and without gzip and wants the same HTML both ways,
// compressed to at most 60 % for the kept course pages, with the CSRF token and the
// user's name sent verbatim: they are never compressed together with other text (BREACH).
func TestPagesGzipped(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	stu, stuUser := app.As(store.RoleStudent)
	teacher, _ := app.As(store.RoleInstructor)
	get := func(c *apptest.Client, path, accept string) *apptest.Response {
		req, _ := http.NewRequest(http.MethodGet, app.URL+path, nil)
		req.Header.Set("Accept-Encoding", accept) // set by hand: the client then leaves the body as sent
		return c.Do(req)
	}
	for _, tc := range []struct {
		c       *apptest.Client
		path    string
		smaller bool // kept content: at most 60 % of the size
	}{
		{stu, "/learn", true},
		{stu, "/learn/case-fedex", true},
		{stu, "/learn/abc-classification", true},
		{stu, "/glossary", true},
		{stu, "/home", false},
		{teacher, "/learn/case-fedex", true},
		{teacher, "/classes", false},
	} {
		plain := get(tc.c, tc.path, "identity")
		zipped := get(tc.c, tc.path, "gzip, deflate, br")
		if plain.Status != 200 || zipped.Status != 200 {
			t.Fatalf("%s: %d / %d", tc.path, plain.Status, zipped.Status)
		}
		if plain.Header.Get("Content-Encoding") != "" || zipped.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: Content-Encoding %q / %q", tc.path, plain.Header.Get("Content-Encoding"), zipped.Header.Get("Content-Encoding"))
		}
		for _, r := range []*apptest.Response{plain, zipped} {
			if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Encoding") {
				t.Fatalf("%s: Vary %q", tc.path, r.Header.Values("Vary"))
			}
		}
		zr, err := gzip.NewReader(strings.NewReader(zipped.Body))
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		html, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: gunzip: %v", tc.path, err)
		}
		if string(html) != plain.Body {
			t.Fatalf("%s: the gzip page differs from the plain one (%d and %d bytes)", tc.path, len(html), len(plain.Body))
		}
		if tc.smaller && len(zipped.Body)*10 > len(plain.Body)*6 {
			t.Errorf("%s: %d bytes gzip for %d plain", tc.path, len(zipped.Body), len(plain.Body))
		}
		token := tc.c.CSRF()
		if token == "" || !strings.Contains(zipped.Body, token) {
			t.Errorf("%s: the CSRF token is not sent verbatim in the gzip stream", tc.path)
		}
		if tc.c == stu && !strings.Contains(zipped.Body, stuUser.Name) {
			t.Errorf("%s: the user's name %q is not sent verbatim in the gzip stream", tc.path, stuUser.Name)
		}
	}
	// A client that does not say it takes gzip gets plain HTML.
	if r := get(stu, "/learn", ""); r.Header.Get("Content-Encoding") != "" || !bytes.Contains([]byte(r.Body), []byte("课程内容")) {
		t.Fatalf("no Accept-Encoding: %q", r.Header.Get("Content-Encoding"))
	}
}

// TestStaticGzipped wants scripts and styles gzip-compressed for browsers that take it,
// the same bytes once unpacked, and everything else (other types, missing files) as before.
func TestStaticGzipped(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	c := app.Client()
	get := func(path, accept string) *apptest.Response {
		req, _ := http.NewRequest(http.MethodGet, app.URL+path, nil)
		req.Header.Set("Accept-Encoding", accept)
		return c.Do(req)
	}
	for _, path := range []string{"/static/vendor/htmx/htmx.min.js", "/static/vendor/echarts/echarts.common.min.js", "/static/css/app.css", "/static/logo.svg"} {
		plain, zipped := get(path, "identity"), get(path, "gzip")
		if plain.Status != 200 || zipped.Status != 200 || zipped.Header.Get("Content-Encoding") != "gzip" || plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s: %d %q / %d %q", path, plain.Status, plain.Header.Get("Content-Encoding"), zipped.Status, zipped.Header.Get("Content-Encoding"))
		}
		if zipped.Header.Get("Content-Type") != plain.Header.Get("Content-Type") || zipped.Header.Get("Cache-Control") != plain.Header.Get("Cache-Control") {
			t.Fatalf("%s: headers differ: %v / %v", path, zipped.Header, plain.Header)
		}
		zr, err := gzip.NewReader(strings.NewReader(zipped.Body))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil || string(raw) != plain.Body {
			t.Fatalf("%s: unpacked %d bytes (%v), want %d", path, len(raw), err, len(plain.Body))
		}
		if strings.HasSuffix(path, ".js") && len(zipped.Body)*2 > len(plain.Body) {
			t.Errorf("%s: %d bytes gzip for %d", path, len(zipped.Body), len(plain.Body))
		}
	}
	// Ranges of the compressed form are of no use: the whole file comes, still gzip.
	req, _ := http.NewRequest(http.MethodGet, app.URL+"/static/vendor/htmx/htmx.min.js", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Range", "bytes=0-10,20-30")
	if r := c.Do(req); r.Status != 200 || r.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("ranges: %d %q %q", r.Status, r.Header.Get("Content-Encoding"), r.Header.Get("Content-Type"))
	}
	if r := get("/static/vendor/echarts/LICENSE", "gzip"); r.Status != 200 || r.Header.Get("Content-Encoding") != "" {
		t.Fatalf("licence: %d %q", r.Status, r.Header.Get("Content-Encoding"))
	}
	for _, path := range []string{"/static/js/nothing.js", "/static/../go.mod", "/static/css/..%2f..%2fgo.mod"} {
		if r := get(path, "gzip"); r.Status != 404 {
			t.Fatalf("%s: %d", path, r.Status)
		}
	}
}
