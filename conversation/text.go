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

	msgVerifyAsk        = "verify.ask"
	msgVerifyForBalance = "verify.for_balance"
	msgVerifyFormat     = "verify.format"
	msgVerifyWrong      = "verify.wrong" // %d: tries left
	msgVerifyLocked     = "verify.locked"
	msgVerified         = "verify.done"
	msgVerifiedAlready  = "verify.already"
	msgBalanceNone      = "balance.none" // %s: the account's last four digits
	msgBalanceFor       = "balance.for"  // %s: the account's last four digits
	msgBalance          = "balance.balance"
	msgLastBill         = "balance.last_bill"
	msgArrears          = "balance.arrears"
	msgNoArrears        = "balance.no_arrears"
	msgBilledAt         = "balance.billed_at" // %s: the date
	// msgLeftForStaffOrder is msgLeftForStaff with the order's number (%s).
	msgLeftForStaffOrder = "handoff.left_for_staff_order"
	// The orders a chat opens: %[1]s the number, %[2]s the promised time.
	msgOrderOpened         = "workorder.opened"
	msgOrderOnSiteBy       = "workorder.on_site_by"
	msgOrderUrgentOnSiteBy = "workorder.urgent_on_site_by"
	msgOrderContactBy      = "workorder.contact_by"
	msgOrderAnswerBy       = "workorder.answer_by"
	msgOrderRestoreBy      = "workorder.restore_by"
	msgMessageOrder        = "request.message_order"  // %[1]s number, %[2]s answer time
	msgCallbackOrder       = "request.callback_order" // %[1]s phone, %[2]s number, %[3]s answer time
	msgCallEnded           = "call.ended"
	msgCallEndedAfter      = "call.ended_after" // %d: the call's seconds
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

		msgVerifyAsk:           "To verify your account, please send your account number and the last four digits of the phone number registered on it, for example: 1234567890 5678",
		msgVerifyForBalance:    "I can tell you your balance once you have verified your account. Please send your account number and the last four digits of the phone number registered on it, for example: 1234567890 5678",
		msgVerifyFormat:        "Please send the account number (10 to 16 digits) and the last four digits of the phone number, for example: 1234567890 5678",
		msgVerifyWrong:         "Sorry, those details do not match our records. You have %d tries left.",
		msgVerifyLocked:        "Sorry, those details could not be verified and no tries are left in this conversation. An agent can help you; type \"agent\" to ask for one.",
		msgVerified:            "Thank you, your account is verified. You can ask me for your balance, or see your open work orders.",
		msgVerifiedAlready:     "Your account is already verified in this conversation. You can ask me for your balance.",
		msgBalanceNone:         "The billing system has not given us any figures for the account ending %s yet, so I cannot tell you a balance. An agent can check it for you.",
		msgBalanceFor:          "Account ending %s:",
		msgBalance:             "balance ¥%s.",
		msgLastBill:            "Last bill ¥%s.",
		msgArrears:             "Arrears ¥%s are owed.",
		msgNoArrears:           "Nothing is in arrears.",
		msgBilledAt:            "(Figures as of %s.)",
		msgLeftForStaffOrder:   "A member of our team will follow up on this conversation (order %s). You can also leave a message or a phone number for a call back.",
		msgOrderOpened:         "Your work order number is %s. Quote it whenever you contact us.",
		msgOrderOnSiteBy:       "Your repair order number is %[1]s. A crew will be on site by %[2]s.",
		msgOrderUrgentOnSiteBy: "An urgent repair order %[1]s is open. A crew will be on site by %[2]s at the latest; keep away from the danger until then.",
		msgOrderContactBy:      "Your complaint is recorded as order %[1]s. We will call you back by %[2]s.",
		msgOrderAnswerBy:       "Your order number is %[1]s. We will answer by %[2]s.",
		msgOrderRestoreBy:      "Your order number is %[1]s. Power will be back by %[2]s.",
		msgMessageOrder:        "Thank you. We have your message as order %[1]s and will answer by %[2]s.",
		msgCallbackOrder:       "Thank you. We will call you back at %[1]s by %[3]s (order %[2]s).",
		msgCallEnded:           "The caller hung up.",
		msgCallEndedAfter:      "The caller hung up (the call lasted %d s).",
	},
	gridline.LangZH: {
		msgBotName:         "格兰电力智能客服",
		msgBotTrouble:      "抱歉，我这边出了点问题。我会请人工客服来帮您。",
		msgLeftForStaff:    "我们的工作人员会跟进这次对话。您也可以留言，或留下电话号码等待回电。",
		msgMessageReceived: "谢谢，我们已收到您的留言，会尽快回复您。",
		msgCallbackAt:      "谢谢，我们会回电至 %s。",

		msgVerifyAsk:           "验证户号请发送您的户号和户号登记电话的后四位，例如：1234567890 5678",
		msgVerifyForBalance:    "验证户号后我就能告诉您余额。请发送您的户号和户号登记电话的后四位，例如：1234567890 5678",
		msgVerifyFormat:        "请发送户号（10 到 16 位数字）和登记电话的后四位，例如：1234567890 5678",
		msgVerifyWrong:         "抱歉，信息与我们的记录不符。您还可以尝试 %d 次。",
		msgVerifyLocked:        "抱歉，信息未能验证，本次对话已没有尝试机会。人工客服可以帮您，输入“人工”即可转接。",
		msgVerified:            "谢谢，您的户号已验证。您可以问我余额，或查看您未办结的工单。",
		msgVerifiedAlready:     "本次对话中您的户号已经验证过了。您可以问我余额。",
		msgBalanceNone:         "计费系统还没有提供尾号 %s 户号的数据，我无法告诉您余额。人工客服可以为您查询。",
		msgBalanceFor:          "尾号 %s 的户号：",
		msgBalance:             "余额 ¥%s。",
		msgLastBill:            "上期电费 ¥%s。",
		msgArrears:             "欠费 ¥%s。",
		msgNoArrears:           "没有欠费。",
		msgBilledAt:            "（数据截至 %s。）",
		msgLeftForStaffOrder:   "我们的工作人员会跟进这次对话（工单 %s）。您也可以留言，或留下电话号码等待回电。",
		msgOrderOpened:         "您的工单号是 %s，联系我们时请报此号码。",
		msgOrderOnSiteBy:       "已为您登记报修工单 %[1]s，抢修人员将于 %[2]s 前到达现场。",
		msgOrderUrgentOnSiteBy: "已为您登记紧急抢修工单 %[1]s，抢修人员最迟于 %[2]s 到达现场，在此之前请远离危险。",
		msgOrderContactBy:      "您的投诉已登记为工单 %[1]s，我们将于 %[2]s 前回电联系您。",
		msgOrderAnswerBy:       "您的工单号是 %[1]s，我们将于 %[2]s 前答复您。",
		msgOrderRestoreBy:      "您的工单号是 %[1]s，将于 %[2]s 前恢复供电。",
		msgMessageOrder:        "谢谢，您的留言已登记为工单 %[1]s，我们将于 %[2]s 前答复您。",
		msgCallbackOrder:       "谢谢，我们将于 %[3]s 前回电至 %[1]s（工单 %[2]s）。",
		msgCallEnded:           "来电已挂断。",
		msgCallEndedAfter:      "来电已挂断（通话 %d 秒）。",
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
