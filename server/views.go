package server

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"crmlab/content"
	"crmlab/scenarios/crmopt"
	"crmlab/scenarios/keymoments"
	"crmlab/server/store"
	"crmlab/static"
)

//go:embed templates
var templateFS embed.FS

// views holds every page parsed once: page name → layout + partials + that page.
type views struct {
	pages  map[string]*template.Template
	assets map[string]string // static path → URL with a content hash, for long caching
	frames frames
}

func loadViews(loc *time.Location) (*views, error) {
	v := &views{pages: map[string]*template.Template{}, assets: map[string]string{}}
	v.frames.framed = map[string]bool{}
	for i := range v.frames.marks {
		var r [8]byte
		if _, err := rand.Read(r[:]); err != nil {
			return nil, fmt.Errorf("frame marks: %w", err)
		}
		v.frames.marks[i] = "crmlabhole" + hex.EncodeToString(r[:])
	}
	err := fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v.assets[p] = "/static/" + p + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash static files: %w", err)
	}
	funcs := template.FuncMap{
		"asset": func(p string) (string, error) {
			u, ok := v.assets[p]
			if !ok {
				return "", fmt.Errorf("unknown asset %q", p)
			}
			return u, nil
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format("2006-01-02")
		},
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02 15:04")
		},
		"roleLabel":   func(r store.Role) string { return r.Label() },
		"formatLabel": formatLabel,
		"kpiLabel": func(sc *crmopt.Scenario, id string) string {
			if k := sc.KPIByID(id); k != nil {
				return k.Label
			}
			return id
		},
		"measureTitle": func(sc *crmopt.Scenario, id string) string {
			if m := sc.MeasureByID(id); m != nil {
				return m.Title
			}
			return id
		},
		"planName": func(plans []crmopt.Plan, id string) string {
			for _, p := range plans {
				if p.ID == id {
					return p.Name
				}
			}
			return id
		},
		"pct": func(f float64) float64 { return f * 100 },
		"kpiUnit": func(sc *crmopt.Scenario, id string) string {
			if k := sc.KPIByID(id); k != nil {
				return k.Unit
			}
			return ""
		},
		"clockSecs": func(secs int) string {
			return fmt.Sprintf("%d:%02d", secs/60, secs%60)
		},
		"phaseNo": func(p keymoments.Phase) int { return phaseIndex(p) },
		// blankRows is how many empty rows a paper copy gives a list or table.
		"blankRows": func(min, max int) int {
			n := max
			if n == 0 || n > 8 {
				n = 8
			}
			if n < min {
				n = min
			}
			if n < 3 {
				n = 3
			}
			return n
		},
		"add":  func(a, b int) int { return a + b },
		"add2": func(a, b float64) float64 { return a + b },
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i + 1
			}
			return out
		},
	}
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		page := strings.TrimSuffix(path.Base(name), ".html")
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", page, err)
		}
		v.pages[page] = t
		// A page that defines its own body class may compute it from its data: no frame.
		if bc := t.Lookup("bodyclass"); bc == nil || bc.Tree == nil || bc.Tree.Root.String() == "" {
			v.frames.framed[page] = true
		}
	}
	return v, nil
}

// pageData is what every page template receives.
type pageData struct {
	Title   string
	User    *store.User
	CSRF    string
	Flashes []flash
	Nav     string // the active navigation item
	Data    any
	// Body is what the layout shows inside <main>: the flashes and the page's "content",
	// executed before the layout.
	Body template.HTML
}

type flash struct {
	Kind    string // ok | error
	Message string
}

// pageErrorKey holds a refusal to show on the page rendered in this same request (the
// page answers the refused form with a 4xx status, so a flash for the next page would
// come too late).
const pageErrorKey = "pageError"

// render executes a page into a buffer first, so a template error never sends half a page.
func (s *Server) render(c echo.Context, status int, page, title string, data any) error {
	t, ok := s.views.pages[page]
	if !ok {
		return fmt.Errorf("render: no page %q", page)
	}
	pd := s.pageData(c, title, data)
	body := getBuffer()
	defer putBuffer(body)
	if err := t.ExecuteTemplate(body, "flashes", pd.Flashes); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	body.WriteByte('\n')
	if err := t.ExecuteTemplate(body, "content", pd); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	return s.writePage(c, status, page, pd, body.Bytes(), packed{})
}

func (s *Server) pageData(c echo.Context, title string, data any) pageData {
	pd := pageData{Title: title, User: currentUser(c), Data: data, Nav: navFor(c.Path())}
	if tok, ok := c.Get(csrfContextKey).(string); ok {
		pd.CSRF = tok
	}
	pd.Flashes = s.takeFlashes(c)
	if msg, ok := c.Get(pageErrorKey).(string); ok {
		pd.Flashes = append(pd.Flashes, flash{Kind: "error", Message: msg})
	}
	return pd
}

