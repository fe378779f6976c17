package server

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestReadFormAsParseForm: readForm fills the form exactly as Request.ParseForm would, or
// leaves the request to it.
func TestReadFormAsParseForm(t *testing.T) {
	cases := []struct {
		name, target, contentType, body string
		wantOurs                        bool // parsed by readForm rather than left to ParseForm
		wantErr                         bool // refused as ParseForm would fail
	}{
		{"fields", "/", "application/x-www-form-urlencoded", "a=1&b=%E4%B8%AD%E6%96%87&a=2&c=x+y", true, false},
		{"charset parameter", "/", "application/x-www-form-urlencoded; charset=UTF-8", "version=3&f.practice=%E5%AE%A2", true, false},
		{"empty value", "/", "application/x-www-form-urlencoded", "a=&b", true, false},
		{"bad escape", "/", "application/x-www-form-urlencoded", "a=%zz", true, true},
		{"query string too", "/?q=1&a=0", "application/x-www-form-urlencoded", "a=1", false, false},
		{"not a form", "/", "application/json", `{"a":1}`, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := httptest.NewRequest(http.MethodPost, tc.target, strings.NewReader(tc.body))
			want.Header.Set("Content-Type", tc.contentType)
			wantErr := want.ParseForm()

			e := echo.New()
			r := httptest.NewRequest(http.MethodPost, tc.target, strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.contentType)
			c := e.NewContext(r, httptest.NewRecorder())
			var parsedBefore bool
			err := readForm(func(c echo.Context) error {
				parsedBefore = c.Request().PostForm != nil
				return c.Request().ParseForm()
			})(c)
			if tc.wantErr {
				if err == nil || wantErr == nil {
					t.Fatalf("error %v, ParseForm's %v", err, wantErr)
				}
				return
			}
			if parsedBefore != tc.wantOurs || err != nil || wantErr != nil {
				t.Fatalf("parsed by readForm %v, error %v (ParseForm: %v)", parsedBefore, err, wantErr)
			}
			if !reflect.DeepEqual(r.PostForm, want.PostForm) || !reflect.DeepEqual(r.Form, want.Form) {
				t.Fatalf("form %v / %v, ParseForm gives %v / %v", r.PostForm, r.Form, want.PostForm, want.Form)
			}
		})
	}
}

// TestHSTSOnlyOverHTTPS: Strict-Transport-Security goes out only when the instance is meant
// for HTTPS and the request came over it (directly or through the proxy).
func TestHSTSOnlyOverHTTPS(t *testing.T) {
	for _, tc := range []struct {
		https bool
		proto string
		want  string
	}{
		{false, "", ""},
		{false, "https", ""},
		{true, "", ""},
		{true, "https", "max-age=31536000; includeSubdomains"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "127.0.0.1:40000" // a proxy on this machine, whose X-Forwarded-Proto counts
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(r, rec)
		securityHeaders(tc.https)(func(c echo.Context) error { return c.String(http.StatusOK, "ok") })(c)
		if got := rec.Header().Get("Strict-Transport-Security"); got != tc.want || rec.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("https %v, proto %q: HSTS %q, want %q; headers %v", tc.https, tc.proto, got, tc.want, rec.Header())
		}
	}
}
