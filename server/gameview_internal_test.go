package server

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
	"time"

	"crmlab/content"
	"crmlab/scenarios/keymoments"
)

// phoneViewFor is one group's phone view in a phase, with a group name that needs escaping.
func phoneViewFor(lib *content.Library, ph keymoments.Phase, grouped bool) gameView {
	st := &keymoments.State{Phase: ph, Deadline: time.Now().Add(time.Minute), Groups: []keymoments.Group{{ID: 7, Name: `第七组<b>&"`, Leader: 1, Members: []int64{1, 2, 3}}}}
	v := gameView{St: st, Texts: lib.Game, Phase: ph, Label: ph.Label(), Base: "/classes/1/games/2", LeaderName: "张三"}
	if grouped {
		v.Group = &st.Groups[0]
	}
	v.setClock(st, time.Now())
	return v
}

// gameTemplates are the game page's templates and the embedded course, as the server loads them.
func gameTemplates(tb testing.TB) (*template.Template, *content.Library) {
	tb.Helper()
	views, err := loadViews(time.UTC)
	if err != nil {
		tb.Fatal(err)
	}
	lib, problems := content.Load(content.Embedded)
	if len(problems) > 0 {
		tb.Fatalf("embedded content: %v", problems)
	}
	return views.pages["game"], lib
}

// TestPhoneViewEveryPhase renders a phone's view in every phase of the engine, with and
// without a group: each phase has its template, shows its phase and label, and escapes.
func TestPhoneViewEveryPhase(t *testing.T) {
	game, lib := gameTemplates(t)
	for _, ph := range keymoments.Phases() {
		for _, grouped := range []bool{true, false} {
			v := phoneViewFor(lib, ph, grouped)
			var buf bytes.Buffer
			if err := writePhoneView(game, &buf, &v); err != nil {
				t.Fatalf("%s (grouped %v): %v", ph, grouped, err)
			}
			html := buf.String()
			if !strings.Contains(html, `<section class="phase-`+string(ph)+`">`) || !strings.Contains(html, ph.Label()) || !strings.HasSuffix(strings.TrimSpace(html), "</section>") {
				t.Fatalf("%s (grouped %v): not a whole view of its phase:\n%s", ph, grouped, html)
			}
			if grouped != strings.Contains(html, "你在 <strong>第七组&lt;b&gt;&amp;&#34;</strong>") {
				t.Fatalf("%s (grouped %v): group line wrong:\n%s", ph, grouped, html)
			}
			if !grouped && !strings.Contains(html, "等老师把你分到小组") && ph != keymoments.PhaseEnded {
				t.Fatalf("%s: an ungrouped phone is not told to wait:\n%s", ph, html)
			}
		}
	}
}

// BenchmarkPhoneView renders one group's phone view per phase, the unit of a phase change's
// work (a change to 2,000 phones renders about 400 of them, which share one head: rendered
// in the first iteration here).
//
//	go test ./server/ -run '^$' -bench PhoneView
func BenchmarkPhoneView(b *testing.B) {
	game, lib := gameTemplates(b)
	for _, ph := range keymoments.Phases() {
		b.Run(string(ph), func(b *testing.B) {
			v := phoneViewFor(lib, ph, true)
			var buf bytes.Buffer
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				buf.Reset()
				if err := writePhoneView(game, &buf, &v); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
}
