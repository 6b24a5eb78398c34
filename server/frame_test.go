package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

func TestDecodeFrame(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		code  string // "" means accepted
		field string
	}{
		{"hello", `{"type":"hello","last_seq":7}`, "", ""},
		{"message", `{"type":"message","client_id":"c1","text":"停电了"}`, "", ""},
		{"message without client id", `{"type":"message","text":"hi"}`, gridline.EINVALID, "client_id"},
		{"blank text", `{"type":"message","client_id":"c1","text":"  \n"}`, gridline.EINVALID, "text"},
		{"text too long", `{"type":"message","client_id":"c1","text":"` + strings.Repeat("a", MaxTextRunes+1) + `"}`, gridline.ETOOLARGE, "text"},
		{"text at the limit in Chinese", `{"type":"message","client_id":"c1","text":"` + strings.Repeat("电", MaxTextRunes) + `"}`, "", ""},
		{"unknown type", `{"type":"shout"}`, gridline.EINVALID, "type"},
		{"no type", `{"text":"x"}`, gridline.EINVALID, "type"},
		{"unknown field", `{"type":"hello","admin":true}`, gridline.EINVALID, ""},
		{"negative seq", `{"type":"hello","last_seq":-1}`, gridline.EINVALID, "last_seq"},
		{"wrong type of field", `{"type":"hello","last_seq":"7"}`, gridline.EINVALID, ""},
		{"not an object", `[1,2]`, gridline.EINVALID, ""},
		{"trailing data", `{"type":"hello"} {"type":"hello"}`, gridline.EINVALID, ""},
		{"invalid utf-8", "{\"type\":\"message\",\"client_id\":\"c\",\"text\":\"\xff\"}", gridline.EINVALID, ""},
		{"client id with spaces", `{"type":"message","client_id":"a b","text":"x"}`, gridline.EINVALID, "client_id"},
		{"choose", `{"type":"choose","client_id":"c2","option":"menu.billing"}`, "", ""},
		{"choose without option", `{"type":"choose"}`, gridline.EINVALID, "option"},
		{"rating", `{"type":"rating","score":5,"comment":"quick"}`, "", ""},
		{"rating zero", `{"type":"rating","score":0}`, gridline.EINVALID, "score"},
		{"rating six", `{"type":"rating","score":6}`, gridline.EINVALID, "score"},
		{"status", `{"type":"status","status":"away"}`, "", ""},
		{"bad status", `{"type":"status","status":"asleep"}`, gridline.EINVALID, "status"},
		{"subscribe", `{"type":"subscribe","conversation_id":"abc123","last_seq":3}`, "", ""},
		{"subscribe to odd id", `{"type":"subscribe","conversation_id":"../x"}`, gridline.EINVALID, "conversation_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeFrame([]byte(tt.in))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if f.Type == "" {
					t.Fatal("no type")
				}
				return
			}
			if gridline.ErrorCode(err) != tt.code {
				t.Fatalf("code %q (%v), want %q", gridline.ErrorCode(err), err, tt.code)
			}
			if tt.field != "" {
				e := err.(*gridline.Error)
				if _, ok := e.Fields[tt.field]; !ok {
					t.Fatalf("fields %v lack %q", e.Fields, tt.field)
				}
			}
		})
	}
}

// FuzzDecodeFrame: any bytes give a frame or a user-readable error, never a panic,
// and an accepted message always has a client id and text within the limits.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","last_seq":0}`, `{"type":"message","client_id":"c1","text":"hi"}`,
		`{"type":"choose","option":"menu.outage"}`, `{"type":"rating","score":3,"comment":"ok"}`,
		`{"type":"subscribe","conversation_id":"ab12","last_seq":9}`, `{"type":"typing"}`, `{}`, `[]`, `null`,
		`{"type":"message","client_id":"x","text":"\u0000"}`, "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := DecodeFrame(data)
		if err != nil {
			if _, ok := err.(*gridline.Error); !ok {
				t.Fatalf("error %T is not a *gridline.Error: %v", err, err)
			}
			return
		}
		if fr.Type == frameMessage {
			if fr.ClientID == "" || len(fr.ClientID) > maxClientIDLen || checkText(fr.Text) != nil {
				t.Fatalf("accepted a bad message: %+v", fr)
			}
		}
		if fr.LastSeq < 0 {
			t.Fatalf("accepted a negative seq")
		}
	})
}

func TestVisitorToken(t *testing.T) {
	secret := []byte("k1")
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tok := signVisitor(secret, visitorClaims{CustomerID: "cu", ConversationID: "co", Expires: now.Add(time.Hour)})
	c, err := verifyVisitor(secret, tok, now)
	if err != nil || c.CustomerID != "cu" || c.ConversationID != "co" {
		t.Fatalf("verify own token: %+v %v", c, err)
	}
	for name, bad := range map[string]struct {
		tok    string
		secret []byte
		now    time.Time
	}{
		"expired":      {tok, secret, now.Add(2 * time.Hour)},
		"other key":    {tok, []byte("k2"), now},
		"tampered":     {"X" + tok[1:], secret, now},
		"no signature": {strings.SplitN(tok, ".", 2)[0], secret, now},
		"empty":        {"", secret, now},
		"garbage":      {"....", secret, now},
		"huge":         {strings.Repeat("a", 4096), secret, now},
	} {
		if _, err := verifyVisitor(bad.secret, bad.tok, bad.now); gridline.ErrorCode(err) != gridline.EUNAUTHORIZED {
			t.Errorf("%s: %v, want unauthorized", name, err)
		}
	}
}

func TestSpliceType(t *testing.T) {
	for in, want := range map[string]string{
		`{"position":2}`: `{"type":"queue","position":2}`,
		`{}`:             `{"type":"queue"}`,
		``:               `{"type":"queue"}`,
		`null`:           `{"type":"queue"}`,
	} {
		got := string(spliceType("queue", []byte(in)))
		if got != want {
			t.Errorf("spliceType(%q) = %s, want %s", in, got, want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("invalid JSON %s", got)
		}
	}
}
