package insight

import (
	"fmt"

	"github.com/gridline/gridline"
)

// Keys of what insight tells customers.
const (
	msgThanks              = "rating.thanks"
	msgWillContact         = "rating.will_contact" // %s: the follow-up order's number
	msgWillContactNoNumber = "rating.will_contact_plain"
	msgFeedbackThanks      = "feedback.thanks" // %s: the order's number
)

// texts are the sentences, in Chinese and English.
var texts = map[string]map[string]string{
	gridline.LangZH: {
		msgThanks:              "感谢您的评价！",
		msgWillContact:         "很抱歉这次没有让您满意。我们已登记回访（工单号 %s），工作人员会尽快与您联系。",
		msgWillContactNoNumber: "很抱歉这次没有让您满意，工作人员会尽快与您联系。",
		msgFeedbackThanks:      "感谢您的反馈，已登记为工单 %s。",
	},
	gridline.LangEN: {
		msgThanks:              "Thank you for your rating!",
		msgWillContact:         "We are sorry we did not satisfy you this time. A follow-up is registered (order %s) and someone will contact you soon.",
		msgWillContactNoNumber: "We are sorry we did not satisfy you this time; someone will contact you soon.",
		msgFeedbackThanks:      "Thank you for your feedback; it is registered as order %s.",
	},
}

// text is the sentence key in lang (Chinese unless English), formatted.
func text(lang, key string, args ...any) string {
	t := texts[gridline.NormalizeLang(lang)]
	if t == nil {
		t = texts[gridline.LangZH]
	}
	if len(args) == 0 {
		return t[key]
	}
	return fmt.Sprintf(t[key], args...)
}
