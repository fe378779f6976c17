package server

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"crmlab/content"
	"crmlab/scenarios/keymoments"
	"crmlab/server/store"
)

// gameKind is the only live game so far; its analysis card is what groups fill in prepare.
const (
	gameKind     = "keymoments"
	gameCardID   = "card-moments"
	gameActivity = "关键时刻分析表（课堂游戏）"
)

// liveGame is a game in memory: its state is the replay of its event log, and every new
// command is appended to the log before its effect is shown to anyone.
type liveGame struct {
	mu      sync.Mutex
	game    store.Game
	state   *keymoments.State
	hub     *hub
	flushMu sync.Mutex // one flush queues at a time, so screens get updates in order
	// roomPending is set while a coalesced room update waits to be sent (guarded by mu).
	roomPending bool

	// The last room view built, for the phones that open the game or connect: 2,000 phones
	// connecting would otherwise rebuild the whole room 2,000 times (guarded by roomMu).
	roomMu sync.Mutex
	room   gameView
}

// games holds the live games of a server.
type games struct {
	mu   sync.Mutex
	byID map[int64]*liveGame
}

// liveGame returns the game in memory, replaying its log on first use (after a restart
// this is how a game resumes exactly where it was).
func (s *Server) liveGame(ctx context.Context, classID, id int64) (*liveGame, error) {
	s.games.mu.Lock()
	defer s.games.mu.Unlock()
	if g, ok := s.games.byID[id]; ok && g.game.ClassID == classID {
		return g, nil
	}
	row, err := s.store.GameByID(ctx, classID, id)
	if err != nil {
		return nil, err
	}
	var cfg keymoments.Config
	if err := json.Unmarshal([]byte(row.Config), &cfg); err != nil {
		return nil, fmt.Errorf("game %d config: %w", id, err)
	}
	state := keymoments.New(cfg, row.Seed, row.CreatedAt)
	events, err := s.store.GameEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		var cmd keymoments.Command
		if err := json.Unmarshal([]byte(e.Command), &cmd); err != nil {
			return nil, fmt.Errorf("game %d event %d: %w", id, e.Seq, err)
		}
		next, _, err := keymoments.Apply(state, cmd, e.At)
		if err != nil {
			// A logged command was accepted once; refusing it now means the engine changed.
			return nil, fmt.Errorf("game %d: replaying event %d refused: %w", id, e.Seq, err)
		}
		state = next
	}
	g := &liveGame{game: row, state: state, hub: newHub(s.metrics.Live)}
	s.games.byID[id] = g
	return g, nil
}

// apply runs one command: the engine decides, the log stores it, then screens update. The
// command is acknowledged (the handler returns) only after the log write committed.
func (s *Server) applyGame(ctx context.Context, g *liveGame, cmd keymoments.Command) error {
	g.mu.Lock()
	now := s.now()
	next, events, err := keymoments.Apply(g.state, cmd, now)
	if err != nil {
		g.mu.Unlock()
		var ke *keymoments.Error
		if errors.As(err, &ke) {
			return invalid(ke.Message)
		}
		return storeErr(err)
	}
	b, _ := json.Marshal(cmd)
	if err := s.store.AppendGameEvent(ctx, g.game.ID, next.Seq, now, string(b), next.Phase == keymoments.PhaseEnded); err != nil {
		g.mu.Unlock()
		return storeErr(err)
	}
	prev := g.state
	g.state = next
	g.mu.Unlock()
	if prev.Phase == keymoments.PhasePrepare && next.Phase != keymoments.PhasePrepare {
		s.submitAnalyses(ctx, g, next)
	}
	s.scheduleFlush(g, events)
	return nil
}

// snapshot returns the current state; states are never changed in place, so it can be read
// without the lock.
func (g *liveGame) snapshot() *keymoments.State {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.state
}

// submitAnalyses freezes every group's analysis card when preparation ends, so each group's
// five answers become its submission, graded like any other work.
func (s *Server) submitAnalyses(ctx context.Context, g *liveGame, st *keymoments.State) {
	if g.game.ActivityID == 0 {
		return
	}
	for _, grp := range st.Groups {
		sub, err := s.store.FindSubmission(ctx, g.game.ActivityID, store.Owner{GroupID: grp.ID})
		if err != nil || sub.Status == store.StatusSubmitted || sub.DraftVersion == 0 {
			continue
		}
		by := sub.DraftSavedBy
		if by == 0 {
			by = grp.Leader
		}
		if _, err := s.store.Submit(ctx, sub.ID, sub.DraftVersion, sub.Draft, by, s.now(), false, nil); err != nil && !errors.Is(err, store.ErrStale) {
			s.log.Warn("submit game analysis", "game", g.game.ID, "group", grp.ID, "err", err)
		}
	}
}

