package flow

import (
	"fmt"
	"sort"
	"strings"
)

// Describe is a plain-text version of the chart for screen readers and print: the steps
// numbered in reading order (top to bottom, or left to right), each with where it leads.
// It does not repeat the title.
func (d *Diagram) Describe() string {
	l := d.layout()
	nodes := append([]placedNode(nil), l.Nodes...)
	sort.SliceStable(nodes, func(i, j int) bool {
		if nodes[i].Layer != nodes[j].Layer {
			return nodes[i].Layer < nodes[j].Layer
		}
		return nodes[i].Order < nodes[j].Order
	})
	step := map[string]int{}
	text := map[string]string{}
	for i, n := range nodes {
		step[n.ID] = i + 1
		text[n.ID] = strings.Join(n.Lines, "")
		if n.Text != "" {
			text[n.ID] = clean(n.Text)
		}
	}
	groupOf := map[string]string{}
	for _, g := range d.Groups {
		for _, id := range g.NodeIDs {
			if _, ok := groupOf[id]; !ok {
				groupOf[id] = clean(g.Name)
			}
		}
	}
	out := map[string][]Edge{}
	in := map[string]int{}
	for _, e := range d.Edges {
		if _, ok := step[e.From]; !ok {
			continue
		}
		if _, ok := step[e.To]; !ok {
			continue
		}
		out[e.From] = append(out[e.From], e)
		in[e.To]++
	}
	target := func(from string, e Edge) string {
		verb := "转到"
		if step[e.To] <= step[from] {
			verb = "回到"
		}
		return fmt.Sprintf("%s第 %d 步（%s）", verb, step[e.To], text[e.To])
	}
	var b strings.Builder
	for _, n := range nodes {
		prefix, suffix := "", ""
		switch {
		case n.Shape == "decision":
			prefix = "判断："
		case n.Shape == "terminal" && in[n.ID] == 0:
			prefix = "开始："
		case n.Shape == "terminal" && len(out[n.ID]) == 0:
			prefix = "结束："
		case n.Shape == "store":
			suffix = "（数据存储）"
		}
		if g := groupOf[n.ID]; g != "" {
			suffix += "［" + g + "］"
		}
		t := text[n.ID]
		fmt.Fprintf(&b, "%d. %s%s%s", step[n.ID], prefix, t, suffix)
		// Punctuation between the step and where it leads.
		stop, comma := "。", "，"
		if suffix == "" && strings.ContainsAny(lastRune(t), "?？!！。.") {
			stop, comma = "", " "
		}
		es := out[n.ID]
		labelled := false
		for _, e := range es {
			if e.Label != "" {
				labelled = true
			}
		}
		switch {
		case len(es) == 0:
			b.WriteString(stop)
		case len(es) == 1 && !labelled && step[es[0].To] == step[n.ID]+1:
			fmt.Fprintf(&b, "%s接着第 %d 步。", comma, step[es[0].To])
		case len(es) == 1 && !labelled:
			b.WriteString(comma + "然后" + target(n.ID, es[0]) + "。")
		case len(es) == 1:
			fmt.Fprintf(&b, "%s经“%s”%s。", comma, clean(es[0].Label), target(n.ID, es[0]))
		case !labelled:
			var ts []string
			for _, e := range es {
				ts = append(ts, strings.TrimPrefix(target(n.ID, e), "转到"))
			}
			b.WriteString(comma + "然后分别到" + strings.Join(ts, "、") + "。")
		default:
			b.WriteString(stop)
			for _, e := range es {
				b.WriteString("\n   ")
				if e.Label != "" {
					fmt.Fprintf(&b, "如果“%s”：", clean(e.Label))
				} else {
					b.WriteString("另外：")
				}
				b.WriteString(target(n.ID, e) + "。")
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func lastRune(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	return string(r[len(r)-1])
}
