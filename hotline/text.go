package hotline

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge"
)

// Keys of what the IVR itself says; the bot's answers and the desk's notices
// come from their own tables.
const (
	msgChooseLang  = "lang.choose" // spoken in both languages
	msgPress       = "menu.press"  // %[1]s the key, %[2]s the label
	msgPressHuman  = "menu.human"
	msgPressRepeat = "menu.repeat"
	msgMainMenu    = "menu.main"
	msgSayOrPress  = "prompt.say_or_press"
	msgKeyNumber   = "prompt.key_number"
	msgNotCaught   = "input.not_caught"
	msgLowConf     = "input.low_confidence"
	msgUseKeypad   = "input.use_keypad"
	msgStuck       = "input.stuck"
	msgPosition    = "queue.position" // %[1]d position, %[2]d minutes
	msgHold        = "queue.hold"
	msgTaken       = "queue.taken"
	msgGoodbye     = "call.goodbye"
	msgUnknownCall = "call.unknown"
)

var texts = map[string]map[string]string{
	gridline.LangEN: {
		msgChooseLang:  "For English, press 2.",
		msgPress:       "For %[2]s, press %[1]s.",
		msgPressHuman:  "To speak to a person, press 0.",
		msgPressRepeat: "To hear this again, press 9.",
		msgMainMenu:    "the main menu",
		msgSayOrPress:  "You can also say what you need.",
		msgKeyNumber:   "You can key a number on the keypad, followed by the hash key.",
		msgNotCaught:   "Sorry, I did not catch that.",
		msgLowConf:     "Sorry, I am not sure I heard you. Please say it once more.",
		msgUseKeypad:   "Please use the keypad instead.",
		msgStuck:       "Let me pass you to a person.",
		msgPosition:    "You are number %[1]d in the queue. The expected wait is about %[2]d minutes.",
		msgHold:        "Thank you for holding. Please stay on the line.",
		msgTaken:       "An agent has taken your call and has everything you told us. They will call you back on this number shortly. Goodbye.",
		msgGoodbye:     "Thank you for calling. Goodbye.",
		msgUnknownCall: "Sorry, this call cannot be continued. Please call us again. Goodbye.",
	},
	gridline.LangZH: {
		msgChooseLang:  "您好，欢迎致电供电服务热线。普通话请按1。",
		msgPress:       "%[2]s请按%[1]s。",
		msgPressHuman:  "人工服务请按0。",
		msgPressRepeat: "重听请按9。",
		msgMainMenu:    "返回主菜单",
		msgSayOrPress:  "您也可以直接说出您要办理的业务。",
		msgKeyNumber:   "您也可以用按键输入号码，以井号键结束。",
		msgNotCaught:   "抱歉，我没有听清。",
		msgLowConf:     "抱歉，我不太确定听清了，请您再说一遍。",
		msgUseKeypad:   "请您使用按键选择。",
		msgStuck:       "我为您转接人工服务。",
		msgPosition:    "您前面还有%[1]d位客户，预计等待约%[2]d分钟。",
		msgHold:        "感谢您的耐心等待，请不要挂机。",
		msgTaken:       "客服人员已受理您的来电，并已看到您反映的情况，稍后会回电到本号码。再见。",
		msgGoodbye:     "感谢您的来电，再见。",
		msgUnknownCall: "抱歉，本次通话无法继续，请您重新拨打。再见。",
	},
}

// text returns the line for key in lang, with args filled in.
func text(lang, key string, args ...any) string {
	t := texts[gridline.NormalizeLang(lang)][key]
	if len(args) > 0 {
		t = fmt.Sprintf(t, args...)
	}
	return t
}

// voiceLang is the BCP-47 tag a provider speaks and listens in.
func voiceLang(lang string) string {
	if gridline.NormalizeLang(lang) == gridline.LangZH {
		return "zh-CN"
	}
	return "en-US"
}

// MaxSpokenRunes bounds one spoken answer to about twenty seconds: Chinese is
// read at some five characters a second, English at some fifteen letters.
var maxSpokenRunes = map[string]int{gridline.LangZH: 110, gridline.LangEN: 300}

var (
	linkPattern   = regexp.MustCompile(`https?://\S+|www\.\S+`)
	longNumber    = regexp.MustCompile(`\d{5,}`)
	spaces        = regexp.MustCompile(`\s+`)
	sentenceStops = "。！？；.!?;"
)

// ForTheEar turns a chat answer into what a caller can listen to: the
// markdown stripped (by the knowledge base's one stripper), links dropped,
// lines joined, numbers of five digits or more (phones, accounts, orders)
// read digit by digit, and cut at the last whole sentence within about
// twenty seconds.
func ForTheEar(s, lang string) string {
	s = knowledge.PlainText(s)
	s = linkPattern.ReplaceAllString(s, "")
	s = strings.NewReplacer("- ", "", "*", "", "#", "", "(", " ", ")", " ").Replace(s)
	s = longNumber.ReplaceAllStringFunc(s, func(n string) string {
		return strings.Join(strings.Split(n, ""), " ")
	})
	s = strings.TrimSpace(spaces.ReplaceAllString(s, " "))
	limit := maxSpokenRunes[gridline.NormalizeLang(lang)]
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)[:limit]
	cut := -1
	for i, c := range r {
		// "3." numbering a step is not the end of a sentence.
		if strings.ContainsRune(sentenceStops, c) && (c != '.' || i == 0 || !unicode.IsDigit(r[i-1])) {
			cut = i
		}
	}
	if cut > 0 {
		return string(r[:cut+1])
	}
	return string(r)
}
