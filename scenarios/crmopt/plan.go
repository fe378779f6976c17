package crmopt

import (
	"strings"
	"unicode/utf8"
)

// Target is a team's goal for one KPI: Value reached in month ByMonth (higher-is-better KPIs
// at least Value, lower-is-better at most Value).
type Target struct {
	KPI     string  `json:"kpi"`
	Value   float64 `json:"value"`
	ByMonth int     `json:"by_month"`
}

// CheckTargets returns one refusal per bad target (nil when all are good): an unknown KPI, a
// value outside the KPI's possible range, a month outside the run, or a second target for
// the same KPI.
func CheckTargets(sc *Scenario, targets []Target) []error {
	var errs []error
	seen := map[string]bool{}
	for i, t := range targets {
		k := sc.KPIByID(t.KPI)
		switch {
		case k == nil:
			errs = append(errs, refuse(CodeUnknown, "第 %d 个目标：没有指标“%s”", i+1, t.KPI))
			continue
		case seen[t.KPI]:
			errs = append(errs, refuse(CodeDuplicate, "指标“%s”已经定过目标，每个指标只定一个", k.Label))
			continue
		}
		seen[t.KPI] = true
		if !finite(t.Value) || t.Value < k.Min || t.Value > k.Max {
			errs = append(errs, refuse(CodeTargetRange, "“%s”的目标值 %s 超出了它可能的范围（%s 到 %s）",
				k.Label, fmtNum(t.Value, 4), fmtKPI(k, k.Min), fmtKPI(k, k.Max)))
		}
		if t.ByMonth < 1 || t.ByMonth > sc.Months {
			errs = append(errs, refuse(CodeMonth, "“%s”的达成月份应在第 1 到第 %d 个月之间", k.Label, sc.Months))
		}
	}
	return errs
}

// met says whether value reaches target t of KPI k.
func met(k *KPI, t Target, value float64) bool {
	if k.Better == Lower {
		return value <= t.Value
	}
	return value >= t.Value
}

// Plan is one alternative: a set of measures from the catalogue.
type Plan struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Measures []string `json:"measures"`
	Note     string   `json:"note,omitempty"`
}

// CheckPlan refuses a plan without a name or measures, with an unknown or repeated measure,
// a measure whose prerequisite is missing, two measures that conflict, or an estimated cost
// over the total budget. The estimate starts every measure as early as its prerequisites
// allow and runs it to the end (EstimateCost).
func CheckPlan(sc *Scenario, p Plan) error {
	if strings.TrimSpace(p.Name) == "" {
		return refuse(CodeEmpty, "请给方案起一个名称")
	}
	if len(p.Measures) == 0 {
		return refuse(CodeEmpty, "方案“%s”还没有选择任何措施", p.Name)
	}
	in := map[string]bool{}
	for _, id := range p.Measures {
		ms := sc.MeasureByID(id)
		if ms == nil {
			return refuse(CodeUnknown, "措施目录里没有“%s”", id)
		}
		if in[id] {
			return refuse(CodeDuplicate, "措施“%s”在方案里出现了两次", ms.Title)
		}
		in[id] = true
	}
	for _, id := range p.Measures {
		ms := sc.MeasureByID(id)
		for _, r := range ms.Requires {
			if !in[r] {
				return refuse(CodePrerequisite, "措施“%s”需要先有“%s”，请把它也加入方案", ms.Title, sc.MeasureByID(r).Title)
			}
		}
		for _, c := range ms.Conflicts {
			if in[c] {
				return refuse(CodeConflict, "措施“%s”和“%s”互相冲突，只能选一个", ms.Title, sc.MeasureByID(c).Title)
			}
		}
	}
	// Conflicts written on one side only still count.
	for _, id := range p.Measures {
		for _, other := range sc.Measures {
			if in[other.ID] {
				for _, c := range other.Conflicts {
					if c == id {
						return refuse(CodeConflict, "措施“%s”和“%s”互相冲突，只能选一个", other.Title, sc.MeasureByID(id).Title)
					}
				}
			}
		}
	}
	if cost := EstimateCost(sc, p); cost > sc.BudgetTotal+1e-9 {
		return refuse(CodeBudget, "方案“%s”按最早开始估算要花 %s 万元，超过了总预算 %s 万元", p.Name, fmtNum(cost, 1), fmtNum(sc.BudgetTotal, 1))
	}
	return nil
}

// EstimateCost is a plan's cost (万元) when every measure starts as early as its
// prerequisites allow and runs to the end of the run: one-off cost plus the monthly cost of
// every month in service. Unknown measures count nothing.
func EstimateCost(sc *Scenario, p Plan) float64 {
	earliest := earliestStarts(sc, p)
	total := 0.0
	for _, id := range p.Measures {
		ms := sc.MeasureByID(id)
		if ms == nil {
			continue
		}
		total += ms.OneOff + ms.Monthly*float64(max(0, sc.Months-(earliest[id]+ms.Lead)+1))
	}
	return total
}