// urgent reports whether events change what every phone shows (a new phase, a timer, the
// groups); those go out to every screen at once. Everything else (joins, hands, wall posts,
// reviews) changes at most the phones of the groups concerned, and the room's screens.
func urgent(events []keymoments.Event) bool {
	for _, e := range events {
		switch e.Kind {
		case "phase", "timer", "groups", "deal", "queue", "ended":
			return true
		}
	}
	return false
}

// changedGroups are the groups whose own screens events change: a group's definition,
// post, answer or review. A join or a show of hands changes only the room's screens.
func changedGroups(events []keymoments.Event) map[int64]bool {
	var groups map[int64]bool
	for _, e := range events {
		if e.Group != 0 && e.Kind != "hands" && e.Kind != "players" {
			if groups == nil {
				groups = map[int64]bool{}
			}
			groups[e.Group] = true
		}
	}
	return groups
}

func everyView(string) bool { return true }

func roomViews(key string) bool { return key == "projector" || key == "console" }

// roomEvery bounds how often room-wide screens (projector, console) are re-sent while
// students join, vote and post: a class of 200 tapping at once makes a few pushes a second,
// not 200.
const roomEvery = 150 * time.Millisecond

// scheduleFlush sends what changes phones now and coalesces the room's screens. A phone is
// only sent what changes its own screen: a join or another group's post never reaches
// 2,000 phones, and a burst of 200 posts re-renders the projector a few times, not 200.
func (s *Server) scheduleFlush(g *liveGame, events []keymoments.Event) {
	if urgent(events) {
		s.flushGame(g, everyView)
		return
	}
	if groups := changedGroups(events); groups != nil {
		s.flushGame(g, func(key string) bool {
			id, ok := strings.CutPrefix(key, "phone:")
			if !ok {
				return false
			}
			gid, _ := strconv.ParseInt(id, 10, 64)
			return groups[gid]
		})
	}
	g.mu.Lock()
	if g.roomPending {
		g.mu.Unlock()
		return
	}
	g.roomPending = true
	g.mu.Unlock()
	time.AfterFunc(roomEvery, func() {
		g.mu.Lock()
		g.roomPending = false
		g.mu.Unlock()
		s.flushGame(g, roomViews)
	})
}

// flushGame renders each view that wants accepts once, from the game as it is now, and
// sends it to every screen showing it (and to screens that fell behind).
func (s *Server) flushGame(g *liveGame, wants func(key string) bool) {
	g.flushMu.Lock()
	st := g.snapshot()
	room := s.roomView(g, st)
	g.keepRoom(room)
	key := func(sub *subscriber) string {
		if sub.audience != "phone" {
			return sub.audience
		}
		if i, ok := room.groupAt[sub.user]; ok {
			return "phone:" + itoa64(st.Groups[i].ID)
		}
		return "phone:0"
	}
	deliver := g.hub.publish(key, wants, func(k string) (sseMessage, bool) {
		html, err := s.renderGameViewFrom(room, g, st, k, 0)
		if err != nil {
			s.log.Error("render game view", "game", g.game.ID, "view", k, "err", err)
			return sseMessage{}, false
		}
		return sseMessage{ID: st.Seq, Event: "view", Data: html}, true
	})
	// The order is in the screens' queues now; writing them must not hold up the next
	// update (200 students posting at once each wait for the flushes before theirs).
	g.flushMu.Unlock()
	deliver()
}

// gameView is what every game fragment is rendered from.
type gameView struct {
	Game      store.Game
	ClassID   int64
	St        *keymoments.State
	Texts     *content.GameTexts
	Phase     keymoments.Phase
	Label     string
	Timed     bool
	Remaining int // seconds
	Deadline  int64
	Now       int64
	TimeUp    bool
	Base      string // the game's URL
	// phone: the same for every member of a group, so nothing here may depend on who
	// is looking (the user is only used to find the group).
	Group      *keymoments.Group
	LeaderName string
	Artefact   *content.Artefact
	MyPosts    []keymoments.Post
	ToReview   []groupLine
	Reviewed   map[int64]keymoments.Review
	WorkURL    string
	// projector and console
	Groups     []groupLine
	Ungrouped  []keymoments.Player
	Wall       []wallLine
	Yes, No    int
	Online     int
	Presenting *groupLine
	Results    []groupLine
	Analyses   map[int64][]fieldView
	Deck       []*content.Artefact

	// Built with the room view so that each group's phone view is found without a scan of
	// the whole room: 400 groups × 2,000 players is what a phase change would cost.
	names   map[int64]string // players' names by user
	groupAt map[int64]int    // index into St.Groups by member
	head    *sharedHead      // the phones' shared head, set anew with the clock
}

