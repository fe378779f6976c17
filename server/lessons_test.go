package server_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crmlab/content"
	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

func TestCourseIndexAndLesson(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	stu, _ := app.As(store.RoleStudent)
	teacher, _ := app.As(store.RoleInstructor)
	trainer, _ := app.As(store.RoleTrainer)

	idx := stu.Get("/learn")
	if idx.Status != 200 || !idx.Has("课程内容", "第 1 章", `href="/learn/abc-classification"`, "案例") {
		t.Fatalf("course index: %d", idx.Status)
	}
	// Chapter order: chapter 1 comes before chapter 6.
	if strings.Index(idx.Body, "第 1 章") > strings.Index(idx.Body, "第 6 章") {
		t.Fatal("chapters out of order")
	}

	lib, _ := content.Load(content.Embedded)
	fedex, _ := lib.Page("case-fedex")
	// A sentence of the FedEx page's instructor notes (the seed's arithmetic slip).
	const notesMarker = "恰好是正确值的两倍"
	if !strings.Contains(string(fedex.Notes), notesMarker) {
		t.Fatal("the FedEx notes changed: pick another sentence from them")
	}
	page := stu.Get("/learn/case-fedex")
	if page.Status != 200 || !page.Has(fedex.Title, "知识目标", "能力目标", "<svg", "案例问题", `rel="prev"`, `rel="next"`, "学完后做一做") {
		t.Fatalf("student case page: %d", page.Status)
	}
	if page.Has("教师备注") || strings.Contains(page.Body, notesMarker) {
		t.Fatal("instructor notes reached a student")
	}
	for _, c := range []*apptest.Client{teacher, trainer} {
		if r := c.Get("/learn/case-fedex"); !r.Has("教师备注", notesMarker) {
			t.Fatal("staff do not see the instructor notes")
		}
	}
	if r := stu.Get("/learn/no-such-page"); r.Status != 404 {
		t.Fatalf("missing page: %d", r.Status)
	}
	if r := app.Client().Get("/learn/case-fedex"); r.Status != http.StatusSeeOther {
		t.Fatalf("anonymous reader: %d", r.Status)
	}
}

func TestSearchPage(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	stu, _ := app.As(store.RoleStudent)
	cases := []struct {
		name, q string
		want    []string
	}{
		{"term in titles and bodies", "关键时刻", []string{"<mark>关键时刻</mark>", "找到"}},
		{"nothing found", "不存在的词语组合", []string{"没有找到"}},
		{"empty query shows the index", "", []string{"按章节浏览", `href="/learn/crm-overview"`}},
		{"too long is cut", strings.Repeat("客户", 80), []string{"只用了前 100 个字"}},
		{"markup is escaped", "<b>x</b>", []string{"&lt;b&gt;x&lt;/b&gt;"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := stu.Get("/search?q=" + url.QueryEscape(tc.q))
			if r.Status != 200 || !r.Has(tc.want...) {
				t.Fatalf("status %d, want %q", r.Status, tc.want)
			}
		})
	}
	// A title match ranks first: the ABC lesson is the first result for "ABC 客户分类".
	r := stu.Get("/search?q=" + url.QueryEscape("ABC 客户分类"))
	first := strings.Index(r.Body, `<li><div>`)
	if first < 0 || !strings.Contains(r.Body[first:first+200], `href="/learn/abc-classification"`) {
		t.Fatalf("ABC lesson is not the first result")
	}
}

func TestGlossaryPage(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	stu, _ := app.As(store.RoleStudent)
	r := stu.Get("/glossary")
	for _, term := range []string{"关键时刻", "客户生命周期价值", "ABC", "忠诚客户", "流失客户", "B/S"} {
		if !r.Has(term) {
			t.Errorf("glossary lacks %s", term)
		}
	}
	if !r.Has(`href="/learn/`) {
		t.Error("glossary terms do not link to lessons")
	}
}

// TestContentDirLiveEdit: an instructor edits a copy of the content; the next request shows
// the edit, a broken edit is reported to staff with file and line while students keep the
// last good version.
func TestContentDirLiveEdit(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, content.Embedded); err != nil {
		t.Fatal(err)
	}
	src, err := content.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	app := apptest.Start(t, server.Config{}, server.WithContent(src))
	stu, _ := app.As(store.RoleStudent)
	teacher, _ := app.As(store.RoleInstructor)
	file := filepath.Join(dir, "pages", "13-abc-classification.md")
	orig, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(s string) {
		os.WriteFile(file, []byte(s), 0o644)
		later := time.Now().Add(time.Duration(len(s)%1000+1) * time.Second)
		os.Chtimes(file, later, later)
		time.Sleep(600 * time.Millisecond) // the source looks for changes at most twice a second
	}
	edit(strings.Replace(string(orig), "## 按客户价值分类", "## 按客户价值分类（已修改）", 1))
	if r := stu.Get("/learn/abc-classification"); !r.Has("按客户价值分类（已修改）") {
		t.Fatal("edit not shown on the next request")
	}
	edit(strings.Replace(string(orig), "kind: lesson", "kind: lesso", 1))
	if r := teacher.Get("/learn/abc-classification"); !r.Has("内容文件有问题", "pages/13-abc-classification.md:3", "kind 必须是") {
		t.Fatalf("staff not told what is broken: %s", r.Body)
	}
	r := stu.Get("/learn/abc-classification")
	if r.Has("内容文件有问题") || !r.Has("按客户价值分类（已修改）") {
		t.Fatal("student did not keep the last good version")
	}
}

// BenchmarkLessonPage: a lesson page for a signed-in student against a bare echo handler,
// measured in alternating slices in one run (see BenchmarkStudentHome).
//
//	go test ./server/ -run '^$' -bench 'LessonPage|Search' -benchtime 3000x
func BenchmarkLessonPage(b *testing.B) {
	app := apptest.Start(b, server.Config{})
	stu, _ := app.As(store.RoleStudent)
	if r := stu.Get("/learn/abc-classification"); r.Status != 200 {
		b.Fatalf("lesson: %d", r.Status)
	}
	benchAgainstBareEcho(b, app, stu, "/learn/abc-classification")
}
