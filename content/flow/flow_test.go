package flow

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var cases = []struct {
	name    string
	src     string
	line    int    // 0: must parse
	message string // part of the error message
}{
	{"missing header", "a[开始] --> b[结束]", 1, "第一行要写 “flowchart TD”"},
	{"missing header after comments", "%% 注释\n\ntitle 标题\n", 3, "第一行要写"},
	{"unknown direction", "flowchart XY\na[一]", 1, "不认识的方向 “XY”"},
	{"direction missing", "flowchart\na[一]", 1, "缺少方向"},
	{"arrow typo", "flowchart TD\na[一] --> b[二]\na -> b", 3, "无法识别：“a -> b”（连线要写成 a --> b"},
	{"long arrow typo", "flowchart TD\na[一] ---> b[二]", 2, "连线要写成 a --> b"},
	{"undefined bare id", "flowchart TD\na[一] --> b[二]\nb --> x", 3, "节点 “x” 没有定义文字"},
	{"bare id defined later is fine", "flowchart TD\na[一] --> x\nx[二]", 0, ""},
	{"text defined twice differently", "flowchart TD\na[一] --> b[二]\nb[三] --> a", 3, "节点 “b” 的文字已在第 2 行定义为 “二”"},
	{"same text twice is fine", "flowchart TD\na[一] --> b[二]\nb[二] --> c[三]", 0, ""},
	{"shape changed", "flowchart TD\na[一] --> b[二]\nb{二} --> a", 3, "另一种形状"},
	{"unclosed bracket", "flowchart TD\na[一] --> b[二\n", 2, "节点 “b” 的括号没有闭合：缺少 “]”"},
	{"unclosed bracket before arrow", "flowchart TD\na[一 --> b[二]", 2, "节点 “a” 的括号没有闭合"},
	{"unclosed stadium", "flowchart TD\na([开始] --> b[二]", 2, "缺少 “])”"},
	{"unclosed decision", "flowchart TD\na{可以吗? --> b[二]", 2, "缺少 “}”"},
	{"end without subgraph", "flowchart TD\na[一]\nend", 3, "多余的 end"},
	{"nested subgraph", "flowchart TD\nsubgraph 外层\na[一]\nsubgraph 内层\nb[二]\nend\nend", 4, "subgraph 不能嵌套：第 2 行的 “外层”"},
	{"subgraph never closed", "flowchart TD\na[一]\nsubgraph 分组\nb[二]\n", 3, "subgraph “分组” 没有用 end 结束"},
	{"empty diagram", "flowchart TD\n  title 空\n%% 什么也没有\n", 1, "没有任何节点"},
	{"empty source", "", 1, "流程图是空的"},
	{"chinese id", "flowchart TD\n客户[下单] --> b[二]", 2, "节点编号 “客户” 只能用英文字母"},
	{"unlabelled label bar", "flowchart TD\na[一] -->|是 b[二]", 2, "缺少结尾的 “|”"},
	{"arrow without target", "flowchart TD\na[一] -->", 2, "缺少目标节点"},
	{"title twice", "flowchart TD\ntitle 一\ntitle 二\na[一]", 3, "只能写一次"},
	{"unknown shape", "flowchart TD\na(圆角) --> b[二]", 2, "形状写法不对"},
	{"empty text", "flowchart TD\na[] --> b[二]", 2, "文字是空的"},
	{"subgraph without name", "flowchart TD\nsubgraph\na[一]\nend", 2, "分组名称"},
	{"chain is fine", "flowchart LR\na[一] --> b[二] -->|好| c[三]", 0, ""},
	{"semicolons and tabs are fine", "flowchart TD;\n\ta[一] --> b[二];\r\n\tb --> c[三]", 0, ""},
	{"unicode arrow", "flowchart TD\na[一] → b[二]", 2, "连线要写成 a --> b"},
	{"mermaid subgraph title is fine", "flowchart TD\nsubgraph s1 [接触层]\na[一]\nend", 0, ""},
}

