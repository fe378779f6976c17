package keymoments

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// rule says who may send a command kind and in which phases.
type rule struct {
	role   Role    // "" when either role may send it (the handler checks)
	verb   string  // Chinese, for "现在是「…」环节，不能<verb>"
	phases []Phase // nil: every phase but ended
}

var beforeDeal = []Phase{PhaseLobby, PhaseDefine, PhaseHands, PhaseCarlzon, PhaseWall, PhaseReturns, PhaseReveal}

var rules = map[string]rule{
	CmdJoin:          {RoleStudent, "加入游戏", nil},
	CmdSetGroups:     {RoleInstructor, "重新分组", beforeDeal},
	CmdMove:          {RoleInstructor, "调整学生的小组", nil},
	CmdSetLeader:     {"", "指定组长", []Phase{PhaseLobby, PhaseDefine}},
	CmdDefine:        {RoleStudent, "提交客户和期望", []Phase{PhaseDefine}},
	CmdHand:          {RoleStudent, "举手", []Phase{PhaseHands}},
	CmdPost:          {RoleStudent, "往关键时刻墙上贴内容", []Phase{PhaseWall}},
	CmdAnswerReturns: {RoleStudent, "回答无条件退货之问", []Phase{PhaseReturns}},
	CmdAdvance:       {RoleInstructor, "进入下一环节", nil},
	CmdSkip:          {RoleInstructor, "跳到下一环节", nil},
	CmdBack:          {RoleInstructor, "返回上一环节", nil},
	CmdPause:         {RoleInstructor, "暂停计时", nil},
	CmdResume:        {RoleInstructor, "继续计时", nil},
	CmdExtend:        {RoleInstructor, "延长时间", nil},
	CmdNextPresenter: {RoleInstructor, "请下一组陈述", []Phase{PhasePresent}},
	CmdReview:        {RoleStudent, "互评打分", []Phase{PhaseReview}},
	CmdEnd:           {RoleInstructor, "结束游戏", nil},
}

func fail(msg string) *Error { return &Error{Message: msg} }

func failf(format string, a ...any) *Error { return &Error{Message: fmt.Sprintf(format, a...)} }

// Apply validates cmd against s at time now. On success it returns a new state (s itself is
// never changed) with Seq one higher, and the events telling the server which screens to
// refresh. On refusal it returns s unchanged, no events and an *Error with a Chinese message.
func Apply(s *State, cmd Command, now time.Time) (*State, []Event, error) {
	if s == nil {
		return nil, nil, fail("游戏不存在")
	}
	now = norm(now)
	r, ok := rules[cmd.Kind]
	if !ok {
		return s, nil, failf("未知的操作：%q", cmd.Kind)
	}
	if cmd.Role != RoleInstructor && cmd.Role != RoleStudent {
		return s, nil, fail("未知的身份，只能是教师或学生")
	}
	if s.Phase == PhaseEnded {
		return s, nil, fail("游戏已经结束")
	}
	switch r.role {
	case RoleInstructor:
		if cmd.Role != RoleInstructor {
			return s, nil, failf("只有老师可以%s", r.verb)
		}
	case RoleStudent:
		if cmd.Role != RoleStudent {
			return s, nil, failf("只有学生可以%s", r.verb)
		}
	}
	if r.phases != nil && !slices.Contains(r.phases, s.Phase) {
		return s, nil, failf("现在是「%s」环节，不能%s", s.Phase.Label(), r.verb)
	}
	if cmd.Role == RoleStudent && cmd.Kind != CmdJoin {
		if _, ok := s.player(cmd.Actor); !ok {
			return s, nil, fail("请先加入游戏")
		}
	}
	n := s.clone()
	var (
		ev  []Event
		err *Error
	)
	switch cmd.Kind {
	case CmdJoin:
		ev, err = n.join(cmd, now)
	case CmdSetGroups:
		ev, err = n.setGroups(cmd)
	case CmdMove:
		ev, err = n.move(cmd)
	case CmdSetLeader:
		ev, err = n.setLeader(cmd)
	case CmdDefine:
		ev, err = n.define(cmd, now)
	case CmdHand:
		ev, err = n.hand(cmd)
	case CmdPost:
		ev, err = n.post(cmd, now)
	case CmdAnswerReturns:
		ev, err = n.answerReturns(cmd, now)
	case CmdAdvance, CmdSkip:
		ev, err = n.advance(now)
	case CmdBack:
		ev, err = n.back(now)
	case CmdPause:
		ev, err = n.pause(now)
	case CmdResume:
		ev, err = n.resume(now)
	case CmdExtend:
		ev, err = n.extend(cmd, now)
	case CmdNextPresenter:
		ev, err = n.nextPresenter(now)
	case CmdReview:
		ev, err = n.review(cmd, now)
	case CmdEnd:
		ev, err = n.enter(PhaseEnded, now, true), nil
	}
	if err != nil {
		return s, nil, err
	}
	n.Seq++
	if ev == nil {
		ev = []Event{}
	}
	return n, ev, nil
}

