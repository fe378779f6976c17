// Package loadtest plays a whole class against a running crmlab over HTTP, as a school's IT
// person does before the first lesson: an instructor creates a practice class, N simulated
// students join it by code and go through lessons, a card, the moments-of-truth game, the
// CRM-optimization task and self-scoring sheet 4-16; optionally N phones hold the game's live
// stream while phase changes are timed to the last phone. It only speaks HTTP to the server,
// so it measures a remote server exactly as students' phones reach it.
package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config is one run.
type Config struct {
	URL      string // the server, e.g. http://192.168.1.10:8080
	Login    string // an instructor account
	Password string
	// Students play the full journey concurrently; 0 skips it.
	Students int
	// Phones hold the game's live stream while PhaseChanges phase changes are timed; 0
	// skips it.
	Phones       int
	PhaseChanges int  // default 20
	Keep         bool // keep the practice classes instead of deleting them
	// Think is the most a simulated student waits before each action (a random share of
	// it), as people read and type; 0 makes every student act at the same instant, which is
	// a harsher burst than any class produces.
	Think time.Duration
	// Progress receives a progress line every second (stderr); nil prints nothing.
	Progress io.Writer
	// Timeout bounds each request (joins wait behind bcrypt under load); default 2 minutes.
	Timeout time.Duration
}

// Report is what a run measured.
type Report struct {
	Steps     []StepStats
	Failures  []Failure // the first 200
	Errors    int       // every failure, also those not kept
	RSSBefore int64     // the server's RSS before the run (0: /metrics unreadable)
	RSSPeak   int64
	RSSAfter  int64
	Saw429    bool
	// Interactive are every request but joins (bcrypt) and stream openings, all steps
	// together: what the p99 goal is about.
	Interactive Percentiles
	// Classes are the practice classes created (id → name) and whether they are gone.
	Classes []ClassRef
	Journey *JourneyFigures
	Phones  *PhoneFigures
	Elapsed time.Duration
}

// Percentiles summarise a sample of latencies.
type Percentiles struct {
	N                  int
	P50, P95, P99, Max time.Duration
}

// ClassRef is a practice class the run created.
type ClassRef struct {
	ID      int64
	Name    string
	Deleted bool
}

// JourneyFigures are the class journey's headline numbers.
type JourneyFigures struct {
	Students    int
	JoinTime    time.Duration // from the first join sent to the last answered
	Groups      int
	PhaseToLast []time.Duration // per game phase change: time to the last student's phone
}

// PhoneFigures are the live-stream measurement's numbers.
type PhoneFigures struct {
	Phones       int
	Connected    int
	JoinTime     time.Duration // first-time joins: an account each, so bcrypt-bound
	OpenTime     time.Duration // the joined phones scanning the QR into the game
	ConnectTime  time.Duration // and opening its live stream
	Changes      int
	ToLast       []time.Duration // per phase change, the time to the last phone
	FirstChange  string          // the phase of the first change; they alternate with the phase before
	PerPhone     []time.Duration // every phone's delivery time over all changes
	Missing      int             // deliveries that did not arrive within the timeout
	FileLimit    uint64
	FileLimitMsg string
	RSSConnected int64 // the server's RSS with every phone connected
	// The same run's baseline: a bare fan-out in this tool to as many streams, with a
	// message of the phone view's size (ViewBytes), as many times (see bareFanOut).
	BareToLast []time.Duration
	BareErr    error
	ViewBytes  int
	// CPU per change, the pauses between changes included (0: not measured): the server's
	// (process_cpu_seconds_total, in 10 ms ticks), this tool's while it read crmlab's
	// streams, and this tool's during the bare fan-out, whose server is inside it.
	ServerCPU, ToolCPU, BareCPU time.Duration
}

// Run plays the configured load against the server and reports what it measured. An error
// is returned only when the run could not start (bad URL, wrong credentials, server down);
// failed requests during the run are in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	base, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("--url %q: want the server's address such as http://192.168.1.10:8080", cfg.URL)
	}
	if cfg.Login == "" || cfg.Password == "" {
		return nil, errors.New("an instructor's login and password are needed (--login/--password or CRMLAB_LOADTEST_LOGIN/CRMLAB_LOADTEST_PASSWORD)")
	}
	if cfg.Students <= 0 && cfg.Phones <= 0 {
		return nil, errors.New("nothing to do: give --students N and/or --phones N")
	}
	if cfg.PhaseChanges <= 0 {
		cfg.PhaseChanges = 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	r := &run{cfg: cfg, base: base, tr: newTransport(), started: time.Now()}
	r.rec = newRecorder(cfg.Progress)
	r.prog = &progress{w: cfg.Progress, rec: r.rec}
	r.server = &serverMetrics{url: base.String() + "/metrics", hc: &http.Client{Timeout: 10 * time.Second}, rec: r.rec}
	r.tag = runTag()
	r.password = randomPassword()

	rep := &Report{}
	rep.RSSBefore, _ = r.server.sample(ctx)
	bg, stop := context.WithCancel(ctx)
	defer stop()
	go r.server.run(bg, 250*time.Millisecond)
	go r.prog.run(bg)

	r.teacher = newClient(base, r.tr, r.rec, cfg.Timeout)
	if err := r.login(ctx); err != nil {
		return nil, err
	}
	if cfg.Students > 0 {
		rep.Journey = r.journey(ctx)
	}
	if cfg.Phones > 0 && ctx.Err() == nil {
		rep.Phones = r.phones(ctx)
	}
	r.cleanup(ctx)
	stop()
	time.Sleep(50 * time.Millisecond)
	rep.RSSAfter, _ = r.server.sample(context.Background())
	rep.RSSPeak = max(r.server.peak.Load(), rep.RSSBefore, rep.RSSAfter)
	rep.Steps = r.rec.stats()
	r.rec.mu.Lock()
	rep.Failures = append(rep.Failures, r.rec.failures...)
	rep.Errors = r.rec.nFail
	r.rec.mu.Unlock()
	rep.Saw429 = r.rec.saw429.Load()
	p := &rep.Interactive
	p.N, p.P50, p.P95, p.P99, p.Max = r.rec.combined(stepJoin, stepPhoneJoin, stepPhoneConn, stepGamePhase)
	rep.Classes = r.classes
	rep.Elapsed = time.Since(r.started)
	return rep, nil
}

