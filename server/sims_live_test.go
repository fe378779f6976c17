package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"crmlab/server/apptest"
)

// simStream is a member's open event stream of the team's simulation.
type simStream struct {
	t      *testing.T
	r      *bufio.Reader
	cancel context.CancelFunc
}

type simNews struct {
	Version int    `json:"version"`
	By      string `json:"by"`
	What    string `json:"what"`
	Control bool   `json:"control"`
}

// openSimStream connects as the client's user, as the page's EventSource does.
func openSimStream(t *testing.T, c *apptest.Client, path string) *simStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.AppURL()+path, nil)
	u, _ := url.Parse(c.AppURL())
	for _, ck := range c.Cookies(u) {
		req.AddCookie(ck)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("stream %s: %v", path, err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("stream %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &simStream{t: t, r: bufio.NewReader(resp.Body), cancel: cancel}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	return s
}

// next reads the next "change" message, failing after two seconds.
func (s *simStream) next() simNews {
	s.t.Helper()
	got := make(chan simNews, 1)
	fail := make(chan error, 1)
	go func() {
		for {
			l, err := s.r.ReadString('\n')
			if err != nil {
				fail <- err
				return
			}
			if strings.HasPrefix(l, "data: ") {
				var n simNews
				if err := json.Unmarshal([]byte(strings.TrimPrefix(l, "data: ")), &n); err != nil {
					fail <- err
					return
				}
				got <- n
				return
			}
		}
	}()
	select {
	case n := <-got:
		return n
	case err := <-fail:
		s.t.Fatalf("stream: %v", err)
	case <-time.After(2 * time.Second):
		s.cancel()
		s.t.Fatal("no message on the team's stream within 2 s")
	}
	return simNews{}
}

// TestSimLiveStream: a member's stream starts with the team's version, then carries each
// teammate's save (who and what) and the instructor's controls, and only to that team; the
// open streams count in the live-connections metric.
func TestSimLiveStream(t *testing.T) {
	w, a := simTeams(t)
	base := "/classes/" + itoa(w.cls.ID) + "/sim/" + itoa(a.ID)
	alice, bob, carol := w.students[0], w.students[1], w.students[4] // carol is in the other team
	bobs := openSimStream(t, bob, base+"/events")
	if n := bobs.next(); n.Version != 0 {
		t.Fatalf("snapshot: %+v", n)
	}
	carols := openSimStream(t, carol, base+"/events")
	carols.next()
	if m := w.teacher.Get("/metrics"); !m.Has("crmlab_live_connections 2") {
		t.Fatalf("live connections not counted: %s", grepLine(m.Body, "crmlab_live_connections"))
	}

	r := alice.Post(base+"/survey", url.Values{"version": {"0"}, "source": {"default"}, "sample": {"100"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("survey: %d", r.Status)
	}
	if n := bobs.next(); n.Version != 1 || n.By != "学生1" || !strings.Contains(n.What, "调查完成") {
		t.Fatalf("Bob's news of Alice's survey: %+v", n)
	}
	// A refused save changes nothing and tells nobody; the next message Bob gets is the hold.
	if r := bob.Post(base+"/problems", url.Values{"version": {"0"}, "problem": {"信息更新不及时"}}); r.Status != http.StatusConflict {
		t.Fatalf("stale save: %d", r.Status)
	}
	w.teacher.Post("/classes/"+itoa(w.cls.ID)+"/activities/"+itoa(a.ID)+"/sim", url.Values{"kind": {"hold"}, "step": {"2"}})
	if n := bobs.next(); !n.Control || !strings.Contains(n.What, "停在第 2 步") {
		t.Fatalf("Bob's news of the hold: %+v", n)
	}
	// Carol's team heard the hold but not Alice's survey.
	if n := carols.next(); !n.Control {
		t.Fatalf("Carol's first news after the snapshot should be the hold, got %+v", n)
	}
	// A reconnecting page gets the current version first.
	again := openSimStream(t, bob, base+"/events")
	if n := again.next(); n.Version != 1 || n.By != "学生1" {
		t.Fatalf("snapshot after a reconnect: %+v", n)
	}
	if p := bob.Get(base); !p.Has("老师让全班先停在第 2 步", `data-sim-live="`+base+`/events"`) {
		t.Fatalf("the sim page shows no hold or live stream: %.300s", p.Body)
	}
}

func grepLine(body, prefix string) string {
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return "(none)"
}
