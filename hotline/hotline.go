// Package hotline is the telephone channel: an IVR driven by a TwiML
// provider's webhooks (Twilio, or any compatible one). Each webhook's input —
// keys, speech, queue and call events — moves the call's state machine one step
// and is answered with a TwiML document. A call is a conversation with channel
// voice: what the caller says goes to the same bot, opens the same work orders
// and waits at the same desk as a chat, through the conversation policy; every
// utterance and every spoken reply is a message of that conversation.
//
// It speaks no HTTP: server decodes the form, checks the signature (Verify)
// and writes the Response this package returns. A call's state is kept per
// CallSid in the bot's FlowStore, so that webhooks of one call may land on
// different replicas.
package hotline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
)

// Paths of the webhooks, below the public URL. The provider is configured with
// PathIncoming and PathStatus; the others are named by the TwiML itself.
const (
	PathIncoming = "/voice/incoming"
	PathStatus   = "/voice/status"
	PathLanguage = "/voice/language"
	PathGather   = "/voice/gather"
	PathWait     = "/voice/wait"
	PathDequeued = "/voice/dequeued"
)

// Paths lists every webhook path, for the transport to route.
var Paths = []string{PathIncoming, PathStatus, PathLanguage, PathGather, PathWait, PathDequeued}

// Conversations is what the hotline needs of the conversation policy;
// *conversation.Service implements it.
type Conversations interface {
	StartCall(ctx context.Context, phone, lang string) (conv *gridline.Conversation, known bool, err error)
	Greet(ctx context.Context, convID, lang string) (*gridline.Message, error)
	Announce(ctx context.Context, convID, text string) (*gridline.Message, error)
	Converse(ctx context.Context, customerID, convID, clientID, said string, in bot.Input) (*gridline.Conversation, []*gridline.Message, error)
	QueueStatus(ctx context.Context, convID string) (gridline.QueueData, bool)
	EndCall(ctx context.Context, convID string, seconds int) error
}

// Config is what a Hotline is built from; Conversations, Store and Calls are
// required.
type Config struct {
	Conversations Conversations
	// Store reads a call's conversation (is it still queued?).
	Store gridline.ConversationStore
	// Calls keeps each call's state between its webhooks: the bot's FlowStore
	// (memory for one replica, Redis for several), under keys "call:<CallSid>".
	Calls bot.FlowStore
	// BaseURL is the public URL the provider reaches the server at
	// (GRIDLINE_PUBLIC_URL); the TwiML's action URLs start with it.
	BaseURL string
	// Queue names the provider's queue calls wait in; empty means "gridline".
	Queue string
	// HoldSeconds is the hold audio between two position announcements;
	// zero means 30.
	HoldSeconds int
	Logger      *slog.Logger
}

// Hotline runs the IVR. It holds no state of its own.
type Hotline struct {
	cfg Config
	log *slog.Logger
}

