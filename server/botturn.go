package server

import (
	"context"
	"sync"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
)

// botName is how the assistant signs its messages.
func botName(lang string) string {
	if lang == gridline.LangZH {
		return "格兰电力智能客服"
	}
	return "Gridline Assistant"
}

// maxPendingTurns bounds the inputs waiting for the bot in one conversation; a
// customer who types faster than the bot answers loses the oldest waiting turn,
// not the newest.
const maxPendingTurns = 4

// botTurns queues bot turns per conversation, so that one worker takes each
// conversation's inputs in the order they were stored.
type botTurns struct {
	mu      sync.Mutex
	pending map[string][]bot.Input // an entry exists while a worker runs
}

// enqueue adds in and reports whether a worker must be started for the
// conversation, and whether an older waiting input was dropped to make room.
func (t *botTurns) enqueue(convID string, in bot.Input) (start, dropped bool) {
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
func (t *botTurns) next(convID string) (bot.Input, bool) {
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

// queueBotTurn queues a customer input for the bot, starting the conversation's
// worker when none runs. Called in the order inputs are stored.
func (s *Server) queueBotTurn(convID string, in bot.Input) {
	start, dropped := s.turns.enqueue(convID, in)
	if dropped {
		s.logger.Warn("bot: customer is typing faster than the bot answers; an older turn was skipped", "conversation", convID)
	}
	if start {
		s.goBackground(func(ctx context.Context) {
			for in, ok := s.turns.next(convID); ok; in, ok = s.turns.next(convID) {
				s.botTurn(ctx, convID, in)
			}
		})
	}
}

// botTurn lets the bot answer one customer input; a conversation a person has
// taken, or that was closed, gets no bot reply.
func (s *Server) botTurn(ctx context.Context, convID string, in bot.Input) {
	ctx, cancel := context.WithTimeout(ctx, botTimeout)
	defer cancel()

	conv, err := s.cfg.Store.Conversation(ctx, convID)
	if err != nil {
		s.logger.Error("bot: load conversation", "err", err, "conversation", convID)
		return
	}
	if conv.Status != gridline.StatusBot {
		return
	}
	topic := gridline.ConversationTopic(convID)
	_ = s.cfg.Board.Publish(ctx, topic, gridline.NewEvent(gridline.EventTyping, convID,
		map[string]any{"author": gridline.Author{Kind: gridline.AuthorBot, Name: botName(conv.Lang)}}))
	in.Lang = conv.Lang
	reply, err := s.cfg.Bot.Respond(ctx, in, func(text string) {
		_ = s.cfg.Board.Publish(ctx, topic, gridline.NewEvent(gridline.EventBotDelta, convID, map[string]string{"text": text}))
	})
	if err != nil {
		s.logger.Error("bot: respond", "err", err, "conversation", convID)
		reply = bot.Reply{Action: bot.ActionHandoff, Skill: gridline.SkillGeneral, Text: botTrouble(conv.Lang)}
	}
	// The answer may have taken a while: if a person took the chat or closed it
	// meanwhile, the bot stays silent.
	if now, err := s.cfg.Store.Conversation(ctx, convID); err != nil || now.Status != gridline.StatusBot {
		return
	}
	if err := s.postBotReply(ctx, conv, reply); err != nil {
		s.logger.Error("bot: post reply", "err", err, "conversation", convID)
		return
	}
	s.metrics.botReplies.WithLabelValues(reply.Action).Inc()
	if reply.Request != nil {
		r := *reply.Request
		r.ConversationID, r.CustomerID = conv.ID, conv.CustomerID
		if err := s.cfg.Store.CreateRequest(ctx, &r); err != nil {
			s.logger.Error("bot: store request", "err", err, "conversation", convID)
		}
	}
	if reply.Action == bot.ActionHandoff {
		if err := s.handOff(ctx, conv, reply); err != nil {
			s.logger.Error("bot: hand off", "err", err, "conversation", convID)
		}
	}
}

// postBotReply stores the bot's message and publishes it.
func (s *Server) postBotReply(ctx context.Context, conv *gridline.Conversation, reply bot.Reply) error {
	m := &gridline.Message{ConversationID: conv.ID, Text: reply.Text, Citations: reply.Citations,
		QuickReplies: reply.QuickReplies, Author: gridline.Author{Kind: gridline.AuthorBot, Name: botName(conv.Lang)}}
	created, err := gridline.Post(ctx, s.cfg.Store, s.cfg.Board, m)
	if created {
		s.metrics.messages.WithLabelValues(string(gridline.AuthorBot)).Inc()
		if err != nil {
			s.logger.Warn("bot: publish", "err", err, "conversation", conv.ID)
			return nil
		}
	}
	return err
}

func botTrouble(lang string) string {
	if lang == gridline.LangZH {
		return "抱歉，我这边出了点问题。我会请人工客服来帮您。"
	}
	return "Sorry, something went wrong on my side. I'll ask a person to help you."
}
