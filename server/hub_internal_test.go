package server

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestEncodeSSE(t *testing.T) {
	cases := []struct {
		name string
		m    sseMessage
		want string
	}{
		{"one line", sseMessage{Data: "hi"}, "data: hi\n\n"},
		{"id and event", sseMessage{ID: 12, Event: "view", Data: "<p>x</p>"}, "id: 12\nevent: view\ndata: <p>x</p>\n\n"},
		{"lines, blank and trailing", sseMessage{Data: "a\n\nb\n"}, "data: a\ndata: \ndata: b\ndata: \n\n"},
		{"empty", sseMessage{}, "data: \n\n"},
	}
	for _, tc := range cases {
		if got := string(encodeSSE(tc.m)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// hubServer serves one hub's stream at /events, with "snapshot" as the first message.
func hubServer(h *hub) *echo.Echo {
	e := echo.New()
	e.GET("/events", func(c echo.Context) error {
		sub := h.subscribe("phone", 7)
		return stream(c, h, sub, sseMessage{ID: 1, Event: "view", Data: "snapshot"})
	})
	return e
}

// readEvent reads one event's data lines.
func readEvent(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var data []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read event: %v (so far %q)", err, data)
		}
		line = strings.TrimRight(line, "\n")
		if line == "" {
			if len(data) == 0 {
				continue
			}
			return strings.Join(data, "\n")
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok {
			data = append(data, v)
		}
	}
}

func subscribers(h *hub) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// waitSubscribers waits until the hub has n subscribers.
func waitSubscribers(t *testing.T, h *hub, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for subscribers(h) != n {
		if time.Now().After(deadline) {
			t.Fatalf("hub has %d subscribers, want %d", subscribers(h), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func publishAll(h *hub, data string) {
	h.publish(func(*subscriber) string { return "all" }, func(string) bool { return true },
		func(string) (sseMessage, bool) { return sseMessage{Event: "view", Data: data}, true })()
}

// streamFrom opens h's stream at url with c, checks it is an event stream over HTTP/proto,
// reads the snapshot and waits until the hub counts it.
func streamFrom(t *testing.T, h *hub, c *http.Client, url string, proto int) (*http.Response, *bufio.Reader) {
	t.Helper()
	before := subscribers(h)
	resp, err := c.Get(url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") || resp.ProtoMajor != proto {
		t.Fatalf("content type %q over %s, want an event stream over HTTP/%d", ct, resp.Proto, proto)
	}
	r := bufio.NewReader(resp.Body)
	if got := readEvent(t, r); got != "snapshot" {
		t.Fatalf("first event %q", got)
	}
	waitSubscribers(t, h, before+1)
	return resp, r
}

// Over HTTP/1.1 the stream takes the connection over: no handler goroutine is left, the
// messages still arrive in order after the snapshot, and a browser hanging up ends the
// subscription at once, as does closing the hub.
func TestStreamTakesConnectionOver(t *testing.T) {
	gauge := prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_live"})
	h := newHub(gauge)
	srv := httptest.NewServer(hubServer(h))
	t.Cleanup(srv.Close) // after the streams' own clean-ups, which run first

	resp, r := streamFrom(t, h, srv.Client(), srv.URL, 1)
	h.mu.Lock()
	for s := range h.subs {
		s.mu.Lock()
		if s.conn == nil {
			t.Error("the connection was not taken over")
		}
		s.mu.Unlock()
	}
	h.mu.Unlock()
	for i := 0; i < 3; i++ {
		publishAll(h, "m"+strconv.Itoa(i))
	}
	for i := 0; i < 3; i++ {
		if got := readEvent(t, r); got != "m"+strconv.Itoa(i) {
			t.Fatalf("event %d: %q", i, got)
		}
	}
	if v := testutil.ToFloat64(gauge); v != 1 {
		t.Errorf("live gauge %v, want 1", v)
	}
	resp.Body.Close()
	waitSubscribers(t, h, 0)
	if v := testutil.ToFloat64(gauge); v != 0 {
		t.Errorf("live gauge after hang-up %v, want 0", v)
	}

	// closeAll (shutdown, a deleted class) ends the browser's stream.
	resp, r = streamFrom(t, h, srv.Client(), srv.URL, 1)
	defer resp.Body.Close()
	h.closeAll()
	if _, err := io.ReadAll(r); err != nil {
		t.Fatalf("stream did not end cleanly: %v", err)
	}
	if n := subscribers(h); n != 0 {
		t.Fatalf("%d subscribers after closeAll", n)
	}
}

// Where the connection cannot be taken over (HTTP/2 under TLS) the handler serves the
// stream itself, with the same messages.
func TestStreamOverHTTP2(t *testing.T) {
	h := newHub(nil)
	srv := httptest.NewUnstartedServer(hubServer(h))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close) // after the streams' own clean-ups, which run first
	resp, r := streamFrom(t, h, srv.Client(), srv.URL, 2)
	publishAll(h, "after")
	if got := readEvent(t, r); got != "after" {
		t.Fatalf("event %q", got)
	}
	resp.Body.Close()
	waitSubscribers(t, h, 0)

	// closeAll ends a stream the handler serves too (shutting down waits for handlers).
	resp, r = streamFrom(t, h, srv.Client(), srv.URL, 2)
	defer resp.Body.Close()
	h.closeAll()
	done := make(chan error, 1)
	go func() { _, err := io.ReadAll(r); done <- err }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the HTTP/2 stream did not end after closeAll")
	}
}

// A screen that does not keep up misses messages instead of holding the others back, and
// is marked behind so that its next message is a fresh view.
func TestSlowSubscriberFallsBehind(t *testing.T) {
	h := newHub(nil)
	slow := h.subscribe("phone", 1) // never attached: nothing drains its queue
	for i := 0; i < subscriberQueue; i++ {
		publishAll(h, "m")
		if slow.behind.Load() {
			t.Fatalf("behind after %d messages, the queue holds %d", i+1, subscriberQueue)
		}
	}
	publishAll(h, "one too many")
	if !slow.behind.Load() {
		t.Fatal("a full queue did not mark the subscriber behind")
	}
	if len(slow.queue) != subscriberQueue {
		t.Fatalf("queue %d, want %d", len(slow.queue), subscriberQueue)
	}
	// Behind subscribers are included even when the view they show did not change.
	h.publish(func(*subscriber) string { return "k" }, func(string) bool { return false },
		func(string) (sseMessage, bool) { return sseMessage{Data: "catch up"}, true })()
	if len(slow.queue) != subscriberQueue {
		t.Fatal("a full queue grew")
	}
	h.unsubscribe(slow)
	h.unsubscribe(slow) // twice is harmless
	if n := subscribers(h); n != 0 {
		t.Fatalf("%d subscribers", n)
	}
}

// HTTP/1.1 under TLS is taken over too; its messages go through the writing goroutine,
// since a TLS connection is not a plain socket.
func TestStreamOverTLSHTTP1(t *testing.T) {
	h := newHub(nil)
	srv := httptest.NewUnstartedServer(hubServer(h))
	srv.StartTLS()       // EnableHTTP2 off: the client speaks HTTP/1.1
	t.Cleanup(srv.Close) // after the streams' own clean-ups, which run first
	resp, r := streamFrom(t, h, srv.Client(), srv.URL, 1)
	defer resp.Body.Close()
	h.mu.Lock()
	for s := range h.subs {
		if s.conn == nil || s.raw != nil {
			t.Errorf("taken over %v, written straight to a socket %v", s.conn != nil, s.raw != nil)
		}
	}
	h.mu.Unlock()
	for i := 0; i < 3; i++ {
		publishAll(h, "tls"+strconv.Itoa(i))
	}
	for i := 0; i < 3; i++ {
		if got := readEvent(t, r); got != "tls"+strconv.Itoa(i) {
			t.Fatalf("event %d: %q", i, got)
		}
	}
	h.closeAll()
	if _, err := io.ReadAll(r); err != nil {
		t.Fatalf("stream did not end cleanly: %v", err)
	}
}
