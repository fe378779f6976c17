package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"crmlab/server/store"
	"crmlab/server/store/storetest"
)

var ctx = context.Background()

func TestMigrationsApplyTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.sqlite")
	for i := 0; i < 2; i++ {
		s, err := store.Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		if _, err := s.CountUsers(ctx, store.RoleAdmin); err != nil {
			t.Fatalf("query after open #%d: %v", i+1, err)
		}
		s.Close()
	}
}

func mustUser(t *testing.T, s *store.Store, role store.Role, login string) store.User {
	t.Helper()
	u, err := s.CreateUser(ctx, store.User{Role: role, Login: login, Name: login, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSetupTokenSingleUse(t *testing.T) {
	s := storetest.Open(t)
	now := time.Now()
	if err := s.CreateSetupToken(ctx, "h1", now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseSetupToken(ctx, "h1", now.Add(25*time.Hour), store.User{Login: "late", PasswordHash: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired token: got %v, want ErrNotFound", err)
	}
	if _, err := s.UseSetupToken(ctx, "h1", now, store.User{Login: "root", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseSetupToken(ctx, "h1", now, store.User{Login: "root2", PasswordHash: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second use: got %v, want ErrNotFound", err)
	}
	if n, _ := s.CountUsers(ctx, store.RoleAdmin); n != 1 {
		t.Fatalf("admins = %d, want 1", n)
	}
}

func TestJoinClass(t *testing.T) {
	s := storetest.Open(t)
	teacher := mustUser(t, s, store.RoleInstructor, "wang")
	codes := []string{"AAAAAA", "AAAAAA", "BBBBBB"}
	next := func() string { c := codes[0]; codes = codes[1:]; return c }
	a, err := s.CreateClass(ctx, store.Class{Name: "物流1班", InstructorID: teacher.ID}, next)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateClass(ctx, store.Class{Name: "物流2班", InstructorID: teacher.ID}, next)
	if err != nil {
		t.Fatal(err)
	}
	if b.JoinCode != "BBBBBB" {
		t.Fatalf("second class took code %s, want a fresh one after the collision", b.JoinCode)
	}
	if _, err := s.ImportRoster(ctx, a.ID, []store.RosterEntry{{"2023001", "张三"}, {"2023002", "李四"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cases := []struct {
		name string
		req  store.JoinRequest
		want error
	}{
		{"rostered student with another name", store.JoinRequest{ClassID: a.ID, StudentNo: "2023001", Name: "张四", NewPasswordHash: "h"}, store.ErrNameMismatch},
		{"rostered student claims", store.JoinRequest{ClassID: a.ID, StudentNo: "2023001", Name: "张 三", NewPasswordHash: "h"}, nil},
		{"second claim of the same 学号", store.JoinRequest{ClassID: a.ID, StudentNo: "2023001", Name: "张三", NewPasswordHash: "h"}, store.ErrAlreadyClaimed},
		{"student not on the roster", store.JoinRequest{ClassID: a.ID, StudentNo: "2023099", Name: "王五", NewPasswordHash: "h"}, nil},
	}
	for _, c := range cases {
		c.req.Now = now
		_, err := s.JoinClass(ctx, c.req)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	// The same student joins a second class with their existing account.
	u, err := s.UserByLogin(ctx, "2023001")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.JoinClass(ctx, store.JoinRequest{ClassID: b.ID, StudentNo: "2023001", Name: "张三", ExistingUserID: u.ID, Now: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JoinClass(ctx, store.JoinRequest{ClassID: b.ID, StudentNo: "2023001", Name: "张三", ExistingUserID: u.ID, Now: now}); !errors.Is(err, store.ErrAlreadyMember) {
		t.Fatalf("joining twice: got %v, want ErrAlreadyMember", err)
	}
	classes, err := s.ClassesOfStudent(ctx, u.ID)
	if err != nil || len(classes) != 2 {
		t.Fatalf("classes of student = %d (%v), want 2", len(classes), err)
	}
	got, _ := s.ClassWithCounts(ctx, a.ID)
	if got.Members != 3 || got.Joined != 2 {
		t.Fatalf("class a members/joined = %d/%d, want 3/2", got.Members, got.Joined)
	}
}

func TestGroupsStayInTheirClass(t *testing.T) {
	s := storetest.Open(t)
	teacher := mustUser(t, s, store.RoleInstructor, "li")
	n := 0
	code := func() string { n++; return string(rune('A'+n)) + "ZZZZZ" }
	a, _ := s.CreateClass(ctx, store.Class{Name: "A", InstructorID: teacher.ID}, code)
	b, _ := s.CreateClass(ctx, store.Class{Name: "B", InstructorID: teacher.ID}, code)
	s.ImportRoster(ctx, a.ID, []store.RosterEntry{{"1", "甲"}, {"2", "乙"}}, time.Now())
	s.ImportRoster(ctx, b.ID, []store.RosterEntry{{"9", "丙"}}, time.Now())
	am, _ := s.Members(ctx, a.ID)
	bm, _ := s.Members(ctx, b.ID)
	err := s.ReplaceGroups(ctx, a.ID, []store.GroupSpec{{Name: "第1组", MemberIDs: []int64{am[0].ID, bm[0].ID}, LeaderID: am[0].ID}})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("member of another class: got %v, want ErrNotFound", err)
	}
	if err := s.ReplaceGroups(ctx, a.ID, []store.GroupSpec{{Name: "第1组", MemberIDs: []int64{am[0].ID, am[1].ID}, LeaderID: am[1].ID}}); err != nil {
		t.Fatal(err)
	}
	gs, err := s.Groups(ctx, a.ID)
	if err != nil || len(gs) != 1 || len(gs[0].Members) != 2 || gs[0].LeaderID != am[1].ID {
		t.Fatalf("groups = %+v (%v)", gs, err)
	}
	if err := s.RemoveMember(ctx, a.ID, am[1].ID); err != nil {
		t.Fatal(err)
	}
	gs, _ = s.Groups(ctx, a.ID)
	if len(gs[0].Members) != 1 || gs[0].LeaderID != 0 {
		t.Fatalf("after removing the leader: %+v", gs[0])
	}
}

func TestBackupWhileOpen(t *testing.T) {
	s := storetest.Open(t)
	mustUser(t, s, store.RoleInstructor, "zhao")
	dest := filepath.Join(t.TempDir(), "backup.db")
	if err := store.Backup(ctx, s.Path(), dest); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, store.RoleInstructor, "after") // the live database keeps working
	b, err := store.Open(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.UserByLogin(ctx, "zhao"); err != nil {
		t.Fatalf("backup lacks the user written before it: %v", err)
	}
	if _, err := b.UserByLogin(ctx, "after"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("backup has a user written after it: %v", err)
	}
}
