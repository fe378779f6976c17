package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"crmlab/server/store"
)

// simTeam is a class of four students in one group with the CRM-optimization task
// assigned to its groups.
func simTeam(t *testing.T) (*workClass, store.Activity) {
	t.Helper()
	w := newWorkClass(t, 4)
	w.oneGroup(t)
	return w, w.assign(t, "sim", "sim-crmopt", url.Values{"per_group": {"1"}})
}

// simTeams is a class of eight students in two groups (学生1–4 in 第1组, led by 学生1;
// 学生5–8 in 第2组) with the task assigned to its groups.
func simTeams(t *testing.T) (*workClass, store.Activity) {
	t.Helper()
	w := newWorkClass(t, 8)
	w.twoGroups(t)
	return w, w.assign(t, "sim", "sim-crmopt", url.Values{"per_group": {"1"}})
}

// TestSimAssessStep: a team opens the assigned CRM-optimization task, reads the
// dashboards and interviews, sends a survey, and saves a problem list that is scored; a
// teammate's stale save is refused.
func TestSimAssessStep(t *testing.T) {
	w, a := simTeam(t)
	base := "/classes/" + itoa(w.cls.ID) + "/sim/" + itoa(a.ID)
	alice, bob := w.students[0], w.students[1]
	page := alice.Get(base)
	if page.Status != 200 || !page.Has("过去 12 个月的数据", "访谈记录", "data-charts=", "问题清单") {
		t.Fatalf("sim page: %d", page.Status)
	}
	if r := alice.Post(base+"/survey", url.Values{"version": {"0"}, "source": {"default"}, "sample": {"5"}}); r.Status != 400 {
		t.Fatalf("sample of 5: %d", r.Status)
	}
	r := alice.Post(base+"/survey", url.Values{"version": {"0"}, "source": {"default"}, "sample": {"120"}})
	if r.Status != http.StatusSeeOther || !alice.Follow(r).Has("第 1 次调查", "120 份", "问卷没有覆盖") {
		t.Fatalf("survey: %d %s", r.Status, r.Body)
	}
	// Bob still has the page from before the survey: his save is refused.
	if r := bob.Post(base+"/problems", url.Values{"version": {"0"}, "problem": {"信息更新不及时"}}); r.Status != http.StatusConflict || !r.Has("更新了本组的任务") {
		t.Fatalf("stale save: %d", r.Status)
	}
	r = bob.Post(base+"/problems", url.Values{"version": {"1"}, "problem": {"客户信息更新不及时，CRM 记录滞后", "投诉反馈处理太慢", "各网点服务标准不统一", ""}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("problems: %d %s", r.Status, r.Body)
	}
	if p := bob.Follow(r); !p.Has("找到了 3 个关键问题") {
		t.Fatalf("problem list not scored: %s", p.Body)
	}
	if p := alice.Get("/sims/sim-crmopt"); p.Status != 200 || !p.Has("访谈记录") {
		t.Fatal("preview")
	}

	// Step 2: a target outside the KPI's possible range is refused, a sensible one kept.
	v := 2
	cases := []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"target out of range", "/targets", url.Values{"value.on_time": {"150"}, "month.on_time": {"6"}}, 400, "没有保存"},
		{"target month past the run", "/targets", url.Values{"value.on_time": {"95"}, "month.on_time": {"20"}}, 400, "没有保存"},
		{"targets", "/targets", url.Values{"value.on_time": {"95"}, "month.on_time": {"6"}, "value.complaint_response_h": {"24"}, "month.complaint_response_h": {"6"}}, 303, "已保存 2 个目标"},
		{"plan with a missing prerequisite", "/plans", url.Values{"name": {"缺前提"}, "measure": {"service-audit"}}, 400, "没有保存"},
		{"plan with an unknown measure", "/plans", url.Values{"name": {"未知"}, "measure": {"teleport"}}, 400, "没有保存"},
		{"plan A", "/plans", url.Values{"name": {"先打通数据"}, "measure": {"data-cleanup", "crm-tms-sync", "complaint-sla"}}, 303, "方案“先打通数据”已保存"},
		{"choose before evaluating", "/choose", url.Values{"plan": {"p1"}, "justification": {"成本低、见效快、风险小。"}}, 400, "至少要有两个"},
		{"plan B", "/plans", url.Values{"name": {"先管人和标准"}, "measure": {"service-manual", "driver-training"}}, 303, "已保存"},
		{"evaluate", "/evaluate", url.Values{}, 303, "P10 / P50 / P90"},
		{"justification too short", "/choose", url.Values{"plan": {"p1"}, "justification": {"好"}}, 400, "没有保存"},
		{"choose", "/choose", url.Values{"plan": {"p2"}, "justification": {"P10 也能回本，风险最小；数据问题下一年再做。"}}, 303, "已选定：先管人和标准"},
		{"schedule past the end", "/schedule", url.Values{"start.service-manual": {"12"}, "start.driver-training": {"12"}, "owner.service-manual": {"学生1"}, "owner.driver-training": {"学生2"}}, 400, "没有保存"},
		{"schedule without owners", "/schedule", url.Values{"start.service-manual": {"1"}, "start.driver-training": {"1"}}, 400, "没有保存"},
		{"schedule", "/schedule", url.Values{"start.service-manual": {"1"}, "start.driver-training": {"2"}, "owner.service-manual": {"学生1"}, "owner.driver-training": {"学生2"}}, 303, "实施计划已保存"},
		{"submit before the run", "/submit", url.Values{}, 400, "运行完 12 个月"},
		{"first month", "/step", url.Values{}, 303, "第 1 个月已运行"},
		{"schedule during the run", "/schedule", url.Values{"start.service-manual": {"1"}, "start.driver-training": {"1"}, "owner.service-manual": {"学生1"}, "owner.driver-training": {"学生1"}}, 400, "模拟已经开始"},
		{"set the first run aside as practice", "/restart", url.Values{}, 303, "练习记录：第 1 次运行 1 个月"},
		{"graded run, month 1", "/step", url.Values{}, 303, "第 1 个月已运行"},
	}
	act := "/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a.ID)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "plan with a missing prerequisite" {
				// The instructor holds the class at step 2: a plan is refused until released.
				w.teacher.Post(act+"/sim", url.Values{"kind": {"hold"}, "step": {"2"}})
				if r := alice.Post(base+"/plans", url.Values{"version": {itoa(int64(v))}, "name": {"x"}, "measure": {"service-manual"}}); r.Status != 400 || !r.Has("停在第 2 步") {
					t.Fatalf("held class: %d", r.Status)
				}
				w.teacher.Post(act+"/sim", url.Values{"kind": {"hold"}, "step": {"0"}})
			}
			tc.form.Set("version", itoa(int64(v)))
			r := alice.Post(base+tc.path, tc.form)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %.500s", r.Status, tc.status, r.Body)
			}
			if r.Status == http.StatusSeeOther {
				v++
				r = alice.Follow(r)
			}
			if !r.Has(tc.want) {
				t.Fatalf("page lacks %q", tc.want)
			}
		})
	}
	// The instructor sets off a typhoon for the class: the team meets it in its next month.
	w.teacher.Post(act+"/sim", url.Values{"kind": {"trigger"}, "event": {"heavy-rain"}})
	// Eleven more months, one with a contingency decision, then the report goes to grading.
	for m := 2; m <= 12; m++ {
		form := url.Values{"version": {itoa(int64(v))}}
		if m == 11 {
			form.Set("option", "temp-capacity")
			form.Set("reason", "双11 前增加临时运力")
		}
		r := alice.Post(base+"/step", form)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("month %d: %d %.400s", m, r.Status, r.Body)
		}
		v++
	}
	page = alice.Get(base)
	if !page.Has("第 2 月：", "台风暴雨") {
		t.Fatalf("the triggered event did not reach the team: %s", page.Body)
	}
	if !page.Has("评估报告（表 4-14）", "时效性", "成本效益", "进一步改进的建议") {
		t.Fatalf("no report after 12 months: %s", page.Body)
	}
	if r := alice.Post(base+"/step", url.Values{"version": {itoa(int64(v))}}); r.Status != 400 {
		t.Fatalf("a 13th month: %d", r.Status)
	}
	sheet := w.assign(t, "sheet", "sheet-4-16", nil)
	r = alice.Post(base+"/submit", url.Values{"version": {itoa(int64(v))}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("submit report: %d %.400s", r.Status, r.Body)
	}
	if p := alice.Follow(r); !p.Has("报告已提交给老师", `href="`+workPath(sheet)+`"`) {
		t.Fatalf("no way on to sheet 4-16: %s", p.Body)
	}
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	if len(subs) != 1 || subs[0].Status != "submitted" || !subs[0].AutoScore.Valid {
		t.Fatalf("the report is not the team's submission: %+v", subs)
	}
	// The instructor sees the team's progress and the leaderboard.
	if p := w.teacher.Get(act); !p.Has("各组进度", "第 6 步（第 12 月）", "已提交") {
		t.Fatalf("instructor's view: %s", p.Body)
	}
	if p := w.teacher.Get(act + "/leaderboard"); p.Status != 200 || !p.Has("排行榜", "第1组") {
		t.Fatalf("leaderboard: %d", p.Status)
	}
	// The instructor grades the report on table 4-14's standards: each criterion's level is
	// suggested from the run's score on that standard.
	grade := act + "/submissions/" + itoa(subs[0].ID) + "/grade"
	gp := w.teacher.Get(grade)
	if gp.Status != 200 || !gp.Has("评估报告（表 4-14）", "选择方案“p2”的理由", "时效性", "信息透明度", "组员个人调整") {
		t.Fatalf("report grading page: %d %s", gp.Status, gp.Body)
	}
	sc, _ := w.app.Server.Library().Sim("sim-crmopt")
	suggested := url.Values{}
	for _, m := range regexp.MustCompile(`name="level\.([a-z_]+)" value="(\d)" checked`).FindAllStringSubmatch(gp.Body, -1) {
		suggested.Set("level."+m[1], m[2])
	}
	if len(sc.ReportRubric) != 8 || len(suggested) != 8 {
		t.Fatalf("%d criteria, %d suggested levels", len(sc.ReportRubric), len(suggested))
	}
	if r := w.teacher.Post(grade, suggested); r.Status != http.StatusSeeOther {
		t.Fatalf("grade the report: %d %.600s", r.Status, r.Body)
	}
	g, err := w.app.Store.GradeOf(ctx, subs[0].ID)
	if err != nil || g.Max != 100 || g.Score <= 0 {
		t.Fatalf("report grade %+v %v", g, err)
	}
	w.teacher.Post(act+"/release", nil)
	if p := w.students[2].Get("/grades"); !p.Has("成本效益", "老师的评分："+strconv.FormatFloat(g.Score, 'f', -1, 64)+" / 100") {
		t.Fatalf("team member's results: %s", p.Body)
	}
}
