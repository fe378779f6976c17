package cards

import (
	"strings"
	"testing"
)

// card411 is the relationship card a class fills in after the case on how an express
// company won a key account; allTypes adds one field of every type.
const card411 = `id: card-4-11
title: 练习卡 4-11 客户关系建立
lesson: customer-state
group_work: true
minutes: 25
prompt: |
  阅读案例，分析该快递企业与这位大客户的关系是怎样建立起来的。
  按时间顺序写出主要步骤。
guidance:
  - 第一次接触是怎样发生的
  - 哪一件事让客户开始信任企业
fields:
  - id: relation
    type: longtext
    label: 客户关系是怎样建立起来的
    help: 按时间顺序写出主要步骤
    max_length: 2000
rubric:
  - id: content
    label: 内容完整、准确
    levels:
      - {label: 优秀, points: 10, description: 步骤完整、因果清楚}
      - {label: 良好, points: 7, description: 主要步骤齐全}
      - {label: 及格, points: 4, description: 只写出部分步骤}
      - {label: 不足, points: 0, description: 没有写出步骤}
  - id: expression
    label: 表达清楚
    levels:
      - {label: 好, points: 5}
      - {label: 一般, points: 2}
`

const allTypes = `id: card-all-types
title: 客户服务方案
lesson: customer-mgmt-tools
minutes: 30
prompt: 为一家电商客户设计服务方案。
guidance: [先了解客户需求]
fields:
  - id: contact
    type: text
    label: 客户联系人
    max_length: 10
  - id: relation
    type: longtext
    label: 客户关系是怎样建立起来的
    max_length: 2000
  - id: steps
    type: list
    label: 主要步骤
    min_items: 3
    max_items: 5
    item_max_length: 20
  - id: flow
    type: table
    label: 服务流程
    columns:
      - {id: stage, label: 阶段, type: text}
      - {id: hours, label: 用时（小时）, type: number}
      - {id: level, label: 重要程度, type: choice, options: [高, 中, 低]}
    min_rows: 2
    max_rows: 4
  - id: channel
    type: choice
    label: 主要沟通渠道
    options: [电话, 微信, 上门拜访]
  - id: services
    type: choice
    label: 提供的增值服务
    multiple: true
    required: false
    options: [代收货款, 保价, 仓储, 上门取件]
  - id: rate
    type: number
    label: 准时交货率
    unit: "%"
    precision: 2
    min: 0
    max: 100
  - id: survey
    type: questionnaire
    label: 满意度调查问卷
    categories: [服务质量, 服务态度, 价格合理性, 定制化服务]
    min_questions: 4
    max_questions: 6
    require_all_categories: true
  - id: note
    type: text
    label: 备注
    required: false
rubric:
  - id: plan
    label: 方案可行
    levels:
      - {label: 优秀, points: 20}
      - {label: 合格, points: 12}
`

func mustParse(t *testing.T, src string) *Card {
	t.Helper()
	c, problems := Parse([]byte(src))
	if len(problems) > 0 {
		t.Fatalf("Parse: %v", problems)
	}
	return c
}

