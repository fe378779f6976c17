package cards

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
)

func TestFromForm(t *testing.T) {
	c := mustParse(t, allTypes)
	cases := []struct {
		name string
		form url.Values
		want Answer
	}{
		{"nothing submitted", url.Values{}, Answer{}},
		{"text trimmed, longtext keeps its lines", url.Values{
			"f.contact":  {"  王经理 "},
			"f.relation": {"第一次电话联系。\r\n第二次上门拜访。\r\n"},
		}, Answer{
			"contact":  {Text: "王经理"},
			"relation": {Text: "第一次电话联系。\n第二次上门拜访。"},
		}},
		{"list: empty items dropped", url.Values{
			"f.steps.item": {"电话联系", "", "  ", "上门拜访", "试寄样品", ""},
		}, Answer{"steps": {Items: []string{"电话联系", "上门拜访", "试寄样品"}}}},
		{"table: empty rows dropped and rows renumbered", url.Values{
			"f.flow.r0.stage": {""}, "f.flow.r0.hours": {""}, "f.flow.r0.level": {""},
			"f.flow.r1.stage": {"接单"}, "f.flow.r1.hours": {"2"}, "f.flow.r1.level": {"高"},
			"f.flow.r3.stage": {" 派送 "}, "f.flow.r3.level": {"中"},
			"f.flow.r10.stage": {"回访"}, "f.flow.r10.hours": {"1"}, "f.flow.r10.level": {"低"},
		}, Answer{"flow": {Rows: [][]string{{"接单", "2", "高"}, {"派送", "", "中"}, {"回访", "1", "低"}}}}},
		{"table: cells of unknown columns and odd row names ignored", url.Values{
			"f.flow.r0.stage": {"接单"}, "f.flow.r0.owner": {"张三"},
			"f.flow.rx.stage": {"伪造"}, "f.flow.r01.stage": {"伪造"}, "f.flow.r-1.stage": {"伪造"},
		}, Answer{"flow": {Rows: [][]string{{"接单", "", ""}}}}},
		{"single and multiple choice", url.Values{
			"f.channel":  {"微信"},
			"f.services": {"保价", "", "仓储", "保价"},
		}, Answer{"channel": {Text: "微信"}, "services": {Items: []string{"保价", "仓储"}}}},
		{"number kept as typed", url.Values{"f.rate": {" 98.5% "}}, Answer{"rate": {Text: "98.5%"}}},
		{"questionnaire: options one per line, blank questions dropped", url.Values{
			"f.survey.q0.text": {"您觉得运费是否合理？"}, "f.survey.q0.category": {"价格合理性"},
			"f.survey.q0.format": {"single"}, "f.survey.q0.options": {"偏高\r\n\r\n合理\r\n 偏低 \r\n"},
			"f.survey.q1.text": {""}, "f.survey.q1.category": {""}, "f.survey.q1.format": {"likert5"},
			"f.survey.q2.text": {"快递员的态度如何？"}, "f.survey.q2.category": {"服务态度"}, "f.survey.q2.format": {"likert5"},
		}, Answer{"survey": {Questions: []Question{
			{Text: "您觉得运费是否合理？", Category: "价格合理性", Format: FormatSingle, Options: []string{"偏高", "合理", "偏低"}},
			{Text: "快递员的态度如何？", Category: "服务态度", Format: FormatLikert5},
		}}}},
		{"fields not on the card ignored", url.Values{"f.secret": {"x"}, "f.contact.item": {"y"}, "total": {"100"}}, Answer{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := FromForm(c.Fields, tc.form)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("FromForm =\n%#v\nwant\n%#v", got, tc.want)
			}
			// Stored as JSON and read back, the answer is the same.
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			var back Answer
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if len(got) > 0 && !reflect.DeepEqual(back, got) {
				t.Errorf("JSON round trip = %#v", back)
			}
		})
	}
}

func TestAnswerJSONShape(t *testing.T) {
	a := Answer{"survey": {Questions: []Question{{Text: "态度如何？", Category: "服务态度", Format: FormatLikert5}}}, "rate": {Text: "98.5"}}
	b, _ := json.Marshal(a)
	want := `{"rate":{"text":"98.5"},"survey":{"questions":[{"text":"态度如何？","category":"服务态度","format":"likert5"}]}}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant %s", b, want)
	}
}

func TestAnswerOnly(t *testing.T) {
	c := mustParse(t, card411)
	a := Answer{"relation": {Text: "先电话联系"}, "removed": {Text: "旧卡片的填写项"}}
	got := a.Only(c.Fields)
	if len(got) != 1 || got["relation"].Text != "先电话联系" {
		t.Errorf("Only = %v", got)
	}
	if errs := c.Validate(c.Fields, a, Submit); len(errs) != 0 {
		t.Errorf("unknown id caused errors: %v", errs)
	}
}

func TestParseNumber(t *testing.T) {
	cases := []struct {
		in, unit string
		want     float64
		decimals int
		ok       bool
	}{
		{"98.5", "%", 98.5, 1, true},
		{"98.50%", "%", 98.5, 1, true},
		{"1,200", "", 1200, 0, true},
		{"180,000 美元", "美元", 180000, 0, true},
		{"１８００００", "美元", 180000, 0, true},
		{"0.985", "%", 0.985, 3, true},
		{".5", "", 0.5, 1, true},
		{"-3", "", -3, 0, true},
		{"98,5", "%", 0, 0, false},
		{"12,34", "", 0, 0, false},
		{"1e3", "", 0, 0, false},
		{"98.5元", "%", 0, 0, false},
		{"", "", 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			v, d, ok := ParseNumber(tc.in, tc.unit)
			if ok != tc.ok || (ok && (v != tc.want || d != tc.decimals)) {
				t.Errorf("ParseNumber(%q, %q) = %v, %d, %v", tc.in, tc.unit, v, d, ok)
			}
		})
	}
}
