package server

import (
	"sync"

	"crmlab/scenarios/cards"
	"crmlab/server/store"
)

// readCache keeps values read from the store for as long as the store has committed no write
// that could change them (store.Writes: draft saves and moves of a live game do not count,
// every other write does, whichever class it touches). It holds the access checks of the
// autosave, a class's most frequent request: three reads per save (the class with the
// student's membership, the activity, the submission) cost more than the save's own write,
// because each read transaction after a write starts with an empty page cache on its reader
// connection. A removed student, a regrouped class or a closed activity is a counted write,
// so the next request reads again and is refused at once.
type readCache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]readEntry[V]
}

type readEntry[V any] struct {
	writes uint64
	v      V
}

const readCacheSize = 20000

// get returns the value stored under k if no counted write has committed since it was read;
// writes is store.Writes() now.
func (rc *readCache[K, V]) get(k K, writes uint64) (V, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e, ok := rc.m[k]
	if !ok || e.writes != writes {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put stores v under k; writes must be store.Writes() as read before v was read, so that a
// write committing meanwhile leaves the entry already stale.
func (rc *readCache[K, V]) put(k K, writes uint64, v V) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.m == nil || len(rc.m) >= readCacheSize {
		rc.m = make(map[K]readEntry[V], 256) // start over rather than track recency
	}
	rc.m[k] = readEntry[V]{writes: writes, v: v}
}

// accessKey is a user and what they reach: a class (activity 0) or an activity of it.
type accessKey struct{ user, class, activity int64 }

// workTarget is what an autosave checks before it writes: the assigned activity, and the
// submission the student (or their group) edits with its generated data. The submission's
// identity and variant never change once it exists; its draft and version are not kept
// here, since saves change them without a counted write.
type workTarget struct {
	activity store.Activity
	subID    int64
	variant  *cards.Variant // shared between requests: read, never modified
}