// writePage wraps a page's body in the layout and sends it: pre, executed for this request
// (flashes, or the whole body of a page that keeps nothing), then kept, content kept across
// requests (or nothing). Pages whose <body> class is fixed use a frame of the layout kept per
// title, navigation item and role, so the layout's template runs once per such key rather
// than per request, and they go gzip-compressed to browsers that accept it (see gzip.go).
func (s *Server) writePage(c echo.Context, status int, page string, pd pageData, pre []byte, kept packed) error {
	out := getBuffer()
	defer putBuffer(out)
	h := c.Response().Header()
	f := s.views.frame(page, pd)
	switch {
	case f != nil && acceptsGzip(c.Request()):
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
		h.Set(echo.HeaderContentEncoding, "gzip")
		out.Grow(len(pre) + len(kept.z) + 2048)
		g := newGzipPage(out)
		f.fill(g, pd, pre, kept)
		g.close()
	case f != nil:
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
		out.Grow(len(pre) + len(kept.raw) + 4096)
		f.fill(plainPage{out}, pd, pre, kept)
	default:
		body := getBuffer()
		defer putBuffer(body)
		body.Write(pre)
		body.Write(kept.raw)
		pd.Body = template.HTML(body.Bytes())
		if err := s.views.pages[page].ExecuteTemplate(out, "layout", pd); err != nil {
			return fmt.Errorf("render %s: %w", page, err)
		}
	}
	// A known length lets net/http send the page in one piece instead of chunks.
	h.Set(echo.HeaderContentLength, strconv.Itoa(out.Len()))
	return c.Blob(status, echo.MIMETextHTMLCharsetUTF8, out.Bytes())
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // a rare huge page should not pin its buffer
	}
	b.Reset()
	buffers.Put(b)
}

// A frame is the layout executed once with marks where the user's name, the CSRF token and
// the body go, cut at those marks. Filling it escapes the name and token as html/template
// would in those places (text and a quoted attribute). The layout may therefore only read
// .Title, .Nav, .User.Role and the three holes; TestLayoutFrame renders every role both
// ways and compares. The marks are random per process, so no title can contain one.
type frame struct {
	parts  []string // parts[i] is followed by holes[i]; one more part than holes
	zparts []packed // the parts compressed, for gzip responses
	holes  []int
}

const (
	holeName = iota
	holeCSRF
	holeBody
)

type frameKey struct {
	title, nav string
	role       store.Role // "" when nobody is signed in
}

type frames struct {
	mu    sync.RWMutex
	m     map[frameKey]*frame
	marks [3]string
	// framed lists the pages whose body class does not depend on their data.
	framed map[string]bool
}

func (v *views) frame(page string, pd pageData) *frame {
	if !v.frames.framed[page] {
		return nil
	}
	k := frameKey{title: pd.Title, nav: pd.Nav}
	if pd.User != nil {
		k.role = pd.User.Role
	}
	v.frames.mu.RLock()
	f, ok := v.frames.m[k]
	v.frames.mu.RUnlock()
	if ok {
		return f
	}
	f = v.buildFrame(page, k)
	v.frames.mu.Lock()
	if v.frames.m == nil || len(v.frames.m) >= 4096 {
		v.frames.m = map[frameKey]*frame{} // titles include class names; start over, not grow
	}
	v.frames.m[k] = f
	v.frames.mu.Unlock()
	return f
}

func (v *views) buildFrame(page string, k frameKey) *frame {
	marks := &v.frames.marks
	pd := pageData{Title: k.title, Nav: k.nav, CSRF: marks[holeCSRF], Body: template.HTML(marks[holeBody])}
	if k.role != "" {
		pd.User = &store.User{Role: k.role, Name: marks[holeName]}
	}
	var buf strings.Builder
	if err := v.pages[page].ExecuteTemplate(&buf, "layout", pd); err != nil {
		return nil // writePage executes the layout itself and reports the error
	}
	out := buf.String()
	f := &frame{}
	bodies := 0
	for {
		at, hole := -1, -1
		for h, m := range marks {
			if i := strings.Index(out, m); i >= 0 && (at < 0 || i < at) {
				at, hole = i, h
			}
		}
		if at < 0 {
			break
		}
		f.parts = append(f.parts, out[:at])
		f.holes = append(f.holes, hole)
		out = out[at+len(marks[hole]):]
		if hole == holeBody {
			bodies++
		}
	}
	f.parts = append(f.parts, out)
	if bodies != 1 {
		return nil
	}
	for _, p := range f.parts {
		f.zparts = append(f.zparts, packString(p))
	}
	return f
}