type groupLine struct {
	keymoments.Group
	Names    []string
	Online   int
	Artefact *content.Artefact
	Result   keymoments.ReviewResult
	Reviewed bool
}

type wallLine struct {
	Text  string
	Group string
}

// roomView builds everything a game screen shows about the whole room, once per update;
// phone views are then derived from it per group (see forPhone), so an update for 2,000
// phones does not rebuild the room 400 times.
func (s *Server) roomView(g *liveGame, st *keymoments.State) gameView {
	lib, _ := s.content.Current()
	v := gameView{
		Game: g.game, ClassID: g.game.ClassID, St: st, Texts: lib.Game, Phase: st.Phase, Label: st.Phase.Label(),
		Base: "/classes/" + itoa64(g.game.ClassID) + "/games/" + itoa64(g.game.ID), Deck: lib.Deck,
	}
	v.setClock(st, s.now())
	online := g.hub.online()
	names := make(map[int64]string, len(st.Players))
	for _, p := range st.Players {
		names[p.UserID] = p.Name
		if online[p.UserID] {
			v.Online++
		}
	}
	results := map[int64]keymoments.ReviewResult{}
	for _, r := range st.ReviewResults() {
		results[r.Group] = r
	}
	grouped := make(map[int64]int, len(st.Players))
	v.Groups = make([]groupLine, 0, len(st.Groups))
	for i := range st.Groups {
		grp := st.Groups[i]
		line := groupLine{Group: grp, Result: results[grp.ID], Names: make([]string, 0, len(grp.Members))}
		for _, m := range grp.Members {
			line.Names = append(line.Names, names[m])
			grouped[m] = i
			if online[m] {
				line.Online++
			}
		}
		if a, ok := lib.Artefact(grp.Artefact); ok {
			line.Artefact = a
		}
		v.Groups = append(v.Groups, line)
		if grp.ID == st.Presenting {
			l := line
			v.Presenting = &l
		}
	}
	for _, p := range st.Players {
		if _, ok := grouped[p.UserID]; !ok {
			v.Ungrouped = append(v.Ungrouped, p)
		}
	}
	v.names, v.groupAt = names, grouped
	groupName := map[int64]string{}
	for _, grp := range st.Groups {
		groupName[grp.ID] = grp.Name
	}
	v.Wall = make([]wallLine, 0, len(st.Wall))
	for _, p := range st.Wall {
		v.Wall = append(v.Wall, wallLine{Text: p.Text, Group: groupName[p.GroupID]})
	}
	v.Yes, v.No = len(st.HandsYes), len(st.HandsNo)
	return v
}

// setClock puts the timer as of now into a view.
func (v *gameView) setClock(st *keymoments.State, now time.Time) {
	v.Remaining = int(st.Remaining(now).Round(time.Second) / time.Second)
	v.Now = now.UnixMilli()
	v.TimeUp = st.TimeUp(now)
	v.Timed = !st.Deadline.IsZero() || st.Paused
	v.Deadline = 0
	if !st.Deadline.IsZero() && !st.Paused {
		v.Deadline = st.Deadline.UnixMilli()
	}
	v.head = &sharedHead{} // the phones' head shows the clock: render it anew
}

// keepRoom remembers a freshly built room view for phoneRoom.
func (g *liveGame) keepRoom(v gameView) {
	g.roomMu.Lock()
	defer g.roomMu.Unlock()
	if g.room.St == nil || v.St.Seq >= g.room.St.Seq {
		g.room = v
	}
}

// phoneRoom is the room view for rendering phone screens: the one last built if the game
// and the content are still as they were, with the clock brought up to now, or a new one.
// Phone screens show nothing of the room that changes while the game's state does not
// (who is online is for the console and the projector).
func (s *Server) phoneRoom(g *liveGame, st *keymoments.State) gameView {
	lib, _ := s.content.Current()
	g.roomMu.Lock()
	v := g.room
	g.roomMu.Unlock()
	if v.St == st && v.Texts == lib.Game {
		v.setClock(st, s.now())
		return v
	}
	v = s.roomView(g, st)
	g.keepRoom(v)
	return v
}

