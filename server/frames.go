package server

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/gridline/gridline"
)

// The frames the server sends, in one place. Switchboard events (message,
// queue, typing, bot.delta, offer, agent.joined, …) travel as their event's
// typed Data with the type spliced in (eventFrame, agentEventFrame); the rest
// are the structs below. Clients read fields by name, so adding one is safe.

// Frame types the server sends besides switchboard events.
const (
	outWelcome      = "welcome"
	outAck          = "ack"
	outError        = "error"
	outRated        = "rated"
	outConversation = "conversation"
	outAssigned     = "assigned"
	outUnsubscribed = "unsubscribed"
	outQueues       = "queues"
)

// chatWelcomeFrame opens a customer's chat after hello: where the conversation
// stands and the last seq, before the replay.
type chatWelcomeFrame struct {
	Type           string                      `json:"type"`
	ConversationID string                      `json:"conversation_id"`
	Status         gridline.ConversationStatus `json:"status"`
	Lang           string                      `json:"lang"`
	LastSeq        int64                       `json:"last_seq"`
}

// agentWelcomeFrame opens a console: who is logged in.
type agentWelcomeFrame struct {
	Type string         `json:"type"`
	User *gridline.User `json:"user"`
}

// ackFrame says a message is stored, with its seq. ConversationID is set on the
// agent socket, where one console writes in many conversations.
type ackFrame struct {
	Type           string `json:"type"`
	ConversationID string `json:"conversation_id,omitempty"`
	ClientID       string `json:"client_id"`
	Seq            int64  `json:"seq"`
}

// errorFrame is error{code,message,fields?} with the conversation and client
// id the refused frame named, when it named them.
type errorFrame struct {
	Type string `json:"type"`
	errorBody
	ConversationID string `json:"conversation_id,omitempty"`
	ClientID       string `json:"client_id,omitempty"`
}

// customerStatusFrame is a status event as customers see it: where their
// conversation stands, without staff ids or ratings.
type customerStatusFrame struct {
	Type   string                      `json:"type"`
	Status gridline.ConversationStatus `json:"status"`
}

// queueFrame is queue{position,eta_seconds}, sent to a waiting customer on hello.
type queueFrame struct {
	Type string `json:"type"`
	gridline.QueueData
}

// ratedFrame thanks the customer for a rating; Text is what they are told
// (after a bad one: that someone will contact them).
type ratedFrame struct {
	Type  string `json:"type"`
	Score int    `json:"score"`
	Text  string `json:"text,omitempty"`
}

// conversationFrame carries a conversation to a console: conversation{…} when
// it is subscribed to or changes, assigned{…} when it becomes the agent's.
type conversationFrame struct {
	Type           string           `json:"type"`
	ConversationID string           `json:"conversation_id,omitempty"`
	Conversation   conversationView `json:"conversation"`
}

// unsubscribedFrame tells a console it no longer follows a conversation, and why.
type unsubscribedFrame struct {
	Type           string `json:"type"`
	ConversationID string `json:"conversation_id"`
	Reason         string `json:"reason"`
}

// queuesFrame is every waiting conversation, as GET /queues answers.
type queuesFrame struct {
	Type    string       `json:"type"`
	Tickets []ticketView `json:"tickets"`
}

// sendError sends err to a client as an error frame; an internal error is
// logged under kind and reaches the client only as a generic message. The one
// builder of error frames for both sockets.
func (s *Server) sendError(sk *socket, kind, convID, clientID string, err error) {
	body := toErrorBody(err)
	if body.Code == gridline.EINTERNAL {
		s.logger.Error(kind+" socket", "err", err, "conversation", convID)
	}
	sk.sendJSON(errorFrame{Type: outError, errorBody: body, ConversationID: convID, ClientID: clientID})
}

// messageFrame is the frame a stored message travels in.
func messageFrame(m *gridline.Message) json.RawMessage {
	data, _ := json.Marshal(m)
	return spliceType(gridline.EventMessage, data)
}

// eventFrame turns a switchboard event into the frame clients receive: the
// event's data object with its type added.
func eventFrame(ev gridline.Event) json.RawMessage {
	return spliceType(ev.Type, ev.Data)
}

// spliceType returns {"type":typ, ...fields of obj}.
func spliceType(typ string, obj []byte) json.RawMessage {
	head, _ := json.Marshal(typ)
	obj = bytes.TrimSpace(obj)
	if len(obj) < 2 || obj[0] != '{' {
		return json.RawMessage(`{"type":` + string(head) + `}`)
	}
	var b bytes.Buffer
	b.WriteString(`{"type":`)
	b.Write(head)
	if inner := bytes.TrimSpace(obj[1 : len(obj)-1]); len(inner) > 0 {
		b.WriteByte(',')
		b.Write(inner)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// agentEventFrame is an event as the console receives it: the event's data with
// its type and, when the data lacks one, the conversation it belongs to.
func agentEventFrame(ev gridline.Event, convID string) json.RawMessage {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(ev.Data, &fields); err != nil || fields == nil {
		fields = make(map[string]json.RawMessage)
	}
	typ, _ := json.Marshal(ev.Type)
	fields["type"] = typ
	if _, ok := fields["conversation_id"]; !ok && convID != "" {
		id, _ := json.Marshal(convID)
		fields["conversation_id"] = id
	}
	out, _ := json.Marshal(fields)
	return out
}

// workOrderFrame is workorder{kind, action, deadline, due_at, order}: an order
// changed, was reminded about, or one of its deadlines is 80 % gone or broken
// (Alert: consoles highlight it). Customers receive only what
// gridline.WorkOrderPublic carries, and no warnings, breaches or links to
// other orders.
type workOrderFrame struct {
	Type     string                   `json:"type"`
	Kind     string                   `json:"kind"`
	Action   string                   `json:"action,omitempty"`
	Deadline string                   `json:"deadline,omitempty"`
	DueAt    *time.Time               `json:"due_at,omitempty"`
	MasterID string                   `json:"master_id,omitempty"`
	Alert    bool                     `json:"alert,omitempty"`
	Order    gridline.WorkOrderPublic `json:"order"`
}

// workOrderFrameFor decodes a workorder event into the frame for a console
// (customer false) or a customer's chat; ok is false when the event is not for
// them or not a notice.
func workOrderFrameFor(ev gridline.Event, customer bool) (f workOrderFrame, ok bool) {
	var n gridline.WorkOrderNotice
	if err := json.Unmarshal(ev.Data, &n); err != nil || n.Order.ID == "" {
		return f, false
	}
	alert := n.Kind == gridline.NoticeWarning || n.Kind == gridline.NoticeBreach
	if customer {
		if alert {
			return f, false
		}
		return workOrderFrame{Type: gridline.EventWorkOrder, Kind: n.Kind, Action: n.Action, Order: n.Order}, true
	}
	return workOrderFrame{Type: gridline.EventWorkOrder, Kind: n.Kind, Action: n.Action, Deadline: n.Deadline, DueAt: n.DueAt,
		MasterID: n.MasterID, Alert: alert, Order: n.Order}, true
}
