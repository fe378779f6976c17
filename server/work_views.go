package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"crmlab/content"
	"crmlab/scenarios/cards"
	"crmlab/scenarios/crmopt"
	"crmlab/server/store"
)

// previewPage shows a card or sheet outside an assignment: from a lesson's links, or to an
// instructor choosing what to assign. Auto-graded cards show example data.
type previewPage struct {
	Work     work
	Card     *content.Card
	Sheet    *content.Sheet
	Variant  *cards.Variant
	Form     []fieldView
	PrintURL string
	Staff    bool
	Expected []fieldView
}

func (s *Server) previewWork(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		lib, _ := s.content.Current()
		w, ok := s.workFor(lib, kind, c.Param("id"))
		if !ok {
			return notFound()
		}
		v, err := exampleVariant(w)
		if err != nil {
			return storeErr(err)
		}
		fields := w.fields(v)
		page := previewPage{Work: w, Card: w.card, Sheet: w.sheet, Variant: v, Form: fieldViews(fields, nil, nil),
			PrintURL: c.Request().URL.Path + "/print", Staff: currentUser(c).Role != store.RoleStudent}
		if v != nil && page.Staff {
			page.Expected = fieldViews(v.Fields, v.Expected, nil)
		}
		if strings.HasSuffix(c.Path(), "/print") {
			return s.render(c, http.StatusOK, "print", w.Title(), printPage{Work: w, Card: w.card, Sheet: w.sheet, Variant: v, Fields: page.Form, Blank: true})
		}
		return s.render(c, http.StatusOK, "preview", w.Title(), page)
	}
}

// exampleVariant is the data an auto-graded card shows when previewed: a fixed seed, so the
// preview and its paper copy agree.
func exampleVariant(w work) (*cards.Variant, error) {
	if w.card == nil || w.card.Autograde == nil {
		return nil, nil
	}
	return w.card.NewVariant(cards.Seed(w.card.ID, "preview"))
}

// printPage is an A4 view of a card or sheet: blank to hand out, or filled with one owner's
// answer.
type printPage struct {
	Work    work
	Card    *content.Card
	Sheet   *content.Sheet
	Variant *cards.Variant
	Fields  []fieldView
	Blank   bool
	Owner   string
	Class   string
	Version *versionView
}

func (s *Server) printWork(c echo.Context) error {
	a, w, sub, v, err := s.openWork(c)
	if err != nil {
		return err
	}
	return s.renderFilledPrint(c, a, w, sub, v, currentUser(c).Name)
}

func (s *Server) renderFilledPrint(c echo.Context, a *store.Activity, w work, sub store.Submission, v *cards.Variant, owner string) error {
	fields := w.fields(v)
	answer := decodeAnswer(sub.Draft)
	page := printPage{Work: w, Card: w.card, Sheet: w.sheet, Variant: v, Owner: owner, Class: a.ClassName}
	vs, err := s.store.Versions(c.Request().Context(), sub.ID)
	if err != nil {
		return storeErr(err)
	}
	if len(vs) > 0 && sub.Status == store.StatusSubmitted {
		answer = decodeAnswer(vs[0].Answer)
		vv := s.versionViews(w, fields, vs[:1])[0]
		page.Version = &vv
	}
	page.Fields = fieldViews(fields, answer, nil)
	return s.render(c, http.StatusOK, "print", w.Title(), page)
}

// activityPage is the instructor's (and trainer's) list of one activity's work.
type activityPage struct {
	Class    *store.Class
	Activity store.Activity
	Work     work
	Rows     []ownerRow
	CanEdit  bool
	Counts   map[string]int
	Teams    []teamProgress // the simulation's teams, leaderboard order
	Controls store.SimControls
	Events   []crmopt.EventDef // events the instructor may trigger
	Released bool
	Gradable bool // the work has a rubric or sheet to grade by
	Filter   string
	Filters  []queueFilter
}

// queueFilter is one of the filters over an activity's work, with how many rows it keeps.
type queueFilter struct {
	Key, Label string
	Count      int
}

// queueFilters name the filters of the grading queue; keep says whether a row passes.
var queueFilters = []struct {
	key, label string
	keep       func(r ownerRow, released bool) bool
}{
	{"", "全部", func(ownerRow, bool) bool { return true }},
	{"ungraded", "待评分", func(r ownerRow, _ bool) bool { return r.Sub != nil && r.Sub.NeedsGrade() }},
	{"returned", "已退回", func(r ownerRow, _ bool) bool { return r.Sub != nil && r.Sub.Status == store.StatusReturned }},
	{"late", "迟交", func(r ownerRow, _ bool) bool { return r.Sub != nil && r.Sub.Late }},
	{"graded", "已评分", func(r ownerRow, _ bool) bool { return r.Sub != nil && r.Sub.Grade.Valid }},
	{"released", "已发布", func(r ownerRow, rel bool) bool { return rel && r.Sub != nil && r.Sub.Grade.Valid }},
	{"missing", "未提交", func(r ownerRow, _ bool) bool { return r.Sub == nil || r.Sub.Versions == 0 }},
}

