package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"crmlab/scenarios/keymoments"
	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// actor is one of the people the access matrix tries every route as.
type actor struct {
	name   string
	role   store.Role // "" for anonymous
	client *apptest.Client
	owns   bool // the class in the URL is theirs (instructor) or they joined it (student)
}

// TestAccessMatrix is generated from the route table, so a new route cannot escape it: every
// route × every actor, checked against the roles the table declares and the class in the URL.
func TestAccessMatrix(t *testing.T) {
	probe := apptest.Start(t, server.Config{}, server.WithActivityKind(practiceKind{}))
	routes := probe.Server.Routes()
	if len(routes) < 30 {
		t.Fatalf("only %d routes in the table", len(routes))
	}
	for _, rt := range routes {
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			// A fresh app per route: allowed writes (removing a student, disabling an
			// account) must not change what the next actor sees.
			app := apptest.Start(t, server.Config{LoginIPBurst: 1000}, server.WithActivityKind(practiceKind{}))
			f := newFixture(t, app)
			path := f.fill(rt.Path)
			for _, a := range f.actors {
				var r *apptest.Response
				if strings.HasSuffix(rt.Path, "/events") {
					r = a.client.Peek(path) // an event stream never ends
				} else if rt.Method == http.MethodGet {
					r = a.client.Get(path)
				} else {
					r = a.client.Post(path, nil)
				}
				if r.Status >= 500 {
					t.Errorf("%s: status %d", a.name, r.Status)
					continue
				}
				want := allowed(rt, a)
				got := !denied(rt, a, r)
				if rt.Roles == nil {
					continue // public: handlers decide, and nothing above 499 is the only rule
				}
				if want != got {
					t.Errorf("%s: allowed=%v, want %v (status %d, location %q)", a.name, got, want, r.Status, r.Location)
				}
				if a.role == store.RoleTrainer && rt.Method != http.MethodGet && !rt.OwnAccount && got {
					t.Errorf("trainer could write")
				}
			}
		})
	}
}

func allowed(rt server.Route, a actor) bool {
	if rt.Roles == nil {
		return true
	}
	if a.role == "" || !slices.Contains(rt.Roles, a.role) {
		return false
	}
	if strings.Contains(rt.Path, ":class") {
		switch a.role {
		case store.RoleTrainer:
			return true
		case store.RoleInstructor, store.RoleStudent:
			return a.owns
		default:
			return false
		}
	}
	return true
}

// denied reads a response the way the guard answers a refusal.
func denied(rt server.Route, a actor, r *apptest.Response) bool {
	switch {
	case r.Status == http.StatusSeeOther && strings.HasPrefix(r.Location, "/login?next="):
		return true
	case r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden:
		return true
	case r.Status == http.StatusNotFound && strings.Contains(rt.Path, ":class"):
		return true // not your class: the same 404 as a class that does not exist
	}
	return false
}

type fixture struct {
	app                       *apptest.App
	class                     store.Class
	member, activity, staffID int64
	submission, game          int64
	sim                       int64
	actors                    []actor
}

