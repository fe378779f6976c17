package cards

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

// Auto-grading kinds.
const (
	KindABC           = "abc"
	KindCustomerState = "customer-state"
	KindCLV           = "clv"
	KindWarehouseKPI  = "warehouse-kpi"
)

// pcgStream is xor-ed into the seed to make the second PCG word.
const pcgStream = 0x9e3779b97f4a7c15

// Seed derives a deterministic seed from a card id and a student key (e.g.
// "class:12/user:34") with FNV-1a 64, so a student sees the same data on every visit and
// classmates see different data.
func Seed(cardID, studentKey string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(cardID))
	h.Write([]byte{0})
	h.Write([]byte(studentKey))
	return h.Sum64()
}

// Variant is the data one student works on for an auto-graded card.
type Variant struct {
	Intro    string     // one or two Chinese sentences introducing the data and stating the rule graded
	Table    *DataTable // the data shown to the student (may be nil)
	Facts    []string   // extra given values shown as a list (e.g. "月均收入：1,200 美元")
	Fields   []Field    // answer fields generated for this data; the card's own Fields follow
	Expected Answer     // the right answer, for the instructor's view
	// Data is everything needed to grade later, so a stored variant can be re-graded
	// without regenerating. Grade reads only Data (and the card's kind), never the
	// other members.
	Data json.RawMessage
}

// DataTable is a table of given data.
type DataTable struct {
	Columns []string
	Rows    [][]string
}

// Result is the grading of one answer.
type Result struct {
	Score, Max float64
	Fields     []FieldResult // one per generated field, in form order
	Summary    []string      // what the data shows and, when it applies, the pattern in the student's mistakes
}

// FieldResult is the grading of one generated field.
type FieldResult struct {
	Field, Label string
	Correct      bool
	Expected     string // the right answer as shown to people
	Given        string // what the student entered, "" if nothing
	Message      string // what is right or wrong and why, in Chinese
}

// grader is one auto-grading kind.
type grader struct {
	// config checks params and returns the kind's configuration, or Chinese messages.
	config func(params map[string]any) (any, []string)
	// fieldIDs are the ids of the fields generate makes for valid params (nil otherwise).
	fieldIDs func(params map[string]any) []string
	generate func(cfg any, r *rand.Rand) (*Variant, error)
	grade    func(data json.RawMessage, a Answer) (*Result, error)
}

var graders = map[string]*grader{
	KindABC:           abcGrader,
	KindCustomerState: stateGrader,
	KindCLV:           clvGrader,
	KindWarehouseKPI:  kpiGrader,
}

// NewVariant generates the data one student works on (math/rand/v2 PCG seeded with seed).
// The same seed always gives the same variant. It returns nil, nil for a card without
// autograde.
func (c *Card) NewVariant(seed uint64) (*Variant, error) {
	if c.Autograde == nil {
		return nil, nil
	}
	g := graders[c.Autograde.Kind]
	if g == nil {
		return nil, fmt.Errorf("未知的自动评分类型“%s”", c.Autograde.Kind)
	}
	cfg, errs := g.config(c.Autograde.Params)
	if len(errs) > 0 {
		return nil, errors.New("自动评分参数错误：" + strings.Join(errs, "；"))
	}
	r := rand.New(rand.NewPCG(seed, seed^pcgStream))
	return g.generate(cfg, r)
}

// Grade scores an answer against a variant, reading the variant's stored Data. Each
// generated field is worth one point and gets feedback saying what is wrong and why.
func (c *Card) Grade(v *Variant, a Answer) (*Result, error) {
	if c.Autograde == nil {
		return nil, errors.New("这张练习卡不是自动评分的")
	}
	g := graders[c.Autograde.Kind]
	if g == nil {
		return nil, fmt.Errorf("未知的自动评分类型“%s”", c.Autograde.Kind)
	}
	if v == nil || len(v.Data) == 0 {
		return nil, errors.New("没有这位学生的练习数据，无法评分")
	}
	var head struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(v.Data, &head); err != nil {
		return nil, errors.New("练习数据已损坏，无法评分")
	}
	if head.Kind != c.Autograde.Kind {
		return nil, fmt.Errorf("练习数据属于“%s”类型，不是这张练习卡的“%s”", head.Kind, c.Autograde.Kind)
	}
	if a == nil {
		a = Answer{}
	}
	res, err := g.grade(v.Data, a)
	if err != nil {
		return nil, err
	}
	res.Max = float64(len(res.Fields))
	res.Score = 0
	for _, f := range res.Fields {
		if f.Correct {
			res.Score++
		}
	}
	return res, nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs of numbers and strings are marshalled
	}
	return b
}

