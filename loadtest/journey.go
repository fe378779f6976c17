package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Step names, in the order the journey runs them.
const (
	stepLogin      = "login"
	stepClass      = "create-class"
	stepJoin       = "join"
	stepGroups     = "groups"
	stepAssign     = "assign"
	stepLessons    = "lessons"
	stepCard       = "card"
	stepGame       = "game"
	stepGamePhase  = "game-phase"
	stepSim        = "sim"
	stepSheet      = "sheet"
	stepCleanup    = "cleanup"
	stepPhoneJoin  = "phones-join"
	stepPhoneOpen  = "phones-open"
	stepPhoneConn  = "phones-connect"
	stepPhonePhase = "phones-phase"
)

// JourneySteps are the steps a full class journey runs (cleanup too unless --keep).
var JourneySteps = []string{stepLogin, stepClass, stepJoin, stepGroups, stepAssign, stepLessons, stepCard, stepGame, stepGamePhase, stepSim, stepSheet}

// PhoneSteps are the steps of the live-stream measurement.
var PhoneSteps = []string{stepClass, stepPhoneJoin, stepPhoneOpen, stepPhoneConn, stepPhonePhase}

var (
	joinCodeRe   = regexp.MustCompile(`<strong class="code">([2-9A-Z]{6})</strong>`)
	activityIDRe = regexp.MustCompile(`/activities/(\d+)/delete"`)
	lessonRe     = regexp.MustCompile(`href="/learn/([a-z0-9-]+)"`)
	groupNameRe  = regexp.MustCompile(`你在 <strong>([^<]+)</strong>`)
	reviewRe     = regexp.MustCompile(`name="group" value="(\d+)"`)
	workURLRe    = regexp.MustCompile(`href="(/classes/\d+/work/\d+)"`)
	versionRe    = regexp.MustCompile(`name="version" value="(\d+)"`)
	ownerRe      = regexp.MustCompile(`name="owner\.([a-z0-9-]+)"[^>]*><option value=""></option><option[^>]*>([^<]+)</option>`)
)

// student is one simulated student and their phone.
type student struct {
	no, name string
	c        *client
	joined   bool
	group    string // the group's name, as the game shows it
}

// each runs f for every student who joined, all at once (a class does things together), as
// one step of the report.
func (r *run) each(ctx context.Context, step string, ss []*student, f func(i int, s *student)) {
	r.rec.begin(step)
	defer r.rec.end(step)
	r.prog.set(step, len(ss))
	r.parallel(ctx, ss, f)
}

// parallel runs f for every student who joined, all at once, counting progress.
func (r *run) parallel(ctx context.Context, ss []*student, f func(i int, s *student)) {
	var wg sync.WaitGroup
	for i, s := range ss {
		if !s.joined {
			r.prog.add(1)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.prog.add(1)
			r.pause(ctx)
			if ctx.Err() == nil {
				f(i, s)
			}
		}()
	}
	wg.Wait()
}

