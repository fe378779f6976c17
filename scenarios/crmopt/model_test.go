package crmopt

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
)

func TestSameSeedSameRun(t *testing.T) {
	sc := scenario(t)
	cases := []struct {
		name string
		plan Plan
		seed uint64
	}{
		{"core plan", corePlan, 42},
		{"customer plan", custPlan, 42},
		{"tiny plan, other seed", tinyPlan, 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := runAll(t, sc, start(t, sc, c.plan, c.seed))
			b := runAll(t, scenario(t), start(t, scenario(t), c.plan, c.seed))
			if jsonOf(t, a) != jsonOf(t, b) {
				t.Fatal("two runs with the same seed differ")
			}
			other := runAll(t, sc, start(t, sc, c.plan, c.seed+1))
			if jsonOf(t, a) == jsonOf(t, other) {
				t.Fatal("a different seed gives the same run")
			}
			ea, _ := Evaluate(sc, c.plan, EvalOptions{Draws: 200, Seed: c.seed})
			eb, _ := Evaluate(scenario(t), c.plan, EvalOptions{Draws: 200, Seed: c.seed})
			if jsonOf(t, ea) != jsonOf(t, eb) {
				t.Fatal("two evaluations with the same seed differ")
			}
		})
	}
	if jsonOf(t, History(sc)) != jsonOf(t, History(scenario(t))) {
		t.Fatal("History differs between calls")
	}
}

// A run survives a JSON round trip: stepping the decoded copy gives the same month.
func TestRunJSONRoundTrip(t *testing.T) {
	sc := scenario(t)
	r := start(t, sc, corePlan, 5)
	for i := 0; i < 5; i++ {
		r, _, _ = Step(sc, r, Decision{}, nil)
	}
	var back Run
	if err := json.Unmarshal([]byte(jsonOf(t, r)), &back); err != nil {
		t.Fatal(err)
	}
	a, _, err1 := Step(sc, r, Decision{Option: "overtime-service"}, []string{"heavy-rain"})
	b, _, err2 := Step(sc, &back, Decision{Option: "overtime-service"}, []string{"heavy-rain"})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if jsonOf(t, a) != jsonOf(t, b) {
		t.Fatal("stepping a decoded run differs from stepping the original")
	}
}

// Revenue − cost = profit in every month, and the cost is the sum of its parts.
func TestMoneyIsConserved(t *testing.T) {
	sc := scenario(t)
	withDecisions := func(t *testing.T) []Month {
		r := start(t, sc, corePlan, 9)
		for r.Month < sc.Months {
			d := Decision{}
			var trig []string
			switch r.Month + 1 {
			case 3:
				d.Option = "overtime-service"
				trig = []string{"heavy-rain", "staff-turnover"}
			case 4:
				d.Option = "accident-followup"
			case 11:
				d.Option = "temp-capacity"
			}
			next, _, err := Step(sc, r, d, trig)
			if err != nil {
				t.Fatal(err)
			}
			r = next
		}
		return r.Months
	}
	cases := []struct {
		name   string
		months func(t *testing.T) []Month
	}{
		{"history", func(t *testing.T) []Month { return History(sc) }},
		{"doing almost nothing", func(t *testing.T) []Month { return runAll(t, sc, start(t, sc, tinyPlan, 1)).Months }},
		{"core plan", func(t *testing.T) []Month { return runAll(t, sc, start(t, sc, corePlan, 1)).Months }},
		{"tech plan", func(t *testing.T) []Month { return runAll(t, sc, start(t, sc, techPlan, 2)).Months }},
		{"decisions and triggered events", withDecisions},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms := c.months(t)
			if len(ms) != 12 {
				t.Fatalf("%d months", len(ms))
			}
			for _, mo := range ms {
				parts := mo.Costs.Operating + mo.Costs.Claims + mo.Costs.Measures + mo.Costs.Events + mo.Costs.Contingency
				if mo.Revenue-mo.Cost != mo.Profit {
					t.Errorf("%s: revenue %v − cost %v ≠ profit %v", mo.Label, mo.Revenue, mo.Cost, mo.Profit)
				}
				if math.Abs(parts-mo.Cost) > 1e-9 {
					t.Errorf("%s: cost %v ≠ sum of parts %v", mo.Label, mo.Cost, parts)
				}
				rev, cls := 0.0, 0.0
				for _, g := range mo.Groups {
					rev += g.Revenue
				}
				for _, c := range mo.Classes {
					cls += c.Revenue
				}
				if math.Abs(rev-mo.Revenue) > 1e-6 || math.Abs(cls-mo.Revenue) > 1e-6 {
					t.Errorf("%s: revenue %v, groups %v, classes %v", mo.Label, mo.Revenue, rev, cls)
				}
				if mo.Revenue <= 0 || mo.Cost <= 0 {
					t.Errorf("%s: revenue %v cost %v", mo.Label, mo.Revenue, mo.Cost)
				}
			}
		})
	}
	// The run's spending is what the schedule and the decisions cost.
	r := start(t, sc, corePlan, 1)
	r = runAll(t, sc, r)
	spent := 0.0
	for _, v := range MonthlySpend(sc, r.Schedule) {
		spent += v
	}
	if math.Abs(spent-r.Spent) > 1e-9 {
		t.Errorf("run spent %v, schedule says %v", r.Spent, spent)
	}
}