// New returns a Hotline configured by cfg.
func New(cfg Config) *Hotline {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Queue == "" {
		cfg.Queue = "gridline"
	}
	if cfg.HoldSeconds <= 0 {
		cfg.HoldSeconds = 30
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Hotline{cfg: cfg, log: log}
}

// Call steps.
const (
	stepLanguage = "language" // an unknown caller chooses a language
	stepMenu     = "menu"     // with the bot: menus, questions, forms
	stepQueue    = "queue"    // waiting at the desk
	stepEnded    = "ended"
)

// maxFailures is how many inputs in a row the IVR may fail to understand
// before it passes the caller to a person: a stuck caller never loops.
const maxFailures = 3

// lowConfidence is the speech confidence below which the caller is asked
// again rather than taken at their word.
const lowConfidence = 0.4

// call is one call's state between webhooks.
type call struct {
	ConversationID string `json:"conversation_id"`
	CustomerID     string `json:"customer_id"`
	Lang           string `json:"lang"`
	Step           string `json:"step"`
	// Keys maps the keys of the last menu spoken to the bot's option ids.
	Keys map[string]string `json:"keys,omitempty"`
	// Labels are the menu's words by key, stored as what the caller chose.
	Labels map[string]string `json:"labels,omitempty"`
	// Form says the last reply asked for an answer (an address, a number)
	// rather than a choice: keys are read as a number ended by #.
	Form bool `json:"form,omitempty"`
	// Failures counts inputs in a row not understood; Unsure says the last
	// speech was asked again for low confidence.
	Failures int  `json:"failures,omitempty"`
	Unsure   bool `json:"unsure,omitempty"`
	// Turn numbers the caller's inputs, for their messages' client ids.
	Turn int `json:"turn"`
	// Said is the last thing spoken, for "press 9 to hear it again".
	Said string `json:"said,omitempty"`
	// Position is the queue position last announced.
	Position int `json:"position,omitempty"`
}

const flowName = "hotline.call"

func callKey(sid string) string { return "call:" + sid }

// load reads a call's state; ok is false for an unknown CallSid.
func (h *Hotline) load(ctx context.Context, sid string) (c call, ok bool, err error) {
	f, err := h.cfg.Calls.Flow(ctx, callKey(sid))
	if err != nil {
		return c, false, fmt.Errorf("hotline: read call: %w", err)
	}
	if f.Name != flowName || f.Detail == "" {
		return c, false, nil
	}
	if err := json.Unmarshal([]byte(f.Detail), &c); err != nil {
		return c, false, fmt.Errorf("hotline: read call: %w", err)
	}
	return c, true, nil
}

func (h *Hotline) save(ctx context.Context, sid string, c call) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := h.cfg.Calls.SetFlow(ctx, callKey(sid), bot.Flow{Name: flowName, Detail: string(b)}); err != nil {
		return fmt.Errorf("hotline: keep call: %w", err)
	}
	return nil
}

// Handle answers one webhook posted to path. An unknown CallSid, or any
// webhook but the status callback of a call that has ended, is answered with a
// polite goodbye and <Hangup/>. The error is the store's; the transport
// answers it as a failure and the provider retries or drops the call.
func (h *Hotline) Handle(ctx context.Context, path string, w Webhook) (*Response, error) {
	if path == PathIncoming {
		return h.incoming(ctx, w)
	}
	c, ok, err := h.load(ctx, w.CallSid)
	if err != nil {
		return nil, err
	}
	if path == PathStatus {
		if ok && isFinal(w.CallStatus) && c.Step != stepEnded {
			if err := h.end(ctx, w, c); err != nil {
				return nil, err
			}
		}
		return &Response{}, nil
	}
	if !ok || c.Step == stepEnded {
		lang := gridline.LangZH
		if ok {
			lang = c.Lang
		}
		return goodbye(lang, msgUnknownCall), nil
	}
	switch path {
	case PathLanguage:
		return h.language(ctx, w, c)
	case PathGather:
		return h.gather(ctx, w, c)
	case PathWait:
		return h.wait(ctx, w, c)
	case PathDequeued:
		return h.dequeued(ctx, w, c)
	}
	return nil, gridline.Errorf(gridline.ENOTFOUND, "no webhook %q", path)
}

// isFinal reports whether a CallStatus means the call is over.
func isFinal(status string) bool {
	switch status {
	case "completed", "busy", "failed", "no-answer", "canceled":
		return true
	}
	return false
}

func goodbye(lang, key string) *Response {
	return &Response{Verbs: []Verb{Say{Language: voiceLang(lang), Text: text(lang, key)}, Hangup{}}}
}

