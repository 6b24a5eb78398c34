package bot

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge"
)

// topic is a submenu entry answered from the knowledge base by a fixed query,
// phrased as a customer would ask: the articles say what the rules and prices
// are, the bot only finds them.
type topic struct{ en, zh string }

var topics = map[string]topic{
	"billing.balance": {"how to read my electricity bill and balance", "电费账单怎么看"},
	"billing.pay":     {"how do I pay my electricity bill", "电费怎么交"},
	"billing.high":    {"why is my electricity bill so high", "电费为什么这么高"},
	"billing.arrears": {"unpaid bill electricity cut off", "欠费多久会停电"},
	"billing.tariff":  {"how much does electricity cost per kWh", "一度电多少钱"},
	"billing.invoice": {"electricity invoice", "电费发票怎么开"},
	"apply.new":       {"apply for a new electricity connection", "新装用电怎么申请"},
	"apply.capacity":  {"increase electricity capacity", "增容申请"},
	"apply.transfer":  {"transfer the electricity account into my name", "电费户名过户"},
	"apply.solar":     {"connect rooftop solar panels to the grid", "屋顶光伏怎么并网"},
	"apply.ev":        {"install an EV charger at home", "充电桩怎么申请"},
	"outage.notices":  {"planned outage notices", "计划停电通知"},
}

var (
	billingMenu = []string{"billing.balance", "billing.pay", "billing.high", "billing.arrears", "billing.tariff", "billing.invoice"}
	applyMenu   = []string{"apply.new", "apply.capacity", "apply.transfer", "apply.solar", "apply.ev"}
)

func options(lang string, ids ...string) []gridline.QuickReply {
	out := make([]gridline.QuickReply, 0, len(ids))
	for _, id := range ids {
		out = append(out, option(lang, id))
	}
	return out
}

// choose answers a pressed quick reply (or a typed command that means one).
func (b *Bot) choose(ctx context.Context, conv, id, lang string, st Flow) Reply {
	switch id {
	case OptionMain:
		b.setFlow(ctx, conv, Flow{})
		return Reply{Action: ActionMenu, Text: say(lang, "menu.again"), QuickReplies: mainMenu(lang)}
	case OptionOutage:
		b.setFlow(ctx, conv, Flow{Name: FlowOutage, Step: "ask"})
		return Reply{Action: ActionMenu, Text: say(lang, "outage.ask"),
			QuickReplies: options(lang, "outage.neighbours", "outage.onlyme", "outage.notsure", OptionMain)}
	case "outage.neighbours", "outage.onlyme", "outage.notsure":
		return b.outageAnswer(ctx, conv, id, lang)
	case OptionFault, "outage.report":
		next := Flow{Name: FlowFault, Step: "details", Detail: st.Detail}
		b.setFlow(ctx, conv, next)
		return Reply{Action: ActionMenu, Text: say(lang, "fault.ask"), QuickReplies: options(lang, OptionMain)}
	case OptionBilling:
		b.setFlow(ctx, conv, Flow{})
		return Reply{Action: ActionMenu, Text: say(lang, "billing.ask"), QuickReplies: options(lang, append(billingMenu, OptionMain)...)}
	case OptionApply:
		b.setFlow(ctx, conv, Flow{})
		return Reply{Action: ActionMenu, Text: say(lang, "apply.ask"), QuickReplies: options(lang, append(applyMenu, OptionMain)...)}
	case OptionComplaint:
		b.setFlow(ctx, conv, Flow{})
		return handoffReply(lang, "complaint", gridline.SkillComplaint, gridline.PriorityNormal)
	case OptionHuman:
		b.setFlow(ctx, conv, Flow{})
		return handoffReply(lang, "human", skillOf(st), gridline.PriorityNormal)
	case OptionYes, OptionNo:
		return b.confirmed(ctx, conv, id == OptionYes, lang, st)
	case "outage.checkpay":
		return b.topicAnswer(ctx, conv, "billing.balance", lang)
	}
	if _, ok := topics[id]; ok {
		return b.topicAnswer(ctx, conv, id, lang)
	}
	if slug, ok := strings.CutPrefix(id, OptionArticlePrefix); ok {
		return b.articleAnswer(ctx, conv, slug, lang, st)
	}
	return Reply{Action: ActionMenu, Text: say(lang, "menu.unknown"), QuickReplies: mainMenu(lang)}
}

