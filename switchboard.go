package gridline

// The switchboard lives at the root, beside the nouns it carries, so that every
// domain (knowledge, handoff, the conversation policy) can publish and subscribe
// without importing another domain. handoff/memory and handoff/redis implement it.

import (
	"context"
	"encoding/json"
	"fmt"
)

// Topics events are published on.
const (
	// TopicAgents carries queue changes and assignments every agent console watches.
	TopicAgents = "agents"
	// TopicKnowledge carries article changes so that every replica refreshes its index.
	TopicKnowledge = "knowledge"
)

// ConversationTopic is the topic of one conversation's events.
func ConversationTopic(id string) string { return "conv:" + id }

// AgentTopic is the topic of events for one agent (assignments, transfers).
func AgentTopic(userID string) string { return "agent:" + userID }

// Event is one thing that happened, as published on a topic. Type is the frame
// type clients see ("message", "queue", "agent.joined", …); Data is the frame
// body. Seq is the message seq for message events, so that receivers notice gaps.
type Event struct {
	Type           string          `json:"type"`
	ConversationID string          `json:"conversation_id,omitempty"`
	Seq            int64           `json:"seq,omitempty"`
	Data           json.RawMessage `json:"data,omitempty"`
	// Origin is the publishing replica's id, so a replica may skip its own events.
	Origin string `json:"origin,omitempty"`
}

// Switchboard fans events out to subscribers of a topic, on this replica and on
// every other one. Delivery is best effort: a subscriber that cannot keep up loses
// events, and fills the gap from the store by Seq.
type Switchboard interface {
	// Publish sends ev to every current subscriber of topic.
	Publish(ctx context.Context, topic string, ev Event) error
	// Subscribe starts delivery of topic's events; it returns once the subscription
	// is live, so that an event published after it returns is delivered.
	Subscribe(ctx context.Context, topic string) (Subscription, error)
	// Ping reports whether the switchboard works.
	Ping(ctx context.Context) error
	Close() error
}

// Subscription is a live subscription to one topic.
type Subscription interface {
	// Events delivers the topic's events; it is closed by Close.
	Events() <-chan Event
	Close() error
}

// Event types published on a conversation's topic; they are also the type of the
// WebSocket frame clients receive.
const (
	EventMessage     = "message"       // Data: Message
	EventQueue       = "queue"         // Data: QueueData
	EventAgentJoined = "agent.joined"  // Data: JoinedData
	EventStatus      = "status"        // Data: Conversation (status, handler changed)
	EventTyping      = "typing"        // Data: TypingData
	EventBotDelta    = "bot.delta"     // Data: BotDeltaData
	EventOffer       = "offer"         // Data: OfferData
	EventQueueChange = "queue.changed" // on TopicAgents: the queues changed; Data: Ticket or empty
	EventArticle     = "article"       // on TopicKnowledge: Data: ArticleData
	EventSynonyms    = "synonyms"      // on TopicKnowledge: the synonyms changed; Data: empty
)

// QueueData is the Data of an EventQueue: where a waiting customer stands.
type QueueData struct {
	Position   int `json:"position"`
	ETASeconds int `json:"eta_seconds"`
}

// AgentRef names an agent in an EventAgentJoined.
type AgentRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// JoinedData is the Data of an EventAgentJoined.
type JoinedData struct {
	Agent AgentRef `json:"agent"`
}

// ArticleData is the Data of an EventArticle. ID 0 means that many articles
// changed at once (a bulk import): reload them all.
type ArticleData struct {
	ID      int64 `json:"id"`
	Deleted bool  `json:"deleted"`
}

// TypingData is the Data of an EventTyping: who is typing.
type TypingData struct {
	Author Author `json:"author"`
}

// BotDeltaData is the Data of an EventBotDelta: the next piece of a reply the
// bot is still writing, shown before the whole message is stored.
type BotDeltaData struct {
	Text string `json:"text"`
}

// OfferData is the Data of an EventOffer: nobody can take the chat now, so the
// widget offers these forms (RequestMessage, RequestCallback).
type OfferData struct {
	Kinds []string `json:"kinds"`
}

// MessageEvent wraps a stored message as the event subscribers receive.
func MessageEvent(m *Message) Event {
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
func Post(ctx context.Context, st MessageStore, sb Switchboard, m *Message) (created bool, err error) {
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
