package grading

import (
	"fmt"
	"math"

	"crmlab/scenarios/selfscore"
)

// GapShare is how far a student's self-score may be from the instructor's before it is
// flagged: a quarter of the item's maximum.
const GapShare = 0.25

// Gap compares one item of a self-scoring sheet.
type Gap struct {
	Item       string
	Label      string
	Max        int
	Self       int
	Instructor int
	Flag       bool // they differ by GapShare of the maximum or more
}

// CheckInstructorScores refuses an instructor's item scores that are missing or outside
// 0..max; it returns the total.
func CheckInstructorScores(sh *selfscore.Sheet, scores map[string]int) (int, error) {
	total := 0
	for _, it := range sh.Items {
		v, ok := scores[it.ID]
		if !ok {
			return 0, &Error{fmt.Sprintf("请给“%s”打分。", it.Label)}
		}
		if v < 0 || v > it.Max {
			return 0, &Error{fmt.Sprintf("“%s”的得分必须是 0 到 %d 之间的整数。", it.Label, it.Max)}
		}
		total += v
	}
	return total, nil
}

// Gaps sets a student's self-scores beside the instructor's, item by item.
func Gaps(sh *selfscore.Sheet, self, instructor map[string]int) []Gap {
	out := make([]Gap, 0, len(sh.Items))
	for _, it := range sh.Items {
		g := Gap{Item: it.ID, Label: it.Label, Max: it.Max, Self: self[it.ID], Instructor: instructor[it.ID]}
		g.Flag = math.Abs(float64(g.Self-g.Instructor)) >= GapShare*float64(it.Max)
		out = append(out, g)
	}
	return out
}
