// Package flow parses the small Mermaid-flowchart subset that lesson authors write in
// ```flow blocks and draws it as a standalone, deterministic inline SVG (no script, no
// style attributes), with a plain-text description for screen readers and print.
//
// The language:
//
//	flowchart TD              (or LR; the first line)
//	title 订单处理流程          (optional)
//	a([开始]) --> b[步骤]       step [..], decision {..}, start/end ([..]), data store [(..)]
//	b -->|是| c{判断?}          labelled edge; a line may chain a --> b --> c
//	subgraph 接触层            a labelled box around the nodes defined inside (no nesting)
//	  x[文字]
//	end
//	%% comment
package flow

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Diagram is a parsed flow chart.
type Diagram struct {
	Direction string // "TD" or "LR"
	Title     string
	Nodes     []Node // in order of first appearance
	Edges     []Edge
	Groups    []Group
}

// Node is a box of the chart. Shape is "step", "decision", "terminal" or "store".
type Node struct{ ID, Text, Shape string }

// Edge is an arrow from one node to another, with an optional label.
type Edge struct{ From, To, Label string }

// Group is a subgraph: a labelled box drawn around its nodes.
type Group struct {
	Name    string
	NodeIDs []string
}

// Error is an authoring mistake: the 1-based line inside the block and a Chinese message.
type Error struct {
	Line    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("第 %d 行：%s", e.Line, e.Message) }

func errf(line int, format string, args ...any) *Error {
	return &Error{Line: line, Message: fmt.Sprintf(format, args...)}
}

const arrowHint = "（连线要写成 a --> b，带文字的写成 a -->|文字| b）"

type pnode struct {
	Node
	firstLine int // first mention
	defLine   int // where its text was given
	group     int // -1 when in no subgraph
}

type parser struct {
	nodes  []*pnode
	index  map[string]*pnode
	edges  []Edge
	groups []Group
	cur    int // open subgraph, -1 when none
	curAt  int // line of the open subgraph
}

// Parse reads a flow block (without its fences). Authoring mistakes come back as *Error.
func Parse(src string) (*Diagram, error) {
	src = strings.TrimPrefix(src, "\ufeff")
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	p := &parser{index: map[string]*pnode{}, cur: -1}
	d := &Diagram{}
	header, titleAt := 0, 0
	for i, raw := range lines {
		ln := i + 1
		line := strings.TrimSpace(strings.TrimRight(raw, "\r"))
		line = strings.TrimSpace(strings.TrimSuffix(line, ";")) // Mermaid allows a closing ;
		if line == "" || strings.HasPrefix(line, "%%") {
			continue
		}
		first, rest := splitWord(line)
		if header == 0 {
			if first != "flowchart" && first != "graph" {
				return nil, errf(ln, "第一行要写 “flowchart TD”（从上到下）或 “flowchart LR”（从左到右），现在是 “%s”", clip(line))
			}
			dir, extra := splitWord(rest)
			switch strings.ToUpper(dir) {
			case "TD", "TB":
				d.Direction = "TD"
			case "LR":
				d.Direction = "LR"
			case "":
				return nil, errf(ln, "“%s” 后面缺少方向：写 TD（从上到下）或 LR（从左到右）", first)
			default:
				return nil, errf(ln, "不认识的方向 “%s”：只能写 TD（从上到下）或 LR（从左到右）", clip(dir))
			}
			if extra != "" {
				return nil, errf(ln, "无法识别：“%s”（第一行只写 flowchart TD 或 flowchart LR）", clip(line))
			}
			header = ln
			continue
		}
		switch {
		case first == "flowchart" || first == "graph":
			return nil, errf(ln, "“%s” 只能写在第一行", first)
		case first == "title" && !strings.HasPrefix(rest, "-") && !strings.HasPrefix(rest, "|"):
			if titleAt != 0 {
				return nil, errf(ln, "标题已经在第 %d 行写过了，只能写一次", titleAt)
			}
			if rest == "" {
				return nil, errf(ln, "title 后面要写标题文字")
			}
			d.Title, titleAt = rest, ln
		case first == "subgraph":
			if p.cur >= 0 {
				return nil, errf(ln, "subgraph 不能嵌套：第 %d 行的 “%s” 还没有用 end 结束", p.curAt, p.groups[p.cur].Name)
			}
			name := rest
			if id, text, ok := bracketName(rest); ok {
				name = text
				if name == "" {
					name = id
				}
			}
			if name == "" {
				return nil, errf(ln, "subgraph 后面要写分组名称，例如 subgraph 接触层")
			}
			p.groups = append(p.groups, Group{Name: name})
			p.cur, p.curAt = len(p.groups)-1, ln
		case line == "end":
			if p.cur < 0 {
				return nil, errf(ln, "多余的 end：前面没有未结束的 subgraph")
			}
			p.cur = -1
		default:
			if err := p.statement(line, ln); err != nil {
				return nil, err
			}
		}
	}
	if header == 0 {
		return nil, errf(1, "流程图是空的：第一行要写 flowchart TD 或 flowchart LR，然后写节点和连线")
	}
	if p.cur >= 0 {
		return nil, errf(p.curAt, "subgraph “%s” 没有用 end 结束", p.groups[p.cur].Name)
	}
	if len(p.nodes) == 0 {
		return nil, errf(header, "流程图里还没有任何节点，例如 a([开始]) --> b[第一步]")
	}
	for _, n := range p.nodes {
		if n.Text == "" {
			return nil, errf(n.firstLine, "节点 “%s” 没有定义文字（第一次出现时要写成 %s[文字]）", n.ID, n.ID)
		}
	}
	for _, n := range p.nodes {
		d.Nodes = append(d.Nodes, n.Node)
		if n.group >= 0 {
			g := &p.groups[n.group]
			g.NodeIDs = append(g.NodeIDs, n.ID)
		}
	}
	d.Edges = p.edges
	for _, g := range p.groups {
		if len(g.NodeIDs) > 0 {
			d.Groups = append(d.Groups, g)
		}
	}
	return d, nil
}

