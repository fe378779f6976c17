package keymoments

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// classStep is one moment of the 40-minute class: a command at a time since the bell, the
// refusal expected ("" when it goes through), and what the screens should show after it.
type classStep struct {
	at    string // "mm:ss" since the bell
	what  string
	cmd   Command // Kind "" only checks
	err   string
	check func(t *testing.T, s *State, now time.Time)
}

func clock(t *testing.T, at string) time.Time {
	t.Helper()
	var m, s int
	if _, err := fmt.Sscanf(at, "%d:%d", &m, &s); err != nil {
		t.Fatalf("bad time %q", at)
	}
	return t0.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

func mmss(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Minute), int(d%time.Minute/time.Second))
}

// reviewScore is what group i (1-based) gives group j; group 1 changes its score for group 2
// to 5 at the end.
func reviewScore(i, j int) int { return 1 + (i*j+i)%5 }

var customers = [][2]string{
	{"网购退货的大学生", "上门取件、退款快"},
	{"生鲜电商", "冷链全程不断、准时送达"},
	{"小型外贸企业", "报关顺利、运价透明"},
	{"社区超市", "每天定时补货、缺货能加急"},
	{"汽车配件厂", "零部件准时到线、不出错"},
}

var moments = []string{
	"客服电话第一声问候", "快递员上门取件", "签收时当面验货", "查询物流跟踪信息", "投诉后的回电",
	"开具发票", "运费结算", "仓库收货验货", "在线客服回复", "送货员约定送货时间",
	"包裹破损后的理赔", "节假日是否照常送", "下单页面填写地址", "短信通知到货", "退货上门取件",
	"冷链温度记录", "报关单据准备", "缺货时的通知", "配送车辆进厂", "月底对账",
}

