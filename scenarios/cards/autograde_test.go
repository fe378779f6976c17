package cards

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// autoCard is an auto-graded card as Parse would return it.
func autoCard(t *testing.T, kind, params string) *Card {
	t.Helper()
	src := "id: card-" + kind + "\ntitle: 自动评分练习\nlesson: abc-classification\nminutes: 20\nprompt: 按题目给出的规则作答。\nguidance: [先读规则]\n" +
		"fields:\n  - {id: reflection, type: longtext, label: 我的体会, required: false}\n" +
		"autograde:\n  kind: " + kind + "\n  params: {" + params + "}\n"
	return mustParse(t, src)
}

// student is the seed of one student of class 12.
func student(card string, n int) uint64 { return Seed(card, fmt.Sprintf("class:12/user:%d", n)) }

func variant(t *testing.T, c *Card, seed uint64) *Variant {
	t.Helper()
	v, err := c.NewVariant(seed)
	if err != nil {
		t.Fatalf("NewVariant(%d): %v", seed, err)
	}
	return v
}

func grade(t *testing.T, c *Card, v *Variant, a Answer) *Result {
	t.Helper()
	res, err := c.Grade(v, a)
	if err != nil {
		t.Fatalf("Grade: %v", err)
	}
	return res
}

func fieldResult(t *testing.T, res *Result, id string) FieldResult {
	t.Helper()
	for _, f := range res.Fields {
		if f.Field == id {
			return f
		}
	}
	t.Fatalf("no result for %s", id)
	return FieldResult{}
}

func TestSeed(t *testing.T) {
	cases := []struct {
		name       string
		a, b       [2]string
		wantEquals bool
	}{
		{"same student, same card", [2]string{"card-abc", "class:12/user:34"}, [2]string{"card-abc", "class:12/user:34"}, true},
		{"classmates", [2]string{"card-abc", "class:12/user:34"}, [2]string{"card-abc", "class:12/user:35"}, false},
		{"same student in another class", [2]string{"card-abc", "class:12/user:34"}, [2]string{"card-abc", "class:13/user:34"}, false},
		{"same student, another card", [2]string{"card-abc", "class:12/user:34"}, [2]string{"card-clv", "class:12/user:34"}, false},
		{"id and key are not simply joined", [2]string{"card-a", "bc"}, [2]string{"card-ab", "c"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Seed(tc.a[0], tc.a[1]) == Seed(tc.b[0], tc.b[1]); got != tc.wantEquals {
				t.Errorf("equal = %v", got)
			}
		})
	}
}

// Every kind: the same seed gives the same data, classmates get different data, the right
// answer gets full marks and passes Submit validation, an empty answer gets zero with a
// message on every field, and a variant stored as JSON grades the same.
func TestAutogradeCommon(t *testing.T) {
	cases := []struct {
		name, kind, params string
		fields             int
	}{
		{"abc, 20 customers", KindABC, "", 20},
		{"abc, 40 customers", KindABC, "customers: 40, a_share: 0.05, b_share: 0.2", 40},
		{"customer states", KindCustomerState, "", 8},
		{"clv with retention", KindCLV, "", 2},
		{"clv with word of mouth", KindCLV, "mode: word_of_mouth", 2},
		{"warehouse KPIs", KindWarehouseKPI, "", 12},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := autoCard(t, tc.kind, tc.params)
			v1 := variant(t, c, student(c.ID, 1))
			again := variant(t, c, student(c.ID, 1))
			if !reflect.DeepEqual(v1, again) {
				t.Error("same seed gave different variants")
			}
			distinct := map[string]bool{}
			for n := 1; n <= 10; n++ {
				distinct[string(variant(t, c, student(c.ID, n)).Data)] = true
			}
			if len(distinct) < 9 {
				t.Errorf("10 students got only %d different data sets", len(distinct))
			}
			if len(v1.Fields) != tc.fields || len(v1.Expected) != tc.fields || v1.Intro == "" {
				t.Fatalf("variant: %d fields, %d expected, intro %q", len(v1.Fields), len(v1.Expected), v1.Intro)
			}
			if errs := c.Validate(c.FieldsFor(v1), v1.Expected, Submit); len(errs) != 0 {
				t.Errorf("the right answer does not validate: %v", errs)
			}

			res := grade(t, c, v1, v1.Expected)
			if res.Score != res.Max || res.Max != float64(tc.fields) {
				t.Errorf("right answer scored %v of %v", res.Score, res.Max)
			}
			for _, f := range res.Fields {
				if !f.Correct || !strings.HasPrefix(f.Message, "正确") || f.Expected == "" {
					t.Errorf("%s: %+v", f.Field, f)
				}
			}
			if len(res.Summary) == 0 {
				t.Error("no summary")
			}

			empty := grade(t, c, v1, Answer{})
			if empty.Score != 0 {
				t.Errorf("empty answer scored %v", empty.Score)
			}
			for _, f := range empty.Fields {
				if !strings.HasPrefix(f.Message, "未作答") {
					t.Errorf("%s: %q", f.Field, f.Message)
				}
			}

			b, err := json.Marshal(v1)
			if err != nil {
				t.Fatal(err)
			}
			var stored Variant
			if err := json.Unmarshal(b, &stored); err != nil {
				t.Fatal(err)
			}
			if again := grade(t, c, &stored, v1.Expected); !reflect.DeepEqual(again, res) {
				t.Error("stored variant grades differently")
			}
			// Only Data counts: a variant with just its Data grades the same.
			if again := grade(t, c, &Variant{Data: v1.Data}, v1.Expected); !reflect.DeepEqual(again, res) {
				t.Error("grading used more than Data")
			}
		})
	}
}

func TestGradeErrors(t *testing.T) {
	abc := autoCard(t, KindABC, "")
	clv := autoCard(t, KindCLV, "")
	v := variant(t, abc, 7)
	cases := []struct {
		name string
		card *Card
		v    *Variant
		want string
	}{
		{"no variant stored", abc, nil, "没有这位学生的练习数据"},
		{"variant of another card", clv, v, "不是这张练习卡"},
		{"corrupted data", abc, &Variant{Data: json.RawMessage(`{"kind":"abc","tenths":"x"}`)}, "已损坏"},
		{"not JSON", abc, &Variant{Data: json.RawMessage(`abc`)}, "已损坏"},
		{"empty data of the right kind", abc, &Variant{Data: json.RawMessage(`{"kind":"abc"}`)}, "已损坏"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.card.Grade(tc.v, Answer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || res != nil {
				t.Errorf("Grade = %v, %v; want error containing %q", res, err, tc.want)
			}
		})
	}
}
