package keymoments

import (
	"slices"
	"testing"
	"time"
)

func TestPhasesInOrderWithChineseLabels(t *testing.T) {
	cases := []struct {
		phase Phase
		value string
		label string
	}{
		{PhaseLobby, "lobby", "等待加入"},
		{PhaseDefine, "define", "定义客户与期望"},
		{PhaseHands, "hands", "举手调查"},
		{PhaseCarlzon, "carlzon", "卡尔森的定义"},
		{PhaseWall, "wall", "关键时刻墙"},
		{PhaseReturns, "returns", "无条件退货之问"},
		{PhaseReveal, "reveal", "揭晓答案"},
		{PhaseDeal, "deal", "发放交流材料"},
		{PhasePrepare, "prepare", "小组准备"},
		{PhasePresent, "present", "小组陈述"},
		{PhaseReview, "review", "交叉互评"},
		{PhaseSummary, "summary", "总结"},
		{PhaseEnded, "ended", "已结束"},
	}
	ps := Phases()
	if len(ps) != len(cases) {
		t.Fatalf("%d phases, want %d", len(ps), len(cases))
	}
	for i, tc := range cases {
		if ps[i] != tc.phase || string(tc.phase) != tc.value || tc.phase.Label() != tc.label {
			t.Errorf("phase %d: %q %q, want %q %q", i, ps[i], ps[i].Label(), tc.value, tc.label)
		}
	}
	ps[0] = "changed"
	if Phases()[0] != PhaseLobby {
		t.Error("Phases returns the engine's own slice")
	}
	if Phase("nap").Label() != "nap" {
		t.Error("an unknown phase should show its value")
	}
}

func TestDefaultConfigFollowsTheSlides(t *testing.T) {
	cases := []struct {
		phase Phase
		want  time.Duration
	}{
		{PhaseLobby, 0}, {PhaseDefine, 5 * time.Minute}, {PhaseHands, 0}, {PhaseCarlzon, 0},
		{PhaseWall, 5 * time.Minute}, {PhaseReturns, 3 * time.Minute}, {PhaseReveal, 0}, {PhaseDeal, 0},
		{PhasePrepare, 10 * time.Minute}, {PhasePresent, 2 * time.Minute}, {PhaseReview, 5 * time.Minute},
		{PhaseSummary, 0}, {PhaseEnded, 0},
	}
	cfg := DefaultConfig()
	for _, tc := range cases {
		if d, ok := cfg.Durations[tc.phase]; d != tc.want || ok != (tc.want > 0) {
			t.Errorf("%s: %v (present %v), want %v", tc.phase, d, ok, tc.want)
		}
	}
	if cfg.MaxText != 200 || len(cfg.Deck) < 5 {
		t.Errorf("max text %d, deck %v", cfg.MaxText, cfg.Deck)
	}
	// New fills what a server leaves out, and copies what it is given.
	own := Config{Durations: map[Phase]time.Duration{PhaseWall: time.Minute, PhaseDefine: -time.Second}, Deck: []string{"a"}}
	s := New(own, 1, t0)
	own.Durations[PhaseWall] = time.Hour
	own.Deck[0] = "b"
	if s.Config.MaxText != 200 || s.Config.Durations[PhaseWall] != time.Minute || s.Config.Deck[0] != "a" {
		t.Errorf("config %+v", s.Config)
	}
	if _, ok := s.Config.Durations[PhaseDefine]; ok {
		t.Error("a negative duration should leave the phase untimed")
	}
	if d := New(Config{}, 1, t0).Config; !slices.Equal(d.Deck, DefaultDeck) || d.Durations[PhasePrepare] != 10*time.Minute {
		t.Errorf("zero config should take the defaults: %+v", d)
	}
}

