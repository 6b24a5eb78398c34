package conversation_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/conversation"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/handoff/memory"
	"github.com/gridline/gridline/store"
)

// scriptBot answers with reply, or with what answer returns; it records inputs.
type scriptBot struct {
	mu     sync.Mutex
	inputs []bot.Input
	answer func(in bot.Input) (bot.Reply, error)
}

func (b *scriptBot) Greet(lang string) bot.Reply {
	return bot.Reply{Action: bot.ActionMenu, Text: "hello " + lang}
}

func (b *scriptBot) Respond(ctx context.Context, in bot.Input, delta func(string)) (bot.Reply, error) {
	b.mu.Lock()
	b.inputs = append(b.inputs, in)
	b.mu.Unlock()
	if b.answer != nil {
		return b.answer(in)
	}
	return bot.Reply{Action: bot.ActionAnswer, Text: "re: " + in.Text + in.Option}, nil
}

// fakeDesk records the handoffs asked of it.
type fakeDesk struct {
	mu       sync.Mutex
	requests []string // skill/priority
	fail     error
}

func (d *fakeDesk) RequestHuman(ctx context.Context, id, skill string, priority int) (int, int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.requests = append(d.requests, skill+"/"+strconv.Itoa(priority))
	return 1, 60, d.fail
}
func (d *fakeDesk) QueueStatus(ctx context.Context, id string) (int, int, error) { return 2, 120, nil }
func (d *fakeDesk) Claim(ctx context.Context, u *gridline.User, id string) (*gridline.Conversation, error) {
	return nil, errors.New("not used")
}
func (d *fakeDesk) Transfer(ctx context.Context, by *gridline.User, id, to, skill, note string) error {
	return nil
}
func (d *fakeDesk) Resolve(ctx context.Context, by *gridline.User, id string) error { return nil }
func (d *fakeDesk) Abandon(ctx context.Context, id string) error                    { return nil }

// env is a service over a real SQLite store and the in-process switchboard.
type env struct {
	t     *testing.T
	ctx   context.Context
	store gridline.Store
	board *memory.Switchboard
	bot   *scriptBot
	svc   *conversation.Service
}

type option func(*conversation.Config)

func withDesk(d conversation.Desk) option { return func(c *conversation.Config) { c.Desk = d } }
func withPresence(p handoff.Presence) option {
	return func(c *conversation.Config) { c.Presence = p }
}

func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "conv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	board := memory.NewSwitchboard()
	t.Cleanup(func() { board.Close() })
	e := &env{t: t, ctx: ctx, store: st, board: board, bot: &scriptBot{}}
	e.svc = e.service(nil, opts...)
	return e
}

// service builds another service (a replica) over the env's store and board.
func (e *env) service(lease conversation.Lease, opts ...option) *conversation.Service {
	cfg := conversation.Config{Store: e.store, Board: e.board, Bot: e.bot, Lease: lease,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LeasePoll: time.Millisecond}
	for _, o := range opts {
		o(&cfg)
	}
	svc := conversation.New(cfg)
	e.t.Cleanup(func() { svc.Close() })
	return svc
}

// start opens a new chat.
func (e *env) start(lang string) *gridline.Conversation {
	e.t.Helper()
	conv, created, err := e.svc.Start(e.ctx, conversation.Visitor{Lang: lang})
	if err != nil || !created {
		e.t.Fatalf("start: %v, created %v", err, created)
	}
	return conv
}

// wait lets every queued bot turn finish.
func (e *env) wait(svcs ...*conversation.Service) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	for _, s := range append(svcs, e.svc) {
		if err := s.Wait(ctx); err != nil {
			e.t.Fatal("bot turns did not finish: ", err)
		}
	}
}