// A measure changes nothing before its lead time has passed: until then the run is the
// same as doing nothing (except what the measure costs).
func TestNoEffectBeforeLeadTime(t *testing.T) {
	sc := scenario(t)
	cases := []struct {
		measure string
		start   int
	}{
		{"crm-tms-sync", 1},  // lead 3: live in month 4
		{"crm-tms-sync", 5},  // live in month 8
		{"complaint-sla", 2}, // lead 1
		{"realtime-tracking", 6},
		{"loyalty", 3},         // direct satisfaction and churn effects
		{"system-backup", 6},   // only mitigates the outage of month 8
		{"driver-training", 1}, // mitigates the accident of month 4
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s from month %d", c.measure, c.start), func(t *testing.T) {
			ms := sc.MeasureByID(c.measure)
			p := Plan{ID: "p", Name: "单项", Measures: []string{c.measure}}
			r, err := StartRun(sc, p, schedule(map[string]int{c.measure: c.start}), 11)
			if err != nil {
				t.Fatal(err)
			}
			with := runAll(t, sc, r)
			without := doNothing(t, sc, 11)
			live := c.start + ms.Lead
			for i := range with.Months {
				a, b := with.Months[i], without[i]
				same := jsonOf(t, a.KPIs) == jsonOf(t, b.KPIs) && jsonOf(t, a.Classes) == jsonOf(t, b.Classes) &&
					a.Revenue == b.Revenue && a.Customers == b.Customers
				if a.Index < live && !same {
					t.Errorf("month %d (live from %d): the measure already changed the market", a.Index, live)
				}
				if a.Index < c.start && a.Costs.Measures != 0 {
					t.Errorf("month %d: paid before the start", a.Index)
				}
				if a.Index >= c.start && a.Costs.Measures == 0 && ms.OneOff+ms.Monthly > 0 {
					t.Errorf("month %d: nothing paid after the start", a.Index)
				}
			}
			differs := false
			for i := live - 1; i < len(with.Months); i++ {
				differs = differs || with.Months[i].Revenue != without[i].Revenue
			}
			if !differs {
				t.Error("the measure never changed anything")
			}
		})
	}
}

// doNothing is a run with an empty plan: the engine's own baseline, stepped month by month.
func doNothing(t *testing.T, sc *Scenario, seed uint64) []Month {
	t.Helper()
	return doNothingWith(t, sc, seed, nil)
}

