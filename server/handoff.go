package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/handoff"
)

// Desk is the routing the server asks for; *handoff.Desk implements it.
type Desk interface {
	RequestHuman(ctx context.Context, conversationID, skill string, priority int) (position, etaSeconds int, err error)
	QueueStatus(ctx context.Context, conversationID string) (position, etaSeconds int, err error)
	Claim(ctx context.Context, agent *gridline.User, conversationID string) (*gridline.Conversation, error)
	Transfer(ctx context.Context, by *gridline.User, conversationID, toAgentID, toSkill, note string) error
	Resolve(ctx context.Context, by *gridline.User, conversationID string) error
	Heartbeat(ctx context.Context, u *gridline.User, status string) error
	Disconnect(ctx context.Context, u *gridline.User) error
}

// handOff puts the conversation in front of people. When nobody is online the
// customer is offered to leave a message or ask for a call back.
func (s *Server) handOff(ctx context.Context, conv *gridline.Conversation, reply bot.Reply) error {
	skill := reply.Skill
	if skill == "" {
		skill = gridline.SkillGeneral
	}
	priority := reply.Priority
	if reply.Urgent && priority < gridline.PriorityUrgent {
		priority = gridline.PriorityUrgent
	}
	if s.cfg.Desk == nil {
		return s.leaveForStaff(ctx, conv, skill)
	}
	if _, _, err := s.cfg.Desk.RequestHuman(ctx, conv.ID, skill, priority); err != nil {
		s.logger.Error("handoff: request human", "err", err, "conversation", conv.ID)
		return s.leaveForStaff(ctx, conv, skill)
	}
	if !s.anyAgentOnline(ctx) {
		s.offerMessage(ctx, conv.ID)
	}
	return nil
}

// leaveForStaff records a handoff that cannot be queued now as a request that an
// agent must close, and tells the customer.
func (s *Server) leaveForStaff(ctx context.Context, conv *gridline.Conversation, skill string) error {
	if err := s.cfg.Store.CreateRequest(ctx, &gridline.Request{Kind: gridline.RequestHandoff,
		ConversationID: conv.ID, CustomerID: conv.CustomerID, Text: "handoff: " + skill}); err != nil {
		return err
	}
	text := "A member of our team will follow up on this conversation. You can also leave a message or a phone number for a call back."
	if conv.Lang == gridline.LangZH {
		text = "我们的工作人员会跟进这次对话。您也可以留言，或留下电话号码等待回电。"
	}
	m := &gridline.Message{ConversationID: conv.ID, Text: text, Author: gridline.Author{Kind: gridline.AuthorSystem}}
	if _, err := gridline.Post(ctx, s.cfg.Store, s.cfg.Board, m); err != nil {
		return err
	}
	s.offerMessage(ctx, conv.ID)
	return nil
}

func (s *Server) anyAgentOnline(ctx context.Context) bool {
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

// offerMessage tells the widget to show the leave-a-message / call-back form.
func (s *Server) offerMessage(ctx context.Context, convID string) {
	_ = s.cfg.Board.Publish(ctx, gridline.ConversationTopic(convID), gridline.NewEvent("offer", convID,
		map[string]any{"kinds": []string{gridline.RequestMessage, gridline.RequestCallback}}))
}

// sendQueueStatus tells one waiting customer their place and expected wait.
func (s *Server) sendQueueStatus(ctx context.Context, sk *socket, convID string) {
	if s.cfg.Desk == nil {
		return
	}
	pos, eta, err := s.cfg.Desk.QueueStatus(ctx, convID)
	if err != nil {
		return
	}
	sk.sendJSON(map[string]any{"type": gridline.EventQueue, "position": pos, "eta_seconds": eta})
}

type widgetRequestInput struct {
	Kind  string `json:"kind" validate:"required,oneof=message callback"`
	Phone string `json:"phone" validate:"required_if=Kind callback,omitempty,min=5,max=32,phone"`
	Text  string `json:"text" validate:"required_if=Kind message,max=4000"`
}

// createWidgetRequest is POST /api/v1/widget/requests: a customer leaves a message
// or a call-back number for staff.
func (s *Server) createWidgetRequest(c echo.Context) error {
	tok := strings.TrimPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
	claims, err := verifyVisitor(s.cfg.Secret, tok, s.now())
	if err != nil {
		return err
	}
	var in widgetRequestInput
	if err := bind(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	r := &gridline.Request{Kind: in.Kind, ConversationID: claims.ConversationID, CustomerID: claims.CustomerID,
		Phone: strings.TrimSpace(in.Phone), Text: strings.TrimSpace(in.Text)}
	if err := s.cfg.Store.CreateRequest(ctx, r); err != nil {
		return err
	}
	if r.Phone != "" {
		if cust, err := s.cfg.Store.Customer(ctx, claims.CustomerID); err == nil && cust.Phone == "" {
			cust.Phone = r.Phone
			_ = s.cfg.Store.UpdateCustomer(ctx, cust)
		}
	}
	conv, err := s.cfg.Store.Conversation(ctx, claims.ConversationID)
	if err == nil {
		text := "Thank you. We have your message and will get back to you."
		if r.Kind == gridline.RequestCallback {
			text = "Thank you. We will call you back at " + r.Phone + "."
		}
		if conv.Lang == gridline.LangZH {
			text = "谢谢，我们已收到您的留言，会尽快回复您。"
			if r.Kind == gridline.RequestCallback {
				text = "谢谢，我们会回电至 " + r.Phone + "。"
			}
		}
		m := &gridline.Message{ConversationID: conv.ID, Text: text, Author: gridline.Author{Kind: gridline.AuthorSystem}}
		if _, err := gridline.Post(ctx, s.cfg.Store, s.cfg.Board, m); err != nil {
			s.logger.Warn("widget request: confirm", "err", err)
		}
	}
	return c.JSON(http.StatusCreated, r)
}
