package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"crmlab/scenarios/keymoments"
	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// BenchmarkPhaseChange connects N phones to a game's event stream over loopback and
// measures, for each phase change, the time until the last phone has received the new
// phase; it reports p50 and p99 of that over the changes, with the process's RSS. A bare
// stream server (one constant message to every client through the same kind of
// non-blocking fan-out) measured in the same run is the baseline.
//
//	CRMLAB_PHONES=200  go test ./server/ -run '^$' -bench PhaseChange -benchtime 20x
//	CRMLAB_PHONES=2000 go test ./server/ -run '^$' -bench PhaseChange -benchtime 20x
func BenchmarkPhaseChange(b *testing.B) {
	n := 200
	if v, err := strconv.Atoi(os.Getenv("CRMLAB_PHONES")); err == nil && v > 0 {
		n = v
	}
	app := apptest.Start(b, server.Config{LoginIPBurst: 100000, LoginNameBurst: 10})
	teacher, tu := app.As(store.RoleInstructor)
	cls, err := app.Store.CreateClass(ctx, store.Class{Name: "压测班", InstructorID: tu.ID}, func() string { return "PHONES" })
	if err != nil {
		b.Fatal(err)
	}
	// Students straight into the store (joining by form is measured elsewhere).
	var phones []*apptest.Client
	for i := 0; i < n; i++ {
		no := fmt.Sprintf("9%06d", i)
		u := app.CreateUser(store.RoleStudent, no, "学生")
		if _, err := app.Store.JoinClass(ctx, store.JoinRequest{ClassID: cls.ID, StudentNo: no, Name: "学生", ExistingUserID: u.ID, Now: time.Now()}); err != nil {
			b.Fatal(err)
		}
		c := app.Client()
		c.Login(no, apptest.Password)
		phones = append(phones, c)
	}
	r := teacher.Post("/classes/"+itoa(cls.ID)+"/games", nil)
	base := r.Location
	for _, p := range phones {
		p.Get(base + "/play")
	}
	if r := teacher.Post(base+"/command", url.Values{"kind": {"shuffle"}}); r.Status != http.StatusSeeOther {
		b.Fatalf("shuffle: %d", r.Status)
	}
	appURL, _ := url.Parse(app.URL)
	streams := make([]*sseClient, n)
	for i, p := range phones {
		streams[i] = openStream(b, app.URL+base+"/play/events", p.Cookies(appURL))
	}
	defer func() {
		for _, s := range streams {
			s.close()
		}
	}()
	// Phase changes alternate advance (lobby → define) and back; each is waited for on
	// every phone.
	var lat []time.Duration
	labels := []string{keymoments.PhaseDefine.Label(), keymoments.PhaseLobby.Label()}
	kinds := []string{"advance", "back"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		want := labels[i%2]
		start := time.Now()
		if r := teacher.Post(base+"/command", url.Values{"kind": {kinds[i%2]}}); r.Status != http.StatusSeeOther {
			b.Fatalf("command: %d", r.Status)
		}
		lat = append(lat, waitAll(b, streams, want, start))
	}
	b.StopTimer()
	reportLatency(b, lat, "app")

	// Baseline: a bare fan-out of one constant message to n streams.
	bareLat := bareHub(b, n)
	reportLatency(b, bareLat, "bare")
	b.ReportMetric(float64(rssBytes())/(1<<20), "RSS_MB")
}

func reportLatency(b *testing.B, lat []time.Duration, name string) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) float64 {
		i := int(q * float64(len(lat)-1))
		return float64(lat[i].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.5), name+"_p50_ms")
	b.ReportMetric(p(0.99), name+"_p99_ms")
}

// sseClient reads one event stream and notes when each data line arrived.
type sseClient struct {
	mu     sync.Mutex
	cond   *sync.Cond
	latest string
	at     time.Time
	cancel context.CancelFunc
}

func openStream(b *testing.B, u string, cookies []*http.Cookie) *sseClient {
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := streamClient.Do(req)
	if err != nil {
		b.Fatalf("open stream: %v", err)
	}
	s := &sseClient{cancel: cancel}
	s.cond = sync.NewCond(&s.mu)
	ready := make(chan struct{})
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 16<<10), 1<<20)
		first := true
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "data: ") && strings.Contains(line, "phase-label") {
				s.mu.Lock()
				s.latest, s.at = line, time.Now()
				s.cond.Broadcast()
				s.mu.Unlock()
				if first {
					close(ready)
					first = false
				}
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		b.Fatal("stream sent no snapshot")
	}
	return s
}

func (s *sseClient) close() { s.cancel() }

// streamClient allows many connections to one host.
var streamClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 5000, MaxConnsPerHost: 0}}

// waitAll returns the time from start until every stream has shown want.
func waitAll(b *testing.B, streams []*sseClient, want string, start time.Time) time.Duration {
	var last time.Time
	deadline := time.Now().Add(30 * time.Second)
	for _, s := range streams {
		s.mu.Lock()
		for !strings.Contains(s.latest, want) {
			if time.Now().After(deadline) {
				s.mu.Unlock()
				b.Fatalf("a phone never saw %q", want)
			}
			s.cond.Wait()
		}
		if s.at.After(last) {
			last = s.at
		}
		s.mu.Unlock()
	}
	return last.Sub(start)
}

// bareHub serves n streams from a minimal echo handler and publishes one message to all of
// them, the same number of times, through buffered channels without blocking.
func bareHub(b *testing.B, n int) []time.Duration {
	var mu sync.Mutex
	subs := map[chan string]struct{}{}
	e := echo.New()
	e.GET("/", func(c echo.Context) error {
		ch := make(chan string, 8)
		mu.Lock()
		subs[ch] = struct{}{}
		mu.Unlock()
		defer func() { mu.Lock(); delete(subs, ch); mu.Unlock() }()
		w := c.Response()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		fmt.Fprint(w, "data: <p class=\"phase-label\">start</p>\n\n")
		w.Flush()
		for {
			select {
			case <-c.Request().Context().Done():
				return nil
			case m := <-ch:
				fmt.Fprintf(w, "data: %s\n\n", m)
				w.Flush()
			}
		}
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	streams := make([]*sseClient, n)
	for i := range streams {
		streams[i] = openStream(b, srv.URL+"/", nil)
	}
	defer func() {
		for _, s := range streams {
			s.close()
		}
	}()
	var lat []time.Duration
	for i := 0; i < b.N; i++ {
		want := fmt.Sprintf("phase-label round-%d", i)
		start := time.Now()
		mu.Lock()
		for ch := range subs {
			select {
			case ch <- `<p class="` + want + `">x</p>`:
			default:
			}
		}
		mu.Unlock()
		lat = append(lat, waitAll(b, streams, want, start))
	}
	return lat
}

// rssBytes reads the resident set size of this process (server and clients together).
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
