package grading

import (
	"math"
	"slices"
	"sort"
)

// Stats summarises a set of scores (usually percentages).
type Stats struct {
	N                int
	Mean, SD         float64
	Min, Median, Max float64
}

// Summarize computes the count, mean, sample standard deviation (0 for fewer than two),
// minimum, median and maximum.
func Summarize(values []float64) Stats {
	st := Stats{N: len(values)}
	if st.N == 0 {
		return st
	}
	v := slices.Clone(values)
	slices.Sort(v)
	st.Min, st.Max = v[0], v[len(v)-1]
	if st.N%2 == 1 {
		st.Median = v[st.N/2]
	} else {
		st.Median = (v[st.N/2-1] + v[st.N/2]) / 2
	}
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	st.Mean = sum / float64(st.N)
	if st.N > 1 {
		ss := 0.0
		for _, x := range v {
			ss += (x - st.Mean) * (x - st.Mean)
		}
		st.SD = math.Sqrt(ss / float64(st.N-1))
	}
	return st
}

// Bins is how many equal bands Histogram cuts 0–100 into.
const Bins = 10

// Histogram counts percentages in ten bands of 10 points: [0,10), [10,20) … [90,100]
// (100 falls in the last band; values outside 0–100 are clamped into the end bands).
func Histogram(percents []float64) [Bins]int {
	var h [Bins]int
	for _, p := range percents {
		i := int(math.Floor(p / (100 / Bins)))
		h[min(max(i, 0), Bins-1)]++
	}
	return h
}

// BinLabels name Histogram's bands.
var BinLabels = [Bins]string{"0–9", "10–19", "20–29", "30–39", "40–49", "50–59", "60–69", "70–79", "80–89", "90–100"}

// Calibration is one instructor's marking of one rubric compared with every instructor's.
type Calibration struct {
	Instructor string
	Stats
	Offset float64 // this instructor's mean minus the mean of all grades
}

// Calibrate compares instructors who graded the same rubric: each one's mean and spread,
// and how far their mean sits from the mean of every grade. Sorted by instructor.
func Calibrate(byInstructor map[string][]float64) []Calibration {
	var all []float64
	names := make([]string, 0, len(byInstructor))
	for name, v := range byInstructor {
		names = append(names, name)
		all = append(all, v...)
	}
	sort.Strings(names)
	overall := Summarize(all).Mean
	out := make([]Calibration, 0, len(names))
	for _, name := range names {
		st := Summarize(byInstructor[name])
		out = append(out, Calibration{Instructor: name, Stats: st, Offset: st.Mean - overall})
	}
	return out
}

// ItemGap is one item of a self-scoring sheet over many students: the mean self-score, the
// mean instructor score, the mean gap (self − instructor) and how many gaps were flagged.
type ItemGap struct {
	Item, Label        string
	Max                int
	N                  int
	MeanSelf, MeanInst float64
	MeanGap            float64
	Flagged            int
}

// GapSummary aggregates many students' Gaps item by item, in the order of the first.
func GapSummary(students [][]Gap) []ItemGap {
	var out []ItemGap
	index := map[string]int{}
	for _, gaps := range students {
		for _, g := range gaps {
			i, ok := index[g.Item]
			if !ok {
				i = len(out)
				index[g.Item] = i
				out = append(out, ItemGap{Item: g.Item, Label: g.Label, Max: g.Max})
			}
			ig := &out[i]
			ig.N++
			ig.MeanSelf += float64(g.Self)
			ig.MeanInst += float64(g.Instructor)
			if g.Flag {
				ig.Flagged++
			}
		}
	}
	for i := range out {
		n := float64(out[i].N)
		out[i].MeanSelf /= n
		out[i].MeanInst /= n
		out[i].MeanGap = out[i].MeanSelf - out[i].MeanInst
	}
	return out
}
