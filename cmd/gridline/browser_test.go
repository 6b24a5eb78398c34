package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gridline/gridline/bot/llm/llmtest"
	"github.com/gridline/gridline/web-widget/browsertest"
)

// The widget lives in a Shadow DOM; every query into it goes through its root.
const widgetRoot = `document.querySelector('[data-gridline-widget]').shadowRoot`

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// openWidget loads the demo site in a fresh visitor's tab and opens the chat.
func openWidget(t *testing.T, browser context.Context, url, lang string) context.Context {
	t.Helper()
	tab := browsertest.NewIncognitoTab(t, browser)
	must(t, browsertest.SetLanguage(tab, lang))
	must(t, browsertest.CatchErrors(tab))
	must(t, chromedp.Do(tab, chromedp.Navigate(url+"/")))
	must(t, browsertest.WaitFor(tab, `document.querySelector('[data-gridline-widget]') && `+widgetRoot+`.querySelector('.launcher')`, 10*time.Second))
	must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.launcher').click()`)))
	must(t, browsertest.WaitFor(tab, widgetRoot+`.activeElement && `+widgetRoot+`.activeElement.id === 'gl-input'`, 10*time.Second))
	return tab
}

// say types text into the focused widget input and presses Enter, as a person would.
func say(t *testing.T, tab context.Context, text string) {
	t.Helper()
	must(t, chromedp.Do(tab,
		chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('#gl-input').focus()`),
		chromedp.KeyEvent(text), chromedp.KeyEvent("\r")))
}

// countMsgs is how many messages of one author kind the widget shows.
func countMsgs(t *testing.T, tab context.Context, kind string) int {
	t.Helper()
	n, err := browsertest.Eval[int](tab, widgetRoot+`.querySelectorAll('.log .msg.`+kind+`').length`)
	must(t, err)
	return n
}

func noPageErrors(t *testing.T, tab context.Context) {
	t.Helper()
	errs, err := browsertest.PageErrors(tab)
	must(t, err)
	if len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}

// TestBrowserWidgetChat is the newcomer's first visit in a real browser: open
// the demo site, open the widget, ask, get the assistant's reply, reload and see
// the whole conversation — from the local cache, and again from the server alone.
func TestBrowserWidgetChat(t *testing.T) {
	t.Parallel()
	app := startApp(t, testConfig(t))
	browser := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)
	for _, tc := range []struct{ lang, question, greeting string }{
		{"en-US", "How can I pay my electricity bill?", "Assistant"},
		{"zh-CN", "怎么交电费", "智能助手"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			tab := openWidget(t, browser, app.URL(), tc.lang)
			// The greeting with the self-service menu arrives first.
			must(t, browsertest.WaitFor(tab, widgetRoot+`.querySelector('.log .msg.bot .quick button')`, 15*time.Second))
			bots := countMsgs(t, tab, "bot")
			say(t, tab, tc.question)
			mine := widgetRoot + `.querySelector('.log .msg.customer:not(.pending)')`
			must(t, browsertest.WaitFor(tab, mine+` && `+mine+`.textContent.includes(`+js(tc.question)+`)`, 10*time.Second))
			must(t, browsertest.WaitFor(tab, widgetRoot+`.querySelectorAll('.log .msg.bot').length > `+itoa(bots), 20*time.Second))
			browsertest.Screenshot(t, tab, dir, "widget-answer-"+tc.lang)

			texts := func() []string {
				out, err := browsertest.Eval[[]string](tab, `[...`+widgetRoot+`.querySelectorAll('.log .msg')].map(e => e.dataset.seq + ':' + e.querySelector('.bubble, .note').textContent)`)
				must(t, err)
				return out
			}
			before := texts()

			// A reload shows the same conversation, nothing lost and nothing doubled.
			must(t, chromedp.Do(tab, chromedp.Reload()))
			must(t, browsertest.WaitFor(tab, `document.querySelector('[data-gridline-widget]') && `+widgetRoot+`.querySelectorAll('.log .msg').length >= `+itoa(len(before)), 10*time.Second))
			time.Sleep(500 * time.Millisecond) // the replay after hello must add nothing
			if got := texts(); strings.Join(got, "\n") != strings.Join(before, "\n") {
				t.Errorf("after reload:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
			}

			// Forget the local copy but keep the visitor token: the server replays it all.
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`(() => { const k = 'gridline.widget:' + location.origin;
  const s = JSON.parse(localStorage.getItem(k)); s.msgs = []; s.lastSeq = 0; localStorage.setItem(k, JSON.stringify(s)); })()`), chromedp.Reload()))
			must(t, browsertest.WaitFor(tab, `document.querySelector('[data-gridline-widget]') && `+widgetRoot+`.querySelectorAll('.log .msg').length >= `+itoa(len(before)), 10*time.Second))
			time.Sleep(500 * time.Millisecond)
			if got := texts(); strings.Join(got, "\n") != strings.Join(before, "\n") {
				t.Errorf("replayed from the server:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
			}
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.launcher').click()`)))
			must(t, browsertest.WaitFor(tab, `!`+widgetRoot+`.querySelector('.panel').hidden`, 5*time.Second))
			browsertest.Screenshot(t, tab, dir, "widget-after-reload-"+tc.lang)
			noPageErrors(t, tab)
		})
	}
}

