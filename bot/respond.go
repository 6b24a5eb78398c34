package bot

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge"
)

// Retriever finds articles for a question; *knowledge.Index implements it. The
// bot depends on this one method so that tests and other indexes plug in.
type Retriever interface {
	Search(query string, opts knowledge.SearchOptions) []knowledge.Hit
}

// UnansweredRecorder counts questions the bot could not answer, for admins to
// write articles for; gridline.Store implements it.
type UnansweredRecorder interface {
	RecordUnanswered(ctx context.Context, text, lang, action string) error
}

// Config configures a Bot. Every zero value means the documented default, so
// Config{Knowledge: ix} is a working extractive bot.
type Config struct {
	// Knowledge is searched for answers; nil means the bot only triages, walks
	// the menu and hands off.
	Knowledge Retriever
	// Unanswered records every clarify and fallback; nil records nothing.
	Unanswered UnansweredRecorder
	// LLM, when set, writes answers from the retrieved articles; its answers are
	// checked and replaced by the extract when they cite or state what the
	// articles do not. Nil: extractive answers only.
	LLM    LLM
	Logger *slog.Logger
	// AnswerThreshold and ClarifyThreshold are the top hit's confidence at or
	// above which the bot answers, or offers the closest articles. Zero means
	// knowledge.AnswerThreshold and knowledge.ClarifyThreshold.
	AnswerThreshold, ClarifyThreshold float64
	// ConfirmThreshold is the confidence at or above which, when the runner-up
	// scores at most Lead of the top article, the bot answers from the top
	// article and asks "did this answer your question?" instead of listing
	// articles. Zero means DefaultConfirmThreshold and DefaultLead.
	ConfirmThreshold, Lead float64

	// LLMTimeout caps one LLM answer from request to last token; zero means 8 s.
	LLMTimeout time.Duration
	// LLMFirstToken caps the wait for the first streamed token; zero means 4 s.
	LLMFirstToken time.Duration
	// BreakerFailures consecutive LLM failures open the circuit breaker for
	// BreakerCooldown; zero means 3 failures and 30 s.
	BreakerFailures int
	BreakerCooldown time.Duration

	// Flows keeps each conversation's place in a guided flow between messages;
	// nil means a MemoryFlows of MaxConversations flows kept for FlowTTL each.
	// Several replicas need a shared one (handoff/redis.Flows).
	Flows FlowStore
	// MaxConversations bounds how many conversations' flow state the default
	// store holds (the least recently active are forgotten first); zero means
	// 10,000. FlowTTL forgets a flow not touched for that long; zero means
	// DefaultFlowTTL.
	MaxConversations int
	FlowTTL          time.Duration
	// SnippetRunes caps an extractive answer; zero means 500.
	SnippetRunes int
	// Now is the clock; nil means time.Now. Tests set it to expire flows.
	Now func() time.Time
}

// Bot is the conversation brain. It is safe for concurrent use; messages of one
// conversation are expected one at a time, as the transport delivers them.
type Bot struct {
	kb         Retriever
	unanswered UnansweredRecorder
	llm        LLM
	log        *slog.Logger
	answerAt   float64
	clarifyAt  float64
	rule       decisionRule
	llmTimeout time.Duration
	firstToken time.Duration
	snippetMax int
	flows      FlowStore
	breaker    *breaker
}

var _ Responder = (*Bot)(nil)

