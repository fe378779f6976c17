package loadtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"crmlab/loadtest"
	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

var ctx = context.Background()

// start boots the app with an instructor whose password the tool is given. The per-address
// limit is raised the way the README tells an IT person to for a load test.
func start(t *testing.T, cfg server.Config) *apptest.App {
	t.Helper()
	app := apptest.Start(t, cfg)
	app.CreateUser(store.RoleInstructor, "lt-teacher", "压测老师")
	return app
}

func progress(t *testing.T) io.Writer {
	if testing.Verbose() {
		return os.Stderr
	}
	return nil
}

func stepsOf(rep *loadtest.Report) map[string]loadtest.StepStats {
	out := map[string]loadtest.StepStats{}
	for _, s := range rep.Steps {
		out[s.Name] = s
	}
	return out
}

func requireClean(t *testing.T, rep *loadtest.Report, cfg loadtest.Config) {
	t.Helper()
	if rep.Failed() {
		var b strings.Builder
		rep.Print(&b, cfg)
		t.Fatalf("%d errors:\n%s", rep.Errors, b.String())
	}
}

// TestClassAndPhones runs the tool as CI can afford it: 20 students through the whole
// journey, then 50 phones on a game's stream; every step runs without an error, each game
// phase reaches every phone, and the practice classes and their students are gone after.
func TestClassAndPhones(t *testing.T) {
	app := start(t, server.Config{LoginIPBurst: 10000})
	cfg := loadtest.Config{URL: app.URL, Login: "lt-teacher", Password: apptest.Password, Students: 20, Phones: 50, PhaseChanges: 4, Progress: progress(t)}
	rep, err := loadtest.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	requireClean(t, rep, cfg)
	steps := stepsOf(rep)
	for _, name := range append(append(loadtest.JourneySteps, loadtest.PhoneSteps...), "cleanup") {
		if s, ok := steps[name]; !ok || s.Requests == 0 {
			t.Errorf("step %s did not run: %+v", name, s)
		}
	}
	// Twelve phase changes from define to the end, each timed to the last phone.
	if n := steps["game-phase"].Requests; n != 12 {
		t.Errorf("%d game phase changes timed, want 12", n)
	}
	if j := rep.Journey; j == nil || j.Groups != 4 || len(j.PhaseToLast) != 12 {
		t.Errorf("journey figures: %+v", rep.Journey)
	}
	if p := rep.Phones; p == nil || p.Connected != 50 || len(p.ToLast) != 4 || len(p.PerPhone) != 4*50 || p.Missing != 0 {
		t.Errorf("phone figures: %+v", rep.Phones)
	}
	// The same run's baseline: as many streams and changes, messages of the view's size.
	if p := rep.Phones; p == nil || p.BareErr != nil || len(p.BareToLast) != 4 || p.ViewBytes < 200 {
		t.Errorf("bare baseline: %+v", rep.Phones)
	}
	// The tool's own CPU is read in microseconds; the server's (10 ms ticks) in TestServerCPU.
	if p := rep.Phones; runtime.GOOS != "windows" && p != nil && (p.ToolCPU <= 0 || p.BareCPU <= 0) {
		t.Errorf("the tool's CPU per change not measured: %+v", rep.Phones)
	}
	if rep.RSSBefore <= 0 || rep.RSSPeak < rep.RSSBefore {
		t.Errorf("RSS not read from /metrics: before %d peak %d", rep.RSSBefore, rep.RSSPeak)
	}
	if len(rep.Classes) != 2 {
		t.Fatalf("classes: %+v", rep.Classes)
	}
	for _, c := range rep.Classes {
		if !c.Deleted {
			t.Errorf("class %+v not deleted", c)
		}
		if _, err := app.Store.ClassByID(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("class %d still in the database: %v", c.ID, err)
		}
	}
	if n, _ := app.Store.CountUsers(ctx, store.RoleStudent); n != 0 {
		t.Errorf("%d student accounts left behind", n)
	}
	var out strings.Builder
	rep.Print(&out, cfg)
	for _, want := range []string{"game-phase", "phones-phase", "RESULT: OK", "phase change → last phone", "bare fan-out in this tool", "crmlab/bare", "students with accounts", "server RSS", "CPU per change"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestKeep leaves the class in place, and the server holds what the students did: every
// card and sheet submitted, every team's simulation one month into its run, the game ended.
func TestKeep(t *testing.T) {
	app := start(t, server.Config{LoginIPBurst: 10000})
	cfg := loadtest.Config{URL: app.URL, Login: "lt-teacher", Password: apptest.Password, Students: 8, Keep: true, Progress: progress(t)}
	rep, err := loadtest.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	requireClean(t, rep, cfg)
	if len(rep.Classes) != 1 || rep.Classes[0].Deleted {
		t.Fatalf("classes: %+v", rep.Classes)
	}
	if _, ok := stepsOf(rep)["cleanup"]; ok {
		t.Error("cleanup ran with --keep")
	}
	id := rep.Classes[0].ID
	cls, err := app.Store.ClassWithCounts(ctx, id)
	if err != nil || cls.Joined != 8 {
		t.Fatalf("class kept with %d joined (%v)", cls.Joined, err)
	}
	acts, _ := app.Store.Activities(ctx, id)
	byContent := map[string]store.Activity{}
	for _, a := range acts {
		byContent[a.ContentID] = a
	}
	for _, c := range []string{"card-ups-think", "sheet-4-16"} {
		subs, _ := app.Store.SubmissionsOfActivity(ctx, byContent[c].ID)
		submitted := 0
		for _, s := range subs {
			if s.Status == store.StatusSubmitted {
				submitted++
			}
		}
		if submitted != 8 {
			t.Errorf("%s: %d of 8 submitted", c, submitted)
		}
	}
	subs, _ := app.Store.SubmissionsOfActivity(ctx, byContent["sim-crmopt"].ID)
	groups, _ := app.Store.Groups(ctx, id)
	if len(groups) != 2 || len(subs) != 2 {
		t.Fatalf("%d groups, %d simulation submissions", len(groups), len(subs))
	}
	for _, s := range subs {
		var st struct {
			Run struct {
				Month int `json:"month"`
			} `json:"run"`
		}
		json.Unmarshal([]byte(s.Draft), &st)
		if st.Run.Month != 1 {
			t.Errorf("team %d ran %d months, want 1", s.Owner.GroupID, st.Run.Month)
		}
	}
	games, _ := app.Store.GamesOfClass(ctx, id)
	if len(games) != 1 || games[0].EndedAt.IsZero() {
		t.Errorf("game not played to its end: %+v", games)
	}
}

// TestRateLimited: against a server that keeps its per-address limit, the joins beyond it
// are refused with 429; the tool counts them as errors and says what to do.
func TestRateLimited(t *testing.T) {
	app := start(t, server.Config{LoginIPBurst: 4, LoginIPEvery: 1 << 62})
	cfg := loadtest.Config{URL: app.URL, Login: "lt-teacher", Password: apptest.Password, Students: 6, Progress: progress(t)}
	rep, err := loadtest.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Failed() || !rep.Saw429 || stepsOf(rep)["join"].Errors != 3 {
		t.Fatalf("errors %d, 429 %v, join errors %d", rep.Errors, rep.Saw429, stepsOf(rep)["join"].Errors)
	}
	var out strings.Builder
	rep.Print(&out, cfg)
	if !strings.Contains(out.String(), "--login-ip-burst") || !strings.Contains(out.String(), "RESULT: FAILED") {
		t.Fatalf("report without the hint:\n%s", out.String())
	}
}

// TestWrongPassword stops before creating anything, saying why.
func TestWrongPassword(t *testing.T) {
	app := start(t, server.Config{})
	_, err := loadtest.Run(ctx, loadtest.Config{URL: app.URL, Login: "lt-teacher", Password: "wrong-password", Students: 2})
	if err == nil || !strings.Contains(err.Error(), "login") {
		t.Fatalf("err = %v", err)
	}
	if n, _ := app.Store.CountUsers(ctx, store.RoleStudent); n != 0 {
		t.Fatal("students created after a failed login")
	}
}
