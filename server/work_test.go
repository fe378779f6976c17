package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"crmlab/scenarios/cards"
	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// workClass is a class with an instructor and joined students, ready for activities.
type workClass struct {
	app      *apptest.App
	teacher  *apptest.Client
	cls      store.Class
	students []*apptest.Client
	users    []store.User
}

func newWorkClass(t *testing.T, n int, opts ...server.Option) *workClass {
	t.Helper()
	app := apptest.Start(t, server.Config{LoginNameBurst: 100}, opts...)
	teacher, _ := app.As(store.RoleInstructor)
	w := &workClass{app: app, teacher: teacher}
	w.cls = newClass(t, app, teacher, "物流1班")
	for i := 0; i < n; i++ {
		c := app.Client()
		no := "20240" + itoa(int64(100+i))
		r := c.Post("/join", url.Values{"code": {w.cls.JoinCode}, "student_no": {no}, "name": {"学生" + itoa(int64(i+1))}, "password": {"secret1"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("join: %d %s", r.Status, r.Body)
		}
		u, _ := app.Store.UserByLogin(ctx, no)
		w.students = append(w.students, c)
		w.users = append(w.users, u)
	}
	return w
}

// oneGroup puts every student of the class into group 1 with the first as leader.
func (w *workClass) oneGroup(t *testing.T) {
	t.Helper()
	members, _ := w.app.Store.Members(ctx, w.cls.ID)
	form := url.Values{}
	for _, m := range members {
		form.Set("group_"+itoa(m.ID), "1")
	}
	form.Set("leader", itoa(members[0].ID))
	if r := w.teacher.Post("/classes/"+itoa(w.cls.ID)+"/groups", form); r.Status != http.StatusSeeOther {
		t.Fatalf("groups: %d %s", r.Status, r.Body)
	}
}

// twoGroups puts the class's eight students in two groups of four (第1组 led by the first,
// 第2组 by the fifth).
func (w *workClass) twoGroups(t *testing.T) {
	t.Helper()
	members, _ := w.app.Store.Members(ctx, w.cls.ID)
	form := url.Values{}
	for i, m := range members {
		form.Set("group_"+itoa(m.ID), itoa(int64(1+i/4)))
	}
	form.Add("leader", itoa(members[0].ID))
	form.Add("leader", itoa(members[4].ID))
	if r := w.teacher.Post("/classes/"+itoa(w.cls.ID)+"/groups", form); r.Status != http.StatusSeeOther {
		t.Fatalf("groups: %d %.300s", r.Status, r.Body)
	}
}

// assign has the instructor assign content and returns the activity.
func (w *workClass) assign(t *testing.T, kind, id string, form url.Values) store.Activity {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("activity", kind+":"+id)
	r := w.teacher.Post("/classes/"+itoa(w.cls.ID)+"/activities", form)
	if page := w.teacher.Follow(r); !page.Has("已布置") {
		t.Fatalf("assign %s: %s", id, page.Body)
	}
	acts, _ := w.app.Store.Activities(ctx, w.cls.ID)
	for _, a := range acts {
		if a.ContentID == id {
			return a
		}
	}
	t.Fatalf("activity %s not stored", id)
	return store.Activity{}
}

func workPath(a store.Activity) string {
	return "/classes/" + itoa(a.ClassID) + "/work/" + itoa(a.ID)
}

// autosave posts like the page's script and decodes the JSON answer.
func autosave(t *testing.T, c *apptest.Client, a store.Activity, version int, form url.Values) (int, map[string]any) {
	t.Helper()
	form.Set("version", itoa(int64(version)))
	form.Set("_csrf", c.CSRF())
	req, _ := http.NewRequest(http.MethodPost, c.AppURL()+workPath(a)+"/save", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	r := c.Do(req)
	var out map[string]any
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		t.Fatalf("save answered %d with non-JSON: %s", r.Status, r.Body)
	}
	return r.Status, out
}

func TestIndividualCardLifecycle(t *testing.T) {
	w := newWorkClass(t, 2)
	a := w.assign(t, "card", "card-ups-think", nil)
	stu := w.students[0]
	page := stu.Get(workPath(a))
	if page.Status != 200 || !page.Has("分析要点", `name="f.practice"`, `data-autosave=`) {
		t.Fatalf("work page: %d", page.Status)
	}
	// Autosave, then a second tab still on version 0 is refused with what changed.
	st, res := autosave(t, stu, a, 0, url.Values{"f.practice": {"UPS 用信息系统跟踪每一件包裹"}})
	if st != 200 || res["version"].(float64) != 1 || res["saved_at"] == "" {
		t.Fatalf("first save: %d %v", st, res)
	}
	st, res = autosave(t, stu, a, 0, url.Values{"f.practice": {"另一个标签页"}})
	if st != 409 || !strings.Contains(res["message"].(string), "保存了新的内容") || len(res["changed"].([]any)) == 0 {
		t.Fatalf("stale save: %d %v", st, res)
	}
	// Too long: refused field by field, nothing saved.
	st, res = autosave(t, stu, a, 1, url.Values{"f.practice": {strings.Repeat("长", 6000)}})
	if st != 422 || len(res["errors"].([]any)) == 0 {
		t.Fatalf("too long: %d %v", st, res)
	}
	// The draft survives a reload.
	if page := stu.Get(workPath(a)); !page.Has("UPS 用信息系统跟踪每一件包裹", `name="version" value="1"`) {
		t.Fatal("draft not shown after reload")
	}
	// Submitting with a required field empty is refused with the field named.
	r := stu.Post(workPath(a)+"/submit", url.Values{"version": {"1"}, "f.practice": {"UPS 用信息系统跟踪每一件包裹"}})
	if r.Status != 400 || !r.Has("还不能提交") {
		t.Fatalf("incomplete submit: %d", r.Status)
	}
	full := url.Values{"version": {"1"}, "f.practice": {"UPS 用信息系统跟踪每一件包裹"}, "f.insight": {"客户关系管理要靠长期积累，不能只买软件。"}}
	r = stu.Post(workPath(a)+"/submit", full)
	if r.Status != http.StatusSeeOther || !stu.Follow(r).Has("已提交第 1 版", "等待老师批改") {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	if st, _ := autosave(t, stu, a, 2, url.Values{"f.practice": {"改"}}); st != 409 {
		t.Fatalf("save after submit: %d", st)
	}
	// The other student has their own, empty work: never the first student's answer.
	if other := w.students[1].Get(workPath(a)); other.Has("UPS 用信息系统跟踪每一件包裹") {
		t.Fatal("a student sees another student's answer")
	}
	// The instructor returns it; the student revises and submits version 2.
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	base := "/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a.ID)
	if list := w.teacher.Get(base); !list.Has("已提交", "学生1", "未开始") {
		t.Fatalf("activity list: %s", list.Body)
	}
	r = w.teacher.Post(base+"/submissions/"+itoa(subs[0].ID)+"/return", url.Values{"comment": {"请结合案例举例"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("return: %d %s", r.Status, r.Body)
	}
	if page := stu.Get(workPath(a)); !page.Has("老师退回修改", "请结合案例举例", "第 1 版") {
		t.Fatal("student does not see the return")
	}
	full.Set("version", "2")
	full.Set("f.insight", "要靠长期积累，例如 UPS 93 年的经验。")
	if r := stu.Post(workPath(a)+"/submit", full); r.Status != http.StatusSeeOther {
		t.Fatalf("resubmit: %d %s", r.Status, r.Body)
	}
	vs, _ := w.app.Store.Versions(ctx, subs[0].ID)
	if len(vs) != 2 {
		t.Fatalf("%d versions kept, want 2", len(vs))
	}
	if detail := w.teacher.Get(base + "/submissions/" + itoa(subs[0].ID)); !detail.Has("第 2 版", "第 1 版", "93 年的经验", "请结合案例举例") {
		t.Fatal("instructor's view lacks the versions")
	}
	// Printing: blank for handing out, filled for the student.
	if p := stu.Get("/cards/card-ups-think/print"); !p.Has("班级 ____", "分析要点") {
		t.Fatal("blank print")
	}
	if p := stu.Get(workPath(a) + "/print"); !p.Has("93 年的经验", "第 2 版") {
		t.Fatal("filled print")
	}
}

func TestGroupCardConflict(t *testing.T) {
	w := newWorkClass(t, 4)
	w.oneGroup(t)
	a := w.assign(t, "card", "card-4-11", url.Values{"per_group": {"1"}})
	alice, bob := w.students[0], w.students[1]
	st, _ := autosave(t, alice, a, 0, url.Values{"f.questions.item": {"您对准时率满意吗？"}})
	if st != 200 {
		t.Fatalf("alice save: %d", st)
	}
	// Bob's page was loaded before Alice saved: his save is refused and tells him what changed.
	st, res := autosave(t, bob, a, 0, url.Values{"f.questions.item": {"您对价格满意吗？"}})
	if st != 409 || !strings.Contains(res["message"].(string), "学生1") || !strings.Contains(jsonText(res["changed"]), "您对准时率满意吗？") {
		t.Fatalf("bob's stale save: %d %v", st, res)
	}
	// After reloading he sees Alice's text and saves on top of it.
	if page := bob.Get(workPath(a)); !page.Has("您对准时率满意吗？") {
		t.Fatal("group mate does not see the shared answer")
	}
	if st, _ := autosave(t, bob, a, 1, url.Values{"f.questions.item": {"您对准时率满意吗？", "您对价格满意吗？"}}); st != 200 {
		t.Fatalf("bob's second save: %d", st)
	}
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	if len(subs) != 1 {
		t.Fatalf("%d submissions for one group", len(subs))
	}
	contributors, _ := w.app.Store.Contributors(ctx, subs[0].ID)
	if len(contributors) != 2 {
		t.Fatalf("contributors = %+v", contributors)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestAutoGradedCard(t *testing.T) {
	w := newWorkClass(t, 2)
	a := w.assign(t, "card", "card-abc", nil)
	stu := w.students[0]
	if page := stu.Get(workPath(a)); !page.Has("你的数据", "C01 的类别") {
		t.Fatalf("auto-graded card page lacks the student's data")
	}
	w.students[1].Get(workPath(a))
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	if len(subs) != 2 || subs[0].Variant == "" || subs[0].Variant == subs[1].Variant {
		t.Fatal("students did not get their own data")
	}
	var v cards.Variant
	if err := json.Unmarshal([]byte(subs[0].Variant), &v); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"version": {"0"}}
	wrong := 0
	for _, f := range v.Fields {
		ans := v.Expected[f.ID].Text
		if wrong == 0 && ans == "C" {
			ans, wrong = "A", 1 // one mistake, to see its feedback
		}
		form.Set("f."+f.ID, ans)
	}
	form.Set("f.advice", "A 类客户专人负责，C 类客户标准化服务。")
	owner := stu
	if subs[0].Owner.UserID != w.users[0].ID {
		owner = w.students[1]
	}
	r := owner.Post(workPath(a)+"/submit", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	page := owner.Follow(r)
	if !page.Has("自动评分", "应为 C 类", "✗") {
		t.Fatalf("no field feedback: %s", page.Body)
	}
	detail := w.teacher.Get("/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(a.ID) + "/submissions/" + itoa(subs[0].ID))
	if !detail.Has("这位学生数据的正确答案", "自动评分") {
		t.Fatal("instructor does not see the data and the expected answer")
	}
	// The preview shows example data; only staff see its answers.
	if p := stu.Get("/cards/card-abc"); !p.Has("示例数据") || p.Has("示例数据的正确答案") {
		t.Fatal("student preview")
	}
	if p := w.teacher.Get("/cards/card-abc"); !p.Has("示例数据的正确答案", "评分标准") {
		t.Fatal("instructor preview")
	}
}

func TestSelfScoringSheet(t *testing.T) {
	w := newWorkClass(t, 1)
	a := w.assign(t, "sheet", "sheet-4-16", nil)
	stu := w.students[0]
	if page := stu.Get(workPath(a)); !page.Has("项目进度（满分 20）", "客户满意度（满分 40）", "评价对象：华通物流客户管理运营模块优化") {
		t.Fatalf("sheet page")
	}
	cases := []struct {
		name string
		form url.Values
		want string
	}{
		{"above the maximum", url.Values{"f.progress": {"25"}, "f.cost": {"10"}, "f.teamwork": {"10"}, "f.satisfaction": {"30"}}, "20"},
		{"negative", url.Values{"f.progress": {"-1"}, "f.cost": {"10"}, "f.teamwork": {"10"}, "f.satisfaction": {"30"}}, "0"},
		{"not a whole number", url.Values{"f.progress": {"15.5"}, "f.cost": {"10"}, "f.teamwork": {"10"}, "f.satisfaction": {"30"}}, "小数"},
		{"missing item", url.Values{"f.progress": {"15"}, "f.cost": {"10"}, "f.teamwork": {"10"}}, "客户满意度"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("version", "0")
			r := stu.Post(workPath(a)+"/submit", tc.form)
			if r.Status != 400 || !r.Has(tc.want) {
				t.Fatalf("status %d, want 400 with %q", r.Status, tc.want)
			}
		})
	}
	// The browser's total is ignored; the server adds the items itself.
	r := stu.Post(workPath(a)+"/submit", url.Values{"version": {"0"}, "f.progress": {"18"}, "f.cost": {"15"}, "f.teamwork": {"17"},
		"f.satisfaction": {"33"}, "total": {"100"}, "f.reflection": {"成本估算偏乐观。"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	if page := stu.Follow(r); !page.Has("自评总分：<strong>83</strong> / 100") {
		t.Fatalf("total not computed by the server: %s", page.Body)
	}
}

func TestClosedAndLateWork(t *testing.T) {
	now := time.Date(2026, 10, 8, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	w := newWorkClass(t, 1, server.WithClock(clock))
	a := w.assign(t, "card", "card-ups-think", url.Values{"due": {"2026-10-09T18:00"}})
	stu := w.students[0]
	now = now.Add(72 * time.Hour) // past the due date
	full := url.Values{"version": {"0"}, "f.practice": {"做法"}, "f.insight": {"借鉴"}}
	r := stu.Post(workPath(a)+"/submit", full)
	if r.Status != http.StatusSeeOther || !stu.Follow(r).Has("迟交") {
		t.Fatalf("late submission: %d", r.Status)
	}
	b := w.assign(t, "card", "card-dhl", nil)
	base := "/classes/" + itoa(w.cls.ID) + "/activities/" + itoa(b.ID)
	if r := w.teacher.Post(base+"/close", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("close: %d", r.Status)
	}
	if st, res := autosave(t, stu, b, 0, url.Values{"f.apply": {"x"}}); st != 403 || !strings.Contains(res["message"].(string), "已关闭") {
		t.Fatalf("save to a closed activity: %d %v", st, res)
	}
	if r := stu.Post(workPath(b)+"/submit", url.Values{"version": {"0"}}); r.Status != 403 {
		t.Fatalf("submit to a closed activity: %d", r.Status)
	}
	w.teacher.Post(base+"/reopen", nil)
	if st, _ := autosave(t, stu, b, 0, url.Values{"f.apply": {"x"}}); st != 200 {
		t.Fatalf("save after reopening: %d", st)
	}
}

// TestAutosaveAccessStaysCurrent: the autosave's access checks (the class with the student's
// membership, the activity, the group's submission) are kept between saves, yet every change
// of the class reaches the very next save: closing and reopening the activity, regrouping,
// removing the student, deleting the activity.
func TestAutosaveAccessStaysCurrent(t *testing.T) {
	w := newWorkClass(t, 8)
	w.twoGroups(t)
	a := w.assign(t, "card", "card-4-11", url.Values{"per_group": {"1"}})
	alice, bob := w.students[0], w.students[1]
	base := "/classes/" + itoa(w.cls.ID)
	members, _ := w.app.Store.Members(ctx, w.cls.ID)
	memberOf := map[int64]int64{} // user → roster place
	for _, m := range members {
		memberOf[m.UserID] = m.ID
	}
	save := func(c *apptest.Client, version int, text string) (int, int) {
		t.Helper()
		st, res := autosaveRaw(c, a.ClassID, a.ID, version, url.Values{"f.questions.item": {text}})
		return st, int(num(res["version"]))
	}
	teacher := func(path string, form url.Values) {
		t.Helper()
		if r := w.teacher.Post(base+path, form); r.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d %.300s", path, r.Status, r.Body)
		}
	}
	alice.Get(workPath(a))
	for v := 0; v < 3; v++ { // the first save reads the checks, the next ones reuse them
		if st, got := save(alice, v, "第"+itoa(int64(v))+"稿"); st != 200 || got != v+1 {
			t.Fatalf("save on version %d: %d, version %d", v, st, got)
		}
	}

	teacher("/activities/"+itoa(a.ID)+"/close", nil)
	if st, got := save(alice, 3, "关闭后"); st != http.StatusForbidden || got != 3 {
		t.Fatalf("save after closing: %d, version %d", st, got)
	}
	teacher("/activities/"+itoa(a.ID)+"/reopen", nil)
	if st, got := save(alice, 3, "重新开放后"); st != 200 || got != 4 {
		t.Fatalf("save after reopening: %d, version %d", st, got)
	}

	// Alice changes places with the fifth student: her next save goes to 第2组's answer.
	form := url.Values{}
	for i, u := range w.users {
		form.Set("group_"+itoa(memberOf[u.ID]), itoa(int64(1+i/4)))
	}
	form.Set("group_"+itoa(memberOf[w.users[0].ID]), "2")
	form.Set("group_"+itoa(memberOf[w.users[4].ID]), "1")
	form.Add("leader", itoa(memberOf[w.users[1].ID]))
	form.Add("leader", itoa(memberOf[w.users[0].ID]))
	teacher("/groups", form)
	if st, got := save(alice, 0, "新组的第一稿"); st != 200 || got != 1 {
		t.Fatalf("save after regrouping: %d, version %d", st, got)
	}
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	if len(subs) != 2 || !strings.Contains(subs[0].Draft, "重新开放后") || !strings.Contains(subs[1].Draft, "新组的第一稿") {
		t.Fatalf("submissions after regrouping: %+v", subs)
	}

	teacher("/members/"+itoa(memberOf[w.users[0].ID])+"/remove", nil)
	if st, _ := save(alice, 1, "移出后"); st != http.StatusNotFound {
		t.Fatalf("removed student's save answered %d", st)
	}
	if sub, _ := w.app.Store.SubmissionByID(ctx, a.ID, subs[1].ID); sub.DraftVersion != 1 || strings.Contains(sub.Draft, "移出后") {
		t.Fatalf("removed student's save was written: %+v", sub)
	}

	bob.Get(workPath(a))
	if st, got := save(bob, 4, "乙的稿"); st != 200 || got != 5 {
		t.Fatalf("bob's save: %d, version %d", st, got)
	}
	teacher("/activities/"+itoa(a.ID)+"/delete", nil)
	if st, _ := save(bob, 5, "删除后"); st != http.StatusNotFound {
		t.Fatalf("save to a deleted activity answered %d", st)
	}
}
