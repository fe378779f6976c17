package server

import (
	"bytes"
	"testing"
	"time"

	"crmlab/content"
	"crmlab/scenarios/keymoments"
)

func BenchmarkZZPhoneView(b *testing.B) {
	v, err := loadViews(time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	lib, _ := content.Load(content.Embedded)
	st := &keymoments.State{Phase: keymoments.PhaseDefine, Deadline: time.Now().Add(time.Minute), Groups: []keymoments.Group{{ID: 7, Name: "第七组", Leader: 1, Members: []int64{1, 2, 3}}}}
	for _, ph := range []keymoments.Phase{keymoments.PhaseLobby, keymoments.PhaseDefine} {
		b.Run(string(ph), func(b *testing.B) {
			st.Phase = ph
			gv := gameView{St: st, Texts: lib.Game, Phase: ph, Label: ph.Label(), Base: "/classes/1/games/2", Group: &st.Groups[0], LeaderName: "张三"}
			gv.setClock(st, time.Now())
			var buf bytes.Buffer
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				buf.Reset()
				if err := v.pages["game"].ExecuteTemplate(&buf, "game-phone", gv); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
}
