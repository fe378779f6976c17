// Package keymoments is the engine of the moments-of-truth (关键时刻) class game from the
// logistics-CRM course (slides 28–29): groups define a customer and their expectations, the
// room shows hands, the instructor gives Carlzon's definition, groups post the moments of truth
// they know onto a wall, answer the unconditional-returns question, are dealt one piece of
// customer communication each, prepare and present it, and review each other.
//
// The engine is pure and deterministic: the server keeps every Command in an event log and
// rebuilds the State by replaying the log through Apply with the recorded times. Nothing here
// reads the clock or a global random source; time comes in as an argument and the only
// randomness (the deal) is drawn from State.Seed. Every time stored in the State is in UTC
// without a monotonic reading, so a snapshot survives a JSON round trip unchanged.
package keymoments

import (
	"slices"
	"time"
)

// Phase is one step of the game.
type Phase string

const (
	PhaseLobby   Phase = "lobby"
	PhaseDefine  Phase = "define"
	PhaseHands   Phase = "hands"
	PhaseCarlzon Phase = "carlzon"
	PhaseWall    Phase = "wall"
	PhaseReturns Phase = "returns"
	PhaseReveal  Phase = "reveal"
	PhaseDeal    Phase = "deal"
	PhasePrepare Phase = "prepare"
	PhasePresent Phase = "present"
	PhaseReview  Phase = "review"
	PhaseSummary Phase = "summary"
	PhaseEnded   Phase = "ended"
)

var phaseOrder = []Phase{
	PhaseLobby, PhaseDefine, PhaseHands, PhaseCarlzon, PhaseWall, PhaseReturns, PhaseReveal,
	PhaseDeal, PhasePrepare, PhasePresent, PhaseReview, PhaseSummary, PhaseEnded,
}

var phaseLabels = map[Phase]string{
	PhaseLobby:   "等待加入",
	PhaseDefine:  "定义客户与期望",
	PhaseHands:   "举手调查",
	PhaseCarlzon: "卡尔森的定义",
	PhaseWall:    "关键时刻墙",
	PhaseReturns: "无条件退货之问",
	PhaseReveal:  "揭晓答案",
	PhaseDeal:    "发放交流材料",
	PhasePrepare: "小组准备",
	PhasePresent: "小组陈述",
	PhaseReview:  "交叉互评",
	PhaseSummary: "总结",
	PhaseEnded:   "已结束",
}

// Phases returns every phase in the order the game goes through them.
func Phases() []Phase { return slices.Clone(phaseOrder) }

// Label is the phase's Chinese name as shown on the console, projector and phones. An unknown
// phase is shown as its raw value.
func (p Phase) Label() string {
	if l, ok := phaseLabels[p]; ok {
		return l
	}
	return string(p)
}

// index is the phase's position in Phases, -1 when unknown.
func (p Phase) index() int { return slices.Index(phaseOrder, p) }

// Config is fixed when the game is created and stored in the State.
type Config struct {
	// Durations of the timed phases; a phase absent (or ≤ 0) has no timer. The present
	// duration is per group: the timer restarts with each presenter.
	Durations map[Phase]time.Duration `json:"durations"`
	// Deck holds the ids of the customer-communication artefacts, dealt one per group.
	Deck []string `json:"deck"`
	// MaxText is the longest post, definition, answer or comment, in runes.
	MaxText int `json:"max_text"`
}

// DefaultMaxText is Config.MaxText unless set.
const DefaultMaxText = 200

// MaxPostsPerGroup is how many moments of truth one group may post onto the wall.
const MaxPostsPerGroup = 20

// MaxNameLength is the longest player name, in runes.
const MaxNameLength = 40

// MaxExtendSeconds is the most time one extend command adds.
const MaxExtendSeconds = 1800

// DefaultDeck is the deck of DefaultConfig: the kinds of customer communication the course
// suggests collecting (about ten). The server maps the ids to the printed or scanned material.
var DefaultDeck = []string{
	"mission-poster",  // 公司使命、愿景和价值观海报
	"website",         // 公司网站打印稿
	"newspaper-ad",    // 周末报纸上的广告
	"warranty-card",   // 产品保修卡
	"tv-ad-script",    // 电视广告脚本
	"service-promise", // 服务承诺书
	"returns-policy",  // 退货政策说明
	"price-list",      // 运价表
	"tracking-sms",    // 物流跟踪短信
	"delivery-note",   // 送货单
}

// DefaultConfig is the timing of slide 29 (a 40-minute game) and the default deck.
func DefaultConfig() Config {
	return Config{
		Durations: map[Phase]time.Duration{
			PhaseDefine:  5 * time.Minute,
			PhaseWall:    5 * time.Minute,
			PhaseReturns: 3 * time.Minute,
			PhasePrepare: 10 * time.Minute,
			PhasePresent: 2 * time.Minute,
			PhaseReview:  5 * time.Minute,
		},
		Deck:    slices.Clone(DefaultDeck),
		MaxText: DefaultMaxText,
	}
}

