package server_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestSimAssessStep: a team opens the assigned CRM-optimization task, reads the
// dashboards and interviews, sends a survey, and saves a problem list that is scored; a
// teammate's stale save is refused.
func TestSimAssessStep(t *testing.T) {
	w := newWorkClass(t, 4)
	members, _ := w.app.Store.Members(ctx, w.cls.ID)
	form := url.Values{}
	for _, m := range members {
		form.Set("group_"+itoa(m.ID), "1")
	}
	form.Set("leader", itoa(members[0].ID))
	w.teacher.Post("/classes/"+itoa(w.cls.ID)+"/groups", form)
	a := w.assign(t, "sim", "sim-crmopt", url.Values{"per_group": {"1"}})
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
}
