package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"crmlab/grading"
	"crmlab/scenarios/cards"
	"crmlab/scenarios/selfscore"
	"crmlab/server/store"
)

// The trainer's review across every class: how scores spread per activity and per rubric
// criterion, where students' self-assessment and instructors' judgement part (sheet 4-16),
// and whether instructors mark the same rubric alike. Read only.

// reviewItem is one piece of graded work (a card, the simulation, a sheet) across classes.
type reviewItem struct {
	Key, Title, Kind string
	Classes          int
	Stats            grading.Stats
}

// classStats is one class's line of an item's detail.
type classStats struct {
	ClassID   int64
	ClassName string
	Activity  int64
	grading.Stats
	Criteria []float64 // mean % of each criterion's maximum, in rubric order (NaN: none)
}

// gradedSub is one graded submission in the drill-down list.
type gradedSub struct {
	URL, Class, Owner, GradedBy string
	Percent                     float64
}

type reviewPage struct {
	Items       []reviewItem
	Selected    string
	Item        *reviewItem
	Criteria    []cards.Criterion
	PerClass    []classStats
	Calibration []grading.Calibration
	Subs        []gradedSub
	HistJSON    string // grouped bars: one series per class over the ten bands
	CritJSON    string // grouped bars: one series per class over the criteria
	Gaps        []grading.ItemGap
	GapJSON     string
	GapClasses  []classGaps
	Classes     []store.Class
}

type classGaps struct {
	ClassName string
	Gaps      []grading.ItemGap
}

// barChart is what static/js/review.js draws: categories on x, one bar series each.
type barChart struct {
	Title  string      `json:"title"`
	Labels []string    `json:"labels"`
	Series []barSeries `json:"series"`
	Max    float64     `json:"max,omitempty"`
}

type barSeries struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

func chartJSON(b barChart) string {
	out, _ := json.Marshal(b)
	return string(out)
}

func pctOf(score, max float64) float64 {
	if max <= 0 {
		return 0
	}
	return 100 * score / max
}

