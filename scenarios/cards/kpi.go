package cards

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Warehouse key service indicators (warehouse-kpi), the six a warehouse reports to its
// long-term partners: 报告按时处理率 99 %, 按时交货率 99 %, 客户无投诉率 98 %, 破损率 ≤ 0.1 %,
// 配送准确率 98 %, 库存准确率 99 %. No params.
//
// One month's counts are generated so that 1–3 indicators miss their target (which ones
// varies per seed) and none sits so close to its target that rounding could change the
// verdict. Fields: the six rates in percent (±0.05 percentage points; the damage rate, whose
// values are around 0.1 %, has three decimals and ±0.005 points), each followed by a choice
// <id>_ok (达标 / 未达标). Meeting a target means rate ≥ target, or ≤ for the damage rate.

const (
	kpiMet    = "达标"
	kpiMissed = "未达标"
)

type kpiDef struct {
	ID, Name              string
	TotalLabel, GoodLabel string  // row labels of the counts
	Target                float64 // percent
	LowerBetter           bool
	Decimals              int
	Tolerance             float64 // percentage points
	TotalLo, TotalHi      int
	MeetLo, MeetHi        float64 // percent drawn when the target is met
	MissLo, MissHi        float64 // percent drawn when it is missed
	Margin                float64 // minimum distance from the target, percentage points
	Advice                string
}

var kpiDefs = []kpiDef{
	{ID: "reports_on_time", Name: "报告按时处理率", TotalLabel: "报告总数", GoodLabel: "按时处理的报告",
		Target: 99, Decimals: 2, Tolerance: 0.05, TotalLo: 150, TotalHi: 400,
		MeetLo: 99.2, MeetHi: 100, MissLo: 95.0, MissHi: 98.7, Margin: 0.1,
		Advice: "每天下班前清点待处理报告，临近截止时间自动提醒，并指定专人复核当天的报告。"},
	{ID: "on_time_delivery", Name: "按时交货率", TotalLabel: "交货总次数", GoodLabel: "准时交货次数",
		Target: 99, Decimals: 2, Tolerance: 0.05, TotalLo: 800, TotalHi: 3000,
		MeetLo: 99.15, MeetHi: 99.9, MissLo: 96.5, MissHi: 98.8, Margin: 0.1,
		Advice: "按订单截止时间安排拣货波次，提前预约车辆，对每一单延误记录原因并逐条整改。"},
	{ID: "complaint_free", Name: "客户无投诉率", TotalLabel: "订单总数", GoodLabel: "无投诉订单",
		Target: 98, Decimals: 2, Tolerance: 0.05, TotalLo: 600, TotalHi: 2500,
		MeetLo: 98.2, MeetHi: 99.7, MissLo: 95.0, MissHi: 97.8, Margin: 0.1,
		Advice: "投诉 24 小时内回复并回访，每周汇总投诉原因，在班前会通报高频问题并限期整改。"},
	{ID: "damage_rate", Name: "破损率", TotalLabel: "发出货物件数", GoodLabel: "破损件数",
		Target: 0.1, LowerBetter: true, Decimals: 3, Tolerance: 0.005, TotalLo: 20000, TotalHi: 80000,
		MeetLo: 0.01, MeetHi: 0.08, MissLo: 0.12, MissHi: 0.35, Margin: 0.015,
		Advice: "加固包装、规范装卸搬运动作，易碎品单独标识、单独码放和装载，破损件逐件查明环节。"},
	{ID: "delivery_accuracy", Name: "配送准确率", TotalLabel: "配送总单数", GoodLabel: "准确配送单数",
		Target: 98, Decimals: 2, Tolerance: 0.05, TotalLo: 800, TotalHi: 3000,
		MeetLo: 98.2, MeetHi: 99.8, MissLo: 95.5, MissHi: 97.8, Margin: 0.1,
		Advice: "出库前扫码复核品名、数量和收货地址，发货区与待检区分开，错发件当天追查原因。"},
	{ID: "inventory_accuracy", Name: "库存准确率", TotalLabel: "盘点库存记录数", GoodLabel: "账实相符的记录数",
		Target: 99, Decimals: 2, Tolerance: 0.05, TotalLo: 500, TotalHi: 2000,
		MeetLo: 99.15, MeetHi: 99.9, MissLo: 97.0, MissHi: 98.8, Margin: 0.1,
		Advice: "按 ABC 分类做循环盘点，收发货当场录入系统，盘点差异当天查明原因并更正。"},
}

type kpiCount struct {
	ID    string `json:"id"`
	Total int64  `json:"total"`
	Count int64  `json:"count"` // the numerator: on time, accurate, …, or damaged
}

type kpiData struct {
	Kind  string     `json:"kind"`
	Items []kpiCount `json:"items"`
}

