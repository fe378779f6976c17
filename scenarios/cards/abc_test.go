package cards

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// abcTable reads the revenues as the student sees them, and ranks them.
func abcTable(t *testing.T, v *Variant) (revenue []float64, rank []int) {
	t.Helper()
	for i, row := range v.Table.Rows {
		if row[0] != fmt.Sprintf("C%02d", i+1) {
			t.Fatalf("row %d is %q", i, row[0])
		}
		x, err := strconv.ParseFloat(strings.ReplaceAll(row[1], ",", ""), 64)
		if err != nil {
			t.Fatal(err)
		}
		revenue = append(revenue, x)
	}
	idx := make([]int, len(revenue))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return revenue[idx[a]] > revenue[idx[b]] })
	rank = make([]int, len(revenue))
	for r, i := range idx {
		rank[i] = r + 1
	}
	return revenue, rank
}

// The generated revenues are what a Pareto lesson needs, for every student.
func TestABCInvariants(t *testing.T) {
	cases := []struct {
		name     string
		params   string
		n, a, ab int
	}{
		{"textbook defaults", "", 20, 1, 4},
		{"a bigger class of customers", "customers: 50", 50, 3, 10},
		{"own shares", "customers: 30, a_share: 0.1, b_share: 0.3", 30, 3, 9},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := autoCard(t, KindABC, tc.params)
			for s := 0; s < 300; s++ {
				v := variant(t, c, student(c.ID, s))
				rev, rank := abcTable(t, v)
				if len(rev) != tc.n {
					t.Fatalf("seed %d: %d customers", s, len(rev))
				}
				seen := map[float64]bool{}
				total, top := 0.0, 0.0
				sortedByDisplay := true
				counts := map[string]int{}
				for i, x := range rev {
					if seen[x] {
						t.Fatalf("seed %d: two customers earn %v", s, x)
					}
					seen[x] = true
					total += x
					if rank[i] <= tc.ab {
						top += x
					}
					if i > 0 && rev[i] > rev[i-1] {
						sortedByDisplay = false
					}
					want := "C"
					if rank[i] <= tc.a {
						want = "A"
					} else if rank[i] <= tc.ab {
						want = "B"
					}
					if got := v.Expected[fmt.Sprintf("c%02d", i+1)].Text; got != want {
						t.Fatalf("seed %d: C%02d rank %d expected %s, got %s", s, i+1, rank[i], want, got)
					}
					counts[want]++
				}
				if share := top / total; share < 0.70 || share > 0.85 {
					t.Errorf("seed %d: top customers bring %.1f%%", s, share*100)
				}
				if sortedByDisplay {
					t.Errorf("seed %d: table sorted by revenue", s)
				}
				if counts["A"] != tc.a || counts["B"] != tc.ab-tc.a {
					t.Errorf("seed %d: counts %v", s, counts)
				}
				if !strings.Contains(v.Intro, "按年收入从高到低排序") {
					t.Errorf("intro %q", v.Intro)
				}
			}
		})
	}
}

func TestABCMistakes(t *testing.T) {
	c := autoCard(t, KindABC, "")
	v := variant(t, c, student(c.ID, 34))
	_, rank := abcTable(t, v)
	n := len(rank)

	byTableOrder := Answer{}
	topAllA := Answer{}
	oneCAsB := Answer{}
	cAsB := ""
	for i := range rank {
		id := fmt.Sprintf("c%02d", i+1)
		switch {
		case i < 1:
			byTableOrder[id] = Value{Text: "A"}
		case i < 4:
			byTableOrder[id] = Value{Text: "B"}
		default:
			byTableOrder[id] = Value{Text: "C"}
		}
		want := v.Expected[id].Text
		oneCAsB[id] = Value{Text: want}
		if want == "B" {
			topAllA[id] = Value{Text: "A"}
		} else {
			topAllA[id] = Value{Text: want}
		}
		if want == "C" && cAsB == "" && rank[i] == 5 {
			cAsB = id
			oneCAsB[id] = Value{Text: "B"}
		}
	}

	cases := []struct {
		name      string
		answer    Answer
		score     float64
		field     string   // a field whose message is checked ("" = none)
		fieldWant []string // substrings of that message
		summary   string   // substring of one summary line ("" = none)
	}{
		{"classified in table order instead of by revenue", byTableOrder, -1, "", nil, "和表格的先后顺序完全一致"},
		{"all of the top 20 % called A", topAllA, float64(n - 3), "", nil, "你把前 20% 的客户都归为 A 类"},
		{"the fifth customer taken for B", oneCAsB, float64(n - 1), cAsB, []string{"排名第 5，不在前 20%（前 4 名），应为 C 类"}, ""},
		{"full-width letters accepted", func() Answer {
			a := Answer{}
			for id, val := range v.Expected {
				a[id] = Value{Text: strings.NewReplacer("A", "Ａ", "B", "Ｂ", "C", "Ｃ").Replace(val.Text)}
			}
			return a
		}(), float64(n), "", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := grade(t, c, v, tc.answer)
			if tc.score >= 0 && res.Score != tc.score {
				t.Errorf("score %v, want %v", res.Score, tc.score)
			}
			if tc.field != "" {
				msg := fieldResult(t, res, tc.field).Message
				for _, w := range tc.fieldWant {
					if !strings.Contains(msg, w) {
						t.Errorf("message %q lacks %q", msg, w)
					}
				}
			}
			if tc.summary != "" && !strings.Contains(strings.Join(res.Summary, "\n"), tc.summary) {
				t.Errorf("summary lacks %q:\n%s", tc.summary, strings.Join(res.Summary, "\n"))
			}
		})
	}

	// Each wrong field of the table-order answer says why, per customer.
	res := grade(t, c, v, byTableOrder)
	wrong := 0
	for i, f := range res.Fields {
		if f.Correct {
			continue
		}
		wrong++
		if rank[i] != i+1 && !strings.Contains(f.Message, fmt.Sprintf("在表中是第 %d 行，但按年收入排第 %d", i+1, rank[i])) {
			t.Errorf("%s: %q", f.Field, f.Message)
		}
	}
	if wrong < 3 {
		t.Errorf("table order gave only %d wrong fields", wrong)
	}
	// The B customers called A are told A is only the top 5 %.
	res = grade(t, c, v, topAllA)
	for _, f := range res.Fields {
		if f.Expected == "B" && !strings.Contains(f.Message, "前 20% 的客户并不都是 A 类：只有收入最高的 5%（前 1 名）是 A 类") {
			t.Errorf("%s: %q", f.Field, f.Message)
		}
	}
	// The summary gives each class's share of revenue, C near 20 %.
	sum := strings.Join(res.Summary, "\n")
	for _, w := range []string{"A 类：1 位客户", "B 类：3 位客户", "C 类：16 位客户", "专人负责", "标准化"} {
		if !strings.Contains(sum, w) {
			t.Errorf("summary lacks %q:\n%s", w, sum)
		}
	}
}
