package server

import (
	"testing"
	"time"
)

// TestRevokedSessionsStayBounded: ids are kept until their sessions would have expired,
// then dropped by the next sweep, so memory holds one session lifetime of sign-outs.
func TestRevokedSessionsStayBounded(t *testing.T) {
	var r revokedSessions
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	life := 14 * 24 * time.Hour
	for i := 0; i < 100; i++ {
		r.add(newSessionID(), now.Add(life), now)
	}
	late := newSessionID()
	r.add(late, now.Add(2*life), now)
	if !r.has(late) || r.len() != 101 {
		t.Fatalf("after 101 sign-outs: has=%v len=%d", r.has(late), r.len())
	}
	// Before the sweep interval nothing is scanned; past the lifetime the next sign-out sweeps.
	r.add("a", now.Add(life+time.Hour), now.Add(revokedSweepEvery/2))
	if r.len() != 102 {
		t.Fatalf("swept early: len=%d", r.len())
	}
	then := now.Add(life + time.Minute)
	r.add("b", then.Add(life), then)
	if r.len() != 3 || !r.has(late) || !r.has("a") || !r.has("b") {
		t.Fatalf("after the sessions expired: len=%d, want the 3 unexpired ids", r.len())
	}
	if r.has("") || r.has("never-revoked") {
		t.Fatal("an id that was never revoked counts as revoked")
	}
}

func TestNewSessionIDs(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := newSessionID()
		if len(id) != 22 || seen[id] {
			t.Fatalf("session id %q: len %d, repeated %v", id, len(id), seen[id])
		}
		seen[id] = true
	}
}
