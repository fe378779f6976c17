package selfscore

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// sheet416 is 表 4-16, the self-scoring sheet after the CRM optimisation simulation.
const sheet416 = `id: sheet-4-16
title: 作业考核自我评分表（表 4-16）
assesses: sim-crmopt
intro: |
  按实际完成情况给自己打分，每一项都要有依据。
items:
  - id: progress
    label: 项目进度
    max: 20
    description: 完成模拟优化各阶段的程度
    evidence: [阶段成果, 小组进度表]
  - id: teamwork
    label: 团队合作
    max: 30
    description: 在小组中承担的任务和配合情况
    evidence: [分工表]
  - id: report
    label: 优化方案
    max: 50
    description: 方案的完整性和可行性
    evidence: [优化方案文本, 汇报 PPT, 教师点评]
reflection:
  label: 反思与改进
  max_length: 200
`

func mustParse(t *testing.T) *Sheet {
	t.Helper()
	s, problems := Parse([]byte(sheet416))
	if len(problems) > 0 {
		t.Fatalf("Parse: %v", problems)
	}
	return s
}

func TestParse(t *testing.T) {
	s := mustParse(t)
	if s.ID != "sheet-4-16" || s.Assesses != "sim-crmopt" || s.Intro == "" || len(s.Items) != 3 {
		t.Fatalf("%+v", s)
	}
	if s.Total() != 100 {
		t.Errorf("Total = %d", s.Total())
	}
	if s.Items[2].Max != 50 || len(s.Items[2].Evidence) != 3 || s.Reflection != (Reflection{Label: "反思与改进", MaxLength: 200}) {
		t.Errorf("%+v %+v", s.Items[2], s.Reflection)
	}
	noLength, problems := Parse([]byte(strings.Replace(sheet416, "  max_length: 200\n", "", 1)))
	if len(problems) > 0 || noLength.Reflection.MaxLength != DefaultReflectionMaxLength {
		t.Errorf("default reflection length: %v %v", noLength, problems)
	}
}

func TestParseProblems(t *testing.T) {
	repl := func(old, new string) string {
		if !strings.Contains(sheet416, old) {
			panic(old)
		}
		return strings.Replace(sheet416, old, new, 1)
	}
	cases := []struct {
		name   string
		src    string
		marker string // problem on the line containing marker; "" = line 0
		want   string
	}{
		{"unknown key", repl("    max: 20\n", "    max: 20\n    weight: 2\n"), "weight: 2", "未知的键“weight”"},
		{"missing max", repl("    max: 30\n", ""), "  - id: teamwork", "缺少满分 max"},
		{"max zero", repl("max: 20", "max: 0"), "max: 0", "1 到 1000 之间的整数"},
		{"duplicate item id", repl("  - id: teamwork", "  - id: progress"), "  - id: progress\n    label: 团队合作", "id“progress”重复"},
		{"too much evidence", repl("[分工表]", "[分工表, 会议记录, 聊天截图, 互评表, 照片]"), "[分工表, 会议记录", "应有 1 到 4 条，现在 5 条"},
		{"no evidence", repl("    evidence: [分工表]\n", ""), "  - id: teamwork", "应有 1 到 4 条，现在 0 条"},
		{"max not a number", repl("max: 20", "max: 二十"), "max: 二十", "应是整数"},
		{"bad assesses", repl("assesses: sim-crmopt", "assesses: Sim CRM"), "assesses: Sim CRM", "不是有效的活动 id"},
		{"missing title", repl("title: 作业考核自我评分表（表 4-16）\n", ""), "", "缺少标题"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, problems := Parse([]byte(tc.src))
			if s != nil {
				t.Error("sheet with problems is not nil")
			}
			wantLine := 0
			if tc.marker != "" {
				wantLine = strings.Count(tc.src[:strings.Index(tc.src, tc.marker)], "\n") + 1
			}
			for _, p := range problems {
				if strings.Contains(p.Message, tc.want) {
					if p.Line != wantLine {
						t.Errorf("%q on line %d, want %d", p.Message, p.Line, wantLine)
					}
					return
				}
			}
			t.Errorf("no problem containing %q in %v", tc.want, problems)
		})
	}
}