func (e *env) messages(convID string) []*gridline.Message {
	e.t.Helper()
	ms, err := e.store.Messages(e.ctx, convID, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

func (e *env) texts(convID string, kind gridline.AuthorKind) []string {
	var out []string
	for _, m := range e.messages(convID) {
		if m.Author.Kind == kind {
			out = append(out, m.Text)
		}
	}
	return out
}

func (e *env) setStatus(convID string, status gridline.ConversationStatus, handler string) {
	e.t.Helper()
	conv, err := e.store.Conversation(e.ctx, convID)
	if err != nil {
		e.t.Fatal(err)
	}
	conv.Status, conv.HandlerID = status, handler
	if err := e.store.UpdateConversation(e.ctx, conv); err != nil {
		e.t.Fatal(err)
	}
}

func TestStartResumesOrStartsNew(t *testing.T) {
	e := newEnv(t)
	first := e.start("zh-CN")
	if first.Lang != gridline.LangZH || first.Status != gridline.StatusBot {
		t.Fatalf("new chat: %+v", first)
	}
	if got := e.texts(first.ID, gridline.AuthorBot); !slices.Equal(got, []string{"hello zh"}) {
		t.Fatalf("greeting: %q", got)
	}
	resolved := e.start("en")
	e.setStatus(resolved.ID, gridline.StatusResolved, "")

	tests := []struct {
		name         string
		v            conversation.Visitor
		created      bool
		sameConv     bool
		sameCustomer string // the customer the new matter belongs to; "" for a new one
	}{
		{"the open matter resumes", conversation.Visitor{CustomerID: first.CustomerID, ConversationID: first.ID}, false, true, first.CustomerID},
		{"after a resolved matter, a new one for the same customer", conversation.Visitor{CustomerID: resolved.CustomerID, ConversationID: resolved.ID}, true, false, resolved.CustomerID},
		{"an unknown conversation of a known customer", conversation.Visitor{CustomerID: first.CustomerID, ConversationID: "gone"}, true, false, first.CustomerID},
		{"an unknown customer becomes a new one", conversation.Visitor{CustomerID: "nobody", ConversationID: "gone"}, true, false, ""},
		{"a new visitor", conversation.Visitor{Lang: "en-GB"}, true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conv, created, err := e.svc.Start(e.ctx, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if created != tt.created || (conv.ID == tt.v.ConversationID) != tt.sameConv {
				t.Fatalf("created %v, conversation %s (asked %s)", created, conv.ID, tt.v.ConversationID)
			}
			if tt.sameCustomer != "" && conv.CustomerID != tt.sameCustomer {
				t.Errorf("customer %s, want %s", conv.CustomerID, tt.sameCustomer)
			}
			if tt.sameCustomer == "" && (conv.CustomerID == first.CustomerID || conv.CustomerID == resolved.CustomerID) {
				t.Errorf("a new visitor got an existing customer %s", conv.CustomerID)
			}
		})
	}
}

func TestCanReply(t *testing.T) {
	agent := &gridline.User{ID: "a", Role: gridline.RoleAgent}
	sup := &gridline.User{ID: "s", Role: gridline.RoleSupervisor}
	conv := func(status gridline.ConversationStatus, owner, handler string) *gridline.Conversation {
		return &gridline.Conversation{Status: status, OwnerID: owner, HandlerID: handler}
	}
	tests := []struct {
		name string
		u    *gridline.User
		c    *gridline.Conversation
		code string
	}{
		{"the handler, active", agent, conv(gridline.StatusActive, "a", "a"), ""},
		{"the owner after handing it on", agent, conv(gridline.StatusActive, "a", "b"), gridline.EFORBIDDEN},
		{"queued: claim it first", agent, conv(gridline.StatusQueued, "", ""), gridline.EFORBIDDEN},
		{"the handler, resolved", agent, conv(gridline.StatusResolved, "a", "a"), gridline.ECONFLICT},
		{"a supervisor steps in", sup, conv(gridline.StatusActive, "b", "b"), ""},
		{"a supervisor, still with the bot", sup, conv(gridline.StatusBot, "", ""), gridline.ECONFLICT},
	}
	for _, tt := range tests {
		if got := gridline.ErrorCode(conversation.CanReply(tt.u, tt.c)); got != tt.code {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.code)
		}
	}
}

func TestReplyIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ann := &gridline.User{ID: "ann", Name: "Ann", Role: gridline.RoleAgent}
	bob := &gridline.User{ID: "bob", Name: "Bob", Role: gridline.RoleAgent}
	conv := e.start("en")
	e.setStatus(conv.ID, gridline.StatusActive, ann.ID)

	m, created, err := e.svc.Reply(e.ctx, ann, conv.ID, "a1", "Hello")
	if err != nil || !created {
		t.Fatalf("reply: %v, created %v", err, created)
	}
	again, created, err := e.svc.Reply(e.ctx, ann, conv.ID, "a1", "Hello")
	if err != nil || created || again.Seq != m.Seq {
		t.Fatalf("resend: %+v, created %v, %v", again, created, err)
	}
	if _, _, err := e.svc.Reply(e.ctx, bob, conv.ID, "a1", "mine"); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Fatalf("another agent's reply: %v, want not_found", err)
	}
	e.setStatus(conv.ID, gridline.StatusResolved, ann.ID)
	if again, _, err := e.svc.Reply(e.ctx, ann, conv.ID, "a1", "Hello"); err != nil || again.Seq != m.Seq {
		t.Fatalf("resend after resolving: %v, %v", again, err)
	}
	if _, _, err := e.svc.Reply(e.ctx, ann, conv.ID, "a2", "late"); gridline.ErrorCode(err) != gridline.ECONFLICT {
		t.Fatalf("new reply after resolving: %v, want conflict", err)
	}
}

