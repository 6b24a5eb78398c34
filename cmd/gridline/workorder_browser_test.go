package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/internal/testclock"
	"github.com/gridline/gridline/web-widget/browsertest"
	"github.com/gridline/gridline/workorder"
)

// TestBrowserWorkOrders opens the console's work orders in Chromium, in
// English and Chinese, on a desktop and a phone: the list, the overdue board
// with a breached order, the order page with its timeline, a step taken from
// the page and a stale one refused with a clear message; and the widget's "my
// requests" and a change of the customer's order said in the chat.
// Incidents: the master's reports on its page, merging under a master by its
// number and splitting out by hand. The widget's reminder reaches the order's
// timeline, and a second within the hour is refused kindly.
func TestBrowserWorkOrders(t *testing.T) {
	clock := &testclock.Clock{}
	cfg := testConfig(t)
	cfg.Now, cfg.SweepEvery = clock.Now, time.Hour
	app := startApp(t, cfg)
	base := app.URL()
	ctx := context.Background()
	_, annToken := staffLogin(t, app, "ann@example.com", "Ann Li", gridline.RoleAgent)
	_, bossToken := staffLogin(t, app, "sue@example.com", "Sue Wang", gridline.RoleSupervisor)
	create := func(token string, body map[string]any) gridline.WorkOrder {
		t.Helper()
		r, data := doJSON(t, http.MethodPost, base+"/api/v1/workorders", body, http.Header{"Authorization": {"Bearer " + token}})
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create order: %d %s", r.StatusCode, data)
		}
		var wo gridline.WorkOrder
		must(t, json.Unmarshal(data, &wo))
		return wo
	}
	act := func(token, id string, body map[string]any) int {
		r, _ := doJSON(t, http.MethodPost, base+"/api/v1/workorders/"+id+"/events", body, http.Header{"Authorization": {"Bearer " + token}})
		return r.StatusCode
	}
	// An order opened an hour ago is past its 45-minute on-site promise.
	clock.Advance(-time.Hour)
	late := create(annToken, map[string]any{"type": "repair", "address": "12 Birch Lane, Riverside", "phone": "13800000001",
		"description": "No power in the whole building since the storm.", "urgent": true})
	clock.Advance(time.Hour)
	if res, err := app.WorkOrders.Sweep(ctx); err != nil || res.Breaches != 1 {
		t.Fatalf("sweep: %+v, %v", res, err)
	}
	create(annToken, map[string]any{"type": "complaint", "phone": "13800000002", "description": "The meter reader was rude and left the gate open."})
	page := create(annToken, map[string]any{"type": "service_request", "subtype": "meter_anomaly", "account_no": "3100012345",
		"description": "The meter runs while everything is switched off."})

	browser := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)

	// The customer's widget, and two orders of theirs opened by the supervisor.
	customer := openWidget(t, browser, base, "en-US")
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.log .msg.bot')`, 15*time.Second))
	convID, err := browsertest.Eval[string](customer, `JSON.parse(localStorage.getItem('gridline.widget:'+location.origin)).conv`)
	must(t, err)
	conv, err := app.Store.Conversation(ctx, convID)
	must(t, err)
	mine := create(bossToken, map[string]any{"type": "repair", "conversation_id": conv.ID, "address": "7 Pine Road",
		"description": "Sparks from the meter box"})
	create(bossToken, map[string]any{"type": "consultation", "subtype": "callback", "customer_id": conv.CustomerID, "phone": "13900000009",
		"description": "Call me about the new tariff"})

	agent := browsertest.NewIncognitoTab(t, browser)
	must(t, browsertest.SetLanguage(agent, "en-US"))
	must(t, browsertest.CatchErrors(agent))
	must(t, chromedp.Do(agent,
		chromedp.EmulateViewport(1366, 860),
		chromedp.Navigate(base+"/agent"),
		chromedp.WaitVisible(chromedp.ID("login-email")),
		chromedp.SendKeys(chromedp.ID("login-email"), "ann@example.com"),
		chromedp.SendKeys(chromedp.ID("login-password"), "staff-password-1\r"),
	))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#view-orders')`, 10*time.Second))
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.ID("view-orders"))))
	must(t, browsertest.WaitFor(agent, `document.querySelectorAll('#wo-list .wo-row').length === 3`, 10*time.Second))
	must(t, browsertest.WaitFor(agent, `document.querySelector('.wo-row[data-id=`+js(late.ID)+`][data-state=breached] .dl-breached')`, 5*time.Second))
	browsertest.Screenshot(t, agent, dir, "orders-list-en")

	// The overdue board holds the late order alone.
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-tabs [data-tab=overdue]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#wo-list.board') && document.querySelectorAll('#wo-list .wo-row').length === 1 && document.querySelector('#wo-list .wo-row').dataset.id === `+js(late.ID), 10*time.Second))
	browsertest.Screenshot(t, agent, dir, "overdue-board-en")

	// The order page: dispatch from it; the timeline grows.
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-row[data-id=`+js(late.ID)+`]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#wo-page h2') && document.querySelector('#wo-page h2').textContent.includes(`+js(late.Number)+`)`, 10*time.Second))
	must(t, chromedp.Do(agent, chromedp.SendKeys(chromedp.ID("wo-dept"), "Crew 3"), chromedp.SendKeys(chromedp.ID("wo-note"), "nearest crew, 10 minutes away"),
		chromedp.Click(chromedp.CSS(`.wo-actions [data-action=dispatch]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#wo-page .tag.status-dispatched') && document.querySelectorAll('#wo-page .timeline li').length === 2`, 10*time.Second))
	browsertest.Screenshot(t, agent, dir, "order-page-en")

	// A stale page: someone else dispatched the order meanwhile; the click is
	// refused with a clear message and the page shows the order as it is.
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-tabs [data-tab=mine]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('.wo-row[data-id=`+js(page.ID)+`]')`, 10*time.Second))
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-row[data-id=`+js(page.ID)+`]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#wo-page h2') && document.querySelector('#wo-page h2').textContent.includes(`+js(page.Number)+`)`, 10*time.Second))
	if code := act(bossToken, page.ID, map[string]any{"action": "dispatch", "department": "Metering"}); code != http.StatusOK {
		t.Fatalf("the supervisor's dispatch: %d", code)
	}
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-actions [data-action=handle]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#wo-error') && document.querySelector('#wo-error').textContent.includes('Not done') && document.querySelector('#wo-page .tag.status-dispatched')`, 10*time.Second))
	browsertest.Screenshot(t, agent, dir, "order-conflict-en")

	// New order from nothing: the form.
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.ID("wo-new"))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('dialog[open] #no-type')`, 5*time.Second))
	browsertest.Screenshot(t, agent, dir, "new-order-en")
	must(t, chromedp.Do(agent, chromedp.Evaluate[chromedp.Void](`document.querySelector('dialog[open]').close()`)))

	// Incidents: a second report from the late order's street joins it as a
	// child, shown on the master's page; another order is merged under it by
	// its number and split out again, by hand.
	child := create(annToken, map[string]any{"type": "repair", "address": "12 Birch Lane, Riverside, flat 3", "description": "Dark here too."})
	other := create(annToken, map[string]any{"type": "repair", "address": "40 Oak Street, Hillview", "description": "Lights flicker."})
	if child.MasterID != late.ID || other.MasterID != "" {
		t.Fatalf("incident masters: child %q, other %q; want %q and none", child.MasterID, other.MasterID, late.ID)
	}
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-tabs [data-tab=mine]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('.wo-row[data-id=`+js(other.ID)+`]')`, 10*time.Second))
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-row[data-id=`+js(late.ID)+`]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelectorAll('#wo-page .wo-children li').length === 1 && document.querySelector('#wo-page .wo-children').textContent.includes(`+js(child.Number)+`)`, 10*time.Second))
	browsertest.Screenshot(t, agent, dir, "order-incident-master-en")
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-row[data-id=`+js(other.ID)+`]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#wo-page h2') && document.querySelector('#wo-page h2').textContent.includes(`+js(other.Number)+`) && document.querySelector('#wo-master')`, 10*time.Second))
	must(t, chromedp.Do(agent, chromedp.SendKeys(chromedp.ID("wo-master"), late.Number), chromedp.Click(chromedp.CSS(`.wo-incident [data-action=merge]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#wo-page .wo-master') && document.querySelector('#wo-page .wo-master').textContent.includes(`+js(late.Number)+`)`, 10*time.Second))
	if got, err := app.Store.WorkOrder(ctx, other.ID); err != nil || got.MasterID != late.ID {
		t.Fatalf("merged by hand: %+v, %v", got, err)
	}
	browsertest.Screenshot(t, agent, dir, "order-incident-merged-en")
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-incident [data-action=split]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#wo-page .wo-incident [data-action=merge]') && !document.querySelector('#wo-page .wo-master')`, 10*time.Second))
	if got, err := app.Store.WorkOrder(ctx, other.ID); err != nil || got.MasterID != "" {
		t.Fatalf("split by hand: %+v, %v", got, err)
	}

	// The widget's "my requests": both open orders, a reminder, and the hour's limit.
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.mine-btn').click()`)))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelectorAll('.mine-item').length === 2`, 10*time.Second))
	browsertest.Screenshot(t, customer, dir, "widget-my-requests-en")
	remind := func() {
		t.Helper()
		must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.mine-item[data-id=`+js(mine.ID)+`] .mine-remind').click()`)))
	}
	remind()
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.mine-note').textContent.includes(`+js(mine.Number)+`) && `+
		widgetRoot+`.querySelector('.mine-note').textContent.includes('reminded')`, 10*time.Second))
	reminded, err := app.WorkOrders.Get(ctx, workorder.Actor{System: true}, mine.ID)
	must(t, err)
	if last := reminded.Timeline[len(reminded.Timeline)-1]; last.Action != workorder.ActionRemind || last.By != "customer" || reminded.Reminders != 1 || !reminded.Urgent {
		t.Fatalf("the reminder did not reach the order: %+v, reminders %d", last, reminded.Reminders)
	}
	browsertest.Screenshot(t, customer, dir, "widget-reminded-en")
	// A second click within the hour is refused kindly, and the order unchanged.
	clock.Advance(20 * time.Minute)
	remind()
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.mine-note').textContent.includes('less than an hour ago')`, 10*time.Second))
	again, err := app.WorkOrders.Get(ctx, workorder.Actor{System: true}, mine.ID)
	must(t, err)
	if again.Reminders != 1 || len(again.Timeline) != len(reminded.Timeline) {
		t.Fatalf("a second reminder within the hour was taken: reminders %d", again.Reminders)
	}
	browsertest.Screenshot(t, customer, dir, "widget-remind-limited-en")

	// A change of the customer's order is said in the chat.
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.mine-back').click()`)))
	if code := act(bossToken, mine.ID, map[string]any{"action": "dispatch", "department": "Crew 1"}); code != http.StatusOK {
		t.Fatalf("dispatch the customer's order: %d", code)
	}
	must(t, browsertest.WaitFor(customer, `[...`+widgetRoot+`.querySelectorAll('.log .note')].some(e => e.textContent.includes(`+js(mine.Number)+`) && e.textContent.includes('Dispatched'))`, 10*time.Second))
	browsertest.Screenshot(t, customer, dir, "widget-order-changed-en")

	// Chinese, on the desktop, then both on a phone.
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.topbar .lang`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#view-orders') && document.querySelector('#view-orders').textContent.includes('工单')`, 10*time.Second))
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.ID("view-orders"))))
	must(t, browsertest.WaitFor(agent, `document.querySelectorAll('#wo-list .wo-row').length >= 1`, 10*time.Second))
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-row[data-id=`+js(late.ID)+`]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#wo-page .timeline') && document.querySelector('#wo-page').textContent.includes('派单')`, 10*time.Second))
	browsertest.Screenshot(t, agent, dir, "order-page-zh")
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-tabs [data-tab=overdue]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#wo-list.board .dl-breached') && document.querySelector('#wo-list').textContent.includes('超时')`, 10*time.Second))
	browsertest.Screenshot(t, agent, dir, "overdue-board-zh")
	must(t, chromedp.Do(customer, chromedp.Evaluate[chromedp.Void](`GridlineWidget.setLang('zh')`),
		chromedp.Evaluate[chromedp.Void](widgetRoot+`.querySelector('.mine-btn').click()`)))
	must(t, browsertest.WaitFor(customer, widgetRoot+`.querySelector('.mine-title').textContent.includes('工单') && `+widgetRoot+`.querySelectorAll('.mine-item').length === 2 && [...`+widgetRoot+`.querySelectorAll('.mine-item .pill')].some(e => e.textContent === '已派单')`, 10*time.Second))
	browsertest.Screenshot(t, customer, dir, "widget-my-requests-zh")

	must(t, chromedp.Do(agent, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload()))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#view-orders')`, 10*time.Second))
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.ID("view-orders"))))
	must(t, browsertest.WaitFor(agent, `document.querySelectorAll('#wo-list .wo-row').length >= 1`, 10*time.Second))
	browsertest.Screenshot(t, agent, dir, "orders-list-phone-zh")
	must(t, chromedp.Do(agent, chromedp.Click(chromedp.CSS(`.wo-row[data-id=`+js(late.ID)+`]`))))
	must(t, browsertest.WaitFor(agent, `document.querySelector('#wo-page .timeline')`, 10*time.Second))
	browsertest.FullScreenshot(t, agent, dir, "order-page-phone-zh")
	must(t, chromedp.Do(customer, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)))
	browsertest.Screenshot(t, customer, dir, "widget-my-requests-phone-zh")
	noPageErrors(t, agent)
	noPageErrors(t, customer)
}

