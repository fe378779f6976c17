package crmopt

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
)

// Well-known operational KPI ids the money and complaint equations read. A scenario without
// one of them simply has no such term.
const (
	KPIOnTime   = "on_time"
	KPIAccuracy = "accuracy"
	KPIDamage   = "damage"
)

// model is a scenario compiled into index-based arrays for the monthly equations. It is
// built afresh by every public function (it is cheap), so a Scenario never carries a cache
// that could go stale.
type model struct {
	sc       *Scenario
	nK       int
	kIdx     map[string]int
	iSat     int
	iChurn   int
	iOnTime  int // -1 when absent
	iAcc     int
	iDamage  int
	drivers  []int
	higher   []bool
	kmin     []float64
	kmax     []float64
	base     []float64
	noise    []float64
	trend    []float64
	nC       int
	cIdx     map[string]int
	w        [][]float64 // [class][kpi]
	churn0   []float64
	slope    []float64
	minChurn []float64
	sref     []float64 // satisfaction per class at today's KPIs: the reference of churn, new customers and wallet
	nS       int
	sIdx     map[string]int
	groups   []cgroup
	measures []cmeasure
	mIdx     map[string]int
	events   []cevent
	eIdx     map[string]int
	conts    []ccont
	coIdx    map[string]int
	season   [12]float64
	p        Params
}

type cgroup struct {
	c, s                 int
	n0, rev, ship, newPM float64
}

type ceffect struct {
	k int // KPI index; iSat and iChurn are per-class effects
	r Range
}

type cmit struct {
	e int
	f float64
}

type cmeasure struct {
	id      string
	eff     []ceffect // in KPI id order
	cls     []bool
	mit     []cmit
	req     []int
	conf    []int
	oneOff  float64
	monthly float64
	lead    int
}

type cevent struct {
	id      string
	month   int
	dur     int
	history []int
	shock   []float64 // [kpi]
	sat     []float64 // [class]
	churn   []float64 // [class]
	vol     []float64 // [segment]
	cost    float64
}

type ccont struct {
	id     string
	eff    []float64 // [kpi], satisfaction included
	cls    []bool
	mit    []cmit
	cost   float64
	events []int
}