// A better on-time rate, all else equal, never raises churn (and never lowers satisfaction).
// The scenario stays the same (its churn is anchored to today's satisfaction); on-time is
// raised by a free extra measure with a certain effect, or by a milder peak season.
func TestBetterOnTimeNeverRaisesChurn(t *testing.T) {
	withBoost := func(delta float64) func(t *testing.T) *Scenario {
		return func(t *testing.T) *Scenario {
			sc := scenario(t)
			sc.Measures = append(sc.Measures, Measure{ID: "on-time-boost", Title: "准时率提升", Lead: 1, Description: "测试用",
				Effects: map[string]Range{KPIOnTime: {Low: delta, Likely: delta, High: delta}}})
			return sc
		}
	}
	milderPeak := func(t *testing.T) *Scenario {
		sc := scenario(t)
		sc.EventByID("peak-1111").Shocks = map[string]float64{KPIOnTime: -1, "damage": 0.12, "complaint_response_h": 10, "crm_delay_h": 8}
		return sc
	}
	boosted := func(p Plan) Plan {
		p.Measures = append(slices.Clone(p.Measures), "on-time-boost")
		return p
	}
	cases := []struct {
		name           string
		lo, hi         func(t *testing.T) *Scenario
		loPlan, hiPlan Plan
	}{
		{"+0.5 point", withBoost(0.5), withBoost(0.5), tinyPlan, boosted(tinyPlan)},
		{"+3 points", withBoost(3), withBoost(3), tinyPlan, boosted(tinyPlan)},
		{"+20 points (clamped at the top)", withBoost(20), withBoost(20), tinyPlan, boosted(tinyPlan)},
		{"+3 points with the core plan", withBoost(3), withBoost(3), corePlan, boosted(corePlan)},
		{"+3 points with the customer plan", withBoost(3), withBoost(3), custPlan, boosted(custPlan)},
		{"+1 point on top of +3", withBoost(3), withBoost(4), boosted(corePlan), boosted(corePlan)},
		{"a milder peak season", func(t *testing.T) *Scenario { return scenario(t) }, milderPeak, corePlan, corePlan},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lo, hi := c.lo(t), c.hi(t)
			for _, seed := range []uint64{1, 2, 3} {
				a := runAll(t, lo, start(t, lo, c.loPlan, seed))
				b := runAll(t, hi, start(t, hi, c.hiPlan, seed))
				better := false
				for i := range a.Months {
					ota, otb := a.Months[i].Value(KPIOnTime), b.Months[i].Value(KPIOnTime)
					if otb < ota {
						t.Fatalf("seed %d month %d: on-time %v is not better than %v", seed, i+1, otb, ota)
					}
					better = better || otb > ota
					for j := range a.Months[i].Classes {
						ca, cb := a.Months[i].Classes[j], b.Months[i].Classes[j]
						if cb.Churn > ca.Churn+1e-12 {
							t.Fatalf("seed %d month %d class %s: churn %v with better on-time, %v without", seed, i+1, ca.Class, cb.Churn, ca.Churn)
						}
						if cb.Satisfaction < ca.Satisfaction-1e-12 {
							t.Fatalf("seed %d month %d class %s: satisfaction fell with better on-time", seed, i+1, ca.Class)
						}
					}
				}
				if !better {
					t.Fatalf("seed %d: on-time never improved", seed)
				}
				if b.Months[11].Customers < a.Months[11].Customers {
					t.Fatalf("seed %d: fewer customers at the end with better on-time", seed)
				}
			}
		})
	}
	// And the churn equation on its own is monotone in satisfaction.
	sc := scenario(t)
	m := compile(sc)
	s := newSim(m)
	prev := make([]float64, m.nC)
	for i := range prev {
		prev[i] = math.Inf(1)
	}
	for sat := 0.0; sat <= 100; sat += 0.5 {
		for c := range s.S {
			s.S[c] = sat
		}
		m.p.SatisfactionSpeed = 1e-300 // keep S where it is
		s.satisfy()
		for c := range prev {
			if s.churnRate[c] > prev[c] {
				t.Fatalf("class %d: churn rises from %v to %v at satisfaction %v", c, prev[c], s.churnRate[c], sat)
			}
			prev[c] = s.churnRate[c]
		}
	}
}

