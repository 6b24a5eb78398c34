// Package handoff moves conversations between customers, the bot and human agents:
// the Queue holds conversations waiting for a person, Presence tracks which agents
// are online and how loaded they are, and the Desk routes between them.
// handoff/memory implements these seams, and the root gridline.Switchboard, in
// process (one machine); handoff/redis implements them over Redis (several
// replicas). handoff/handofftest is the contract both pass.
package handoff

import (
	"context"
	"time"
)

// Ticket is a conversation waiting in a skill queue.
type Ticket struct {
	ConversationID string    `json:"conversation_id"`
	CustomerID     string    `json:"customer_id"`
	Skill          string    `json:"skill"`
	Priority       int       `json:"priority"`
	EnqueuedAt     time.Time `json:"enqueued_at"`
	// OwnerID is the agent who owns the customer's matter, offered it first.
	OwnerID string `json:"owner_id,omitempty"`
}

// Queue holds conversations waiting for an agent, one queue per skill, ordered by
// priority (higher first) then by EnqueuedAt (older first).
type Queue interface {
	// Enqueue adds t; enqueueing a conversation already queued updates it in place.
	Enqueue(ctx context.Context, t Ticket) error
	// Remove takes a conversation out of its queue; removing one not queued is no error.
	Remove(ctx context.Context, conversationID string) error
	// Position returns the 1-based place of a conversation in its queue; ENOTFOUND
	// when it is not queued.
	Position(ctx context.Context, conversationID string) (int, error)
	// List returns the tickets of one skill ("" for all skills) in serving order.
	List(ctx context.Context, skill string) ([]Ticket, error)
	// Claim atomically takes the best ticket across skills for agentID, if the
	// agent's load is below capacity, and adds one to the agent's load. Tickets owned
	// by agentID come first within equal priority. ENOTFOUND when nothing is waiting,
	// ECONFLICT when the agent is full. No ticket is ever given to two agents.
	Claim(ctx context.Context, agentID string, skills []string, capacity int) (*Ticket, error)
	// ClaimConversation atomically takes one named conversation for agentID (a
	// manual pick). ENOTFOUND when it is not queued (someone else took it), ECONFLICT
	// when the agent is full.
	ClaimConversation(ctx context.Context, agentID, conversationID string, capacity int) (*Ticket, error)
	// Release takes one from the agent's load (a chat resolved or transferred away).
	Release(ctx context.Context, agentID string) error
	// AddLoad adds one to the agent's load without a queue (a direct transfer).
	AddLoad(ctx context.Context, agentID string) error
	// Load returns the agent's current number of chats.
	Load(ctx context.Context, agentID string) (int, error)
	// SetLoad sets the agent's load (recovery after restarts).
	SetLoad(ctx context.Context, agentID string, n int) error
}

// Agent statuses.
const (
	AgentOnline  = "online"
	AgentAway    = "away"
	AgentOffline = "offline"
)

// AgentPresence is what the desk knows of an agent right now.
type AgentPresence struct {
	UserID   string    `json:"user_id"`
	Status   string    `json:"status"`
	Skills   []string  `json:"skills"`
	Capacity int       `json:"capacity"`
	SeenAt   time.Time `json:"seen_at"`
}

// Presence keeps agents' status alive by heartbeats with a time to live, and
// the two clocks every replica must read alike: when each agent was last seen
// (a vanished agent's grace runs from it) and when each was last offered a chat
// (new chats come at the pace an agent can read).
type Presence interface {
	// Heartbeat records p as seen now; it is forgotten after ttl without another.
	// The time it was seen is remembered far longer (see LastSeen).
	Heartbeat(ctx context.Context, p AgentPresence, ttl time.Duration) error
	// Leave forgets the agent at once (logout, offline).
	Leave(ctx context.Context, userID string) error
	// Agents returns every agent whose heartbeat is still alive.
	Agents(ctx context.Context) ([]AgentPresence, error)
	// Agent returns one agent's presence; ENOTFOUND when it has lapsed.
	Agent(ctx context.Context, userID string) (*AgentPresence, error)
	// LastSeen returns when the agent's last heartbeat came, remembered for at
	// least LastSeenTTL after it, so that every replica, a restarted one too,
	// measures a vanished agent's grace from the same moment. For an agent with
	// no record it records noticed, unless a record appeared meanwhile, and
	// returns what is recorded: the first desk to notice an agent it never saw
	// beat starts the one clock all desks then read.
	LastSeen(ctx context.Context, userID string, noticed time.Time) (time.Time, error)
	// Pace reserves the agent's next offered chat: true, and no other
	// reservation for every, when none was made within the last every; false
	// while one stands. Desks on every replica share the reservations, so an
	// agent is offered at most one chat per every between them.
	Pace(ctx context.Context, userID string, every time.Duration) (bool, error)
}

// LastSeenTTL is how long a Presence remembers when an agent was last seen: far
// longer than any grace, short enough that departed staff are forgotten.
const LastSeenTTL = 24 * time.Hour