func TestFromForm(t *testing.T) {
	s := mustParse(t)
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	cases := []struct {
		name   string
		form   url.Values
		scores map[string]int
		sum    int
		errs   map[string]string // field → substring of its message
	}{
		{"honest scores", form("score.progress", "18", "score.teamwork", "25", "score.report", "40", "reflection", "方案的成本分析还不够。"),
			map[string]int{"progress": 18, "teamwork": 25, "report": 40}, 83, nil},
		{"full marks everywhere", form("score.progress", "20", "score.teamwork", "30", "score.report", "50"),
			map[string]int{"progress": 20, "teamwork": 30, "report": 50}, 100, nil},
		{"zero is a score", form("score.progress", "0", "score.teamwork", "0", "score.report", "0"),
			map[string]int{"progress": 0, "teamwork": 0, "report": 0}, 0, nil},
		{"phone keyboard full-width digits and spaces", form("score.progress", " １８ ", "score.teamwork", "25", "score.report", "40"),
			map[string]int{"progress": 18, "teamwork": 25, "report": 40}, 83, nil},
		{"score above max", form("score.progress", "25", "score.teamwork", "25", "score.report", "40"),
			map[string]int{"teamwork": 25, "report": 40}, 65, map[string]string{"progress": "“项目进度”的得分必须是 0 到 20 之间的整数"}},
		{"negative score", form("score.progress", "18", "score.teamwork", "-5", "score.report", "40"),
			map[string]int{"progress": 18, "report": 40}, 58, map[string]string{"teamwork": "“团队合作”的得分必须是 0 到 30 之间的整数"}},
		{"half points", form("score.progress", "15.5", "score.teamwork", "25", "score.report", "40"),
			map[string]int{"teamwork": 25, "report": 40}, 65, map[string]string{"progress": "必须是 0 到 20 之间的整数"}},
		{"words instead of a number", form("score.progress", "十八", "score.teamwork", "25", "score.report", "40"),
			map[string]int{"teamwork": 25, "report": 40}, 65, map[string]string{"progress": "必须是 0 到 20 之间的整数"}},
		{"an item left out", form("score.progress", "18", "score.report", "40"),
			map[string]int{"progress": 18, "report": 40}, 58, map[string]string{"teamwork": "请给“团队合作”打分"}},
		{"a forged total is ignored", form("score.progress", "10", "score.teamwork", "10", "score.report", "10", "total", "100", "score.total", "100", "score.bonus", "20"),
			map[string]int{"progress": 10, "teamwork": 10, "report": 10}, 30, nil},
		{"reflection too long", form("score.progress", "10", "score.teamwork", "10", "score.report", "10", "reflection", strings.Repeat("思", 201)),
			map[string]int{"progress": 10, "teamwork": 10, "report": 10}, 30, map[string]string{ReflectionField: "“反思与改进”最多 200 字，现在 201 字"}},
		{"reflection line breaks count once", form("score.progress", "10", "score.teamwork", "10", "score.report", "10", "reflection", strings.Repeat("思\r\n", 100)),
			map[string]int{"progress": 10, "teamwork": 10, "report": 10}, 30, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, errs := FromForm(s, tc.form)
			if !reflect.DeepEqual(e.Scores, tc.scores) {
				t.Errorf("scores %v, want %v", e.Scores, tc.scores)
			}
			if got := s.Sum(e); got != tc.sum {
				t.Errorf("Sum = %d, want %d", got, tc.sum)
			}
			if len(errs) != len(tc.errs) {
				t.Fatalf("errors %v, want %v", errs, tc.errs)
			}
			for _, fe := range errs {
				if w, ok := tc.errs[fe.Field]; !ok || !strings.Contains(fe.Message, w) || fe.Row != -1 {
					t.Errorf("error %+v, want %q", fe, w)
				}
			}
			// What FromForm accepts, Check accepts after a JSON round trip.
			if len(errs) == 0 {
				b, _ := json.Marshal(e)
				var back Entry
				if err := json.Unmarshal(b, &back); err != nil {
					t.Fatal(err)
				}
				if ce := s.Check(back); len(ce) != 0 {
					t.Errorf("Check after round trip: %v", ce)
				}
			}
		})
	}
}

func TestCheckAndSum(t *testing.T) {
	s := mustParse(t)
	cases := []struct {
		name  string
		entry Entry
		sum   int
		errs  []string
	}{
		{"stored entry", Entry{Scores: map[string]int{"progress": 18, "teamwork": 25, "report": 40}}, 83, nil},
		{"tampered entry above max", Entry{Scores: map[string]int{"progress": 99, "teamwork": 25, "report": 40}}, 85, []string{"progress"}},
		{"tampered entry below zero", Entry{Scores: map[string]int{"progress": -10, "teamwork": 25, "report": 40}}, 65, []string{"progress"}},
		{"unknown item ignored", Entry{Scores: map[string]int{"progress": 18, "teamwork": 25, "report": 40, "total": 100}}, 83, nil},
		{"missing item", Entry{Scores: map[string]int{"progress": 18, "report": 40}}, 58, []string{"teamwork"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.Sum(tc.entry); got != tc.sum {
				t.Errorf("Sum = %d, want %d", got, tc.sum)
			}
			errs := s.Check(tc.entry)
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
			}
			if !reflect.DeepEqual(fields, tc.errs) {
				t.Errorf("Check fields = %v, want %v", fields, tc.errs)
			}
		})
	}
}
