package store_test

import (
	"testing"
	"time"

	"crmlab/server/store"
	"crmlab/server/store/storetest"
)

// TestRevokedSessions: a revocation is listed until the session would have expired, revoking
// twice is harmless, and the next revocation deletes the expired rows.
func TestRevokedSessions(t *testing.T) {
	s := storetest.Open(t)
	u := mustUser(t, s, store.RoleInstructor, "wang")
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	if err := s.RevokeSession(ctx, store.RevokedSession{SID: "old", UserID: u.ID, ExpiresAt: now.Add(time.Hour)}, now); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := s.RevokeSession(ctx, store.RevokedSession{SID: "new", UserID: u.ID, ExpiresAt: now.Add(48 * time.Hour)}, now); err != nil {
			t.Fatalf("revoke #%d: %v", i+1, err)
		}
	}
	ids := func(at time.Time) []string {
		t.Helper()
		list, err := s.RevokedSessions(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range list {
			if r.UserID != u.ID {
				t.Errorf("%s: user %d, want %d", r.SID, r.UserID, u.ID)
			}
			out = append(out, r.SID)
		}
		return out
	}
	if got := ids(now); len(got) != 2 {
		t.Fatalf("revoked now: %v, want old and new", got)
	}
	later := now.Add(2 * time.Hour)
	if got := ids(later); len(got) != 1 || got[0] != "new" {
		t.Fatalf("revoked after old expired: %v, want [new]", got)
	}
	if err := s.RevokeSession(ctx, store.RevokedSession{SID: "third", UserID: u.ID, ExpiresAt: later.Add(time.Hour)}, later); err != nil {
		t.Fatal(err)
	}
	// The expired row is gone from the table, not only filtered out.
	if got := ids(now); len(got) != 2 {
		t.Fatalf("rows after the purge: %v, want new and third", got)
	}
}
