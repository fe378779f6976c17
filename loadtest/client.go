package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Failure is one request that went wrong, or one page that lacked what the journey needed.
type Failure struct {
	Step    string
	Method  string
	Path    string
	Status  int // 0: no answer (connection error, timeout) or a check of the page's content
	Excerpt string
}

func (f Failure) String() string {
	st := "—"
	if f.Status != 0 {
		st = fmt.Sprint(f.Status)
	}
	return fmt.Sprintf("%-14s %-4s %-48s %3s  %s", f.Step, f.Method, f.Path, st, f.Excerpt)
}

// StepStats is what one step of the run measured.
type StepStats struct {
	Name     string
	Requests int
	Errors   int
	P50, P95 time.Duration
	P99, Max time.Duration
	Elapsed  time.Duration // wall time of the step
	RSSPeak  int64         // the server's highest RSS sampled during the step; 0 if unknown
	Note     string
}

// recorder collects latencies and failures per step from many goroutines.
type recorder struct {
	mu       sync.Mutex
	steps    map[string]*stepData
	order    []string
	failures []Failure
	nFail    int
	saw429   atomic.Bool
	warn     io.Writer // where the 429 hint goes the first time it happens
	current  atomic.Value
	lastRSS  atomic.Int64
}

type stepData struct {
	lat        []time.Duration
	errors     int
	start, end time.Time
	rssPeak    int64
	note       string
}

const maxKeptFailures = 200

func newRecorder(warn io.Writer) *recorder {
	r := &recorder{steps: map[string]*stepData{}, warn: warn}
	r.current.Store("")
	return r
}

// begin marks the start of a step (the RSS sampler attributes samples to it).
func (r *recorder) begin(step string) {
	r.mu.Lock()
	d := r.step(step)
	if d.start.IsZero() {
		d.start = time.Now()
	}
	d.rssPeak = max(d.rssPeak, r.lastRSS.Load()) // the memory the step starts with
	r.mu.Unlock()
	r.current.Store(step)
}

// end marks the end of a step.
func (r *recorder) end(step string) {
	r.mu.Lock()
	r.step(step).end = time.Now()
	r.mu.Unlock()
}

func (r *recorder) step(name string) *stepData {
	d, ok := r.steps[name]
	if !ok {
		d = &stepData{}
		r.steps[name] = d
		r.order = append(r.order, name)
	}
	return d
}

func (r *recorder) note(step, note string) {
	r.mu.Lock()
	r.step(step).note = note
	r.mu.Unlock()
}

func (r *recorder) latency(step string, d time.Duration) {
	r.mu.Lock()
	s := r.step(step)
	s.lat = append(s.lat, d)
	r.mu.Unlock()
}

func (r *recorder) fail(f Failure) {
	if f.Status == http.StatusTooManyRequests && !r.saw429.Swap(true) && r.warn != nil {
		fmt.Fprintln(r.warn, "\n"+rateLimitHint)
	}
	r.mu.Lock()
	r.step(f.Step).errors++
	r.nFail++
	if len(r.failures) < maxKeptFailures {
		r.failures = append(r.failures, f)
	}
	r.mu.Unlock()
}

// rss notes a sample of the server's memory against the current step.
func (r *recorder) rss(v int64) {
	r.lastRSS.Store(v)
	name, _ := r.current.Load().(string)
	if name == "" {
		return
	}
	r.mu.Lock()
	if d := r.step(name); v > d.rssPeak {
		d.rssPeak = v
	}
	r.mu.Unlock()
}

func (r *recorder) errorCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nFail
}

func (r *recorder) stats() []StepStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []StepStats
	for _, name := range r.order {
		d := r.steps[name]
		s := StepStats{Name: name, Requests: len(d.lat), Errors: d.errors, RSSPeak: d.rssPeak, Note: d.note}
		if !d.start.IsZero() && !d.end.IsZero() {
			s.Elapsed = d.end.Sub(d.start)
		}
		s.P50, s.P95, s.P99, s.Max = percentiles(d.lat)
		out = append(out, s)
	}
	return out
}

// combined is the percentiles of every request outside the steps named in exclude.
func (r *recorder) combined(exclude ...string) (n int, p50, p95, p99, max time.Duration) {
	r.mu.Lock()
	var all []time.Duration
	for name, d := range r.steps {
		if !slices.Contains(exclude, name) {
			all = append(all, d.lat...)
		}
	}
	r.mu.Unlock()
	p50, p95, p99, max = percentiles(all)
	return len(all), p50, p95, p99, max
}

// percentiles of a sample by the nearest-rank method.
func percentiles(lat []time.Duration) (p50, p95, p99, max time.Duration) {
	if len(lat) == 0 {
		return
	}
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := func(q float64) time.Duration {
		i := int(q*float64(len(s))+0.999999) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(s) {
			i = len(s) - 1
		}
		return s[i]
	}
	return rank(0.50), rank(0.95), rank(0.99), s[len(s)-1]
}

const rateLimitHint = `!! 服务器返回 429（尝试次数过多）：服务器按来源地址限制登录和加入班级（默认每个地址先 120 次，之后每 0.5 秒 1 次），
   而压测的所有学生都来自这一台机器。只在压测期间，用 --login-ip-burst 5000（或 CRMLAB_LOGIN_IP_BURST=5000）重新启动服务器，
   压测结束后去掉这个参数再启动。按账号的限制（防猜密码）不受影响。
!! The server answered 429 (too many attempts): it limits logins and joins per client address, and every simulated
   student comes from this one machine. For the load test only, restart the server with --login-ip-burst 5000
   (or CRMLAB_LOGIN_IP_BURST=5000), and restart it without the flag afterwards. The per-account limit stays.`

