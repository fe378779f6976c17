package crmopt

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
)

// Report is the end-of-run evaluation (step 6): table 4-14's standards, the team's targets,
// a comparison with doing nothing in the same market, and suggestions.
type Report struct {
	Months      int             `json:"months"` // months run
	Complete    bool            `json:"complete"`
	Standards   []StandardScore `json:"standards"`
	Total       float64         `json:"total"` // mean of the standards' scores
	Targets     []TargetResult  `json:"targets,omitempty"`
	Summary     Summary         `json:"summary"`
	Suggestions []string        `json:"suggestions"`
}

// StandardScore is one standard's score (0–100) with a Chinese comment.
type StandardScore struct {
	ID      string  `json:"id"`
	Label   string  `json:"label"`
	Score   float64 `json:"score"`
	Level   string  `json:"level"` // 优秀, 良好, 一般, 较差
	Comment string  `json:"comment"`
}

// Target statuses.
const (
	TargetMet     = "met"
	TargetMissed  = "missed"
	TargetPending = "pending" // its month has not been run yet
)

// TargetResult is one of the team's targets checked against the run.
type TargetResult struct {
	Target  Target  `json:"target"`
	Label   string  `json:"label"`
	Actual  float64 `json:"actual"`
	Status  string  `json:"status"`
	Comment string  `json:"comment"`
}

// Summary compares the run with doing nothing in the same market (same seed, same events).
type Summary struct {
	Revenue              float64     `json:"revenue"`
	Cost                 float64     `json:"cost"`
	Profit               float64     `json:"profit"`
	BaselineProfit       float64     `json:"baseline_profit"`
	ProfitGain           float64     `json:"profit_gain"`
	MeasureSpend         float64     `json:"measure_spend"`
	ContingencySpend     float64     `json:"contingency_spend"`
	SatisfactionStart    float64     `json:"satisfaction_start"`
	SatisfactionEnd      float64     `json:"satisfaction_end"`
	BaselineSatisfaction float64     `json:"baseline_satisfaction"`
	CustomersStart       int         `json:"customers_start"`
	CustomersEnd         int         `json:"customers_end"`
	BaselineCustomers    int         `json:"baseline_customers"`
	KPIs                 []KPIChange `json:"kpis"`
}

// KPIChange is a KPI before the run (month 0), at its end (mean of the last three months
// run) and at the end of doing nothing.
type KPIChange struct {
	ID       string  `json:"id"`
	Label    string  `json:"label"`
	Before   float64 `json:"before"`
	After    float64 `json:"after"`
	Baseline float64 `json:"baseline"`
}

func level(score float64) string {
	switch {
	case score >= 85:
		return "优秀"
	case score >= 70:
		return "良好"
	case score >= 55:
		return "一般"
	}
	return "较差"
}

