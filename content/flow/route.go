package flow

import (
	"math"
	"sort"
)

type channel struct {
	segs    []int
	track   map[int]int // segment → track; absent for straight segments
	nTracks int
	srcMax  float64 // deepest label on source stubs (0: none)
	tgtMax  float64
	trkMax  float64
	srcZone float64
	tgtZone float64
	start   float64 // v of the first track
	padLow  float64 // group padding below the upper layer
	// loops through this channel: leaving the layer above, entering the layer below
	backLow, backHigh []int
}

type labelPlan struct {
	text    string
	ch      int
	zone    int // 0 source stub, 1 target stub, 2 on the track
	u       float64
	seg     int
	breadth float64
	depth   float64
}

const (
	zoneSrc = iota
	zoneTgt
	zoneTrack
)

func (e *engine) labelSize(text string) (breadth, depth float64) {
	w := math.Ceil(textWidth(clean(text), labelFont) + 12)
	if e.lr {
		return labelHeight, w
	}
	return w, labelHeight
}

// run does the whole layout.
func (d *Diagram) layout() *layout {
	e := newEngine(d)
	e.measure(wrapLimit, nil)
	e.assignLayers()
	if !e.lr {
		// Rows wider than a page column get narrower text, so phones need less zoom.
		rows := e.rowWidths()
		e.measure(6*fontSize, func(i int) bool { return rows[e.layer[i]] > 700 })
	}
	e.buildGraph()
	e.order()
	e.place()
	return e.route()
}

func (e *engine) rowWidths() map[int]float64 {
	rows := map[int]float64{}
	for i := range e.nodes {
		rows[e.layer[i]] += e.nodes[i].W + e.gapU
	}
	return rows
}

func (e *engine) layerGroups() []int {
	lg := make([]int, len(e.layers))
	for l := range lg {
		lg[l] = -1
		for _, v := range e.layers[l] {
			if e.verts[v].node >= 0 && e.verts[v].group >= 0 {
				lg[l] = e.verts[v].group
			}
		}
	}
	return lg
}

type absLabel struct {
	text  string
	u, v  float64
	b, dp float64
}

// backPlan is how a loop back to an earlier step is drawn: out of the side of its source,
// up a lane beside everything, into the side of its target; or, when other nodes sit on
// both sides of an end, out of the source's bottom and into the target's top through the
// channels (which hold no nodes).
type backPlan struct {
	edge      int
	side      float64
	viaChan   bool
	low, high int // channel tracks (viaChan): below the source's layer, above the target's
}

