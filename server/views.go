package server

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

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
}

func loadViews(loc *time.Location) (*views, error) {
	v := &views{pages: map[string]*template.Template{}, assets: map[string]string{}}
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
	pd := pageData{Title: title, User: currentUser(c), Data: data, Nav: navFor(c.Path())}
	if tok, ok := c.Get(csrfContextKey).(string); ok {
		pd.CSRF = tok
	}
	pd.Flashes = s.takeFlashes(c)
	if msg, ok := c.Get(pageErrorKey).(string); ok {
		pd.Flashes = append(pd.Flashes, flash{Kind: "error", Message: msg})
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pd); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
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
