package conversation

import (
	"context"
	"strings"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/handoff"
)

// handOff puts the conversation in front of people: in the skill's queue,
// urgent ahead of everyone when the bot saw danger. When there is no desk or the
// queue fails, the matter is left for staff as a request; when nobody is online
// the customer is offered to leave a message or ask for a call back. opened
// says the reply already opened a work order, which staff will follow up.
func (s *Service) handOff(ctx context.Context, conv *gridline.Conversation, reply bot.Reply, opened bool) error {
	skill, priority := handoffTarget(reply)
	if s.cfg.Desk == nil {
		return s.leaveForStaff(ctx, conv, skill, opened)
	}
	if _, _, err := s.cfg.Desk.RequestHuman(ctx, conv.ID, skill, priority); err != nil {
		s.logger.Error("handoff: request human", "err", err, "conversation", conv.ID)
		return s.leaveForStaff(ctx, conv, skill, opened)
	}
	if !s.anyAgentOnline(ctx) {
		s.offerRequest(ctx, conv.ID)
	}
	return nil
}

// handoffTarget is the queue and priority a bot's handoff asks for: the general
// queue when the bot named none, and at least urgent priority for danger.
func handoffTarget(reply bot.Reply) (skill string, priority int) {
	skill = reply.Skill
	if skill == "" {
		skill = gridline.SkillGeneral
	}
	priority = reply.Priority
	if reply.Urgent && priority < gridline.PriorityUrgent {
		priority = gridline.PriorityUrgent
	}
	return skill, priority
}

// leaveForStaff records a handoff that cannot be queued now as a consultation
// order (a request that an agent must close, without work orders), unless the
// reply opened an order already, and tells the customer.
func (s *Service) leaveForStaff(ctx context.Context, conv *gridline.Conversation, skill string, opened bool) error {
	leftText := text(conv.Lang, msgLeftForStaff)
	switch {
	case opened:
	case s.cfg.WorkOrders != nil:
		said, err := s.LastCustomerText(ctx, conv)
		if err != nil {
			return err
		}
		note := "handoff: " + skill
		if said = strings.TrimSpace(said); said != "" {
			note += ": " + said
		}
		wo, err := s.consultationOrder(ctx, conv, "", "", note)
		if err != nil {
			return err
		}
		leftText = text(conv.Lang, msgLeftForStaffOrder, wo.Number)
	default:
		if err := s.cfg.Store.CreateRequest(ctx, &gridline.Request{Kind: gridline.RequestHandoff,
			ConversationID: conv.ID, CustomerID: conv.CustomerID, Text: "handoff: " + skill}); err != nil {
			return err
		}
	}
	m := &gridline.Message{ConversationID: conv.ID, Text: leftText, Author: gridline.Author{Kind: gridline.AuthorSystem}}
	if _, err := s.post(ctx, m); err != nil {
		return err
	}
	s.offerRequest(ctx, conv.ID)
	return nil
}

// anyAgentOnline reports whether an agent could take a chat now; a presence
// that does not answer counts as nobody.
func (s *Service) anyAgentOnline(ctx context.Context) bool {
	if s.cfg.Presence == nil {
		return false
	}
	agents, err := s.cfg.Presence.Agents(ctx)
	if err != nil {
		return false
	}
	for _, a := range agents {
		if a.Status == handoff.AgentOnline {
			return true
		}
	}
	return false
}

// offerRequest tells the widget to show the leave-a-message / call-back form.
func (s *Service) offerRequest(ctx context.Context, convID string) {
	s.publish(ctx, convID, gridline.EventOffer, gridline.OfferData{Kinds: []string{gridline.RequestMessage, gridline.RequestCallback}})
}
