package webwidget_test

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	webwidget "github.com/gridline/gridline/web-widget"
	"github.com/gridline/gridline/web-widget/browsertest"
)

func TestHandlerServesPages(t *testing.T) {
	ts := httptest.NewServer(webwidget.Handler())
	defer ts.Close()
	tests := []struct {
		path, wantType string
		wantStatus     int
		wantCORS       bool
		wantBody       string
	}{
		{"/", "text/html", 200, false, `<script src="/widget.js" async></script>`},
		{"/widget.js", "text/javascript", 200, true, "attachShadow"},
		{"/agent", "text/html", 200, false, "/static/agent.js"},
		{"/admin", "text/html", 200, false, "/static/admin.js"},
		{"/static/i18n.js", "text/javascript", 200, true, "export const messages"},
		{"/static/console.css", "text/css", 200, true, ":root"},
		{"/static/widget.css", "text/css", 200, true, ":host"},
		{"/static/socket.js", "text/javascript", 200, true, "export class Socket"},
		{"/static/", "", 404, false, ""},
		{"/static/../webwidget.go", "", 404, false, ""},
		{"/static/nope.js", "", 404, false, ""},
		{"/api/v1/articles", "", 404, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := http.Get(ts.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				return
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("Content-Type %q, want %s", ct, tt.wantType)
			}
			if got := res.Header.Get("Access-Control-Allow-Origin") == "*"; got != tt.wantCORS {
				t.Errorf("CORS header present=%v, want %v", got, tt.wantCORS)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body lacks %q", tt.wantBody)
			}
		})
	}
}

