package content

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// TestEmbeddedContentIsClean is `crmlab content check` on the built-in content.
func TestEmbeddedContentIsClean(t *testing.T) {
	lib, problems := Load(Embedded)
	for _, p := range problems {
		t.Error(p)
	}
	if len(lib.Glossary) < 20 {
		t.Errorf("glossary has %d terms", len(lib.Glossary))
	}
}

// TestRequiredPages lists what the course must cover (issue: course content); a page that
// disappears fails here.
func TestRequiredPages(t *testing.T) {
	lib, _ := Load(Embedded)
	required := map[string]string{
		"crm-overview": "lesson", "crm-benefits-evolution": "lesson", "logistics-crm": "lesson",
		"service-centre": "lesson", "service-centre-flows": "lesson", "transport-service": "lesson",
		"warehouse-service": "lesson", "processing-delivery": "lesson", "case-ups": "case",
		"case-dongqu-post": "case", "game-keymoments-intro": "lesson", "express-customers": "lesson",
		"abc-classification": "lesson", "customer-market-area": "lesson", "customer-state": "lesson",
		"express-crm-problems": "lesson", "crm-three-levels": "lesson", "crm-framework": "lesson",
		"crm-system-bs": "lesson", "crm-value": "lesson", "case-fedex": "case", "case-dhl-kunshan": "case",
		"satisfaction-measurement": "lesson", "case-a-for-b": "case", "customer-mgmt-process": "lesson",
		"customer-mgmt-key-links": "lesson", "customer-mgmt-tools": "lesson", "service-evaluation": "lesson",
	}
	for id, kind := range required {
		p, ok := lib.Page(id)
		if !ok {
			t.Errorf("required page %s is missing", id)
			continue
		}
		if p.Kind != kind {
			t.Errorf("%s is a %s, want %s", id, p.Kind, kind)
		}
	}
	// Facts the seeds get wrong or that must survive rewriting.
	facts := []struct{ id, want string }{
		{"case-fedex", "180,000"},
		{"warehouse-service", "99%"},
		{"warehouse-service", "0.1%"},
		{"abc-classification", "20%"},
	}
	for _, f := range facts {
		p, ok := lib.Page(f.id)
		if !ok {
			continue
		}
		text := strings.ReplaceAll(p.Text, " ", "")
		if !strings.Contains(text, strings.ReplaceAll(f.want, " ", "")) {
			t.Errorf("%s does not say %s", f.id, f.want)
		}
	}
	if p, ok := lib.Page("case-fedex"); ok && strings.Contains(p.Text, "360,000") || ok && strings.Contains(p.Text, "360000") {
		t.Errorf("case-fedex repeats the seed's wrong 360,000 to students")
	}
	// Diagrams the course must draw.
	for _, id := range []string{"service-centre-flows", "crm-framework", "crm-system-bs", "case-fedex", "case-dhl-kunshan", "customer-mgmt-process"} {
		if p, ok := lib.Page(id); ok && p.Diagrams == 0 {
			t.Errorf("%s has no diagram", id)
		}
	}
	if p, ok := lib.Page("service-centre-flows"); ok && p.Diagrams < 2 {
		t.Errorf("service-centre-flows needs the order processing and the outbound flow, has %d diagrams", p.Diagrams)
	}
	if p, ok := lib.Page("case-fedex"); ok && p.Diagrams < 2 {
		t.Errorf("case-fedex needs the order and the returns flow, has %d diagrams", p.Diagrams)
	}
}

const goodPage = `---
id: demo
kind: lesson
title: 演示
chapter: 1
chapter_title: 基础
order: 1
minutes: 5
goals:
  knowledge: [知道]
  ability: [能够]
---
正文 <script>alert(1)</script> 内容

` + "```flow\nflowchart TD\n  a[开始] --> b[结束]\n```" + `

## 教师备注
只给老师看的答案
`

