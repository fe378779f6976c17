package cards

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// ABC classification (abc). Params:
//
//	customers  number of customers, 10–99 (default 20)
//	a_share    fraction of customers that are A: the top ones by revenue (default 0.05)
//	b_share    fraction that are A or B (default 0.2); the rest are C
//
// The class sizes are round(customers × share), with at least one A and at least one B.

type abcConfig struct {
	N, NA, NAB     int
	AShare, BShare float64
}

// abcData is stored in Variant.Data.
type abcData struct {
	Kind   string  `json:"kind"`
	Tenths []int64 `json:"tenths"` // annual revenue in 0.1 万元, in display order (C01 first)
	NA     int     `json:"na"`
	NAB    int     `json:"nab"`
	AShare float64 `json:"a_share"`
	BShare float64 `json:"b_share"`
}

var abcGrader = &grader{
	config: func(m map[string]any) (any, []string) {
		c, errs := abcParams(m)
		return c, errs
	},
	fieldIDs: func(m map[string]any) []string {
		c, errs := abcParams(m)
		if len(errs) > 0 {
			return nil
		}
		ids := make([]string, c.N)
		for i := range ids {
			ids[i] = abcFieldID(i)
		}
		return ids
	},
	generate: func(cfg any, r *rand.Rand) (*Variant, error) { return abcGenerate(cfg.(abcConfig), r) },
	grade:    abcGrade,
}

func abcParams(m map[string]any) (abcConfig, []string) {
	p := newParams(m)
	c := abcConfig{
		N:      p.int("customers", 20, 10, 99),
		AShare: p.float("a_share", 0.05, 0.001, 0.5),
		BShare: p.float("b_share", 0.2, 0.01, 0.6),
	}
	errs := p.done(KindABC)
	if len(errs) > 0 {
		return c, errs
	}
	if c.BShare <= c.AShare {
		return c, []string{"b_share（A 类和 B 类合计的比例）应大于 a_share"}
	}
	c.NA = max(1, int(math.Round(float64(c.N)*c.AShare)))
	c.NAB = int(math.Round(float64(c.N) * c.BShare))
	if c.NAB <= c.NA {
		return c, []string{fmt.Sprintf("按 customers=%d、a_share=%s、b_share=%s 计算没有 B 类客户，请加大 b_share 或客户数", c.N, fmtFloat(c.AShare), fmtFloat(c.BShare))}
	}
	return c, nil
}

func abcFieldID(i int) string  { return fmt.Sprintf("c%02d", i+1) }
func abcCustomer(i int) string { return fmt.Sprintf("C%02d", i+1) }

// abcGenerate makes revenues whose top b_share of customers bring 72–83 % of the total
// (so C, the rest, brings roughly 20 %), all different at 0.1 万元.
func abcGenerate(c abcConfig, r *rand.Rand) (*Variant, error) {
	var tenths []int64
	for attempt := 0; ; attempt++ {
		if attempt == 500 {
			return nil, errors.New("无法生成 ABC 分类数据，请调整参数")
		}
		tenths = abcRevenues(c, r)
		if abcValid(c, tenths) {
			break
		}
	}
	// Shuffle the display order; make sure reading the table top-down does not give the
	// right classes by chance.
	d := abcData{Kind: KindABC, NA: c.NA, NAB: c.NAB, AShare: c.AShare, BShare: c.BShare}
	for range 100 {
		r.Shuffle(len(tenths), func(i, j int) { tenths[i], tenths[j] = tenths[j], tenths[i] })
		d.Tenths = tenths
		if abcDisplayOrderDiffers(d) >= 3 {
			break
		}
	}
	return abcVariant(d), nil
}

// abcRevenues draws revenues, highest first, in 0.1 万元.
func abcRevenues(c abcConfig, r *rand.Rand) []int64 {
	topShare := 0.72 + 0.11*r.Float64()
	total := float64(c.N) * (30 + 45*r.Float64()) // 万元
	sTop := 0.6 + 0.5*r.Float64()
	sTail := 0.5 + 0.4*r.Float64()
	top := make([]float64, c.NAB)
	tail := make([]float64, c.N-c.NAB)
	weights := func(xs []float64, s float64) {
		sum := 0.0
		for k := range xs {
			xs[k] = math.Pow(float64(k+1), -s) * (0.9 + 0.2*r.Float64())
			sum += xs[k]
		}
		for k := range xs {
			xs[k] /= sum
		}
	}
	weights(top, sTop)
	weights(tail, sTail)
	out := make([]int64, 0, c.N)
	for _, w := range top {
		out = append(out, int64(math.Round(w*topShare*total*10)))
	}
	for _, w := range tail {
		out = append(out, int64(math.Round(w*(1-topShare)*total*10)))
	}
	// Highest first, and no two equal: a tie after rounding moves the lower one down 0.1.
	slices.SortFunc(out, func(a, b int64) int { return cmp.Compare(b, a) })
	for i := 1; i < len(out); i++ {
		if out[i] >= out[i-1] {
			out[i] = out[i-1] - 1
		}
	}
	return out
}