// outageAnswer gives the steps for an area outage or for a home alone, and
// offers a fault report. What the customer said is kept for the report.
func (b *Bot) outageAnswer(ctx context.Context, conv, id, lang string) Reply {
	f := Flow{Name: FlowOutage, Step: "advised", Detail: say(gridline.LangZH, id) + " / " + say(gridline.LangEN, id)}
	b.setFlow(ctx, conv, f)
	var text string
	var qr []gridline.QuickReply
	switch id {
	case "outage.neighbours":
		text = say(lang, "outage.area")
		qr = options(lang, "outage.report", "outage.notices", OptionHuman, OptionMain)
	case "outage.onlyme":
		text = say(lang, "outage.home")
		qr = options(lang, "outage.report", "outage.checkpay", OptionHuman, OptionMain)
	default:
		text = say(lang, "outage.home") + "\n\n" + say(lang, "outage.area")
		qr = options(lang, "outage.report", "outage.notices", "outage.checkpay", OptionHuman, OptionMain)
	}
	return Reply{Action: ActionMenu, Text: text, QuickReplies: qr}
}

// Typed answers to "are your neighbours off too?". Only-me is checked first:
// "no, only my home" must not read as a yes.
var (
	outageOnlyMe = []string{"only my", "only mine", "only me", "only our", "just my", "just me", "just our", "just mine",
		"only this", "just this", "只有我", "就我家", "只是我家", "只有我们", "我家而已", "就我们家", "只我家", "别人家有电", "邻居有电", "邻居家有电"}
	outageNotSure = []string{"not sure", "don't know", "dont know", "no idea", "unsure", "不确定", "不知道", "不清楚", "说不准"}
	outageArea    = []string{"neighbour*", "neighbor*", "street", "whole area", "whole building", "everyone", "everybody",
		"all of", "the area", "block", "district", "邻居", "整栋", "整个", "整条", "整片", "路灯", "小区", "都停", "都没电", "附近", "一片", "全部"}
	yesWords = []string{"yes", "yeah", "yep", "yup", "y", "是", "是的", "对", "对的", "嗯", "都停了", "也停了", "是啊"}
	noWords  = []string{"no", "nope", "n", "不是", "没有", "否", "不", "没"}
	// Typed answers to "did this answer your question?".
	confirmYes = []string{"yes thanks", "yes thank you", "it did", "that helps", "that helped", "解决了", "有帮助", "明白了", "懂了", "好的", "可以了", "行"}
	confirmNo  = []string{"no it didn't", "not really", "it didn't", "didn't help", "没解决", "没有解决", "不是这个", "没用", "不对"}
)

// continueFlow handles typed text inside a guided flow. ok is false when the
// text is not an answer to the flow's question; the flow is then left and the
// text goes on to retrieval.
func (b *Bot) continueFlow(ctx context.Context, conv, text, lang string, st Flow) (Reply, bool) {
	switch st.Name {
	case FlowOutage:
		if st.Step != "ask" {
			return Reply{}, false
		}
		t := strings.Trim(matchText(text), " .!?,~")
		switch {
		case anyTerm(t, outageOnlyMe):
			return b.outageAnswer(ctx, conv, "outage.onlyme", lang), true
		case anyTerm(t, outageNotSure):
			return b.outageAnswer(ctx, conv, "outage.notsure", lang), true
		case anyTerm(t, outageArea) || oneOf(t, yesWords):
			return b.outageAnswer(ctx, conv, "outage.neighbours", lang), true
		case oneOf(t, noWords):
			return b.outageAnswer(ctx, conv, "outage.onlyme", lang), true
		}
		b.setFlow(ctx, conv, Flow{})
		return Reply{}, false
	case FlowFault:
		return b.faultStep(ctx, conv, text, lang, st)
	case FlowConfirm:
		t := strings.Trim(matchText(text), " .!?,~")
		switch {
		case oneOf(t, yesWords) || oneOf(t, confirmYes):
			return b.confirmed(ctx, conv, true, lang, st), true
		case oneOf(t, noWords) || oneOf(t, confirmNo):
			return b.confirmed(ctx, conv, false, lang, st), true
		}
		// Another question: the answer stands, the next ones are forgotten.
		st.Name, st.Next = "", nil
		b.setFlow(ctx, conv, st)
		return Reply{}, false
	}
	return Reply{}, false
}

