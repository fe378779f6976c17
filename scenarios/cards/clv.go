package cards

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Customer lifetime value (clv), after the FedEx case: a customer bringing 1,500 USD a month
// for 10 years is worth 1,500 × 12 × 10 = 180,000 USD. Params:
//
//	mode                        retention (default) or word_of_mouth
//	monthly_min, monthly_max    monthly revenue in USD, multiples of 50 (default 800–3000)
//	years_min, years_max        customer lifetime in years (default 5–12)
//	retention_min, retention_max  yearly retention rate, mode retention (default 0.80–0.95, drawn in steps of 0.01)
//	factor_min, factor_max      word-of-mouth factor, mode word_of_mouth (default 1.1–1.5, drawn in steps of 0.05)
//
// Fields: basic = monthly × 12 × years; adjusted = Σ_{k=0}^{years−1} monthly × 12 × r^k
// (retention: the first year in full) or basic × factor (word of mouth), both rounded to whole
// dollars. An answer within ±1 % of the right value is correct.

const (
	clvRetention   = "retention"
	clvWordOfMouth = "word_of_mouth"
	clvTolerance   = 0.01
)

type clvConfig struct {
	Mode                   string
	MonthlyMin, MonthlyMax int
	YearsMin, YearsMax     int
	RetMin, RetMax         int // percent
	FacMin, FacMax         int // hundredths
}

type clvData struct {
	Kind      string `json:"kind"`
	Mode      string `json:"mode"`
	Monthly   int64  `json:"monthly"`
	Years     int    `json:"years"`
	Retention int    `json:"retention_pct,omitempty"` // yearly retention rate in percent
	Factor    int    `json:"factor_x100,omitempty"`   // word-of-mouth factor × 100
}

var clvGrader = &grader{
	config:   func(m map[string]any) (any, []string) { return clvParams(m) },
	fieldIDs: func(map[string]any) []string { return []string{"basic", "adjusted"} },
	generate: func(cfg any, r *rand.Rand) (*Variant, error) { return clvGenerate(cfg.(clvConfig), r), nil },
	grade:    clvGrade,
}

func clvParams(m map[string]any) (clvConfig, []string) {
	p := newParams(m)
	c := clvConfig{Mode: p.str("mode", clvRetention, clvRetention, clvWordOfMouth)}
	c.MonthlyMin = p.int("monthly_min", 800, 50, 1000000)
	c.MonthlyMax = p.int("monthly_max", 3000, 50, 1000000)
	c.YearsMin = p.int("years_min", 5, 1, 50)
	c.YearsMax = p.int("years_max", 12, 1, 50)
	other, otherMode := "factor_", clvWordOfMouth
	if c.Mode == clvWordOfMouth {
		other, otherMode = "retention_", clvRetention
	}
	for _, k := range []string{other + "min", other + "max"} {
		if _, ok := m[k]; ok {
			p.fail("%s 只在 mode 为 %s 时使用", k, otherMode)
		}
	}
	retMin := p.float("retention_min", 0.80, 0.5, 0.99)
	retMax := p.float("retention_max", 0.95, 0.5, 0.99)
	facMin := p.float("factor_min", 1.1, 1.0, 3.0)
	facMax := p.float("factor_max", 1.5, 1.0, 3.0)
	errs := p.done(KindCLV)
	if c.MonthlyMin%50 != 0 || c.MonthlyMax%50 != 0 {
		errs = append(errs, "monthly_min 和 monthly_max 应是 50 的倍数")
	}
	if c.MonthlyMin > c.MonthlyMax {
		errs = append(errs, "monthly_min 不能大于 monthly_max")
	}
	if c.YearsMin > c.YearsMax {
		errs = append(errs, "years_min 不能大于 years_max")
	}
	c.RetMin, c.RetMax = int(math.Round(retMin*100)), int(math.Round(retMax*100))
	c.FacMin, c.FacMax = int(math.Ceil(facMin*20-1e-9))*5, int(math.Floor(facMax*20+1e-9))*5
	if c.RetMin > c.RetMax {
		errs = append(errs, "retention_min 不能大于 retention_max")
	}
	if c.FacMin > c.FacMax {
		errs = append(errs, "factor_min 不能大于 factor_max（两者之间至少要有一个 0.05 的倍数）")
	}
	return c, errs
}

