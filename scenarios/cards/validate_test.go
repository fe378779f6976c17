package cards

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	c := mustParse(t, allTypes)
	goodFlow := [][]string{{"接单", "2", "高"}, {"上门取件", "4", "中"}}
	goodSurvey := []Question{
		{Text: "快递员是否准时上门取件？", Category: "服务质量", Format: FormatLikert5},
		{Text: "快递员的态度如何？", Category: "服务态度", Format: FormatLikert5},
		{Text: "您觉得运费是否合理？", Category: "价格合理性", Format: FormatSingle, Options: []string{"偏高", "合理", "偏低"}},
		{Text: "您还希望我们提供哪些服务？", Category: "定制化服务", Format: FormatOpen},
	}
	survey := func(edit func([]Question) []Question) []Question {
		qs := append([]Question(nil), goodSurvey...)
		return edit(qs)
	}
	cases := []struct {
		name  string
		field string
		value Value
		mode  Mode
		want  []string // substrings of the messages, in order; nil = valid
		row   int      // Row of the first error, when want is not nil
	}{
		// text and longtext
		{"short name", "contact", Value{Text: "王经理"}, Submit, nil, 0},
		{"name typed too long", "contact", Value{Text: "顺丰速运华东区大客户部王经理"}, Draft, []string{"“客户联系人”最多 10 字，现在 14 字"}, -1},
		{"essay of 2013 characters", "relation", Value{Text: strings.Repeat("客", 2013)}, Draft, []string{"“客户关系是怎样建立起来的”最多 2000 字，现在 2013 字"}, -1},
		{"essay of exactly 2000 characters", "relation", Value{Text: strings.Repeat("客", 2000)}, Submit, nil, 0},
		{"empty essay saved as draft", "relation", Value{}, Draft, nil, 0},
		{"empty essay submitted", "relation", Value{}, Submit, []string{"请填写“客户关系是怎样建立起来的”"}, -1},
		{"only spaces submitted", "relation", Value{Text: "   \n "}, Submit, []string{"请填写"}, -1},
		{"optional note left empty", "note", Value{}, Submit, nil, 0},

		// list
		{"three steps", "steps", Value{Items: []string{"电话联系", "上门拜访", "试寄样品"}}, Submit, nil, 0},
		{"two steps in a draft", "steps", Value{Items: []string{"电话联系", "上门拜访"}}, Draft, nil, 0},
		{"two steps submitted", "steps", Value{Items: []string{"电话联系", "上门拜访"}}, Submit, []string{"至少填写 3 项，现在 2 项"}, -1},
		{"no steps submitted", "steps", Value{}, Submit, []string{"至少填写 3 项"}, -1},
		{"six steps", "steps", Value{Items: []string{"一", "二", "三", "四", "五", "六"}}, Draft, []string{"最多填写 5 项，现在 6 项"}, -1},
		{"one step too long", "steps", Value{Items: []string{"电话联系", strings.Repeat("拜", 21), "签约"}}, Draft, []string{"第 2 项最多 20 字，现在 21 字"}, 1},

		// table
		{"two complete rows", "flow", Value{Rows: goodFlow}, Submit, nil, 0},
		{"one row in a draft", "flow", Value{Rows: goodFlow[:1]}, Draft, nil, 0},
		{"one row submitted", "flow", Value{Rows: goodFlow[:1]}, Submit, []string{"至少填写 2 行，现在 1 行"}, -1},
		{"five rows", "flow", Value{Rows: append(append(append([][]string{}, goodFlow...), goodFlow...), goodFlow[0])}, Draft, []string{"最多 4 行，现在 5 行"}, -1},
		{"stage left empty in a draft", "flow", Value{Rows: [][]string{goodFlow[0], {"", "3", "低"}}}, Draft, nil, 0},
		{"stage left empty submitted", "flow", Value{Rows: [][]string{goodFlow[0], {"", "3", "低"}}}, Submit, []string{"第 2 行“阶段”不能为空"}, 1},
		{"short row submitted", "flow", Value{Rows: [][]string{goodFlow[0], {"派送"}}}, Submit, []string{"第 2 行“用时（小时）”不能为空", "第 2 行“重要程度”不能为空"}, 1},
		{"hours typed in words", "flow", Value{Rows: [][]string{goodFlow[0], {"派送", "两小时", "低"}}}, Draft, []string{"第 2 行“用时（小时）”不是数字：请输入数字，例如 98.5"}, 1},
		{"hours in full-width digits", "flow", Value{Rows: [][]string{goodFlow[0], {"派送", "１．５", "低"}}}, Submit, nil, 0},
		{"level not an option", "flow", Value{Rows: [][]string{{"接单", "2", "很高"}, goodFlow[1]}}, Draft, []string{"第 1 行“重要程度”只能选择：高、中、低"}, 0},

		// choice
		{"single choice", "channel", Value{Text: "微信"}, Submit, nil, 0},
		{"single choice not made", "channel", Value{}, Submit, []string{"请选择“主要沟通渠道”"}, -1},
		{"single choice forged", "channel", Value{Text: "短信"}, Draft, []string{"“主要沟通渠道”只能选择：电话、微信、上门拜访"}, -1},
		{"multiple choice", "services", Value{Items: []string{"保价", "仓储"}}, Submit, nil, 0},
		{"optional multiple left empty", "services", Value{}, Submit, nil, 0},
		{"multiple choice forged", "services", Value{Items: []string{"保价", "冷链"}}, Draft, []string{"没有“冷链”这个选项"}, 1},
		{"multiple choice repeated", "services", Value{Items: []string{"保价", "保价"}}, Draft, []string{"重复选择了“保价”"}, 1},

		// number
		{"rate with two decimals", "rate", Value{Text: "98.50"}, Submit, nil, 0},
		{"rate with percent sign", "rate", Value{Text: "98.5%"}, Submit, nil, 0},
		{"rate with full-width digits", "rate", Value{Text: "９８．５"}, Submit, nil, 0},
		{"rate typed as words", "rate", Value{Text: "九十八"}, Draft, []string{"请输入数字，例如 98.5"}, -1},
		{"rate with a decimal comma", "rate", Value{Text: "98,5"}, Draft, []string{"请输入数字"}, -1},
		{"rate with three decimals", "rate", Value{Text: "98.505"}, Draft, []string{"最多保留 2 位小数"}, -1},
		{"trailing zeros are not decimals", "rate", Value{Text: "98.5000"}, Draft, nil, 0},
		{"rate above 100", "rate", Value{Text: "101"}, Draft, []string{"应在 0 到 100 之间"}, -1},
		{"negative rate", "rate", Value{Text: "-1"}, Draft, []string{"应在 0 到 100 之间"}, -1},
		{"rate missing", "rate", Value{}, Submit, []string{"请填写“准时交货率”"}, -1},

		// questionnaire
		{"one question per category", "survey", Value{Questions: goodSurvey}, Submit, nil, 0},
		{"half-written survey saved", "survey", Value{Questions: []Question{{Category: "服务质量"}, {Text: "运费合理吗？", Format: FormatSingle}}}, Draft, nil, 0},
		{"question without text", "survey", Value{Questions: survey(func(q []Question) []Question { q[1].Text = ""; return q })}, Submit, []string{"第 2 题缺少题目文字"}, 1},
		{"unknown category", "survey", Value{Questions: survey(func(q []Question) []Question { q[0].Category = "物流速度"; return q })}, Draft, []string{"第 1 题的类别“物流速度”不在可选类别中"}, 0},
		{"unknown format", "survey", Value{Questions: survey(func(q []Question) []Question { q[0].Format = "rating"; return q })}, Draft, []string{"第 1 题的题型“rating”无效"}, 0},
		{"single question with one option", "survey", Value{Questions: survey(func(q []Question) []Question { q[2].Options = []string{"合理"}; return q })}, Submit, []string{"第 3 题是单选题，至少需要 2 个选项，现在 1 个"}, 2},
		{"multiple question without options", "survey", Value{Questions: survey(func(q []Question) []Question { q[3].Format = FormatMultiple; return q })}, Submit, []string{"第 4 题是多选题，至少需要 2 个选项，现在 0 个"}, 3},
		{"too many questions", "survey", Value{Questions: append(append([]Question{}, goodSurvey...), goodSurvey[:3]...)}, Draft, []string{"最多 6 个问题，现在 7 个"}, -1},
		{"too few questions", "survey", Value{Questions: goodSurvey[:3]}, Submit, []string{"至少需要 4 个问题，现在 3 个", "问卷还缺少这些类别的问题：定制化服务"}, -1},
		{"categories missing", "survey", Value{Questions: survey(func(q []Question) []Question {
			q[2].Category, q[3].Category = "服务质量", "服务态度"
			return q
		})}, Submit, []string{"问卷还缺少这些类别的问题：价格合理性、定制化服务"}, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := fieldByID(t, c, tc.field)
			a := Answer{tc.field: tc.value, "old_field": {Text: "表单改版前的旧答案"}}
			errs := c.Validate([]Field{f}, a, tc.mode)
			if tc.want == nil {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				return
			}
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors %v, want %d %q", len(errs), errs, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(errs[i].Message, w) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i].Message, w)
				}
				if errs[i].Field != tc.field {
					t.Errorf("error %d field = %q", i, errs[i].Field)
				}
			}
			if errs[0].Row != tc.row {
				t.Errorf("Row = %d, want %d", errs[0].Row, tc.row)
			}
		})
	}
}

// A whole draft of the all-types card saves with nothing filled in, and the same answer
// submitted lists every required field once.
func TestValidateWholeCard(t *testing.T) {
	c := mustParse(t, allTypes)
	if errs := c.Validate(c.Fields, Answer{}, Draft); len(errs) != 0 {
		t.Errorf("empty draft: %v", errs)
	}
	errs := c.Validate(c.Fields, Answer{}, Submit)
	got := map[string]int{}
	for _, e := range errs {
		got[e.Field]++
	}
	for _, f := range c.Fields {
		want := 0
		if f.Required {
			want = 1
		}
		if got[f.ID] != want {
			t.Errorf("field %s: %d errors, want %d (%v)", f.ID, got[f.ID], want, errs)
		}
	}
}