// newTransport is shared by every simulated browser: many connections to one host.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 10000,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// client is one simulated browser: its own cookies (session and CSRF), a shared transport.
type client struct {
	base *url.URL
	http *http.Client
	rec  *recorder
}

func newClient(base *url.URL, tr http.RoundTripper, rec *recorder, timeout time.Duration) *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: base, rec: rec, http: &http.Client{
		Transport: tr,
		Jar:       jar,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// response is a finished request.
type response struct {
	Status   int
	Body     string
	Location string
}

// csrf is the token the server set in this browser's cookie (the forms carry the same value).
func (c *client) csrf() string {
	for _, ck := range c.http.Jar.Cookies(c.base) {
		if ck.Name == "_csrf" {
			return ck.Value
		}
	}
	return ""
}

// cookies are the browser's cookies, for opening an event stream with them.
func (c *client) cookies() []*http.Cookie { return c.http.Jar.Cookies(c.base) }

// do sends a request and records it under step; a status other than want is a failure.
func (c *client) do(ctx context.Context, step, method, path string, form url.Values, hdr map[string]string, want int) (*response, bool) {
	var body io.Reader
	if form != nil {
		if form.Get("_csrf") == "" && hdr["X-CSRF-Token"] == "" {
			form.Set("_csrf", c.csrf())
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		c.rec.fail(Failure{Step: step, Method: method, Path: path, Excerpt: err.Error()})
		return nil, false
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.rec.latency(step, time.Since(start))
		c.rec.fail(Failure{Step: step, Method: method, Path: path, Excerpt: shorten(err.Error())})
		return nil, false
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.rec.latency(step, time.Since(start))
	if err != nil {
		c.rec.fail(Failure{Step: step, Method: method, Path: path, Status: resp.StatusCode, Excerpt: "reading the answer: " + shorten(err.Error())})
		return nil, false
	}
	r := &response{Status: resp.StatusCode, Body: string(b), Location: resp.Header.Get("Location")}
	if r.Status != want {
		c.rec.fail(Failure{Step: step, Method: method, Path: path, Status: r.Status, Excerpt: excerpt(r.Body)})
		return r, false
	}
	return r, true
}

func (c *client) get(ctx context.Context, step, path string, want int) (*response, bool) {
	return c.do(ctx, step, http.MethodGet, path, nil, nil, want)
}

func (c *client) post(ctx context.Context, step, path string, form url.Values, want int) (*response, bool) {
	if form == nil {
		form = url.Values{}
	}
	return c.do(ctx, step, http.MethodPost, path, form, nil, want)
}

// htmx posts like the pages' htmx forms: the token in a header.
func (c *client) htmx(ctx context.Context, step, path string, form url.Values, want int) (*response, bool) {
	return c.do(ctx, step, http.MethodPost, path, form, map[string]string{"HX-Request": "true", "X-CSRF-Token": c.csrf()}, want)
}

// expect records a failure when a page lacks what the journey needs from it.
func (c *client) expect(step, path string, r *response, ok bool, what string) bool {
	if ok {
		return true
	}
	ex := what
	if r != nil {
		ex += ": " + excerpt(r.Body)
	}
	c.rec.fail(Failure{Step: step, Method: "GET", Path: path, Excerpt: shorten(ex)})
	return false
}

var (
	headRe  = regexp.MustCompile(`(?s)<head>.*?</head>|<script.*?</script>|<header.*?</header>|<nav.*?</nav>`)
	tagRe   = regexp.MustCompile(`<[^>]*>`)
	spaceRe = regexp.MustCompile(`\s+`)
	flashRe = regexp.MustCompile(`(?s)class="flash flash-error"[^>]*>(.*?)</`)
)

// excerpt is the readable start of an answer: an error flash if there is one, else the text of
// the page without its head and navigation.
func excerpt(body string) string {
	if m := flashRe.FindStringSubmatch(body); m != nil {
		return shorten(tagRe.ReplaceAllString(m[1], " "))
	}
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	body = headRe.ReplaceAllString(body, " ")
	body = tagRe.ReplaceAllString(body, " ")
	return shorten(body)
}

func shorten(s string) string {
	s = strings.TrimSpace(spaceRe.ReplaceAllString(s, " "))
	const max = 160
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max]) + "…"
	}
	return s
}

// firstEvent opens a server-sent event stream as a page does, waits for its first message
// (a simulation stream starts with the team's current version) and closes it; the time to
// that message is recorded under step.
func (c *client) firstEvent(ctx context.Context, step, path string) bool {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, c.base.String()+path, nil)
	if err != nil {
		c.rec.fail(Failure{Step: step, Method: "GET", Path: path, Excerpt: err.Error()})
		return false
	}
	req.Header.Set("Accept", "text/event-stream")
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.rec.latency(step, time.Since(start))
		c.rec.fail(Failure{Step: step, Method: "GET", Path: path, Excerpt: shorten(err.Error())})
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		c.rec.latency(step, time.Since(start))
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		c.rec.fail(Failure{Step: step, Method: "GET", Path: path, Status: resp.StatusCode, Excerpt: excerpt(string(b))})
		return false
	}
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadString('\n')
		if strings.HasPrefix(line, "data:") {
			c.rec.latency(step, time.Since(start))
			return true
		}
		if err != nil {
			c.rec.latency(step, time.Since(start))
			c.rec.fail(Failure{Step: step, Method: "GET", Path: path, Status: resp.StatusCode, Excerpt: "the stream ended before its first message: " + shorten(err.Error())})
			return false
		}
	}
}