// forPhone adds what one group's phones show to a room view. It must not change what the
// phones' shared head shows (Phase, Label and the clock that setClock sets): the head is
// rendered from whichever group's view comes first.
func (s *Server) forPhone(room gameView, g *liveGame, st *keymoments.State, user int64) gameView {
	v := room
	lib, _ := s.content.Current()
	if user != 0 {
		if i, ok := room.groupAt[user]; ok {
			grp := st.Groups[i]
			v.Group = &grp
			v.LeaderName = room.names[grp.Leader]
			if a, ok := lib.Artefact(grp.Artefact); ok {
				v.Artefact = a
			}
			// By index: this runs for each of 400 groups, and copying every post, review and
			// group line of the room only to compare an id costs more than the comparison.
			for i := range st.Wall {
				if st.Wall[i].GroupID == grp.ID {
					v.MyPosts = append(v.MyPosts, st.Wall[i])
				}
			}
			v.Reviewed = map[int64]keymoments.Review{}
			for i := range st.Reviews {
				if r := &st.Reviews[i]; r.From == grp.ID {
					v.Reviewed[r.To] = *r
				}
			}
			for i := range v.Groups {
				if id := v.Groups[i].ID; id != grp.ID && contains64(st.Presented, id) {
					l := v.Groups[i]
					_, l.Reviewed = v.Reviewed[id]
					v.ToReview = append(v.ToReview, l)
				}
			}
			if g.game.ActivityID != 0 {
				v.WorkURL = "/classes/" + itoa64(g.game.ClassID) + "/work/" + itoa64(g.game.ActivityID)
			}
		}
	}
	return v
}

func phaseIndex(p keymoments.Phase) int { return slices.Index(keymoments.Phases(), p) }

func shuffleMembers(ms []store.Member) {
	rand.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
}

func contains64(list []int64, x int64) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// renderGameView renders the fragment for a view key: "projector", "console" or
// "phone:<group id>". A phone view is the same for every member of a group, so user is a
// member when known (0 renders it for the group through its first member).
func (s *Server) renderGameView(g *liveGame, st *keymoments.State, key string, user int64) (string, error) {
	room := s.phoneRoom(g, st)
	if key == "console" || key == "projector" {
		room = s.roomView(g, st) // with who is online now
	}
	return s.renderGameViewFrom(room, g, st, key, user)
}

// renderGameViewFrom renders a view key from an already built room view.
func (s *Server) renderGameViewFrom(room gameView, g *liveGame, st *keymoments.State, key string, user int64) (string, error) {
	// A pooled buffer: a phase change renders a view for each of 400 groups, and growing a
	// fresh buffer to 1-2 KB each time was a third of what the change allocated.
	buf := getBuffer()
	defer putBuffer(buf)
	t := s.views.pages["game"]
	v := room
	var err error
	if gid, phone := strings.CutPrefix(key, "phone:"); phone {
		if user == 0 {
			id, _ := strconv.ParseInt(gid, 10, 64)
			for i := range st.Groups {
				if st.Groups[i].ID == id && len(st.Groups[i].Members) > 0 {
					user = st.Groups[i].Members[0]
				}
			}
		}
		v = s.forPhone(v, g, st, user)
		err = writePhoneView(t, buf, &v)
	} else {
		v.Analyses = s.gameAnalyses(g, st)
		err = t.ExecuteTemplate(buf, "game-"+key, &v)
	}
	if err != nil {
		return "", err
	}
	return buf.String(), nil
}

// writePhoneView writes a phone's whole view: the head every phone shares in this update,
// then its phase's own template.
func writePhoneView(t *template.Template, buf *bytes.Buffer, v *gameView) error {
	head, err := v.phoneHead(t)
	if err != nil {
		return err
	}
	buf.WriteString(head)
	name := phoneTemplate(v)
	if t.Lookup(name) == nil {
		name = "game-phone-ended" // a phase without a phone template of its own
	}
	return t.ExecuteTemplate(buf, name, v)
}

// sharedHead is the opening of every phone's view of one update (template "phone-head":
// the phase, its label, the timer), rendered by whichever phone view needs it first: it is
// the same on all of them and was two thirds of a view's time.
type sharedHead struct {
	once sync.Once
	html string
	err  error
}

func (v *gameView) phoneHead(t *template.Template) (string, error) {
	h := v.head
	if h == nil {
		h = &sharedHead{} // a view whose clock was never set: nothing to share
	}
	h.once.Do(func() {
		var b strings.Builder
		h.err = t.ExecuteTemplate(&b, "phone-head", v)
		h.html = b.String()
	})
	return h.html, h.err
}