func fieldByID(t *testing.T, c *Card, id string) Field {
	t.Helper()
	for _, f := range c.Fields {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no field %q", id)
	return Field{}
}

func TestParseCard(t *testing.T) {
	c := mustParse(t, card411)
	if c.ID != "card-4-11" || c.Title != "练习卡 4-11 客户关系建立" || c.Lesson != "customer-state" || !c.GroupWork || c.Minutes != 25 {
		t.Errorf("header = %+v", c)
	}
	if len(c.Guidance) != 2 || !strings.Contains(c.Prompt, "主要步骤") {
		t.Errorf("prompt/guidance = %q %q", c.Prompt, c.Guidance)
	}
	f := c.Fields[0]
	if f.ID != "relation" || f.Type != TypeLongText || !f.Required || f.MaxLength != 2000 || f.Help == "" {
		t.Errorf("field = %+v", f)
	}
	if got := c.MaxPoints(); got != 15 {
		t.Errorf("MaxPoints = %v, want 15", got)
	}
	if c.Autograde != nil {
		t.Errorf("Autograde = %+v", c.Autograde)
	}
	if v, err := c.NewVariant(Seed(c.ID, "class:1/user:1")); v != nil || err != nil {
		t.Errorf("NewVariant on a hand-graded card = %v, %v; want nil, nil", v, err)
	}
	if _, err := c.Grade(nil, Answer{}); err == nil {
		t.Error("Grade on a hand-graded card: no error")
	}
}

func TestParseDefaults(t *testing.T) {
	c := mustParse(t, allTypes)
	cases := []struct {
		name  string
		field string
		check func(Field) bool
	}{
		{"text keeps its max_length", "contact", func(f Field) bool { return f.MaxLength == 10 && f.Required }},
		{"optional text gets the text default", "note", func(f Field) bool { return f.MaxLength == DefaultTextMaxLength && !f.Required }},
		{"list limits", "steps", func(f Field) bool { return f.MinItems == 3 && f.MaxItems == 5 && f.ItemMaxLength == 20 }},
		{"table columns in order", "flow", func(f Field) bool {
			return len(f.Columns) == 3 && f.Columns[1].Type == ColumnNumber && len(f.Columns[2].Options) == 3 && f.MinRows == 2 && f.MaxRows == 4
		}},
		{"multiple choice optional", "services", func(f Field) bool { return f.Multiple && !f.Required && len(f.Options) == 4 }},
		{"number range", "rate", func(f Field) bool { return f.Unit == "%" && f.Precision == 2 && *f.Min == 0 && *f.Max == 100 }},
		{"questionnaire", "survey", func(f Field) bool {
			return len(f.Categories) == 4 && f.MinQuestions == 4 && f.MaxQuestions == 6 && f.RequireAllCategories
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if f := fieldByID(t, c, tc.field); !tc.check(f) {
				t.Errorf("%+v", f)
			}
		})
	}
	if c.MaxPoints() != 20 {
		t.Errorf("MaxPoints = %v", c.MaxPoints())
	}

	// A longtext without max_length gets 5000; a number without precision gets 2.
	d := mustParse(t, strings.Replace(card411, "    max_length: 2000\n", "", 1))
	if d.Fields[0].MaxLength != DefaultLongTextMaxLength {
		t.Errorf("longtext default = %d", d.Fields[0].MaxLength)
	}
}

func TestParseAutogradeCards(t *testing.T) {
	cases := []struct {
		name, autograde string
		kind            string
	}{
		{"abc with defaults", "autograde:\n  kind: abc\n", KindABC},
		{"abc with 30 customers", "autograde:\n  kind: abc\n  params: {customers: 30, a_share: 0.1, b_share: 0.3}\n", KindABC},
		{"customer states", "autograde:\n  kind: customer-state\n  params: {customers: 10}\n", KindCustomerState},
		{"clv word of mouth", "autograde:\n  kind: clv\n  params: {mode: word_of_mouth, factor_min: 1.2, factor_max: 1.4}\n", KindCLV},
		{"warehouse without params", "autograde: {kind: warehouse-kpi, params: {}}\n", KindWarehouseKPI},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// An auto-graded card may have no fields of its own and no rubric.
			src := "id: card-auto\ntitle: 自动评分\nlesson: abc-classification\nminutes: 15\nprompt: 按规则分类。\nguidance: [先排序]\n" + tc.autograde
			c := mustParse(t, src)
			if c.Autograde == nil || c.Autograde.Kind != tc.kind {
				t.Fatalf("Autograde = %+v", c.Autograde)
			}
			v, err := c.NewVariant(Seed(c.ID, "class:3/user:9"))
			if err != nil || v == nil || len(v.Fields) == 0 {
				t.Fatalf("NewVariant = %v, %v", v, err)
			}
		})
	}
}

