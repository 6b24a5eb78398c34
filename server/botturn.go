package server

import (
	"context"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/handoff"
)

// botName is how the assistant signs its messages.
func botName(lang string) string {
	if lang == gridline.LangZH {
		return "格兰电力智能客服"
	}
	return "Gridline Assistant"
}

// botTurn lets the bot answer one customer input. Turns of one conversation run
// one at a time, in order; a conversation a person has taken gets no bot reply.
func (s *Server) botTurn(ctx context.Context, convID string, in bot.Input) {
	unlock := s.locks.lock(convID)
	defer unlock()
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
	topic := handoff.ConversationTopic(convID)
	_ = s.cfg.Board.Publish(ctx, topic, handoff.NewEvent(handoff.EventTyping, convID,
		map[string]any{"author": gridline.Author{Kind: gridline.AuthorBot, Name: botName(conv.Lang)}}))
	in.Lang = conv.Lang
	reply, err := s.cfg.Bot.Respond(ctx, in, func(text string) {
		_ = s.cfg.Board.Publish(ctx, topic, handoff.NewEvent(handoff.EventBotDelta, convID, map[string]string{"text": text}))
	})
	if err != nil {
		s.logger.Error("bot: respond", "err", err, "conversation", convID)
		reply = bot.Reply{Action: bot.ActionHandoff, Skill: gridline.SkillGeneral, Text: botTrouble(conv.Lang)}
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
	created, err := handoff.Post(ctx, s.cfg.Store, s.cfg.Board, m)
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
