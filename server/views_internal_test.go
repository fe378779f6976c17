package server

import (
	"bytes"
	"html/template"
	"testing"
	"time"

	"crmlab/server/store"
)

// TestLayoutFrame renders the layout through a kept frame and by executing it, for every
// role and for nobody signed in, with a name, token and title that need escaping, and
// wants the same bytes: the frame is only a faster way to run the same template.
func TestLayoutFrame(t *testing.T) {
	v, err := loadViews(time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if v.frames.framed["game"] || !v.frames.framed["lesson"] || !v.frames.framed["home_student"] {
		t.Fatalf("framed pages: %v", v.frames.framed)
	}
	body := []byte("\n<h1>正文</h1>")
	for _, role := range []store.Role{"", store.RoleStudent, store.RoleInstructor, store.RoleTrainer, store.RoleAdmin} {
		for _, nav := range []string{"home", "learn", "classes", "admin", "account", "join"} {
			pd := pageData{Title: `A&B <"班">`, Nav: nav, CSRF: `tok"<&'>`}
			if role != "" {
				pd.User = &store.User{Role: role, Name: `王<b>&"'`}
			}
			for pass := 0; pass < 2; pass++ { // building the frame, then reusing it
				f := v.frame("home_student", pd)
				if f == nil {
					t.Fatalf("%s/%s: no frame", role, nav)
				}
				var got, want, zipped bytes.Buffer
				f.fill(plainPage{&got}, pd, body[:5], packed{raw: body[5:]})
				g := newGzipPage(&zipped)
				f.fill(g, pd, body[:5], pack(body[5:]))
				g.close()
				pd.Body = template.HTML(body)
				if err := v.pages["home_student"].ExecuteTemplate(&want, "layout", pd); err != nil {
					t.Fatal(err)
				}
				pd.Body = ""
				if got.String() != want.String() {
					t.Fatalf("%s/%s: frame differs from the layout:\n%s\n---\n%s", role, nav, got.String(), want.String())
				}
				if unzipped := gunzip(t, zipped.Bytes()); unzipped != want.String() {
					t.Fatalf("%s/%s: gzip frame differs from the layout:\n%s\n---\n%s", role, nav, unzipped, want.String())
				}
			}
		}
	}
}
