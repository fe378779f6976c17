package flow

import (
	"math"
	"sort"
)

// The layout works in abstract coordinates: v runs along the flow (down in TD, right in LR),
// u runs across it (layers are rows in TD, columns in LR). Only the final mapping to x/y
// depends on the direction. "Breadth" is a size along u, "depth" a size along v.

type rect struct{ X, Y, W, H float64 }

func (r rect) overlaps(o rect) bool {
	return r.X < o.X+o.W && o.X < r.X+r.W && r.Y < o.Y+o.H && o.Y < r.Y+r.H
}

type point struct{ X, Y float64 }

type placedNode struct {
	Node
	Lines  []string
	CX, CY float64
	W, H   float64
	Layer  int
	Order  int // position in its layer
	Group  int // -1 when in no group
}

func (n placedNode) box() rect { return rect{n.CX - n.W/2, n.CY - n.H/2, n.W, n.H} }

type placedEdge struct {
	Edge
	Points []point // polyline from the source's border to the target's border
	Back   bool    // drawn around the side (a loop back to an earlier step)
}

type placedLabel struct {
	Text string
	Box  rect
}

type placedGroup struct {
	Name   string
	Box    rect
	LabelX float64 // start of the name's baseline
	LabelY float64
}

type layout struct {
	W, H   float64
	Nodes  []placedNode
	Edges  []placedEdge
	Labels []placedLabel
	Groups []placedGroup
}

// Spacing (abstract units = px).
const (
	margin      = 12.0
	gapTD       = 28.0 // between neighbours in a TD row
	gapLR       = 20.0 // between neighbours in an LR column
	dummyGap    = 16.0
	groupSide   = 14.0 // group box padding
	groupHead   = 30.0 // group box padding on the side of its name
	trackSep    = 10.0
	arrowRoom   = 12.0
	labelPad    = 5.0
	laneGap     = 22.0
	labelHeight = 20.0
)

type vertex struct {
	node           int // index into engine.nodes; -1 for a dummy on a long edge
	edge           int // for dummies
	layer          int
	group          int
	breadth, depth float64
	u, v           float64
	up, down       []int // indices into engine.segs
}

type segment struct {
	upper, lower int
	edge         int
	w            float64
}

type engine struct {
	lr      bool
	nodes   []placedNode
	idx     map[string]int
	edges   []Edge
	groups  []Group
	layer   []int
	verts   []vertex
	segs    []segment
	layers  [][]int
	chains  [][]int // per edge: vertices from source to target, nil for back edges
	back    []bool
	padUMin float64
	padUMax float64
	padVMin float64
	padVMax float64
	gapU    float64
}

