package content

import (
	"html/template"
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxQuery is the longest search accepted; longer queries are cut.
const MaxQuery = 100

// Hit is one search result.
type Hit struct {
	Page    *Page
	InTitle bool
	Count   int           // occurrences in the body
	Snippet template.HTML // text around the first occurrence, the query marked
}

// Search finds pages whose title or body contains q (case-insensitive substring, which is
// what Chinese needs: there are no spaces to split words on). Title matches rank first,
// then pages with more occurrences, then reading order.
func (l *Library) Search(q string, limit int) []Hit {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	lq := strings.ToLower(q)
	var hits []Hit
	for _, p := range l.Pages {
		inTitle := strings.Contains(p.lowTitle, lq)
		lower := p.lower
		count := strings.Count(lower, lq)
		if !inTitle && count == 0 {
			continue
		}
		h := Hit{Page: p, InTitle: inTitle, Count: count}
		if count > 0 {
			h.Snippet = snippet(p.Text, lower, lq)
		} else {
			h.Snippet = template.HTML(template.HTMLEscapeString(cut(p.Text, 80)))
		}
		hits = append(hits, h)
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].InTitle != hits[j].InTitle {
			return hits[i].InTitle
		}
		return hits[i].Count > hits[j].Count
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// snippet shows about 30 characters either side of the first match. lower is text lowered,
// which for the scripts in the course keeps byte offsets aligned with text.
func snippet(text, lower, lq string) template.HTML {
	at := strings.Index(lower, lq)
	if len(lower) != len(text) {
		at = strings.Index(text, lq) // lowering changed lengths: fall back to an exact match
		if at < 0 {
			return template.HTML(template.HTMLEscapeString(cut(text, 80)))
		}
	}
	start := at
	for n := 0; n < 30 && start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	end := at + len(lq)
	for n := 0; n < 30 && end < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	b.WriteString(template.HTMLEscapeString(flatten(text[start:at])))
	b.WriteString("<mark>")
	b.WriteString(template.HTMLEscapeString(text[at : at+len(lq)]))
	b.WriteString("</mark>")
	b.WriteString(template.HTMLEscapeString(flatten(text[at+len(lq) : end])))
	if end < len(text) {
		b.WriteString("…")
	}
	return template.HTML(b.String())
}

func flatten(s string) string { return strings.Join(strings.Fields(s), " ") }

func cut(s string, n int) string {
	s = flatten(s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
