package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"crmlab/server/apptest"
	"crmlab/server/store"
)

// historyOf is the dashboards' data of a team's sim page: the last twelve months' numbers.
func historyOf(t *testing.T, c *apptest.Client, path string) string {
	t.Helper()
	p := c.Get(path)
	m := regexp.MustCompile(`data-charts="([^"]+)"`).FindStringSubmatch(p.Body)
	if p.Status != 200 || m == nil {
		t.Fatalf("%s: %d, no dashboards", path, p.Status)
	}
	return m[1]
}

// runFirstMonth takes a team from nothing to its first simulated month: two plans, the
// comparison, a choice, a schedule, month 1, from draft version v. It returns the version
// after it.
func runFirstMonth(t *testing.T, c *apptest.Client, base string, v int) int {
	t.Helper()
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/plans", url.Values{"name": {"先打通数据"}, "measure": {"data-cleanup", "crm-tms-sync", "complaint-sla"}}},
		{"/plans", url.Values{"name": {"先管人和标准"}, "measure": {"service-manual", "driver-training"}}},
		{"/evaluate", url.Values{}},
		{"/choose", url.Values{"plan": {"p2"}, "justification": {"P10 也能回本，风险最小，适合先做。"}}},
		{"/schedule", url.Values{"start.service-manual": {"1"}, "start.driver-training": {"2"}, "owner.service-manual": {"学生1"}, "owner.driver-training": {"学生2"}}},
		{"/step", url.Values{}},
	} {
		step.form.Set("version", itoa(int64(v)))
		if r := c.Post(base+step.path, step.form); r.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d %.400s", step.path, r.Status, r.Body)
		}
		v++
	}
	return v
}

// TestSimSeedPerActivity: the instructor gives one class's simulation another market seed.
// Different seeds show different history; the same seed the same; the whole run uses it;
// once a team has run a month the seed cannot change, and a refused change changes nothing.
func TestSimSeedPerActivity(t *testing.T) {
	w, a1 := simTeam(t)
	// Another class of the same instructor with its own team plays the same scenario.
	cls2 := newClass(t, w.app, w.teacher, "物流2班")
	var team2 []*apptest.Client
	for i := 0; i < 4; i++ {
		c := w.app.Client()
		r := c.Post("/join", url.Values{"code": {cls2.JoinCode}, "student_no": {"20250" + itoa(int64(100+i))}, "name": {"二班学生" + itoa(int64(i+1))}, "password": {"secret1"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("join class 2: %d", r.Status)
		}
		team2 = append(team2, c)
	}
	members, _ := w.app.Store.Members(ctx, cls2.ID)
	form := url.Values{"leader": {itoa(members[0].ID)}}
	for _, m := range members {
		form.Set("group_"+itoa(m.ID), "1")
	}
	if r := w.teacher.Post("/classes/"+itoa(cls2.ID)+"/groups", form); r.Status != http.StatusSeeOther {
		t.Fatalf("groups of class 2: %d", r.Status)
	}
	if r := w.teacher.Post("/classes/"+itoa(cls2.ID)+"/activities", url.Values{"activity": {"sim:sim-crmopt"}, "per_group": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("assign to class 2: %d", r.Status)
	}
	acts, _ := w.app.Store.Activities(ctx, cls2.ID)
	if len(acts) != 1 {
		t.Fatalf("class 2 activities: %+v", acts)
	}
	a2 := acts[0]
	act1 := "/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a1.ID)
	act2 := "/classes/" + itoa(cls2.ID) + "/activities/" + itoa(a2.ID)
	base1 := "/classes/" + itoa(w.cls.ID) + "/sim/" + itoa(a1.ID)
	base2 := "/classes/" + itoa(cls2.ID) + "/sim/" + itoa(a2.ID)
	control := func(act, seed string) *apptest.Response {
		return w.teacher.Post(act+"/sim", url.Values{"kind": {"seed"}, "seed": {seed}})
	}
	alice, dan := w.students[0], team2[0]

	// The control shows the scenario's seed by default.
	if p := w.teacher.Get(act2); !p.Has("市场种子", `name="seed" inputmode="numeric" value="20260415"`) {
		t.Fatalf("no seed control with the scenario's default: %s", p.Body)
	}
	same := historyOf(t, alice, base1)
	if historyOf(t, dan, base2) != same {
		t.Fatal("two classes with the scenario's seed see different history")
	}
	for _, bad := range []string{"", "abc", "0", "-5", "1000000000", "1.5"} {
		if r := control(act2, bad); r.Status != http.StatusBadRequest || !r.Has("市场种子请填") {
			t.Fatalf("seed %q: %d", bad, r.Status)
		}
	}
	if r := control(act2, "12345"); r.Status != http.StatusSeeOther {
		t.Fatalf("set seed: %d %.300s", r.Status, r.Body)
	}
	other := historyOf(t, dan, base2)
	if other == same {
		t.Fatal("another seed shows the same history")
	}
	if historyOf(t, team2[3], base2) != other || historyOf(t, alice, base1) != same {
		t.Fatal("a seed reached the wrong class, or members of one team see different markets")
	}
	if p := w.teacher.Get(act2); !p.Has(`value="12345"`) {
		t.Fatal("the control does not show the new seed")
	}
	// Back to the scenario's own seed: the same numbers as the first class.
	control(act2, "20260415")
	if historyOf(t, dan, base2) != same {
		t.Fatal("the scenario's seed again gives other numbers")
	}
	control(act2, "12345")

	// Class 2's team surveys and runs its first month: evaluation and run use the seed.
	if r := dan.Post(base2+"/survey", url.Values{"version": {"0"}, "source": {"default"}, "sample": {"100"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("survey: %d", r.Status)
	}
	runFirstMonth(t, dan, base2, 1)
	g, err := w.app.Store.GroupOfUser(ctx, cls2.ID, members[0].UserID)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := w.app.Store.FindSubmission(ctx, a2.ID, store.Owner{GroupID: g.ID})
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Run         struct{ Seed uint64 }   `json:"run"`
		Evaluations []struct{ Seed uint64 } `json:"evaluations"`
	}
	json.Unmarshal([]byte(sub.Draft), &st)
	if st.Run.Seed != 12345 || len(st.Evaluations) != 2 || st.Evaluations[0].Seed != 12345 {
		t.Fatalf("the run and evaluation did not use the activity's seed: run %d, evaluations %+v", st.Run.Seed, st.Evaluations)
	}

	// Now the market is fixed: a change is refused and changes nothing.
	r := control(act2, "777")
	if r.Status != http.StatusBadRequest || !r.Has("不能再换市场种子") {
		t.Fatalf("seed change after a run: %d", r.Status)
	}
	if ctl, _ := w.app.Store.SimControlsOf(ctx, a2.ID); ctl.Seed != 12345 {
		t.Fatalf("refused change stored seed %d", ctl.Seed)
	}
	if historyOf(t, dan, base2) != other {
		t.Fatal("a refused change altered the history")
	}
	// Class 1 has no run yet: its seed can still change.
	if r := control(act1, "4242"); r.Status != http.StatusSeeOther {
		t.Fatalf("seed of the untouched class: %d", r.Status)
	}
}
