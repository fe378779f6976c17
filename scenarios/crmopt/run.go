package crmopt

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Run is a team's month-by-month simulation (step 6). It is plain data: the server stores it
// as JSON and hands it back to Step. The market (noise, scheduled events, each measure's
// luck) follows from Seed alone, so teams of a class given the same seed face the same market.
type Run struct {
	ScenarioID string   `json:"scenario_id"`
	Seed       uint64   `json:"seed"`
	Plan       Plan     `json:"plan"`
	Schedule   Schedule `json:"schedule"`
	// Execution and Draws are this run's luck, drawn at the start (shown in the debrief).
	Execution float64       `json:"execution"`
	Draws     []MeasureDraw `json:"draws"`
	Month     int           `json:"month"` // months run so far
	// Customers (per scenario group) and Satisfaction (per class) carry over to the next month.
	Customers    []float64   `json:"customers"`
	Satisfaction []float64   `json:"satisfaction"`
	Spent        float64     `json:"spent"` // measures and contingencies so far, 万元
	Months       []Month     `json:"months"`
	Decisions    []Decision  `json:"decisions,omitempty"`
	Triggered    []Triggered `json:"triggered,omitempty"`
}

// MeasureDraw is how one measure turned out in a run: its performance quantile Luck (0 worst,
// 1 best) and the full effect on each KPI it touches (execution factor included).
type MeasureDraw struct {
	Measure string     `json:"measure"`
	Luck    float64    `json:"luck"`
	Effects []KPIValue `json:"effects"`
}

// Decision is a month's optional contingency decision. Month 0 means the next month.
type Decision struct {
	Month  int    `json:"month"`
	Option string `json:"option"` // contingency id; "" for no decision
	Reason string `json:"reason,omitempty"`
}

// Triggered is an event the instructor set off, from Month on.
type Triggered struct {
	Month int    `json:"month"`
	Event string `json:"event"`
}

// Event kinds a Step reports.
const (
	EventMarket       = "market"        // an event began this month
	EventMeasureStart = "measure_start" // a measure's preparation began
	EventMeasureLive  = "measure_live"  // a measure took its first effect
	EventDecision     = "decision"      // the month's contingency decision was carried out
	EventFinished     = "finished"      // the last month has been run
)

// Event tells the caller what happened in a month, in Chinese for the team's feed.
type Event struct {
	Month   int    `json:"month"`
	Kind    string `json:"kind"`
	ID      string `json:"id,omitempty"`
	Message string `json:"message"`
}

// StartRun checks the plan and its schedule and returns a run before its first month.
func StartRun(sc *Scenario, p Plan, sched Schedule, seed uint64) (*Run, error) {
	if err := CheckSchedule(sc, p, sched); err != nil {
		return nil, err
	}
	m := compile(sc)
	_, S0 := m.history()
	items := m.items(p, sched)
	exec, luck := m.drawEffects(seed, items)
	r := &Run{ScenarioID: sc.ID, Seed: seed, Plan: clonePlan(p), Schedule: cloneSchedule(sched), Execution: exec,
		Satisfaction: S0, Customers: make([]float64, len(m.groups))}
	for i, g := range m.groups {
		r.Customers[i] = g.n0
	}
	for i, it := range items {
		cm := &m.measures[it.m]
		d := MeasureDraw{Measure: cm.id, Luck: luck[i]}
		for j, e := range cm.eff {
			d.Effects = append(d.Effects, KPIValue{ID: sc.KPIs[e.k].ID, Value: it.val[j]})
		}
		r.Draws = append(r.Draws, d)
	}
	return r, nil
}

// items places a plan's measures by the schedule (plan order; unscheduled ones are left out).
func (m *model) items(p Plan, s Schedule) []progItem {
	var out []progItem
	for _, id := range p.Measures {
		mi, ok := m.mIdx[id]
		if !ok {
			continue
		}
		for _, it := range s.Items {
			if it.Measure == id {
				out = append(out, progItem{m: mi, start: it.Start, live: it.Start + m.measures[mi].lead})
				break
			}
		}
	}
	return out
}

