package loadtest

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// pieces reads its data in pieces of random sizes, 1 byte to a few KB, as a socket may.
type pieces struct {
	data []byte
	rng  *rand.Rand
}

func (p *pieces) Read(b []byte) (int, error) {
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(b), len(p.data), 1+p.rng.IntN(3000))
	copy(b, p.data[:n])
	p.data = p.data[n:]
	return n, nil
}

// TestReadMessages feeds one stream's reader messages split at random places: every message
// with data counts (keep-alive comments do not), the phase of each is found, a message longer
// than the reader's buffer is read whole, and the last view reads back as sent.
func TestReadMessages(t *testing.T) {
	long := strings.Repeat("客户关系管理", 3000) // 54 KB on one line, more than the buffer
	views := []string{
		`<section class="phase-lobby">` + "\n<h2>等待开始</h2>\n\n<p>空行之后</p></section>",
		`<section class="phase-define"><p>` + long + `</p></section>`,
		`<section class="phase-lobby">` + "\n<p>最后</p>\n</section>",
	}
	var stream strings.Builder
	for i, v := range views {
		stream.WriteString(": keep-alive\n\n")
		if i == 1 {
			stream.WriteString("id: 7\nevent: view\n")
		}
		for _, line := range strings.Split(v, "\n") {
			stream.WriteString("data: " + line + "\n")
		}
		stream.WriteString("\n")
	}
	stream.WriteString(": keep-alive\n\n") // after the last view too: it must not replace it
	for seed := uint64(0); seed < 30; seed++ {
		p := &phones{streams: []*phoneStream{{ready: make(chan struct{})}}}
		r := &round{phase: "define", arrivals: make([]atomic.Int64, 1), done: make(chan struct{})}
		r.remaining.Store(1)
		p.cur.Store(r)
		firsts := 0
		p.wg.Add(1)
		body := &pieces{data: []byte(stream.String()), rng: rand.New(rand.NewPCG(seed, 1))}
		p.read(0, p.streams[0], &http.Response{Body: io.NopCloser(body)}, func() { firsts++ })
		select { // read has returned: the round is done by now or never
		case <-r.done:
		default:
			t.Fatalf("seed %d: the define message was not counted", seed)
		}
		if firsts != 1 || !p.streams[0].closed.Load() {
			t.Fatalf("seed %d: first view reported %d times, closed %v", seed, firsts, p.streams[0].closed.Load())
		}
		if got := p.lastView(0); got != views[2] {
			t.Fatalf("seed %d: last view %q, want %q", seed, got, views[2])
		}
	}
}

// TestServerCPU reads a process's CPU time and RSS from real Prometheus process metrics (this
// test's own, as the server exports its own) and the tool's own CPU time: after burning 60 ms
// of CPU, both have moved by about that (the metric counts in 10 ms ticks).
func TestServerCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the process collector reads /proc")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	s := &serverMetrics{url: srv.URL, hc: srv.Client(), rec: newRecorder(io.Discard)}
	ctx := context.Background()
	m := cpuMeter{metrics: s}
	m.server, m.serverOK = s.cpu(ctx)
	m.tool, m.toolOK = ownCPU()
	if !m.serverOK || !m.toolOK {
		t.Fatalf("CPU not read: server %v, tool %v", m.serverOK, m.toolOK)
	}
	x := 1.0
	for {
		for i := 0; i < 100000; i++ {
			x = x*1.0000001 + 1e-9
		}
		if now, _ := ownCPU(); now-m.tool >= 60*time.Millisecond {
			break
		}
	}
	server, tool := m.perChange(ctx, 2)
	if tool < 30*time.Millisecond || server < 20*time.Millisecond || server > tool+20*time.Millisecond {
		t.Fatalf("per change of 2: server %v, tool %v; want both about 30 ms (x %v)", server, tool, x)
	}
	if rss, ok := s.sample(ctx); !ok || rss < 1<<20 {
		t.Fatalf("RSS %d, %v", rss, ok)
	}
}
