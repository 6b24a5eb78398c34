// Package conversation is a conversation's policy, free of any transport: how a
// visitor's chat starts or resumes, how customer messages reach the bot one turn
// at a time and in store order (across replicas too), when the bot hands off and
// what the customer is told, who may read or reply, and how a chat is rated. The
// server decodes a frame or a request, calls a Service method and encodes the
// answer; everything it would otherwise have to decide lives here.
//
// It imports the root package, the bot and the handoff seams, never Echo,
// gorilla, SQL drivers or go-redis. Turn ordering across replicas goes through
// the Lease seam: NewMemoryLease for one process, handoff/redis.NewLease for
// several.
package conversation

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/handoff"
)

// Desk is the routing the policy asks for; *handoff.Desk implements it.
type Desk interface {
	RequestHuman(ctx context.Context, conversationID, skill string, priority int) (position, etaSeconds int, err error)
	QueueStatus(ctx context.Context, conversationID string) (position, etaSeconds int, err error)
	Claim(ctx context.Context, agent *gridline.User, conversationID string) (*gridline.Conversation, error)
	Transfer(ctx context.Context, by *gridline.User, conversationID, toAgentID, toSkill, note string) error
	Resolve(ctx context.Context, by *gridline.User, conversationID string) error
	// Abandon closes a waiting conversation whose customer has gone (a caller
	// who hung up on hold) and takes it out of its queue.
	Abandon(ctx context.Context, conversationID string) error
}

// Observer hears what the service did, for the figures a transport exposes
// (the server's /metrics). Its methods must be quick and must not block.
type Observer interface {
	// MessageStored is told of every message the service stored anew.
	MessageStored(kind gridline.AuthorKind)
	// BotReplied is told of every bot reply posted, by its action.
	BotReplied(action string)
}

// Defaults of a Config's zero durations.
const (
	DefaultBotTimeout = 30 * time.Second
	DefaultLeaseTTL   = 10 * time.Second
	DefaultLeasePoll  = 100 * time.Millisecond
)

// Config is what a Service is built from. Store, Board and Bot are required.
type Config struct {
	Store gridline.Store
	Board gridline.Switchboard
	Bot   bot.Responder
	// Desk routes conversations to agents. Nil means no routing: handoffs
	// become requests for staff to close later, and claims are ENOTIMPLEMENTED.
	Desk Desk
	// Archive identifies host-signed visitors and lets a visitor prove an
	// account in chat and ask for its balance; nil means no archive: signed
	// identities are refused and the bot answers everything.
	Archive Archive
	// WorkOrders opens the orders chats raise: a fault report (repair), danger
	// (an urgent repair beside the urgent handoff), a complaint, a message or
	// call-back left for staff and a handoff nobody could take (consultation).
	// Nil means none: those are kept as requests for staff to close.
	WorkOrders WorkOrders
	// Ratings records chat ratings and opens the follow-up a bad one asks for;
	// nil keeps only the score on the conversation and a note for staff.
	Ratings Ratings
	// Presence tells whether anyone is online to take a chat; nil means nobody.
	Presence handoff.Presence
	// Lease lets one replica at a time run a conversation's bot turns. Nil means
	// NewMemoryLease(nil): enough for one process, not for several replicas.
	Lease Lease
	// BotTimeout bounds one bot turn, LLM included. Zero means 30 seconds.
	BotTimeout time.Duration
	// LeaseTTL is how long a turn lease lasts without renewal; a replica that
	// dies holding one delays that conversation's next turn by at most this.
	// Zero means 10 seconds.
	LeaseTTL time.Duration
	// LeasePoll is how often a replica waiting for another's turns looks again.
	// Zero means 100 ms.
	LeasePoll time.Duration
	// Logger receives what the service cannot return (bot failures, failed
	// publishes); nil means slog.Default().
	Logger *slog.Logger
}

// Service is the conversation policy over a store, a switchboard, the bot and
// the desk. Create it with New; Wait lets in-flight bot turns finish and Close
// stops them. Its only process state is the queue of turns waiting on this
// replica; the right to run them is the Lease's.
type Service struct {
	cfg    Config
	logger *slog.Logger

	ctx    context.Context // the service's lifetime: bot turns run under it
	cancel context.CancelFunc
	work   sync.WaitGroup // turn workers

	turns turnQueue

	mu        sync.Mutex
	observers []Observer
}

// New builds a service from cfg.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Lease == nil {
		cfg.Lease = NewMemoryLease(nil)
	}
	if cfg.BotTimeout <= 0 {
		cfg.BotTimeout = DefaultBotTimeout
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.LeasePoll <= 0 {
		cfg.LeasePoll = DefaultLeasePoll
	}
	s := &Service{cfg: cfg, logger: cfg.Logger}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Observe adds o to those told what the service stores and how the bot replied.
func (s *Service) Observe(o Observer) {
	if o == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observers = append(s.observers, o)
}

func (s *Service) stored(kind gridline.AuthorKind) {
	s.mu.Lock()
	obs := s.observers
	s.mu.Unlock()
	for _, o := range obs {
		o.MessageStored(kind)
	}
}

func (s *Service) botReplied(action string) {
	s.mu.Lock()
	obs := s.observers
	s.mu.Unlock()
	for _, o := range obs {
		o.BotReplied(action)
	}
}

// Wait waits until no bot turn is queued or running on this replica, or ctx
// ends. Call it once nothing new reaches the service (the server has closed its
// sockets), so that a customer who was just answered has the answer stored.
func (s *Service) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.work.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the bot turns still running and waits for their workers to end.
func (s *Service) Close() error {
	s.cancel()
	s.work.Wait()
	return nil
}

// post stores m and publishes it, telling observers of a new message. A failed
// publish is logged, not returned: the message is stored and every subscriber
// fills the gap from the store.
func (s *Service) post(ctx context.Context, m *gridline.Message) (created bool, err error) {
	created, err = gridline.Post(ctx, s.cfg.Store, s.cfg.Board, m)
	if created {
		s.stored(m.Author.Kind)
		if err != nil {
			s.logger.Warn("conversation: publish", "err", err, "conversation", m.ConversationID, "author", m.Author.Kind)
			return true, nil
		}
	}
	return created, err
}

// publish sends an event on the conversation's topic; live events are best
// effort, so a failure is only logged.
func (s *Service) publish(ctx context.Context, convID, typ string, data any) {
	if err := s.cfg.Board.Publish(ctx, gridline.ConversationTopic(convID), gridline.NewEvent(typ, convID, data)); err != nil {
		s.logger.Warn("conversation: publish", "err", err, "conversation", convID, "type", typ)
	}
}
