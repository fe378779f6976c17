package server

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"crmlab/server/store"
	"crmlab/static"
)

// Route is one entry of the route table: what it serves and who may call it.
type Route struct {
	Method string
	Path   string
	// Roles that may call the route; nil means anyone, signed in or not. On paths with
	// :class the server also checks the class: its instructor, any trainer (read-only
	// routes only), or a student who has joined it.
	Roles   []store.Role
	Handler string // the handler's name, for reading the table
	// OwnAccount marks the routes that change only the caller's own account (password,
	// signing out everywhere); they are the only writes a trainer may make.
	OwnAccount bool
	h          echo.HandlerFunc
	mw         []echo.MiddlewareFunc
}

var (
	anyone    []store.Role = nil
	signedIn               = []store.Role{store.RoleAdmin, store.RoleInstructor, store.RoleTrainer, store.RoleStudent}
	admin                  = []store.Role{store.RoleAdmin}
	teacher                = []store.Role{store.RoleInstructor}
	staffRead              = []store.Role{store.RoleInstructor, store.RoleTrainer}
	student                = []store.Role{store.RoleStudent}
	trainer                = []store.Role{store.RoleTrainer}
	// classRead: everyone of a class may read (a student only their own team's work).
	classRead = []store.Role{store.RoleInstructor, store.RoleTrainer, store.RoleStudent}
)

