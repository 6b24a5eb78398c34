package bot

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Figure is a number a text states, with the kind of thing it counts: a price,
// a percentage, a duration, an amount of energy, a phone number. An LLM answer
// may state a figure only when the articles it cites state the same one — a
// wrong price or phone number told to a customer is worse than no answer.
type Figure struct {
	// Value is the number in a canonical form ("0.56", "15000", "3"); for a
	// phone number, its digits.
	Value string
	// Unit is the canonical unit: "%", "currency", "day", "workday", "hour",
	// "minute", "second", "week", "month", "year", "kwh", "kw", "kva", "v",
	// "kv", "amp", "time" (a clock time), "phone", or "" when none is stated.
	Unit string
	// Text is the figure as written, for logs.
	Text string
}

var (
	// citationMarks are the [1], [2, 3] markers an answer cites articles with;
	// they are not figures.
	citationMarks = regexp.MustCompile(`\[\s*\d+(?:\s*[,，、]\s*\d+)*\s*\]`)
	// phoneLike is a run of at least seven digits joined by single separators:
	// 95598-style short numbers are caught as plain numbers below.
	phoneLike = regexp.MustCompile(`\+?\(?\d[\d\-\s()]{5,}\d`)
	clockTime = regexp.MustCompile(`\b\d{1,2}[:：]\d{2}\b`)
	number    = regexp.MustCompile(`\d+(?:,\d{3})*(?:\.\d+)?`)
	zhNumber  = regexp.MustCompile(`(百分之)?[零〇一二两三四五六七八九十百千万]+(?:点[零〇一二三四五六七八九]+)?`)
)

// units maps how a unit is written, after the number, to its canonical name.
// Longer spellings come first so that "分钟" wins over "分" and "kwh" over "kw".
var units = []struct{ text, unit string }{
	{"%", "%"}, {"percent", "%"}, {"per cent", "%"}, {"pct", "%"},
	{"个工作日", "workday"}, {"工作日", "workday"}, {"working days", "workday"}, {"working day", "workday"},
	{"business days", "workday"}, {"business day", "workday"},
	{"个小时", "hour"}, {"小时", "hour"}, {"钟头", "hour"}, {"hours", "hour"}, {"hour", "hour"}, {"hrs", "hour"}, {"hr", "hour"},
	{"分钟", "minute"}, {"minutes", "minute"}, {"minute", "minute"}, {"mins", "minute"}, {"min", "minute"},
	{"秒钟", "second"}, {"秒", "second"}, {"seconds", "second"}, {"second", "second"}, {"secs", "second"},
	{"千瓦时", "kwh"}, {"kw·h", "kwh"}, {"kw.h", "kwh"}, {"kwh", "kwh"}, {"kilowatt-hours", "kwh"}, {"kilowatt hours", "kwh"},
	{"kilowatt-hour", "kwh"}, {"kilowatt hour", "kwh"}, {"units", "kwh"}, {"度", "kwh"},
	{"千伏安", "kva"}, {"kva", "kva"}, {"千瓦", "kw"}, {"kilowatts", "kw"}, {"kilowatt", "kw"}, {"kw", "kw"},
	{"千伏", "kv"}, {"kv", "kv"}, {"伏特", "v"}, {"伏", "v"}, {"volts", "v"}, {"volt", "v"}, {"v", "v"},
	{"安培", "amp"}, {"amps", "amp"}, {"amp", "amp"},
	{"个星期", "week"}, {"星期", "week"}, {"周", "week"}, {"weeks", "week"}, {"week", "week"},
	{"个月", "month"}, {"月", "month"}, {"months", "month"}, {"month", "month"},
	{"年", "year"}, {"years", "year"}, {"year", "year"}, {"yrs", "year"},
	{"天", "day"}, {"日", "day"}, {"days", "day"}, {"day", "day"},
	{"元", "currency"}, {"块钱", "currency"}, {"块", "currency"}, {"角", "currency"}, {"yuan", "currency"},
	{"rmb", "currency"}, {"cny", "currency"}, {"dollars", "currency"}, {"dollar", "currency"}, {"usd", "currency"},
	{"cents", "currency"}, {"cent", "currency"}, {"euros", "currency"}, {"pounds", "currency"},
}

// currencyBefore are the signs and codes written before a price.
var currencyBefore = []string{"¥", "￥", "$", "€", "£", "rmb", "cny", "usd", "hk$"}