// phoneTemplate names the template of a phone's view (game.html has one per phase).
func phoneTemplate(v *gameView) string {
	if v.Group == nil {
		return "game-phone-nogroup"
	}
	return "game-phone-" + string(v.Phase)
}

// gameAnalyses are the groups' analysis cards, shown on the projector in presentations and
// the summary.
func (s *Server) gameAnalyses(g *liveGame, st *keymoments.State) map[int64][]fieldView {
	if g.game.ActivityID == 0 || phaseIndex(st.Phase) < phaseIndex(keymoments.PhasePresent) {
		return nil
	}
	lib, _ := s.content.Current()
	card, ok := lib.Card(gameCardID)
	if !ok {
		return nil
	}
	subs, err := s.store.SubmissionsOfActivity(context.Background(), g.game.ActivityID)
	if err != nil {
		return nil
	}
	out := map[int64][]fieldView{}
	for _, sub := range subs {
		out[sub.Owner.GroupID] = fieldViews(card.Fields, decodeAnswer(sub.Draft), nil)
	}
	return out
}

// ---- handlers ----

type gamesPage struct {
	Class *store.Class
	Games []store.Game
}

// startGame creates a game for the class and its analysis activity (per group, the
// moments-of-truth card), and opens the console.
func (s *Server) startGame(c echo.Context) error {
	cls := classOf(c)
	ctx := c.Request().Context()
	lib, _ := s.content.Current()
	if lib.Game == nil || len(lib.Deck) == 0 {
		return invalid("课程内容里没有关键时刻游戏的材料。")
	}
	var activityID int64
	if _, ok := lib.Card(gameCardID); ok {
		acts, err := s.store.Activities(ctx, cls.ID)
		if err != nil {
			return storeErr(err)
		}
		for _, a := range acts {
			if a.Kind == "card" && a.ContentID == gameCardID {
				activityID = a.ID
			}
		}
		if activityID == 0 {
			a, err := s.store.CreateActivity(ctx, store.Activity{ClassID: cls.ID, Kind: "card", ContentID: gameCardID,
				Title: gameActivity, PerGroup: true, CreatedBy: currentUser(c).ID, CreatedAt: s.now()})
			if err != nil {
				return storeErr(err)
			}
			activityID = a.ID
		}
	}
	cfg := keymoments.DefaultConfig()
	cfg.Deck = nil
	for _, a := range lib.Deck {
		cfg.Deck = append(cfg.Deck, a.ID)
	}
	if s.gameDurations != nil {
		cfg.Durations = s.gameDurations
	}
	b, _ := json.Marshal(cfg)
	var seed [8]byte
	crand.Read(seed[:])
	game, err := s.store.CreateGame(ctx, store.Game{ClassID: cls.ID, Kind: gameKind, ActivityID: activityID, Config: string(b),
		Seed: binary.LittleEndian.Uint64(seed[:]) >> 1, CreatedBy: currentUser(c).ID, CreatedAt: s.now()})
	if err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "游戏已创建。打开投影页让学生扫码加入。")
	return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(cls.ID)+"/games/"+itoa64(game.ID))
}

// WithGameDurations shortens the game's timers (tests and rehearsals).
func WithGameDurations(d map[keymoments.Phase]time.Duration) Option {
	return func(s *Server) { s.gameDurations = d }
}

func (s *Server) gameOf(c echo.Context) (*liveGame, error) {
	id, err := idParam(c, "game")
	if err != nil {
		return nil, err
	}
	g, err := s.liveGame(c.Request().Context(), classOf(c).ID, id)
	if err != nil {
		return nil, storeErr(err)
	}
	return g, nil
}

type gamePage struct {
	View     template.HTML
	Stream   string
	Audience string
	Class    *store.Class
	Game     store.Game
	JoinURL  string
}

func (s *Server) showGameConsole(c echo.Context) error { return s.showGamePage(c, "console") }
func (s *Server) showGameProjector(c echo.Context) error {
	return s.showGamePage(c, "projector")
}

func (s *Server) showGamePage(c echo.Context, audience string) error {
	return s.renderGamePage(c, http.StatusOK, audience)
}