// routeTable is every route of crmlab, with the roles it serves, in one place. Each area's
// file adds its routes through a function called here.
func (s *Server) routeTable() []Route {
	limitLogin := s.loginLimiter()
	r := func(method, path string, roles []store.Role, name string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) Route {
		return Route{Method: method, Path: path, Roles: roles, Handler: name, h: h, mw: mw}
	}
	own := func(rt Route) Route { rt.OwnAccount = true; return rt }
	return []Route{
		r(http.MethodGet, "/", anyone, "showIndex", s.showIndex),
		r(http.MethodGet, "/healthz", anyone, "checkHealth", s.checkHealth),
		r(http.MethodGet, "/metrics", anyone, "showMetrics", s.metrics.handler()),

		r(http.MethodGet, "/login", anyone, "showLogin", s.showLogin),
		r(http.MethodPost, "/login", anyone, "login", s.login, limitLogin...),
		r(http.MethodPost, "/logout", anyone, "logout", s.logout),
		r(http.MethodGet, "/setup/:token", anyone, "showSetup", s.showSetup),
		r(http.MethodPost, "/setup/:token", anyone, "completeSetup", s.completeSetup, limitLogin...),
		r(http.MethodGet, "/account/password", signedIn, "showPasswordForm", s.showPasswordForm),
		own(r(http.MethodPost, "/account/password", signedIn, "changePassword", s.changePassword, limitLogin...)),
		own(r(http.MethodPost, "/account/logout-everywhere", signedIn, "signOutEverywhere", s.signOutEverywhere)),

		r(http.MethodGet, "/home", signedIn, "showHome", s.showHome),
		r(http.MethodGet, "/grades", student, "showMyGrades", s.showMyGrades),
		r(http.MethodGet, "/review", trainer, "showReview", s.showReview),
		r(http.MethodGet, "/review/gradebooks.csv", trainer, "exportAllCSV", s.exportAll),
		r(http.MethodGet, "/review/gradebooks.xlsx", trainer, "exportAllXLSX", s.exportAll),
		r(http.MethodGet, "/learn", signedIn, "showCourse", s.showCourse),
		r(http.MethodGet, "/learn/:page", signedIn, "showLesson", s.showLesson),
		r(http.MethodGet, "/search", signedIn, "searchContent", s.searchContent),
		r(http.MethodGet, "/glossary", signedIn, "showGlossary", s.showGlossary),
		r(http.MethodGet, "/j/:code", anyone, "openJoinLink", s.openJoinLink),
		r(http.MethodGet, "/join", anyone, "showJoin", s.showJoin),
		r(http.MethodPost, "/join", anyone, "joinClass", s.joinClass, limitLogin...),

		r(http.MethodGet, "/admin/users", admin, "listStaff", s.listStaff),
		r(http.MethodPost, "/admin/users", admin, "createStaff", s.createStaff),
		r(http.MethodPost, "/admin/users/:user/disable", admin, "disableStaff", s.setStaffDisabled(true)),
		r(http.MethodPost, "/admin/users/:user/enable", admin, "enableStaff", s.setStaffDisabled(false)),
		r(http.MethodPost, "/admin/users/:user/reset", admin, "resetStaffPassword", s.resetStaffPassword),

		r(http.MethodGet, "/classes", staffRead, "listClasses", s.listClasses),
		r(http.MethodPost, "/classes", teacher, "createClass", s.createClass),
		r(http.MethodGet, "/classes/:class", staffRead, "showClass", s.showClass),
		r(http.MethodPost, "/classes/:class/delete", teacher, "deleteClass", s.deleteClass),
		r(http.MethodGet, "/classes/:class/projector", teacher, "showProjector", s.showProjector),
		r(http.MethodGet, "/classes/:class/projector/count", teacher, "showJoinCount", s.showJoinCount),
		r(http.MethodGet, "/classes/:class/qr.png", teacher, "showJoinQR", s.showJoinQR),
		r(http.MethodGet, "/classes/:class/roster", teacher, "showRosterImport", s.showRosterImport),
		r(http.MethodPost, "/classes/:class/roster/preview", teacher, "previewRoster", s.previewRoster),
		r(http.MethodPost, "/classes/:class/roster/confirm", teacher, "confirmRoster", s.confirmRoster),
		r(http.MethodPost, "/classes/:class/members/:member/reset", teacher, "resetStudentPassword", s.resetStudentPassword),
		r(http.MethodPost, "/classes/:class/members/:member/remove", teacher, "removeStudent", s.removeStudent),
		r(http.MethodGet, "/classes/:class/groups", staffRead, "showGroups", s.showGroups),
		r(http.MethodPost, "/classes/:class/groups", teacher, "saveGroups", s.saveGroups),
		r(http.MethodPost, "/classes/:class/groups/shuffle", teacher, "shuffleGroups", s.shuffleGroups),
		r(http.MethodPost, "/classes/:class/activities", teacher, "assignActivity", s.assignActivity),
		r(http.MethodPost, "/classes/:class/activities/:activity/delete", teacher, "deleteActivity", s.deleteActivity),
		r(http.MethodGet, "/classes/:class/activities/:activity", staffRead, "showActivity", s.showActivity),
		r(http.MethodPost, "/classes/:class/activities/:activity/close", teacher, "closeActivity", s.setActivityClosed(true)),
		r(http.MethodPost, "/classes/:class/activities/:activity/reopen", teacher, "reopenActivity", s.setActivityClosed(false)),
		r(http.MethodGet, "/classes/:class/activities/:activity/submissions/:submission", staffRead, "showSubmission", s.showSubmission),
		r(http.MethodGet, "/classes/:class/activities/:activity/submissions/:submission/print", staffRead, "printSubmission", s.showSubmission),
		r(http.MethodPost, "/classes/:class/activities/:activity/submissions/:submission/return", teacher, "returnSubmission", s.returnSubmission),
		r(http.MethodGet, "/classes/:class/activities/:activity/submissions/:submission/grade", teacher, "showGrading", s.showGrading),
		r(http.MethodPost, "/classes/:class/activities/:activity/submissions/:submission/grade", teacher, "saveGrade", s.saveGrade),
		r(http.MethodPost, "/classes/:class/activities/:activity/release", teacher, "releaseGrades", s.releaseGrades),
		r(http.MethodGet, "/classes/:class/gradebook", staffRead, "showGradebook", s.showGradebook),
		r(http.MethodPost, "/classes/:class/gradebook/weights", teacher, "saveWeights", s.saveWeights),
		r(http.MethodGet, "/classes/:class/gradebook.csv", staffRead, "exportGradebookCSV", s.exportGradebook),
		r(http.MethodGet, "/classes/:class/gradebook.xlsx", staffRead, "exportGradebookXLSX", s.exportGradebook),

		r(http.MethodPost, "/classes/:class/games", teacher, "startGame", s.startGame),
		r(http.MethodGet, "/classes/:class/games/:game", staffRead, "showGameConsole", s.showGameConsole),
		r(http.MethodGet, "/classes/:class/games/:game/console/events", staffRead, "streamGameConsole", s.streamGameEvents("console")),
		r(http.MethodGet, "/classes/:class/games/:game/projector", teacher, "showGameProjector", s.showGameProjector),
		r(http.MethodGet, "/classes/:class/games/:game/projector/events", teacher, "streamGameProjector", s.streamGameEvents("projector")),
		r(http.MethodPost, "/classes/:class/games/:game/command", teacher, "gameCommand", s.gameCommand),
		r(http.MethodGet, "/classes/:class/games/:game/results.csv", staffRead, "gameResults", s.gameResults),
		r(http.MethodGet, "/classes/:class/games/:game/play", student, "showGamePlay", s.showGamePlay),
		r(http.MethodGet, "/classes/:class/games/:game/play/events", student, "streamGamePlay", s.streamGameEvents("phone")),
		r(http.MethodPost, "/classes/:class/games/:game/act", student, "gameAct", s.gameAct),

		r(http.MethodGet, "/sims/:id", signedIn, "previewSim", s.previewSim),
		r(http.MethodGet, "/classes/:class/activities/:activity/leaderboard", staffRead, "showLeaderboard", s.showLeaderboard),
		r(http.MethodPost, "/classes/:class/activities/:activity/sim", teacher, "controlSim", s.controlSim),
		r(http.MethodGet, "/classes/:class/sim/:activity", student, "showSim", s.showSim),
		r(http.MethodPost, "/classes/:class/sim/:activity/survey", student, "runSurvey", s.runSurvey),
		r(http.MethodPost, "/classes/:class/sim/:activity/problems", student, "saveProblems", s.saveProblems),
		r(http.MethodPost, "/classes/:class/sim/:activity/targets", student, "saveTargets", s.saveTargets),
		r(http.MethodPost, "/classes/:class/sim/:activity/plans", student, "savePlan", s.savePlan),
		r(http.MethodPost, "/classes/:class/sim/:activity/evaluate", student, "evaluatePlans", s.evaluatePlans),
		r(http.MethodPost, "/classes/:class/sim/:activity/choose", student, "choosePlan", s.choosePlan),
		r(http.MethodPost, "/classes/:class/sim/:activity/schedule", student, "saveSchedule", s.saveSchedule),
		r(http.MethodPost, "/classes/:class/sim/:activity/step", student, "stepMonth", s.stepMonth),
		r(http.MethodPost, "/classes/:class/sim/:activity/submit", student, "submitSimReport", s.submitSimReport),
		r(http.MethodPost, "/classes/:class/sim/:activity/restart", student, "restartSim", s.restartSim),
		r(http.MethodGet, "/classes/:class/sim/:activity/events", student, "streamSim", s.streamSim),
		r(http.MethodGet, "/classes/:class/sim/:activity/report/print", classRead, "printSimReport", s.printSimReport),

		r(http.MethodGet, "/cards/:id", signedIn, "previewCard", s.previewWork("card")),
		r(http.MethodGet, "/cards/:id/print", signedIn, "printBlankCard", s.previewWork("card")),
		r(http.MethodGet, "/sheets/:id", signedIn, "previewSheet", s.previewWork("sheet")),
		r(http.MethodGet, "/sheets/:id/print", signedIn, "printBlankSheet", s.previewWork("sheet")),
		r(http.MethodGet, "/classes/:class/work/:activity", student, "showWork", s.showWork),
		r(http.MethodPost, "/classes/:class/work/:activity/save", student, "saveWork", s.saveWork),
		r(http.MethodPost, "/classes/:class/work/:activity/submit", student, "submitWork", s.submitWork),
		r(http.MethodGet, "/classes/:class/work/:activity/print", student, "printWork", s.printWork),
	}
}

