package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"crmlab/scenarios/cards"
	"crmlab/server/apptest"
)

// TestJourneyCardPhone: a student on a phone opens an assigned auto-graded card, types,
// sees 已保存, reloads and finds the draft, loses the connection while typing and gets the
// draft saved when it comes back, submits, and reads the field-by-field feedback.
func TestJourneyCardPhone(t *testing.T) {
	w := newWorkClass(t, 1)
	a := w.assign(t, "card", "card-clv", nil)
	ctx := apptest.Browser(t)
	apptest.Phone(t, ctx)
	apptest.Open(t, ctx, w.app.URL+"/login")
	apptest.Fill(t, ctx, "#login", w.users[0].Login)
	apptest.Fill(t, ctx, "#password", "secret1")
	apptest.Click(t, ctx, "main form button[type=submit]")

	// The home page links to the card.
	apptest.Click(t, ctx, `a[href="`+workPath(a)+`"]`)
	wantPath(t, ctx, workPath(a))
	checkPhonePage(t, ctx, "card")
	apptest.Fill(t, ctx, `textarea[name="f.reflection"]`, "先算年收入，再乘年数。")
	waitFor(t, ctx, `document.querySelector('.save-status').textContent.startsWith('已保存')`, "the 已保存 time after typing")

	// Reload: the draft is the server's.
	apptest.Open(t, ctx, w.app.URL+workPath(a))
	if got := apptest.Value(t, ctx, `textarea[name="f.reflection"]`); got != "先算年收入，再乘年数。" {
		t.Fatalf("draft after reload = %q", got)
	}

	// Offline: the edit stays in the phone and is saved once the connection is back.
	setOffline(t, ctx, true)
	apptest.Fill(t, ctx, `textarea[name="f.reflection"]`, "离线时写的。")
	waitFor(t, ctx, `/离线|网络断开/.test(document.querySelector('.save-status').textContent)`, "the offline notice")
	setOffline(t, ctx, false)
	waitFor(t, ctx, `document.querySelector('.save-status').textContent.startsWith('已保存')`, "the save after reconnecting")
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	if !strings.Contains(subs[0].Draft, "离线时写的。") {
		t.Fatalf("the offline edit did not reach the server: %s", subs[0].Draft)
	}

	// Submit with the right basic value and a wrong adjusted one; read the feedback.
	var v cards.Variant
	if err := json.Unmarshal([]byte(subs[0].Variant), &v); err != nil {
		t.Fatal(err)
	}
	apptest.Fill(t, ctx, `input[name="f.basic"]`, v.Expected["basic"].Text)
	apptest.Fill(t, ctx, `input[name="f.adjusted"]`, v.Expected["basic"].Text) // forgot the retention
	apptest.Eval[bool](t, ctx, `(window.confirm = () => true, true)`)
	apptest.Click(t, ctx, `.save-bar button.primary`)
	waitFor(t, ctx, `!!document.querySelector('.result')`, "the auto-grade")
	text := apptest.Text(t, ctx, ".result")
	if !strings.Contains(text, "自动评分") || !strings.Contains(text, "✗") || !strings.Contains(text, "✓") {
		t.Fatalf("feedback: %s", text)
	}
	checkPhonePage(t, ctx, "card-graded")
}

// waitFor polls a JavaScript condition for up to ten seconds.
func waitFor(t *testing.T, ctx context.Context, js, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if apptest.Eval[bool](t, ctx, js) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	status := apptest.Eval[string](t, ctx, `(document.querySelector('.save-status') || {}).textContent || ''`)
	t.Fatalf("waited 10 s for %s (save status: %q)", what, status)
}

// setOffline cuts or restores the tab's network, as a phone leaving the Wi-Fi would.
func setOffline(t *testing.T, ctx context.Context, offline bool) {
	t.Helper()
	apptest.Do(t, ctx, chromedp.Func(func(c context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(c, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		cond := []*network.Conditions{{URLPattern: "", Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}}
		if !offline {
			cond = []*network.Conditions{}
		}
		if _, err := cdp.Call(c, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: cond}); err != nil {
			return err
		}
		_, err := cdp.Call(c, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
}