func decodeData(data json.RawMessage, out any) error {
	if err := json.Unmarshal(data, out); err != nil {
		return errors.New("练习数据已损坏，无法评分")
	}
	return nil
}

// --- params -------------------------------------------------------------------------------

// params reads a kind's params and collects Chinese messages about bad ones.
type params struct {
	m    map[string]any
	used map[string]bool
	errs []string
}

func newParams(m map[string]any) *params { return &params{m: m, used: map[string]bool{}} }

func (p *params) fail(format string, args ...any) {
	p.errs = append(p.errs, fmt.Sprintf(format, args...))
}

func (p *params) number(key string) (float64, bool, bool) {
	p.used[key] = true
	v, ok := p.m[key]
	if !ok || v == nil {
		return 0, false, true
	}
	switch x := v.(type) {
	case int:
		return float64(x), true, true
	case int64:
		return float64(x), true, true
	case uint64:
		return float64(x), true, true
	case float64:
		return x, true, true
	}
	return 0, true, false
}

func (p *params) int(key string, def, lo, hi int) int {
	x, present, ok := p.number(key)
	if !present {
		return def
	}
	if !ok || x != math.Trunc(x) || x < float64(lo) || x > float64(hi) {
		p.fail("%s 应是 %d 到 %d 之间的整数，现在是 %v", key, lo, hi, p.m[key])
		return def
	}
	return int(x)
}

// float reads a number in the open or closed range [lo, hi].
func (p *params) float(key string, def, lo, hi float64) float64 {
	x, present, ok := p.number(key)
	if !present {
		return def
	}
	if !ok || x < lo || x > hi {
		p.fail("%s 应是 %s 到 %s 之间的数，现在是 %v", key, fmtFloat(lo), fmtFloat(hi), p.m[key])
		return def
	}
	return x
}

func (p *params) str(key, def string, allowed ...string) string {
	p.used[key] = true
	v, ok := p.m[key]
	if !ok || v == nil {
		return def
	}
	s, isStr := v.(string)
	if !isStr || !contains(allowed, s) {
		p.fail("%s 只能是 %s，现在是 %v", key, strings.Join(allowed, " 或 "), v)
		return def
	}
	return s
}

// done reports keys that were never read.
func (p *params) done(kind string) []string {
	var known, unknown []string
	for k := range p.used {
		known = append(known, k)
	}
	for k := range p.m {
		if !p.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(known)
	sort.Strings(unknown)
	for _, k := range unknown {
		if len(known) == 0 {
			p.fail("%s 类型没有参数，不认识“%s”", kind, k)
		} else {
			p.fail("%s 类型没有参数“%s”（可用：%s）", kind, k, strings.Join(known, "、"))
		}
	}
	return p.errs
}

// --- formatting ---------------------------------------------------------------------------

// groupInt writes n with thousands separators: 1200 → "1,200".
func groupInt(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// groupFloat writes x with the given decimals and thousands separators.
func groupFloat(x float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(x), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := groupInt(n)
	if frac != "" {
		out += "." + frac
	}
	if x < 0 && strings.Trim(s, "0.") != "" {
		out = "-" + out
	}
	return out
}

// pct writes a fraction as a percentage without needless decimals: 0.05 → "5%".
func pct(f float64) string {
	return strconv.FormatFloat(math.Round(f*10000)/100, 'f', -1, 64) + "%"
}

// near reports whether x is within rel (relative) of want.
func near(x, want, rel float64) bool {
	if want == 0 {
		return math.Abs(x) <= rel
	}
	return math.Abs(x-want) <= math.Abs(want)*rel
}

// answerNumber reads a number answer; ok is false when it is empty or not a number.
func answerNumber(a Answer, id, unit string) (float64, string, bool) {
	given := strings.TrimSpace(a[id].Text)
	if given == "" {
		return 0, "", false
	}
	x, _, ok := ParseNumber(given, unit)
	return x, given, ok
}

var choiceReplacer = strings.NewReplacer("Ａ", "A", "Ｂ", "B", "Ｃ", "C", " ", "", "\u3000", "")

// answerChoice reads a single-choice answer.
func answerChoice(a Answer, id string) string {
	return choiceReplacer.Replace(strings.TrimSpace(a[id].Text))
}
