// Package server is crmlab's HTTP side: echo setup, the route table with the roles each route
// serves, middleware, handlers per area and the embedded page templates. It is the only
// package that knows echo.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"crmlab/content"
	"crmlab/scenarios/keymoments"
	"crmlab/server/store"
)

// Server holds every dependency of the handlers explicitly.
type Server struct {
	cfg          Config
	store        *store.Store
	log          *slog.Logger
	views        *views
	sessions     *sessions.CookieStore
	sessionCache sessionCache
	revoked      revokedSessions
	contentCache contentCache
	homeCache    homeCache
	// memberClasses keeps the class check of a student's every class route, workTargets the
	// autosave's other checks (see readCache).
	memberClasses readCache[accessKey, store.Class]
	workTargets   readCache[accessKey, workTarget]
	metrics       *metrics
	activities    *Registry
	content       *content.Source
	games         games
	// sims carries the teams' simulation changes to their members' pages: one topic per
	// team, so a save reaches only that team's phones.
	sims *hub
	// baselines caches each market's do-nothing simulation for step 4 (see baseline).
	baselines sync.Map
	// gameDurations replaces the games' default timers (tests, rehearsals).
	gameDurations map[keymoments.Phase]time.Duration
	loc           *time.Location
	now           func() time.Time
	echo          *echo.Echo
	routes        []Route
	baseURL       string // where phones reach this instance, for join links
}

// Option changes a Server as it is built.
type Option func(*Server)

// WithClock replaces the wall clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLogger replaces the logger given to New (tests read what the server logs).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithActivityKind registers an activity kind beyond the built-in ones.
func WithActivityKind(k ActivityKind) Option { return func(s *Server) { s.activities.Register(k) } }

// New builds a server over an open store. It parses every template now, so a broken page
// fails start-up rather than a request.
func New(cfg Config, st *store.Store, log *slog.Logger, opts ...Option) (*Server, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	loc, _ := time.LoadLocation(cfg.TimeZone)
	s := &Server{
		cfg:        cfg,
		store:      st,
		log:        log,
		activities: NewRegistry(),
		loc:        loc,
		now:        time.Now,
		games:      games{byID: map[int64]*liveGame{}},
	}
	for _, o := range opts {
		o(s)
	}
	// After the options: the clock decides which revocations have expired.
	if err := s.loadRevokedSessions(context.Background()); err != nil {
		return nil, fmt.Errorf("load signed-out sessions: %w", err)
	}
	if err := s.openContent(); err != nil {
		return nil, err
	}
	// Built-in activity kinds first, so they lead the assign menu.
	kinds := s.activities
	s.activities = NewRegistry()
	s.activities.Register(lessonKind{s})
	s.activities.Register(cardKind{s})
	s.activities.Register(sheetKind{s})
	s.activities.Register(simKind{s})
	for _, k := range kinds.order {
		s.activities.Register(kinds.kinds[k])
	}
	var err error
	if s.views, err = loadViews(loc); err != nil {
		return nil, err
	}
	hashKey, blockKey, err := loadKeys(filepath.Join(cfg.DataDir, "session.key"))
	if err != nil {
		return nil, err
	}
	s.sessions = newSessionStore(cfg, hashKey, blockKey)
	s.metrics = newMetrics()
	s.sims = newHub(s.metrics.Live)
	s.baseURL = cfg.PublicURL
	if s.baseURL == "" {
		s.baseURL = lanURL(cfg.Addr, cfg.TLSCert != "")
	}
	if s.echo, err = s.buildEcho(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler is the whole application as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// BaseURL is where phones on the LAN reach this instance.
func (s *Server) BaseURL() string { return s.baseURL }

// Routes returns the route table, for tests that check every route against every role.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Serve listens on cfg.Addr until ctx ends, then shuts down gracefully. ready runs once the
// port is open, before any request is served.
func (s *Server) Serve(ctx context.Context, ready func(addr string)) error {
	srv := &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(s.closeStreams)
	ln, err := listen(s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	if s.cfg.PublicURL == "" {
		// Now the port is known even when the address asked for port 0.
		s.baseURL = lanURL(ln.Addr().String(), s.cfg.TLSCert != "")
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() {
		if s.cfg.TLSCert != "" {
			errc <- srv.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loadKeys reads the session keys, generating them on first start. The file holds a
// 64-byte signing key and a 32-byte encryption key and is readable by the owner only.
func loadKeys(path string) (hashKey, blockKey []byte, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b = make([]byte, 96)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, fmt.Errorf("generate session keys: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, nil, fmt.Errorf("create data folder: %w", err)
		}
		// O_EXCL: two instances started at once on one folder must not overwrite each
		// other's keys; the loser reads the winner's file.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return loadKeys(path)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("write session keys: %w", err)
		}
		if _, err := f.Write(b); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("write session keys: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, nil, fmt.Errorf("write session keys: %w", err)
		}
	} else if err != nil {
		return nil, nil, fmt.Errorf("read session keys: %w", err)
	}
	if len(b) != 96 {
		return nil, nil, fmt.Errorf("session key file %s is damaged (%d bytes, want 96): delete it to sign everybody out and start with new keys", path, len(b))
	}
	return b[:64], b[64:], nil
}
