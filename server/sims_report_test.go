package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"crmlab/server/store"
)

// TestSimReportPrint: after twelve months the team's report has a paper version for its
// members, the class's instructor and trainers; another team's student gets the same 404 as
// for a report that does not exist, and a team without a report is told why.
func TestSimReportPrint(t *testing.T) {
	w, a := simTeams(t)
	base := "/classes/" + itoa(w.cls.ID) + "/sim/" + itoa(a.ID)
	alice, carol := w.students[0], w.students[4]
	if r := alice.Get(base + "/report/print"); r.Status != http.StatusBadRequest || !r.Has("还没有开始模拟任务") {
		t.Fatalf("print before opening the task: %d", r.Status)
	}
	alice.Get(base)
	if r := alice.Get(base + "/report/print"); r.Status != http.StatusBadRequest || !r.Has("运行完 12 个月") {
		t.Fatalf("print before the run: %d", r.Status)
	}
	v := runFirstMonth(t, alice, base, 0)
	for m := 2; m <= 12; m++ {
		if r := alice.Post(base+"/step", url.Values{"version": {itoa(int64(v))}}); r.Status != http.StatusSeeOther {
			t.Fatalf("month %d: %d", m, r.Status)
		}
		v++
	}
	if p := alice.Get(base); !p.Has(`href="` + base + `/report/print"`) {
		t.Fatal("the sim page does not link the paper report")
	}
	g1, _ := w.app.Store.GroupOfUser(ctx, w.cls.ID, w.users[0].ID)
	g2, _ := w.app.Store.GroupOfUser(ctx, w.cls.ID, w.users[4].ID)
	trainer, _ := w.app.As(store.RoleTrainer)
	own := base + "/report/print?team=" + itoa(g1.ID)
	paper := []string{"评估报告", "物流1班", "第1组", "学生1", "组长", "负责：", "表 4-14 评价结果",
		"时效性", "准确性", "完整性", "服务态度", "信息透明度", "问题解决能力", "客户反馈机制", "成本效益",
		"本组目标的达成情况", "与不改进相比", "逐月指标", "准时交付率", "进一步改进的建议", "指导教师", "print-page"}
	for _, tc := range []struct {
		name   string
		get    func() (int, bool)
		status int
	}{
		{"member", func() (int, bool) { r := alice.Get(base + "/report/print"); return r.Status, r.Has(paper...) }, 200},
		{"member naming their team", func() (int, bool) { r := w.students[3].Get(own); return r.Status, r.Has(paper...) }, 200},
		{"instructor", func() (int, bool) { r := w.teacher.Get(own); return r.Status, r.Has(paper...) }, 200},
		{"trainer", func() (int, bool) { r := trainer.Get(own); return r.Status, r.Has(paper...) }, 200},
		{"another team's student", func() (int, bool) { r := carol.Get(own); return r.Status, !r.Has("学生1") }, 404},
		{"another team's student, own team without a report", func() (int, bool) {
			r := carol.Get(base + "/report/print")
			return r.Status, r.Has("还没有开始模拟任务")
		}, 400},
		{"instructor, a team of no submission", func() (int, bool) {
			r := w.teacher.Get(base + "/report/print?team=" + itoa(g2.ID))
			return r.Status, r.Has("还没有开始")
		}, 400},
		{"instructor without a team", func() (int, bool) {
			r := w.teacher.Get(base + "/report/print")
			return r.Status, r.Location == "/classes/"+itoa(w.cls.ID)+"/activities/"+itoa(a.ID)
		}, 303},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, ok := tc.get()
			if status != tc.status || !ok {
				t.Fatalf("status %d (want %d), content ok %v", status, tc.status, ok)
			}
		})
	}
	// The instructor's list of teams links each finished team's paper report.
	if p := w.teacher.Get("/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a.ID)); !p.Has(`href="` + own + `"`) {
		t.Fatal("no print link on the activity page")
	}
}
