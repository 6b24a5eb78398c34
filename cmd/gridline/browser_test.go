package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestBrowserAgentHandoff puts a customer and an agent in two browsers: the
// customer asks for a person, the agent signs in to the console, takes the chat,
// sees the bot's part of it, replies, and the reply appears in the widget; the
// agent resolves and the customer is asked for a rating.
func TestBrowserAgentHandoff(t *testing.T) {
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
	must(t, chromedp.Do(agent,
		chromedp.Navigate(base+"/agent"),
		chromedp.WaitVisible(chromedp.ID("login-email")),
		chromedp.SendKeys(chromedp.ID("login-email"), "ann@example.com"),
		chromedp.SendKeys(chromedp.ID("login-password"), "ann-secret-pass\r"),
	))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#status') && !document.querySelector('#conn').offsetParent`, 10*time.Second))

	customer := openWidget(t, browser, base, "en-US")
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.log .msg.bot')`, 15*time.Second))
	say(t, customer, "I want to talk to a person please")

	// The chat reaches the agent: waiting in the queue (take it) or assigned at once.
	must(t, browsertest.WaitFor(agent, `document.querySelector('.ticket button') || document.querySelector('.chat-row')`, 20*time.Second))
	browsertest.Screenshot(t, agent, dir, "agent-queue")
	must(t, chromedp.Do(agent, chromedp.Evaluate[chromedp.Void](`(() => { const b = document.querySelector('.ticket button'); if (b) b.click(); else document.querySelector('.chat-row').click(); })()`)))
	// Full history, the bot's part too, and a reply box.
	must(t, browsertest.WaitFor(agent, `document.querySelector('#messages .m.bot') && document.querySelector('#messages .m.customer') && document.querySelector('#reply')`, 15*time.Second))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.log .msg.system')`, 10*time.Second)) // "Ann Li has joined"

	const answer = "Hello, this is Ann from Gridline Power. How can I help?"
	must(t, chromedp.Do(agent, chromedp.Focus(chromedp.ID("reply")), chromedp.KeyEvent(answer), chromedp.KeyEvent("\r")))
	agentMsg := widgetRoot + `.querySelector('.log .msg.agent')`
	must(t, browsertest.WaitFor(customer, agentMsg+` && `+agentMsg+`.textContent.includes(`+js(answer)+`) && `+agentMsg+`.textContent.includes('Ann Li')`, 15*time.Second))
	must(t, browsertest.WaitFor(agent, `[...document.querySelectorAll('#messages .m.me:not(.pending)')].some(e => e.textContent.includes(`+js(answer)+`))`, 10*time.Second))
	browsertest.Screenshot(t, customer, dir, "widget-agent-reply")
	browsertest.Screenshot(t, agent, dir, "agent-chat")

	// The customer answers; the agent sees it live.
	say(t, customer, "My bill looks too high this month")
	must(t, browsertest.WaitFor(agent, `[...document.querySelectorAll('#messages .m.customer')].some(e => e.textContent.includes('too high'))`, 10*time.Second))

	// Resolve; the customer is asked to rate.
	must(t, chromedp.Do(agent, chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`)))
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(".chat-head button.primary"))))
	must(t, browsertest.WaitFor(customer, `!`+widgetRoot+`.querySelector('.rating').hidden`, 15*time.Second))
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](`(() => { const r = `+widgetRoot+`.querySelectorAll('.rating input[name=score]')[4]; r.click(); })()`)))
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.rating-send').click()`)))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.rating').hidden`, 5*time.Second))
	browsertest.Screenshot(t, customer, dir, "widget-rated")
	noPageErrors(t, customer)
	noPageErrors(t, agent)
}
