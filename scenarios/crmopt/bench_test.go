package crmopt

import "testing"

// BenchmarkEvaluate: one plan, 1,000 draws × 12 months (each draw runs the plan and doing
// nothing side by side).
func BenchmarkEvaluate(b *testing.B) {
	sc := scenario(b)
	for b.Loop() {
		if _, err := Evaluate(sc, corePlan, EvalOptions{Draws: 1000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStep: one month of a run, as the server does it on a team's click.
func BenchmarkStep(b *testing.B) {
	sc := scenario(b)
	r := start(b, sc, corePlan, 1)
	r, _, _ = Step(sc, r, Decision{}, nil)
	r, _, _ = Step(sc, r, Decision{}, nil) // month 3 is next: room in the budget for a decision
	for b.Loop() {
		if _, _, err := Step(sc, r, Decision{Option: "overtime-service"}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStartRun includes the 12 months of history it replays for the starting satisfaction.
func BenchmarkStartRun(b *testing.B) {
	sc := scenario(b)
	sched := autoSchedule(b, sc, corePlan)
	for b.Loop() {
		if _, err := StartRun(sc, corePlan, sched, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse: reading the default scenario file.
func BenchmarkParse(b *testing.B) {
	data := defaultYAML(b)
	for b.Loop() {
		if _, probs := ParseScenario(data); probs != nil {
			b.Fatal(probs)
		}
	}
}

// BenchmarkEvaluateSharedBaseline is Evaluate with the market's do-nothing baseline made
// once beforehand, as the server does for every team of a class.
func BenchmarkEvaluateSharedBaseline(b *testing.B) {
	sc := scenario(b)
	base := NewBaseline(sc, 1, 1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Evaluate(sc, corePlan, EvalOptions{Draws: 1000, Seed: 1, Baseline: base}); err != nil {
			b.Fatal(err)
		}
	}
}
