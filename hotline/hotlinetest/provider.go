// Package hotlinetest is a fake telephony provider for tests: it speaks the
// real protocol to a Gridline server — form-encoded webhooks signed the way
// Twilio signs them — parses the TwiML answers with encoding/xml, checks every
// verb and attribute against what the provider accepts, and follows
// <Gather action>, <Redirect>, <Enqueue waitUrl> and <Leave> like the provider
// would, while a test plays the caller: pressing keys, speaking, staying
// silent, hanging up.
package hotlinetest

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gridline/gridline/hotline"
)

// Provider plays the telephony provider against the server at BaseURL (the
// server's public URL: where webhooks are posted and what they are signed
// over), signing with Token.
type Provider struct {
	T       testing.TB
	BaseURL string
	Token   string
	// To is the number called; empty means +8695598.
	To string
	// Client posts the webhooks; nil means http.DefaultClient.
	Client *http.Client
	// WaitRounds bounds how often one Wait runs the wait URL's TwiML; zero
	// means 3.
	WaitRounds int

	seq atomic.Int64
}

// Node is one TwiML element as the provider parsed it.
type Node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []Node     `xml:",any"`
}

// Attr returns the attribute name ("" when absent).
func (n Node) Attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// The verbs and attributes the provider accepts (Twilio's TwiML reference).
var (
	verbAttrs = map[string][]string{
		"Say":      {"language", "voice", "loop"},
		"Gather":   {"input", "action", "method", "language", "numDigits", "finishOnKey", "timeout", "speechTimeout", "hints", "actionOnEmptyResult", "partialResultCallback", "profanityFilter", "speechModel", "enhanced"},
		"Pause":    {"length"},
		"Play":     {"loop", "digits"},
		"Redirect": {"method"},
		"Enqueue":  {"action", "method", "waitUrl", "waitUrlMethod", "workflowSid"},
		"Leave":    {},
		"Hangup":   {},
		"Record":   {"action", "method", "timeout", "finishOnKey", "maxLength", "playBeep", "trim", "recordingStatusCallback", "transcribe", "transcribeCallback"},
		"Dial":     {"action", "method", "timeout", "callerId", "record", "hangupOnStar", "timeLimit"},
		"Reject":   {"reason"},
	}
	gatherNested = []string{"Say", "Play", "Pause"}
	waitVerbs    = []string{"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"}
	sayLangs     = []string{"zh-CN", "en-US", "en-GB", "cmn-CN", ""}
	methods      = []string{"GET", "POST", ""}
)

// Call is one call the provider placed to the server: what the caller heard,
// and what the server is waiting for.
type Call struct {
	p    *Provider
	SID  string
	From string
	// Heard is every <Say> the caller heard, in order.
	Heard []string
	// Docs are the TwiML documents the server answered, in order.
	Docs []string
	// Ended says the call is over (a <Hangup/>, a document that ran out, or
	// the caller hung up).
	Ended bool
	// Queued says the call waits in a queue (an <Enqueue>).
	Queued bool
	// LastStatus is the HTTP status of the last webhook.
	LastStatus int

	gather   *Node  // the gather listening now
	gatherAt string // the URL of the document that holds it
	after    []Node // the verbs after the gather, run on silence
	enqueue  *Node
	enqueAt  string
	heardAt  int
}

// Dial places a call from the number from: POST /voice/incoming.
func (p *Provider) Dial(from string) *Call {
	p.T.Helper()
	c := &Call{p: p, SID: fmt.Sprintf("CA%032x", p.seq.Add(1)), From: from}
	c.run(p.BaseURL+hotline.PathIncoming, nil, 0)
	return c
}

// New is what the caller heard since the last call of New.
func (c *Call) New() string {
	out := strings.Join(c.Heard[c.heardAt:], " ")
	c.heardAt = len(c.Heard)
	return out
}

// Press keys on the keypad while a <Gather> listens.
func (c *Call) Press(keys string) {
	c.p.T.Helper()
	c.answer(url.Values{"Digits": {keys}})
}

