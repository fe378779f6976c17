package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// joinParallel bounds the joins in flight while N phones join: the server hashes each new
// password with bcrypt, so a queue of 2,000 at once would only make every answer late.
const joinParallel = 64

// phones joins N students of a fresh practice class, puts them in a game with their live
// streams open, and times phase changes (advance, back, …) to the last phone.
func (r *run) phones(ctx context.Context) *PhoneFigures {
	n := r.cfg.Phones
	fig := &PhoneFigures{Phones: n, Changes: r.cfg.PhaseChanges}
	fig.FileLimit, fig.FileLimitMsg = RaiseOpenFiles(n + 2*joinParallel + 32)

	classID, code, _, ok := r.createClass(ctx, "压测班 手机 ")
	if !ok {
		return fig
	}
	cls := classPath(classID)
	ss := make([]*student, n)
	for i := range ss {
		ss[i] = &student{no: fmt.Sprintf("LP%s%05d", r.tag, i+1), name: fmt.Sprintf("手机%04d", i+1),
			c: newClient(r.base, r.tr, r.rec, r.cfg.Timeout), joined: true}
	}
	start := time.Now()
	r.bounded(ctx, stepPhoneJoin, ss, joinParallel, func(_ int, s *student) {
		s.joined = r.joinQuick(ctx, s, code)
	})
	fig.JoinTime = time.Since(start)
	var in []*student
	for _, s := range ss {
		if s.joined {
			in = append(in, s)
		}
	}
	r.rec.note(stepPhoneJoin, fmt.Sprintf("%d joined in %.1f s (%.0f/s, %d at a time); bcrypt-bound", len(in), fig.JoinTime.Seconds(),
		float64(len(in))/fig.JoinTime.Seconds(), joinParallel))
	if len(in) == 0 {
		return fig
	}

	r.rec.begin(stepPhoneOpen)
	r.prog.set(stepPhoneOpen, 1)
	resp, ok := r.teacher.post(ctx, stepPhoneOpen, cls+"/games", nil, http.StatusSeeOther)
	r.rec.end(stepPhoneOpen)
	if !ok {
		return fig
	}
	base := resp.Location
	start = time.Now()
	// Each phone scans the class's QR, as on the projector: the link and the join page it
	// leads to send a member straight to the running game.
	r.bounded(ctx, stepPhoneOpen, in, joinParallel, func(_ int, s *student) {
		scanQR(ctx, s.c, stepPhoneOpen, code, base+"/play")
	})
	fig.OpenTime = time.Since(start)
	if _, ok := r.teacher.htmx(ctx, stepPhoneOpen, base+"/command", url.Values{"kind": {"shuffle"}}, http.StatusNoContent); !ok {
		return fig
	}

	r.rec.begin(stepPhoneConn)
	r.prog.set(stepPhoneConn, len(in))
	cookies := make([][]*http.Cookie, len(in))
	for i, s := range in {
		cookies[i] = s.c.cookies()
	}
	start = time.Now()
	ph := openPhones(ctx, r.rec, r.tr, stepPhoneConn, r.base.String(), base+"/play/events", cookies, joinParallel, r.prog)
	defer ph.close()
	fig.ConnectTime = time.Since(start)
	fig.Connected = ph.live()
	r.rec.end(stepPhoneConn)
	r.rec.note(stepPhoneConn, fmt.Sprintf("%d streams open in %.1f s", fig.Connected, fig.ConnectTime.Seconds()))
	time.Sleep(500 * time.Millisecond) // let the server settle before reading its memory
	fig.RSSConnected, _ = r.server.sample(ctx)

	r.rec.begin(stepPhonePhase)
	r.prog.set(stepPhonePhase, fig.Changes)
	kinds := []string{"advance", "back"}
	phases := []string{"define", "lobby"}
	var views [2]string // a phone's view of each phase, for the baseline's messages
	fig.FirstChange = phases[0]
	cpu := r.startCPU(ctx)
	for k := 0; k < fig.Changes && ctx.Err() == nil; k++ {
		per, missing, sent := ph.change(phases[k%2], 30*time.Second, func() bool {
			_, ok := r.teacher.htmx(ctx, stepPhonePhase, base+"/command", url.Values{"kind": {kinds[k%2]}}, http.StatusNoContent)
			return ok
		})
		r.prog.add(1)
		if !sent {
			break
		}
		fig.Missing += missing
		views[k%2] = ph.lastView(0)
		if missing > 0 {
			r.rec.fail(Failure{Step: stepPhonePhase, Method: "SSE", Path: base + "/play/events",
				Excerpt: fmt.Sprintf("%d of %d phones did not show %q within 30 s", missing, len(in), phases[k%2])})
		}
		if len(per) > 0 {
			last := per[0]
			for _, d := range per {
				last = max(last, d)
			}
			fig.ToLast = append(fig.ToLast, last)
			fig.PerPhone = append(fig.PerPhone, per...)
		}
		time.Sleep(200 * time.Millisecond) // a class does not change phase back to back
	}
	fig.ServerCPU, fig.ToolCPU = cpu.perChange(ctx, len(fig.ToLast))
	r.rec.end(stepPhonePhase)
	r.teacher.htmx(ctx, stepPhonePhase, base+"/command", url.Values{"kind": {"end"}}, http.StatusNoContent)
	ph.close()
	if len(fig.ToLast) > 0 && ctx.Err() == nil {
		fig.ViewBytes = (len(views[0]) + len(views[1])) / 2
		cpu := cpuMeter{}
		cpu.tool, cpu.toolOK = ownCPU()
		fig.BareToLast, fig.BareErr = bareFanOut(ctx, r.tr, fig.Connected, len(fig.ToLast), views)
		_, fig.BareCPU = cpu.perChange(ctx, len(fig.BareToLast))
	}
	return fig
}