func TestQuantilesOrdered(t *testing.T) {
	sc := scenario(t)
	cases := []struct {
		plan  Plan
		draws int
	}{
		{corePlan, 300},
		{custPlan, 300},
		{techPlan, 100},
		{tinyPlan, 1},
		{tinyPlan, 2},
	}
	for _, c := range cases {
		t.Run(c.plan.ID, func(t *testing.T) {
			ev, err := Evaluate(sc, c.plan, EvalOptions{Draws: c.draws, Seed: 3, Targets: []Target{{KPI: "on_time", Value: 94, ByMonth: 9}}})
			if err != nil {
				t.Fatal(err)
			}
			qs := map[string]Quantiles{"revenue": ev.Revenue, "cost": ev.Cost, "profit": ev.Profit, "gain": ev.ProfitGain,
				"satisfaction": ev.Satisfaction, "churn": ev.Churn, "customers": ev.Customers,
				"baseline profit": ev.Baseline.Profit, "baseline satisfaction": ev.Baseline.Satisfaction, "target value": ev.Targets[0].Value}
			for _, mb := range ev.Monthly {
				qs["month satisfaction"] = mb.Satisfaction
				qs["month gain"] = mb.Gain
				check(t, qs)
			}
			check(t, qs)
			if ev.Draws != c.draws {
				t.Errorf("draws %d", ev.Draws)
			}
			for _, r := range ev.Risks {
				if r.Probability < 0 || r.Probability > 1 || !hasHan(r.Label+r.Note) {
					t.Errorf("risk %+v", r)
				}
			}
		})
	}
	// The quantile function itself.
	for _, xs := range [][]float64{{5}, {3, 1}, {1, 1, 1}, {9, -2, 4, 4, 0, 7, 1e6, -1e6}} {
		q := quantiles(xs)
		if !(q.P10 <= q.P50 && q.P50 <= q.P90) || q.P10 < slices.Min(xs) || q.P90 > slices.Max(xs) {
			t.Errorf("quantiles(%v) = %+v", xs, q)
		}
	}
}

func check(t *testing.T, qs map[string]Quantiles) {
	t.Helper()
	for _, name := range sortedKeys(qs) {
		q := qs[name]
		if !(q.P10 <= q.P50 && q.P50 <= q.P90) {
			t.Errorf("%s: P10 %v, P50 %v, P90 %v", name, q.P10, q.P50, q.P90)
		}
		for _, v := range []float64{q.P10, q.P50, q.P90, q.Mean} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s: %v", name, q)
			}
		}
	}
}

