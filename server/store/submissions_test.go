package store_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"crmlab/server/store"
	"crmlab/server/store/storetest"
)

// classWithActivity makes a class with two rostered, joined students and one activity.
func classWithActivity(t *testing.T, s *store.Store, perGroup bool) (store.Class, store.Activity, []store.User) {
	t.Helper()
	teacher := mustUser(t, s, store.RoleInstructor, "teacher")
	cls, err := s.CreateClass(ctx, store.Class{Name: "一班", InstructorID: teacher.ID}, func() string { return "QWERTY" })
	if err != nil {
		t.Fatal(err)
	}
	var users []store.User
	for _, no := range []string{"1", "2", "3", "4"} {
		u := mustUser(t, s, store.RoleStudent, no)
		if _, err := s.JoinClass(ctx, store.JoinRequest{ClassID: cls.ID, StudentNo: no, Name: no, ExistingUserID: u.ID, Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	a, err := s.CreateActivity(ctx, store.Activity{ClassID: cls.ID, Kind: "card", ContentID: "card-x", Title: "X", PerGroup: perGroup, CreatedBy: teacher.ID})
	if err != nil {
		t.Fatal(err)
	}
	return cls, a, users
}

func noVariant() (string, error) { return "", nil }

func TestDraftVersionsAndSubmit(t *testing.T) {
	s := storetest.Open(t)
	_, a, users := classWithActivity(t, s, false)
	now := time.Now()
	sub, err := s.OpenSubmission(ctx, a.ID, store.Owner{UserID: users[0].ID}, now, noVariant)
	if err != nil || sub.DraftVersion != 0 || sub.Status != store.StatusDraft {
		t.Fatalf("open: %+v %v", sub, err)
	}
	if again, _ := s.OpenSubmission(ctx, a.ID, store.Owner{UserID: users[0].ID}, now, noVariant); again.ID != sub.ID {
		t.Fatal("opening twice made a second submission")
	}
	sub, err = s.SaveDraft(ctx, sub.ID, 0, `{"a":{"text":"one"}}`, users[0].ID, now)
	if err != nil || sub.DraftVersion != 1 {
		t.Fatalf("first save: %v %d", err, sub.DraftVersion)
	}
	// A second tab still on version 0 is refused and gets the stored answer back.
	cur, err := s.SaveDraft(ctx, sub.ID, 0, `{"a":{"text":"other tab"}}`, users[0].ID, now)
	if !errors.Is(err, store.ErrStale) || cur.Draft != `{"a":{"text":"one"}}` {
		t.Fatalf("stale save: %v, stored %s", err, cur.Draft)
	}
	v, err := s.Submit(ctx, sub.ID, 1, `{"a":{"text":"final"}}`, users[0].ID, now, true, &store.AutoGrade{Score: 3, Max: 4, Result: "{}"})
	if err != nil || v.Number != 1 {
		t.Fatalf("submit: %v %+v", err, v)
	}
	if _, err := s.SaveDraft(ctx, sub.ID, 2, `{}`, users[0].ID, now); !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("save after submit: %v", err)
	}
	if err := s.ReturnForRevision(ctx, sub.ID, users[0].ID, "请补充第二题", now); err != nil {
		t.Fatal(err)
	}
	if err := s.ReturnForRevision(ctx, sub.ID, users[0].ID, "again", now); !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("returning a returned submission: %v", err)
	}
	if _, err := s.Submit(ctx, sub.ID, 2, `{"a":{"text":"revised"}}`, users[0].ID, now, false, nil); err != nil {
		t.Fatal(err)
	}
	vs, err := s.Versions(ctx, sub.ID)
	if err != nil || len(vs) != 2 || vs[0].Number != 2 || vs[1].ReturnComment != "请补充第二题" || !vs[1].Late || vs[1].Auto == nil || vs[1].Auto.Score != 3 {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	rows, _ := s.SubmissionsOfActivity(ctx, a.ID)
	if len(rows) != 1 || rows[0].Versions != 2 || rows[0].Status != store.StatusSubmitted {
		t.Fatalf("rows: %+v", rows)
	}
	// One save and two submissions count; the refused stale and frozen saves do not.
	contributors, err := s.Contributors(ctx, sub.ID)
	if err != nil || len(contributors) != 1 || contributors[0].UserID != users[0].ID || contributors[0].Saves != 3 {
		t.Fatalf("contributors: %+v %v", contributors, err)
	}
}

// TestConcurrentGroupSaves: many members save one group answer at once, all based on the
// same version: exactly one wins, every other save is refused as stale, none is lost
// silently.
func TestConcurrentGroupSaves(t *testing.T) {
	s := storetest.Open(t)
	cls, a, users := classWithActivity(t, s, true)
	ids := oneGroup(t, s, cls.ID)
	g, err := s.GroupOfUser(ctx, cls.ID, users[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.OpenSubmission(ctx, a.ID, store.Owner{GroupID: g.ID}, time.Now(), noVariant)
	if err != nil {
		t.Fatal(err)
	}
	const writers = 24
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, stale := 0, 0
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := s.SaveDraft(ctx, sub.ID, 0, `{"n":{"text":"`+string(rune('a'+i))+`"}}`, users[i%len(users)].ID, time.Now())
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrStale):
				stale++
			default:
				t.Errorf("save %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if ok != 1 || stale != writers-1 {
		t.Fatalf("%d saves won, %d refused; want 1 and %d", ok, stale, writers-1)
	}
	got, _ := s.SubmissionByID(ctx, a.ID, sub.ID)
	if got.DraftVersion != 1 {
		t.Fatalf("draft version %d after one accepted save", got.DraftVersion)
	}
	contributors, _ := s.Contributors(ctx, sub.ID)
	if len(contributors) != 1 {
		t.Fatalf("%d contributors recorded for one accepted save", len(contributors))
	}
	// Regrouping keeps group rows by position; dropping a group that has work is refused.
	if err := s.ReplaceGroups(ctx, cls.ID, []store.GroupSpec{{Name: "第1组", MemberIDs: ids[:2], LeaderID: ids[0]}, {Name: "第2组", MemberIDs: ids[2:], LeaderID: ids[2]}}); err != nil {
		t.Fatal(err)
	}
	if g2, _ := s.GroupOfUser(ctx, cls.ID, users[0].ID); g2.ID != g.ID {
		t.Fatal("group 1 got a new row: its work would be orphaned")
	}
	if err := s.ReplaceGroups(ctx, cls.ID, nil); !errors.Is(err, store.ErrGroupHasWork) {
		t.Fatalf("dropping a group with work: %v", err)
	}
}

// TestContributorCounts: group members taking turns are each counted once per accepted
// save (autosave or submission), wherever the count is kept; refused saves count nothing.
func TestContributorCounts(t *testing.T) {
	s := storetest.Open(t)
	cls, a, users := classWithActivity(t, s, true)
	oneGroup(t, s, cls.ID)
	g, _ := s.GroupOfUser(ctx, cls.ID, users[0].ID)
	sub, err := s.OpenSubmission(ctx, a.ID, store.Owner{GroupID: g.ID}, time.Now(), noVariant)
	if err != nil {
		t.Fatal(err)
	}
	alice, bob, carol := users[0], users[1], users[2]
	start := time.Date(2026, 10, 12, 1, 0, 0, 0, time.UTC)
	version := 0
	save := func(u store.User, minute int) {
		t.Helper()
		if _, err := s.SaveDraft(ctx, sub.ID, version, `{}`, u.ID, start.Add(time.Duration(minute)*time.Minute)); err != nil {
			t.Fatalf("save %d by %s: %v", version, u.Login, err)
		}
		version++
	}
	type count struct {
		user   int64
		saves  int
		minute float64 // of the last save
	}
	want := func(step string, counts ...count) {
		t.Helper()
		got, err := s.Contributors(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		var gotCounts []count
		for _, c := range got {
			gotCounts = append(gotCounts, count{c.UserID, c.Saves, c.LastAt.Sub(start).Minutes()})
		}
		if !slices.Equal(gotCounts, counts) {
			t.Fatalf("%s: contributors %v, want %v", step, gotCounts, counts)
		}
	}
	want("nobody saved")
	save(alice, 1)
	save(alice, 2)
	save(alice, 3)
	want("alice's run", count{alice.ID, 3, 3.0})
	save(bob, 4)
	save(bob, 5)
	if _, err := s.SaveDraft(ctx, sub.ID, 0, `{}`, carol.ID, start); !errors.Is(err, store.ErrStale) {
		t.Fatalf("stale save: %v", err)
	}
	want("bob's run after alice's", count{alice.ID, 3, 3.0}, count{bob.ID, 2, 5.0})
	save(alice, 6)
	want("alice again", count{alice.ID, 4, 6.0}, count{bob.ID, 2, 5.0})
	if _, err := s.Submit(ctx, sub.ID, version, `{}`, bob.ID, start.Add(7*time.Minute), false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveDraft(ctx, sub.ID, version+1, `{}`, carol.ID, start); !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("save after submitting: %v", err)
	}
	want("bob submitted", count{alice.ID, 4, 6.0}, count{bob.ID, 3, 7.0})
}

// oneGroup puts every member of a class into one group led by the first, and returns the
// members' ids.
func oneGroup(t *testing.T, s *store.Store, classID int64) []int64 {
	t.Helper()
	members, _ := s.Members(ctx, classID)
	var ids []int64
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	if err := s.ReplaceGroups(ctx, classID, []store.GroupSpec{{Name: "第1组", MemberIDs: ids, LeaderID: ids[0]}}); err != nil {
		t.Fatal(err)
	}
	return ids
}
