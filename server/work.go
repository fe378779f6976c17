package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"crmlab/content"
	"crmlab/scenarios/cards"
	"crmlab/scenarios/crmopt"
	"crmlab/scenarios/selfscore"
	"crmlab/server/store"
)

// cardKind and sheetKind let instructors assign exercise cards and self-scoring sheets.
type cardKind struct{ s *Server }

func (k cardKind) Kind() string  { return "card" }
func (k cardKind) Label() string { return "练习卡" }
func (k cardKind) Choices() []ActivityChoice {
	lib, _ := k.s.content.Current()
	var out []ActivityChoice
	for _, c := range lib.CardList() {
		out = append(out, ActivityChoice{ContentID: c.ID, Title: c.Title, GroupWork: c.GroupWork})
	}
	return out
}
func (k cardKind) StudentURL(a store.Activity) string { return workURL(a, "/cards/") }

type sheetKind struct{ s *Server }

func (k sheetKind) Kind() string  { return "sheet" }
func (k sheetKind) Label() string { return "自评表" }
func (k sheetKind) Choices() []ActivityChoice {
	lib, _ := k.s.content.Current()
	var out []ActivityChoice
	for _, sh := range lib.SheetList() {
		out = append(out, ActivityChoice{ContentID: sh.ID, Title: sh.Title})
	}
	return out
}
func (k sheetKind) StudentURL(a store.Activity) string { return workURL(a, "/sheets/") }

// workURL is an assigned activity's work page, or the content's preview when the link
// comes from a lesson page and nothing is assigned.
func workURL(a store.Activity, preview string) string {
	if a.ID == 0 {
		return preview + a.ContentID
	}
	return "/classes/" + itoa64(a.ClassID) + "/work/" + itoa64(a.ID)
}

// work is what a student fills for an activity: an exercise card or a self-scoring sheet,
// both presented as card fields so one form, one autosave and one print view serve both.
type work struct {
	card  *content.Card
	sheet *content.Sheet
	sim   *crmopt.Scenario // the simulation's team report is graded, not filled in
}

func (s *Server) workFor(lib *content.Library, kind, id string) (work, bool) {
	switch kind {
	case "card":
		c, ok := lib.Card(id)
		return work{card: c}, ok
	case "sheet":
		sh, ok := lib.Sheet(id)
		return work{sheet: sh}, ok
	case "sim":
		sc, ok := lib.Sim(id)
		return work{sim: sc}, ok
	}
	return work{}, false
}

func (w work) ID() string {
	switch {
	case w.card != nil:
		return w.card.ID
	case w.sim != nil:
		return w.sim.ID
	}
	return w.sheet.ID
}

func (w work) Title() string {
	switch {
	case w.card != nil:
		return w.card.Title
	case w.sim != nil:
		return w.sim.Title
	}
	return w.sheet.Title
}

// rubric is what the instructor grades by: the card's, or the simulation report's (table
// 4-14's standards); a sheet is scored item by item instead.
func (w work) rubric() []cards.Criterion {
	switch {
	case w.card != nil:
		return w.card.Rubric
	case w.sim != nil:
		return w.sim.ReportRubric
	}
	return nil
}

// fields are the form's fields: a variant's generated ones first, then the card's own; a
// sheet's items become whole-number fields from 0 to their maximum.
func (w work) fields(v *cards.Variant) []cards.Field {
	if w.sim != nil {
		return nil
	}
	if w.card != nil {
		var out []cards.Field
		if v != nil {
			out = append(out, v.Fields...)
		}
		return append(out, w.card.Fields...)
	}
	var out []cards.Field
	for _, it := range w.sheet.Items {
		max := float64(it.Max)
		zero := 0.0
		help := it.Description
		if len(it.Evidence) > 0 {
			help += "。依据：" + strings.Join(it.Evidence, "；")
		}
		out = append(out, cards.Field{ID: it.ID, Type: "number", Label: fmt.Sprintf("%s（满分 %d）", it.Label, it.Max),
			Help: help, Required: true, Min: &zero, Max: &max, Unit: "分"})
	}
	r := w.sheet.Reflection
	out = append(out, cards.Field{ID: "reflection", Type: "longtext", Label: r.Label, MaxLength: r.MaxLength, Required: false})
	return out
}

