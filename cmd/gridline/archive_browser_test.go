package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridline/gridline/web-widget/browsertest"
)

// TestBrowserCustomerCard: an agent takes a chat whose customer typed a phone
// and an account number; the card beside the chat offers them as
// suggestions, links the chat to the archive's record found by name, shows it
// masked and shows the phone only when asked — in English and in Chinese, at
// desktop and phone widths.
func TestBrowserCustomerCard(t *testing.T) {
	app := startApp(t, testConfig(t))
	base := app.URL()
	admin := adminToken(t, app)
	bearer := http.Header{"Authorization": {"Bearer " + admin}}
	res, body := postJSON(t, base+"/api/v1/users", map[string]any{
		"email": "ann@example.com", "name": "Ann Li", "password": "ann-secret-pass", "role": "agent",
		"skills": []string{"billing", "repair", "connection", "complaint", "general"}, "capacity": 5,
	}, bearer)
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		t.Fatalf("create agent: %d %s", res.StatusCode, body)
	}
	res, body = postJSON(t, base+"/api/v1/customers", map[string]any{"name": "王芳", "phone": "13812345678", "segment": "resident",
		"relationship": "current", "accounts": []map[string]any{{"account_no": "3100000001", "area_class": "rural", "tariff": "居民阶梯", "status": "active", "balance": 88.5}}}, bearer)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create customer: %d %s", res.StatusCode, body)
	}

	browser := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)
	for _, tc := range []struct{ lang, ui, link, shown string }{
		{"en-US", "en", "Link to a customer", "Shown"},
		{"zh-CN", "zh", "关联客户", "已显示"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			agent := browsertest.NewIncognitoTab(t, browser)
			must(t, browsertest.SetLanguage(agent, tc.lang))
			must(t, browsertest.CatchErrors(agent))
			must(t, chromedp.Do(agent,
				chromedp.EmulateViewport(1400, 900),
				chromedp.Navigate(base+"/agent"),
				chromedp.WaitVisible(chromedp.ID("login-email")),
				chromedp.Click(chromedp.ID("login-away")),
				chromedp.SendKeys(chromedp.ID("login-email"), "ann@example.com"),
				chromedp.SendKeys(chromedp.ID("login-password"), "ann-secret-pass\r"),
			))
			must(t, browsertest.WaitFor(agent, `document.querySelector('#status') && document.querySelector('#status').value === 'away'`, 10*time.Second))

			// A visitor gives their number and account and asks for a person.
			s := newSession(t, app, tc.ui)
			cc := mustDialChat(t, app, s.VisitorToken)
			cc.send(map[string]any{"type": "hello", "last_seq": 0})
			cc.next(botMessage, "greeting")
			cc.botSays("my phone is 139 0000 1111, account 3100000001")
			cc.send(map[string]any{"type": "message", "client_id": "h-1", "text": "I want to talk to a person please"})
			cc.next(ofType("ack"), "ack")

			must(t, browsertest.WaitFor(agent, `document.querySelector('.ticket button')`, 20*time.Second))
			must(t, chromedp.Do(agent, clickJS(".ticket button")))
			must(t, browsertest.WaitFor(agent, `document.querySelector('#customer-card .card-suggestions') && document.querySelector('#card-link')`, 15*time.Second))
			sugg, err := browsertest.Eval[string](agent, `document.querySelector('#customer-card .card-suggestions').textContent`)
			must(t, err)
			if !strings.Contains(sugg, "13900001111") || !strings.Contains(sugg, "3100000001") {
				t.Errorf("suggestions: %q", sugg)
			}
			browsertest.Screenshot(t, agent, dir, "card-unknown-"+tc.ui)

			// Link: search by name, pick the record.
			must(t, chromedp.Do(agent, clickJS("#card-link")))
			must(t, browsertest.WaitFor(agent, `document.querySelector('#card-search')`, 5*time.Second))
			must(t, chromedp.Do(agent, chromedp.SendKeys(chromedp.ID("card-search"), "王")))
			must(t, browsertest.WaitFor(agent, `document.querySelector('.card-results button.primary')`, 10*time.Second))
			must(t, chromedp.Do(agent, clickJS(".card-results button.primary")))
			must(t, browsertest.WaitFor(agent, `document.querySelector('#customer-card .secret') && document.querySelector('#customer-card .secret').textContent === '138****5678'`, 10*time.Second))
			must(t, browsertest.WaitFor(agent, `document.querySelector('.chat-head h2').textContent.includes('王芳')`, 5*time.Second))
			browsertest.Screenshot(t, agent, dir, "card-linked-"+tc.ui)

			// Show the phone: the server is asked, and it is logged.
			must(t, chromedp.Do(agent, clickJS(`#customer-card [data-reveal=phone]`)))
			must(t, browsertest.WaitFor(agent, `document.querySelector('#customer-card .secret').textContent === '13812345678'`, 10*time.Second))
			must(t, browsertest.WaitFor(agent, `[...document.querySelectorAll('.toast')].some(e => e.textContent.includes(`+js(tc.shown)+`))`, 5*time.Second))
			browsertest.Screenshot(t, agent, dir, "card-revealed-"+tc.ui)

			// A phone's width: the card stacks under the chat.
			must(t, chromedp.Do(agent, chromedp.EmulateViewport(390, 844)))
			must(t, chromedp.Do(agent, chromedp.Evaluate[chromedp.Void](`document.querySelector('#customer-card').scrollIntoView()`)))
			browsertest.Screenshot(t, agent, dir, "card-phone-"+tc.ui)
			noPageErrors(t, agent)
		})
	}

	// The reveal is in the record's audit log.
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/customers?q=3100000001", nil)
	req.Header = bearer
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	res.Body.Close()
}

