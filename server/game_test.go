package server_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"crmlab/scenarios/keymoments"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// startGame has the instructor start a game and returns its base URL.
func startGame(t *testing.T, w *workClass) string {
	t.Helper()
	r := w.teacher.Post("/classes/"+itoa(w.cls.ID)+"/games", nil)
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/games/") {
		t.Fatalf("start game: %d %s", r.Status, r.Body)
	}
	return r.Location
}

func command(t *testing.T, c *apptest.Client, base string, form url.Values) *apptest.Response {
	t.Helper()
	r := c.Post(base+"/command", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("command %v: %d %s", form, r.Status, r.Body)
	}
	return c.Follow(r)
}

func act(t *testing.T, c *apptest.Client, base string, form url.Values) *apptest.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.AppURL()+base+"/act", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", c.CSRF())
	return c.Do(req)
}

// TestGameOverHTTP plays a whole game through the real router: ten students in two
// groups, every phase, the refusals a class meets, the analysis cards submitted when
// preparation ends, and the CSV of results.
func TestGameOverHTTP(t *testing.T) {
	w := newWorkClass(t, 10)
	base := startGame(t, w)
	for _, s := range w.students {
		if r := s.Get(base + "/play"); r.Status != 200 || !r.Has("你已加入游戏") {
			t.Fatalf("join game: %d", r.Status)
		}
	}
	console := command(t, w.teacher, base, url.Values{"kind": {"shuffle"}})
	if !console.Has("第1组", "第2组") {
		t.Fatalf("console after shuffle: %s", console.Body)
	}
	advance := func() { command(t, w.teacher, base, url.Values{"kind": {"advance"}}) }
	alice := w.students[0]
	groups, _ := w.app.Store.Groups(ctx, w.cls.ID)
	var bobIdx int
	for i, u := range w.users {
		if g, _ := w.app.Store.GroupOfUser(ctx, w.cls.ID, u.ID); g.ID != groups[0].ID && i > 0 {
			bobIdx = i
			break
		}
	}
	if g, _ := w.app.Store.GroupOfUser(ctx, w.cls.ID, w.users[0].ID); g.ID != groups[0].ID {
		alice, bobIdx = w.students[bobIdx], 0
	}
	bob := w.students[bobIdx]

	// A member takes the lead of their group.
	if r := act(t, bob, base, url.Values{"kind": {"set-leader"}}); r.Status != 200 || !r.Has("本组组长：<strong>学生") {
		t.Fatalf("set leader: %d %s", r.Status, r.Body)
	}
	// A student cannot drive the game.
	if r := alice.Post(base+"/command", url.Values{"kind": {"advance"}}); r.Status != http.StatusForbidden {
		t.Fatalf("student advancing: %d", r.Status)
	}
	advance() // define
	if r := act(t, alice, base, url.Values{"kind": {"define"}, "text": {"网购的大学生"}, "text2": {"第二天就能在宿舍楼下取到"}}); r.Status != 200 {
		t.Fatalf("define: %d %s", r.Status, r.Body)
	}
	if r := act(t, alice, base, url.Values{"kind": {"post"}, "text": {"x"}}); r.Status != 400 {
		t.Fatalf("posting in the define phase: %d", r.Status)
	}
	if p := w.teacher.Get(base + "/projector"); !p.Has("网购的大学生") {
		t.Fatal("projector does not show the group's definition")
	}
	advance() // hands
	act(t, alice, base, url.Values{"kind": {"hand"}, "yes": {"1"}})
	act(t, bob, base, url.Values{"kind": {"hand"}, "yes": {"0"}})
	if p := w.teacher.Get(base + "/projector"); !p.Has("熟悉 <strong>1</strong>", "不熟悉 <strong>1</strong>") {
		t.Fatal("hands not counted")
	}
	advance() // carlzon
	advance() // wall
	act(t, alice, base, url.Values{"kind": {"post"}, "text": {"快递员打电话约时间的那一刻"}})
	if r := act(t, bob, base, url.Values{"kind": {"post"}, "text": {strings.Repeat("长", 300)}}); r.Status != 400 {
		t.Fatalf("over-long post: %d", r.Status)
	}
	advance() // returns
	act(t, bob, base, url.Values{"kind": {"answer-returns"}, "text": {"客户第一次要退货的时候"}})
	advance() // reveal
	advance() // deal
	advance() // prepare
	page := alice.Get(base + "/play")
	if !page.Has("填写本组的关键时刻分析表") {
		t.Fatalf("prepare phase on a phone: %s", page.Body)
	}
	// The group's analysis is the card, shared and autosaved.
	acts, _ := w.app.Store.Activities(ctx, w.cls.ID)
	var cardAct store.Activity
	for _, a := range acts {
		if a.ContentID == "card-moments" {
			cardAct = a
		}
	}
	if st, res := autosave(t, alice, cardAct, 0, url.Values{"f.comm_type": {"广告"}, "f.contact_type": {"看到广告时"}}); st != 200 {
		t.Fatalf("analysis save: %d %v", st, res)
	}
	advance() // present: preparation ends, the analyses are submitted
	subs, _ := w.app.Store.SubmissionsOfActivity(ctx, cardAct.ID)
	if len(subs) == 0 || subs[0].Status != store.StatusSubmitted {
		t.Fatalf("analysis not submitted when preparation ended: %+v", subs)
	}
	command(t, w.teacher, base, url.Values{"kind": {"next-presenter"}})
	command(t, w.teacher, base, url.Values{"kind": {"next-presenter"}})
	// Both presented: another is refused on the console, in Chinese, with a 4xx.
	if r := w.teacher.Post(base+"/command", url.Values{"kind": {"next-presenter"}}); r.Status != http.StatusBadRequest || !r.Has("所有小组都陈述完了") {
		t.Fatalf("next presenter after the last: %d", r.Status)
	}
	advance() // review
	aliceGroup, _ := w.app.Store.GroupOfUser(ctx, w.cls.ID, w.users[0].ID)
	if alice != w.students[0] {
		aliceGroup, _ = w.app.Store.GroupOfUser(ctx, w.cls.ID, w.users[bobIdx].ID)
	}
	other := groups[0].ID
	if other == aliceGroup.ID {
		other = groups[1].ID
	}
	if r := act(t, alice, base, url.Values{"kind": {"review"}, "group": {itoa(aliceGroup.ID)}, "score": {"5"}}); r.Status != 400 || !r.Has("不能给自己的小组打分") {
		t.Fatalf("self review: %d %s", r.Status, r.Body)
	}
	if r := act(t, alice, base, url.Values{"kind": {"review"}, "group": {itoa(other)}, "score": {"9"}}); r.Status != 400 {
		t.Fatalf("score 9: %d", r.Status)
	}
	if r := act(t, alice, base, url.Values{"kind": {"review"}, "group": {itoa(other)}, "score": {"4"}, "text": {"例子具体"}}); r.Status != 200 {
		t.Fatalf("review: %d %s", r.Status, r.Body)
	}
	advance() // summary
	if p := w.teacher.Get(base + "/projector"); !p.Has("互评 4.0 分", "快递员打电话约时间的那一刻") {
		t.Fatalf("summary lacks the results or the wall: %s", p.Body)
	}
	csv := w.teacher.Get(base + "/results.csv")
	if csv.Status != 200 || !strings.HasPrefix(csv.Body, "\ufeff小组") || !strings.Contains(csv.Body, "4.00") {
		t.Fatalf("csv: %d %s", csv.Status, csv.Body)
	}
	command(t, w.teacher, base, url.Values{"kind": {"end"}})
	if r := w.students[2].Get(base + "/play"); !r.Has("游戏已结束") {
		t.Fatal("ended game on a phone")
	}
}

