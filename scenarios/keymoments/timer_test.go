package keymoments

import (
	"testing"
	"time"
)

func extend(sec int) Command {
	return with(teacher(CmdExtend), func(c *Command) { c.Seconds = sec })
}

// Pause, resume and extend on the five-minute wall (started at 0s), checked to the nanosecond.
func TestTimerArithmetic(t *testing.T) {
	type step struct {
		at  time.Duration // since the wall opened
		cmd Command
	}
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	cases := []struct {
		name     string
		steps    []step
		check    time.Duration
		left     time.Duration
		paused   bool
		timeUp   bool
		deadline time.Duration // since the wall opened; -1: zero
	}{
		{"one minute in, four left", nil, sec(60), sec(240), false, false, sec(300)},
		{"a fraction of a second counts", nil, sec(60) + 250*time.Millisecond, sec(240) - 250*time.Millisecond, false, false, sec(300)},
		{"time is up exactly at the deadline", nil, sec(300), 0, false, true, sec(300)},
		{"long after the deadline: zero, never negative", nil, sec(900), 0, false, true, sec(300)},
		{"a question at 1:30 pauses the wall; still 3:30 at 4:00", []step{{sec(90), teacher(CmdPause)}}, sec(240), sec(210), true, false, -1},
		{"paused timers never run out", []step{{sec(90), teacher(CmdPause)}}, time.Hour, sec(210), true, false, -1},
		{"resume at 2:30 gives back the lost minute", []step{{sec(90), teacher(CmdPause)}, {sec(150), teacher(CmdResume)}}, sec(300), sec(60), false, false, sec(360)},
		{"two pauses add up", []step{{sec(60), teacher(CmdPause)}, {sec(120), teacher(CmdResume)}, {sec(180), teacher(CmdPause)}, {sec(200), teacher(CmdResume)}}, sec(380), 0, false, true, sec(380)},
		{"one more minute while running", []step{{sec(60), extend(60)}}, sec(300), sec(60), false, false, sec(360)},
		{"extend twice", []step{{sec(10), extend(30)}, {sec(20), extend(45)}}, sec(300), sec(75), false, false, sec(375)},
		{"extend while paused adds to the frozen time", []step{{sec(60), teacher(CmdPause)}, {sec(70), extend(120)}}, sec(1000), sec(360), true, false, -1},
		{"extend while paused, then resume", []step{{sec(60), teacher(CmdPause)}, {sec(70), extend(120)}, {sec(100), teacher(CmdResume)}}, sec(400), sec(60), false, false, sec(460)},
		{"time was up for a minute: extending counts from now", []step{{sec(360), extend(60)}}, sec(390), sec(30), false, false, sec(420)},
		{"extend the full half hour", []step{{sec(0), extend(1800)}}, sec(0), sec(2100), false, false, sec(2100)},
		{"pause one second before the end", []step{{sec(299), teacher(CmdPause)}}, sec(1000), sec(1), true, false, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, start := in(PhaseWall)(t)
			for _, st := range tc.steps {
				var ev []Event
				s, ev = apply(t, s, st.cmd, start.Add(st.at))
				if !hasEvent(ev, "timer") {
					t.Errorf("%s: events %v", st.cmd.Kind, kinds(ev))
				}
			}
			now := start.Add(tc.check)
			if got := s.Remaining(now); got != tc.left {
				t.Errorf("remaining %v, want %v", got, tc.left)
			}
			if s.Paused != tc.paused || s.TimeUp(now) != tc.timeUp {
				t.Errorf("paused %v time up %v", s.Paused, s.TimeUp(now))
			}
			want := time.Time{}
			if tc.deadline >= 0 {
				want = start.Add(tc.deadline)
			}
			if !s.Deadline.Equal(want) {
				t.Errorf("deadline %v, want %v", s.Deadline, want)
			}
			if !s.Paused && s.Left != 0 {
				t.Errorf("left %v while running", s.Left)
			}
		})
	}
}

// What students may still do around pauses and deadlines on the five-minute wall.
func TestSubmittingAroundTheTimer(t *testing.T) {
	type step struct {
		at  time.Duration
		cmd Command
	}
	cases := []struct {
		name  string
		steps []step
		at    time.Duration
		ok    bool
	}{
		{"a post one second before the end", nil, 299 * time.Second, true},
		{"a post exactly at the end", nil, 300 * time.Second, false},
		{"a post while paused, long after the old deadline", []step{{10 * time.Second, teacher(CmdPause)}}, time.Hour, true},
		{"a post in the minute the instructor added", []step{{10 * time.Second, extend(60)}}, 330 * time.Second, true},
		{"time ran out at 5:00, at 5:30 one more minute: a post at 6:20", []step{{330 * time.Second, extend(60)}}, 380 * time.Second, true},
		{"time ran out at 5:00, at 5:30 one more minute: a post at 6:30 is late again", []step{{330 * time.Second, extend(60)}}, 390 * time.Second, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, start := in(PhaseWall)(t)
			for _, st := range tc.steps {
				s, _ = apply(t, s, st.cmd, start.Add(st.at))
			}
			post := text(student(102, CmdPost), "取件员没有提前打电话")
			if tc.ok {
				apply(t, s, post, start.Add(tc.at))
			} else {
				refuse(t, s, post, start.Add(tc.at), "时间到了，不能再提交")
			}
		})
	}
}

// Each presenter gets a fresh two minutes, whatever happened to the last one's timer.
func TestPresentTimerRestartsPerGroup(t *testing.T) {
	cases := []struct {
		name  string
		steps []Command
		want  []int64 // presented
		on    int64
	}{
		{"first group on stage", []Command{teacher(CmdNextPresenter)}, nil, 10},
		{"second group after the first was given 30 more seconds", []Command{teacher(CmdNextPresenter), extend(30), teacher(CmdNextPresenter)}, []int64{10}, 20},
		{"third group after the second was paused", []Command{teacher(CmdNextPresenter), teacher(CmdNextPresenter), teacher(CmdPause), teacher(CmdNextPresenter)}, []int64{10, 20}, 30},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, now := in(PhasePresent)(t)
			for _, c := range tc.steps {
				now = now.Add(100 * time.Second)
				s, _ = apply(t, s, c, now)
			}
			if s.Presenting != tc.on || len(s.Presented) != len(tc.want) {
				t.Fatalf("presenting %d presented %v", s.Presenting, s.Presented)
			}
			for i := range tc.want {
				if s.Presented[i] != tc.want[i] {
					t.Fatalf("presented %v", s.Presented)
				}
			}
			if s.Paused || !s.Deadline.Equal(now.Add(2*time.Minute)) || s.Remaining(now) != 2*time.Minute {
				t.Errorf("deadline %v paused %v, want %v", s.Deadline, s.Paused, now.Add(2*time.Minute))
			}
		})
	}
}
