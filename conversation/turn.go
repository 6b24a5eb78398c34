package conversation

import (
	"context"
	"sync"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
)

// maxPendingTurns bounds the inputs waiting for the bot in one conversation on
// one replica; a customer who types faster than the bot answers loses the
// oldest waiting turn, not the newest.
const maxPendingTurns = 4

// turnQueue queues bot turns per conversation, so that one worker takes each
// conversation's inputs in the order they were stored.
type turnQueue struct {
	mu      sync.Mutex
	pending map[string][]bot.Input // an entry exists while a worker runs
}

// enqueue adds in and reports whether a worker must be started for the
// conversation, and whether an older waiting input was dropped to make room.
func (t *turnQueue) enqueue(convID string, in bot.Input) (start, dropped bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending == nil {
		t.pending = make(map[string][]bot.Input)
	}
	q, running := t.pending[convID]
	if len(q) >= maxPendingTurns {
		q, dropped = q[1:], true
	}
	t.pending[convID] = append(q, in)
	return !running, dropped
}

// next takes the conversation's next input; when none is left the worker ends.
func (t *turnQueue) next(convID string) (bot.Input, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	q := t.pending[convID]
	if len(q) == 0 {
		delete(t.pending, convID)
		return bot.Input{}, false
	}
	t.pending[convID] = q[1:]
	return q[0], true
}

// turnKey names a conversation's turn lease.
func turnKey(convID string) string { return "turns:" + convID }

// queueTurn queues a customer input for the bot, starting the conversation's
// worker when none runs on this replica. Called in the order inputs are stored.
func (s *Service) queueTurn(convID string, in bot.Input) {
	start, dropped := s.turns.enqueue(convID, in)
	if dropped {
		s.logger.Warn("bot: customer is typing faster than the bot answers; an older turn was skipped", "conversation", convID)
	}
	if start {
		s.work.Add(1)
		go func() {
			defer s.work.Done()
			s.runTurns(s.ctx, convID)
		}()
	}
}

// runTurns is one conversation's worker: it holds the conversation's lease
// while it takes the queued inputs one by one, so that a worker for the same
// conversation on another replica waits until these are answered.
func (s *Service) runTurns(ctx context.Context, convID string) {
	h := s.holdLease(ctx, convID)
	defer h.release()
	for in, ok := s.turns.next(convID); ok; in, ok = s.turns.next(convID) {
		if ctx.Err() != nil {
			continue // closing: drain the queue without answering
		}
		if h.lost() {
			h.release()
			h = s.holdLease(ctx, convID)
		}
		s.turn(ctx, convID, in)
	}
}

// heldLease is a worker's hold on a conversation's lease, renewed in the
// background until released.
type heldLease struct {
	s     *Service
	key   string
	token string // "" when the lease could not be reached and turns run unleased
	stop  chan struct{}
	done  chan struct{}

	mu     sync.Mutex
	gone   bool
	closed bool
}

// holdLease waits until this replica holds the conversation's lease (another
// replica's worker is answering the turns stored before ours) and keeps it
// renewed. When the lease cannot be reached at all, turns run without it:
// answering out of order across replicas is better than not answering.
func (s *Service) holdLease(ctx context.Context, convID string) *heldLease {
	key := turnKey(convID)
	h := &heldLease{s: s, key: key, stop: make(chan struct{}), done: make(chan struct{})}
	poll := time.NewTimer(0)
	defer poll.Stop()
	<-poll.C
	for {
		tok, err := s.cfg.Lease.Acquire(ctx, key, s.cfg.LeaseTTL)
		if err != nil {
			if ctx.Err() == nil {
				s.logger.Warn("bot: turn lease unavailable; answering without it", "err", err, "conversation", convID)
			}
			close(h.done)
			return h
		}
		if tok != "" {
			h.token = tok
			break
		}
		poll.Reset(s.cfg.LeasePoll)
		select {
		case <-ctx.Done():
			close(h.done)
			return h
		case <-poll.C:
		}
	}
	go h.renew(ctx)
	return h
}