// TestBrowserWorkOrderPolicy edits the work-order policy in the admin pages:
// a promise the type cannot keep (on site, for complaints) is refused by the
// server with the type and promise named; removing it, removing praise's only
// promise and adding a contact promise to consultations saves, and the server
// keeps exactly that — in English, then the page in Chinese.
func TestBrowserWorkOrderPolicy(t *testing.T) {
	app := startApp(t, testConfig(t))
	base := app.URL()
	staffLogin(t, app, "root@example.com", "Rita Admin", gridline.RoleAdmin)
	browser := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)
	tab := browsertest.NewIncognitoTab(t, browser)
	must(t, browsertest.SetLanguage(tab, "en-US"))
	must(t, browsertest.CatchErrors(tab))
	must(t, chromedp.Do(tab,
		chromedp.EmulateViewport(1400, 900),
		chromedp.Navigate(base+"/admin#workorders"),
		chromedp.WaitVisible(chromedp.ID("login-email")),
		chromedp.SendKeys(chromedp.ID("login-email"), "root@example.com"),
		chromedp.SendKeys(chromedp.ID("login-password"), "staff-password-1\r"),
	))
	must(t, browsertest.WaitFor(tab, `document.querySelector('.policy-table tr.rule-add')`, 15*time.Second))
	p := workorder.DefaultPolicy()
	index := func(typ, sub string) string {
		for i, tp := range p.Types {
			if tp.Type == typ && tp.Subtype == sub {
				return itoa(i)
			}
		}
		t.Fatalf("no %s/%s in the default policy", typ, sub)
		return ""
	}
	complaint, praise, consult := index(gridline.WorkOrderComplaint, ""), index(gridline.WorkOrderPraise, ""), index(gridline.WorkOrderConsultation, "")
	addRule := func(ti, kind string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`(() => {
  const row = document.querySelector('.policy-table tr.rule-add[data-type="` + ti + `"]');
  const k = row.querySelector('.rule-kind'); k.value = ` + js(kind) + `; k.dispatchEvent(new Event('change'));
  row.querySelector('.rule-add-btn').click();
})()`)
	}
	rule := func(ti, kind string) string {
		return `.policy-table tr[data-type="` + ti + `"][data-kind=` + kind + `]`
	}

	must(t, chromedp.Do(tab, addRule(complaint, gridline.DeadlineOnSite)))
	must(t, browsertest.WaitFor(tab, `document.querySelector(`+js(rule(complaint, gridline.DeadlineOnSite))+`)`, 5*time.Second))
	must(t, chromedp.Do(tab, clickJS("#policy-save")))
	must(t, browsertest.WaitFor(tab, `document.querySelector('#policy-error').textContent.includes('Complaint — On site') && document.querySelector('#policy-error').textContent.includes('on-site step')`, 10*time.Second))
	browsertest.Screenshot(t, tab, dir, "policy-refused-en")

	must(t, chromedp.Do(tab, clickJS(rule(complaint, gridline.DeadlineOnSite)+" .rule-remove")))
	must(t, chromedp.Do(tab, clickJS(rule(praise, gridline.DeadlineAnswer)+" .rule-remove")))
	must(t, chromedp.Do(tab, addRule(consult, gridline.DeadlineContact)))
	must(t, browsertest.WaitFor(tab, `document.querySelector(`+js(rule(consult, gridline.DeadlineContact))+`) && !document.querySelector(`+js(rule(praise, gridline.DeadlineAnswer))+`)`, 5*time.Second))
	must(t, chromedp.Do(tab, clickJS("#policy-save")))
	must(t, browsertest.WaitFor(tab, `document.querySelector('#policy-error') && document.querySelector('#policy-error').textContent === '' && [...document.querySelectorAll('.toast')].some(e => e.textContent.includes('Policy saved'))`, 10*time.Second))
	got, err := app.WorkOrders.Policy(context.Background())
	must(t, err)
	kinds := func(typ string) (out []string) {
		for _, r := range got.For(typ, "").Deadlines {
			out = append(out, r.Kind+"/"+r.From+"/"+itoa(r.Minutes)+"m"+itoa(r.WorkingDays)+"d")
		}
		return out
	}
	if k := kinds(gridline.WorkOrderPraise); len(k) != 0 {
		t.Errorf("praise keeps %v", k)
	}
	if k := kinds(gridline.WorkOrderConsultation); len(k) != 2 || k[1] != "contact/accepted/0m1d" {
		t.Errorf("consultation's promises: %v", k)
	}
	if k := kinds(gridline.WorkOrderComplaint); len(k) != 2 {
		t.Errorf("complaint's promises: %v", k)
	}
	must(t, browsertest.WaitFor(tab, `document.querySelector('.policy-table tr[data-type="`+praise+`"] td[colspan]')`, 5*time.Second))
	browsertest.FullScreenshot(t, tab, dir, "policy-saved-en")

	must(t, chromedp.Do(tab, clickJS(".topbar .lang")))
	must(t, browsertest.WaitFor(tab, `document.querySelector('.policy-table') && document.querySelector('.policy-table').textContent.includes('无时限') && document.querySelector('.policy-table').textContent.includes('添加')`, 10*time.Second))
	browsertest.Screenshot(t, tab, dir, "policy-zh")
	noPageErrors(t, tab)
}
