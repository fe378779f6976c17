package keymoments

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
)

// A class of 4 groups of 3 where groups 10, 20 and 30 presented (in that order) and group 40
// ran out of time.
func reviewClass(t *testing.T) (*State, time.Time) {
	s, now := to(t, class(t, DefaultConfig(), 4, 3), PhasePresent)
	for range 3 {
		now = now.Add(2 * time.Minute)
		s, _ = apply(t, s, teacher(CmdNextPresenter), now)
	}
	now = now.Add(2 * time.Minute)
	s, _ = apply(t, s, teacher(CmdAdvance), now)
	return s, now
}

func TestCrossReview(t *testing.T) {
	cases := []struct {
		name    string
		reviews []Command
		want    []ReviewResult
		stored  []Review
	}{
		{"nobody reviewed yet: every presented group, count 0, mean 0", nil, []ReviewResult{
			{10, 0, 0, []string{}}, {20, 0, 0, []string{}}, {30, 0, 0, []string{}},
		}, []Review{}},
		{"the mean counts only the groups that reviewed", []Command{
			rev(201, 10, 4, "案例贴近物流"),
			rev(401, 10, 5, "问题回答完整"),
		}, []ReviewResult{
			{10, 4.5, 2, []string{"案例贴近物流", "问题回答完整"}}, {20, 0, 0, []string{}}, {30, 0, 0, []string{}},
		}, nil},
		{"group 40 did not present but reviews everyone; nobody reviews 40", []Command{
			rev(401, 10, 3, "时间超了"),
			rev(402, 20, 5, "很清楚"),
			rev(403, 30, 2, "没讲期望"),
			rev(101, 20, 4, "海报分析好"),
			rev(301, 20, 3, "一般"),
		}, []ReviewResult{
			{10, 3, 1, []string{"时间超了"}}, {20, 4, 3, []string{"海报分析好", "一般", "很清楚"}}, {30, 2, 1, []string{"没讲期望"}},
		}, nil},
		{"a second member's review replaces the group's first one", []Command{
			rev(201, 10, 2, "听不清"),
			rev(203, 10, 5, " 讨论后改为：很好 "),
		}, []ReviewResult{
			{10, 5, 1, []string{"讨论后改为：很好"}}, {20, 0, 0, []string{}}, {30, 0, 0, []string{}},
		}, []Review{{From: 20, To: 10, Score: 5, Comment: "讨论后改为：很好", By: 203}}},
		{"reviews are kept sorted by (from, to)", []Command{
			rev(301, 20, 1, "c"), rev(101, 30, 2, "b"), rev(301, 10, 3, "a"), rev(101, 20, 4, "d"),
		}, nil, []Review{
			{10, 20, 4, "d", 101}, {10, 30, 2, "b", 101}, {30, 10, 3, "a", 301}, {30, 20, 1, "c", 301},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, now := reviewClass(t)
			for _, c := range tc.reviews {
				now = now.Add(10 * time.Second)
				var ev []Event
				s, ev = apply(t, s, c, now)
				g, _ := s.GroupOf(c.Actor)
				if !slices.Equal(kinds(ev), []string{"reviews:" + strconv.FormatInt(g.ID, 10)}) {
					t.Errorf("events %v", kinds(ev))
				}
			}
			if tc.want != nil {
				if got := s.ReviewResults(); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("results\n%+v\nwant\n%+v", got, tc.want)
				}
			}
			if tc.stored != nil && !reflect.DeepEqual(s.Reviews, tc.stored) {
				t.Errorf("reviews %+v, want %+v", s.Reviews, tc.stored)
			}
		})
	}
}

// The results ignore a self-review and a missing one even in a state the engine would never
// build (say, restored from an old snapshot), and follow the groups' display order.
func TestReviewResultsFromAStoredState(t *testing.T) {
	cases := []struct {
		name  string
		state State
		want  []ReviewResult
	}{
		{"a self-review in an old snapshot does not count", State{
			Groups:    []Group{{ID: 1}, {ID: 2}, {ID: 3}},
			Presented: []int64{1, 2},
			Reviews:   []Review{{1, 1, 5, "自夸", 11}, {2, 1, 2, "一般", 21}, {3, 1, 3, "还行", 31}, {1, 2, 4, "好", 12}},
		}, []ReviewResult{{1, 2.5, 2, []string{"一般", "还行"}}, {2, 4, 1, []string{"好"}}}},
		{"display order, not presentation order", State{
			Groups:    []Group{{ID: 5}, {ID: 3}, {ID: 9}},
			Presented: []int64{9, 3},
		}, []ReviewResult{{3, 0, 0, []string{}}, {9, 0, 0, []string{}}}},
		{"nobody presented", State{Groups: []Group{{ID: 1}}}, []ReviewResult{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.state.ReviewResults(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%+v, want %+v", got, tc.want)
			}
		})
	}
}
