package server

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"crmlab/server/store"
)

// simNews tells a team's pages that the team's state changed: the new version, and who
// changed what, so a member with unsaved input is told instead of losing it.
type simNews struct {
	Version int    `json:"version"`
	By      string `json:"by,omitempty"`
	ByID    int64  `json:"by_id,omitempty"`
	What    string `json:"what,omitempty"`
	At      string `json:"at,omitempty"`
	// Control marks an instructor's change (a hold, an event, the market): the version is
	// unchanged but the page shows it.
	Control bool `json:"control,omitempty"`
}

// simTopic is the live topic of one team's simulation; subscribers carry it as their
// audience, so the hub's view key is the topic.
func simTopic(activityID int64, o store.Owner) string {
	if o.GroupID != 0 {
		return fmt.Sprintf("sim/%d/g%d", activityID, o.GroupID)
	}
	return fmt.Sprintf("sim/%d/u%d", activityID, o.UserID)
}

// simActivityTopics is the prefix of every team topic of an activity.
func simActivityTopics(activityID int64) string { return fmt.Sprintf("sim/%d/", activityID) }

func topicOf(sub *subscriber) string { return sub.audience }

// publishSim sends news to the subscribers whose topic match accepts. It never waits for a
// phone (see hub.publish); a phone that misses a message gets the version with the next
// one, or on reconnecting.
func (s *Server) publishSim(match func(topic string) bool, n simNews) {
	b, _ := json.Marshal(n)
	msg := sseMessage{Event: "change", Data: string(b)}
	s.sims.publish(topicOf, match, func(topic string) (sseMessage, bool) { return msg, match(topic) })()
}

// publishTeam tells one team's pages about a member's save.
func (s *Server) publishTeam(c echo.Context, sub store.Submission, what string) {
	topic := simTopic(sub.ActivityID, sub.Owner)
	u := currentUser(c)
	s.publishSim(func(k string) bool { return k == topic }, simNews{
		Version: sub.DraftVersion, By: u.Name, ByID: u.ID, What: what, At: s.clock(s.now()),
	})
}

// publishClass tells every team of an activity about an instructor's change.
func (s *Server) publishClass(activityID int64, what string) {
	prefix := simActivityTopics(activityID)
	s.publishSim(func(k string) bool { return strings.HasPrefix(k, prefix) }, simNews{
		Version: -1, By: "老师", What: what, At: s.clock(s.now()), Control: true,
	})
}

// streamSim serves a member's live updates: first the team's current version (so a page
// that reconnects after a drop checks once whether it missed a change), then every change.
func (s *Server) streamSim(c echo.Context) error {
	a, _, sub, _, err := s.openSim(c)
	if err != nil {
		return err
	}
	// Subscribe before reading the version again: a save in between is then either in the
	// snapshot or in a message, never in neither.
	hs := s.sims.subscribe(simTopic(a.ID, sub.Owner), currentUser(c).ID)
	cur, err := s.store.FindSubmission(c.Request().Context(), a.ID, sub.Owner)
	if err != nil {
		s.sims.unsubscribe(hs)
		return storeErr(err)
	}
	b, _ := json.Marshal(simNews{Version: cur.DraftVersion, By: cur.DraftSavedByName, ByID: cur.DraftSavedBy, At: s.clock(cur.DraftSavedAt)})
	return stream(c, s.sims, hs, sseMessage{Event: "change", Data: string(b)})
}