// statement parses "a", "a[文字]", "a --> b", "a -->|文字| b --> c".
func (p *parser) statement(line string, ln int) error {
	pos := 0
	prev, pos, err := p.nodeRef(line, pos, ln)
	if err != nil {
		return err
	}
	alone := true
	for {
		pos = skipSpaces(line, pos)
		if pos >= len(line) {
			break
		}
		rest := line[pos:]
		if !strings.HasPrefix(rest, "-->") {
			return arrowError(line, ln, rest)
		}
		pos = skipSpaces(line, pos+3)
		label := ""
		if pos < len(line) && line[pos] == '|' {
			end := strings.IndexByte(line[pos+1:], '|')
			if end < 0 {
				return errf(ln, "连线文字缺少结尾的 “|”，要写成 a -->|文字| b")
			}
			label = strings.TrimSpace(line[pos+1 : pos+1+end])
			pos = skipSpaces(line, pos+1+end+1)
		}
		if pos >= len(line) {
			return errf(ln, "连线 “-->” 后面缺少目标节点：“%s”", clip(line))
		}
		next, np, err := p.nodeRef(line, pos, ln)
		if err != nil {
			return err
		}
		pos = np
		p.edges = append(p.edges, Edge{From: prev.ID, To: next.ID, Label: label})
		prev, alone = next, false
	}
	if alone && p.cur >= 0 && prev.group < 0 {
		prev.group = p.cur // a bare id listed inside a subgraph joins it
	}
	return nil
}

func arrowError(line string, ln int, rest string) error {
	switch {
	case strings.HasPrefix(rest, "--") && !strings.HasPrefix(rest, "-->"):
		return errf(ln, "无法识别：“%s”%s", clip(line), arrowHint)
	case strings.ContainsAny(rest, "->＞→—－=") || strings.Contains(rest, "→"):
		return errf(ln, "无法识别：“%s”%s", clip(line), arrowHint)
	case strings.HasPrefix(rest, "&"):
		return errf(ln, "无法识别：“%s”（每条连线单独写一行，不能用 &）", clip(line))
	}
	return errf(ln, "无法识别：“%s”（一行写一个节点或一条连线，例如 a[文字] --> b[文字]）", clip(line))
}

var shapes = []struct{ open, close, shape string }{
	{"([", "])", "terminal"},
	{"[(", ")]", "store"},
	{"[", "]", "step"},
	{"{", "}", "decision"},
}