// journey plays one class: join, groups, lessons, a card, the game, the simulation, sheet 4-16.
func (r *run) journey(ctx context.Context) *JourneyFigures {
	fig := &JourneyFigures{Students: r.cfg.Students}
	classID, code, className, ok := r.createClass(ctx, "压测班 ")
	if !ok {
		return fig
	}
	cls := classPath(classID)
	ss := make([]*student, r.cfg.Students)
	for i := range ss {
		ss[i] = &student{no: fmt.Sprintf("LT%s%04d", r.tag, i+1), name: fmt.Sprintf("压测学生%03d", i+1),
			c: newClient(r.base, r.tr, r.rec, r.cfg.Timeout), joined: true}
	}

	// Everyone scans the QR code at once; each join hashes a new password (bcrypt).
	joinStart := time.Now()
	r.each(ctx, stepJoin, ss, func(_ int, s *student) {
		s.joined = r.join(ctx, stepJoin, s, code, className)
	})
	fig.JoinTime = time.Since(joinStart)
	joined := 0
	for _, s := range ss {
		if s.joined {
			joined++
		}
	}
	r.rec.note(stepJoin, fmt.Sprintf("%d joined in %.1f s (%.0f/s); bcrypt-bound", joined, fig.JoinTime.Seconds(), float64(joined)/fig.JoinTime.Seconds()))
	if joined == 0 {
		return fig
	}

	// The instructor forms groups of five and assigns the card, the task and the sheet.
	r.rec.begin(stepGroups)
	r.prog.set(stepGroups, 1)
	if _, ok := r.teacher.post(ctx, stepGroups, cls+"/groups/shuffle", url.Values{"size": {"5"}}, http.StatusSeeOther); ok {
		if page, ok := r.teacher.get(ctx, stepGroups, cls+"/groups", http.StatusOK); ok {
			r.teacher.expect(stepGroups, cls+"/groups", page, strings.Contains(page.Body, "第1组"), "no groups after shuffling")
		}
	}
	r.rec.end(stepGroups)

	r.rec.begin(stepAssign)
	r.prog.set(stepAssign, 3)
	cardID := r.assign(ctx, classID, "card:card-ups-think", false)
	simID := r.assign(ctx, classID, "sim:sim-crmopt", true)
	sheetID := r.assign(ctx, classID, "sheet:sheet-4-16", false)
	r.rec.end(stepAssign)

	cardPath := fmt.Sprintf("%s/work/%d", cls, cardID)
	r.each(ctx, stepLessons, ss, func(i int, s *student) { r.readLessons(ctx, i, s, cardPath) })
	if cardID != 0 {
		r.each(ctx, stepCard, ss, func(i int, s *student) { r.doCard(ctx, i, s, cardPath) })
	}
	fig.PhaseToLast = r.playGame(ctx, classID, ss)
	fig.Groups = len(firstOfGroups(ss))
	if simID != 0 {
		r.runSim(ctx, fmt.Sprintf("%s/sim/%d", cls, simID), ss)
	}
	if sheetID != 0 {
		r.each(ctx, stepSheet, ss, func(i int, s *student) { r.doSheet(ctx, i, s, fmt.Sprintf("%s/work/%d", cls, sheetID)) })
	}
	return fig
}

// join is one phone scanning the QR code: the join link, the form, the post, the home page.
func (r *run) join(ctx context.Context, step string, s *student, code, className string) bool {
	resp, ok := s.c.get(ctx, step, "/j/"+code, http.StatusSeeOther)
	if !ok {
		return false
	}
	form, ok := s.c.get(ctx, step, resp.Location, http.StatusOK)
	if !ok || !s.c.expect(step, resp.Location, form, strings.Contains(form.Body, `value="`+code+`"`), "join form without the code filled in") {
		return false
	}
	resp, ok = s.c.post(ctx, step, "/join", url.Values{"code": {code}, "student_no": {s.no}, "name": {s.name}, "password": {r.password}}, http.StatusSeeOther)
	if !ok {
		return false
	}
	home, ok := s.c.get(ctx, step, resp.Location, http.StatusOK)
	return ok && s.c.expect(step, resp.Location, home, strings.Contains(home.Body, className), "home page after joining lacks the class")
}

// assign has the instructor assign one activity from the class page; it returns its id.
func (r *run) assign(ctx context.Context, classID int64, activity string, perGroup bool) int64 {
	defer r.prog.add(1)
	cls := classPath(classID)
	before, ok := r.teacher.get(ctx, stepAssign, cls, http.StatusOK)
	if !ok {
		return 0
	}
	form := url.Values{"activity": {activity}}
	if perGroup {
		form.Set("per_group", "1")
	}
	if _, ok := r.teacher.post(ctx, stepAssign, cls+"/activities", form, http.StatusSeeOther); !ok {
		return 0
	}
	after, ok := r.teacher.get(ctx, stepAssign, cls, http.StatusOK)
	if !ok || !r.teacher.expect(stepAssign, cls, after, strings.Contains(after.Body, "已布置"), "assigning "+activity+" was not confirmed") {
		return 0
	}
	old := map[string]bool{}
	for _, m := range activityIDRe.FindAllStringSubmatch(before.Body, -1) {
		old[m[1]] = true
	}
	for _, m := range activityIDRe.FindAllStringSubmatch(after.Body, -1) {
		if !old[m[1]] {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			return id
		}
	}
	r.teacher.expect(stepAssign, cls, after, false, "the new activity "+activity+" is not listed")
	return 0
}

