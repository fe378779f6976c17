package grading

import (
	"strings"
	"testing"

	"crmlab/scenarios/cards"
)

var rubric = []cards.Criterion{
	{ID: "content", Label: "内容完整", Levels: []cards.Level{{Label: "优秀", Points: 40}, {Label: "良好", Points: 30}, {Label: "及格", Points: 20}, {Label: "不足", Points: 0}}},
	{ID: "analysis", Label: "分析深入", Levels: []cards.Level{{Label: "优秀", Points: 60}, {Label: "良好", Points: 45}, {Label: "不足", Points: 10}}},
}

func TestScore(t *testing.T) {
	cases := []struct {
		name    string
		choices map[string]Choice
		score   float64
		err     string
	}{
		{"best levels", map[string]Choice{"content": {Level: 0}, "analysis": {Level: 0}}, 100, ""},
		{"a typical paper", map[string]Choice{"content": {Level: 1, Comment: "缺第三个难题"}, "analysis": {Level: 1}}, 75, ""},
		{"lowest levels", map[string]Choice{"content": {Level: 3}, "analysis": {Level: 2}}, 10, ""},
		{"a criterion left out", map[string]Choice{"content": {Level: 0}}, 0, "请为“分析深入”选择一个等级"},
		{"a level that does not exist", map[string]Choice{"content": {Level: 4}, "analysis": {Level: 0}}, 0, "没有这个等级"},
		{"a negative level", map[string]Choice{"content": {Level: -1}, "analysis": {Level: 0}}, 0, "没有这个等级"},
		{"an unknown criterion", map[string]Choice{"content": {Level: 0}, "analysis": {Level: 0}, "style": {Level: 0}}, 0, "评分标准里没有"},
		{"an over-long comment", map[string]Choice{"content": {Level: 0, Comment: strings.Repeat("长", MaxComment+1)}, "analysis": {Level: 0}}, 0, "太长"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Score(rubric, tc.choices)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || r.Score != tc.score || r.Max != 100 {
				t.Fatalf("got %+v %v, want %v / 100", r, err, tc.score)
			}
		})
	}
	if _, err := Score(nil, nil); err == nil {
		t.Fatal("a card without a rubric was scored")
	}
}
