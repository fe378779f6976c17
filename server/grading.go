package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"crmlab/grading"
	"crmlab/scenarios/cards"
	"crmlab/scenarios/crmopt"
	"crmlab/scenarios/selfscore"
	"crmlab/server/store"
)

// criterionView is one rubric criterion with the level picked so far (-1: none), the level
// the automatic score suggests (-1: none), and any points typed instead of a level.
type criterionView struct {
	cards.Criterion
	Selected  int
	Suggested int
	Points    string
	Comment   string
	Reason    string
}

// memberView is one member of a graded group with their adjustment as typed.
type memberView struct {
	UserID int64
	Name   string
	Delta  string
	Reason string
}

// queuePos places a submission among the activity's handed-in work for previous/next.
type queuePos struct {
	Index, Count int
	Prev, Next   int64
	Base         string
}

// gradePage is the instructor's rubric beside the student's (or team's) latest version.
type gradePage struct {
	Class    *store.Class
	Activity store.Activity
	Work     work
	Sub      store.Submission
	Owner    string
	Version  *versionView
	Report   *crmopt.Report // a simulation team's report
	Sim      *simState
	Auto     *store.AutoGrade
	Criteria []criterionView
	Members  []memberView
	Overall  string
	Reason   string
	Existing *store.Grade
	History  []store.GradeChange
	Errors   []string
	Queue    queuePos
}

// gradeForm is the grading form as posted (nil on a first view).
type gradeForm struct {
	choices map[string]grading.Choice
	typed   map[string]string // points typed per criterion
	members []grading.Adjustment
	deltas  map[int64]string // adjustments as typed
	overall string
	reason  string
}

func (s *Server) showGrading(c echo.Context) error {
	return s.renderGrading(c, http.StatusOK, nil, nil)
}

// gradeContext loads what grading a rubric needs: the latest version, the simulation state
// for a team report, and the level each Auto criterion's automatic score suggests.
func (s *Server) gradeContext(c echo.Context, w work, sub store.Submission) (store.Version, *simState, map[string]int, error) {
	vs, err := s.store.Versions(c.Request().Context(), sub.ID)
	if err != nil {
		return store.Version{}, nil, nil, storeErr(err)
	}
	if len(vs) == 0 {
		return store.Version{}, nil, nil, invalid("这份作业还没有提交，等学生提交后再评分。")
	}
	v := vs[0]
	suggested := map[string]int{}
	var st *simState
	if w.sim != nil {
		st = new(simState)
		if err := json.Unmarshal([]byte(v.Answer), st); err != nil {
			return v, nil, nil, storeErr(err)
		}
	}
	for _, cr := range w.rubric() {
		if !cr.Auto {
			continue
		}
		switch {
		case st != nil && st.Report != nil:
			if i := w.sim.StandardOf(cr.ID); i >= 0 {
				for _, ss := range st.Report.Standards {
					if ss.ID == w.sim.Standards[i].ID {
						suggested[cr.ID] = cr.Suggest(ss.Score / 100)
					}
				}
			}
		case v.Auto != nil && v.Auto.Max > 0:
			suggested[cr.ID] = cr.Suggest(v.Auto.Score / v.Auto.Max)
		}
	}
	return v, st, suggested, nil
}

