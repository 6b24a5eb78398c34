package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/insight"
	"github.com/gridline/gridline/web-widget/browsertest"
)

// widgetSession opens a visitor's session over HTTP: its token and conversation.
func widgetSession(t *testing.T, app *App) (token, convID string) {
	t.Helper()
	r, data := doJSON(t, http.MethodPost, app.URL()+"/api/v1/widget/sessions", map[string]string{"lang": "en"}, nil)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("widget session: %d %s", r.StatusCode, data)
	}
	var s struct {
		VisitorToken   string `json:"visitor_token"`
		ConversationID string `json:"conversation_id"`
	}
	must(t, json.Unmarshal(data, &s))
	return s.VisitorToken, s.ConversationID
}

// TestRatingFollowUps is the wired program: a bot-only chat rated 2 with a
// reason puts a follow-up on the supervisors' list (nobody owns it) and tells
// the customer in the chat; a chat an agent owned, rated 1, is a task for that
// agent, on their own list.
func TestRatingFollowUps(t *testing.T) {
	app := startApp(t, testConfig(t))
	ctx := context.Background()
	sup, _ := staffLogin(t, app, "sue@example.com", "Sue Wang", gridline.RoleSupervisor)
	ann, _ := staffLogin(t, app, "ann@example.com", "Ann Li", gridline.RoleAgent)

	_, botConv := widgetSession(t, app)
	told, err := app.Conversations.Rate(ctx, botConv, 2, "the bot did not understand", "not_solved")
	must(t, err)
	pool, err := app.WorkOrders.List(ctx, sup, gridline.WorkOrderFilter{Open: true, ConversationID: botConv})
	must(t, err)
	if len(pool) != 1 || pool[0].OwnerID != "" || pool[0].Type != gridline.WorkOrderConsultation || !strings.Contains(told, pool[0].Number) {
		t.Fatalf("bot chat's follow-up: %+v, told %q", pool, told)
	}
	msgs, err := app.Store.Messages(ctx, botConv, 0, 100)
	must(t, err)
	if last := msgs[len(msgs)-1]; gridline.IsStaffNote(last) || !strings.Contains(last.Text, pool[0].Number) {
		t.Fatalf("the customer was not told in the chat: %+v", last)
	}

	_, agentConv := widgetSession(t, app)
	if _, _, err := app.Desk.RequestHuman(ctx, agentConv, gridline.SkillGeneral, gridline.PriorityNormal); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Desk.Claim(ctx, ann, agentConv); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Conversations.Rate(ctx, agentConv, 1, ""); gridline.ErrorCode(err) != gridline.ECONFLICT {
		t.Fatalf("rating a chat still with the agent: %v, want conflict", err)
	}
	must(t, app.Desk.Resolve(ctx, ann, agentConv))
	_, err = app.Conversations.Rate(ctx, agentConv, 1, "rude")
	must(t, err)
	mine, err := app.WorkOrders.List(ctx, ann, gridline.WorkOrderFilter{Open: true, OwnerID: ann.ID})
	must(t, err)
	if len(mine) != 1 || mine[0].ConversationID != agentConv {
		t.Fatalf("the owner's follow-ups: %+v", mine)
	}
}