// bodyLimitSkipped lists the routes that set a larger body limit of their own.
func bodyLimitSkipped(c echo.Context) bool {
	return strings.HasSuffix(c.Path(), "/roster/preview")
}

func (s *Server) buildEcho() (*echo.Echo, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	if s.cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	e.Use(s.observe, middleware.Recover(), securityHeaders(s.cfg.SecureCookies()),
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "1M", Skipper: bodyLimitSkipped}),
		// The roster upload's larger limit applies here too, before the CSRF check reads the
		// form: a limit set on the route itself came after the whole body had been parsed.
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
			Limit:   fmt.Sprintf("%dK", (rosterMaxBytes+512<<10)>>10),
			Skipper: func(c echo.Context) bool { return !bodyLimitSkipped(c) },
		}),
	)

	// Static files sit outside the session and CSRF middleware: they are the same for everyone.
	fileServer := http.FileServer(http.FS(static.FS))
	zipped, err := newStaticGzip(static.FS)
	if err != nil {
		return nil, err
	}
	e.GET("/static/*", func(c echo.Context) error {
		if c.QueryParam("v") != "" {
			c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			c.Response().Header().Set("Cache-Control", "no-cache")
		}
		name := c.Param("*")
		if zipped.serve(c.Response(), c.Request(), name) {
			return nil
		}
		req := c.Request().Clone(c.Request().Context())
		req.URL.Path = "/" + name
		fileServer.ServeHTTP(c.Response(), req)
		return nil
	})

	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "header:X-CSRF-Token,form:_csrf",
		CookieName:     "_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   s.cfg.SecureCookies(),
		CookieSameSite: http.SameSiteLaxMode,
		ContextKey:     csrfContextKey,
		ErrorHandler: func(err error, c echo.Context) error {
			return forbidden("页面已过期或缺少安全令牌，请刷新页面后重新提交。")
		},
	})
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		if slices.Contains(rt.Roles, store.RoleTrainer) && rt.Method != http.MethodGet && !rt.OwnAccount {
			return nil, fmt.Errorf("route %s %s lets trainers write; trainers are read-only", rt.Method, rt.Path)
		}
		mws := []echo.MiddlewareFunc{s.loadUser, readForm, csrf, s.guard(rt), requireUTF8}
		mws = append(mws, rt.mw...)
		e.Add(rt.Method, rt.Path, rt.h, mws...)
	}
	return e, nil
}

