package cards

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestCLVInvariants(t *testing.T) {
	cases := []struct {
		name   string
		params string
		check  func(d clvData) bool
	}{
		{"retention defaults", "", func(d clvData) bool {
			return d.Mode == clvRetention && d.Monthly >= 800 && d.Monthly <= 3000 && d.Years >= 5 && d.Years <= 12 &&
				d.Retention >= 80 && d.Retention <= 95 && d.Factor == 0
		}},
		{"word of mouth defaults", "mode: word_of_mouth", func(d clvData) bool {
			return d.Mode == clvWordOfMouth && d.Factor >= 110 && d.Factor <= 150 && d.Factor%5 == 0 && d.Retention == 0
		}},
		{"narrow ranges", "monthly_min: 1500, monthly_max: 1500, years_min: 10, years_max: 10", func(d clvData) bool {
			return d.Monthly == 1500 && d.Years == 10
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := autoCard(t, KindCLV, tc.params)
			for s := 0; s < 300; s++ {
				v := variant(t, c, student(c.ID, s))
				var d clvData
				if err := json.Unmarshal(v.Data, &d); err != nil {
					t.Fatal(err)
				}
				if !tc.check(d) || d.Monthly%50 != 0 {
					t.Fatalf("seed %d: %+v", s, d)
				}
				// The expected answers follow the stated formulas.
				basic := float64(d.Monthly * 12 * int64(d.Years))
				adj := 0.0
				if d.Mode == clvWordOfMouth {
					adj = math.Round(basic * float64(d.Factor) / 100)
				} else {
					yearly := float64(d.Monthly * 12)
					for k := 0; k < d.Years; k++ {
						adj += yearly * math.Pow(float64(d.Retention)/100, float64(k))
					}
					adj = math.Round(adj)
				}
				if v.Expected["basic"].Text != strconv.FormatFloat(basic, 'f', -1, 64) || v.Expected["adjusted"].Text != strconv.FormatFloat(adj, 'f', -1, 64) {
					t.Fatalf("seed %d: expected %v, want %v %v", s, v.Expected, basic, adj)
				}
				facts := strings.Join(v.Facts, "\n")
				if !strings.Contains(facts, "月均收入："+groupInt(d.Monthly)+" 美元") || !strings.Contains(facts, strconv.Itoa(d.Years)+" 年") {
					t.Fatalf("facts %q", facts)
				}
			}
		})
	}
}

// The FedEx case: 1,500 USD a month for 10 years. The right basic value is 180,000; the
// textbook prints 360,000.
func TestCLVMistakes(t *testing.T) {
	c := autoCard(t, KindCLV, "")
	fedex := clvVariant(clvData{Kind: KindCLV, Mode: clvRetention, Monthly: 1500, Years: 10, Retention: 90})
	// Σ 18,000 × 0.9^k, k = 0..9 = 117,237.87
	twelve := clvVariant(clvData{Kind: KindCLV, Mode: clvRetention, Monthly: 1000, Years: 12, Retention: 85})
	mouth := clvVariant(clvData{Kind: KindCLV, Mode: clvWordOfMouth, Monthly: 1500, Years: 10, Factor: 130})
	if fedex.Expected["basic"].Text != "180000" || fedex.Expected["adjusted"].Text != "117238" || mouth.Expected["adjusted"].Text != "234000" {
		t.Fatalf("expected: %v %v", fedex.Expected, mouth.Expected)
	}
	cases := []struct {
		name    string
		v       *Variant
		answer  Answer
		field   string
		correct bool
		want    string
	}{
		{"right basic value", fedex, Answer{"basic": {Text: "180000"}}, "basic", true, "1,500 × 12 × 10 = 180,000 美元"},
		{"typed with separators and unit", fedex, Answer{"basic": {Text: "180,000 美元"}}, "basic", true, "正确"},
		{"within 1 %", fedex, Answer{"adjusted": {Text: "117000"}}, "adjusted", true, "正确"},
		{"forgot × 12", fedex, Answer{"basic": {Text: "15000"}}, "basic", false, "漏乘了 12"},
		{"the textbook's 360,000", fedex, Answer{"basic": {Text: "360000"}}, "basic", false, "结果是正确值的 2 倍，检查是否多乘了 2"},
		{"only one year", fedex, Answer{"basic": {Text: "18000"}}, "basic", false, "结果只是一年的收入，还要乘以客户生命周期 10 年"},
		{"years turned into months and × 12 again", fedex, Answer{"basic": {Text: "2160000"}}, "basic", false, "12 倍"},
		{"12 years: × 12 or × years forgotten", twelve, Answer{"basic": {Text: "12000"}}, "basic", false, "漏乘了 12：每年有 12 个月，要先算出年收入（月收入 × 12）再乘年数；或者结果只是一年的收入"},
		{"a careless slip", fedex, Answer{"basic": {Text: "170000"}}, "basic", false, "与正确值相差 -5.6%"},
		{"not a number", fedex, Answer{"basic": {Text: "十八万"}}, "basic", false, "“十八万”不是数字"},
		{"retention ignored", fedex, Answer{"adjusted": {Text: "180000"}}, "adjusted", false, "没有考虑客户保留率"},
		{"retention applied to the first year too", fedex, Answer{"adjusted": {Text: "105514"}}, "adjusted", false, "第 1 年不需要乘保留率"},
		{"retention multiplied once", fedex, Answer{"adjusted": {Text: "162000"}}, "adjusted", false, "保留率不是整体只乘一次"},
		{"churn used instead of retention", fedex, Answer{"adjusted": {Text: "18000"}}, "adjusted", false, "用成了流失率"},
		{"one year too many", fedex, Answer{"adjusted": {Text: "123514"}}, "adjusted", false, "多算了一年"},
		{"adjusted doubled", fedex, Answer{"adjusted": {Text: "234476"}}, "adjusted", false, "2 倍"},
		{"follow-through from a doubled basic", mouth, Answer{"basic": {Text: "360000"}, "adjusted": {Text: "468000"}}, "adjusted", false, "调整的方法是对的，但用了错误的基本价值"},
		{"word of mouth forgotten", mouth, Answer{"basic": {Text: "180000"}, "adjusted": {Text: "180000"}}, "adjusted", false, "没有乘口碑系数 1.3"},
		{"only the extra from word of mouth", mouth, Answer{"adjusted": {Text: "54000"}}, "adjusted", false, "只算了口碑带来的增加部分"},
		{"divided by the factor", mouth, Answer{"adjusted": {Text: "138462"}}, "adjusted", false, "应乘以口碑系数，而不是除以"},
		{"word of mouth right", mouth, Answer{"adjusted": {Text: "234000"}}, "adjusted", true, "基本价值 180,000 美元 × 口碑系数 1.3 = 234,000 美元"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := grade(t, c, tc.v, tc.answer)
			fr := fieldResult(t, res, tc.field)
			if fr.Correct != tc.correct || !strings.Contains(fr.Message, tc.want) {
				t.Errorf("correct=%v %q; want %v and %q", fr.Correct, fr.Message, tc.correct, tc.want)
			}
			if !fr.Correct && !strings.Contains(fr.Message, "正确值") {
				t.Errorf("wrong answer without the right value: %q", fr.Message)
			}
		})
	}
}
