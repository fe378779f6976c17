package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"crmlab/grading"
	"crmlab/scenarios/cards"
	"crmlab/scenarios/selfscore"
	"crmlab/server/store"
)

// gradePage is the instructor's rubric beside the student's latest version.
// criterionView is one rubric criterion with the level picked so far (-1: none).
type criterionView struct {
	cards.Criterion
	Selected int
	Comment  string
}

type gradePage struct {
	Class    *store.Class
	Activity store.Activity
	Work     work
	Sub      store.Submission
	Owner    string
	Version  *versionView
	Criteria []criterionView
	Overall  string
	Existing *store.Grade
	History  []store.GradeChange
	Errors   []string
}

func (s *Server) showGrading(c echo.Context) error {
	return s.renderGrading(c, http.StatusOK, nil, nil, "")
}

func (s *Server) renderGrading(c echo.Context, status int, choices map[string]grading.Choice, errs []string, overall string) error {
	a, w, sub, v, err := s.loadSubmission(c)
	if err != nil {
		return err
	}
	if w.sheet != nil {
		return s.renderSheetGrading(c, status, a, w, sub, nil, errs, overall)
	}
	if w.card == nil || len(w.card.Rubric) == 0 {
		return invalid("这项作业没有评分标准，不能按评分表打分。")
	}
	ctx := c.Request().Context()
	vs, err := s.store.Versions(ctx, sub.ID)
	if err != nil {
		return storeErr(err)
	}
	if len(vs) == 0 {
		return invalid("这份作业还没有提交，等学生提交后再评分。")
	}
	page := gradePage{Class: classOf(c), Activity: a, Work: w, Sub: sub, Owner: s.ownerName(c, sub), Errors: errs, Overall: overall}
	vv := s.versionViews(w, w.fields(v), vs[:1])[0]
	page.Version = &vv
	if g, err := s.store.GradeOf(ctx, sub.ID); err == nil {
		page.Existing = &g
		if choices == nil {
			json.Unmarshal([]byte(g.Choices), &choices)
			page.Overall = g.Overall
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return storeErr(err)
	}
	for _, cr := range w.card.Rubric {
		cv := criterionView{Criterion: cr, Selected: -1}
		if ch, ok := choices[cr.ID]; ok {
			cv.Selected, cv.Comment = ch.Level, ch.Comment
		}
		page.Criteria = append(page.Criteria, cv)
	}
	if page.History, err = s.store.GradeHistory(ctx, sub.ID); err != nil {
		return storeErr(err)
	}
	return s.render(c, status, "grade", "评分 · "+page.Owner, page)
}

// saveGrade scores the rubric on the server, keeps the change in the audit trail and moves
// on to the next submission that waits for a grade.
func (s *Server) saveGrade(c echo.Context) error {
	a, w, sub, _, err := s.loadSubmission(c)
	if err != nil {
		return err
	}
	if w.sheet != nil {
		return s.saveSheetGrade(c, a, w, sub)
	}
	if w.card == nil {
		return invalid("这项作业没有评分标准。")
	}
	choices := map[string]grading.Choice{}
	for _, cr := range w.card.Rubric {
		raw := c.FormValue("level." + cr.ID)
		if raw == "" {
			continue // Score names the criterion that is missing
		}
		level, err := strconv.Atoi(raw)
		if err != nil {
			level = -1
		}
		choices[cr.ID] = grading.Choice{Level: level, Comment: strings.TrimSpace(c.FormValue("comment." + cr.ID))}
	}
	overall := strings.TrimSpace(c.FormValue("overall"))
	res, err := grading.Score(w.card.Rubric, choices)
	var ge *grading.Error
	if errors.As(err, &ge) {
		return s.renderGrading(c, http.StatusBadRequest, choices, []string{ge.Message}, overall)
	}
	if err != nil {
		return storeErr(err)
	}
	if len([]rune(overall)) > grading.MaxComment {
		return s.renderGrading(c, http.StatusBadRequest, choices, []string{"总评太长。"}, overall)
	}
	ctx := c.Request().Context()
	vs, err := s.store.Versions(ctx, sub.ID)
	if err != nil || len(vs) == 0 {
		return invalid("这份作业还没有提交。")
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if old, err := s.store.GradeOf(ctx, sub.ID); err == nil && old.Score != res.Score && reason == "" {
		return s.renderGrading(c, http.StatusBadRequest, choices, []string{"修改已有的成绩时，请写明原因（会记入修改记录）。"}, overall)
	}
	b, _ := json.Marshal(choices)
	g := store.Grade{SubmissionID: sub.ID, Version: vs[0].Number, Choices: string(b), Overall: overall, Score: res.Score, Max: res.Max,
		GradedBy: currentUser(c).ID, GradedAt: s.now()}
	if err := s.store.SaveGrade(ctx, g, reason); err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "已评分："+strconv.FormatFloat(res.Score, 'f', -1, 64)+" / "+strconv.FormatFloat(res.Max, 'f', -1, 64)+"。")
	base := "/classes/" + itoa64(a.ClassID) + "/activities/" + itoa64(a.ID)
	if next := s.nextToGrade(c, a, sub.ID); next != 0 {
		return c.Redirect(http.StatusSeeOther, base+"/submissions/"+itoa64(next)+"/grade")
	}
	return c.Redirect(http.StatusSeeOther, base)
}

// nextToGrade is the next submitted, ungraded submission after the current one (or before
// it, wrapping round), 0 when none is left.
func (s *Server) nextToGrade(c echo.Context, a store.Activity, current int64) int64 {
	subs, err := s.store.SubmissionsOfActivity(c.Request().Context(), a.ID)
	if err != nil {
		return 0
	}
	var before, after int64
	for _, sub := range subs {
		if sub.ID == current || sub.Status != store.StatusSubmitted {
			continue
		}
		if _, err := s.store.GradeOf(c.Request().Context(), sub.ID); err == nil {
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

// releasedGrade is what a student sees of their grade once it is released.
type releasedGrade struct {
	store.Grade
	Rows []gradeRow
}

type gradeRow struct {
	Label   string
	Level   string
	Points  float64
	Comment string
}

// releasedGradeOf returns the student's grade when the activity's grades are released.
func (s *Server) releasedGradeOf(c echo.Context, a *store.Activity, w work, sub store.Submission) *releasedGrade {
	if w.card == nil {
		return nil
	}
	at, err := s.store.ReleasedAt(c.Request().Context(), a.ID)
	if err != nil || at.IsZero() {
		return nil
	}
	g, err := s.store.GradeOf(c.Request().Context(), sub.ID)
	if err != nil {
		return nil
	}
	var choices map[string]grading.Choice
	json.Unmarshal([]byte(g.Choices), &choices)
	rg := &releasedGrade{Grade: g}
	for _, cr := range w.card.Rubric {
		ch, ok := choices[cr.ID]
		if !ok || ch.Level < 0 || ch.Level >= len(cr.Levels) {
			continue
		}
		l := cr.Levels[ch.Level]
		rg.Rows = append(rg.Rows, gradeRow{Label: cr.Label, Level: l.Label, Points: l.Points, Comment: ch.Comment})
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
		Entered: entered, Errors: errs, Overall: overall}
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
		Score: float64(total), Max: float64(w.sheet.Total()), GradedBy: currentUser(c).ID, GradedAt: s.now()}, reason); err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", fmt.Sprintf("已评分：%d / %d。", total, w.sheet.Total()))
	return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(a.ClassID)+"/activities/"+itoa64(a.ID)+"/submissions/"+itoa64(sub.ID)+"/grade")
}
