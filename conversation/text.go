package conversation

import (
	"fmt"

	"github.com/gridline/gridline"
)

// Keys of what the conversation policy tells customers.
const (
	msgBotName         = "bot.name"
	msgBotTrouble      = "bot.trouble"
	msgLeftForStaff    = "handoff.left_for_staff"
	msgMessageReceived = "request.message_received"
	msgCallbackAt      = "request.callback_at" // %s: the phone number
)

// texts is the policy's message table, Chinese and English from one place (the
// desk keeps its own in handoff/text.go).
var texts = map[string]map[string]string{
	gridline.LangEN: {
		msgBotName:         "Gridline Assistant",
		msgBotTrouble:      "Sorry, something went wrong on my side. I'll ask a person to help you.",
		msgLeftForStaff:    "A member of our team will follow up on this conversation. You can also leave a message or a phone number for a call back.",
		msgMessageReceived: "Thank you. We have your message and will get back to you.",
		msgCallbackAt:      "Thank you. We will call you back at %s.",
	},
	gridline.LangZH: {
		msgBotName:         "格兰电力智能客服",
		msgBotTrouble:      "抱歉，我这边出了点问题。我会请人工客服来帮您。",
		msgLeftForStaff:    "我们的工作人员会跟进这次对话。您也可以留言，或留下电话号码等待回电。",
		msgMessageReceived: "谢谢，我们已收到您的留言，会尽快回复您。",
		msgCallbackAt:      "谢谢，我们会回电至 %s。",
	},
}

// text returns the message for key in lang (English for anything but Chinese),
// with args filled in.
func text(lang, key string, args ...any) string {
	t := texts[gridline.NormalizeLang(lang)][key]
	if len(args) > 0 {
		return fmt.Sprintf(t, args...)
	}
	return t
}

// botName is how the assistant signs its messages in lang.
func botName(lang string) string { return text(lang, msgBotName) }
