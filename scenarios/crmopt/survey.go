package crmopt

import (
	"math"
	"slices"
	"strings"

	"crmlab/scenarios/cards"
)

// SurveyQuestion is one questionnaire question: the same type as an answer to card 4-7's
// questionnaire field, so a member's card can be sent as it is.
type SurveyQuestion = cards.Question

// Survey sample limits.
const (
	MinSample = 10
	MaxSample = 500
)

// SurveyResult is what a simulated survey sent to a sample of today's customers brings back.
type SurveyResult struct {
	Sample     int              `json:"sample"`
	Categories []CategoryResult `json:"categories"` // in the scenario's category order
	Comments   []CommentCount   `json:"comments,omitempty"`
	// Covered and Missing list the scenario's categories the questionnaire asks about or not.
	Covered []string `json:"covered"`
	Missing []string `json:"missing,omitempty"`
	// Revealed are the planted problems this survey brings to light (scenario order), with a
	// finding for each in Findings.
	Revealed []string `json:"revealed"`
	Findings []string `json:"findings,omitempty"`
	Ignored  int      `json:"ignored,omitempty"` // questions in categories the scenario does not know
}

// CategoryResult is one category's answers on the five-point scale (1 very dissatisfied …
// 5 very satisfied).
type CategoryResult struct {
	Name      string         `json:"name"`
	Questions int            `json:"questions"` // closed questions asked
	Open      int            `json:"open"`      // open questions asked
	Answers   int            `json:"answers"`
	Mean      float64        `json:"mean"`
	Counts    [5]int         `json:"counts"` // answers 1 … 5
	ByClass   []ClassAverage `json:"by_class,omitempty"`
}

// ClassAverage is one customer class's mean answer.
type ClassAverage struct {
	Class   string  `json:"class"`
	Answers int     `json:"answers"`
	Mean    float64 `json:"mean"`
}

// CommentCount is one comment and how many respondents wrote it.
type CommentCount struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// Survey sends questions (nil: the scenario's default questionnaire) to sample of today's
// customers (clamped to MinSample … MaxSample) and simulates their answers. A respondent's
// hidden score for a category is Σ weight × KPI score + the class's base, plus the
// respondent's mood and each answer's noise; the five-point answer is 1 + score/20 rounded
// down (at most 5). Open questions bring comments: each commenting respondent writes about
// the planted problem that hurts them most. A planted problem is revealed when a closed
// question asks about one of its categories, or when at least 15 % (and 3) of the comments
// are about it. The same seed gives the same answers.
func Survey(sc *Scenario, questions []SurveyQuestion, sample int, seed uint64) SurveyResult {
	if questions == nil {
		questions = sc.Survey.DefaultQuestions
	}
	sample = max(MinSample, min(MaxSample, sample))
	m := compile(sc)
	months, _ := m.history()
	now := months[len(months)-1]
	score := make([]float64, m.nK)
	for _, k := range m.drivers {
		score[k] = m.score(k, now.KPIs[k].Value)
	}
	cfg := &sc.Survey
	catIdx := map[string]int{}
	for i, c := range cfg.Categories {
		catIdx[c.Name] = i
	}
	// hidden[c][class] is the class's score for category c.
	hidden := make([][]float64, len(cfg.Categories))
	for i, c := range cfg.Categories {
		hidden[i] = make([]float64, m.nC)
		for cl := 0; cl < m.nC; cl++ {
			v := c.Base[sc.Classes[cl].ID]
			for _, k := range sortedKeys(c.KPIs) {
				v += c.KPIs[k] * score[m.kIdx[k]]
			}
			hidden[i][cl] = v
		}
	}
	res := SurveyResult{Sample: sample}
	closed := make([]int, len(cfg.Categories))
	open := make([]int, len(cfg.Categories))
	anyOpen := false
	for _, q := range questions {
		i, ok := catIdx[strings.TrimSpace(q.Category)]
		if !ok {
			res.Ignored++
			continue
		}
		if q.Format == cards.FormatOpen || cfg.Categories[i].Open {
			open[i]++
			anyOpen = true
		} else {
			closed[i]++
		}
	}
	// Respondents per class, in proportion to today's customers (at least one of each class
	// with customers when the sample allows).
	counts := make([]float64, m.nC)
	for _, g := range now.Groups {
		counts[slices.IndexFunc(sc.Classes, func(c Class) bool { return c.ID == g.Class })] += float64(g.Customers)
	}
	perClass := apportion(counts, sample)

	r := newRNG(seed, streamSurvey, hashID(sc.ID))
	type catAcc struct {
		sum    float64
		n      int
		counts [5]int
		cls    []float64
		clsN   []int
	}
	acc := make([]catAcc, len(cfg.Categories))
	for i := range acc {
		acc[i].cls = make([]float64, m.nC)
		acc[i].clsN = make([]int, m.nC)
	}
	commentN := make([]int, len(sc.Problems))
	commentText := map[string]int{}
	totalComments := 0
	for cl := 0; cl < m.nC; cl++ {
		for range perClass[cl] {
			mood := cfg.PersonNoise * r.normal()
			for i := range cfg.Categories {
				for range closed[i] {
					latent := hidden[i][cl] + mood + cfg.QuestionNoise*r.normal()
					a := int(math.Floor(1 + latent/20))
					a = max(1, min(5, a))
					acc[i].sum += float64(a)
					acc[i].n++
					acc[i].counts[a-1]++
					acc[i].cls[cl] += float64(a)
					acc[i].clsN[cl]++
				}
			}
			if anyOpen && len(sc.Problems) > 0 && r.float() < cfg.CommentRate {
				// The problem that hurts this respondent most.
				best, bestPain := 0, math.Inf(-1)
				for p, pr := range sc.Problems {
					pain := 0.0
					for _, c := range pr.Categories {
						pain = math.Max(pain, 100-hidden[catIdx[c]][cl])
					}
					pain += cfg.QuestionNoise * r.normal()
					if pain > bestPain {
						best, bestPain = p, pain
					}
				}
				pr := &sc.Problems[best]
				commentN[best]++
				totalComments++
				commentText[pr.Comments[r.intn(len(pr.Comments))]]++
			}
		}
	}
	for i, c := range cfg.Categories {
		cr := CategoryResult{Name: c.Name, Questions: closed[i], Open: open[i], Answers: acc[i].n, Counts: acc[i].counts}
		if acc[i].n > 0 {
			cr.Mean = acc[i].sum / float64(acc[i].n)
			for cl := 0; cl < m.nC; cl++ {
				if acc[i].clsN[cl] > 0 {
					cr.ByClass = append(cr.ByClass, ClassAverage{Class: sc.Classes[cl].ID, Answers: acc[i].clsN[cl], Mean: acc[i].cls[cl] / float64(acc[i].clsN[cl])})
				}
			}
		}
		res.Categories = append(res.Categories, cr)
		if closed[i]+open[i] > 0 {
			res.Covered = append(res.Covered, c.Name)
		} else {
			res.Missing = append(res.Missing, c.Name)
		}
	}
	for _, text := range sortedKeys(commentText) {
		res.Comments = append(res.Comments, CommentCount{Text: text, Count: commentText[text]})
	}
	slices.SortStableFunc(res.Comments, func(a, b CommentCount) int { return b.Count - a.Count })
	for p, pr := range sc.Problems {
		revealed := false
		for _, c := range pr.Categories {
			if closed[catIdx[c]] > 0 {
				revealed = true
			}
		}
		if commentN[p] >= 3 && float64(commentN[p]) >= 0.15*float64(totalComments) {
			revealed = true
		}
		if revealed {
			res.Revealed = append(res.Revealed, pr.ID)
			if pr.SurveyHint != "" {
				res.Findings = append(res.Findings, pr.SurveyHint)
			}
		}
	}
	return res
}

