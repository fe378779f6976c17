package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress prints one line per second to stderr: the step, how far it is, errors so far.
type progress struct {
	w     io.Writer
	rec   *recorder
	mu    sync.Mutex
	step  string
	total int
	done  atomic.Int64
	start time.Time
}

func (p *progress) set(step string, total int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.step, p.total, p.start = step, total, time.Now()
	p.done.Store(0)
	p.mu.Unlock()
	p.print()
}

func (p *progress) add(n int) {
	if p != nil {
		p.done.Add(int64(n))
	}
}

func (p *progress) print() {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	step, total, start := p.step, p.total, p.start
	p.mu.Unlock()
	done := int(p.done.Load())
	bar := ""
	if total > 0 {
		const width = 30
		n := done * width / total
		if n > width {
			n = width
		}
		bar = "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "] " + fmt.Sprintf("%d/%d", done, total)
	}
	fmt.Fprintf(p.w, "  %-15s %s  errors %d  %.1fs\n", step, bar, p.rec.errorCount(), time.Since(start).Seconds())
}

func (p *progress) run(ctx context.Context) {
	if p == nil || p.w == nil {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.print()
		}
	}
}

// serverMetrics reads the server's /metrics: its resident memory, sampled while the test runs
// (process_resident_memory_bytes), and its CPU time (process_cpu_seconds_total).
type serverMetrics struct {
	url    string
	hc     *http.Client
	rec    *recorder
	peak   atomic.Int64
	last   atomic.Int64
	failed atomic.Bool
}

func (s *serverMetrics) sample(ctx context.Context) (int64, bool) {
	f, ok := s.metric(ctx, "process_resident_memory_bytes")
	if !ok {
		return 0, false
	}
	v := int64(f)
	s.last.Store(v)
	if v > s.peak.Load() {
		s.peak.Store(v)
	}
	s.rec.rss(v)
	return v, true
}

// cpu is the server's CPU time so far (process_cpu_seconds_total: user and system, counted
// by the kernel in 10 ms ticks).
func (s *serverMetrics) cpu(ctx context.Context) (time.Duration, bool) {
	f, ok := s.metric(ctx, "process_cpu_seconds_total")
	return time.Duration(f * float64(time.Second)), ok
}

// metric reads one value of the server's /metrics.
func (s *serverMetrics) metric(ctx context.Context, name string) (float64, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return 0, false
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, false
	}
	return parseMetric(resp.Body, name)
}

// parseMetric finds an unlabelled metric's value in Prometheus text.
func parseMetric(r io.Reader, name string) (float64, bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return f, err == nil
		}
	}
	return 0, false
}

func (s *serverMetrics) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, ok := s.sample(ctx); !ok && ctx.Err() == nil {
				s.failed.Store(true)
			}
		}
	}
}

func mb(b int64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
}
