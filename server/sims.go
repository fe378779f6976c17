package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"crmlab/scenarios/cards"
	"crmlab/scenarios/crmopt"
	"crmlab/server/store"
)

// simKind lets instructors assign the CRM-optimization task to the class's teams.
type simKind struct{ s *Server }

func (k simKind) Kind() string  { return "sim" }
func (k simKind) Label() string { return "模拟任务" }
func (k simKind) Choices() []ActivityChoice {
	lib, _ := k.s.content.Current()
	var out []ActivityChoice
	for _, sc := range lib.Sims {
		out = append(out, ActivityChoice{ContentID: sc.ID, Title: sc.Title, GroupWork: true})
	}
	return out
}
func (k simKind) StudentURL(a store.Activity) string {
	if a.ID == 0 {
		return "/sims/" + a.ContentID
	}
	return "/classes/" + itoa64(a.ClassID) + "/sim/" + itoa64(a.ID)
}

// simState is a team's progress through the task. It is the team's submission draft, so
// every save carries a version and a teammate's stale save is refused, as for group cards.
type simState struct {
	Surveys  []simSurvey `json:"surveys,omitempty"`
	Problems []string    `json:"problems,omitempty"`
	Score    float64     `json:"score,omitempty"`
	Matched  []string    `json:"matched,omitempty"`
}

type simSurvey struct {
	Source string              `json:"source"` // 默认问卷 or the card it came from
	Result crmopt.SurveyResult `json:"result"`
}

// dashboard is the last twelve months drawn as charts: each series is a KPI line.
type dashboard struct {
	Labels []string      `json:"labels"`
	Charts []chartSeries `json:"charts"`
}

type chartSeries struct {
	Title  string    `json:"title"`
	Unit   string    `json:"unit"`
	Values []float64 `json:"values"`
}

type simPage struct {
	Scenario   *crmopt.Scenario
	History    []crmopt.Month
	Last       crmopt.Month
	ChartJSON  string
	Staff      bool
	Activity   *store.Activity
	Sub        store.Submission
	State      simState
	Group      string
	Base       string
	HasCard    bool
	Problems   []string // the team's list padded with empty lines to type into
	Conflict   string
	Candidates []crmopt.PlantedProblem
}

func (s *Server) simView(sc *crmopt.Scenario) simPage {
	hist := crmopt.History(sc)
	page := simPage{Scenario: sc, History: hist}
	if len(hist) > 0 {
		page.Last = hist[len(hist)-1]
	}
	d := dashboard{}
	for _, m := range hist {
		d.Labels = append(d.Labels, m.Label)
	}
	for _, k := range sc.KPIs {
		cs := chartSeries{Title: k.Label, Unit: k.Unit}
		for _, m := range hist {
			cs.Values = append(cs.Values, m.Value(k.ID))
		}
		d.Charts = append(d.Charts, cs)
	}
	money := []chartSeries{{Title: "收入", Unit: "万元"}, {Title: "成本", Unit: "万元"}, {Title: "客户数", Unit: "家"}}
	for _, m := range hist {
		money[0].Values = append(money[0].Values, m.Revenue)
		money[1].Values = append(money[1].Values, m.Cost)
		money[2].Values = append(money[2].Values, float64(m.Customers))
	}
	d.Charts = append(d.Charts, money...)
	b, _ := json.Marshal(d)
	page.ChartJSON = string(b)
	return page
}

// previewSim shows a scenario's assessment material outside an assignment.
func (s *Server) previewSim(c echo.Context) error {
	lib, _ := s.content.Current()
	sc, ok := lib.Sim(c.Param("id"))
	if !ok {
		return notFound()
	}
	page := s.simView(sc)
	page.Staff = currentUser(c).Role != store.RoleStudent
	return s.render(c, http.StatusOK, "sim", sc.Title, page)
}

// openSim loads the team's simulation: the activity, its scenario and the team's state.
func (s *Server) openSim(c echo.Context) (*store.Activity, *crmopt.Scenario, store.Submission, simState, error) {
	var st simState
	id, err := idParam(c, "activity")
	if err != nil {
		return nil, nil, store.Submission{}, st, err
	}
	a, err := s.store.ActivityByID(c.Request().Context(), classOf(c).ID, id)
	if err != nil {
		return nil, nil, store.Submission{}, st, storeErr(err)
	}
	lib, _ := s.content.Current()
	sc, ok := lib.Sim(a.ContentID)
	if a.Kind != "sim" || !ok {
		return nil, nil, store.Submission{}, st, notFound()
	}
	owner, _, err := s.ownerOf(c, &a)
	if err != nil {
		return nil, nil, store.Submission{}, st, err
	}
	sub, err := s.store.OpenSubmission(c.Request().Context(), a.ID, owner, s.now(), func() (string, error) { return "", nil })
	if err != nil {
		return nil, nil, sub, st, storeErr(err)
	}
	json.Unmarshal([]byte(sub.Draft), &st)
	return &a, sc, sub, st, nil
}

func (s *Server) showSim(c echo.Context) error {
	a, sc, sub, st, err := s.openSim(c)
	if err != nil {
		return err
	}
	return s.renderSim(c, http.StatusOK, a, sc, sub, st, "")
}