// Every forward step, as the instructor clicks 下一环节 on the console half a minute into
// each phase.
func TestAdvanceThroughEveryPhase(t *testing.T) {
	cases := []struct {
		name   string
		from   Phase
		cmd    string
		to     Phase
		timer  time.Duration // 0: no deadline
		events []string
		check  func(t *testing.T, before, after *State)
	}{
		{"groups formed, the game starts with the customer definitions", PhaseLobby, CmdAdvance, PhaseDefine, 5 * time.Minute, []string{"phase", "timer"}, nil},
		{"definitions done, show of hands", PhaseDefine, CmdAdvance, PhaseHands, 0, []string{"phase"}, nil},
		{"hands counted, Carlzon's definition on the projector", PhaseHands, CmdAdvance, PhaseCarlzon, 0, []string{"phase"}, nil},
		{"the wall opens for five minutes", PhaseCarlzon, CmdAdvance, PhaseWall, 5 * time.Minute, []string{"phase", "timer"}, nil},
		{"the wall is full early: skip to the returns question", PhaseWall, CmdSkip, PhaseReturns, 3 * time.Minute, []string{"phase", "timer"}, nil},
		{"answers in, the instructor reveals", PhaseReturns, CmdAdvance, PhaseReveal, 0, []string{"phase"}, func(t *testing.T, _, a *State) {
			if !a.Revealed {
				t.Error("answer not revealed")
			}
		}},
		{"the deck is dealt", PhaseReveal, CmdAdvance, PhaseDeal, 0, []string{"phase", "deal"}, func(t *testing.T, b, a *State) {
			for i, g := range a.Groups {
				if g.Artefact == "" || b.Groups[i].Artefact != "" {
					t.Errorf("group %d: artefact %q before %q", g.ID, g.Artefact, b.Groups[i].Artefact)
				}
			}
		}},
		{"ten minutes to prepare", PhaseDeal, CmdAdvance, PhasePrepare, 10 * time.Minute, []string{"phase", "timer"}, nil},
		{"presentations: queue in display order, nobody on stage yet", PhasePrepare, CmdAdvance, PhasePresent, 0, []string{"phase", "queue"}, func(t *testing.T, _, a *State) {
			if !slices.Equal(a.Queue, []int64{10, 20, 30}) || a.Presenting != 0 || len(a.Presented) != 0 {
				t.Errorf("queue %v presenting %d presented %v", a.Queue, a.Presenting, a.Presented)
			}
		}},
		{"presentations over, cross review", PhasePresent, CmdAdvance, PhaseReview, 5 * time.Minute, []string{"phase", "timer"}, nil},
		{"reviews in, the instructor sums up", PhaseReview, CmdAdvance, PhaseSummary, 0, []string{"phase"}, nil},
		{"the bell rings", PhaseSummary, CmdAdvance, PhaseEnded, 0, []string{"phase", "ended"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, now := to(t, class(t, DefaultConfig(), 3, 4), tc.from)
			now = now.Add(30 * time.Second)
			n, ev := apply(t, s, teacher(tc.cmd), now)
			if n.Phase != tc.to || !n.PhaseStarted.Equal(now) {
				t.Fatalf("phase %s started %v, want %s at %v", n.Phase, n.PhaseStarted, tc.to, now)
			}
			checkTimer(t, n, now, tc.timer)
			if got := kinds(ev); !slices.Equal(got, tc.events) {
				t.Errorf("events %v, want %v", got, tc.events)
			}
			if tc.check != nil {
				tc.check(t, s, n)
			}
		})
	}
}

func checkTimer(t *testing.T, s *State, started time.Time, d time.Duration) {
	t.Helper()
	if d == 0 {
		if !s.Deadline.IsZero() || s.Remaining(started) != 0 || s.TimeUp(started.Add(time.Hour)) {
			t.Errorf("%s should have no timer: deadline %v", s.Phase, s.Deadline)
		}
		return
	}
	if !s.Deadline.Equal(started.Add(d)) || s.Remaining(started) != d || s.Paused || s.Left != 0 {
		t.Errorf("%s: deadline %v remaining %v, want %v from %v", s.Phase, s.Deadline, s.Remaining(started), d, started)
	}
}