// securityHeaders sends the security headers with every response, HSTS too over HTTPS when
// the instance is meant to be reached by HTTPS. The values are built once and put into the
// header map as they are: setting them one by one with Header.Set, as echo's Secure
// middleware does, cost a name check and a new slice per header per request. The slices are
// shared between responses; a handler that changes one of these headers replaces the slice
// (Set, Del) or appends to a full one (Add), never writes into it.
func securityHeaders(https bool) echo.MiddlewareFunc {
	headers := []struct {
		name  string
		value []string
	}{
		{echo.HeaderXXSSProtection, []string{"0"}},
		{echo.HeaderXContentTypeOptions, []string{"nosniff"}},
		{echo.HeaderXFrameOptions, []string{"DENY"}},
		{echo.HeaderContentSecurityPolicy, []string{"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"}},
		{echo.HeaderReferrerPolicy, []string{"same-origin"}},
	}
	for i := range headers {
		headers[i].name = http.CanonicalHeaderKey(headers[i].name) // X-XSS-Protection is not
	}
	hsts := []string{"max-age=31536000; includeSubdomains"}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			for _, x := range headers {
				h[x.name] = x.value
			}
			if https && c.Scheme() == "https" {
				h[echo.HeaderStrictTransportSecurity] = hsts
			}
			return next(c)
		}
	}
}

// guard enforces the route table: role first, then, on class routes, the class itself.
func (s *Server) guard(rt Route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if rt.Roles == nil {
			return next
		}
		classRoute := strings.Contains(rt.Path, ":class")
		return func(c echo.Context) error {
			u := currentUser(c)
			if u == nil {
				if c.Request().Method == http.MethodGet {
					return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
				}
				return &appError{kind: kindUnauthorized, msg: "登录已失效，请重新登录。"}
			}
			if !slices.Contains(rt.Roles, u.Role) {
				return forbidden("你的账号（" + u.Role.Label() + "）不能使用这个页面。")
			}
			if classRoute {
				cls, err := s.classFor(c, u)
				if err != nil {
					return err
				}
				c.Set(classContextKey, &cls)
			}
			return next(c)
		}
	}
}

// readForm parses a URL-encoded form body the way Request.ParseForm would, but reads it into
// one buffer of the length the request declares: ParseForm's io.ReadAll grows its buffer step
// by step and then copies it into a string, about four times the body in garbage, and an
// autosave posts 4 KB or more every few seconds per student. Bodies of unknown length, other
// content types and requests with a query string are left to ParseForm.
func readForm(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodPost || r.PostForm != nil || r.ContentLength <= 0 || r.URL.RawQuery != "" {
			return next(c)
		}
		if ct, _, _ := strings.Cut(r.Header.Get(echo.HeaderContentType), ";"); !strings.EqualFold(strings.TrimSpace(ct), echo.MIMEApplicationForm) {
			return next(c)
		}
		// The body limit before this has refused a declared length over the limit.
		buf := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			return invalid("表单内容不完整，请刷新页面后重试。")
		}
		// buf is never written again, so the string may share its memory.
		form, err := url.ParseQuery(unsafe.String(&buf[0], len(buf)))
		if err != nil {
			return invalid("表单内容不完整，请刷新页面后重试。")
		}
		r.PostForm, r.Form = form, form
		return next(c)
	}
}

