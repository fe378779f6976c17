package server_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"crmlab/scenarios/cards"
	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// submitABC has a student hand in card-abc with `wrong` of the class answers wrong.
func submitABC(t *testing.T, w *workClass, a store.Activity, stu int, wrong int) store.SubmissionRow {
	t.Helper()
	c := w.students[stu]
	c.Get(workPath(a))
	sub, err := w.app.Store.FindSubmission(ctx, a.ID, store.Owner{UserID: w.users[stu].ID})
	if err != nil {
		t.Fatal(err)
	}
	var v cards.Variant
	json.Unmarshal([]byte(sub.Variant), &v)
	form := url.Values{"version": {itoa(int64(sub.DraftVersion))}, "f.advice": {"A 类专人服务，C 类标准化。"}}
	for _, f := range v.Fields {
		ans := v.Expected[f.ID].Text
		if wrong > 0 {
			wrong--
			if ans == "A" {
				ans = "C"
			} else {
				ans = "A"
			}
		}
		form.Set("f."+f.ID, ans)
	}
	if r := c.Post(workPath(a)+"/submit", form); r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	for _, s := range subs {
		if s.ID == sub.ID {
			return s
		}
	}
	t.Fatal("submission not listed")
	return store.SubmissionRow{}
}

// TestAutoGradeOverride: on an auto-graded card the level of the auto criterion is
// suggested from the auto-score; picking another level or typing points needs a reason,
// points outside 0..max are refused, and the audit trail says what was overridden.
func TestAutoGradeOverride(t *testing.T) {
	w := newWorkClass(t, 2)
	a := w.assign(t, "card", "card-abc", nil)
	sub := submitABC(t, w, a, 0, 4) // 16 of 20 right: 80 % suggests 大部分正确 (45)
	if !sub.AutoScore.Valid || sub.AutoScore.Float64/sub.AutoMax.Float64 != 0.8 {
		t.Fatalf("auto-score %v / %v", sub.AutoScore, sub.AutoMax)
	}
	grade := "/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a.ID) + "/submissions/" + itoa(sub.ID) + "/grade"
	p := w.teacher.Get(grade)
	if !p.Has("建议等级：<strong>大部分正确</strong>", `name="level.calculation" value="1" checked`) {
		t.Fatalf("suggestion not shown and preselected: %s", p.Body)
	}
	dump := dbRows(t, w.app, "grades", "grade_audit")
	cases := []struct {
		name string
		form url.Values
		want string
	}{
		{"another level without a reason", url.Values{"level.calculation": {"0"}, "level.analysis": {"0"}}, "没有采用自动评分建议的“大部分正确”"},
		{"points without a reason", url.Values{"points.calculation": {"50"}, "level.analysis": {"0"}}, "直接给分时，请写明原因"},
		{"points above the maximum", url.Values{"points.calculation": {"61"}, "reason.calculation": {"x"}, "level.analysis": {"0"}}, "要在 0 到 60 之间"},
		{"negative points", url.Values{"points.calculation": {"-5"}, "reason.calculation": {"x"}, "level.analysis": {"0"}}, "要在 0 到 60 之间"},
		{"points that are not a number", url.Values{"points.calculation": {"五十"}, "reason.calculation": {"x"}, "level.analysis": {"0"}}, "要在 0 到 60 之间"},
		{"a level not in the rubric", url.Values{"level.calculation": {"7"}, "reason.calculation": {"x"}, "level.analysis": {"0"}}, "没有这个等级"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.teacher.Post(grade, tc.form)
			if r.Status != http.StatusBadRequest || !r.Has(tc.want) {
				t.Fatalf("%d, want 400 with %q: %s", r.Status, tc.want, r.Body)
			}
			if got := dbRows(t, w.app, "grades", "grade_audit"); got != dump {
				t.Fatal("a refused grade changed the database")
			}
		})
	}
	// Keeping the suggestion needs no reason: 45 + 40.
	if r := w.teacher.Post(grade, url.Values{"level.calculation": {"1"}, "level.analysis": {"0"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("keep suggestion: %d %s", r.Status, r.Body)
	}
	if g, _ := w.app.Store.GradeOf(ctx, sub.ID); g.Score != 85 {
		t.Fatalf("score %v, want 85", g.Score)
	}
	// Typed points with a reason (and the reason for changing the score).
	r := w.teacher.Post(grade, url.Values{"points.calculation": {"52.5"}, "reason.calculation": {"C07 的收入数据有歧义"}, "level.analysis": {"0"}, "reason": {"复核计算"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("points override: %d %s", r.Status, r.Body)
	}
	if g, _ := w.app.Store.GradeOf(ctx, sub.ID); g.Score != 92.5 {
		t.Fatalf("score %v, want 92.5", g.Score)
	}
	hist, _ := w.app.Store.GradeHistory(ctx, sub.ID)
	if len(hist) != 2 || !strings.Contains(hist[1].Reason, "改判“计算与判断”：C07 的收入数据有歧义") || !strings.Contains(hist[1].Reason, "复核计算") {
		t.Fatalf("audit: %+v", hist)
	}
	// The student sees the override and its reason once released.
	w.teacher.Post("/classes/"+itoa(w.cls.ID)+"/activities/"+itoa(a.ID)+"/release", nil)
	if p := w.students[0].Get(workPath(a)); !p.Has("老师直接给分", "C07 的收入数据有歧义", "92.5 / 100") {
		t.Fatalf("student view: %s", p.Body)
	}
}

// TestGroupGradeAdjustments: a group's work is graded once; members get the group's score
// moved by their own adjustment with a reason, refused outside 0..max; the gradebook, the
// student's results and the audit trail show it.
func TestGroupGradeAdjustments(t *testing.T) {
	w := newWorkClass(t, 4)
	w.oneGroup(t)
	a := w.assign(t, "card", "card-4-11", url.Values{"per_group": {"1"}})
	card, _ := w.app.Server.Library().Card("card-4-11")
	form := url.Values{"version": {"0"}}
	for _, f := range card.Fields {
		switch f.Type {
		case "list":
			form["f."+f.ID+".item"] = []string{"一", "二", "三", "四", "五"}
		case "table":
			for r := 0; r < 3; r++ {
				for _, col := range f.Columns {
					form.Set("f."+f.ID+".r"+itoa(int64(r))+"."+col.ID, "内容")
				}
			}
		default:
			form.Set("f."+f.ID, "我们小组的回答")
		}
	}
	r := w.students[0].Post(workPath(a)+"/submit", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("group submit: %d %s", r.Status, r.Body)
	}
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	base := "/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a.ID)
	grade := base + "/submissions/" + itoa(subs[0].ID) + "/grade"
	if p := w.teacher.Get(grade); !p.Has("组员个人调整", "学生1", "学生4", `name="adj.`+itoa(w.users[3].ID)+`"`) {
		t.Fatalf("grading page lacks the members: %s", p.Body)
	}
	levels := url.Values{}
	for _, cr := range card.Rubric {
		levels.Set("level."+cr.ID, "1")
	}
	with := func(extra map[string]string) url.Values {
		f := url.Values{}
		for k, v := range levels {
			f[k] = v
		}
		for k, v := range extra {
			f.Set(k, v)
		}
		return f
	}
	score, _ := (func() (float64, error) {
		total := 0.0
		for _, cr := range card.Rubric {
			total += cr.Levels[1].Points
		}
		return total, nil
	})()
	u1, u4 := itoa(w.users[0].ID), itoa(w.users[3].ID)
	dump := dbRows(t, w.app, "grades", "grade_adjustments", "grade_audit")
	for _, bad := range []struct {
		extra map[string]string
		want  string
	}{
		{map[string]string{"adj." + u4: "-5"}, "请写明为什么调整学生4的分数"},
		{map[string]string{"adj." + u1: "200", "adjreason." + u1: "x"}, "超出了 0 到"},
		{map[string]string{"adj." + u1: "多", "adjreason." + u1: "x"}, "不是数字"},
	} {
		if r := w.teacher.Post(grade, with(bad.extra)); r.Status != 400 || !r.Has(bad.want) {
			t.Fatalf("%v: %d, want %q", bad.extra, r.Status, bad.want)
		}
		if dbRows(t, w.app, "grades", "grade_adjustments", "grade_audit") != dump {
			t.Fatal("a refused adjustment changed the database")
		}
	}
	r = w.teacher.Post(grade, with(map[string]string{"adj." + u4: "-5", "adjreason." + u4: "互评显示很少参与", "adj." + u1: "3", "adjreason." + u1: "组织全组"}))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("grade with adjustments: %d %s", r.Status, r.Body)
	}
	hist, _ := w.app.Store.GradeHistory(ctx, subs[0].ID)
	subjects := ""
	for _, h := range hist {
		subjects += h.Subject + ";"
	}
	if len(hist) != 3 || !strings.Contains(subjects, "学生4") || !strings.Contains(subjects, "学生1") {
		t.Fatalf("audit: %+v", hist)
	}
	// Gradebook: members differ by their adjustments.
	book := w.teacher.Get("/classes/" + itoa(w.cls.ID) + "/gradebook.xlsx")
	f, err := excelize.OpenReader(strings.NewReader(book.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("成绩册")
	got := map[string]string{}
	for _, row := range rows[1:] {
		got[row[1]] = row[2]
	}
	pct := func(x float64) string {
		return strings.TrimSuffix(strings.TrimRight(ftoa(100*x/card.MaxPoints(), 1), "0"), ".")
	}
	if got["学生1"] != pct(score+3) || got["学生4"] != pct(score-5) || got["学生2"] != pct(score) {
		t.Fatalf("gradebook cells %v, want %s / %s / %s", got, pct(score+3), pct(score-5), pct(score))
	}
	// After release the student sees the group's score, their adjustment and its reason.
	w.teacher.Post(base+"/release", nil)
	home := w.students[3].Get("/home")
	if !home.Has("老师发布了新成绩", card.Title) {
		t.Fatalf("no new-grade notice: %s", home.Body)
	}
	res := w.students[3].Get("/grades")
	if !res.Has("你的个人调整 -5", "互评显示很少参与", ftoa(score-5, -1)+" / "+ftoa(card.MaxPoints(), -1)) {
		t.Fatalf("results page: %s", res.Body)
	}
	if home := w.students[3].Get("/home"); home.Has("老师发布了新成绩") {
		t.Fatal("the notice stays after the student looked")
	}
	if other := w.students[1].Get("/home"); !other.Has("老师发布了新成绩") {
		t.Fatal("another member's notice went with the first's look")
	}
}

// TestQueueFilters: the activity's list filters by ungraded, returned, late, graded and
// released, with counts, and the grading page moves between submissions.
func TestQueueFilters(t *testing.T) {
	w := newWorkClass(t, 3)
	a := w.assign(t, "card", "card-ups-think", nil)
	for i := 0; i < 3; i++ {
		w.students[i].Post(workPath(a)+"/submit", url.Values{"version": {"0"}, "f.practice": {"做法"}, "f.insight": {"借鉴"}})
	}
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	base := "/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a.ID)
	card, _ := w.app.Server.Library().Card("card-ups-think")
	full := url.Values{}
	for _, cr := range card.Rubric {
		full.Set("level."+cr.ID, "0")
	}
	w.teacher.Post(base+"/submissions/"+itoa(subs[0].ID)+"/grade", full)
	w.teacher.Post(base+"/submissions/"+itoa(subs[1].ID)+"/return", url.Values{"comment": {"补充例子"}})
	p := w.teacher.Get(base)
	if !p.Has("待评分 1", "已退回 1", "已评分 1", "已发布 0", "未提交 0") {
		t.Fatalf("filter counts: %s", p.Body)
	}
	if p := w.teacher.Get(base + "?show=ungraded"); strings.Count(p.Body, "/grade\">评分</a>") != 1 || p.Has("改分") {
		t.Fatalf("ungraded filter: %s", p.Body)
	}
	if p := w.teacher.Get(base + "?show=released"); !p.Has("没有符合这个筛选的作业") {
		t.Fatal("released filter before release")
	}
	// A graded paper returned and handed in again comes back into the queue.
	w.teacher.Post(base+"/submissions/"+itoa(subs[0].ID)+"/return", url.Values{"comment": {"再想想"}})
	owner := w.students[0]
	for i, u := range w.users {
		if u.ID == subs[0].Owner.UserID {
			owner = w.students[i]
		}
	}
	again, _ := w.app.Store.SubmissionByID(ctx, a.ID, subs[0].ID)
	if r := owner.Post(workPath(a)+"/submit", url.Values{"version": {itoa(int64(again.DraftVersion))}, "f.practice": {"改过的做法"}, "f.insight": {"借鉴"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("hand in again: %d %s", r.Status, r.Body)
	}
	if p := w.teacher.Get(base); !p.Has("待评分 2", "新版本待评") {
		t.Fatalf("the new version is not back in the queue: %s", p.Body)
	}
	g := w.teacher.Get(base + "/submissions/" + itoa(subs[1].ID) + "/grade")
	if !g.Has("第 2 / 3 份", "/submissions/"+itoa(subs[0].ID)+"/grade\" data-key=\"p\"", "/submissions/"+itoa(subs[2].ID)+"/grade\" data-key=\"n\"") {
		t.Fatalf("queue navigation: %s", g.Body)
	}
}

// dbRows reads every row of the named tables through a connection of its own, as text, so
// a test can tell whether a refused request changed anything.
func dbRows(t *testing.T, app *apptest.App, tables ...string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+server.DBPath(app.Config.DataDir)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY rowid")
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintf(&b, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	return b.String()
}

func ftoa(f float64, prec int) string { return strconv.FormatFloat(f, 'f', prec, 64) }
