package gridline

import (
	"regexp"
	"unicode"
)

// Languages the desk speaks.
const (
	LangZH = "zh"
	LangEN = "en"
)

// NormalizeLang maps a browser locale ("zh-CN", "en-US", "") to a supported language.
// Anything that is not Chinese is answered in English.
func NormalizeLang(s string) string {
	if len(s) >= 2 && (s[:2] == "zh" || s[:2] == "ZH") {
		return LangZH
	}
	return LangEN
}

// DetectLang returns the language a typed message is written in: Chinese when it
// has Chinese characters (two, or one with no Latin words beside it), English
// when it has at least three words of Latin letters and no Chinese, else
// fallback normalized (the conversation's or the browser's language). Markup,
// links, e-mail addresses and code are not words: a Chinese conversation is not
// answered in English because a message carried "<b>", a URL or a pasted tag,
// and an "ok", an emoji or a phone number does not switch. The bot and the HTTP
// layer both ask it, so a message is never read as one language by one and as
// the other by the other.
func DetectLang(text, fallback string) string {
	text = notWords.ReplaceAllString(text, " ")
	han, words, letters := 0, 0, 0
	flush := func() {
		if letters >= 2 {
			words++
		}
		letters = 0
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
			flush()
		case r < 0x80 && unicode.IsLetter(r):
			letters++
		case r == '\'':
		default:
			flush()
		}
	}
	flush()
	switch {
	case han >= 2 || han == 1 && words == 0:
		return LangZH
	case han == 0 && words >= 3:
		return LangEN
	}
	return NormalizeLang(fallback)
}

// notWords is what a message may carry that says nothing of its language:
// HTML tags and entities, links, e-mail addresses, markdown link targets and
// inline code.
var notWords = regexp.MustCompile("(?i)<[^>]*>|&[a-z]+;|https?://\\S+|www\\.\\S+|\\S+@\\S+|\\]\\([^)]*\\)|`[^`]*`")
