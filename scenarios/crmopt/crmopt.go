// Package crmopt is the engine of the CRM-optimization task (任务书 4-15): a mid-sized logistics
// company whose CRM module updates customer information late, handles feedback slowly and
// applies service standards unevenly. A team assesses the company (History, Survey, the
// scenario's interviews, ScoreProblems), sets targets (CheckTargets), designs alternative plans
// from a catalogue of measures (CheckPlan), compares them with a Monte Carlo evaluation
// (Evaluate, CheckChoice), schedules the chosen plan (CheckSchedule, AutoSchedule) and runs it
// month by month (StartRun, Step) before it is assessed against table 4-14's eight standards
// and its own targets (Assess).
//
// The engine is pure and deterministic. Nothing reads the clock or a global random source:
// every random number comes from a math/rand/v2 PCG seeded from the scenario's or the caller's
// seed, and every draw has its own stream, so the same seed gives the same market to every
// team and two plans are compared on the same luck. No function changes its arguments: Step
// returns a new Run and leaves the old one as it was. Everything a caller keeps (Run, Month,
// Evaluation, Report) is plain JSON with exported fields and no maps.
//
// Money is in 万元 (10,000 yuan), rates in per cent, times in hours. The model's equations
// are explained for students in content/pages/29-crmopt-model.md.
package crmopt

import (
	"crmlab/scenarios/cards"

	"fmt"
	"math"
	"strconv"
	"strings"
)

// Error is a refusal with a Chinese message for the user. Code names the rule that refused
// (one of the Code* constants) so callers and tests need not read the message.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Refusal codes.
const (
	CodeUnknown       = "unknown"        // an id that the scenario does not have
	CodeEmpty         = "empty"          // a required field left empty
	CodeDuplicate     = "duplicate"      // the same thing twice
	CodeTargetRange   = "target_range"   // a target outside the KPI's possible range
	CodeMonth         = "month"          // a month outside the run
	CodePrerequisite  = "prerequisite"   // a measure without, or before, its prerequisite
	CodeConflict      = "conflict"       // two measures that exclude each other
	CodeBudget        = "budget"         // over the monthly cap or the total budget
	CodeLeadTime      = "lead_time"      // a measure that cannot take effect before the end
	CodeJustification = "justification"  // a choice without a reason
	CodeMonthDone     = "month_done"     // a decision for a month already run
	CodeFinished      = "finished"       // the run is over
	CodeNotApplicable = "not_applicable" // a contingency with no matching event this month
	CodeMismatch      = "mismatch"       // a run of another scenario
	CodeTooFew        = "too_few"        // fewer plans than a comparison needs
)

