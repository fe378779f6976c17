package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// hub fans live updates out to browsers over server-sent events: a game's to its screens,
// and the simulation teams' changes to their members' pages (one hub, the subscriber's
// audience naming its team's topic). Publishing
// never waits for a browser: each subscriber has a small queue, and one that is full (a
// phone on a weak connection) misses the message and is marked behind; its next message is
// a fresh snapshot, so it catches up instead of holding everyone else back.
//
// A stream over HTTP/1.1 takes the connection over from net/http (hijacks it) and holds no
// goroutine while idle: a message is written by a short-lived goroutine started when it is
// queued, and one small goroutine per connection waits for the phone to hang up. net/http
// would keep two goroutines, their stacks and its buffers for every open stream; with 2,000
// phones on a 2-core school server that was a third of the memory. Where the connection
// cannot be taken over (HTTP/2 under TLS), the handler's goroutine writes instead.
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
	hub      *hub
	behind   atomic.Bool

	mu      sync.Mutex
	queue   [][]byte        // messages already in the event-stream format, not yet written
	spare   [][]byte        // the previous queue's array, reused
	conn    net.Conn        // the taken-over connection; nil until attached, or when the handler writes
	raw     syscall.RawConn // conn's socket when it is plain TCP, for writing without a goroutine
	wake    chan struct{}   // tells the handler's goroutine there is something to write (HTTP/2)
	writing bool            // a goroutine is writing the queue to conn
	closed  bool
}

// subscriberQueue is how many messages may wait for one screen; more means the screen is
// not keeping up, and it gets a fresh view instead of the backlog.
const subscriberQueue = 8

// sseWriteTimeout is how long a write to one phone may take before the stream is dropped;
// the browser reconnects by itself and starts from a fresh view.
const sseWriteTimeout = 10 * time.Second

type sseMessage struct {
	ID    int
	Event string
	Data  string
}

func newHub(live prometheus.Gauge) *hub {
	return &hub{subs: map[*subscriber]struct{}{}, live: live}
}

// subscribe registers a stream before its first message is known, so that nothing
// published in between is lost; stream then attaches the connection.
func (h *hub) subscribe(audience string, user int64) *subscriber {
	sub := &subscriber{audience: audience, user: user, hub: h}
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

// unsubscribe ends a stream: it is taken out of the hub and its connection closed. It may
// be called more than once.
func (h *hub) unsubscribe(sub *subscriber) {
	sub.mu.Lock()
	if sub.closed {
		sub.mu.Unlock()
		return
	}
	sub.closed = true
	conn := sub.conn
	sub.queue = nil
	if sub.wake != nil {
		select {
		case sub.wake <- struct{}{}: // a handler serving it finds it closed and returns
		default:
		}
	}
	sub.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
	h.mu.Lock()
	delete(h.subs, sub)
	h.mu.Unlock()
	if h.live != nil {
		h.live.Dec()
	}
}

// closeAll ends every stream of the hub: the server is shutting down or the game is gone.
// Browsers reconnect by themselves and find out which.
func (h *hub) closeAll() {
	h.mu.Lock()
	subs := make([]*subscriber, 0, len(h.subs))
	for s := range h.subs {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	for _, s := range subs {
		h.unsubscribe(s)
	}
}

// pingEvery is how often idle streams get a comment line, so that proxies and phones keep
// the connection open.
const pingEvery = 20 * time.Second

var pingFrame = []byte(": ping\n\n")

// ping queues a comment line for every idle subscriber every pingEvery, until the hub has
// none: one timer per game rather than one per phone.
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
		subs := make([]*subscriber, 0, len(h.subs))
		for s := range h.subs {
			subs = append(subs, s)
		}
		h.mu.Unlock()
		for _, s := range subs {
			if s.enqueue(pingFrame, true) {
				s.send()
			}
		}
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

// publish queues a message for every subscriber whose view key wants() accepts, and
// returns the function that writes them. key maps a subscriber to the key of the view it
// shows (the same for a whole group's phones); render builds a key's message once, however
// many subscribers share it. The caller may hold a lock that keeps publications in order
// (each subscriber's queue keeps them in that order); it should let go of it before
// calling deliver, which makes the system calls.
func (h *hub) publish(key func(*subscriber) string, wants func(key string) bool, render func(key string) (sseMessage, bool)) (deliver func()) {
	h.mu.Lock()
	byKey := map[string][]*subscriber{}
	for s := range h.subs {
		k := key(s)
		if wants(k) || s.behind.Load() {
			byKey[k] = append(byKey[k], s)
		}
	}
	h.mu.Unlock()
	// Render key by key on every core: a phase change for 2,000 phones is a few hundred
	// group views.
	keys := make(chan string, len(byKey))
	for k := range byKey {
		keys <- k
	}
	close(keys)
	workers := runtime.GOMAXPROCS(0)
	queued := make([][]*subscriber, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
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
					// A full queue: it gets a full view with the next message it has room for.
					ok := s.enqueue(wire, false)
					s.behind.Store(!ok)
					if ok {
						queued[w] = append(queued[w], s)
					}
				}
			}
		}()
	}
	wg.Wait()
	return func() {
		// Written on every core too; each worker's screens in the order their views were
		// rendered.
		var wg sync.WaitGroup
		for _, subs := range queued {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, s := range subs {
					s.send()
				}
			}()
		}
		wg.Wait()
	}
}