func TestParseCases(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Parse(c.src)
			if c.line == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if d.SVG() == "" {
					t.Fatal("empty SVG")
				}
				return
			}
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("want *Error at line %d, got %v", c.line, err)
			}
			if fe.Line != c.line || !strings.Contains(fe.Message, c.message) {
				t.Fatalf("got line %d %q, want line %d containing %q", fe.Line, fe.Message, c.line, c.message)
			}
			if !strings.HasPrefix(fe.Error(), "第 ") {
				t.Errorf("Error() = %q", fe.Error())
			}
		})
	}
}

func TestParseStructure(t *testing.T) {
	d, err := Parse(`
flowchart LR
  title 测试 & 结构
  %% comment
  a([开始]) -->|是| b{判断?}
    b --> c[(数据库)]
  subgraph 分组一
    d[步骤 D]
    e[步骤 E] --> d
  end
  c --> d
  b --> b
`)
	if err != nil {
		t.Fatal(err)
	}
	if d.Direction != "LR" || d.Title != "测试 & 结构" {
		t.Fatalf("header: %+v", d)
	}
	want := []Node{{"a", "开始", "terminal"}, {"b", "判断?", "decision"}, {"c", "数据库", "store"}, {"d", "步骤 D", "step"}, {"e", "步骤 E", "step"}}
	if len(d.Nodes) != len(want) {
		t.Fatalf("nodes: %+v", d.Nodes)
	}
	for i := range want {
		if d.Nodes[i] != want[i] {
			t.Errorf("node %d = %+v, want %+v", i, d.Nodes[i], want[i])
		}
	}
	if len(d.Edges) != 5 || d.Edges[0] != (Edge{"a", "b", "是"}) || d.Edges[4] != (Edge{"b", "b", ""}) {
		t.Errorf("edges: %+v", d.Edges)
	}
	if len(d.Groups) != 1 || d.Groups[0].Name != "分组一" || strings.Join(d.Groups[0].NodeIDs, ",") != "d,e" {
		t.Errorf("groups: %+v", d.Groups)
	}
	checkLayout(t, "structure", d.layout())
}

const loopSrc = `flowchart TD
  title 联邦快递订单管理流程（示意）
  a([客户下单]) -->|网站或运送软件| b[系统接收寄件信息]
  b --> c{信息完整?}
  c -->|否| d[客服联系客户补全]
  d --> b
  c -->|是| e[预排取件与舱位航班]
  e --> f[上门取件并扫描]
  f --> g([订单完成])`

func TestLoopRenders(t *testing.T) {
	d, err := Parse(loopSrc)
	if err != nil {
		t.Fatal(err)
	}
	svg := d.SVG()
	for _, n := range d.Nodes {
		if !strings.Contains(svg, ">"+n.Text+"<") {
			t.Errorf("node text %q missing", n.Text)
		}
	}
	for _, label := range []string{"网站或运送软件", "否", "是"} {
		if !strings.Contains(svg, ">"+label+"</text>") {
			t.Errorf("edge label %q missing", label)
		}
	}
	if got := strings.Count(svg, "marker-end="); got != len(d.Edges) {
		t.Errorf("%d edge paths, want %d", got, len(d.Edges))
	}
	if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
		t.Error("NaN or Inf in SVG")
	}
	for _, attr := range []string{`role="img"`, `aria-label="流程图：联邦快递订单管理流程（示意）"`, "<title>联邦快递订单管理流程（示意）</title>", `viewBox="0 0 `, "<marker id=\"flow-", "font-family='system-ui, \"Noto Sans CJK SC\", \"Microsoft YaHei\", sans-serif'"} {
		if !strings.Contains(svg, attr) {
			t.Errorf("missing %s", attr)
		}
	}
	if strings.Contains(svg, "style") {
		t.Error("style attribute or element in SVG")
	}
	l := d.layout()
	checkLayout(t, "loop", l)
	back := 0
	for _, e := range l.Edges {
		if e.Back {
			back++
			if e.From != "d" || e.To != "b" {
				t.Errorf("unexpected back edge %+v", e.Edge)
			}
		}
	}
	if back != 1 {
		t.Errorf("%d back edges, want 1", back)
	}
	// The main line a, b, c, e, f, g is one straight column.
	x := map[string]float64{}
	for _, n := range l.Nodes {
		x[n.ID] = n.CX
	}
	for _, id := range []string{"b", "c", "e", "f", "g"} {
		if x[id] != x["a"] {
			t.Errorf("node %s at x=%v, main line at %v", id, x[id], x["a"])
		}
	}
	desc := d.Describe()
	for _, want := range []string{"1. 开始：客户下单，经“网站或运送软件”转到第 2 步（系统接收寄件信息）。", "判断：信息完整?\n", "如果“否”：转到第", "回到第 2 步（系统接收寄件信息）", "结束：订单完成。", "接着第 "} {
		if !strings.Contains(desc, want) {
			t.Errorf("Describe lacks %q:\n%s", want, desc)
		}
	}
}