func (w work) validate(fields []cards.Field, a cards.Answer, mode cards.Mode) []cards.FieldError {
	if w.card != nil {
		return w.card.Validate(fields, a, mode)
	}
	// A sheet's fields are plain card fields; any card can check them.
	return (&cards.Card{}).Validate(fields, a, mode)
}

// ownerOf decides whose work the signed-in student edits: their own, or their group's.
func (s *Server) ownerOf(c echo.Context, a *store.Activity) (store.Owner, string, error) {
	u := currentUser(c)
	if !a.PerGroup {
		return store.Owner{UserID: u.ID}, fmt.Sprintf("class:%d/user:%d", a.ClassID, u.ID), nil
	}
	g, err := s.store.GroupOfUser(c.Request().Context(), a.ClassID, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Owner{}, "", invalid("这是小组作业，但你还没有分组。请联系老师分组后再做。")
	}
	if err != nil {
		return store.Owner{}, "", storeErr(err)
	}
	return store.Owner{GroupID: g.ID}, fmt.Sprintf("class:%d/group:%d", a.ClassID, g.ID), nil
}

// assignedWork loads the :activity of the URL in its class with its definition.
func (s *Server) assignedWork(c echo.Context) (*store.Activity, work, error) {
	id, err := idParam(c, "activity")
	if err != nil {
		return nil, work{}, err
	}
	a, err := s.store.ActivityByID(c.Request().Context(), classOf(c).ID, id)
	if err != nil {
		return nil, work{}, storeErr(err)
	}
	lib, _ := s.content.Current()
	w, ok := s.workFor(lib, a.Kind, a.ContentID)
	if !ok {
		return nil, work{}, notFound()
	}
	return &a, w, nil
}

// openWork loads (creating on first open) the student's submission and its variant.
func (s *Server) openWork(c echo.Context) (*store.Activity, work, store.Submission, *cards.Variant, error) {
	a, w, err := s.assignedWork(c)
	if err != nil {
		return nil, w, store.Submission{}, nil, err
	}
	owner, key, err := s.ownerOf(c, a)
	if err != nil {
		return a, w, store.Submission{}, nil, err
	}
	sub, err := s.store.OpenSubmission(c.Request().Context(), a.ID, owner, s.now(), func() (string, error) {
		if w.card == nil || w.card.Autograde == nil {
			return "", nil
		}
		v, err := w.card.NewVariant(cards.Seed(w.card.ID, key))
		if err != nil || v == nil {
			return "", err
		}
		b, err := json.Marshal(v)
		return string(b), err
	})
	if err != nil {
		return a, w, sub, nil, storeErr(err)
	}
	var v *cards.Variant
	if sub.Variant != "" {
		v = new(cards.Variant)
		if err := json.Unmarshal([]byte(sub.Variant), v); err != nil {
			return a, w, sub, nil, storeErr(fmt.Errorf("decode variant of submission %d: %w", sub.ID, err))
		}
	}
	return a, w, sub, v, nil
}

func decodeAnswer(s string) cards.Answer {
	var a cards.Answer
	if err := json.Unmarshal([]byte(s), &a); err != nil || a == nil {
		return cards.Answer{}
	}
	return a
}

// workPage is the student's page for one assigned card or sheet.
type workPage struct {
	Activity    *store.Activity
	Work        work
	Card        *content.Card
	Sheet       *content.Sheet
	Variant     *cards.Variant
	Sub         store.Submission
	Form        []fieldView
	Editable    bool
	Closed      bool
	Versions    []versionView
	Latest      *versionView
	Errors      []cards.FieldError
	Conflict    string
	SaveURL     string
	SubmitURL   string
	PrintURL    string
	Group       string
	Contributed []store.Contributor
	Assesses    string // a sheet: the title of the activity it assesses
	Grade       *releasedGrade
}

// versionView is a frozen version with its decoded feedback.
type versionView struct {
	store.Version
	Answer []fieldView
	Result *cards.Result
	Total  int
	Max    int
}

func (s *Server) versionViews(w work, fields []cards.Field, vs []store.Version) []versionView {
	out := make([]versionView, len(vs))
	for i, v := range vs {
		vv := versionView{Version: v, Answer: fieldViews(fields, decodeAnswer(v.Answer), nil)}
		if v.Auto != nil {
			if w.card != nil {
				vv.Result = new(cards.Result)
				if json.Unmarshal([]byte(v.Auto.Result), vv.Result) != nil {
					vv.Result = nil
				}
			} else {
				vv.Total, vv.Max = int(v.Auto.Score), int(v.Auto.Max)
			}
		}
		out[i] = vv
	}
	return out
}