// abcValid checks the generated revenues: all at least 0.5 万元, all different, and the top
// b_share bringing 70–85 % of the total.
func abcValid(c abcConfig, tenths []int64) bool {
	sorted := slices.Clone(tenths)
	slices.SortFunc(sorted, func(a, b int64) int { return cmp.Compare(b, a) })
	var total, top int64
	for i, t := range sorted {
		if t < 5 || (i > 0 && t == sorted[i-1]) {
			return false
		}
		total += t
		if i < c.NAB {
			top += t
		}
	}
	share := float64(top) / float64(total)
	return share >= 0.70 && share <= 0.85
}

// abcRanks gives each customer's 1-based rank by revenue (highest = 1).
func abcRanks(tenths []int64) []int {
	idx := make([]int, len(tenths))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return tenths[idx[a]] > tenths[idx[b]] })
	rank := make([]int, len(tenths))
	for r, i := range idx {
		rank[i] = r + 1
	}
	return rank
}

func abcClassOfRank(d abcData, rank int) string {
	switch {
	case rank <= d.NA:
		return "A"
	case rank <= d.NAB:
		return "B"
	}
	return "C"
}

// abcDisplayOrderDiffers counts customers whose class would change if someone classed them
// by table position instead of by revenue.
func abcDisplayOrderDiffers(d abcData) int {
	rank := abcRanks(d.Tenths)
	n := 0
	for i := range d.Tenths {
		if abcClassOfRank(d, i+1) != abcClassOfRank(d, rank[i]) {
			n++
		}
	}
	return n
}

func rankRange(from, to int) string {
	if from == to {
		return fmt.Sprintf("第 %d 名", from)
	}
	return fmt.Sprintf("第 %d–%d 名", from, to)
}

func abcVariant(d abcData) *Variant {
	n := len(d.Tenths)
	rank := abcRanks(d.Tenths)
	v := &Variant{
		Intro: fmt.Sprintf("下表是某快递公司 %d 位客户去年的年收入（单位：万元），表中顺序是随意排列的。"+
			"分类规则：按年收入从高到低排序，收入最高的前 %s（%s）为 A 类，前 %s 中其余的客户（%s）为 B 类，其余 %d 位为 C 类。",
			n, pct(d.AShare), rankRange(1, d.NA), pct(d.BShare), rankRange(d.NA+1, d.NAB), n-d.NAB),
		Table:    &DataTable{Columns: []string{"客户", "年收入（万元）"}},
		Expected: Answer{},
		Data:     mustJSON(d),
	}
	for i, t := range d.Tenths {
		v.Table.Rows = append(v.Table.Rows, []string{abcCustomer(i), groupFloat(float64(t)/10, 1)})
		v.Fields = append(v.Fields, Field{
			ID: abcFieldID(i), Type: TypeChoice, Label: abcCustomer(i) + " 的类别",
			Required: true, Options: []string{"A", "B", "C"},
		})
		v.Expected[abcFieldID(i)] = Value{Text: abcClassOfRank(d, rank[i])}
	}
	return v
}