// readLessons: the home page, the course, three lessons, and a search for some.
func (r *run) readLessons(ctx context.Context, i int, s *student, cardPath string) {
	home, ok := s.c.get(ctx, stepLessons, "/home", http.StatusOK)
	if ok {
		s.c.expect(stepLessons, "/home", home, strings.Contains(home.Body, cardPath), "home page does not list the assigned card")
	}
	course, ok := s.c.get(ctx, stepLessons, "/learn", http.StatusOK)
	if !ok {
		return
	}
	var pages []string
	for _, m := range lessonRe.FindAllStringSubmatch(course.Body, -1) {
		pages = append(pages, m[1])
	}
	if !s.c.expect(stepLessons, "/learn", course, len(pages) > 0, "the course lists no lessons") {
		return
	}
	for _, k := range []int{i, i + 7, i + 13} {
		r.pause(ctx)
		p := "/learn/" + pages[k%len(pages)]
		if page, ok := s.c.get(ctx, stepLessons, p, http.StatusOK); ok {
			s.c.expect(stepLessons, p, page, strings.Contains(page.Body, "<h1"), "lesson page without a title")
		}
	}
	if i%3 == 0 {
		s.c.get(ctx, stepLessons, "/search?q="+url.QueryEscape("关键时刻"), http.StatusOK)
	}
}

// autosave posts a draft like the work page's script and returns the new version.
func (r *run) autosave(ctx context.Context, step string, s *student, path string, version int, fields url.Values) (int, bool) {
	fields.Set("version", strconv.Itoa(version))
	fields.Set("_csrf", s.c.csrf())
	resp, ok := s.c.do(ctx, step, http.MethodPost, path+"/save", fields, map[string]string{"Accept": "application/json"}, http.StatusOK)
	if !ok {
		return version, false
	}
	var out struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil || out.Version <= version {
		s.c.expect(step, path+"/save", resp, false, "autosave answered without a new version")
		return version, false
	}
	return out.Version, true
}

// doCard: open the card, type (four autosaves), submit, see it submitted.
func (r *run) doCard(ctx context.Context, i int, s *student, path string) {
	page, ok := s.c.get(ctx, stepCard, path, http.StatusOK)
	if !ok || !s.c.expect(stepCard, path, page, strings.Contains(page.Body, `name="f.practice"`), "card page without its fields") {
		return
	}
	v := 0
	practice := ""
	for k := 1; k <= 4; k++ {
		r.pause(ctx)
		practice += fmt.Sprintf("UPS 用信息系统跟踪每一件包裹（第 %d 段）。", k)
		if v, ok = r.autosave(ctx, stepCard, s, path, v, url.Values{"f.practice": {practice}}); !ok {
			return
		}
	}
	r.pause(ctx)
	resp, ok := s.c.post(ctx, stepCard, path+"/submit", url.Values{"version": {strconv.Itoa(v)}, "f.practice": {practice},
		"f.insight": {"客户关系管理要靠长期积累，不能只买软件。"}}, http.StatusSeeOther)
	if !ok {
		return
	}
	done, ok := s.c.get(ctx, stepCard, resp.Location, http.StatusOK)
	if ok {
		s.c.expect(stepCard, resp.Location, done, strings.Contains(done.Body, "已提交第 1 版"), "the card was not submitted")
	}
}