// usedKeys finds every message key the pages ask for: data-i18n attributes and
// t('…') calls in the scripts.
func usedKeys(t *testing.T) []string {
	t.Helper()
	pattern := regexp.MustCompile(`data-i18n(?:-[a-z-]+)?="([a-z][\w.]+)"|\bt\('([a-z][\w.]+)'`)
	seen := map[string]bool{}
	err := fs.WalkDir(webwidget.Static, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == "static/i18n.js" {
			return err
		}
		data, err := fs.ReadFile(webwidget.Static, path)
		if err != nil {
			return err
		}
		for _, m := range pattern.FindAllStringSubmatch(string(data), -1) {
			if k := m[1] + m[2]; !strings.HasSuffix(k, ".") { // a prefix completed at run time
				seen[k] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestMessageTableAndMarkdown loads the real modules in Chromium: the message
// table must have the same keys in Chinese and English, including every key a
// page uses, and the Markdown renderer must render and never let markup through.
func TestMessageTableAndMarkdown(t *testing.T) {
	ts := httptest.NewServer(webwidget.Handler())
	defer ts.Close()
	ctx := browsertest.NewBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/static/console.css")); err != nil {
		t.Fatal(err)
	}

	used, _ := json.Marshal(usedKeys(t))
	var table struct {
		OnlyEN, OnlyZH, Missing []string
		Pick                    []string
	}
	raw, err := browsertest.Eval[[]byte](ctx, `import('/static/i18n.js').then(m => {
  const en = Object.keys(m.messages.en), zh = Object.keys(m.messages.zh);
  const used = `+string(used)+`;
  return {
    OnlyEN: en.filter(k => !zh.includes(k)),
    OnlyZH: zh.filter(k => !en.includes(k)),
    Missing: used.filter(k => !en.includes(k)),
    Pick: ['zh-CN', 'zh-TW', 'ZH', 'en-US', 'fr', ''].map(m.pickLang),
  };
})`)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	if len(table.OnlyEN)+len(table.OnlyZH)+len(table.Missing) > 0 {
		t.Errorf("message table: only in en %v; only in zh %v; used but missing %v", table.OnlyEN, table.OnlyZH, table.Missing)
	}
	if got, want := strings.Join(table.Pick, ","), "zh,zh,zh,en,en,en"; got != want {
		t.Errorf("pickLang = %s, want %s", got, want)
	}

	tests := []struct{ name, in, want string }{
		{"paragraphs", "one\ntwo\n\nthree", "<p>one<br>two</p>\n<p>three</p>"},
		{"heading", "## Pay **now**", "<h2>Pay <strong>now</strong></h2>"},
		{"bullets", "- a\n- b", "<ul><li>a</li><li>b</li></ul>"},
		{"numbers", "1. a\n2. b", "<ol><li>a</li><li>b</li></ol>"},
		{"list then text", "* a\nafter", "<ul><li>a</li></ul>\n<p>after</p>"},
		{"link", "[Pay](https://pay.example/x?a=1&b=2)", `<p><a href="https://pay.example/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">Pay</a></p>`},
		{"relative link", "[kb](/kb/a)", `<p><a href="` + ts.URL + `/kb/a" target="_blank" rel="noopener noreferrer">kb</a></p>`},
		{"script link dropped", "[x](javascript:alert(1))", "<p>x)</p>"},
		{"protocol-relative dropped", "[x](//evil.example)", "<p>x</p>"},
		// Issue 13: the browser reads "/\\host" as "//host", another server.
		{"backslash host dropped", `[x](/\evil.example/login)`, "<p>x</p>"},
		{"backslashes host dropped", `[x](\\evil.example/login)`, "<p>x</p>"},
		{"tab in scheme no link", "[x](java\tscript:alert(1))", "<p>[x](java\tscript:alert(1))</p>"},
		{"plain http elsewhere dropped", "[x](http://evil.example/login)", "<p>x</p>"},
		{"data dropped", "[x](data:text/html,hi)", "<p>x</p>"},
		{"https elsewhere kept", "[x](HTTPS://help.utility.example/a)", `<p><a href="https://help.utility.example/a" target="_blank" rel="noopener noreferrer">x</a></p>`},
		{"encoded backslash stays here", "[x](/%5Cevil.example)", `<p><a href="` + ts.URL + `/%5Cevil.example" target="_blank" rel="noopener noreferrer">x</a></p>`},
		{"phone kept", "[95598](tel:95598)", `<p><a href="tel:95598" target="_blank" rel="noopener noreferrer">95598</a></p>`},
		{"html escaped", `<img src=x onerror="alert(1)">`, "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>"},
		{"quote cannot leave href", `[x](https://a.example/"onmouseover="alert(1))`, `<p><a href="https://a.example/%22onmouseover=%22alert(1" target="_blank" rel="noopener noreferrer">x</a>)</p>`},
		{"code keeps stars", "use `**x**` here", "<p>use <code>**x**</code> here</p>"},
		{"italic", "an *important* note", "<p>an <em>important</em> note</p>"},
		{"chinese", "# 停电\n交费后**2小时**内恢复", "<h1>停电</h1>\n<p>交费后<strong>2小时</strong>内恢复</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, _ := json.Marshal(tt.in)
			got, err := browsertest.Eval[string](ctx, `import('/static/markdown.js').then(m => m.renderMarkdown(`+string(in)+`))`)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("renderMarkdown(%q)\n got %s\nwant %s", tt.in, got, tt.want)
			}
			// Where would a click go? Ask the browser, which resolves the href
			// as it would follow it: this server, or an https host.
			hosts, err := browsertest.Eval[[]string](ctx, `import('/static/markdown.js').then(m => {
  const d = document.createElement('div'); d.innerHTML = m.renderMarkdown(`+string(in)+`);
  return [...d.querySelectorAll('a')].map(a => a.protocol + '//' + a.host);
})`)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hosts {
				if h != ts.URL && !strings.HasPrefix(h, "https://") && h != "tel://" {
					t.Errorf("renderMarkdown(%q) links to %s", tt.in, h)
				}
			}
		})
	}
}

// TestSocketModule loads socket.js in Chromium: the backoff stays within its
// bounds, and a Thread keeps what was sent until acked, resends it with the same
// client id, and resumes after the highest seq seen.
func TestSocketModule(t *testing.T) {
	ts := httptest.NewServer(webwidget.Handler())
	defer ts.Close()
	ctx := browsertest.NewBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/static/console.css")); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Delays             []float64
		Resent, AfterAck   []string
		LastSeq, Restarted int
		IDsDiffer          bool
	}
	raw, err := browsertest.Eval[[]byte](ctx, `import('/static/socket.js').then(m => {
  const state = { lastSeq: 0, outbox: [] };
  const th = new m.Thread(state);
  const a = th.queue({ type: 'message', text: 'a' }), b = th.queue({ type: 'message', text: 'b' });
  const resent = [];
  th.resend((f) => resent.push(f.client_id === a.client_id ? 'a' : f.client_id === b.client_id ? 'b' : '?'));
  th.acked(a.client_id);
  [3, 1, 7, 5].forEach((s) => th.seen(s));
  const lastSeq = th.lastSeq;
  th.restart();
  return {
    Delays: [m.retryDelay(0, () => 0), m.retryDelay(0, () => 1), m.retryDelay(3, () => 1), m.retryDelay(50, () => 1)],
    Resent: resent,
    AfterAck: state.outbox.map((f) => f.text),
    LastSeq: lastSeq,
    Restarted: state.lastSeq,
    IDsDiffer: a.client_id !== b.client_id && m.newClientID() !== m.newClientID(),
  };
})`)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if want := []float64{250, 750, 4250, 30250}; fmt.Sprint(got.Delays) != fmt.Sprint(want) {
		t.Errorf("retryDelay = %v, want %v", got.Delays, want)
	}
	if strings.Join(got.Resent, ",") != "a,b" || strings.Join(got.AfterAck, ",") != "b" {
		t.Errorf("resent %v, outbox after ack %v; want a,b then b", got.Resent, got.AfterAck)
	}
	if got.LastSeq != 7 || got.Restarted != 0 {
		t.Errorf("lastSeq %d after seeing 3,1,7,5 (want 7); %d after restart (want 0)", got.LastSeq, got.Restarted)
	}
	if !got.IDsDiffer {
		t.Error("client ids repeat")
	}
}

