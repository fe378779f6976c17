package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"crmlab/server/store"
	"crmlab/server/store/storetest"
)

// TestSimSeedFixedOnceStarted: the market seed changes freely until a team's draft has
// started the run; then the change is refused and the stored controls stay as they were.
func TestSimSeedFixedOnceStarted(t *testing.T) {
	s := storetest.Open(t)
	_, a, users := classWithActivity(t, s, false)
	started := func(draft string) bool { return strings.Contains(draft, `"run"`) }
	if ctl, _ := s.SimControlsOf(ctx, a.ID); ctl.Seed != 0 || ctl.SeedOr(99) != 99 {
		t.Fatalf("fresh controls: %+v", ctl)
	}
	if _, err := s.UpdateSimControls(ctx, a.ID, func(c *store.SimControls) { c.HoldStep = 3 }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetSimSeed(ctx, a.ID, 12345, started); err != nil {
		t.Fatal(err)
	}
	sub, err := s.OpenSubmission(ctx, a.ID, store.Owner{UserID: users[0].ID}, time.Now(), noVariant)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveDraft(ctx, sub.ID, 0, `{"plans":[]}`, users[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetSimSeed(ctx, a.ID, 777, started); err != nil {
		t.Fatalf("a team without a run: %v", err)
	}
	if _, err := s.SaveDraft(ctx, sub.ID, 1, `{"run":{"month":1}}`, users[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetSimSeed(ctx, a.ID, 5, started); !errors.Is(err, store.ErrSimStarted) {
		t.Fatalf("seed change after a run: %v", err)
	}
	ctl, err := s.SimControlsOf(ctx, a.ID)
	if err != nil || ctl.Seed != 777 || ctl.HoldStep != 3 || ctl.SeedOr(99) != 777 {
		t.Fatalf("controls after the refused change: %+v %v", ctl, err)
	}
}