// Every backward step: the instructor clicked one phase too far, or a group needs another go.
func TestBackThroughEveryPhase(t *testing.T) {
	cases := []struct {
		name   string
		from   Phase
		to     Phase
		timer  time.Duration
		events []string
		check  func(t *testing.T, before, after *State)
	}{
		{"back to the lobby to wait for latecomers", PhaseDefine, PhaseLobby, 0, []string{"phase"}, nil},
		{"a group missed the definitions: define again with a fresh timer", PhaseHands, PhaseDefine, 5 * time.Minute, []string{"phase", "timer"}, nil},
		{"recount the hands", PhaseCarlzon, PhaseHands, 0, []string{"phase"}, nil},
		{"back to Carlzon's definition", PhaseWall, PhaseCarlzon, 0, []string{"phase"}, nil},
		{"back to the wall with a fresh five minutes", PhaseReturns, PhaseWall, 5 * time.Minute, []string{"phase", "timer"}, nil},
		{"revealed too early: the question again, answer hidden", PhaseReveal, PhaseReturns, 3 * time.Minute, []string{"phase", "timer"}, func(t *testing.T, _, a *State) {
			if a.Revealed {
				t.Error("answer still revealed")
			}
		}},
		{"back from the deal to the reveal keeps the artefacts", PhaseDeal, PhaseReveal, 0, []string{"phase"}, func(t *testing.T, b, a *State) {
			if !a.Revealed || !sameArtefacts(b, a) {
				t.Errorf("revealed %v, artefacts changed", a.Revealed)
			}
		}},
		{"back from prepare to the deal does not deal again", PhasePrepare, PhaseDeal, 0, []string{"phase"}, func(t *testing.T, b, a *State) {
			if !sameArtefacts(b, a) {
				t.Error("artefacts changed")
			}
		}},
		{"back from presenting to preparing: ten fresh minutes", PhasePresent, PhasePrepare, 10 * time.Minute, []string{"phase", "timer"}, nil},
		{"back from review to present: queue kept, nobody on stage", PhaseReview, PhasePresent, 0, []string{"phase"}, func(t *testing.T, b, a *State) {
			if !slices.Equal(a.Queue, b.Queue) || a.Presenting != 0 {
				t.Errorf("queue %v presenting %d", a.Queue, a.Presenting)
			}
		}},
		{"back from the summary to the review: five fresh minutes", PhaseSummary, PhaseReview, 5 * time.Minute, []string{"phase", "timer"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, now := to(t, class(t, DefaultConfig(), 3, 4), tc.from)
			now = now.Add(30 * time.Second)
			n, ev := apply(t, s, teacher(CmdBack), now)
			if n.Phase != tc.to || !n.PhaseStarted.Equal(now) {
				t.Fatalf("phase %s, want %s", n.Phase, tc.to)
			}
			checkTimer(t, n, now, tc.timer)
			if got := kinds(ev); !slices.Equal(got, tc.events) {
				t.Errorf("events %v, want %v", got, tc.events)
			}
			if tc.check != nil {
				tc.check(t, s, n)
			}
		})
	}
}

func sameArtefacts(a, b *State) bool {
	if len(a.Groups) != len(b.Groups) {
		return false
	}
	for i := range a.Groups {
		if a.Groups[i].Artefact != b.Groups[i].Artefact || a.Groups[i].Artefact == "" {
			return false
		}
	}
	return true
}

// Leaving the presentations keeps track of the group on stage: forward they have presented,
// backward they are first in line when the presentations resume.
func TestLeavingPresentWithAGroupOnStage(t *testing.T) {
	cases := []struct {
		name       string
		cmd        string
		queue      []int64
		presented  []int64
		queueEvent bool
	}{
		{"advance to the review: the group on stage counts as presented", CmdAdvance, []int64{30}, []int64{10, 20}, true},
		{"end the class: the group on stage counts as presented", CmdEnd, []int64{30}, []int64{10, 20}, true},
		{"back to prepare: the interrupted group goes first again", CmdBack, []int64{20, 30}, []int64{10}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, now := to(t, class(t, DefaultConfig(), 3, 4), PhasePresent)
			s, _ = apply(t, s, teacher(CmdNextPresenter), now.Add(time.Second))
			s, _ = apply(t, s, teacher(CmdNextPresenter), now.Add(2*time.Minute))
			n, ev := apply(t, s, teacher(tc.cmd), now.Add(3*time.Minute))
			if !slices.Equal(n.Queue, tc.queue) || !slices.Equal(n.Presented, tc.presented) || n.Presenting != 0 {
				t.Errorf("queue %v presented %v presenting %d", n.Queue, n.Presented, n.Presenting)
			}
			if hasEvent(ev, "queue") != tc.queueEvent {
				t.Errorf("events %v", kinds(ev))
			}
			if tc.cmd == CmdBack { // and forward again: group 20 is still first
				n, _ = apply(t, n, teacher(CmdAdvance), now.Add(4*time.Minute))
				if !slices.Equal(n.Queue, []int64{20, 30}) {
					t.Errorf("queue after returning %v", n.Queue)
				}
			}
		})
	}
}
