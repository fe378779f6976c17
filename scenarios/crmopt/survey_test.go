package crmopt

import (
	"slices"
	"testing"

	"crmlab/scenarios/cards"
)

// fullQuestionnaire asks n closed questions in every closed category and one open question,
// like a good card 4-7 answer.
func fullQuestionnaire(sc *Scenario, n int) []SurveyQuestion {
	var qs []SurveyQuestion
	for _, c := range sc.Survey.Categories {
		if c.Open {
			qs = append(qs, SurveyQuestion{Text: "您还有什么建议？", Category: c.Name, Format: cards.FormatOpen})
			continue
		}
		for i := 0; i < n; i++ {
			qs = append(qs, SurveyQuestion{Text: "您对" + c.Name + "是否满意？", Category: c.Name, Format: cards.FormatLikert5})
		}
	}
	return qs
}

func TestSurvey(t *testing.T) {
	sc := scenario(t)
	closedOnly := fullQuestionnaire(sc, 1)
	closedOnly = closedOnly[:len(closedOnly)-1]
	cases := []struct {
		name         string
		questions    []SurveyQuestion
		sample       int
		minRevealed  int
		maxRevealed  int
		wantComments bool
	}{
		{"default questionnaire", nil, 100, 1, len(sc.Problems) - 1, true},
		{"full card 4-7 questionnaire", fullQuestionnaire(sc, 2), 100, len(sc.Problems), len(sc.Problems), true},
		{"closed questions only", closedOnly, 100, len(sc.Problems), len(sc.Problems), false},
		{"one category, no open question", []SurveyQuestion{{Text: "投诉处理快吗？", Category: "投诉处理效率", Format: cards.FormatLikert5}}, 50, 1, 1, false},
		{"unknown categories only", []SurveyQuestion{{Text: "天气好吗？", Category: "天气", Format: cards.FormatLikert5}}, 50, 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := Survey(sc, c.questions, c.sample, 99)
			if jsonOf(t, a) != jsonOf(t, Survey(sc, c.questions, c.sample, 99)) {
				t.Fatal("same seed, different answers")
			}
			if n := len(a.Revealed); n < c.minRevealed || n > c.maxRevealed {
				t.Errorf("revealed %v, want %d–%d", a.Revealed, c.minRevealed, c.maxRevealed)
			}
			if (len(a.Comments) > 0) != c.wantComments {
				t.Errorf("comments %v", a.Comments)
			}
			if len(a.Covered)+len(a.Missing) != len(sc.Survey.Categories) {
				t.Errorf("covered %v missing %v", a.Covered, a.Missing)
			}
			for _, cr := range a.Categories {
				total := 0
				for _, n := range cr.Counts {
					total += n
				}
				if total != cr.Answers || cr.Answers != cr.Questions*a.Sample {
					t.Errorf("%s: %d answers, counts sum %d, %d questions × %d", cr.Name, cr.Answers, total, cr.Questions, a.Sample)
				}
				if cr.Answers > 0 && (cr.Mean < 1 || cr.Mean > 5) {
					t.Errorf("%s: mean %v", cr.Name, cr.Mean)
				}
			}
			for _, f := range a.Findings {
				if !hasHan(f) {
					t.Errorf("finding %q", f)
				}
			}
		})
	}
	// Covering more categories reveals at least as much.
	def := Survey(sc, nil, 100, 5)
	full := Survey(sc, fullQuestionnaire(sc, 1), 100, 5)
	for _, id := range def.Revealed {
		if !slices.Contains(full.Revealed, id) {
			t.Errorf("%s revealed by the default questionnaire but not by the full one", id)
		}
	}
	if len(full.Revealed) <= len(def.Revealed) {
		t.Errorf("full questionnaire reveals %v, default %v", full.Revealed, def.Revealed)
	}
	// The sample is clamped; another seed gives other answers.
	if s := Survey(sc, nil, 3, 1).Sample; s != MinSample {
		t.Errorf("sample 3 → %d", s)
	}
	if s := Survey(sc, nil, 1e6, 1).Sample; s != MaxSample {
		t.Errorf("sample 1e6 → %d", s)
	}
	if jsonOf(t, Survey(sc, nil, 100, 1)) == jsonOf(t, Survey(sc, nil, 100, 2)) {
		t.Error("another seed gives the same answers")
	}
	// The weakest categories in the model are the weakest in the answers.
	cat := map[string]float64{}
	for _, c := range full.Categories {
		cat[c.Name] = c.Mean
	}
	if cat["服务态度"] >= cat["服务质量"] || cat["定制化服务"] >= cat["服务质量"] {
		t.Errorf("category means %v", cat)
	}
}

func TestApportion(t *testing.T) {
	cases := []struct {
		weights []float64
		n       int
		want    []int
	}{
		{[]float64{20, 200, 880}, 100, []int{2, 18, 80}},
		{[]float64{20, 200, 880}, 10, []int{1, 2, 7}},
		{[]float64{1, 0, 1}, 3, []int{2, 0, 1}},
		{[]float64{0, 0}, 5, []int{0, 0}},
	}
	for _, c := range cases {
		got := apportion(c.weights, c.n)
		if !slices.Equal(got, c.want) {
			t.Errorf("apportion(%v, %d) = %v, want %v", c.weights, c.n, got, c.want)
		}
	}
}

func TestScoreProblems(t *testing.T) {
	sc := scenario(t)
	cases := []struct {
		name  string
		found []string
		want  []string
	}{
		{"nothing", nil, nil},
		{"blank lines", []string{"", "  "}, nil},
		{"ids", []string{"crm-delay", "feedback-slow"}, []string{"crm-delay", "feedback-slow"}},
		{"free text by keywords", []string{"客户信息更新不及时，CRM 和 TMS 不同步", "投诉处理慢，没有工单", "各网点服务标准不统一"},
			[]string{"crm-delay", "feedback-slow", "standard-uneven"}},
		{"one entry naming two problems", []string{"货损高，大客户没有专人对接"}, []string{"damage-high", "no-key-account"}},
		{"title with different spacing", []string{"在途信息和费用 不透明"}, []string{"tracking-opaque"}},
		{"unrelated text", []string{"员工食堂饭菜不好吃"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			score, matched := ScoreProblems(sc, c.found)
			if !slices.Equal(matched, c.want) {
				t.Errorf("matched %v, want %v", matched, c.want)
			}
			want := float64(int(1000*float64(len(c.want))/float64(len(sc.Problems))+0.5)) / 10
			if score != want {
				t.Errorf("score %v, want %v", score, want)
			}
		})
	}
	all := []string{}
	for _, p := range sc.Problems {
		all = append(all, p.Title)
	}
	if score, _ := ScoreProblems(sc, all); score != 100 {
		t.Errorf("all titles score %v", score)
	}
}
