package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"sort"
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
	Surveys     []simSurvey          `json:"surveys,omitempty"`
	Problems    []string             `json:"problems,omitempty"`
	Score       float64              `json:"score,omitempty"`
	Matched     []string             `json:"matched,omitempty"`
	Targets     []crmopt.Target      `json:"targets,omitempty"`
	Plans       []crmopt.Plan        `json:"plans,omitempty"`
	Evaluations []*crmopt.Evaluation `json:"evaluations,omitempty"` // in plan order, after 评估
	Choice      *crmopt.Choice       `json:"choice,omitempty"`
	Schedule    *crmopt.Schedule     `json:"schedule,omitempty"`
	Run         *crmopt.Run          `json:"run,omitempty"`
	Events      []crmopt.Event       `json:"events,omitempty"`
	Report      *crmopt.Report       `json:"report,omitempty"`
	Applied     int                  `json:"applied,omitempty"` // instructor triggers met so far (their ids are 1…Applied)
	Practices   []practiceRun        `json:"practices,omitempty"`
}

// practiceRun is a run the team set aside as practice: only its outcome is kept.
type practiceRun struct {
	Months     int     `json:"months"`
	Total      float64 `json:"total"`
	ProfitGain float64 `json:"profit_gain"`
}

// chosen is the plan the team chose, nil before step 4 is done.
func (st simState) chosen() *crmopt.Plan {
	if st.Choice == nil {
		return nil
	}
	for i := range st.Plans {
		if st.Plans[i].ID == st.Choice.Plan {
			return &st.Plans[i]
		}
	}
	return nil
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
	Values []float64 `json:"values,omitempty"`
	// Band draws a fan instead of one line: P10, P50 and P90 over the months.
	Band *fanBand `json:"band,omitempty"`
	// Target is the team's target for this KPI, drawn as a line.
	Target *float64 `json:"target,omitempty"`
}

type fanBand struct {
	P10, P50, P90 []float64
}

type simPage struct {
	Scenario  *crmopt.Scenario
	History   []crmopt.Month
	Last      *crmopt.Month
	ChartJSON string
	Staff     bool
	Activity  *store.Activity
	Sub       store.Submission
	State     simState
	Group     string
	Base      string
	HasCard   bool
	Problems  []string // the team's list padded with empty lines to type into
	Conflict  string
	Errors    []string
	Targets   []targetRow
	FanJSON   string // P10/P50/P90 bands of the evaluated plans, for the fan charts
	Chosen    *crmopt.Plan
	Schedule  []scheduleRow
	Spend     []float64 // the schedule's spending per month
	Members   []string  // the team, for owners
	Months    []int
	RunJSON   string   // the run's KPIs month by month, for charts
	SheetURL  string   // the class's self-scoring sheet for this task, when assigned
	Hold      int      // the step the instructor holds the class at, 0 for none
	Pending   []string // events the instructor triggered that the team has not met yet
	Me        int64    // the member looking, so the live script can tell their own saves
	PrintURL  string   // the report on paper, once there is one
}

type scheduleRow struct {
	Measure crmopt.Measure
	Start   int
	Owner   string
}

// targetRow is one KPI of the targets form with the team's target, if any.
type targetRow struct {
	KPI     crmopt.KPI
	Value   string
	ByMonth string
}

