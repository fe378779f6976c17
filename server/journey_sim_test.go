package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"crmlab/server/apptest"
)

// TestJourneySimTwoPhones takes one team through all six steps of the CRM-optimization task
// on two 360 px phones, the members taking turns: a teammate's change appears on the other
// phone within 2 s without a reload; a member with unsaved input keeps it, is told who
// changed what, is refused when saving over the change, reloads and goes on..
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

	// Step 1: Alice surveys; Bob's page shows it in place within 2 s, without a reload.
	apptest.Eval[bool](t, bob, `(window.sameDocument = true, true)`)
	submit(alice, `form[action$="/survey"]`)
	flash(alice, "调查完成")
	within(t, bob, 2*time.Second, `window.sameDocument === true && document.querySelector('article.sim').textContent.includes('第 1 次调查')`, "Alice's survey on Bob's page")
	if got := apptest.Text(t, bob, "[data-sim-news]"); !strings.Contains(got, "学生1") || !strings.Contains(got, "调查完成") {
		t.Fatalf("Bob is not told who changed what: %q", got)
	}
	// Bob types a problem while Alice surveys again: his input stays, he is told who changed
	// what, and his save from the old version is refused; he reloads and goes on.
	apptest.Fill(t, bob, `input[name="problem"]`, "客户信息更新不及时")
	submit(alice, `form[action$="/survey"]`)
	within(t, bob, 2*time.Second, `!document.querySelector('[data-sim-live]').hidden`, "the notice of Alice's second survey")
	if got := apptest.Text(t, bob, "[data-sim-live]"); !strings.Contains(got, "学生1") || !strings.Contains(got, "调查完成") || !strings.Contains(got, "没保存") {
		t.Fatalf("notice: %q", got)
	}
	if got := apptest.Value(t, bob, `input[name="problem"]`); got != "客户信息更新不及时" || !apptest.Eval[bool](t, bob, `window.sameDocument === true`) {
		t.Fatalf("Bob's unsaved input was replaced: %q", got)
	}
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
	// Charts are drawn as they come near the screen: scroll to the fan charts.
	waitFor(t, alice, `(b => (b.scrollIntoView(), b.querySelectorAll('.chart').length >= 2 && b.querySelectorAll('.chart svg').length === b.querySelectorAll('.chart').length))(document.querySelectorAll('.charts')[1])`, "the fan charts")
	apptest.Eval[bool](t, alice, `(document.querySelector('input[name="plan"][value="p2"]').checked = true, true)`)
	apptest.Fill(t, alice, "#just", "P10 也能回本，风险最小，适合先做。")
	submit(alice, `form[action$="/choose"]`)
	flash(alice, "已选定")

	// Step 5 (Bob): owners for each measure.
	apptest.Open(t, bob, page)
	apptest.Eval[bool](t, bob, `(document.querySelectorAll('form[action$="/schedule"] select[name^="owner."]').forEach(s => s.selectedIndex = 1), true)`)
	submit(bob, `form[action$="/schedule"]`)
	flash(bob, "实施计划已保存")

	// Step 6 (Alice): twelve months, then the report. Bob puts his phone away (both phones
	// share this machine's two cores; his page would redraw its charts after every month).
	apptest.Open(t, bob, w.app.URL+"/home")
	apptest.Open(t, alice, page)
	for m := 1; m <= 12; m++ {
		submit(alice, `form[action$="/step"]`)
	}
	flash(alice, "评估报告（表 4-14）")
	checkPhonePage(t, alice, "sim-report")
	submit(alice, `form[action$="/submit"]`)
	flash(alice, "任务报告已提交")
}

// TestJourneySimReportPrint: a team that ran its twelve months opens the paper report on a
// phone (it fits 360 px) and prints it: on A4 with print media, no navigation or buttons.
func TestJourneySimReportPrint(t *testing.T) {
	w, a := simTeam(t)
	base := "/classes/" + itoa(w.cls.ID) + "/sim/" + itoa(a.ID)
	v := runFirstMonth(t, w.students[0], base, 0)
	for m := 2; m <= 12; m++ {
		w.students[0].Post(base+"/step", url.Values{"version": {itoa(int64(v))}})
		v++
	}
	browser := apptest.Browser(t)
	apptest.Phone(t, browser)
	apptest.Open(t, browser, w.app.URL+"/login")
	apptest.Fill(t, browser, "#login", w.users[1].Login)
	apptest.Fill(t, browser, "#password", "secret1")
	apptest.Click(t, browser, "main form button[type=submit]")
	apptest.Open(t, browser, w.app.URL+base)
	apptest.Click(t, browser, `a[href$="/report/print"]`)
	if got := apptest.Text(t, browser, "main"); !strings.Contains(got, "表 4-14 评价结果") || !strings.Contains(got, "指导教师") {
		t.Fatalf("print page: %.300s", got)
	}
	checkPhonePage(t, browser, "sim-report-print-phone")
	apptest.Viewport(t, browser, 680, 960) // A4's printable width at 96 dpi (210 mm less 15 mm margins)
	apptest.Do(t, browser, chromedp.Func(func(c context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(c, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	apptest.Screenshot(t, browser, "sim-report-print")
	if shown := apptest.Eval[[]string](t, browser, `[...document.querySelectorAll('header.top, nav, button, .button, .no-print, form')].filter(e => e.getClientRects().length > 0).map(e => e.tagName + '.' + e.className)`); len(shown) > 0 {
		t.Errorf("printed report shows navigation or buttons: %v", shown)
	}
	if over := apptest.Eval[[]string](t, browser, overflowJS); len(over) > 0 {
		t.Errorf("printed report runs past the A4 printable width: %v", over)
	}
}

// overflowJS lists the elements whose right edge lies past the viewport.
const overflowJS = `[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + (e.textContent || '').trim().slice(0, 12))`

// within waits up to d for a JavaScript condition to hold on the page.
func within(t *testing.T, ctx context.Context, d time.Duration, js, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if apptest.Eval[bool](t, ctx, js) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
