package keymoments

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func join(id int64, name string) Command {
	return with(student(id, CmdJoin), func(c *Command) { c.Name = name })
}

func move(user, group int64) Command {
	return with(teacher(CmdMove), func(c *Command) { c.User, c.Group = user, group })
}

func leader(actor int64, role Role, group, user int64) Command {
	return Command{Kind: CmdSetLeader, Actor: actor, Role: role, Group: group, User: user}
}

// Joining, grouping, moving and leaders, in a class of 3 groups of 4 (group 10 is led by 101).
func TestGroupsAndPlayers(t *testing.T) {
	type step struct {
		in  Phase // advance to this phase first ("" stays)
		cmd Command
	}
	cases := []struct {
		name   string
		steps  []step
		events []string // of the last step
		check  func(t *testing.T, s *State)
	}{
		{"a late joiner during prepare is a player without a group", []step{{PhasePrepare, join(999, " 迟到的同学 ")}}, []string{"players"}, func(t *testing.T, s *State) {
			if i, ok := s.player(999); !ok || s.Players[i].Name != "迟到的同学" || !s.Players[i].JoinedAt.After(t0) {
				t.Errorf("players %+v", s.Players)
			}
			if _, ok := s.GroupOf(999); ok {
				t.Error("a late joiner should not be in a group yet")
			}
			if !slices.IsSortedFunc(s.Players, func(a, b Player) int { return cmpInt(a.UserID, b.UserID) }) {
				t.Error("players not sorted")
			}
		}},
		{"the late joiner is moved into group 3 and presents with them", []step{{PhasePrepare, join(999, "迟到的同学")}, {"", move(999, 30)}}, []string{"groups"}, func(t *testing.T, s *State) {
			g, ok := s.GroupOf(999)
			if !ok || g.ID != 30 || !slices.Equal(g.Members, []int64{301, 302, 303, 304, 999}) || g.Leader != 301 {
				t.Errorf("group %+v", g)
			}
		}},
		{"a student joins twice from two phones: still one player", []step{{"", join(101, "另一个名字")}}, []string{}, func(t *testing.T, s *State) {
			if len(s.Players) != 12 || s.Players[0].Name != "学生101" {
				t.Errorf("players %+v", s.Players)
			}
		}},
		{"a student joins before a smaller id: the list stays sorted", []step{{"", join(5, "早到")}}, []string{"players"}, func(t *testing.T, s *State) {
			if s.Players[0].UserID != 5 || len(s.Players) != 13 {
				t.Errorf("players %+v", s.Players[:2])
			}
		}},
		{"moving a leader: the old group's first remaining member leads", []step{{PhaseWall, move(101, 20)}}, []string{"groups"}, func(t *testing.T, s *State) {
			old, nw := group(t, s, 10), group(t, s, 20)
			if old.Leader != 102 || !slices.Equal(old.Members, []int64{102, 103, 104}) {
				t.Errorf("old group %+v", old)
			}
			if nw.Leader != 201 || !slices.Equal(nw.Members, []int64{201, 202, 203, 204, 101}) {
				t.Errorf("new group %+v", nw)
			}
		}},
		{"moving an ordinary member keeps both leaders", []step{{PhaseReview, move(103, 30)}}, []string{"groups"}, func(t *testing.T, s *State) {
			if group(t, s, 10).Leader != 101 || group(t, s, 30).Leader != 301 {
				t.Errorf("groups %+v", s.Groups)
			}
		}},
		{"emptying a group leaves it without a leader; the next one moved in leads it", []step{
			{PhaseDefine, move(101, 20)}, {"", move(102, 20)}, {"", move(103, 20)}, {"", move(104, 30)}, {"", move(204, 10)},
		}, []string{"groups"}, func(t *testing.T, s *State) {
			if g := group(t, s, 10); g.Leader != 204 || !slices.Equal(g.Members, []int64{204}) {
				t.Errorf("group 10 %+v", g)
			}
		}},
		{"a group picks its own leader", []step{{PhaseDefine, leader(103, RoleStudent, 0, 103)}}, []string{"group:10"}, func(t *testing.T, s *State) {
			if group(t, s, 10).Leader != 103 {
				t.Error("leader not set")
			}
		}},
		{"the instructor picks a leader", []step{{"", leader(teacherID, RoleInstructor, 20, 204)}}, []string{"group:20"}, func(t *testing.T, s *State) {
			if group(t, s, 20).Leader != 204 {
				t.Error("leader not set")
			}
		}},
		{"regrouping keeps the answers of groups that stay", []step{
			{PhaseDefine, def(101, "网购退货的大学生", "上门取件、当天退款")},
			{PhaseReturns, text(student(102, CmdAnswerReturns), "退货时能顺利退")},
			{"", groupsCmd(
				Group{ID: 20, Name: "第2组", Members: []int64{201, 202, 203, 204, 104}},
				Group{ID: 10, Name: "第1组", Members: []int64{101, 102, 103}, Leader: 0},
				Group{ID: 40, Name: "第4组", Members: []int64{301, 302, 303, 304}, Leader: 303},
			)},
		}, []string{"groups"}, func(t *testing.T, s *State) {
			want := []Group{
				{ID: 20, Name: "第2组", Leader: 201, Members: []int64{201, 202, 203, 204, 104}},
				{ID: 10, Name: "第1组", Leader: 101, Members: []int64{101, 102, 103}, Customer: "网购退货的大学生", Expectations: "上门取件、当天退款", ReturnsAnswer: "退货时能顺利退"},
				{ID: 40, Name: "第4组", Leader: 303, Members: []int64{301, 302, 303, 304}},
			}
			if !slices.EqualFunc(s.Groups, want, func(a, b Group) bool {
				return a.ID == b.ID && a.Name == b.Name && a.Leader == b.Leader && slices.Equal(a.Members, b.Members) &&
					a.Customer == b.Customer && a.Expectations == b.Expectations && a.ReturnsAnswer == b.ReturnsAnswer && a.Artefact == b.Artefact
			}) {
				t.Errorf("groups\n%+v\nwant\n%+v", s.Groups, want)
			}
		}},
		{"regrouping where the old leader left takes the first member", []step{{PhaseHands, groupsCmd(Group{ID: 10, Name: "第1组", Members: []int64{102, 101}}, Group{ID: 20, Name: "第2组", Members: []int64{104, 103}})}}, []string{"groups"}, func(t *testing.T, s *State) {
			if group(t, s, 10).Leader != 101 || group(t, s, 20).Leader != 104 {
				t.Errorf("groups %+v", s.Groups)
			}
		}},
		{"a definition overwrites the group's earlier one", []step{{PhaseDefine, def(101, "电商卖家", "准时揽收")}, {"", def(102, " 电商卖家 ", "准时揽收、破损必赔")}}, []string{"group:10"}, func(t *testing.T, s *State) {
			if g := group(t, s, 10); g.Customer != "电商卖家" || g.Expectations != "准时揽收、破损必赔" {
				t.Errorf("group %+v", g)
			}
		}},
		{"a student changes their hand; counted once", []step{
			{PhaseHands, with(student(101, CmdHand), func(c *Command) { c.Yes = true })},
			{"", with(student(301, CmdHand), func(c *Command) { c.Yes = true })},
			{"", student(201, CmdHand)},
			{"", student(101, CmdHand)},
			{"", student(101, CmdHand)},
		}, []string{"hands"}, func(t *testing.T, s *State) {
			if !slices.Equal(s.HandsYes, []int64{301}) || !slices.Equal(s.HandsNo, []int64{101, 201}) {
				t.Errorf("yes %v no %v", s.HandsYes, s.HandsNo)
			}
		}},
		{"posts are numbered and trimmed", []step{
			{PhaseWall, text(student(201, CmdPost), " 快递员打电话约时间 ")},
			{"", text(student(101, CmdPost), "快递员打电话约时间")},
		}, []string{"wall"}, func(t *testing.T, s *State) {
			if len(s.Wall) != 2 || s.Wall[0].Text != "快递员打电话约时间" || s.Wall[0].GroupID != 20 || s.Wall[1].ID != 2 || s.Wall[1].GroupID != 10 || s.Wall[1].UserID != 101 {
				t.Errorf("wall %+v", s.Wall)
			}
		}},
		{"a 200-character post fits exactly", []step{{PhaseWall, text(student(201, CmdPost), strings.Repeat("货", 200))}}, []string{"wall"}, nil},
		{"a returns answer", []step{{PhaseReturns, text(student(303, CmdAnswerReturns), "客户退货时流程简单，不问原因")}}, []string{"returns:30"}, func(t *testing.T, s *State) {
			if group(t, s, 30).ReturnsAnswer != "客户退货时流程简单，不问原因" {
				t.Error("answer not stored")
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := class(t, DefaultConfig(), 3, 4)
			now := t0.Add(time.Hour)
			var ev []Event
			for _, st := range tc.steps {
				if st.in != "" {
					s, now = to(t, s, st.in)
				}
				now = now.Add(time.Second)
				s, ev = apply(t, s, st.cmd, now)
			}
			if got := kinds(ev); !slices.Equal(got, tc.events) {
				t.Errorf("events %v, want %v", got, tc.events)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}