func (s *Server) simView(sc *crmopt.Scenario) simPage {
	hist := crmopt.History(sc)
	page := simPage{Scenario: sc, History: hist}
	page.Last = &crmopt.Month{}
	if len(hist) > 0 {
		page.Last = &hist[len(hist)-1]
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

// withSeed is the scenario in another market: the same company, customers and measures with
// other random draws, so one class cannot copy another's numbers. A Scenario is read-only,
// so a shallow copy is safe.
func withSeed(sc *crmopt.Scenario, seed uint64) *crmopt.Scenario {
	if seed == sc.Seed {
		return sc
	}
	cp := *sc
	cp.Seed = seed
	return &cp
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
	ctl, err := s.store.SimControlsOf(c.Request().Context(), a.ID)
	if err != nil {
		return nil, nil, store.Submission{}, st, storeErr(err)
	}
	sc = withSeed(sc, ctl.SeedOr(sc.Seed))
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
	page.Errors, _ = c.Get("simErrors").([]string)
	page.Base = "/classes/" + itoa64(a.ClassID) + "/sim/" + itoa64(a.ID)
	page.Me = currentUser(c).ID
	if st.Report != nil {
		page.PrintURL = page.Base + "/report/print"
	}
	ctl, err := s.store.SimControlsOf(c.Request().Context(), a.ID)
	if err != nil {
		return storeErr(err)
	}
	page.Hold = ctl.HoldStep
	for _, t := range ctl.Triggers {
		if t.ID > st.Applied {
			title := t.Event
			if ev := sc.EventByID(t.Event); ev != nil {
				title = ev.Title
			}
			page.Pending = append(page.Pending, title)
		}
	}
	if g, err := s.store.GroupOfUser(c.Request().Context(), a.ClassID, currentUser(c).ID); err == nil {
		page.Group = g.Name
	}
	page.HasCard = s.teamQuestionnaire(c, a) != nil
	for _, k := range sc.KPIs {
		row := targetRow{KPI: k}
		for _, t := range st.Targets {
			if t.KPI == k.ID {
				row.Value, row.ByMonth = strconv.FormatFloat(t.Value, 'f', -1, 64), strconv.Itoa(t.ByMonth)
			}
		}
		page.Targets = append(page.Targets, row)
	}
	if len(st.Evaluations) > 0 {
		fan := dashboard{}
		for _, mb := range st.Evaluations[0].Monthly {
			fan.Labels = append(fan.Labels, "第"+strconv.Itoa(mb.Month)+"月")
		}
		for _, ev := range st.Evaluations {
			band := &fanBand{}
			for _, mb := range ev.Monthly {
				band.P10 = append(band.P10, mb.Gain.P10)
				band.P50 = append(band.P50, mb.Gain.P50)
				band.P90 = append(band.P90, mb.Gain.P90)
			}
			fan.Charts = append(fan.Charts, chartSeries{Title: ev.Plan.Name + " · 比不改进累计多赚", Unit: "万元", Band: band})
		}
		b, _ := json.Marshal(fan)
		page.FanJSON = string(b)
	}
	page.Chosen = st.chosen()
	if page.Chosen != nil {
		sched := st.Schedule
		if sched == nil {
			if auto, err := crmopt.AutoSchedule(sc, *page.Chosen); err == nil {
				sched = &auto
			}
		}
		if sched != nil {
			for _, it := range sched.Items {
				if m := sc.MeasureByID(it.Measure); m != nil {
					page.Schedule = append(page.Schedule, scheduleRow{Measure: *m, Start: it.Start, Owner: it.Owner})
				}
			}
			page.Spend = crmopt.MonthlySpend(sc, *sched)
		}
		for i := 1; i <= sc.Months; i++ {
			page.Months = append(page.Months, i)
		}
		if g, err := s.store.GroupOfUser(c.Request().Context(), a.ClassID, currentUser(c).ID); err == nil {
			groups, _ := s.store.Groups(c.Request().Context(), a.ClassID)
			for _, gg := range groups {
				if gg.ID == g.ID {
					for _, m := range gg.Members {
						page.Members = append(page.Members, m.Name)
					}
				}
			}
		}
	}
	if st.Run != nil && len(st.Run.Months) > 0 {
		d := dashboard{}
		for _, m := range st.Run.Months {
			d.Labels = append(d.Labels, m.Label)
		}
		for _, k := range sc.KPIs {
			cs := chartSeries{Title: k.Label, Unit: k.Unit}
			for _, m := range st.Run.Months {
				cs.Values = append(cs.Values, m.Value(k.ID))
			}
			for _, t := range st.Targets {
				if t.KPI == k.ID {
					v := t.Value
					cs.Target = &v
					cs.Title += " · 目标 " + strconv.FormatFloat(v, 'f', -1, 64) + "（第 " + strconv.Itoa(t.ByMonth) + " 月）"
				}
			}
			d.Charts = append(d.Charts, cs)
		}
		b, _ := json.Marshal(d)
		page.RunJSON = string(b)
	}
	if acts, err := s.store.Activities(c.Request().Context(), a.ClassID); err == nil {
		lib, _ := s.content.Current()
		for _, other := range acts {
			if sh, ok := lib.Sheet(other.ContentID); ok && other.Kind == "sheet" && sh.Assesses == sc.ID {
				page.SheetURL = workURL(other, "")
			}
		}
	}
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
		// Only read: looking at the simulation must not open a card the team never opened.
		sub, err := s.store.FindSubmission(ctx, other.ID, owner)
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
	base, ok := formVersion(c.FormValue("version"))
	if !ok {
		return invalid(badVersionMsg)
	}
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
	saved.ActivityID, saved.Owner = sub.ActivityID, sub.Owner
	s.publishTeam(c, saved, msg)
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
	fmt.Fprintf(h, "%s/%d/%d/%d", sc.ID, sc.Seed, sub.ID, len(st.Surveys))
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

// refusals turns engine refusals into the page's error list (Chinese messages).
func refusals(errs ...error) []string {
	var out []string
	for _, err := range errs {
		if err != nil {
			out = append(out, err.Error())
		}
	}
	return out
}

// openSimStep opens the team's simulation for work on a step, refusing a step beyond the
// one the instructor holds the class at.
func (s *Server) openSimStep(c echo.Context, step int) (*store.Activity, *crmopt.Scenario, store.Submission, simState, error) {
	a, sc, sub, st, err := s.openSim(c)
	if err != nil {
		return a, sc, sub, st, err
	}
	ctl, err := s.store.SimControlsOf(c.Request().Context(), a.ID)
	if err != nil {
		return a, sc, sub, st, storeErr(err)
	}
	if ctl.HoldStep > 0 && step > ctl.HoldStep {
		return a, sc, sub, st, invalid(fmt.Sprintf("老师让全班先停在第 %d 步，暂时不能做第 %d 步。", ctl.HoldStep, step))
	}
	return a, sc, sub, st, nil
}

// saveTargets is step 2: a target value and deadline month per KPI the team cares about.
func (s *Server) saveTargets(c echo.Context) error {
	a, sc, sub, st, err := s.openSimStep(c, 2)
	if err != nil {
		return err
	}
	var targets []crmopt.Target
	var bad []string
	for _, k := range sc.KPIs {
		v, m := strings.TrimSpace(c.FormValue("value."+k.ID)), strings.TrimSpace(c.FormValue("month."+k.ID))
		if v == "" && m == "" {
			continue
		}
		val, err1 := strconv.ParseFloat(v, 64)
		month, err2 := strconv.Atoi(m)
		if err1 != nil || err2 != nil {
			bad = append(bad, "“"+k.Label+"”的目标值和月份都要填数字。")
			continue
		}
		targets = append(targets, crmopt.Target{KPI: k.ID, Value: val, ByMonth: month})
	}
	if len(targets) == 0 && len(bad) == 0 {
		bad = append(bad, "请至少为一个指标设定目标。")
	}
	bad = append(bad, refusals(crmopt.CheckTargets(sc, targets)...)...)
	if len(bad) > 0 {
		return s.renderSimErrors(c, a, sc, sub, st, bad)
	}
	st.Targets = targets
	st.Evaluations = nil // the chance of missing targets changed
	return s.saveSim(c, a, sc, sub, st, fmt.Sprintf("已保存 %d 个目标。", len(targets)))
}

// renderSimErrors shows the page again with what was refused; nothing was saved.
func (s *Server) renderSimErrors(c echo.Context, a *store.Activity, sc *crmopt.Scenario, sub store.Submission, st simState, errs []string) error {
	c.Set("simErrors", errs)
	return s.renderSim(c, http.StatusBadRequest, a, sc, sub, st, "")
}

// savePlan is step 3: a named set of measures, checked against prerequisites, conflicts
// and the budget. A plan with the same name is replaced; at most four plans.
func (s *Server) savePlan(c echo.Context) error {
	a, sc, sub, st, err := s.openSimStep(c, 3)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return invalid("表单内容不完整。")
	}
	p := crmopt.Plan{Name: strings.TrimSpace(form.Get("name")), Measures: form["measure"], Note: strings.TrimSpace(form.Get("note"))}
	if len([]rune(p.Name)) > 30 || len([]rune(p.Note)) > 500 {
		return s.renderSimErrors(c, a, sc, sub, st, []string{"方案名称最多 30 字，说明最多 500 字。"})
	}
	if err := crmopt.CheckPlan(sc, p); err != nil {
		return s.renderSimErrors(c, a, sc, sub, st, refusals(err))
	}
	replaced := false
	for i := range st.Plans {
		if st.Plans[i].Name == p.Name {
			p.ID = st.Plans[i].ID
			st.Plans[i] = p
			replaced = true
		}
	}
	if !replaced {
		if len(st.Plans) >= 4 {
			return s.renderSimErrors(c, a, sc, sub, st, []string{"最多保存 4 个方案：请修改或删除一个已有方案。"})
		}
		p.ID = "p" + strconv.Itoa(len(st.Plans)+1)
		st.Plans = append(st.Plans, p)
	}
	st.Evaluations, st.Choice = nil, nil // the comparison must be made again
	return s.saveSim(c, a, sc, sub, st, fmt.Sprintf("方案“%s”已保存，预计措施费用 %.0f 万元。", p.Name, crmopt.EstimateCost(sc, p)))
}

// evaluatePlans is step 4's Monte Carlo: every plan over the same 1,000 draws of the
// scenario's market, so teams of a class compare fairly.
func (s *Server) evaluatePlans(c echo.Context) error {
	a, sc, sub, st, err := s.openSimStep(c, 4)
	if err != nil {
		return err
	}
	if len(st.Plans) < 2 {
		return s.renderSimErrors(c, a, sc, sub, st, []string{"至少要有两个备选方案才能比较。"})
	}
	st.Evaluations = nil
	base := s.baseline(sc)
	for _, p := range st.Plans {
		ev, err := crmopt.Evaluate(sc, p, crmopt.EvalOptions{Draws: crmopt.DefaultDraws, Seed: sc.Seed, Targets: st.Targets, Baseline: base})
		if err != nil {
			return s.renderSimErrors(c, a, sc, sub, st, refusals(err))
		}
		st.Evaluations = append(st.Evaluations, ev)
	}
	return s.saveSim(c, a, sc, sub, st, "已用 1,000 次模拟比较了各方案。")
}

// baseline is doing nothing in a scenario's market over the evaluation's draws, made once
// per loaded scenario and seed and shared by every team's plans (it is half the work of an
// evaluation). A reloaded scenario is a new key; old entries are few and small (≈100 KB).
func (s *Server) baseline(sc *crmopt.Scenario) *crmopt.Baseline {
	type key struct {
		measures *crmopt.Measure // identifies the loaded scenario; per-class copies share it
		seed     uint64
	}
	if len(sc.Measures) == 0 {
		return nil
	}
	k := key{&sc.Measures[0], sc.Seed}
	if b, ok := s.baselines.Load(k); ok {
		return b.(*crmopt.Baseline)
	}
	b := crmopt.NewBaseline(sc, sc.Seed, crmopt.DefaultDraws)
	s.baselines.Store(k, b)
	return b
}

// choosePlan records the team's choice and why.
func (s *Server) choosePlan(c echo.Context) error {
	a, sc, sub, st, err := s.openSimStep(c, 4)
	if err != nil {
		return err
	}
	ch := crmopt.Choice{Plan: c.FormValue("plan"), Justification: strings.TrimSpace(c.FormValue("justification"))}
	if err := crmopt.CheckChoice(sc, st.Plans, ch); err != nil {
		return s.renderSimErrors(c, a, sc, sub, st, refusals(err))
	}
	if len(st.Evaluations) != len(st.Plans) {
		return s.renderSimErrors(c, a, sc, sub, st, []string{"请先点“评估全部方案”，看过比较结果再选择。"})
	}
	st.Choice = &ch
	return s.saveSim(c, a, sc, sub, st, "已选定方案。")
}

// saveSchedule is step 5: the chosen plan's measures on months, each with an owner,
// checked for lead times, prerequisites and the monthly and total budget.
func (s *Server) saveSchedule(c echo.Context) error {
	a, sc, sub, st, err := s.openSimStep(c, 5)
	if err != nil {
		return err
	}
	p := st.chosen()
	if p == nil {
		return s.renderSimErrors(c, a, sc, sub, st, []string{"请先在第 4 步选定方案。"})
	}
	if st.Run != nil {
		return s.renderSimErrors(c, a, sc, sub, st, []string{"模拟已经开始，实施计划不能再改：可以先“作为练习，重新开始”。"})
	}
	var sched crmopt.Schedule
	for _, id := range p.Measures {
		start, err := strconv.Atoi(c.FormValue("start." + id))
		if err != nil {
			return s.renderSimErrors(c, a, sc, sub, st, []string{"每项措施都要选择开始的月份。"})
		}
		sched.Items = append(sched.Items, crmopt.ScheduledMeasure{Measure: id, Start: start, Owner: strings.TrimSpace(c.FormValue("owner." + id))})
	}
	if err := crmopt.CheckSchedule(sc, *p, sched); err != nil {
		return s.renderSimErrors(c, a, sc, sub, st, refusals(err))
	}
	st.Schedule = &sched
	return s.saveSim(c, a, sc, sub, st, "实施计划已保存，可以开始模拟运行。")
}

// stepMonth is step 6: start the run, then one month at a time with an optional
// contingency decision; after the last month the run is assessed against table 4-14.
func (s *Server) stepMonth(c echo.Context) error {
	a, sc, sub, st, err := s.openSimStep(c, 6)
	if err != nil {
		return err
	}
	p := st.chosen()
	if p == nil || st.Schedule == nil {
		return s.renderSimErrors(c, a, sc, sub, st, []string{"请先完成第 4 步（选定方案）和第 5 步（实施计划）。"})
	}
	if st.Run == nil {
		run, err := crmopt.StartRun(sc, *p, *st.Schedule, sc.Seed)
		if err != nil {
			return s.renderSimErrors(c, a, sc, sub, st, refusals(err))
		}
		st.Run = run
	}
	month, _ := strconv.Atoi(c.FormValue("month"))
	d := crmopt.Decision{Month: month, Option: c.FormValue("option"), Reason: strings.TrimSpace(c.FormValue("reason"))}
	// Events the instructor set off for the class that this team has not met yet.
	ctl, err := s.store.SimControlsOf(c.Request().Context(), a.ID)
	if err != nil {
		return storeErr(err)
	}
	var triggered []string
	for _, t := range ctl.Triggers {
		if t.ID > st.Applied {
			triggered = append(triggered, t.Event)
		}
	}
	next, events, err := crmopt.Step(sc, st.Run, d, triggered)
	if err != nil {
		return s.renderSimErrors(c, a, sc, sub, st, refusals(err))
	}
	st.Run, st.Events = next, append(st.Events, events...)
	st.Applied = len(ctl.Triggers)
	msg := fmt.Sprintf("第 %d 个月已运行。", next.Month)
	if next.Month >= sc.Months {
		rep, err := crmopt.Assess(sc, next, st.Targets)
		if err != nil {
			return storeErr(err)
		}
		st.Report = rep
		msg = "12 个月运行完毕，评估报告已生成：请检查后提交。"
	}
	return s.saveSim(c, a, sc, sub, st, msg)
}

// submitSimReport submits the team's whole task, report included, as its work for grading.
func (s *Server) submitSimReport(c echo.Context) error {
	a, sc, sub, st, err := s.openSim(c)
	if err != nil {
		return err
	}
	if st.Report == nil {
		return s.renderSimErrors(c, a, sc, sub, st, []string{"模拟运行完 12 个月才能提交报告。"})
	}
	base, ok := formVersion(c.FormValue("version"))
	if !ok {
		return invalid(badVersionMsg)
	}
	b, _ := json.Marshal(st)
	auto := &store.AutoGrade{Score: st.Report.Total, Max: 100, Result: "{}"}
	now := s.now()
	_, err = s.store.Submit(c.Request().Context(), sub.ID, base, string(b), currentUser(c).ID, now, !a.DueAt.IsZero() && now.After(a.DueAt), auto)
	if err == nil {
		sub.DraftVersion = base + 1
		s.publishTeam(c, sub, "提交了任务报告。")
	}
	switch {
	case errors.Is(err, store.ErrStale):
		return s.renderSim(c, http.StatusConflict, a, sc, sub, st, "另一位组员刚刚更新了任务，请刷新后再提交。")
	case errors.Is(err, store.ErrFrozen):
		return invalid("本组的报告已经提交。")
	case err != nil:
		return storeErr(err)
	}
	s.addFlash(c, "ok", "任务报告已提交给老师。接下来每位组员填写自我评分表 4-16。")
	return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(a.ClassID)+"/sim/"+itoa64(a.ID))
}

// teamProgress is one team's line on the instructor's view and the leaderboard.
type teamProgress struct {
	Team         string
	Group        int64 // the team's group, for the report's print link
	Step         int   // the last step with something saved, 0 before any
	Month        int
	Total        float64 // table 4-14 total, once the run is assessed
	ProfitGain   float64
	Satisfaction float64
	Done         bool
	Submitted    bool
}

func progressOf(team string, row *store.SubmissionRow) teamProgress {
	p := teamProgress{Team: team}
	if row == nil {
		return p
	}
	p.Group = row.Owner.GroupID
	var st simState
	json.Unmarshal([]byte(row.Draft), &st)
	switch {
	case st.Run != nil:
		p.Step, p.Month = 6, st.Run.Month
	case st.Schedule != nil:
		p.Step = 5
	case st.Choice != nil || len(st.Evaluations) > 0:
		p.Step = 4
	case len(st.Plans) > 0:
		p.Step = 3
	case len(st.Targets) > 0:
		p.Step = 2
	case len(st.Problems) > 0 || len(st.Surveys) > 0:
		p.Step = 1
	}
	if st.Report != nil {
		p.Done, p.Total = true, st.Report.Total
		p.ProfitGain, p.Satisfaction = st.Report.Summary.ProfitGain, st.Report.Summary.SatisfactionEnd
	}
	p.Submitted = row.Status == store.StatusSubmitted
	return p
}

// leaderboard orders finished teams by their table 4-14 total, then the rest by progress.
// Teams of an activity run the same market (its seed), so the order is fair.
func leaderboard(rows []ownerRow) []teamProgress {
	out := make([]teamProgress, 0, len(rows))
	for _, r := range rows {
		out = append(out, progressOf(r.Name, r.Sub))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Done != out[j].Done {
			return out[i].Done
		}
		if out[i].Done {
			return out[i].Total > out[j].Total
		}
		return out[i].Step*100+out[i].Month > out[j].Step*100+out[j].Month
	})
	return out
}