// groupMembers are the joined members of the group that owns a submission (none for
// individual work).
func (s *Server) groupMembers(c echo.Context, sub store.Submission) ([]store.Member, error) {
	if sub.Owner.GroupID == 0 {
		return nil, nil
	}
	members, err := s.store.Members(c.Request().Context(), classOf(c).ID)
	if err != nil {
		return nil, storeErr(err)
	}
	var out []store.Member
	for _, m := range members {
		if m.GroupID == sub.Owner.GroupID && m.UserID != 0 {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s *Server) renderGrading(c echo.Context, status int, form *gradeForm, errs []string) error {
	a, w, sub, v, err := s.loadSubmission(c)
	if err != nil {
		return err
	}
	if w.sheet != nil {
		overall := ""
		if form != nil {
			overall = form.overall
		}
		return s.renderSheetGrading(c, status, a, w, sub, nil, errs, overall)
	}
	rubric := w.rubric()
	if len(rubric) == 0 {
		return invalid("这项作业没有评分标准，不能按评分表打分。")
	}
	ctx := c.Request().Context()
	latest, st, suggested, err := s.gradeContext(c, w, sub)
	if err != nil {
		return err
	}
	page := gradePage{Class: classOf(c), Activity: a, Work: w, Sub: sub, Owner: s.ownerName(c, sub), Errors: errs, Auto: latest.Auto,
		Queue: s.queueOf(c, a, sub.ID)}
	if st != nil {
		page.Sim, page.Report = st, st.Report
	} else {
		vv := s.versionViews(w, w.fields(v), []store.Version{latest})[0]
		page.Version = &vv
	}
	choices := map[string]grading.Choice{}
	adjustments := map[int64]store.Adjustment{}
	if g, err := s.store.GradeOf(ctx, sub.ID); err == nil {
		page.Existing = &g
		if form == nil {
			json.Unmarshal([]byte(g.Choices), &choices)
			page.Overall = g.Overall
			if adjustments, err = s.store.Adjustments(ctx, sub.ID); err != nil {
				return storeErr(err)
			}
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return storeErr(err)
	}
	if form != nil {
		choices, page.Overall, page.Reason = form.choices, form.overall, form.reason
	}
	for _, cr := range rubric {
		cv := criterionView{Criterion: cr, Selected: -1, Suggested: -1}
		if sg, ok := suggested[cr.ID]; ok {
			cv.Suggested = sg
			cv.Selected = sg // the suggestion stands until the instructor picks otherwise
		}
		if ch, ok := choices[cr.ID]; ok {
			cv.Selected, cv.Comment, cv.Reason = ch.Level, ch.Comment, ch.Reason
			if ch.Points != nil {
				cv.Points = strconv.FormatFloat(*ch.Points, 'f', -1, 64)
			}
		}
		if form != nil {
			cv.Points = form.typed[cr.ID]
		}
		page.Criteria = append(page.Criteria, cv)
	}
	members, err := s.groupMembers(c, sub)
	if err != nil {
		return err
	}
	for _, m := range members {
		mv := memberView{UserID: m.UserID, Name: m.Name}
		if form != nil {
			mv.Delta = form.deltas[m.UserID]
			for _, adj := range form.members {
				if adj.UserID == m.UserID {
					mv.Reason = adj.Reason
				}
			}
		} else if adj, ok := adjustments[m.UserID]; ok {
			mv.Delta, mv.Reason = strconv.FormatFloat(adj.Delta, 'f', -1, 64), adj.Reason
		}
		page.Members = append(page.Members, mv)
	}
	if page.History, err = s.store.GradeHistory(ctx, sub.ID); err != nil {
		return storeErr(err)
	}
	return s.render(c, status, "grade", "评分 · "+page.Owner, page)
}

// parseGradeForm reads levels, typed points, comments and reasons per criterion, and each
// group member's adjustment. Values that do not parse are kept so Score refuses them.
func parseGradeForm(c echo.Context, rubric []cards.Criterion, members []store.Member) *gradeForm {
	f := &gradeForm{choices: map[string]grading.Choice{}, typed: map[string]string{}, deltas: map[int64]string{},
		overall: strings.TrimSpace(c.FormValue("overall")), reason: strings.TrimSpace(c.FormValue("reason"))}
	for _, cr := range rubric {
		ch := grading.Choice{Level: -1, Comment: strings.TrimSpace(c.FormValue("comment." + cr.ID)), Reason: strings.TrimSpace(c.FormValue("reason." + cr.ID))}
		raw := c.FormValue("level." + cr.ID)
		if raw != "" {
			if l, err := strconv.Atoi(raw); err == nil {
				ch.Level = l
			}
		}
		if typed := strings.TrimSpace(c.FormValue("points." + cr.ID)); typed != "" {
			f.typed[cr.ID] = typed
			p, err := strconv.ParseFloat(typed, 64)
			if err != nil {
				p = math.NaN()
			}
			ch.Points = &p
		} else if raw == "" {
			continue // Score names the criterion that is missing
		}
		f.choices[cr.ID] = ch
	}
	for _, m := range members {
		typed := strings.TrimSpace(c.FormValue("adj." + itoa64(m.UserID)))
		f.deltas[m.UserID] = typed
		d := 0.0
		if typed != "" {
			var err error
			if d, err = strconv.ParseFloat(typed, 64); err != nil {
				d = math.NaN()
			}
		}
		f.members = append(f.members, grading.Adjustment{UserID: m.UserID, Name: m.Name, Delta: d, Reason: strings.TrimSpace(c.FormValue("adjreason." + itoa64(m.UserID)))})
	}
	return f
}

// saveGrade scores the rubric on the server (the total is never read from the form), gives
// each member of a group the group's score with their adjustment, keeps the change in the
// audit trail and moves on to the next submission that waits for a grade.
func (s *Server) saveGrade(c echo.Context) error {
	a, w, sub, _, err := s.loadSubmission(c)
	if err != nil {
		return err
	}
	if w.sheet != nil {
		return s.saveSheetGrade(c, a, w, sub)
	}
	rubric := w.rubric()
	if len(rubric) == 0 {
		return invalid("这项作业没有评分标准。")
	}
	members, err := s.groupMembers(c, sub)
	if err != nil {
		return err
	}
	form := parseGradeForm(c, rubric, members)
	latest, _, suggested, err := s.gradeContext(c, w, sub)
	if err != nil {
		return err
	}
	refuse := func(msg string) error { return s.renderGrading(c, http.StatusBadRequest, form, []string{msg}) }
	res, err := grading.Score(rubric, form.choices, suggested)
	var ge *grading.Error
	if errors.As(err, &ge) {
		return refuse(ge.Message)
	}
	if err != nil {
		return storeErr(err)
	}
	if len([]rune(form.overall)) > grading.MaxComment {
		return refuse("总评太长。")
	}
	if len([]rune(form.reason)) > grading.MaxReason {
		return refuse("修改原因太长（最多 200 字）。")
	}
	var adjustments []store.Adjustment
	if len(members) > 0 {
		if _, err := grading.Distribute(res.Score, res.Max, form.members); errors.As(err, &ge) {
			return refuse(ge.Message)
		}
		for _, m := range form.members {
			adjustments = append(adjustments, store.Adjustment{UserID: m.UserID, Name: m.Name, Delta: m.Delta, Reason: m.Reason})
		}
	}
	ctx := c.Request().Context()
	if old, err := s.store.GradeOf(ctx, sub.ID); err == nil && old.Score != res.Score && form.reason == "" {
		return refuse("修改已有的成绩时，请写明原因（会记入修改记录）。")
	}
	// The audit line says which automatic suggestions were overridden and why.
	audit := form.reason
	for _, cr := range rubric {
		if ch := form.choices[cr.ID]; ch.Reason != "" {
			audit = strings.TrimPrefix(audit+"；改判“"+cr.Label+"”："+ch.Reason, "；")
		}
	}
	b, _ := json.Marshal(form.choices)
	g := store.Grade{SubmissionID: sub.ID, Version: latest.Number, Choices: string(b), Overall: form.overall, Score: res.Score, Max: res.Max,
		GradedBy: currentUser(c).ID, GradedAt: s.now()}
	if err := s.store.SaveGrade(ctx, g, audit, adjustments); err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "已评分："+trimNum(res.Score)+" / "+trimNum(res.Max)+"。")
	base := "/classes/" + itoa64(a.ClassID) + "/activities/" + itoa64(a.ID)
	if next := s.nextToGrade(c, a, sub.ID); next != 0 {
		return c.Redirect(http.StatusSeeOther, base+"/submissions/"+itoa64(next)+"/grade")
	}
	return c.Redirect(http.StatusSeeOther, base)
}

func trimNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// nextToGrade is the next handed-in, ungraded submission after the current one (or before
// it, wrapping round), 0 when none is left.
func (s *Server) nextToGrade(c echo.Context, a store.Activity, current int64) int64 {
	subs, err := s.store.SubmissionsOfActivity(c.Request().Context(), a.ID)
	if err != nil {
		return 0
	}
	var before, after int64
	for _, sub := range subs {
		if sub.ID == current || !sub.NeedsGrade() {
			continue
		}
		if sub.ID > current && after == 0 {
			after = sub.ID
		}
		if sub.ID < current && before == 0 {
			before = sub.ID
		}
	}
	if after != 0 {
		return after
	}
	return before
}

// queueOf places a submission among the activity's handed-in work (any with a version).
func (s *Server) queueOf(c echo.Context, a store.Activity, current int64) queuePos {
	q := queuePos{Base: "/classes/" + itoa64(a.ClassID) + "/activities/" + itoa64(a.ID) + "/submissions/"}
	subs, err := s.store.SubmissionsOfActivity(c.Request().Context(), a.ID)
	if err != nil {
		return q
	}
	var ids []int64
	for _, sub := range subs {
		if sub.Versions > 0 {
			ids = append(ids, sub.ID)
		}
	}
	q.Count = len(ids)
	for i, id := range ids {
		if id == current {
			q.Index = i + 1
			if i > 0 {
				q.Prev = ids[i-1]
			}
			if i+1 < len(ids) {
				q.Next = ids[i+1]
			}
		}
	}
	return q
}

func (s *Server) releaseGrades(c echo.Context) error {
	cls := classOf(c)
	id, err := idParam(c, "activity")
	if err != nil {
		return err
	}
	if err := s.store.ReleaseGrades(c.Request().Context(), cls.ID, id, s.now()); err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "成绩已发布：学生现在可以看到分数、评分等级和评语。")
	return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(cls.ID)+"/activities/"+itoa64(id))
}

