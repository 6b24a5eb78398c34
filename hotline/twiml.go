package hotline

import (
	"encoding/xml"
	"strings"
)

// TwiML is the document a webhook answers with: the verbs the provider runs,
// in order. The types below are exactly the verbs and attributes Gridline
// uses, marshalled by encoding/xml, so whatever a caller said is always
// escaped text inside a verb and can never become one.

// Verb is one TwiML verb: Say, Gather, Pause, Redirect, Enqueue, Leave,
// Hangup.
type Verb interface{ twiml() }

// Response is a whole TwiML document.
type Response struct {
	XMLName xml.Name `xml:"Response"`
	Verbs   []Verb
}

// Say speaks Text in Language (a BCP-47 tag such as zh-CN).
type Say struct {
	XMLName  xml.Name `xml:"Say"`
	Language string   `xml:"language,attr,omitempty"`
	Text     string   `xml:",chardata"`
}

// Gather collects keys or speech and posts them to Action. Its Verbs (Say,
// Pause) play while it listens; a key or speech interrupts them.
type Gather struct {
	XMLName xml.Name `xml:"Gather"`
	Input   string   `xml:"input,attr"`
	Action  string   `xml:"action,attr"`
	Method  string   `xml:"method,attr"`
	// Language is the language speech is recognised in.
	Language string `xml:"language,attr,omitempty"`
	// NumDigits, when set, ends the gather after that many keys (a menu);
	// otherwise the caller ends a number with FinishOnKey.
	NumDigits     int    `xml:"numDigits,attr,omitempty"`
	FinishOnKey   string `xml:"finishOnKey,attr,omitempty"`
	Timeout       int    `xml:"timeout,attr,omitempty"`
	SpeechTimeout string `xml:"speechTimeout,attr,omitempty"`
	Verbs         []Verb
}

// Pause is silence of Length seconds.
type Pause struct {
	XMLName xml.Name `xml:"Pause"`
	Length  int      `xml:"length,attr,omitempty"`
}

// Redirect goes on with the TwiML at URL.
type Redirect struct {
	XMLName xml.Name `xml:"Redirect"`
	Method  string   `xml:"method,attr,omitempty"`
	URL     string   `xml:",chardata"`
}

// Enqueue puts the call in the provider's queue Name, where it runs WaitURL's
// TwiML over and over until it leaves; then the provider posts to Action.
// Gridline's desk decides who is served; the provider's queue only holds.
type Enqueue struct {
	XMLName       xml.Name `xml:"Enqueue"`
	Action        string   `xml:"action,attr,omitempty"`
	Method        string   `xml:"method,attr,omitempty"`
	WaitURL       string   `xml:"waitUrl,attr,omitempty"`
	WaitURLMethod string   `xml:"waitUrlMethod,attr,omitempty"`
	Name          string   `xml:",chardata"`
}

// Leave takes the call out of its queue (an agent has it); the provider then
// posts to the Enqueue's Action.
type Leave struct {
	XMLName xml.Name `xml:"Leave"`
}

// Hangup ends the call.
type Hangup struct {
	XMLName xml.Name `xml:"Hangup"`
}

func (Say) twiml()      {}
func (Gather) twiml()   {}
func (Pause) twiml()    {}
func (Redirect) twiml() {}
func (Enqueue) twiml()  {}
func (Leave) twiml()    {}
func (Hangup) twiml()   {}

// Marshal writes the document with its XML declaration, as providers expect.
func (r *Response) Marshal() ([]byte, error) {
	out, err := xml.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}

// Spoken is every Say of the document in order, nested ones included: what
// the caller hears.
func (r *Response) Spoken() string {
	var parts []string
	var walk func([]Verb)
	walk = func(vs []Verb) {
		for _, v := range vs {
			switch v := v.(type) {
			case Say:
				parts = append(parts, v.Text)
			case Gather:
				walk(v.Verbs)
			}
		}
	}
	walk(r.Verbs)
	return strings.Join(parts, " ")
}
