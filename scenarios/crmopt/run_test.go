package crmopt

import (
	"slices"
	"strings"
	"testing"
)

// Bad input to Step is refused with a Chinese message and changes nothing.
func TestStepRefuses(t *testing.T) {
	sc := scenario(t)
	fresh := start(t, sc, corePlan, 8)
	after := func(n int) *Run {
		r := fresh
		for i := 0; i < n; i++ {
			r, _, _ = Step(sc, r, Decision{}, nil)
		}
		return r
	}
	other := scenario(t)
	other.ID = "another-scenario"
	cases := []struct {
		name      string
		sc        *Scenario
		run       *Run
		decision  Decision
		triggered []string
		code      string
	}{
		{"decision for a month already run", sc, after(3), Decision{Month: 2, Option: "overtime-service"}, nil, CodeMonthDone},
		{"decision for the month just run", sc, after(3), Decision{Month: 3, Option: "overtime-service"}, nil, CodeMonthDone},
		{"empty decision for a month already run", sc, after(3), Decision{Month: 1}, nil, CodeMonthDone},
		{"decision for a month too far ahead", sc, after(3), Decision{Month: 6, Option: "overtime-service"}, nil, CodeMonth},
		{"unknown contingency", sc, after(3), Decision{Option: "pray"}, nil, CodeUnknown},
		{"contingency without its event", sc, after(3), Decision{Option: "apology-visit"}, nil, CodeNotApplicable},
		{"contingency over the monthly cap", sc, after(1), Decision{Month: 2, Option: "temp-capacity"}, nil, CodeBudget},
		{"unknown triggered event", sc, after(3), Decision{}, []string{"meteor"}, CodeUnknown},
		{"event already happening", sc, after(3), Decision{}, []string{"traffic-accident"}, CodeDuplicate},
		{"same event triggered twice", sc, after(3), Decision{}, []string{"heavy-rain", "heavy-rain"}, CodeDuplicate},
		{"run of another scenario", other, after(3), Decision{}, nil, CodeMismatch},
		{"run finished", sc, after(12), Decision{}, nil, CodeFinished},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := jsonOf(t, c.run)
			got, evs, err := Step(c.sc, c.run, c.decision, c.triggered)
			refusedWith(t, err, c.code)
			if got != c.run || evs != nil {
				t.Error("a refused step returned a new run or events")
			}
			if jsonOf(t, c.run) != before {
				t.Error("a refused step changed the run")
			}
		})
	}
}

func TestStepReportsWhatHappens(t *testing.T) {
	sc := scenario(t)
	r := start(t, sc, corePlan, 8)
	byMonth := map[int][]Event{}
	for r.Month < sc.Months {
		d := Decision{}
		var trig []string
		switch r.Month + 1 {
		case 3:
			d = Decision{Month: 3, Option: "overtime-service", Reason: "春节后投诉积压"}
		case 5:
			trig = []string{"heavy-rain"}
		case 6:
			d = Decision{Option: "apology-visit", Reason: "重点客户投诉"}
		}
		next, evs, err := Step(sc, r, d, trig)
		if err != nil {
			t.Fatalf("month %d: %v", r.Month+1, err)
		}
		if next.Month != r.Month+1 || len(next.Months) != next.Month {
			t.Fatalf("month %d → %d with %d months", r.Month, next.Month, len(next.Months))
		}
		for _, e := range evs {
			if e.Month != next.Month || !hasHan(e.Message) {
				t.Errorf("event %+v", e)
			}
		}
		byMonth[next.Month] = evs
		r = next
	}
	has := func(month int, kind, id string) bool {
		return slices.ContainsFunc(byMonth[month], func(e Event) bool { return e.Kind == kind && e.ID == id })
	}
	cases := []struct {
		month    int
		kind, id string
	}{
		{1, EventMeasureStart, "crm-tms-sync"},
		{4, EventMeasureLive, "crm-tms-sync"},
		{2, EventMarket, "spring-festival"},
		{3, EventDecision, "overtime-service"},
		{4, EventMarket, "traffic-accident"},
		{5, EventMarket, "heavy-rain"},
		{6, EventMarket, "key-account-complaint"},
		{6, EventDecision, "apology-visit"},
		{8, EventMarket, "system-outage"},
		{9, EventMarket, "competitor-price-cut"},
		{11, EventMarket, "peak-1111"},
		{12, EventFinished, ""},
	}
	for _, c := range cases {
		if !has(c.month, c.kind, c.id) {
			t.Errorf("month %d: no %s event %q in %+v", c.month, c.kind, c.id, byMonth[c.month])
		}
	}
	// The months record events, decisions and measures in effect.
	if !slices.Contains(r.Months[6].Events, "key-account-complaint") { // lasts two months
		t.Errorf("month 7 events %v", r.Months[6].Events)
	}
	if r.Months[2].Decision != "overtime-service" || len(r.Decisions) != 2 || r.Decisions[1].Month != 6 {
		t.Errorf("decisions %+v", r.Decisions)
	}
	if !slices.Contains(r.Months[3].Live, "crm-tms-sync") || slices.Contains(r.Months[2].Live, "crm-tms-sync") {
		t.Errorf("live in month 3 %v, month 4 %v", r.Months[2].Live, r.Months[3].Live)
	}
	if len(r.Triggered) != 1 || r.Triggered[0] != (Triggered{Month: 5, Event: "heavy-rain"}) {
		t.Errorf("triggered %+v", r.Triggered)
	}
	if !strings.HasPrefix(r.Months[0].Label, "2026-01") || r.Months[11].Label != "2026-12" {
		t.Errorf("labels %s … %s", r.Months[0].Label, r.Months[11].Label)
	}
	// The peak season's volume shows in the e-commerce shipments.
	ecom := func(mo Month) int {
		n := 0
		for _, g := range mo.Groups {
			if g.Segment == "ecommerce" {
				n += g.Shipments
			}
		}
		return n
	}
	if ecom(r.Months[10]) < ecom(r.Months[9])*13/10 {
		t.Errorf("peak season: e-commerce shipments %d after %d", ecom(r.Months[10]), ecom(r.Months[9]))
	}
}

// A contingency softens its event: the same month with and without it.
func TestContingencyMitigates(t *testing.T) {
	sc := scenario(t)
	cases := []struct {
		month          int
		option, kpi    string
		higherIsBetter bool
	}{
		{11, "temp-capacity", "on_time", true},
		{8, "manual-backup", "crm_delay_h", false},
		{2, "overtime-service", "complaint_response_h", false},
	}
	for _, c := range cases {
		t.Run(c.option, func(t *testing.T) {
			r := start(t, sc, tinyPlan, 3)
			for r.Month < c.month-1 {
				r, _, _ = Step(sc, r, Decision{}, nil)
			}
			with, _, err := Step(sc, r, Decision{Option: c.option}, nil)
			if err != nil {
				t.Fatal(err)
			}
			without, _, _ := Step(sc, r, Decision{}, nil)
			a, b := with.Months[c.month-1].Value(c.kpi), without.Months[c.month-1].Value(c.kpi)
			if (c.higherIsBetter && a <= b) || (!c.higherIsBetter && a >= b) {
				t.Errorf("%s with %s: %v, without: %v", c.kpi, c.option, a, b)
			}
			if with.Months[c.month-1].Costs.Contingency != sc.ContingencyByID(c.option).Cost {
				t.Errorf("contingency cost %v", with.Months[c.month-1].Costs.Contingency)
			}
		})
	}
}