func oneOf(t string, words []string) bool {
	for _, w := range words {
		if t == w {
			return true
		}
	}
	return false
}

var cancelWords = []string{"cancel", "stop", "quit", "never mind", "nevermind", "forget it", "取消", "算了", "不报了", "不用了", "退出"}

// faultStep takes the address and phone number of a fault report, in one message
// or across several, and files the report once it has both. A question asked
// meanwhile ("how long will it take?") is not an answer: ok is false, the
// question goes on to retrieval, and the form waits for the next message.
func (b *Bot) faultStep(ctx context.Context, conv, text, lang string, st Flow) (r Reply, ok bool) {
	t := strings.Trim(matchText(text), " .!?,~")
	if oneOf(t, cancelWords) {
		b.setFlow(ctx, conv, Flow{})
		return Reply{Action: ActionMenu, Text: say(lang, "fault.cancelled") + "\n" + say(lang, "menu.again"), QuickReplies: mainMenu(lang)}, true
	}
	phone, rest := ExtractPhone(text)
	progress := false
	if phone != "" {
		st.Phone, progress = phone, true
	}
	if addr := cleanAddress(rest); looksLikeAddress(addr) {
		st.Address, progress = addr, true
	}
	if !progress && isQuestion(text) {
		return Reply{}, false
	}
	if st.Address != "" && st.Phone != "" {
		b.setFlow(ctx, conv, Flow{})
		req := &gridline.Request{
			Kind:           gridline.RequestMessage,
			ConversationID: conv,
			Phone:          st.Phone,
			Address:        st.Address,
			Text:           fmt.Sprintf(say(lang, "fault.request"), st.Address, st.Phone),
		}
		if st.Detail != "" {
			req.Text += fmt.Sprintf(say(lang, "fault.detail"), st.Detail)
		}
		return Reply{
			Action: ActionMenu, Text: fmt.Sprintf(say(lang, "fault.done"), st.Address, st.Phone),
			Skill: gridline.SkillRepair, Request: req, Confidence: 1, QuickReplies: options(lang, OptionMain),
		}, true
	}
	if !progress {
		st.Attempts++
	}
	if st.Attempts >= 3 {
		b.setFlow(ctx, conv, Flow{})
		return handoffReply(lang, "fault.giveup", gridline.SkillRepair, gridline.PriorityNormal), true
	}
	b.setFlow(ctx, conv, st)
	qr := options(lang, OptionMain)
	switch {
	case st.Address == "" && st.Phone == "":
		return Reply{Action: ActionMenu, Text: say(lang, "fault.bad.address") + "\n" + say(lang, "fault.ask"), QuickReplies: qr}, true
	case st.Address == "":
		return Reply{Action: ActionMenu, Text: say(lang, "fault.ask.address"), QuickReplies: qr}, true
	case looksLikePhoneAttempt(text):
		return Reply{Action: ActionMenu, Text: say(lang, "fault.bad.phone"), QuickReplies: qr}, true
	}
	return Reply{Action: ActionMenu, Text: say(lang, "fault.ask.phone"), QuickReplies: qr}, true
}

var (
	phoneCandidate = regexp.MustCompile(`\+?\(?\d[\d\-\s()]{5,}\d`)
	phoneLabels    = regexp.MustCompile(`(?i)(my\s+)?(phone|mobile|cell|tel|telephone|contact)(\s+number|\s+no\.?)?\s*(is|:)?|电话号码|手机号码|联系电话|手机号|电话|手机|号码|联系方式`)
	addressLabels  = regexp.MustCompile(`(?i)(my\s+)?(address|addr)\s*(is|:)?|地址是|地址|住在`)
)

// ExtractPhone finds a phone number in text — 7 to 15 digits, optionally with a
// leading +, spaces, dashes or brackets — and returns it as written (trimmed) and
// the text without it and its label ("my phone is", "电话").
func ExtractPhone(text string) (phone, rest string) {
	t := Normalize(text)
	loc := phoneCandidate.FindStringIndex(t)
	for loc != nil {
		cand := strings.TrimSpace(t[loc[0]:loc[1]])
		if n := len(onlyDigits(cand)); n >= 7 && n <= 15 {
			rest = t[:loc[0]] + " " + t[loc[1]:]
			return cand, phoneLabels.ReplaceAllString(rest, " ")
		}
		next := phoneCandidate.FindStringIndex(t[loc[1]:])
		if next == nil {
			break
		}
		loc = []int{loc[1] + next[0], loc[1] + next[1]}
	}
	return "", t
}

