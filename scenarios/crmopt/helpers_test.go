package crmopt

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode"
)

const defaultFile = "../../content/sims/sim-crmopt.yaml"

func defaultYAML(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(defaultFile)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// scenario parses the default scenario afresh (tests may change their copy).
func scenario(t testing.TB) *Scenario {
	t.Helper()
	sc, probs := ParseScenario(defaultYAML(t))
	if len(probs) > 0 {
		t.Fatalf("default scenario has problems: %v", probs)
	}
	return sc
}

// The plans the tests use, all valid in the default scenario.
var (
	corePlan = Plan{ID: "core", Name: "系统 + 流程 + 培训", Measures: []string{"crm-tms-sync", "complaint-sla", "service-manual", "driver-training"}}
	custPlan = Plan{ID: "cust", Name: "客户关系", Measures: []string{"data-cleanup", "abc-tiered", "key-account-report", "complaint-sla", "loyalty"}}
	techPlan = Plan{ID: "tech", Name: "技术升级", Measures: []string{"crm-tms-sync", "realtime-tracking", "self-service-portal", "system-backup"}}
	tinyPlan = Plan{ID: "tiny", Name: "只做调查", Measures: []string{"quarterly-survey"}}
)

// schedule places plan measures at the given start months with an owner each.
func schedule(starts map[string]int) Schedule {
	var s Schedule
	for _, id := range sortedKeys(starts) {
		s.Items = append(s.Items, ScheduledMeasure{Measure: id, Start: starts[id], Owner: "项目组"})
	}
	return s
}

// autoSchedule is AutoSchedule with owners filled in.
func autoSchedule(t testing.TB, sc *Scenario, p Plan) Schedule {
	t.Helper()
	s, err := AutoSchedule(sc, p)
	if err != nil {
		t.Fatalf("AutoSchedule(%s): %v", p.ID, err)
	}
	for i := range s.Items {
		s.Items[i].Owner = "负责人" + s.Items[i].Measure
	}
	return s
}

func start(t testing.TB, sc *Scenario, p Plan, seed uint64) *Run {
	t.Helper()
	r, err := StartRun(sc, p, autoSchedule(t, sc, p), seed)
	if err != nil {
		t.Fatalf("StartRun(%s): %v", p.ID, err)
	}
	return r
}

// runAll runs every month with no decision and no triggered event.
func runAll(t testing.TB, sc *Scenario, r *Run) *Run {
	t.Helper()
	for r.Month < sc.Months {
		next, _, err := Step(sc, r, Decision{}, nil)
		if err != nil {
			t.Fatalf("Step month %d: %v", r.Month+1, err)
		}
		r = next
	}
	return r
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// refusedWith checks that err is an *Error with code and a Chinese message.
func refusedWith(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := err.(*Error)
	switch {
	case err == nil:
		t.Fatalf("accepted, want refusal %q", code)
	case !ok:
		t.Fatalf("error %T %v, want *Error", err, err)
	case e.Code != code:
		t.Fatalf("code %q (%s), want %q", e.Code, e.Message, code)
	case !hasHan(e.Message) || strings.TrimSpace(e.Message) == "":
		t.Fatalf("message %q is not Chinese", e.Message)
	}
}
