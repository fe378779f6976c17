package server

import (
	"net/http"
	"runtime"
	"strconv"
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
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	live    prometheus.Gauge
	pinging bool // a ping loop runs while the hub has subscribers (guarded by mu)
}

// subscriber is one open event stream.
type subscriber struct {
	audience string // "phone", "projector" or "console"
	user     int64
	ch       chan []byte // messages already in the event-stream format
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
	sub := &subscriber{audience: audience, user: user, ch: make(chan []byte, 8)}
	h.mu.Lock()
	h.subs[sub] = struct{}{}
	if !h.pinging {
		h.pinging = true
		go h.ping()
	}
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

// pingEvery is how often idle streams get a comment line, so that proxies and phones keep
// the connection open.
const pingEvery = 20 * time.Second

var pingFrame = []byte(": ping\n\n")

// ping queues a comment line for every subscriber every pingEvery, until the hub has none:
// one timer per game rather than one per phone. A subscriber whose buffer is full is not
// idle and is skipped.
func (h *hub) ping() {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for range t.C {
		h.mu.Lock()
		if len(h.subs) == 0 {
			h.pinging = false
			h.mu.Unlock()
			return
		}
		for s := range h.subs {
			select {
			case s.ch <- pingFrame:
			default:
			}
		}
		h.mu.Unlock()
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
				// Encoded once for all the view's screens; they only write the bytes.
				wire := encodeSSE(msg)
				for _, s := range byKey[k] {
					select {
					case s.ch <- wire:
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

// encodeSSE puts one message in the event-stream format; multi-line data goes on several
// data lines, as the format requires.
func encodeSSE(m sseMessage) []byte {
	b := make([]byte, 0, len(m.Data)+6*strings.Count(m.Data, "\n")+48)
	if m.ID != 0 {
		b = append(b, "id: "...)
		b = strconv.AppendInt(b, int64(m.ID), 10)
		b = append(b, '\n')
	}
	if m.Event != "" {
		b = append(b, "event: "...)
		b = append(b, m.Event...)
		b = append(b, '\n')
	}
	data := m.Data
	for {
		line, rest, more := strings.Cut(data, "\n")
		b = append(b, "data: "...)
		b = append(b, line...)
		b = append(b, '\n')
		if !more {
			break
		}
		data = rest
	}
	return append(b, '\n')
}

// stream serves one subscriber until the browser goes away: the snapshot first, then every
// message and the hub's pings.
func stream(c echo.Context, h *hub, sub *subscriber, snapshot sseMessage) error {
	defer h.unsubscribe(sub)
	w := c.Response()
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(encodeSSE(snapshot)); err != nil {
		return nil
	}
	w.Flush()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-sub.ch:
			if _, err := w.Write(m); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}