// cleanText trims v and checks it is present and at most max runes.
func cleanText(label, v string, max int) (string, *Error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) {
		return "", failf("%s包含无法识别的字符", label)
	}
	if v == "" {
		return "", failf("%s不能为空", label)
	}
	if utf8.RuneCountInString(v) > max {
		return "", failf("%s不能超过 %d 个字", label, max)
	}
	return v, nil
}

// ownGroup is the index of the sender's group. A student naming another group in cmd.Group is
// refused.
func (s *State) ownGroup(cmd Command) (int, *Error) {
	i := s.groupIndexOf(cmd.Actor)
	if cmd.Group != 0 && (i < 0 || s.Groups[i].ID != cmd.Group) {
		if s.groupIndex(cmd.Group) < 0 {
			return -1, fail("找不到这个小组")
		}
		return -1, fail("你不是这个小组的成员")
	}
	if i < 0 {
		return -1, fail("你还没有分组，请等老师分组")
	}
	return i, nil
}

func (s *State) notTimeUp(now time.Time) *Error {
	if s.TimeUp(now) {
		return fail("时间到了，不能再提交")
	}
	return nil
}

func (s *State) join(cmd Command, now time.Time) ([]Event, *Error) {
	if cmd.Actor <= 0 {
		return nil, fail("用户编号无效")
	}
	name := strings.TrimSpace(cmd.Name)
	if name == "" {
		return nil, fail("请填写名字")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLength {
		return nil, failf("名字不能超过 %d 个字", MaxNameLength)
	}
	i, found := s.player(cmd.Actor)
	if found {
		return nil, nil // already in: nothing changes
	}
	s.Players = slices.Insert(s.Players, i, Player{UserID: cmd.Actor, Name: name, JoinedAt: now})
	return []Event{{Kind: "players"}}, nil
}

func (s *State) setGroups(cmd Command) ([]Event, *Error) {
	if len(cmd.Groups) == 0 {
		return nil, fail("至少要有一个小组")
	}
	seenGroup := map[int64]bool{}
	seenUser := map[int64]bool{}
	out := make([]Group, 0, len(cmd.Groups))
	for _, in := range cmd.Groups {
		if in.ID <= 0 {
			return nil, fail("小组编号无效")
		}
		if seenGroup[in.ID] {
			return nil, failf("小组编号 %d 重复", in.ID)
		}
		seenGroup[in.ID] = true
		name := strings.TrimSpace(in.Name)
		if name == "" {
			return nil, fail("小组名称不能为空")
		}
		if len(in.Members) == 0 {
			return nil, failf("「%s」没有成员", name)
		}
		for _, u := range in.Members {
			p, ok := s.player(u)
			if !ok {
				return nil, failf("「%s」里有还没加入游戏的学生", name)
			}
			if seenUser[u] {
				return nil, failf("%s 不能同时在两个小组", s.Players[p].Name)
			}
			seenUser[u] = true
		}
		g := Group{ID: in.ID, Name: name, Members: slices.Clone(in.Members)}
		var old *Group
		if oi := s.groupIndex(in.ID); oi >= 0 {
			old = &s.Groups[oi]
			g.Customer, g.Expectations = old.Customer, old.Expectations
			g.ReturnsAnswer, g.Artefact = old.ReturnsAnswer, old.Artefact
		}
		switch {
		case in.Leader != 0:
			if !slices.Contains(g.Members, in.Leader) {
				return nil, failf("「%s」的组长必须是本组成员", name)
			}
			g.Leader = in.Leader
		case old != nil && slices.Contains(g.Members, old.Leader):
			g.Leader = old.Leader
		default:
			g.Leader = g.Members[0]
		}
		out = append(out, g)
	}
	s.Groups = out
	return []Event{{Kind: "groups"}}, nil
}

func (s *State) move(cmd Command) ([]Event, *Error) {
	if _, ok := s.player(cmd.User); !ok {
		return nil, fail("找不到这个学生")
	}
	to := s.groupIndex(cmd.Group)
	if to < 0 {
		return nil, fail("找不到这个小组")
	}
	from := s.groupIndexOf(cmd.User)
	if from == to {
		return nil, fail("这名学生已经在这个小组")
	}
	if from >= 0 {
		g := &s.Groups[from]
		g.Members = slices.DeleteFunc(g.Members, func(u int64) bool { return u == cmd.User })
		if g.Leader == cmd.User {
			g.Leader = 0
			if len(g.Members) > 0 {
				g.Leader = g.Members[0]
			}
		}
	}
	g := &s.Groups[to]
	g.Members = append(g.Members, cmd.User)
	if g.Leader == 0 {
		g.Leader = cmd.User
	}
	return []Event{{Kind: "groups"}}, nil
}

func (s *State) setLeader(cmd Command) ([]Event, *Error) {
	var gi int
	if cmd.Role == RoleInstructor {
		if gi = s.groupIndex(cmd.Group); gi < 0 {
			return nil, fail("找不到这个小组")
		}
	} else {
		var err *Error
		if gi, err = s.ownGroup(cmd); err != nil {
			return nil, err
		}
	}
	g := &s.Groups[gi]
	if !slices.Contains(g.Members, cmd.User) {
		return nil, fail("组长必须是本组成员")
	}
	g.Leader = cmd.User
	return []Event{{Kind: "group", Group: g.ID}}, nil
}

func (s *State) define(cmd Command, now time.Time) ([]Event, *Error) {
	gi, err := s.ownGroup(cmd)
	if err != nil {
		return nil, err
	}
	if err := s.notTimeUp(now); err != nil {
		return nil, err
	}
	customer, err := cleanText("客户", cmd.Text, s.Config.MaxText)
	if err != nil {
		return nil, err
	}
	expect, err := cleanText("客户的期望", cmd.Text2, s.Config.MaxText)
	if err != nil {
		return nil, err
	}
	g := &s.Groups[gi]
	g.Customer, g.Expectations = customer, expect
	return []Event{{Kind: "group", Group: g.ID}}, nil
}

func (s *State) hand(cmd Command) ([]Event, *Error) {
	drop := func(ids []int64) []int64 {
		return slices.DeleteFunc(ids, func(u int64) bool { return u == cmd.Actor })
	}
	s.HandsYes, s.HandsNo = drop(s.HandsYes), drop(s.HandsNo)
	list := &s.HandsNo
	if cmd.Yes {
		list = &s.HandsYes
	}
	i, _ := slices.BinarySearch(*list, cmd.Actor)
	*list = slices.Insert(*list, i, cmd.Actor)
	return []Event{{Kind: "hands"}}, nil
}

func (s *State) post(cmd Command, now time.Time) ([]Event, *Error) {
	gi, err := s.ownGroup(cmd)
	if err != nil {
		return nil, err
	}
	if err := s.notTimeUp(now); err != nil {
		return nil, err
	}
	text, err := cleanText("内容", cmd.Text, s.Config.MaxText)
	if err != nil {
		return nil, err
	}
	gid := s.Groups[gi].ID
	count := 0
	for _, p := range s.Wall {
		if p.GroupID != gid {
			continue
		}
		count++
		if p.Text == text {
			return nil, fail("这一条你们组已经贴过了")
		}
	}
	if count >= MaxPostsPerGroup {
		return nil, failf("每组最多贴 %d 条", MaxPostsPerGroup)
	}
	s.Wall = append(s.Wall, Post{ID: len(s.Wall) + 1, GroupID: gid, UserID: cmd.Actor, Text: text, At: now})
	return []Event{{Kind: "wall"}}, nil
}

func (s *State) answerReturns(cmd Command, now time.Time) ([]Event, *Error) {
	gi, err := s.ownGroup(cmd)
	if err != nil {
		return nil, err
	}
	if err := s.notTimeUp(now); err != nil {
		return nil, err
	}
	text, err := cleanText("答案", cmd.Text, s.Config.MaxText)
	if err != nil {
		return nil, err
	}
	s.Groups[gi].ReturnsAnswer = text
	return []Event{{Kind: "returns", Group: s.Groups[gi].ID}}, nil
}

func (s *State) review(cmd Command, now time.Time) ([]Event, *Error) {
	gi, err := s.ownGroup(Command{Actor: cmd.Actor}) // cmd.Group is the reviewed group
	if err != nil {
		return nil, err
	}
	from := s.Groups[gi].ID
	if err := s.notTimeUp(now); err != nil {
		return nil, err
	}
	if cmd.Group == 0 {
		return nil, fail("请选择要评分的小组")
	}
	if cmd.Group == from {
		return nil, fail("不能给自己的小组打分")
	}
	if !slices.Contains(s.Presented, cmd.Group) {
		if s.groupIndex(cmd.Group) < 0 {
			return nil, fail("找不到这个小组")
		}
		return nil, fail("这个小组还没有陈述，不能评分")
	}
	if cmd.Score < 1 || cmd.Score > 5 {
		return nil, fail("评分必须是 1 到 5 分")
	}
	comment, err := cleanText("评语", cmd.Text, s.Config.MaxText)
	if err != nil {
		return nil, err
	}
	rv := Review{From: from, To: cmd.Group, Score: cmd.Score, Comment: comment, By: cmd.Actor}
	i, found := slices.BinarySearchFunc(s.Reviews, rv, func(a, b Review) int {
		if a.From != b.From {
			return cmpInt(a.From, b.From)
		}
		return cmpInt(a.To, b.To)
	})
	if found {
		s.Reviews[i] = rv
	} else {
		s.Reviews = slices.Insert(s.Reviews, i, rv)
	}
	return []Event{{Kind: "reviews", Group: from}}, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *State) advance(now time.Time) ([]Event, *Error) {
	next := phaseOrder[s.Phase.index()+1]
	if s.Phase == PhaseLobby && !slices.ContainsFunc(s.Groups, func(g Group) bool { return len(g.Members) > 0 }) {
		return nil, fail("还没有分组")
	}
	if next == PhaseDeal && len(s.Config.Deck) == 0 && len(s.Groups) > 0 {
		return nil, fail("没有可以发放的交流材料")
	}
	return s.enter(next, now, true), nil
}

func (s *State) back(now time.Time) ([]Event, *Error) {
	i := s.Phase.index()
	if i <= 0 {
		return nil, fail("已经是第一个环节，不能再返回")
	}
	return s.enter(phaseOrder[i-1], now, false), nil
}

// enter leaves the current phase and starts p. forward is false when going back.
func (s *State) enter(p Phase, now time.Time, forward bool) []Event {
	ev := []Event{{Kind: "phase"}}
	queueChanged := false
	if s.Phase == PhasePresent && s.Presenting != 0 {
		if forward { // the group on stage has presented
			s.Presented = append(s.Presented, s.Presenting)
		} else { // interrupted: they are first when present starts again
			s.Queue = slices.Insert(s.Queue, 0, s.Presenting)
		}
		s.Presenting = 0
		queueChanged = true
	}
	s.Phase, s.PhaseStarted = p, now
	s.Deadline, s.Paused, s.Left = time.Time{}, false, 0
	switch {
	case p == PhaseReveal:
		s.Revealed = true
	case !forward && p.index() < PhaseReveal.index():
		s.Revealed = false
	}
	if forward && p == PhaseDeal {
		s.deal()
		ev = append(ev, Event{Kind: "deal"})
	}
	if forward && p == PhasePresent {
		s.Queue = s.Queue[:0]
		for _, g := range s.Groups {
			if len(g.Members) > 0 && !slices.Contains(s.Presented, g.ID) {
				s.Queue = append(s.Queue, g.ID)
			}
		}
		queueChanged = true
	}
	if queueChanged {
		ev = append(ev, Event{Kind: "queue"})
	}
	// present's timer starts with each presenter (next-presenter), not with the phase.
	if d := s.Config.Durations[p]; d > 0 && p != PhasePresent {
		s.Deadline = now.Add(d)
		ev = append(ev, Event{Kind: "timer"})
	}
	if p == PhaseEnded {
		ev = append(ev, Event{Kind: "ended"})
	}
	return ev
}

// dealStream is the PCG stream (second seed word) of the deal.
const dealStream = 0x6b65796d6f6d656e // "keymomen"

// deal shuffles the deck with the seed and gives the i-th group (display order) the i-th
// artefact, starting again from the first when there are more groups than artefacts. The
// shuffle is a Fisher–Yates over the PCG's raw output with an unbiased bounded draw written
// here, so a recorded game deals the same cards whatever Go's rand.Shuffle does in future.
func (s *State) deal() {
	if len(s.Config.Deck) == 0 {
		return
	}
	deck := shuffled(s.Config.Deck, s.Seed)
	for i := range s.Groups {
		s.Groups[i].Artefact = deck[i%len(deck)]
	}
}

func shuffled(in []string, seed uint64) []string {
	deck := slices.Clone(in)
	src := newDealSource(seed)
	for i := len(deck) - 1; i > 0; i-- {
		j := bounded(src, uint64(i+1))
		deck[i], deck[j] = deck[j], deck[i]
	}
	return deck
}

func newDealSource(seed uint64) *rand.PCG { return rand.NewPCG(seed, dealStream) }

// bounded draws uniformly from [0, n) (Lemire's multiply-and-reject).
func bounded(src *rand.PCG, n uint64) uint64 {
	threshold := -n % n
	for {
		hi, lo := bits.Mul64(src.Uint64(), n)
		if lo >= threshold {
			return hi
		}
	}
}

func (s *State) pause(now time.Time) ([]Event, *Error) {
	if !s.timing() {
		return nil, fail("当前环节没有计时")
	}
	if s.Paused {
		return nil, fail("计时已经暂停了")
	}
	if s.TimeUp(now) {
		return nil, fail("时间已经到了，不能暂停；可以延长时间")
	}
	s.Left = s.Remaining(now)
	s.Paused, s.Deadline = true, time.Time{}
	return []Event{{Kind: "timer"}}, nil
}

func (s *State) resume(now time.Time) ([]Event, *Error) {
	if !s.timing() {
		return nil, fail("当前环节没有计时")
	}
	if !s.Paused {
		return nil, fail("计时没有暂停")
	}
	s.Deadline = now.Add(s.Left)
	s.Paused, s.Left = false, 0
	return []Event{{Kind: "timer"}}, nil
}

func (s *State) extend(cmd Command, now time.Time) ([]Event, *Error) {
	if !s.timing() {
		return nil, fail("当前环节没有计时")
	}
	if cmd.Seconds < 1 || cmd.Seconds > MaxExtendSeconds {
		return nil, failf("延长的时间必须是 1 到 %d 秒", MaxExtendSeconds)
	}
	d := time.Duration(cmd.Seconds) * time.Second
	switch {
	case s.Paused:
		s.Left += d
	case s.TimeUp(now):
		s.Deadline = now.Add(d)
	default:
		s.Deadline = s.Deadline.Add(d)
	}
	return []Event{{Kind: "timer"}}, nil
}

func (s *State) nextPresenter(now time.Time) ([]Event, *Error) {
	if len(s.Queue) == 0 {
		return nil, fail("所有小组都陈述完了")
	}
	if s.Presenting != 0 {
		s.Presented = append(s.Presented, s.Presenting)
	}
	s.Presenting = s.Queue[0]
	s.Queue = slices.Delete(s.Queue, 0, 1)
	s.Deadline, s.Paused, s.Left = time.Time{}, false, 0
	if d := s.Config.Durations[PhasePresent]; d > 0 {
		s.Deadline = now.Add(d)
	}
	return []Event{{Kind: "queue"}, {Kind: "timer"}}, nil
}