func (s *Server) showReview(c echo.Context) error {
	ctx := c.Request().Context()
	facts, err := s.store.AllGrades(ctx, 0)
	if err != nil {
		return storeErr(err)
	}
	page := reviewPage{Selected: c.QueryParam("item")}
	if page.Classes, err = s.store.AllClasses(ctx); err != nil {
		return storeErr(err)
	}
	lib, _ := s.content.Current()
	owners, err := s.ownerNames(c, facts)
	if err != nil {
		return err
	}

	// Items, and every class's percentages per item.
	byItem := map[string][]store.GradeFact{}
	for _, f := range facts {
		key := f.Kind + ":" + f.ContentID
		byItem[key] = append(byItem[key], f)
	}
	for key, fs := range byItem {
		item := reviewItem{Key: key, Title: fs[0].Title, Kind: fs[0].Kind}
		classes := map[int64]bool{}
		var pcts []float64
		for _, f := range fs {
			classes[f.ClassID] = true
			pcts = append(pcts, pctOf(f.Score, f.Max))
		}
		item.Classes, item.Stats = len(classes), grading.Summarize(pcts)
		page.Items = append(page.Items, item)
	}
	sort.Slice(page.Items, func(i, j int) bool { return page.Items[i].Key < page.Items[j].Key })

	// Sheet 4-16 (every self-scoring sheet): self against instructor, item by item.
	var allGaps [][]grading.Gap
	gapsByClass := map[string][][]grading.Gap{}
	var classOrder []string
	for _, f := range facts {
		sh, ok := lib.Sheet(f.ContentID)
		if f.Kind != "sheet" || !ok || !f.SelfResult.Valid {
			continue
		}
		var self selfscore.Entry
		inst := map[string]int{}
		if json.Unmarshal([]byte(f.SelfResult.String), &self) != nil || json.Unmarshal([]byte(f.Choices), &inst) != nil {
			continue
		}
		g := grading.Gaps(sh.Sheet, self.Scores, inst)
		allGaps = append(allGaps, g)
		if _, seen := gapsByClass[f.ClassName]; !seen {
			classOrder = append(classOrder, f.ClassName)
		}
		gapsByClass[f.ClassName] = append(gapsByClass[f.ClassName], g)
	}
	if len(allGaps) > 0 {
		page.Gaps = grading.GapSummary(allGaps)
		chart := barChart{Title: "自评与教师评分（各项平均分）"}
		self, inst := barSeries{Name: "学生自评"}, barSeries{Name: "教师评分"}
		for _, g := range page.Gaps {
			chart.Labels = append(chart.Labels, fmt.Sprintf("%s（满分 %d）", g.Label, g.Max))
			self.Values = append(self.Values, round1(g.MeanSelf))
			inst.Values = append(inst.Values, round1(g.MeanInst))
		}
		chart.Series = []barSeries{self, inst}
		page.GapJSON = chartJSON(chart)
		for _, name := range classOrder {
			page.GapClasses = append(page.GapClasses, classGaps{ClassName: name, Gaps: grading.GapSummary(gapsByClass[name])})
		}
	}

	fs, ok := byItem[page.Selected]
	if !ok {
		return s.render(c, http.StatusOK, "review", "成绩分析", page)
	}
	for i := range page.Items {
		if page.Items[i].Key == page.Selected {
			page.Item = &page.Items[i]
		}
	}
	kind, contentID, _ := strings.Cut(page.Selected, ":")
	if w, ok := s.workFor(lib, kind, contentID); ok {
		page.Criteria = w.rubric()
	}
	perClass := map[int64]*classStats{}
	pcts := map[int64][]float64{}
	crit := map[int64][][]float64{} // class → criterion → percentages
	byInstructor := map[string][]float64{}
	var classIDs []int64
	for _, f := range fs {
		cs := perClass[f.ClassID]
		if cs == nil {
			cs = &classStats{ClassID: f.ClassID, ClassName: f.ClassName, Activity: f.ActivityID}
			perClass[f.ClassID] = cs
			classIDs = append(classIDs, f.ClassID)
			crit[f.ClassID] = make([][]float64, len(page.Criteria))
		}
		p := pctOf(f.Score, f.Max)
		pcts[f.ClassID] = append(pcts[f.ClassID], p)
		byInstructor[f.GradedBy] = append(byInstructor[f.GradedBy], p)
		var choices map[string]grading.Choice
		if json.Unmarshal([]byte(f.Choices), &choices) == nil {
			for i, cr := range page.Criteria {
				ch, ok := choices[cr.ID]
				switch {
				case !ok:
				case ch.Points != nil:
					crit[f.ClassID][i] = append(crit[f.ClassID][i], pctOf(*ch.Points, cr.Max()))
				case ch.Level >= 0 && ch.Level < len(cr.Levels):
					crit[f.ClassID][i] = append(crit[f.ClassID][i], pctOf(cr.Levels[ch.Level].Points, cr.Max()))
				}
			}
		}
		page.Subs = append(page.Subs, gradedSub{
			URL:   fmt.Sprintf("/classes/%d/activities/%d/submissions/%d", f.ClassID, f.ActivityID, f.SubmissionID),
			Class: f.ClassName, Owner: owners[f.SubmissionID], GradedBy: f.GradedBy, Percent: round1(p),
		})
	}
	hist := barChart{Title: "得分分布（人数，按得分率分段）"}
	hist.Labels = grading.BinLabels[:]
	critChart := barChart{Title: "各评分项的平均得分率（%）", Max: 100}
	for _, cr := range page.Criteria {
		critChart.Labels = append(critChart.Labels, cr.Label)
	}
	for _, id := range classIDs {
		cs := perClass[id]
		cs.Stats = grading.Summarize(pcts[id])
		h := grading.Histogram(pcts[id])
		series := barSeries{Name: cs.ClassName}
		for _, n := range h {
			series.Values = append(series.Values, float64(n))
		}
		hist.Series = append(hist.Series, series)
		cseries := barSeries{Name: cs.ClassName}
		for _, v := range crit[id] {
			m := math.NaN()
			if len(v) > 0 {
				m = round1(grading.Summarize(v).Mean)
			}
			cs.Criteria = append(cs.Criteria, m)
			cseries.Values = append(cseries.Values, zeroNaN(m))
		}
		critChart.Series = append(critChart.Series, cseries)
		page.PerClass = append(page.PerClass, *cs)
	}
	page.HistJSON = chartJSON(hist)
	if len(page.Criteria) > 0 {
		page.CritJSON = chartJSON(critChart)
	}
	page.Calibration = grading.Calibrate(byInstructor)
	return s.render(c, http.StatusOK, "review", "成绩分析", page)
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func zeroNaN(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return f
}

// ownerNames names the student or group of each graded submission.
func (s *Server) ownerNames(c echo.Context, facts []store.GradeFact) (map[int64]string, error) {
	ctx := c.Request().Context()
	users, groups := map[int64]string{}, map[int64]string{}
	seen := map[int64]bool{}
	for _, f := range facts {
		if seen[f.ClassID] {
			continue
		}
		seen[f.ClassID] = true
		members, err := s.store.Members(ctx, f.ClassID)
		if err != nil {
			return nil, storeErr(err)
		}
		for _, m := range members {
			users[m.UserID] = m.Name + "（" + m.StudentNo + "）"
		}
		gs, err := s.store.Groups(ctx, f.ClassID)
		if err != nil {
			return nil, storeErr(err)
		}
		for _, g := range gs {
			groups[g.ID] = g.Name
		}
	}
	out := map[int64]string{}
	for _, f := range facts {
		if f.Owner.GroupID != 0 {
			out[f.SubmissionID] = groups[f.Owner.GroupID]
		} else {
			out[f.SubmissionID] = users[f.Owner.UserID]
		}
	}
	return out, nil
}

// exportAll writes every class's gradebook: one XLSX sheet per class, or one CSV with the
// class as the first column.
func (s *Server) exportAll(c echo.Context) error {
	classes, err := s.store.AllClasses(c.Request().Context())
	if err != nil {
		return storeErr(err)
	}
	csvOut := strings.HasSuffix(c.Path(), ".csv")
	var sheets []grading.Sheet
	for i := range classes {
		cls := &classes[i]
		cols, rows, err := s.gradebook(c, cls)
		if err != nil {
			return err
		}
		table := grading.Table(cols, rows)
		if csvOut {
			// Classes assign different activities, so each class keeps its own header row.
			for r := range table {
				label := cls.Name
				if r == 0 {
					label = "班级"
				}
				table[r] = append([]string{label}, table[r]...)
			}
		}
		name := cls.Name
		if cls.Term != "" {
			name += " " + cls.Term
		}
		sheets = append(sheets, grading.Sheet{Name: fmt.Sprintf("%d %s", cls.ID, name), Rows: table})
	}
	if len(sheets) == 0 {
		sheets = []grading.Sheet{{Name: "成绩册", Rows: [][]string{{"还没有班级"}}}}
	}
	return sendTables(c, "gradebook-all-classes", sheets)
}