// itemsFromRun rebuilds the placed measures with the effects drawn at StartRun.
func (m *model) itemsFromRun(r *Run) ([]progItem, *Error) {
	items := m.items(r.Plan, r.Schedule)
	if len(items) != len(r.Plan.Measures) {
		return nil, refuse(CodeMismatch, "方案中的措施在场景“%s”里已不存在，无法继续模拟", m.sc.Title)
	}
	for i := range items {
		cm := &m.measures[items[i].m]
		items[i].val = make([]float64, len(cm.eff))
		for _, d := range r.Draws {
			if d.Measure != cm.id {
				continue
			}
			for j, e := range cm.eff {
				for _, v := range d.Effects {
					if v.ID == m.sc.KPIs[e.k].ID {
						items[i].val[j] = v.Value
					}
				}
			}
		}
	}
	return items, nil
}

// Step runs the next month with the team's decision (Option "" for none) and the events the
// instructor triggers now. It returns a new Run and what happened; r is never changed. On a
// refusal it returns r itself, no events and an *Error.
func Step(sc *Scenario, r *Run, d Decision, triggered []string) (*Run, []Event, error) {
	if r == nil {
		return r, nil, refuse(CodeEmpty, "还没有开始模拟")
	}
	if r.ScenarioID != sc.ID {
		return r, nil, refuse(CodeMismatch, "这次模拟属于场景“%s”，不是“%s”", r.ScenarioID, sc.ID)
	}
	if r.Month >= sc.Months {
		return r, nil, refuse(CodeFinished, "模拟已经运行完全部 %d 个月", sc.Months)
	}
	t := r.Month + 1
	switch {
	case d.Month != 0 && d.Month <= r.Month:
		return r, nil, refuse(CodeMonthDone, "第 %d 月已经运行过了，不能再为它做决策", d.Month)
	case d.Month > t:
		return r, nil, refuse(CodeMonth, "现在只能为下一个月（第 %d 月）做决策", t)
	}
	m := compile(sc)
	if len(r.Customers) != len(m.groups) || len(r.Satisfaction) != m.nC {
		return r, nil, refuse(CodeMismatch, "模拟数据与场景“%s”的客户分组不一致", sc.Title)
	}
	items, err := m.itemsFromRun(r)
	if err != nil {
		return r, nil, err
	}
	// Triggered events.
	allTriggered := slices.Clone(r.Triggered)
	active := make([]bool, len(m.events))
	m.activeAt(t, true, r.Triggered, active)
	var started []int
	for _, id := range triggered {
		e, ok := m.eIdx[id]
		if !ok {
			return r, nil, refuse(CodeUnknown, "没有事件“%s”", id)
		}
		if active[e] {
			return r, nil, refuse(CodeDuplicate, "事件“%s”本月已经在发生", m.sc.Events[e].Title)
		}
		active[e] = true
		started = append(started, e)
		allTriggered = append(allTriggered, Triggered{Month: t, Event: id})
	}
	for e, ev := range m.events {
		if ev.month == t && !slices.Contains(started, e) {
			started = append(started, e)
		}
	}
	slices.Sort(started)
	// The decision.
	cont := -1
	option := strings.TrimSpace(d.Option)
	if option != "" {
		ci, ok := m.coIdx[option]
		if !ok {
			return r, nil, refuse(CodeUnknown, "没有应急决策“%s”", option)
		}
		cc := &m.conts[ci]
		if len(cc.events) > 0 {
			applies := false
			for _, e := range cc.events {
				applies = applies || active[e]
			}
			if !applies {
				var names []string
				for _, e := range cc.events {
					names = append(names, "“"+m.sc.Events[e].Title+"”")
				}
				return r, nil, refuse(CodeNotApplicable, "“%s”只能在发生%s时采用，本月没有这类事件", sc.Contingencies[ci].Title, strings.Join(names, "或"))
			}
		}
		if utf8.RuneCountInString(d.Reason) > 500 {
			return r, nil, refuse(CodeJustification, "决策理由最多 500 个字")
		}
		project := 0.0
		for _, it := range items {
			project += m.measures[it.m].spend(t, it.start)
		}
		if project+cc.cost > sc.BudgetCap+1e-9 {
			return r, nil, refuse(CodeBudget, "第 %d 月措施已支出 %s 万元，再加上“%s”的 %s 万元会超过每月预算上限 %s 万元",
				t, fmtNum(project, 1), sc.Contingencies[ci].Title, fmtNum(cc.cost, 1), fmtNum(sc.BudgetCap, 1))
		}
		if r.Spent+project+cc.cost > sc.BudgetTotal+1e-9 {
			return r, nil, refuse(CodeBudget, "采用“%s”后总支出将超过总预算 %s 万元", sc.Contingencies[ci].Title, fmtNum(sc.BudgetTotal, 1))
		}
		cont = ci
	}

	// Run the month.
	s := newSim(m)
	copy(s.N, r.Customers)
	copy(s.S, r.Satisfaction)
	in := monthInput{t: t, items: items, active: active, cont: cont, noiseSeed: r.Seed}
	s.drivers(&in)
	s.satisfy()
	s.money(t)
	mo := s.record(t)
	for e, on := range active {
		if on {
			mo.Events = append(mo.Events, m.events[e].id)
		}
	}
	for _, it := range items {
		if t >= it.live {
			mo.Live = append(mo.Live, m.measures[it.m].id)
		}
	}
	if cont >= 0 {
		mo.Decision = m.conts[cont].id
	}

	next := &Run{ScenarioID: r.ScenarioID, Seed: r.Seed, Plan: clonePlan(r.Plan), Schedule: cloneSchedule(r.Schedule),
		Execution: r.Execution, Draws: cloneDraws(r.Draws), Month: t, Customers: slices.Clone(s.N), Satisfaction: slices.Clone(s.S),
		Spent: r.Spent + s.totals.Project + s.totals.Contingency, Months: append(slices.Clone(r.Months), mo),
		Decisions: slices.Clone(r.Decisions), Triggered: allTriggered}
	if cont >= 0 {
		next.Decisions = append(next.Decisions, Decision{Month: t, Option: m.conts[cont].id, Reason: strings.TrimSpace(d.Reason)})
	}

	var evs []Event
	for _, e := range started {
		ev := &sc.Events[e]
		msg := fmt.Sprintf("第 %d 月发生事件：%s", t, ev.Title)
		if ev.Duration > 1 {
			msg += fmt.Sprintf("（持续 %d 个月）", ev.Duration)
		}
		evs = append(evs, Event{Month: t, Kind: EventMarket, ID: ev.ID, Message: msg})
	}
	for _, it := range items {
		ms := &sc.Measures[it.m]
		owner := ""
		for _, si := range r.Schedule.Items {
			if si.Measure == ms.ID && strings.TrimSpace(si.Owner) != "" {
				owner = "，负责人：" + strings.TrimSpace(si.Owner)
			}
		}
		if it.start == t {
			evs = append(evs, Event{Month: t, Kind: EventMeasureStart, ID: ms.ID,
				Message: fmt.Sprintf("措施“%s”开始实施，准备期 %d 个月%s", ms.Title, ms.Lead, owner)})
		}
		if it.live == t {
			evs = append(evs, Event{Month: t, Kind: EventMeasureLive, ID: ms.ID,
				Message: fmt.Sprintf("措施“%s”开始见效", ms.Title)})
		}
	}
	if cont >= 0 {
		evs = append(evs, Event{Month: t, Kind: EventDecision, ID: m.conts[cont].id,
			Message: fmt.Sprintf("本月采取应急决策：%s（%s 万元）", sc.Contingencies[cont].Title, fmtNum(m.conts[cont].cost, 1))})
	}
	if t == sc.Months {
		evs = append(evs, Event{Month: t, Kind: EventFinished, Message: fmt.Sprintf("%d 个月的模拟运行结束，可以进行评估", sc.Months)})
	}
	return next, evs, nil
}

func clonePlan(p Plan) Plan {
	p.Measures = slices.Clone(p.Measures)
	return p
}

func cloneSchedule(s Schedule) Schedule {
	return Schedule{Items: slices.Clone(s.Items)}
}

func cloneDraws(ds []MeasureDraw) []MeasureDraw {
	out := slices.Clone(ds)
	for i := range out {
		out[i].Effects = slices.Clone(out[i].Effects)
	}
	return out
}
