package keymoments

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// in is a class of 3 groups of 4 in phase p; the time returned is when p started.
func in(p Phase) func(t *testing.T) (*State, time.Time) {
	return func(t *testing.T) (*State, time.Time) {
		return to(t, class(t, DefaultConfig(), 3, 4), p)
	}
}

// then runs more commands (each one second after the last) on top of a setup.
func then(setup func(t *testing.T) (*State, time.Time), cmds ...Command) func(t *testing.T) (*State, time.Time) {
	return func(t *testing.T) (*State, time.Time) {
		s, now := setup(t)
		for _, c := range cmds {
			now = now.Add(time.Second)
			s, _ = apply(t, s, c, now)
		}
		return s, now
	}
}

func with(c Command, f func(*Command)) Command {
	f(&c)
	return c
}

func text(c Command, text string) Command { return with(c, func(c *Command) { c.Text = text }) }

func def(id int64, customer, expect string) Command {
	return with(student(id, CmdDefine), func(c *Command) { c.Text, c.Text2 = customer, expect })
}

func rev(id, group int64, score int, comment string) Command {
	return with(student(id, CmdReview), func(c *Command) { c.Group, c.Score, c.Text = group, score, comment })
}

func groupsCmd(groups ...Group) Command {
	return with(teacher(CmdSetGroups), func(c *Command) { c.Groups = groups })
}

// inReview is a review phase where groups 10 and 20 presented and group 30 did not.
func inReview(t *testing.T) (*State, time.Time) {
	return then(in(PhasePresent), teacher(CmdNextPresenter), teacher(CmdNextPresenter), teacher(CmdAdvance))(t)
}

