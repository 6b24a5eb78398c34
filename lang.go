package gridline

import "unicode"

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
// has Chinese characters, English when it has a few words of Latin letters, else
// fallback normalized (the conversation's or the browser's language). A customer
// who writes in the other language is answered in it; an "ok" or a phone number
// does not switch. The bot and the HTTP layer both ask it, so a message is never
// read as one language by one and as the other by the other.
func DetectLang(text, fallback string) string {
	latin := 0
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			return LangZH
		case r < 0x80 && unicode.IsLetter(r):
			latin++
		}
	}
	if latin >= 6 {
		return LangEN
	}
	return NormalizeLang(fallback)
}
