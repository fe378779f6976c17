package keymoments

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func equalStates(a, b *State) bool { return reflect.DeepEqual(a, b) }

// logEntry is one row of the server's event log.
type logEntry struct {
	At  time.Time
	Cmd Command
}

func classLog(t *testing.T) []logEntry {
	var log []logEntry
	for _, st := range fortyMinuteClass() {
		if st.cmd.Kind != "" {
			log = append(log, logEntry{clock(t, st.at), st.cmd})
		}
	}
	return log
}

// replay rebuilds the state the way the server does after a restart: every logged command in
// order, refused ones included (they change nothing).
func replay(from *State, log []logEntry) *State {
	s := from
	for _, e := range log {
		s, _, _ = Apply(s, e.Cmd, e.At)
	}
	return s
}

func jsonOf(t *testing.T, s *State) []byte {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReplay(t *testing.T) {
	full := classLog(t)
	// The log as stored: JSON lines, read back.
	stored := func(log []logEntry) []logEntry {
		b, err := json.Marshal(log)
		if err != nil {
			t.Fatal(err)
		}
		var out []logEntry
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	shanghai := time.FixedZone("CST", 8*3600)
	cases := []struct {
		name string
		seed uint64
		log  []logEntry
	}{
		{"the full 40-minute class", 20250304, full},
		{"the full class read back from the stored JSON log", 20250304, stored(full)},
		{"another seed", 1, full},
		{"only the lobby and the definitions", 5, full[:40]},
		{"times recorded in Shanghai time with a monotonic clock reading", 9, func() []logEntry {
			out := make([]logEntry, len(full))
			mono := time.Now() // only to give the times a monotonic reading; the engine must drop it
			for i, e := range full {
				at := mono.Add(e.At.Sub(t0)) // keeps the monotonic reading
				if i%2 == 1 {
					at = at.In(shanghai)
				}
				out[i] = logEntry{at, e.Cmd}
			}
			return out
		}()},
		{"an empty log", 3, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := t0
			if len(tc.log) > 0 {
				start = tc.log[0].At
			}
			a := replay(New(DefaultConfig(), tc.seed, start), tc.log)
			b := replay(New(DefaultConfig(), tc.seed, start), tc.log)
			if !equalStates(a, b) {
				t.Fatal("two replays of the same log differ")
			}
			ja, jb := jsonOf(t, a), jsonOf(t, b)
			if !bytes.Equal(ja, jb) {
				t.Fatal("two replays marshal differently")
			}
			// A snapshot read back is the same state, and marshals to the same bytes.
			back := snapshot(t, a)
			if !equalStates(a, back) || !bytes.Equal(jsonOf(t, back), ja) {
				t.Fatalf("snapshot round trip changed the state\n%s\n%s", ja, jsonOf(t, back))
			}
			// Restart halfway: restore the snapshot taken then and replay the rest.
			half := len(tc.log) / 2
			mid := snapshot(t, replay(New(DefaultConfig(), tc.seed, start), tc.log[:half]))
			if c := replay(mid, tc.log[half:]); !equalStates(a, c) {
				t.Fatal("replaying from a snapshot differs from replaying from the start")
			}
		})
	}
}

// Apply returns a new state and leaves its input exactly as it was, accepted or refused, for
// every command of the class and every refusal.
func TestApplyNeverMutatesItsInput(t *testing.T) {
	cases := classLog(t)
	s := New(DefaultConfig(), 77, t0)
	for i, e := range cases {
		before := snapshot(t, s)
		n, _, err := Apply(s, e.Cmd, e.At)
		if !equalStates(before, s) {
			t.Fatalf("command %d (%s) changed its input", i, e.Cmd.Kind)
		}
		if err == nil && n == s {
			t.Fatalf("command %d (%s) returned its input", i, e.Cmd.Kind)
		}
		// Changing the new state must not reach the old one either.
		if err == nil {
			scribble(n)
			if !equalStates(before, s) {
				t.Fatalf("command %d (%s): the new state shares memory with the old", i, e.Cmd.Kind)
			}
			n, _, _ = Apply(s, e.Cmd, e.At)
		}
		s = n
	}
}

// scribble overwrites every element of every slice and map in s.
func scribble(s *State) {
	for i := range s.Players {
		s.Players[i].Name = "x"
	}
	for i := range s.Groups {
		s.Groups[i].Name = "x"
		for j := range s.Groups[i].Members {
			s.Groups[i].Members[j] = -1
		}
	}
	for i := range s.HandsYes {
		s.HandsYes[i] = -1
	}
	for i := range s.HandsNo {
		s.HandsNo[i] = -1
	}
	for i := range s.Wall {
		s.Wall[i].Text = "x"
	}
	for i := range s.Queue {
		s.Queue[i] = -1
	}
	for i := range s.Presented {
		s.Presented[i] = -1
	}
	for i := range s.Reviews {
		s.Reviews[i].Comment = "x"
	}
	for i := range s.Config.Deck {
		s.Config.Deck[i] = "x"
	}
	for p := range s.Config.Durations {
		s.Config.Durations[p] = -1
	}
}