// releasedGrade is what a student sees of their grade once it is released: the rubric rows
// (or, for a self-scoring sheet, the instructor's item scores beside their own with gap
// flags) and, in a group, their own adjustment.
type releasedGrade struct {
	store.Grade
	Rows        []gradeRow
	Gaps        []grading.Gap
	Delta       float64
	DeltaReason string
	Final       float64 // the score that counts for this student
}

type gradeRow struct {
	Label   string
	Level   string
	Points  float64
	Comment string
	Reason  string // why the instructor departed from the automatic suggestion
}

// releasedGradeOf returns the signed-in student's grade when the activity's grades are
// released, and notes that they have seen it.
func (s *Server) releasedGradeOf(c echo.Context, a *store.Activity, w work, sub store.Submission) *releasedGrade {
	ctx := c.Request().Context()
	at, err := s.store.ReleasedAt(ctx, a.ID)
	if err != nil || at.IsZero() {
		return nil
	}
	rg := s.gradeDetail(c, w, sub, currentUser(c).ID)
	if rg != nil && currentUser(c).Role == store.RoleStudent {
		if err := s.store.MarkGradeSeen(ctx, currentUser(c).ID, a.ID, s.now()); err != nil {
			slog.Warn("mark grade seen", "err", err)
		}
	}
	return rg
}

