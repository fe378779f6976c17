package crmopt

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"crmlab/scenarios/cards"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong in a scenario file: a 1-based line (0 if unknown) and a Chinese
// message. It is the same type the card and sheet parsers use.
type Problem = cards.Problem

// UnmarshalYAML reads a Range written [low, likely, high] or {low: …, likely: …, high: …}.
func (r *Range) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		var v []float64
		if err := n.Decode(&v); err != nil {
			return err
		}
		if len(v) != 3 {
			return fmt.Errorf("line %d: 效果范围应写成 [最低, 最可能, 最高] 三个数，现在有 %d 个", n.Line, len(v))
		}
		r.Low, r.Likely, r.High = v[0], v[1], v[2]
		return nil
	}
	var m struct {
		Low    float64 `yaml:"low"`
		Likely float64 `yaml:"likely"`
		High   float64 `yaml:"high"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	*r = Range(m)
	return nil
}

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	classIDPattern = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// ParseScenario reads and checks one scenario file. A scenario with problems is nil.
func ParseScenario(data []byte) (*Scenario, []Problem) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlProblems(data, err)
	}
	if len(doc.Content) == 0 {
		return nil, []Problem{{Message: "文件是空的"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, []Problem{{Line: root.Line, Message: "文件的最外层应是“键: 值”的映射"}}
	}
	var sc Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		return nil, yamlProblems(data, err)
	}
	v := &validator{root: root}
	v.scenario(&sc)
	if len(v.problems) > 0 {
		return nil, v.problems
	}
	return &sc, nil
}

func yamlProblems(data []byte, err error) []Problem {
	ps := cards.YAMLProblems(data, err)
	for i := range ps {
		// Our own messages from Range.UnmarshalYAML come through with their line prefix.
		if _, rest, ok := strings.Cut(ps[i].Message, ": 效果范围"); ok {
			ps[i].Message = "效果范围" + rest
		}
		ps[i].Message = strings.ReplaceAll(ps[i].Message, "可用的键见 SCHEMA.md", "可参照 content/sims/sim-crmopt.yaml 的写法")
	}
	return ps
}

type validator struct {
	root     *yaml.Node
	problems []Problem
}

func (v *validator) add(line int, format string, args ...any) {
	v.problems = append(v.problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) at(path ...any) int { return cards.LineOf(v.root, path...) }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// ids checks a list's ids: present, well formed, unique. It returns the set of good ids.
func (v *validator) ids(list string, what string, n int, id func(i int) string, pattern *regexp.Regexp) map[string]bool {
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		s := id(i)
		switch {
		case s == "":
			v.add(v.at(list, i), "第 %d 个%s缺少 id", i+1, what)
		case !pattern.MatchString(s):
			v.add(v.at(list, i, "id"), "%s id“%s”格式不对", what, s)
		case seen[s]:
			v.add(v.at(list, i, "id"), "%s id“%s”重复", what, s)
		default:
			seen[s] = true
		}
	}
	return seen
}

func (v *validator) scenario(sc *Scenario) {
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	trim(&sc.ID)
	trim(&sc.Title)
	trim(&sc.Company)
	switch {
	case sc.ID == "":
		v.add(v.at("id"), "缺少 id")
	case !cards.IsContentID(sc.ID):
		v.add(v.at("id"), "id“%s”只能用小写英文字母、数字和连字符“-”", sc.ID)
	}
	if sc.Title == "" {
		v.add(v.at("title"), "缺少标题 title")
	}
	if sc.Company == "" {
		v.add(v.at("company"), "缺少公司名称 company")
	}
	if _, _, ok := parseYM(sc.Start); !ok {
		v.add(v.at("start"), "start 应写成“年-月”，例如 2026-01")
	}
	if sc.Months < 3 || sc.Months > 36 {
		v.add(v.at("months"), "months 应在 3 到 36 之间")
	}
	if !(sc.BudgetCap > 0) || !finite(sc.BudgetCap) {
		v.add(v.at("budget_cap"), "每月预算上限 budget_cap 应大于 0")
	}
	if !(sc.BudgetTotal >= sc.BudgetCap) || !finite(sc.BudgetTotal) {
		v.add(v.at("budget_total"), "总预算 budget_total 应不小于每月预算上限")
	}

	classes := v.ids("classes", "客户类别", len(sc.Classes), func(i int) string { trim(&sc.Classes[i].ID); return sc.Classes[i].ID }, classIDPattern)
	if len(sc.Classes) == 0 {
		v.add(v.at("classes"), "至少要有一个客户类别 classes")
	}
	for i, c := range sc.Classes {
		if strings.TrimSpace(c.Label) == "" {
			v.add(v.at("classes", i), "客户类别“%s”缺少名称 label", c.ID)
		}
		if c.Churn < 0 || c.Churn > 50 || c.MinChurn < 0 || c.MinChurn > c.Churn || c.ChurnSlope < 0 || !finite(c.Churn+c.MinChurn+c.ChurnSlope) {
			v.add(v.at("classes", i), "客户类别“%s”的流失参数不对：要求 0 ≤ min_churn ≤ churn ≤ 50，churn_slope ≥ 0", c.ID)
		}
	}
	segments := v.ids("segments", "细分市场", len(sc.Segments), func(i int) string { trim(&sc.Segments[i].ID); return sc.Segments[i].ID }, idPattern)
	if len(sc.Segments) == 0 {
		v.add(v.at("segments"), "至少要有一个细分市场 segments")
	}
	for i, s := range sc.Segments {
		if strings.TrimSpace(s.Label) == "" {
			v.add(v.at("segments", i), "细分市场“%s”缺少名称 label", s.ID)
		}
	}
	if len(sc.Groups) == 0 {
		v.add(v.at("groups"), "至少要有一组客户 groups")
	}
	seenGroup := map[string]bool{}
	for i, g := range sc.Groups {
		if !classes[g.Class] || !segments[g.Segment] {
			v.add(v.at("groups", i), "客户组的类别“%s”或细分市场“%s”不存在", g.Class, g.Segment)
			continue
		}
		key := g.Class + "/" + g.Segment
		if seenGroup[key] {
			v.add(v.at("groups", i), "客户组 %s 重复", key)
		}
		seenGroup[key] = true
		if g.Customers < 0 || g.Revenue < 0 || g.Shipments < 0 || g.New < 0 || !finite(g.Revenue+g.Shipments+g.New) {
			v.add(v.at("groups", i), "客户组 %s 的客户数、收入、票量和新增客户都不能为负", key)
		}
	}

	// KPIs
	kpis := v.ids("kpis", "指标", len(sc.KPIs), func(i int) string { trim(&sc.KPIs[i].ID); return sc.KPIs[i].ID }, idPattern)
	weightSum := map[string]float64{}
	for i := range sc.KPIs {
		k := &sc.KPIs[i]
		name := fmt.Sprintf("指标“%s”", k.ID)
		if strings.TrimSpace(k.Label) == "" {
			v.add(v.at("kpis", i), "%s缺少名称 label", name)
		}
		if k.Better != Higher && k.Better != Lower {
			v.add(v.at("kpis", i, "better"), "%s的 better 只能是 higher 或 lower", name)
		}
		if !(k.Max > k.Min) || !finite(k.Min) || !finite(k.Max) {
			v.add(v.at("kpis", i, "min"), "%s的范围不对：max 应大于 min", name)
		}
		if k.Decimals < 0 || k.Decimals > 4 {
			v.add(v.at("kpis", i, "decimals"), "%s的 decimals 应在 0 到 4 之间", name)
		}
		derived := k.ID == KPISatisfaction || k.ID == KPIChurn
		if derived != k.Derived {
			if derived {
				v.add(v.at("kpis", i), "%s由模型计算，应写 derived: true", name)
			} else {
				v.add(v.at("kpis", i, "derived"), "只有 satisfaction 和 churn 两个指标由模型计算（derived）")
			}
			continue
		}
		if k.Derived {
			if len(k.Weights) > 0 || k.Baseline != 0 || k.Noise != 0 || k.Trend != 0 {
				v.add(v.at("kpis", i), "%s由模型计算，不能写 baseline、noise、trend 或 weights", name)
			}
			continue
		}
		if k.Baseline < k.Min || k.Baseline > k.Max || !finite(k.Baseline) {
			v.add(v.at("kpis", i, "baseline"), "%s的现状值 baseline 应在 %s 到 %s 之间", name, fmtNum(k.Min, 4), fmtNum(k.Max, 4))
		}
		if k.Noise < 0 || !finite(k.Noise) || !finite(k.Trend) {
			v.add(v.at("kpis", i, "noise"), "%s的 noise 不能为负", name)
		}
		for _, c := range sortedKeys(k.Weights) {
			w := k.Weights[c]
			if !classes[c] {
				v.add(v.at("kpis", i, "weights"), "%s的权重里有不存在的客户类别“%s”", name, c)
			} else if w < 0 || !finite(w) {
				v.add(v.at("kpis", i, "weights"), "%s对“%s”类客户的权重不能为负", name, c)
			}
			weightSum[c] += w
		}
	}
	for _, id := range []string{KPISatisfaction, KPIChurn} {
		if !kpis[id] {
			v.add(v.at("kpis"), "缺少由模型计算的指标“%s”", id)
		}
	}
	for _, c := range sc.Classes {
		if math.Abs(weightSum[c.ID]-1) > 0.005 {
			v.add(v.at("kpis"), "“%s”类客户的满意度权重合计应为 1，现在是 %s", c.ID, fmtNum(weightSum[c.ID], 3))
		}
	}
	driver := func(id string) bool { return kpis[id] && id != KPISatisfaction && id != KPIChurn }

	// Params
	p := &sc.Params
	if p.RampMonths < 1 || p.RampMonths > 12 {
		v.add(v.at("params", "ramp_months"), "ramp_months 应在 1 到 12 之间")
	}
	if !(p.SatisfactionSpeed > 0 && p.SatisfactionSpeed <= 1) {
		v.add(v.at("params", "satisfaction_speed"), "satisfaction_speed 应大于 0、不大于 1")
	}
	if p.FixedCost < 0 || p.VariableCost < 0 || p.VariableCost >= 1 || p.ClaimCost < 0 || !finite(p.FixedCost+p.VariableCost+p.ClaimCost) {
		v.add(v.at("params"), "成本参数不对：fixed_cost、claim_cost 不能为负，variable_cost 应在 0 到 1 之间")
	}
	for _, x := range []float64{p.ComplaintLate, p.ComplaintWrong, p.ComplaintDamage} {
		if x < 0 || x > 1 || !finite(x) {
			v.add(v.at("params"), "投诉比例 complaint_* 应在 0 到 1 之间")
			break
		}
	}
	if p.WordOfMouth < 0 || p.Wallet < 0 || !finite(p.WordOfMouth+p.Wallet) {
		v.add(v.at("params"), "word_of_mouth 和 wallet 不能为负")
	}
	if !validRange(p.Execution) || p.Execution.Low < 0 {
		v.add(v.at("params", "execution"), "执行力系数 execution 应写成 [最低, 最可能, 最高]，且 0 ≤ 最低 ≤ 最可能 ≤ 最高")
	}
	if len(p.Seasonality) != 12 {
		v.add(v.at("params", "seasonality"), "seasonality 应有 12 个月的系数，现在有 %d 个", len(p.Seasonality))
	}
	for _, s := range p.Seasonality {
		if !(s > 0) || !finite(s) {
			v.add(v.at("params", "seasonality"), "seasonality 的系数应大于 0")
			break
		}
	}

	// Measures
	measures := v.ids("measures", "措施", len(sc.Measures), func(i int) string { trim(&sc.Measures[i].ID); return sc.Measures[i].ID }, idPattern)
	events := v.ids("events", "事件", len(sc.Events), func(i int) string { trim(&sc.Events[i].ID); return sc.Events[i].ID }, idPattern)
	if len(sc.Measures) == 0 {
		v.add(v.at("measures"), "至少要有一项措施 measures")
	}
	classList := func(path []any, name string, cs []string) {
		for _, c := range cs {
			if !classes[c] {
				v.add(v.at(path...), "%s的 classes 里有不存在的客户类别“%s”", name, c)
			}
		}
	}
	mitigates := func(path []any, name string, m map[string]float64) {
		for _, e := range sortedKeys(m) {
			if !events[e] {
				v.add(v.at(path...), "%s的 mitigates 里有不存在的事件“%s”", name, e)
			} else if f := m[e]; !(f > 0 && f <= 1) {
				v.add(v.at(path...), "%s对事件“%s”的缓解比例应大于 0、不大于 1", name, e)
			}
		}
	}
	for i := range sc.Measures {
		m := &sc.Measures[i]
		name := fmt.Sprintf("措施“%s”", m.ID)
		if strings.TrimSpace(m.Title) == "" {
			v.add(v.at("measures", i), "%s缺少名称 title", name)
		}
		if strings.TrimSpace(m.Description) == "" {
			v.add(v.at("measures", i), "%s缺少说明 description", name)
		}
		if m.OneOff < 0 || m.Monthly < 0 || !finite(m.OneOff+m.Monthly) {
			v.add(v.at("measures", i), "%s的费用不能为负", name)
		}
		if m.Lead < 1 || m.Lead > 12 {
			v.add(v.at("measures", i, "lead"), "%s的准备期 lead 应在 1 到 12 个月之间", name)
		}
		if len(m.Effects) == 0 && len(m.Mitigates) == 0 {
			v.add(v.at("measures", i), "%s既没有效果 effects，也不缓解任何事件", name)
		}
		for _, k := range sortedKeys(m.Effects) {
			r := m.Effects[k]
			if !kpis[k] {
				v.add(v.at("measures", i, "effects"), "%s的效果里有不存在的指标“%s”", name, k)
			} else if !validRange(r) {
				v.add(v.at("measures", i, "effects", k), "%s对“%s”的效果应满足 最低 ≤ 最可能 ≤ 最高", name, k)
			}
		}
		classList([]any{"measures", i, "classes"}, name, m.Classes)
		mitigates([]any{"measures", i, "mitigates"}, name, m.Mitigates)
		for _, r := range m.Requires {
			if !measures[r] || r == m.ID {
				v.add(v.at("measures", i, "requires"), "%s的前提措施“%s”不存在", name, r)
			}
		}
		for _, c := range m.Conflicts {
			if !measures[c] || c == m.ID {
				v.add(v.at("measures", i, "conflicts"), "%s的冲突措施“%s”不存在", name, c)
			}
		}
	}
	if cyc := requireCycle(sc.Measures); cyc != "" {
		v.add(v.at("measures"), "措施的前提关系出现循环：%s", cyc)
	}

	// Events
	for i := range sc.Events {
		e := &sc.Events[i]
		name := fmt.Sprintf("事件“%s”", e.ID)
		if strings.TrimSpace(e.Title) == "" {
			v.add(v.at("events", i), "%s缺少名称 title", name)
		}
		if e.Duration == 0 {
			e.Duration = 1
		}
		if e.Duration < 1 || e.Duration > 12 {
			v.add(v.at("events", i, "duration"), "%s的持续月数 duration 应在 1 到 12 之间", name)
		}
		if e.Month < 0 || e.Month > sc.Months {
			v.add(v.at("events", i, "month"), "%s的月份 month 应在 0（只由教师触发）到 %d 之间", name, sc.Months)
		}
		for _, h := range e.History {
			if h < -11 || h > 0 {
				v.add(v.at("events", i, "history"), "%s的历史月份 history 应在 -11 到 0 之间（0 是开始前的最后一个月）", name)
			}
		}
		for _, k := range sortedKeys(e.Shocks) {
			if !driver(k) || !finite(e.Shocks[k]) {
				v.add(v.at("events", i, "shocks"), "%s的冲击里有不存在的运营指标“%s”", name, k)
			}
		}
		for _, c := range sortedKeys(e.Satisfaction) {
			if !classes[c] {
				v.add(v.at("events", i, "satisfaction"), "%s的满意度影响里有不存在的客户类别“%s”", name, c)
			}
		}
		for _, c := range sortedKeys(e.Churn) {
			if !classes[c] {
				v.add(v.at("events", i, "churn"), "%s的流失影响里有不存在的客户类别“%s”", name, c)
			}
		}
		for _, s := range sortedKeys(e.Volume) {
			if !segments[s] || !(e.Volume[s] > 0) {
				v.add(v.at("events", i, "volume"), "%s的业务量系数里有不存在的细分市场“%s”或不大于 0 的系数", name, s)
			}
		}
		if e.Cost < 0 || !finite(e.Cost) {
			v.add(v.at("events", i, "cost"), "%s的费用不能为负", name)
		}
	}

	// Contingencies
	v.ids("contingencies", "应急决策", len(sc.Contingencies), func(i int) string { trim(&sc.Contingencies[i].ID); return sc.Contingencies[i].ID }, idPattern)
	for i := range sc.Contingencies {
		c := &sc.Contingencies[i]
		name := fmt.Sprintf("应急决策“%s”", c.ID)
		if strings.TrimSpace(c.Title) == "" {
			v.add(v.at("contingencies", i), "%s缺少名称 title", name)
		}
		if c.Cost < 0 || !finite(c.Cost) {
			v.add(v.at("contingencies", i, "cost"), "%s的费用不能为负", name)
		}
		for _, k := range sortedKeys(c.Effects) {
			if !(driver(k) || k == KPISatisfaction) {
				v.add(v.at("contingencies", i, "effects"), "%s的效果里有不存在的指标“%s”", name, k)
			}
		}
		classList([]any{"contingencies", i, "classes"}, name, c.Classes)
		mitigates([]any{"contingencies", i, "mitigates"}, name, c.Mitigates)
		for _, e := range c.Events {
			if !events[e] {
				v.add(v.at("contingencies", i, "events"), "%s适用的事件“%s”不存在", name, e)
			}
		}
	}

	// Survey
	cats := map[string]bool{}
	if len(sc.Survey.Categories) == 0 {
		v.add(v.at("survey"), "survey 缺少问卷类别 categories")
	}
	for i, c := range sc.Survey.Categories {
		if c.Name == "" || cats[c.Name] {
			v.add(v.at("survey", "categories", i), "问卷类别名称为空或重复")
			continue
		}
		cats[c.Name] = true
		for _, k := range sortedKeys(c.KPIs) {
			if !driver(k) || c.KPIs[k] < 0 {
				v.add(v.at("survey", "categories", i, "kpis"), "问卷类别“%s”里有不存在的运营指标“%s”或负权重", c.Name, k)
			}
		}
		for _, cl := range sortedKeys(c.Base) {
			if !classes[cl] {
				v.add(v.at("survey", "categories", i, "base"), "问卷类别“%s”的 base 里有不存在的客户类别“%s”", c.Name, cl)
			}
		}
		if !c.Open && len(c.KPIs) == 0 && len(c.Base) == 0 {
			v.add(v.at("survey", "categories", i), "问卷类别“%s”既不是开放题，也没有 kpis 或 base", c.Name)
		}
	}
	for i, q := range sc.Survey.DefaultQuestions {
		if !cats[q.Category] || strings.TrimSpace(q.Text) == "" {
			v.add(v.at("survey", "default_questions", i), "默认问卷第 %d 题的题目为空或类别“%s”不存在", i+1, q.Category)
		}
	}
	if len(sc.Survey.DefaultQuestions) == 0 {
		v.add(v.at("survey", "default_questions"), "缺少默认问卷 default_questions")
	}
	s := &sc.Survey
	if s.PersonNoise < 0 || s.QuestionNoise < 0 || s.CommentRate < 0 || s.CommentRate > 1 {
		v.add(v.at("survey"), "问卷的 person_noise、question_noise 不能为负，comment_rate 应在 0 到 1 之间")
	}

	// Problems and interviews
	problems := v.ids("problems", "预设问题", len(sc.Problems), func(i int) string { trim(&sc.Problems[i].ID); return sc.Problems[i].ID }, idPattern)
	if len(sc.Problems) == 0 {
		v.add(v.at("problems"), "至少要有一个预设问题 problems")
	}
	for i, pr := range sc.Problems {
		name := fmt.Sprintf("预设问题“%s”", pr.ID)
		if strings.TrimSpace(pr.Title) == "" || len(pr.Keywords) == 0 {
			v.add(v.at("problems", i), "%s缺少标题 title 或关键词 keywords", name)
		}
		for _, kw := range pr.Keywords {
			if strings.TrimSpace(kw) == "" {
				v.add(v.at("problems", i, "keywords"), "%s有空的关键词", name)
			}
		}
		if len(pr.Categories) == 0 {
			v.add(v.at("problems", i, "categories"), "%s至少要对应一个问卷类别 categories", name)
		}
		for _, c := range pr.Categories {
			if !cats[c] {
				v.add(v.at("problems", i, "categories"), "%s的问卷类别“%s”不存在", name, c)
			}
		}
		for _, k := range pr.KPIs {
			if !kpis[k] {
				v.add(v.at("problems", i, "kpis"), "%s的指标“%s”不存在", name, k)
			}
		}
		if len(pr.Comments) == 0 {
			v.add(v.at("problems", i, "comments"), "%s至少要有一条客户留言 comments", name)
		}
	}
	v.ids("interviews", "访谈", len(sc.Interviews), func(i int) string { trim(&sc.Interviews[i].ID); return sc.Interviews[i].ID }, idPattern)
	for i, in := range sc.Interviews {
		if strings.TrimSpace(in.Role) == "" || strings.TrimSpace(in.Text) == "" {
			v.add(v.at("interviews", i), "访谈“%s”缺少身份 role 或内容 text", in.ID)
		}
		for _, h := range in.Hints {
			if !problems[h] {
				v.add(v.at("interviews", i, "hints"), "访谈“%s”指向的预设问题“%s”不存在", in.ID, h)
			}
		}
	}

	// Standards
	v.ids("standards", "评估标准", len(sc.Standards), func(i int) string { trim(&sc.Standards[i].ID); return sc.Standards[i].ID }, idPattern)
	if len(sc.Standards) == 0 {
		v.add(v.at("standards"), "缺少评估标准 standards")
	}
	for i, st := range sc.Standards {
		name := fmt.Sprintf("评估标准“%s”", st.ID)
		if strings.TrimSpace(st.Label) == "" {
			v.add(v.at("standards", i), "%s缺少名称 label", name)
		}
		sum := 0.0
		for _, k := range sortedKeys(st.KPIs) {
			if !kpis[k] || st.KPIs[k] < 0 {
				v.add(v.at("standards", i, "kpis"), "%s的指标“%s”不存在或权重为负", name, k)
			}
			sum += st.KPIs[k]
		}
		if sum > 1.0001 {
			v.add(v.at("standards", i, "kpis"), "%s的指标权重合计不能超过 1", name)
		}
		for _, m := range sortedKeys(st.Measures) {
			if !measures[m] || st.Measures[m] < 0 {
				v.add(v.at("standards", i, "measures"), "%s的措施“%s”不存在或分数为负", name, m)
			}
		}
		if st.CostBenefit == (len(st.KPIs)+len(st.Measures) > 0) {
			v.add(v.at("standards", i), "%s要么写 cost_benefit: true，要么写 kpis/measures，二者只能选一", name)
		}
	}

	// The report's rubric: every criterion follows a standard of the same id.
	var probs []Problem
	sc.ReportRubric, probs = cards.Rubric(v.root, sc.Rubric, len(sc.Rubric))
	v.problems = append(v.problems, probs...)
	if len(sc.Rubric) == 0 {
		v.add(v.at("rubric"), "缺少报告的评分标准 rubric（教师评分要用）")
	}
	for i, cr := range sc.ReportRubric {
		if cr.Auto && sc.StandardOf(cr.ID) < 0 {
			v.add(v.at("rubric", i, "id"), "评分项“%s”标了 auto，但评估标准 standards 里没有同名的一项（id 里的 _ 对应 -）", cr.ID)
		}
	}
}

func validRange(r Range) bool {
	return finite(r.Low) && finite(r.Likely) && finite(r.High) && r.Low <= r.Likely && r.Likely <= r.High
}

// requireCycle returns "a → b → a" when the requires relation has a cycle, else "".
func requireCycle(ms []Measure) string {
	idx := map[string]int{}
	for i, m := range ms {
		idx[m.ID] = i
	}
	state := make([]int, len(ms)) // 0 new, 1 on stack, 2 done
	var stack []string
	var found string
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = 1
		stack = append(stack, ms[i].ID)
		for _, r := range ms[i].Requires {
			j, ok := idx[r]
			if !ok {
				continue
			}
			if state[j] == 1 {
				k := slices.Index(stack, r)
				found = strings.Join(append(slices.Clone(stack[k:]), r), " → ")
				return true
			}
			if state[j] == 0 && visit(j) {
				return true
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = 2
		return false
	}
	for i := range ms {
		if state[i] == 0 && visit(i) {
			return found
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