// Speak says text, heard with the given confidence, while a <Gather> listens.
func (c *Call) Speak(text string, confidence float64) {
	c.p.T.Helper()
	c.answer(url.Values{"SpeechResult": {text}, "Confidence": {strconv.FormatFloat(confidence, 'f', 2, 64)}})
}

// Silence lets the <Gather> time out: the provider runs what follows it.
func (c *Call) Silence() {
	c.p.T.Helper()
	g := c.gather
	if g == nil {
		c.p.T.Fatalf("call %s: silence, but nothing listens", c.SID)
	}
	c.gather = nil
	c.runVerbs(c.gatherAt, c.after, 0, false)
}

func (c *Call) answer(extra url.Values) {
	c.p.T.Helper()
	g := c.gather
	if g == nil {
		c.p.T.Fatalf("call %s: the caller answers, but nothing listens (heard %q)", c.SID, c.Heard)
	}
	input := g.Attr("input")
	if extra.Has("Digits") && input != "" && !strings.Contains(input, "dtmf") {
		c.p.T.Fatalf("call %s: keys pressed, but the gather takes %q", c.SID, input)
	}
	if extra.Has("SpeechResult") && !strings.Contains(input, "speech") {
		c.p.T.Fatalf("call %s: speech, but the gather takes %q", c.SID, input)
	}
	c.gather = nil
	c.run(resolve(c.gatherAt, g.Attr("action")), extra, 0)
}

// Wait runs the wait URL's hold loop of a queued call for up to WaitRounds
// rounds, or until it leaves the queue.
func (c *Call) Wait() {
	c.p.T.Helper()
	if !c.Queued {
		c.p.T.Fatalf("call %s: waits, but is in no queue", c.SID)
	}
	rounds := c.p.WaitRounds
	if rounds == 0 {
		rounds = 3
	}
	for i := 0; i < rounds && c.Queued && !c.Ended; i++ {
		c.run(resolve(c.enqueAt, c.enqueue.Attr("waitUrl")), url.Values{"QueuePosition": {"1"}, "QueueTime": {strconv.Itoa(i * 30)}}, 0)
	}
}

// Hangup is the caller hanging up: a queued call leaves its queue (the
// enqueue's action hears QueueResult=hangup), then the status callback says
// the call completed.
func (c *Call) Hangup() {
	c.p.T.Helper()
	if c.Queued && c.enqueue.Attr("action") != "" {
		c.Queued = false
		c.post(resolve(c.enqueAt, c.enqueue.Attr("action")), url.Values{"QueueResult": {"hangup"}}, "completed")
	}
	c.Ended = true
	c.gather = nil
	c.post(c.p.BaseURL+hotline.PathStatus, url.Values{"CallDuration": {"42"}}, "completed")
}

// Post sends one signed webhook of this call to path and returns the status
// and body, for tests of odd requests.
func (c *Call) Post(path string, extra url.Values) (int, string) {
	return c.post(c.p.BaseURL+path, extra, "in-progress")
}

