package server_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// badInputFixture is the access matrix's fixture with the student of the class in a group
// of four and every piece of their work opened, so bad requests reach the handlers' checks.
type badInputFixture struct {
	*fixture
	app   *apptest.App
	owner map[string]*apptest.Client // role → the actor who may call the class's routes
}

func newBadInputFixture(t *testing.T) *badInputFixture {
	t.Helper()
	app := apptest.Start(t, server.Config{LoginIPBurst: 10000, LoginNameBurst: 10000, LoginNameEvery: time.Millisecond})
	f := &badInputFixture{fixture: newFixture(t, app), app: app, owner: map[string]*apptest.Client{}}
	for _, a := range f.actors {
		switch {
		case a.role == "":
			f.owner["anyone"] = a.client
		case a.role == store.RoleAdmin, a.role == store.RoleTrainer:
			f.owner[string(a.role)] = a.client
		case a.owns:
			f.owner[string(a.role)] = a.client
		}
	}
	now := time.Now()
	members, _ := app.Store.Members(ctx, f.class.ID)
	var ids []int64
	for _, m := range members {
		if m.Name == "甲班学生" {
			ids = append(ids, m.ID)
		}
	}
	for i := 0; i < 3; i++ {
		no := fmt.Sprintf("300%d", i)
		u := app.CreateUser(store.RoleStudent, no, fmt.Sprintf("组员%d", i))
		app.Store.JoinClass(ctx, store.JoinRequest{ClassID: f.class.ID, StudentNo: no, Name: u.Name, ExistingUserID: u.ID, Now: now})
	}
	members, _ = app.Store.Members(ctx, f.class.ID)
	for _, m := range members {
		if strings.HasPrefix(m.Name, "组员") {
			ids = append(ids, m.ID)
		}
	}
	if err := app.Store.ReplaceGroups(ctx, f.class.ID, []store.GroupSpec{{Name: "第1组", MemberIDs: ids, LeaderID: ids[0]}}); err != nil {
		t.Fatal(err)
	}
	stu := f.owner["student"]
	for _, p := range []string{"/classes/:class/sim/:activity", "/classes/:class/work/:activity", "/classes/:class/games/:game/play"} {
		if r := stu.Get(f.fill(p)); r.Status != http.StatusOK {
			t.Fatalf("open %s: %d", p, r.Status)
		}
	}
	return f
}

// caller is who sends the bad requests to a route: someone the route serves.
func (f *badInputFixture) caller(rt server.Route) *apptest.Client {
	if rt.Roles == nil {
		return f.owner["anyone"]
	}
	for _, r := range []store.Role{store.RoleStudent, store.RoleInstructor, store.RoleAdmin} {
		if slices.Contains(rt.Roles, r) {
			return f.owner[string(r)]
		}
	}
	return f.owner["trainer"]
}

// actionRoutes need no input: an empty form is a valid request (close an activity, sign
// out, …), so only the CSRF, size and encoding cases apply to them.
var actionRoutes = map[string]bool{
	"/logout":                                      true,
	"/account/logout-everywhere":                   true,
	"/admin/users/:user/disable":                   true,
	"/admin/users/:user/enable":                    true,
	"/admin/users/:user/reset":                     true,
	"/classes/:class/members/:member/reset":        true,
	"/classes/:class/members/:member/remove":       true,
	"/classes/:class/activities/:activity/delete":  true,
	"/classes/:class/activities/:activity/close":   true,
	"/classes/:class/activities/:activity/reopen":  true,
	"/classes/:class/activities/:activity/release": true,
	"/classes/:class/games":                        true,
	"/classes/:class/sim/:activity/restart":        true,
}

// textRoutes take only free text, so a form of words where numbers belong is valid there.
var textRoutes = map[string]bool{"/classes": true}

