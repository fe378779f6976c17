package apptest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// SessionTimeout bounds a whole browser session: every step of a test that uses Browser
// must finish before it. StepTimeout bounds one step (a page load, a wait for an element).
const (
	SessionTimeout = 90 * time.Second
	StepTimeout    = 20 * time.Second
)

// chromiumCandidates are tried in order after CRMLAB_CHROMIUM.
var chromiumCandidates = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"}

// findChromium returns the path of a Chromium to run, or "" and what was tried.
func findChromium() (string, []string) {
	var tried []string
	try := func(name string) string {
		tried = append(tried, name)
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		return ""
	}
	if env := os.Getenv("CRMLAB_CHROMIUM"); env != "" {
		if p := try(env); p != "" {
			return p, tried
		}
	}
	for _, c := range chromiumCandidates {
		if p := try(c); p != "" {
			return p, tried
		}
	}
	return "", tried
}

// Browser starts a headless Chromium for the test and returns the context of its first tab.
// The browser stops when the test ends. Every step run on the context (or on a tab from
// NewTab) must finish within SessionTimeout of the start.
//
// Without a Chromium the test is skipped with a loud banner on stderr, or fails when the
// environment sets CRMLAB_REQUIRE_BROWSER=1 (as CI should).
func Browser(t testing.TB) context.Context {
	t.Helper()
	path, tried := findChromium()
	if path == "" {
		msg := "no Chromium found (tried " + strings.Join(tried, ", ") + "); install chromium or set CRMLAB_CHROMIUM"
		if os.Getenv("CRMLAB_REQUIRE_BROWSER") == "1" {
			t.Fatal("browser test needs Chromium (CRMLAB_REQUIRE_BROWSER=1): " + msg)
		}
		bar := strings.Repeat("=", 78)
		fmt.Fprintf(os.Stderr, "\n%s\n%s\n  BROWSER TESTS SKIPPED: %s\n  skipped: %s (set CRMLAB_REQUIRE_BROWSER=1 to fail instead)\n%s\n%s\n\n",
			bar, bar, msg, t.Name(), bar, bar)
		t.Skip("BROWSER TESTS SKIPPED: " + msg)
	}

	// Exactly these flags, plus the debugging pipe chromedp adds. chromedp also makes a fresh
	// user data folder and removes it when the browser stops.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser() // closes the tab and stops the browser
		cancelAlloc()   // waits until the user data folder is gone
	})

	// The first Run starts the browser and binds its life to the context it gets, so it gets
	// the context without a deadline.
	firstRun(t, browserCtx, cancelBrowser, "start Chromium "+path)

	// Later steps run on contexts derived from this one, so they share one deadline.
	ctx, cancel := context.WithTimeout(browserCtx, SessionTimeout)
	t.Cleanup(cancel)
	return ctx
}

// NewTab opens a tab in a new browser context of the same browser: it shares no cookies or
// storage with the other tabs, like a second person's phone. It closes when the test ends.
func NewTab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	firstRun(t, tab, cancel, "open a new tab")
	return tab
}

// firstRun makes the first Run on a chromedp context, which starts the browser or opens the
// tab. The tab then lives as long as the context of that Run, so it must be ctx itself and
// not a step context with a short deadline; a watchdog bounds the wait instead.
func firstRun(t testing.TB, ctx context.Context, cancel context.CancelFunc, what string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	case <-time.After(StepTimeout):
		cancel()
		t.Fatalf("browser: %s: no answer within %v", what, StepTimeout)
	}
}

// Phone makes the tab a 360×740 phone: mobile layout (the viewport meta tag applies),
// touch, and a device pixel ratio of 2.
func Phone(t testing.TB, ctx context.Context) {
	t.Helper()
	Viewport(t, ctx, 360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
}

// Viewport sets the size of the tab's viewport in CSS pixels.
func Viewport(t testing.TB, ctx context.Context, width, height int64, opts ...chromedp.EmulateViewportOption) {
	t.Helper()
	Do(t, ctx, chromedp.EmulateViewport(width, height, opts...))
}

// Screenshot writes a full-page PNG named name+".png" into the folder CRMLAB_SCREENSHOTS
// names, creating it; without that variable it does nothing.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CRMLAB_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := Run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	t.Logf("screenshot %s", file)
}

// Run runs one action within StepTimeout and returns its value; an error fails the test
// with what the step was and the page it was on.
func Run[T any](t testing.TB, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("browser: %s: %v (page %s)", what, err, pageURL(ctx))
	}
	return v
}

// Do runs actions that return nothing, in order, within StepTimeout.
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	Run(t, ctx, "run steps", chromedp.Steps(steps...))
}

// Open loads a URL and waits for the page; it fails the test unless the page answers 2xx.
func Open(t testing.TB, ctx context.Context, rawURL string) {
	t.Helper()
	resp := Run(t, ctx, "open "+rawURL, chromedp.NavigateResponse(rawURL))
	checkStatus(t, "open "+rawURL, resp)
}

// Fill clears the input or textarea the CSS selector finds and types value into it, as a
// person would.
func Fill(t testing.TB, ctx context.Context, sel, value string) {
	t.Helper()
	// chromedp.Clear fails on an empty textarea, so the old value is emptied by script; the
	// typing that follows fires the input events a page listens to.
	js := "document.querySelector(" + strconv.Quote(sel) + ").value = ''"
	Run(t, ctx, "fill "+sel, chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Func(func(c context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[any](js)(c, tg)
			return err
		}),
		chromedp.SendKeys(chromedp.CSS(sel), value),
	))
}

// Click clicks the element the CSS selector finds and waits for the page that the click
// loads. It fails the test on a 5xx answer and returns the status (a form that is sent
// back with a message answers 4xx).
func Click(t testing.TB, ctx context.Context, sel string) int64 {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("browser: click %s and wait for the next page: %v (page %s)", sel, err, pageURL(ctx))
	}
	if resp == nil {
		t.Fatalf("browser: click %s: no response for the page (page %s)", sel, pageURL(ctx))
	}
	if resp.Status >= 500 {
		t.Fatalf("browser: click %s: %s answered %d %s", sel, resp.URL, resp.Status, resp.StatusText)
	}
	return resp.Status
}

// Text returns the visible text of the element the CSS selector finds, waiting for it.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(Run(t, ctx, "read text of "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// Value returns the value of the form field the CSS selector finds.
func Value(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	return Run(t, ctx, "read value of "+sel, chromedp.Value(chromedp.CSS(sel)))
}

// Eval evaluates a JavaScript expression in the page and decodes its value.
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	return Run(t, ctx, "evaluate "+js, chromedp.Evaluate[T](js))
}

// Path returns the path (and query) of the page the tab shows.
func Path(t testing.TB, ctx context.Context) string {
	t.Helper()
	loc := Run(t, ctx, "read location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("browser: location %q: %v", loc, err)
	}
	return u.RequestURI()
}

func checkStatus(t testing.TB, what string, resp *network.Response) {
	t.Helper()
	if resp == nil {
		t.Fatalf("browser: %s: no response", what)
	}
	if resp.Status < 200 || resp.Status > 299 {
		t.Fatalf("browser: %s: %s answered %d %s", what, resp.URL, resp.Status, resp.StatusText)
	}
}

// pageURL is the tab's location for error messages, or a note why it is unknown.
func pageURL(ctx context.Context) string {
	sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(sctx, chromedp.Location())
	if err != nil {
		if ctx.Err() != nil {
			return "unknown: the browser session is over (" + ctx.Err().Error() + ")"
		}
		return "unknown: " + err.Error()
	}
	return loc
}
