package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"crmlab/scenarios/crmopt"
	"crmlab/server/store"
)

// simReportPage is a team's final report on paper: table 4-14, the targets, the months in
// numbers (charts do not print reliably) and lines to sign.
type simReportPage struct {
	Scenario  *crmopt.Scenario
	Class     string
	Activity  string
	Team      string
	Members   []reportMember
	Date      string
	Submitted bool
	Report    *crmopt.Report
	Choice    *crmopt.Choice
	Chosen    *crmopt.Plan
	Schedule  []scheduleRow
	Run       *crmopt.Run
	KPIs      []reportKPI
	// MonthHeads number the run's months for the month-by-month table.
	MonthHeads []string
	// Compare sets the run beside doing nothing in the same market, formatted.
	Compare []compareRow
	Seed    uint64
	Back    string
}

// reportMember is one member of the team with the roles they held.
type reportMember struct {
	Name      string
	StudentNo string
	Roles     string
}

// compareRow is one line of the comparison with doing nothing.
type compareRow struct{ Label, Ours, Base, Diff string }

func compareOf(r *crmopt.Report) []compareRow {
	f := func(label, format string, ours, base float64) compareRow {
		return compareRow{Label: label, Ours: fmt.Sprintf(format, ours), Base: fmt.Sprintf(format, base), Diff: fmt.Sprintf(strings.Replace(format, "%", "%+", 1), ours-base)}
	}
	sum := r.Summary
	rows := []compareRow{
		f("12 个月利润（万元）", "%.0f", sum.Profit, sum.BaselineProfit),
		f("期末满意度", "%.1f", sum.SatisfactionEnd, sum.BaselineSatisfaction),
		f("期末客户数（家）", "%.0f", float64(sum.CustomersEnd), float64(sum.BaselineCustomers)),
	}
	for _, k := range sum.KPIs {
		rows = append(rows, f(k.Label+"（最后三个月平均）", "%.1f", k.After, k.Baseline))
	}
	return rows
}

// reportKPI is one KPI's line of the month-by-month table.
type reportKPI struct {
	KPI    crmopt.KPI
	Values []float64
	Target string // "≥ 95（第 6 月）", or empty
}