func (e *engine) route() *layout {
	nL := len(e.layers)
	// chans[c] lies between layer c-1 and layer c; chans[0] is above the first layer and
	// chans[nL] below the last, used only by loops.
	chans := make([]channel, nL+1)
	for si, s := range e.segs {
		c := e.verts[s.upper].layer + 1
		chans[c].segs = append(chans[c].segs, si)
	}
	for c := range chans {
		e.assignTracks(&chans[c])
	}
	lg := e.layerGroups()
	gu := e.groupSpans()
	// Loops: side and kind, with tracks reserved in channels when needed.
	var backs []int
	for ei := range e.edges {
		if e.back[ei] {
			backs = append(backs, ei)
		}
	}
	sort.SliceStable(backs, func(i, j int) bool {
		a, b := backs[i], backs[j]
		sa := e.layer[e.idx[e.edges[a].From]] - e.layer[e.idx[e.edges[a].To]]
		sb := e.layer[e.idx[e.edges[b].From]] - e.layer[e.idx[e.edges[b].To]]
		return sa < sb
	})
	var plans []backPlan
	for _, ei := range backs {
		a, b := e.idx[e.edges[ei].From], e.idx[e.edges[ei].To]
		va, vb := e.verts[a], e.verts[b]
		bestSide, bestCost, bestBlocked := 1.0, math.Inf(1), 0.0
		for _, side := range []float64{1, -1} {
			ext := e.extent(side, vb.layer, va.layer, lg, gu, nil)
			blocked := 0.0
			for _, end := range []int{a, b} {
				me := e.verts[end]
				for _, v := range e.layers[me.layer] {
					if side*(e.verts[v].u-me.u) > 0 {
						if e.verts[v].node >= 0 {
							blocked += 10
						} else {
							blocked++
						}
					}
				}
			}
			cost := blocked*1000 + (ext - side*(va.u+side*va.breadth/2)) + (ext - side*(vb.u+side*vb.breadth/2))
			if cost < bestCost-1e-9 {
				bestSide, bestCost, bestBlocked = side, cost, blocked
			}
		}
		p := backPlan{edge: ei, side: bestSide}
		if bestBlocked >= 10 {
			// Through the channels; take the nearer side.
			p.viaChan = true
			r := e.extent(1, vb.layer, va.layer, lg, gu, nil) - math.Max(va.u, vb.u)
			l := e.extent(-1, vb.layer, va.layer, lg, gu, nil) + math.Min(va.u, vb.u)
			p.side = 1
			if l < r {
				p.side = -1
			}
			lowC, highC := &chans[va.layer+1], &chans[vb.layer]
			p.low, p.high = len(lowC.backLow), len(highC.backHigh)
			lowC.backLow = append(lowC.backLow, ei)
			highC.backHigh = append(highC.backHigh, ei)
		}
		plans = append(plans, p)
	}
	// Edge labels of forward edges, on the part of the edge no other edge shares.
	var lplans []labelPlan
	sharedDone := map[int]bool{}
	for ei, ed := range e.edges {
		if ed.Label == "" || e.back[ei] {
			continue
		}
		si := -1
		for _, s := range e.verts[e.chains[ei][0]].down {
			if e.segs[s].edge == ei && si < 0 {
				si = s
			}
		}
		s := e.segs[si]
		up, lo := e.verts[s.upper], e.verts[s.lower]
		b, dp := e.labelSize(ed.Label)
		p := labelPlan{text: ed.Label, ch: up.layer + 1, seg: si, breadth: b, depth: dp}
		switch {
		case len(lo.up) == 1:
			p.zone, p.u = zoneTgt, lo.u
		case e.sameLabelsInto(s.lower, ed.Label):
			if sharedDone[s.lower] {
				continue
			}
			sharedDone[s.lower] = true
			p.zone, p.u = zoneTgt, lo.u
		case len(up.down) == 1:
			p.zone, p.u = zoneSrc, up.u
		default:
			p.zone, p.u = zoneTrack, (up.u+lo.u)/2
			if _, ok := chans[p.ch].track[si]; !ok {
				p.zone = zoneTgt
			}
		}
		c := &chans[p.ch]
		switch p.zone {
		case zoneSrc:
			c.srcMax = math.Max(c.srcMax, dp)
		case zoneTgt:
			c.tgtMax = math.Max(c.tgtMax, dp)
		default:
			c.trkMax = math.Max(c.trkMax, dp)
		}
		lplans = append(lplans, p)
	}
	// Along v: layer centres and channel zones.
	depth := make([]float64, nL)
	for l, vs := range e.layers {
		for _, v := range vs {
			depth[l] = math.Max(depth[l], e.verts[v].depth)
		}
	}
	minGap := 40.0
	if e.lr {
		minGap = 48
	}
	center := make([]float64, nL)
	bandOf := func(l int) int {
		if l < 0 || l >= nL {
			return -1
		}
		return lg[l]
	}
	cur := 0.0
	for c := range chans {
		ch := &chans[c]
		above, below := bandOf(c-1), bandOf(c)
		if above >= 0 && below != above {
			ch.padLow = e.padVMax
		}
		padTop := 0.0
		if below >= 0 && below != above {
			padTop = e.padVMin
		}
		tracks := len(ch.backLow) + ch.nTracks + len(ch.backHigh)
		span := 0.0
		if c > 0 && c < nL {
			ch.srcZone, ch.tgtZone = 14, 18
			if e.lr {
				ch.srcZone, ch.tgtZone = 16, 22
			}
			if ch.srcMax > 0 {
				ch.srcZone = math.Max(ch.srcZone, ch.srcMax+2*labelPad)
			}
			if ch.tgtMax > 0 {
				ch.tgtZone = math.Max(ch.tgtZone, ch.tgtMax+2*labelPad+arrowRoom)
			}
			if ch.trkMax > 0 {
				ch.srcZone = math.Max(ch.srcZone, ch.trkMax/2+8)
				ch.tgtZone = math.Max(ch.tgtZone, ch.trkMax/2+arrowRoom+4)
			}
			span = ch.srcZone + ch.tgtZone + float64(max(tracks-1, 0))*trackSep
			if span < minGap {
				ch.srcZone += (minGap - span) / 2
				ch.tgtZone += (minGap - span) / 2
				span = minGap
			}
		} else if tracks > 0 {
			ch.srcZone, ch.tgtZone = 12, arrowRoom+8
			span = ch.srcZone + ch.tgtZone + float64(tracks-1)*trackSep
		}
		ch.start = cur + ch.padLow + ch.srcZone
		cur += ch.padLow + span + padTop
		if c < nL {
			center[c] = cur + depth[c]/2
			cur += depth[c]
		}
	}
	for l, vs := range e.layers {
		for _, v := range vs {
			e.verts[v].v = center[l]
		}
	}
	trackV := func(c, k int) float64 { return chans[c].start + float64(k)*trackSep }
	// Forward edges.
	edges := make([]placedEdge, len(e.edges))
	for ei, chain := range e.chains {
		edges[ei].Edge = e.edges[ei]
		if chain == nil {
			continue
		}
		first, last := e.verts[chain[0]], e.verts[chain[len(chain)-1]]
		pts := []point{{first.u, first.v + first.depth/2}}
		for k := 0; k+1 < len(chain); k++ {
			x, y := e.verts[chain[k]], e.verts[chain[k+1]]
			si := -1
			for _, s := range x.down {
				if e.segs[s].lower == chain[k+1] && e.segs[s].edge == ei {
					si = s
				}
			}
			c := x.layer + 1
			if t, ok := chans[c].track[si]; ok {
				tv := trackV(c, len(chans[c].backLow)+t)
				pts = append(pts, point{x.u, tv}, point{y.u, tv})
			}
		}
		pts = append(pts, point{last.u, last.v - last.depth/2})
		edges[ei].Points = simplify(pts)
	}
	var labels []absLabel
	for _, p := range lplans {
		c := chans[p.ch]
		tracks := len(c.backLow) + c.nTracks + len(c.backHigh)
		end := trackV(p.ch, max(tracks-1, 0))
		var v float64
		switch p.zone {
		case zoneSrc:
			v = c.start - c.srcZone/2
		case zoneTgt:
			v = end + (c.tgtZone-arrowRoom)/2
		default:
			v = trackV(p.ch, len(c.backLow)+c.track[p.seg])
		}
		labels = append(labels, absLabel{p.text, p.u, v, p.breadth, p.depth})
	}
	// Loops, now that v is known: lanes outside everything they pass, inner lanes first.
	var lanes []laneInfo
	for _, p := range plans {
		ei, side := p.edge, p.side
		ed := e.edges[ei]
		a, b := e.idx[ed.From], e.idx[ed.To]
		va, vb := e.verts[a], e.verts[b]
		var pa, pb point
		var route []point
		if p.viaChan {
			lowC, highC := va.layer+1, vb.layer
			pa = point{va.u, trackV(lowC, p.low)}
			pb = point{vb.u, trackV(highC, len(chans[highC].backLow)+chans[highC].nTracks+p.high)}
		} else {
			offA, offB := 0.0, 0.0
			if a == b {
				offA, offB = va.depth*0.3, -va.depth*0.3
			}
			pa = point{va.u + side*va.breadth/2, va.v + offA}
			pb = point{vb.u + side*vb.breadth/2, vb.v + offB}
		}
		ext := e.extent(side, vb.layer, va.layer, lg, gu, lanes)
		// The label sits on the lane, or beside it when the lane is too short to show it.
		inward, outward := 0.0, 0.0
		var lb, ldp float64
		beside := false
		if ed.Label != "" {
			lb, ldp = e.labelSize(ed.Label)
			if pa.Y-pb.Y < ldp+2*arrowRoom {
				beside, outward = true, lb+6
			} else {
				inward, outward = lb/2+4, lb/2+4
			}
		}
		u := side * (ext + laneGap + inward)
		lanes = append(lanes, laneInfo{side: side, u: u, lo: vb.layer, hi: va.layer, half: outward})
		if p.viaChan {
			route = []point{{va.u, va.v + va.depth/2}, pa, {u, pa.Y}, {u, pb.Y}, pb, {vb.u, vb.v - vb.depth/2}}
		} else {
			route = []point{pa, {u, pa.Y}, {u, pb.Y}, pb}
		}
		edges[ei].Back = true
		edges[ei].Points = simplify(route)
		if ed.Label != "" {
			lu := u
			if beside {
				lu = u + side*(6+lb/2)
			}
			labels = append(labels, absLabel{ed.Label, lu, (pa.Y + pb.Y) / 2, lb, ldp})
		}
	}
	labels = e.separateLabels(labels)
	// Group boxes.
	type gbox struct{ u0, u1, v0, v1 float64 }
	gboxes := make([]gbox, len(e.groups))
	for g := range e.groups {
		b := gbox{gu[g][0], gu[g][1], math.Inf(1), math.Inf(-1)}
		for l := range e.layers {
			if lg[l] == g {
				b.v0 = math.Min(b.v0, center[l]-depth[l]/2-e.padVMin)
				b.v1 = math.Max(b.v1, center[l]+depth[l]/2+e.padVMax)
			}
		}
		nameW := textWidth(clean(e.groups[g].Name), labelFont) + 24
		if e.lr {
			b.v1 = math.Max(b.v1, b.v0+nameW)
		}
		gboxes[g] = b
	}
	// Map to x/y.
	mapPt := func(p point) point {
		if e.lr {
			return point{p.Y, p.X}
		}
		return p
	}
	mapRect := func(u0, v0, bu, dv float64) rect {
		if e.lr {
			return rect{v0, u0, dv, bu}
		}
		return rect{u0, v0, bu, dv}
	}
	lay := &layout{}
	for i := range e.nodes {
		n := e.nodes[i]
		vt := e.verts[i]
		c := mapPt(point{vt.u, vt.v})
		n.CX, n.CY = c.X, c.Y
		n.Layer = vt.layer
		for k, v := range e.layers[vt.layer] {
			if v == i {
				n.Order = k
			}
		}
		lay.Nodes = append(lay.Nodes, n)
	}
	for _, ed := range edges {
		for k, p := range ed.Points {
			ed.Points[k] = mapPt(p)
		}
		lay.Edges = append(lay.Edges, ed)
	}
	for _, l := range labels {
		lay.Labels = append(lay.Labels, placedLabel{Text: l.text, Box: mapRect(l.u-l.b/2, l.v-l.dp/2, l.b, l.dp)})
	}
	for g, b := range gboxes {
		lay.Groups = append(lay.Groups, placedGroup{Name: e.groups[g].Name, Box: mapRect(b.u0, b.v0, b.u1-b.u0, b.v1-b.v0)})
	}
	lay.finish()
	return lay
}