func TestDirections(t *testing.T) {
	src := "flowchart %s\n a([开始]) --> b[第二步很长很长的文字需要换行显示]\n b -->|一| c{判断?}\n c -->|是| d[(数据)]\n c -->|否| e[其他]\n e --> b\n subgraph 组\n  d\n end"
	for _, dir := range []string{"TD", "LR"} {
		d, err := Parse(strings.Replace(src, "%s", dir, 1))
		if err != nil {
			t.Fatal(err)
		}
		l := d.layout()
		checkLayout(t, dir, l)
		a, b := l.Nodes[0], l.Nodes[1]
		if dir == "TD" && !(b.CY > a.CY && math.Abs(a.CX-b.CX) < 1) {
			t.Errorf("TD: b not below a: %+v %+v", a, b)
		}
		if dir == "LR" && !(b.CX > a.CX && math.Abs(a.CY-b.CY) < 1) {
			t.Errorf("LR: b not right of a: %+v %+v", a, b)
		}
		if len(b.Lines) < 2 {
			t.Errorf("%s: long text not wrapped: %q", dir, b.Lines)
		}
	}
}

func TestDeterministic(t *testing.T) {
	d1, _ := Parse(loopSrc)
	d2, _ := Parse(loopSrc)
	s1, s2 := d1.SVG(), d2.SVG()
	for i := 0; i < 5; i++ {
		if d1.SVG() != s1 {
			t.Fatal("SVG differs between calls")
		}
	}
	if s1 != s2 || d1.Describe() != d2.Describe() {
		t.Fatal("SVG differs between parses")
	}
	other, _ := Parse(strings.Replace(loopSrc, "订单完成", "完成", 1))
	id := regexp.MustCompile(`marker id="([^"]+)"`)
	if id.FindString(s1) == id.FindString(other.SVG()) {
		t.Error("different diagrams share a marker id")
	}
}