func newEngine(d *Diagram) *engine {
	e := &engine{lr: d.Direction == "LR", idx: map[string]int{}}
	for _, n := range d.Nodes {
		if _, dup := e.idx[n.ID]; dup {
			continue
		}
		e.idx[n.ID] = len(e.nodes)
		e.nodes = append(e.nodes, placedNode{Node: n, Group: -1})
	}
	for _, ed := range d.Edges {
		_, ok1 := e.idx[ed.From]
		_, ok2 := e.idx[ed.To]
		if ok1 && ok2 {
			e.edges = append(e.edges, ed)
		}
	}
	for _, g := range d.Groups {
		gi := len(e.groups)
		var ids []string
		for _, id := range g.NodeIDs {
			if i, ok := e.idx[id]; ok && e.nodes[i].Group < 0 {
				e.nodes[i].Group = gi
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			e.groups = append(e.groups, Group{Name: g.Name, NodeIDs: ids})
		}
	}
	if e.lr {
		e.padUMin, e.padUMax, e.padVMin, e.padVMax, e.gapU = groupHead, groupSide, groupSide, groupSide, gapLR
	} else {
		e.padUMin, e.padUMax, e.padVMin, e.padVMax, e.gapU = groupSide, groupSide, groupHead, groupSide, gapTD
	}
	return e
}

// measure sizes every node to its (wrapped) text.
func (e *engine) measure(limit float64, only func(i int) bool) {
	for i := range e.nodes {
		if only != nil && !only(i) {
			continue
		}
		n := &e.nodes[i]
		lines, tw := wrap(clean(n.Text), limit)
		n.Lines = lines
		th := float64(len(lines)) * lineHeight
		switch n.Shape {
		case "decision":
			iw, ih := tw+16, th+4
			b := ih/2 + 18
			a := (iw / 2) / (1 - (ih/2)/b)
			n.W, n.H = math.Max(2*a, 110), 2*b
		case "terminal":
			h := th + 20
			n.W, n.H = math.Max(tw+24+0.6*h, 96), h
		case "store":
			n.W, n.H = math.Max(tw+32, 96), th+20+16
		default:
			n.W, n.H = math.Max(tw+32, 88), th+20
		}
		n.W, n.H = math.Ceil(n.W), math.Ceil(n.H)
	}
}

func (e *engine) breadth(i int) float64 {
	if e.lr {
		return e.nodes[i].H
	}
	return e.nodes[i].W
}

func (e *engine) depth(i int) float64 {
	if e.lr {
		return e.nodes[i].W
	}
	return e.nodes[i].H
}

// backEdges marks the edges (pairs over 0..k-1) that close a cycle in a depth-first search
// that starts at the sources in order, then at the remaining nodes in order.
func backEdges(k int, pairs [][2]int) []bool {
	out := make([][]int, k)
	indeg := make([]int, k)
	back := make([]bool, len(pairs))
	for i, p := range pairs {
		if p[0] == p[1] {
			back[i] = true
			continue
		}
		out[p[0]] = append(out[p[0]], i)
		indeg[p[1]]++
	}
	state := make([]int, k)
	var visit func(v int)
	visit = func(v int) {
		state[v] = 1
		for _, ei := range out[v] {
			switch w := pairs[ei][1]; state[w] {
			case 0:
				visit(w)
			case 1:
				back[ei] = true
			}
		}
		state[v] = 2
	}
	for v := 0; v < k; v++ {
		if indeg[v] == 0 && state[v] == 0 {
			visit(v)
		}
	}
	for v := 0; v < k; v++ {
		if state[v] == 0 {
			visit(v)
		}
	}
	return back
}

// topoOrder is Kahn's algorithm over the non-back pairs, smallest index first.
func topoOrder(k int, pairs [][2]int, back []bool) []int {
	indeg := make([]int, k)
	for i, p := range pairs {
		if !back[i] {
			indeg[p[1]]++
		}
	}
	done := make([]bool, k)
	var order []int
	for len(order) < k {
		next := -1
		for v := 0; v < k; v++ {
			if !done[v] && indeg[v] == 0 {
				next = v
				break
			}
		}
		if next < 0 { // cannot happen for a DAG; stay safe
			for v := 0; v < k; v++ {
				if !done[v] {
					next = v
					break
				}
			}
		}
		done[next] = true
		order = append(order, next)
		for i, p := range pairs {
			if !back[i] && p[0] == next {
				indeg[p[1]]--
			}
		}
	}
	return order
}

// assignLayers layers by longest path from the sources, treating each group as one block
// of consecutive layers that no other node shares (so its box is a clean band).
func (e *engine) assignLayers() {
	n := len(e.nodes)
	type unitInfo struct {
		members []int
		group   int
		height  int
	}
	unit := make([]int, n)
	var units []unitInfo
	gUnit := map[int]int{}
	for i := 0; i < n; i++ {
		g := e.nodes[i].Group
		if g >= 0 {
			if u, ok := gUnit[g]; ok {
				unit[i] = u
				units[u].members = append(units[u].members, i)
				continue
			}
			gUnit[g] = len(units)
		}
		unit[i] = len(units)
		units = append(units, unitInfo{members: []int{i}, group: g, height: 1})
	}
	// Layers inside each group.
	internal := make([]int, n)
	for u := range units {
		if units[u].group < 0 {
			continue
		}
		mem := units[u].members
		local := map[int]int{}
		for k, m := range mem {
			local[m] = k
		}
		var pairs [][2]int
		for _, ed := range e.edges {
			a, b := e.idx[ed.From], e.idx[ed.To]
			if unit[a] == u && unit[b] == u {
				pairs = append(pairs, [2]int{local[a], local[b]})
			}
		}
		back := backEdges(len(mem), pairs)
		lay := longestPath(len(mem), pairs, back)
		h := 0
		for k, m := range mem {
			internal[m] = lay[k]
			if lay[k]+1 > h {
				h = lay[k] + 1
			}
		}
		units[u].height = h
	}
	// Layers of the blocks.
	var pairs [][2]int
	for _, ed := range e.edges {
		a, b := unit[e.idx[ed.From]], unit[e.idx[ed.To]]
		if a != b {
			pairs = append(pairs, [2]int{a, b})
		}
	}
	k := len(units)
	back := backEdges(k, pairs)
	order := topoOrder(k, pairs, back)
	start := make([]int, k)
	placed := make([]bool, k)
	conflicts := func(u, s int) (int, bool) {
		for q := 0; q < k; q++ {
			if !placed[q] || q == u || (units[u].group < 0 && units[q].group < 0) {
				continue
			}
			if s < start[q]+units[q].height && start[q] < s+units[u].height {
				return start[q] + units[q].height, true
			}
		}
		return s, false
	}
	for _, u := range order {
		s := 0
		for i, p := range pairs {
			if !back[i] && p[1] == u && placed[p[0]] {
				if t := start[p[0]] + units[p[0]].height; t > s {
					s = t
				}
			}
		}
		for {
			ns, bad := conflicts(u, s)
			if !bad {
				break
			}
			s = ns
		}
		start[u], placed[u] = s, true
	}
	// Pull free sources down next to what they feed.
	for i := len(order) - 1; i >= 0; i-- {
		u := order[i]
		if units[u].group >= 0 {
			continue
		}
		hasPred, target := false, math.MaxInt
		for j, p := range pairs {
			if back[j] {
				continue
			}
			if p[1] == u {
				hasPred = true
			}
			if p[0] == u && start[p[1]]-1 < target {
				target = start[p[1]] - 1
			}
		}
		if hasPred || target == math.MaxInt || target <= start[u] {
			continue
		}
		if _, bad := conflicts(u, target); !bad {
			start[u] = target
		}
	}
	e.layer = make([]int, n)
	maxL := 0
	for i := 0; i < n; i++ {
		e.layer[i] = start[unit[i]] + internal[i]
		if e.layer[i] > maxL {
			maxL = e.layer[i]
		}
	}
	// Drop empty layers.
	used := make([]bool, maxL+1)
	for _, l := range e.layer {
		used[l] = true
	}
	remap := make([]int, maxL+1)
	c := 0
	for l := 0; l <= maxL; l++ {
		remap[l] = c
		if used[l] {
			c++
		}
	}
	for i := range e.layer {
		e.layer[i] = remap[e.layer[i]]
	}
}

func longestPath(k int, pairs [][2]int, back []bool) []int {
	lay := make([]int, k)
	for _, v := range topoOrder(k, pairs, back) {
		for i, p := range pairs {
			if !back[i] && p[1] == v && lay[p[0]]+1 > lay[v] {
				lay[v] = lay[p[0]] + 1
			}
		}
	}
	return lay
}

// buildGraph makes the proper layered graph: long edges get a dummy vertex per layer.
func (e *engine) buildGraph() {
	nL := 0
	for _, l := range e.layer {
		if l+1 > nL {
			nL = l + 1
		}
	}
	band := make([]int, nL)
	for l := range band {
		band[l] = -1
	}
	for i, l := range e.layer {
		if g := e.nodes[i].Group; g >= 0 {
			band[l] = g
		}
	}
	e.verts = e.verts[:0]
	for i := range e.nodes {
		e.verts = append(e.verts, vertex{node: i, edge: -1, layer: e.layer[i], group: e.nodes[i].Group,
			breadth: e.breadth(i), depth: e.depth(i)})
	}
	e.chains = make([][]int, len(e.edges))
	e.back = make([]bool, len(e.edges))
	e.segs = nil
	for ei, ed := range e.edges {
		a, b := e.idx[ed.From], e.idx[ed.To]
		if e.layer[b] <= e.layer[a] {
			e.back[ei] = true
			continue
		}
		chain := []int{a}
		for l := e.layer[a] + 1; l < e.layer[b]; l++ {
			// A long edge through a group's band runs among the group's nodes.
			chain = append(chain, len(e.verts))
			e.verts = append(e.verts, vertex{node: -1, edge: ei, layer: l, group: band[l]})
		}
		chain = append(chain, b)
		e.chains[ei] = chain
		for k := 0; k+1 < len(chain); k++ {
			w := 1.0
			switch d1, d2 := e.verts[chain[k]].node < 0, e.verts[chain[k+1]].node < 0; {
			case d1 && d2:
				w = 8
			case d1 || d2:
				w = 2
			}
			si := len(e.segs)
			e.segs = append(e.segs, segment{upper: chain[k], lower: chain[k+1], edge: ei, w: w})
			e.verts[chain[k]].down = append(e.verts[chain[k]].down, si)
			e.verts[chain[k+1]].up = append(e.verts[chain[k+1]].up, si)
		}
	}
	// A link that is its source's only way out and its target's only way in is part of a
	// chain: keeping it straight matters more than centring a parent over a fan-out.
	for i, sg := range e.segs {
		if len(e.verts[sg.upper].down) == 1 && len(e.verts[sg.lower].up) == 1 {
			e.segs[i].w *= 2
		}
	}
	// Initial order: depth-first from the sources, following edges in the order written.
	e.layers = make([][]int, nL)
	seen := make([]bool, len(e.verts))
	var visit func(v int)
	visit = func(v int) {
		if seen[v] {
			return
		}
		seen[v] = true
		e.layers[e.verts[v].layer] = append(e.layers[e.verts[v].layer], v)
		for _, s := range e.verts[v].down {
			visit(e.segs[s].lower)
		}
	}
	for v := range e.nodes {
		if len(e.verts[v].up) == 0 {
			visit(v)
		}
	}
	for v := range e.verts {
		visit(v)
	}
	for l := range e.layers {
		e.layers[l] = e.groupTogether(e.layers[l])
	}
}

// groupTogether keeps the members of a group next to each other, where the first one is.
func (e *engine) groupTogether(vs []int) []int {
	out := make([]int, 0, len(vs))
	done := map[int]bool{}
	for _, v := range vs {
		g := e.verts[v].group
		if g < 0 {
			out = append(out, v)
			continue
		}
		if done[g] {
			continue
		}
		done[g] = true
		for _, w := range vs {
			if e.verts[w].group == g {
				out = append(out, w)
			}
		}
	}
	return out
}

func (e *engine) crossings() int {
	pos := e.positions()
	c := 0
	for i := range e.segs {
		for j := i + 1; j < len(e.segs); j++ {
			a, b := e.segs[i], e.segs[j]
			if e.verts[a.upper].layer != e.verts[b.upper].layer {
				continue
			}
			if (pos[a.upper]-pos[b.upper])*(pos[a.lower]-pos[b.lower]) < 0 {
				c++
			}
		}
	}
	return c
}

func (e *engine) positions() []float64 {
	pos := make([]float64, len(e.verts))
	for _, vs := range e.layers {
		for i, v := range vs {
			pos[v] = (float64(i) + 0.5) / float64(len(vs))
		}
	}
	return pos
}

// order reduces crossings with barycenter sweeps, keeping the best order seen.
func (e *engine) order() {
	best := e.crossings()
	bestLayers := cloneLayers(e.layers)
	for iter := 0; iter < 8; iter++ {
		if iter%2 == 0 {
			for l := 1; l < len(e.layers); l++ {
				e.reorder(l, true)
			}
		} else {
			for l := len(e.layers) - 2; l >= 0; l-- {
				e.reorder(l, false)
			}
		}
		if c := e.crossings(); c <= best {
			best, bestLayers = c, cloneLayers(e.layers)
		}
	}
	e.layers = bestLayers
}

func cloneLayers(ls [][]int) [][]int {
	out := make([][]int, len(ls))
	for i, l := range ls {
		out[i] = append([]int(nil), l...)
	}
	return out
}

func (e *engine) reorder(l int, fromAbove bool) {
	pos := e.positions()
	vs := e.layers[l]
	baryOf := func(v int, above bool) float64 {
		segs := e.verts[v].down
		if above {
			segs = e.verts[v].up
		}
		if len(segs) == 0 {
			return pos[v]
		}
		sum := 0.0
		for _, s := range segs {
			if above {
				sum += pos[e.segs[s].upper]
			} else {
				sum += pos[e.segs[s].lower]
			}
		}
		return sum / float64(len(segs))
	}
	// Ties (siblings of one parent) are broken by the barycenter on the other side.
	bary, other := map[int]float64{}, map[int]float64{}
	for _, v := range vs {
		bary[v], other[v] = baryOf(v, fromAbove), baryOf(v, !fromAbove)
	}
	less := func(a, b int) bool {
		if math.Abs(bary[a]-bary[b]) > 1e-9 {
			return bary[a] < bary[b]
		}
		return other[a] < other[b]-1e-9
	}
	type unit struct {
		key     float64
		members []int
	}
	var units []*unit
	byGroup := map[int]*unit{}
	for _, v := range vs {
		g := e.verts[v].group
		if g >= 0 && byGroup[g] != nil {
			byGroup[g].members = append(byGroup[g].members, v)
			continue
		}
		u := &unit{members: []int{v}}
		units = append(units, u)
		if g >= 0 {
			byGroup[g] = u
		}
	}
	for _, u := range units {
		sum := 0.0
		for _, v := range u.members {
			sum += bary[v]
		}
		u.key = sum / float64(len(u.members))
		sort.SliceStable(u.members, func(i, j int) bool { return less(u.members[i], u.members[j]) })
	}
	sort.SliceStable(units, func(i, j int) bool { return units[i].key < units[j].key })
	out := vs[:0:0]
	for _, u := range units {
		out = append(out, u.members...)
	}
	e.layers[l] = out
}

// sep is the distance between the centres of neighbours a (before) and b in a layer.
func (e *engine) sep(a, b int) float64 {
	va, vb := e.verts[a], e.verts[b]
	gap := e.gapU
	if va.node < 0 || vb.node < 0 {
		gap = dummyGap
	}
	if va.group != vb.group {
		if vb.group >= 0 {
			gap += e.padUMin
		}
		if va.group >= 0 {
			gap += e.padUMax
		}
	}
	return va.breadth/2 + gap + vb.breadth/2
}

type wpoint struct{ x, w float64 }

func wmedian(pts []wpoint) float64 {
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].x < pts[j].x })
	total := 0.0
	for _, p := range pts {
		total += p.w
	}
	acc := 0.0
	for _, p := range pts {
		acc += p.w
		if acc >= total/2-1e-9 {
			return p.x
		}
	}
	return pts[len(pts)-1].x
}

