package crmopt

import (
	"fmt"
	"math"
	"slices"
)

// Quantiles summarises a Monte Carlo result: P10 (a bad year), P50 (the typical year), P90
// (a good year) and the mean. P10 ≤ P50 ≤ P90 always.
type Quantiles struct {
	P10  float64 `json:"p10"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	Mean float64 `json:"mean"`
}

// EvalOptions are the settings of Evaluate.
type EvalOptions struct {
	Draws    int       // number of simulated years (default 1000, at most 20000)
	Seed     uint64    // the same seed gives the same draws
	Schedule *Schedule // nil: AutoSchedule
	Targets  []Target  // optional: the chance of missing each
	// Baseline is doing nothing over the same draws, from NewBaseline; when it was made for
	// another scenario, seed or number of draws it is ignored and computed again. Every
	// plan of every team in a market shares it, which halves the work of an evaluation.
	Baseline *Baseline
}

// Baseline is doing nothing in one market (scenario and seed) over an evaluation's draws:
// the cumulative profit of every draw month by month, and its end satisfaction and
// customers. It is read-only once made, so one value may serve many evaluations at once.
type Baseline struct {
	sc     *Scenario
	seed   uint64
	draws  int
	profit [][]float64 // [draw][month-1], cumulative
	sat    []float64
	cust   []float64
}

// NewBaseline simulates doing nothing over the draws Evaluate would make with this seed.
func NewBaseline(sc *Scenario, seed uint64, draws int) *Baseline {
	if draws <= 0 {
		draws = DefaultDraws
	}
	draws = min(draws, 20000)
	m := compile(sc)
	_, S0 := m.history()
	active := activeByMonth(m, sc.Months)
	b := &Baseline{sc: sc, seed: seed, draws: draws, profit: make([][]float64, draws), sat: make([]float64, draws), cust: make([]float64, draws)}
	none := newSim(m)
	for d := 0; d < draws; d++ {
		none.reset(S0)
		base := monthInput{cont: -1, noiseSeed: drawSeed(seed, d)}
		row := make([]float64, sc.Months)
		prf := 0.0
		for t := 1; t <= sc.Months; t++ {
			base.t, base.active = t, active[t]
			none.drivers(&base)
			none.satisfy()
			none.money(t)
			prf += none.totals.Profit
			row[t-1] = prf
		}
		b.profit[d], b.sat[d], b.cust[d] = row, none.drv[m.iSat], none.totals.Customers
	}
	return b
}

// fits says whether the baseline was made for this market: the same draws and the same
// scenario, whose Seed also shapes the history the year starts from. A copy of a scenario
// (a server makes one per class with that class's Seed) shares the original's measures, so
// it is recognised by them; a scenario parsed again is not.
func (b *Baseline) fits(sc *Scenario, seed uint64, draws int) bool {
	if b == nil || b.seed != seed || b.draws != draws || b.sc.Seed != sc.Seed {
		return false
	}
	return b.sc == sc || (len(sc.Measures) > 0 && len(b.sc.Measures) == len(sc.Measures) && &b.sc.Measures[0] == &sc.Measures[0])
}

// activeByMonth is which scheduled events are active in each month (index 1…months).
func activeByMonth(m *model, months int) [][]bool {
	active := make([][]bool, months+1)
	for t := 1; t <= months; t++ {
		active[t] = make([]bool, len(m.events))
		m.activeAt(t, true, nil, active[t])
	}
	return active
}

// DefaultDraws is the number of draws Evaluate makes when told none.
const DefaultDraws = 1000

// Evaluation is step 4's comparison of one plan with doing nothing, over the same draws.
type Evaluation struct {
	Plan     Plan     `json:"plan"`
	Schedule Schedule `json:"schedule"`
	Draws    int      `json:"draws"`
	Seed     uint64   `json:"seed"`
	// MeasureCost is what the schedule spends on measures (the same in every draw).
	MeasureCost  float64   `json:"measure_cost"`
	Revenue      Quantiles `json:"revenue"`      // total over the run
	Cost         Quantiles `json:"cost"`         // total over the run, measures included
	Profit       Quantiles `json:"profit"`       // total over the run
	ProfitGain   Quantiles `json:"profit_gain"`  // profit minus doing nothing's profit in the same draw
	Satisfaction Quantiles `json:"satisfaction"` // in the last month
	Churn        Quantiles `json:"churn"`        // average monthly churn rate, per cent
	Customers    Quantiles `json:"customers"`    // at the end
	// Baseline is doing nothing over the same draws.
	Baseline Outcome `json:"baseline"`
	// PaybackProbability is the share of draws in which the plan earns back what it costs
	// (ProfitGain ≥ 0) within the run.
	PaybackProbability float64 `json:"payback_probability"`
	// Monthly holds per month (element 0 is month 1) the satisfaction and the cumulative
	// profit gain, for charts.
	Monthly []MonthBand  `json:"monthly"`
	Risks   []Risk       `json:"risks"`
	Targets []TargetRisk `json:"targets,omitempty"`
}

// Outcome is doing nothing's result over the same draws.
type Outcome struct {
	Profit       Quantiles `json:"profit"`
	Satisfaction Quantiles `json:"satisfaction"`
	Customers    Quantiles `json:"customers"`
}

// MonthBand is one month of the evaluation's charts.
type MonthBand struct {
	Month        int       `json:"month"`
	Satisfaction Quantiles `json:"satisfaction"`
	Gain         Quantiles `json:"gain"` // cumulative profit gain up to this month
}

// Risk is one thing that may go wrong, with its probability (0–1; 1 for a certain finding).
type Risk struct {
	ID          string  `json:"id"`
	Label       string  `json:"label"`
	Probability float64 `json:"probability"`
	Note        string  `json:"note"`
}

// TargetRisk is the chance of missing one target.
type TargetRisk struct {
	Target      Target    `json:"target"`
	Probability float64   `json:"probability"` // of missing it
	Value       Quantiles `json:"value"`       // the KPI in the target's month
}

// drawSeed is the seed of Monte Carlo draw d.
func drawSeed(seed uint64, d int) uint64 {
	return splitmix64(splitmix64(seed^streamDraw) + uint64(d))
}

// Evaluate simulates the plan and doing nothing over the same draws (each draw: its own
// noise, execution factor and luck of every measure; the scenario's scheduled events) and
// reports P10/P50/P90 of the outcomes and the risks. A plan that CheckPlan refuses, a
// schedule that CheckSchedule refuses (owners aside) or a bad target is refused.
func Evaluate(sc *Scenario, p Plan, opt EvalOptions) (*Evaluation, error) {
	if err := CheckPlan(sc, p); err != nil {
		return nil, err
	}
	var sched Schedule
	if opt.Schedule != nil {
		if err := checkSchedule(sc, p, *opt.Schedule, false); err != nil {
			return nil, err
		}
		sched = cloneSchedule(*opt.Schedule)
	} else {
		s, err := AutoSchedule(sc, p)
		if err != nil {
			return nil, err
		}
		sched = s
	}
	if errs := CheckTargets(sc, opt.Targets); len(errs) > 0 {
		return nil, errs[0]
	}
	draws := opt.Draws
	if draws <= 0 {
		draws = DefaultDraws
	}
	draws = min(draws, 20000)

	baseline := opt.Baseline
	if !baseline.fits(sc, opt.Seed, draws) {
		baseline = NewBaseline(sc, opt.Seed, draws)
	}
	m := compile(sc)
	_, S0 := m.history()
	items := m.items(p, sched)
	months := sc.Months
	active := activeByMonth(m, months)
	// Targets are read from the month they are due.
	type tgt struct {
		t   Target
		k   int
		kpi *KPI
	}
	var tgts []tgt
	for _, t := range opt.Targets {
		tgts = append(tgts, tgt{t: t, k: m.kIdx[t.KPI], kpi: sc.KPIByID(t.KPI)})
	}

	var (
		revenue   = make([]float64, draws)
		cost      = make([]float64, draws)
		profit    = make([]float64, draws)
		gain      = make([]float64, draws)
		sat       = make([]float64, draws)
		churn     = make([]float64, draws)
		customers = make([]float64, draws)
		bProfit   = make([]float64, draws)
		bSat      = make([]float64, draws)
		bCust     = make([]float64, draws)
		satMonth  = make([][]float64, months)
		gainMonth = make([][]float64, months)
		tgtValue  = make([][]float64, len(tgts))
	)
	for t := range months {
		satMonth[t] = make([]float64, draws)
		gainMonth[t] = make([]float64, draws)
	}
	for i := range tgts {
		tgtValue[i] = make([]float64, draws)
	}
	plan := newSim(m)
	measureCost := 0.0
	for t := 1; t <= months; t++ {
		for _, it := range items {
			measureCost += m.measures[it.m].spend(t, it.start)
		}
	}
	for d := 0; d < draws; d++ {
		seed := drawSeed(opt.Seed, d)
		m.drawEffects(seed, items)
		plan.reset(S0)
		in := monthInput{items: items, cont: -1, noiseSeed: seed}
		var rev, cst, prf, bprf, churnSum float64
		for t := 1; t <= months; t++ {
			in.t, in.active = t, active[t]
			plan.drivers(&in)
			plan.satisfy()
			plan.money(t)
			rev += plan.totals.Revenue
			cst += plan.totals.Cost
			prf += plan.totals.Profit
			bprf = baseline.profit[d][t-1]
			churnSum += plan.drv[m.iChurn]
			satMonth[t-1][d] = plan.drv[m.iSat]
			gainMonth[t-1][d] = prf - bprf
			for i, tg := range tgts {
				if tg.t.ByMonth == t {
					tgtValue[i][d] = plan.drv[tg.k]
				}
			}
		}
		revenue[d], cost[d], profit[d], gain[d] = rev, cst, prf, prf-bprf
		sat[d], churn[d], customers[d] = plan.drv[m.iSat], churnSum/float64(months), plan.totals.Customers
		bProfit[d], bSat[d], bCust[d] = bprf, baseline.sat[d], baseline.cust[d]
	}

	ev := &Evaluation{Plan: clonePlan(p), Schedule: sched, Draws: draws, Seed: opt.Seed, MeasureCost: measureCost,
		Revenue: quantiles(revenue), Cost: quantiles(cost), Profit: quantiles(profit), ProfitGain: quantiles(gain),
		Satisfaction: quantiles(sat), Churn: quantiles(churn), Customers: quantiles(customers),
		Baseline: Outcome{Profit: quantiles(bProfit), Satisfaction: quantiles(bSat), Customers: quantiles(bCust)}}
	ev.PaybackProbability = share(gain, func(x float64) bool { return x >= 0 })
	for t := range months {
		ev.Monthly = append(ev.Monthly, MonthBand{Month: t + 1, Satisfaction: quantiles(satMonth[t]), Gain: quantiles(gainMonth[t])})
	}
	for i, tg := range tgts {
		ev.Targets = append(ev.Targets, TargetRisk{Target: tg.t, Value: quantiles(tgtValue[i]),
			Probability: share(tgtValue[i], func(x float64) bool { return !met(tg.kpi, tg.t, x) })})
	}
	ev.Risks = risks(sc, ev, sat, bSat, items)
	return ev, nil
}

func risks(sc *Scenario, ev *Evaluation, sat, bSat []float64, items []progItem) []Risk {
	var out []Risk
	out = append(out, Risk{ID: "no_payback", Label: "12 个月内收不回投入", Probability: 1 - ev.PaybackProbability,
		Note: fmt.Sprintf("与什么都不做相比，利润增加的中位数为 %s 万元（P10 %s，P90 %s）",
			fmtNum(ev.ProfitGain.P50, 1), fmtNum(ev.ProfitGain.P10, 1), fmtNum(ev.ProfitGain.P90, 1))})
	better := 0
	for d := range sat {
		if sat[d] > bSat[d]+1 {
			better++
		}
	}
	out = append(out, Risk{ID: "satisfaction_flat", Label: "满意度提升不到 1 分", Probability: 1 - float64(better)/float64(len(sat)),
		Note: fmt.Sprintf("期末满意度中位数 %s 分，什么都不做为 %s 分", fmtNum(ev.Satisfaction.P50, 1), fmtNum(ev.Baseline.Satisfaction.P50, 1))})
	// Certain findings about the schedule.
	spend := scheduleSpend(sc, ev.Schedule)
	tight := 0
	for t := 1; t <= sc.Months; t++ {
		if spend[t] > 0.9*sc.BudgetCap {
			tight++
		}
	}
	if tight > 0 {
		out = append(out, Risk{ID: "budget_tight", Label: "预算几乎用满", Probability: 1,
			Note: fmt.Sprintf("有 %d 个月的措施支出超过每月上限的 90%%，发生突发事件时几乎没有钱采取应急决策", tight)})
	}
	for _, it := range items {
		ms := &sc.Measures[it.m]
		if it.live > sc.Months-3 {
			out = append(out, Risk{ID: "late:" + ms.ID, Label: "见效太晚", Probability: 1,
				Note: fmt.Sprintf("“%s”第 %d 月才开始见效，模拟期内的收益有限", ms.Title, it.live)})
		}
		if ms.Risk != "" {
			out = append(out, Risk{ID: "measure:" + ms.ID, Label: ms.Title, Probability: 1, Note: ms.Risk})
		}
	}
	return out
}

// quantiles sorts a copy of xs and reads P10, P50 and P90 by linear interpolation.
func quantiles(xs []float64) Quantiles {
	if len(xs) == 0 {
		return Quantiles{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	q := func(p float64) float64 {
		pos := p * float64(len(s)-1)
		i := int(math.Floor(pos))
		if i >= len(s)-1 {
			return s[len(s)-1]
		}
		return s[i] + (pos-float64(i))*(s[i+1]-s[i])
	}
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return Quantiles{P10: q(0.1), P50: q(0.5), P90: q(0.9), Mean: sum / float64(len(s))}
}

func share(xs []float64, f func(float64) bool) float64 {
	if len(xs) == 0 {
		return 0
	}
	n := 0
	for _, x := range xs {
		if f(x) {
			n++
		}
	}
	return float64(n) / float64(len(xs))
}
