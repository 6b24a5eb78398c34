package hotline

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/validate"
)

// MaxFormBytes caps a webhook's body: a provider's form is a few hundred bytes,
// speech included.
const MaxFormBytes = 16 << 10

// Webhook is what a provider posts about a call, by the provider's own
// parameter names. Only the fields the IVR reads are kept; the rest of the
// form counts for the signature alone.
type Webhook struct {
	CallSid string `json:"CallSid" validate:"required,max=64,callsid"`
	From    string `json:"From" validate:"max=64"`
	To      string `json:"To" validate:"max=64"`
	// CallStatus is the call's progress (ringing, in-progress, completed, …);
	// any short word is taken, since providers add their own, and only the
	// final ones are acted on.
	CallStatus string `json:"CallStatus" validate:"omitempty,max=32,printascii"`
	// Digits are the keys pressed (0-9, * and #).
	Digits string `json:"Digits" validate:"max=32,dtmf"`
	// SpeechResult is what the provider heard; Confidence its certainty, 0-1
	// (0 when it did not say).
	SpeechResult string  `json:"SpeechResult" validate:"max=2000"`
	Confidence   float64 `json:"Confidence" validate:"gte=0,lte=1"`
	// QueueResult says why a call left the queue (leave, hangup, …).
	QueueResult string `json:"QueueResult" validate:"max=32"`
	// CallDuration is the length of an ended call in seconds.
	CallDuration int `json:"CallDuration" validate:"gte=0"`
}

// ParseWebhook reads a webhook's form. Every parameter is checked: a number
// that is not one, text that is not UTF-8, a call id or keys out of shape are
// EINVALID. Unknown parameters are ignored.
func ParseWebhook(form url.Values) (Webhook, error) {
	w := Webhook{
		CallSid: form.Get("CallSid"), From: form.Get("From"), To: form.Get("To"),
		CallStatus: form.Get("CallStatus"), Digits: form.Get("Digits"),
		SpeechResult: strings.TrimSpace(form.Get("SpeechResult")), QueueResult: form.Get("QueueResult"),
	}
	bad := map[string]string{}
	for name, vs := range form {
		for _, v := range vs {
			if !utf8.ValidString(v) {
				bad[name] = "is not text"
			}
		}
	}
	if c := form.Get("Confidence"); c != "" {
		f, err := strconv.ParseFloat(c, 64)
		if err != nil || f != f {
			bad["Confidence"] = "must be a number"
		}
		w.Confidence = f
	}
	if d := form.Get("CallDuration"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			bad["CallDuration"] = "must be a whole number"
		}
		w.CallDuration = n
	}
	if len(bad) > 0 {
		return Webhook{}, &gridline.Error{Code: gridline.EINVALID, Message: "the webhook is invalid", Fields: bad}
	}
	if err := validate.Struct(&w); err != nil {
		return Webhook{}, err
	}
	return w, nil
}
