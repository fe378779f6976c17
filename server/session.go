package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"crmlab/server/store"
)

const (
	sessionName    = "crmlab"
	userContextKey = "user"
	csrfContextKey = "csrf"
)

func newSessionStore(cfg Config, hashKey, blockKey []byte) *sessions.CookieStore {
	st := sessions.NewCookieStore(hashKey, blockKey)
	st.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(cfg.SessionMaxAge.Seconds()),
		HttpOnly: true,
		Secure:   cfg.SecureCookies(),
		SameSite: http.SameSiteLaxMode,
	}
	st.MaxAge(st.Options.MaxAge)
	return st
}

// session returns the request's cookie session; a cookie that no longer decodes (keys
// replaced, tampered) yields a fresh, empty session rather than an error page.
func (s *Server) session(c echo.Context) *sessions.Session {
	sess, _ := s.sessions.Get(c.Request(), sessionName)
	return sess
}

// sessionCache remembers what recently seen session cookies decoded to. Decoding (HMAC,
// AES and gob) is the most expensive step of a small page, and a phone sends the same
// cookie with every request. The key is the whole signed cookie, so an entry can only be
// hit by a cookie the server itself issued; entries are re-checked after a minute so the
// cookie's own expiry still applies. Cookies carrying flash messages are never cached.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]cachedSession
}

type cachedSession struct {
	uid, epoch int64
	issued     int64  // unix seconds of the sign-in; 0 in cookies from before it was recorded
	sid        string // the sign-in's id; "" in cookies from before session ids
	at         time.Time
}

const sessionCacheSize = 20000

func (sc *sessionCache) get(cookie string, now time.Time) (cachedSession, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	e, ok := sc.m[cookie]
	if !ok || now.Sub(e.at) > time.Minute {
		return e, false
	}
	return e, true
}

func (sc *sessionCache) put(cookie string, e cachedSession) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.m == nil || len(sc.m) >= sessionCacheSize {
		sc.m = make(map[string]cachedSession, 1024) // start over rather than track recency
	}
	sc.m[cookie] = e
}

// revokedSessions holds the ids of the sessions signed out one at a time, until they would
// have expired anyway. Every signed-in request checks it, so it is kept in memory rather
// than read from the store: loaded at start-up and added to after each revocation commits.
type revokedSessions struct {
	mu        sync.RWMutex
	m         map[string]time.Time // session id → when the session would have expired
	nextSweep time.Time
}

// revokedSweepEvery spaces the sweeps for expired ids: a sign-out then costs a map insert,
// not a scan of every id revoked within a session lifetime.
const revokedSweepEvery = time.Hour

func (r *revokedSessions) has(sid string) bool {
	r.mu.RLock()
	_, ok := r.m[sid]
	r.mu.RUnlock()
	return ok
}

// add records a revoked id and drops the expired ones, so the set holds at most the
// sessions signed out within one session lifetime (and one sweep interval).
func (r *revokedSessions) add(sid string, expires, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]time.Time{}
	}
	if !now.Before(r.nextSweep) {
		for id, exp := range r.m {
			if !exp.After(now) {
				delete(r.m, id)
			}
		}
		r.nextSweep = now.Add(revokedSweepEvery)
	}
	r.m[sid] = expires
}

func (r *revokedSessions) len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.m)
}

// loadRevokedSessions fills the in-memory set from the store at start-up, so a session
// signed out before a restart stays signed out.
func (s *Server) loadRevokedSessions(ctx context.Context) error {
	now := s.now()
	list, err := s.store.RevokedSessions(ctx, now)
	if err != nil {
		return err
	}
	for _, r := range list {
		s.revoked.add(r.SID, r.ExpiresAt, now)
	}
	return nil
}

const noFlashKey = "noflash"

// loadUser is middleware: it puts the signed-in user, if any, into the context. A cookie of
// a disabled account, one issued before a password reset or signing out everywhere, or one
// whose session was signed out, signs nobody in.
func (s *Server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionName)
		if err != nil {
			c.Set(noFlashKey, true)
			return next(c)
		}
		e, ok := s.sessionCache.get(ck.Value, time.Now())
		if ok {
			c.Set(noFlashKey, true)
		} else {
			sess := s.session(c)
			e.uid, _ = sess.Values["uid"].(int64)
			e.epoch, _ = sess.Values["epoch"].(int64)
			e.issued, _ = sess.Values["iat"].(int64)
			e.sid, _ = sess.Values["sid"].(string)
			if _, hasFlash := sess.Values["_flash"]; !hasFlash && !sess.IsNew {
				e.at = time.Now()
				s.sessionCache.put(ck.Value, e)
			}
		}
		uid, epoch := e.uid, e.epoch
		if uid == 0 {
			return next(c)
		}
		// Checked for cached cookies too: the cache is keyed by the cookie, and a copy of a
		// signed-out cookie is that same cookie.
		if e.sid != "" && s.revoked.has(e.sid) {
			return next(c)
		}
		// The cookie's own signed timestamp expires it too, but only on the wall clock and
		// renewed whenever the cookie is rewritten (flashes); a sign-in lasts SessionMaxAge
		// from when the password was typed, whatever happened since.
		if e.issued != 0 && s.now().Sub(time.Unix(e.issued, 0)) > s.cfg.SessionMaxAge {
			return next(c)
		}
		u, err := s.store.UserByID(c.Request().Context(), uid)
		if errors.Is(err, store.ErrNotFound) {
			return next(c)
		}
		if err != nil {
			return storeErr(err)
		}
		if u.Disabled || u.SessionEpoch != epoch {
			return next(c)
		}
		c.Set(userContextKey, &u)
		return next(c)
	}
}