// showLeaderboard is the projector's view of the teams' results.
func (s *Server) showLeaderboard(c echo.Context) error {
	cls := classOf(c)
	id, err := idParam(c, "activity")
	if err != nil {
		return err
	}
	a, err := s.store.ActivityByID(c.Request().Context(), cls.ID, id)
	if err != nil || a.Kind != "sim" {
		return notFound()
	}
	rows, err := s.activityRows(c, cls, a)
	if err != nil {
		return err
	}
	page := leaderboardPage{Activity: a, Teams: leaderboard(rows)}
	var bars struct {
		Names  []string  `json:"names"`
		Totals []float64 `json:"totals"`
	}
	for _, t := range page.Teams {
		if t.Done {
			bars.Names = append(bars.Names, t.Team)
			bars.Totals = append(bars.Totals, math.Round(t.Total))
		}
	}
	b, _ := json.Marshal(bars)
	page.BarsJSON = string(b)
	return s.render(c, http.StatusOK, "leaderboard", a.Title+" · 排行榜", page)
}

type leaderboardPage struct {
	Activity store.Activity
	Teams    []teamProgress
	BarsJSON string // finished teams' totals, for the bar chart
}

// controlSim is the instructor's control of the class's simulation: hold at a step (0
// releases) or trigger an event every team meets in its next month.
func (s *Server) controlSim(c echo.Context) error {
	cls := classOf(c)
	id, err := idParam(c, "activity")
	if err != nil {
		return err
	}
	a, err := s.store.ActivityByID(c.Request().Context(), cls.ID, id)
	if err != nil || a.Kind != "sim" {
		return notFound()
	}
	lib, _ := s.content.Current()
	sc, ok := lib.Sim(a.ContentID)
	if !ok {
		return notFound()
	}
	back := "/classes/" + itoa64(cls.ID) + "/activities/" + itoa64(a.ID)
	switch c.FormValue("kind") {
	case "hold":
		step, err := strconv.Atoi(c.FormValue("step"))
		if err != nil || step < 0 || step > 6 {
			return invalid("请选择第 1–6 步，或选择“不限制”。")
		}
		if _, err := s.store.UpdateSimControls(c.Request().Context(), a.ID, func(ctl *store.SimControls) { ctl.HoldStep = step }); err != nil {
			return storeErr(err)
		}
		msg := fmt.Sprintf("全班先停在第 %d 步。", step)
		if step == 0 {
			msg = "已取消限制：各组可以继续往下做。"
		}
		s.publishClass(a.ID, msg)
		s.addFlash(c, "ok", msg)
	case "trigger":
		ev := sc.EventByID(c.FormValue("event"))
		if ev == nil {
			return invalid("请从列表中选择事件。")
		}
		if _, err := s.store.UpdateSimControls(c.Request().Context(), a.ID, func(ctl *store.SimControls) {
			ctl.Triggers = append(ctl.Triggers, store.SimTrigger{ID: len(ctl.Triggers) + 1, Event: ev.ID})
		}); err != nil {
			return storeErr(err)
		}
		msg := "已触发“" + ev.Title + "”：每个小组在下一个模拟月会遇到它。"
		s.publishClass(a.ID, msg)
		s.addFlash(c, "ok", msg)
	case "seed":
		seed, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("seed")), 10, 64)
		if err != nil || seed < 1 || seed > maxSimSeed {
			return invalid(fmt.Sprintf("市场种子请填 1 到 %d 之间的整数。", maxSimSeed))
		}
		stored := seed
		if uint64(seed) == sc.Seed {
			stored = 0 // the scenario's own: follows the scenario if its author changes it
		}
		_, err = s.store.SetSimSeed(c.Request().Context(), a.ID, stored, simRunStarted)
		if errors.Is(err, store.ErrSimStarted) {
			return invalid("已经有小组开始了第 6 步（模拟运行），不能再换市场种子：换了种子，各组的结果就无法公平比较。")
		}
		if err != nil {
			return storeErr(err)
		}
		msg := fmt.Sprintf("市场种子已改为 %d：各组的历史数据、调查、评估和运行都用这个市场。", seed)
		s.publishClass(a.ID, msg)
		s.addFlash(c, "ok", msg)
	default:
		return invalid("未知的操作。")
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// maxSimSeed bounds the market seed an instructor types: nine digits are plenty of markets.
const maxSimSeed = 999_999_999