// cpuMeter is the CPU time the server (from /metrics) and this tool had used when a series
// of phase changes began. On one machine the two share the cores, and how the CPU of a
// change splits between them tells how much of a delivery time is the tool's own doing.
type cpuMeter struct {
	metrics          *serverMetrics // nil: the server's CPU is not read
	server, tool     time.Duration
	serverOK, toolOK bool
}

func (r *run) startCPU(ctx context.Context) cpuMeter {
	m := cpuMeter{metrics: r.server}
	m.server, m.serverOK = r.server.cpu(ctx)
	m.tool, m.toolOK = ownCPU()
	return m
}

// perChange is the CPU each used since the start, per change (the pauses between the changes
// included); 0 where it could not be read.
func (m cpuMeter) perChange(ctx context.Context, changes int) (server, tool time.Duration) {
	if changes == 0 {
		return 0, 0
	}
	if m.serverOK && m.metrics != nil {
		if now, ok := m.metrics.cpu(ctx); ok {
			server = (now - m.server) / time.Duration(changes)
		}
	}
	if m.toolOK {
		if now, ok := ownCPU(); ok {
			tool = (now - m.tool) / time.Duration(changes)
		}
	}
	return server, tool
}

// bounded runs f for every joined student, at most par at a time.
func (r *run) bounded(ctx context.Context, step string, ss []*student, par int, f func(i int, s *student)) {
	r.rec.begin(step)
	defer r.rec.end(step)
	r.prog.set(step, len(ss))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, s := range ss {
		if !s.joined || ctx.Err() != nil {
			r.prog.add(1)
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer r.prog.add(1)
			f(i, s)
		}()
	}
	wg.Wait()
}

// joinQuick is a phone joining from the QR link: the prefilled form, then the post.
func (r *run) joinQuick(ctx context.Context, s *student, code string) bool {
	form, ok := s.c.get(ctx, stepPhoneJoin, "/join?code="+code, http.StatusOK)
	if !ok || !s.c.expect(stepPhoneJoin, "/join", form, strings.Contains(form.Body, `value="`+code+`"`), "join form without the code") {
		return false
	}
	_, ok = s.c.post(ctx, stepPhoneJoin, "/join", url.Values{"code": {code}, "student_no": {s.no}, "name": {s.name}, "password": {r.password}}, http.StatusSeeOther)
	return ok
}

// scanQR follows the class's QR link as a signed-in member's phone does and checks that it
// ends on the game's page at play.
func scanQR(ctx context.Context, c *client, step, code, play string) bool {
	path := "/j/" + code
	for hop := 0; hop < 2; hop++ {
		resp, ok := c.get(ctx, step, path, http.StatusSeeOther)
		if !ok {
			return false
		}
		path = resp.Location
	}
	if !c.expect(step, "/j/"+code, nil, path == play, "the QR led to "+path+", not to the game") {
		return false
	}
	resp, ok := c.get(ctx, step, play, http.StatusOK)
	return ok && c.expect(step, play, resp, strings.Contains(resp.Body, `id="game-live"`), "the game's page")
}