func refuse(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Derived KPI ids: computed by the model, never set by a scenario's baseline.
const (
	KPISatisfaction = "satisfaction"
	KPIChurn        = "churn"
)

// Better directions of a KPI.
const (
	Higher = "higher"
	Lower  = "lower"
)

// Scenario is one simulated company and its market, read from content/sims/*.yaml.
// Treat it as read-only once parsed.
type Scenario struct {
	ID      string `yaml:"id" json:"id"`
	Title   string `yaml:"title" json:"title"`
	Company string `yaml:"company" json:"company"`
	Intro   string `yaml:"intro" json:"intro"`
	// Start is the calendar month of run month 1, "YYYY-MM". History covers the 12 months before.
	Start       string  `yaml:"start" json:"start"`
	Months      int     `yaml:"months" json:"months"`
	Seed        uint64  `yaml:"seed" json:"seed"`                 // the market of History and Survey, and the default run seed
	BudgetCap   float64 `yaml:"budget_cap" json:"budget_cap"`     // 万元 a month for measures and contingencies
	BudgetTotal float64 `yaml:"budget_total" json:"budget_total"` // 万元 over the whole run

	Classes       []Class          `yaml:"classes" json:"classes"`
	Segments      []Segment        `yaml:"segments" json:"segments"`
	Groups        []Group          `yaml:"groups" json:"groups"`
	KPIs          []KPI            `yaml:"kpis" json:"kpis"`
	Params        Params           `yaml:"params" json:"params"`
	Measures      []Measure        `yaml:"measures" json:"measures"`
	Events        []EventDef       `yaml:"events" json:"events"`
	Contingencies []Contingency    `yaml:"contingencies" json:"contingencies"`
	Problems      []PlantedProblem `yaml:"problems" json:"problems"`
	Interviews    []Interview      `yaml:"interviews" json:"interviews"`
	Survey        SurveyConfig     `yaml:"survey" json:"survey"`
	Standards     []Standard       `yaml:"standards" json:"standards"`
	// Rubric is how an instructor grades the team's report: one criterion per standard of
	// table 4-14 (same id), each suggested from the run's score on that standard.
	Rubric       []cards.RawCriterion `yaml:"rubric" json:"-"`
	ReportRubric []cards.Criterion    `yaml:"-" json:"-"`
	TeacherNotes string               `yaml:"teacher_notes" json:"teacher_notes,omitempty"`
}

// Class is a customer class of the ABC classification with its churn behaviour.
type Class struct {
	ID    string `yaml:"id" json:"id"` // A, B, C
	Label string `yaml:"label" json:"label"`
	// Churn is the monthly churn rate in per cent at today's satisfaction.
	Churn float64 `yaml:"churn" json:"churn"`
	// ChurnSlope is how many percentage points the churn rate rises per satisfaction point lost.
	ChurnSlope float64 `yaml:"churn_slope" json:"churn_slope"`
	// MinChurn is the floor of the satisfaction-driven churn rate (per cent a month).
	MinChurn    float64 `yaml:"min_churn" json:"min_churn"`
	Description string  `yaml:"description" json:"description,omitempty"`
}

// Segment is a market type: e-commerce, enterprise, scattered customers.
type Segment struct {
	ID    string `yaml:"id" json:"id"`
	Label string `yaml:"label" json:"label"`
}

// Group is the customers of one class in one segment today.
type Group struct {
	Class     string  `yaml:"class" json:"class"`
	Segment   string  `yaml:"segment" json:"segment"`
	Customers int     `yaml:"customers" json:"customers"`
	Revenue   float64 `yaml:"revenue" json:"revenue"`     // 万元 per customer per month
	Shipments float64 `yaml:"shipments" json:"shipments"` // 票 per customer per month
	New       float64 `yaml:"new" json:"new"`             // new customers per month at today's satisfaction
}

// KPI is one indicator. Operational KPIs (drivers) have a baseline the company shows today;
// satisfaction and churn are derived by the model.
type KPI struct {
	ID       string  `yaml:"id" json:"id"`
	Label    string  `yaml:"label" json:"label"`
	Unit     string  `yaml:"unit" json:"unit"`
	Better   string  `yaml:"better" json:"better"` // "higher" or "lower"
	Min      float64 `yaml:"min" json:"min"`       // the possible range: values are kept inside it,
	Max      float64 `yaml:"max" json:"max"`       // targets must lie inside it, scores run from worst to best end
	Baseline float64 `yaml:"baseline" json:"baseline,omitempty"`
	Noise    float64 `yaml:"noise" json:"noise,omitempty"` // standard deviation of the monthly fluctuation
	Trend    float64 `yaml:"trend" json:"trend,omitempty"` // change per month over the past year (History)
	Decimals int     `yaml:"decimals" json:"decimals"`
	// Weights is the KPI's weight in each class's satisfaction (class id → weight).
	Weights     map[string]float64 `yaml:"weights" json:"weights,omitempty"`
	Derived     bool               `yaml:"derived" json:"derived,omitempty"`
	Description string             `yaml:"description" json:"description,omitempty"`
}

// Params are the model's constants.
type Params struct {
	RampMonths        int     `yaml:"ramp_months" json:"ramp_months"`               // months from first effect to full effect
	SatisfactionSpeed float64 `yaml:"satisfaction_speed" json:"satisfaction_speed"` // share of the gap satisfaction closes each month
	FixedCost         float64 `yaml:"fixed_cost" json:"fixed_cost"`                 // 万元 a month
	VariableCost      float64 `yaml:"variable_cost" json:"variable_cost"`           // share of revenue
	ClaimCost         float64 `yaml:"claim_cost" json:"claim_cost"`                 // 元 paid per damaged shipment
	ComplaintLate     float64 `yaml:"complaint_late" json:"complaint_late"`         // share of late shipments that complain
	ComplaintWrong    float64 `yaml:"complaint_wrong" json:"complaint_wrong"`       // share of wrong deliveries that complain
	ComplaintDamage   float64 `yaml:"complaint_damage" json:"complaint_damage"`     // share of damaged shipments that complain
	WordOfMouth       float64 `yaml:"word_of_mouth" json:"word_of_mouth"`           // change of new customers per satisfaction point
	Wallet            float64 `yaml:"wallet" json:"wallet"`                         // change of volume per customer per satisfaction point
	// Execution is the team's execution factor drawn once per run: it multiplies every
	// measure's effect.
	Execution   Range     `yaml:"execution" json:"execution"`
	Seasonality []float64 `yaml:"seasonality" json:"seasonality"` // 12 volume factors, January first
}

// Range is an uncertain effect: a triangular distribution from Low to High, most often Likely
// (Low ≤ Likely ≤ High as numbers). In YAML it is written [low, likely, high].
type Range struct {
	Low    float64 `json:"low"`
	Likely float64 `json:"likely"`
	High   float64 `json:"high"`
}

// Measure is one entry of the catalogue a plan is built from.
type Measure struct {
	ID       string  `yaml:"id" json:"id"`
	Title    string  `yaml:"title" json:"title"`
	Category string  `yaml:"category" json:"category"` // 技术升级, 流程改进, 人员培训, 客户关系
	OneOff   float64 `yaml:"one_off" json:"one_off"`   // 万元, paid in equal parts over the lead months
	Monthly  float64 `yaml:"monthly" json:"monthly"`   // 万元 a month once it is in service
	Lead     int     `yaml:"lead" json:"lead"`         // months of preparation before the first effect (≥ 1)
	// Effects are KPI id → change of the KPI when fully in effect; "satisfaction" adds
	// satisfaction points and "churn" percentage points of churn, both only for Classes.
	Effects     map[string]Range   `yaml:"effects" json:"effects"`
	Classes     []string           `yaml:"classes" json:"classes,omitempty"`
	Mitigates   map[string]float64 `yaml:"mitigates" json:"mitigates,omitempty"` // event id → share of its harm removed
	Requires    []string           `yaml:"requires" json:"requires,omitempty"`
	Conflicts   []string           `yaml:"conflicts" json:"conflicts,omitempty"`
	Risk        string             `yaml:"risk" json:"risk,omitempty"`
	Description string             `yaml:"description" json:"description"`
}

// EventDef is a market or operations event.
type EventDef struct {
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description" json:"description"`
	Month       int    `yaml:"month" json:"month"`       // run month it happens; 0: only when the instructor triggers it
	Duration    int    `yaml:"duration" json:"duration"` // months (default 1)
	History     []int  `yaml:"history" json:"history,omitempty"`
	// Shocks are added to operational KPIs while the event lasts.
	Shocks       map[string]float64 `yaml:"shocks" json:"shocks,omitempty"`
	Satisfaction map[string]float64 `yaml:"satisfaction" json:"satisfaction,omitempty"` // class → points
	Churn        map[string]float64 `yaml:"churn" json:"churn,omitempty"`               // class → percentage points
	Volume       map[string]float64 `yaml:"volume" json:"volume,omitempty"`             // segment → volume factor
	Cost         float64            `yaml:"cost" json:"cost,omitempty"`                 // 万元 a month
}

// Contingency is an optional one-month decision during the run.
type Contingency struct {
	ID          string             `yaml:"id" json:"id"`
	Title       string             `yaml:"title" json:"title"`
	Description string             `yaml:"description" json:"description"`
	Cost        float64            `yaml:"cost" json:"cost"`
	Effects     map[string]float64 `yaml:"effects" json:"effects,omitempty"` // KPI id or "satisfaction" → change this month
	Classes     []string           `yaml:"classes" json:"classes,omitempty"`
	Mitigates   map[string]float64 `yaml:"mitigates" json:"mitigates,omitempty"`
	Events      []string           `yaml:"events" json:"events,omitempty"` // only while one of them is active (empty: any month)
}

// StandardOf is the index of the standard a report rubric criterion follows (its id, with
// "_" read as "-", since rubric ids cannot hold "-"); -1 when none.
func (sc *Scenario) StandardOf(criterionID string) int {
	id := strings.ReplaceAll(criterionID, "_", "-")
	for i, st := range sc.Standards {
		if st.ID == id {
			return i
		}
	}
	return -1
}

// PlantedProblem is one problem the assessment step should find.
type PlantedProblem struct {
	ID          string   `yaml:"id" json:"id"`
	Title       string   `yaml:"title" json:"title"`
	Description string   `yaml:"description" json:"description"`
	Keywords    []string `yaml:"keywords" json:"keywords"`
	Categories  []string `yaml:"categories" json:"categories"` // survey categories that reveal it
	KPIs        []string `yaml:"kpis" json:"kpis"`
	SurveyHint  string   `yaml:"survey_hint" json:"survey_hint"`
	Comments    []string `yaml:"comments" json:"comments"` // what customers write about it
}

// Interview is one interview note of the assessment step.
type Interview struct {
	ID    string   `yaml:"id" json:"id"`
	Role  string   `yaml:"role" json:"role"`
	Name  string   `yaml:"name" json:"name"`
	Text  string   `yaml:"text" json:"text"`
	Hints []string `yaml:"hints" json:"hints"` // planted problem ids it points at
}

// SurveyConfig maps the questionnaire categories of card 4-7 to the model.
type SurveyConfig struct {
	Categories       []SurveyCategory `yaml:"categories" json:"categories"`
	DefaultQuestions []SurveyQuestion `yaml:"default_questions" json:"default_questions"`
	PersonNoise      float64          `yaml:"person_noise" json:"person_noise"`     // sd of one respondent's mood (score points)
	QuestionNoise    float64          `yaml:"question_noise" json:"question_noise"` // sd of one answer (score points)
	CommentRate      float64          `yaml:"comment_rate" json:"comment_rate"`     // share of respondents who write a comment
}

// SurveyCategory is one questionnaire category. A respondent's hidden score for it is
// Σ KPIs[k] × score_k + Base[class].
type SurveyCategory struct {
	Name string             `yaml:"name" json:"name"`
	KPIs map[string]float64 `yaml:"kpis" json:"kpis,omitempty"`
	Base map[string]float64 `yaml:"base" json:"base,omitempty"`
	Open bool               `yaml:"open" json:"open,omitempty"` // open suggestions: answered by comments
}

// Standard is one of table 4-14's evaluation standards:
// score = min(100, Σ KPIs[k] × score_k + Σ Measures[m] for measures in service).
type Standard struct {
	ID          string             `yaml:"id" json:"id"`
	Label       string             `yaml:"label" json:"label"`
	Description string             `yaml:"description" json:"description"`
	KPIs        map[string]float64 `yaml:"kpis" json:"kpis,omitempty"`
	Measures    map[string]float64 `yaml:"measures" json:"measures,omitempty"`
	CostBenefit bool               `yaml:"cost_benefit" json:"cost_benefit,omitempty"`
}

// KPIByID returns the KPI with id, or nil.
func (sc *Scenario) KPIByID(id string) *KPI {
	for i := range sc.KPIs {
		if sc.KPIs[i].ID == id {
			return &sc.KPIs[i]
		}
	}
	return nil
}

// MeasureByID returns the measure with id, or nil.
func (sc *Scenario) MeasureByID(id string) *Measure {
	for i := range sc.Measures {
		if sc.Measures[i].ID == id {
			return &sc.Measures[i]
		}
	}
	return nil
}

// EventByID returns the event with id, or nil.
func (sc *Scenario) EventByID(id string) *EventDef {
	for i := range sc.Events {
		if sc.Events[i].ID == id {
			return &sc.Events[i]
		}
	}
	return nil
}

// ContingencyByID returns the contingency with id, or nil.
func (sc *Scenario) ContingencyByID(id string) *Contingency {
	for i := range sc.Contingencies {
		if sc.Contingencies[i].ID == id {
			return &sc.Contingencies[i]
		}
	}
	return nil
}

// MonthLabel is the calendar month "YYYY-MM" of a month index: 1 is Start, 0 the month before.
func (sc *Scenario) MonthLabel(index int) string {
	y, m, ok := parseYM(sc.Start)
	if !ok {
		return fmt.Sprintf("第%d月", index)
	}
	n := y*12 + (m - 1) + (index - 1)
	return fmt.Sprintf("%04d-%02d", floorDiv(n, 12), n-floorDiv(n, 12)*12+1)
}

// calendarMonth is 0..11 (January = 0) of a month index.
func (sc *Scenario) calendarMonth(index int) int {
	_, m, ok := parseYM(sc.Start)
	if !ok {
		m = 1
	}
	n := (m - 1) + (index - 1)
	return n - floorDiv(n, 12)*12
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func parseYM(s string) (year, month int, ok bool) {
	y, m, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		return 0, 0, false
	}
	yy, err1 := strconv.Atoi(y)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || yy < 1900 || yy > 9999 || mm < 1 || mm > 12 {
		return 0, 0, false
	}
	return yy, mm, true
}

// fmtNum formats v with at most dec decimals and no trailing zeros.
func fmtNum(v float64, dec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// fmtKPI formats a KPI value with its unit.
func fmtKPI(k *KPI, v float64) string {
	dec := k.Decimals
	if dec == 0 && k.Unit == "%" {
		dec = 1
	}
	s := fmtNum(v, dec)
	switch k.Unit {
	case "", "分":
		if k.Unit == "分" {
			return s + " 分"
		}
		return s
	case "%":
		return s + "%"
	default:
		return s + " " + k.Unit
	}
}
