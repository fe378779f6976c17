package cards

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Customer states (customer-state). Params:
//
//	customers  number of customers, 4–30 (default 8)
//
// Every customer matches exactly one of the four rules (stateRules), every state appears at
// least once, and no value sits on a rule's boundary (no customer whose last order was
// exactly 6 months ago, first order exactly 3 or 12 months ago, or 9 active months), so
// "超过 6 个月" and "6 个月以上" read the same.

const (
	stateLoyal     = "忠诚客户"
	stateNew       = "新增客户"
	statePotential = "潜在客户"
	stateLost      = "流失客户"
)

// stateOptions is the order the form offers the states in.
var stateOptions = []string{stateLoyal, stateNew, statePotential, stateLost}

// stateRules are the rules exactly as graded (see stateMatches), shown in the intro.
var stateRules = []string{
	"流失客户：曾经下过单，但最近一次下单距今超过 6 个月（7 个月及以上）",
	"新增客户：首次下单距今不到 3 个月（0–2 个月）",
	"忠诚客户：首次下单距今满 12 个月，且近 12 个月中至少有 9 个月下过单",
	"潜在客户：从未下单，但近 3 个月至少咨询过 1 次",
}

// stateCustomer is one row of data. -1 in First and Last means never ordered.
type stateCustomer struct {
	First     int `json:"first"`     // months since the first order
	Last      int `json:"last"`      // months since the latest order
	Active    int `json:"active"`    // months with an order among the last 12 (this month included)
	Enquiries int `json:"enquiries"` // enquiries in the last 3 months
}

type stateData struct {
	Kind      string          `json:"kind"`
	Customers []stateCustomer `json:"customers"`
}

var stateGrader = &grader{
	config: func(m map[string]any) (any, []string) {
		p := newParams(m)
		n := p.int("customers", 8, 4, 30)
		return n, p.done(KindCustomerState)
	},
	fieldIDs: func(m map[string]any) []string {
		p := newParams(m)
		n := p.int("customers", 8, 4, 30)
		if len(p.done(KindCustomerState)) > 0 {
			return nil
		}
		ids := make([]string, n)
		for i := range ids {
			ids[i] = stateFieldID(i)
		}
		return ids
	},
	generate: func(cfg any, r *rand.Rand) (*Variant, error) { return stateGenerate(cfg.(int), r) },
	grade:    stateGrade,
}

func stateFieldID(i int) string    { return fmt.Sprintf("k%02d", i+1) }
func stateCustomerID(i int) string { return fmt.Sprintf("K%02d", i+1) }

// stateMatches lists the rules a customer matches.
func stateMatches(c stateCustomer) []string {
	var out []string
	ordered := c.First >= 0
	if ordered && c.Last > 6 {
		out = append(out, stateLost)
	}
	if ordered && c.First < 3 {
		out = append(out, stateNew)
	}
	if ordered && c.First >= 12 && c.Active >= 9 {
		out = append(out, stateLoyal)
	}
	if !ordered && c.Enquiries >= 1 {
		out = append(out, statePotential)
	}
	return out
}

// stateConsistent checks that a customer's numbers can all be true together.
func stateConsistent(c stateCustomer) bool {
	if c.Enquiries < 0 || c.Active < 0 || c.Active > 12 {
		return false
	}
	if c.First < 0 || c.Last < 0 {
		return c.First == -1 && c.Last == -1 && c.Active == 0
	}
	if c.Last > c.First {
		return false
	}
	if c.Last > 11 {
		return c.Active == 0
	}
	lo := 1 // the latest order's month is in the window
	if c.First <= 11 && c.First != c.Last {
		lo = 2 // and so is the first order's
	}
	hi := min(c.First, 11) - c.Last + 1
	return c.Active >= lo && c.Active <= hi
}

