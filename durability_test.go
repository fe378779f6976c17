package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// testBinary builds crmlab once per test run for the tests that kill it.
func testBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "crmlab-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "crmlab")
		build := exec.Command("go", "build", "-o", binPath, ".")
		build.Stderr = os.Stderr
		binErr = build.Run()
	})
	if binErr != nil {
		t.Fatalf("build: %v", binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// try sends a request and reports what happened without failing the test: under kill -9
// a request may die with the server, and then its write counts as not acknowledged.
func (w *webClient) try(method, path string, form url.Values, header map[string]string) (int, string, error) {
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", w.token())
	req, _ := http.NewRequest(method, w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := w.c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// ack is a write the client saw acknowledged.
type ack struct {
	version int
	text    string
}

// acked keeps, per piece of work, the newest acknowledged save and the newest one tried.
type acked struct {
	mu     sync.Mutex
	last   map[string]ack
	tried  map[string]int // highest version a save might have produced, acknowledged or not
	counts map[string]int
}

func (a *acked) record(key string, k ack) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if k.version > a.last[key].version {
		a.last[key] = k
	}
	a.counts[key]++
}

func (a *acked) attempt(key string, version int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tried[key] = max(a.tried[key], version)
}

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// TestAcknowledgedWritesSurviveKill9 runs the real binary under autosave load — every
// student saving their own card and the group's shared answer, the instructor extending a
// running game's timer and one student submitting and getting work returned — and kills it
// with SIGKILL at random moments. After each restart every write a client saw acknowledged
// is there, nothing is half-written (the database is intact, drafts and versions parse and
// agree), and the game is in the same phase with the deadline its acknowledged commands set.
// CRMLAB_KILL_CYCLES sets the number of kills (10 by default).
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	cycles := 10
	if n, err := strconv.Atoi(os.Getenv("CRMLAB_KILL_CYCLES")); err == nil && n > 0 {
		cycles = n
	}
	live := startWithClass(t)
	bin, data, addr, srv, teacher, classURL, code := live.bin, live.data, live.addr, live.srv, live.teacher, live.classURL, live.code
	base := live.base
	const n = 6
	var students []*webClient
	for i := 0; i < n; i++ {
		s := newWebClient(t, base)
		s.post("/join", url.Values{"code": {code}, "student_no": {fmt.Sprintf("2025%03d", i)}, "name": {fmt.Sprintf("学生%d", i)}, "password": {"secret1"}})
		students = append(students, s)
	}
	teacher.post(classURL+"/groups/shuffle", url.Values{"size": {"6"}})
	teacher.post(classURL+"/activities", url.Values{"activity": {"card:card-ups-think"}})
	teacher.post(classURL+"/activities", url.Values{"activity": {"card:card-4-11"}, "per_group": {"1"}})
	links := regexp.MustCompile(`href="(/classes/\d+/work/\d+)"`).FindAllStringSubmatch(students[0].get("/home"), -1)
	if len(links) < 2 {
		t.Fatalf("work links on the home page: %v", links)
	}
	own, group := links[0][1], links[1][1]
	if !strings.Contains(students[0].get(group), "客户管理运营模块分析") {
		own, group = group, own
	}

	// A game running in its timed preparation.
	gameURL := teacher.post(classURL+"/games", nil)
	for _, s := range students {
		s.get(gameURL + "/play")
	}
	teacher.post(gameURL+"/command", url.Values{"kind": {"class-groups"}})
	for i := 0; i < 8; i++ { // define … prepare
		teacher.post(gameURL+"/command", url.Values{"kind": {"advance"}})
	}
	deadlineRe := regexp.MustCompile(`data-deadline="(\d+)"`)
	console := teacher.get(gameURL)
	d := deadlineRe.FindStringSubmatch(console)
	if !strings.Contains(console, "小组准备") || d == nil {
		t.Fatalf("not in a timed preparation")
	}
	deadline0, _ := strconv.ParseInt(d[1], 10, 64)

	acks := &acked{last: map[string]ack{}, tried: map[string]int{}, counts: map[string]int{}}
	var extendsAcked, extendsTried, submitsAcked int
	versions := map[string]int{} // each client's idea of the current version, per key
	for i := range students {
		versions[fmt.Sprint("own", i)] = 0
		versions[fmt.Sprint("group", i)] = 0
	}
	hdr := map[string]string{"Accept": "application/json"}
	submitter := students[n-1]
	ownSubURL := "" // the submitter's submission on the instructor's side, found after the first submit

	for cycle := 1; cycle <= cycles; cycle++ {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i, s := range students {
			wg.Add(1)
			go func(i int, s *webClient) {
				defer wg.Done()
				for round := 0; ; round++ {
					select {
					case <-stop:
						return
					default:
					}
					// ackKey names the piece of work (the group's answer is one for all);
					// verKey this client's idea of its version.
					ackKey, verKey, path, field := fmt.Sprint("own", i), fmt.Sprint("own", i), own, "f.practice"
					if round%2 == 1 {
						ackKey, verKey, path, field = "group", fmt.Sprint("group", i), group, "f.crm_role"
					}
					mu.Lock()
					v := versions[verKey]
					mu.Unlock()
					text := fmt.Sprintf("第%d轮 学生%d 第%d次：客户关系靠每一次服务积累。", cycle, i, round)
					acks.attempt(ackKey, v+1)
					st, body, err := s.try(http.MethodPost, path+"/save", url.Values{"version": {strconv.Itoa(v)}, field: {text}}, hdr)
					if err != nil {
						return // the server died: this save is not acknowledged
					}
					var res struct {
						OK      bool   `json:"ok"`
						Version int    `json:"version"`
						Message string `json:"message"`
					}
					if json.Unmarshal([]byte(body), &res) != nil {
						return // cut off mid-answer: not acknowledged
					}
					switch {
					case st == http.StatusOK && res.OK:
						acks.record(ackKey, ack{version: res.Version, text: text})
					case st == http.StatusConflict && res.Message != "":
					default:
						t.Errorf("cycle %d: save %s answered %d %s", cycle, path, st, body)
						return
					}
					mu.Lock()
					versions[verKey] = res.Version
					mu.Unlock()
				}
			}(i, s)
		}
		// The instructor extends the game's timer while the students type.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				extendsTried++
				mu.Unlock()
				st, _, err := teacher.try(http.MethodPost, gameURL+"/command", url.Values{"kind": {"extend"}, "seconds": {"60"}}, map[string]string{"HX-Request": "true"})
				if err != nil {
					return
				}
				if st != http.StatusNoContent {
					t.Errorf("extend answered %d", st)
					return
				}
				mu.Lock()
				extendsAcked++
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
		time.Sleep(time.Duration(50+rand.IntN(300)) * time.Millisecond) // a random moment of the load
		srv.Process.Signal(syscall.SIGKILL)
		srv.Wait()
		close(stop)
		wg.Wait()
		if t.Failed() {
			return
		}
		srv = startBinary(t, bin, data, addr)

		// Every acknowledged save is there: the stored version is at least the newest
		// acknowledged one, and when it is that one, so is its text.
		for i, s := range students {
			for _, k := range []struct{ key, path, store string }{{fmt.Sprint("own", i), own, "own"}, {"group", group, "group"}} {
				// The versions seen here are where the clients go on from.
				page := s.get(k.path)
				m := versionField.FindStringSubmatch(page)
				if m == nil {
					t.Fatalf("cycle %d: no version on %s", cycle, k.path)
				}
				stored, _ := strconv.Atoi(m[1])
				acks.mu.Lock()
				last, tried := acks.last[k.key], acks.tried[k.key]
				acks.mu.Unlock()
				if stored < last.version || stored > tried {
					t.Fatalf("cycle %d: %s of student %d is at version %d; acknowledged up to %d, tried up to %d", cycle, k.key, i, stored, last.version, tried)
				}
				if stored == last.version && last.text != "" && !strings.Contains(page, last.text) {
					t.Fatalf("cycle %d: acknowledged save %q (version %d) of %s is gone", cycle, last.text, last.version, k.key)
				}
				versions[fmt.Sprint(k.store, i)] = stored
			}
		}
		// The game is in the same phase, with the deadline its acknowledged commands set.
		console := teacher.get(gameURL)
		d := deadlineRe.FindStringSubmatch(console)
		if !strings.Contains(console, "小组准备") || d == nil {
			t.Fatalf("cycle %d: the game left its preparation after kill -9", cycle)
		}
		got, _ := strconv.ParseInt(d[1], 10, 64)
		lo, hi := deadline0+int64(extendsAcked)*60_000, deadline0+int64(extendsTried)*60_000
		if got < lo || got > hi {
			t.Fatalf("cycle %d: deadline %d, want between %d (%d acknowledged extensions) and %d (%d tried)",
				cycle, got, lo, extendsAcked, hi, extendsTried)
		}
		// Submitting freezes a version; the instructor returns it for the next round.
		if cycle%3 == 0 {
			v := versions[fmt.Sprint("own", n-1)]
			loc := submitter.post(own+"/submit", url.Values{"version": {strconv.Itoa(v)}, "f.practice": {"提交的内容"}, "f.insight": {"第" + strconv.Itoa(cycle) + "轮提交"}})
			if loc == "" {
				t.Fatalf("cycle %d: submit not acknowledged", cycle)
			}
			submitsAcked++
			if ownSubURL == "" {
				act := regexp.MustCompile(`/work/(\d+)$`).FindStringSubmatch(own)[1]
				page := teacher.get(classURL + "/activities/" + act)
				m := regexp.MustCompile(`href="(`+regexp.QuoteMeta(classURL)+`/activities/\d+/submissions/\d+)"`).FindAllStringSubmatch(page, -1)
				for _, x := range m {
					if strings.Contains(teacher.get(x[1]), "第"+strconv.Itoa(cycle)+"轮提交") {
						ownSubURL = x[1]
					}
				}
				if ownSubURL == "" {
					t.Fatalf("cycle %d: the submission is not on the activity page", cycle)
				}
			}
			teacher.post(ownSubURL+"/return", url.Values{"comment": {"请补充"}})
			// Submitting and returning moved the draft's version: go on from there.
			m := versionField.FindStringSubmatch(submitter.get(own))
			v, _ = strconv.Atoi(m[1])
			versions[fmt.Sprint("own", n-1)] = v
			acks.attempt(fmt.Sprint("own", n-1), v)
			acks.record(fmt.Sprint("own", n-1), ack{version: v})
		}
		checkDatabase(t, filepath.Join(data, "crmlab.db"), cycle, submitsAcked)
	}
	acks.mu.Lock()
	t.Logf("%d kills: %d saves acknowledged (%v), %d of %d timer extensions acknowledged, %d submissions",
		cycles, sum(acks.counts), acks.counts, extendsAcked, extendsTried, submitsAcked)
	acks.mu.Unlock()
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// checkDatabase reads the database file beside the running server: it is intact, every
// draft and version is whole JSON, and submissions and their versions agree.
func checkDatabase(t *testing.T, path string, cycle, submits int) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("cycle %d: integrity_check: %q %v", cycle, ok, err)
	}
	var fk int
	db.QueryRow("SELECT COUNT(*) FROM pragma_foreign_key_check").Scan(&fk)
	if fk != 0 {
		t.Fatalf("cycle %d: %d rows break foreign keys", cycle, fk)
	}
	rows, err := db.Query(`SELECT s.id, s.status, s.draft, s.draft_version,
		(SELECT COUNT(*) FROM submission_versions v WHERE v.submission_id = s.id),
		(SELECT COALESCE(MAX(number), 0) FROM submission_versions v WHERE v.submission_id = s.id)
		FROM submissions s`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var versions int
	for rows.Next() {
		var id, dv, count, maxNo int
		var status, draft string
		if err := rows.Scan(&id, &status, &draft, &dv, &count, &maxNo); err != nil {
			t.Fatal(err)
		}
		if !json.Valid([]byte(draft)) {
			t.Fatalf("cycle %d: submission %d has a half-written draft: %q", cycle, id, draft)
		}
		if count != maxNo {
			t.Fatalf("cycle %d: submission %d has %d versions numbered up to %d", cycle, id, count, maxNo)
		}
		if status != "draft" && count == 0 {
			t.Fatalf("cycle %d: submission %d is %s without a version", cycle, id, status)
		}
		versions += count
	}
	if versions < submits {
		t.Fatalf("cycle %d: %d versions stored, %d submissions acknowledged", cycle, versions, submits)
	}
	vrows, err := db.Query("SELECT submission_id, number, answer FROM submission_versions")
	if err != nil {
		t.Fatal(err)
	}
	defer vrows.Close()
	for vrows.Next() {
		var id, no int
		var answer string
		vrows.Scan(&id, &no, &answer)
		if !json.Valid([]byte(answer)) {
			t.Fatalf("cycle %d: version %d of submission %d is not whole JSON", cycle, no, id)
		}
	}
	var gaps int
	db.QueryRow(`SELECT COUNT(*) FROM games g WHERE (SELECT COUNT(*) FROM game_events e WHERE e.game_id = g.id)
		<> (SELECT COALESCE(MAX(seq), 0) FROM game_events e WHERE e.game_id = g.id)`).Scan(&gaps)
	if gaps != 0 {
		t.Fatalf("cycle %d: %d games have gaps in their event log", cycle, gaps)
	}
}
