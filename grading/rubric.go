// Package grading holds the pure rules of grading: scoring a rubric with automatic
// suggestions and overrides, group distribution, gradebook totals, gap flags, statistics
// for the trainer (distributions, calibration) and the CSV/XLSX writers. No HTTP, no SQL.
package grading

import (
	"fmt"
	"math"
	"strconv"

	"crmlab/scenarios/cards"
)

// Error is a refused grade; Message is Chinese, for the instructor.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

// Choice is the level picked for one criterion (index into its levels, best first) and the
// criterion's comment. Points, when set, overrides the level with a number of points, and
// Reason says why the instructor departed from the automatic suggestion or typed points.
type Choice struct {
	Level   int      `json:"level"`
	Points  *float64 `json:"points,omitempty"`
	Comment string   `json:"comment,omitempty"`
	Reason  string   `json:"reason,omitempty"`
}

// MaxReason is the longest override reason, in characters.
const MaxReason = 200

// Result is a scored rubric.
type Result struct {
	Score float64 `json:"score"`
	Max   float64 `json:"max"`
}

// MaxComment is the longest comment per criterion and overall, in characters.
const MaxComment = 1000

// Score adds the points of the chosen levels. Every criterion needs a level that exists, or
// points between 0 and its maximum with a reason; an Auto criterion whose suggested level
// (from suggested, by criterion id) is not the one chosen also needs a reason. The total is
// computed here, never taken from the browser.
func Score(rubric []cards.Criterion, choices map[string]Choice, suggested map[string]int) (Result, error) {
	var r Result
	if len(rubric) == 0 {
		return r, &Error{"这项作业没有评分标准。"}
	}
	for _, c := range rubric {
		best := c.Max()
		r.Max += best
		ch, ok := choices[c.ID]
		if !ok {
			return Result{}, &Error{fmt.Sprintf("请为“%s”选择一个等级。", c.Label)}
		}
		if len([]rune(ch.Comment)) > MaxComment {
			return Result{}, &Error{fmt.Sprintf("“%s”的评语太长（最多 %d 字）。", c.Label, MaxComment)}
		}
		if len([]rune(ch.Reason)) > MaxReason {
			return Result{}, &Error{fmt.Sprintf("“%s”的改判原因太长（最多 %d 字）。", c.Label, MaxReason)}
		}
		if ch.Points != nil {
			p := *ch.Points
			if math.IsNaN(p) || p < 0 || p > best {
				return Result{}, &Error{fmt.Sprintf("“%s”的分数要在 0 到 %s 之间。", c.Label, trimFloat(best))}
			}
			if ch.Reason == "" {
				return Result{}, &Error{fmt.Sprintf("“%s”直接给分时，请写明原因。", c.Label)}
			}
			r.Score += p
			continue
		}
		if ch.Level < 0 || ch.Level >= len(c.Levels) {
			return Result{}, &Error{fmt.Sprintf("“%s”没有这个等级。", c.Label)}
		}
		if s, ok := suggested[c.ID]; ok && c.Auto && s >= 0 && s != ch.Level && ch.Reason == "" {
			return Result{}, &Error{fmt.Sprintf("“%s”没有采用自动评分建议的“%s”，请写明改判原因。", c.Label, c.Levels[s].Label)}
		}
		r.Score += c.Levels[ch.Level].Points
	}
	for id := range choices {
		if !hasCriterion(rubric, id) {
			return Result{}, &Error{fmt.Sprintf("评分标准里没有“%s”。", id)}
		}
	}
	return r, nil
}

func hasCriterion(rubric []cards.Criterion, id string) bool {
	for _, c := range rubric {
		if c.ID == id {
			return true
		}
	}
	return false
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