func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// stateCustomerFor draws a customer of the given state.
func stateCustomerFor(state string, r *rand.Rand) stateCustomer {
	var c stateCustomer
	activeRange := func() {
		if c.Last > 11 {
			c.Active = 0
			return
		}
		lo := 1
		if c.First <= 11 && c.First != c.Last {
			lo = 2
		}
		c.Active = between(r, lo, min(c.First, 11)-c.Last+1)
	}
	switch state {
	case stateLoyal:
		c.First = between(r, 13, 60)
		c.Last = between(r, 0, 1)
		c.Active = between(r, 10, 12-c.Last)
		c.Enquiries = between(r, 0, 3)
	case stateNew:
		c.First = between(r, 0, 2)
		c.Last = between(r, 0, c.First)
		activeRange()
		c.Enquiries = between(r, 0, 4)
	case statePotential:
		c.First, c.Last = -1, -1
		c.Enquiries = between(r, 1, 5)
	case stateLost:
		c.First = between(r, 8, 47)
		if c.First >= 12 {
			c.First++ // never exactly 12
		}
		c.Last = between(r, 7, min(c.First, 24))
		activeRange()
		c.Enquiries = between(r, 0, 2)
	}
	return c
}

func stateGenerate(n int, r *rand.Rand) (*Variant, error) {
	states := slicesClone(stateOptions)
	for len(states) < n {
		states = append(states, stateOptions[r.IntN(len(stateOptions))])
	}
	r.Shuffle(len(states), func(i, j int) { states[i], states[j] = states[j], states[i] })
	d := stateData{Kind: KindCustomerState}
	for _, s := range states {
		var c stateCustomer
		for attempt := 0; ; attempt++ {
			if attempt == 100 {
				return nil, errors.New("无法生成客户状态数据")
			}
			c = stateCustomerFor(s, r)
			if m := stateMatches(c); stateConsistent(c) && len(m) == 1 && m[0] == s {
				break
			}
		}
		d.Customers = append(d.Customers, c)
	}
	return stateVariant(d), nil
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

func monthsOrNone(m int) string {
	if m < 0 {
		return "无"
	}
	return strconv.Itoa(m)
}

func stateVariant(d stateData) *Variant {
	var rules []string
	for i, r := range stateRules {
		rules = append(rules, fmt.Sprintf("%c %s", '①'+rune(i), r))
	}
	v := &Variant{
		Intro: fmt.Sprintf("下表是某快递网点 %d 位客户的往来记录（距今月数为 0 表示本月，“无”表示从未下单）。"+
			"请按以下规则判断每位客户的状态，每位客户恰好符合一条规则：%s。", len(d.Customers), strings.Join(rules, "；")),
		Table:    &DataTable{Columns: []string{"客户", "首次下单距今（月）", "最近一次下单距今（月）", "近 12 个月有下单的月数", "近 3 个月咨询次数"}},
		Expected: Answer{},
		Data:     mustJSON(d),
	}
	for i, c := range d.Customers {
		v.Table.Rows = append(v.Table.Rows, []string{
			stateCustomerID(i), monthsOrNone(c.First), monthsOrNone(c.Last), strconv.Itoa(c.Active), strconv.Itoa(c.Enquiries),
		})
		v.Fields = append(v.Fields, Field{
			ID: stateFieldID(i), Type: TypeChoice, Label: stateCustomerID(i) + " 的状态",
			Required: true, Options: slicesClone(stateOptions),
		})
		if m := stateMatches(c); len(m) == 1 {
			v.Expected[stateFieldID(i)] = Value{Text: m[0]}
		}
	}
	return v
}

func agoText(m int) string {
	if m == 0 {
		return "本月"
	}
	return fmt.Sprintf("%d 个月前", m)
}

// stateReason says which rule decides a customer's state.
func stateReason(who string, c stateCustomer, state string) string {
	switch state {
	case stateLost:
		return fmt.Sprintf("%s 已 %d 个月没有下单（规则：曾下单但超过 6 个月没有下单为流失客户）", who, c.Last)
	case stateNew:
		return fmt.Sprintf("%s %s首次下单（规则：首次下单距今不到 3 个月为新增客户）", who, agoText(c.First))
	case stateLoyal:
		return fmt.Sprintf("%s 首次下单在 %d 个月前，近 12 个月中有 %d 个月下单（规则：首次下单满 12 个月且近 12 个月至少 9 个月有下单为忠诚客户）", who, c.First, c.Active)
	default:
		return fmt.Sprintf("%s 从未下单，但近 3 个月咨询了 %d 次（规则：从未下单但近 3 个月有咨询为潜在客户）", who, c.Enquiries)
	}
}

// stateWhyNot says why the state a student chose does not fit.
func stateWhyNot(c stateCustomer, given string) string {
	ordered := c.First >= 0
	switch given {
	case stateLoyal:
		switch {
		case !ordered:
			return "从未下单，不可能是忠诚客户"
		case c.First < 12:
			return fmt.Sprintf("首次下单只在 %d 个月前，合作不满 12 个月，还不是忠诚客户", c.First)
		default:
			return fmt.Sprintf("合作时间虽长，但近 12 个月只有 %d 个月下单（忠诚客户至少 9 个月），不是忠诚客户", c.Active)
		}
	case stateNew:
		if !ordered {
			return "还没有下过单，不是新增客户"
		}
		return fmt.Sprintf("首次下单在 %d 个月前，不在最近 3 个月内，不算新增客户", c.First)
	case statePotential:
		return "已经下过单，不再是潜在客户"
	case stateLost:
		if !ordered {
			return "从未下过单，谈不上流失"
		}
		return fmt.Sprintf("最近一次下单在%s，没有超过 6 个月，不是流失客户", agoText(c.Last))
	}
	return ""
}

var stateAdvice = map[string]string{
	stateLoyal:     "忠诚客户：保持稳定的服务质量，提供增值服务和优惠，请他们推荐新客户。",
	stateNew:       "新增客户：做好首单回访，了解使用感受，尽快解决第一次合作中的问题，培养信任。",
	statePotential: "潜在客户：及时回复咨询，提供有针对性的报价和试寄体验，促成第一单。",
	stateLost:      "流失客户：电话回访了解离开原因，针对原因改进并提出挽回方案。",
}

func stateGrade(data json.RawMessage, a Answer) (*Result, error) {
	var d stateData
	if err := decodeData(data, &d); err != nil {
		return nil, err
	}
	if len(d.Customers) == 0 {
		return nil, errors.New("练习数据已损坏，无法评分")
	}
	res := &Result{}
	count := map[string]int{}
	for i, c := range d.Customers {
		id, who := stateFieldID(i), stateCustomerID(i)
		m := stateMatches(c)
		if len(m) != 1 {
			return nil, errors.New("练习数据已损坏，无法评分")
		}
		want := m[0]
		count[want]++
		given := strings.TrimSpace(a[id].Text)
		why := stateReason(who, c, want)
		fr := FieldResult{Field: id, Label: who + " 的状态", Expected: want, Given: given}
		switch {
		case given == want:
			fr.Correct = true
			fr.Message = "正确：" + why + "，是" + want
		case given == "":
			fr.Message = "未作答。" + why + "，应为" + want
		case !contains(stateOptions, given):
			fr.Message = fmt.Sprintf("“%s”不是可选的状态。%s，应为%s", given, why, want)
		default:
			fr.Message = fmt.Sprintf("%s，应为%s。选“%s”不对：%s", why, want, given, stateWhyNot(c, given))
		}
		res.Fields = append(res.Fields, fr)
	}
	var parts []string
	for _, s := range stateOptions {
		parts = append(parts, fmt.Sprintf("%s %d 位", s, count[s]))
	}
	res.Summary = append(res.Summary, "本题客户："+strings.Join(parts, "，")+"。")
	for _, s := range stateOptions {
		res.Summary = append(res.Summary, stateAdvice[s])
	}
	return res, nil
}
