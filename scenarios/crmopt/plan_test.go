package crmopt

import (
	"testing"
)

func TestCheckPlanRefuses(t *testing.T) {
	sc := scenario(t)
	var everything []string
	for _, m := range sc.Measures {
		if m.ID != "outsource-callcenter" {
			everything = append(everything, m.ID)
		}
	}
	cases := []struct {
		name string
		plan Plan
		code string // "" accepted
	}{
		{"core plan", corePlan, ""},
		{"customer plan", custPlan, ""},
		{"over budget", Plan{ID: "all", Name: "全都要", Measures: everything}, CodeBudget},
		{"prerequisite missing", Plan{ID: "x", Name: "抽检", Measures: []string{"service-audit"}}, CodePrerequisite},
		{"prerequisite of a prerequisite missing", Plan{ID: "x", Name: "报告", Measures: []string{"abc-tiered", "key-account-report"}}, CodePrerequisite},
		{"conflict", Plan{ID: "x", Name: "两套客服", Measures: []string{"hotline-online", "outsource-callcenter"}}, CodeConflict},
		{"conflict written on the other side", Plan{ID: "x", Name: "两套客服", Measures: []string{"outsource-callcenter", "hotline-online"}}, CodeConflict},
		{"unknown measure", Plan{ID: "x", Name: "瞬移", Measures: []string{"teleport"}}, CodeUnknown},
		{"repeated measure", Plan{ID: "x", Name: "重复", Measures: []string{"loyalty", "loyalty"}}, CodeDuplicate},
		{"no measures", Plan{ID: "x", Name: "空"}, CodeEmpty},
		{"no name", Plan{ID: "x", Name: "  ", Measures: []string{"loyalty"}}, CodeEmpty},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckPlan(sc, c.plan)
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			refusedWith(t, err, c.code)
			// A refused plan is refused everywhere it is used.
			_, err = Evaluate(sc, c.plan, EvalOptions{Draws: 5})
			refusedWith(t, err, c.code)
			_, err = StartRun(sc, c.plan, Schedule{}, 1)
			refusedWith(t, err, c.code)
		})
	}
	if c := EstimateCost(sc, corePlan); c <= 0 || c > sc.BudgetTotal {
		t.Errorf("core plan estimate %v", c)
	}
}

func TestCheckScheduleRefuses(t *testing.T) {
	sc := scenario(t)
	audit := Plan{ID: "audit", Name: "标准 + 抽检", Measures: []string{"service-manual", "service-audit"}}
	noOwner := schedule(map[string]int{"service-manual": 1, "service-audit": 3})
	noOwner.Items[0].Owner = " "
	cases := []struct {
		name  string
		plan  Plan
		sched Schedule
		code  string
	}{
		{"valid", audit, schedule(map[string]int{"service-manual": 1, "service-audit": 3}), ""},
		{"auto schedule of the core plan", corePlan, autoSchedule(t, sc, corePlan), ""},
		{"measure before its prerequisite is in effect", audit, schedule(map[string]int{"service-manual": 1, "service-audit": 2}), CodePrerequisite},
		{"measure before its prerequisite starts", audit, schedule(map[string]int{"service-manual": 4, "service-audit": 1}), CodePrerequisite},
		{"over the monthly cap", corePlan, schedule(map[string]int{"crm-tms-sync": 1, "complaint-sla": 1, "service-manual": 1, "driver-training": 1}), CodeBudget},
		{"takes effect after the end", corePlan, schedule(map[string]int{"crm-tms-sync": 10, "complaint-sla": 1, "service-manual": 2, "driver-training": 2}), CodeLeadTime},
		{"start month 0", audit, schedule(map[string]int{"service-manual": 0, "service-audit": 3}), CodeMonth},
		{"no owner", audit, noOwner, CodeEmpty},
		{"measure left out", audit, schedule(map[string]int{"service-manual": 1}), CodeEmpty},
		{"measure not in the plan", audit, schedule(map[string]int{"service-manual": 1, "service-audit": 3, "loyalty": 1}), CodeUnknown},
		{"measure twice", audit, Schedule{Items: append(schedule(map[string]int{"service-manual": 1, "service-audit": 3}).Items, ScheduledMeasure{Measure: "service-manual", Start: 2, Owner: "张"})}, CodeDuplicate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckSchedule(sc, c.plan, c.sched)
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := StartRun(sc, c.plan, c.sched, 1); err != nil {
					t.Fatal(err)
				}
				return
			}
			refusedWith(t, err, c.code)
			r, err := StartRun(sc, c.plan, c.sched, 1)
			if r != nil {
				t.Error("StartRun returned a run for a refused schedule")
			}
			refusedWith(t, err, c.code)
		})
	}
	// The total budget, checked on its own (a plan that passes CheckPlan cannot exceed it).
	small := scenario(t)
	small.BudgetTotal = 50
	if err := checkSchedule(small, corePlan, autoSchedule(t, sc, corePlan), true); err == nil || err.Code != CodeBudget {
		t.Errorf("total budget: %v", err)
	}
	// AutoSchedule keeps every month under the cap.
	for _, p := range []Plan{corePlan, custPlan, techPlan} {
		s := autoSchedule(t, sc, p)
		for i, v := range MonthlySpend(sc, s) {
			if v > sc.BudgetCap+1e-9 {
				t.Errorf("%s month %d: %v over the cap", p.ID, i+1, v)
			}
		}
	}
}