// TestGameStreamsPhaseChanges reads a phone's event stream and sees the next phase arrive.
func TestGameStreamsPhaseChanges(t *testing.T) {
	w := newWorkClass(t, 4)
	base := startGame(t, w)
	for _, s := range w.students {
		s.Get(base + "/play")
	}
	command(t, w.teacher, base, url.Values{"kind": {"shuffle"}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, w.app.URL+base+"/play/events", nil)
	u, _ := url.Parse(w.app.URL)
	for _, c := range w.students[0].Cookies(u) {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %s", ct)
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	waitData := func(want string) {
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "data: ") && strings.Contains(lines.Text(), want) {
				return
			}
		}
		t.Fatalf("stream ended before %q", want)
	}
	waitData(keymoments.PhaseLobby.Label())
	done := make(chan int, 1)
	go func() { done <- w.teacher.Post(base+"/command", url.Values{"kind": {"advance"}}).Status }()
	waitData(keymoments.PhaseDefine.Label())
	if st := <-done; st != http.StatusSeeOther {
		t.Fatalf("advance: %d", st)
	}
}

// eventLog collects a stream's data lines as they arrive.
type eventLog struct {
	mu    sync.Mutex
	lines []string
}

func openEvents(t *testing.T, c *apptest.Client, path string) *eventLog {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.AppURL()+path, nil)
	u, _ := url.Parse(c.AppURL())
	for _, ck := range c.Cookies(u) {
		req.AddCookie(ck)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("open %s: %v", path, err)
	}
	l := &eventLog{}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				l.mu.Lock()
				l.lines = append(l.lines, v)
				l.mu.Unlock()
			}
		}
	}()
	return l
}

