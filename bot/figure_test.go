package bot

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFigures(t *testing.T) {
	tests := []struct {
		text string
		want []Figure // Value and Unit only
	}{
		{"The fee is ¥88.80.", []Figure{{Value: "88.8", Unit: "currency"}}},
		{"It costs 30 yuan and takes 5 working days.", []Figure{{Value: "30", Unit: "currency"}, {Value: "5", Unit: "workday"}}},
		{"Call 400-000-1234 or +86 138 1234 5678.", []Figure{{Value: "4000001234", Unit: "phone"}, {Value: "8613812345678", Unit: "phone"}}},
		{"Call 95598 any time", []Figure{{Value: "95598"}}},
		{"an error within ±2% is accurate; 15 percent off", []Figure{{Value: "2", Unit: "%"}, {Value: "15", Unit: "%"}}},
		{"the first 200 kWh at 0.51 yuan per kWh", []Figure{{Value: "200", Unit: "kwh"}, {Value: "0.51", Unit: "currency"}}},
		{"a 24-hour hotline, open 08:30–17:30", []Figure{{Value: "8:30", Unit: "time"}, {Value: "17:30", Unit: "time"}, {Value: "24", Unit: "hour"}}},
		{"1,500 dollars or 1.5k", []Figure{{Value: "1500", Unit: "currency"}, {Value: "1500"}}},
		{"缴费后24小时内复电，校验费30元", []Figure{{Value: "24", Unit: "hour"}, {Value: "30", Unit: "currency"}}},
		{"每度0.56元，超过400度的部分", []Figure{{Value: "0.56", Unit: "currency"}, {Value: "400", Unit: "kwh"}}},
		{"三个工作日内办结，两小时到场", []Figure{{Value: "3", Unit: "workday"}, {Value: "2", Unit: "hour"}}},
		{"十五分钟左右", []Figure{{Value: "15", Unit: "minute"}}},
		{"百分之五的违约金", []Figure{{Value: "5", Unit: "%"}}},
		{"1.5万元", []Figure{{Value: "15000", Unit: "currency"}}},
		{"请拨打95598或13812345678", []Figure{{Value: "13812345678", Unit: "phone"}, {Value: "95598"}}},
		{"7 千瓦单相", []Figure{{Value: "7", Unit: "kw"}}},
		{"Pay online [1][2], see [3, 4].", nil},
		{"统一办理，稍等一下", nil},
	}
	for _, tt := range tests {
		var got []Figure
		for _, f := range Figures(tt.text) {
			got = append(got, Figure{Value: f.Value, Unit: f.Unit})
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Figures(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestUnsupported(t *testing.T) {
	source := "Power is restored within 24 hours of payment. The meter test costs ¥30; call 400-000-1234. 缴费后2小时内复电，违约金每日按欠费的0.1%计算。"
	tests := []struct {
		answer string
		bad    []string // Text of the unsupported figures
	}{
		{"Power comes back within 24 hours [1].", nil},
		{"The test costs 30 yuan, call 400 000 1234 [1].", nil},
		{"缴费后2个小时内来电[1]。", nil},
		{"Step 1: pay. Step 2: wait [1].", nil},
		{"The fee is ¥88.8 [1].", []string{"88.8"}},
		{"It takes 24 days [1].", []string{"24"}},
		{"Call 400-820-1234 now [1].", []string{"400-820-1234"}},
		{"You get 35% off [1].", []string{"35"}},
		{"违约金每日0.5%[1]。", []string{"0.5"}},
		{"三天内复电[1]。", []string{"三"}},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range Unsupported(tt.answer, source) {
			got = append(got, f.Text)
		}
		if !slices.Equal(got, tt.bad) {
			t.Errorf("Unsupported(%q) = %q, want %q", tt.answer, got, tt.bad)
		}
	}
}

func TestExtractPhone(t *testing.T) {
	tests := []struct{ text, phone, rest string }{
		{"电话13812345678", "13812345678", ""},
		{"my phone is +86 138-1234-5678 thanks", "+86 138-1234-5678", "thanks"},
		{"010-62345678 海淀区", "010-62345678", "海淀区"},
		{"building 12, unit 3", "", "building 12, unit 3"},
		{"123456", "", "123456"},
	}
	for _, tt := range tests {
		phone, rest := ExtractPhone(tt.text)
		if phone != tt.phone || cleanAddress(rest) != tt.rest {
			t.Errorf("ExtractPhone(%q) = %q, %q; want %q, %q", tt.text, phone, cleanAddress(rest), tt.phone, tt.rest)
		}
	}
}

func TestCheckAnswer(t *testing.T) {
	sources := testSources()
	tests := []struct {
		out     string
		ok      bool
		answer  string
		citeIDs []int64
	}{
		{"Pay in the app; it is credited within 2 hours [1].", true, "Pay in the app; it is credited within 2 hours [1].", []int64{1}},
		{"Pay your arrears and power returns within 24 hours [2].", true, "Pay your arrears and power returns within 24 hours [1].", []int64{2}},
		{"Pay in the app [1], power returns within 24 hours [2].", true, "Pay in the app [1], power returns within 24 hours [2].", []int64{1, 2}},
		{"Pay within 24 hours [1].", false, "", nil},       // 24 hours is in article 2, not the one cited
		{"Pay in the app.", false, "", nil},                // no citation
		{"Pay in the app [3].", false, "", nil},            // not retrieved
		{"NO_ANSWER", false, "", nil},                      // declined
		{"See article 4 for details [1].", false, "", nil}, // a citation that cannot be checked
		{"Pay at https://evil.example/pay [1].", false, "", nil},
		{"", false, "", nil},
	}
	for _, tt := range tests {
		answer, cites, reason := checkAnswer(tt.out, sources)
		if (reason == "") != tt.ok || answer != tt.answer {
			t.Errorf("checkAnswer(%q) = %q, %q; want ok %v, %q", tt.out, answer, reason, tt.ok, tt.answer)
			continue
		}
		var got []int64
		for _, c := range cites {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, tt.citeIDs) {
			t.Errorf("checkAnswer(%q) cites %v, want %v", tt.out, got, tt.citeIDs)
		}
	}
}

func TestStreamGate(t *testing.T) {
	tests := []struct {
		pieces []string
		shown  string // everything passed on, flushed at the end
	}{
		// Words flow as they come; the invented fee is held back and closes the gate.
		{[]string{"Pay in the ", "app [1]. It is cre", "dited within 2 hours [1]. The fee is ¥8", "8.8 [1]. Then 2 hours [1]."},
			"Pay in the app [1]. It is credited within 2 hours [1]. The fee is "},
		// Supported figures pass once their sentence ends; the end is flushed.
		{[]string{"Power returns within 2", "4 hours", " [2]. Pay in the app"}, "Power returns within 24 hours [2]. Pay in the app"},
		// A citation of an article not retrieved.
		{[]string{"Pay in the app [", "3]. More."}, "Pay in the app "},
		// A refusal is never shown, not even its first letters.
		{[]string{"NO", "_ANS", "WER"}, ""},
		// An address the articles do not give.
		{[]string{"Pay at https://evil.example/pay now", " [1]."}, ""},
		{[]string{"电费可以在App缴纳", "，2小时内到账[1]。"}, "电费可以在App缴纳，2小时内到账[1]。"},
	}
	for _, tt := range tests {
		var shown []string
		g := newStreamGate(testSources(), func(s string) { shown = append(shown, s) })
		for _, p := range tt.pieces {
			g.write(p)
		}
		g.flush()
		if got := strings.Join(shown, ""); got != tt.shown {
			t.Errorf("pieces %q: shown %q, want %q", tt.pieces, got, tt.shown)
		}
	}
}

func TestBreaker(t *testing.T) {
	now := time.Unix(0, 0)
	b := &breaker{failures: 2, cooldown: time.Minute, now: func() time.Time { return now }}
	call := func(ok bool) bool {
		if !b.allow() {
			return false
		}
		b.done(ok)
		return true
	}
	if !call(false) || b.state() != breakerClosed {
		t.Fatal("one failure must not open the breaker")
	}
	if !call(false) || b.state() != breakerOpen {
		t.Fatalf("two failures: %s, want open", b.state())
	}
	if call(true) {
		t.Fatal("an open breaker let a call through")
	}
	now = now.Add(time.Minute)
	if b.state() != breakerHalfOpen || !b.allow() {
		t.Fatal("after the cool-down one probe must go through")
	}
	if b.allow() {
		t.Fatal("a second caller went through while the probe runs")
	}
	b.done(false)
	if b.state() != breakerOpen || b.allow() {
		t.Fatal("a failed probe must open the breaker again")
	}
	now = now.Add(time.Minute)
	if !b.allow() {
		t.Fatal("no probe after the second cool-down")
	}
	b.release() // the caller went away: the probe proved nothing
	if b.state() != breakerHalfOpen {
		t.Fatalf("after a released probe: %s, want half-open", b.state())
	}
	if !call(true) || b.state() != breakerClosed {
		t.Fatalf("a good probe must close the breaker: %s", b.state())
	}
}