func newFixture(t *testing.T, app *apptest.App) *fixture {
	t.Helper()
	f := &fixture{app: app}
	instrA := app.CreateUser(store.RoleInstructor, "teacher-a", "甲老师")
	instrB := app.CreateUser(store.RoleInstructor, "teacher-b", "乙老师")
	target := app.CreateUser(store.RoleInstructor, "teacher-c", "丙老师")
	f.staffID = target.ID
	code := []string{"AAAAAA", "BBBBBB"}
	next := func() string { c := code[0]; code = code[1:]; return c }
	var err error
	f.class, err = app.Store.CreateClass(ctx, store.Class{Name: "甲班", InstructorID: instrA.ID}, next)
	if err != nil {
		t.Fatal(err)
	}
	classB, _ := app.Store.CreateClass(ctx, store.Class{Name: "乙班", InstructorID: instrB.ID}, next)
	now := time.Now()
	app.Store.ImportRoster(ctx, f.class.ID, []store.RosterEntry{{StudentNo: "1001", Name: "名单学生"}}, now)
	members, _ := app.Store.Members(ctx, f.class.ID)
	f.member = members[0].ID
	studA := app.CreateUser(store.RoleStudent, "2001", "甲班学生")
	studB := app.CreateUser(store.RoleStudent, "2002", "乙班学生")
	app.Store.JoinClass(ctx, store.JoinRequest{ClassID: f.class.ID, StudentNo: "2001", Name: "甲班学生", ExistingUserID: studA.ID, Now: now})
	app.Store.JoinClass(ctx, store.JoinRequest{ClassID: classB.ID, StudentNo: "2002", Name: "乙班学生", ExistingUserID: studB.ID, Now: now})
	act, err := app.Store.CreateActivity(ctx, store.Activity{ClassID: f.class.ID, Kind: "card", ContentID: "card-ups-think", Title: "UPS", CreatedBy: instrA.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.activity = act.ID
	sub, err := app.Store.OpenSubmission(ctx, act.ID, store.Owner{UserID: studA.ID}, now, func() (string, error) { return "", nil })
	if err != nil {
		t.Fatal(err)
	}
	f.submission = sub.ID
	simAct, err := app.Store.CreateActivity(ctx, store.Activity{ClassID: f.class.ID, Kind: "sim", ContentID: "sim-crmopt", Title: "模拟", PerGroup: true, CreatedBy: instrA.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.sim = simAct.ID
	cfg, _ := json.Marshal(keymoments.DefaultConfig())
	game, err := app.Store.CreateGame(ctx, store.Game{ClassID: f.class.ID, Kind: "keymoments", Config: string(cfg), Seed: 7, CreatedBy: instrA.ID, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	f.game = game.ID
	trainer := app.CreateUser(store.RoleTrainer, "trainer", "培训师")
	admin := app.CreateUser(store.RoleAdmin, "admin", "管理员")
	login := func(u store.User) *apptest.Client {
		c := app.Client()
		c.Login(u.Login, apptest.Password)
		return c
	}
	// The owner and the admin come last: their allowed writes may change the fixture.
	f.actors = []actor{
		{name: "anonymous", client: app.Client()},
		{name: "student of another class", role: store.RoleStudent, client: login(studB)},
		{name: "student of the class", role: store.RoleStudent, client: login(studA), owns: true},
		{name: "instructor of another class", role: store.RoleInstructor, client: login(instrB)},
		{name: "trainer", role: store.RoleTrainer, client: login(trainer)},
		{name: "admin", role: store.RoleAdmin, client: login(admin)},
		{name: "instructor of the class", role: store.RoleInstructor, client: login(instrA), owns: true},
	}
	return f
}

func (f *fixture) fill(path string) string {
	if strings.Contains(path, "/sim/") || strings.HasSuffix(path, "/leaderboard") || strings.HasSuffix(path, "/sim") {
		path = strings.Replace(path, ":activity", itoa(f.sim), 1)
	}
	return strings.NewReplacer(
		":class", itoa(f.class.ID),
		":member", itoa(f.member),
		":activity", itoa(f.activity),
		":user", itoa(f.staffID),
		":token", "no-such-token",
		":code", f.class.JoinCode,
		":page", "abc-classification",
		":id", "card-abc",
		":submission", itoa(f.submission),
		":game", itoa(f.game),
	).Replace(path)
}

// TestObjectsOfAnotherClass is generated from the route table too: on every route that names
// an object (an activity, a submission, a game, a member, an account), the owner of class A
// — its instructor, or a student who joined it — puts class A in the URL and an object of
// class B (or, on admin routes, a student's account) in the rest. Each must answer 404 or
// 403 and change nothing: objects are looked up within the class of the URL.
func TestObjectsOfAnotherClass(t *testing.T) {
	app := apptest.Start(t, server.Config{LoginIPBurst: 1000}, server.WithActivityKind(practiceKind{}))
	f := newFixture(t, app)
	now := time.Now()
	classes, _ := app.Store.AllClasses(ctx)
	var classB store.Class
	for _, c := range classes {
		if c.ID != f.class.ID {
			classB = c
		}
	}
	studB, _ := app.Store.UserByLogin(ctx, "2002")
	membersB, _ := app.Store.Members(ctx, classB.ID)
	actB, err := app.Store.CreateActivity(ctx, store.Activity{ClassID: classB.ID, Kind: "card", ContentID: "card-ups-think", Title: "UPS", CreatedBy: classB.InstructorID})
	if err != nil {
		t.Fatal(err)
	}
	subB, err := app.Store.OpenSubmission(ctx, actB.ID, store.Owner{UserID: studB.ID}, now, func() (string, error) { return "", nil })
	if err != nil {
		t.Fatal(err)
	}
	simB, _ := app.Store.CreateActivity(ctx, store.Activity{ClassID: classB.ID, Kind: "sim", ContentID: "sim-crmopt", Title: "模拟", PerGroup: true, CreatedBy: classB.InstructorID})
	cfg, _ := json.Marshal(keymoments.DefaultConfig())
	gameB, err := app.Store.CreateGame(ctx, store.Game{ClassID: classB.ID, Kind: "keymoments", Config: string(cfg), Seed: 7, CreatedBy: classB.InstructorID, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	owner := map[store.Role]*apptest.Client{}
	for _, a := range f.actors {
		if a.owns || a.role == store.RoleAdmin {
			owner[a.role] = a.client
		}
	}
	objects := []string{":activity", ":submission", ":game", ":member", ":user"}
	checked := 0
	for _, rt := range app.Server.Routes() {
		if !slices.ContainsFunc(objects, func(o string) bool { return strings.Contains(rt.Path, o) }) {
			continue
		}
		activity := actB.ID
		if strings.Contains(rt.Path, "/sim") || strings.HasSuffix(rt.Path, "/leaderboard") {
			activity = simB.ID
		}
		path := strings.NewReplacer(
			":class", itoa(f.class.ID),
			":activity", itoa(activity),
			":submission", itoa(subB.ID),
			":game", itoa(gameB.ID),
			":member", itoa(membersB[0].ID),
			":user", itoa(studB.ID),
		).Replace(rt.Path)
		for _, role := range rt.Roles {
			c := owner[role]
			if c == nil {
				continue // trainers read every class: nothing of another class to reach
			}
			checked++
			t.Run(string(role)+" "+rt.Method+" "+rt.Path, func(t *testing.T) {
				before := apptest.DumpDB(t, app.Store.Path())
				var r *apptest.Response
				switch {
				case strings.HasSuffix(rt.Path, "/events"):
					r = c.Peek(path)
				case rt.Method == http.MethodGet:
					r = c.Get(path)
				default:
					r = c.Post(path, nil)
				}
				if r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
					t.Errorf("%s: status %d, want 404 or 403 (location %q)", path, r.Status, r.Location)
				}
				if after := apptest.DumpDB(t, app.Store.Path()); after != before {
					t.Errorf("%s changed the database", path)
				}
			})
		}
	}
	if checked < 30 {
		t.Fatalf("only %d route × role pairs checked", checked)
	}
}

// TestGroupsSeeOnlyTheirOwnWork: two groups of one class answer the same group card; a
// member of one group sees, prints and overwrites only their own group's answer.
func TestGroupsSeeOnlyTheirOwnWork(t *testing.T) {
	w := newWorkClass(t, 8)
	w.twoGroups(t)
	a := w.assign(t, "card", "card-4-11", url.Values{"per_group": {"1"}})
	const secret = "第一组的答案：准时率是核心问题"
	if st, _ := autosave(t, w.students[0], a, 0, url.Values{"f.crm_role": {secret}}); st != 200 {
		t.Fatalf("group 1 save: %d", st)
	}
	other := w.students[4]
	for _, p := range []string{workPath(a), workPath(a) + "/print"} {
		if r := other.Get(p); r.Status != 200 || strings.Contains(r.Body, secret) {
			t.Fatalf("group 2 reads %s: %d, shows group 1's answer: %v", p, r.Status, strings.Contains(r.Body, secret))
		}
	}
	// Group 2 starts from its own version 0: its save lands in its own answer.
	if st, _ := autosave(t, other, a, 0, url.Values{"f.crm_role": {"第二组"}}); st != 200 {
		t.Fatalf("group 2 save: %d", st)
	}
	if r := w.students[1].Get(workPath(a)); !r.Has(secret) || r.Has("第二组") {
		t.Fatal("group 1's answer changed by group 2")
	}
	// A student cannot open a submission by id, their group's or another's.
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	for _, s := range subs {
		if r := other.Get("/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a.ID) + "/submissions/" + itoa(s.ID)); r.Status != http.StatusForbidden {
			t.Fatalf("student opened submission %d: %d", s.ID, r.Status)
		}
	}
}

// TestSecurityHeaders: every kind of answer carries the security headers: a page, a
// redirect, a refusal, a page that does not exist, a static file, the autosave's JSON.
func TestSecurityHeaders(t *testing.T) {
	w := newWorkClass(t, 1)
	a := w.assign(t, "card", "card-ups-think", nil)
	stu := w.students[0]
	stu.Get(workPath(a))
	anon := w.app.Client()
	save := func() *apptest.Response {
		req, _ := http.NewRequest(http.MethodPost, stu.AppURL()+workPath(a)+"/save",
			strings.NewReader(url.Values{"version": {"0"}, "f.practice": {"好"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-CSRF-Token", stu.CSRF())
		return stu.Do(req)
	}
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"X-Xss-Protection":        "0",
		"Referrer-Policy":         "same-origin",
	}
	for _, tc := range []struct {
		name   string
		resp   *apptest.Response
		status int
	}{
		{"lesson page", stu.Get("/learn/abc-classification"), http.StatusOK},
		{"redirect to sign in", anon.Get("/home"), http.StatusSeeOther},
		{"refused", stu.Get("/admin/users"), http.StatusForbidden},
		{"no such page", stu.Get("/no-such-page"), http.StatusNotFound},
		{"static file", anon.Get("/static/js/work.js"), http.StatusOK},
		{"autosave", save(), http.StatusOK},
	} {
		if tc.resp.Status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, tc.resp.Status, tc.status)
		}
		for k, v := range want {
			if got := tc.resp.Header.Values(k); len(got) != 1 || got[0] != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got, v)
			}
		}
		if got := tc.resp.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s: HSTS %q over plain HTTP", tc.name, got)
		}
	}
}