// Calibration: doing nothing slowly loses customers; a sensible plan pays back within the
// year in P50 but not in P10.
func TestCalibration(t *testing.T) {
	sc := scenario(t)
	h := History(sc)
	if h[0].Customers <= h[11].Customers {
		t.Errorf("history: customers %d → %d, want a slow loss", h[0].Customers, h[11].Customers)
	}
	none := doNothing(t, sc, sc.Seed)
	startN, endN := h[11].Customers, none[11].Customers
	if endN >= startN || float64(endN) < 0.8*float64(startN) {
		t.Errorf("doing nothing: customers %d → %d, want a slow loss (less than 20%%)", startN, endN)
	}
	if none[11].Value(KPISatisfaction) > h[11].Value(KPISatisfaction)+1 {
		t.Errorf("doing nothing raised satisfaction")
	}
	ev, err := Evaluate(sc, corePlan, EvalOptions{Draws: DefaultDraws, Seed: sc.Seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("core plan: measures %.0f 万元, gain P10 %.0f P50 %.0f P90 %.0f, payback %.0f%%, satisfaction %.1f vs %.1f",
		ev.MeasureCost, ev.ProfitGain.P10, ev.ProfitGain.P50, ev.ProfitGain.P90, 100*ev.PaybackProbability,
		ev.Satisfaction.P50, ev.Baseline.Satisfaction.P50)
	if !(ev.ProfitGain.P10 < 0 && ev.ProfitGain.P50 > 0) {
		t.Errorf("core plan gain P10 %v P50 %v: want P10 < 0 < P50", ev.ProfitGain.P10, ev.ProfitGain.P50)
	}
	if ev.Satisfaction.P10 <= ev.Baseline.Satisfaction.P90 {
		t.Errorf("core plan does not clearly raise satisfaction")
	}
	if ev.Customers.P50 <= ev.Baseline.Customers.P50 {
		t.Errorf("core plan keeps no more customers than doing nothing")
	}
}

// Nothing a caller keeps holds a map, so its JSON is the same every time.
func TestNoMapsInOutput(t *testing.T) {
	var walk func(tp reflect.Type, path string, seen map[reflect.Type]bool)
	walk = func(tp reflect.Type, path string, seen map[reflect.Type]bool) {
		if seen[tp] {
			return
		}
		seen[tp] = true
		switch tp.Kind() {
		case reflect.Map:
			t.Errorf("%s is a map", path)
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(tp.Elem(), path+"[]", seen)
		case reflect.Struct:
			for i := 0; i < tp.NumField(); i++ {
				f := tp.Field(i)
				if !f.IsExported() {
					t.Errorf("%s.%s is not exported", path, f.Name)
				}
				walk(f.Type, path+"."+f.Name, seen)
			}
		}
	}
	for _, v := range []any{Run{}, Month{}, Evaluation{}, Report{}, SurveyResult{}, Event{}, Schedule{}, Plan{}, Target{}, Choice{}} {
		walk(reflect.TypeOf(v), reflect.TypeOf(v).Name(), map[reflect.Type]bool{})
	}
}

// No function changes what it is given.
func TestInputsUnchanged(t *testing.T) {
	sc := scenario(t)
	scJSON := jsonOf(t, sc)
	plan := corePlan
	plan.Measures = slices.Clone(corePlan.Measures)
	sched := autoSchedule(t, sc, plan)
	schedJSON, planJSON := jsonOf(t, sched), jsonOf(t, plan)
	targets := []Target{{KPI: "on_time", Value: 94, ByMonth: 9}}
	r := start(t, sc, plan, 4)
	r1, _, _ := Step(sc, r, Decision{}, nil)
	r1JSON := jsonOf(t, r1)
	cases := []struct {
		name string
		call func()
	}{
		{"History", func() { History(sc) }},
		{"Survey", func() { Survey(sc, nil, 100, 1) }},
		{"CheckPlan", func() { _ = CheckPlan(sc, plan) }},
		{"CheckSchedule", func() { _ = CheckSchedule(sc, plan, sched) }},
		{"AutoSchedule", func() { _, _ = AutoSchedule(sc, plan) }},
		{"Evaluate", func() { _, _ = Evaluate(sc, plan, EvalOptions{Draws: 20, Schedule: &sched, Targets: targets}) }},
		{"StartRun", func() { _, _ = StartRun(sc, plan, sched, 4) }},
		{"Step", func() { _, _, _ = Step(sc, r1, Decision{Option: "overtime-service"}, []string{"heavy-rain"}) }},
		{"Assess", func() { _, _ = Assess(sc, r1, targets) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.call()
			if jsonOf(t, sc) != scJSON {
				t.Error("scenario changed")
			}
			if jsonOf(t, plan) != planJSON || jsonOf(t, sched) != schedJSON {
				t.Error("plan or schedule changed")
			}
			if jsonOf(t, r1) != r1JSON {
				t.Error("run changed")
			}
		})
	}
}

// TestSharedBaseline: an evaluation with a baseline made beforehand is the same as one that
// makes its own, and a baseline of another market or size is not used.
func TestSharedBaseline(t *testing.T) {
	sc := scenario(t)
	own, err := Evaluate(sc, corePlan, EvalOptions{Draws: 300, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	copied := *sc
	otherMarket := *sc
	otherMarket.Seed++
	for _, tc := range []struct {
		name string
		base *Baseline
		fits bool
	}{
		{"the same market", NewBaseline(sc, 7, 300), true},
		{"made on a copy of the scenario", NewBaseline(&copied, 7, 300), true},
		{"a copy with another history seed (ignored)", NewBaseline(&otherMarket, 7, 300), false},
		{"other draws (ignored)", NewBaseline(sc, 8, 300), false},
		{"fewer draws (ignored)", NewBaseline(sc, 7, 100), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.base.fits(sc, 7, 300) != tc.fits {
				t.Fatalf("fits = %v, want %v", !tc.fits, tc.fits)
			}
			got, err := Evaluate(sc, corePlan, EvalOptions{Draws: 300, Seed: 7, Baseline: tc.base})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, own) {
				t.Fatalf("evaluation differs with a %s baseline: gain %+v vs %+v", tc.name, got.ProfitGain, own.ProfitGain)
			}
		})
	}
}