// gradeDetail is a submission's grade as a member (userID) of its owner sees it; nil when
// ungraded.
func (s *Server) gradeDetail(c echo.Context, w work, sub store.Submission, userID int64) *releasedGrade {
	ctx := c.Request().Context()
	g, err := s.store.GradeOf(ctx, sub.ID)
	if err != nil {
		return nil
	}
	rg := &releasedGrade{Grade: g, Final: g.Score}
	if sub.Owner.GroupID != 0 {
		if adj, err := s.store.Adjustments(ctx, sub.ID); err == nil {
			rg.Delta, rg.DeltaReason = adj[userID].Delta, adj[userID].Reason
			rg.Final += rg.Delta
		}
	}
	if w.sheet != nil {
		inst := map[string]int{}
		json.Unmarshal([]byte(g.Choices), &inst)
		if self, err := s.selfScores(c, sub); err == nil {
			rg.Gaps = grading.Gaps(w.sheet.Sheet, self, inst)
		}
		return rg
	}
	var choices map[string]grading.Choice
	json.Unmarshal([]byte(g.Choices), &choices)
	for _, cr := range w.rubric() {
		ch, ok := choices[cr.ID]
		switch {
		case !ok:
		case ch.Points != nil:
			rg.Rows = append(rg.Rows, gradeRow{Label: cr.Label, Level: "老师直接给分", Points: *ch.Points, Comment: ch.Comment, Reason: ch.Reason})
		case ch.Level >= 0 && ch.Level < len(cr.Levels):
			l := cr.Levels[ch.Level]
			rg.Rows = append(rg.Rows, gradeRow{Label: cr.Label, Level: l.Label, Points: l.Points, Comment: ch.Comment, Reason: ch.Reason})
		}
	}
	return rg
}

