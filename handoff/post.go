package handoff

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gridline/gridline"
)

// Event types published on a conversation's topic; they are also the type of the
// WebSocket frame clients receive.
const (
	EventMessage     = "message"       // Data: gridline.Message
	EventQueue       = "queue"         // Data: {"position":n,"eta_seconds":n}
	EventAgentJoined = "agent.joined"  // Data: {"agent":{"id","name"}}
	EventStatus      = "status"        // Data: gridline.Conversation (status, handler changed)
	EventTyping      = "typing"        // Data: {"author":gridline.Author}
	EventBotDelta    = "bot.delta"     // Data: {"text":"…"}
	EventQueueChange = "queue.changed" // on TopicAgents: the queues changed; Data: Ticket or empty
	EventArticle     = "article"       // on TopicKnowledge: Data: {"id":n,"deleted":bool}
)

// MessageEvent wraps a stored message as the event subscribers receive.
func MessageEvent(m *gridline.Message) Event {
	data, _ := json.Marshal(m) // a Message always marshals
	return Event{Type: EventMessage, ConversationID: m.ConversationID, Seq: m.Seq, Data: data}
}

// NewEvent builds an event whose Data is v as JSON.
func NewEvent(typ, conversationID string, v any) Event {
	var data json.RawMessage
	if v != nil {
		data, _ = json.Marshal(v)
	}
	return Event{Type: typ, ConversationID: conversationID, Data: data}
}

// Post stores m with the conversation's next seq and only then publishes it on the
// conversation's topic, so nothing a subscriber sees can be missing from the store.
// A resent client id is not stored or published again; created says which.
func Post(ctx context.Context, st gridline.Store, sb Switchboard, m *gridline.Message) (created bool, err error) {
	created, err = st.AppendMessage(ctx, m)
	if err != nil {
		return false, err
	}
	if created {
		if err := sb.Publish(ctx, ConversationTopic(m.ConversationID), MessageEvent(m)); err != nil {
			// The message is stored; subscribers fill the gap from the store by seq.
			return true, fmt.Errorf("publish message: %w", err)
		}
	}
	return created, nil
}
