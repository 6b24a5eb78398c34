package hotline_test

import (
	"encoding/xml"
	"net/url"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/hotline"
)

// The example of Twilio's "Webhooks security" page: the URL, the parameters
// and the auth token 12345 sign as 0/KCTR6DLpKmkAf8muzZqo1nDgQ=.
var twilioExample = struct {
	url, token, signature string
	form                  url.Values
}{
	url:   "https://mycompany.com/myapp.php?foo=1&bar=2",
	token: "12345",
	form: url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"}},
	signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
}

func TestSignature(t *testing.T) {
	ex := twilioExample
	if got := hotline.Sign(ex.token, ex.url, ex.form); got != ex.signature {
		t.Fatalf("Sign = %q, want Twilio's %q", got, ex.signature)
	}
	tampered := url.Values{}
	for k, v := range ex.form {
		tampered[k] = v
	}
	tampered.Set("Digits", "1235")
	for _, tc := range []struct {
		name, token, url, sig string
		form                  url.Values
		ok                    bool
	}{
		{"Twilio's example", ex.token, ex.url, ex.signature, ex.form, true},
		{"another token", "54321", ex.url, ex.signature, ex.form, false},
		{"another URL", ex.token, "https://mycompany.com/myapp.php?foo=1&bar=3", ex.signature, ex.form, false},
		{"a changed parameter", ex.token, ex.url, ex.signature, tampered, false},
		{"no signature", ex.token, ex.url, "", ex.form, false},
		{"no token configured", "", ex.url, hotline.Sign("", ex.url, ex.form), ex.form, false},
		{"garbage", ex.token, ex.url, "not base64!", ex.form, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hotline.Verify(tc.token, tc.url, tc.form, tc.sig); got != tc.ok {
				t.Errorf("Verify = %v, want %v", got, tc.ok)
			}
		})
	}
}

func TestTwiMLEscapesWhatIsSpoken(t *testing.T) {
	r := &hotline.Response{Verbs: []hotline.Verb{
		hotline.Gather{Input: "dtmf speech", Action: "https://x/voice/gather?a=1&b=2", Method: "POST", NumDigits: 1,
			Verbs: []hotline.Verb{hotline.Say{Language: "zh-CN", Text: `您说："</Say><Hangup/>" & <Redirect>`}}},
		hotline.Redirect{Method: "POST", URL: "https://x/voice/gather"},
	}}
	out, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.HasPrefix(s, xml.Header) || strings.Contains(s, "<Hangup/>") || strings.Count(s, "<Redirect") != 1 {
		t.Fatalf("caller's words became TwiML:\n%s", s)
	}
	var back struct {
		Gather struct {
			Action    string `xml:"action,attr"`
			NumDigits int    `xml:"numDigits,attr"`
			Say       struct {
				Language string `xml:"language,attr"`
				Text     string `xml:",chardata"`
			}
		}
		Redirect string
	}
	if err := xml.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back.Gather.Say.Text != `您说："</Say><Hangup/>" & <Redirect>` || back.Gather.Action != "https://x/voice/gather?a=1&b=2" ||
		back.Gather.NumDigits != 1 || back.Gather.Say.Language != "zh-CN" || back.Redirect != "https://x/voice/gather" {
		t.Fatalf("round trip = %+v", back)
	}
	if got := r.Spoken(); !strings.Contains(got, "您说") {
		t.Errorf("Spoken = %q", got)
	}
}

func TestForTheEar(t *testing.T) {
	for _, tc := range []struct{ in, lang, want string }{
		{"**Call** [us](https://example.com) on 95598.", gridline.LangEN, "Call us on 9 5 5 9 8."},
		{"- first\n- second", gridline.LangEN, "first second"},
		{"您的工单号是 GD20261201001。", gridline.LangZH, "您的工单号是 GD2 0 2 6 1 2 0 1 0 0 1。"},
		{"see www.example.com now", gridline.LangEN, "see now"},
	} {
		if got := hotline.ForTheEar(tc.in, tc.lang); got != tc.want {
			t.Errorf("ForTheEar(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	steps := "Pay in the app. " + strings.Repeat("Or pay at the counter of any branch near you. ", 6) + "1. The app 2. The counter 3. The bank"
	if got := hotline.ForTheEar(steps, gridline.LangEN); strings.HasSuffix(got, "3.") || !strings.HasSuffix(got, "you.") {
		t.Errorf("cut at a step's number: %q", got)
	}
	long := strings.Repeat("这是一句很长的话。", 40)
	got := hotline.ForTheEar(long, gridline.LangZH)
	if n := len([]rune(got)); n > 110 || !strings.HasSuffix(got, "。") {
		t.Errorf("a long answer is cut to %d runes ending %q; want at most 110 at a sentence's end", n, got[len(got)-3:])
	}
}

func TestParseWebhook(t *testing.T) {
	good := url.Values{"CallSid": {"CA" + strings.Repeat("a", 32)}, "From": {"+8613800138000"}, "To": {"+8695598"},
		"CallStatus": {"in-progress"}, "Digits": {"12#"}, "SpeechResult": {" 停电了 "}, "Confidence": {"0.91"}, "Extra": {"kept for the signature"}}
	w, err := hotline.ParseWebhook(good)
	if err != nil {
		t.Fatal(err)
	}
	if w.SpeechResult != "停电了" || w.Confidence != 0.91 || w.Digits != "12#" || w.From != "+8613800138000" {
		t.Fatalf("ParseWebhook = %+v", w)
	}
	for _, tc := range []struct{ name, key, value string }{
		{"no call", "CallSid", ""},
		{"a call id with markup", "CallSid", "CA<x>"},
		{"keys that are not keys", "Digits", "1a"},
		{"confidence not a number", "Confidence", "high"},
		{"confidence above one", "Confidence", "1.5"},
		{"confidence NaN", "Confidence", "NaN"},
		{"a status that is not a word", "CallStatus", "<b>completed</b> and then some more text"},
		{"not UTF-8", "SpeechResult", "\xff\xfe"},
		{"speech too long", "SpeechResult", strings.Repeat("x", 2001)},
		{"duration not a number", "CallDuration", "ten"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := url.Values{}
			for k, v := range good {
				bad[k] = v
			}
			bad.Set(tc.key, tc.value)
			if _, err := hotline.ParseWebhook(bad); gridline.ErrorCode(err) != gridline.EINVALID {
				t.Errorf("ParseWebhook = %v, want EINVALID", err)
			}
		})
	}
}

// FuzzParseWebhook: any form body parses to a valid webhook or EINVALID,
// never a panic, and what it accepts is within the limits.
func FuzzParseWebhook(f *testing.F) {
	f.Add("CallSid=CA0123&From=%2B8613800138000&Digits=1")
	f.Add("CallSid=CA1&SpeechResult=%E5%81%9C%E7%94%B5&Confidence=0.3")
	f.Add("CallSid=&Confidence=1e400&CallDuration=-1")
	f.Add("CallSid=CA1&CallSid=CA2&Digits=%23%2A9")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		w, err := hotline.ParseWebhook(form)
		if err != nil {
			if gridline.ErrorCode(err) != gridline.EINVALID {
				t.Fatalf("ParseWebhook error %v is not EINVALID", err)
			}
			return
		}
		if w.CallSid == "" || len(w.CallSid) > 64 || len(w.Digits) > 32 || w.Confidence < 0 || w.Confidence > 1 ||
			strings.ContainsAny(w.CallSid, "<>&\"' ") || strings.Trim(w.Digits, "0123456789*#") != "" {
			t.Fatalf("ParseWebhook accepted %+v", w)
		}
	})
}