func TestEscaping(t *testing.T) {
	d, err := Parse("flowchart TD\ntitle <script>alert(1)</script>\na[<script>alert(\"x\")</script>] -->|a&b| b{x < y & y > z?}\nsubgraph <b>组</b>\nb\nend")
	if err != nil {
		t.Fatal(err)
	}
	svg := d.SVG()
	if strings.Contains(svg, "<script") || strings.Contains(svg, "<b>") {
		t.Fatalf("unescaped markup:\n%s", svg)
	}
	for _, want := range []string{"&lt;script&gt;", "a&amp;b", "x &lt; y &amp; y &gt; z?", "&lt;b&gt;组&lt;/b&gt;"} {
		if !strings.Contains(svg, want) {
			t.Errorf("missing %q", want)
		}
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"客服中心接单", "客服中心接单"},
		{"途径一：客户理念引入内部", "途径一：|客户理念引入内部"},
		{"客户：电话 网站 App", "客户：|电话 网站 App"},
		{"联系客服中心退回供应商", "联系客服中心|退回供应商"},
		{"Customer Relationship Management system", "Customer|Relationship|Management system"},
		{"资料查核无误?", "资料查核无误?"},
	} {
		lines, _ := wrap(c.in, wrapLimit)
		if got := strings.Join(lines, "|"); got != c.want {
			t.Errorf("wrap(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Never inside an ASCII word.
	lines, _ := wrap("数据仓库DataWarehouse与商务智能BusinessIntelligence", 90)
	for _, l := range lines {
		for _, w := range []string{"DataWarehouse", "BusinessIntelligence"} {
			if strings.Contains(l, w[:3]) && !strings.Contains(l, w) {
				t.Errorf("word %s split: %q", w, lines)
			}
		}
	}
}

// checkLayout checks a layout for numbers, overlaps and edges through boxes.
func checkLayout(t *testing.T, name string, l *layout) {
	t.Helper()
	bad := func(xs ...float64) bool {
		for _, x := range xs {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return true
			}
		}
		return false
	}
	if bad(l.W, l.H) || l.W <= 0 || l.H <= 0 {
		t.Errorf("%s: size %v×%v", name, l.W, l.H)
	}
	inside := func(r rect) bool { return r.X >= 0 && r.Y >= 0 && r.X+r.W <= l.W+0.01 && r.Y+r.H <= l.H+0.01 }
	for i, a := range l.Nodes {
		if bad(a.CX, a.CY, a.W, a.H) || !inside(a.box()) {
			t.Errorf("%s: node %s at %+v", name, a.ID, a.box())
		}
		for _, b := range l.Nodes[i+1:] {
			if grow(a.box(), 4).overlaps(b.box()) {
				t.Errorf("%s: nodes %s and %s overlap: %+v %+v", name, a.ID, b.ID, a.box(), b.box())
			}
		}
		for _, lb := range l.Labels {
			if lb.Box.overlaps(a.box()) {
				t.Errorf("%s: label %q overlaps node %s", name, lb.Text, a.ID)
			}
		}
		for gi, g := range l.Groups {
			if a.Group != gi && g.Box.overlaps(a.box()) {
				t.Errorf("%s: node %s inside group box %s", name, a.ID, g.Name)
			}
			if a.Group == gi && !contains(g.Box, a.box()) {
				t.Errorf("%s: node %s sticks out of its group box %s", name, a.ID, g.Name)
			}
		}
	}
	for i, a := range l.Labels {
		if bad(a.Box.X, a.Box.Y) || !inside(a.Box) {
			t.Errorf("%s: label %q at %+v", name, a.Text, a.Box)
		}
		for _, b := range l.Labels[i+1:] {
			if a.Box.overlaps(b.Box) {
				t.Errorf("%s: labels %q and %q overlap", name, a.Text, b.Text)
			}
		}
	}
	for i, a := range l.Groups {
		if !inside(a.Box) {
			t.Errorf("%s: group %s at %+v", name, a.Name, a.Box)
		}
		for _, b := range l.Groups[i+1:] {
			if a.Box.overlaps(b.Box) {
				t.Errorf("%s: groups %s and %s overlap", name, a.Name, b.Name)
			}
		}
	}
	for _, e := range l.Edges {
		if len(e.Points) < 2 {
			t.Errorf("%s: edge %+v has %d points", name, e.Edge, len(e.Points))
			continue
		}
		for k, p := range e.Points {
			if bad(p.X, p.Y) || p.X < 0 || p.Y < 0 || p.X > l.W || p.Y > l.H {
				t.Errorf("%s: edge %+v point %+v", name, e.Edge, p)
			}
			if k == 0 {
				continue
			}
			q := e.Points[k-1]
			if q.X != p.X && q.Y != p.Y {
				t.Errorf("%s: edge %+v has a slanted segment %+v-%+v", name, e.Edge, q, p)
			}
			seg := rect{math.Min(p.X, q.X), math.Min(p.Y, q.Y), math.Abs(p.X-q.X) + 0.01, math.Abs(p.Y-q.Y) + 0.01}
			for _, n := range l.Nodes {
				if n.ID == e.From && k == 1 || n.ID == e.To && k == len(e.Points)-1 {
					continue
				}
				if seg.overlaps(grow(n.box(), -1)) {
					t.Errorf("%s: edge %s→%s runs through node %s", name, e.From, e.To, n.ID)
				}
			}
		}
		last := e.Points[len(e.Points)-1]
		for _, n := range l.Nodes {
			if n.ID == e.To && !grow(n.box(), 0.6).overlaps(rect{last.X, last.Y, 0, 0}) {
				t.Errorf("%s: edge %s→%s ends at %+v, not on %+v", name, e.From, e.To, last, n.box())
			}
		}
	}
}

func grow(r rect, d float64) rect { return rect{r.X - d, r.Y - d, r.W + 2*d, r.H + 2*d} }

func contains(outer, inner rect) bool {
	return inner.X >= outer.X && inner.Y >= outer.Y && inner.X+inner.W <= outer.X+outer.W && inner.Y+inner.H <= outer.Y+outer.H
}

type block struct {
	file string
	line int
	src  string
}

func realBlocks(t *testing.T) []block {
	dir := filepath.Join("..", "..", "content", "pages")
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	if len(files) == 0 {
		t.Skip("no lesson pages in " + dir)
	}
	var out []block
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		for i := 0; i < len(lines); i++ {
			if strings.TrimSpace(lines[i]) != "```flow" {
				continue
			}
			start := i + 1
			j := start
			for j < len(lines) && strings.TrimSpace(lines[j]) != "```" {
				j++
			}
			out = append(out, block{filepath.Base(f), start + 1, strings.Join(lines[start:j], "\n")})
			i = j
		}
	}
	return out
}