func compile(sc *Scenario) *model {
	m := &model{sc: sc, nK: len(sc.KPIs), kIdx: map[string]int{}, iOnTime: -1, iAcc: -1, iDamage: -1,
		nC: len(sc.Classes), cIdx: map[string]int{}, nS: len(sc.Segments), sIdx: map[string]int{},
		mIdx: map[string]int{}, eIdx: map[string]int{}, coIdx: map[string]int{}, p: sc.Params}
	for i, k := range sc.KPIs {
		m.kIdx[k.ID] = i
		m.higher = append(m.higher, k.Better != Lower)
		m.kmin = append(m.kmin, k.Min)
		m.kmax = append(m.kmax, k.Max)
		m.base = append(m.base, k.Baseline)
		m.noise = append(m.noise, k.Noise)
		m.trend = append(m.trend, k.Trend)
		switch k.ID {
		case KPISatisfaction:
			m.iSat = i
		case KPIChurn:
			m.iChurn = i
		default:
			m.drivers = append(m.drivers, i)
		}
		switch k.ID {
		case KPIOnTime:
			m.iOnTime = i
		case KPIAccuracy:
			m.iAcc = i
		case KPIDamage:
			m.iDamage = i
		}
	}
	for i, c := range sc.Classes {
		m.cIdx[c.ID] = i
		m.churn0 = append(m.churn0, c.Churn)
		m.slope = append(m.slope, c.ChurnSlope)
		m.minChurn = append(m.minChurn, c.MinChurn)
		w := make([]float64, m.nK)
		for j, k := range sc.KPIs {
			w[j] = k.Weights[c.ID]
		}
		m.w = append(m.w, w)
	}
	for i, s := range sc.Segments {
		m.sIdx[s.ID] = i
	}
	for _, g := range sc.Groups {
		m.groups = append(m.groups, cgroup{c: m.cIdx[g.Class], s: m.sIdx[g.Segment], n0: float64(g.Customers), rev: g.Revenue, ship: g.Shipments, newPM: g.New})
	}
	for i, e := range sc.Events {
		m.eIdx[e.ID] = i
	}
	for i, x := range sc.Measures {
		m.mIdx[x.ID] = i
	}
	classMask := func(cs []string) []bool {
		mask := make([]bool, m.nC)
		for i := range mask {
			mask[i] = len(cs) == 0
		}
		for _, c := range cs {
			mask[m.cIdx[c]] = true
		}
		return mask
	}
	mits := func(mm map[string]float64) []cmit {
		var out []cmit
		for _, id := range sortedKeys(mm) {
			out = append(out, cmit{e: m.eIdx[id], f: mm[id]})
		}
		return out
	}
	for _, x := range sc.Measures {
		cm := cmeasure{id: x.ID, cls: classMask(x.Classes), mit: mits(x.Mitigates), oneOff: x.OneOff, monthly: x.Monthly, lead: x.Lead}
		for _, k := range sortedKeys(x.Effects) {
			cm.eff = append(cm.eff, ceffect{k: m.kIdx[k], r: x.Effects[k]})
		}
		for _, r := range x.Requires {
			cm.req = append(cm.req, m.mIdx[r])
		}
		for _, c := range x.Conflicts {
			cm.conf = append(cm.conf, m.mIdx[c])
		}
		m.measures = append(m.measures, cm)
	}
	for _, e := range sc.Events {
		ce := cevent{id: e.ID, month: e.Month, dur: max(1, e.Duration), history: e.History, cost: e.Cost,
			shock: make([]float64, m.nK), sat: make([]float64, m.nC), churn: make([]float64, m.nC), vol: make([]float64, m.nS)}
		for k, v := range e.Shocks {
			ce.shock[m.kIdx[k]] = v
		}
		for c, v := range e.Satisfaction {
			ce.sat[m.cIdx[c]] = v
		}
		for c, v := range e.Churn {
			ce.churn[m.cIdx[c]] = v
		}
		for i := range ce.vol {
			ce.vol[i] = 1
		}
		for s, v := range e.Volume {
			ce.vol[m.sIdx[s]] = v
		}
		m.events = append(m.events, ce)
	}
	for i, c := range sc.Contingencies {
		m.coIdx[c.ID] = i
		cc := ccont{id: c.ID, eff: make([]float64, m.nK), cls: classMask(c.Classes), mit: mits(c.Mitigates), cost: c.Cost}
		for k, v := range c.Effects {
			cc.eff[m.kIdx[k]] = v
		}
		for _, e := range c.Events {
			cc.events = append(cc.events, m.eIdx[e])
		}
		m.conts = append(m.conts, cc)
	}
	for i := range m.season {
		m.season[i] = 1
		if i < len(sc.Params.Seasonality) {
			m.season[i] = sc.Params.Seasonality[i]
		}
	}
	score := make([]float64, m.nK)
	for _, k := range m.drivers {
		score[k] = m.score(k, m.base[k])
	}
	m.sref = make([]float64, m.nC)
	for c := range m.sref {
		s := 0.0
		for _, k := range m.drivers {
			s += m.w[c][k] * score[k]
		}
		m.sref[c] = s
	}
	return m
}