func (s *Server) renderGamePage(c echo.Context, status int, audience string) error {
	g, err := s.gameOf(c)
	if err != nil {
		return err
	}
	st := g.snapshot()
	var user int64
	if audience == "phone" {
		u := currentUser(c)
		user = u.ID
		// Opening the game joins it (late joiners too); a student already in a class group
		// goes into that group.
		if _, ok := st.GroupOf(u.ID); (!ok || !playerIn(st, u.ID)) && st.Phase != keymoments.PhaseEnded {
			if err := s.joinGame(c, g, u); err != nil {
				return err
			}
			st = g.snapshot()
		}
	}
	html, err := s.renderGameView(g, st, viewKey(st, audience, user), user)
	if err != nil {
		return storeErr(err)
	}
	base := "/classes/" + itoa64(g.game.ClassID) + "/games/" + itoa64(g.game.ID)
	stream := base + "/" + audience + "/events"
	if audience == "phone" {
		stream = base + "/play/events"
	}
	page := gamePage{View: template.HTML(html), Stream: stream, Audience: audience, Class: classOf(c), Game: g.game,
		JoinURL: s.baseURL + "/j/" + classOf(c).JoinCode}
	title := "关键时刻课堂游戏"
	return s.render(c, status, "game", title, page)
}

// viewKey names the view a screen shows: "projector", "console", or "phone:<group id>"
// ("phone:0" for a student not in a group yet).
func viewKey(st *keymoments.State, audience string, user int64) string {
	if audience != "phone" {
		return audience
	}
	if grp, ok := st.GroupOf(user); ok {
		return "phone:" + itoa64(grp.ID)
	}
	return "phone:0"
}

func playerIn(st *keymoments.State, user int64) bool {
	for _, p := range st.Players {
		if p.UserID == user {
			return true
		}
	}
	return false
}

// joinGame adds a student to the game and, when the game has groups and the student's class
// group is one of them, puts them there.
func (s *Server) joinGame(c echo.Context, g *liveGame, u *store.User) error {
	ctx := c.Request().Context()
	st := g.snapshot()
	if !playerIn(st, u.ID) {
		if err := s.applyGame(ctx, g, keymoments.Command{Kind: keymoments.CmdJoin, Actor: u.ID, Role: keymoments.RoleStudent, Name: u.Name}); err != nil {
			return err
		}
	}
	st = g.snapshot()
	if _, ok := st.GroupOf(u.ID); ok {
		return nil
	}
	cg, err := s.store.GroupOfUser(ctx, g.game.ClassID, u.ID)
	if err != nil {
		return nil // not in a class group: the instructor places them
	}
	for _, grp := range st.Groups {
		if grp.ID == cg.ID {
			err := s.applyGame(ctx, g, keymoments.Command{Kind: keymoments.CmdMove, Actor: u.ID, Role: keymoments.RoleInstructor, Group: cg.ID, User: u.ID})
			var ae *appError
			if errors.As(err, &ae) && ae.kind != kindInternal {
				return nil // e.g. the game ended meanwhile: they still see it
			}
			return err
		}
	}
	return nil
}

func (s *Server) showGamePlay(c echo.Context) error { return s.showGamePage(c, "phone") }

// streamGameEvents serves a screen's live updates.
func (s *Server) streamGameEvents(audience string) echo.HandlerFunc {
	return func(c echo.Context) error {
		g, err := s.gameOf(c)
		if err != nil {
			return err
		}
		var user int64
		st := g.snapshot()
		if audience == "phone" {
			user = currentUser(c).ID
		}
		html, err := s.renderGameView(g, st, viewKey(st, audience, user), user)
		if err != nil {
			return storeErr(err)
		}
		sub := g.hub.subscribe(audience, user)
		if audience == "phone" {
			// Someone coming online changes the console's list.
			s.scheduleFlush(g, []keymoments.Event{{Kind: "online"}})
		}
		return stream(c, g.hub, sub, sseMessage{ID: st.Seq, Event: "view", Data: html})
	}
}