// hasChinese reports whether a body explains itself in Chinese.
func hasChinese(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

type badRequest struct {
	name  string
	build func(c *apptest.Client, url string) *http.Request
}

func formRequest(url, body, contentType string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	return req
}

// commonFields are the names the app's forms use; a garbage form sets them all.
var commonFields = []string{"name", "term", "login", "password", "password2", "old", "role", "code", "student_no",
	"version", "kind", "text", "text2", "seconds", "user", "group", "score", "yes", "size", "leader", "activity",
	"due", "per_group", "comment", "overall", "reason", "rows", "sample", "source", "problem", "measure", "note",
	"plan", "justification", "month", "option", "step", "event", "f.practice", "f.insight", "f.crm_role"}

func fieldsForm(value string) url.Values {
	v := url.Values{}
	for _, f := range commonFields {
		v.Set(f, value)
	}
	return v
}

// TestBadInputChangesNothing walks every POST route of the route table and sends it what a
// broken client, a forged page or a confused user sends: no or a wrong CSRF token, a body
// over the limit, bytes that are not UTF-8, an empty form, JSON instead of a form, and
// fields of the wrong type. Each must be refused with a 4xx and a Chinese message, and the
// database must not change at all.
func TestBadInputChangesNothing(t *testing.T) {
	f := newBadInputFixture(t)
	dbPath := f.app.Store.Path()
	generic := []badRequest{
		{"no CSRF token", func(c *apptest.Client, u string) *http.Request {
			return formRequest(u, fieldsForm("1").Encode(), "application/x-www-form-urlencoded")
		}},
		{"wrong CSRF token", func(c *apptest.Client, u string) *http.Request {
			v := fieldsForm("1")
			v.Set("_csrf", "forged-token")
			return formRequest(u, v.Encode(), "application/x-www-form-urlencoded")
		}},
		{"body over the limit", func(c *apptest.Client, u string) *http.Request {
			v := url.Values{"_csrf": {c.CSRF()}, "name": {strings.Repeat("班", 2_200_000)}}
			return formRequest(u, v.Encode(), "application/x-www-form-urlencoded")
		}},
		{"invalid UTF-8", func(c *apptest.Client, u string) *http.Request {
			v := fieldsForm("\xff\xfe物流\xc3")
			v.Set("_csrf", c.CSRF())
			return formRequest(u, v.Encode(), "application/x-www-form-urlencoded")
		}},
	}
	inputs := []badRequest{
		{"empty form", func(c *apptest.Client, u string) *http.Request {
			return formRequest(u, url.Values{"_csrf": {c.CSRF()}}.Encode(), "application/x-www-form-urlencoded")
		}},
		{"JSON instead of a form", func(c *apptest.Client, u string) *http.Request {
			req := formRequest(u, `{"name": 12, "version": "x", "kind": [1]}`, "application/json")
			req.Header.Set("X-CSRF-Token", c.CSRF())
			return req
		}},
		{"wrong types", func(c *apptest.Client, u string) *http.Request {
			v := fieldsForm("不是数字")
			v.Set("_csrf", c.CSRF())
			return formRequest(u, v.Encode(), "application/x-www-form-urlencoded")
		}},
		{"numbers out of range", func(c *apptest.Client, u string) *http.Request {
			v := fieldsForm("-99999999999999999999999")
			v.Set("_csrf", c.CSRF())
			return formRequest(u, v.Encode(), "application/x-www-form-urlencoded")
		}},
		{"NaN", func(c *apptest.Client, u string) *http.Request {
			v := fieldsForm("NaN")
			v.Set("_csrf", c.CSRF())
			return formRequest(u, v.Encode(), "application/x-www-form-urlencoded")
		}},
		{"multipart with garbage", func(c *apptest.Client, u string) *http.Request {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			w.WriteField("_csrf", c.CSRF())
			for _, f := range commonFields {
				w.WriteField(f, "Inf")
			}
			w.Close()
			return formRequest(u, buf.String(), w.FormDataContentType())
		}},
		{"truncated multipart", func(c *apptest.Client, u string) *http.Request {
			req := formRequest(u, "--xyz\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n"+c.CSRF()+"\r\n--xyz\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n半截", "multipart/form-data; boundary=xyz")
			req.Header.Set("X-CSRF-Token", c.CSRF())
			return req
		}},
	}
	routes := f.app.Server.Routes()
	posts := 0
	for _, rt := range routes {
		if rt.Method != http.MethodPost {
			continue
		}
		posts++
		cases := generic
		switch {
		case textRoutes[rt.Path]:
			cases = append(slices.Clone(generic), inputs[:2]...)
		case !actionRoutes[rt.Path]:
			cases = append(slices.Clone(generic), inputs...)
		}
		for _, bc := range cases {
			t.Run(rt.Path+"/"+bc.name, func(t *testing.T) {
				c := f.caller(rt)
				before := apptest.DumpDB(t, dbPath)
				r := c.Do(bc.build(c, f.app.URL+f.fill(rt.Path)))
				if r.Status < 400 || r.Status > 499 {
					t.Errorf("status %d, want a 4xx refusal (location %q) %.200s", r.Status, r.Location, r.Body)
				}
				if !hasChinese(r.Body) {
					t.Errorf("status %d without a Chinese message: %.200s", r.Status, r.Body)
				}
				if after := apptest.DumpDB(t, dbPath); after != before {
					t.Errorf("the database changed:\n%s", diffLines(before, after))
				}
			})
		}
	}
	if posts < 30 {
		t.Fatalf("only %d POST routes walked", posts)
	}
}

// diffLines shows the lines that differ between two dumps.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for _, l := range bl {
		if !slices.Contains(al, l) {
			out = append(out, "+ "+l)
		}
	}
	for _, l := range al {
		if !slices.Contains(bl, l) {
			out = append(out, "- "+l)
		}
	}
	if len(out) > 20 {
		out = append(out[:20], "…")
	}
	return strings.Join(out, "\n")
}