func TestCheckTargets(t *testing.T) {
	sc := scenario(t)
	cases := []struct {
		name    string
		targets []Target
		codes   []string
	}{
		{"sensible targets", []Target{{KPI: "on_time", Value: 95, ByMonth: 9}, {KPI: "complaint_response_h", Value: 12, ByMonth: 6}, {KPI: "satisfaction", Value: 65, ByMonth: 12}, {KPI: "churn", Value: 2, ByMonth: 12}}, nil},
		{"on-time above 99.5%", []Target{{KPI: "on_time", Value: 101, ByMonth: 9}}, []string{CodeTargetRange}},
		{"negative damage", []Target{{KPI: "damage", Value: -0.1, ByMonth: 9}}, []string{CodeTargetRange}},
		{"satisfaction of 120", []Target{{KPI: "satisfaction", Value: 120, ByMonth: 12}}, []string{CodeTargetRange}},
		{"response in 1 hour (below the possible 2)", []Target{{KPI: "complaint_response_h", Value: 1, ByMonth: 6}}, []string{CodeTargetRange}},
		{"month 13", []Target{{KPI: "on_time", Value: 95, ByMonth: 13}}, []string{CodeMonth}},
		{"month 0", []Target{{KPI: "on_time", Value: 95}}, []string{CodeMonth}},
		{"unknown KPI", []Target{{KPI: "happiness", Value: 5, ByMonth: 3}}, []string{CodeUnknown}},
		{"two targets for one KPI", []Target{{KPI: "on_time", Value: 95, ByMonth: 9}, {KPI: "on_time", Value: 96, ByMonth: 12}}, []string{CodeDuplicate}},
		{"two bad ones reported", []Target{{KPI: "on_time", Value: 200, ByMonth: 40}}, []string{CodeTargetRange, CodeMonth}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := CheckTargets(sc, c.targets)
			if len(errs) != len(c.codes) {
				t.Fatalf("errors %v, want codes %v", errs, c.codes)
			}
			for i, err := range errs {
				refusedWith(t, err, c.codes[i])
			}
			if len(c.codes) > 0 {
				_, err := Evaluate(sc, corePlan, EvalOptions{Draws: 5, Targets: c.targets})
				refusedWith(t, err, c.codes[0])
			}
		})
	}
}

func TestCheckChoice(t *testing.T) {
	sc := scenario(t)
	two := []Plan{corePlan, custPlan}
	cases := []struct {
		name   string
		plans  []Plan
		choice Choice
		code   string
	}{
		{"justified", two, Choice{Plan: "core", Justification: "P50 利润增加最多，满意度提升明显，而且能解决信息更新滞后的问题。"}, ""},
		{"empty justification", two, Choice{Plan: "core"}, CodeJustification},
		{"blank justification", two, Choice{Plan: "core", Justification: " \n\t "}, CodeJustification},
		{"too short", two, Choice{Plan: "core", Justification: "便宜"}, CodeJustification},
		{"only one plan", []Plan{corePlan}, Choice{Plan: "core", Justification: "只有这个方案，所以选它，没有别的选择。"}, CodeTooFew},
		{"plan not among them", two, Choice{Plan: "tech", Justification: "技术方案最先进，能一次解决所有信息问题。"}, CodeUnknown},
		{"two plans with one id", []Plan{corePlan, corePlan}, Choice{Plan: "core", Justification: "两个方案其实一样，所以随便选一个就好。"}, CodeDuplicate},
		{"an invalid alternative", []Plan{corePlan, {ID: "bad", Name: "坏", Measures: []string{"service-audit"}}}, Choice{Plan: "core", Justification: "另一个方案不可行，所以选择核心方案。"}, CodePrerequisite},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckChoice(sc, c.plans, c.choice)
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			refusedWith(t, err, c.code)
		})
	}
}