// simRunStarted says whether a team's draft has begun step 6: a run, a practice run set
// aside, or a report. From then on the class's market is fixed.
func simRunStarted(draft string) bool {
	if strings.TrimSpace(draft) == "" {
		return false
	}
	var st simState
	if err := json.Unmarshal([]byte(draft), &st); err != nil {
		return true // unreadable: keep the market rather than risk changing a run under a team
	}
	return st.Run != nil || len(st.Practices) > 0 || st.Report != nil
}

// restartSim sets the current run aside as practice (never graded) so the team can adjust
// its schedule and run the graded one. Only before the report is submitted.
func (s *Server) restartSim(c echo.Context) error {
	a, sc, sub, st, err := s.openSim(c)
	if err != nil {
		return err
	}
	if st.Run == nil {
		return s.renderSimErrors(c, a, sc, sub, st, []string{"还没有开始模拟，不需要重来。"})
	}
	if len(st.Practices) >= 3 {
		return s.renderSimErrors(c, a, sc, sub, st, []string{"最多练习 3 次：这一次请作为正式运行完成。"})
	}
	pr := practiceRun{Months: st.Run.Month}
	if st.Report != nil {
		pr.Total, pr.ProfitGain = st.Report.Total, st.Report.Summary.ProfitGain
	}
	st.Practices = append(st.Practices, pr)
	st.Run, st.Events, st.Report = nil, nil, nil
	return s.saveSim(c, a, sc, sub, st, "这次运行已作为练习保留结果；可以调整实施计划后正式运行。")
}