// TestBadInputTyped sends each form's own fields with values of the wrong type or out of
// range, and the roster import broken files; each is refused in Chinese and changes nothing.
func TestBadInputTyped(t *testing.T) {
	f := newBadInputFixture(t)
	dbPath := f.app.Store.Path()
	teacher, stu, admin := f.owner["instructor"], f.owner["student"], f.owner["admin"]
	cls := "/classes/" + itoa(f.class.ID)
	sim := cls + "/sim/" + itoa(f.sim)
	work := cls + "/work/" + itoa(f.activity)
	game := cls + "/games/" + itoa(f.game)
	sub := cls + "/activities/" + itoa(f.activity) + "/submissions/" + itoa(f.submission)
	members, _ := f.app.Store.Members(ctx, f.class.ID)
	member := itoa(members[0].ID)
	zipNoSheet := func() []byte {
		var buf bytes.Buffer
		zw := zipWriter(&buf)
		zw("hello.txt", "不是表格")
		return buf.Bytes()
	}()
	type tc struct {
		name   string
		c      *apptest.Client
		path   string
		form   url.Values
		file   []byte
		fname  string
		htmx   bool
		status int // 0: any 4xx
	}
	cases := []tc{
		{name: "target NaN", c: stu, path: sim + "/targets", form: url.Values{"version": {"0"}, "value.on_time": {"NaN"}, "month.on_time": {"3"}}},
		{name: "target Inf", c: stu, path: sim + "/targets", form: url.Values{"version": {"0"}, "value.on_time": {"+Inf"}, "month.on_time": {"3"}}},
		{name: "target month 99", c: stu, path: sim + "/targets", form: url.Values{"version": {"0"}, "value.on_time": {"0.95"}, "month.on_time": {"99"}}},
		{name: "survey sample huge", c: stu, path: sim + "/survey", form: url.Values{"version": {"0"}, "sample": {"1000000000"}}},
		{name: "survey sample negative", c: stu, path: sim + "/survey", form: url.Values{"version": {"0"}, "sample": {"-5"}}},
		{name: "plan unknown measure", c: stu, path: sim + "/plans", form: url.Values{"version": {"0"}, "name": {"甲"}, "measure": {"no-such"}}},
		{name: "plan name too long", c: stu, path: sim + "/plans", form: url.Values{"version": {"0"}, "name": {strings.Repeat("方", 31)}}},
		{name: "choose unknown plan", c: stu, path: sim + "/choose", form: url.Values{"version": {"0"}, "plan": {"p9"}, "justification": {"因为"}}},
		{name: "schedule without plan", c: stu, path: sim + "/schedule", form: url.Values{"version": {"0"}, "start.x": {"abc"}}},
		{name: "step without plan", c: stu, path: sim + "/step", form: url.Values{"version": {"0"}, "month": {"abc"}}},
		{name: "sim version negative", c: stu, path: sim + "/problems", form: url.Values{"version": {"-1"}, "problem": {"准时率低"}}},
		{name: "13 problems", c: stu, path: sim + "/problems", form: url.Values{"version": {"0"}, "problem": slices.Repeat([]string{"准时率低"}, 13)}},
		{name: "card field too long", c: stu, path: work + "/save", form: url.Values{"version": {"1"}, "f.practice": {strings.Repeat("长", 6000)}}},
		{name: "card version not a number", c: stu, path: work + "/save", form: url.Values{"version": {"1e3"}, "f.practice": {"好"}}},
		{name: "submit incomplete", c: stu, path: work + "/submit", form: url.Values{"version": {"0"}}},
		{name: "game act unknown kind", c: stu, path: game + "/act", form: url.Values{"kind": {"hack"}}, htmx: true},
		{name: "game review score 99", c: stu, path: game + "/act", form: url.Values{"kind": {"review"}, "group": {"1"}, "score": {"99"}}, htmx: true},
		{name: "game post in the lobby", c: stu, path: game + "/act", form: url.Values{"kind": {"post"}, "text": {strings.Repeat("长", 5000)}}, htmx: true},
		{name: "game extend by a negative time", c: teacher, path: game + "/command", form: url.Values{"kind": {"extend"}, "seconds": {"-99999999"}}, htmx: true},
		{name: "game move to no group", c: teacher, path: game + "/command", form: url.Values{"kind": {"move"}, "user": {"abc"}, "group": {"-1"}}, htmx: true},
		{name: "game command plain form", c: teacher, path: game + "/command", form: url.Values{"kind": {"hack"}}},
		{name: "sim control step 9", c: teacher, path: cls + "/activities/" + itoa(f.sim) + "/sim", form: url.Values{"kind": {"hold"}, "step": {"9"}}},
		{name: "sim control unknown event", c: teacher, path: cls + "/activities/" + itoa(f.sim) + "/sim", form: url.Values{"kind": {"trigger"}, "event": {"no-such"}}},
		{name: "weights NaN", c: teacher, path: cls + "/gradebook/weights", form: url.Values{"weight." + itoa(f.activity): {"NaN"}, "weight." + itoa(f.sim): {"100"}}},
		{name: "weights negative", c: teacher, path: cls + "/gradebook/weights", form: url.Values{"weight." + itoa(f.activity): {"-50"}, "weight." + itoa(f.sim): {"150"}}},
		{name: "grade level not a number", c: teacher, path: sub + "/grade", form: url.Values{"level.practice": {"abc"}, "overall": {"好"}}},
		{name: "return unsubmitted work", c: teacher, path: sub + "/return", form: url.Values{"comment": {"重写"}}},
		{name: "groups: group number not a number", c: teacher, path: cls + "/groups", form: url.Values{"group_" + member: {"abc"}}},
		{name: "groups: leader not in a group", c: teacher, path: cls + "/groups", form: url.Values{"leader": {member}}},
		{name: "shuffle size 3", c: teacher, path: cls + "/groups/shuffle", form: url.Values{"size": {"3"}}},
		{name: "assign unknown content", c: teacher, path: cls + "/activities", form: url.Values{"activity": {"card:no-such"}}},
		{name: "assign due in the past", c: teacher, path: cls + "/activities", form: url.Values{"activity": {"card:card-abc"}, "due": {"2020-01-01T08:00"}}},
		{name: "assign due garbage", c: teacher, path: cls + "/activities", form: url.Values{"activity": {"card:card-abc"}, "due": {"明天"}}},
		{name: "roster rows of the wrong types", c: teacher, path: cls + "/roster/confirm", form: url.Values{"rows": {`[{"StudentNo":5,"Name":["甲"]}]`}}},
		{name: "roster rows not JSON", c: teacher, path: cls + "/roster/confirm", form: url.Values{"rows": {`[{"StudentNo":"1"`}}},
		{name: "roster: binary junk as CSV", c: teacher, path: cls + "/roster/preview", file: []byte{0, 1, 2, 0xff, 0xfe, 0x80, 0, 0, '\n', 0x81}, fname: "a.csv"},
		{name: "roster: unclosed quote", c: teacher, path: cls + "/roster/preview", file: []byte("学号,姓名\n\"2023001,张三\n"), fname: "a.csv"},
		{name: "roster: zip that is no workbook", c: teacher, path: cls + "/roster/preview", file: zipNoSheet, fname: "a.xlsx"},
		{name: "roster: truncated xlsx", c: teacher, path: cls + "/roster/preview", file: zipNoSheet[:len(zipNoSheet)/2], fname: "a.xlsx"},
		{name: "roster: file name not UTF-8", c: teacher, path: cls + "/roster/preview", file: []byte("学号,姓名\n1,甲\n"), fname: "\xff\xfe.csv"},
		{name: "roster: over 5 MB", c: teacher, path: cls + "/roster/preview", file: bytes.Repeat([]byte("1234567,张三\n"), 500_000), fname: "a.csv", status: 413},
		{name: "join with a wrong code", c: f.app.Client(), path: "/join", form: url.Values{"code": {"ZZZZZZ"}, "student_no": {"5001"}, "name": {"新生"}, "password": {"secret1"}}},
		{name: "join with a short password", c: f.app.Client(), path: "/join", form: url.Values{"code": {f.class.JoinCode}, "student_no": {"5001"}, "name": {"新生"}, "password": {"1"}}},
		{name: "join with a long name", c: f.app.Client(), path: "/join", form: url.Values{"code": {f.class.JoinCode}, "student_no": {"5001"}, "name": {strings.Repeat("名", 200)}, "password": {"secret1"}}},
		{name: "staff with the student role", c: admin, path: "/admin/users", form: url.Values{"role": {"student"}, "login": {"x"}, "name": {"某"}}},
		{name: "password change with a wrong old one", c: stu, path: "/account/password", form: url.Values{"old": {"wrong"}, "password": {"newpass1"}, "password2": {"newpass1"}}},
		{name: "login with a huge name", c: f.app.Client(), path: "/login", form: url.Values{"login": {strings.Repeat("a", 100_000)}, "password": {"x"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := apptest.DumpDB(t, dbPath)
			var r *apptest.Response
			switch {
			case tc.file != nil:
				r = tc.c.Upload(tc.path, tc.fname, tc.file, nil)
			case tc.htmx:
				tc.form.Set("_csrf", tc.c.CSRF())
				req := formRequest(f.app.URL+tc.path, tc.form.Encode(), "application/x-www-form-urlencoded")
				req.Header.Set("HX-Request", "true")
				r = tc.c.Do(req)
			default:
				r = tc.c.Post(tc.path, tc.form)
			}
			if r.Status < 400 || r.Status > 499 || (tc.status != 0 && r.Status != tc.status) {
				t.Errorf("status %d (location %q), want a 4xx refusal %.300s", r.Status, r.Location, r.Body)
			}
			if !hasChinese(r.Body) {
				t.Errorf("no Chinese message: %.200s", r.Body)
			}
			if after := apptest.DumpDB(t, dbPath); after != before {
				t.Errorf("the database changed:\n%s", diffLines(before, after))
			}
		})
	}
}

// zipWriter returns a function adding one file to a zip archive written to buf; the
// archive is finished when buf is read (the writer is flushed after every file).
func zipWriter(buf *bytes.Buffer) func(name, content string) {
	zw := zip.NewWriter(buf)
	return func(name, content string) {
		w, _ := zw.Create(name)
		w.Write([]byte(content))
		zw.Close()
	}
}
