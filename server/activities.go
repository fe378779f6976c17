package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"crmlab/server/store"
)

// ActivityKind is one kind of work an instructor assigns to a class: a lesson, an exercise
// card, a self-scoring sheet, a game, a simulation. Each feature area implements it over its
// own content and is registered in New, so areas never touch each other's code.
type ActivityKind interface {
	// Kind is the key stored with every assignment, e.g. "card". It must never change.
	Kind() string
	// Label names the kind in the UI, e.g. "练习卡".
	Label() string
	// Choices lists what can be assigned, in the order instructors should see it.
	Choices() []ActivityChoice
	// StudentURL is where a student opens an assigned activity.
	StudentURL(a store.Activity) string
}

// ActivityChoice is one assignable piece of content.
type ActivityChoice struct {
	ContentID string
	Title     string
	// GroupWork reports whether the activity may be done as one shared answer per group.
	GroupWork bool
}

// ActivityGroup is a kind with its choices, for the assign form.
type ActivityGroup struct {
	Kind    string
	Label   string
	Choices []ActivityChoice
}

// Registry holds the activity kinds of a server.
type Registry struct {
	kinds map[string]ActivityKind
	order []string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{kinds: map[string]ActivityKind{}} }

// Register adds a kind; registering the same key twice is a programming error.
func (r *Registry) Register(k ActivityKind) {
	if _, dup := r.kinds[k.Kind()]; dup {
		panic("activity kind registered twice: " + k.Kind())
	}
	r.kinds[k.Kind()] = k
	r.order = append(r.order, k.Kind())
}

// Options lists every kind with its choices.
func (r *Registry) Options() []ActivityGroup {
	var out []ActivityGroup
	for _, key := range r.order {
		k := r.kinds[key]
		if ch := k.Choices(); len(ch) > 0 {
			out = append(out, ActivityGroup{Kind: key, Label: k.Label(), Choices: ch})
		}
	}
	return out
}

// Lookup finds an assignable choice.
func (r *Registry) Lookup(kind, contentID string) (ActivityChoice, bool) {
	k, ok := r.kinds[kind]
	if !ok {
		return ActivityChoice{}, false
	}
	for _, ch := range k.Choices() {
		if ch.ContentID == contentID {
			return ch, true
		}
	}
	return ActivityChoice{}, false
}

// Label names a kind; an unknown kind (content since removed) shows its key.
func (r *Registry) Label(kind string) string {
	if k, ok := r.kinds[kind]; ok {
		return k.Label()
	}
	return kind
}

// StudentURL is where a student opens a; "" when its kind is no longer registered.
func (r *Registry) StudentURL(a store.Activity) string {
	if k, ok := r.kinds[a.Kind]; ok {
		return k.StudentURL(a)
	}
	return ""
}

func (s *Server) activityViews(acts []store.Activity) []activityView {
	out := make([]activityView, len(acts))
	for i, a := range acts {
		out[i] = activityView{Activity: a, KindLabel: s.activities.Label(a.Kind)}
	}
	return out
}

// dueLayout is what an <input type="datetime-local"> sends.
const dueLayout = "2006-01-02T15:04"

func (s *Server) assignActivity(c echo.Context) error {
	cls := classOf(c)
	kind, contentID, _ := strings.Cut(c.FormValue("activity"), ":")
	choice, ok := s.activities.Lookup(kind, contentID)
	if !ok {
		return s.failBack(c, cls, "请从列表中选择要布置的活动。")
	}
	a := store.Activity{
		ClassID: cls.ID, Kind: kind, ContentID: contentID, Title: choice.Title,
		PerGroup: c.FormValue("per_group") != "", CreatedBy: currentUser(c).ID, CreatedAt: s.now(),
	}
	if a.PerGroup && !choice.GroupWork {
		return s.failBack(c, cls, "“"+choice.Title+"”只能个人完成，不能按小组布置。")
	}
	if due := strings.TrimSpace(c.FormValue("due")); due != "" {
		t, err := time.ParseInLocation(dueLayout, due, s.loc)
		if err != nil {
			return s.failBack(c, cls, "截止时间的格式不正确，请用日期时间选择器选择。")
		}
		if t.Before(s.now()) {
			return s.failBack(c, cls, "截止时间已经过去了，请选择以后的时间。")
		}
		a.DueAt = t
	}
	_, err := s.store.CreateActivity(c.Request().Context(), a)
	if errors.Is(err, store.ErrConflict) {
		return s.failBack(c, cls, "“"+choice.Title+"”已经布置给本班了。")
	}
	if err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "已布置“"+choice.Title+"”。")
	return c.Redirect(http.StatusSeeOther, classURL(cls.ID))
}

func (s *Server) deleteActivity(c echo.Context) error {
	cls := classOf(c)
	id, err := idParam(c, "activity")
	if err != nil {
		return err
	}
	a, err := s.store.ActivityByID(c.Request().Context(), cls.ID, id)
	if err != nil {
		return storeErr(err)
	}
	if err := s.store.DeleteActivity(c.Request().Context(), cls.ID, a.ID); err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "已取消布置“"+a.Title+"”。")
	return c.Redirect(http.StatusSeeOther, classURL(cls.ID))
}

// failBack shows the class page again with the refusal and a 400; nothing was changed.
func (s *Server) failBack(c echo.Context, cls *store.Class, msg string) error {
	c.Set(pageErrorKey, msg)
	return s.renderClass(c, http.StatusBadRequest)
}