// incoming starts a call: a caller the archive knows hears the menu in their
// language; anyone else first chooses one. A provider's retry of the same
// incoming webhook hears where the call stands, and no second conversation
// is opened.
func (h *Hotline) incoming(ctx context.Context, w Webhook) (*Response, error) {
	if c, ok, err := h.load(ctx, w.CallSid); err != nil {
		return nil, err
	} else if ok {
		if c.Step == stepEnded {
			return goodbye(c.Lang, msgUnknownCall), nil
		}
		return h.prompt(c, c.Said), nil
	}
	conv, known, err := h.cfg.Conversations.StartCall(ctx, w.From, gridline.LangZH)
	if err != nil {
		return nil, err
	}
	c := call{ConversationID: conv.ID, CustomerID: conv.CustomerID, Lang: conv.Lang}
	if known {
		return h.greet(ctx, w.CallSid, c)
	}
	c.Step = stepLanguage
	prompt := text(gridline.LangZH, msgChooseLang) + " " + text(gridline.LangEN, msgChooseLang)
	if _, err := h.cfg.Conversations.Announce(ctx, conv.ID, prompt); err != nil {
		return nil, err
	}
	c.Said = prompt
	if err := h.save(ctx, w.CallSid, c); err != nil {
		return nil, err
	}
	return h.languagePrompt(), nil
}

func (h *Hotline) languagePrompt() *Response {
	return &Response{Verbs: []Verb{
		Gather{Input: "dtmf speech", Action: h.url(PathLanguage), Method: "POST", NumDigits: 1, Timeout: 5,
			Language: "zh-CN", SpeechTimeout: "auto", Verbs: []Verb{
				Say{Language: "zh-CN", Text: text(gridline.LangZH, msgChooseLang)},
				Say{Language: "en-US", Text: text(gridline.LangEN, msgChooseLang)},
			}},
		Redirect{Method: "POST", URL: h.url(PathLanguage)},
	}}
}

// language takes the caller's choice: 1 or 中文/普通话 for Chinese, 2 or
// "English" for English. After three tries without a choice the call goes
// on in Chinese, the utility's first language.
func (h *Hotline) language(ctx context.Context, w Webhook, c call) (*Response, error) {
	if c.Step != stepLanguage {
		return h.prompt(c, c.Said), nil
	}
	said := strings.ToLower(w.SpeechResult)
	switch {
	case w.Digits == "1" || strings.Contains(said, "中文") || strings.Contains(said, "普通话"):
		c.Lang = gridline.LangZH
	case w.Digits == "2" || strings.Contains(said, "english"):
		c.Lang = gridline.LangEN
	default:
		c.Failures++
		if c.Failures < maxFailures {
			if err := h.save(ctx, w.CallSid, c); err != nil {
				return nil, err
			}
			return h.languagePrompt(), nil
		}
		c.Lang = gridline.LangZH
	}
	c.Failures = 0
	return h.greet(ctx, w.CallSid, c)
}

// greet posts the bot's greeting and speaks it with its menu.
func (h *Hotline) greet(ctx context.Context, sid string, c call) (*Response, error) {
	m, err := h.cfg.Conversations.Greet(ctx, c.ConversationID, c.Lang)
	if err != nil {
		return nil, err
	}
	c.Step = stepMenu
	spoken := h.menu(&c, m.QuickReplies)
	c.Said = ForTheEar(m.Text, c.Lang) + " " + spoken
	if err := h.save(ctx, sid, c); err != nil {
		return nil, err
	}
	return h.prompt(c, c.Said), nil
}

// menu maps the bot's quick replies to keys — a person is 0, the main menu *,
// the rest 1 to 8 in the bot's order — and says them. A reply without choices
// (a form's question) leaves the keypad for numbers.
func (h *Hotline) menu(c *call, replies []gridline.QuickReply) string {
	c.Keys = map[string]string{"0": bot.OptionHuman}
	c.Labels = map[string]string{}
	var parts []string
	n := 0
	for _, q := range replies {
		switch q.ID {
		case bot.OptionHuman:
			c.Labels["0"] = q.Label
			continue
		case bot.OptionMain:
			c.Keys["*"] = q.ID
			continue
		}
		if n == 8 {
			break
		}
		n++
		key := strconv.Itoa(n)
		c.Keys[key] = q.ID
		c.Labels[key] = q.Label
		parts = append(parts, text(c.Lang, msgPress, key, q.Label))
	}
	c.Form = n == 0
	if _, ok := c.Keys["*"]; ok {
		parts = append(parts, text(c.Lang, msgPress, "*", text(c.Lang, msgMainMenu)))
	}
	parts = append(parts, text(c.Lang, msgPressHuman), text(c.Lang, msgPressRepeat))
	if c.Form {
		parts = append(parts, text(c.Lang, msgKeyNumber))
	} else {
		parts = append(parts, text(c.Lang, msgSayOrPress))
	}
	return strings.Join(parts, " ")
}

