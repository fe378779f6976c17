package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// phones are open event streams of a game, one per simulated phone. Each notes when a new
// phase reaches it, so a phase change can be timed to the last phone.
type phones struct {
	streams []*phoneStream
	cur     atomic.Pointer[round]
	wg      sync.WaitGroup
}

type phoneStream struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	last   []byte // the last message received, reused
	ready  chan struct{}
	closed atomic.Bool
}

// round is one phase change being waited for.
type round struct {
	phase     string
	arrivals  []atomic.Int64 // unix nanoseconds per phone, 0 until it arrived
	remaining atomic.Int64
	done      chan struct{}
}

// open connects a stream for each cookie set to url, at most par at a time, and returns once
// each has its first view (or failed, which is recorded under step).
func openPhones(ctx context.Context, rec *recorder, tr http.RoundTripper, step, base, path string, cookies [][]*http.Cookie, par int, prog *progress) *phones {
	p := &phones{streams: make([]*phoneStream, len(cookies))}
	hc := &http.Client{Transport: tr}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i := range cookies {
		s := &phoneStream{ready: make(chan struct{})}
		p.streams[i] = s
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			defer prog.add(1)
			sctx, cancel := context.WithCancel(ctx)
			s.cancel = cancel
			req, _ := http.NewRequestWithContext(sctx, http.MethodGet, base+path, nil)
			for _, c := range cookies[i] {
				req.AddCookie(c)
			}
			start := time.Now()
			resp, err := hc.Do(req)
			if err != nil {
				rec.latency(step, time.Since(start))
				rec.fail(Failure{Step: step, Method: "GET", Path: path, Excerpt: shorten(err.Error())})
				s.closed.Store(true)
				return
			}
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
				rec.latency(step, time.Since(start))
				b := make([]byte, 2048)
				n, _ := resp.Body.Read(b)
				resp.Body.Close()
				rec.fail(Failure{Step: step, Method: "GET", Path: path, Status: resp.StatusCode, Excerpt: excerpt(string(b[:n]))})
				s.closed.Store(true)
				return
			}
			p.wg.Add(1)
			go p.read(i, s, resp, func() { rec.latency(step, time.Since(start)) })
			select {
			case <-s.ready:
			case <-time.After(60 * time.Second):
				rec.fail(Failure{Step: step, Method: "GET", Path: path, Status: resp.StatusCode, Excerpt: "the stream sent no first view within 60 s"})
			case <-ctx.Done():
			}
		}(i)
	}
	wg.Wait()
	return p
}

// read consumes one stream until it is closed. It reads into one buffer of its own and finds
// each message's end and phase in the bytes: the tool's 2,000 readers share the cores with
// the server, and reading line by line, with a string for every line and every view, was
// a third of the tool's CPU in a phase change. A message is what the server sends: "data: "
// lines (and maybe "event:" and "id:" ones) ending in an empty line, each line ending in \n.
func (p *phones) read(i int, s *phoneStream, resp *http.Response, first func()) {
	defer p.wg.Done()
	defer resp.Body.Close()
	defer s.closed.Store(true)
	buf := make([]byte, 0, 16<<10)
	gotFirst := false
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // a message bigger than the buffer: grow it
		}
		n, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		done := 0
		for {
			end := bytes.Index(buf[done:], messageEnd)
			if end < 0 {
				break
			}
			msg := buf[done : done+end+1]
			done += end + len(messageEnd)
			if !bytes.HasPrefix(msg, dataField) && !bytes.Contains(msg, lineDataField) {
				continue // a keep-alive comment
			}
			now := time.Now().UnixNano()
			s.mu.Lock()
			s.last = append(s.last[:0], msg...)
			s.mu.Unlock()
			if r := p.cur.Load(); r != nil && string(phaseIn(msg)) == r.phase && r.arrivals[i].CompareAndSwap(0, now) {
				if r.remaining.Add(-1) == 0 {
					close(r.done)
				}
			}
			if !gotFirst {
				gotFirst = true
				first()
				close(s.ready)
			}
		}
		buf = buf[:copy(buf, buf[done:])]
		if err != nil {
			return
		}
	}
}

var (
	messageEnd    = []byte("\n\n")
	dataField     = []byte("data: ")
	lineDataField = []byte("\ndata: ")
	phaseMark     = []byte(`<section class="phase-`)
)

// phaseIn reads the phase a view shows from its <section class="phase-…">.
func phaseIn(view []byte) []byte {
	i := bytes.Index(view, phaseMark)
	if i < 0 {
		return nil
	}
	rest := view[i+len(phaseMark):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return nil
}

// viewOf is the view a message carries: its data lines, joined.
func viewOf(msg []byte) string {
	var b strings.Builder
	for _, line := range bytes.SplitAfter(msg, []byte("\n")) {
		if data, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r\n"), dataField); ok {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.Write(data)
		}
	}
	return b.String()
}

// live counts the streams still open.
func (p *phones) live() int {
	n := 0
	for _, s := range p.streams {
		if !s.closed.Load() {
			n++
		}
	}
	return n
}

// lastView is what phone i shows now.
func (p *phones) lastView(i int) string {
	s := p.streams[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	return viewOf(s.last)
}

// change runs send (the instructor's command) and waits until every open stream shows phase.
// It returns the time from just before sending to the arrival at each phone, and the number
// of phones that did not get there within timeout.
func (p *phones) change(phase string, timeout time.Duration, send func() bool) (perPhone []time.Duration, missing int, sent bool) {
	r := &round{phase: phase, arrivals: make([]atomic.Int64, len(p.streams)), done: make(chan struct{})}
	open := 0
	for _, s := range p.streams {
		if !s.closed.Load() {
			open++
		}
	}
	r.remaining.Store(int64(open))
	for i, s := range p.streams {
		if s.closed.Load() {
			r.arrivals[i].Store(-1)
		}
	}
	p.cur.Store(r)
	defer p.cur.Store(nil)
	start := time.Now()
	if !send() {
		return nil, 0, false
	}
	if open > 0 {
		select {
		case <-r.done:
		case <-time.After(timeout):
		}
	}
	for i := range r.arrivals {
		at := r.arrivals[i].Load()
		switch {
		case at == -1:
		case at == 0:
			missing++
		default:
			perPhone = append(perPhone, time.Duration(at-start.UnixNano()))
		}
	}
	return perPhone, missing, true
}

// close ends every stream and waits for the readers.
func (p *phones) close() {
	for _, s := range p.streams {
		if s.cancel != nil {
			s.cancel()
		}
	}
	p.wg.Wait()
}

func (p *phones) String() string { return fmt.Sprintf("%d phones (%d live)", len(p.streams), p.live()) }
