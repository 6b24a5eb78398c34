package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/hotline"
	"github.com/gridline/gridline/hotline/hotlinetest"
)

const testVoiceToken = "test-voice-auth-token"

// startHotline boots Gridline with a hotline whose public URL is the address it
// listens on, as a provider would be configured, and a fake provider for it.
func startHotline(t *testing.T) (*App, *hotlinetest.Provider) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := testConfig(t)
	cfg.Addr = addr
	cfg.PublicURL = "http://" + addr
	cfg.VoiceAuthToken = testVoiceToken
	app := startApp(t, cfg)
	return app, &hotlinetest.Provider{T: t, BaseURL: cfg.PublicURL, Token: testVoiceToken}
}

// TestHotlineEndToEnd is a call through a whole Gridline, over signed
// webhooks and parsed TwiML: an unknown caller chooses English, hears the
// bot's own menu, asks a question and hears the knowledge base's answer,
// reports a fault by speech and keypad and hears the repair order's number,
// asks for a person and hears their place in the queue, then hangs up. The
// call is listed as a voice conversation whose messages are everything said,
// in seq order.
func TestHotlineEndToEnd(t *testing.T) {
	app, provider := startHotline(t)
	ctx := context.Background()

	call := provider.Dial("+8613800138000")
	if heard := call.New(); !strings.Contains(heard, "普通话请按1") || !strings.Contains(heard, "For English, press 2") {
		t.Fatalf("the caller heard %q, want the language choice", heard)
	}

	call.Press("2")
	heard := call.New()
	greet := bot.New(bot.Config{}).Greet(gridline.LangEN)
	if !strings.Contains(heard, hotline.ForTheEar(greet.Text, gridline.LangEN)) {
		t.Fatalf("the caller heard %q, want the bot's greeting", heard)
	}
	// The menu is the bot's, in its order: a person is 0, the rest 1, 2, 3 …
	key := 0
	for _, q := range greet.QuickReplies {
		if q.ID == bot.OptionHuman {
			continue
		}
		key++
		want := "For " + q.Label + ", press " + string(rune('0'+key)) + "."
		if !strings.Contains(heard, want) {
			t.Errorf("menu lacks %q: %q", want, heard)
		}
	}
	if !strings.Contains(heard, "To speak to a person, press 0.") {
		t.Errorf("menu lacks the person: %q", heard)
	}

	call.Speak("how do I pay my electricity bill", 0.92)
	answer := call.New()
	if answer == "" || strings.Contains(answer, "http") || strings.Contains(answer, "**") || strings.Contains(answer, "](") {
		t.Fatalf("spoken answer %q is empty or not made for the ear", answer)
	}
	if !strings.Contains(strings.ToLower(answer), "pay") {
		t.Errorf("the answer %q does not speak of paying", answer)
	}

	call.Speak("report a fault", 0.9)
	if heard := call.New(); !strings.Contains(heard, "fault report") {
		t.Fatalf("after asking to report a fault the caller heard %q", heard)
	}
	call.Speak("45 Elm Road, Block B, Unit 3", 0.88)
	if heard := call.New(); !strings.Contains(heard, "phone number") {
		t.Fatalf("after the address the caller heard %q, want the question for a phone", heard)
	}
	call.Press("13912345678#")
	told := call.New()

	conv := voiceConversation(t, app)
	orders, err := app.Store.ListWorkOrders(ctx, gridline.WorkOrderFilter{CustomerID: conv.CustomerID, ConversationID: conv.ID})
	if err != nil || len(orders) != 1 || orders[0].Type != gridline.WorkOrderRepair {
		t.Fatalf("the call's orders = %v, %v; want one repair order", orders, err)
	}
	if spoken := hotline.ForTheEar(orders[0].Number, gridline.LangEN); !strings.Contains(told, spoken) {
		t.Fatalf("the caller heard %q, want the order number %s read as %q", told, orders[0].Number, spoken)
	}
	if orders[0].Phone != "13912345678" || !strings.Contains(orders[0].Address, "45 Elm Road") {
		t.Errorf("order phone %q address %q", orders[0].Phone, orders[0].Address)
	}

	call.Press("0")
	if !call.Queued {
		t.Fatalf("after 0 the call is not queued; heard %q", call.New())
	}
	if heard := call.New(); !strings.Contains(heard, "number 1 in the queue") {
		t.Fatalf("waiting, the caller heard %q, want the position", heard)
	}
	call.Wait()
	if call.Ended || !call.Queued {
		t.Fatal("the call left the queue by itself")
	}
	call.Hangup()
	// Hanging up on hold leaves the queue at once: no agent is offered a dead line.
	if got, err := app.Store.Conversation(ctx, conv.ID); err != nil || got.Status != gridline.StatusResolved {
		t.Fatalf("after hanging up on hold the call is %+v (%v), want resolved", got, err)
	}
	if tickets, err := app.Queue.List(ctx, gridline.SkillGeneral); err != nil || len(tickets) != 0 {
		t.Fatalf("the general queue still holds %v (%v)", tickets, err)
	}
	t.Logf("the caller heard:\n%s", strings.Join(call.Heard, "\n"))

	// Staff see the call as a voice conversation, with everything said in it.
	_, token := staffLogin(t, app, "sup@example.com", "Supervisor", gridline.RoleSupervisor)
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	resp, body := doJSON(t, http.MethodGet, app.URL()+"/api/v1/conversations?channel=voice", nil, bearer)
	var listed []gridline.Conversation
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &listed) != nil || len(listed) != 1 ||
		listed[0].ID != conv.ID || listed[0].Channel != gridline.ChannelVoice {
		t.Fatalf("?channel=voice: %d %s", resp.StatusCode, body)
	}
	resp, body = doJSON(t, http.MethodGet, app.URL()+"/api/v1/conversations?channel=chat", nil, bearer)
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), conv.ID) {
		t.Fatalf("?channel=chat lists the call: %d %s", resp.StatusCode, body)
	}
	msgs, err := app.Store.Messages(ctx, conv.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	for i, m := range msgs {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d", i, m.Seq)
		}
		if m.Author.Kind == gridline.AuthorCustomer {
			said = append(said, m.Text)
		}
	}
	wantSaid := []string{"how do I pay my electricity bill", "report a fault", "45 Elm Road, Block B, Unit 3", "13912345678", "0"}
	if strings.Join(said, "|") != strings.Join(wantSaid[:4], "|")+"|"+said[len(said)-1] || !strings.HasPrefix(said[len(said)-1], "0") {
		t.Errorf("the caller's messages = %q, want %q", said, wantSaid)
	}
	transcript := ""
	for _, m := range msgs {
		transcript += m.Text + "\n"
	}
	for _, want := range []string{"For English, press 2", orders[0].Number, "number 1 in the queue"} {
		if !strings.Contains(transcript, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, transcript)
		}
	}

	// A webhook of the ended call hears a polite goodbye.
	if status, body := call.Post(hotline.PathGather, url.Values{"Digits": {"1"}}); status != http.StatusOK || !strings.Contains(body, "<Hangup>") {
		t.Errorf("a webhook after the end: %d %s", status, body)
	}
}