// prompt says spoken while listening for keys or speech; silence comes back
// to the same action as an empty input.
func (h *Hotline) prompt(c call, spoken string) *Response {
	g := Gather{Input: "dtmf speech", Action: h.url(PathGather), Method: "POST", Language: voiceLang(c.Lang),
		Timeout: 6, SpeechTimeout: "auto", Verbs: []Verb{Say{Language: voiceLang(c.Lang), Text: spoken}}}
	if c.Form {
		g.FinishOnKey = "#"
	} else {
		g.NumDigits = 1
	}
	if c.Step == stepLanguage {
		return h.languagePrompt()
	}
	return &Response{Verbs: []Verb{g, Redirect{Method: "POST", URL: h.url(PathGather)}}}
}

func (h *Hotline) url(path string) string { return h.cfg.BaseURL + path }

// gather takes one input while the call is with the bot: 9 repeats, a menu
// key is the bot's option, keyed digits or speech are the caller's words. An
// input not understood three times in a row passes the caller to a person.
func (h *Hotline) gather(ctx context.Context, w Webhook, c call) (*Response, error) {
	if c.Step == stepQueue {
		return h.enqueue(c, ""), nil
	}
	digits := strings.TrimSuffix(w.Digits, "#")
	var in bot.Input
	var said string
	switch {
	case digits == "9":
		return h.prompt(c, c.Said), nil
	case digits != "" && c.Keys[digits] != "":
		in.Option = c.Keys[digits]
		said = digits
		if l := c.Labels[digits]; l != "" {
			said += " · " + l
		}
	case len(digits) > 1:
		in.Text, said = digits, digits
	case w.SpeechResult != "" && w.Confidence > 0 && w.Confidence < lowConfidence && !c.Unsure:
		c.Unsure = true
		return h.retry(ctx, w.CallSid, c, msgLowConf)
	case w.SpeechResult != "":
		in.Text, said = w.SpeechResult, w.SpeechResult
	default:
		c.Failures++
		if c.Failures >= maxFailures {
			in.Option, said = bot.OptionHuman, text(c.Lang, msgStuck)
			break
		}
		key := msgNotCaught
		if c.Unsure {
			key = msgUseKeypad
		}
		return h.retry(ctx, w.CallSid, c, key)
	}
	c.Failures, c.Unsure = 0, false
	c.Turn++
	clientID := fmt.Sprintf("%s-%d", w.CallSid, c.Turn)
	if len(clientID) > 64 {
		clientID = clientID[len(clientID)-64:]
	}
	conv, replies, err := h.cfg.Conversations.Converse(ctx, c.CustomerID, c.ConversationID, clientID, said, in)
	if err != nil {
		return nil, err
	}
	c.Lang = conv.Lang
	var spoken []string
	var last []gridline.QuickReply
	for _, m := range replies {
		if t := ForTheEar(m.Text, c.Lang); t != "" {
			spoken = append(spoken, t)
		}
		if len(m.QuickReplies) > 0 {
			last = m.QuickReplies
		}
	}
	answer := strings.Join(spoken, " ")
	switch conv.Status {
	case gridline.StatusQueued, gridline.StatusActive:
		c.Step, c.Said = stepQueue, answer
		if err := h.save(ctx, w.CallSid, c); err != nil {
			return nil, err
		}
		return h.enqueue(c, answer), nil
	case gridline.StatusResolved:
		c.Step = stepEnded
		if err := h.save(ctx, w.CallSid, c); err != nil {
			return nil, err
		}
		return &Response{Verbs: []Verb{Say{Language: voiceLang(c.Lang), Text: answer + " " + text(c.Lang, msgGoodbye)}, Hangup{}}}, nil
	}
	c.Said = strings.TrimSpace(answer + " " + h.menu(&c, last))
	if err := h.save(ctx, w.CallSid, c); err != nil {
		return nil, err
	}
	return h.prompt(c, c.Said), nil
}

