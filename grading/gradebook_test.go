package grading

import (
	"math"
	"strings"
	"testing"
)

func TestWeightsAndTotals(t *testing.T) {
	cols := []Column{{ID: 1, Title: "ABC 分类", Weight: 40}, {ID: 2, Title: "问卷设计", Weight: 60}}
	cases := []struct {
		name string
		cols []Column
		err  string
	}{
		{"weights that sum to 100", cols, ""},
		{"weights that sum to 90", []Column{{Title: "甲", Weight: 40}, {Title: "乙", Weight: 50}}, "90.0%"},
		{"a negative weight", []Column{{Title: "甲", Weight: -10}, {Title: "乙", Weight: 110}}, "不能为负数"},
		{"NaN typed as a weight", []Column{{Title: "甲", Weight: math.NaN()}, {Title: "乙", Weight: 100}}, "请填数字"},
		{"Inf typed as a weight", []Column{{Title: "甲", Weight: math.Inf(1)}, {Title: "乙", Weight: math.Inf(-1)}}, "请填数字"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckWeights(tc.cols)
			if (tc.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
	rows := Totals(cols, []Row{
		{Name: "全做完", Cells: []Cell{{Score: 18, Max: 20, Graded: true}, {Score: 75, Max: 100, Graded: true}}},
		{Name: "缺一份", Cells: []Cell{{Score: 20, Max: 20, Graded: true}, {Missing: true}}},
		{Name: "还没评", Cells: []Cell{{Score: 0, Max: 20}, {Score: 90, Max: 100, Graded: true}}},
	})
	want := []float64{81, 40, 54} // 0.4×90 + 0.6×75; 0.4×100; 0.6×90
	for i, r := range rows {
		if r.Total != want[i] {
			t.Errorf("%s: total %v, want %v", r.Name, r.Total, want[i])
		}
	}
}