var kpiGrader = &grader{
	config: func(m map[string]any) (any, []string) { return nil, newParams(m).done(KindWarehouseKPI) },
	fieldIDs: func(map[string]any) []string {
		var ids []string
		for _, k := range kpiDefs {
			ids = append(ids, k.ID, k.ID+"_ok")
		}
		return ids
	},
	generate: func(_ any, r *rand.Rand) (*Variant, error) { return kpiGenerate(r) },
	grade:    kpiGrade,
}

func (k kpiDef) rate(c kpiCount) float64 {
	if c.Total <= 0 {
		return 0
	}
	return float64(c.Count) / float64(c.Total) * 100
}

func (k kpiDef) met(rate float64) bool {
	if k.LowerBetter {
		return rate <= k.Target
	}
	return rate >= k.Target
}

// clear reports whether rate is at least Margin away from the target.
func (k kpiDef) clear(rate float64) bool { return math.Abs(rate-k.Target) >= k.Margin }

func kpiGenerate(r *rand.Rand) (*Variant, error) {
	misses := 1 + r.IntN(3)
	miss := map[int]bool{}
	for _, i := range r.Perm(len(kpiDefs))[:misses] {
		miss[i] = true
	}
	d := kpiData{Kind: KindWarehouseKPI}
	for i, k := range kpiDefs {
		var c kpiCount
		for attempt := 0; ; attempt++ {
			if attempt == 200 {
				return nil, errors.New("无法生成仓储指标数据")
			}
			lo, hi := k.MeetLo, k.MeetHi
			if miss[i] {
				lo, hi = k.MissLo, k.MissHi
			}
			c = kpiCount{ID: k.ID, Total: int64(between(r, k.TotalLo, k.TotalHi))}
			rate := lo + (hi-lo)*r.Float64()
			c.Count = int64(math.Round(float64(c.Total) * rate / 100))
			got := k.rate(c)
			if k.met(got) != !miss[i] || !k.clear(got) || (k.LowerBetter && c.Count == 0) {
				continue
			}
			break
		}
		d.Items = append(d.Items, c)
	}
	return kpiVariant(d), nil
}

func kpiVariant(d kpiData) *Variant {
	hundred, zero := 100.0, 0.0
	v := &Variant{
		Intro: "下表是某仓储部本月的作业记录。请计算六项关键服务指标（填百分数，如 98.50；破损率保留三位小数，其余保留两位小数），" +
			"并判断是否达标：达到或好于目标为达标（破损率不超过 0.1% 为达标，其余不低于目标为达标）。",
		Table:    &DataTable{Columns: []string{"项目", "本月数量"}},
		Expected: Answer{},
		Data:     mustJSON(d),
	}
	for i, k := range kpiDefs {
		c := d.Items[i]
		v.Table.Rows = append(v.Table.Rows,
			[]string{k.TotalLabel, groupInt(c.Total)},
			[]string{k.GoodLabel, groupInt(c.Count)})
		v.Facts = append(v.Facts, fmt.Sprintf("%s目标：%s", k.Name, k.targetText()))
		v.Fields = append(v.Fields,
			Field{ID: k.ID, Type: TypeNumber, Label: k.Name, Help: fmt.Sprintf("百分数，保留 %d 位小数", k.Decimals),
				Required: true, Unit: "%", Precision: k.Decimals, Min: &zero, Max: &hundred},
			Field{ID: k.ID + "_ok", Type: TypeChoice, Label: k.Name + "是否达标", Required: true,
				Options: []string{kpiMet, kpiMissed}})
		rate := k.rate(c)
		v.Expected[k.ID] = Value{Text: fmt.Sprintf("%.*f", k.Decimals, rate)}
		v.Expected[k.ID+"_ok"] = Value{Text: k.verdict(rate)}
	}
	return v
}

func (k kpiDef) targetText() string {
	if k.LowerBetter {
		return "≤ " + fmtFloat(k.Target) + "%"
	}
	return "≥ " + fmtFloat(k.Target) + "%"
}

func (k kpiDef) verdict(rate float64) string {
	if k.met(rate) {
		return kpiMet
	}
	return kpiMissed
}

func (k kpiDef) pct(rate float64) string { return fmt.Sprintf("%.*f%%", k.Decimals, rate) }

// comparison says how a rate stands against the target: "低于目标 99%，未达标".
func (k kpiDef) comparison(rate float64) string {
	t := fmtFloat(k.Target) + "%"
	switch {
	case k.LowerBetter && k.met(rate):
		return "不超过上限 " + t + "，达标"
	case k.LowerBetter:
		return "高于上限 " + t + "，未达标"
	case k.met(rate):
		return "达到目标 " + t + "，达标"
	default:
		return "低于目标 " + t + "，未达标"
	}
}

func (k kpiDef) formula(c kpiCount) string {
	return fmt.Sprintf("%s = %s %s ÷ %s %s = %s", k.Name, k.GoodLabel, groupInt(c.Count), k.TotalLabel, groupInt(c.Total), k.pct(k.rate(c)))
}