// doSheet: self-scoring sheet 4-16, one autosave, then submit; the server totals it.
func (r *run) doSheet(ctx context.Context, i int, s *student, path string) {
	page, ok := s.c.get(ctx, stepSheet, path, http.StatusOK)
	if !ok || !s.c.expect(stepSheet, path, page, strings.Contains(page.Body, "项目进度"), "sheet page without its items") {
		return
	}
	form := url.Values{"f.progress": {"16"}, "f.cost": {"15"}, "f.teamwork": {"17"}, "f.satisfaction": {strconv.Itoa(30 + i%10)}}
	v, ok := r.autosave(ctx, stepSheet, s, path, 0, cloneValues(form))
	if !ok {
		return
	}
	r.pause(ctx)
	form.Set("version", strconv.Itoa(v))
	form.Set("f.reflection", "成本估算偏乐观，下次先做小范围试点。")
	resp, ok := s.c.post(ctx, stepSheet, path+"/submit", form, http.StatusSeeOther)
	if !ok {
		return
	}
	done, ok := s.c.get(ctx, stepSheet, resp.Location, http.StatusOK)
	want := fmt.Sprintf("自评总分：<strong>%d</strong>", 16+15+17+30+i%10)
	if ok {
		s.c.expect(stepSheet, resp.Location, done, strings.Contains(done.Body, want), "sheet 4-16 not totalled by the server")
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// firstOfGroups picks one student per group (the lowest index), who acts for the group.
func firstOfGroups(ss []*student) map[int]bool {
	seen := map[string]bool{}
	out := map[int]bool{}
	for i, s := range ss {
		if s.joined && s.group != "" && !seen[s.group] {
			seen[s.group] = true
			out[i] = true
		}
	}
	return out
}

// playGame runs the moments-of-truth game: the tool is the instructor at the console, every
// joined student a phone on the live stream answering in each phase. It returns, for each
// phase change, the time until the last phone showed it.
func (r *run) playGame(ctx context.Context, classID int64, ss []*student) []time.Duration {
	r.rec.begin(stepGame)
	defer r.rec.end(stepGame)
	cls := classPath(classID)
	r.prog.set(stepGame, 1)
	resp, ok := r.teacher.post(ctx, stepGame, cls+"/games", nil, http.StatusSeeOther)
	if !ok {
		return nil
	}
	base := resp.Location
	if !r.teacher.expect(stepGame, cls+"/games", resp, strings.Contains(base, "/games/"), "no game address in the answer") {
		return nil
	}
	r.teacher.get(ctx, stepGame, base, http.StatusOK)
	var in []*student
	for _, s := range ss {
		if s.joined {
			in = append(in, s)
		}
	}
	// Each phone opens the game from its home page, then its live stream.
	r.prog.set(stepGame+" (open)", len(in))
	r.parallel(ctx, in, func(_ int, s *student) {
		if page, ok := s.c.get(ctx, stepGame, base+"/play", http.StatusOK); ok {
			s.c.expect(stepGame, base+"/play", page, strings.Contains(page.Body, "你已加入游戏"), "the phone did not join the game")
		}
	})
	cookies := make([][]*http.Cookie, len(in))
	for i, s := range in {
		cookies[i] = s.c.cookies()
	}
	r.prog.set(stepGame+" (streams)", len(in))
	ph := openPhones(ctx, r.rec, r.tr, stepGame, r.base.String(), base+"/play/events", cookies, 64, r.prog)
	defer ph.close()

	var toLast []time.Duration
	command := func(kind string) bool {
		_, ok := r.teacher.htmx(ctx, stepGame, base+"/command", url.Values{"kind": {kind}}, http.StatusNoContent)
		return ok
	}
	// change sends a command and waits for every phone to show phase; a phase change proper
	// is timed.
	change := func(kind, phase string, timed bool) bool {
		r.prog.set(stepGame+" → "+phase, len(in))
		per, missing, sent := ph.change(phase, 30*time.Second, func() bool { return command(kind) })
		r.prog.add(len(per))
		if !sent {
			return false
		}
		if missing > 0 {
			r.rec.fail(Failure{Step: stepGamePhase, Method: "SSE", Path: base + "/play/events",
				Excerpt: fmt.Sprintf("%d of %d phones did not show %q within 30 s", missing, len(in), phase)})
		}
		if timed && len(per) > 0 {
			last := per[0]
			for _, d := range per {
				last = max(last, d)
			}
			toLast = append(toLast, last)
			r.rec.latency(stepGamePhase, last)
		}
		return true
	}
	// Every phone acts in the phases that ask it to: all of them (hands, wall, review) or
	// one per group (the group's definition, returns answer, analysis card).
	act := func(phase string, onePerGroup bool, f func(i int, s *student)) {
		chosen := firstOfGroups(in)
		r.prog.set(stepGame+" "+phase, len(in))
		r.parallel(ctx, in, func(i int, s *student) {
			if !onePerGroup || chosen[i] {
				f(i, s)
			}
		})
	}
	actPost := func(s *student, form url.Values) {
		s.c.htmx(ctx, stepGame, base+"/act", form, http.StatusOK)
	}

	if !change("class-groups", "lobby", false) {
		return toLast
	}
	for i, s := range in {
		if m := groupNameRe.FindStringSubmatch(ph.lastView(i)); m != nil {
			s.group = m[1]
		} else {
			s.c.expect(stepGame, base+"/play/events", nil, false, "the phone was not put in a group")
		}
	}
	steps := []struct {
		phase       string
		onePerGroup bool
		f           func(i int, s *student)
	}{
		{"define", true, func(i int, s *student) {
			actPost(s, url.Values{"kind": {"define"}, "text": {"网购的大学生（" + s.group + "）"}, "text2": {"第二天就能在宿舍楼下取到"}})
		}},
		{"hands", false, func(i int, s *student) { actPost(s, url.Values{"kind": {"hand"}, "yes": {strconv.Itoa(i % 2)}}) }},
		{"carlzon", false, nil},
		{"wall", false, func(i int, s *student) {
			actPost(s, url.Values{"kind": {"post"}, "text": {"快递员打电话约时间的那一刻 #" + s.no}})
		}},
		{"returns", true, func(i int, s *student) {
			actPost(s, url.Values{"kind": {"answer-returns"}, "text": {"客户第一次要退货的时候"}})
		}},
		{"reveal", false, nil},
		{"deal", false, nil},
		{"prepare", true, func(i int, s *student) {
			m := workURLRe.FindStringSubmatch(ph.lastView(i))
			if !s.c.expect(stepGame, base+"/play/events", nil, m != nil, "the prepare phase shows no analysis card") {
				return
			}
			if _, ok := s.c.get(ctx, stepGame, m[1], http.StatusOK); ok {
				r.autosave(ctx, stepGame, s, m[1], 0, url.Values{"f.comm_type": {"广告"}, "f.contact_type": {"看到广告时"}})
			}
		}},
		{"present", false, nil},
	}
	for _, st := range steps {
		if !change("advance", st.phase, true) {
			return toLast
		}
		if st.f != nil {
			act(st.phase, st.onePerGroup, st.f)
		}
	}
	// Every group presents in turn; then cross-review, the summary and the end.
	groups := len(firstOfGroups(in))
	for k := 0; k < groups; k++ {
		if !command("next-presenter") {
			return toLast
		}
	}
	if !change("advance", "review", true) {
		return toLast
	}
	act("review", false, func(i int, s *student) {
		if groups < 2 {
			return // a class of one group has no one else to review
		}
		m := reviewRe.FindStringSubmatch(ph.lastView(i))
		if !s.c.expect(stepGame, base+"/play/events", nil, m != nil, "the review phase offers no group to review") {
			return
		}
		actPost(s, url.Values{"kind": {"review"}, "group": {m[1]}, "score": {strconv.Itoa(3 + i%3)}, "text": {"例子具体，讲得清楚"}})
	})
	if !change("advance", "summary", true) || !change("end", "ended", true) {
		return toLast
	}
	if csv, ok := r.teacher.get(ctx, stepGame, base+"/results.csv", http.StatusOK); ok {
		r.teacher.expect(stepGame, base+"/results.csv", csv, strings.Count(csv.Body, "\n") > groups, "results CSV lacks the groups")
	}
	return toLast
}

// runSim: every team's first member drives the six steps of the CRM-optimization task up to
// the first month of the run; teammates open the task and its live stream of the team's
// changes as their pages do.
func (r *run) runSim(ctx context.Context, path string, ss []*student) {
	drivers := firstOfGroups(ss)
	r.each(ctx, stepSim, ss, func(i int, s *student) {
		page, ok := s.c.get(ctx, stepSim, path, http.StatusOK)
		if !ok || !s.c.expect(stepSim, path, page, strings.Contains(page.Body, "过去 12 个月的数据"), "the task page lacks the dashboards") {
			return
		}
		if !drivers[i] {
			for k := 0; k < 3; k++ {
				r.pause(ctx)
				s.c.firstEvent(ctx, stepSim, path+"/events")
			}
			s.c.get(ctx, stepSim, path, http.StatusOK)
			return
		}
		r.driveSim(ctx, s, path, page)
	})
}

func (r *run) driveSim(ctx context.Context, s *student, path string, page *response) {
	version := func(p *response) string {
		if m := versionRe.FindStringSubmatch(p.Body); m != nil {
			return m[1]
		}
		return ""
	}
	v := version(page)
	post := func(action string, form url.Values, want string) (*response, bool) {
		r.pause(ctx)
		form.Set("version", v)
		resp, ok := s.c.post(ctx, stepSim, path+action, form, http.StatusSeeOther)
		if !ok {
			return nil, false
		}
		loc, _, _ := strings.Cut(resp.Location, "#")
		next, ok := s.c.get(ctx, stepSim, loc, http.StatusOK)
		if !ok || !s.c.expect(stepSim, path+action, next, strings.Contains(next.Body, want), "after "+action+" the page lacks "+want) {
			return nil, false
		}
		v = version(next)
		return next, true
	}
	steps := []struct {
		action string
		form   url.Values
		want   string
	}{
		{"/survey", url.Values{"source": {"default"}, "sample": {"120"}}, "第 1 次调查"},
		{"/problems", url.Values{"problem": {"客户信息更新不及时，CRM 记录滞后", "投诉反馈处理太慢", "各网点服务标准不统一"}}, "问题清单"},
		{"/targets", url.Values{"value.on_time": {"95"}, "month.on_time": {"6"}, "value.complaint_response_h": {"24"}, "month.complaint_response_h": {"6"}}, "已保存 2 个目标"},
		{"/plans", url.Values{"name": {"先打通数据"}, "measure": {"data-cleanup", "crm-tms-sync", "complaint-sla"}}, "已保存"},
		{"/plans", url.Values{"name": {"先管人和标准"}, "measure": {"service-manual", "driver-training"}}, "已保存"},
		{"/evaluate", url.Values{}, "P10 / P50 / P90"},
		{"/choose", url.Values{"plan": {"p2"}, "justification": {"P10 也能回本，风险最小；数据问题下一年再做。"}}, "已选定"},
	}
	var last *response
	for _, st := range steps {
		var ok bool
		if last, ok = post(st.action, st.form, st.want); !ok {
			return
		}
	}
	schedule := url.Values{"start.service-manual": {"1"}, "start.driver-training": {"2"}}
	owners := ownerRe.FindAllStringSubmatch(last.Body, -1)
	if !s.c.expect(stepSim, path, last, len(owners) == 2, fmt.Sprintf("the schedule form offers %d measures with owners, want 2", len(owners))) {
		return
	}
	for _, m := range owners {
		schedule.Set("owner."+m[1], htmlUnescape(m[2]))
	}
	if _, ok := post("/schedule", schedule, "实施计划已保存"); !ok {
		return
	}
	post("/step", url.Values{}, "第 1 个月已运行")
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#39;", "'").Replace(s)
}