// TestBrowserWidgetSurvivesRestart closes the server under an open widget — the
// laptop-lid case from the other side. The customer keeps typing; the message
// waits as "sending", the widget reconnects with backoff when a new server comes
// up on the same address and database, resends it with its client id, and it is
// stored exactly once and answered. It is not parallel: between the two
// servers its port is free, and a test starting meanwhile could take it.
func TestBrowserWidgetSurvivesRestart(t *testing.T) {
	cfg := testConfig(t)
	first, err := NewApp(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	must(t, err)
	must(t, first.Start())
	cfg.Addr = first.Addr()
	base := first.URL()

	browser := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)
	tab := openWidget(t, browser, base, "en-US")
	must(t, browsertest.WaitFor(tab, widgetRoot+`.querySelector('.log .msg.bot')`, 15*time.Second))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, first.Close(ctx))
	must(t, browsertest.WaitFor(tab, `!`+widgetRoot+`.querySelector('.conn').hidden`, 10*time.Second))

	const offline = "Is there a power cut in my street?"
	say(t, tab, offline)
	pending := widgetRoot + `.querySelector('.log .msg.customer.pending')`
	must(t, browsertest.WaitFor(tab, pending+` && `+pending+`.textContent.includes(`+js(offline)+`)`, 5*time.Second))
	browsertest.Screenshot(t, tab, dir, "widget-server-down")
	bots := countMsgs(t, tab, "bot")

	second := startApp(t, cfg)
	if second.URL() != base {
		t.Fatalf("restarted at %s, want %s", second.URL(), base)
	}
	mine := `[...` + widgetRoot + `.querySelectorAll('.log .msg.customer')].filter(e => e.textContent.includes(` + js(offline) + `))`
	must(t, browsertest.WaitFor(tab, mine+`.length === 1 && !`+mine+`[0].classList.contains('pending') && `+widgetRoot+`.querySelector('.conn').hidden`, 40*time.Second))
	must(t, browsertest.WaitFor(tab, widgetRoot+`.querySelectorAll('.log .msg.bot').length > `+itoa(bots), 20*time.Second))
	browsertest.Screenshot(t, tab, dir, "widget-reconnected")

	// The store holds the message once, whatever the widget showed.
	convID, err := browsertest.Eval[string](tab, `JSON.parse(localStorage.getItem('gridline.widget:' + location.origin)).conv`)
	must(t, err)
	res, body := postJSON(t, base+"/api/v1/auth/login", map[string]string{"email": "admin@example.com", "password": "correct-horse-battery"}, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("admin login: %d %s", res.StatusCode, body)
	}
	var login struct{ Token string }
	must(t, json.Unmarshal(body, &login))
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/conversations/"+convID+"/messages?after_seq=0", nil)
	req.Header.Set("Authorization", "Bearer "+login.Token)
	res, err = http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	var msgs []struct{ Text string }
	must(t, json.NewDecoder(res.Body).Decode(&msgs))
	n := 0
	for _, m := range msgs {
		if m.Text == offline {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the store holds the offline message %d times, want 1", n)
	}
	noPageErrors(t, tab)
}