// State is the whole game; the server snapshots it as JSON.
type State struct {
	Phase        Phase         `json:"phase"`
	PhaseStarted time.Time     `json:"phase_started"`
	Deadline     time.Time     `json:"deadline"` // zero when no timer runs (untimed phase, paused, or no presenter yet)
	Paused       bool          `json:"paused"`
	Left         time.Duration `json:"left"`       // remaining time frozen while paused; 0 otherwise
	Players      []Player      `json:"players"`    // sorted by UserID
	Groups       []Group       `json:"groups"`     // in display order
	HandsYes     []int64       `json:"hands_yes"`  // user ids, sorted
	HandsNo      []int64       `json:"hands_no"`   // user ids, sorted
	Wall         []Post        `json:"wall"`       // in posting order
	Revealed     bool          `json:"revealed"`   // the returns answer is shown (reveal and later)
	Queue        []int64       `json:"queue"`      // group ids still to present, in order
	Presenting   int64         `json:"presenting"` // group id, 0 when none
	Presented    []int64       `json:"presented"`  // group ids that have presented, in order
	Reviews      []Review      `json:"reviews"`    // sorted by (From, To)
	Seq          int           `json:"seq"`        // commands applied
	Config       Config        `json:"config"`
	Seed         uint64        `json:"seed"`
}

// Player is a student who joined.
type Player struct {
	UserID   int64     `json:"user_id"`
	Name     string    `json:"name"`
	JoinedAt time.Time `json:"joined_at"`
}

// Group is one table of 4–6 students. ID is the class's group id from the server.
type Group struct {
	ID            int64   `json:"id"`
	Name          string  `json:"name"`
	Leader        int64   `json:"leader"`  // 0 only when the group has no members
	Members       []int64 `json:"members"` // in the order they were put in
	Customer      string  `json:"customer"`
	Expectations  string  `json:"expectations"`
	ReturnsAnswer string  `json:"returns_answer"`
	Artefact      string  `json:"artefact"` // deck id dealt to the group
}

// Post is one moment of truth on the wall.
type Post struct {
	ID      int       `json:"id"` // 1, 2, … in posting order
	GroupID int64     `json:"group_id"`
	UserID  int64     `json:"user_id"`
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
}

// Review is one group's score of another group's presentation.
type Review struct {
	From    int64  `json:"from"` // reviewing group
	To      int64  `json:"to"`   // reviewed group
	Score   int    `json:"score"`
	Comment string `json:"comment"`
	By      int64  `json:"by"` // the member who sent it last
}

// Role is who sends a command.
type Role string

const (
	RoleInstructor Role = "instructor"
	RoleStudent    Role = "student"
)

// Command kinds.
const (
	CmdJoin          = "join"
	CmdSetGroups     = "set-groups"
	CmdMove          = "move"
	CmdSetLeader     = "set-leader"
	CmdDefine        = "define"
	CmdHand          = "hand"
	CmdPost          = "post"
	CmdAnswerReturns = "answer-returns"
	CmdAdvance       = "advance"
	CmdSkip          = "skip"
	CmdBack          = "back"
	CmdPause         = "pause"
	CmdResume        = "resume"
	CmdExtend        = "extend"
	CmdNextPresenter = "next-presenter"
	CmdReview        = "review"
	CmdEnd           = "end"
)

// Command is one input to the game, as stored in the event log.
type Command struct {
	Kind    string  `json:"kind"`
	Actor   int64   `json:"actor"` // user id of the sender
	Role    Role    `json:"role"`
	Name    string  `json:"name,omitempty"`
	Group   int64   `json:"group,omitempty"`
	User    int64   `json:"user,omitempty"`
	Text    string  `json:"text,omitempty"`
	Text2   string  `json:"text2,omitempty"`
	Yes     bool    `json:"yes,omitempty"`
	Score   int     `json:"score,omitempty"`
	Seconds int     `json:"seconds,omitempty"`
	Groups  []Group `json:"groups,omitempty"` // for set-groups: ID, Name, Leader, Members are read
}