// run is the state of one load test.
type run struct {
	cfg      Config
	base     *url.URL
	tr       *http.Transport
	rec      *recorder
	prog     *progress
	server   *serverMetrics
	teacher  *client
	tag      string // makes this run's 学号 unique
	password string // every simulated student's password
	classes  []ClassRef
	started  time.Time
}

// pause is a student's thinking time before an action.
func (r *run) pause(ctx context.Context) {
	if r.cfg.Think <= 0 {
		return
	}
	t := time.NewTimer(mrand.N(r.cfg.Think))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func runTag() string {
	b := make([]byte, 3)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

func randomPassword() string {
	b := make([]byte, 9)
	rand.Read(b)
	return "lt-" + hex.EncodeToString(b)
}

// login signs the instructor in; a failure here ends the run with the reason.
func (r *run) login(ctx context.Context) error {
	const step = "login"
	r.rec.begin(step)
	defer r.rec.end(step)
	r.prog.set(step, 1)
	defer r.prog.add(1)
	if _, ok := r.teacher.get(ctx, step, "/login", http.StatusOK); !ok {
		return fmt.Errorf("cannot reach %s/login: %s", r.base, r.lastFailure())
	}
	resp, ok := r.teacher.post(ctx, step, "/login", url.Values{"login": {r.cfg.Login}, "password": {r.cfg.Password}}, http.StatusSeeOther)
	if !ok {
		if resp != nil && resp.Status == http.StatusTooManyRequests {
			return errors.New("instructor login refused with 429 (too many attempts); wait a minute, or see the hint above")
		}
		return fmt.Errorf("instructor login %q failed: %s", r.cfg.Login, r.lastFailure())
	}
	home, ok := r.teacher.get(ctx, step, "/classes", http.StatusOK)
	if !ok || !strings.Contains(home.Body, `action="/classes"`) {
		return fmt.Errorf("account %q cannot create classes: is it an instructor account?", r.cfg.Login)
	}
	return nil
}

func (r *run) lastFailure() string {
	r.rec.mu.Lock()
	defer r.rec.mu.Unlock()
	if len(r.rec.failures) == 0 {
		return "unknown error"
	}
	f := r.rec.failures[len(r.rec.failures)-1]
	if f.Status != 0 {
		return fmt.Sprintf("status %d: %s", f.Status, f.Excerpt)
	}
	return f.Excerpt
}

// createClass creates a practice class and returns its id and join code.
// createClass makes a practice class named prefix and the time, recorded under the class
// step, and returns its id, join code and name.
func (r *run) createClass(ctx context.Context, prefix string) (id int64, code, name string, ok bool) {
	const step = stepClass
	r.rec.begin(step)
	defer r.rec.end(step)
	name = prefix + time.Now().Format("01-02 15:04:05")
	resp, ok := r.teacher.post(ctx, step, "/classes", url.Values{"name": {name}, "term": {"压测 load test"}}, http.StatusSeeOther)
	if !ok {
		return 0, "", name, false
	}
	if _, err := fmt.Sscanf(resp.Location, "/classes/%d", &id); err != nil || id == 0 {
		r.teacher.expect(step, "/classes", resp, false, "no class address in the answer: "+resp.Location)
		return 0, "", name, false
	}
	r.classes = append(r.classes, ClassRef{ID: id, Name: name})
	page, ok := r.teacher.get(ctx, step, classPath(id), http.StatusOK)
	if !ok {
		return id, "", name, false
	}
	m := joinCodeRe.FindStringSubmatch(page.Body)
	if !r.teacher.expect(step, classPath(id), page, m != nil, "no join code on the class page") {
		return id, "", name, false
	}
	return id, m[1], name, true
}

// cleanup deletes the practice classes (and the accounts only in them) unless --keep.
func (r *run) cleanup(ctx context.Context) {
	if r.cfg.Keep || len(r.classes) == 0 {
		return
	}
	const step = "cleanup"
	r.rec.begin(step)
	defer r.rec.end(step)
	r.prog.set(step, len(r.classes))
	ctx = context.WithoutCancel(ctx) // an interrupted run still removes what it made
	for i := range r.classes {
		c := &r.classes[i]
		path := classPath(c.ID)
		resp, ok := r.teacher.post(ctx, step, path+"/delete", url.Values{"confirm": {c.Name}, "remove_students": {"1"}}, http.StatusSeeOther)
		r.prog.add(1)
		if !ok {
			continue
		}
		if !r.teacher.expect(step, path+"/delete", resp, resp.Location == "/classes", "the class was not deleted (answer went to "+resp.Location+")") {
			continue
		}
		if _, ok := r.teacher.get(ctx, step, path, http.StatusNotFound); ok {
			c.Deleted = true
		}
	}
}

func classPath(id int64) string { return fmt.Sprintf("/classes/%d", id) }

// Failed reports whether any request failed.
func (rep *Report) Failed() bool { return rep.Errors > 0 }