// renew extends the lease every third of its ttl until released.
func (h *heldLease) renew(ctx context.Context) {
	defer close(h.done)
	t := time.NewTicker(h.s.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, err := h.s.cfg.Lease.Extend(ctx, h.key, h.token, h.s.cfg.LeaseTTL)
		if err != nil {
			continue // try again next tick; the ttl leaves room for two misses
		}
		if !ok {
			h.mu.Lock()
			h.gone = true
			h.mu.Unlock()
			return
		}
	}
}

// lost reports whether the lease lapsed under the worker (a stalled replica):
// the next turn must wait for it again.
func (h *heldLease) lost() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.token != "" && h.gone
}

// release stops renewing and gives the lease up; it is safe to call twice.
func (h *heldLease) release() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	h.mu.Unlock()
	close(h.stop)
	<-h.done
	if h.token != "" {
		// Released even while the service closes, so the next replica need not
		// wait out the ttl.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := h.s.cfg.Lease.Release(ctx, h.key, h.token); err != nil {
			h.s.logger.Warn("bot: release turn lease", "err", err, "key", h.key)
		}
	}
}

// turn lets the bot answer one customer input. A conversation a person has
// taken, or that was closed, gets no bot reply — also when that happened while
// the bot was thinking.
func (s *Service) turn(ctx context.Context, convID string, in bot.Input) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.BotTimeout)
	defer cancel()

	conv, err := s.cfg.Store.Conversation(ctx, convID)
	if err != nil {
		s.logger.Error("bot: load conversation", "err", err, "conversation", convID)
		return
	}
	if conv.Status != gridline.StatusBot {
		return
	}
	s.publish(ctx, convID, gridline.EventTyping, gridline.TypingData{Author: gridline.Author{Kind: gridline.AuthorBot, Name: botName(conv.Lang)}})
	in.Lang = conv.Lang
	if reply, ok := s.archiveTurn(ctx, conv, in); ok {
		if err := s.postBotReply(ctx, conv, reply); err != nil {
			s.logger.Error("bot: post reply", "err", err, "conversation", convID)
			return
		}
		s.botReplied(reply.Action)
		return
	}
	reply, err := s.cfg.Bot.Respond(ctx, in, func(text string) {
		s.publish(ctx, convID, gridline.EventBotDelta, gridline.BotDeltaData{Text: text})
	})
	if err != nil {
		s.logger.Error("bot: respond", "err", err, "conversation", convID)
		reply = bot.Reply{Action: bot.ActionHandoff, Skill: gridline.SkillGeneral, Text: text(conv.Lang, msgBotTrouble)}
	}
	if now, err := s.cfg.Store.Conversation(ctx, convID); err != nil || now.Status != gridline.StatusBot {
		return
	}
	if err := s.postBotReply(ctx, conv, reply); err != nil {
		s.logger.Error("bot: post reply", "err", err, "conversation", convID)
		return
	}
	s.botReplied(reply.Action)
	opened := false
	if s.cfg.WorkOrders != nil {
		// The order opens before the handoff, so that the agent who takes the
		// chat finds it and becomes its owner.
		if in, ok := s.orderFor(ctx, conv, reply); ok {
			wo, _ := s.openOrder(ctx, conv, in)
			opened = wo != nil
		}
	} else if reply.Request != nil {
		r := *reply.Request
		r.ConversationID, r.CustomerID = conv.ID, conv.CustomerID
		if err := s.cfg.Store.CreateRequest(ctx, &r); err != nil {
			s.logger.Error("bot: store request", "err", err, "conversation", convID)
		}
	}
	if reply.Action == bot.ActionHandoff {
		if err := s.handOff(ctx, conv, reply, opened); err != nil {
			s.logger.Error("bot: hand off", "err", err, "conversation", convID)
		}
	}
}

// postBotReply stores the bot's message and publishes it.
func (s *Service) postBotReply(ctx context.Context, conv *gridline.Conversation, reply bot.Reply) error {
	m := &gridline.Message{ConversationID: conv.ID, Text: reply.Text, Citations: reply.Citations,
		QuickReplies: reply.QuickReplies, Author: gridline.Author{Kind: gridline.AuthorBot, Name: botName(conv.Lang)}}
	_, err := s.post(ctx, m)
	return err
}