// place assigns u: it minimises the weighted total |u_a - u_b| over all segments by block
// coordinate descent, layer by layer, keeping each layer's order and spacing. The L1
// objective keeps chains of steps exactly aligned, so most edges are straight.
func (e *engine) place() {
	for _, vs := range e.layers {
		u := 0.0
		for i, v := range vs {
			if i > 0 {
				u += e.sep(vs[i-1], v)
			}
			e.verts[v].u = u
		}
		for _, v := range vs {
			e.verts[v].u -= u / 2
		}
	}
	for iter := 0; iter < 40; iter++ {
		moved := 0.0
		for k := 0; k < 2*len(e.layers); k++ {
			l := k
			if k >= len(e.layers) {
				l = 2*len(e.layers) - 1 - k
			}
			moved += e.placeLayer(l, k < len(e.layers))
		}
		if moved < 0.01 {
			break
		}
	}
	// Snap to half units so the output is tidy.
	for i := range e.verts {
		e.verts[i].u = math.Round(e.verts[i].u*2) / 2
	}
}

func (e *engine) placeLayer(l int, down bool) float64 {
	vs := e.layers[l]
	type block struct {
		first, last int
		offs        []float64
		pts         []wpoint
		p           float64
	}
	// Neighbours on the side the sweep comes from weigh a little more, so a node with one
	// neighbour above and one below follows the sweep instead of staying between them.
	upW, downW := 1.0, 1.0+1e-2
	if down {
		upW, downW = 1.0+1e-2, 1.0
	}
	pointsOf := func(v int, off float64) []wpoint {
		pts := []wpoint{{e.verts[v].u - off, 1e-3}}
		for _, s := range e.verts[v].up {
			pts = append(pts, wpoint{e.verts[e.segs[s].upper].u - off, e.segs[s].w * upW})
		}
		for _, s := range e.verts[v].down {
			pts = append(pts, wpoint{e.verts[e.segs[s].lower].u - off, e.segs[s].w * downW})
		}
		return pts
	}
	var stack []block
	for i, v := range vs {
		b := block{first: i, last: i, offs: []float64{0}, pts: pointsOf(v, 0)}
		b.p = wmedian(b.pts)
		for len(stack) > 0 {
			t := stack[len(stack)-1]
			shift := t.offs[len(t.offs)-1] + e.sep(vs[t.last], vs[b.first])
			if b.p >= t.p+shift-1e-9 {
				break
			}
			for _, o := range b.offs {
				t.offs = append(t.offs, o+shift)
			}
			for _, p := range b.pts {
				t.pts = append(t.pts, wpoint{p.x - shift, p.w})
			}
			t.last = b.last
			t.p = wmedian(t.pts)
			b = t
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, b)
	}
	moved := 0.0
	for _, b := range stack {
		for k, o := range b.offs {
			v := vs[b.first+k]
			nu := b.p + o
			moved += math.Abs(nu - e.verts[v].u)
			e.verts[v].u = nu
		}
	}
	return moved
}