// fill sends a page through its frame to out, piece by piece.
func (f *frame) fill(out pageSink, pd pageData, pre []byte, kept packed) {
	for i, h := range f.holes {
		out.part(f, i)
		switch h {
		case holeName:
			out.own([]byte(template.HTMLEscapeString(pd.User.Name)))
		case holeCSRF:
			out.own([]byte(template.HTMLEscapeString(pd.CSRF)))
		case holeBody:
			out.own(pre)
			out.kept(kept)
		}
	}
	out.part(f, len(f.parts)-1)
}

// pageSink receives a framed page: as plain HTML (plainPage) or as a gzip stream (gzipPage).
type pageSink interface {
	part(f *frame, i int) // the frame's i-th part
	own(b []byte)         // this request's own bytes
	kept(p packed)        // content kept across requests
}

type plainPage struct{ out *bytes.Buffer }

func (p plainPage) part(f *frame, i int) { p.out.WriteString(f.parts[i]) }
func (p plainPage) own(b []byte)         { p.out.Write(b) }
func (p plainPage) kept(k packed)        { p.out.Write(k.raw) }

// contentCache holds the rendered middle ("content" template) of course pages: a lesson,
// the course index, the glossary. It depends only on the content library and on whether the
// reader is staff, and executing html/template over a lesson was most of the page's cost.
// Entries belong to one *content.Library: a live edit of --content-dir loads a new library,
// and the first request that sees it starts the cache over.
type contentCache struct {
	mu  sync.Mutex
	lib *content.Library
	m   map[contentKey]packed // never written to once stored
}

type contentKey struct {
	page, id string
	staff    bool
}

func (cc *contentCache) get(lib *content.Library, k contentKey) (packed, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.lib != lib {
		return packed{}, false
	}
	h, ok := cc.m[k]
	return h, ok
}

func (cc *contentCache) put(lib *content.Library, k contentKey, h packed) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.lib != lib {
		cc.lib, cc.m = lib, map[contentKey]packed{}
	}
	cc.m[k] = h
}

// renderContent renders a course page whose content depends only on lib, id and staff,
// executing its "content" template once (data builds the template's .Data then) and
// wrapping the kept HTML in the layout for each request. Pages showing content problems
// to staff are rendered with render: they come and go with edits.
func (s *Server) renderContent(c echo.Context, page, title string, lib *content.Library, id string, staff bool, data func() any) error {
	k := contentKey{page: page, id: id, staff: staff}
	html, ok := s.contentCache.get(lib, k)
	if !ok {
		raw, err := s.renderContentOf(page, data())
		if err != nil {
			return err
		}
		html = pack(raw)
		s.contentCache.put(lib, k, html)
	}
	return s.renderBody(c, http.StatusOK, page, title, html)
}

// renderContentOf executes a page's "content" template alone, for content kept across
// requests: it may only read .Data (not the user, token or flashes of one request).
func (s *Server) renderContentOf(page string, data any) ([]byte, error) {
	t, ok := s.views.pages[page]
	if !ok {
		return nil, fmt.Errorf("render: no page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "content", pageData{Data: data}); err != nil {
		return nil, fmt.Errorf("render %s: %w", page, err)
	}
	return buf.Bytes(), nil
}

// renderBody sends a page whose content was executed earlier (renderContentOf), with this
// request's flashes and layout.
func (s *Server) renderBody(c echo.Context, status int, page, title string, content packed) error {
	pd := s.pageData(c, title, nil)
	body := getBuffer()
	defer putBuffer(body)
	if err := s.views.pages[page].ExecuteTemplate(body, "flashes", pd.Flashes); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	body.WriteByte('\n')
	return s.writePage(c, status, page, pd, body.Bytes(), content)
}

// renderPartial executes one named template of a page without the layout (htmx fragments).
func (s *Server) renderPartial(c echo.Context, page, name string, data any) error {
	t, ok := s.views.pages[page]
	if !ok {
		return fmt.Errorf("render: no page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	return c.HTMLBlob(200, buf.Bytes())
}

func navFor(routePath string) string {
	switch {
	case strings.HasPrefix(routePath, "/admin"):
		return "admin"
	case strings.HasPrefix(routePath, "/classes"):
		return "classes"
	case strings.HasPrefix(routePath, "/account"):
		return "account"
	case strings.HasPrefix(routePath, "/review"):
		return "review"
	case strings.HasPrefix(routePath, "/join"):
		return "join"
	case strings.HasPrefix(routePath, "/learn"), routePath == "/search", routePath == "/glossary":
		return "learn"
	}
	return "home"
}
