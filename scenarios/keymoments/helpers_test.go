package keymoments

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// t0 is when the class starts: Tuesday's second period.
var t0 = time.Date(2025, 3, 4, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai

const teacherID = 1

func teacher(kind string) Command { return Command{Kind: kind, Actor: teacherID, Role: RoleInstructor} }

func student(id int64, kind string) Command { return Command{Kind: kind, Actor: id, Role: RoleStudent} }

// uid is the user id of member m (1-based) of group g (1-based): group 2's third student is 203.
func uid(g, m int) int64 { return int64(g*100 + m) }

// gid is the class's id of group g.
func gid(g int) int64 { return int64(g * 10) }

// snapshot deep-copies through JSON, the way the server stores the state.
func snapshot(t *testing.T, s *State) *State {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var c State
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// apply applies cmd and fails the test on refusal; it also checks the input was not changed.
func apply(t *testing.T, s *State, cmd Command, now time.Time) (*State, []Event) {
	t.Helper()
	before := snapshot(t, s)
	n, ev, err := Apply(s, cmd, now)
	if err != nil {
		t.Fatalf("%s by %d in %s: %v", cmd.Kind, cmd.Actor, s.Phase, err)
	}
	if !reflect.DeepEqual(before, s) {
		t.Fatalf("%s changed its input state", cmd.Kind)
	}
	if n.Seq != s.Seq+1 {
		t.Fatalf("%s: seq %d after %d", cmd.Kind, n.Seq, s.Seq)
	}
	return n, ev
}

// refuse applies cmd, expects the given Chinese message, and checks nothing changed.
func refuse(t *testing.T, s *State, cmd Command, now time.Time, want string) {
	t.Helper()
	before := snapshot(t, s)
	n, ev, err := Apply(s, cmd, now)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s by %d in %s: err %v, want *Error %q", cmd.Kind, cmd.Actor, s.Phase, err, want)
	}
	if e.Message != want {
		t.Fatalf("%s by %d in %s: %q, want %q", cmd.Kind, cmd.Actor, s.Phase, e.Message, want)
	}
	if n != s || ev != nil {
		t.Fatalf("%s: a refusal must return the same state and no events", cmd.Kind)
	}
	if !reflect.DeepEqual(before, s) {
		t.Fatalf("%s: a refusal changed the state", cmd.Kind)
	}
}

// class is a lobby where groups×size students joined and the teacher formed the groups.
func class(t *testing.T, cfg Config, groups, size int) *State {
	t.Helper()
	s := New(cfg, 42, t0)
	now := t0
	for g := 1; g <= groups; g++ {
		for m := 1; m <= size; m++ {
			c := student(uid(g, m), CmdJoin)
			c.Name = fmt.Sprintf("学生%d", uid(g, m))
			now = now.Add(time.Second)
			s, _ = apply(t, s, c, now)
		}
	}
	if groups == 0 {
		return s
	}
	c := teacher(CmdSetGroups)
	for g := 1; g <= groups; g++ {
		grp := Group{ID: gid(g), Name: fmt.Sprintf("第%d组", g)}
		for m := 1; m <= size; m++ {
			grp.Members = append(grp.Members, uid(g, m))
		}
		c.Groups = append(c.Groups, grp)
	}
	s, _ = apply(t, s, c, now)
	return s
}

// to advances s until it is in phase p; each advance happens a minute after the last.
func to(t *testing.T, s *State, p Phase) (*State, time.Time) {
	t.Helper()
	now := s.PhaseStarted
	for s.Phase != p {
		if s.Phase == PhaseEnded {
			t.Fatalf("never reached %s", p)
		}
		now = now.Add(time.Minute)
		s, _ = apply(t, s, teacher(CmdAdvance), now)
	}
	return s, now
}

func kinds(ev []Event) []string {
	out := []string{}
	for _, e := range ev {
		k := e.Kind
		if e.Group != 0 {
			k = fmt.Sprintf("%s:%d", k, e.Group)
		}
		out = append(out, k)
	}
	return out
}

func hasEvent(ev []Event, kind string) bool {
	return slices.ContainsFunc(ev, func(e Event) bool { return e.Kind == kind })
}

func group(t *testing.T, s *State, id int64) Group {
	t.Helper()
	i := s.groupIndex(id)
	if i < 0 {
		t.Fatalf("no group %d", id)
	}
	return s.Groups[i]
}
