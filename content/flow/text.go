package flow

import (
	"strings"
	"unicode/utf8"
)

// Text metrics at font-size 15: ~15 px per CJK character, ~8.5 px per ASCII character.
const (
	fontSize   = 15.0
	lineHeight = 20.0
	labelFont  = 13.0
	wrapLimit  = 135.0 // a node line longer than ~9 CJK characters is wrapped
	maxLines   = 3
)

// isWide reports whether r is drawn about one em wide (CJK, full-width forms, emoji).
func isWide(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0xA4CF, r >= 0xAC00 && r <= 0xD7A3,
		r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F, r >= 0xFF00 && r <= 0xFF60,
		r >= 0xFFE0 && r <= 0xFFE6, r >= 0x1F300 && r <= 0x1FAFF, r >= 0x20000 && r <= 0x3FFFD:
		return true
	}
	return false
}

func runeWidth(r rune, size float64) float64 {
	switch {
	case r == ' ':
		return size / 3
	case isWide(r):
		return size
	}
	return size * 8.5 / 15
}

func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		w += runeWidth(r, size)
	}
	return w
}

// clean drops control characters and collapses runs of spaces.
func clean(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f || r == '\u3000' || r == '\u00a0' {
			if r == '\t' || r == '\u3000' || r == '\u00a0' {
				r = ' '
			} else {
				continue
			}
		}
		if r == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

type token struct {
	text  string
	w     float64
	space bool
	wide  bool
}

func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		r, sz := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == ' ':
			toks = append(toks, token{text: " ", w: runeWidth(' ', fontSize), space: true})
			i += sz
		case r < utf8.RuneSelf || !isWide(r):
			j := i
			for j < len(s) {
				r2, sz2 := utf8.DecodeRuneInString(s[j:])
				if r2 == ' ' || isWide(r2) {
					break
				}
				j += sz2
			}
			toks = append(toks, token{text: s[i:j], w: textWidth(s[i:j], fontSize)})
			i = j
		default:
			toks = append(toks, token{text: s[i : i+sz], w: runeWidth(r, fontSize), wide: true})
			i += sz
		}
	}
	return toks
}

const (
	closers = "：；，、。！？）」』》〉】”’%:;,.!?)]}"
	openers = "（「『《〈【“‘([{"
)

// breakCost is the cost of starting a new line before toks[i]; ok is false where a
// line must not break (before closing punctuation, after opening punctuation).
func breakCost(toks []token, i int) (float64, bool) {
	a, b := toks[i-1], toks[i]
	if a.space || b.space {
		return 0, true
	}
	first, _ := utf8.DecodeRuneInString(b.text)
	last, _ := utf8.DecodeLastRuneInString(a.text)
	switch {
	case strings.ContainsRune(closers, first), strings.ContainsRune(openers, last):
		return 0, false
	case strings.ContainsRune("：；:;", last):
		return -30, true
	case strings.ContainsRune("，、。！？）」』》", last):
		return -10, true
	case strings.ContainsRune(openers, first):
		return 10, true
	case a.wide != b.wide:
		return 5, true
	case a.wide && b.wide:
		return 45, true
	}
	return 0, false
}

func joinTokens(toks []token) (string, float64) {
	for len(toks) > 0 && toks[0].space {
		toks = toks[1:]
	}
	for len(toks) > 0 && toks[len(toks)-1].space {
		toks = toks[:len(toks)-1]
	}
	var b strings.Builder
	w := 0.0
	for _, t := range toks {
		b.WriteString(t.text)
		w += t.w
	}
	return b.String(), w
}

// wrap splits s into at most maxLines lines of about limit px, preferring natural
// break points (spaces, after ：，、), never inside an ASCII word. It returns the lines
// and the widest line's width.
func wrap(s string, limit float64) ([]string, float64) {
	toks := tokenize(s)
	full, total := joinTokens(toks)
	if len(toks) < 2 || total <= limit && !(total > limit*0.85 && hasColonBreak(toks)) {
		return []string{full}, total
	}
	var breaks []int
	var costs []float64
	for i := 1; i < len(toks); i++ {
		if c, ok := breakCost(toks, i); ok {
			breaks = append(breaks, i)
			costs = append(costs, c)
		}
	}
	if len(breaks) == 0 {
		return []string{full}, total
	}
	score := func(cuts []int, pen float64) (float64, []string, float64) {
		var lines []string
		maxW, cost := 0.0, pen
		prev := 0
		for k := 0; k <= len(cuts); k++ {
			end := len(toks)
			if k < len(cuts) {
				end = cuts[k]
			}
			line, w := joinTokens(toks[prev:end])
			lines = append(lines, line)
			if w > maxW {
				maxW = w
			}
			if w <= fontSize && strings.ContainsFunc(line, isWide) {
				cost += 60 // a lone CJK character on a line
			}
			prev = end
		}
		if maxW > limit*1.15 {
			cost += (maxW - limit*1.15) * 3
		}
		return cost + maxW, lines, maxW
	}
	var best []string
	bestW := 0.0
	for n := 2; n <= maxLines; n++ {
		bestCost := 0.0
		best = nil
		if n == 2 || len(breaks) < 2 {
			for k, b := range breaks {
				c, lines, w := score([]int{b}, costs[k])
				if best == nil || c <= bestCost+1e-9 {
					best, bestCost, bestW = lines, c, w
				}
			}
		} else {
			for k1 := 0; k1 < len(breaks); k1++ {
				for k2 := k1 + 1; k2 < len(breaks); k2++ {
					c, lines, w := score([]int{breaks[k1], breaks[k2]}, costs[k1]+costs[k2])
					if best == nil || c <= bestCost+1e-9 {
						best, bestCost, bestW = lines, c, w
					}
				}
			}
		}
		if bestW <= limit*1.2 || len(breaks) < n {
			break
		}
	}
	return best, bestW
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func esc(s string) string { return xmlEscaper.Replace(clean(s)) }

// hasColonBreak reports a "名称：内容" text, which reads best broken after the colon.
func hasColonBreak(toks []token) bool {
	for i := 2; i < len(toks)-1; i++ {
		if c, ok := breakCost(toks, i); ok && c < -20 {
			return true
		}
	}
	return false
}