// enqueue queues msg; send then writes it. It reports false when the queue is full.
// onlyIdle queues only onto an empty queue (pings are for idle streams).
func (s *subscriber) enqueue(msg []byte, onlyIdle bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false // gone; nothing to send
	}
	if len(s.queue) >= subscriberQueue || (onlyIdle && (len(s.queue) > 0 || s.writing)) {
		return false
	}
	s.queue = append(s.queue, msg)
	return true
}

// send makes sure the queue gets written: on a plain TCP socket with room, at once from
// the caller's goroutine (the usual case, with no goroutine started for it); otherwise by
// a writing goroutine, or by the handler serving the stream.
func (s *subscriber) send() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.queue) == 0 {
		return
	}
	if s.conn == nil {
		if s.wake != nil {
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
		return // not attached yet: stream writes the queue when it attaches
	}
	if s.writing {
		return // the writing goroutine will find it
	}
	if s.raw != nil {
		sent := 0
		for _, m := range s.queue {
			n, err := tryWrite(s.raw, m)
			if err == nil && n == len(m) {
				sent++
				continue
			}
			s.queue[sent] = m[n:] // the rest, or an error, is the writing goroutine's to find
			break
		}
		rest := copy(s.queue, s.queue[sent:])
		clear(s.queue[rest:])
		s.queue = s.queue[:rest]
		if rest == 0 {
			return
		}
	}
	s.writing = true
	go s.drain()
}

// take hands out the queued messages; the caller writes them before calling take again.
func (s *subscriber) take() (net.Buffers, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false
	}
	q := s.queue
	s.queue, s.spare = s.spare[:0], q
	return net.Buffers(q), true
}

// drain writes the queue to the taken-over connection until it is empty, then ends.
func (s *subscriber) drain() {
	for {
		s.mu.Lock()
		if s.closed || len(s.queue) == 0 {
			s.writing = false
			if !s.closed {
				// A raw write is refused once a deadline has passed.
				s.conn.SetWriteDeadline(time.Time{})
			}
			s.mu.Unlock()
			return
		}
		conn := s.conn
		q := s.queue
		s.queue, s.spare = s.spare[:0], q
		s.mu.Unlock()
		conn.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		bufs := net.Buffers(q)
		if _, err := bufs.WriteTo(conn); err != nil {
			s.hub.unsubscribe(s)
			return
		}
		clear(q) // the array is reused; the messages need not stay alive with it
	}
}

// watch waits for the browser to hang up (a stream's browser sends nothing after its
// request) and ends the stream then, so the console's list of who is online is current.
func (s *subscriber) watch(r io.Reader) {
	var b [1]byte
	for {
		if _, err := r.Read(b[:]); err != nil {
			s.hub.unsubscribe(s)
			return
		}
	}
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

// streamHeader is the response head of a taken-over stream. Without a length or chunked
// encoding the body runs until the connection closes, which is what a stream does.
func streamHeader(h http.Header) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\n")
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	h.Set("Connection", "close")
	h.Del("Content-Length")
	h.Write(&b)
	b.WriteString("\r\n")
	return b.Bytes()
}

// stream serves sub: the snapshot first, then every message and the hub's pings, until
// the browser goes away. Over HTTP/1.1 it takes the connection over and returns at once.
func stream(c echo.Context, h *hub, sub *subscriber, snapshot sseMessage) error {
	first := encodeSSE(snapshot)
	conn, rw, err := http.NewResponseController(c.Response()).Hijack()
	if err == nil {
		conn.SetDeadline(time.Time{}) // the server's read and write timeouts were for the request
		// The head and the snapshot go first; messages published since subscribe follow.
		sub.mu.Lock()
		if sub.closed {
			sub.mu.Unlock()
			conn.Close()
			return nil
		}
		sub.queue = append([][]byte{streamHeader(c.Response().Header()), first}, sub.queue...)
		sub.conn = conn
		if tc, ok := conn.(*net.TCPConn); ok {
			sub.raw, _ = tc.SyscallConn()
		}
		sub.writing = true
		sub.mu.Unlock()
		c.Response().Committed = true // nothing more is to be written through echo
		go sub.drain()
		var r io.Reader = conn
		if rw.Reader.Buffered() > 0 {
			r = rw.Reader // never so for a browser's stream, but then nothing is lost
		}
		go sub.watch(r)
		return nil
	}
	if !errors.Is(err, http.ErrNotSupported) {
		h.unsubscribe(sub)
		return nil
	}
	return streamHere(c, h, sub, first)
}

// streamHere serves sub from the handler's goroutine, for connections that cannot be taken
// over.
func streamHere(c echo.Context, h *hub, sub *subscriber, first []byte) error {
	defer h.unsubscribe(sub)
	sub.mu.Lock()
	sub.wake = make(chan struct{}, 1)
	sub.queue = append([][]byte{first}, sub.queue...)
	sub.mu.Unlock()
	w := c.Response()
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	ctx := c.Request().Context()
	for {
		q, ok := sub.take()
		if !ok {
			return nil
		}
		for _, m := range q {
			if _, err := w.Write(m); err != nil {
				return nil
			}
		}
		clear(q)
		w.Flush()
		select {
		case <-ctx.Done():
			return nil
		case <-sub.wake:
		}
	}
}
