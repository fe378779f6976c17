package grading

import (
	"fmt"
	"math"
)

// Adjustment moves one member of a group away from the group's score, for example after the
// cross-review or by the teamwork item of sheet 4-16.
type Adjustment struct {
	UserID int64   `json:"user_id"`
	Name   string  `json:"name"`
	Delta  float64 `json:"delta"`
	Reason string  `json:"reason,omitempty"`
}

// MemberScore is what one member of a group gets.
type MemberScore struct {
	UserID int64
	Name   string
	Score  float64
	Delta  float64
	Reason string
}

// Distribute gives every member the group's score plus their adjustment. An adjustment needs
// a reason and must keep the member's score within 0..max; members without one get the
// group's score.
func Distribute(score, max float64, members []Adjustment) ([]MemberScore, error) {
	out := make([]MemberScore, 0, len(members))
	for _, m := range members {
		if math.IsNaN(m.Delta) || math.IsInf(m.Delta, 0) {
			return nil, &Error{fmt.Sprintf("%s的调整分不是数字。", m.Name)}
		}
		if m.Delta != 0 && m.Reason == "" {
			return nil, &Error{fmt.Sprintf("请写明为什么调整%s的分数。", m.Name)}
		}
		if len([]rune(m.Reason)) > MaxReason {
			return nil, &Error{fmt.Sprintf("%s的调整原因太长（最多 %d 字）。", m.Name, MaxReason)}
		}
		s := score + m.Delta
		if s < 0 || s > max {
			return nil, &Error{fmt.Sprintf("%s调整后是 %s 分，超出了 0 到 %s 分。", m.Name, trimFloat(s), trimFloat(max))}
		}
		out = append(out, MemberScore{UserID: m.UserID, Name: m.Name, Score: s, Delta: m.Delta, Reason: m.Reason})
	}
	return out, nil
}
