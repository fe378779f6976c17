package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"crmlab/server/apptest"
	"crmlab/server/store"
)

// pressKey sends one key to the page, as typed on the keyboard; with navigates it waits for
// the page the key loads.
func pressKey(t *testing.T, ctx context.Context, key string, navigates bool) {
	t.Helper()
	if !navigates {
		apptest.Do(t, ctx, chromedp.KeyEvent(key))
		return
	}
	sctx, cancel := context.WithTimeout(ctx, apptest.StepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.KeyEvent(key))
	if err != nil || resp == nil || resp.Status >= 400 {
		t.Fatalf("key %q did not load a page: %v %+v", key, err, resp)
	}
}

// TestJourneyGrading: an instructor on a laptop grades three card submissions with the
// keyboard (a digit picks a level and moves on, S saves and opens the next), returns the
// fourth, and releases; the student sees the grade and the new-grade notice on a phone;
// a trainer opens the review and sees the self-vs-instructor gap chart drawn.
func TestJourneyGrading(t *testing.T) {
	w := newWorkClass(t, 4)
	a := w.assign(t, "card", "card-ups-think", nil)
	for i, s := range w.students {
		if r := s.Post(workPath(a)+"/submit", url.Values{"version": {"0"}, "f.practice": {"做法" + itoa(int64(i))}, "f.insight": {"借鉴" + itoa(int64(i))}}); r.Status != http.StatusSeeOther {
			t.Fatalf("submit: %d", r.Status)
		}
	}
	// A self-scored sheet, scored by the instructor, for the trainer's gap chart.
	sheet := w.assign(t, "sheet", "sheet-4-16", nil)
	w.students[0].Post(workPath(sheet)+"/submit", url.Values{"version": {"0"}, "f.progress": {"20"}, "f.cost": {"18"}, "f.teamwork": {"17"}, "f.satisfaction": {"35"}})
	ssubs, _ := w.app.Store.SubmissionsOfActivity(ctx, sheet.ID)
	w.teacher.Post("/classes/"+itoa(w.cls.ID)+"/activities/"+itoa(sheet.ID)+"/submissions/"+itoa(ssubs[0].ID)+"/grade",
		url.Values{"score.progress": {"12"}, "score.cost": {"17"}, "score.teamwork": {"17"}, "score.satisfaction": {"30"}})

	card, _ := w.app.Server.Library().Card("card-ups-think")
	teacher, _ := w.app.Store.UserByID(ctx, w.cls.InstructorID)
	browser := apptest.Browser(t)
	laptop := apptest.NewTab(t, browser)
	apptest.Viewport(t, laptop, 1280, 800)
	apptest.Open(t, laptop, w.app.URL+"/login")
	apptest.Fill(t, laptop, "#login", teacher.Login)
	apptest.Fill(t, laptop, "#password", apptest.Password)
	apptest.Click(t, laptop, "main form button[type=submit]")
	act := "/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a.ID)
	apptest.Open(t, laptop, w.app.URL+act+"?show=ungraded")
	apptest.Click(t, laptop, `a[href$="/grade"]`)
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	levels := []string{"1", "2", "1"} // the level typed for every criterion of each paper
	for i := 0; i < 3; i++ {
		if !strings.HasSuffix(apptest.Path(t, laptop), "/submissions/"+itoa(subs[i].ID)+"/grade") {
			t.Fatalf("paper %d: on %s", i+1, apptest.Path(t, laptop))
		}
		for range card.Rubric {
			pressKey(t, laptop, levels[i], false)
		}
		checked := apptest.Eval[int](t, laptop, `document.querySelectorAll('#grade-form input[type=radio]:checked').length`)
		if checked != len(card.Rubric) {
			t.Fatalf("paper %d: %d levels picked by keys, want %d", i+1, checked, len(card.Rubric))
		}
		if i == 0 {
			apptest.Screenshot(t, laptop, "grade-keyboard")
		}
		pressKey(t, laptop, "s", true)
	}
	for i := 0; i < 3; i++ {
		g, err := w.app.Store.GradeOf(ctx, subs[i].ID)
		want := 0.0
		for _, cr := range card.Rubric {
			want += cr.Levels[map[string]int{"1": 0, "2": 1}[levels[i]]].Points
		}
		if err != nil || g.Score != want {
			t.Fatalf("paper %d: grade %+v %v, want %v", i+1, g, err, want)
		}
	}
	// Save-and-next has brought the fourth paper: return it for revision.
	if !strings.HasSuffix(apptest.Path(t, laptop), "/submissions/"+itoa(subs[3].ID)+"/grade") {
		t.Fatalf("after three papers: on %s", apptest.Path(t, laptop))
	}
	apptest.Eval[bool](t, laptop, `(window.confirm = () => true, true)`)
	apptest.Fill(t, laptop, "#return-comment", "请补充一个具体的例子。")
	apptest.Click(t, laptop, `.return-box button[type=submit]`)
	if sub, _ := w.app.Store.SubmissionByID(ctx, a.ID, subs[3].ID); sub.Status != store.StatusReturned {
		t.Fatalf("fourth paper: %s", sub.Status)
	}
	apptest.Open(t, laptop, w.app.URL+act)
	apptest.Eval[bool](t, laptop, `(window.confirm = () => true, true)`)
	apptest.Click(t, laptop, `form[action$="/release"] button[type=submit]`)
	if at, _ := w.app.Store.ReleasedAt(ctx, a.ID); at.IsZero() {
		t.Fatal("not released")
	}

	// The first student, on a phone: the notice, then the grade with its levels.
	owner := 0
	for i, u := range w.users {
		if subs[0].Owner.UserID == u.ID {
			owner = i
		}
	}
	phone := apptest.NewTab(t, browser)
	apptest.Phone(t, phone)
	apptest.Open(t, phone, w.app.URL+"/login")
	apptest.Fill(t, phone, "#login", w.users[owner].Login)
	apptest.Fill(t, phone, "#password", "secret1")
	apptest.Click(t, phone, "main form button[type=submit]")
	if got := apptest.Text(t, phone, ".notice-new"); !strings.Contains(got, card.Title) || !strings.Contains(got, "新") {
		t.Fatalf("home notice: %q", got)
	}
	checkPhonePage(t, phone, "home-with-grade")
	apptest.Click(t, phone, `.notice-new a.button`)
	if got := apptest.Text(t, phone, ".grade h2"); !strings.Contains(got, "老师的评分") {
		t.Fatalf("results page: %q", got)
	}
	if got := apptest.Text(t, phone, ".grade table"); !strings.Contains(got, card.Rubric[0].Levels[0].Label) {
		t.Fatalf("levels not shown: %q", got)
	}
	checkPhonePage(t, phone, "grades")
	apptest.Screenshot(t, phone, "grades-phone")

	// A trainer sees the gap chart drawn by ECharts.
	_, tu := w.app.As(store.RoleTrainer)
	desk := apptest.NewTab(t, browser)
	apptest.Viewport(t, desk, 1280, 800)
	apptest.Open(t, desk, w.app.URL+"/login")
	apptest.Fill(t, desk, "#login", tu.Login)
	apptest.Fill(t, desk, "#password", apptest.Password)
	apptest.Click(t, desk, "main form button[type=submit]")
	apptest.Open(t, desk, w.app.URL+"/review")
	waitFor(t, desk, `(() => { const el = document.querySelector('[data-gap-chart]'); return el && el.getAttribute('data-drawn') === '1' && el.querySelectorAll('svg path').length > 4; })()`, "the gap chart drawn")
	if got := apptest.Text(t, desk, "[data-gap-chart] + .table-wrap"); !strings.Contains(got, "项目进度") || !strings.Contains(got, "1 人") {
		t.Fatalf("gap table: %q", got)
	}
	apptest.Screenshot(t, desk, "review")
}