// earliestStarts is each plan measure's first possible start month: 1, or the month its
// last prerequisite comes into effect.
func earliestStarts(sc *Scenario, p Plan) map[string]int {
	out := map[string]int{}
	var visit func(id string, depth int) int
	visit = func(id string, depth int) int {
		if v, ok := out[id]; ok {
			return v
		}
		ms := sc.MeasureByID(id)
		start := 1
		if ms != nil && depth < len(sc.Measures)+1 {
			for _, r := range ms.Requires {
				if rm := sc.MeasureByID(r); rm != nil {
					start = max(start, visit(r, depth+1)+rm.Lead)
				}
			}
		}
		out[id] = start
		return start
	}
	for _, id := range p.Measures {
		visit(id, 0)
	}
	return out
}

// ScheduledMeasure places one measure of the plan: it starts (preparation, one-off cost) in
// month Start and takes effect Lead months later. Owner is who answers for it.
type ScheduledMeasure struct {
	Measure string `json:"measure"`
	Start   int    `json:"start"`
	Owner   string `json:"owner"`
}

// Schedule is the implementation plan of step 5.
type Schedule struct {
	Items []ScheduledMeasure `json:"items"`
}

// CheckSchedule checks the implementation plan of p: every measure of the plan placed once
// with an owner, each taking effect before the run ends, none starting before its
// prerequisites are in effect, and the spending of every month within the monthly cap and
// of the whole run within the total budget.
func CheckSchedule(sc *Scenario, p Plan, s Schedule) error {
	if err := CheckPlan(sc, p); err != nil {
		return err
	}
	if err := checkSchedule(sc, p, s, true); err != nil {
		return err
	}
	return nil
}

func checkSchedule(sc *Scenario, p Plan, s Schedule, needOwner bool) *Error {
	at := map[string]ScheduledMeasure{}
	inPlan := map[string]bool{}
	for _, id := range p.Measures {
		inPlan[id] = true
	}
	for _, it := range s.Items {
		ms := sc.MeasureByID(it.Measure)
		switch {
		case ms == nil:
			return refuse(CodeUnknown, "措施目录里没有“%s”", it.Measure)
		case !inPlan[it.Measure]:
			return refuse(CodeUnknown, "措施“%s”不在方案“%s”里", ms.Title, p.Name)
		}
		if _, dup := at[it.Measure]; dup {
			return refuse(CodeDuplicate, "措施“%s”在实施计划里排了两次", ms.Title)
		}
		at[it.Measure] = it
	}
	for _, id := range p.Measures {
		ms := sc.MeasureByID(id)
		it, ok := at[id]
		if !ok {
			return refuse(CodeEmpty, "措施“%s”还没有安排开始月份", ms.Title)
		}
		if it.Start < 1 || it.Start > sc.Months {
			return refuse(CodeMonth, "措施“%s”的开始月份应在第 1 到第 %d 个月之间", ms.Title, sc.Months)
		}
		if live := it.Start + ms.Lead; live > sc.Months {
			return refuse(CodeLeadTime, "措施“%s”准备期 %d 个月，第 %d 月开始要到第 %d 月才见效，模拟在第 %d 月结束前来不及生效",
				ms.Title, ms.Lead, it.Start, live, sc.Months)
		}
		if needOwner && strings.TrimSpace(it.Owner) == "" {
			return refuse(CodeEmpty, "请为措施“%s”指定负责人", ms.Title)
		}
		if needOwner && utf8.RuneCountInString(it.Owner) > 40 {
			return refuse(CodeEmpty, "措施“%s”的负责人写得太长了（最多 40 个字）", ms.Title)
		}
	}
	for _, id := range p.Measures {
		ms := sc.MeasureByID(id)
		it := at[id]
		for _, r := range ms.Requires {
			rm := sc.MeasureByID(r)
			ready := at[r].Start + rm.Lead
			if it.Start < ready {
				return refuse(CodePrerequisite, "措施“%s”要等“%s”在第 %d 月生效后才能开始，现在排在第 %d 月",
					ms.Title, rm.Title, ready, it.Start)
			}
		}
	}
	spend := scheduleSpend(sc, s)
	total := 0.0
	for t := 1; t <= sc.Months; t++ {
		if spend[t] > sc.BudgetCap+1e-9 {
			return refuse(CodeBudget, "第 %d 月措施支出 %s 万元，超过每月预算上限 %s 万元", t, fmtNum(spend[t], 1), fmtNum(sc.BudgetCap, 1))
		}
		total += spend[t]
	}
	if total > sc.BudgetTotal+1e-9 {
		return refuse(CodeBudget, "实施计划共需 %s 万元，超过总预算 %s 万元", fmtNum(total, 1), fmtNum(sc.BudgetTotal, 1))
	}
	return nil
}

