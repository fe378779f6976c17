package content

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"regexp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"crmlab/content/flow"
)

// markdown renders course Markdown: GFM tables, heading ids, raw HTML shown as text (never
// passed through), and ```flow blocks drawn as SVG figures.
type markdown struct {
	gm goldmark.Markdown
}

func newMarkdown() *markdown {
	gm := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		goldmark.WithRendererOptions(
			renderer.WithNodeRenderers(util.Prioritized(&courseRenderer{}, 100)),
		),
	)
	return &markdown{gm: gm}
}

// render turns a Markdown fragment into HTML, its plain text and the number of diagrams.
// firstLine is the fragment's first line in its file, so diagram errors point at the file.
func (m *markdown) render(src string, firstLine int) (template.HTML, string, int, []Problem, error) {
	source := []byte(src)
	doc := m.gm.Parser().Parse(text.NewReader(source))
	var problems []Problem
	var plain strings.Builder
	diagrams := 0
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if n.Type() == ast.TypeBlock {
				plain.WriteByte('\n')
			}
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.FencedCodeBlock:
			if string(n.Language(source)) == "flow" {
				diagrams++
				d, err := flow.Parse(blockText(n, source))
				var fe *flow.Error
				switch {
				case errors.As(err, &fe):
					line := firstLine + lineOf(source, n) + fe.Line
					problems = append(problems, Problem{Line: line, Message: "流程图：" + fe.Message})
				case err != nil:
					problems = append(problems, Problem{Line: firstLine + lineOf(source, n), Message: "流程图：" + err.Error()})
				default:
					plain.WriteString(d.Title + "\n" + d.Describe() + "\n")
				}
				return ast.WalkSkipChildren, nil
			}
			plain.WriteString(blockText(n, source))
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			plain.Write(n.Segment.Value(source))
			if n.SoftLineBreak() || n.HardLineBreak() {
				plain.WriteByte(' ')
			}
		case *ast.String:
			plain.Write(n.Value)
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return "", "", 0, nil, err
	}
	var buf bytes.Buffer
	if err := m.gm.Renderer().Render(&buf, source, doc); err != nil {
		return "", "", 0, nil, err
	}
	return template.HTML(buf.String()), strings.TrimSpace(plain.String()), diagrams, problems, nil
}

var svgWidth = regexp.MustCompile(`^<svg[^>]*\swidth="([0-9.]+)"`)

// wideDiagram is the natural width above which a diagram would drop below about 9 px text on
// a 360 px phone if scaled to fit.
const wideDiagram = 560

func wide(svg string) bool {
	m := svgWidth.FindStringSubmatch(svg)
	if m == nil {
		return false
	}
	w, err := strconv.ParseFloat(m[1], 64)
	return err == nil && w > wideDiagram
}

func blockText(n ast.Node, source []byte) string {
	var b strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(source))
	}
	return b.String()
}

// lineOf is the 0-based line of the opening fence of a code block within source.
func lineOf(source []byte, n *ast.FencedCodeBlock) int {
	lines := n.Lines()
	if lines.Len() == 0 {
		return 0
	}
	return bytes.Count(source[:lines.At(0).Start], []byte("\n")) - 1
}

// courseRenderer overrides three node kinds of goldmark's HTML renderer.
type courseRenderer struct{}

func (r *courseRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, r.renderCode)
	reg.Register(ast.KindHTMLBlock, r.renderRawBlock)
	reg.Register(ast.KindRawHTML, r.renderRawInline)
}

func (r *courseRenderer) renderCode(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.FencedCodeBlock)
	src := blockText(n, source)
	if string(n.Language(source)) == "flow" {
		d, err := flow.Parse(src)
		if err != nil {
			// Load reports the error with its line; a page is never published with it.
			fmt.Fprintf(w, `<p class="diagram-error">流程图有误：%s</p>`, template.HTMLEscapeString(err.Error()))
			return ast.WalkSkipChildren, nil
		}
		svg := d.SVG()
		// A wide diagram (an architecture with six boxes in a row) would shrink to unreadable
		// text on a phone; it keeps its natural size and scrolls sideways inside its frame.
		if wide(svg) {
			w.WriteString(`<figure class="diagram wide">`)
			w.WriteString(`<p class="scroll-hint" aria-hidden="true">← 图较宽，可左右滑动查看 →</p>`)
		} else {
			w.WriteString(`<figure class="diagram">`)
		}
		w.WriteString(`<div class="diagram-frame">`)
		w.WriteString(svg)
		w.WriteString(`</div>`)
		if d.Title != "" {
			fmt.Fprintf(w, `<figcaption>%s</figcaption>`, template.HTMLEscapeString(d.Title))
		}
		fmt.Fprintf(w, `<details class="diagram-text"><summary>文字版流程</summary><pre>%s</pre></details>`, template.HTMLEscapeString(d.Describe()))
		w.WriteString(`</figure>`)
		return ast.WalkSkipChildren, nil
	}
	w.WriteString("<pre><code>")
	w.WriteString(template.HTMLEscapeString(src))
	w.WriteString("</code></pre>\n")
	return ast.WalkSkipChildren, nil
}

// Raw HTML in course Markdown is shown as the text the author typed, escaped, so a stray
// <script> can never run in a student's browser.
func (r *courseRenderer) renderRawBlock(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	w.WriteString("<p>")
	w.WriteString(template.HTMLEscapeString(blockText(node, source)))
	w.WriteString("</p>\n")
	return ast.WalkSkipChildren, nil
}

func (r *courseRenderer) renderRawInline(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.RawHTML)
	for i := 0; i < n.Segments.Len(); i++ {
		seg := n.Segments.At(i)
		w.WriteString(template.HTMLEscapeString(string(seg.Value(source))))
	}
	return ast.WalkSkipChildren, nil
}
