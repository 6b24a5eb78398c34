package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/validate"
)

// Limits on what a client may send through a socket.
const (
	// MaxFrameBytes caps one incoming frame; gorilla closes with 1009 beyond it.
	MaxFrameBytes = 16 << 10
	// MaxTextRunes caps a chat message's text; beyond it the client gets an error frame.
	MaxTextRunes = 4000
	// maxClientIDLen caps a client id; they are UUIDs in practice.
	maxClientIDLen = 64
)

// Frame types clients send.
const (
	frameHello   = "hello"
	frameMessage = "message"
	frameChoose  = "choose"
	frameTyping  = "typing"
	frameRating  = "rating"
	// Agent console only.
	frameStatus    = "status"
	frameSubscribe = "subscribe"
)

// Frame is one decoded client frame; which fields matter depends on Type.
type Frame struct {
	Type           string   `json:"type" validate:"required,oneof=hello message choose typing rating status subscribe"`
	LastSeq        int64    `json:"last_seq" validate:"gte=0"`
	ClientID       string   `json:"client_id" validate:"omitempty,max=64,clientid"`
	Text           string   `json:"text"`
	Option         string   `json:"option" validate:"omitempty,max=120"`
	Score          int      `json:"score" validate:"gte=0,lte=5"`
	Comment        string   `json:"comment" validate:"max=2000"`
	Reasons        []string `json:"reasons" validate:"max=12,dive,max=32"`
	Status         string   `json:"status" validate:"omitempty,oneof=online away offline"`
	ConversationID string   `json:"conversation_id" validate:"omitempty,max=64,alphanum"`
}

// DecodeFrame parses and checks one client frame. It never panics, whatever the
// bytes; every error it returns is a *gridline.Error a client may read.
func DecodeFrame(data []byte) (*Frame, error) {
	if len(data) > MaxFrameBytes {
		return nil, gridline.Errorf(gridline.ETOOLARGE, "frame is larger than %d bytes", MaxFrameBytes)
	}
	if !utf8.Valid(data) {
		return nil, gridline.Errorf(gridline.EINVALID, "frame is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f Frame
	if err := dec.Decode(&f); err != nil {
		return nil, gridline.Errorf(gridline.EINVALID, "frame is not a JSON object of a known shape: %s", jsonProblem(err))
	}
	if dec.More() {
		return nil, gridline.Errorf(gridline.EINVALID, "frame has trailing data")
	}
	if err := validate.Struct(&f); err != nil {
		return nil, err
	}
	switch f.Type {
	case frameMessage:
		if f.ClientID == "" {
			return nil, &gridline.Error{Code: gridline.EINVALID, Message: "a message needs a client_id", Fields: map[string]string{"client_id": "required"}}
		}
		if err := checkText(f.Text); err != nil {
			return nil, err
		}
	case frameChoose:
		if f.Option == "" {
			return nil, &gridline.Error{Code: gridline.EINVALID, Message: "choose needs an option", Fields: map[string]string{"option": "required"}}
		}
	case frameRating:
		if f.Score < 1 {
			return nil, &gridline.Error{Code: gridline.EINVALID, Message: "a rating is 1 to 5", Fields: map[string]string{"score": "must be 1 to 5"}}
		}
	case frameStatus:
		if f.Status == "" {
			return nil, &gridline.Error{Code: gridline.EINVALID, Message: "status needs a status", Fields: map[string]string{"status": "required"}}
		}
	case frameSubscribe:
		if f.ConversationID == "" {
			return nil, &gridline.Error{Code: gridline.EINVALID, Message: "subscribe needs a conversation_id", Fields: map[string]string{"conversation_id": "required"}}
		}
	}
	return &f, nil
}

// checkText accepts a chat message's text: not blank and within MaxTextRunes.
func checkText(text string) error {
	if len(bytes.TrimSpace([]byte(text))) == 0 {
		return &gridline.Error{Code: gridline.EINVALID, Message: "a message needs text", Fields: map[string]string{"text": "required"}}
	}
	if n := utf8.RuneCountInString(text); n > MaxTextRunes {
		return &gridline.Error{Code: gridline.ETOOLARGE, Message: fmt.Sprintf("a message may have at most %d characters, this one has %d", MaxTextRunes, n), Fields: map[string]string{"text": "too long"}}
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the client's bytes back.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case asErr(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case asErr(err, &typ):
		return fmt.Sprintf("field %q has the wrong type", typ.Field)
	}
	s := err.Error()
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