func TestRate(t *testing.T) {
	e := newEnv(t)
	conv := e.start("en")
	tests := []struct {
		score   int
		comment string
		code    string
		note    string
	}{
		{0, "", gridline.EINVALID, ""},
		{6, "", gridline.EINVALID, ""},
		{4, "  quick and kind ", "", "★★★★☆ quick and kind"},
		{1, "", "", "★☆☆☆☆"},
	}
	for _, tt := range tests {
		_, err := e.svc.Rate(e.ctx, conv.ID, tt.score, tt.comment)
		if gridline.ErrorCode(err) != tt.code {
			t.Errorf("score %d: %v, want %q", tt.score, err, tt.code)
			continue
		}
		if tt.code != "" {
			continue
		}
		ms := e.messages(conv.ID)
		last := ms[len(ms)-1]
		if !gridline.IsStaffNote(last) || last.Text != tt.note {
			t.Errorf("score %d: note %+v, want staff note %q", tt.score, last, tt.note)
		}
		if got, _ := e.store.Conversation(e.ctx, conv.ID); got.Rating != tt.score {
			t.Errorf("score %d: stored rating %d", tt.score, got.Rating)
		}
	}
	if _, err := e.svc.Rate(e.ctx, "nope", 3, ""); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Errorf("rating an unknown conversation: %v", err)
	}
}

// offers subscribes to a conversation and reports whether an offer came.
func (e *env) offers(convID string) func() bool {
	e.t.Helper()
	sub, err := e.board.Subscribe(e.ctx, gridline.ConversationTopic(convID))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { sub.Close() })
	return func() bool {
		for {
			select {
			case ev := <-sub.Events():
				if ev.Type == gridline.EventOffer {
					return true
				}
			default:
				return false
			}
		}
	}
}