// separateLabels moves a label that would cover a node or an earlier label to the nearest
// free spot (rare: duplicate edges, crowded channels).
func (e *engine) separateLabels(labels []absLabel) []absLabel {
	var boxes []rect
	for _, vt := range e.verts {
		if vt.node >= 0 {
			boxes = append(boxes, rect{vt.u - vt.breadth/2, vt.v - vt.depth/2, vt.breadth, vt.depth})
		}
	}
	free := func(r rect) bool {
		for _, b := range boxes {
			if r.overlaps(b) {
				return false
			}
		}
		return true
	}
	for i, l := range labels {
		at := func(du, dv float64) rect { return rect{l.u + du - l.b/2 - 1, l.v + dv - l.dp/2 - 1, l.b + 2, l.dp + 2} }
		best := at(0, 0)
		if !free(best) {
		search:
			for k := 1; k <= 40; k++ {
				d := float64(k) * 6
				for _, off := range [][2]float64{{d, 0}, {-d, 0}, {0, d}, {0, -d}, {d, d}, {-d, d}, {d, -d}, {-d, -d}} {
					if r := at(off[0], off[1]); free(r) {
						best, labels[i].u, labels[i].v = r, l.u+off[0], l.v+off[1]
						break search
					}
				}
			}
		}
		boxes = append(boxes, best)
	}
	return labels
}