// apportion splits n in proportion to weights (largest remainder, ties to the first), then
// gives every class with weight one respondent taken from the largest share, when n allows.
func apportion(weights []float64, n int) []int {
	out := make([]int, len(weights))
	total := 0.0
	for _, w := range weights {
		total += w
	}
	if total <= 0 || n <= 0 {
		return out
	}
	given := 0
	rem := make([]float64, len(weights))
	for i, w := range weights {
		exact := w / total * float64(n)
		out[i] = int(math.Floor(exact))
		rem[i] = exact - float64(out[i])
		given += out[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for i := 0; given < n; i++ {
		out[order[i%len(order)]]++
		given++
	}
	for i, w := range weights {
		if w > 0 && out[i] == 0 {
			big := 0
			for j := range out {
				if out[j] > out[big] {
					big = j
				}
			}
			if out[big] > 1 {
				out[big]--
				out[i]++
			}
		}
	}
	return out
}

// ScoreProblems scores a team's problem list (step 1's deliverable) against the planted
// problems: an entry matches a problem when it is the problem's id, contains its title or
// any of its keywords (case and spaces ignored). Score is the share of planted problems
// found, 0–100; matched lists their ids in scenario order.
func ScoreProblems(sc *Scenario, found []string) (score float64, matched []string) {
	if len(sc.Problems) == 0 {
		return 0, nil
	}
	norm := func(s string) string {
		return strings.ToLower(strings.Join(strings.Fields(s), ""))
	}
	var entries []string
	for _, f := range found {
		if n := norm(f); n != "" {
			entries = append(entries, n)
		}
	}
	for _, p := range sc.Problems {
		hit := false
		for _, e := range entries {
			if e == norm(p.ID) || strings.Contains(e, norm(p.Title)) {
				hit = true
			}
			for _, kw := range p.Keywords {
				if k := norm(kw); k != "" && strings.Contains(e, k) {
					hit = true
				}
			}
		}
		if hit {
			matched = append(matched, p.ID)
		}
	}
	return math.Round(1000*float64(len(matched))/float64(len(sc.Problems))) / 10, matched
}