func (s *Server) showWork(c echo.Context) error {
	a, w, sub, v, err := s.openWork(c)
	if err != nil {
		return err
	}
	return s.renderWork(c, http.StatusOK, a, w, sub, v, decodeAnswer(sub.Draft), nil, "")
}

func (s *Server) renderWork(c echo.Context, status int, a *store.Activity, w work, sub store.Submission, v *cards.Variant,
	answer cards.Answer, errs []cards.FieldError, conflict string) error {
	ctx := c.Request().Context()
	fields := w.fields(v)
	vs, err := s.store.Versions(ctx, sub.ID)
	if err != nil {
		return storeErr(err)
	}
	base := "/classes/" + itoa64(a.ClassID) + "/work/" + itoa64(a.ID)
	page := workPage{
		Activity: a, Work: w, Card: w.card, Sheet: w.sheet, Variant: v, Sub: sub,
		Form:     fieldViews(fields, answer, errs),
		Editable: sub.Status != store.StatusSubmitted && !a.Closed,
		Closed:   a.Closed, Versions: s.versionViews(w, fields, vs), Errors: errs, Conflict: conflict,
		SaveURL: base + "/save", SubmitURL: base + "/submit", PrintURL: base + "/print",
	}
	if len(page.Versions) > 0 {
		page.Latest = &page.Versions[0]
	}
	page.Grade = s.releasedGradeOf(c, a, w, sub)
	if w.sheet != nil {
		lib, _ := s.content.Current()
		if act, ok := lib.Activity(w.sheet.Assesses); ok {
			page.Assesses = act.Title
		}
	}
	if sub.Owner.GroupID != 0 {
		if g, err := s.store.GroupOfUser(ctx, a.ClassID, currentUser(c).ID); err == nil {
			page.Group = g.Name
		}
		if page.Contributed, err = s.store.Contributors(ctx, sub.ID); err != nil {
			return storeErr(err)
		}
	}
	return s.render(c, status, "work", w.Title(), page)
}

// saveResult is the autosave endpoint's JSON answer.
type saveResult struct {
	OK      bool           `json:"ok"`
	Version int            `json:"version"`
	SavedAt string         `json:"saved_at,omitempty"`
	Message string         `json:"message,omitempty"`
	Errors  []saveError    `json:"errors,omitempty"`
	Changed []changedField `json:"changed,omitempty"`
}

type saveError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

