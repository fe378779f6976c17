package grading

import (
	"math"
	"strings"
	"testing"
)

func TestDistribute(t *testing.T) {
	cases := []struct {
		name    string
		members []Adjustment
		want    []float64
		err     string
	}{
		{"everyone gets the group's score", []Adjustment{{Name: "甲"}, {Name: "乙"}}, []float64{80, 80}, ""},
		{"one member up, one down", []Adjustment{{Name: "甲", Delta: 5, Reason: "组织得力"}, {Name: "乙", Delta: -10, Reason: "没有参与"}, {Name: "丙"}}, []float64{85, 70, 80}, ""},
		{"up to the maximum", []Adjustment{{Name: "甲", Delta: 20, Reason: "独立完成了计算"}}, []float64{100}, ""},
		{"above the maximum", []Adjustment{{Name: "甲", Delta: 21, Reason: "x"}}, nil, "甲调整后是 101 分，超出了 0 到 100 分"},
		{"below zero", []Adjustment{{Name: "乙", Delta: -81, Reason: "x"}}, nil, "超出了 0 到 100 分"},
		{"no reason", []Adjustment{{Name: "甲", Delta: 3}}, nil, "请写明为什么调整甲的分数"},
		{"not a number", []Adjustment{{Name: "甲", Delta: math.NaN(), Reason: "x"}}, nil, "不是数字"},
		{"reason too long", []Adjustment{{Name: "甲", Delta: 1, Reason: strings.Repeat("因", MaxReason+1)}}, nil, "太长"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Distribute(80, 100, tc.members)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("got %+v, %v", got, err)
			}
			for i, w := range tc.want {
				if got[i].Score != w {
					t.Errorf("member %d: %v, want %v", i, got[i].Score, w)
				}
			}
		})
	}
}
