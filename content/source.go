package content

import (
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// Source hands out the current Library. The embedded source never changes; a folder source
// (--content-dir) reloads when a file changes, so an instructor sees an edit on the next
// request without a restart.
type Source struct {
	fsys   fs.FS
	dir    string // "" for embedded content
	mu     sync.Mutex
	lib    *Library
	probs  []Problem
	stamp  string
	looked time.Time
}

// FromEmbedded serves the built-in content. Broken embedded content is a build mistake, so
// it fails here (and in the test that runs the content check).
func FromEmbedded() (*Source, error) {
	lib, probs := Load(Embedded)
	if len(probs) > 0 {
		return nil, fmt.Errorf("embedded content has %d problems, first: %s", len(probs), probs[0])
	}
	return &Source{fsys: Embedded, lib: lib}, nil
}

// FromDir serves the content folder dir, reloading on change. A folder with problems still
// starts (with the pages that load) so the instructor can read what is wrong in the browser.
func FromDir(dir string) (*Source, error) {
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return nil, fmt.Errorf("--content-dir %s: not a folder", dir)
	}
	s := &Source{fsys: os.DirFS(dir), dir: dir}
	s.lib, s.probs = Load(s.fsys)
	s.stamp = stamp(s.fsys)
	s.looked = time.Now()
	return s, nil
}

// reloadEvery bounds how often a busy server walks the folder to look for changes.
const reloadEvery = 500 * time.Millisecond

// Current returns the last good Library and the problems of the latest load, if it failed.
// When an edited folder has problems, students keep the last good version.
func (s *Source) Current() (*Library, []Problem) {
	if s.dir == "" {
		return s.lib, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.looked) >= reloadEvery {
		s.looked = time.Now()
		if st := stamp(s.fsys); st != s.stamp {
			s.stamp = st
			lib, probs := Load(s.fsys)
			s.probs = probs
			if len(probs) == 0 || s.lib == nil {
				s.lib = lib
			}
		}
	}
	return s.lib, s.probs
}

// Dir is the folder served, "" for embedded content.
func (s *Source) Dir() string { return s.dir }

// stamp summarises every file's name, size and modification time: cheap to compute, and it
// changes whenever an editor saves.
func stamp(fsys fs.FS) string {
	var b []byte
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		b = fmt.Appendf(b, "%s|%d|%d\n", p, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	return string(b)
}
