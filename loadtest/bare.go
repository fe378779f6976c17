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
// sends every stream a message of the same size as crmlab's phone view, as many times.
// What it takes to reach the last phone is what loopback, the kernel, the scheduler and the
// readers cost on this machine with none of crmlab's work; crmlab's figure is read against
// it, because the tool's 2,000 readers share the cores with the server.
func bareFanOut(ctx context.Context, tr http.RoundTripper, n, changes, size int) (toLast []time.Duration, err error) {
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
		io.WriteString(w, "data: "+bareView("start", size)+"\n\n")
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
		msg := []byte("data: " + bareView(phase, size) + "\n\n")
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

// bareView is a one-line view of about size bytes that phaseOf reads as phase.
func bareView(phase string, size int) string {
	head := `<section class="phase-` + phase + `">`
	pad := max(size-len(head)-len("</section>"), 0)
	return head + strings.Repeat("x", pad) + "</section>"
}
