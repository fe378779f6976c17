package crmopt

import (
	"strings"
	"testing"
)

func TestDefaultScenarioContent(t *testing.T) {
	sc := scenario(t)
	cases := []struct {
		name    string
		got, lo int
		hi      int
	}{
		{"measures", len(sc.Measures), 12, 30},
		{"events", len(sc.Events), 6, 20},
		{"interviews", len(sc.Interviews), 4, 6},
		{"problems (3 from the task book + 2–3)", len(sc.Problems), 5, 6},
		{"standards of table 4-14", len(sc.Standards), 8, 8},
		{"survey categories of card 4-7", len(sc.Survey.Categories), 7, 7},
		{"classes", len(sc.Classes), 3, 3},
		{"segments", len(sc.Segments), 3, 3},
		{"contingencies", len(sc.Contingencies), 1, 20},
	}
	for _, c := range cases {
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s: %d, want %d–%d", c.name, c.got, c.lo, c.hi)
		}
	}
	// The measures the issue names are in the catalogue.
	for _, id := range []string{"realtime-tracking", "crm-tms-sync", "complaint-sla", "service-manual", "driver-training",
		"abc-tiered", "key-account-report", "hotline-online", "loyalty", "relationship-group", "quarterly-survey"} {
		if sc.MeasureByID(id) == nil {
			t.Errorf("measure %s missing", id)
		}
	}
	// The events the issue names are scheduled.
	for _, id := range []string{"peak-1111", "traffic-accident", "key-account-complaint", "system-outage", "competitor-price-cut"} {
		if e := sc.EventByID(id); e == nil || e.Month == 0 {
			t.Errorf("event %s missing or not scheduled", id)
		}
	}
	// Every planted problem is hinted at by an interview, and the three of the task book exist.
	hinted := map[string]bool{}
	for _, in := range sc.Interviews {
		for _, h := range in.Hints {
			hinted[h] = true
		}
	}
	for _, p := range sc.Problems {
		if !hinted[p.ID] {
			t.Errorf("no interview hints at %s", p.ID)
		}
	}
	for _, id := range []string{"crm-delay", "feedback-slow", "standard-uneven"} {
		if !hinted[id] {
			t.Errorf("task-book problem %s missing", id)
		}
	}
	// The three task-book problems show in the baselines: worse than the middle of their range.
	for _, id := range []string{"crm_delay_h", "complaint_response_h", "consistency"} {
		k := sc.KPIByID(id)
		m := compile(sc)
		if s := m.score(m.kIdx[id], k.Baseline); s > 70 {
			t.Errorf("%s baseline scores %.0f: the planted problem does not show", id, s)
		}
	}
}

func TestParseRefusesBadScenarios(t *testing.T) {
	good := string(defaultYAML(t))
	cases := []struct {
		name, old, new, want string
	}{
		{"unknown key", "months: 12", "months: 12\nmonthz: 3", "monthz"},
		{"bad start", "start: 2026-01", "start: 2026-13", "start"},
		{"no budget", "budget_cap: 40", "budget_cap: 0", "budget_cap"},
		{"baseline outside range", "baseline: 91.5", "baseline: 101", "baseline"},
		{"weights do not sum to 1", "weights: {A: 0.16, B: 0.18, C: 0.22}", "weights: {A: 0.26, B: 0.18, C: 0.22}", "权重合计"},
		{"effect range out of order", "tracking: [12, 22, 30]", "tracking: [30, 22, 12]", "最低 ≤ 最可能 ≤ 最高"},
		{"effect range of two numbers", "tracking: [12, 22, 30]", "tracking: [12, 22]", "三个数"},
		{"unknown KPI in effects", "on_time: [0.2, 0.9, 1.6]", "ontime: [0.2, 0.9, 1.6]", "ontime"},
		{"unknown prerequisite", "requires: [service-manual]", "requires: [service-handbook]", "service-handbook"},
		{"prerequisite cycle", "    requires: [data-cleanup]", "    requires: [key-account-report]", "循环"},
		{"lead of zero", "    lead: 2\n    effects:\n      tracking: [12, 22, 30]", "    lead: 0\n    effects:\n      tracking: [12, 22, 30]", "lead"},
		{"unknown event mitigated", "mitigates: {traffic-accident: 0.5}", "mitigates: {car-crash: 0.5}", "car-crash"},
		{"interview hint unknown", "hints: [feedback-slow, crm-delay]", "hints: [feedback-slow, crm-late]", "crm-late"},
		{"duplicate measure id", "id: loyalty", "id: quarterly-survey", "重复"},
		{"event month after the run", "month: 11", "month: 14", "月份"},
		{"derived KPI with baseline", "    derived: true\n    description: 当月流失", "    derived: true\n    baseline: 2\n    description: 当月流失", "由模型计算"},
		{"standard both kinds", "    cost_benefit: true", "    cost_benefit: true\n    kpis: {on_time: 1}", "二者只能选一"},
		{"tab indentation", "months: 12", "months:\t12\n\tseed: 1", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(good, c.old) {
				t.Fatalf("test data: %q not in the default scenario", c.old)
			}
			sc, probs := ParseScenario([]byte(strings.Replace(good, c.old, c.new, 1)))
			if sc != nil || len(probs) == 0 {
				t.Fatal("accepted")
			}
			all := ""
			for _, p := range probs {
				all += p.String() + "\n"
				if !hasHan(p.Message) {
					t.Errorf("problem %q is not Chinese", p.Message)
				}
			}
			if !strings.Contains(all, c.want) {
				t.Errorf("problems %q do not mention %q", all, c.want)
			}
			if c.want != "" && probs[0].Line == 0 && !strings.Contains(c.name, "sum") && !strings.Contains(c.name, "cycle") {
				t.Errorf("problem %q has no line", probs[0].Message)
			}
		})
	}
	if sc, probs := ParseScenario(nil); sc != nil || len(probs) == 0 {
		t.Error("empty file accepted")
	}
}