func currentUser(c echo.Context) *store.User {
	u, _ := c.Get(userContextKey).(*store.User)
	return u
}

// signIn starts a session for u, replacing whatever the cookie held before. Each sign-in
// gets its own id, so that signing out can end it without ending the account's sessions on
// other devices.
func (s *Server) signIn(c echo.Context, u store.User) error {
	sess := s.session(c)
	values := map[any]any{"uid": u.ID, "epoch": u.SessionEpoch, "iat": s.now().Unix(), "sid": newSessionID()}
	if f, ok := sess.Values["_flash"]; ok {
		values["_flash"] = f // a message queued earlier in this request still shows
	}
	sess.Values = values
	return sess.Save(c.Request(), c.Response())
}

// newSessionID names one sign-in: 128 random bits, unguessable, and no two sign-ins share one.
func newSessionID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS has no entropy: nothing safe to do
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// signOut ends this browser's session. Clearing the cookie is not enough: a copy of it taken
// before (another tab, a stolen cookie) would still sign in, so the session's id is revoked.
// The account's other devices stay signed in: a teacher signing out on a phone must not
// sign out the projector's laptop in front of the class.
func (s *Server) signOut(c echo.Context) error {
	if u := currentUser(c); u != nil {
		sess := s.session(c)
		sid, _ := sess.Values["sid"].(string)
		issued, _ := sess.Values["iat"].(int64)
		if err := s.revokeSession(c.Request().Context(), u.ID, sid, issued); err != nil {
			return err
		}
	}
	return s.clearSession(c, "", "")
}

// revokeSession makes the session sid of an account sign nobody in, now and after a
// restart. A cookie from before session ids has no id to revoke: the only way to end its
// copies is to move the account's session epoch on, which ends its sessions on every device.
func (s *Server) revokeSession(ctx context.Context, userID int64, sid string, issued int64) error {
	if sid == "" {
		return s.store.EndSessions(ctx, userID)
	}
	now := s.now()
	start := now
	if issued != 0 {
		start = time.Unix(issued, 0)
	}
	// A minute past the end of the session's lifetime: loadUser still accepts a cookie at
	// exactly SessionMaxAge, and iat has whole seconds.
	expires := start.Add(s.cfg.SessionMaxAge + time.Minute)
	if err := s.store.RevokeSession(ctx, store.RevokedSession{SID: sid, UserID: userID, ExpiresAt: expires}, now); err != nil {
		return err
	}
	// After the commit: had the write failed, the user would see an error and still be
	// signed in, rather than be signed out until the next restart only.
	s.revoked.add(sid, expires, now)
	return nil
}

// clearSession empties this browser's session cookie. With a message, the cookie keeps
// only that flash, for the login page; without, it is deleted.
func (s *Server) clearSession(c echo.Context, kind, msg string) error {
	sess := s.session(c)
	sess.Values = map[any]any{}
	if msg != "" {
		sess.AddFlash(kind + ":" + msg)
	} else {
		sess.Options = &sessions.Options{Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode}
	}
	return sess.Save(c.Request(), c.Response())
}

// addFlash queues a message for the next page the user sees.
func (s *Server) addFlash(c echo.Context, kind, msg string) {
	sess := s.session(c)
	sess.AddFlash(kind + ":" + msg)
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		s.log.Warn("save flash", "err", err)
	}
}

func (s *Server) takeFlashes(c echo.Context) []flash {
	if none, _ := c.Get(noFlashKey).(bool); none {
		return nil
	}
	sess := s.session(c)
	raw := sess.Flashes()
	if len(raw) == 0 {
		return nil
	}
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		s.log.Warn("clear flashes", "err", err)
	}
	out := make([]flash, 0, len(raw))
	for _, r := range raw {
		str, _ := r.(string)
		kind, msg, _ := strings.Cut(str, ":")
		out = append(out, flash{Kind: kind, Message: msg})
	}
	return out
}

// Password rules. Students type on phones, so their minimum is shorter than staff's.
const (
	minStudentPassword = 6
	minStaffPassword   = 8
	maxPassword        = 72 // bcrypt reads at most 72 bytes
)

func checkPassword(pw string, role store.Role) error {
	min := minStaffPassword
	if role == store.RoleStudent {
		min = minStudentPassword
	}
	if len([]rune(pw)) < min {
		return invalid("密码太短：至少需要 " + itoa(min) + " 个字符。")
	}
	if len(pw) > maxPassword {
		return invalid("密码太长：最多 72 个字节。")
	}
	return nil
}

func (s *Server) hashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.cfg.BcryptCost)
	return string(h), err
}

// dummyHash is compared against when a login does not exist, so that a wrong login and a
// wrong password take the same time and cannot be told apart. It is a constant (a bcrypt
// hash at the default cost) because computing one at start-up would add ~70 ms to every start.
const dummyHash = "$2a$10$IdyFreS1eOBAd7LfPxyzGerQfz5tHefR.m46iAfLHk9kl19jJuLO."

func passwordMatches(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// tempPassword makes a readable one-time password for resets, without look-alike characters.
func tempPassword() string {
	return randomString(8, "abcdefghjkmnpqrstuvwxyz23456789")
}

// joinCodeAlphabet leaves out 0/O, 1/I/L, which students misread off a projector.
const joinCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func newJoinCode() string { return randomString(6, joinCodeAlphabet) }

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS has no entropy: nothing safe to do
	}
	// 256 is not a multiple of every alphabet size, so reject the top bytes to stay uniform.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	for len(out) < n {
		for _, x := range b {
			if int(x) < limit && len(out) < n {
				out = append(out, alphabet[int(x)%len(alphabet)])
			}
		}
		rand.Read(b)
	}
	return string(out)
}
