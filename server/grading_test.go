package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"crmlab/server/store"
)

// TestGradeReleaseAndSee: the instructor grades a submitted card on its rubric (the total is
// the server's), changes the grade with a reason that the audit keeps, releases the
// activity, and only then does the student see the score, levels and comments.
func TestGradeReleaseAndSee(t *testing.T) {
	w := newWorkClass(t, 2)
	a := w.assign(t, "card", "card-ups-think", nil)
	for i, s := range w.students {
		r := s.Post(workPath(a)+"/submit", url.Values{"version": {"0"}, "f.practice": {"做法" + itoa(int64(i))}, "f.insight": {"借鉴" + itoa(int64(i))}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("submit: %d", r.Status)
		}
	}
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	base := "/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a.ID)
	grade := base + "/submissions/" + itoa(subs[0].ID) + "/grade"
	if p := w.teacher.Get(grade); p.Status != 200 || !p.Has("做法0", `name="level.`) {
		t.Fatalf("grading page: %d", p.Status)
	}
	card, _ := w.app.Server.Library().Card("card-ups-think")
	all := url.Values{"overall": {"思路清楚"}, "total": {"999"}}
	for _, cr := range card.Rubric {
		all.Set("level."+cr.ID, "0")
	}
	cases := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"a criterion left out", url.Values{"level." + card.Rubric[0].ID: {"0"}}, 400, "请为"},
		{"a level not in the rubric", func() url.Values {
			f := url.Values{}
			for k, v := range all {
				f[k] = v
			}
			f.Set("level."+card.Rubric[0].ID, "9")
			return f
		}(), 400, "没有这个等级"},
		{"full marks, then on to the next submission", all, 303, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.teacher.Post(grade, tc.form)
			if r.Status != tc.status || !r.Has(tc.want) {
				t.Fatalf("status %d, want %d with %q", r.Status, tc.status, tc.want)
			}
			if tc.status == 303 && r.Location != base+"/submissions/"+itoa(subs[1].ID)+"/grade" {
				t.Fatalf("save-and-next went to %s", r.Location)
			}
		})
	}
	g, err := w.app.Store.GradeOf(ctx, subs[0].ID)
	if err != nil || g.Score != card.MaxPoints() {
		t.Fatalf("grade %+v %v: the browser's total must be ignored", g, err)
	}
	// Lowering it needs a reason, which the audit keeps.
	lower := url.Values{}
	for k, v := range all {
		lower[k] = v
	}
	lower.Set("level."+card.Rubric[0].ID, "1")
	if r := w.teacher.Post(grade, lower); r.Status != 400 || !r.Has("请写明原因") {
		t.Fatalf("change without a reason: %d", r.Status)
	}
	lower.Set("reason", "第一题例子不够具体")
	w.teacher.Post(grade, lower)
	if hist, _ := w.app.Store.GradeHistory(ctx, subs[0].ID); len(hist) != 2 || hist[1].Reason != "第一题例子不够具体" || !hist[1].OldScore.Valid {
		t.Fatalf("audit trail: %+v", hist)
	}
	owner := w.students[0]
	if subs[0].Owner.UserID != w.users[0].ID {
		owner = w.students[1]
	}
	if p := owner.Get(workPath(a)); p.Has("老师的评分") {
		t.Fatal("grade visible before release")
	}
	if r := w.teacher.Post(base+"/release", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("release: %d", r.Status)
	}
	w.teacher.Post(base+"/release", nil) // releasing twice changes nothing
	if p := owner.Get(workPath(a)); !p.Has("老师的评分", "思路清楚") {
		t.Fatalf("released grade not shown: %s", p.Body)
	}
	// A trainer cannot grade.
	trainer, _ := w.app.As(store.RoleTrainer)
	if r := trainer.Post(grade, all); r.Status != http.StatusForbidden {
		t.Fatalf("trainer grading: %d", r.Status)
	}
}