func (c *Call) form(extra url.Values, status string) url.Values {
	f := url.Values{"CallSid": {c.SID}, "AccountSid": {"AC" + strings.Repeat("0", 32)}, "From": {c.From},
		"To": {cmpOr(c.p.To, "+8695598")}, "Caller": {c.From}, "Called": {cmpOr(c.p.To, "+8695598")},
		"CallStatus": {status}, "Direction": {"inbound"}, "ApiVersion": {"2010-04-01"}}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// post sends a signed webhook and returns the status and body.
func (c *Call) post(u string, extra url.Values, status string) (int, string) {
	c.p.T.Helper()
	form := c.form(extra, status)
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		c.p.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(hotline.SignatureHeader, hotline.Sign(c.p.Token, u, form))
	client := c.p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		c.p.T.Fatalf("call %s: POST %s: %v", c.SID, u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	c.LastStatus = resp.StatusCode
	return resp.StatusCode, string(body)
}

// run posts a webhook and runs the TwiML it is answered with.
func (c *Call) run(u string, extra url.Values, depth int) {
	c.p.T.Helper()
	if depth > 20 {
		c.p.T.Fatalf("call %s: more than 20 redirects in a row", c.SID)
	}
	status, body := c.post(u, extra, "in-progress")
	if status != http.StatusOK {
		c.p.T.Fatalf("call %s: POST %s: %d %s", c.SID, u, status, body)
	}
	c.Docs = append(c.Docs, body)
	var doc Node
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		c.p.T.Fatalf("call %s: TwiML from %s does not parse: %v\n%s", c.SID, u, err, body)
	}
	if doc.XMLName.Local != "Response" {
		c.p.T.Fatalf("call %s: TwiML root is <%s>, want <Response>", c.SID, doc.XMLName.Local)
	}
	inWait := c.enqueue != nil && u == resolve(c.enqueAt, c.enqueue.Attr("waitUrl"))
	c.runVerbs(u, doc.Children, depth, inWait)
}

// runVerbs runs a document's verbs from the document at u.
func (c *Call) runVerbs(u string, verbs []Node, depth int, inWait bool) {
	c.p.T.Helper()
	for i, v := range verbs {
		c.check(v, inWait)
		switch v.XMLName.Local {
		case "Say":
			c.Heard = append(c.Heard, strings.TrimSpace(v.Text))
		case "Pause", "Play":
		case "Gather":
			for _, n := range v.Children {
				if !slices.Contains(gatherNested, n.XMLName.Local) {
					c.p.T.Errorf("call %s: <%s> inside <Gather>", c.SID, n.XMLName.Local)
				}
				c.check(n, false)
				if n.XMLName.Local == "Say" {
					c.Heard = append(c.Heard, strings.TrimSpace(n.Text))
				}
			}
			g := v
			c.gather, c.gatherAt, c.after = &g, u, verbs[i+1:]
			return
		case "Redirect":
			if inWait {
				return // the hold loop: Wait runs the next round
			}
			c.run(resolve(u, strings.TrimSpace(v.Text)), nil, depth+1)
			return
		case "Enqueue":
			e := v
			c.enqueue, c.enqueAt, c.Queued = &e, u, true
			c.run(resolve(u, v.Attr("waitUrl")), url.Values{"QueuePosition": {"1"}, "QueueTime": {"0"}}, depth+1)
			return
		case "Leave":
			if !inWait {
				c.p.T.Errorf("call %s: <Leave/> outside a wait URL", c.SID)
			}
			c.Queued = false
			if a := c.enqueue.Attr("action"); a != "" {
				c.run(resolve(c.enqueAt, a), url.Values{"QueueResult": {"leave"}}, depth+1)
			}
			return
		case "Hangup":
			c.Ended, c.Queued = true, false
			return
		}
	}
	if !inWait {
		c.Ended = true // a document that runs out hangs up
	}
}

// check fails the test for a verb or attribute the provider would refuse.
func (c *Call) check(v Node, inWait bool) {
	c.p.T.Helper()
	name := v.XMLName.Local
	allowed, ok := verbAttrs[name]
	if !ok {
		c.p.T.Errorf("call %s: unknown verb <%s>", c.SID, name)
		return
	}
	if inWait && !slices.Contains(waitVerbs, name) {
		c.p.T.Errorf("call %s: <%s> is not allowed in a wait URL", c.SID, name)
	}
	for _, a := range v.Attrs {
		if !slices.Contains(allowed, a.Name.Local) {
			c.p.T.Errorf("call %s: <%s> has no attribute %q", c.SID, name, a.Name.Local)
		}
	}
	if name == "Say" && !slices.Contains(sayLangs, v.Attr("language")) {
		c.p.T.Errorf("call %s: <Say language=%q>", c.SID, v.Attr("language"))
	}
	if !slices.Contains(methods, v.Attr("method")) {
		c.p.T.Errorf("call %s: <%s method=%q>", c.SID, name, v.Attr("method"))
	}
	if in := v.Attr("input"); name == "Gather" && !slices.Contains([]string{"", "dtmf", "speech", "dtmf speech", "speech dtmf"}, in) {
		c.p.T.Errorf("call %s: <Gather input=%q>", c.SID, in)
	}
	if name == "Say" && strings.TrimSpace(v.Text) == "" {
		c.p.T.Errorf("call %s: an empty <Say>", c.SID)
	}
}

// resolve reads ref (absolute or relative) against the document at base.
func resolve(base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}
