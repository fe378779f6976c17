package server_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// practiceKind stands in for the kinds later areas register (cards, games, …): it is how
// those areas plug in, through the public option, without touching the server's code.
type practiceKind struct{}

func (practiceKind) Kind() string  { return "practice" }
func (practiceKind) Label() string { return "练习" }
func (practiceKind) Choices() []server.ActivityChoice {
	return []server.ActivityChoice{
		{ContentID: "p-abc", Title: "ABC 分类练习", GroupWork: true},
		{ContentID: "p-solo", Title: "个人反思"},
	}
}
func (practiceKind) StudentURL(a store.Activity) string { return "/practice/" + a.ContentID }

func TestAssignActivities(t *testing.T) {
	now := time.Date(2026, 10, 8, 9, 0, 0, 0, time.UTC) // 17:00 in Shanghai
	app := apptest.Start(t, server.Config{}, server.WithActivityKind(practiceKind{}), server.WithClock(func() time.Time { return now }))
	teacher, _ := app.As(store.RoleInstructor)
	cls := newClass(t, app, teacher, "物流1班")
	other := newClass(t, app, teacher, "物流2班")
	stu := app.Client()
	stu.Post("/join", url.Values{"code": {cls.JoinCode}, "student_no": {"2023001"}, "name": {"张三"}, "password": {"secret1"}})
	if r := stu.Get("/home"); !r.Has("老师还没有布置活动") {
		t.Fatalf("fresh home: %s", r.Body)
	}
	if r := teacher.Get("/classes/" + itoa(cls.ID)); !r.Has(`<optgroup label="练习">`, "ABC 分类练习") {
		t.Fatalf("assign form lacks the registered kind")
	}
	base := "/classes/" + itoa(cls.ID) + "/activities"
	cases := []struct {
		name string
		form url.Values
		want string
	}{
		{"unknown content", url.Values{"activity": {"practice:nope"}}, "请从列表中选择"},
		{"unknown kind", url.Values{"activity": {"quiz:p-abc"}}, "请从列表中选择"},
		{"individual-only work per group", url.Values{"activity": {"practice:p-solo"}, "per_group": {"1"}}, "只能个人完成"},
		{"due date in the past", url.Values{"activity": {"practice:p-abc"}, "due": {"2026-10-08T16:00"}}, "已经过去"},
		{"garbled due date", url.Values{"activity": {"practice:p-abc"}, "due": {"next friday"}}, "格式不正确"},
		{"per group with a due date", url.Values{"activity": {"practice:p-abc"}, "per_group": {"1"}, "due": {"2026-10-15T18:00"}}, "已布置"},
		{"the same activity again", url.Values{"activity": {"practice:p-abc"}}, "已经布置给本班"},
		{"individual without a due date", url.Values{"activity": {"practice:p-solo"}}, "已布置"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := teacher.Post(base, tc.form)
			want := http.StatusBadRequest // refused on the class page itself
			if tc.want == "已布置" {
				want = http.StatusSeeOther
			}
			if r.Status != want {
				t.Fatalf("status %d, want %d", r.Status, want)
			}
			if page := teacher.Follow(r); !page.Has(tc.want) {
				t.Fatalf("class page lacks %q", tc.want)
			}
		})
	}
	acts, _ := app.Store.Activities(ctx, cls.ID)
	if len(acts) != 2 || !acts[0].PerGroup || acts[0].DueAt.IsZero() {
		t.Fatalf("activities = %+v", acts)
	}
	home := stu.Get("/home")
	if !home.Has(`href="/practice/p-abc"`, "ABC 分类练习", "截止 2026-10-15 18:00", "个人反思", "小组") {
		t.Fatalf("student home: %s", home.Body)
	}
	// A student of another class does not see them.
	stu2 := app.Client()
	stu2.Post("/join", url.Values{"code": {other.JoinCode}, "student_no": {"2023002"}, "name": {"李四"}, "password": {"secret2"}})
	if r := stu2.Get("/home"); r.Has("ABC 分类练习") {
		t.Fatalf("student of another class sees the activity")
	}
	// Removing it takes it off the student's page; another class's activity id is a 404.
	if r := teacher.Post(base+"/"+itoa(acts[0].ID)+"/delete", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := stu.Get("/home"); r.Has("ABC 分类练习") {
		t.Fatalf("deleted activity still listed")
	}
	if r := teacher.Post("/classes/"+itoa(other.ID)+"/activities/"+itoa(acts[1].ID)+"/delete", nil); r.Status != 404 {
		t.Fatalf("deleting through another class: %d", r.Status)
	}
}
