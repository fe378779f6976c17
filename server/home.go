package server

import (
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"crmlab/server/store"
)

type studentHome struct {
	Classes    []store.StudentClass
	Activities []studentActivity
	Games      []runningGame
	NewGrades  []store.ReleasedGrade // released since the student last looked
	Grades     int                   // released grades in all
}

type runningGame struct {
	URL   string
	Class string
	Since time.Time
}

type studentActivity struct {
	activityView
	URL     string
	Overdue bool
}

// showHome sends staff to their main page and shows students their classes and work.
func (s *Server) showHome(c echo.Context) error {
	u := currentUser(c)
	switch u.Role {
	case store.RoleAdmin:
		return c.Redirect(http.StatusSeeOther, "/admin/users")
	case store.RoleInstructor, store.RoleTrainer:
		return c.Redirect(http.StatusSeeOther, "/classes")
	}
	now := s.now()
	writes := s.store.Writes() // before reading: see homeCache
	if body, ok := s.homeCache.get(u.ID, writes, now); ok {
		return s.renderBody(c, http.StatusOK, "home_student", "我的学习", body)
	}
	ctx := c.Request().Context()
	classes, err := s.store.StudentClasses(ctx, u.ID)
	if err != nil {
		return storeErr(err)
	}
	acts, err := s.store.ActivitiesOfStudent(ctx, u.ID)
	if err != nil {
		return storeErr(err)
	}
	page := studentHome{Classes: classes}
	for _, cls := range classes {
		games, err := s.store.GamesOfClass(ctx, cls.ClassID)
		if err != nil {
			return storeErr(err)
		}
		for _, g := range games {
			if g.EndedAt.IsZero() {
				page.Games = append(page.Games, runningGame{URL: "/classes/" + itoa64(cls.ClassID) + "/games/" + itoa64(g.ID) + "/play", Class: cls.Name, Since: g.CreatedAt})
			}
		}
	}
	released, err := s.store.ReleasedGradesOf(ctx, u.ID)
	if err != nil {
		return storeErr(err)
	}
	page.Grades = len(released)
	for _, r := range released {
		if !r.Seen {
			page.NewGrades = append(page.NewGrades, r)
		}
	}
	// The page changes by itself when a due time passes (the overdue mark).
	until := now.Add(homeCacheFor)
	for _, a := range s.activityViews(acts) {
		page.Activities = append(page.Activities, studentActivity{
			activityView: a,
			URL:          s.activities.StudentURL(a.Activity),
			Overdue:      !a.DueAt.IsZero() && now.After(a.DueAt),
		})
		if !a.DueAt.IsZero() && !now.After(a.DueAt) && a.DueAt.Before(until) {
			until = a.DueAt
		}
	}
	raw, err := s.renderContentOf("home_student", page)
	if err != nil {
		return err
	}
	body := pack(raw)
	s.homeCache.put(u.ID, homeEntry{writes: writes, until: until, body: body})
	return s.renderBody(c, http.StatusOK, "home_student", "我的学习", body)
}

// homeCache keeps each student's rendered home page content. It is what a student sees
// most, and building it took three queries and a template. An entry is used only while the
// store has committed no write that could change it (store.Writes: draft saves and live
// game moves do not count) and until the next due time of the student's activities passes.
type homeCache struct {
	mu sync.Mutex
	m  map[int64]homeEntry
}

type homeEntry struct {
	writes uint64
	until  time.Time
	body   packed // never written to once stored
}

// homeCacheFor bounds an entry's life even without writes or due times.
const homeCacheFor = 10 * time.Minute

func (hc *homeCache) get(uid int64, writes uint64, now time.Time) (packed, bool) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	e, ok := hc.m[uid]
	if !ok || e.writes != writes || !now.Before(e.until) {
		return packed{}, false
	}
	return e.body, true
}

func (hc *homeCache) put(uid int64, e homeEntry) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if hc.m == nil || len(hc.m) >= 20000 {
		hc.m = make(map[int64]homeEntry, 256) // start over rather than track recency
	}
	hc.m[uid] = e
}