type ownerRow struct {
	Name   string
	Detail string // 学号, or the group's members
	Sub    *store.SubmissionRow
}

func (s *Server) showActivity(c echo.Context) error {
	cls := classOf(c)
	ctx := c.Request().Context()
	id, err := idParam(c, "activity")
	if err != nil {
		return err
	}
	a, err := s.store.ActivityByID(ctx, cls.ID, id)
	if err != nil {
		return storeErr(err)
	}
	lib, _ := s.content.Current()
	w, _ := s.workFor(lib, a.Kind, a.ContentID)
	page := activityPage{Class: cls, Activity: a, Work: w, CanEdit: currentUser(c).Role == store.RoleInstructor, Counts: map[string]int{}}
	if page.Rows, err = s.activityRows(c, cls, a); err != nil {
		return err
	}
	if a.Kind == "sim" {
		page.Teams = leaderboard(page.Rows)
		if page.Controls, err = s.store.SimControlsOf(ctx, a.ID); err != nil {
			return storeErr(err)
		}
		if sc, ok := lib.Sim(a.ContentID); ok {
			page.Events = sc.Events
			page.Controls.Seed = int64(page.Controls.SeedOr(sc.Seed)) // the market shown, default or not
		}
	}
	if at, err := s.store.ReleasedAt(ctx, a.ID); err == nil {
		page.Released = !at.IsZero()
	}
	for _, r := range page.Rows {
		if r.Sub == nil {
			page.Counts["none"]++
		} else {
			page.Counts[r.Sub.Status]++
		}
	}
	page.Gradable = w.sheet != nil || len(w.rubric()) > 0
	page.Filter = c.QueryParam("show")
	all := page.Rows
	for _, f := range queueFilters {
		qf := queueFilter{Key: f.key, Label: f.label}
		var kept []ownerRow
		for _, r := range all {
			if f.keep(r, page.Released) {
				qf.Count++
				kept = append(kept, r)
			}
		}
		if f.key == page.Filter {
			page.Rows = kept
		}
		page.Filters = append(page.Filters, qf)
	}
	return s.render(c, http.StatusOK, "activity", a.Title, page)
}

// submissionPage is one owner's work for the instructor: the data they got, the expected
// answer, every version with its auto-grade, and the return form.
type submissionPage struct {
	Class        *store.Class
	Activity     store.Activity
	Work         work
	Sub          store.Submission
	Owner        string
	Variant      *cards.Variant
	Expected     []fieldView
	Draft        []fieldView
	Versions     []versionView
	Contributors []store.Contributor
	CanEdit      bool
	Sim          *simState // a simulation team's task, with its report
	Report       *crmopt.Report
	Grade        *store.Grade // the instructor's grade and its audit trail
	History      []store.GradeChange
}

func (s *Server) loadSubmission(c echo.Context) (store.Activity, work, store.Submission, *cards.Variant, error) {
	cls := classOf(c)
	ctx := c.Request().Context()
	aid, err := idParam(c, "activity")
	if err != nil {
		return store.Activity{}, work{}, store.Submission{}, nil, err
	}
	sid, err := idParam(c, "submission")
	if err != nil {
		return store.Activity{}, work{}, store.Submission{}, nil, err
	}
	a, err := s.store.ActivityByID(ctx, cls.ID, aid)
	if err != nil {
		return a, work{}, store.Submission{}, nil, storeErr(err)
	}
	sub, err := s.store.SubmissionByID(ctx, a.ID, sid)
	if err != nil {
		return a, work{}, sub, nil, storeErr(err)
	}
	lib, _ := s.content.Current()
	w, ok := s.workFor(lib, a.Kind, a.ContentID)
	if !ok {
		return a, w, sub, nil, notFound()
	}
	var v *cards.Variant
	if sub.Variant != "" {
		v = new(cards.Variant)
		if err := json.Unmarshal([]byte(sub.Variant), v); err != nil {
			return a, w, sub, nil, storeErr(err)
		}
	}
	return a, w, sub, v, nil
}

func (s *Server) ownerName(c echo.Context, sub store.Submission) string {
	ctx := c.Request().Context()
	if sub.Owner.GroupID != 0 {
		groups, _ := s.store.Groups(ctx, classOf(c).ID)
		for _, g := range groups {
			if g.ID == sub.Owner.GroupID {
				return g.Name
			}
		}
		return "小组"
	}
	u, err := s.store.UserByID(ctx, sub.Owner.UserID)
	if err != nil {
		return "学生"
	}
	return u.Name + "（" + u.Login + "）"
}

