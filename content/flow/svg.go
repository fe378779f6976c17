package flow

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
)

const (
	colText      = "#1f2933"
	colEdge      = "#475569"
	colStep      = "#0f766e"
	colTermFill  = "#e6f4f2"
	colDecFill   = "#fff7ed"
	colDecStroke = "#d97706"
	colStoreFill = "#eef2ff"
	colStoreLine = "#4f46e5"
	colGroupFill = "#f8fafc"
	colGroupLine = "#cbd5e1"
	colGroupName = "#64748b"
	colLabelText = "#334155"
	fontFamily   = `system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif`
)

// num formats a coordinate with at most one decimal.
func num(x float64) string {
	x = math.Round(x*10) / 10
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		x = 0
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// idPrefix derives element ids from the diagram's content, so several diagrams can share
// a page and the same diagram always gets the same ids.
func (d *Diagram) idPrefix() string {
	h := fnv.New64a()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(d.Direction)
	w(d.Title)
	for _, n := range d.Nodes {
		w(n.ID)
		w(n.Text)
		w(n.Shape)
	}
	for _, e := range d.Edges {
		w(e.From)
		w(e.To)
		w(e.Label)
	}
	for _, g := range d.Groups {
		w(g.Name)
		w(strings.Join(g.NodeIDs, ","))
	}
	return fmt.Sprintf("flow-%012x", h.Sum64()&0xffffffffffff)
}

// SVG draws the diagram as a standalone <svg> element. It uses presentation attributes
// only (no style), so it passes a Content-Security-Policy without 'unsafe-inline'.
// width and height are the natural size in px; the viewBox lets CSS scale it down
// (max-width: 100%; height: auto).
func (d *Diagram) SVG() string {
	l := d.layout()
	id := d.idPrefix()
	title := clean(d.Title)
	if title == "" {
		title = "流程图"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="flow-chart" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="%s" font-family='%s' font-size="15">`,
		num(l.W), num(l.H), num(l.W), num(l.H), esc("流程图："+title), fontFamily)
	fmt.Fprintf(&b, "<title>%s</title>", esc(title))
	fmt.Fprintf(&b, `<defs><marker id="%s-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,1 L10,5 L0,9 z" fill="%s"/></marker></defs>`, id, colEdge)
	for _, g := range l.Groups {
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" rx="10" fill="%s" stroke="%s"/>`,
			num(g.Box.X), num(g.Box.Y), num(g.Box.W), num(g.Box.H), colGroupFill, colGroupLine)
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="13" font-weight="600" fill="%s">%s</text>`,
			num(g.LabelX), num(g.LabelY), colGroupName, esc(g.Name))
	}
	for _, e := range l.Edges {
		if len(e.Points) < 2 {
			continue
		}
		var p strings.Builder
		for k, pt := range e.Points {
			if k == 0 {
				p.WriteString("M")
			} else {
				p.WriteString(" L")
			}
			p.WriteString(num(pt.X) + "," + num(pt.Y))
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5" stroke-linejoin="round" marker-end="url(#%s-arrow)"/>`, p.String(), colEdge, id)
	}
	for _, lb := range l.Labels {
		r := lb.Box
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" rx="4" fill="#ffffff"/>`, num(r.X), num(r.Y), num(r.W), num(r.H))
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="13" text-anchor="middle" fill="%s">%s</text>`,
			num(r.X+r.W/2), num(r.Y+r.H/2+4.5), colLabelText, esc(lb.Text))
	}
	for _, n := range l.Nodes {
		x0, y0, x1, y1 := n.CX-n.W/2, n.CY-n.H/2, n.CX+n.W/2, n.CY+n.H/2
		textDY := 0.0
		switch n.Shape {
		case "decision":
			fmt.Fprintf(&b, `<polygon points="%s,%s %s,%s %s,%s %s,%s" fill="%s" stroke="%s" stroke-width="1.5"/>`,
				num(n.CX), num(y0), num(x1), num(n.CY), num(n.CX), num(y1), num(x0), num(n.CY), colDecFill, colDecStroke)
		case "terminal":
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" rx="%s" fill="%s" stroke="%s" stroke-width="1.5"/>`,
				num(x0), num(y0), num(n.W), num(n.H), num(math.Min(n.H/2, 22)), colTermFill, colStep)
		case "store":
			const ry = 8.0
			rx := n.W / 2
			fmt.Fprintf(&b, `<path d="M%s,%s V%s A%s,%s 0 0 0 %s,%s V%s A%s,%s 0 0 0 %s,%s Z" fill="%s" stroke="%s" stroke-width="1.5"/>`,
				num(x0), num(y0+ry), num(y1-ry), num(rx), num(ry), num(x1), num(y1-ry), num(y0+ry), num(rx), num(ry), num(x0), num(y0+ry),
				colStoreFill, colStoreLine)
			fmt.Fprintf(&b, `<ellipse cx="%s" cy="%s" rx="%s" ry="%s" fill="%s" stroke="%s" stroke-width="1.5"/>`,
				num(n.CX), num(y0+ry), num(rx), num(ry), colStoreFill, colStoreLine)
			textDY = ry / 2
		default:
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" rx="6" fill="#ffffff" stroke="%s" stroke-width="1.5"/>`,
				num(x0), num(y0), num(n.W), num(n.H), colStep)
		}
		k := float64(len(n.Lines))
		for i, line := range n.Lines {
			y := n.CY + textDY + (float64(i)-(k-1)/2)*lineHeight + 5
			fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" fill="%s">%s</text>`, num(n.CX), num(y), colText, esc(line))
		}
	}
	b.WriteString("</svg>")
	return b.String()
}
