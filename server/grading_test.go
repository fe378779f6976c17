package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

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
	// Another instructor cannot grade this class's work: 403, nothing changed.
	before := dbRows(t, w.app, "grades", "grade_audit")
	other, _ := w.app.As(store.RoleInstructor)
	theirs := url.Values{}
	for k, v := range all {
		if k != "_csrf" { // the form kept the first instructor's token
			theirs[k] = v
		}
	}
	if r := other.Post(grade, theirs); r.Status != http.StatusForbidden || !r.Has("其他老师的班级") {
		t.Fatalf("another instructor grading: %d %s", r.Status, r.Body)
	}
	if dbRows(t, w.app, "grades", "grade_audit") != before {
		t.Fatal("another instructor's grade changed the database")
	}
	// A trainer cannot grade.
	trainer, _ := w.app.As(store.RoleTrainer)
	if r := trainer.Post(grade, all); r.Status != http.StatusForbidden {
		t.Fatalf("trainer grading: %d", r.Status)
	}
}

// TestGradebook: the class's gradebook with weights, late and missing marks, and both
// exports; the XLSX is read back.
func TestGradebook(t *testing.T) {
	w := newWorkClass(t, 2)
	a := w.assign(t, "card", "card-ups-think", nil)
	w.assign(t, "card", "card-dhl", nil)
	w.students[0].Post(workPath(a)+"/submit", url.Values{"version": {"0"}, "f.practice": {"做法"}, "f.insight": {"借鉴"}})
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	card, _ := w.app.Server.Library().Card("card-ups-think")
	form := url.Values{}
	for _, cr := range card.Rubric {
		form.Set("level."+cr.ID, "0")
	}
	base := "/classes/" + itoa(w.cls.ID)
	w.teacher.Post(base+"/activities/"+itoa(a.ID)+"/submissions/"+itoa(subs[0].ID)+"/grade", form)
	page := w.teacher.Get(base + "/gradebook")
	if !page.Has("100.0", "未交", "<strong>50.0</strong>") {
		t.Fatalf("gradebook: %s", page.Body)
	}
	acts, _ := w.app.Store.Activities(ctx, w.cls.ID)
	weights := url.Values{}
	for _, act := range acts {
		weights.Set("weight."+itoa(act.ID), "40")
	}
	if r := w.teacher.Post(base+"/gradebook/weights", weights); r.Status != 400 || !r.Has("加起来是 80.0%") {
		t.Fatalf("weights summing to 80: %d", r.Status)
	}
	weights.Set("weight."+itoa(a.ID), "60")
	if r := w.teacher.Post(base+"/gradebook/weights", weights); r.Status != http.StatusSeeOther {
		t.Fatalf("weights: %d %s", r.Status, r.Body)
	}
	if p := w.teacher.Get(base + "/gradebook"); !p.Has("<strong>60.0</strong>") {
		t.Fatal("weighted total not 60")
	}
	csv := w.teacher.Get(base + "/gradebook.csv")
	if !strings.HasPrefix(csv.Body, "\ufeff学号,姓名") || !strings.Contains(csv.Body, "60.0") {
		t.Fatalf("csv: %s", csv.Body)
	}
	x := w.teacher.Get(base + "/gradebook.xlsx")
	f, err := excelize.OpenReader(strings.NewReader(x.Body))
	if err != nil {
		t.Fatalf("xlsx does not open: %v", err)
	}
	rows, _ := f.GetRows("成绩册")
	if len(rows) != 3 || rows[0][0] != "学号" || rows[1][len(rows[1])-1] != "60" && rows[2][len(rows[2])-1] != "60" {
		t.Fatalf("xlsx rows: %v", rows)
	}
	if panes, _ := f.GetPanes("成绩册"); !panes.Freeze {
		t.Fatal("header row not frozen")
	}
	trainer, _ := w.app.As(store.RoleTrainer)
	if r := trainer.Get(base + "/gradebook"); r.Status != 200 || r.Has("保存权重") {
		t.Fatalf("trainer view: %d", r.Status)
	}
}

// TestSheetGaps: the instructor scores sheet 4-16 beside the student's self-scores; items
// a quarter of their maximum apart are flagged.
func TestSheetGaps(t *testing.T) {
	w := newWorkClass(t, 1)
	a := w.assign(t, "sheet", "sheet-4-16", nil)
	r := w.students[0].Post(workPath(a)+"/submit", url.Values{"version": {"0"}, "f.progress": {"20"}, "f.cost": {"18"}, "f.teamwork": {"12"}, "f.satisfaction": {"35"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("self-score: %d", r.Status)
	}
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	grade := "/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a.ID) + "/submissions/" + itoa(subs[0].ID) + "/grade"
	if p := w.teacher.Get(grade); p.Status != 200 || !p.Has("学生自评", "<td>20</td>", "<td>85</td>") {
		t.Fatalf("sheet grading page: %d %s", p.Status, p.Body)
	}
	if r := w.teacher.Post(grade, url.Values{"score.progress": {"25"}, "score.cost": {"17"}, "score.teamwork": {"17"}, "score.satisfaction": {"25"}}); r.Status != 400 || !r.Has("0 到 20") {
		t.Fatalf("score above the maximum: %d", r.Status)
	}
	r = w.teacher.Post(grade, url.Values{"score.progress": {"15"}, "score.cost": {"17"}, "score.teamwork": {"17"}, "score.satisfaction": {"25"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("grade: %d %s", r.Status, r.Body)
	}
	p := w.teacher.Follow(r)
	if strings.Count(p.Body, `class="bad"`) != 3 || !p.Has("相差较大（20 对 15）", "74") {
		t.Fatalf("gaps: %s", p.Body)
	}
}
