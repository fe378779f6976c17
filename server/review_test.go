package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// joinClass has n new students join a class and returns their clients.
func joinClass(t *testing.T, app *apptest.App, cls store.Class, prefix string, n int) []*apptest.Client {
	t.Helper()
	var out []*apptest.Client
	for i := 0; i < n; i++ {
		c := app.Client()
		no := prefix + itoa(int64(100+i))
		if r := c.Post("/join", url.Values{"code": {cls.JoinCode}, "student_no": {no}, "name": {"学生" + no}, "password": {"secret1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("join: %d %s", r.Status, r.Body)
		}
		out = append(out, c)
	}
	return out
}

// TestTrainerReview: two instructors grade the same card and sheet 4-16 in their classes; the
// trainer sees the distributions per class and per criterion, each instructor's mean and
// spread, the self-vs-instructor gap per item, drills down to a submission, and exports
// every class's gradebook. Nobody else sees the page.
func TestTrainerReview(t *testing.T) {
	app := apptest.Start(t, server.Config{LoginNameBurst: 100})
	type classSetup struct {
		teacher  *apptest.Client
		cls      store.Class
		students []*apptest.Client
		level    string // the level every card gets in this class
		inst     string // the instructor's progress score on sheet 4-16
	}
	var classes []classSetup
	for i, name := range []string{"物流1班", "物流2班"} {
		teacher, _ := app.As(store.RoleInstructor)
		cls := newClass(t, app, teacher, name)
		classes = append(classes, classSetup{teacher: teacher, cls: cls, students: joinClass(t, app, cls, "2025"+itoa(int64(i)), 2),
			level: []string{"0", "2"}[i], inst: []string{"18", "10"}[i]})
	}
	card, _ := app.Server.Library().Card("card-ups-think")
	for _, cs := range classes {
		base := "/classes/" + itoa(cs.cls.ID)
		cs.teacher.Post(base+"/activities", url.Values{"activity": {"card:card-ups-think"}})
		cs.teacher.Post(base+"/activities", url.Values{"activity": {"sheet:sheet-4-16"}})
		acts, _ := app.Store.Activities(ctx, cs.cls.ID)
		for _, a := range acts {
			for _, stu := range cs.students {
				form := url.Values{"version": {"0"}, "f.practice": {"做法"}, "f.insight": {"借鉴"}}
				if a.Kind == "sheet" {
					form = url.Values{"version": {"0"}, "f.progress": {"20"}, "f.cost": {"18"}, "f.teamwork": {"17"}, "f.satisfaction": {"30"}}
				}
				if r := stu.Post(workPath(a)+"/submit", form); r.Status != http.StatusSeeOther {
					t.Fatalf("submit %s: %d %s", a.Kind, r.Status, r.Body)
				}
			}
			subs, _ := app.Store.SubmissionsOfActivity(ctx, a.ID)
			for _, sub := range subs {
				form := url.Values{}
				if a.Kind == "sheet" {
					form = url.Values{"score.progress": {cs.inst}, "score.cost": {"17"}, "score.teamwork": {"17"}, "score.satisfaction": {"30"}}
				} else {
					for _, cr := range card.Rubric {
						form.Set("level."+cr.ID, cs.level)
					}
				}
				if r := cs.teacher.Post(base+"/activities/"+itoa(a.ID)+"/submissions/"+itoa(sub.ID)+"/grade", form); r.Status != http.StatusSeeOther {
					t.Fatalf("grade %s: %d %s", a.Kind, r.Status, r.Body)
				}
			}
		}
	}
	trainer, _ := app.As(store.RoleTrainer)
	p := trainer.Get("/review")
	if p.Status != 200 || !p.Has("成绩分析", "UPS 案例思考题", "自评与教师评分的差距", "data-bar-chart=", "物流1班", "物流2班") {
		t.Fatalf("review page: %d %s", p.Status, p.Body)
	}
	// Progress: self 20 everywhere; instructors 18 (class 1) and 10 (class 2): the mean gap is
	// +6 and the two in class 2 are flagged (10 ≥ 25 % of 20).
	if !p.Has("<td>20.0</td><td>14.0</td><td>&#43;6.0</td><td>2 人</td>") {
		t.Fatalf("gap row for progress: %s", p.Body)
	}
	d := trainer.Get("/review?item=card:card-ups-think")
	if !d.Has("各班比较", "教师评分尺度", "逐份查看（4 份）", "/classes/"+itoa(classes[0].cls.ID)+"/activities/") {
		t.Fatalf("item detail: %s", d.Body)
	}
	if strings.Count(d.Body, "测试教师（") < 2 || !d.Has("<td>100.0%</td>") {
		t.Fatalf("calibration of two instructors: %s", d.Body)
	}
	// Drill down to one submission, read only.
	sub := regexp.MustCompile(`href="(/classes/\d+/activities/\d+/submissions/\d+)"`).FindStringSubmatch(d.Body)[1]
	if s := trainer.Get(sub); s.Status != 200 || !s.Has("教师评分：", "修改记录") || s.Has("退回修改") {
		t.Fatalf("drill-down %s: %d", sub, s.Status)
	}
	x := trainer.Get("/review/gradebooks.xlsx")
	f, err := excelize.OpenReader(strings.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	if names := f.GetSheetList(); len(names) != 2 || !strings.Contains(names[0], "物流") {
		t.Fatalf("sheets %v", names)
	}
	csv := trainer.Get("/review/gradebooks.csv")
	if !strings.HasPrefix(csv.Body, "\ufeff班级,学号,姓名") || !strings.Contains(csv.Body, "\n物流2班,") {
		t.Fatalf("csv: %s", csv.Body)
	}
	for _, who := range []*apptest.Client{classes[0].teacher, classes[0].students[0]} {
		if r := who.Get("/review"); r.Status != http.StatusForbidden {
			t.Fatalf("non-trainer on /review: %d", r.Status)
		}
	}
}
