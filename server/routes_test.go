package server_test

import (
	"encoding/json"
	"net/http"
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