func TestHandoff(t *testing.T) {
	online := func(t *testing.T) handoff.Presence {
		p := memory.NewPresence(nil)
		if err := p.Heartbeat(context.Background(), handoff.AgentPresence{UserID: "ann", Status: handoff.AgentOnline}, time.Minute); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leftForStaff := "A member of our team will follow up on this conversation. You can also leave a message or a phone number for a call back."
	tests := []struct {
		name     string
		desk     *fakeDesk
		online   bool
		reply    bot.Reply
		asked    []string // what the desk was asked
		request  bool     // a handoff request left for staff
		offer    bool
		lastText string // the last message the customer reads
	}{
		{"no desk: left for staff", nil, false, bot.Reply{Action: bot.ActionHandoff, Skill: gridline.SkillBilling, Text: "a person will help"},
			nil, true, true, leftForStaff},
		{"the queue fails: left for staff", &fakeDesk{fail: errors.New("redis down")}, true, bot.Reply{Action: bot.ActionHandoff, Text: "a person will help"},
			[]string{"general/0"}, true, true, leftForStaff},
		{"queued, nobody online: the offer", &fakeDesk{}, false, bot.Reply{Action: bot.ActionHandoff, Skill: gridline.SkillRepair, Text: "a person will help"},
			[]string{"repair/0"}, false, true, "a person will help"},
		{"queued, someone online: no offer", &fakeDesk{}, true, bot.Reply{Action: bot.ActionHandoff, Text: "a person will help"},
			[]string{"general/0"}, false, false, "a person will help"},
		{"danger goes first", &fakeDesk{}, true, bot.Reply{Action: bot.ActionHandoff, Skill: gridline.SkillRepair, Urgent: true, Text: "stay away from the wire"},
			[]string{"repair/10"}, false, false, "stay away from the wire"},
		{"an answer hands nothing off", &fakeDesk{}, false, bot.Reply{Action: bot.ActionAnswer, Text: "here is how"},
			nil, false, false, "here is how"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []option
			if tt.desk != nil {
				opts = append(opts, withDesk(tt.desk))
			}
			if tt.online {
				opts = append(opts, withPresence(online(t)))
			}
			e := newEnv(t, opts...)
			e.bot.answer = func(bot.Input) (bot.Reply, error) { return tt.reply, nil }
			conv := e.start("en")
			offered := e.offers(conv.ID)
			if _, err := e.svc.Say(e.ctx, conv.CustomerID, conv.ID, "c1", "help"); err != nil {
				t.Fatal(err)
			}
			e.wait()
			if tt.desk != nil && !slices.Equal(tt.desk.requests, tt.asked) {
				t.Errorf("desk asked %v, want %v", tt.desk.requests, tt.asked)
			}
			reqs, err := e.store.ListRequests(e.ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := len(reqs) == 1 && reqs[0].Kind == gridline.RequestHandoff; got != tt.request || len(reqs) > 1 {
				t.Errorf("requests %+v, want a handoff request: %v", reqs, tt.request)
			}
			if got := offered(); got != tt.offer {
				t.Errorf("offer %v, want %v", got, tt.offer)
			}
			ms := e.messages(conv.ID)
			if last := ms[len(ms)-1]; last.Text != tt.lastText {
				t.Errorf("last message %q, want %q", last.Text, tt.lastText)
			}
		})
	}
}

func TestBotTroubleHandsOff(t *testing.T) {
	e := newEnv(t)
	e.bot.answer = func(bot.Input) (bot.Reply, error) { return bot.Reply{}, errors.New("llm down") }
	conv := e.start("zh")
	if _, err := e.svc.Say(e.ctx, conv.CustomerID, conv.ID, "c1", "停电了"); err != nil {
		t.Fatal(err)
	}
	e.wait()
	got := e.texts(conv.ID, gridline.AuthorBot)
	if len(got) != 2 || got[1] != "抱歉，我这边出了点问题。我会请人工客服来帮您。" {
		t.Fatalf("bot said %q", got)
	}
	if got := e.texts(conv.ID, gridline.AuthorSystem); len(got) != 1 || got[0] != "我们的工作人员会跟进这次对话。您也可以留言，或留下电话号码等待回电。" {
		t.Fatalf("system said %q", got)
	}
}

func TestBotSilentAfterTakeover(t *testing.T) {
	for _, status := range []gridline.ConversationStatus{gridline.StatusActive, gridline.StatusResolved} {
		t.Run(string(status), func(t *testing.T) {
			e := newEnv(t)
			conv := e.start("en")
			thinking, release := make(chan struct{}), make(chan struct{})
			e.bot.answer = func(in bot.Input) (bot.Reply, error) {
				close(thinking)
				<-release
				return bot.Reply{Action: bot.ActionAnswer, Text: "too late"}, nil
			}
			if _, err := e.svc.Say(e.ctx, conv.CustomerID, conv.ID, "c1", "hello?"); err != nil {
				t.Fatal(err)
			}
			<-thinking
			e.setStatus(conv.ID, status, "ann") // a person took it (or closed it) meanwhile
			close(release)
			e.wait()
			if got := e.texts(conv.ID, gridline.AuthorBot); len(got) != 1 {
				t.Fatalf("the bot spoke after the takeover: %q", got)
			}
			// And a conversation already taken gets no bot turn at all.
			e.bot.answer = nil
			if _, err := e.svc.Say(e.ctx, conv.CustomerID, conv.ID, "c2", "anyone?"); err != nil {
				t.Fatal(err)
			}
			e.wait()
			if len(e.bot.inputs) != 1 {
				t.Fatalf("the bot was asked %d times, want 1", len(e.bot.inputs))
			}
		})
	}
}

func TestTurnsInOrder(t *testing.T) {
	e := newEnv(t)
	conv := e.start("en")
	for i, text := range []string{"one", "two", "three"} {
		if _, err := e.svc.Say(e.ctx, conv.CustomerID, conv.ID, "c"+strconv.Itoa(i), text); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Say(e.ctx, conv.CustomerID, conv.ID, "c0", "one"); err != nil { // a resend: no turn
		t.Fatal(err)
	}
	e.wait()
	want := []string{"hello en", "re: one", "re: two", "re: three"}
	if got := e.texts(conv.ID, gridline.AuthorBot); !slices.Equal(got, want) {
		t.Fatalf("bot replies %q, want %q", got, want)
	}
}

// TestTurnsInOrderAcrossReplicas: the customer's first message reached replica
// A, whose bot is still thinking, when they reconnect to replica B and write
// again. B waits for A's turn: the answers come one at a time, in store order.
func TestTurnsInOrderAcrossReplicas(t *testing.T) {
	e := newEnv(t)
	lease := &refusals{Lease: conversation.NewMemoryLease(nil), refused: make(chan struct{}, 100)}
	a, b := e.service(lease), e.service(lease)
	conv := e.start("en")

	thinking, release := make(chan struct{}), make(chan struct{})
	e.bot.answer = func(in bot.Input) (bot.Reply, error) {
		if in.Text == "first" {
			close(thinking)
			<-release
		}
		return bot.Reply{Action: bot.ActionAnswer, Text: "re: " + in.Text}, nil
	}
	if _, err := a.Say(e.ctx, conv.CustomerID, conv.ID, "c1", "first"); err != nil {
		t.Fatal(err)
	}
	<-thinking
	if _, err := b.Say(e.ctx, conv.CustomerID, conv.ID, "c2", "second"); err != nil {
		t.Fatal(err)
	}
	// B is refused the turn while A's runs, and does not ask the bot meanwhile.
	for range 3 {
		<-lease.refused
	}
	e.bot.mu.Lock()
	asked := len(e.bot.inputs)
	e.bot.mu.Unlock()
	if asked != 1 {
		t.Fatalf("replica B asked the bot while A's turn ran (%d inputs)", asked)
	}
	close(release)
	e.wait(a, b)
	want := []string{"hello en", "re: first", "re: second"}
	if got := e.texts(conv.ID, gridline.AuthorBot); !slices.Equal(got, want) {
		t.Fatalf("bot replies %q, want %q", got, want)
	}
}

func TestChooseReadsAsTheLabel(t *testing.T) {
	e := newEnv(t)
	conv := e.start("en")
	m := &gridline.Message{ConversationID: conv.ID, Author: gridline.Author{Kind: gridline.AuthorBot}, Text: "pick",
		QuickReplies: []gridline.QuickReply{{ID: "outage", Label: "Report an outage"}}}
	if _, err := e.store.AppendMessage(e.ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Choose(e.ctx, conv.CustomerID, conv.ID, "", "outage")
	if err != nil || got.Text != "Report an outage" || got.ClientID == "" {
		t.Fatalf("choose: %+v, %v", got, err)
	}
	e.wait()
	if len(e.bot.inputs) != 1 || e.bot.inputs[0].Option != "outage" {
		t.Fatalf("the bot got %+v", e.bot.inputs)
	}
}

func TestLeaveRequest(t *testing.T) {
	e := newEnv(t)
	conv := e.start("zh")
	r, err := e.svc.LeaveRequest(e.ctx, conv.CustomerID, conv.ID, gridline.RequestCallback, " 138 0000 1234 ", "")
	if err != nil || r.Request == nil || r.Request.Phone != "138 0000 1234" {
		t.Fatalf("call-back request: %+v, %v", r, err)
	}
	cust, err := e.store.Customer(e.ctx, conv.CustomerID)
	if err != nil || cust.Phone != "138 0000 1234" {
		t.Fatalf("the customer's phone: %+v, %v", cust, err)
	}
	if _, err := e.svc.LeaveRequest(e.ctx, conv.CustomerID, conv.ID, gridline.RequestCallback, "139 1111 2222", ""); err != nil {
		t.Fatal(err)
	}
	if cust, _ := e.store.Customer(e.ctx, conv.CustomerID); cust.Phone != "138 0000 1234" {
		t.Errorf("a second call-back number replaced the first: %s", cust.Phone)
	}
	if _, err := e.svc.LeaveRequest(e.ctx, conv.CustomerID, conv.ID, gridline.RequestMessage, "", "meter reads wrong"); err != nil {
		t.Fatal(err)
	}
	want := []string{"谢谢，我们会回电至 138 0000 1234。", "谢谢，我们会回电至 139 1111 2222。", "谢谢，我们已收到您的留言，会尽快回复您。"}
	if got := e.texts(conv.ID, gridline.AuthorSystem); !slices.Equal(got, want) {
		t.Fatalf("confirmations %q, want %q", got, want)
	}
}

func TestQueueStatus(t *testing.T) {
	e := newEnv(t)
	if _, ok := e.svc.QueueStatus(e.ctx, "c"); ok {
		t.Error("a queue status without a desk")
	}
	e = newEnv(t, withDesk(&fakeDesk{}))
	if q, ok := e.svc.QueueStatus(e.ctx, "c"); !ok || q.Position != 2 || q.ETASeconds != 120 {
		t.Errorf("queue status %+v %v", q, ok)
	}
}

// refusals is a Lease that reports each refused Acquire.
type refusals struct {
	conversation.Lease
	refused chan struct{}
}

func (r *refusals) Acquire(ctx context.Context, key string, ttl time.Duration) (string, error) {
	tok, err := r.Lease.Acquire(ctx, key, ttl)
	if tok == "" && err == nil {
		select {
		case r.refused <- struct{}{}:
		default:
		}
	}
	return tok, err
}