// nodeRef reads an id with an optional shape and text at pos.
func (p *parser) nodeRef(line string, pos, ln int) (*pnode, int, error) {
	pos = skipSpaces(line, pos)
	start := pos
	for pos < len(line) && isIDByte(line[pos]) {
		pos++
	}
	if pos < len(line) {
		if r, _ := utf8.DecodeRuneInString(line[pos:]); r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsNumber(r)) {
			end := pos
			for end < len(line) {
				r, sz := utf8.DecodeRuneInString(line[end:])
				if !(r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsNumber(r))) && !isIDByte(byte(r)) {
					break
				}
				end += sz
			}
			return nil, 0, errf(ln, "节点编号 “%s” 只能用英文字母、数字和下划线，中文写在括号里，例如 a[%s]", clip(line[start:end]), clip(line[pos:end]))
		}
	}
	if pos == start {
		if pos < len(line) && strings.ContainsRune("[({", rune(line[pos])) {
			return nil, 0, errf(ln, "节点缺少编号：“%s”（要写成 a[文字]，a 是节点编号）", clip(line))
		}
		if pos < len(line) && line[pos] == '-' {
			return nil, 0, errf(ln, "无法识别：“%s”%s", clip(line), arrowHint)
		}
		return nil, 0, errf(ln, "无法识别：“%s”（一行写一个节点或一条连线，例如 a[文字] --> b[文字]）", clip(line))
	}
	id := line[start:pos]
	rest := line[pos:]
	shape, text := "", ""
	for _, s := range shapes {
		if !strings.HasPrefix(rest, s.open) {
			continue
		}
		body := rest[len(s.open):]
		end := strings.Index(body, s.close)
		if end < 0 || strings.Contains(body[:end], "-->") {
			return nil, 0, errf(ln, "节点 “%s” 的括号没有闭合：缺少 “%s”", id, s.close)
		}
		shape, text = s.shape, strings.TrimSpace(body[:end])
		if len(text) >= 2 && text[0] == '"' && text[len(text)-1] == '"' {
			text = strings.TrimSpace(text[1 : len(text)-1])
		}
		if text == "" {
			return nil, 0, errf(ln, "节点 “%s” 的文字是空的", id)
		}
		pos += len(s.open) + end + len(s.close)
		break
	}
	if shape == "" && pos < len(line) && strings.ContainsRune("([{>", rune(line[pos])) {
		return nil, 0, errf(ln, "节点 “%s” 的形状写法不对：只能用 %s[步骤]、%s{判断}、%s([开始或结束])、%s[(数据)]", id, id, id, id, id)
	}
	if pos < len(line) && line[pos] != ' ' && line[pos] != '\t' && line[pos] != '-' {
		return nil, 0, errf(ln, "无法识别：“%s”（节点后面只能接 --> 连线）", clip(line))
	}
	n := p.index[id]
	if n == nil {
		n = &pnode{Node: Node{ID: id}, firstLine: ln, group: -1}
		p.index[id] = n
		p.nodes = append(p.nodes, n)
	}
	if text != "" {
		switch {
		case n.Text == "":
			n.Text, n.Shape, n.defLine = text, shape, ln
			if p.cur >= 0 && n.group < 0 {
				n.group = p.cur
			}
		case n.Text != text:
			return nil, 0, errf(ln, "节点 “%s” 的文字已在第 %d 行定义为 “%s”，这里又写成 “%s”（之后只写编号 %s 即可）", id, n.defLine, clip(n.Text), clip(text), id)
		case n.Shape != shape:
			return nil, 0, errf(ln, "节点 “%s” 在第 %d 行已经定义成另一种形状（之后只写编号 %s 即可）", id, n.defLine, id)
		}
	}
	return n, pos, nil
}

// bracketName reads the Mermaid form "id [名称]" of a subgraph title.
func bracketName(s string) (id, text string, ok bool) {
	i := 0
	for i < len(s) && isIDByte(s[i]) {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	rest := strings.TrimSpace(s[i:])
	if !strings.HasPrefix(rest, "[") || !strings.HasSuffix(rest, "]") {
		return "", "", false
	}
	return s[:i], strings.Trim(strings.TrimSpace(rest[1:len(rest)-1]), `"`), true
}

func splitWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func skipSpaces(s string, pos int) int {
	for pos < len(s) && (s[pos] == ' ' || s[pos] == '\t') {
		pos++
	}
	return pos
}

func isIDByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// clip shortens a quoted piece of source for a message.
func clip(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}
