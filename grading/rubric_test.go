package grading

import (
	"strings"
	"testing"

	"crmlab/scenarios/cards"
)

var rubric = []cards.Criterion{
	{ID: "content", Label: "内容完整", Levels: []cards.Level{{Label: "优秀", Points: 40}, {Label: "良好", Points: 30}, {Label: "及格", Points: 20}, {Label: "不足", Points: 0}}},
	{ID: "analysis", Label: "分析深入", Auto: true, Levels: []cards.Level{{Label: "优秀", Points: 60, AutoMin: 1}, {Label: "良好", Points: 45, AutoMin: 0.5}, {Label: "不足", Points: 10}}},
}

func pts(f float64) *float64 { return &f }

func TestScore(t *testing.T) {
	cases := []struct {
		name    string
		choices map[string]Choice
		score   float64
		err     string
		auto    bool // analysis's automatic suggestion is level 1 (良好)
	}{
		{"best levels", map[string]Choice{"content": {Level: 0}, "analysis": {Level: 0}}, 100, "", false},
		{"a typical paper", map[string]Choice{"content": {Level: 1, Comment: "缺第三个难题"}, "analysis": {Level: 1}}, 75, "", false},
		{"lowest levels", map[string]Choice{"content": {Level: 3}, "analysis": {Level: 2}}, 10, "", false},
		{"a criterion left out", map[string]Choice{"content": {Level: 0}}, 0, "请为“分析深入”选择一个等级", false},
		{"a level that does not exist", map[string]Choice{"content": {Level: 4}, "analysis": {Level: 0}}, 0, "没有这个等级", false},
		{"a negative level", map[string]Choice{"content": {Level: -1}, "analysis": {Level: 0}}, 0, "没有这个等级", false},
		{"an unknown criterion", map[string]Choice{"content": {Level: 0}, "analysis": {Level: 0}, "style": {Level: 0}}, 0, "评分标准里没有", false},
		{"an over-long comment", map[string]Choice{"content": {Level: 0, Comment: strings.Repeat("长", MaxComment+1)}, "analysis": {Level: 0}}, 0, "太长", false},
		// analysis is Auto and its suggestion here is level 1 (良好).
		{"the suggestion kept", map[string]Choice{"content": {Level: 0}, "analysis": {Level: 1}}, 85, "", true},
		{"the suggestion overridden with a reason", map[string]Choice{"content": {Level: 0}, "analysis": {Level: 0, Reason: "第 7 题答案键有误"}}, 100, "", true},
		{"the suggestion overridden without a reason", map[string]Choice{"content": {Level: 0}, "analysis": {Level: 2}}, 0, "没有采用自动评分建议的“良好”", true},
		{"points typed with a reason", map[string]Choice{"content": {Level: 0}, "analysis": {Level: -1, Points: pts(52.5), Reason: "部分正确"}}, 92.5, "", true},
		{"points typed without a reason", map[string]Choice{"content": {Level: 0}, "analysis": {Points: pts(50)}}, 0, "请写明原因", true},
		{"points above the maximum", map[string]Choice{"content": {Level: 0}, "analysis": {Points: pts(61), Reason: "x"}}, 0, "要在 0 到 60 之间", true},
		{"negative points", map[string]Choice{"content": {Points: pts(-1), Reason: "x"}, "analysis": {Level: 1}}, 0, "要在 0 到 40 之间", true},
		{"an over-long reason", map[string]Choice{"content": {Level: 0}, "analysis": {Level: 0, Reason: strings.Repeat("因", MaxReason+1)}}, 0, "改判原因太长", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sug map[string]int
			if tc.auto {
				sug = map[string]int{"analysis": 1}
			}
			r, err := Score(rubric, tc.choices, sug)
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
	if _, err := Score(nil, nil, nil); err == nil {
		t.Fatal("a card without a rubric was scored")
	}
}