func (s *Server) renderSim(c echo.Context, status int, a *store.Activity, sc *crmopt.Scenario, sub store.Submission, st simState, conflict string) error {
	page := s.simView(sc)
	page.Activity, page.Sub, page.State, page.Conflict = a, sub, st, conflict
	page.Base = "/classes/" + itoa64(a.ClassID) + "/sim/" + itoa64(a.ID)
	if g, err := s.store.GroupOfUser(c.Request().Context(), a.ClassID, currentUser(c).ID); err == nil {
		page.Group = g.Name
	}
	page.HasCard = s.teamQuestionnaire(c, a) != nil
	page.Problems = append([]string(nil), st.Problems...)
	for len(page.Problems) < max(5, len(st.Problems)+1) && len(page.Problems) < 12 {
		page.Problems = append(page.Problems, "")
	}
	return s.render(c, status, "sim", sc.Title, page)
}

// teamQuestionnaire is the questionnaire the team designed on card 4-7, if the class has it
// assigned per group and the team wrote one.
func (s *Server) teamQuestionnaire(c echo.Context, a *store.Activity) []cards.Question {
	ctx := c.Request().Context()
	acts, err := s.store.Activities(ctx, a.ClassID)
	if err != nil {
		return nil
	}
	for _, other := range acts {
		if other.Kind != "card" || other.ContentID != "card-4-7" {
			continue
		}
		owner, _, err := s.ownerOf(c, &other)
		if err != nil {
			return nil
		}
		sub, err := s.store.OpenSubmission(ctx, other.ID, owner, s.now(), func() (string, error) { return "", nil })
		if err != nil {
			return nil
		}
		for _, v := range decodeAnswer(sub.Draft) {
			if len(v.Questions) > 0 {
				return v.Questions
			}
		}
	}
	return nil
}

// saveSim stores the team's state on top of the version the page was based on.
func (s *Server) saveSim(c echo.Context, a *store.Activity, sc *crmopt.Scenario, sub store.Submission, st simState, msg string) error {
	base, _ := strconv.Atoi(c.FormValue("version"))
	b, _ := json.Marshal(st)
	saved, err := s.store.SaveDraft(c.Request().Context(), sub.ID, base, string(b), currentUser(c).ID, s.now())
	switch {
	case errors.Is(err, store.ErrStale):
		var cur simState
		json.Unmarshal([]byte(saved.Draft), &cur)
		return s.renderSim(c, http.StatusConflict, a, sc, saved, cur,
			fmt.Sprintf("%s 在 %s 更新了本组的任务，你的这次操作没有保存。下面是最新内容，请确认后再操作。", nameOr(saved.DraftSavedByName, "另一位组员"), s.clock(saved.DraftSavedAt)))
	case errors.Is(err, store.ErrFrozen):
		return invalid("本组的任务报告已经提交，等待老师批改。")
	case err != nil:
		return storeErr(err)
	}
	s.addFlash(c, "ok", msg)
	return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(a.ClassID)+"/sim/"+itoa64(a.ID))
}

// runSurvey sends the default questionnaire, or the team's card 4-7 one, to simulated
// customers. Each team's survey has its own sample, seeded by the team and the attempt.
func (s *Server) runSurvey(c echo.Context) error {
	a, sc, sub, st, err := s.openSim(c)
	if err != nil {
		return err
	}
	if len(st.Surveys) >= 3 {
		return invalid("每个小组最多做 3 次调查：调查也有成本。")
	}
	sample, err := strconv.Atoi(c.FormValue("sample"))
	if err != nil || sample < crmopt.MinSample || sample > crmopt.MaxSample {
		return invalid(fmt.Sprintf("样本量请填 %d 到 %d 之间的整数。", crmopt.MinSample, crmopt.MaxSample))
	}
	var questions []cards.Question
	source := "默认问卷"
	if c.FormValue("source") == "card" {
		if questions = s.teamQuestionnaire(c, a); questions == nil {
			return invalid("本组还没有在练习卡 4-7 里设计问卷。")
		}
		source = "本组设计的问卷（练习卡 4-7）"
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d/%d", sc.ID, sub.ID, len(st.Surveys))
	st.Surveys = append(st.Surveys, simSurvey{Source: source, Result: crmopt.Survey(sc, questions, sample, h.Sum64())})
	return s.saveSim(c, a, sc, sub, st, fmt.Sprintf("调查完成：回收 %d 份问卷。", sample))
}

// saveProblems stores the team's problem list and scores it against the planted problems.
func (s *Server) saveProblems(c echo.Context) error {
	a, sc, sub, st, err := s.openSim(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return invalid("表单内容不完整。")
	}
	var list []string
	for _, p := range form["problem"] {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if len([]rune(p)) > 200 {
			return invalid("每个问题最多写 200 字。")
		}
		list = append(list, p)
	}
	if len(list) == 0 {
		return invalid("请至少写出一个问题。")
	}
	if len(list) > 12 {
		return invalid("问题清单最多 12 条：请合并相近的问题。")
	}
	st.Problems = list
	st.Score, st.Matched = crmopt.ScoreProblems(sc, list)
	return s.saveSim(c, a, sc, sub, st, fmt.Sprintf("问题清单已保存：找到了 %d 个关键问题。", len(st.Matched)))
}
