package crmopt

import (
	"math"
	"slices"
)

// Month is one month of the company's dashboard: the 12 months of History (Index -11 … 0)
// and every month of a Run (Index 1 … Months). Counts of customers are rounded; money is in
// 万元 and Revenue − Cost = Profit exactly.
type Month struct {
	Index      int          `json:"index"`
	Label      string       `json:"label"` // calendar month, "2026-03"
	KPIs       []KPIValue   `json:"kpis"`  // in the scenario's KPI order
	Classes    []ClassMonth `json:"classes"`
	Groups     []GroupMonth `json:"groups"`
	Customers  int          `json:"customers"` // at the end of the month
	New        int          `json:"new"`
	Churned    int          `json:"churned"`
	Shipments  int          `json:"shipments"`
	Complaints int          `json:"complaints"`
	Revenue    float64      `json:"revenue"`
	Costs      Costs        `json:"costs"`
	Cost       float64      `json:"cost"`
	Profit     float64      `json:"profit"`
	Events     []string     `json:"events,omitempty"`   // events active this month
	Live       []string     `json:"live,omitempty"`     // measures with an effect this month
	Decision   string       `json:"decision,omitempty"` // contingency taken this month
}

// KPIValue is one KPI's value in a month.
type KPIValue struct {
	ID    string  `json:"id"`
	Value float64 `json:"value"`
}

// ClassMonth is one customer class in a month.
type ClassMonth struct {
	Class        string  `json:"class"`
	Customers    int     `json:"customers"` // at the end of the month
	Churned      int     `json:"churned"`
	New          int     `json:"new"`
	Satisfaction float64 `json:"satisfaction"` // 0–100
	Churn        float64 `json:"churn"`        // per cent this month
	Revenue      float64 `json:"revenue"`
}

// GroupMonth is one class × segment in a month: the dashboard's volumes.
type GroupMonth struct {
	Class     string  `json:"class"`
	Segment   string  `json:"segment"`
	Customers int     `json:"customers"`
	Shipments int     `json:"shipments"`
	Revenue   float64 `json:"revenue"`
}

// Costs splits a month's cost (万元).
type Costs struct {
	Operating   float64 `json:"operating"`   // fixed + variable
	Claims      float64 `json:"claims"`      // damaged shipments paid for
	Measures    float64 `json:"measures"`    // the plan: one-off parts and monthly costs
	Events      float64 `json:"events"`      // what events cost
	Contingency float64 `json:"contingency"` // the month's contingency decision
}

// Value returns the month's value of KPI id (0 if unknown).
func (mo *Month) Value(id string) float64 {
	for _, v := range mo.KPIs {
		if v.ID == id {
			return v.Value
		}
	}
	return 0
}

// record turns the sim's current month into a Month.
func (s *sim) record(t int) Month {
	m := s.m
	sc := m.sc
	tot := &s.totals
	mo := Month{Index: t, Label: sc.MonthLabel(t), Customers: round(tot.Customers), New: round(tot.New),
		Churned: round(tot.Churned), Shipments: round(tot.Shipments), Complaints: round(tot.Complaints),
		Revenue: tot.Revenue, Cost: tot.Cost, Profit: tot.Profit,
		Costs: Costs{Operating: tot.Operating, Claims: tot.Claims, Measures: tot.Project, Events: tot.Events, Contingency: tot.Contingency}}
	for k, kpi := range sc.KPIs {
		mo.KPIs = append(mo.KPIs, KPIValue{ID: kpi.ID, Value: s.drv[k]})
	}
	type acc struct{ end, churned, added, revenue float64 }
	per := make([]acc, m.nC)
	for i, g := range m.groups {
		f := s.grp[i]
		per[g.c].end += s.N[i]
		per[g.c].churned += f.churned
		per[g.c].added += f.added
		per[g.c].revenue += f.revenue
		mo.Groups = append(mo.Groups, GroupMonth{Class: sc.Classes[g.c].ID, Segment: sc.Segments[g.s].ID,
			Customers: round(s.N[i]), Shipments: round(f.shipments), Revenue: f.revenue})
	}
	for c, cl := range sc.Classes {
		mo.Classes = append(mo.Classes, ClassMonth{Class: cl.ID, Customers: round(per[c].end), Churned: round(per[c].churned),
			New: round(per[c].added), Satisfaction: s.S[c], Churn: s.churnRate[c], Revenue: per[c].revenue})
	}
	return mo
}

func round(x float64) int { return int(math.Round(x)) }

// History is the company's last 12 months before the task (Index -11 … 0), the same for
// every team of a scenario: KPIs drift by their trend toward today's baselines with the
// scenario's noise and past events, and customer counts are worked backwards so that month 0
// ends with the scenario's customers.
func History(sc *Scenario) []Month {
	months, _ := compile(sc).history()
	return months
}

// history also returns the satisfaction per class at the end of month 0, where a run starts.
func (m *model) history() ([]Month, []float64) {
	const first = -11
	n := 1 - first
	seed := splitmix64(m.sc.Seed ^ streamHistory)
	s := newSim(m)
	active := make([]bool, len(m.events))
	type snap struct {
		drv, S, churnRate, newF, wallet, vol []float64
		eventCost                            float64
		active                               []bool
	}
	snaps := make([]snap, n)
	for i := 0; i < n; i++ {
		t := first + i
		for e, ev := range m.events {
			active[e] = false
			for _, h := range ev.history {
				if t >= h && t < h+ev.dur {
					active[e] = true
				}
			}
		}
		in := monthInput{t: t, trend: float64(t), active: active, cont: -1, noiseSeed: seed}
		s.drivers(&in)
		if i == 0 {
			// The year starts settled: satisfaction equals what the first month's KPIs are worth.
			for c := 0; c < m.nC; c++ {
				target := s.satAdd[c]
				for _, k := range m.drivers {
					target += m.w[c][k] * m.score(k, s.drv[k])
				}
				s.S[c] = clamp(target, 0, 100)
			}
		}
		s.satisfy()
		snaps[i] = snap{drv: slices.Clone(s.drv), S: slices.Clone(s.S), churnRate: slices.Clone(s.churnRate),
			newF: slices.Clone(s.newF), wallet: slices.Clone(s.wallet), vol: slices.Clone(s.vol),
			eventCost: s.eventCost, active: slices.Clone(active)}
	}
	// Customers backwards: N_start = (N_end − new) / (1 − churn).
	N := make([]float64, len(m.groups))
	for i, g := range m.groups {
		N[i] = g.n0
	}
	for i := n - 1; i >= 0; i-- {
		sn := &snaps[i]
		for j, g := range m.groups {
			keep := 1 - sn.churnRate[g.c]/100
			if keep <= 0 {
				N[j] = 0
				continue
			}
			N[j] = math.Max(0, (N[j]-m.groups[j].newPM*sn.newF[g.c])/keep)
		}
	}
	copy(s.N, N)
	months := make([]Month, 0, n)
	for i := 0; i < n; i++ {
		t := first + i
		sn := &snaps[i]
		copy(s.drv, sn.drv)
		copy(s.S, sn.S)
		copy(s.churnRate, sn.churnRate)
		copy(s.newF, sn.newF)
		copy(s.wallet, sn.wallet)
		copy(s.vol, sn.vol)
		s.eventCost, s.contCost, s.project = sn.eventCost, 0, 0
		s.money(t)
		mo := s.record(t)
		for e, on := range sn.active {
			if on {
				mo.Events = append(mo.Events, m.events[e].id)
			}
		}
		months = append(months, mo)
	}
	return months, slices.Clone(s.S)
}