// sheetGradePage is the instructor scoring sheet 4-16's items beside the student's own.
type sheetGradePage struct {
	Class    *store.Class
	Activity store.Activity
	Sheet    *selfscore.Sheet
	Owner    string
	Sub      store.Submission
	Gaps     []grading.Gap
	Entered  map[string]string // the instructor's scores as typed
	Overall  string
	Existing *store.Grade
	History  []store.GradeChange
	Errors   []string
	SelfSum  int
	Queue    queuePos
}

// selfScores are the item scores of the student's latest submitted sheet.
func (s *Server) selfScores(c echo.Context, sub store.Submission) (map[string]int, error) {
	vs, err := s.store.Versions(c.Request().Context(), sub.ID)
	if err != nil {
		return nil, storeErr(err)
	}
	if len(vs) == 0 || vs[0].Auto == nil {
		return nil, invalid("学生还没有提交自评表，等提交后再评分。")
	}
	var e selfscore.Entry
	if err := json.Unmarshal([]byte(vs[0].Auto.Result), &e); err != nil {
		return nil, storeErr(err)
	}
	return e.Scores, nil
}

func (s *Server) renderSheetGrading(c echo.Context, status int, a store.Activity, w work, sub store.Submission, entered map[string]string, errs []string, overall string) error {
	self, err := s.selfScores(c, sub)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	page := sheetGradePage{Class: classOf(c), Activity: a, Sheet: w.sheet.Sheet, Owner: s.ownerName(c, sub), Sub: sub,
		Entered: entered, Errors: errs, Overall: overall, Queue: s.queueOf(c, a, sub.ID)}
	inst := map[string]int{}
	if g, err := s.store.GradeOf(ctx, sub.ID); err == nil {
		page.Existing = &g
		json.Unmarshal([]byte(g.Choices), &inst)
		if entered == nil {
			page.Overall = g.Overall
		}
	}
	if page.Entered == nil {
		page.Entered = map[string]string{}
		if page.Existing != nil {
			for k, v := range inst {
				page.Entered[k] = strconv.Itoa(v)
			}
		}
	}
	if page.Existing != nil {
		page.Gaps = grading.Gaps(w.sheet.Sheet, self, inst)
	} else {
		for _, it := range w.sheet.Items {
			page.Gaps = append(page.Gaps, grading.Gap{Item: it.ID, Label: it.Label, Max: it.Max, Self: self[it.ID]})
		}
	}
	for _, v := range self {
		page.SelfSum += v
	}
	if page.History, err = s.store.GradeHistory(ctx, sub.ID); err != nil {
		return storeErr(err)
	}
	return s.render(c, status, "grade_sheet", "评分 · "+page.Owner, page)
}