// Error is a refused command; Message is Chinese and meant for the user.
type Error struct {
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Event tells the server which screens to refresh.
type Event struct {
	Kind  string `json:"kind"`            // phase, timer, players, groups, group, hands, wall, returns, deal, queue, reviews, ended
	Group int64  `json:"group,omitempty"` // set when only one group's screens change
}

// ReviewResult is the cross-review outcome of one presented group.
type ReviewResult struct {
	Group    int64    `json:"group"`
	Mean     float64  `json:"mean"`  // 0 when Count is 0
	Count    int      `json:"count"` // reviews by other groups
	Comments []string `json:"comments"`
}

// New starts a game in the lobby. A nil Durations or Deck, or MaxText ≤ 0, takes the default.
// cfg is copied: later changes to the caller's map or slice do not reach the game.
func New(cfg Config, seed uint64, now time.Time) *State {
	def := DefaultConfig()
	c := Config{MaxText: cfg.MaxText}
	if cfg.Durations == nil {
		c.Durations = def.Durations
	} else {
		c.Durations = make(map[Phase]time.Duration, len(cfg.Durations))
		for p, d := range cfg.Durations {
			if d > 0 {
				c.Durations[p] = d
			}
		}
	}
	if cfg.Deck == nil {
		c.Deck = def.Deck
	} else {
		c.Deck = slices.Clone(cfg.Deck)
	}
	if c.MaxText <= 0 {
		c.MaxText = DefaultMaxText
	}
	return &State{
		Phase:        PhaseLobby,
		PhaseStarted: norm(now),
		Players:      []Player{},
		Groups:       []Group{},
		HandsYes:     []int64{},
		HandsNo:      []int64{},
		Wall:         []Post{},
		Queue:        []int64{},
		Presented:    []int64{},
		Reviews:      []Review{},
		Config:       c,
		Seed:         seed,
	}
}

// norm drops the monotonic reading and the location so that stored times are equal after a
// JSON round trip.
func norm(t time.Time) time.Time { return t.UTC() }

// Remaining is the time left on the phase's timer: 0 for an untimed phase (and in present
// before the first presenter starts), the frozen value while paused, never negative.
func (s *State) Remaining(now time.Time) time.Duration {
	if s.Paused {
		return max(s.Left, 0)
	}
	if s.Deadline.IsZero() {
		return 0
	}
	return max(s.Deadline.Sub(now), 0)
}

// TimeUp reports whether a timer runs (not paused) and its deadline has come.
func (s *State) TimeUp(now time.Time) bool {
	return !s.Paused && !s.Deadline.IsZero() && !now.Before(s.Deadline)
}

// timing reports whether the phase has a timer right now, running or paused.
func (s *State) timing() bool { return s.Paused || !s.Deadline.IsZero() }

// GroupOf finds the group the user is a member of.
func (s *State) GroupOf(userID int64) (Group, bool) {
	if i := s.groupIndexOf(userID); i >= 0 {
		return s.Groups[i], true
	}
	return Group{}, false
}

func (s *State) groupIndexOf(userID int64) int {
	for i, g := range s.Groups {
		if slices.Contains(g.Members, userID) {
			return i
		}
	}
	return -1
}

func (s *State) groupIndex(id int64) int {
	return slices.IndexFunc(s.Groups, func(g Group) bool { return g.ID == id })
}

func (s *State) player(userID int64) (int, bool) {
	return slices.BinarySearchFunc(s.Players, userID, func(p Player, id int64) int {
		switch {
		case p.UserID < id:
			return -1
		case p.UserID > id:
			return 1
		}
		return 0
	})
}

// ReviewResults gives, for every group that has presented (in display order), the mean
// score the other groups gave it, how many reviews that is, and their comments (by reviewing
// group id). A group's review of itself never counts; a group that did not review is not a 0.
func (s *State) ReviewResults() []ReviewResult {
	presented := s.Presented
	var order []int64
	for _, g := range s.Groups {
		if slices.Contains(presented, g.ID) {
			order = append(order, g.ID)
		}
	}
	for _, id := range presented { // groups no longer listed keep their presentation order
		if !slices.Contains(order, id) {
			order = append(order, id)
		}
	}
	out := make([]ReviewResult, 0, len(order))
	for _, id := range order {
		r := ReviewResult{Group: id, Comments: []string{}}
		sum := 0
		for _, rv := range s.Reviews {
			if rv.To != id || rv.From == id {
				continue
			}
			sum += rv.Score
			r.Count++
			if rv.Comment != "" {
				r.Comments = append(r.Comments, rv.Comment)
			}
		}
		if r.Count > 0 {
			r.Mean = float64(sum) / float64(r.Count)
		}
		out = append(out, r)
	}
	return out
}

// clone deep-copies the state so that Apply never changes its input.
func (s *State) clone() *State {
	c := *s
	c.Players = slices.Clone(s.Players)
	c.Groups = slices.Clone(s.Groups)
	for i := range c.Groups {
		c.Groups[i].Members = slices.Clone(s.Groups[i].Members)
	}
	c.HandsYes = slices.Clone(s.HandsYes)
	c.HandsNo = slices.Clone(s.HandsNo)
	c.Wall = slices.Clone(s.Wall)
	c.Queue = slices.Clone(s.Queue)
	c.Presented = slices.Clone(s.Presented)
	c.Reviews = slices.Clone(s.Reviews)
	c.Config.Deck = slices.Clone(s.Config.Deck)
	if s.Config.Durations != nil {
		c.Config.Durations = make(map[Phase]time.Duration, len(s.Config.Durations))
		for p, d := range s.Config.Durations {
			c.Config.Durations[p] = d
		}
	}
	return &c
}
