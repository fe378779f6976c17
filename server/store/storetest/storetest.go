// Package storetest opens real SQLite stores in temporary folders for tests.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"crmlab/server/store"
)

// Open opens a fresh store with migrations applied; it is closed when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "crmlab.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