// TestBrowserDashboard: a supervisor reads the dashboard over known figures in
// English and Chinese — tiles with their previous period, ECharts canvases,
// the CSV export — under the server's CSP; a customer sends a suggestion from
// the widget's feedback form.
func TestBrowserDashboard(t *testing.T) {
	app := startApp(t, testConfig(t))
	ctx := context.Background()
	staffLogin(t, app, "sue@example.com", "Sue Wang", gridline.RoleSupervisor)
	ann, _ := staffLogin(t, app, "ann@example.com", "Ann Li", gridline.RoleAgent)
	// Four chats today: two rated (2 with reasons, 5), one praise.
	for i, score := range []int{2, 5, 0, 0} {
		tok, conv := widgetSession(t, app)
		if score > 0 {
			_, err := app.Insight.Rate(ctx, insight.RatingInput{CustomerID: customerOf(t, app, conv), MatterKind: gridline.MatterConversation,
				MatterID: conv, Score: score, Reasons: map[bool][]string{true: {"waited_long", "not_solved"}}[score <= 2]})
			must(t, err)
		}
		if i == 3 {
			r, data := doJSON(t, http.MethodPost, app.URL()+"/api/v1/widget/feedback", map[string]string{"kind": "praise", "text": "Quick repair, thank you"},
				http.Header{"Authorization": {"Bearer " + tok}})
			if r.StatusCode != http.StatusCreated {
				t.Fatalf("feedback: %d %s", r.StatusCode, data)
			}
		}
	}

	browser := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)
	tab := browsertest.NewIncognitoTab(t, browser)
	must(t, browsertest.SetLanguage(tab, "en-US"))
	must(t, browsertest.CatchErrors(tab))
	must(t, chromedp.Do(tab,
		chromedp.EmulateViewport(1400, 1000),
		chromedp.Navigate(app.URL()+"/admin#dashboard"),
		chromedp.WaitVisible(chromedp.ID("login-email")),
		chromedp.SendKeys(chromedp.ID("login-email"), "sue@example.com"),
		chromedp.SendKeys(chromedp.ID("login-password"), "staff-password-1\r"),
	))
	ready := `document.querySelectorAll('.dash-chart canvas').length === 5 && document.querySelector('.dash-tile[data-key=conversations] .v')`
	must(t, browsertest.WaitFor(tab, ready, 20*time.Second))
	tile := func(key string) string {
		v, err := browsertest.Eval[string](tab, `document.querySelector('.dash-tile[data-key=`+key+`] .v').textContent`)
		must(t, err)
		return v
	}
	if got := tile("conversations"); got != "4" {
		t.Errorf("conversations tile %q, want 4", got)
	}
	if got := tile("avg_rating"); got != "3.50 / 5" {
		t.Errorf("average rating tile %q, want 3.50 / 5", got)
	}
	if got := tile("orders_opened"); got != "2" { // the follow-up and the praise
		t.Errorf("orders opened tile %q, want 2", got)
	}
	def, err := browsertest.Eval[string](tab, `document.querySelector('.dash-tile[data-key=bot_containment]').title`)
	must(t, err)
	if !strings.Contains(def, "never went to a person") {
		t.Errorf("bot containment's definition %q", def)
	}
	browsertest.FullScreenshot(t, tab, dir, "dashboard-en")

	// The CSV the export button downloads is the same report.
	csv, err := browsertest.Eval[string](tab, `(async () => { const d = document.querySelector('.dash-controls');
  const q = new URLSearchParams({ from: d.from.value, to: d.to.value, bucket: 'day' });
  const r = await fetch('/api/v1/analytics?' + q, { headers: { Accept: 'text/csv' } }); return r.headers.get('content-type') + '\n' + await r.text(); })()`)
	must(t, err)
	if !strings.HasPrefix(csv, "text/csv") || !strings.Contains(csv, "\ntotal,4,") {
		t.Errorf("csv export:\n%s", csv)
	}

	must(t, chromedp.Do(tab, clickJS(".topbar .lang")))
	must(t, browsertest.WaitFor(tab, `document.body.textContent.includes('机器人独立解决率') && document.querySelectorAll('.dash-chart canvas').length === 5`, 15*time.Second))
	browsertest.FullScreenshot(t, tab, dir, "dashboard-zh")
	noPageErrors(t, tab)

	// The widget's feedback form.
	customer := openWidget(t, browser, app.URL(), "zh-CN")
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.fb-btn').click()`)))
	must(t, browsertest.WaitFor(customer, `!`+widgetRoot+`.querySelector('form.fb').hidden`, 5*time.Second))
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](`(() => { const f = `+widgetRoot+`.querySelector('form.fb');
  f.text.value = '建议增加停电短信提醒'; f.querySelector('.fb-send').click(); })()`)))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.fb-note').textContent.includes('已登记为工单')`, 10*time.Second))
	browsertest.Screenshot(t, customer, dir, "widget-feedback-zh")
	noPageErrors(t, customer)
	list, err := app.WorkOrders.List(ctx, &gridline.User{ID: "x", Role: gridline.RoleSupervisor}, gridline.WorkOrderFilter{Type: gridline.WorkOrderOpinion})
	must(t, err)
	if len(list) != 1 || list[0].Subtype != "suggestion" || list[0].Description != "建议增加停电短信提醒" {
		t.Fatalf("the suggestion's order: %+v", list)
	}

	// The chat's rating after an agent resolves it: 2 stars ask what went
	// wrong; the reasons reach the store and the customer is told of the
	// follow-up in the chat.
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.fb-back').click()`)))
	say(t, customer, "你好")
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelectorAll('.log .msg.customer').length === 1`, 10*time.Second))
	convs, err := app.Store.ListConversations(ctx, gridline.ConversationFilter{Limit: 1})
	must(t, err)
	conv := convs[0].ID
	if _, _, err := app.Desk.RequestHuman(ctx, conv, gridline.SkillGeneral, gridline.PriorityNormal); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Desk.Claim(ctx, ann, conv); err != nil {
		t.Fatal(err)
	}
	must(t, app.Desk.Resolve(ctx, ann, conv))
	must(t, browsertest.WaitFor(customer, `!`+widgetRoot+`.querySelector('form.rating').hidden`, 30*time.Second))
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](`(() => { const s = `+widgetRoot+`.querySelectorAll('.star input')[1];
  s.checked = true; s.dispatchEvent(new Event('change', { bubbles: true })); })()`)))
	must(t, browsertest.WaitFor(customer, `!`+widgetRoot+`.querySelector('.reasons').hidden && `+widgetRoot+`.querySelector('.reason-list').textContent.includes('问题没有解决')`, 10*time.Second))
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](`(() => { const f = `+widgetRoot+`.querySelector('form.rating');
  f.querySelector('input[name=reason][value=not_solved]').click(); f.comment.value = '还是没电'; })()`)))
	browsertest.Screenshot(t, customer, dir, "widget-rating-reasons-zh")
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.rating-send').click()`)))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.log').textContent.includes('工作人员会尽快与您联系')`, 10*time.Second))
	r, err := app.Store.RatingOf(ctx, gridline.MatterConversation, conv)
	must(t, err)
	if r.Score != 2 || len(r.Reasons) != 1 || r.Reasons[0] != "not_solved" || r.Comment != "还是没电" || r.OwnerID != ann.ID || r.FollowUpID == "" {
		t.Fatalf("the widget's rating: %+v", r)
	}
	browsertest.Screenshot(t, customer, dir, "widget-rated-zh")
	noPageErrors(t, customer)
}

// customerOf is the customer a widget conversation belongs to.
func customerOf(t *testing.T, app *App, convID string) string {
	t.Helper()
	conv, err := app.Store.Conversation(context.Background(), convID)
	must(t, err)
	return conv.CustomerID
}