type laneInfo struct {
	side   float64
	u      float64
	lo, hi int
	half   float64
}

// groupSpans is each group box's extent across the flow (u).
func (e *engine) groupSpans() [][2]float64 {
	out := make([][2]float64, len(e.groups))
	for g := range out {
		out[g] = [2]float64{math.Inf(1), math.Inf(-1)}
	}
	for _, vt := range e.verts {
		if vt.group < 0 {
			continue
		}
		s := &out[vt.group]
		s[0] = math.Min(s[0], vt.u-vt.breadth/2)
		s[1] = math.Max(s[1], vt.u+vt.breadth/2)
	}
	for g := range out {
		out[g][0] -= e.padUMin
		out[g][1] += e.padUMax
		if !e.lr {
			nameW := textWidth(clean(e.groups[g].Name), labelFont) + 24
			out[g][1] = math.Max(out[g][1], out[g][0]+nameW)
		}
	}
	return out
}

// extent is how far (times side) anything reaches on that side across layers lo..hi.
func (e *engine) extent(side float64, lo, hi int, lg []int, gu [][2]float64, lanes []laneInfo) float64 {
	ext := math.Inf(-1)
	push := func(x float64) { ext = math.Max(ext, side*x) }
	for l := lo; l <= hi; l++ {
		for _, v := range e.layers[l] {
			push(e.verts[v].u + side*e.verts[v].breadth/2)
		}
		if g := lg[l]; g >= 0 {
			if side > 0 {
				push(gu[g][1])
			} else {
				push(gu[g][0])
			}
		}
	}
	for _, ln := range lanes {
		if ln.side == side && ln.lo <= hi && lo <= ln.hi {
			push(ln.u + side*ln.half)
		}
	}
	return ext
}