// printSimReport serves a team's report for printing: to the team's members, and to the
// class's instructor and trainers for the team named by ?team= (a group id).
func (s *Server) printSimReport(c echo.Context) error {
	ctx := c.Request().Context()
	cls := classOf(c)
	id, err := idParam(c, "activity")
	if err != nil {
		return err
	}
	a, err := s.store.ActivityByID(ctx, cls.ID, id)
	if err != nil {
		return storeErr(err)
	}
	lib, _ := s.content.Current()
	sc, ok := lib.Sim(a.ContentID)
	if a.Kind != "sim" || !ok {
		return notFound()
	}
	back := "/classes/" + itoa64(cls.ID) + "/activities/" + itoa64(a.ID)
	var owner store.Owner
	team := c.QueryParam("team")
	if u := currentUser(c); u.Role == store.RoleStudent {
		back = "/classes/" + itoa64(cls.ID) + "/sim/" + itoa64(a.ID)
		if owner, _, err = s.ownerOf(c, &a); err != nil {
			return err
		}
		// Another team's report is as absent as a report that does not exist.
		if team != "" && team != strconv.FormatInt(owner.GroupID, 10) {
			return notFound()
		}
	} else {
		gid, err := strconv.ParseInt(team, 10, 64)
		if err != nil || gid <= 0 || !a.PerGroup {
			s.addFlash(c, "error", "请在下面的“各组进度”里选择要打印哪个小组的报告。")
			return c.Redirect(http.StatusSeeOther, back)
		}
		owner = store.Owner{GroupID: gid}
	}
	sub, err := s.store.FindSubmission(ctx, a.ID, owner)
	if errors.Is(err, store.ErrNotFound) {
		return invalid("这个小组还没有开始模拟任务，没有报告可以打印。")
	}
	if err != nil {
		return storeErr(err)
	}
	var st simState
	if err := json.Unmarshal([]byte(sub.Draft), &st); err != nil {
		return storeErr(err)
	}
	if st.Report == nil || st.Run == nil {
		return invalid("模拟运行完 12 个月、生成评估报告后才能打印。")
	}
	ctl, err := s.store.SimControlsOf(ctx, a.ID)
	if err != nil {
		return storeErr(err)
	}
	page := simReportPage{
		Scenario: sc, Class: cls.Name, Activity: a.Title, Report: st.Report, Choice: st.Choice, Chosen: st.chosen(),
		Run: st.Run, Seed: ctl.SeedOr(sc.Seed), Back: back, Submitted: sub.Status == store.StatusSubmitted,
		Date: s.now().In(s.loc).Format("2006 年 1 月 2 日"),
	}
	if page.Team, page.Members, err = s.reportTeam(c, cls.ID, owner, st); err != nil {
		return err
	}
	for _, it := range st.Run.Schedule.Items {
		if m := sc.MeasureByID(it.Measure); m != nil {
			page.Schedule = append(page.Schedule, scheduleRow{Measure: *m, Start: it.Start, Owner: it.Owner})
		}
	}
	page.Compare = compareOf(st.Report)
	for i := range st.Run.Months {
		page.MonthHeads = append(page.MonthHeads, strconv.Itoa(i+1))
	}
	for _, k := range sc.KPIs {
		row := reportKPI{KPI: k}
		for _, m := range st.Run.Months {
			row.Values = append(row.Values, m.Value(k.ID))
		}
		for _, t := range st.Targets {
			if t.KPI == k.ID {
				cmp := "≤"
				if k.Better == "higher" {
					cmp = "≥"
				}
				row.Target = cmp + " " + strconv.FormatFloat(t.Value, 'f', -1, 64) + "（第 " + strconv.Itoa(t.ByMonth) + " 月）"
			}
		}
		page.KPIs = append(page.KPIs, row)
	}
	return s.render(c, http.StatusOK, "sim_print", a.Title+" · "+page.Team+" · 评估报告", page)
}

// reportTeam names the team and its members with their roles: the group's leader, and the
// measures each one owns in the implementation plan.
func (s *Server) reportTeam(c echo.Context, classID int64, owner store.Owner, st simState) (string, []reportMember, error) {
	ctx := c.Request().Context()
	owned := map[string][]string{}
	if st.Run != nil {
		lib, _ := s.content.Current()
		for _, it := range st.Run.Schedule.Items {
			title := it.Measure
			if sc, ok := lib.Sim(st.Run.ScenarioID); ok {
				if m := sc.MeasureByID(it.Measure); m != nil {
					title = m.Title
				}
			}
			owned[it.Owner] = append(owned[it.Owner], title)
		}
	}
	roles := func(name string, leader bool) string {
		var r []string
		if leader {
			r = append(r, "组长")
		} else {
			r = append(r, "组员")
		}
		if ms := owned[name]; len(ms) > 0 {
			r = append(r, "负责："+strings.Join(ms, "、"))
		}
		return strings.Join(r, "；")
	}
	if owner.GroupID == 0 {
		u, err := s.store.UserByID(ctx, owner.UserID)
		if err != nil {
			return "", nil, storeErr(err)
		}
		return u.Name, []reportMember{{Name: u.Name, StudentNo: u.Login, Roles: roles(u.Name, false)}}, nil
	}
	groups, err := s.store.Groups(ctx, classID)
	if err != nil {
		return "", nil, storeErr(err)
	}
	for _, g := range groups {
		if g.ID != owner.GroupID {
			continue
		}
		var out []reportMember
		for _, m := range g.Members {
			out = append(out, reportMember{Name: m.Name, StudentNo: m.StudentNo, Roles: roles(m.Name, m.ID == g.LeaderID)})
		}
		return g.Name, out, nil
	}
	return "小组", nil, nil
}