// Assess evaluates a run (finished or not) against the scenario's standards and the team's
// targets. It refuses a run with no month yet or of another scenario.
func Assess(sc *Scenario, r *Run, targets []Target) (*Report, error) {
	if r == nil || r.Month == 0 || len(r.Months) == 0 {
		return nil, refuse(CodeEmpty, "还没有运行任何月份，无法评估")
	}
	if r.ScenarioID != sc.ID {
		return nil, refuse(CodeMismatch, "这次模拟属于场景“%s”，不是“%s”", r.ScenarioID, sc.ID)
	}
	if errs := CheckTargets(sc, targets); len(errs) > 0 {
		return nil, errs[0]
	}
	m := compile(sc)
	hist, S0 := m.history()
	before := hist[len(hist)-1]
	tail := func(ms []Month, k int) float64 {
		n := min(3, len(ms))
		v := 0.0
		for _, mo := range ms[len(ms)-n:] {
			v += mo.KPIs[k].Value
		}
		return v / float64(n)
	}

	// Doing nothing in the same market.
	none := newSim(m)
	none.reset(S0)
	active := make([]bool, len(m.events))
	var baseMonths []Month
	baseProfit := 0.0
	for t := 1; t <= r.Month; t++ {
		m.activeAt(t, true, r.Triggered, active)
		in := monthInput{t: t, active: active, cont: -1, noiseSeed: r.Seed}
		none.drivers(&in)
		none.satisfy()
		none.money(t)
		baseProfit += none.totals.Profit
		baseMonths = append(baseMonths, none.record(t))
	}

	rep := &Report{Months: r.Month, Complete: r.Month >= sc.Months}
	sum := &rep.Summary
	for _, mo := range r.Months {
		sum.Revenue += mo.Revenue
		sum.Cost += mo.Cost
		sum.Profit += mo.Profit
		sum.MeasureSpend += mo.Costs.Measures
		sum.ContingencySpend += mo.Costs.Contingency
	}
	last := r.Months[len(r.Months)-1]
	baseLast := baseMonths[len(baseMonths)-1]
	sum.BaselineProfit = baseProfit
	sum.ProfitGain = sum.Profit - baseProfit
	sum.SatisfactionStart = before.Value(KPISatisfaction)
	sum.SatisfactionEnd = last.Value(KPISatisfaction)
	sum.BaselineSatisfaction = baseLast.Value(KPISatisfaction)
	sum.CustomersStart = before.Customers
	sum.CustomersEnd = last.Customers
	sum.BaselineCustomers = baseLast.Customers

	after := make([]float64, m.nK)
	was := make([]float64, m.nK)
	for k, kpi := range sc.KPIs {
		after[k] = tail(r.Months, k)
		was[k] = tail(hist, k)
		sum.KPIs = append(sum.KPIs, KPIChange{ID: kpi.ID, Label: kpi.Label, Before: was[k], After: after[k], Baseline: tail(baseMonths, k)})
	}
	live := map[string]bool{}
	for _, id := range last.Live {
		live[id] = true
	}

	// Standards.
	for _, st := range sc.Standards {
		ss := StandardScore{ID: st.ID, Label: st.Label}
		if st.CostBenefit {
			spend := sum.MeasureSpend + sum.ContingencySpend
			if spend <= 0 {
				ss.Score = 50
				ss.Comment = fmt.Sprintf("没有投入任何措施，利润与什么都不做相同（%s 万元），但问题也没有得到解决", fmtNum(sum.Profit, 1))
			} else {
				roi := (sum.ProfitGain + spend) / spend // what each 万元 spent brought back
				if roi <= 1 {
					ss.Score = 60 * math.Max(0, roi)
				} else {
					ss.Score = math.Min(100, 60+40*(roi-1))
				}
				verb := "多"
				if sum.ProfitGain < 0 {
					verb = "少"
				}
				ss.Comment = fmt.Sprintf("共投入 %s 万元，与什么都不做相比利润%s了 %s 万元，每投入 1 万元带回 %s 万元",
					fmtNum(spend, 1), verb, fmtNum(math.Abs(sum.ProfitGain), 1), fmtNum(roi, 2))
			}
		} else {
			var parts []string
			for _, id := range sortedKeys(st.KPIs) {
				k := m.kIdx[id]
				ss.Score += st.KPIs[id] * m.score(k, after[k])
				kpi := &sc.KPIs[k]
				parts = append(parts, fmt.Sprintf("%s由 %s 变为 %s", kpi.Label, fmtKPI(kpi, was[k]), fmtKPI(kpi, after[k])))
			}
			var used []string
			for _, id := range sortedKeys(st.Measures) {
				if live[id] {
					ss.Score += st.Measures[id]
					used = append(used, "“"+sc.MeasureByID(id).Title+"”")
				}
			}
			ss.Score = math.Min(100, ss.Score)
			if len(used) > 0 {
				parts = append(parts, "已见效的相关措施："+strings.Join(used, "、"))
			} else if len(st.Measures) > 0 {
				parts = append(parts, "还没有建立相关的制度或渠道")
			}
			ss.Comment = strings.Join(parts, "；")
		}
		ss.Score = math.Round(ss.Score*10) / 10
		ss.Level = level(ss.Score)
		ss.Comment = tidy(ss.Level + "。" + ss.Comment)
		rep.Standards = append(rep.Standards, ss)
		rep.Total += ss.Score
	}
	if len(rep.Standards) > 0 {
		rep.Total = math.Round(rep.Total/float64(len(rep.Standards))*10) / 10
	}

	// Targets.
	for _, t := range targets {
		k := sc.KPIByID(t.KPI)
		tr := TargetResult{Target: t, Label: k.Label}
		if t.ByMonth > r.Month {
			tr.Status = TargetPending
			tr.Comment = fmt.Sprintf("第 %d 月才到期，还没有运行到", t.ByMonth)
		} else {
			tr.Actual = r.Months[t.ByMonth-1].Value(t.KPI)
			tr.Comment = fmt.Sprintf("第 %d 月为 %s，目标 %s", t.ByMonth, fmtKPI(k, tr.Actual), fmtKPI(k, t.Value))
			if met(k, t, tr.Actual) {
				tr.Status = TargetMet
				tr.Comment += "，已达成"
			} else {
				tr.Status = TargetMissed
				tr.Comment += "，未达成"
			}
			tr.Comment = tidy(tr.Comment)
		}
		rep.Targets = append(rep.Targets, tr)
	}
	rep.Suggestions = suggestions(sc, m, r, rep, after)
	for i := range rep.Suggestions {
		rep.Suggestions[i] = tidy(rep.Suggestions[i])
	}
	return rep, nil
}