// voiceConversation is the one voice conversation of the app.
func voiceConversation(t *testing.T, app *App) *gridline.Conversation {
	t.Helper()
	convs, err := app.Store.ListConversations(context.Background(), gridline.ConversationFilter{Channel: gridline.ChannelVoice})
	if err != nil || len(convs) != 1 {
		t.Fatalf("voice conversations = %v, %v; want one", convs, err)
	}
	return convs[0]
}

// TestHotlineRefusesUnsignedWebhooks: a webhook without the provider's
// signature, or signed with another token or over another URL, is 403 and
// opens no call; an unknown call is told goodbye.
func TestHotlineRefusesUnsignedWebhooks(t *testing.T) {
	app, provider := startHotline(t)
	form := url.Values{"CallSid": {"CA" + strings.Repeat("1", 32)}, "From": {"+8613800138000"}, "To": {"+8695598"}, "CallStatus": {"ringing"}}
	u := provider.BaseURL + hotline.PathIncoming
	for _, tc := range []struct{ name, sig string }{
		{"no signature", ""},
		{"another token", hotline.Sign("not-the-token", u, form)},
		{"another URL", hotline.Sign(testVoiceToken, "https://elsewhere.example"+hotline.PathIncoming, form)},
		{"another form", hotline.Sign(testVoiceToken, u, url.Values{"CallSid": {"CA2"}})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.sig != "" {
				req.Header.Set(hotline.SignatureHeader, tc.sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", resp.StatusCode)
			}
		})
	}
	if convs, _ := app.Store.ListConversations(context.Background(), gridline.ConversationFilter{Channel: gridline.ChannelVoice}); len(convs) != 0 {
		t.Fatalf("refused webhooks opened %d calls", len(convs))
	}

	// Signed but for a call Gridline never answered: goodbye.
	stranger := provider.Dial("+8613800138001")
	if status, body := stranger.Post(hotline.PathWait, nil); status != http.StatusOK {
		t.Fatalf("wait of a known call: %d %s", status, body)
	}
	unknown := url.Values{"CallSid": {"CA" + strings.Repeat("9", 32)}, "Digits": {"1"}}
	req, _ := http.NewRequest(http.MethodPost, provider.BaseURL+hotline.PathGather, strings.NewReader(unknown.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(hotline.SignatureHeader, hotline.Sign(testVoiceToken, provider.BaseURL+hotline.PathGather, unknown))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc hotlinetest.Node
	if err := xml.NewDecoder(resp.Body).Decode(&doc); err != nil || len(doc.Children) == 0 ||
		doc.Children[len(doc.Children)-1].XMLName.Local != "Hangup" {
		t.Fatalf("an unknown call is answered %+v (%v), want a goodbye and <Hangup/>", doc, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") {
		t.Fatalf("unknown call: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestHotlineDangerAndStuckCallers: danger said in Chinese is answered with
// the safety steps, an urgent repair order and the urgent queue; a caller the
// IVR cannot hear is asked again, then offered the keypad, and after three
// failed inputs passed to a person — never looped.
func TestHotlineDangerAndStuckCallers(t *testing.T) {
	app, provider := startHotline(t)
	ctx := context.Background()

	danger := provider.Dial("+8613800138002")
	danger.Press("1")
	if heard := danger.New(); !strings.Contains(heard, "停电信息请按1") || !strings.Contains(heard, "人工服务请按0") {
		t.Fatalf("the Chinese menu is %q", heard)
	}
	danger.Speak("电线掉地上了，还在冒火花", 0.9)
	heard := danger.New()
	if !danger.Queued || !strings.Contains(heard, "远离") {
		t.Fatalf("danger: queued=%v, heard %q; want the safety steps and the queue", danger.Queued, heard)
	}
	conv := voiceConversation(t, app)
	if !conv.Urgent || conv.Status != gridline.StatusQueued {
		t.Errorf("the danger call is %+v, want urgent and queued", conv)
	}
	orders, err := app.Store.ListWorkOrders(ctx, gridline.WorkOrderFilter{CustomerID: conv.CustomerID, ConversationID: conv.ID})
	if err != nil || len(orders) != 1 || !orders[0].Urgent || orders[0].Type != gridline.WorkOrderRepair {
		t.Fatalf("the danger call's orders = %+v %v; want one urgent repair", orders, err)
	}
	danger.Hangup()

	stuck := provider.Dial("+8613800138003")
	stuck.Press("2")
	stuck.New()
	stuck.Speak("mumble mumble", 0.2)
	if heard := stuck.New(); !strings.Contains(heard, "say it once more") {
		t.Fatalf("low confidence: heard %q, want to be asked again", heard)
	}
	stuck.Silence()
	if heard := stuck.New(); !strings.Contains(heard, "use the keypad") {
		t.Fatalf("after a low confidence and silence: heard %q, want the keypad", heard)
	}
	stuck.Silence()
	if stuck.Queued {
		t.Fatal("queued after two failed inputs")
	}
	stuck.Silence()
	if heard := stuck.New(); !stuck.Queued || !strings.Contains(heard, "in the queue") {
		t.Fatalf("after three failed inputs: queued=%v heard %q, want a person", stuck.Queued, heard)
	}
	// A stray gather while the call waits (a replayed webhook) keeps it waiting.
	if status, body := stuck.Post(hotline.PathGather, url.Values{"Digits": {"9"}}); status != http.StatusOK || !strings.Contains(body, "<Enqueue") {
		t.Fatalf("a gather while queued: %d %s", status, body)
	}
}

// TestHotlineAcrossReplicas: one call whose webhooks a load balancer spreads
// over two replicas sharing PostgreSQL and Redis — each webhook lands on the
// other replica from the one before — walks the fault report to its order,
// as on one replica.
func TestHotlineAcrossReplicas(t *testing.T) {
	t.Parallel()
	var replicas []*url.URL
	var next atomic.Int64
	balancer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := replicas[next.Add(1)%int64(len(replicas))]
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	t.Cleanup(balancer.Close)

	cfg := replicaConfig(t)
	cfg.PublicURL = balancer.URL
	cfg.VoiceAuthToken = testVoiceToken
	a := startApp(t, cfg)
	b := startApp(t, cfg)
	for _, app := range []*App{a, b} {
		u, _ := url.Parse(app.URL())
		replicas = append(replicas, u)
	}
	provider := &hotlinetest.Provider{T: t, BaseURL: balancer.URL, Token: testVoiceToken}

	call := provider.Dial("+8613800138004")
	call.Press("2")
	call.Press("2") // Report a fault, from the bot's menu
	if heard := call.New(); !strings.Contains(heard, "fault report") {
		t.Fatalf("heard %q, want the fault form", heard)
	}
	call.Speak("12 Harbour Street, Building 4, Unit 2", 0.9)
	call.Press("13912345670#")
	told := call.New()
	conv := voiceConversation(t, a)
	orders, err := b.Store.ListWorkOrders(context.Background(), gridline.WorkOrderFilter{CustomerID: conv.CustomerID, ConversationID: conv.ID})
	if err != nil || len(orders) != 1 || !strings.Contains(told, hotline.ForTheEar(orders[0].Number, gridline.LangEN)) {
		t.Fatalf("orders %+v (%v); the caller heard %q", orders, err, told)
	}
	if n := next.Load(); n < 5 {
		t.Fatalf("only %d webhooks went through the balancer", n)
	}
}