func abcGrade(data json.RawMessage, a Answer) (*Result, error) {
	var d abcData
	if err := decodeData(data, &d); err != nil {
		return nil, err
	}
	n := len(d.Tenths)
	if n == 0 || d.NA < 1 || d.NAB <= d.NA || d.NAB > n {
		return nil, errors.New("练习数据已损坏，无法评分")
	}
	rank := abcRanks(d.Tenths)
	var total int64
	for _, t := range d.Tenths {
		total += t
	}
	res := &Result{}
	aPct, abPct := pct(d.AShare), pct(d.BShare)
	byDisplay, answered, topAllA, bCount := 0, 0, 0, 0
	for i, t := range d.Tenths {
		id, who := abcFieldID(i), abcCustomer(i)
		want := abcClassOfRank(d, rank[i])
		given := answerChoice(a, id)
		share := fmt.Sprintf("%.1f%%", float64(t)*100/float64(total))
		var why string
		switch want {
		case "A":
			why = fmt.Sprintf("排名第 %d，属于收入最高的 %s（前 %d 名）", rank[i], aPct, d.NA)
		case "B":
			why = fmt.Sprintf("排名第 %d，在前 %s（前 %d 名）之内，但不在收入最高的 %s（前 %d 名）", rank[i], abPct, d.NAB, aPct, d.NA)
		default:
			why = fmt.Sprintf("排名第 %d，不在前 %s（前 %d 名）", rank[i], abPct, d.NAB)
		}
		fr := FieldResult{Field: id, Label: who + " 的类别", Expected: want, Given: given}
		byTable := abcClassOfRank(d, i+1)
		if want == "B" {
			bCount++
			if given == "A" {
				topAllA++
			}
		}
		if given != "" {
			answered++
			if given == byTable {
				byDisplay++
			}
		}
		switch {
		case given == want:
			fr.Correct = true
			fr.Message = fmt.Sprintf("正确：客户 %s 年收入占比 %s，%s，是 %s 类", who, share, why, want)
		case given == "":
			fr.Message = fmt.Sprintf("未作答。客户 %s 年收入占比 %s，%s，应为 %s 类", who, share, why, want)
		case given != "A" && given != "B" && given != "C":
			fr.Message = fmt.Sprintf("“%s”不是有效的类别，只能填 A、B 或 C。客户 %s 年收入占比 %s，%s，应为 %s 类", given, who, share, why, want)
		default:
			msg := fmt.Sprintf("客户 %s 年收入占比 %s，%s，应为 %s 类", who, share, why, want)
			if want == "B" && given == "A" {
				msg += fmt.Sprintf("。前 %s 的客户并不都是 A 类：只有收入最高的 %s（前 %d 名）是 A 类，其余是 B 类", abPct, aPct, d.NA)
			}
			if given == byTable && rank[i] != i+1 {
				msg += fmt.Sprintf("。%s 在表中是第 %d 行，但按年收入排第 %d；要先按年收入从高到低排序再分类，不能按表格顺序", who, i+1, rank[i])
			}
			fr.Message = msg
		}
		res.Fields = append(res.Fields, fr)
	}

	// What the data shows.
	var sum [3]int64
	var members [3][]string
	for i, t := range d.Tenths {
		k := strings.Index("ABC", abcClassOfRank(d, rank[i]))
		sum[k] += t
		members[k] = append(members[k], abcCustomer(i))
	}
	share := func(k int) string { return fmt.Sprintf("%.1f%%", float64(sum[k])*100/float64(total)) }
	res.Summary = append(res.Summary,
		fmt.Sprintf("全部 %d 位客户年收入合计 %s 万元。", n, groupFloat(float64(total)/10, 1)),
		fmt.Sprintf("A 类：%d 位客户（%s），年收入 %s 万元，占总收入 %s。", len(members[0]), strings.Join(members[0], "、"), groupFloat(float64(sum[0])/10, 1), share(0)),
		fmt.Sprintf("B 类：%d 位客户（%s），年收入 %s 万元，占总收入 %s。", len(members[1]), strings.Join(members[1], "、"), groupFloat(float64(sum[1])/10, 1), share(1)),
		fmt.Sprintf("C 类：%d 位客户，年收入 %s 万元，只占总收入 %s——大约 80%% 的客户带来 20%% 左右的收入。", len(members[2]), groupFloat(float64(sum[2])/10, 1), share(2)),
		"A 类（关键客户）：指定专人负责，定期拜访，运力和服务优先保障，重视他们的每一次反馈。",
		"B 类（主要客户）：定期联系，了解需求变化，有针对性地提供服务，重点培育成 A 类。",
		"C 类（普通客户）：提供标准化、方便及时的基础服务，控制服务成本，留意有潜力的“明日之星”。",
	)
	// The pattern in the mistakes, when there is one.
	score := 0
	for _, f := range res.Fields {
		if f.Correct {
			score++
		}
	}
	if score < n && answered >= n/2 && byDisplay == answered {
		res.Summary = append(res.Summary, "你的分类和表格的先后顺序完全一致：表格是随意排列的，ABC 分类要先按年收入从高到低排序，再按排名分类。")
	}
	if bCount > 0 && topAllA == bCount {
		res.Summary = append(res.Summary, fmt.Sprintf("你把前 %s 的客户都归为 A 类：A 类只是收入最高的 %s（本题 %d 位），前 %s 中其余的客户是 B 类。", abPct, aPct, d.NA, abPct))
	}
	return res, nil
}