// New returns a Bot configured by cfg.
func New(cfg Config) *Bot {
	b := &Bot{
		kb:         cfg.Knowledge,
		unanswered: cfg.Unanswered,
		llm:        cfg.LLM,
		log:        cfg.Logger,
		answerAt:   cfg.AnswerThreshold,
		clarifyAt:  cfg.ClarifyThreshold,
		llmTimeout: cfg.LLMTimeout,
		firstToken: cfg.LLMFirstToken,
		snippetMax: cfg.SnippetRunes,
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	if b.answerAt == 0 {
		b.answerAt = knowledge.AnswerThreshold
	}
	if b.clarifyAt == 0 {
		b.clarifyAt = knowledge.ClarifyThreshold
	}
	b.rule = decisionRule{answerAt: b.answerAt, clarifyAt: b.clarifyAt, confirmAt: cfg.ConfirmThreshold, lead: cfg.Lead, confirmCoverage: confirmCoverage}
	if b.rule.confirmAt == 0 {
		b.rule.confirmAt = DefaultConfirmThreshold
	}
	if b.rule.lead == 0 {
		b.rule.lead = DefaultLead
	}
	if b.llmTimeout == 0 {
		b.llmTimeout = 8 * time.Second
	}
	if b.firstToken == 0 {
		b.firstToken = 4 * time.Second
	}
	if b.snippetMax == 0 {
		b.snippetMax = 500
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	b.flows = cfg.Flows
	if b.flows == nil {
		b.flows = NewMemoryFlows(cfg.MaxConversations, cfg.FlowTTL, now)
	}
	failures, cooldown := cfg.BreakerFailures, cfg.BreakerCooldown
	if failures == 0 {
		failures = 3
	}
	if cooldown == 0 {
		cooldown = 30 * time.Second
	}
	b.breaker = &breaker{failures: failures, cooldown: cooldown, now: now}
	return b
}

// Option ids of the main menu. They are stable: the widget and stored messages
// refer to them.
const (
	OptionMain      = "menu.main"
	OptionOutage    = "menu.outage"
	OptionFault     = "menu.fault"
	OptionBilling   = "menu.billing"
	OptionApply     = "menu.apply"
	OptionComplaint = "menu.complaint"
	OptionHuman     = "menu.human"
	// OptionYes and OptionNo answer "did this answer your question?".
	OptionYes = "answer.yes"
	OptionNo  = "answer.no"
	// OptionArticlePrefix followed by a slug answers from that article.
	OptionArticlePrefix = "article:"
)

// mainMenu is the quick replies of the greeting.
func mainMenu(lang string) []gridline.QuickReply {
	return []gridline.QuickReply{
		option(lang, OptionOutage), option(lang, OptionFault), option(lang, OptionBilling),
		option(lang, OptionApply), option(lang, OptionComplaint), option(lang, OptionHuman),
	}
}

// Greet is the first message of a conversation: a welcome and the main menu.
func (b *Bot) Greet(lang string) Reply {
	lang = gridline.NormalizeLang(lang)
	return Reply{Action: ActionMenu, Text: say(lang, "greet"), QuickReplies: mainMenu(lang)}
}

// Respond decides on one input: a pressed quick reply, or typed text that goes
// through safety triage, a complaint or a request for a person, the current
// guided flow, and retrieval, in that order. The error is only ever the context's.
func (b *Bot) Respond(ctx context.Context, in Input, delta func(text string)) (Reply, error) {
	if err := ctx.Err(); err != nil {
		return Reply{}, err
	}
	if in.Unrecorded {
		ctx = context.WithValue(ctx, unrecordedKey{}, true)
	}
	lang := gridline.NormalizeLang(in.Lang)
	st := b.flow(ctx, in.ConversationID)
	if in.Option != "" {
		r := b.choose(ctx, in.ConversationID, strings.TrimSpace(in.Option), lang, st)
		return r, nil
	}
	text := Normalize(in.Text)
	if text == "" {
		return Reply{Action: ActionMenu, Text: say(lang, "empty"), QuickReplies: mainMenu(lang)}, nil
	}
	lang = gridline.DetectLang(text, lang)

	if dangers := DetectDanger(text); len(dangers) > 0 {
		b.setFlow(ctx, in.ConversationID, Flow{})
		b.log.LogAttrs(ctx, slog.LevelWarn, "bot: danger reported", slog.String("conversation", in.ConversationID), slog.Any("dangers", dangers))
		return urgentReply(lang, dangers), nil
	}
	if AsksIdentity(text) {
		return Reply{Action: ActionSmallTalk, Text: say(lang, "identity"), Confidence: 1,
			QuickReplies: []gridline.QuickReply{option(lang, OptionHuman), option(lang, OptionMain)}}, nil
	}
	// A complaint that also asks for a person goes to the complaints queue.
	if IsComplaint(text) {
		b.setFlow(ctx, in.ConversationID, Flow{})
		return handoffReply(lang, "complaint", gridline.SkillComplaint, gridline.PriorityNormal), nil
	}
	if WantsHuman(text) {
		b.setFlow(ctx, in.ConversationID, Flow{})
		return handoffReply(lang, "human", skillOf(st), gridline.PriorityNormal), nil
	}
	if IsInjection(text) {
		b.record(ctx, text, lang, ActionFallback)
		return Reply{Action: ActionFallback, Text: say(lang, "outofscope"),
			QuickReplies: []gridline.QuickReply{option(lang, OptionHuman), option(lang, OptionMain)}}, nil
	}
	if r, ok := b.continueFlow(ctx, in.ConversationID, text, lang, st); ok {
		return r, nil
	}
	if id, ok := typedOption(text); ok {
		return b.choose(ctx, in.ConversationID, id, lang, st), nil
	}
	if r, ok := smallTalk(text, lang); ok {
		return r, nil
	}
	q := question{text: stripCourtesy(text)}
	q.query, q.topic = q.text, q.text
	if st.Topic != "" && IsFollowUp(q.text) {
		// Read with the last topic; the topic stays the one it leans on, so a
		// second follow-up leans on it too.
		q.query, q.topic = withTopic(st.Topic, q.text), st.Topic
		q.earlier = st.Topic
	}
	return b.decide(ctx, in.ConversationID, q, lang, st, delta), nil
}

// question is typed text as the decision reads it: the customer's words, the
// query retrieval runs (with the last topic for a follow-up), the topic kept
// for the next follow-up, and the earlier question a follow-up leans on, which
// the LLM is shown beside it.
type question struct {
	text, query, topic, earlier string
}

// urgentReply gives the safety advice for each danger, then hands off to repair
// at the top priority.
func urgentReply(lang string, dangers []Danger) Reply {
	var b strings.Builder
	b.WriteString(say(lang, "danger.intro"))
	for i, d := range dangers {
		b.WriteString("\n")
		b.WriteString(string(rune('1' + i)))
		b.WriteString(". ")
		b.WriteString(say(lang, "danger."+string(d)))
	}
	b.WriteString("\n")
	b.WriteString(say(lang, "danger.handoff"))
	return Reply{
		Action: ActionHandoff, Urgent: true, Text: b.String(), Confidence: 1,
		Skill: gridline.SkillRepair, Priority: gridline.PriorityUrgent,
	}
}

func handoffReply(lang, key, skill string, priority int) Reply {
	return Reply{Action: ActionHandoff, Text: say(lang, key), Skill: skill, Priority: priority, Confidence: 1}
}

// skillOf is the queue a request for a person goes to, from where the customer
// was in the menu.
func skillOf(st Flow) string {
	switch st.Name {
	case FlowOutage, FlowFault:
		return gridline.SkillRepair
	}
	return gridline.SkillGeneral
}

// typedCommands are whole messages that mean a menu choice ("菜单", "停电了").
// Only the whole message counts: "停电了怎么办" is a question for retrieval.
var typedCommands = map[string]string{
	"menu": OptionMain, "main menu": OptionMain, "start": OptionMain, "back": OptionMain, "help": OptionMain,
	"菜单": OptionMain, "主菜单": OptionMain, "返回": OptionMain, "帮助": OptionMain, "开始": OptionMain,
	"report a fault": OptionFault, "report fault": OptionFault, "fault report": OptionFault, "repair": OptionFault,
	"报修": OptionFault, "故障报修": OptionFault, "我要报修": OptionFault, "报障": OptionFault,
	"power outage": OptionOutage, "power cut": OptionOutage, "no power": OptionOutage, "outage": OptionOutage,
	"blackout": OptionOutage, "power is out": OptionOutage, "power's out": OptionOutage, "power out": OptionOutage,
	"my power is out": OptionOutage, "i have no power": OptionOutage, "the power is off": OptionOutage,
	"停电": OptionOutage, "停电了": OptionOutage, "没电了": OptionOutage, "没电": OptionOutage, "家里停电了": OptionOutage,
	"我家停电了": OptionOutage, "断电了": OptionOutage,
	"billing": OptionBilling, "bills": OptionBilling, "payment": OptionBilling, "电费": OptionBilling, "缴费": OptionBilling,
	"applications": OptionApply, "业务办理": OptionApply,
}

func typedOption(text string) (string, bool) {
	t := strings.Trim(matchText(text), " .!?,~")
	id, ok := typedCommands[t]
	return id, ok
}

// Whole messages that are courtesy, not questions. Retrieval must not answer
// "hello" with whatever article happens to share a character with it. A
// message made only of these (and emoji and punctuation: "👍 谢谢！😊",
// "好的，谢谢，再见") is small talk.
var (
	greetings = []string{"hi", "hello", "hey", "hi there", "hello there", "good morning", "good afternoon", "good evening",
		"你好", "您好", "你好啊", "您好啊", "在吗", "在不在", "哈喽", "嗨", "早上好", "下午好", "晚上好", "有人吗", "早", "早安"}
	thanks = []string{"thanks", "thank you", "thx", "ty", "thanks a lot", "thank you very much", "many thanks", "cheers", "thank u",
		"谢谢", "多谢", "谢谢你", "谢谢您", "谢谢啦", "谢啦", "感谢", "非常感谢", "太感谢了", "辛苦了", "麻烦了", "谢谢了"}
	goodbyes = []string{"bye", "goodbye", "bye bye", "see you", "再见", "拜拜", "没事了", "没有了", "没了", "no thanks", "that's all",
		"nothing else", "that is all", "好的再见"}
	// acks say "understood"; they close nothing and ask nothing.
	acks = []string{"ok", "okay", "k", "got it", "great", "cool", "fine", "alright", "all right", "i see", "understood", "perfect",
		"好的", "好", "嗯", "嗯嗯", "哦", "哦哦", "收到", "知道了", "明白了", "明白", "了解", "懂了", "行", "可以", "好吧", "ok的"}
)

// smallTalk answers greetings, thanks, goodbyes, acknowledgements and
// emoji-only messages with a short, kind reply in the conversation's language.
// Small talk is never an unanswered question.
func smallTalk(text, lang string) (Reply, bool) {
	kind, ok := courtesyKind(text)
	if !ok {
		return Reply{}, false
	}
	r := Reply{Action: ActionSmallTalk, Confidence: 1}
	switch kind {
	case "bye":
		r.Text, r.QuickReplies = say(lang, "bye"), options(lang, OptionMain)
	case "thanks":
		r.Text, r.QuickReplies = say(lang, "thanks"), mainMenu(lang)
	case "greet":
		r.Text, r.QuickReplies = say(lang, "greet"), mainMenu(lang)
	default: // an acknowledgement or emoji alone
		r.Text, r.QuickReplies = say(lang, "smalltalk.ack"), mainMenu(lang)
	}
	return r, true
}

// courtesyKind reports whether text is only courtesy and which: "bye" over
// "thanks" over "greet" over "ack" (thanks and goodbye in one message is a
// goodbye). A message of emoji and punctuation alone is an "ack".
func courtesyKind(text string) (string, bool) {
	parts := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == ' ' || r == '\'')
	})
	rank := map[string]int{"ack": 1, "greet": 2, "thanks": 3, "bye": 4}
	kind := "ack"
	for _, p := range parts {
		p = strings.Join(strings.Fields(p), " ")
		if p == "" {
			continue
		}
		k := ""
		switch {
		case oneOf(p, goodbyes):
			k = "bye"
		case oneOf(p, thanks) || oneOf(strings.TrimPrefix(strings.TrimPrefix(p, "ok "), "好的"), thanks):
			k = "thanks"
		case oneOf(p, greetings):
			k = "greet"
		case oneOf(p, acks):
			k = "ack"
		default:
			return "", false
		}
		if rank[k] > rank[kind] {
			kind = k
		}
	}
	return kind, true
}

// courtesy is what customers put before a question ("你好，请问…", "Hi, …");
// it says nothing about the topic.
var courtesy = regexp.MustCompile(`(?i)^(?:(?:hi|hello|hey|dear|excuse me|please|你好|您好|请问|麻烦问一下|问一下|打扰一下)[\s,.!:]*)+`)

// stripCourtesy removes leading courtesy from a question, unless nothing else
// is left.
func stripCourtesy(text string) string {
	if s := strings.TrimSpace(courtesy.ReplaceAllString(text, "")); s != "" {
		return s
	}
	return text
}

// unrecordedKey marks the context of an Unrecorded input.
type unrecordedKey struct{}

// record counts an unanswered question; a failure is logged, never shown.
// Unrecorded inputs are not counted.
func (b *Bot) record(ctx context.Context, text, lang, action string) {
	if b.unanswered == nil || ctx.Value(unrecordedKey{}) != nil {
		return
	}
	if err := b.unanswered.RecordUnanswered(ctx, text, lang, action); err != nil {
		b.log.LogAttrs(ctx, slog.LevelError, "bot: record unanswered", slog.String("err", err.Error()))
	}
}