// sameLabelsInto reports whether every edge arriving at v starts right above it and carries
// label, so one label on the shared stub says it for all.
func (e *engine) sameLabelsInto(v int, label string) bool {
	for _, s := range e.verts[v].up {
		sg := e.segs[s]
		if e.edges[sg.edge].Label != label || e.chains[sg.edge][0] != sg.upper {
			return false
		}
	}
	return true
}

// assignTracks gives every set of segments that share a source or a target (a "net") one
// horizontal track in the channel; nets whose spans overlap get different tracks.
func (e *engine) assignTracks(c *channel) {
	c.track = map[int]int{}
	n := len(c.segs)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) {
		ra, rb := find(a), find(b)
		if ra < rb {
			parent[rb] = ra
		} else if rb < ra {
			parent[ra] = rb
		}
	}
	joinBy := func(key func(segment) int, only []int) {
		first := map[int]int{}
		for _, i := range only {
			k := key(e.segs[c.segs[i]])
			if j, ok := first[k]; ok {
				union(i, j)
			} else {
				first[k] = i
			}
		}
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	joinBy(func(s segment) int { return s.upper }, all)
	joinBy(func(s segment) int { return s.lower }, all)
	// A net with several sources and several targets is only drawn as one bus when every
	// source really goes to every target; otherwise split it by source.
	nets := map[int][]int{}
	var roots []int
	for i := 0; i < n; i++ {
		r := find(i)
		if _, ok := nets[r]; !ok {
			roots = append(roots, r)
		}
		nets[r] = append(nets[r], i)
	}
	var split [][]int
	for _, r := range roots {
		mem := nets[r]
		ups, los, pairs := map[int]bool{}, map[int]bool{}, map[[2]int]bool{}
		for _, i := range mem {
			s := e.segs[c.segs[i]]
			ups[s.upper], los[s.lower], pairs[[2]int{s.upper, s.lower}] = true, true, true
		}
		if len(ups) > 1 && len(los) > 1 && len(pairs) != len(ups)*len(los) {
			by := map[int][]int{}
			var order []int
			for _, i := range mem {
				k := e.segs[c.segs[i]].upper
				if _, ok := by[k]; !ok {
					order = append(order, k)
				}
				by[k] = append(by[k], i)
			}
			for _, k := range order {
				split = append(split, by[k])
			}
			continue
		}
		split = append(split, mem)
	}
	type span struct {
		lo, hi float64
		mem    []int
	}
	var spans []span
	for _, mem := range split {
		sp := span{lo: math.Inf(1), hi: math.Inf(-1)}
		for _, i := range mem {
			s := e.segs[c.segs[i]]
			a, b := e.verts[s.upper].u, e.verts[s.lower].u
			if math.Abs(a-b) < 0.5 {
				continue
			}
			sp.mem = append(sp.mem, i)
			sp.lo = math.Min(sp.lo, math.Min(a, b))
			sp.hi = math.Max(sp.hi, math.Max(a, b))
		}
		if len(sp.mem) > 0 {
			spans = append(spans, sp)
		}
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	var ends []float64
	for _, sp := range spans {
		t := -1
		for k, end := range ends {
			if end+24 < sp.lo {
				t = k
				break
			}
		}
		if t < 0 {
			t = len(ends)
			ends = append(ends, 0)
		}
		ends[t] = sp.hi
		for _, i := range sp.mem {
			c.track[c.segs[i]] = t
		}
	}
	c.nTracks = len(ends)
}

// simplify drops repeated points and points in the middle of a straight run.
func simplify(pts []point) []point {
	var out []point
	for _, p := range pts {
		if n := len(out); n > 0 && math.Abs(out[n-1].X-p.X) < 0.01 && math.Abs(out[n-1].Y-p.Y) < 0.01 {
			continue
		}
		if n := len(out); n >= 2 {
			a, b := out[n-2], out[n-1]
			if (math.Abs(a.X-b.X) < 0.01 && math.Abs(b.X-p.X) < 0.01) || (math.Abs(a.Y-b.Y) < 0.01 && math.Abs(b.Y-p.Y) < 0.01) {
				out[n-1] = p
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// finish moves everything to positive coordinates, places group names and sets the size.
func (l *layout) finish() {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	add := func(r rect) {
		minX, minY = math.Min(minX, r.X), math.Min(minY, r.Y)
		maxX, maxY = math.Max(maxX, r.X+r.W), math.Max(maxY, r.Y+r.H)
	}
	for _, n := range l.Nodes {
		add(n.box())
	}
	for _, e := range l.Edges {
		for _, p := range e.Points {
			add(rect{p.X - 6, p.Y - 6, 12, 12})
		}
	}
	for _, lb := range l.Labels {
		add(lb.Box)
	}
	for _, g := range l.Groups {
		add(g.Box)
	}
	if math.IsInf(minX, 1) {
		minX, minY, maxX, maxY = 0, 0, 0, 0
	}
	dx, dy := margin-minX, margin-minY
	for i := range l.Nodes {
		l.Nodes[i].CX += dx
		l.Nodes[i].CY += dy
	}
	for i := range l.Edges {
		for k := range l.Edges[i].Points {
			l.Edges[i].Points[k].X += dx
			l.Edges[i].Points[k].Y += dy
		}
	}
	for i := range l.Labels {
		l.Labels[i].Box.X += dx
		l.Labels[i].Box.Y += dy
	}
	for i := range l.Groups {
		g := &l.Groups[i]
		g.Box.X += dx
		g.Box.Y += dy
		nameW := textWidth(clean(g.Name), labelFont)
		g.LabelX, g.LabelY = g.Box.X+12, g.Box.Y+19
		name := rect{g.LabelX - 2, g.Box.Y + 5, nameW + 4, 18}
		if l.crossesEdge(name) {
			g.LabelX = g.Box.X + g.Box.W - 12 - nameW
		}
	}
	l.W = math.Ceil(maxX - minX + 2*margin)
	l.H = math.Ceil(maxY - minY + 2*margin)
}

func (l *layout) crossesEdge(r rect) bool {
	for _, e := range l.Edges {
		for k := 0; k+1 < len(e.Points); k++ {
			a, b := e.Points[k], e.Points[k+1]
			seg := rect{math.Min(a.X, b.X), math.Min(a.Y, b.Y), math.Abs(a.X-b.X) + 0.01, math.Abs(a.Y-b.Y) + 0.01}
			if seg.overlaps(r) {
				return true
			}
		}
	}
	return false
}
