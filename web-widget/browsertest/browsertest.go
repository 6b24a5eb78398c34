// Package browsertest drives Gridline's pages in headless Chromium for tests:
// it starts one browser per test, opens tabs, pretends a browser language, waits
// on page state, and keeps screenshots where a person can look at them. It is a
// test helper; only _test.go files import it.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ExecPath finds Chromium: $GRIDLINE_CHROMIUM, then /usr/bin/chromium (what CI
// installs), then the usual names on $PATH. It returns "" when there is none.
func ExecPath() string {
	if p := os.Getenv("GRIDLINE_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TabTimeout bounds everything a test does in one tab. chromedp waits for an
// element for as long as its context lives, so without a bound a missing element
// would hang the test until go test's own timeout, with no useful message.
const TabTimeout = 2 * time.Minute

// bounded returns ctx with TabTimeout, cancelled when t ends. The tab already
// runs, so the deadline limits actions only, not the life of the browser.
func bounded(t testing.TB, ctx context.Context) context.Context {
	ctx, cancel := context.WithTimeout(ctx, TabTimeout)
	t.Cleanup(cancel)
	return ctx
}

// NewBrowser starts headless Chromium for t and returns the context of its first
// tab. The browser stops when t ends. A test is skipped, saying why, only when no
// Chromium is installed; CI installs it, so there the browser tests always run.
// Actions in the returned tab fail after TabTimeout.
func NewBrowser(t testing.TB) context.Context {
	t.Helper()
	path := ExecPath()
	if path == "" {
		t.Skip("browsertest: no Chromium found (install Debian's chromium or set GRIDLINE_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1280, 860),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser; its life is bound to ctx, not to a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	return withBrowser(bounded(t, ctx), ctx)
}

// browserKey finds the unbounded browser context behind a bounded tab, so that
// new tabs are children of the browser, not of another tab's deadline.
type browserKey struct{}

func withBrowser(ctx, browser context.Context) context.Context {
	return context.WithValue(ctx, browserKey{}, browser)
}

func browserOf(ctx context.Context) context.Context {
	if b, ok := ctx.Value(browserKey{}).(context.Context); ok {
		return b
	}
	return ctx
}

// NewTab opens another tab in the browser of ctx, closed when t ends. Tabs share
// cookies and storage; use NewIncognitoTab for a second, separate visitor.
func NewTab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(browserOf(ctx))
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("browsertest: open tab: %v", err)
	}
	return withBrowser(bounded(t, tab), browserOf(ctx))
}

// NewIncognitoTab opens a tab in a fresh browser context: its own cookies and
// localStorage, as a different person on a different computer would have.
func NewIncognitoTab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(browserOf(ctx), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("browsertest: open incognito tab: %v", err)
	}
	return withBrowser(bounded(t, tab), browserOf(ctx))
}

// SetLanguage makes every document the tab loads from now on see tag (e.g.
// "zh-CN") as navigator.language, and formats dates in that locale, so one test
// binary can check both the Chinese and the English pages.
func SetLanguage(ctx context.Context, tag string) error {
	src := fmt.Sprintf(`(() => { const l = %q;
  Object.defineProperty(Navigator.prototype, 'language', { get: () => l, configurable: true });
  Object.defineProperty(Navigator.prototype, 'languages', { get: () => [l], configurable: true });
})();`, tag)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
		return fmt.Errorf("browsertest: language script: %w", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: strings.ReplaceAll(tag, "-", "_")}); err != nil {
		return fmt.Errorf("browsertest: locale override: %w", err)
	}
	return nil
}

// Eval runs a JavaScript expression in the tab and decodes its value into T. A
// promise is awaited.
func Eval[T any](ctx context.Context, expr string) (T, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// WaitFor polls the JavaScript expression until it is truthy or timeout passes;
// the error then names the expression so a failing test says what never happened.
func WaitFor(ctx context.Context, expr string, timeout time.Duration) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+expr+")",
		chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		if errors.Is(err, chromedp.ErrPollingTimeout) {
			return fmt.Errorf("browsertest: still false after %s: %s", timeout, expr)
		}
		return fmt.Errorf("browsertest: wait for %s: %w", expr, err)
	}
	return nil
}

// Dir is where t's screenshots go: a directory that outlives nothing but the
// test, unless $GRIDLINE_SCREENSHOTS names one to copy them to as well.
func Dir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return dir
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Save writes png as name.png under dir and, when $GRIDLINE_SCREENSHOTS is set,
// also as <test name>-<name>.png there. It returns the path it logged.
func Save(t testing.TB, dir, name string, png []byte) string {
	t.Helper()
	file := unsafeName.ReplaceAllString(name, "_") + ".png"
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("browsertest: save screenshot: %v", err)
	}
	if keep := os.Getenv("GRIDLINE_SCREENSHOTS"); keep != "" {
		if err := os.MkdirAll(keep, 0o755); err != nil {
			t.Fatalf("browsertest: %v", err)
		}
		path = filepath.Join(keep, unsafeName.ReplaceAllString(t.Name(), "_")+"-"+file)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatalf("browsertest: copy screenshot: %v", err)
		}
	}
	t.Logf("screenshot %s: %s", name, path)
	return path
}

// settle gives entrance animations (a panel popping in, a list scrolling) a
// moment to finish, so a screenshot shows what a person would look at.
func settle(ctx context.Context) {
	_, _ = Eval[chromedp.Void](ctx, `new Promise(r => setTimeout(r, 300))`)
}

// Screenshot captures the tab's viewport as name.png (see Save).
func Screenshot(t testing.TB, ctx context.Context, dir, name string) string {
	t.Helper()
	settle(ctx)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	return Save(t, dir, name, png)
}

// FullScreenshot captures the whole page, beyond the viewport, as name.png.
func FullScreenshot(t testing.TB, ctx context.Context, dir, name string) string {
	t.Helper()
	settle(ctx)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: full screenshot %s: %v", name, err)
	}
	return Save(t, dir, name, png)
}

// Call runs one DevTools command on the tab; it is here so tests need not import
// cdproto for the odd command (e.g. network.EmulateNetworkConditions).
func Call[P, R any](ctx context.Context, cmd cdp.Command[P, R], params P) (R, error) {
	return chromedp.Call(ctx, cmd, params)
}

// CatchErrors makes every document the tab loads from now on record uncaught
// errors, unhandled promise rejections and Content-Security-Policy violations
// in window.__gridlineErrors, which PageErrors reads, so a test can assert that
// a page ran cleanly — under the server's policy, too.
func CatchErrors(ctx context.Context) error {
	const src = `(() => { const errs = []; window.__gridlineErrors = errs;
  addEventListener('error', (e) => errs.push(String(e.message || e.type) + ' @ ' + (e.filename || '') + ':' + (e.lineno || 0)));
  addEventListener('unhandledrejection', (e) => errs.push('unhandled rejection: ' + String(e.reason && (e.reason.stack || e.reason.message) || e.reason)));
  addEventListener('securitypolicyviolation', (e) => errs.push('CSP ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' @ ' + (e.sourceFile || '') + ':' + (e.lineNumber || 0)), true);
})();`
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
		return fmt.Errorf("browsertest: error recorder: %w", err)
	}
	return nil
}

// PageErrors returns what CatchErrors recorded in the current document.
func PageErrors(ctx context.Context) ([]string, error) {
	return Eval[[]string](ctx, `window.__gridlineErrors || []`)
}