// TestBrowserWidgetStreamsAnswer configures a (test) LLM that writes slowly:
// the widget must show the answer growing as bot.delta frames arrive, with the
// typing caret, and then replace it by the final message with its citation.
func TestBrowserWidgetStreamsAnswer(t *testing.T) {
	t.Parallel()
	model := llmtest.NewServer(t, llmtest.Options{ChunkDelay: 120 * time.Millisecond, ChunkRunes: 6})
	cfg := testConfig(t)
	cfg.LLMBaseURL, cfg.LLMModel = model.URL, "test-model"
	app := startApp(t, cfg)
	browser := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)

	tab := openWidget(t, browser, app.URL(), "en-US")
	must(t, browsertest.WaitFor(tab, widgetRoot+`.querySelector('.log .msg.bot')`, 15*time.Second))
	bots := countMsgs(t, tab, "bot")
	say(t, tab, "How do I get my meter tested if it runs fast?")
	stream := widgetRoot + `.querySelector('.stream')`
	must(t, browsertest.WaitFor(tab, `!`+stream+`.hidden && `+stream+`.querySelector('.caret') && `+stream+`.querySelector('.bubble').textContent.trim().length > 0`, 20*time.Second))
	first, err := browsertest.Eval[int](tab, stream+`.querySelector('.bubble').textContent.length`)
	must(t, err)
	browsertest.Screenshot(t, tab, dir, "widget-streaming")
	// It grows, or is already replaced by the final message.
	must(t, browsertest.WaitFor(tab, stream+`.hidden || `+stream+`.querySelector('.bubble').textContent.length > `+itoa(first), 10*time.Second))
	must(t, browsertest.WaitFor(tab, stream+`.hidden && `+widgetRoot+`.querySelectorAll('.log .msg.bot').length > `+itoa(bots), 30*time.Second))
	last := `[...` + widgetRoot + `.querySelectorAll('.log .msg.bot')].pop()`
	must(t, browsertest.WaitFor(tab, last+`.querySelector('.cites li')`, 5*time.Second))
	browsertest.Screenshot(t, tab, dir, "widget-streamed")
	if model.Chats() == 0 {
		t.Error("the model was never asked")
	}
	noPageErrors(t, tab)
}

// TestBrowserWidgetCrossOrigin is the one-tag embed as a utility uses it: the
// widget script comes from Gridline, the page from the utility's own site on
// another origin (listed in GRIDLINE_ALLOWED_ORIGINS). The widget must find its
// server from its own src and chat through it.
func TestBrowserWidgetCrossOrigin(t *testing.T) {
	t.Parallel()
	site := httptest.NewServer(nil) // replaced below once Gridline's address is known
	defer site.Close()
	cfg := testConfig(t)
	cfg.AllowedOrigins = []string{site.URL}
	app := startApp(t, cfg)
	site.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html><head><title>A utility's own site</title></head><body>
<h1>Another utility's site</h1><script src="`+app.URL()+`/widget.js" async></script></body></html>`)
	})

	browser := browsertest.NewBrowser(t)
	tab := openWidget(t, browser, site.URL, "en-US")
	// Say plainly what breaks when it does: the widget's first call is the session.
	cors, err := browsertest.Eval[string](tab, `fetch(`+js(app.URL()+"/api/v1/widget/sessions")+`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{"lang":"en"}'})
  .then(r => r.ok ? '' : 'HTTP ' + r.status, e => String(e))`)
	must(t, err)
	if cors != "" {
		t.Fatalf("the utility's page (%s) cannot start a chat session on %s: %s — the server must answer CORS (preflight included) for GRIDLINE_ALLOWED_ORIGINS on /api/v1/widget/*", site.URL, app.URL(), cors)
	}
	must(t, browsertest.WaitFor(tab, widgetRoot+`.querySelector('.log .msg.bot')`, 15*time.Second))
	say(t, tab, "How can I pay my bill?")
	must(t, browsertest.WaitFor(tab, widgetRoot+`.querySelector('.log .msg.customer:not(.pending)')`, 10*time.Second))
	browsertest.Screenshot(t, tab, browsertest.Dir(t), "widget-cross-origin")
	noPageErrors(t, tab)
}