// score maps a KPI value onto 0 (worst end of its range) … 100 (best end).
func (m *model) score(k int, v float64) float64 {
	s := (v - m.kmin[k]) / (m.kmax[k] - m.kmin[k]) * 100
	if !m.higher[k] {
		s = 100 - s
	}
	return clamp(s, 0, 100)
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// ---- randomness ----

// Stream identifiers: every kind of draw has its own PCG stream, so adding a measure to a
// plan never changes the market's noise or another measure's luck.
const (
	streamNoise     = 0x6e6f697365000000 // "noise": KPI fluctuation of one month
	streamLuck      = 0x6c75636b00000000 // "luck": one measure's performance in one run
	streamExecution = 0x6578656300000000 // "exec": the execution factor of one run
	streamDraw      = 0x6472617700000000 // "draw": the seed of one Monte Carlo draw
	streamSurvey    = 0x7375727600000000 // "surv": survey answers
	streamHistory   = 0x6869737400000000 // "hist": the past 12 months
)

// splitmix64 scrambles x; used to derive seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hashID(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// rng is a PCG with the few draws the model needs.
type rng struct{ p rand.PCG }

func newRNG(seed, stream, n uint64) rng {
	var r rng
	r.p.Seed(splitmix64(seed^splitmix64(n)), stream^n)
	return r
}

// float is uniform in (0, 1).
func (r *rng) float() float64 {
	return (float64(r.p.Uint64()>>11) + 0.5) * 0x1p-53
}

// normal is a standard normal (Box–Muller).
func (r *rng) normal() float64 {
	u1, u2 := r.float(), r.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

func (r *rng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	return int(r.p.Uint64() % uint64(n))
}

// triangular is the u-quantile of the triangular distribution of r.
func triangular(u float64, r Range) float64 {
	if r.High <= r.Low {
		return r.Likely
	}
	c := (r.Likely - r.Low) / (r.High - r.Low)
	if u < c {
		return r.Low + math.Sqrt(u*(r.High-r.Low)*(r.Likely-r.Low))
	}
	return r.High - math.Sqrt((1-u)*(r.High-r.Low)*(r.High-r.Likely))
}

// ---- plans in motion ----

// progItem is one scheduled measure with its drawn effects.
type progItem struct {
	m     int
	start int
	live  int       // first month with an effect: start + lead
	val   []float64 // drawn effect per cmeasure.eff
}

// liveFraction is the share of a measure's effect in month t: nothing before the lead time
// has passed, then 1/ramp more each month up to all of it.
func liveFraction(t, live, ramp int) float64 {
	if t < live {
		return 0
	}
	return math.Min(1, float64(t-live+1)/float64(max(1, ramp)))
}

// spend is what a scheduled measure costs in month t: the one-off cost in equal parts over
// the lead months, then the monthly cost.
func (cm *cmeasure) spend(t, start int) float64 {
	switch {
	case t < start:
		return 0
	case t < start+cm.lead:
		return cm.oneOff / float64(cm.lead)
	default:
		return cm.monthly
	}
}

// drawEffects draws a run's luck: one execution factor for the run and one performance
// quantile u per measure (0 worst, 1 best), giving each effect
// value = execution × triangular quantile.
func (m *model) drawEffects(seed uint64, items []progItem) (execution float64, luck []float64) {
	er := newRNG(seed, streamExecution, 0)
	execution = triangular(er.float(), m.p.Execution)
	luck = make([]float64, len(items))
	for i := range items {
		it := &items[i]
		cm := &m.measures[it.m]
		lr := newRNG(seed, streamLuck, hashID(cm.id))
		u := lr.float()
		luck[i] = u
		it.val = make([]float64, len(cm.eff))
		for j, e := range cm.eff {
			q := u
			if !m.higher[e.k] {
				q = 1 - u
			}
			it.val[j] = execution * triangular(q, e.r)
		}
	}
	return execution, luck
}

// sim holds the state carried from month to month and the work arrays of one month.
type sim struct {
	m *model
	// carried state
	N []float64 // customers per group at the end of the last month
	S []float64 // satisfaction per class (smoothed) at the end of the last month
	// work arrays of the current month
	drv        []float64 // KPI values; satisfaction and churn filled by satisfy/money
	satAdd     []float64 // [class] direct satisfaction points
	churnAdd   []float64 // [class] direct churn points
	vol        []float64 // [segment] volume factor
	factor     []float64 // [event] share of the event's harm left after mitigation
	churnRate  []float64 // [class] per cent
	wallet     []float64 // [class] volume factor from satisfaction
	newF       []float64 // [class] new-customer factor from satisfaction
	grp        []groupFlow
	eventCost  float64
	contCost   float64
	project    float64
	totals     monthTotals
	satWeights []float64 // [class] customers at the start of the month
}

type groupFlow struct {
	start, churned, added, shipments, revenue float64
}

type monthTotals struct {
	Revenue, Operating, Claims, Project, Events, Contingency, Cost, Profit float64
	Shipments, Complaints, Customers, Churned, New                         float64
}

func newSim(m *model) *sim {
	s := &sim{m: m,
		N: make([]float64, len(m.groups)), S: slices.Clone(m.sref),
		drv: make([]float64, m.nK), satAdd: make([]float64, m.nC), churnAdd: make([]float64, m.nC),
		vol: make([]float64, m.nS), factor: make([]float64, len(m.events)),
		churnRate: make([]float64, m.nC), wallet: make([]float64, m.nC), newF: make([]float64, m.nC),
		grp: make([]groupFlow, len(m.groups)), satWeights: make([]float64, m.nC)}
	for i, g := range m.groups {
		s.N[i] = g.n0
	}
	return s
}

func (s *sim) reset(S0 []float64) {
	for i, g := range s.m.groups {
		s.N[i] = g.n0
	}
	copy(s.S, S0)
}

// monthInput is everything that acts on one month besides the carried state.
type monthInput struct {
	t         int        // month index (history ≤ 0, run ≥ 1)
	trend     float64    // months to apply the KPI trend for (history: t; run: 0)
	items     []progItem // the plan's measures
	active    []bool     // [event] active this month
	cont      int        // contingency index or -1
	noiseSeed uint64
}

// drivers computes this month's operational KPIs and the direct satisfaction and churn
// effects:
//
//	KPI = baseline + trend + noise + Σ live share × drawn effect + Σ event shock × harm left
//	      + contingency effect, kept inside [min, max].
func (s *sim) drivers(in *monthInput) {
	m := s.m
	nr := newRNG(in.noiseSeed, streamNoise, uint64(int64(in.t)))
	for _, k := range m.drivers {
		s.drv[k] = m.base[k] + m.trend[k]*in.trend + m.noise[k]*nr.normal()
	}
	clear(s.satAdd)
	clear(s.churnAdd)
	for i := range s.vol {
		s.vol[i] = 1
	}
	for e := range s.factor {
		s.factor[e] = 1
	}
	s.project = 0
	ramp := m.p.RampMonths
	for i := range in.items {
		it := &in.items[i]
		cm := &m.measures[it.m]
		s.project += cm.spend(in.t, it.start)
		f := liveFraction(in.t, it.live, ramp)
		if f == 0 {
			continue
		}
		for j, e := range cm.eff {
			v := f * it.val[j]
			switch e.k {
			case m.iSat:
				for c := 0; c < m.nC; c++ {
					if cm.cls[c] {
						s.satAdd[c] += v
					}
				}
			case m.iChurn:
				for c := 0; c < m.nC; c++ {
					if cm.cls[c] {
						s.churnAdd[c] += v
					}
				}
			default:
				s.drv[e.k] += v
			}
		}
		for _, x := range cm.mit {
			s.factor[x.e] *= 1 - f*x.f
		}
	}
	s.contCost = 0
	if in.cont >= 0 {
		cc := &m.conts[in.cont]
		s.contCost = cc.cost
		for _, k := range m.drivers {
			s.drv[k] += cc.eff[k]
		}
		if v := cc.eff[m.iSat]; v != 0 {
			for c := 0; c < m.nC; c++ {
				if cc.cls[c] {
					s.satAdd[c] += v
				}
			}
		}
		for _, x := range cc.mit {
			s.factor[x.e] *= 1 - x.f
		}
	}
	s.eventCost = 0
	for e := range m.events {
		if in.active == nil || !in.active[e] {
			continue
		}
		ev := &m.events[e]
		f := s.factor[e]
		for _, k := range m.drivers {
			s.drv[k] += f * ev.shock[k]
		}
		for c := 0; c < m.nC; c++ {
			s.satAdd[c] += f * ev.sat[c]
			s.churnAdd[c] += f * ev.churn[c]
		}
		for i := range s.vol {
			s.vol[i] *= ev.vol[i]
		}
		s.eventCost += f * ev.cost
	}
	for _, k := range m.drivers {
		s.drv[k] = clamp(s.drv[k], m.kmin[k], m.kmax[k])
	}
}

// satisfy moves each class's satisfaction toward what this month's KPIs are worth and
// derives the churn rate, the new-customer factor and the wallet factor:
//
//	target_c = Σ_k w_ck × score_k + direct points
//	S_c     ← S_c + speed × (target_c − S_c)
//	churn_c = max(min_churn_c, churn0_c + slope_c × (Sref_c − S_c)) + direct churn points
//	new_c   = 1 + word_of_mouth × (S_c − Sref_c);  wallet_c = 1 + wallet × (S_c − Sref_c)
func (s *sim) satisfy() {
	m := s.m
	for c := 0; c < m.nC; c++ {
		target := s.satAdd[c]
		for _, k := range m.drivers {
			if w := m.w[c][k]; w != 0 {
				target += w * m.score(k, s.drv[k])
			}
		}
		target = clamp(target, 0, 100)
		s.S[c] += m.p.SatisfactionSpeed * (target - s.S[c])
		gap := s.S[c] - m.sref[c]
		s.churnRate[c] = clamp(math.Max(m.minChurn[c], m.churn0[c]-m.slope[c]*gap)+s.churnAdd[c], 0, 100)
		s.newF[c] = math.Max(0, 1+m.p.WordOfMouth*gap)
		s.wallet[c] = math.Max(0, 1+m.p.Wallet*gap)
	}
}

// money moves customers and counts revenue and cost:
//
//	shipments_g = N_g × shipments per customer × season × wallet_c × event volume
//	revenue_g   = N_g × revenue per customer × season × wallet_c × event volume
//	N_g        ← N_g − N_g × churn_c + new_g × new_c
//	cost = fixed + variable × revenue + claims + measures + events + contingency
//	profit = revenue − cost
func (s *sim) money(t int) {
	m := s.m
	season := m.season[m.sc.calendarMonth(t)]
	var tot monthTotals
	clear(s.satWeights)
	for i := range m.groups {
		g := &m.groups[i]
		n := s.N[i]
		mult := season * s.wallet[g.c] * s.vol[g.s]
		f := groupFlow{start: n, churned: n * s.churnRate[g.c] / 100, added: g.newPM * s.newF[g.c],
			shipments: n * g.ship * mult, revenue: n * g.rev * mult}
		s.grp[i] = f
		s.N[i] = n - f.churned + f.added
		s.satWeights[g.c] += n
		tot.Revenue += f.revenue
		tot.Shipments += f.shipments
		tot.Churned += f.churned
		tot.New += f.added
		tot.Customers += s.N[i]
	}
	start := tot.Customers + tot.Churned - tot.New
	if m.iDamage >= 0 {
		tot.Claims = tot.Shipments * s.drv[m.iDamage] / 100 * m.p.ClaimCost / 10000
	}
	rate := 0.0
	if m.iOnTime >= 0 {
		rate += (100 - s.drv[m.iOnTime]) / 100 * m.p.ComplaintLate
	}
	if m.iAcc >= 0 {
		rate += (100 - s.drv[m.iAcc]) / 100 * m.p.ComplaintWrong
	}
	if m.iDamage >= 0 {
		rate += s.drv[m.iDamage] / 100 * m.p.ComplaintDamage
	}
	tot.Complaints = tot.Shipments * rate
	tot.Operating = m.p.FixedCost + m.p.VariableCost*tot.Revenue
	tot.Project = s.project
	tot.Events = s.eventCost
	tot.Contingency = s.contCost
	tot.Cost = tot.Operating + tot.Claims + tot.Project + tot.Events + tot.Contingency
	tot.Profit = tot.Revenue - tot.Cost
	// The derived KPIs.
	sat, wsum := 0.0, 0.0
	for c := 0; c < m.nC; c++ {
		sat += s.S[c] * s.satWeights[c]
		wsum += s.satWeights[c]
	}
	if wsum > 0 {
		s.drv[m.iSat] = sat / wsum
	} else {
		s.drv[m.iSat] = 0
	}
	if start > 0 {
		s.drv[m.iChurn] = tot.Churned / start * 100
	} else {
		s.drv[m.iChurn] = 0
	}
	s.totals = tot
}

// activeAt marks the events active in month t: scheduled ones (Month ≤ t < Month+duration)
// and triggered ones (each with the month it was triggered).
func (m *model) activeAt(t int, scheduled bool, triggered []Triggered, out []bool) {
	for e := range out {
		out[e] = false
	}
	for e := range m.events {
		ev := &m.events[e]
		if scheduled && ev.month > 0 && t >= ev.month && t < ev.month+ev.dur {
			out[e] = true
		}
	}
	for _, tr := range triggered {
		e, ok := m.eIdx[tr.Event]
		if ok && t >= tr.Month && t < tr.Month+m.events[e].dur {
			out[e] = true
		}
	}
}