// Every command the engine must refuse, with the message the phone or console shows.
func TestRefusedCommands(t *testing.T) {
	long := strings.Repeat("客", 201)
	cases := []struct {
		name  string
		setup func(t *testing.T) (*State, time.Time)
		after time.Duration // how long after the setup the command arrives
		cmd   Command
		want  string
	}{
		// wrong role
		{"a student clicks 下一环节 on a borrowed console link", in(PhaseDefine), 0, student(101, CmdAdvance), "只有老师可以进入下一环节"},
		{"a student tries to end the class", in(PhaseWall), 0, student(101, CmdEnd), "只有老师可以结束游戏"},
		{"a student tries to pause the timer", in(PhaseWall), 0, student(101, CmdPause), "只有老师可以暂停计时"},
		{"a student tries to regroup the class", in(PhaseLobby), 0, with(groupsCmd(), func(c *Command) { c.Actor, c.Role = 101, RoleStudent }), "只有老师可以重新分组"},
		{"a student tries to move a classmate", in(PhaseLobby), 0, with(student(101, CmdMove), func(c *Command) { c.User, c.Group = 102, 20 }), "只有老师可以调整学生的小组"},
		{"a student calls the next presenter", in(PhasePresent), 0, student(101, CmdNextPresenter), "只有老师可以请下一组陈述"},
		{"the instructor tries to post on the wall", in(PhaseWall), 0, text(teacher(CmdPost), "送货迟到"), "只有学生可以往关键时刻墙上贴内容"},
		{"the instructor raises a hand", in(PhaseHands), 0, with(teacher(CmdHand), func(c *Command) { c.Yes = true }), "只有学生可以举手"},
		{"the instructor tries to join as a student", in(PhaseLobby), 0, with(teacher(CmdJoin), func(c *Command) { c.Name = "王老师" }), "只有学生可以加入游戏"},
		{"the instructor scores a group", inReview, 0, with(rev(0, 10, 5, "好"), func(c *Command) { c.Actor, c.Role = teacherID, RoleInstructor }), "只有学生可以互评打分"},
		{"a command without a role", in(PhaseLobby), 0, Command{Kind: CmdAdvance, Actor: teacherID}, "未知的身份，只能是教师或学生"},
		{"an old client sends an unknown command", in(PhaseLobby), 0, teacher("shuffle"), `未知的操作："shuffle"`},
		// wrong phase
		{"a fast group posts on the wall during define", in(PhaseDefine), 0, text(student(101, CmdPost), "送货迟到"), "现在是「定义客户与期望」环节，不能往关键时刻墙上贴内容"},
		{"a slow group sends its definition during the show of hands", in(PhaseHands), 0, def(101, "电商卖家", "准时揽收"), "现在是「举手调查」环节，不能提交客户和期望"},
		{"a hand raised in the lobby", in(PhaseLobby), 0, with(student(101, CmdHand), func(c *Command) { c.Yes = true }), "现在是「等待加入」环节，不能举手"},
		{"a returns answer after the reveal", in(PhaseReveal), 0, text(student(101, CmdAnswerReturns), "随时能退"), "现在是「揭晓答案」环节，不能回答无条件退货之问"},
		{"next presenter during preparation", in(PhasePrepare), 0, teacher(CmdNextPresenter), "现在是「小组准备」环节，不能请下一组陈述"},
		{"a review sent while groups are still presenting", then(in(PhasePresent), teacher(CmdNextPresenter)), 0, rev(201, 10, 4, "清楚"), "现在是「小组陈述」环节，不能互评打分"},
		{"regrouping after the deck was dealt", in(PhasePrepare), 0, groupsCmd(Group{ID: 10, Name: "第1组", Members: []int64{101}}), "现在是「小组准备」环节，不能重新分组"},
		{"choosing a leader during the wall", in(PhaseWall), 0, with(student(101, CmdSetLeader), func(c *Command) { c.User = 102 }), "现在是「关键时刻墙」环节，不能指定组长"},
		// after the end
		{"joining after the class ended", in(PhaseEnded), 0, with(student(999, CmdJoin), func(c *Command) { c.Name = "迟到的同学" }), "游戏已经结束"},
		{"advance after the end", in(PhaseEnded), 0, teacher(CmdAdvance), "游戏已经结束"},
		{"back after the end", in(PhaseEnded), 0, teacher(CmdBack), "游戏已经结束"},
		{"end twice", in(PhaseEnded), 0, teacher(CmdEnd), "游戏已经结束"},
		// who the student is
		{"joining without a name", in(PhaseLobby), 0, student(999, CmdJoin), "请填写名字"},
		{"joining with a name of spaces", in(PhaseLobby), 0, with(student(999, CmdJoin), func(c *Command) { c.Name = "   " }), "请填写名字"},
		{"joining with no user id", in(PhaseLobby), 0, with(student(0, CmdJoin), func(c *Command) { c.Name = "张三" }), "用户编号无效"},
		{"a phone that never joined votes", in(PhaseHands), 0, student(777, CmdHand), "请先加入游戏"},
		{"a late joiner without a group posts", then(in(PhaseCarlzon), with(student(999, CmdJoin), func(c *Command) { c.Name = "迟到的同学" }), teacher(CmdAdvance)), 0, text(student(999, CmdPost), "电话没人接"), "你还没有分组，请等老师分组"},
		{"a student of group 2 writes group 1's definition", in(PhaseDefine), 0, with(def(201, "电商卖家", "准时揽收"), func(c *Command) { c.Group = 10 }), "你不是这个小组的成员"},
		{"a student of group 2 answers for group 3", in(PhaseReturns), 0, with(text(student(201, CmdAnswerReturns), "退货简单"), func(c *Command) { c.Group = 30 }), "你不是这个小组的成员"},
		{"a student of group 2 posts for group 1", in(PhaseWall), 0, with(text(student(201, CmdPost), "退货简单"), func(c *Command) { c.Group = 10 }), "你不是这个小组的成员"},
		{"a definition for a group that does not exist", in(PhaseDefine), 0, with(def(101, "电商卖家", "准时揽收"), func(c *Command) { c.Group = 99 }), "找不到这个小组"},
		{"a student of group 2 picks group 1's leader", in(PhaseDefine), 0, with(student(201, CmdSetLeader), func(c *Command) { c.Group, c.User = 10, 102 }), "你不是这个小组的成员"},
		{"a student makes a classmate of another group the leader", in(PhaseLobby), 0, with(student(101, CmdSetLeader), func(c *Command) { c.User = 201 }), "组长必须是本组成员"},
		// text
		{"an empty customer", in(PhaseDefine), 0, def(101, "", "准时揽收"), "客户不能为空"},
		{"expectations of only spaces", in(PhaseDefine), 0, def(101, "电商卖家", " \t "), "客户的期望不能为空"},
		{"a customer of 201 characters", in(PhaseDefine), 0, def(101, long, "准时揽收"), "客户不能超过 200 个字"},
		{"expectations of 201 characters", in(PhaseDefine), 0, def(101, "电商卖家", long), "客户的期望不能超过 200 个字"},
		{"an empty post", in(PhaseWall), 0, text(student(101, CmdPost), "  "), "内容不能为空"},
		{"a pasted essay on the wall", in(PhaseWall), 0, text(student(101, CmdPost), long), "内容不能超过 200 个字"},
		{"an empty returns answer", in(PhaseReturns), 0, student(101, CmdAnswerReturns), "答案不能为空"},
		{"a returns answer of 201 characters", in(PhaseReturns), 0, text(student(101, CmdAnswerReturns), long), "答案不能超过 200 个字"},
		{"a score without a comment", inReview, 0, rev(301, 10, 4, ""), "评语不能为空"},
		{"a comment of 201 characters", inReview, 0, rev(301, 10, 4, long), "评语不能超过 200 个字"},
		{"a post with broken encoding", in(PhaseWall), 0, text(student(101, CmdPost), "送货\xff迟到"), "内容包含无法识别的字符"},
		{"the same moment posted twice by a double tap", then(in(PhaseWall), text(student(101, CmdPost), "签收时包裹破损")), 0, text(student(102, CmdPost), " 签收时包裹破损 "), "这一条你们组已经贴过了"},
		{"a 21st post from one group", fullWall, 0, text(student(101, CmdPost), "第二十一条"), "每组最多贴 20 条"},
		// time up
		{"a definition sent as the timer hits zero", in(PhaseDefine), 5 * time.Minute, def(101, "电商卖家", "准时揽收"), "时间到了，不能再提交"},
		{"posting after the wall's time is up", in(PhaseWall), 5*time.Minute + time.Second, text(student(101, CmdPost), "客服电话打不通"), "时间到了，不能再提交"},
		{"answering the returns question late", in(PhaseReturns), 4 * time.Minute, text(student(101, CmdAnswerReturns), "随时能退"), "时间到了，不能再提交"},
		{"reviewing after time is up", inReview, 6 * time.Minute, rev(301, 10, 4, "清楚"), "时间到了，不能再提交"},
		// review
		{"a group scores itself", inReview, 0, rev(101, 10, 5, "我们最棒"), "不能给自己的小组打分"},
		{"a score of 0", inReview, 0, rev(301, 10, 0, "一般"), "评分必须是 1 到 5 分"},
		{"a score of 6", inReview, 0, rev(301, 10, 6, "超级好"), "评分必须是 1 到 5 分"},
		{"scoring a group that did not present", inReview, 0, rev(101, 30, 3, "还没讲"), "这个小组还没有陈述，不能评分"},
		{"scoring a group that does not exist", inReview, 0, rev(101, 99, 3, "谁"), "找不到这个小组"},
		{"a review without choosing a group", inReview, 0, rev(301, 0, 3, "好"), "请选择要评分的小组"},
		// phases
		{"advancing from the lobby with no groups", func(t *testing.T) (*State, time.Time) { return class(t, DefaultConfig(), 0, 0), t0 }, 0, teacher(CmdAdvance), "还没有分组"},
		{"skipping from the lobby with students but no groups", func(t *testing.T) (*State, time.Time) {
			s := New(DefaultConfig(), 1, t0)
			s, _ = apply(t, s, with(student(101, CmdJoin), func(c *Command) { c.Name = "张三" }), t0)
			return s, t0
		}, 0, teacher(CmdSkip), "还没有分组"},
		{"back from the lobby", in(PhaseLobby), 0, teacher(CmdBack), "已经是第一个环节，不能再返回"},
		{"dealing an empty deck", func(t *testing.T) (*State, time.Time) {
			cfg := DefaultConfig()
			cfg.Deck = []string{}
			return to(t, class(t, cfg, 3, 4), PhaseReveal)
		}, 0, teacher(CmdAdvance), "没有可以发放的交流材料"},
		{"next presenter when every group has presented", then(in(PhasePresent), teacher(CmdNextPresenter), teacher(CmdNextPresenter), teacher(CmdNextPresenter)), 0, teacher(CmdNextPresenter), "所有小组都陈述完了"},
		// timer
		{"pause during the show of hands (no timer)", in(PhaseHands), 0, teacher(CmdPause), "当前环节没有计时"},
		{"pause in the summary", in(PhaseSummary), 0, teacher(CmdPause), "当前环节没有计时"},
		{"pause before the first presenter starts", in(PhasePresent), 0, teacher(CmdPause), "当前环节没有计时"},
		{"resume in the lobby", in(PhaseLobby), 0, teacher(CmdResume), "当前环节没有计时"},
		{"extend during the reveal", in(PhaseReveal), 0, with(teacher(CmdExtend), func(c *Command) { c.Seconds = 60 }), "当前环节没有计时"},
		{"pause twice", then(in(PhaseWall), teacher(CmdPause)), 0, teacher(CmdPause), "计时已经暂停了"},
		{"resume a running timer", in(PhaseWall), 0, teacher(CmdResume), "计时没有暂停"},
		{"pause after the time is up", in(PhaseWall), 6 * time.Minute, teacher(CmdPause), "时间已经到了，不能暂停；可以延长时间"},
		{"extend by 0 seconds", in(PhaseWall), 0, teacher(CmdExtend), "延长的时间必须是 1 到 1800 秒"},
		{"extend by more than half an hour", in(PhaseWall), 0, with(teacher(CmdExtend), func(c *Command) { c.Seconds = 1801 }), "延长的时间必须是 1 到 1800 秒"},
		// groups
		{"regrouping with nobody", in(PhaseLobby), 0, groupsCmd(), "至少要有一个小组"},
		{"a group with no members", in(PhaseLobby), 0, groupsCmd(Group{ID: 10, Name: "第1组", Members: []int64{101}}, Group{ID: 20, Name: "第2组"}), "「第2组」没有成员"},
		{"a group with a student who never joined", in(PhaseLobby), 0, groupsCmd(Group{ID: 10, Name: "第1组", Members: []int64{101, 555}}), "「第1组」里有还没加入游戏的学生"},
		{"a student put in two groups", in(PhaseLobby), 0, groupsCmd(Group{ID: 10, Name: "第1组", Members: []int64{101, 102}}, Group{ID: 20, Name: "第2组", Members: []int64{201, 101}}), "学生101 不能同时在两个小组"},
		{"two groups with the same id", in(PhaseLobby), 0, groupsCmd(Group{ID: 10, Name: "第1组", Members: []int64{101}}, Group{ID: 10, Name: "第2组", Members: []int64{201}}), "小组编号 10 重复"},
		{"a group without an id", in(PhaseLobby), 0, groupsCmd(Group{Name: "第1组", Members: []int64{101}}), "小组编号无效"},
		{"a group without a name", in(PhaseLobby), 0, groupsCmd(Group{ID: 10, Members: []int64{101}}), "小组名称不能为空"},
		{"a leader from outside the group", in(PhaseLobby), 0, groupsCmd(Group{ID: 10, Name: "第1组", Leader: 201, Members: []int64{101}}), "「第1组」的组长必须是本组成员"},
		{"the instructor picks a leader for a missing group", in(PhaseDefine), 0, with(teacher(CmdSetLeader), func(c *Command) { c.Group, c.User = 99, 101 }), "找不到这个小组"},
		{"moving a student who never joined", in(PhaseWall), 0, with(teacher(CmdMove), func(c *Command) { c.User, c.Group = 555, 20 }), "找不到这个学生"},
		{"moving a student to a missing group", in(PhaseWall), 0, with(teacher(CmdMove), func(c *Command) { c.User, c.Group = 101, 99 }), "找不到这个小组"},
		{"moving a student into the group they are in", in(PhaseWall), 0, with(teacher(CmdMove), func(c *Command) { c.User, c.Group = 101, 10 }), "这名学生已经在这个小组"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, now := tc.setup(t)
			refuse(t, s, tc.cmd, now.Add(tc.after), tc.want)
		})
	}
}

// fullWall is a wall where group 10 has posted 20 moments.
func fullWall(t *testing.T) (*State, time.Time) {
	s, now := in(PhaseWall)(t)
	for i := range MaxPostsPerGroup {
		now = now.Add(time.Second)
		s, _ = apply(t, s, text(student(101+int64(i%4), CmdPost), "关键时刻 "+string(rune('A'+i))), now)
	}
	return s, now
}

func TestApplyOnNoState(t *testing.T) {
	n, ev, err := Apply(nil, teacher(CmdAdvance), t0)
	var e *Error
	if n != nil || ev != nil || !errors.As(err, &e) || e.Message != "游戏不存在" || e.Error() != e.Message {
		t.Errorf("%v %v %v", n, ev, err)
	}
}