// fortyMinuteClass is the whole game of slides 28–29 with 5 groups of 5, as the event log
// would record it, in time order.
func fortyMinuteClass() []classStep {
	var steps []classStep
	add := func(st classStep) { steps = append(steps, st) }
	ins := func(kind string) Command { return teacher(kind) }

	// 00:00–01:12 the students scan the QR code as they sit down.
	for k := range 25 {
		g, m := k/5+1, k%5+1
		add(classStep{at: mmss(time.Duration(k) * 3 * time.Second), what: "a student joins",
			cmd: join(uid(g, m), fmt.Sprintf("学生%d", uid(g, m)))})
	}
	add(classStep{"01:12", "everyone is in", Command{}, "", func(t *testing.T, s *State, _ time.Time) {
		if len(s.Players) != 25 || s.Phase != PhaseLobby {
			t.Errorf("%d players in %s", len(s.Players), s.Phase)
		}
	}})
	sg := teacher(CmdSetGroups)
	for g := 1; g <= 5; g++ {
		sg.Groups = append(sg.Groups, Group{ID: gid(g), Name: fmt.Sprintf("第%d组", g), Members: []int64{uid(g, 1), uid(g, 2), uid(g, 3), uid(g, 4), uid(g, 5)}})
	}
	add(classStep{"01:15", "the instructor forms five groups of five", sg, "", func(t *testing.T, s *State, _ time.Time) {
		for g := 1; g <= 5; g++ {
			if gr, ok := s.GroupOf(uid(g, 3)); !ok || gr.ID != gid(g) || gr.Leader != uid(g, 1) {
				t.Errorf("group of %d: %+v", uid(g, 3), gr)
			}
		}
	}})
	add(classStep{"01:30", "the definitions start: five minutes", ins(CmdAdvance), "", func(t *testing.T, s *State, now time.Time) {
		if s.Phase != PhaseDefine || s.Remaining(now) != 5*time.Minute {
			t.Errorf("%s, %v left", s.Phase, s.Remaining(now))
		}
	}})
	add(classStep{"01:45", "group 2 makes 204 its leader", leader(uid(2, 3), RoleStudent, 0, uid(2, 4)), "", nil})
	for g := 1; g <= 5; g++ {
		add(classStep{at: mmss(2*time.Minute + time.Duration(g-1)*20*time.Second), what: "a leader sends the group's definition",
			cmd: def(uid(g, 1), customers[g-1][0], customers[g-1][1])})
	}
	add(classStep{"03:30", "group 1 sharpens its expectations", def(uid(1, 2), customers[0][0], "上门取件、三天内退款"), "", nil})
	add(classStep{"03:35", "a student of group 3 tries to overwrite group 1", with(def(uid(3, 2), "随便", "随便"), func(c *Command) { c.Group = gid(1) }), "你不是这个小组的成员", nil})
	add(classStep{"03:40", "all defined early: skip to the show of hands", ins(CmdSkip), "", func(t *testing.T, s *State, now time.Time) {
		if s.Phase != PhaseHands || !s.Deadline.IsZero() || s.Remaining(now) != 0 {
			t.Errorf("%s deadline %v", s.Phase, s.Deadline)
		}
		for g := 1; g <= 5; g++ {
			gr, _ := s.GroupOf(uid(g, 1))
			if gr.Customer != customers[g-1][0] {
				t.Errorf("group %d customer %q", g, gr.Customer)
			}
		}
		if gr, _ := s.GroupOf(uid(1, 1)); gr.Expectations != "上门取件、三天内退款" {
			t.Errorf("group 1 expectations %q", gr.Expectations)
		}
		if gr, _ := s.GroupOf(uid(2, 1)); gr.Leader != uid(2, 4) {
			t.Errorf("group 2 leader %d", gr.Leader)
		}
	}})
	// 03:45–04:57 hands: everyone in groups 1–4 but the fifth member knows the term.
	for k := range 25 {
		g, m := k/5+1, k%5+1
		add(classStep{at: mmss(3*time.Minute + 45*time.Second + time.Duration(k)*3*time.Second), what: "a hand",
			cmd: with(student(uid(g, m), CmdHand), func(c *Command) { c.Yes = g < 5 && m < 5 })})
	}
	add(classStep{"05:00", "student 105 remembers the term after all", with(student(uid(1, 5), CmdHand), func(c *Command) { c.Yes = true }), "", func(t *testing.T, s *State, _ time.Time) {
		if len(s.HandsYes) != 17 || len(s.HandsNo) != 8 || !slices.IsSorted(s.HandsYes) || !slices.IsSorted(s.HandsNo) {
			t.Errorf("yes %d no %d", len(s.HandsYes), len(s.HandsNo))
		}
	}})
	add(classStep{"05:10", "Carlzon's definition on the projector", ins(CmdAdvance), "", nil})
	add(classStep{"05:20", "an eager student tries to post before the wall opens", text(student(uid(1, 3), CmdPost), "取件"), "现在是「卡尔森的定义」环节，不能往关键时刻墙上贴内容", nil})
	add(classStep{"06:10", "the wall opens: five minutes", ins(CmdAdvance), "", func(t *testing.T, s *State, now time.Time) {
		if !s.Deadline.Equal(clock(t, "11:10")) {
			t.Errorf("deadline %v", s.Deadline)
		}
	}})
	// 06:15–09:25 four posts per group; a question pauses the wall from 07:00 to 07:30.
	var wall []classStep
	for k := range 20 {
		g, m := k%5+1, k/5+1
		wall = append(wall, classStep{at: mmss(6*time.Minute + 15*time.Second + time.Duration(k)*10*time.Second), what: "a post",
			cmd: text(student(uid(g, m), CmdPost), moments[(g*4+m)%20])})
	}
	wall = append(wall,
		classStep{"07:00", "a student asks what counts as a moment: pause", ins(CmdPause), "", func(t *testing.T, s *State, now time.Time) {
			if !s.Paused || s.Remaining(now.Add(10*time.Minute)) != 4*time.Minute+10*time.Second {
				t.Errorf("paused %v left %v", s.Paused, s.Left)
			}
		}},
		classStep{"07:30", "resume", ins(CmdResume), "", func(t *testing.T, s *State, now time.Time) {
			if !s.Deadline.Equal(clock(t, "11:40")) || s.Remaining(now) != 4*time.Minute+10*time.Second {
				t.Errorf("deadline %v", s.Deadline)
			}
		}},
	)
	sort.SliceStable(wall, func(a, b int) bool { return wall[a].at < wall[b].at })
	steps = append(steps, wall...)
	add(classStep{"11:40", "time is up on the wall", Command{}, "", func(t *testing.T, s *State, now time.Time) {
		if !s.TimeUp(now) || s.TimeUp(now.Add(-time.Second)) || len(s.Wall) != 20 {
			t.Errorf("time up %v, %d posts", s.TimeUp(now), len(s.Wall))
		}
	}})
	add(classStep{"11:45", "a late post", text(student(uid(4, 5), CmdPost), "月底对账"), "时间到了，不能再提交", nil})
	add(classStep{"11:50", "the unconditional-returns question: three minutes", ins(CmdAdvance), "", nil})
	for g := 1; g <= 5; g++ {
		add(classStep{at: mmss(12*time.Minute + time.Duration(g-1)*10*time.Second), what: "a group answers",
			cmd: text(student(uid(g, 2), CmdAnswerReturns), fmt.Sprintf("第%d组：客户去退货的那一刻", g))})
	}
	add(classStep{"13:00", "all answered: skip to the reveal", ins(CmdSkip), "", func(t *testing.T, s *State, _ time.Time) {
		if !s.Revealed || s.Phase != PhaseReveal {
			t.Errorf("revealed %v in %s", s.Revealed, s.Phase)
		}
	}})
	add(classStep{"13:40", "the artefacts are dealt", ins(CmdAdvance), "", func(t *testing.T, s *State, _ time.Time) {
		seen := map[string]bool{}
		for _, g := range s.Groups {
			if !slices.Contains(DefaultDeck, g.Artefact) || seen[g.Artefact] {
				t.Errorf("group %d artefact %q", g.ID, g.Artefact)
			}
			seen[g.Artefact] = true
		}
	}})
	add(classStep{"14:00", "ten minutes to prepare the five questions", ins(CmdAdvance), "", nil})
	add(classStep{"15:00", "a student arrives late", join(601, "迟到的同学"), "", nil})
	add(classStep{"15:10", "the instructor seats them with group 3", move(601, gid(3)), "", func(t *testing.T, s *State, _ time.Time) {
		if g, ok := s.GroupOf(601); !ok || g.ID != gid(3) || len(g.Members) != 6 {
			t.Errorf("late student in %+v", g)
		}
	}})
	add(classStep{"24:00", "preparation time is up", Command{}, "", func(t *testing.T, s *State, now time.Time) {
		if !s.TimeUp(now) {
			t.Error("prepare should be over")
		}
	}})
	add(classStep{"24:05", "presentations", ins(CmdAdvance), "", func(t *testing.T, s *State, _ time.Time) {
		if !slices.Equal(s.Queue, []int64{10, 20, 30, 40, 50}) || s.Presenting != 0 || !s.Deadline.IsZero() {
			t.Errorf("queue %v presenting %d", s.Queue, s.Presenting)
		}
	}})
	for k, at := range []string{"24:10", "26:10", "28:10"} {
		add(classStep{at, "next group on stage", ins(CmdNextPresenter), "", func(t *testing.T, s *State, now time.Time) {
			if s.Presenting != gid(k+1) || s.Remaining(now) != 2*time.Minute {
				t.Errorf("presenting %d, %v left", s.Presenting, s.Remaining(now))
			}
		}})
	}
	add(classStep{"29:40", "group 3 (six of them) gets thirty seconds more", extend(30), "", func(t *testing.T, s *State, now time.Time) {
		if s.Remaining(now) != time.Minute {
			t.Errorf("%v left", s.Remaining(now))
		}
	}})
	add(classStep{"30:40", "group 4", ins(CmdNextPresenter), "", nil})
	add(classStep{"32:40", "group 5", ins(CmdNextPresenter), "", func(t *testing.T, s *State, _ time.Time) {
		if s.Presenting != 50 || len(s.Queue) != 0 || !slices.Equal(s.Presented, []int64{10, 20, 30, 40}) {
			t.Errorf("presenting %d queue %v presented %v", s.Presenting, s.Queue, s.Presented)
		}
	}})
	add(classStep{"34:00", "a double click on 下一组", ins(CmdNextPresenter), "所有小组都陈述完了", nil})
	add(classStep{"34:40", "cross review: five minutes", ins(CmdAdvance), "", func(t *testing.T, s *State, now time.Time) {
		if !slices.Equal(s.Presented, []int64{10, 20, 30, 40, 50}) || s.Presenting != 0 || s.Remaining(now) != 5*time.Minute {
			t.Errorf("presented %v", s.Presented)
		}
	}})
	k := 0
	for i := 1; i <= 5; i++ {
		for j := 1; j <= 5; j++ {
			if i == j {
				continue
			}
			add(classStep{at: mmss(34*time.Minute + 50*time.Second + time.Duration(k)*7*time.Second), what: "a group scores another",
				cmd: rev(uid(i, 1+k%5), gid(j), reviewScore(i, j), fmt.Sprintf("第%d组评第%d组", i, j))})
			k++
		}
	}
	add(classStep{"37:10", "group 2 tries to score itself", rev(uid(2, 2), gid(2), 5, "我们很好"), "不能给自己的小组打分", nil})
	add(classStep{"37:20", "group 1 talks it over and raises its score for group 2", rev(uid(1, 4), gid(2), 5, "第1组评第2组（修改）"), "", nil})
	add(classStep{"38:00", "all reviews in: skip to the summary", ins(CmdSkip), "", func(t *testing.T, s *State, _ time.Time) {
		if len(s.Reviews) != 20 {
			t.Errorf("%d reviews", len(s.Reviews))
		}
		res := s.ReviewResults()
		if len(res) != 5 {
			t.Fatalf("results %+v", res)
		}
		for j := 1; j <= 5; j++ {
			sum := 0
			for i := 1; i <= 5; i++ {
				switch {
				case i == j:
				case i == 1 && j == 2:
					sum += 5
				default:
					sum += reviewScore(i, j)
				}
			}
			r := res[j-1]
			if r.Group != gid(j) || r.Count != 4 || math.Abs(r.Mean-float64(sum)/4) > 1e-9 || len(r.Comments) != 4 {
				t.Errorf("group %d: %+v, want mean %v", j, r, float64(sum)/4)
			}
		}
		if c := res[1].Comments[0]; !strings.Contains(c, "修改") {
			t.Errorf("group 2's first comment %q", c)
		}
	}})
	add(classStep{"40:00", "the bell", ins(CmdEnd), "", func(t *testing.T, s *State, _ time.Time) {
		if s.Phase != PhaseEnded || !s.Deadline.IsZero() {
			t.Errorf("%s", s.Phase)
		}
	}})
	add(classStep{"40:05", "a phone that slept through it all tries to join", join(777, "睡着的同学"), "游戏已经结束", nil})
	return steps
}