// saveSheetGrade stores the instructor's item scores of a self-scoring sheet; the gaps to
// the student's own scores are shown on the page.
func (s *Server) saveSheetGrade(c echo.Context, a store.Activity, w work, sub store.Submission) error {
	if _, err := s.selfScores(c, sub); err != nil {
		return err
	}
	entered := map[string]string{}
	scores := map[string]int{}
	for _, it := range w.sheet.Items {
		raw := strings.TrimSpace(c.FormValue("score." + it.ID))
		entered[it.ID] = raw
		if raw == "" {
			continue
		}
		v, err := strconv.Atoi(raw)
		if err != nil {
			v = -1
		}
		scores[it.ID] = v
	}
	overall := strings.TrimSpace(c.FormValue("overall"))
	total, err := grading.CheckInstructorScores(w.sheet.Sheet, scores)
	var ge *grading.Error
	if errors.As(err, &ge) {
		return s.renderSheetGrading(c, http.StatusBadRequest, a, w, sub, entered, []string{ge.Message}, overall)
	}
	ctx := c.Request().Context()
	reason := strings.TrimSpace(c.FormValue("reason"))
	if old, err := s.store.GradeOf(ctx, sub.ID); err == nil && old.Score != float64(total) && reason == "" {
		return s.renderSheetGrading(c, http.StatusBadRequest, a, w, sub, entered, []string{"修改已有的成绩时，请写明原因（会记入修改记录）。"}, overall)
	}
	vs, _ := s.store.Versions(ctx, sub.ID)
	b, _ := json.Marshal(scores)
	if err := s.store.SaveGrade(ctx, store.Grade{SubmissionID: sub.ID, Version: vs[0].Number, Choices: string(b), Overall: overall,
		Score: float64(total), Max: float64(w.sheet.Total()), GradedBy: currentUser(c).ID, GradedAt: s.now()}, reason, nil); err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", fmt.Sprintf("已评分：%d / %d。", total, w.sheet.Total()))
	return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(a.ClassID)+"/activities/"+itoa64(a.ID)+"/submissions/"+itoa64(sub.ID)+"/grade")
}

// myGrade is one released grade on the student's results page.
type myGrade struct {
	store.ReleasedGrade
	Detail *releasedGrade
	URL    string
}

// showMyGrades lists the signed-in student's released grades with their rubric rows,
// comments, adjustments and self-score comparisons, and marks them seen.
func (s *Server) showMyGrades(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	released, err := s.store.ReleasedGradesOf(ctx, u.ID)
	if err != nil {
		return storeErr(err)
	}
	lib, _ := s.content.Current()
	var page []myGrade
	for _, r := range released {
		a, err := s.store.ActivityByID(ctx, r.ClassID, r.ActivityID)
		if err != nil {
			return storeErr(err)
		}
		sub, err := s.store.SubmissionByID(ctx, a.ID, r.SubmissionID)
		if err != nil {
			return storeErr(err)
		}
		g := myGrade{ReleasedGrade: r, URL: s.activities.StudentURL(a)}
		if w, ok := s.workFor(lib, a.Kind, a.ContentID); ok {
			g.Detail = s.gradeDetail(c, w, sub, u.ID)
		}
		page = append(page, g)
		if !r.Seen {
			if err := s.store.MarkGradeSeen(ctx, u.ID, a.ID, s.now()); err != nil {
				return storeErr(err)
			}
		}
	}
	return s.render(c, http.StatusOK, "my_grades", "我的成绩", page)
}