func TestCriterionSuggest(t *testing.T) {
	cr := Criterion{Auto: true, Levels: []Level{{Points: 60, AutoMin: 1}, {Points: 45, AutoMin: 0.8}, {Points: 25, AutoMin: 0.5}, {Points: 0, AutoMin: 0}}}
	for _, tc := range []struct {
		share float64
		want  int
	}{{1, 0}, {0.95, 1}, {0.8, 1}, {0.79, 2}, {0.5, 2}, {0.49, 3}, {0, 3}} {
		if got := cr.Suggest(tc.share); got != tc.want {
			t.Errorf("Suggest(%v) = %d, want %d", tc.share, got, tc.want)
		}
	}
	if cr.Max() != 60 {
		t.Errorf("Max = %v", cr.Max())
	}
	cr.Auto = false
	if cr.Suggest(1) != -1 {
		t.Error("a plain criterion suggests nothing")
	}
}

func TestParseProblems(t *testing.T) {
	repl := func(old, new string) string {
		if !strings.Contains(card411, old) {
			panic("fixture lacks " + old)
		}
		return strings.Replace(card411, old, new, 1)
	}
	addField := func(yaml string) string { return repl("rubric:\n", yaml+"rubric:\n") }
	auto := func(yaml string) string { return card411 + yaml }
	cases := []struct {
		name   string
		src    string
		marker string // the problem is on the line containing marker; "" = line 0
		want   string
	}{
		{"unknown field type (typo)", repl("type: longtext", "type: longtxt"), "type: longtxt", "类型“longtxt”未知"},
		{"duplicate field id", addField("  - id: relation\n    type: text\n    label: 再写一次\n"), "  - id: relation\n    type: text", "id“relation”重复"},
		{"table without columns", addField("  - id: flow\n    type: table\n    label: 服务流程\n"), "  - id: flow", "至少要有一列"},
		{"choice without options", addField("  - id: channel\n    type: choice\n    label: 主要沟通渠道\n"), "  - id: channel", "缺少选项"},
		{"choice with one option", addField("  - id: channel\n    type: choice\n    label: 渠道\n    options: [电话]\n"), "options: [电话]", "至少要有 2 个选项"},
		{"table choice column without options", addField("  - id: flow\n    type: table\n    label: 流程\n    columns:\n      - {id: level, label: 等级, type: choice}\n"), "{id: level", "缺少选项"},
		{"unknown column type", addField("  - id: flow\n    type: table\n    label: 流程\n    columns:\n      - {id: day, label: 日期, type: date}\n"), "{id: day", "类型“date”未知"},
		{"unknown autograde kind", auto("autograde:\n  kind: rfm\n"), "kind: rfm", "未知的自动评分类型“rfm”"},
		{"abc: too few customers", auto("autograde:\n  kind: abc\n  params: {customers: 5}\n"), "", "customers 应是 10 到 99 之间的整数"},
		{"abc: b_share not above a_share", auto("autograde:\n  kind: abc\n  params: {a_share: 0.2, b_share: 0.1}\n"), "", "b_share"},
		{"abc: unknown param", auto("autograde:\n  kind: abc\n  params: {top: 3}\n"), "", "没有参数“top”"},
		{"clv: monthly not a multiple of 50", auto("autograde:\n  kind: clv\n  params: {monthly_min: 820}\n"), "", "50 的倍数"},
		{"clv: unknown mode", auto("autograde:\n  kind: clv\n  params: {mode: referral}\n"), "", "mode 只能是 retention 或 word_of_mouth"},
		{"clv: factor with retention mode", auto("autograde:\n  kind: clv\n  params: {factor_min: 1.2}\n"), "", "factor_min 只在 mode 为 word_of_mouth 时使用"},
		{"clv: retention as percent", auto("autograde:\n  kind: clv\n  params: {retention_min: 80}\n"), "", "retention_min 应是"},
		{"warehouse takes no params", auto("autograde:\n  kind: warehouse-kpi\n  params: {target: 99}\n"), "", "不认识“target”"},
		{"own field collides with generated one", addField("  - id: c01\n    type: text\n    label: 说明\n") + "autograde:\n  kind: abc\n", "  - id: c01", "和自动生成的填写项重名"},
		{"rubric level without points", repl("{label: 良好, points: 7, description: 主要步骤齐全}", "{label: 良好, description: 主要步骤齐全}"), "{label: 良好, description", "等级“良好”缺少分数 points"},
		{"rubric levels not best first", repl("{label: 一般, points: 2}", "{label: 一般, points: 8}"), "{label: 一般, points: 8}", "从高分到低分"},
		{"unknown top-level key", repl("minutes: 25\n", "minutes: 25\nduration: 25\n"), "duration: 25", "未知的键“duration”"},
		{"unknown key inside a field", repl("    max_length: 2000\n", "    maxlength: 2000\n"), "maxlength: 2000", "未知的键“maxlength”"},
		{"key of another type", repl("    max_length: 2000\n", "    max_length: 2000\n    options: [是, 否]\n"), "options: [是, 否]", "不能使用“options”"},
		{"minutes not a number", repl("minutes: 25", "minutes: 二十五"), "minutes: 二十五", "应是整数"},
		{"tab indentation", repl("  - id: relation\n    type: longtext", "  - id: relation\n\ttype: longtext"), "\ttype: longtext", "Tab"},
		{"repeated key", repl("minutes: 25\n", "minutes: 25\nminutes: 30\n"), "minutes: 30", "键“minutes”重复"},
		{"bad card id", repl("id: card-4-11", "id: Card_4_11"), "id: Card_4_11", "只能用小写英文字母"},
		{"bad field id", repl("  - id: relation", "  - id: Relation"), "  - id: Relation", "只能用小写英文字母、数字和下划线"},
		{"missing label", repl("    label: 客户关系是怎样建立起来的\n", ""), "  - id: relation", "缺少标签 label"},
		{"too many guidance items", repl("guidance:\n", "guidance:\n  - 一\n  - 二\n  - 三\n  - 四\n  - 五\n"), "guidance:", "应有 1 到 6 条，现在 7 条"},
		{"raw HTML in prompt", repl("按时间顺序写出主要步骤。", "按时间顺序写出<b>主要步骤</b>。"), "<b>主要步骤", "不能写 HTML 标签"},
		{"list max below min", addField("  - id: steps\n    type: list\n    label: 步骤\n    min_items: 4\n    max_items: 2\n"), "max_items: 2", "max_items（2）小于 min_items（4）"},
		{"questionnaire without categories", addField("  - id: survey\n    type: questionnaire\n    label: 问卷\n"), "  - id: survey", "至少要有一个类别"},
		{"hand-graded card without rubric", card411[:strings.Index(card411, "rubric:")], "", "缺少评分标准"},
		{"empty file", "", "", "文件是空的"},
		{"auto criterion without autograde", repl("    label: 内容完整、准确\n", "    label: 内容完整、准确\n    auto: true\n"), "    auto: true", "没有自动评分"},
		{"auto criterion level without auto_min", repl("    label: 内容完整、准确\n", "    label: 内容完整、准确\n    auto: true\n") + "autograde:\n  kind: abc\n", "{label: 优秀, points: 10", "需要 auto_min"},
		{"auto_min on a plain criterion", repl("{label: 良好, points: 7,", "{label: 良好, points: 7, auto_min: 0.5,"), "auto_min: 0.5", "不需要 auto_min"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, problems := Parse([]byte(tc.src))
			if c != nil {
				t.Errorf("card with problems is not nil")
			}
			wantLine := 0
			if tc.marker != "" {
				idx := strings.Index(tc.src, tc.marker)
				if idx < 0 {
					t.Fatalf("marker %q not in source", tc.marker)
				}
				wantLine = strings.Count(tc.src[:idx], "\n") + 1
			}
			for _, p := range problems {
				if strings.Contains(p.Message, tc.want) {
					if p.Line != wantLine {
						t.Errorf("problem %q on line %d, want %d", p.Message, p.Line, wantLine)
					}
					return
				}
			}
			t.Errorf("no problem containing %q in %v", tc.want, problems)
		})
	}
}
