package loadtest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Goals the report compares against (DESIGN.md §9).
const (
	GoalP99         = 200 * time.Millisecond // every request of a 200-student class but joins
	GoalPhaseToLast = 50 * time.Millisecond  // a phase change to the last of 2,000 phones, p99
	GoalRSS         = 150 << 20              // the server's memory with 2,000 phones
	GoalPhonesIn    = 5 * time.Second        // 2,000 phones scanning at once all in the game
)

// Print writes the report as plain text tables.
func (rep *Report) Print(w io.Writer, cfg Config) {
	fmt.Fprintf(w, "\ncrmlab load test against %s: %d students, %d phones, think time up to %s, %.1f s\n\n", cfg.URL, cfg.Students, cfg.Phones, cfg.Think, rep.Elapsed.Seconds())
	fmt.Fprintf(w, "%-15s %8s %6s %9s %9s %9s %9s %8s %10s\n", "step", "requests", "errors", "p50", "p95", "p99", "max", "time", "RSS peak")
	fmt.Fprintln(w, strings.Repeat("-", 92))
	for _, s := range rep.Steps {
		el := "—"
		if s.Elapsed > 0 {
			el = fmt.Sprintf("%.1fs", s.Elapsed.Seconds())
		}
		fmt.Fprintf(w, "%-15s %8d %6d %9s %9s %9s %9s %8s %10s\n", s.Name, s.Requests, s.Errors, ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max), el, mb(s.RSSPeak))
	}
	fmt.Fprintln(w, strings.Repeat("-", 92))
	if rep.Journey != nil {
		fmt.Fprintln(w, "game-phase: one sample per phase change, the time from the instructor's command to the last student's phone.")
	}
	for _, s := range rep.Steps {
		if s.Note != "" {
			fmt.Fprintf(w, "%s: %s\n", s.Name, s.Note)
		}
	}
	fmt.Fprintf(w, "\nserver RSS (process_resident_memory_bytes from /metrics): before %s · peak %s · after %s\n", mb(rep.RSSBefore), mb(rep.RSSPeak), mb(rep.RSSAfter))

	if j := rep.Journey; j != nil {
		fmt.Fprintf(w, "\nclass journey: %d students, %d groups; joining took %.1f s — every join hashes a new password with bcrypt, so joins are CPU-bound by design\n",
			j.Students, j.Groups, j.JoinTime.Seconds())
		i := rep.Interactive
		fmt.Fprintf(w, "  every other request (%d): p50 %s · p95 %s · p99 %s · max %s   goal: 0 errors, p99 < %s → %s\n",
			i.N, ms(i.P50), ms(i.P95), ms(i.P99), ms(i.Max), ms(GoalP99), verdict(rep.Errors == 0 && i.P99 < GoalP99))
	}
	if p := rep.Phones; p != nil {
		fmt.Fprintf(w, "\nlive streams: %d of %d phones connected (joins %.1f s, streams %.1f s); server RSS with all connected %s\n",
			p.Connected, p.Phones, p.JoinTime.Seconds(), p.ConnectTime.Seconds(), mb(p.RSSConnected))
		if p.Connected > 0 {
			in := p.OpenTime + p.ConnectTime
			fmt.Fprintf(w, "  students with accounts: %d phones scanned the QR into the game and opened its stream in %.1f s (goal: all in ≤ %.0f s) → %s; first-time joins create an account each (bcrypt): %.0f/s\n",
				p.Connected, in.Seconds(), GoalPhonesIn.Seconds(), verdict(in <= GoalPhonesIn && p.Connected == p.Phones), float64(p.Phones)/p.JoinTime.Seconds())
		}
		if p.FileLimitMsg != "" {
			fmt.Fprintf(w, "  !! %s\n", p.FileLimitMsg)
		} else if p.FileLimit > 0 {
			fmt.Fprintf(w, "  open-files limit of this tool: %d (soft limit raised to the hard limit)\n", p.FileLimit)
		}
		a50, a95, a99, amax := percentiles(p.ToLast)
		b50, _, b99, bmax := percentiles(p.PerPhone)
		fmt.Fprintf(w, "  phase change → last phone, over %d changes: p50 %s · p95 %s · p99 %s · max %s\n", len(p.ToLast), ms(a50), ms(a95), ms(a99), ms(amax))
		fmt.Fprintf(w, "  to the last phone, change by change (ms; %s first): %s\n", p.FirstChange, msList(p.ToLast))
		fmt.Fprintf(w, "  phase change → each phone (%d deliveries): p50 %s · p99 %s · max %s; %d never arrived\n", len(p.PerPhone), ms(b50), ms(b99), ms(bmax), p.Missing)
		if p.BareErr != nil {
			fmt.Fprintf(w, "  baseline not measured: %v\n", p.BareErr)
		} else if len(p.BareToLast) > 0 {
			c50, _, c99, _ := percentiles(p.BareToLast)
			fmt.Fprintf(w, "  same run, bare fan-out in this tool (%d streams, the same views of %d bytes on average, same readers): p50 %s · p99 %s → crmlab/bare p50 %.2f× · p99 %.2f×\n",
				p.Connected, p.ViewBytes, ms(c50), ms(c99), ratio(a50, c50), ratio(a99, c99))
			fmt.Fprintf(w, "  bare fan-out, change by change (ms): %s\n", msList(p.BareToLast))
		}
		fmt.Fprintf(w, "  CPU per change (the pauses between changes included): crmlab server %s + this tool's %d readers %s; bare fan-out, its server and readers all in this tool: %s — on one machine the server and the tool share the cores\n",
			cpuMs(p.ServerCPU), p.Connected, cpuMs(p.ToolCPU), cpuMs(p.BareCPU))
		fmt.Fprintf(w, "  goal with 2,000 phones: p99 to the last phone ≤ %s → %s; server RSS ≤ %s → %s\n",
			ms(GoalPhaseToLast), verdict(a99 <= GoalPhaseToLast && len(p.ToLast) > 0), mb(GoalRSS), verdict(max(p.RSSConnected, rep.RSSPeak) <= GoalRSS && rep.RSSPeak > 0))
	}
	for _, c := range rep.Classes {
		state := "kept (--keep)"
		if c.Deleted {
			state = "deleted, with its students' accounts"
		} else if !cfg.Keep {
			state = "NOT deleted — delete it on its class page"
		}
		fmt.Fprintf(w, "practice class %q (id %d): %s\n", c.Name, c.ID, state)
	}
	if rep.Errors > 0 {
		fmt.Fprintf(w, "\n%d errors (step, method, path, status, the answer's start):\n", rep.Errors)
		for i, f := range rep.Failures {
			if i == 30 {
				fmt.Fprintf(w, "  … %d more\n", rep.Errors-30)
				break
			}
			fmt.Fprintf(w, "  %s\n", f)
		}
		if rep.Saw429 {
			fmt.Fprintln(w, "\n"+rateLimitHint)
		}
		fmt.Fprintln(w, "\nRESULT: FAILED")
		return
	}
	fmt.Fprintln(w, "\nRESULT: OK, no errors")
}

// msList is durations as whole milliseconds, in order.
func msList(ds []time.Duration) string {
	each := make([]string, len(ds))
	for i, d := range ds {
		each[i] = strconv.FormatInt(d.Milliseconds(), 10)
	}
	return strings.Join(each, " ")
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func ms(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

// cpuMs is a CPU time per change, or n/a when it was not measured.
func cpuMs(d time.Duration) string {
	if d <= 0 {
		return "n/a"
	}
	return ms(d)
}
