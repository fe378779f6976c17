package server_test

import (
	"net/url"
	"sync"
	"testing"
	"time"

	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// TestStudentHomeStaysCurrent: the student's home page is kept between visits, yet shows
// each change at the next visit: a new activity, a due time passing, a game starting and
// ending (a move inside the game is not a change of the home page).
func TestStudentHomeStaysCurrent(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 10, 12, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	app := apptest.Start(t, server.Config{}, server.WithActivityKind(practiceKind{}), server.WithClock(clock))
	teacher, _ := app.As(store.RoleInstructor)
	cls := newClass(t, app, teacher, "物流1班")
	stu := app.Client()
	stu.Post("/join", url.Values{"code": {cls.JoinCode}, "student_no": {"2023001"}, "name": {"张三"}, "password": {"secret1"}})
	steps := []struct {
		name    string
		change  func()
		want    []string
		notWant string
	}{
		{"fresh", func() {}, []string{"老师还没有布置活动"}, "正在进行的课堂游戏"},
		{"assigned", func() {
			teacher.Post("/classes/"+itoa(cls.ID)+"/activities", url.Values{"activity": {"practice:p-abc"}, "due": {"2026-10-12T10:00"}})
		}, []string{"ABC 分类练习", "截止 2026-10-12 10:00"}, "已过截止时间"},
		{"unchanged", func() {}, []string{"ABC 分类练习"}, "已过截止时间"},
		{"due time passed", func() { mu.Lock(); now = now.Add(2 * time.Hour); mu.Unlock() }, []string{"已过截止时间"}, ""},
		{"game started", func() { teacher.Post("/classes/"+itoa(cls.ID)+"/games", nil) }, []string{"正在进行的课堂游戏"}, ""},
	}
	for _, st := range steps {
		st.change()
		r := stu.Get("/home")
		if r.Status != 200 || !r.Has(st.want...) || (st.notWant != "" && r.Has(st.notWant)) {
			t.Fatalf("%s: status %d, want %q, not %q:\n%s", st.name, r.Status, st.want, st.notWant, r.Body)
		}
	}
	games, err := app.Store.GamesOfClass(ctx, cls.ID)
	if err != nil || len(games) != 1 {
		t.Fatalf("games: %v %v", games, err)
	}
	base := "/classes/" + itoa(cls.ID) + "/games/" + itoa(games[0].ID)
	teacher.Post(base+"/command", url.Values{"kind": {"advance"}}) // a move of the game: the home page stays
	if r := stu.Get("/home"); !r.Has("正在进行的课堂游戏") {
		t.Fatal("running game gone after a move")
	}
	teacher.Post(base+"/command", url.Values{"kind": {"end"}})
	if r := stu.Get("/home"); r.Has("正在进行的课堂游戏") {
		t.Fatal("ended game still listed")
	}
}
