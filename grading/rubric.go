// Package grading holds the pure rules of grading: scoring a rubric, and (to come) group
// distribution, gradebook totals, gap flags and exports. No HTTP, no SQL.
package grading

import (
	"fmt"
	"math"

	"crmlab/scenarios/cards"
)

// Error is a refused grade; Message is Chinese, for the instructor.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

// Choice is the level picked for one criterion (index into its levels, best first) and the
// criterion's comment.
type Choice struct {
	Level   int    `json:"level"`
	Comment string `json:"comment,omitempty"`
}

// Result is a scored rubric.
type Result struct {
	Score float64 `json:"score"`
	Max   float64 `json:"max"`
}

// MaxComment is the longest comment per criterion and overall, in characters.
const MaxComment = 1000

// Score adds the points of the chosen levels. Every criterion needs a level that exists;
// the total is computed here, never taken from the browser.
func Score(rubric []cards.Criterion, choices map[string]Choice) (Result, error) {
	var r Result
	if len(rubric) == 0 {
		return r, &Error{"这项作业没有评分标准。"}
	}
	for _, c := range rubric {
		best := 0.0
		for _, l := range c.Levels {
			best = math.Max(best, l.Points)
		}
		r.Max += best
		ch, ok := choices[c.ID]
		if !ok {
			return Result{}, &Error{fmt.Sprintf("请为“%s”选择一个等级。", c.Label)}
		}
		if ch.Level < 0 || ch.Level >= len(c.Levels) {
			return Result{}, &Error{fmt.Sprintf("“%s”没有这个等级。", c.Label)}
		}
		if len([]rune(ch.Comment)) > MaxComment {
			return Result{}, &Error{fmt.Sprintf("“%s”的评语太长（最多 %d 字）。", c.Label, MaxComment)}
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