// scheduleSpend is the measures' spending per month (index 1 … Months).
func scheduleSpend(sc *Scenario, s Schedule) []float64 {
	spend := make([]float64, sc.Months+1)
	for _, it := range s.Items {
		ms := sc.MeasureByID(it.Measure)
		if ms == nil {
			continue
		}
		cm := cmeasure{oneOff: ms.OneOff, monthly: ms.Monthly, lead: max(1, ms.Lead)}
		for t := 1; t <= sc.Months; t++ {
			spend[t] += cm.spend(t, it.Start)
		}
	}
	return spend
}

// MonthlySpend is what a schedule spends on measures in each month: element 0 is month 1.
func MonthlySpend(sc *Scenario, s Schedule) []float64 {
	return scheduleSpend(sc, s)[1:]
}

// AutoSchedule places a valid plan's measures as early as prerequisites and the monthly cap
// allow, in the plan's order (prerequisites first), with no owners. Evaluate uses it when
// it is given no schedule; the team then fills in owners and moves measures.
func AutoSchedule(sc *Scenario, p Plan) (Schedule, error) {
	if err := CheckPlan(sc, p); err != nil {
		return Schedule{}, err
	}
	var order []string
	placed := map[string]bool{}
	var add func(id string)
	add = func(id string) {
		if placed[id] {
			return
		}
		placed[id] = true
		for _, r := range sc.MeasureByID(id).Requires {
			add(r)
		}
		order = append(order, id)
	}
	for _, id := range p.Measures {
		add(id)
	}
	start := map[string]int{}
	var s Schedule
	spend := make([]float64, sc.Months+1)
	for _, id := range order {
		ms := sc.MeasureByID(id)
		earliest := 1
		for _, r := range ms.Requires {
			earliest = max(earliest, start[r]+sc.MeasureByID(r).Lead)
		}
		cm := cmeasure{oneOff: ms.OneOff, monthly: ms.Monthly, lead: ms.Lead}
		found := 0
		for t := earliest; t+ms.Lead <= sc.Months && found == 0; t++ {
			fits := true
			for u := t; u <= sc.Months; u++ {
				if spend[u]+cm.spend(u, t) > sc.BudgetCap+1e-9 {
					fits = false
					break
				}
			}
			if fits {
				found = t
			}
		}
		if found == 0 {
			if earliest+ms.Lead > sc.Months {
				return Schedule{}, refuse(CodeLeadTime, "措施“%s”最早第 %d 月才能开始，准备期 %d 个月，模拟结束前来不及生效", ms.Title, earliest, ms.Lead)
			}
			return Schedule{}, refuse(CodeBudget, "每月预算上限 %s 万元放不下措施“%s”，请减少措施或错开开始月份", fmtNum(sc.BudgetCap, 1), ms.Title)
		}
		start[id] = found
		for u := found; u <= sc.Months; u++ {
			spend[u] += cm.spend(u, found)
		}
		s.Items = append(s.Items, ScheduledMeasure{Measure: id, Start: found})
	}
	if err := checkSchedule(sc, p, s, false); err != nil {
		return Schedule{}, err
	}
	return s, nil
}

// Choice is step 4's decision: the plan chosen among the alternatives and why.
type Choice struct {
	Plan          string `json:"plan"`
	Justification string `json:"justification"`
}

// MinJustification is the shortest justification accepted, in characters.
const MinJustification = 10

// CheckChoice refuses a choice among fewer than two plans, of a plan not among them, or
// without a justification of at least MinJustification characters.
func CheckChoice(sc *Scenario, plans []Plan, c Choice) error {
	if len(plans) < 2 {
		return refuse(CodeTooFew, "至少要有两个备选方案才能比较和选择，现在只有 %d 个", len(plans))
	}
	ids := map[string]bool{}
	for _, p := range plans {
		if strings.TrimSpace(p.ID) == "" {
			return refuse(CodeEmpty, "方案“%s”缺少编号", p.Name)
		}
		if ids[p.ID] {
			return refuse(CodeDuplicate, "方案编号“%s”重复", p.ID)
		}
		ids[p.ID] = true
		if err := CheckPlan(sc, p); err != nil {
			return err
		}
	}
	if !ids[c.Plan] {
		return refuse(CodeUnknown, "所选方案“%s”不在备选方案中", c.Plan)
	}
	j := strings.TrimSpace(c.Justification)
	switch n := utf8.RuneCountInString(j); {
	case n == 0:
		return refuse(CodeJustification, "请写出选择这个方案的理由")
	case n < MinJustification:
		return refuse(CodeJustification, "理由太短了：请至少写 %d 个字，说明它在成本、效益和风险上为什么比其他方案好", MinJustification)
	case n > 2000:
		return refuse(CodeJustification, "理由最多 2000 个字")
	}
	return nil
}
