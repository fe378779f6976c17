package grading

import (
	"fmt"
	"math"
)

// Column is one activity of a gradebook with its weight in the total.
type Column struct {
	ID     int64
	Title  string
	Weight float64 // share of the total, in per cent
}

// Cell is one student's result on one activity.
type Cell struct {
	Score, Max float64
	Graded     bool // an instructor grade (or an auto-grade) exists
	Late       bool
	Missing    bool // nothing submitted
}

// Percent is the cell's score as a percentage of its maximum (0 when ungraded).
func (c Cell) Percent() float64 {
	if !c.Graded || c.Max <= 0 {
		return 0
	}
	return 100 * c.Score / c.Max
}

// Row is one student's line.
type Row struct {
	StudentNo, Name string
	Cells           []Cell // in column order
	Total           float64
}

// CheckWeights refuses weights that are negative or do not sum to 100, saying what they sum
// to, so the instructor can fix them.
func CheckWeights(cols []Column) error {
	sum := 0.0
	for _, c := range cols {
		if math.IsNaN(c.Weight) || math.IsInf(c.Weight, 0) {
			// strconv.ParseFloat reads "NaN" and "Inf"; NaN would pass the sum check below.
			return &Error{fmt.Sprintf("“%s”的权重请填数字。", c.Title)}
		}
		if c.Weight < 0 {
			return &Error{fmt.Sprintf("“%s”的权重不能为负数。", c.Title)}
		}
		sum += c.Weight
	}
	if len(cols) > 0 && math.Abs(sum-100) > 0.01 {
		return &Error{fmt.Sprintf("权重加起来是 %.1f%%，需要正好 100%%。", sum)}
	}
	return nil
}

// Totals fills each row's weighted total (0–100): an ungraded or missing activity counts 0,
// as the instructor would count a missing piece of work.
func Totals(cols []Column, rows []Row) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		r.Total = 0
		for j, c := range cols {
			if j < len(r.Cells) {
				r.Total += c.Weight / 100 * r.Cells[j].Percent()
			}
		}
		r.Total = math.Round(r.Total*10) / 10
		out[i] = r
	}
	return out
}
