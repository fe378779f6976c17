package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGameSurvivesKill9 runs the real binary, plays a game into its preparation phase,
// kills the server with SIGKILL, restarts it on the same data folder and checks that the
// game resumes in the same phase with the same deadline and every acknowledged answer.
func TestGameSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and restarts the binary")
	}
	live := startWithClass(t)
	bin, data, addr, base, srv, teacher, classURL, code := live.bin, live.data, live.addr, live.base, live.srv, live.teacher, live.classURL, live.code
	var students []*webClient
	for i := 0; i < 8; i++ {
		s := newWebClient(t, base)
		s.post("/join", url.Values{"code": {code}, "student_no": {fmt.Sprintf("2025%03d", i)}, "name": {fmt.Sprintf("学生%d", i)}, "password": {"secret1"}})
		students = append(students, s)
	}
	gameURL := teacher.post(classURL+"/games", nil)
	for _, s := range students {
		s.get(gameURL + "/play")
	}
	teacher.post(gameURL+"/command", url.Values{"kind": {"shuffle"}})
	cmd := func(kind string) { teacher.post(gameURL+"/command", url.Values{"kind": {kind}}) }
	cmd("advance") // define
	cmd("advance") // hands
	cmd("advance") // carlzon
	cmd("advance") // wall
	var posts []string
	for i, s := range students {
		text := fmt.Sprintf("关键时刻%d：快递员上门", i)
		s.htmx(gameURL+"/act", url.Values{"kind": {"post"}, "text": {text}})
		posts = append(posts, text)
	}
	for _, k := range []string{"advance", "advance", "advance", "advance"} { // returns, reveal, deal, prepare
		cmd(k)
	}
	console := teacher.get(gameURL)
	deadline := regexp.MustCompile(`data-deadline="(\d+)"`).FindStringSubmatch(console)
	if !strings.Contains(console, "小组准备") || deadline == nil {
		t.Fatalf("not in a timed preparation: %s", console)
	}
	// A group's analysis draft, acknowledged by the autosave.
	work := regexp.MustCompile(`href="(/classes/\d+/work/\d+)"`).FindStringSubmatch(students[0].get(gameURL + "/play"))
	if work == nil {
		t.Fatal("no analysis card link")
	}
	students[0].get(work[1])
	saved := students[0].json(work[1]+"/save", url.Values{"version": {"0"}, "f.comm_type": {"广告"}, "f.message": {"次日达，慢必赔"}})
	if !strings.Contains(saved, `"ok":true`) {
		t.Fatalf("analysis save: %s", saved)
	}

	for cycle := 1; cycle <= 3; cycle++ {
		srv.Process.Signal(syscall.SIGKILL)
		srv.Wait()
		srv = startBinary(t, bin, data, addr)
		console = teacher.get(gameURL)
		if !strings.Contains(console, "小组准备") {
			t.Fatalf("cycle %d: phase lost after kill -9", cycle)
		}
		if d := regexp.MustCompile(`data-deadline="(\d+)"`).FindStringSubmatch(console); d == nil || d[1] != deadline[1] {
			t.Fatalf("cycle %d: deadline %v, want %s (the timer must be the stored deadline)", cycle, d, deadline[1])
		}
		summary := teacher.get(gameURL + "/results.csv")
		if !strings.Contains(summary, "第1组") {
			t.Fatalf("cycle %d: groups lost: %s", cycle, summary)
		}
		again := students[0].get(work[1])
		if !strings.Contains(again, "次日达，慢必赔") {
			t.Fatalf("cycle %d: the acknowledged analysis draft is gone", cycle)
		}
	}
	// Every acknowledged wall post is still there: move on to the summary and read the wall.
	for _, k := range []string{"advance", "advance", "advance"} { // present, review, summary
		cmd(k)
	}
	wall := teacher.get(gameURL + "/projector")
	for _, p := range posts {
		if !strings.Contains(wall, p) {
			t.Errorf("wall post %q lost", p)
		}
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
}

// liveServer is the built binary running on a fresh data folder, with instructor wang
// signed in and one class created.
type liveServer struct {
	bin, data, addr, base string
	srv                   *exec.Cmd
	teacher               *webClient
	classURL, code        string // the class page and its join code
}

func startWithClass(t *testing.T) liveServer {
	t.Helper()
	l := liveServer{bin: testBinary(t), data: filepath.Join(t.TempDir(), "data"), addr: freeAddr(t)}
	l.base = "http://" + l.addr
	l.srv = startBinary(t, l.bin, l.data, l.addr)
	add := exec.Command(l.bin, "user", "add", "--data", l.data, "--role", "instructor", "--login", "wang", "--password-stdin")
	add.Stdin = strings.NewReader("wang-password\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	l.teacher = newWebClient(t, l.base)
	l.teacher.post("/login", url.Values{"login": {"wang"}, "password": {"wang-password"}})
	l.classURL = l.teacher.post("/classes", url.Values{"name": {"物流1班"}})
	code := regexp.MustCompile(`class="code">([A-Z0-9]{6})<`).FindStringSubmatch(l.teacher.get(l.classURL))
	if code == nil {
		t.Fatalf("no join code on %s", l.classURL)
	}
	l.code = code[1]
	return l
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startBinary(t *testing.T, bin, data, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "--data", data, "--addr", addr, "--public-url", "http://"+addr)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	for i := 0; i < 200; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("server did not come up")
	return nil
}

// webClient is a minimal browser for the kill test: cookies, the CSRF cookie as token,
// redirects not followed.
type webClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newWebClient(t *testing.T, base string) *webClient {
	jar, _ := cookiejar.New(nil)
	return &webClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (w *webClient) token() string {
	u, _ := url.Parse(w.base)
	for _, c := range w.c.Jar.Cookies(u) {
		if c.Name == "_csrf" {
			return c.Value
		}
	}
	w.get("/login")
	for _, c := range w.c.Jar.Cookies(u) {
		if c.Name == "_csrf" {
			return c.Value
		}
	}
	return ""
}

func (w *webClient) do(req *http.Request) (*http.Response, string) {
	w.t.Helper()
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		w.t.Fatalf("%s %s: %d %s", req.Method, req.URL, resp.StatusCode, b)
	}
	return resp, string(b)
}

func (w *webClient) get(path string) string {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, w.base+path, nil)
	_, body := w.do(req)
	return body
}

// post sends a form and returns where it redirected to.
func (w *webClient) post(path string, form url.Values) string {
	w.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", w.token())
	req, _ := http.NewRequest(http.MethodPost, w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := w.do(req)
	return resp.Header.Get("Location")
}

func (w *webClient) htmx(path string, form url.Values) string {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", w.token())
	_, body := w.do(req)
	return body
}

func (w *webClient) json(path string, form url.Values) string {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CSRF-Token", w.token())
	_, body := w.do(req)
	return body
}