// TestBrowserArchiveAdmin walks the archive tab: a CSV with a bad line is
// refused with that line's problem and nothing imported; the fixed file
// imports; search finds a record and opens it with its audit log; the figures
// show — in English and in Chinese, at desktop and phone widths.
func TestBrowserArchiveAdmin(t *testing.T) {
	app := startApp(t, testConfig(t))
	base := app.URL()
	browser := browsertest.NewBrowser(t)
	dir := browsertest.Dir(t)
	files := t.TempDir()
	bad := filepath.Join(files, "bad.csv")
	good := filepath.Join(files, "good.csv")
	const header = "name,phone,segment,relationship,account_no,area_class\n"
	must(t, os.WriteFile(bad, []byte(header+"李雷,13800001111,resident,current,3200000001,urban\n韩梅梅,12345,resident,current,3200000002,rural\n"), 0o600))
	must(t, os.WriteFile(good, []byte(header+"李雷,13800001111,resident,current,3200000001,urban\n韩梅梅,13900002222,large,potential,3200000002,rural\n"), 0o600))
	admin := http.Header{"Authorization": {"Bearer " + adminToken(t, app)}}
	res, body := doJSON(t, http.MethodPut, base+"/api/v1/customer-attributes", map[string]any{"attributes": []map[string]any{
		{"key": "since", "label": "Customer since", "type": "date"}, {"key": "load_kw", "label": "Contracted load (kW)", "type": "number"},
		{"key": "grade", "label": "Service grade", "type": "list", "options": []string{"A", "B", "C"}}}}, admin)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("attribute definitions: %d %s", res.StatusCode, body)
	}
	create := func(rec map[string]any) string {
		t.Helper()
		res, body := postJSON(t, base+"/api/v1/customers", rec, admin)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create customer: %d %s", res.StatusCode, body)
		}
		var cu struct{ ID string }
		must(t, json.Unmarshal(body, &cu))
		return cu.ID
	}

	for _, tc := range []struct{ lang, ui, line, org, person, no string }{
		{"en-US", "en", "Line 3", "Yangtze Cement Works", "Zhang Wei", "1"},
		{"zh-CN", "zh", "第 3 行", "长江水泥厂", "张伟", "2"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			// An organisation, a person to become its contact, and a duplicate
			// of the organisation with an account and a work order.
			create(map[string]any{"kind": "organisation", "name": tc.org, "segment": "large", "relationship": "current",
				"organisation": map[string]any{"nature": "enterprise", "location": "Wuhan", "bank": "ICBC", "bank_account": "62220000111" + tc.no + "2222",
					"postal_address": "1 Jiangan Road", "opened_on": "1998-03-01", "registered_capital": 5000000, "employees": 120,
					"production_scale": "2 kilns", "sales_situation": "steady"},
				"accounts": []map[string]any{{"account_no": "340000000" + tc.no, "area_class": "urban", "tariff": "industrial"}}})
			create(map[string]any{"name": tc.person, "phone": "1370000000" + tc.no})
			dup := create(map[string]any{"kind": "organisation", "name": tc.org + " (dup)",
				"accounts": []map[string]any{{"account_no": "350000000" + tc.no, "area_class": "rural"}}})
			if res, body := postJSON(t, base+"/api/v1/workorders", map[string]any{"type": "consultation", "customer_id": dup,
				"description": "meter reading looks wrong"}, admin); res.StatusCode != http.StatusCreated {
				t.Fatalf("work order: %d %s", res.StatusCode, body)
			}

			tab := browsertest.NewIncognitoTab(t, browser)
			must(t, browsertest.SetLanguage(tab, tc.lang))
			must(t, browsertest.CatchErrors(tab))
			must(t, chromedp.Do(tab,
				chromedp.EmulateViewport(1400, 900),
				chromedp.Navigate(base+"/admin#customers"),
				chromedp.WaitVisible(chromedp.ID("login-email")),
				chromedp.SendKeys(chromedp.ID("login-email"), "admin@example.com"),
				chromedp.SendKeys(chromedp.ID("login-password"), "correct-horse-battery\r"),
			))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#archive-search') && document.querySelector('#archive-results')`, 15*time.Second))

			if tc.ui == "en" {
				must(t, uploadFile(tab, "#archive-import-file", bad))
				must(t, browsertest.WaitFor(tab, `document.querySelector('#archive-import-errors') && document.querySelector('#archive-import-errors').textContent.includes(`+js(tc.line)+`)`, 10*time.Second))
				browsertest.Screenshot(t, tab, dir, "archive-import-errors-"+tc.ui)
				must(t, uploadFile(tab, "#archive-import-file", good))
				must(t, browsertest.WaitFor(tab, `!document.querySelector('#archive-import-errors') && document.querySelectorAll('#archive-results .article-row').length >= 2`, 10*time.Second))
			}

			must(t, chromedp.Do(tab, chromedp.SendKeys(chromedp.ID("archive-search"), "韩")))
			must(t, browsertest.WaitFor(tab, `document.querySelectorAll('#archive-results .article-row').length === 1`, 20*time.Second))
			must(t, chromedp.Do(tab, clickJS("#archive-results .article-row")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('.archive-card h2') && document.querySelector('.archive-card h2').textContent === '韩梅梅' && document.querySelector('.archive-audit')`, 10*time.Second))
			browsertest.Screenshot(t, tab, dir, "archive-record-"+tc.ui)

			// The organisation's record: its own fields, a contact person linked.
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.querySelector("#archive-search").value = ""`), chromedp.SendKeys(chromedp.ID("archive-search"), "340000000"+tc.no)))
			must(t, browsertest.WaitFor(tab, `document.querySelectorAll('#archive-results .article-row').length === 1 && document.querySelector('#archive-results .article-row').textContent.includes(`+js(tc.org)+`)`, 10*time.Second))
			must(t, chromedp.Do(tab, clickJS("#archive-results .article-row")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('.archive-card h2') && document.querySelector('.archive-card h2').textContent === `+js(tc.org)+
				` && document.querySelector('.archive-card').textContent.includes('1 Jiangan Road') && document.querySelector('#archive-contact-search')`, 10*time.Second))
			must(t, chromedp.Do(tab, chromedp.SendKeys(chromedp.ID("archive-contact-search"), tc.person)))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#archive-contacts .card-results button.primary')`, 10*time.Second))
			must(t, chromedp.Do(tab, clickJS("#archive-contacts .card-results button.primary")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#archive-contacts .contact-list') && document.querySelector('#archive-contacts .contact-list').textContent.includes(`+js(tc.person)+`)`, 10*time.Second))

			// Edit: organisation fields and typed custom attributes.
			must(t, chromedp.Do(tab, clickJS("#archive-edit")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('.archive-edit form')`, 10*time.Second))
			types, err := browsertest.Eval[string](tab, `['org.nature','org.opened_on','org.registered_capital','org.employees','org.bank_account','attr.since','attr.load_kw','attr.grade']
				.map(n => { const el = document.querySelector('.archive-edit [name="' + n + '"]'); return el ? (el.tagName === 'SELECT' ? 'select' : el.type) + '=' + el.value : 'none'; }).join(' ')`)
			must(t, err)
			if want := "select=enterprise date=1998-03-01 number=5000000 number=120 text=62220000111" + tc.no + "2222 date= number= select="; types != want {
				t.Errorf("edit form controls: %q, want %q", types, want)
			}
			must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`(() => {
				const f = document.querySelector('.archive-edit form');
				f.querySelector('[name="org.employees"]').value = '250';
				f.querySelector('[name="attr.since"]').value = '2015-06-01';
				f.querySelector('[name="attr.load_kw"]').value = '800.5';
				f.querySelector('[name="attr.grade"]').value = 'B';
			})()`)))
			browsertest.Screenshot(t, tab, dir, "archive-edit-"+tc.ui)
			must(t, chromedp.Do(tab, clickJS(".archive-edit button[type=submit]")))
			must(t, browsertest.WaitFor(tab, `!document.querySelector('.archive-edit') && document.querySelector('.archive-card') && ['250', 'Customer since', '2015-06-01', '800.5', 'B'].every(s => document.querySelector('.archive-card').textContent.includes(s))`, 10*time.Second))

			// Merge the duplicate: what moves is said first, the merge record after.
			must(t, chromedp.Do(tab, clickJS("#archive-merge")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#archive-merge-search')`, 10*time.Second))
			must(t, chromedp.Do(tab, chromedp.SendKeys(chromedp.ID("archive-merge-search"), "350000000"+tc.no)))
			must(t, browsertest.WaitFor(tab, `document.querySelectorAll('#archive-merge-results button.primary').length === 1`, 10*time.Second))
			must(t, chromedp.Do(tab, clickJS("#archive-merge-results button.primary")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#archive-merge-confirm')`, 10*time.Second))
			confirmText, err := browsertest.Eval[string](tab, `document.querySelector('#archive-merge-confirm').textContent`)
			must(t, err)
			if !strings.Contains(confirmText, "350000000"+tc.no) || !strings.Contains(confirmText, tc.org+" (dup)") {
				t.Errorf("merge confirmation: %q", confirmText)
			}
			browsertest.Screenshot(t, tab, dir, "archive-merge-confirm-"+tc.ui)
			must(t, chromedp.Do(tab, clickJS("#archive-merge-do")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#archive-merge-result') && [...document.querySelectorAll('.archive-card table.grid')].some(t => t.textContent.includes('350000000`+tc.no+`'))`, 10*time.Second))
			result, err := browsertest.Eval[[]string](tab, `[...document.querySelectorAll('#archive-merge-result td')].map(td => td.textContent)`)
			must(t, err)
			if len(result) != 8 || result[0] != dup || result[5] != "1" || result[7] != "1" {
				t.Errorf("merge record shown: %q", result)
			}
			browsertest.Screenshot(t, tab, dir, "archive-merge-done-"+tc.ui)

			must(t, chromedp.Do(tab, clickJS("#archive-view-figures")))
			must(t, browsertest.WaitFor(tab, `document.querySelectorAll('.archive-figure').length === 3 && document.querySelector('.archive-service tbody tr')`, 10*time.Second))
			browsertest.Screenshot(t, tab, dir, "archive-figures-"+tc.ui)
			must(t, chromedp.Do(tab, clickJS("#archive-view-attributes")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#archive-attr-add')`, 10*time.Second))
			must(t, chromedp.Do(tab, clickJS("#archive-attr-add")))
			must(t, chromedp.Do(tab, chromedp.SendKeys(chromedp.CSS(`.archive-attrs tbody tr:last-child input[name=key]`), "vip"),
				chromedp.SendKeys(chromedp.CSS(`.archive-attrs tbody tr:last-child input[name=label]`), "VIP"),
				clickJS(".archive-attrs button.primary")))
			must(t, browsertest.WaitFor(tab, `document.querySelectorAll('.archive-attrs tbody tr').length >= 1 && [...document.querySelectorAll('.archive-attrs input[name=key]')].some(i => i.value === 'vip')`, 10*time.Second))
			browsertest.Screenshot(t, tab, dir, "archive-attributes-"+tc.ui)

			must(t, chromedp.Do(tab, chromedp.EmulateViewport(390, 844), clickJS("#archive-view-records")))
			must(t, browsertest.WaitFor(tab, `document.querySelector('#archive-search')`, 10*time.Second))
			browsertest.Screenshot(t, tab, dir, "archive-phone-"+tc.ui)
			noPageErrors(t, tab)
		})
	}
}

// uploadFile sets a file input's file. The archive page renders once at once
// and again when its data arrives, which can replace the input between the
// lookup and the upload ("Could not find node"); a few tries ride that out.
func uploadFile(tab context.Context, selector, file string) error {
	var err error
	for range 5 {
		if err = chromedp.Do(tab, chromedp.SetUploadFiles(chromedp.CSS(selector), []string{file})); err == nil {
			return nil
		}
		time.Sleep(300 * time.Millisecond)
	}
	return err
}