// Figures returns the figures text states, in order. Citation markers are skipped.
func Figures(text string) []Figure {
	t := strings.ToLower(Normalize(text))
	t = citationMarks.ReplaceAllStringFunc(t, blank)
	var out []Figure
	// Phone numbers first, blanked so their parts are not read again as numbers.
	t = phoneLike.ReplaceAllStringFunc(t, func(m string) string {
		digits := onlyDigits(m)
		if len(digits) < 7 || strings.ContainsAny(strings.TrimSpace(m), ".") {
			return m
		}
		out = append(out, Figure{Value: digits, Unit: "phone", Text: strings.TrimSpace(m)})
		return blank(m)
	})
	t = clockTime.ReplaceAllStringFunc(t, func(m string) string {
		h, mm, _ := strings.Cut(strings.ReplaceAll(m, "：", ":"), ":")
		n, _ := strconv.Atoi(h)
		out = append(out, Figure{Value: strconv.Itoa(n) + ":" + mm, Unit: "time", Text: m})
		return blank(m)
	})
	for _, loc := range number.FindAllStringIndex(t, -1) {
		raw := t[loc[0]:loc[1]]
		value := canonicalNumber(strings.ReplaceAll(raw, ",", ""))
		rest := t[loc[1]:]
		value, rest = applyMultiplier(value, rest)
		unit := unitAfter(rest)
		if unit == "" && currencyPrecedes(t[:loc[0]]) {
			unit = "currency"
		}
		out = append(out, Figure{Value: value, Unit: unit, Text: raw})
	}
	for _, loc := range zhNumber.FindAllStringSubmatchIndex(t, -1) {
		raw := t[loc[0]:loc[1]]
		if loc[0] > 0 && (t[loc[0]-1] >= '0' && t[loc[0]-1] <= '9' || t[loc[0]-1] == '.') {
			continue // the 万 of "1.5万" was read with its number
		}
		percent := loc[2] >= 0
		digits := raw
		if percent {
			digits = strings.TrimPrefix(raw, "百分之")
		}
		v, ok := parseZHNumber(digits)
		if !ok {
			continue
		}
		unit := "%"
		if !percent {
			// A Chinese numeral counts as a figure only with a unit after it;
			// 一下, 统一, 万一 are words, not amounts.
			if unit = unitAfter(strings.TrimPrefix(t[loc[1]:], "个")); unit == "" {
				continue
			}
		}
		out = append(out, Figure{Value: v, Unit: unit, Text: raw})
	}
	return out
}

// Unsupported returns the figures of answer that source does not state: same
// value and, when the answer gives a unit, the same unit. Bare one-digit numbers
// (list numbering, "1 meter") are let through; they carry no price or number a
// customer would act on.
func Unsupported(answer, source string) []Figure {
	have := map[Figure]bool{}
	values := map[string]bool{}
	for _, f := range Figures(source) {
		have[Figure{Value: f.Value, Unit: f.Unit}] = true
		values[f.Value] = true
	}
	var bad []Figure
	for _, f := range Figures(answer) {
		switch {
		case f.Unit == "" && len(f.Value) == 1:
		case f.Unit == "" && values[f.Value]:
		case have[Figure{Value: f.Value, Unit: f.Unit}]:
		default:
			bad = append(bad, f)
		}
	}
	return bad
}

func blank(s string) string { return strings.Repeat(" ", len(s)) }

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// canonicalNumber drops leading zeros of the integer part and trailing zeros of
// the fraction, so that "0.50" and "0.5" are the same figure.
func canonicalNumber(s string) string {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac {
		frac = strings.TrimRight(frac, "0")
	}
	if t := strings.TrimLeft(whole, "0"); t != "" {
		whole = t
	} else {
		whole = "0"
	}
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

// applyMultiplier folds a following 万 (ten thousand), 千, k or "thousand" into
// value, so that "1.5万" and "15,000" are the same figure.
func applyMultiplier(value, rest string) (string, string) {
	trimmed := strings.TrimLeft(rest, " ")
	for _, m := range []struct {
		text string
		mul  float64
	}{{"万", 1e4}, {"千", 1e3}, {"亿", 1e8}, {"thousand", 1e3}, {"million", 1e6}, {"k", 1e3}} {
		if !strings.HasPrefix(trimmed, m.text) {
			continue
		}
		after := trimmed[len(m.text):]
		// "k" and words must end there ("kwh" is a unit, not a thousand).
		if isASCII(m.text) && after != "" && isWordByte(after[0]) {
			continue
		}
		// 千瓦, 千伏 are units (kW, kV), not a thousand.
		if m.text == "千" && (strings.HasPrefix(after, "瓦") || strings.HasPrefix(after, "伏")) {
			continue
		}
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return value, rest
		}
		return canonicalNumber(strconv.FormatFloat(f*m.mul, 'f', -1, 64)), after
	}
	return value, rest
}

// unitAfter returns the canonical unit written at the start of rest (spaces and a
// hyphen skipped: "24-hour"), or "".
func unitAfter(rest string) string {
	rest = strings.TrimLeft(rest, " -")
	for _, u := range units {
		if !strings.HasPrefix(rest, u.text) {
			continue
		}
		after := rest[len(u.text):]
		if isASCII(u.text) && after != "" && isWordByte(after[0]) {
			continue // "a" must not match "and", "min" not "minimum"
		}
		return u.unit
	}
	return ""
}

func currencyPrecedes(before string) bool {
	before = strings.TrimRightFunc(before, unicode.IsSpace)
	for _, c := range currencyBefore {
		if strings.HasSuffix(before, c) {
			return true
		}
	}
	return false
}

// parseZHNumber reads a Chinese numeral (三, 十五, 两百, 一万二千, 三点五) as a
// canonical number.
func parseZHNumber(s string) (string, bool) {
	digit := map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	whole, frac, hasFrac := strings.Cut(s, "点")
	total, section, cur := 0, 0, -1
	for _, r := range whole {
		if d, ok := digit[r]; ok {
			cur = d
			continue
		}
		mul := map[rune]int{'十': 10, '百': 100, '千': 1000, '万': 10000}[r]
		if mul == 0 {
			return "", false
		}
		if cur < 0 {
			cur = 1 // 十五 is fifteen
		}
		if mul == 10000 {
			total += (section + cur) * mul
			section = 0
		} else {
			section += cur * mul
		}
		cur = -1
	}
	if cur > 0 {
		section += cur
	}
	total += section
	if total == 0 && !strings.ContainsAny(whole, "零〇") {
		return "", false
	}
	out := strconv.Itoa(total)
	if hasFrac {
		var b strings.Builder
		for _, r := range frac {
			b.WriteByte(byte('0' + digit[r]))
		}
		out = canonicalNumber(out + "." + b.String())
	}
	return out, true
}