func kpiGrade(data json.RawMessage, a Answer) (*Result, error) {
	var d kpiData
	if err := decodeData(data, &d); err != nil {
		return nil, err
	}
	if len(d.Items) != len(kpiDefs) {
		return nil, errors.New("练习数据已损坏，无法评分")
	}
	res := &Result{}
	var missed []string
	for i, k := range kpiDefs {
		c := d.Items[i]
		if c.ID != k.ID || c.Total <= 0 || c.Count < 0 || c.Count > c.Total {
			return nil, errors.New("练习数据已损坏，无法评分")
		}
		rate := k.rate(c)
		full := k.formula(c) + "，" + k.comparison(rate)

		// the rate
		fr := FieldResult{Field: k.ID, Label: k.Name, Expected: k.pct(rate)}
		x, given, ok := answerNumber(a, k.ID, "%")
		fr.Given = given
		switch {
		case given == "":
			fr.Message = "未作答。" + full
		case !ok:
			fr.Message = fmt.Sprintf("“%s”不是数字。%s", given, full)
		case math.Abs(x-rate) <= k.Tolerance+1e-9:
			fr.Correct = true
			fr.Message = "正确：" + full
		default:
			fr.Message = full + "。" + k.diagnose(c, x)
		}
		res.Fields = append(res.Fields, fr)

		// the verdict
		want := k.verdict(rate)
		fr = FieldResult{Field: k.ID + "_ok", Label: k.Name + "是否达标", Expected: want}
		choice := strings.TrimSpace(a[k.ID+"_ok"].Text)
		fr.Given = choice
		switch {
		case choice == want:
			fr.Correct = true
			fr.Message = fmt.Sprintf("正确：%s %s，%s", k.Name, k.pct(rate), k.comparison(rate))
		case choice == "":
			fr.Message = fmt.Sprintf("未作答。%s %s，%s", k.Name, k.pct(rate), k.comparison(rate))
		case choice != kpiMet && choice != kpiMissed:
			fr.Message = fmt.Sprintf("“%s”不是可选项，只能选达标或未达标。%s %s，%s", choice, k.Name, k.pct(rate), k.comparison(rate))
		default:
			msg := fmt.Sprintf("%s %s，%s", k.Name, k.pct(rate), k.comparison(rate))
			if k.LowerBetter {
				msg += "。破损率越低越好，要和上限比较：不超过 " + fmtFloat(k.Target) + "% 才达标，高于它就未达标，方向不要弄反"
			}
			if ok && math.Abs(x-rate) > k.Tolerance+1e-9 && k.verdict(x) == choice {
				msg += fmt.Sprintf("。按你算出的 %s%% 判断没有错，但比率本身算错了", given)
			}
			fr.Message = msg
		}
		res.Fields = append(res.Fields, fr)
		if !k.met(rate) {
			missed = append(missed, fmt.Sprintf("%s %s（目标 %s）：%s", k.Name, k.pct(rate), k.targetText(), k.Advice))
		}
	}
	res.Summary = append(res.Summary, fmt.Sprintf("本月 6 项指标中 %d 项达标，%d 项未达标。", len(kpiDefs)-len(missed), len(missed)))
	for _, m := range missed {
		res.Summary = append(res.Summary, "未达标："+m)
	}
	return res, nil
}

// diagnose explains a wrong rate by the mistakes students typically make.
func (k kpiDef) diagnose(c kpiCount, x float64) string {
	rate := k.rate(c)
	tol := k.Tolerance + 1e-9
	switch {
	case math.Abs(x-rate/100) <= tol/100:
		return fmt.Sprintf("你填的 %s 是小数形式，本题要填百分数：%s = %s，应填 %.*f", fmtFloat(x), fmtFloat(x), k.pct(rate), k.Decimals, rate)
	case math.Abs(x-(100-rate)) <= tol:
		if k.LowerBetter {
			return fmt.Sprintf("你算的是完好率（100%% − 破损率）。破损率 = %s ÷ %s", k.GoodLabel, k.TotalLabel)
		}
		return fmt.Sprintf("你算的是相反的比率（不合格的比例）。%s = %s ÷ %s", k.Name, k.GoodLabel, k.TotalLabel)
	case math.Abs(x-(100-rate)/100) <= tol/100:
		return "你算的是相反的比率，而且填成了小数。" + fmt.Sprintf("%s = %s ÷ %s × 100%%", k.Name, k.GoodLabel, k.TotalLabel)
	case c.Count > 0 && math.Abs(x-float64(c.Total)/float64(c.Count)*100) <= tol*10:
		return fmt.Sprintf("分子和分母颠倒了：应是 %s ÷ %s", k.GoodLabel, k.TotalLabel)
	case math.Abs(x-rate) <= 20*k.Tolerance:
		return fmt.Sprintf("和正确值很接近，检查计算和四舍五入（保留 %d 位小数）", k.Decimals)
	}
	return "请按公式重新计算"
}