func clvGenerate(c clvConfig, r *rand.Rand) *Variant {
	d := clvData{
		Kind: KindCLV, Mode: c.Mode,
		Monthly: int64(50 * between(r, c.MonthlyMin/50, c.MonthlyMax/50)),
		Years:   between(r, c.YearsMin, c.YearsMax),
	}
	if c.Mode == clvWordOfMouth {
		d.Factor = 5 * between(r, c.FacMin/5, c.FacMax/5)
	} else {
		d.Retention = between(r, c.RetMin, c.RetMax)
	}
	return clvVariant(d)
}

func (d clvData) basic() float64 { return float64(d.Monthly * 12 * int64(d.Years)) }

func (d clvData) rate() float64   { return float64(d.Retention) / 100 }
func (d clvData) factor() float64 { return float64(d.Factor) / 100 }

// retentionSum is Σ_{k=from}^{to−1} monthly × 12 × r^k.
func (d clvData) retentionSum(from, to int) float64 {
	s := 0.0
	for k := from; k < to; k++ {
		s += float64(d.Monthly*12) * math.Pow(d.rate(), float64(k))
	}
	return s
}

func (d clvData) adjusted() float64 {
	if d.Mode == clvWordOfMouth {
		return math.Round(d.basic() * d.factor())
	}
	return math.Round(d.retentionSum(0, d.Years))
}

func usd(x float64) string { return groupFloat(math.Round(x), 0) + " 美元" }

func (d clvData) adjustedLabel() string {
	if d.Mode == clvWordOfMouth {
		return "考虑口碑效应后的客户终身价值"
	}
	return "考虑客户保留率后的客户终身价值"
}

func clvVariant(d clvData) *Variant {
	zero := 0.0
	v := &Variant{
		Facts: []string{
			"月均收入：" + groupInt(d.Monthly) + " 美元",
			fmt.Sprintf("客户生命周期：%d 年", d.Years),
		},
		Fields: []Field{
			{ID: "basic", Type: TypeNumber, Label: "客户终身价值（基本）", Help: "单位：美元，填整数",
				Required: true, Unit: "美元", Precision: 0, Min: &zero},
			{ID: "adjusted", Type: TypeNumber, Label: d.adjustedLabel(), Help: "单位：美元，四舍五入到整数",
				Required: true, Unit: "美元", Precision: 0, Min: &zero},
		},
		Expected: Answer{
			"basic":    {Text: fmtFloat(d.basic())},
			"adjusted": {Text: fmtFloat(d.adjusted())},
		},
		Data: mustJSON(d),
	}
	if d.Mode == clvWordOfMouth {
		v.Intro = "某快递公司的一位客户每月带来稳定收入，满意的客户还会向别人推荐公司。请计算：① 客户终身价值（基本）= 月均收入 × 12 × 年数；" +
			"② 考虑口碑效应后的价值 = 基本价值 × 口碑系数，四舍五入到整数美元。答案与正确值相差不超过 1% 算对。"
		v.Facts = append(v.Facts, fmt.Sprintf("口碑系数：%s（满意客户的推荐带来的额外收入）", fmtFloat(d.factor())))
	} else {
		v.Intro = "某快递公司的一位客户每月带来稳定收入，但每年都有一部分客户流失。请计算：① 客户终身价值（基本）= 月均收入 × 12 × 年数；" +
			"② 考虑客户保留率后的价值 = 各年收入之和：第 1 年按全额计算，第 k 年的收入 = 月均收入 × 12 × 保留率^(k−1)，四舍五入到整数美元。答案与正确值相差不超过 1% 算对。"
		v.Facts = append(v.Facts, fmt.Sprintf("年客户保留率：%d%%（第 1 年全额，以后每年的收入是上一年的 %d%%）", d.Retention, d.Retention))
	}
	return v
}