func TestRealDiagrams(t *testing.T) {
	blocks := realBlocks(t)
	if len(blocks) == 0 {
		t.Skip("no flow blocks")
	}
	outDir := os.Getenv("FLOW_SVG_DIR")
	for k, b := range blocks {
		d, err := Parse(b.src)
		if err != nil {
			t.Errorf("%s:%d: %v", b.file, b.line, err)
			continue
		}
		name := b.file + ":" + d.Title
		checkLayout(t, name, d.layout())
		svg := d.SVG()
		if strings.Contains(svg, "NaN") || svg != d.SVG() {
			t.Errorf("%s: bad or unstable SVG", name)
		}
		if !strings.Contains(d.Describe(), "1. ") {
			t.Errorf("%s: empty description", name)
		}
		if outDir != "" {
			base := strings.TrimSuffix(b.file, ".md")
			if k > 0 && blocks[k-1].file == b.file {
				base += "-2"
			}
			html := "<!doctype html><meta charset=utf-8><body style='margin:8px;background:#fff'>" + svg + "<pre>" + xmlEscaper.Replace(d.Describe()) + "</pre>"
			if err := os.WriteFile(filepath.Join(outDir, base+".svg"), []byte(svg), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(outDir, base+".html"), []byte(html), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// samples exercise what the lesson pages do not (yet): LR, self-loops, crossing nets, groups.
var samples = []struct{ name, src string }{
	{"lr-loop-group", `flowchart LR
  title 订单处理（从左到右）
  a([客户下单]) -->|电话或网站| b[客服接单]
  b --> c{信息完整?}
  c -->|否| d[联系客户补全信息]
  d --> b
  c -->|是| e[(订单数据库)]
  subgraph 仓库作业
    f[拣货] --> g[包装]
  end
  e --> f
  g --> h([发货])
  g -->|缺货| b`},
	{"self-loop", `flowchart TD
  a([开始]) --> b[反复检查直到合格]
  b -->|不合格| b
  b -->|合格| c([结束])`},
	{"bipartite", `flowchart TD
  a[甲] --> c[丙]
  a --> d[丁]
  b[乙] --> c
  b --> d
  x[戊] --> y[己]
  x --> z[庚]
  w[辛] --> z`},
	{"two-groups-loop", `flowchart TD
  title 两个分组与回路
  subgraph 前台
    a[接待客户] --> b[登记需求]
  end
  subgraph 后台
    c[安排车辆] --> d[跟踪运输]
  end
  s([客户来电]) --> a
  b --> c
  d -->|异常| a
  d --> e([完成])
  s --> e`},
	{"long-edge-labels", `flowchart TD
  a[客户提出一个很长很长很长的问题需要客服中心仔细处理] -->|这是一个相当长的连线文字| b{是否需要上门服务?}
  b -->|需要安排技术人员上门| c[上门]
  b -->|不需要| d[电话解决]
  a -->|直接| d
  c --> e[(客户档案 Customer Records)]
  d --> e`},
}

func TestSamples(t *testing.T) {
	outDir := os.Getenv("FLOW_SVG_DIR")
	for _, s := range samples {
		d, err := Parse(s.src)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		checkLayout(t, s.name, d.layout())
		if outDir != "" {
			if err := os.WriteFile(filepath.Join(outDir, "sample-"+s.name+".svg"), []byte(d.SVG()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestRandom renders random charts (fixed seeds): no panics, overlaps or NaN.
func TestRandom(t *testing.T) {
	words := []string{"接单", "客户信息录入与审核", "发货", "库存足够?", "联系客户说明情况并安排补货", "CRM", "Web服务器", "退款", "数据分析管理 BI"}
	shapes := []string{"[%s]", "{%s}", "([%s])", "[(%s)]"}
	for seed := 0; seed < 300; seed++ {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		n := 2 + r.IntN(12)
		var b strings.Builder
		b.WriteString([]string{"flowchart TD\n", "flowchart LR\n"}[r.IntN(2)])
		groups := r.IntN(3)
		per := 0
		if groups > 0 {
			per = 1 + r.IntN(3)
		}
		id := 0
		for g := 0; g < groups && id < n; g++ {
			fmt.Fprintf(&b, "subgraph 分组%d\n", g)
			for k := 0; k < per && id < n; k++ {
				fmt.Fprintf(&b, "n%d"+shapes[r.IntN(4)]+"\n", id, words[r.IntN(len(words))])
				id++
			}
			b.WriteString("end\n")
		}
		for ; id < n; id++ {
			fmt.Fprintf(&b, "n%d"+shapes[r.IntN(4)]+"\n", id, words[r.IntN(len(words))])
		}
		for e := r.IntN(2 * n); e >= 0; e-- {
			a, c := r.IntN(n), r.IntN(n)
			if r.IntN(3) > 0 && a > c {
				a, c = c, a
			}
			label := ""
			if r.IntN(3) == 0 {
				label = "|" + []string{"是", "否", "网络访问", "发现问题 持续改进"}[r.IntN(4)] + "|"
			}
			fmt.Fprintf(&b, "n%d -->%s n%d\n", a, label, c)
		}
		d, err := Parse(b.String())
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, b.String())
		}
		l := d.layout()
		name := fmt.Sprintf("seed %d", seed)
		checkLayout(t, name, l)
		if t.Failed() {
			t.Logf("%s source:\n%s", name, b.String())
			if dir := os.Getenv("FLOW_SVG_DIR"); dir != "" {
				os.WriteFile(filepath.Join(dir, fmt.Sprintf("random-%d.svg", seed)), []byte(d.SVG()), 0o644)
			}
			return
		}
		svg := d.SVG()
		if strings.Contains(svg, "NaN") {
			t.Fatalf("%s: NaN", name)
		}
		if dir := os.Getenv("FLOW_SVG_DIR"); dir != "" && seed < 8 {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("random-%d.svg", seed)), []byte(svg), 0o644)
		}
		_ = d.Describe()
	}
}
