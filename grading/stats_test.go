package grading

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestSummarize(t *testing.T) {
	st := Summarize([]float64{90, 70, 80, 60})
	if st.N != 4 || st.Mean != 75 || st.Median != 75 || st.Min != 60 || st.Max != 90 || !near(st.SD, math.Sqrt(500.0/3)) {
		t.Fatalf("%+v", st)
	}
	if st := Summarize([]float64{42}); st.Median != 42 || st.SD != 0 {
		t.Fatalf("one value: %+v", st)
	}
	if st := Summarize(nil); st.N != 0 || st.Mean != 0 {
		t.Fatalf("none: %+v", st)
	}
	if st := Summarize([]float64{3, 1, 2}); st.Median != 2 {
		t.Fatalf("odd count median: %+v", st)
	}
}

func TestHistogram(t *testing.T) {
	h := Histogram([]float64{0, 9.99, 10, 55, 89.9, 90, 100, -5, 120})
	want := [Bins]int{3, 1, 0, 0, 0, 1, 0, 0, 1, 3}
	if h != want {
		t.Fatalf("got %v, want %v", h, want)
	}
}

func TestCalibrate(t *testing.T) {
	cal := Calibrate(map[string][]float64{"王老师": {80, 90}, "李老师": {60, 70, 65, 65}})
	if len(cal) != 2 || cal[0].Instructor != "李老师" || cal[1].Instructor != "王老师" {
		t.Fatalf("%+v", cal)
	}
	// all six grades average 71.67; 李老师 65 → −6.67, 王老师 85 → +13.33
	if !near(cal[0].Offset, 65-430.0/6) || !near(cal[1].Offset, 85-430.0/6) || cal[1].N != 2 {
		t.Fatalf("%+v", cal)
	}
}

func TestGapSummary(t *testing.T) {
	a := []Gap{{Item: "progress", Label: "进度", Max: 20, Self: 20, Instructor: 15, Flag: true}, {Item: "cost", Label: "成本", Max: 20, Self: 18, Instructor: 17}}
	b := []Gap{{Item: "progress", Label: "进度", Max: 20, Self: 16, Instructor: 17}, {Item: "cost", Label: "成本", Max: 20, Self: 10, Instructor: 16, Flag: true}}
	got := GapSummary([][]Gap{a, b})
	if len(got) != 2 || got[0].Item != "progress" || got[0].N != 2 || got[0].MeanSelf != 18 || got[0].MeanInst != 16 || got[0].MeanGap != 2 || got[0].Flagged != 1 {
		t.Fatalf("%+v", got)
	}
	if got[1].MeanGap != -2.5 || got[1].Flagged != 1 {
		t.Fatalf("%+v", got[1])
	}
}
