package server_test

import (
	"context"
	"strings"
	"testing"

	"crmlab/server/apptest"
)

// TestJourneySimTwoPhones takes one team through all six steps of the CRM-optimization task
// on two 360 px phones, the members taking turns; a member whose page is out of date is told
// so instead of overwriting, reloads, and goes on.
func TestJourneySimTwoPhones(t *testing.T) {
	w, a := simTeam(t)
	page := w.app.URL + "/classes/" + itoa(w.cls.ID) + "/sim/" + itoa(a.ID)

	browser := apptest.Browser(t)
	phone := func(i int) context.Context {
		p := apptest.NewTab(t, browser)
		apptest.Phone(t, p)
		apptest.Open(t, p, w.app.URL+"/login")
		apptest.Fill(t, p, "#login", w.users[i].Login)
		apptest.Fill(t, p, "#password", "secret1")
		apptest.Click(t, p, "main form button[type=submit]")
		apptest.Open(t, p, page)
		return p
	}
	alice, bob := phone(0), phone(1)
	submit := func(p context.Context, formSel string) {
		t.Helper()
		apptest.Eval[bool](t, p, `(window.confirm = () => true, true)`)
		apptest.Click(t, p, formSel+` button[type=submit]`)
	}
	flash := func(p context.Context, want string) {
		t.Helper()
		if got := apptest.Text(t, p, "main"); !strings.Contains(got, want) {
			t.Fatalf("page lacks %q", want)
		}
	}

	// Step 1: Alice surveys; Bob, whose page predates it, is refused and reloads.
	submit(alice, `form[action$="/survey"]`)
	flash(alice, "调查完成")
	waitFor(t, bob, `!document.querySelector('[data-sim-poll]').hidden`, "Bob's page noticing Alice's survey")
	apptest.Fill(t, bob, `input[name="problem"]`, "客户信息更新不及时")
	submit(bob, `form[action$="/problems"]`)
	flash(bob, "更新了本组的任务")
	apptest.Open(t, bob, page)
	apptest.Fill(t, bob, `input[name="problem"]`, "客户信息更新不及时，CRM 记录滞后")
	submit(bob, `form[action$="/problems"]`)
	flash(bob, "问题清单已保存")

	// Step 2 (Alice), step 3 (Bob: two plans), step 4 (Alice).
	apptest.Open(t, alice, page)
	apptest.Fill(t, alice, `input[name="value.on_time"]`, "95")
	apptest.Fill(t, alice, `input[name="month.on_time"]`, "6")
	submit(alice, `form[action$="/targets"]`)
	flash(alice, "已保存 1 个目标")
	apptest.Open(t, bob, page)
	for _, plan := range []struct{ name, measures string }{
		{"先打通数据", `["data-cleanup","crm-tms-sync","complaint-sla"]`},
		{"先管人和标准", `["service-manual","driver-training"]`},
	} {
		apptest.Fill(t, bob, "#plan-name", plan.name)
		apptest.Eval[bool](t, bob, `(`+plan.measures+`.forEach(id => document.querySelector('input[name="measure"][value="'+id+'"]').checked = true), true)`)
		submit(bob, `form[action$="/plans"]`)
		flash(bob, "已保存")
	}
	apptest.Open(t, alice, page)
	submit(alice, `form[action$="/evaluate"]`)
	flash(alice, "1,000 次模拟")
	waitFor(t, alice, `document.querySelectorAll('.chart svg').length > 13`, "the fan charts")
	apptest.Eval[bool](t, alice, `(document.querySelector('input[name="plan"][value="p2"]').checked = true, true)`)
	apptest.Fill(t, alice, "#just", "P10 也能回本，风险最小，适合先做。")
	submit(alice, `form[action$="/choose"]`)
	flash(alice, "已选定")

	// Step 5 (Bob): owners for each measure.
	apptest.Open(t, bob, page)
	apptest.Eval[bool](t, bob, `(document.querySelectorAll('form[action$="/schedule"] select[name^="owner."]').forEach(s => s.selectedIndex = 1), true)`)
	submit(bob, `form[action$="/schedule"]`)
	flash(bob, "实施计划已保存")

	// Step 6 (Alice): twelve months, then the report.
	apptest.Open(t, alice, page)
	for m := 1; m <= 12; m++ {
		submit(alice, `form[action$="/step"]`)
	}
	flash(alice, "评估报告（表 4-14）")
	checkPhonePage(t, alice, "sim-report")
	submit(alice, `form[action$="/submit"]`)
	flash(alice, "任务报告已提交")
}