func TestLoadProblems(t *testing.T) {
	page := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	cases := []struct {
		name  string
		files fstest.MapFS
		want  string // in a problem's text
		line  int    // the problem's line, when it has one
	}{
		{"missing front matter", fstest.MapFS{"pages/a.md": page("# 标题\n")}, "YAML 头部", 1},
		{"unknown kind", fstest.MapFS{"pages/a.md": page(strings.Replace(goodPage, "kind: lesson", "kind: quiz", 1))}, "kind 必须是 lesson 或 case", 3},
		{"missing id", fstest.MapFS{"pages/a.md": page(strings.Replace(goodPage, "id: demo\n", "", 1))}, "缺少 id", 0},
		{"misspelled field", fstest.MapFS{"pages/a.md": page(strings.Replace(goodPage, "minutes: 5", "minute: 5", 1))}, "未知的字段 minute", 8},
		{"duplicate id", fstest.MapFS{"pages/a.md": page(goodPage), "pages/b.md": page(goodPage)}, "与 pages/a.md 重复", 2},
		{"unknown activity", fstest.MapFS{"pages/a.md": page(strings.Replace(goodPage, "minutes: 5", "minutes: 5\nactivities: [card-nope]", 1))}, "活动 \"card-nope\" 不存在", 0},
		{"bad diagram", fstest.MapFS{"pages/a.md": page(strings.Replace(goodPage, "a[开始] --> b[结束]", "a[开始] -> b[结束]", 1))}, "流程图", 17},
		{"no instructor notes", fstest.MapFS{"pages/a.md": page(strings.Replace(goodPage, "## 教师备注", "## 小结", 1))}, "教师备注", 0},
		{"case without questions", fstest.MapFS{"pages/a.md": page(strings.Replace(goodPage, "kind: lesson", "kind: case", 1))}, "需要列出问题", 0},
		{"glossary points nowhere", fstest.MapFS{"pages/a.md": page(goodPage), "glossary.yaml": page("terms:\n  - {term: 甲, definition: 乙, page: nowhere}\n")}, "不存在的页面", 0},
		{"card with an unknown field type", fstest.MapFS{"pages/a.md": page(goodPage), "cards/card-x.yaml": page("id: card-x\ntitle: X\nlesson: demo\nminutes: 5\nprompt: 做\nguidance: [想]\nfields:\n  - {id: a, type: essay, label: 甲}\nrubric:\n  - id: c\n    label: 内容\n    levels:\n      - {label: 好, points: 10, description: 好}\n      - {label: 差, points: 0, description: 差}\n")}, "essay", 8},
		{"card whose lesson does not exist", fstest.MapFS{"pages/a.md": page(goodPage), "cards/card-x.yaml": page("id: card-x\ntitle: X\nlesson: nowhere\nminutes: 5\nprompt: 做\nguidance: [想]\nfields:\n  - {id: a, type: text, label: 甲}\nrubric:\n  - id: c\n    label: 内容\n    levels:\n      - {label: 好, points: 10, description: 好}\n      - {label: 差, points: 0, description: 差}\n")}, "lesson \"nowhere\"", 0},
		{"link to a missing page", fstest.MapFS{"pages/a.md": page(strings.Replace(goodPage, "内容", "见[另一课](/learn/missing)", 1))}, "/learn/missing", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := Load(tc.files)
			for _, p := range problems {
				if strings.Contains(p.String(), tc.want) {
					if tc.line != 0 && p.Line != tc.line {
						t.Fatalf("problem %q at line %d, want line %d", p, p.Line, tc.line)
					}
					return
				}
			}
			t.Fatalf("no problem mentions %q; got %v", tc.want, problems)
		})
	}
}

func TestRenderingKeepsNotesAndScriptsOut(t *testing.T) {
	lib, problems := Load(fstest.MapFS{"pages/a.md": {Data: []byte(goodPage)}})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	p, _ := lib.Page("demo")
	body := string(p.Body)
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatalf("raw HTML not escaped: %s", body)
	}
	if strings.Contains(body, "只给老师看") || strings.Contains(p.Text, "只给老师看") {
		t.Fatal("instructor notes leaked into the student body or the search text")
	}
	if !strings.Contains(string(p.Notes), "只给老师看的答案") {
		t.Fatalf("notes = %s", p.Notes)
	}
	if !strings.Contains(body, "<svg") || !strings.Contains(body, "文字版流程") || p.Diagrams != 1 {
		t.Fatalf("diagram not drawn: %s", body)
	}
}

func TestSearch(t *testing.T) {
	lib, _ := Load(Embedded)
	hits := lib.Search("关键时刻", 0)
	if len(hits) == 0 || !hits[0].InTitle {
		t.Fatalf("关键时刻: %d hits, first in title: %v", len(hits), len(hits) > 0 && hits[0].InTitle)
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].InTitle && !hits[i-1].InTitle {
			t.Fatal("a title match ranked below a body-only match")
		}
	}
	found := false
	for _, h := range hits {
		if strings.Contains(string(h.Snippet), "<mark>关键时刻</mark>") {
			found = true
		}
	}
	if !found {
		t.Fatal("no snippet marks the query")
	}
	if got := lib.Search("<script>", 0); len(got) != 0 {
		t.Fatalf("<script> found in %d pages", len(got))
	}
	if got := lib.Search("abc", 0); len(got) == 0 {
		t.Fatal("search is case-sensitive: abc finds nothing")
	}
	if got := lib.Search("   ", 0); got != nil {
		t.Fatal("blank query returned hits")
	}
}

func TestFolderSourceReloads(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "pages"), 0o755)
	file := filepath.Join(dir, "pages", "a.md")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		// Make the change visible to the stamp even on coarse file-system clocks.
		later := time.Now().Add(time.Duration(len(s)) * time.Millisecond)
		os.Chtimes(file, later, later)
	}
	write(goodPage)
	src, err := FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	lib, probs := src.Current()
	if len(probs) > 0 || len(lib.Pages) != 1 {
		t.Fatalf("first load: %v", probs)
	}
	write(strings.Replace(goodPage, "title: 演示", "title: 改过的标题", 1))
	src.looked = time.Time{} // skip the wait between looks
	if lib, _ := src.Current(); lib.Pages[0].Title != "改过的标题" {
		t.Fatalf("edit not picked up: %s", lib.Pages[0].Title)
	}
	write(strings.Replace(goodPage, "kind: lesson", "kind: oops", 1))
	src.looked = time.Time{}
	lib, probs = src.Current()
	if len(probs) == 0 || lib.Pages[0].Title != "改过的标题" {
		t.Fatalf("broken edit: problems %v, served title %s", probs, lib.Pages[0].Title)
	}
}

// BenchmarkSearch: one query over the whole course (go test ./content/ -bench Search).
func BenchmarkSearch(b *testing.B) {
	lib, _ := Load(Embedded)
	queries := []string{"关键时刻", "客户", "ABC", "满意度", "不存在的词"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lib.Search(queries[i%len(queries)], 50)
	}
}