type changedField struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// saveWork is the autosave: it stores a draft when the form's version is the stored one.
// Invalid input is refused field by field and saves nothing; a stale version is refused
// with what the other member changed. The page's script asks for JSON; the 保存草稿
// button without script posts a plain form and gets the page back.
func (s *Server) saveWork(c echo.Context) error {
	plain := !strings.Contains(c.Request().Header.Get("Accept"), "application/json")
	a, w, t, err := s.saveTarget(c)
	if err != nil {
		if plain {
			return err
		}
		return jsonError(c, err)
	}
	form, err := c.FormParams()
	if err != nil {
		return invalid("表单内容不完整，请刷新后重试。")
	}
	ctx := c.Request().Context()
	fields := w.fields(t.variant)
	answer := cards.FromForm(fields, form)
	// A refused save answers with the stored version; only refusals read it.
	stored := func() (store.Submission, error) { return s.store.SubmissionByID(ctx, a.ID, t.subID) }
	refuse := func(status int, res saveResult, errs []cards.FieldError) error {
		cur, err := stored()
		if err != nil {
			if plain {
				return storeErr(err)
			}
			return jsonError(c, storeErr(err))
		}
		res.Version = cur.DraftVersion
		if !plain {
			return c.JSON(status, res)
		}
		if base, ok := formVersion(form.Get("version")); ok && status != http.StatusConflict {
			cur.DraftVersion = base // keep the version the form was based on
		}
		return s.renderWork(c, status, a, w, cur, t.variant, answer, errs, res.Message)
	}
	if a.Closed {
		return refuse(http.StatusForbidden, saveResult{Message: "老师已关闭本活动，不能再修改。"}, nil)
	}
	if errs := w.validate(fields, answer, cards.Draft); len(errs) > 0 {
		res := saveResult{Message: "有内容不符合要求，草稿没有保存。"}
		for _, e := range errs {
			res.Errors = append(res.Errors, saveError{Field: e.Field, Message: e.Message})
		}
		return refuse(http.StatusUnprocessableEntity, res, errs)
	}
	base, ok := formVersion(form.Get("version"))
	if !ok {
		return refuse(http.StatusBadRequest, saveResult{Message: badVersionMsg}, nil)
	}
	b, _ := json.Marshal(answer)
	saved, err := s.store.SaveDraft(ctx, t.subID, base, string(b), currentUser(c).ID, s.now())
	switch {
	case errors.Is(err, store.ErrStale):
		res := saveResult{
			Version: saved.DraftVersion,
			Message: fmt.Sprintf("%s 在 %s 保存了新的内容，你的这次修改没有保存。请先看看对方改了什么，再刷新页面继续。",
				nameOr(saved.DraftSavedByName, "另一位组员"), s.clock(saved.DraftSavedAt)),
			Changed: changedFields(fields, answer, decodeAnswer(saved.Draft)),
		}
		if !plain {
			return c.JSON(http.StatusConflict, res)
		}
		return s.renderWork(c, http.StatusConflict, a, w, saved, t.variant, answer, nil, res.Message)
	case errors.Is(err, store.ErrFrozen):
		return refuse(http.StatusConflict, saveResult{Message: "作业已经提交，等待老师批改，不能再修改。"}, nil)
	case err != nil:
		return storeErr(err)
	}
	if plain {
		s.addFlash(c, "ok", "草稿已保存（"+s.clock(saved.DraftSavedAt)+"）。")
		return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(a.ClassID)+"/work/"+itoa64(a.ID))
	}
	return c.JSON(http.StatusOK, saveResult{OK: true, Version: saved.DraftVersion, SavedAt: s.clock(saved.DraftSavedAt)})
}

// saveTarget is openWork for the autosave: the activity, its definition and the student's
// submission, kept between saves in workTargets (see readCache) instead of read each time.
func (s *Server) saveTarget(c echo.Context) (*store.Activity, work, workTarget, error) {
	id, err := idParam(c, "activity")
	if err != nil {
		return nil, work{}, workTarget{}, err
	}
	k := accessKey{user: currentUser(c).ID, class: classOf(c).ID, activity: id}
	writes := s.store.Writes() // before reading: see readCache
	t, ok := s.workTargets.get(k, writes)
	if !ok {
		a, _, sub, v, err := s.openWork(c)
		if err != nil {
			return nil, work{}, workTarget{}, err
		}
		t = workTarget{activity: *a, subID: sub.ID, variant: v}
		s.workTargets.put(k, writes, t)
	}
	lib, _ := s.content.Current()
	w, ok := s.workFor(lib, t.activity.Kind, t.activity.ContentID)
	if !ok {
		return nil, work{}, workTarget{}, notFound()
	}
	return &t.activity, w, t, nil
}

// formVersion reads the version of the shared answer a form was based on. Every form that
// writes one sends it; a save without it could not be checked against the stored version
// and might overwrite a teammate's work, so it is refused.
func formVersion(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 0
}

const badVersionMsg = "页面缺少版本信息或已损坏，这次修改没有保存。请刷新页面后重试。"

func nameOr(name, fallback string) string {
	if name == "" {
		return fallback
	}
	return name
}

// clock shows a time of day in the school's zone.
func (s *Server) clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.loc).Format("15:04:05")
}

// jsonError answers the autosave's failures as JSON with the same Chinese messages.
func jsonError(c echo.Context, err error) error {
	var ae *appError
	if errors.As(err, &ae) {
		if ae.kind == kindInternal {
			return err
		}
		return c.JSON(kindStatus[ae.kind], saveResult{Message: ae.msg})
	}
	return err
}

// changedFields lists the fields where the stored answer differs from the one refused.
func changedFields(fields []cards.Field, mine, theirs cards.Answer) []changedField {
	var out []changedField
	for _, f := range fields {
		a, b := summarize(f, mine[f.ID]), summarize(f, theirs[f.ID])
		if a != b {
			out = append(out, changedField{Label: f.Label, Value: b})
		}
	}
	return out
}