// suggestions proposes measures for missed targets and the weakest standards, and comments on
// money and contingencies.
func suggestions(sc *Scenario, m *model, r *Run, rep *Report, after []float64) []string {
	inPlan := map[string]bool{}
	for _, id := range r.Plan.Measures {
		inPlan[id] = true
	}
	// candidates: measures not in the plan and not in conflict with it.
	var cands []*Measure
	for i := range sc.Measures {
		ms := &sc.Measures[i]
		if inPlan[ms.ID] {
			continue
		}
		clash := false
		for _, c := range ms.Conflicts {
			clash = clash || inPlan[c]
		}
		for _, id := range r.Plan.Measures {
			clash = clash || slices.Contains(sc.MeasureByID(id).Conflicts, ms.ID)
		}
		if !clash {
			cands = append(cands, ms)
		}
	}
	// gain of a measure's likely effect on a weighted set of KPIs, in score points.
	gainOn := func(ms *Measure, weights map[string]float64) float64 {
		g := 0.0
		for _, id := range sortedKeys(weights) {
			e, ok := ms.Effects[id]
			if !ok {
				continue
			}
			k := m.kIdx[id]
			if k == m.iSat || k == m.iChurn {
				continue
			}
			g += weights[id] * (m.score(k, clamp(after[k]+e.Likely, m.kmin[k], m.kmax[k])) - m.score(k, after[k]))
		}
		return g
	}
	best := func(weights map[string]float64, points map[string]float64) *Measure {
		var top *Measure
		topGain := 0.5
		for _, ms := range cands {
			g := gainOn(ms, weights) + points[ms.ID]
			if g > topGain {
				top, topGain = ms, g
			}
		}
		return top
	}
	name := func(ms *Measure) string {
		s := "“" + ms.Title + "”"
		var need []string
		for _, rq := range ms.Requires {
			if !inPlan[rq] {
				need = append(need, "“"+sc.MeasureByID(rq).Title+"”")
			}
		}
		if len(need) > 0 {
			s += "（需要先有" + strings.Join(need, "、") + "）"
		}
		return s
	}
	var out []string
	for _, tr := range rep.Targets {
		if tr.Status != TargetMissed {
			continue
		}
		s := fmt.Sprintf("目标“%s”未达成（%s）。", tr.Label, strings.TrimSuffix(tr.Comment, "，未达成"))
		if tr.Target.KPI == KPISatisfaction || tr.Target.KPI == KPIChurn {
			s += "满意度和流失率由各项运营指标共同决定，先改善得分最低的几项标准。"
		} else if ms := best(map[string]float64{tr.Target.KPI: 1}, nil); ms != nil {
			s += "可以考虑增加措施" + name(ms) + "。"
		} else {
			s += "可以检查相关措施是否安排得太晚，或目标是否定得过高。"
		}
		out = append(out, s)
	}
	// The two weakest standards below 70.
	type ranked struct {
		st    *Standard
		score float64
	}
	var weak []ranked
	for i, ss := range rep.Standards {
		st := &sc.Standards[i]
		if !st.CostBenefit && ss.Score < 70 {
			weak = append(weak, ranked{st, ss.Score})
		}
	}
	slices.SortStableFunc(weak, func(a, b ranked) int {
		switch {
		case a.score < b.score:
			return -1
		case a.score > b.score:
			return 1
		}
		return 0
	})
	for _, w := range weak[:min(2, len(weak))] {
		s := fmt.Sprintf("“%s”得分较低（%s 分）。", w.st.Label, fmtNum(w.score, 1))
		if ms := best(w.st.KPIs, w.st.Measures); ms != nil {
			s += "下一步可以考虑增加措施" + name(ms) + "。"
		} else {
			s += "现有措施已覆盖这一项，可以加强执行和考核。"
		}
		out = append(out, s)
	}
	sum := &rep.Summary
	spend := sum.MeasureSpend + sum.ContingencySpend
	switch {
	case spend > 0 && sum.ProfitGain < 0:
		out = append(out, fmt.Sprintf("到第 %d 月投入还没有收回（比什么都不做少赚 %s 万元）。可以优先保留见效快、花钱少的措施，把见效慢的系统项目提早启动或分期实施。",
			r.Month, fmtNum(-sum.ProfitGain, 1)))
	case spend > 0:
		out = append(out, fmt.Sprintf("投入已经收回，比什么都不做多赚 %s 万元。可以把见效的做法写进服务标准，持续跟踪指标。", fmtNum(sum.ProfitGain, 1)))
	default:
		out = append(out, "这次模拟没有实施任何措施：客户在慢慢流失，问题也没有解决。")
	}
	// Events that had a contingency but none was taken.
	decided := map[int]bool{}
	for _, d := range r.Decisions {
		decided[d.Month] = true
	}
	var missed []string
	seen := map[string]bool{}
	for _, mo := range r.Months {
		if decided[mo.Index] {
			continue
		}
		for _, id := range mo.Events {
			for _, c := range sc.Contingencies {
				if slices.Contains(c.Events, id) && !seen[id] {
					seen[id] = true
					missed = append(missed, "“"+sc.EventByID(id).Title+"”")
				}
			}
		}
	}
	if len(missed) > 0 {
		out = append(out, "发生"+strings.Join(missed, "、")+"时没有采取应急决策。突发事件来临时，提前留出预算、及时应对，能减少客户流失。")
	}
	return out
}

// tidy drops the spaces a template leaves between two Chinese characters ("小时 变为").
func tidy(s string) string {
	rs := []rune(s)
	out := make([]rune, 0, len(rs))
	for i, r := range rs {
		if r == ' ' && i > 0 && i+1 < len(rs) && isCJK(rs[i-1]) && isCJK(rs[i+1]) {
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) || r == '“' || r == '”'
}
