package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"crmlab/scenarios/keymoments"
	"crmlab/server"
	"crmlab/server/apptest"
)

// TestJourneyGame plays a whole moments-of-truth game in real browsers: the instructor's
// console and projector, and one phone per group driven by clicks, with timers shortened;
// the other students act over HTTP. It checks that every screen follows the server and
// that the projector ends on the summary with the cross-review results.
func TestJourneyGame(t *testing.T) {
	short := map[keymoments.Phase]time.Duration{
		keymoments.PhaseDefine: 20 * time.Second, keymoments.PhaseWall: 20 * time.Second, keymoments.PhaseReturns: 20 * time.Second,
		keymoments.PhasePrepare: 20 * time.Second, keymoments.PhasePresent: 10 * time.Second, keymoments.PhaseReview: 20 * time.Second,
	}
	w := newWorkClass(t, 8, server.WithGameDurations(short))
	base := startGame(t, w)
	for _, s := range w.students {
		s.Get(base + "/play")
	}
	command(t, w.teacher, base, url.Values{"kind": {"shuffle"}}) // two groups of four

	browser := apptest.Browser(t)
	login := func(ctx context.Context, login, password string) {
		apptest.Open(t, ctx, w.app.URL+"/login")
		apptest.Fill(t, ctx, "#login", login)
		apptest.Fill(t, ctx, "#password", password)
		apptest.Click(t, ctx, "main form button[type=submit]")
	}
	staff, _ := w.app.Store.ListStaff(ctx)
	teacherLogin := staff[0].Login
	console := apptest.NewTab(t, browser)
	login(console, teacherLogin, apptest.Password)
	apptest.Open(t, console, w.app.URL+base)
	projector := apptest.NewTab(t, browser)
	login(projector, teacherLogin, apptest.Password)
	apptest.Viewport(t, projector, 1280, 720)
	apptest.Open(t, projector, w.app.URL+base+"/projector")

	// One phone per group.
	groups, _ := w.app.Store.Groups(ctx, w.cls.ID)
	var phones []context.Context
	for _, g := range groups {
		for _, u := range w.users {
			if cg, _ := w.app.Store.GroupOfUser(ctx, w.cls.ID, u.ID); cg.ID == g.ID {
				p := apptest.NewTab(t, browser)
				apptest.Phone(t, p)
				login(p, u.Login, "secret1")
				apptest.Click(t, p, `.live-games a`)
				phones = append(phones, p)
				break
			}
		}
	}
	see := func(ctx context.Context, text, what string) {
		t.Helper()
		waitFor(t, ctx, `document.getElementById('game-live').innerText.includes(`+jsString(text)+`)`, what)
	}
	next := func(label string) {
		t.Helper()
		apptest.Eval[bool](t, console, `(document.querySelector('form[hx-post$="/command"] input[value="advance"]').form.requestSubmit(), true)`)
		see(projector, label, "the projector in "+label)
		for _, p := range phones {
			see(p, label, "a phone in "+label)
		}
	}
	see(phones[0], groups[0].Name, "the phone's group")

	next(keymoments.PhaseDefine.Label())
	see(projector, "剩余", "the projector's timer")
	for i, p := range phones {
		apptest.Fill(t, p, "#d-customer", "第"+itoa(int64(i+1))+"组的客户：网购学生")
		apptest.Fill(t, p, "#d-exp", "次日送到宿舍楼下")
		apptest.Eval[bool](t, p, `(document.querySelector('#d-exp').form.requestSubmit(), true)`)
	}
	see(projector, "第2组的客户：网购学生", "both definitions on the projector")
	apptest.Screenshot(t, phones[0], "game-phone-define")
	apptest.Screenshot(t, console, "game-console-define")
	apptest.Screenshot(t, projector, "game-projector-define")

	next(keymoments.PhaseHands.Label())
	apptest.Eval[bool](t, phones[0], `(document.querySelector('.hands form').requestSubmit(), true)`)
	see(projector, "熟悉 1", "the live count of hands")

	next(keymoments.PhaseCarlzon.Label())
	next(keymoments.PhaseWall.Label())
	apptest.Fill(t, phones[1], "#w-text", "快递员到楼下打电话的那一刻")
	apptest.Eval[bool](t, phones[1], `(document.querySelector('#w-text').form.requestSubmit(), true)`)
	see(projector, "快递员到楼下打电话的那一刻", "the post on the wall")

	next(keymoments.PhaseReturns.Label())
	next(keymoments.PhaseReveal.Label())
	next(keymoments.PhaseDeal.Label())
	see(phones[0], "你们的交流材料", "the dealt artefact")
	apptest.Screenshot(t, phones[0], "game-phone-deal")
	next(keymoments.PhasePrepare.Label())
	next(keymoments.PhasePresent.Label())
	for range groups {
		apptest.Eval[bool](t, console, `(document.querySelector('input[value="next-presenter"]').form.requestSubmit(), true)`)
		time.Sleep(300 * time.Millisecond)
	}
	apptest.Eval[bool](t, console, `(document.querySelector('input[value="next-presenter"]').form.requestSubmit(), true)`)
	time.Sleep(300 * time.Millisecond)
	next(keymoments.PhaseReview.Label())
	for _, p := range phones {
		waitFor(t, p, `!!document.querySelector('form.review input[value="4"]')`, "a group to review")
		apptest.Fill(t, p, `form.review input[name="text"]`, "例子贴近生活")
		apptest.Eval[bool](t, p, `(document.querySelector('form.review input[name="score"][value="4"]').checked = true, document.querySelector('form.review').requestSubmit(), true)`)
		waitFor(t, p, `document.getElementById('game-live').innerText.includes('已评')`, "the review accepted")
	}
	next(keymoments.PhaseSummary.Label())
	see(projector, "互评 4.0 分", "the cross-review result")
	summary := apptest.Text(t, projector, "#game-live")
	for _, point := range []string{"关键时刻", "机遇", "负责"} {
		if !strings.Contains(summary, point) {
			t.Errorf("summary lacks %q: %s", point, summary)
		}
	}
	apptest.Screenshot(t, projector, "game-summary")
	apptest.Screenshot(t, phones[0], "game-phone-summary")
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
