package loadtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// bareFanOut measures this machine's floor for the phones measurement, in the same run: a
// minimal event-stream server inside this tool (the usual Go design: a goroutine per stream
// waiting on a channel) holds the same number of streams, read by the same readers, and
// sends every stream the same phone views crmlab sent (the phase marked differently), as
// many times, so that the readers parse the same bytes and lines.
// What it takes to reach the last phone is what loopback, the kernel, the scheduler and the
// readers cost on this machine with none of crmlab's work; crmlab's figure is read against
// it, because the tool's 2,000 readers share the cores with the server.
func bareFanOut(ctx context.Context, tr http.RoundTripper, n, changes int, views [2]string) (toLast []time.Duration, err error) {
	var mu sync.Mutex
	subs := map[chan []byte]struct{}{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ch := make(chan []byte, 8)
		mu.Lock()
		subs[ch] = struct{}{}
		mu.Unlock()
		defer func() { mu.Lock(); delete(subs, ch); mu.Unlock() }()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.Write(bareMessage(views[1], "start"))
		rc := http.NewResponseController(w)
		rc.Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case m := <-ch:
				if _, err := w.Write(m); err != nil {
					return
				}
				rc.Flush()
			}
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bare fan-out: %w", err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	// A recorder of its own: these are not requests to crmlab.
	rec := newRecorder(io.Discard)
	cookies := make([][]*http.Cookie, n)
	ph := openPhones(ctx, rec, tr, "bare", "http://"+ln.Addr().String(), "/", cookies, joinParallel, nil)
	defer ph.close()
	if rec.errorCount() > 0 {
		return nil, fmt.Errorf("bare fan-out: %d of %d streams did not open", rec.errorCount(), n)
	}
	for k := 0; k < changes && ctx.Err() == nil; k++ {
		phase := fmt.Sprintf("bare%d", k)
		msg := bareMessage(views[k%2], phase)
		per, missing, _ := ph.change(phase, 30*time.Second, func() bool {
			mu.Lock()
			for ch := range subs {
				select {
				case ch <- msg:
				default:
				}
			}
			mu.Unlock()
			return true
		})
		if missing > 0 {
			return toLast, fmt.Errorf("bare fan-out: %d streams missed a message", missing)
		}
		last := time.Duration(0)
		for _, d := range per {
			last = max(last, d)
		}
		toLast = append(toLast, last)
		time.Sleep(200 * time.Millisecond) // as between crmlab's phase changes
	}
	return toLast, nil
}

// bareMessage is view as an event-stream message, marked as showing phase for phaseIn.
func bareMessage(view, phase string) []byte {
	const mark = `<section class="phase-`
	if i := strings.Index(view, mark); i >= 0 {
		if j := strings.IndexByte(view[i+len(mark):], '"'); j >= 0 {
			view = view[:i+len(mark)] + phase + view[i+len(mark)+j:]
		}
	} else {
		view = mark + phase + `">` + view + "</section>"
	}
	var b strings.Builder
	for _, line := range strings.Split(view, "\n") {
		b.WriteString("data: ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return []byte(b.String())
}