// requireUTF8 refuses a form with a field, or an uploaded file's name, that is not UTF-8:
// such bytes come from broken clients or hand-made requests, and stored they would break
// pages, exports and JSON drafts later.
func requireUTF8(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method != http.MethodPost {
			return next(c)
		}
		form, err := c.FormParams()
		if err != nil {
			return invalid("表单内容不完整，请刷新页面后重试。")
		}
		bad := "提交的内容含有无法识别的字符（不是 UTF-8 编码），没有保存。请删除乱码后重试。"
		for k, vs := range form {
			if !utf8.ValidString(k) {
				return invalid(bad)
			}
			for _, v := range vs {
				if !utf8.ValidString(v) {
					return invalid(bad)
				}
			}
		}
		if mf := c.Request().MultipartForm; mf != nil {
			for _, fhs := range mf.File {
				for _, fh := range fhs {
					if !utf8.ValidString(fh.Filename) {
						return invalid(bad)
					}
				}
			}
		}
		return next(c)
	}
}

const classContextKey = "class"

// classFor loads the :class of the URL if u may see it. A student who may not gets the same
// 404 as for a class that does not exist, so class ids reveal nothing to students; an
// instructor is told plainly (403) that the class is another instructor's.
func (s *Server) classFor(c echo.Context, u *store.User) (store.Class, error) {
	id, err := strconv.ParseInt(c.Param("class"), 10, 64)
	if err != nil {
		return store.Class{}, notFound()
	}
	if u.Role == store.RoleStudent {
		k := accessKey{user: u.ID, class: id}
		writes := s.store.Writes() // before reading: see readCache
		if cls, ok := s.memberClasses.get(k, writes); ok {
			return cls, nil
		}
		cls, err := s.store.MemberClass(c.Request().Context(), id, u.ID)
		if err != nil {
			return cls, storeErr(err)
		}
		s.memberClasses.put(k, writes, cls)
		return cls, nil
	}
	cls, err := s.store.ClassByID(c.Request().Context(), id)
	if err != nil {
		return cls, storeErr(err)
	}
	switch u.Role {
	case store.RoleInstructor:
		if cls.InstructorID == u.ID {
			return cls, nil
		}
		return cls, forbidden("这是其他老师的班级，你不能查看或修改。")
	case store.RoleTrainer:
		return cls, nil
	}
	return cls, notFound()
}

func classOf(c echo.Context) *store.Class {
	cls, _ := c.Get(classContextKey).(*store.Class)
	return cls
}

// idParam parses a numeric path parameter; a malformed one is a 404 like a missing object.
func idParam(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound()
	}
	return id, nil
}

// loginLimiter limits password attempts per client address and per login name. Both
// limiters sit on every route that checks a password.
func (s *Server) loginLimiter() []echo.MiddlewareFunc {
	deny := func(c echo.Context, id string, err error) error {
		return &appError{kind: kindTooMany, msg: "尝试次数过多，请稍等一分钟再试。"}
	}
	byIP := middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Every(s.cfg.LoginIPEvery), Burst: s.cfg.LoginIPBurst, ExpiresIn: 10 * time.Minute}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler:         deny,
		ErrorHandler:        func(c echo.Context, err error) error { return deny(c, "", err) },
	})
	byLogin := middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Every(s.cfg.LoginNameEvery), Burst: s.cfg.LoginNameBurst, ExpiresIn: 10 * time.Minute}),
		IdentifierExtractor: func(c echo.Context) (string, error) {
			login := strings.TrimSpace(c.FormValue("login"))
			if login == "" {
				login = strings.TrimSpace(c.FormValue("student_no"))
			}
			if login == "" {
				if u := currentUser(c); u != nil {
					login = u.Login
				}
			}
			return "login:" + strings.ToLower(login), nil
		},
		DenyHandler:  deny,
		ErrorHandler: func(c echo.Context, err error) error { return deny(c, "", err) },
	})
	return []echo.MiddlewareFunc{byIP, byLogin}
}

func (s *Server) checkHealth(c echo.Context) error {
	if err := s.store.Ping(c.Request().Context()); err != nil {
		s.log.Error("health check", "err", err)
		return c.String(http.StatusServiceUnavailable, "数据库不可用")
	}
	return c.String(http.StatusOK, "ok")
}

func (s *Server) showIndex(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/home")
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}