// hostilePage is a customer's site whose CSS would wreck any widget it reached.
const hostilePage = `<!doctype html><html><head><style>
* { font-family: serif !important; letter-spacing: 3px !important; }
button { display: none !important; }
div, section { border: 6px dashed red !important; background: yellow !important; }
</style></head><body><h1>A customer's own site</h1>
<script src="/widget.js" async></script></body></html>`

// TestWidgetOfflineOutbox opens the widget on a hostile host page with no chat
// server behind it: the host's CSS must not reach the Shadow DOM, and a message
// typed while the server is unreachable must show as "sending" and survive a
// reload in the outbox.
func TestWidgetOfflineOutbox(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/", webwidget.Handler())
	mux.HandleFunc("/host", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, hostilePage)
	})
	ts := httptest.NewServer(mux) // /api/v1/widget/sessions is 404: the desk is "down"
	defer ts.Close()
	ctx := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)

	for _, lang := range []struct{ tag, sending string }{{"en-US", "Sending…"}, {"zh-CN", "发送中…"}} {
		t.Run(lang.tag, func(t *testing.T) {
			tab := browsertest.NewIncognitoTab(t, ctx)
			if err := browsertest.SetLanguage(tab, lang.tag); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+"/host")); err != nil {
				t.Fatal(err)
			}
			const root = `document.querySelector('[data-gridline-widget]').shadowRoot`
			if err := browsertest.WaitFor(tab, `document.querySelector('[data-gridline-widget]') && `+root+`.querySelector('.launcher')`, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			style, err := browsertest.Eval[map[string]string](tab, `(() => { const b = `+root+`.querySelector('.launcher'); const s = getComputedStyle(b);
  return {display: s.display, bg: s.backgroundImage, font: getComputedStyle(`+root+`.querySelector('.panel')).fontFamily, label: b.getAttribute('aria-label')}; })()`)
			if err != nil {
				t.Fatal(err)
			}
			if style["display"] == "none" || !strings.Contains(style["bg"], "gradient") || strings.HasPrefix(style["font"], "serif") {
				t.Errorf("host CSS leaked into the widget: %v", style)
			}
			if style["label"] == "" {
				t.Error("launcher has no accessible name")
			}
			// Open with the keyboard: focus the launcher, press Enter; the input gets focus.
			if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](root+`.querySelector('.launcher').focus()`), chromedp.KeyEvent("\r")); err != nil {
				t.Fatal(err)
			}
			if err := browsertest.WaitFor(tab, root+`.activeElement && `+root+`.activeElement.id === 'gl-input'`, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(tab, chromedp.KeyEvent("my meter runs fast"), chromedp.KeyEvent("\r")); err != nil {
				t.Fatal(err)
			}
			pending := root + `.querySelector('.log .msg.customer.pending')`
			if err := browsertest.WaitFor(tab, pending+` && `+pending+`.textContent.includes('my meter runs fast') && `+pending+`.textContent.includes('`+lang.sending+`')`, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			if err := browsertest.WaitFor(tab, `!`+root+`.querySelector('.conn').hidden`, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			browsertest.Screenshot(t, tab, dir, "offline-"+lang.tag)

			if err := chromedp.Do(tab, chromedp.Reload()); err != nil {
				t.Fatal(err)
			}
			if err := browsertest.WaitFor(tab, `document.querySelector('[data-gridline-widget]') && `+pending, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			outbox, err := browsertest.Eval[int](tab, `JSON.parse(localStorage.getItem('gridline.widget:`+ts.URL+`')).outbox.filter(f => f.type === 'message' && f.text === 'my meter runs fast' && f.client_id).length`)
			if err != nil {
				t.Fatal(err)
			}
			if outbox != 1 {
				t.Errorf("outbox holds %d copies of the offline message after reload, want 1", outbox)
			}
			// Esc closes the panel and gives focus back to the launcher.
			if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](root+`.querySelector('.launcher').click()`)); err != nil {
				t.Fatal(err)
			}
			if err := browsertest.WaitFor(tab, root+`.activeElement && `+root+`.activeElement.id === 'gl-input'`, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(tab, chromedp.KeyEvent(kb.Escape)); err != nil {
				t.Fatal(err)
			}
			if err := browsertest.WaitFor(tab, root+`.querySelector('.panel').hidden && `+root+`.activeElement === `+root+`.querySelector('.launcher')`, 5*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPagesRenderInBothLanguages opens the demo site and the two consoles (with
// no desk behind them, so the consoles stop at sign-in) in Chinese and in
// English: the text must come from the table in the browser's language and the
// scripts must run without an error.
func TestPagesRenderInBothLanguages(t *testing.T) {
	ts := httptest.NewServer(webwidget.Handler())
	defer ts.Close()
	ctx := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)
	tests := []struct {
		page, lang, sel, want string
	}{
		{"/", "zh-CN", "h1", "24小时服务，一问即答"},
		{"/", "en-GB", "h1", "24-hour service, one chat away"},
		{"/agent", "zh-CN", ".login-card h1", "登录"},
		{"/agent", "en-US", ".login-card h1", "Sign in"},
		{"/admin", "zh-TW", ".login-card button.primary", "登录"},
		{"/admin", "fr-FR", ".login-card button.primary", "Sign in"},
	}
	for _, tt := range tests {
		t.Run(strings.Trim(tt.page, "/")+"-"+tt.lang, func(t *testing.T) {
			tab := browsertest.NewIncognitoTab(t, ctx)
			if err := browsertest.SetLanguage(tab, tt.lang); err != nil {
				t.Fatal(err)
			}
			if err := browsertest.CatchErrors(tab); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(tab, chromedp.Navigate(ts.URL+tt.page)); err != nil {
				t.Fatal(err)
			}
			sel, _ := json.Marshal(tt.sel)
			want, _ := json.Marshal(tt.want)
			if err := browsertest.WaitFor(tab, `document.querySelector(`+string(sel)+`) && document.querySelector(`+string(sel)+`).textContent.trim() === `+string(want), 10*time.Second); err != nil {
				t.Fatal(err)
			}
			if tt.page == "/" {
				// The widget's launcher is on the demo page, labelled in the page's
				// language, and follows the page's language switch.
				const launcher = `document.querySelector('[data-gridline-widget]').shadowRoot.querySelector('.launcher')`
				if err := browsertest.WaitFor(tab, `document.querySelector('[data-gridline-widget]') && `+launcher+`.getAttribute('aria-label')`, 10*time.Second); err != nil {
					t.Fatal(err)
				}
				before, err := browsertest.Eval[string](tab, launcher+`.getAttribute('aria-label')`)
				if err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(tab, chromedp.Click(chromedp.ID("lang"))); err != nil {
					t.Fatal(err)
				}
				if err := browsertest.WaitFor(tab, launcher+`.getAttribute('aria-label') !== `+jsString(before)+` && document.querySelector('h1').textContent.trim() !== `+string(want), 5*time.Second); err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(tab, chromedp.Click(chromedp.ID("lang"))); err != nil {
					t.Fatal(err)
				}
			}
			if tt.page == "/" {
				browsertest.FullScreenshot(t, tab, dir, "site-"+tt.lang)
			} else {
				browsertest.Screenshot(t, tab, dir, strings.Trim(tt.page, "/")+"-"+tt.lang)
			}
			errs, err := browsertest.PageErrors(tab)
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) > 0 {
				t.Errorf("page errors: %v", errs)
			}
		})
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestWidgetMobileLayout opens the widget on a phone-sized screen: the panel
// takes the whole screen (no launcher floating over the text box) and its close
// button brings the launcher back.
func TestWidgetMobileLayout(t *testing.T) {
	ts := httptest.NewServer(webwidget.Handler())
	defer ts.Close()
	ctx := browsertest.NewBrowser(t)
	tab := browsertest.NewIncognitoTab(t, ctx)
	if err := browsertest.SetLanguage(tab, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	const root = `document.querySelector('[data-gridline-widget]').shadowRoot`
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.WaitFor(tab, `document.querySelector('[data-gridline-widget]') && `+root+`.querySelector('.launcher')`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](root+`.querySelector('.launcher').click()`)); err != nil {
		t.Fatal(err)
	}
	full := `(() => { const r = ` + root + `.querySelector('.panel').getBoundingClientRect();
  return !` + root + `.querySelector('.panel').hidden && r.width === innerWidth && Math.abs(r.height - innerHeight) < 2 && getComputedStyle(` + root + `.querySelector('.launcher')).display === 'none'; })()`
	if err := browsertest.WaitFor(tab, full, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, tab, browsertest.Dir(t), "widget-mobile-zh")
	if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](root+`.querySelector('.close').click()`)); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.WaitFor(tab, root+`.querySelector('.panel').hidden && getComputedStyle(`+root+`.querySelector('.launcher')).display !== 'none'`, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}