// A full 40-minute class, every phase, 5 groups of 5 (and one latecomer).
func TestFortyMinuteClass(t *testing.T) {
	cases := fortyMinuteClass()
	s := New(DefaultConfig(), 20250304, t0)
	type kept struct{ state, copy *State }
	var history []kept
	last := "00:00"
	applied := 0
	for i, tc := range cases {
		if tc.at < last {
			t.Fatalf("step %d (%s) at %s goes back in time from %s", i, tc.what, tc.at, last)
		}
		last = tc.at
		now := clock(t, tc.at)
		if tc.cmd.Kind != "" {
			if tc.err != "" {
				refuse(t, s, tc.cmd, now, tc.err)
			} else {
				history = append(history, kept{s, snapshot(t, s)})
				s, _ = apply(t, s, tc.cmd, now)
				applied++
			}
		}
		if tc.check != nil {
			t.Run(fmt.Sprintf("%s %s", tc.at, tc.what), func(t *testing.T) { tc.check(t, s, now) })
		}
	}
	if s.Seq != applied || s.Phase != PhaseEnded {
		t.Errorf("seq %d after %d commands, phase %s", s.Seq, applied, s.Phase)
	}
	if clock(t, last).Sub(t0) > 41*time.Minute {
		t.Errorf("the class took %v", clock(t, last).Sub(t0))
	}
	// No later command reached back into an earlier state through a shared slice.
	for i, h := range history {
		if !equalStates(h.state, h.copy) {
			t.Fatalf("state before command %d was changed later", i)
		}
	}
}
