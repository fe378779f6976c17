package crmopt

import (
	"strings"
	"testing"
)

func TestAssess(t *testing.T) {
	sc := scenario(t)
	targets := []Target{
		{KPI: "crm_delay_h", Value: 20, ByMonth: 9},
		{KPI: "complaint_response_h", Value: 8, ByMonth: 6},
		{KPI: "satisfaction", Value: 62, ByMonth: 12},
	}
	core := runAll(t, sc, start(t, sc, corePlan, 8))
	tiny := runAll(t, sc, start(t, sc, tinyPlan, 8))
	half := start(t, sc, corePlan, 8)
	for i := 0; i < 6; i++ {
		half, _, _ = Step(sc, half, Decision{}, nil)
	}
	cases := []struct {
		name     string
		run      *Run
		complete bool
		statuses []string
	}{
		{"core plan", core, true, []string{TargetMet, TargetMissed, TargetMet}},
		{"only a survey", tiny, true, []string{TargetMissed, TargetMissed, TargetMissed}},
		{"core plan after 6 months", half, false, []string{TargetPending, TargetMissed, TargetPending}},
	}
	reports := map[string]*Report{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Assess(sc, c.run, targets)
			if err != nil {
				t.Fatal(err)
			}
			reports[c.name] = rep
			if rep.Complete != c.complete || rep.Months != c.run.Month {
				t.Errorf("complete %v months %d", rep.Complete, rep.Months)
			}
			if len(rep.Standards) != 8 {
				t.Fatalf("%d standards", len(rep.Standards))
			}
			sum := 0.0
			for i, st := range rep.Standards {
				if st.Label != sc.Standards[i].Label || st.Score < 0 || st.Score > 100 || !hasHan(st.Comment) || st.Level == "" {
					t.Errorf("standard %+v", st)
				}
				if strings.Contains(st.Comment, "小时 变为") {
					t.Errorf("untidy comment %q", st.Comment)
				}
				sum += st.Score
			}
			if d := sum/8 - rep.Total; d > 0.051 || d < -0.051 {
				t.Errorf("total %v, mean %v", rep.Total, sum/8)
			}
			for i, tr := range rep.Targets {
				if tr.Status != c.statuses[i] || !hasHan(tr.Comment) {
					t.Errorf("target %s: %s (%s), want %s", tr.Target.KPI, tr.Status, tr.Comment, c.statuses[i])
				}
			}
			if len(rep.Suggestions) == 0 {
				t.Error("no suggestions")
			}
			for _, s := range rep.Suggestions {
				if !hasHan(s) {
					t.Errorf("suggestion %q", s)
				}
			}
			s := rep.Summary
			if d := s.Revenue - s.Cost - s.Profit; d > 1e-6 || d < -1e-6 {
				t.Errorf("summary money %+v", s)
			}
			if len(s.KPIs) != len(sc.KPIs) {
				t.Errorf("%d KPI changes", len(s.KPIs))
			}
		})
	}
	coreRep, tinyRep := reports["core plan"], reports["only a survey"]
	if coreRep == nil || tinyRep == nil {
		t.FailNow()
	}
	if coreRep.Total <= tinyRep.Total {
		t.Errorf("core plan scores %v, a survey alone %v", coreRep.Total, tinyRep.Total)
	}
	byID := func(r *Report, id string) float64 {
		for _, s := range r.Standards {
			if s.ID == id {
				return s.Score
			}
		}
		return -1
	}
	for _, id := range []string{"transparency", "problem-solving", "integrity"} {
		if byID(coreRep, id) <= byID(tinyRep, id) {
			t.Errorf("%s: core %v, survey %v", id, byID(coreRep, id), byID(tinyRep, id))
		}
	}
	if coreRep.Summary.SatisfactionEnd <= coreRep.Summary.BaselineSatisfaction || coreRep.Summary.CustomersEnd <= coreRep.Summary.BaselineCustomers {
		t.Errorf("core plan vs doing nothing: %+v", coreRep.Summary)
	}
	// Refusals.
	if _, err := Assess(sc, start(t, sc, corePlan, 8), nil); err == nil {
		t.Error("a run with no month assessed")
	}
	if _, err := Assess(sc, core, []Target{{KPI: "on_time", Value: 150, ByMonth: 3}}); err == nil {
		t.Error("a target out of range accepted")
	}
}

// Doing nothing in the same market scores 50 on cost-effectiveness, and the same seed gives
// the same report.
func TestAssessBaselineIsTheSameMarket(t *testing.T) {
	sc := scenario(t)
	r := start(t, sc, corePlan, 8)
	for r.Month < sc.Months {
		var trig []string
		if r.Month+1 == 5 {
			trig = []string{"staff-turnover"}
		}
		r, _, _ = Step(sc, r, Decision{}, trig)
	}
	a, _ := Assess(sc, r, nil)
	b, _ := Assess(scenario(t), r, nil)
	if jsonOf(t, a) != jsonOf(t, b) {
		t.Fatal("two reports differ")
	}
	// The baseline of the report is doing nothing with the same triggered events.
	none := doNothingWith(t, sc, 8, r.Triggered)
	profit := 0.0
	for _, mo := range none {
		profit += mo.Profit
	}
	if d := profit - a.Summary.BaselineProfit; d > 1e-6 || d < -1e-6 {
		t.Errorf("baseline profit %v, want %v", a.Summary.BaselineProfit, profit)
	}
}

func doNothingWith(t *testing.T, sc *Scenario, seed uint64, trig []Triggered) []Month {
	t.Helper()
	m := compile(sc)
	_, S0 := m.history()
	s := newSim(m)
	s.reset(S0)
	active := make([]bool, len(m.events))
	var out []Month
	for month := 1; month <= sc.Months; month++ {
		m.activeAt(month, true, trig, active)
		in := monthInput{t: month, active: active, cont: -1, noiseSeed: seed}
		s.drivers(&in)
		s.satisfy()
		s.money(month)
		out = append(out, s.record(month))
	}
	return out
}
