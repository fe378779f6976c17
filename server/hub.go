package server

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// hub fans live updates out to browsers over server-sent events: a game's to its screens,
// and the simulation teams' changes to their members' pages (one hub, the subscriber's
// audience naming its team's topic). Publishing
// never waits for a browser: each subscriber has a small buffer, and one that is full (a
// phone on a weak connection) misses the message and is marked behind; its next message is
// a fresh snapshot, so it catches up instead of holding everyone else back.
type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
	live prometheus.Gauge
}

// subscriber is one open event stream.
type subscriber struct {
	audience string // "phone", "projector" or "console"
	user     int64
	ch       chan sseMessage
	behind   atomic.Bool
}

type sseMessage struct {
	ID    int
	Event string
	Data  string
}

func newHub(live prometheus.Gauge) *hub {
	return &hub{subs: map[*subscriber]struct{}{}, live: live}
}

func (h *hub) subscribe(audience string, user int64) *subscriber {
	sub := &subscriber{audience: audience, user: user, ch: make(chan sseMessage, 8)}
	h.mu.Lock()
	h.subs[sub] = struct{}{}
	h.mu.Unlock()
	if h.live != nil {
		h.live.Inc()
	}
	return sub
}

func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	delete(h.subs, sub)
	h.mu.Unlock()
	if h.live != nil {
		h.live.Dec()
	}
}

// online lists the users with an open stream, for the console's "who is connected".
func (h *hub) online() map[int64]bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[int64]bool, len(h.subs))
	for s := range h.subs {
		out[s.user] = true
	}
	return out
}

// publish sends to every subscriber whose view key wants() accepts. key maps a subscriber
// to the key of the view it shows (the same for a whole group's phones); render builds a
// key's message once, however many subscribers share it.
func (h *hub) publish(key func(*subscriber) string, wants func(key string) bool, render func(key string) (sseMessage, bool)) {
	h.mu.Lock()
	byKey := map[string][]*subscriber{}
	for s := range h.subs {
		k := key(s)
		if wants(k) || s.behind.Load() {
			byKey[k] = append(byKey[k], s)
		}
	}
	h.mu.Unlock()
	// Render and send key by key on every core: a phase change for 2,000 phones is a few
	// hundred group views, and the first groups' phones need not wait for the last view.
	keys := make(chan string, len(byKey))
	for k := range byKey {
		keys <- k
	}
	close(keys)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				msg, ok := render(k)
				if !ok {
					continue
				}
				for _, s := range byKey[k] {
					select {
					case s.ch <- msg:
						s.behind.Store(false)
					default:
						s.behind.Store(true) // it gets a full view with the next message it has room for
					}
				}
			}
		}()
	}
	wg.Wait()
}

// writeSSE writes one message in the event-stream format; multi-line data goes on several
// data lines, as the format requires.
func writeSSE(w http.ResponseWriter, m sseMessage) error {
	var b strings.Builder
	if m.ID != 0 {
		fmt.Fprintf(&b, "id: %d\n", m.ID)
	}
	if m.Event != "" {
		fmt.Fprintf(&b, "event: %s\n", m.Event)
	}
	for _, line := range strings.Split(m.Data, "\n") {
		b.WriteString("data: ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	_, err := w.Write([]byte(b.String()))
	return err
}

// stream serves one subscriber until the browser goes away: the snapshot first, then every
// message, with a comment line every 20 s so proxies and phones keep the connection open.
func stream(c echo.Context, h *hub, sub *subscriber, snapshot sseMessage) error {
	defer h.unsubscribe(sub)
	w := c.Response()
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if err := writeSSE(w, snapshot); err != nil {
		return nil
	}
	w.Flush()
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-sub.ch:
			if err := writeSSE(w, m); err != nil {
				return nil
			}
			w.Flush()
		case <-ping.C:
			if _, err := w.Write([]byte(": ping\n\n")); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}