// retry asks again after an input not understood, keeping the call's place.
func (h *Hotline) retry(ctx context.Context, sid string, c call, key string) (*Response, error) {
	if err := h.save(ctx, sid, c); err != nil {
		return nil, err
	}
	return h.prompt(c, text(c.Lang, key)+" "+c.Said), nil
}

// enqueue says what the desk answered and puts the call on hold, where the
// wait URL tells its position.
func (h *Hotline) enqueue(c call, said string) *Response {
	var verbs []Verb
	if said != "" {
		verbs = append(verbs, Say{Language: voiceLang(c.Lang), Text: said})
	}
	verbs = append(verbs, Enqueue{Action: h.url(PathDequeued), Method: "POST", WaitURL: h.url(PathWait),
		WaitURLMethod: "POST", Name: h.cfg.Queue})
	return &Response{Verbs: verbs}
}

// wait is the hold loop: while the call waits at the desk it hears its
// position and expected wait, then hold, then the same again; once it is no
// longer waiting (an agent took it, or it was closed) it leaves the queue.
// A new position is stored in the transcript; the same one again is not.
func (h *Hotline) wait(ctx context.Context, w Webhook, c call) (*Response, error) {
	conv, err := h.cfg.Store.Conversation(ctx, c.ConversationID)
	if err != nil {
		return nil, err
	}
	if conv.Status != gridline.StatusQueued {
		return &Response{Verbs: []Verb{Leave{}}}, nil
	}
	say := text(c.Lang, msgHold)
	if q, ok := h.cfg.Conversations.QueueStatus(ctx, c.ConversationID); ok && q.Position > 0 {
		minutes := max(1, (q.ETASeconds+59)/60)
		say = text(c.Lang, msgPosition, q.Position, minutes)
		if q.Position != c.Position {
			if _, err := h.cfg.Conversations.Announce(ctx, c.ConversationID, say); err != nil {
				return nil, err
			}
			c.Position = q.Position
			if err := h.save(ctx, w.CallSid, c); err != nil {
				return nil, err
			}
		}
	}
	return &Response{Verbs: []Verb{
		Say{Language: voiceLang(c.Lang), Text: say},
		Pause{Length: h.cfg.HoldSeconds},
		Redirect{Method: "POST", URL: h.url(PathWait)},
	}}, nil
}

// end records the caller's hang-up: a call waiting at the desk leaves it at
// once (conversation.Service.EndCall), and later webhooks hear goodbye.
func (h *Hotline) end(ctx context.Context, w Webhook, c call) error {
	c.Step = stepEnded
	if err := h.save(ctx, w.CallSid, c); err != nil {
		return err
	}
	return h.cfg.Conversations.EndCall(ctx, c.ConversationID, w.CallDuration)
}

// dequeued follows the call out of the queue: a caller who hung up has ended
// the call; one an agent took is told the agent will call back, and the call
// ends.
func (h *Hotline) dequeued(ctx context.Context, w Webhook, c call) (*Response, error) {
	if w.QueueResult == "hangup" {
		return &Response{}, h.end(ctx, w, c)
	}
	c.Step = stepEnded
	if err := h.save(ctx, w.CallSid, c); err != nil {
		return nil, err
	}
	said := text(c.Lang, msgTaken)
	if _, err := h.cfg.Conversations.Announce(ctx, c.ConversationID, said); err != nil {
		return nil, err
	}
	return &Response{Verbs: []Verb{Say{Language: voiceLang(c.Lang), Text: said}, Hangup{}}}, nil
}
