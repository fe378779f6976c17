package grading

import (
	"strings"
	"testing"

	"crmlab/scenarios/selfscore"
)

var sheet = &selfscore.Sheet{Items: []selfscore.Item{
	{ID: "progress", Label: "项目进度", Max: 20}, {ID: "cost", Label: "成本控制", Max: 20},
	{ID: "teamwork", Label: "团队协作", Max: 20}, {ID: "satisfaction", Label: "客户满意度", Max: 40},
}}

func TestGaps(t *testing.T) {
	self := map[string]int{"progress": 20, "cost": 18, "teamwork": 12, "satisfaction": 35}
	inst := map[string]int{"progress": 15, "cost": 17, "teamwork": 17, "satisfaction": 25}
	cases := []struct {
		item string
		flag bool
	}{
		{"progress", true},     // 5 of 20 is exactly a quarter
		{"cost", false},        // 1 point apart
		{"teamwork", true},     // the student underrates by 5
		{"satisfaction", true}, // 10 of 40 is exactly a quarter too
	}
	gaps := Gaps(sheet, self, inst)
	for i, tc := range cases {
		if gaps[i].Item != tc.item || gaps[i].Flag != tc.flag {
			t.Errorf("%s: flag %v, want %v", tc.item, gaps[i].Flag, tc.flag)
		}
	}
}

func TestCheckInstructorScores(t *testing.T) {
	cases := []struct {
		name   string
		scores map[string]int
		total  int
		err    string
	}{
		{"all items", map[string]int{"progress": 15, "cost": 17, "teamwork": 17, "satisfaction": 25}, 74, ""},
		{"an item missing", map[string]int{"progress": 15, "cost": 17, "teamwork": 17}, 0, "请给“客户满意度”打分"},
		{"above the maximum", map[string]int{"progress": 25, "cost": 17, "teamwork": 17, "satisfaction": 25}, 0, "0 到 20"},
		{"negative", map[string]int{"progress": -1, "cost": 17, "teamwork": 17, "satisfaction": 25}, 0, "0 到 20"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			total, err := CheckInstructorScores(sheet, tc.scores)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || total != tc.total {
				t.Fatalf("total %d %v, want %d", total, err, tc.total)
			}
		})
	}
}