// summarize renders a value as one line of text for messages.
func summarize(f cards.Field, v cards.Value) string {
	switch {
	case len(v.Rows) > 0:
		rows := make([]string, len(v.Rows))
		for i, r := range v.Rows {
			rows[i] = strings.Join(r, " / ")
		}
		return strings.Join(rows, "；")
	case len(v.Questions) > 0:
		qs := make([]string, len(v.Questions))
		for i, q := range v.Questions {
			qs[i] = q.Category + "：" + q.Text
		}
		return strings.Join(qs, "；")
	case len(v.Items) > 0:
		return strings.Join(v.Items, "；")
	}
	return v.Text
}

// submitWork freezes the answer as a new version, after the full check; an auto-graded
// card is scored at once, a sheet's total computed here (never taken from the browser).
func (s *Server) submitWork(c echo.Context) error {
	a, w, sub, v, err := s.openWork(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return invalid("表单内容不完整，请刷新后重试。")
	}
	fields := w.fields(v)
	answer := cards.FromForm(fields, form)
	if a.Closed {
		return s.renderWork(c, http.StatusForbidden, a, w, sub, v, answer, nil, "老师已关闭本活动，不能再提交。")
	}
	if sub.Status == store.StatusSubmitted {
		return s.renderWork(c, http.StatusConflict, a, w, sub, v, decodeAnswer(sub.Draft), nil, "作业已经提交，等待老师批改。")
	}
	if errs := w.validate(fields, answer, cards.Submit); len(errs) > 0 {
		return s.renderWork(c, http.StatusBadRequest, a, w, sub, v, answer, errs, "")
	}
	auto, err := s.autoGrade(w, v, answer)
	if err != nil {
		return err
	}
	base, ok := formVersion(form.Get("version"))
	if !ok {
		return s.renderWork(c, http.StatusBadRequest, a, w, sub, v, answer, nil, badVersionMsg)
	}
	b, _ := json.Marshal(answer)
	now := s.now()
	late := !a.DueAt.IsZero() && now.After(a.DueAt)
	ver, err := s.store.Submit(c.Request().Context(), sub.ID, base, string(b), currentUser(c).ID, now, late, auto)
	switch {
	case errors.Is(err, store.ErrStale):
		cur, _ := s.store.SubmissionByID(c.Request().Context(), a.ID, sub.ID)
		return s.renderWork(c, http.StatusConflict, a, w, cur, v, answer, nil,
			fmt.Sprintf("%s 在 %s 保存了新的内容，你的提交没有完成。下面是你填写的内容；请刷新页面看看对方的修改，再合并后提交。",
				nameOr(cur.DraftSavedByName, "另一位组员"), s.clock(cur.DraftSavedAt)))
	case errors.Is(err, store.ErrFrozen):
		return s.renderWork(c, http.StatusConflict, a, w, sub, v, answer, nil, "作业已经提交，等待老师批改。")
	case err != nil:
		return storeErr(err)
	}
	msg := fmt.Sprintf("已提交第 %d 版。", ver.Number)
	if late {
		msg += "（已过截止时间，记为迟交）"
	}
	if auto != nil && w.card != nil {
		msg += fmt.Sprintf("自动评分：%g / %g。", auto.Score, auto.Max)
	}
	s.addFlash(c, "ok", msg)
	return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(a.ClassID)+"/work/"+itoa64(a.ID))
}

// autoGrade scores a card with auto-grading, or totals a sheet.
func (s *Server) autoGrade(w work, v *cards.Variant, answer cards.Answer) (*store.AutoGrade, error) {
	if w.sheet != nil {
		vals := url.Values{}
		for _, it := range w.sheet.Items {
			vals.Set("score."+it.ID, answer[it.ID].Text)
		}
		vals.Set("reflection", answer["reflection"].Text)
		entry, errs := selfscore.FromForm(w.sheet.Sheet, vals)
		if len(errs) > 0 {
			return nil, invalid(errs[0].Message)
		}
		b, _ := json.Marshal(entry)
		return &store.AutoGrade{Score: float64(w.sheet.Sum(entry)), Max: float64(w.sheet.Total()), Result: string(b)}, nil
	}
	if v == nil {
		return nil, nil
	}
	res, err := w.card.Grade(v, answer)
	if err != nil {
		return nil, storeErr(fmt.Errorf("grade %s: %w", w.card.ID, err))
	}
	b, _ := json.Marshal(res)
	return &store.AutoGrade{Score: res.Score, Max: res.Max, Result: string(b)}, nil
}