func (l *eventLog) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

func (l *eventLog) waitFor(t *testing.T, s string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !l.has(s) {
		if time.Now().After(deadline) {
			t.Fatalf("%q did not arrive within %s", s, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGameSendsOnlyWhatChanged: a group's definition reaches that group's phones at once,
// the projector and the console with the next coalesced room update, and never another
// group's phones.
func TestGameSendsOnlyWhatChanged(t *testing.T) {
	w := newWorkClass(t, 10)
	base := startGame(t, w)
	for _, s := range w.students {
		s.Get(base + "/play")
	}
	command(t, w.teacher, base, url.Values{"kind": {"shuffle"}})
	command(t, w.teacher, base, url.Values{"kind": {"advance"}}) // define
	groups, _ := w.app.Store.Groups(ctx, w.cls.ID)
	if len(groups) != 2 {
		t.Fatalf("%d groups, want 2", len(groups))
	}
	var mine, other *apptest.Client
	for i, u := range w.users {
		g, _ := w.app.Store.GroupOfUser(ctx, w.cls.ID, u.ID)
		if g.ID == groups[0].ID && mine == nil {
			mine = w.students[i]
		} else if g.ID != groups[0].ID && other == nil {
			other = w.students[i]
		}
	}
	// A teammate's phone, another group's phone and the console, all live.
	var teammate *apptest.Client
	for i, u := range w.users {
		g, _ := w.app.Store.GroupOfUser(ctx, w.cls.ID, u.ID)
		if g.ID == groups[0].ID && w.students[i] != mine {
			teammate = w.students[i]
			break
		}
	}
	mate := openEvents(t, teammate, base+"/play/events")
	stranger := openEvents(t, other, base+"/play/events")
	projector := openEvents(t, w.teacher, base+"/projector/events")
	console := openEvents(t, w.teacher, base+"/console/events")
	mate.waitFor(t, "phase-define", 5*time.Second)
	stranger.waitFor(t, "phase-define", 5*time.Second)

	const text = "冷链药品的医院采购部"
	if r := act(t, mine, base, url.Values{"kind": {"define"}, "text": {text}, "text2": {"准时、全程温控"}}); r.Status != 200 {
		t.Fatalf("define: %d %s", r.Status, r.Body)
	}
	mate.waitFor(t, text, 2*time.Second)
	projector.waitFor(t, text, 2*time.Second)
	console.waitFor(t, "已定义客户", 2*time.Second)
	time.Sleep(300 * time.Millisecond) // past the room's coalescing window
	if stranger.has(text) {
		t.Fatal("another group's phone was sent this group's definition")
	}
}