// clickJS clicks the first element matching sel from script: a sticky header
// may cover an element that is in the viewport, and a mouse click at its
// centre would land on the header instead.
func clickJS(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => { const el = document.querySelector(` + js(sel) + `); if (!el) throw new Error('no element ' + ` + js(sel) + `); el.click(); })()`)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestBrowserAgentHandoff puts a customer and an agent in two browsers. The
// agent is signed in but away, so the customer who asks for a person waits in
// the queue, is offered a call back and leaves a number; the agent sees the
// ticket and the call-back, takes the chat, sees the bot's part of it and
// replies; the reply appears in the widget; the agent resolves, the customer
// rates, and the agent closes the call-back.
func TestBrowserAgentHandoff(t *testing.T) {
	t.Parallel()
	app := startApp(t, testConfig(t))
	base := app.URL()

	// An agent account, made the way an admin would, through the API.
	res, body := postJSON(t, base+"/api/v1/auth/login", map[string]string{"email": "admin@example.com", "password": "correct-horse-battery"}, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("admin login: %d %s", res.StatusCode, body)
	}
	var login struct{ Token string }
	must(t, json.Unmarshal(body, &login))
	res, body = postJSON(t, base+"/api/v1/users", map[string]any{
		"email": "ann@example.com", "name": "Ann Li", "password": "ann-secret-pass", "role": "agent",
		"skills": []string{"billing", "repair", "connection", "complaint", "general"}, "capacity": 3,
	}, http.Header{"Authorization": {"Bearer " + login.Token}})
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		t.Fatalf("create agent: %d %s", res.StatusCode, body)
	}

	browser := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)

	agent := browsertest.NewIncognitoTab(t, browser)
	must(t, browsertest.SetLanguage(agent, "en-US"))
	must(t, browsertest.CatchErrors(agent))
	// Let the test cut the console's socket and hold it down, as a flaky
	// network would: while __blockWS is set, new sockets go nowhere.
	_, err := browsertest.Call(agent, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `(() => {
  const Native = WebSocket; window.__sockets = []; window.__blockWS = false;
  window.WebSocket = class extends Native {
    constructor(url, ...rest) { super(window.__blockWS ? 'ws://127.0.0.1:9/' : url, ...rest); window.__sockets.push(this); }
  };
})();`})
	must(t, err)
	must(t, chromedp.Do(agent,
		chromedp.Navigate(base+"/agent"),
		chromedp.WaitVisible(chromedp.ID("login-email")),
		chromedp.SendKeys(chromedp.ID("login-email"), "ann@example.com"),
		chromedp.SendKeys(chromedp.ID("login-password"), "ann-secret-pass\r"),
	))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#status') && !document.querySelector('#conn').offsetParent`, 10*time.Second))
	must(t, chromedp.Do(agent, chromedp.SetValue(chromedp.ID("status"), "away"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#status').dispatchEvent(new Event('change'))`)))

	customer := openWidget(t, browser, base, "en-US")
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.log .msg.bot')`, 15*time.Second))
	// The agent looks elsewhere: a new chat must show in the title as "(n)".
	must(t, chromedp.Do(agent, chromedp.Evaluate[chromedp.Void](`document.hasFocus = () => false`)))
	say(t, customer, "I want to talk to a person please")

	// Nobody is online: the customer sees their place in the queue and the offer.
	must(t, browsertest.WaitFor(customer, `!`+widgetRoot+`.querySelector('.banner').hidden && `+widgetRoot+`.querySelector('.banner').textContent.includes('number 1')`, 15*time.Second))
	must(t, browsertest.WaitFor(customer, `!`+widgetRoot+`.querySelector('.offer').hidden`, 15*time.Second))
	browsertest.Screenshot(t, customer, dir, "widget-queued-offer")
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](`(() => { const r = `+widgetRoot+`;
  r.querySelector('.offer input[value=callback]').click();
  r.querySelector('.offer input[name=phone]').value = '+86 138 0000 1234';
  r.querySelector('.offer textarea[name=text]').value = 'About my bill';
  r.querySelector('.offer-send').click(); })()`)))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.offer').hidden && [...`+widgetRoot+`.querySelectorAll('.log .note')].some(e => e.textContent.includes('call you back'))`, 10*time.Second))

	// The agent sees the waiting chat, with its wait ticking, and the call-back.
	must(t, browsertest.WaitFor(agent, `document.querySelector('.ticket button')`, 20*time.Second))
	must(t, browsertest.WaitFor(agent, `document.title.startsWith('(1) ')`, 5*time.Second))
	must(t, chromedp.Do(agent, chromedp.Evaluate[chromedp.Void](`document.hasFocus = () => true; window.dispatchEvent(new Event('focus'))`)))
	must(t, browsertest.WaitFor(agent, `!document.title.startsWith('(')`, 5*time.Second))
	// The list masks the number (hole 10 of issue 13); the order's page has it.
	must(t, browsertest.WaitFor(agent, `[...document.querySelectorAll('.request')].some(e => e.textContent.includes('138****1234'))`, 25*time.Second))
	browsertest.Screenshot(t, agent, dir, "agent-queue")
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(".ticket button"))))
	// Full history, the bot's part too, and a reply box.
	must(t, browsertest.WaitFor(agent, `document.querySelector('#messages .m.bot') && document.querySelector('#messages .m.customer') && document.querySelector('#reply')`, 15*time.Second))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.banner').hidden && [...`+widgetRoot+`.querySelectorAll('.log .note')].some(e => e.textContent.includes('Ann Li'))`, 10*time.Second))

	// The customer closes the panel; the agent types (the customer would see
	// "Ann Li is typing…") and replies; the launcher shows one unread message.
	must(t, chromedp.Do(customer, chromedp.KeyEvent(kb.Escape)))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.panel').hidden`, 5*time.Second))
	const answer = "Hello, this is Ann from Gridline Power. How can I help?"
	must(t, chromedp.Do(agent, chromedp.Focus(chromedp.ID("reply")), chromedp.KeyEvent(answer)))
	must(t, browsertest.WaitFor(customer, `!`+widgetRoot+`.querySelector('.typing').hidden && `+widgetRoot+`.querySelector('.typing').textContent.includes('Ann Li')`, 10*time.Second))
	must(t, chromedp.Do(agent, chromedp.KeyEvent("\r")))
	must(t, browsertest.WaitFor(customer, `!`+widgetRoot+`.querySelector('.badge').hidden && `+widgetRoot+`.querySelector('.badge').textContent === '1'`, 15*time.Second))
	browsertest.Screenshot(t, customer, dir, "widget-unread-badge")
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.launcher').click()`)))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.badge').hidden && `+widgetRoot+`.activeElement && `+widgetRoot+`.activeElement.id === 'gl-input'`, 5*time.Second))
	agentMsg := widgetRoot + `.querySelector('.log .msg.agent')`
	must(t, browsertest.WaitFor(customer, agentMsg+` && `+agentMsg+`.textContent.includes(`+js(answer)+`) && `+agentMsg+`.textContent.includes('Ann Li')`, 15*time.Second))
	must(t, browsertest.WaitFor(agent, `[...document.querySelectorAll('#messages .m.me:not(.pending)')].some(e => e.textContent.includes(`+js(answer)+`))`, 10*time.Second))
	browsertest.Screenshot(t, customer, dir, "widget-agent-reply")

	// The console loses its socket; the customer writes meanwhile; once the
	// console is back it shows that message, once, without a reload.
	must(t, chromedp.Do(agent, chromedp.Evaluate[chromedp.Void](`window.__blockWS = true; window.__sockets.forEach(s => s.close())`)))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#conn').offsetParent`, 10*time.Second))
	say(t, customer, "My bill looks too high this month")
	must(t, browsertest.WaitFor(customer, `[...`+widgetRoot+`.querySelectorAll('.log .msg.customer:not(.pending)')].some(e => e.textContent.includes('too high'))`, 10*time.Second))
	// The network comes back as a browser reports it: an 'online' event, on
	// which the console reconnects at once rather than at the end of a backoff
	// that grew while it was down (up to 30 s).
	must(t, chromedp.Do(agent, chromedp.Evaluate[chromedp.Void](`window.__blockWS = false; window.dispatchEvent(new Event('online'))`)))
	must(t, browsertest.WaitFor(agent, `!document.querySelector('#conn').offsetParent && [...document.querySelectorAll('#messages .m.customer')].filter(e => e.textContent.includes('too high')).length === 1`, 40*time.Second))
	browsertest.Screenshot(t, agent, dir, "agent-chat")

	// The console switches to Chinese in place, chat and all; the transfer
	// dialog lists the queues.
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(".topbar .lang"))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('.chat-head button.primary').textContent === '结束会话' && document.querySelectorAll('#messages .m').length > 3`, 5*time.Second))
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(".chat-head button.ghost"))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('dialog.modal[open] #tr-skill')`, 5*time.Second))
	browsertest.Screenshot(t, agent, dir, "agent-transfer-zh")
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS("dialog.modal .ghost"))))
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(".topbar .lang"))))
	must(t, browsertest.WaitFor(agent, `!document.querySelector('dialog.modal') && document.querySelector('.chat-head button.primary').textContent === 'Resolve'`, 5*time.Second))

	// Resolve; the customer is asked to rate.
	must(t, chromedp.Do(agent, chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`)))
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(".chat-head button.primary"))))
	must(t, browsertest.WaitFor(customer, `!`+widgetRoot+`.querySelector('.rating').hidden`, 15*time.Second))
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelectorAll('.rating input[name=score]')[4].click()`)))
	browsertest.Screenshot(t, customer, dir, "widget-rating")
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.rating-send').click()`)))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.rating').hidden`, 5*time.Second))

	// Writing again after the resolution opens a new matter: a new conversation,
	// the message in it, answered by the bot again.
	oldConv, err := browsertest.Eval[string](customer, `JSON.parse(localStorage.getItem('gridline.widget:' + location.origin)).conv`)
	must(t, err)
	say(t, customer, "One more question about my meter")
	must(t, browsertest.WaitFor(customer, `JSON.parse(localStorage.getItem('gridline.widget:' + location.origin)).conv !== `+js(oldConv)+
		` && [...`+widgetRoot+`.querySelectorAll('.log .msg.customer:not(.pending)')].some(e => e.textContent.includes('One more question'))`, 20*time.Second))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.log .msg.bot') && `+widgetRoot+`.querySelector('.conn').hidden`, 15*time.Second))

	// The call-back is a consultation order: the agent opens its page, which
	// has the whole number the list masked.
	must(t, chromedp.Do(agent, chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('.request')].find(e => e.textContent.includes('138****1234')).querySelector('button:last-child').click()`)))
	must(t, browsertest.WaitFor(agent, `!document.querySelector('#orders-view').hidden && document.querySelector('#wo-page h2') && document.querySelector('#wo-page').textContent.includes('+86 138 0000 1234')`, 10*time.Second))
	noPageErrors(t, customer)
	noPageErrors(t, agent)
}

// TestBrowserAdmin walks the admin pages in a real browser: sign in, search the
// knowledge base, edit an article with the live preview and save it, lose a
// race to another editor and see the conflict, import a file with bad rows and
// see each row's problem, test the bot, link an unanswered question to an
// article, and read the service figures — in Chinese and in English.
func TestBrowserAdmin(t *testing.T) {
	t.Parallel()
	app := startApp(t, testConfig(t))
	base := app.URL()
	browser := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)

	res, body := postJSON(t, base+"/api/v1/auth/login", map[string]string{"email": "admin@example.com", "password": "correct-horse-battery"}, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("admin login: %d %s", res.StatusCode, body)
	}
	var login struct{ Token string }
	must(t, json.Unmarshal(body, &login))
	bearer := http.Header{"Authorization": {"Bearer " + login.Token}}

	// nonsense differs in every word between the languages: once linked, a
	// question is an article's phrasing, and a shared word would find it.
	for _, tc := range []struct{ lang, search, conflict, rowLabel, question, nonsense string }{
		{"en-US", "meter", "Someone else changed", "Row 2", "my meter runs fast", "zxqv wobble frobnicate"},
		{"zh-CN", "电表", "其他人修改了", "第 2 行", "交了电费多久来电", "kplm snorfle quibbix"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			tab := browsertest.NewIncognitoTab(t, browser)
			must(t, browsertest.SetLanguage(tab, tc.lang))
			must(t, browsertest.CatchErrors(tab))
			must(t, chromedp.Do(tab,
				chromedp.Navigate(base+"/admin"),
				chromedp.WaitVisible(chromedp.ID("login-email")),
				chromedp.SendKeys(chromedp.ID("login-email"), "admin@example.com"),
				chromedp.SendKeys(chromedp.ID("login-password"), "correct-horse-battery\r"),
			))
			must(t, browsertest.WaitFor(tab, `document.querySelectorAll('#article-list .article-row').length >= 40`, 15*time.Second))

			// Search, open the first hit, edit: the preview follows the typing.
			must(t, chromedp.Do(tab, chromedp.SendKeys(chromedp.ID("article-search"), tc.search)))
			must(t, browsertest.WaitFor(tab, `document.querySelectorAll('#article-list .article-row').length > 0 && document.querySelectorAll('#article-list .article-row').length < 40`, 10*time.Second))
			must(t, chromedp.Do(tab, chromedp.Click(chromedp.CSS("#article-list .article-row"))))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#a-body') && document.querySelector('#a-body').value.length > 0`, 10*time.Second))
			must(t, chromedp.Do(tab,
				chromedp.Evaluate[chromedp.Void](`(() => { const b = document.querySelector('#a-body'); b.focus(); b.setSelectionRange(b.value.length, b.value.length); })()`),
				chromedp.KeyEvent("\n\n## Browser check\n\n- **bold** item\n")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#preview h2') && [...document.querySelectorAll('#preview h2')].some(h => h.textContent === 'Browser check') && document.querySelector('#preview li strong')`, 5*time.Second))
			browsertest.Screenshot(t, tab, dir, "admin-editor-"+tc.lang)
			version, err := browsertest.Eval[string](tab, `document.querySelector('#editor-box .row .small.muted').textContent`)
			must(t, err)
			must(t, chromedp.Do(tab, clickJS("#editor-box .row.end button.primary")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#editor-box .row .small.muted').textContent !== `+js(version), 10*time.Second))

			// Another admin saves the same article meanwhile: our next save is refused and said so.
			current, err := browsertest.Eval[map[string]any](tab, `(async () => { const tok = JSON.parse(localStorage.getItem('gridline.admin.session')).token;
  const slug = document.querySelector('#a-slug').value;
  const list = await (await fetch('/api/v1/articles', {headers: {Authorization: 'Bearer ' + tok}})).json();
  return list.find(a => a.slug === slug); })()`)
			must(t, err)
			current["title"] = current["title"].(string) + " (edited elsewhere)"
			req, _ := http.NewRequest(http.MethodPut, base+"/api/v1/articles/"+itoa(int(current["id"].(float64))), strings.NewReader(mustJSON(t, current)))
			req.Header = bearer.Clone()
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			must(t, err)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("concurrent edit: %d", res.StatusCode)
			}
			must(t, chromedp.Do(tab, chromedp.KeyEvent("one more line\n"), clickJS("#editor-box .row.end button.primary")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('.conflict') && document.querySelector('.conflict').textContent.includes(`+js(tc.conflict)+`)`, 10*time.Second))
			browsertest.Screenshot(t, tab, dir, "admin-conflict-"+tc.lang)

			// A new article: create as a draft, publish, see both versions, delete.
			slug := "browser-check-" + tc.lang[:2]
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.querySelector('.toolbar .primary').click()`)))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#a-slug') && document.querySelector('#a-slug').value === ''`, 5*time.Second))
			must(t, chromedp.Do(tab,
				chromedp.SendKeys(chromedp.ID("a-title"), "Browser check article"),
				chromedp.SendKeys(chromedp.ID("a-slug"), slug),
				chromedp.SendKeys(chromedp.ID("a-tags"), "test, browser"),
				chromedp.SendKeys(chromedp.ID("a-body"), "Checked **in a browser**."),
				chromedp.SendKeys(chromedp.ID("a-questions"), "does the browser check work\nis the browser checked"),
				clickJS("#editor-box .row.end button.primary"),
			))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#editor-box .tag.draft') && document.querySelector('#a-slug').value === `+js(slug)+
				` && document.querySelector('#a-questions').value === 'does the browser check work\nis the browser checked'`, 10*time.Second))
			must(t, chromedp.Do(tab, clickJS("#editor-box .row.end button.ghost"))) // publish
			must(t, browsertest.WaitFor(tab, `!document.querySelector('#editor-box .editor-title + .tag.draft') && document.querySelector('#editor-box .row .small.muted').textContent.includes('2')`, 10*time.Second))
			must(t, chromedp.Do(tab, clickJS("#editor-box .row button.ghost.small"))) // history
			must(t, browsertest.WaitFor(tab, `document.querySelectorAll('.versions li').length === 2`, 10*time.Second))
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`), clickJS("#editor-box .danger")))
			must(t, browsertest.WaitFor(tab, `!document.querySelector('#a-slug') && ![...document.querySelectorAll('#article-list .article-row')].some(r => r.textContent.includes(`+js(slug)+`))`, 10*time.Second))

			// Test the bot: the action, a confidence bar and the citations show.
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.getElementById('tab-bot').click()`)))
			must(t, chromedp.Do(tab, chromedp.SendKeys(chromedp.ID("ask-text"), tc.question+"\r")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('.result [role=meter]') && document.querySelector('.result .tag[class*=action-]')`, 10*time.Second))
			browsertest.Screenshot(t, tab, dir, "admin-bot-"+tc.lang)
			// The starter synonyms are listed for editing below.
			must(t, browsertest.WaitFor(tab, `document.querySelector('#synonyms') && document.querySelector('#synonyms').value.includes('缴费 / 交费')`, 10*time.Second))
			must(t, chromedp.Do(tab, chromedp.ScrollIntoView(chromedp.ID("synonyms-save"))))
			browsertest.Screenshot(t, tab, dir, "admin-synonyms-"+tc.lang)

			// Trying the bot records nothing; a customer's question the bot
			// could not answer is listed, and the picker searches the articles
			// in the question's language; linking one resolves it.
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.querySelector('#ask-text').value = ''`), chromedp.SendKeys(chromedp.ID("ask-text"), tc.nonsense+"\r")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('.result .tag[class*=action-]') && !document.querySelector('.result .action-answer')`, 10*time.Second))
			lang := tc.lang[:2]
			must(t, app.Store.RecordUnanswered(context.Background(), tc.nonsense, lang, "fallback"))
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.getElementById('tab-unanswered').click()`)))
			row := `[...document.querySelectorAll('table.grid tbody tr')].find(r => r.textContent.includes(` + js(tc.nonsense) + `))`
			must(t, browsertest.WaitFor(tab, row+` && `+row+`.querySelector('.picker li')`, 10*time.Second))
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`(() => { const i = `+row+`.querySelector('.link-picker input'); i.value = `+js(tc.search)+`; i.dispatchEvent(new Event('input')); })()`)))
			must(t, browsertest.WaitFor(tab, `[...`+row+`.querySelectorAll('.picker li[role=option]')].length > 0 && [...`+row+`.querySelectorAll('.picker li[role=option]')].every(li => li.textContent.includes('-`+lang+`'))`, 10*time.Second))
			browsertest.Screenshot(t, tab, dir, "admin-unanswered-"+tc.lang)
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`(() => { const r = `+row+`; r.querySelector('.picker li[role=option]').click(); r.querySelector('.link-picker button').click(); })()`)))
			must(t, browsertest.WaitFor(tab, `!`+row, 10*time.Second))

			// Users: the list, and a new agent added through the form.
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.getElementById('tab-users').click()`)))
			must(t, browsertest.WaitFor(tab, `[...document.querySelectorAll('table.grid td')].some(td => td.textContent === 'admin@example.com')`, 10*time.Second))
			email := "agent-" + tc.lang + "@example.com"
			must(t, chromedp.Do(tab,
				chromedp.SendKeys(chromedp.ID("u-new-name"), "Agent "+tc.lang),
				chromedp.SendKeys(chromedp.ID("u-new-email"), email),
				chromedp.SendKeys(chromedp.ID("u-new-pass"), "a-long-password"),
				chromedp.Click(chromedp.ID("u-new-skill-repair")),
				chromedp.Click(chromedp.CSS("form.user-form button.primary")),
			))
			// Creating a user hashes its password (bcrypt), slow under -race on a busy machine.
			must(t, browsertest.WaitFor(tab, `[...document.querySelectorAll('table.grid td')].some(td => td.textContent === `+js(email)+`)`, 30*time.Second))
			browsertest.Screenshot(t, tab, dir, "admin-users-"+tc.lang)
			// The audit log lists the user just added and the logins; filtered by
			// action it keeps the user changes only.
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.getElementById('tab-audit').click()`)))
			must(t, browsertest.WaitFor(tab, `[...document.querySelectorAll('table.staff-audit tbody tr')].some(r => r.textContent.includes('user:'))`, 10*time.Second))
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`(() => { const f = document.querySelector('form.audit-filter'); f.querySelector('select[name=action]').value = 'user_create'; f.requestSubmit(); })()`)))
			must(t, browsertest.WaitFor(tab, `(() => { const rows = [...document.querySelectorAll('table.staff-audit tbody tr')]; return rows.length > 0 && rows.every(r => r.textContent.includes('user:')); })()`, 10*time.Second))
			browsertest.Screenshot(t, tab, dir, "admin-audit-"+tc.lang)
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.getElementById('tab-stats').click()`)))
			must(t, browsertest.WaitFor(tab, `document.querySelectorAll('.stat').length === 7`, 10*time.Second))
			browsertest.Screenshot(t, tab, dir, "admin-stats-"+tc.lang)

			// An import with a bad second row writes nothing and names the row.
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.getElementById('tab-articles').click()`)))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#import-file') && document.querySelector('#article-list .article-row')`, 10*time.Second))
			file := filepath.Join(t.TempDir(), "articles.json")
			must(t, os.WriteFile(file, []byte(`[{"slug":"import-ok-`+tc.lang[:2]+`","lang":"en","title":"Fine","body":"Fine body"},{"slug":"Bad Slug!","lang":"xx","title":"","body":"x"}]`), 0o644))
			must(t, chromedp.Do(tab, chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{file})))
			must(t, browsertest.WaitFor(tab, `document.querySelector('.import-errors') && document.querySelector('.import-errors').textContent.includes(`+js(tc.rowLabel)+`) && document.querySelector('.import-errors').textContent.includes('slug')`, 10*time.Second))
			browsertest.Screenshot(t, tab, dir, "admin-import-errors-"+tc.lang)

			noPageErrors(t, tab)
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return string(b)
}