// clvMistake is a typical wrong answer and what it means.
type clvMistake struct {
	value float64
	why   string
}

// diagnose names the typical mistakes a wrong answer matches (several when they coincide).
func diagnose(given, want float64, mistakes []clvMistake) string {
	var hits []string
	for _, m := range mistakes {
		if m.value <= 0 || near(m.value, want, clvTolerance) {
			continue
		}
		if near(given, m.value, clvTolerance) && !contains(hits, m.why) {
			hits = append(hits, m.why)
		}
	}
	if len(hits) > 0 {
		return strings.Join(hits, "；或者")
	}
	diff := (given - want) / want * 100
	return fmt.Sprintf("与正确值相差 %.1f%%，超出 ±1%% 的允许范围，请按公式重新计算", diff)
}

func clvGrade(data json.RawMessage, a Answer) (*Result, error) {
	var d clvData
	if err := decodeData(data, &d); err != nil {
		return nil, err
	}
	if d.Monthly <= 0 || d.Years <= 0 || (d.Mode == clvRetention && (d.Retention <= 0 || d.Retention >= 100)) ||
		(d.Mode == clvWordOfMouth && d.Factor <= 0) || (d.Mode != clvRetention && d.Mode != clvWordOfMouth) {
		return nil, errors.New("练习数据已损坏，无法评分")
	}
	basic, adjusted := d.basic(), d.adjusted()
	yearly := float64(d.Monthly * 12)
	m, y := groupInt(d.Monthly), d.Years
	res := &Result{}

	// basic
	basicFormula := fmt.Sprintf("%s × 12 × %d = %s", m, y, usd(basic))
	fr, gb, okB, done := gradeAmount(a, "basic", "客户终身价值（基本）", basic, basicFormula)
	if !done {
		fr.Message = "正确值：" + basicFormula + "。" + diagnose(gb, basic, []clvMistake{
			{float64(d.Monthly) * float64(y), "结果等于月收入 × 年数，漏乘了 12：每年有 12 个月，要先算出年收入（月收入 × 12）再乘年数"},
			{yearly, fmt.Sprintf("结果只是一年的收入，还要乘以客户生命周期 %d 年", y)},
			{float64(d.Monthly), fmt.Sprintf("结果只是一个月的收入，要乘以 12 个月和 %d 年", y)},
			{basic * 12, "结果是正确值的 12 倍，检查是否把年数换算成月数后又乘了 12"},
			{basic * 2, "结果是正确值的 2 倍，检查是否多乘了 2（教材案例中的 360,000 就是这个错误，1,500 × 12 × 10 应为 180,000）"},
			{basic / 2, "结果是正确值的一半，检查乘数是否漏了一项"},
			{adjusted, "这是第②问的结果：基本价值不考虑保留率或口碑效应"},
		})
	}
	res.Fields = append(res.Fields, fr)

	// adjusted
	var formula string
	var mistakes []clvMistake
	if d.Mode == clvWordOfMouth {
		f := fmtFloat(d.factor())
		formula = fmt.Sprintf("基本价值 %s × 口碑系数 %s = %s", usd(basic), f, usd(adjusted))
		mistakes = []clvMistake{
			{basic, "没有乘口碑系数 " + f + "：这是基本价值，考虑口碑效应后应更多"},
			{basic * (d.factor() - 1), "只算了口碑带来的增加部分，还要加上基本价值本身（基本价值 × " + f + "）"},
			{basic / d.factor(), "应乘以口碑系数，而不是除以"},
			{float64(d.Monthly) * float64(y) * d.factor(), "漏乘了 12：基本价值是月收入 × 12 × 年数"},
			{adjusted * 2, "结果是正确值的 2 倍，检查是否多乘了 2"},
			{adjusted * 12, "结果是正确值的 12 倍，检查是否重复乘了 12"},
		}
	} else {
		r := d.rate()
		terms := []string{}
		for k := 0; k < min(y, 3); k++ {
			terms = append(terms, groupFloat(yearly*math.Pow(r, float64(k)), 0))
		}
		more := ""
		if y > 3 {
			more = " + …"
		}
		formula = fmt.Sprintf("各年收入 %s%s（共 %d 年，每年是上一年的 %d%%），合计 %s", strings.Join(terms, " + "), more, y, d.Retention, usd(adjusted))
		mistakes = []clvMistake{
			{basic, fmt.Sprintf("没有考虑客户保留率：从第 2 年起，每年的收入只有上一年的 %d%%", d.Retention)},
			{d.retentionSum(1, y+1), fmt.Sprintf("第 1 年不需要乘保留率：第 1 年按全额 %s 计算，从第 2 年起才逐年乘 %s", usd(yearly), fmtFloat(r))},
			{basic * r, fmt.Sprintf("保留率不是整体只乘一次：第 k 年的收入是第 1 年的 %s^(k−1) 倍，要逐年计算再相加", fmtFloat(r))},
			{basic * math.Pow(r, float64(y-1)), "不能用最后一年的比例乘全部收入：要逐年计算再相加"},
			{basic * math.Pow(r, float64(y)), "不能用保留率的 n 次方乘全部收入：要逐年计算再相加"},
			{yearly * math.Pow(r, float64(y-1)), "这只是最后一年的收入，要把每一年的收入相加"},
			{basic * (1 - r), fmt.Sprintf("用成了流失率（1 − %s）：保留率 %d%% 是留下来的客户比例", fmtFloat(r), d.Retention)},
			{d.retentionSum(0, y-1), "少算了一年：一共要加 " + fmt.Sprint(y) + " 年"},
			{d.retentionSum(0, y+1), "多算了一年：一共只加 " + fmt.Sprint(y) + " 年"},
			{adjusted / 12, "漏乘了 12：每年的收入是月收入 × 12"},
			{adjusted * 2, "结果是正确值的 2 倍，检查是否多乘了 2"},
			{adjusted * 12, "结果是正确值的 12 倍，检查是否重复乘了 12"},
		}
	}
	fr, ga, _, done := gradeAmount(a, "adjusted", d.adjustedLabel(), adjusted, formula)
	switch {
	case done:
	case okB && !near(gb, basic, clvTolerance) && gb > 0 && near(ga, adjusted*gb/basic, clvTolerance):
		fr.Message = "正确值：" + formula + "。调整的方法是对的，但用了错误的基本价值（见上一问），所以结果也错了"
	default:
		fr.Message = "正确值：" + formula + "。" + diagnose(ga, adjusted, mistakes)
	}
	res.Fields = append(res.Fields, fr)

	res.Summary = append(res.Summary,
		fmt.Sprintf("每月 %s 美元的客户，%d 年的基本价值是 %s；%s是 %s。", m, y, usd(basic), d.adjustedLabel(), usd(adjusted)),
		"一位客户的价值远不止一笔订单：留住老客户、提高保留率，比一次次重新开发新客户更划算。",
	)
	return res, nil
}

// gradeAmount settles the cases every dollar field shares: no answer, not a number, right
// within the tolerance (done = true). Otherwise the caller diagnoses the wrong value got.
func gradeAmount(a Answer, id, label string, want float64, formula string) (fr FieldResult, got float64, ok, done bool) {
	fr = FieldResult{Field: id, Label: label, Expected: usd(want)}
	got, given, ok := answerNumber(a, id, "美元")
	fr.Given = given
	switch {
	case given == "":
		fr.Message = "未作答。正确值：" + formula
	case !ok:
		fr.Message = fmt.Sprintf("“%s”不是数字。正确值：%s", given, formula)
	case near(got, want, clvTolerance):
		fr.Correct = true
		fr.Message = "正确：" + formula
	default:
		return fr, got, ok, false
	}
	return fr, got, ok, true
}