func (s *Server) showSubmission(c echo.Context) error {
	a, w, sub, v, err := s.loadSubmission(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	fields := w.fields(v)
	vs, err := s.store.Versions(ctx, sub.ID)
	if err != nil {
		return storeErr(err)
	}
	contributors, err := s.store.Contributors(ctx, sub.ID)
	if err != nil {
		return storeErr(err)
	}
	page := submissionPage{
		Class: classOf(c), Activity: a, Work: w, Sub: sub, Owner: s.ownerName(c, sub), Variant: v,
		Draft: fieldViews(fields, decodeAnswer(sub.Draft), nil), Versions: s.versionViews(w, fields, vs),
		Contributors: contributors, CanEdit: currentUser(c).Role == store.RoleInstructor,
	}
	if v != nil {
		page.Expected = fieldViews(v.Fields, v.Expected, nil)
	}
	if g, err := s.store.GradeOf(ctx, sub.ID); err == nil {
		page.Grade = &g
		if page.History, err = s.store.GradeHistory(ctx, sub.ID); err != nil {
			return storeErr(err)
		}
	}
	if w.sim != nil {
		answer := sub.Draft
		if len(vs) > 0 {
			answer = vs[0].Answer
		}
		page.Sim = new(simState)
		json.Unmarshal([]byte(answer), page.Sim)
		page.Report = page.Sim.Report
	}
	if strings.HasSuffix(c.Path(), "/print") {
		return s.renderFilledPrint(c, &a, w, sub, v, page.Owner)
	}
	return s.render(c, http.StatusOK, "submission", a.Title+" · "+page.Owner, page)
}

func (s *Server) returnSubmission(c echo.Context) error {
	a, _, sub, _, err := s.loadSubmission(c)
	if err != nil {
		return err
	}
	comment := strings.TrimSpace(c.FormValue("comment"))
	if len([]rune(comment)) > 2000 {
		return invalid("意见太长（最多 2000 字）。")
	}
	err = s.store.ReturnForRevision(c.Request().Context(), sub.ID, currentUser(c).ID, comment, s.now())
	if errors.Is(err, store.ErrFrozen) {
		return invalid("只有已提交、还没退回的作业可以退回。")
	}
	if err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "已退回 "+s.ownerName(c, sub)+" 修改。")
	return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(a.ClassID)+"/activities/"+itoa64(a.ID))
}

func (s *Server) setActivityClosed(closed bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		cls := classOf(c)
		id, err := idParam(c, "activity")
		if err != nil {
			return err
		}
		if err := s.store.SetActivityClosed(c.Request().Context(), cls.ID, id, closed); err != nil {
			return storeErr(err)
		}
		if closed {
			s.addFlash(c, "ok", "已关闭：学生不能再保存或提交。")
		} else {
			s.addFlash(c, "ok", "已重新开放：学生可以继续提交（截止后提交记为迟交）。")
		}
		return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(cls.ID)+"/activities/"+itoa64(id))
	}
}

// activityRows lists who owes work on an activity — every student, or every group — with
// their submission if they have one.
func (s *Server) activityRows(c echo.Context, cls *store.Class, a store.Activity) ([]ownerRow, error) {
	ctx := c.Request().Context()
	subs, err := s.store.SubmissionsOfActivity(ctx, a.ID)
	if err != nil {
		return nil, storeErr(err)
	}
	byUser, byGroup := map[int64]*store.SubmissionRow{}, map[int64]*store.SubmissionRow{}
	for i := range subs {
		if subs[i].Owner.GroupID != 0 {
			byGroup[subs[i].Owner.GroupID] = &subs[i]
		} else {
			byUser[subs[i].Owner.UserID] = &subs[i]
		}
	}
	var rows []ownerRow
	if a.PerGroup {
		groups, err := s.store.Groups(ctx, cls.ID)
		if err != nil {
			return nil, storeErr(err)
		}
		for _, g := range groups {
			names := make([]string, len(g.Members))
			for i, m := range g.Members {
				names[i] = m.Name
			}
			rows = append(rows, ownerRow{Name: g.Name, Detail: strings.Join(names, "、"), Sub: byGroup[g.ID]})
		}
		return rows, nil
	}
	members, err := s.store.Members(ctx, cls.ID)
	if err != nil {
		return nil, storeErr(err)
	}
	for _, m := range members {
		row := ownerRow{Name: m.Name, Detail: m.StudentNo}
		if m.Joined() {
			row.Sub = byUser[m.UserID]
		}
		rows = append(rows, row)
	}
	return rows, nil
}
