package cards

import (
	"strconv"
	"strings"
	"testing"
)

// kpiTargets as the seed material lists them; damage is the one where lower is better.
var kpiTargets = []struct {
	id     string
	target float64
	lower  bool
}{
	{"reports_on_time", 99, false}, {"on_time_delivery", 99, false}, {"complaint_free", 98, false},
	{"damage_rate", 0.1, true}, {"delivery_accuracy", 98, false}, {"inventory_accuracy", 99, false},
}

func TestWarehouseKPIInvariants(t *testing.T) {
	c := autoCard(t, KindWarehouseKPI, "")
	missCounts := map[int]int{}
	missedKPI := map[string]int{}
	for s := 0; s < 400; s++ {
		v := variant(t, c, student(c.ID, s))
		if len(v.Table.Rows) != 12 {
			t.Fatalf("seed %d: %d rows", s, len(v.Table.Rows))
		}
		misses := 0
		for i, k := range kpiTargets {
			total, err1 := strconv.Atoi(strings.ReplaceAll(v.Table.Rows[2*i][1], ",", ""))
			count, err2 := strconv.Atoi(strings.ReplaceAll(v.Table.Rows[2*i+1][1], ",", ""))
			if err1 != nil || err2 != nil || total <= 0 || count < 0 || count > total {
				t.Fatalf("seed %d: %s counts %v %v", s, k.id, v.Table.Rows[2*i], v.Table.Rows[2*i+1])
			}
			rate := float64(count) / float64(total) * 100
			met := rate >= k.target
			if k.lower {
				met = rate <= k.target
			}
			if !met {
				misses++
				missedKPI[k.id]++
			}
			want := "达标"
			if !met {
				want = "未达标"
			}
			if got := v.Expected[k.id+"_ok"].Text; got != want {
				t.Fatalf("seed %d: %s is %.3f%%, expected %s, got %s", s, k.id, rate, want, got)
			}
			// The expected rate, as a student would round it, gives the same verdict.
			x, _ := strconv.ParseFloat(v.Expected[k.id].Text, 64)
			if (k.lower && (x <= k.target) != met) || (!k.lower && (x >= k.target) != met) {
				t.Fatalf("seed %d: %s rounded to %v flips the verdict", s, k.id, x)
			}
		}
		if misses < 1 || misses > 3 {
			t.Errorf("seed %d: %d KPIs missed", s, misses)
		}
		missCounts[misses]++
	}
	if len(missCounts) != 3 {
		t.Errorf("students always miss the same number of KPIs: %v", missCounts)
	}
	if len(missedKPI) != 6 {
		t.Errorf("some KPI never misses: %v", missedKPI)
	}
}

func TestWarehouseKPIMistakes(t *testing.T) {
	c := autoCard(t, KindWarehouseKPI, "")
	month := kpiData{Kind: KindWarehouseKPI, Items: []kpiCount{
		{ID: "reports_on_time", Total: 240, Count: 239},      // 99.58 % met
		{ID: "on_time_delivery", Total: 1200, Count: 1182},   // 98.50 % missed
		{ID: "complaint_free", Total: 1000, Count: 985},      // 98.50 % met
		{ID: "damage_rate", Total: 40000, Count: 18},         // 0.045 % met
		{ID: "delivery_accuracy", Total: 2000, Count: 1930},  // 96.50 % missed
		{ID: "inventory_accuracy", Total: 1250, Count: 1245}, // 99.60 % met
	}}
	v := kpiVariant(month)
	damaged := kpiVariant(kpiData{Kind: KindWarehouseKPI, Items: append(append([]kpiCount{}, month.Items[:3]...),
		kpiCount{ID: "damage_rate", Total: 40000, Count: 60}, month.Items[4], month.Items[5])}) // 0.150 % missed

	cases := []struct {
		name    string
		v       *Variant
		field   string
		given   string
		correct bool
		want    []string
	}{
		{"on-time delivery right", v, "on_time_delivery", "98.50", true, []string{"按时交货率 = 准时交货次数 1,182 ÷ 交货总次数 1,200 = 98.50%，低于目标 99%，未达标"}},
		{"typed with a percent sign", v, "on_time_delivery", "98.5%", true, nil},
		{"within 0.05 points", v, "on_time_delivery", "98.54", true, nil},
		{"percent entered as a fraction", v, "on_time_delivery", "0.985", false, []string{"你填的 0.985 是小数形式，本题要填百分数", "应填 98.50"}},
		{"late rate instead of on-time rate", v, "on_time_delivery", "1.5", false, []string{"相反的比率"}},
		{"numerator and denominator swapped", v, "on_time_delivery", "101.52", false, []string{"分子和分母颠倒了"}},
		{"rounded too early", v, "on_time_delivery", "98.3", false, []string{"很接近"}},
		{"damage rate right", v, "damage_rate", "0.045", true, []string{"破损率 = 破损件数 18 ÷ 发出货物件数 40,000 = 0.045%，不超过上限 0.1%，达标"}},
		{"damage rate with two decimals", v, "damage_rate", "0.05", true, nil},
		{"damage rate 0 is not close enough", v, "damage_rate", "0", false, nil},
		{"damage rate as a fraction", v, "damage_rate", "0.00045", false, []string{"小数形式"}},
		{"intact rate instead of damage rate", v, "damage_rate", "99.955", false, []string{"完好率"}},
		{"damage compared the wrong way (called missed)", v, "damage_rate_ok", "未达标", false, []string{"破损率越低越好", "不超过 0.1% 才达标"}},
		{"damage compared the wrong way (called met)", damaged, "damage_rate_ok", "达标", false, []string{"破损率 0.150%，高于上限 0.1%，未达标", "破损率越低越好"}},
		{"missed target called met", v, "delivery_accuracy_ok", "达标", false, []string{"配送准确率 96.50%，低于目标 98%，未达标"}},
		{"verdict follows the student's own wrong rate", v, "on_time_delivery_ok", "达标", false, []string{"按你算出的 99.5% 判断没有错，但比率本身算错了"}},
		{"not a number", v, "inventory_accuracy", "百分之九十九", false, []string{"不是数字", "= 99.60%"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := Answer{}
			for id, val := range tc.v.Expected {
				a[id] = val
			}
			a[tc.field] = Value{Text: tc.given}
			if tc.name == "verdict follows the student's own wrong rate" {
				a["on_time_delivery"] = Value{Text: "99.5"}
			}
			res := grade(t, c, tc.v, a)
			fr := fieldResult(t, res, tc.field)
			if fr.Correct != tc.correct {
				t.Errorf("correct = %v: %q", fr.Correct, fr.Message)
			}
			for _, w := range tc.want {
				if !strings.Contains(fr.Message, w) {
					t.Errorf("message %q lacks %q", fr.Message, w)
				}
			}
		})
	}

	// The summary names each missed KPI with an improvement.
	res := grade(t, c, v, v.Expected)
	sum := strings.Join(res.Summary, "\n")
	for _, w := range []string{"6 项指标中 4 项达标，2 项未达标", "按时交货率 98.50%（目标 ≥ 99%）：", "配送准确率 96.50%（目标 ≥ 98%）："} {
		if !strings.Contains(sum, w) {
			t.Errorf("summary lacks %q:\n%s", w, sum)
		}
	}
	if strings.Contains(sum, "库存准确率") {
		t.Errorf("summary lists a met KPI:\n%s", sum)
	}
}