// gameCommand is an instructor's control: advance, back, pause, resume, extend, skip,
// next presenter, move a student, end; or a grouping action.
func (s *Server) gameCommand(c echo.Context) error {
	g, err := s.gameOf(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	kind := c.FormValue("kind")
	cmd := keymoments.Command{Kind: kind, Actor: u.ID, Role: keymoments.RoleInstructor}
	switch kind {
	case keymoments.CmdAdvance, keymoments.CmdBack, keymoments.CmdSkip, keymoments.CmdPause, keymoments.CmdResume,
		keymoments.CmdNextPresenter, keymoments.CmdEnd:
	case keymoments.CmdExtend:
		cmd.Seconds, _ = strconv.Atoi(c.FormValue("seconds"))
	case keymoments.CmdMove:
		cmd.User, _ = strconv.ParseInt(c.FormValue("user"), 10, 64)
		cmd.Group, _ = strconv.ParseInt(c.FormValue("group"), 10, 64)
		if err := s.moveInClass(c, cmd.User, cmd.Group); err != nil {
			return s.gameReply(c, g, err)
		}
	case "class-groups", "shuffle":
		return s.gameReply(c, g, s.groupGame(c, g, kind == "shuffle"))
	default:
		return s.gameReply(c, g, invalid("未知的操作。"))
	}
	return s.gameReply(c, g, s.applyGame(c.Request().Context(), g, cmd))
}

// gameReply answers a console action: htmx gets the console fragment (or the error text),
// a plain form goes back to the console, or gets it again with the refusal.
func (s *Server) gameReply(c echo.Context, g *liveGame, err error) error {
	if c.Request().Header.Get("HX-Request") != "true" {
		if err != nil {
			var ae *appError
			if errors.As(err, &ae) && ae.kind != kindInternal {
				c.Set(pageErrorKey, ae.msg)
				return s.renderGamePage(c, kindStatus[ae.kind], "console")
			}
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(g.game.ClassID)+"/games/"+itoa64(g.game.ID))
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent) // the stream brings the new view
}

// moveInClass keeps the class's groups in step with the game's, since the groups' analysis
// cards belong to class groups.
func (s *Server) moveInClass(c echo.Context, userID, groupID int64) error {
	ctx := c.Request().Context()
	cls := classOf(c)
	groups, err := s.store.Groups(ctx, cls.ID)
	if err != nil {
		return storeErr(err)
	}
	members, err := s.store.Members(ctx, cls.ID)
	if err != nil {
		return storeErr(err)
	}
	var memberID int64
	for _, m := range members {
		if m.UserID == userID {
			memberID = m.ID
		}
	}
	if memberID == 0 {
		return invalid("这位学生不在本班名单上。")
	}
	found := false
	specs := make([]store.GroupSpec, len(groups))
	for i, g := range groups {
		spec := store.GroupSpec{Name: g.Name, LeaderID: g.LeaderID}
		for _, m := range g.Members {
			if m.ID != memberID {
				spec.MemberIDs = append(spec.MemberIDs, m.ID)
			}
		}
		if spec.LeaderID == memberID && g.ID != groupID {
			spec.LeaderID = 0
			if len(spec.MemberIDs) > 0 {
				spec.LeaderID = spec.MemberIDs[0]
			}
		}
		if g.ID == groupID {
			spec.MemberIDs = append(spec.MemberIDs, memberID)
			found = true
		}
		specs[i] = spec
	}
	if !found {
		return invalid("没有这个小组。")
	}
	if err := s.store.ReplaceGroups(ctx, cls.ID, specs); err != nil {
		return storeErr(err)
	}
	return nil
}

// groupGame forms the game's groups: from the class's groups as they are, or shuffled anew
// (which also regroups the class, because the analysis cards belong to class groups). Only
// students who joined the game are placed.
func (s *Server) groupGame(c echo.Context, g *liveGame, shuffle bool) error {
	ctx := c.Request().Context()
	cls := classOf(c)
	st := g.snapshot()
	joined := map[int64]bool{}
	for _, p := range st.Players {
		joined[p.UserID] = true
	}
	members, err := s.store.Members(ctx, cls.ID)
	if err != nil {
		return storeErr(err)
	}
	if shuffle {
		var in []store.Member
		for _, m := range members {
			if joined[m.UserID] {
				in = append(in, m)
			}
		}
		if len(in) == 0 {
			return invalid("还没有学生加入游戏。")
		}
		shuffleMembers(in)
		var specs []store.GroupSpec
		at := 0
		for i, size := range groupSizes(len(in), 5) {
			spec := store.GroupSpec{Name: fmt.Sprintf("第%d组", i+1)}
			for _, m := range in[at : at+size] {
				spec.MemberIDs = append(spec.MemberIDs, m.ID)
			}
			spec.LeaderID = spec.MemberIDs[0]
			at += size
			specs = append(specs, spec)
		}
		if err := s.store.ReplaceGroups(ctx, cls.ID, specs); err != nil {
			if errors.Is(err, store.ErrGroupHasWork) {
				return conflictErr("有的小组已经有小组作业，不能减少组数；请用“使用班级分组”后手动调整。")
			}
			return storeErr(err)
		}
	}
	groups, err := s.store.Groups(ctx, cls.ID)
	if err != nil {
		return storeErr(err)
	}
	byMember := map[int64]int64{}
	for _, m := range members {
		byMember[m.ID] = m.UserID
	}
	var gg []keymoments.Group
	for _, grp := range groups {
		kg := keymoments.Group{ID: grp.ID, Name: grp.Name, Leader: byMember[grp.LeaderID]}
		for _, m := range grp.Members {
			if joined[m.UserID] {
				kg.Members = append(kg.Members, m.UserID)
			}
		}
		if !joined[kg.Leader] && len(kg.Members) > 0 {
			kg.Leader = kg.Members[0]
		}
		if len(kg.Members) > 0 {
			gg = append(gg, kg)
		}
	}
	if len(gg) == 0 {
		return invalid("已加入游戏的学生都还没有分组：请先在班级页面分组，或用“随机分组”。")
	}
	return s.applyGame(ctx, g, keymoments.Command{Kind: keymoments.CmdSetGroups, Actor: currentUser(c).ID, Role: keymoments.RoleInstructor, Groups: gg})
}

func conflictErr(msg string) error { return &appError{kind: kindConflict, msg: msg} }

// gameAct is a student's move: define, hand, post, answer-returns, set-leader, review.
func (s *Server) gameAct(c echo.Context) error {
	g, err := s.gameOf(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	st := g.snapshot()
	grp, _ := st.GroupOf(u.ID)
	cmd := keymoments.Command{Kind: c.FormValue("kind"), Actor: u.ID, Role: keymoments.RoleStudent, Group: grp.ID,
		Text: strings.TrimSpace(c.FormValue("text")), Text2: strings.TrimSpace(c.FormValue("text2"))}
	switch cmd.Kind {
	case keymoments.CmdDefine, keymoments.CmdPost, keymoments.CmdAnswerReturns:
	case keymoments.CmdHand:
		cmd.Yes = c.FormValue("yes") == "1"
	case keymoments.CmdReview:
		cmd.Group, _ = strconv.ParseInt(c.FormValue("group"), 10, 64)
		cmd.Score, _ = strconv.Atoi(c.FormValue("score"))
	case keymoments.CmdSetLeader:
		cmd.User = u.ID
	default:
		return invalid("未知的操作。")
	}
	if err := s.applyGame(c.Request().Context(), g, cmd); err != nil {
		return err
	}
	st = g.snapshot()
	html, err := s.renderGameView(g, st, viewKey(st, "phone", u.ID), u.ID)
	if err != nil {
		return storeErr(err)
	}
	if cmd.Kind == keymoments.CmdHand {
		if cmd.Yes {
			html = `<p class="flash flash-ok" role="status">你选择了：熟悉</p>` + html
		} else {
			html = `<p class="flash flash-ok" role="status">你选择了：不熟悉</p>` + html
		}
	}
	return c.HTML(http.StatusOK, html)
}

// gameResults exports each group's cross-review result as CSV (UTF-8 with BOM for Excel).
func (s *Server) gameResults(c echo.Context) error {
	g, err := s.gameOf(c)
	if err != nil {
		return err
	}
	st := g.snapshot()
	v := s.roomView(g, st)
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.Write([]string{"小组", "成员", "交流材料", "客户", "客户期望", "无条件退货之问的回答", "互评均分", "互评数", "互评意见"})
	for _, l := range v.Groups {
		art := ""
		if l.Artefact != nil {
			art = l.Artefact.Title
		}
		mean := ""
		if l.Result.Count > 0 {
			mean = strconv.FormatFloat(l.Result.Mean, 'f', 2, 64)
		}
		w.Write([]string{l.Name, strings.Join(l.Names, "、"), art, l.Customer, l.Expectations, l.ReturnsAnswer, mean,
			strconv.Itoa(l.Result.Count), strings.Join(l.Result.Comments, " | ")})
	}
	w.Flush()
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="keymoments-%d.csv"`, g.game.ID))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// forgetGames drops a deleted class's games from memory and ends their open streams; the
// phones reconnect and find the class gone.
func (s *Server) forgetGames(classID int64) {
	s.games.mu.Lock()
	var gone []*liveGame
	for id, g := range s.games.byID {
		if g.game.ClassID == classID {
			delete(s.games.byID, id)
			gone = append(gone, g)
		}
	}
	s.games.mu.Unlock()
	for _, g := range gone {
		g.hub.closeAll()
	}
}

// closeStreams ends every live stream, for shutting down: net/http does not wait for
// connections the hubs have taken over, and would wait in vain for the others.
func (s *Server) closeStreams() {
	s.games.mu.Lock()
	hubs := []*hub{s.sims}
	for _, g := range s.games.byID {
		hubs = append(hubs, g.hub)
	}
	s.games.mu.Unlock()
	for _, h := range hubs {
		h.closeAll()
	}
}
