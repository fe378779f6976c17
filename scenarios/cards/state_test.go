package cards

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// row is one customer as printed in the table.
type stateRow struct {
	first, last, active, enquiries int // -1 for 无
}

func readStateRows(t *testing.T, v *Variant) []stateRow {
	t.Helper()
	num := func(s string) int {
		if s == "无" {
			return -1
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("cell %q", s)
		}
		return n
	}
	var rows []stateRow
	for _, r := range v.Table.Rows {
		rows = append(rows, stateRow{num(r[1]), num(r[2]), num(r[3]), num(r[4])})
	}
	return rows
}

// rulesMatched applies the rules as the intro words them, independently of the grader.
func rulesMatched(r stateRow) []string {
	var m []string
	if r.first >= 0 && r.last >= 7 {
		m = append(m, "流失客户")
	}
	if r.first >= 0 && r.first <= 2 {
		m = append(m, "新增客户")
	}
	if r.first >= 12 && r.active >= 9 {
		m = append(m, "忠诚客户")
	}
	if r.first < 0 && r.enquiries >= 1 {
		m = append(m, "潜在客户")
	}
	return m
}

func TestCustomerStateInvariants(t *testing.T) {
	cases := []struct {
		name   string
		params string
		n      int
	}{
		{"eight customers", "", 8},
		{"just four customers", "customers: 4", 4},
		{"a long list", "customers: 30", 30},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := autoCard(t, KindCustomerState, tc.params)
			for s := 0; s < 300; s++ {
				v := variant(t, c, student(c.ID, s))
				rows := readStateRows(t, v)
				if len(rows) != tc.n {
					t.Fatalf("seed %d: %d rows", s, len(rows))
				}
				present := map[string]bool{}
				for i, r := range rows {
					m := rulesMatched(r)
					if len(m) != 1 {
						t.Fatalf("seed %d: K%02d %+v matches %v", s, i+1, r, m)
					}
					if got := v.Expected[fmt.Sprintf("k%02d", i+1)].Text; got != m[0] {
						t.Fatalf("seed %d: K%02d expected %s, rules say %s", s, i+1, got, m[0])
					}
					present[m[0]] = true
					// The numbers can all be true at once.
					switch {
					case (r.first < 0) != (r.last < 0):
						t.Fatalf("seed %d: K%02d half a history %+v", s, i+1, r)
					case r.first < 0 && r.active != 0:
						t.Fatalf("seed %d: K%02d never ordered but active %+v", s, i+1, r)
					case r.last > r.first:
						t.Fatalf("seed %d: K%02d latest before first %+v", s, i+1, r)
					case r.first >= 0 && r.last <= 11 && (r.active < 1 || r.active > min(r.first, 11)-r.last+1):
						t.Fatalf("seed %d: K%02d impossible active months %+v", s, i+1, r)
					case r.last > 11 && r.active != 0:
						t.Fatalf("seed %d: K%02d active without recent orders %+v", s, i+1, r)
					}
					// Nothing sits on a boundary where wording could matter.
					if r.last == 6 || r.first == 3 || r.first == 12 || r.active == 9 {
						t.Fatalf("seed %d: K%02d on a boundary %+v", s, i+1, r)
					}
				}
				if len(present) != 4 {
					t.Errorf("seed %d: states present %v", s, present)
				}
				for _, rule := range []string{"超过 6 个月", "不到 3 个月", "满 12 个月", "至少有 9 个月", "从未下单"} {
					if !strings.Contains(v.Intro, rule) {
						t.Errorf("intro lacks %q", rule)
					}
				}
			}
		})
	}
}

func TestCustomerStateMistakes(t *testing.T) {
	c := autoCard(t, KindCustomerState, "")
	// Find, among a class of students, customers of each kind to answer wrongly.
	type pick struct {
		v   *Variant
		row stateRow
		id  string
	}
	find := func(want string, ok func(stateRow) bool) pick {
		for s := 0; s < 200; s++ {
			v := variant(t, c, student(c.ID, s))
			for i, r := range readStateRows(t, v) {
				id := fmt.Sprintf("k%02d", i+1)
				if v.Expected[id].Text == want && ok(r) {
					return pick{v, r, id}
				}
			}
		}
		t.Fatalf("no %s found", want)
		return pick{}
	}
	longLost := find("流失客户", func(r stateRow) bool { return r.first >= 24 })
	newOne := find("新增客户", func(r stateRow) bool { return r.first > 0 })
	potential := find("潜在客户", func(stateRow) bool { return true })
	loyal := find("忠诚客户", func(stateRow) bool { return true })

	cases := []struct {
		name  string
		p     pick
		given string
		want  []string
	}{
		{"an old customer who stopped ordering called loyal", longLost, "忠诚客户",
			[]string{fmt.Sprintf("已 %d 个月没有下单（规则：曾下单但超过 6 个月没有下单为流失客户），应为流失客户", longLost.row.last),
				fmt.Sprintf("近 12 个月只有 %d 个月下单", longLost.row.active)}},
		{"a new customer called potential", newOne, "潜在客户",
			[]string{fmt.Sprintf("%d 个月前首次下单（规则：首次下单距今不到 3 个月为新增客户），应为新增客户", newOne.row.first), "已经下过单，不再是潜在客户"}},
		{"an enquirer called new", potential, "新增客户",
			[]string{fmt.Sprintf("从未下单，但近 3 个月咨询了 %d 次", potential.row.enquiries), "还没有下过单，不是新增客户"}},
		{"a loyal customer called lost", loyal, "流失客户",
			[]string{"应为忠诚客户", "没有超过 6 个月，不是流失客户"}},
		{"a state that is not offered", loyal, "老客户", []string{"“老客户”不是可选的状态"}},
		{"the right state", loyal, "忠诚客户", []string{"正确：", "近 12 个月中有"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := Answer{}
			for id, val := range tc.p.v.Expected {
				a[id] = val
			}
			a[tc.p.id] = Value{Text: tc.given}
			res := grade(t, c, tc.p.v, a)
			fr := fieldResult(t, res, tc.p.id)
			for _, w := range tc.want {
				if !strings.Contains(fr.Message, w) {
					t.Errorf("message %q lacks %q", fr.Message, w)
				}
			}
			wantScore := res.Max - 1
			if tc.given == tc.p.v.Expected[tc.p.id].Text {
				wantScore = res.Max
			}
			if res.Score != wantScore {
				t.Errorf("score %v of %v", res.Score, res.Max)
			}
		})
	}
}