func looksLikePhoneAttempt(text string) bool {
	return len(onlyDigits(text)) >= 4 && len(onlyDigits(text)) < 7
}

// cleanAddress strips labels and stray punctuation around an address.
func cleanAddress(s string) string {
	s = strings.TrimSpace(addressLabels.ReplaceAllString(s, " "))
	s = strings.TrimPrefix(s, "在") // "在朝阳区…": only a leading 在 is a label
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	return strings.Join(strings.Fields(s), " ")
}

// looksLikeAddress accepts text that names a place: Chinese with an address
// word (区, 路, 号, 栋…) and four characters at least, or English with a house
// number or a street word and two words at least. A question, a "yes" or an
// "ok" is not an address; the crew calls to confirm the rest.
func looksLikeAddress(s string) bool {
	if s == "" || isQuestion(s) {
		return false
	}
	han := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	t := strings.ToLower(s)
	if han >= 4 {
		return strings.ContainsAny(t, "0123456789") || anyTerm(t, zhAddressWords)
	}
	return han == 0 && len(strings.Fields(t)) >= 2 &&
		(strings.ContainsAny(t, "0123456789") || anyTerm(t, enAddressWords))
}

var (
	zhAddressWords = []string{"省", "市", "区", "县", "镇", "乡", "村", "路", "街", "道", "巷", "弄", "号", "楼", "栋", "幢", "座",
		"单元", "室", "层", "小区", "花园", "大厦", "公寓", "苑", "园", "广场", "社区", "新村"}
	enAddressWords = []string{"street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "way", "close", "court",
		"place", "terrace", "crescent", "boulevard", "blvd", "block", "building", "flat", "apartment", "apt", "unit", "floor",
		"house", "estate", "village", "district", "town", "park", "square", "gardens", "tower", "mansion*", "residence*"}
	questionStarts = []string{"how", "what", "when", "where", "why", "who", "which", "can", "could", "will", "would",
		"is", "are", "do", "does", "should", "may"}
	zhQuestionWords = []string{"吗", "呢", "怎么", "多久", "什么", "为什么", "多少", "几点", "几天", "能不能", "可不可以", "是否", "有没有", "要不要"}
)

// isQuestion reports whether text asks something rather than tells.
func isQuestion(text string) bool {
	t := strings.TrimSpace(matchText(text))
	if strings.HasSuffix(t, "?") {
		return true
	}
	if f := strings.Fields(t); len(f) > 0 && oneOf(f[0], questionStarts) {
		return true
	}
	for _, w := range zhQuestionWords {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// topicAnswer answers a submenu entry from the knowledge base by its fixed query.
func (b *Bot) topicAnswer(ctx context.Context, conv, id, lang string) Reply {
	q := topics[id].en
	if lang == gridline.LangZH {
		q = topics[id].zh
	}
	hits := b.search(ctx, q, lang)
	more := options(lang, OptionHuman, OptionMain)
	if len(hits) == 0 {
		return Reply{Action: ActionFallback, Text: say(lang, "topic.none"), QuickReplies: more}
	}
	if hits[0].Confidence >= b.clarifyAt {
		r := b.extractive(hits[0], q, lang)
		r.QuickReplies = more
		return r
	}
	r := b.clarifyReply(ctx, conv, hits, lang)
	r.Action = ActionMenu
	return r
}

// search queries the knowledge base in lang, by meaning too when the knowledge
// base can (hybrid retrieval); no knowledge base finds nothing.
func (b *Bot) search(ctx context.Context, q, lang string) []knowledge.Hit {
	if b.kb == nil {
		return nil
	}
	opts := knowledge.SearchOptions{Lang: lang, Limit: 5}
	if h, ok := b.kb.(hybridRetriever); ok {
		return h.SearchContext(ctx, q, opts)
	}
	return b.kb.Search(q, opts)
}

// hybridRetriever is a Retriever that may also embed the question
// (knowledge.Service with vectors).
type hybridRetriever interface {
	SearchContext(ctx context.Context, query string, opts knowledge.SearchOptions) []knowledge.Hit
}
