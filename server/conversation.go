package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
	"github.com/gridline/gridline/conversation"
	"github.com/gridline/gridline/knowledge"
	"github.com/gridline/gridline/validate"
)

type conversationQuery struct {
	Status  string `query:"status" validate:"omitempty,oneof=bot queued active resolved"`
	Channel string `query:"channel" validate:"omitempty,oneof=chat voice"`
	Owner   string `query:"owner" validate:"omitempty,max=64"`
	Handler string `query:"handler" validate:"omitempty,max=64"`
	Limit   int    `query:"limit" validate:"gte=0,lte=500"`
}

// listConversations is GET /api/v1/conversations?status=&channel=&owner=me&handler=me:
// what the caller may see (conversation.Service.List says who sees what).
func (s *Server) listConversations(c echo.Context) error {
	var q conversationQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	out, err := s.cfg.Conversations.List(c.Request().Context(), currentUser(c), conversation.ListFilter{
		Status: gridline.ConversationStatus(q.Status), Channel: gridline.Channel(q.Channel), Owner: q.Owner, Handler: q.Handler, Limit: q.Limit})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// conversationView is a conversation with its customer, as the console shows it.
type conversationView struct {
	*gridline.Conversation
	Customer *gridline.Customer `json:"customer,omitempty"`
}

// viewConversation shows the customer as u may see them: masked personal
// data for agents (archive.AsSeenBy), the whole record only for admins.
func (s *Server) viewConversation(ctx context.Context, u *gridline.User, conv *gridline.Conversation) conversationView {
	v := conversationView{Conversation: conv}
	if cust, err := s.cfg.Store.Customer(ctx, conv.CustomerID); err == nil {
		v.Customer = archive.AsSeenBy(archive.Staff(u), cust)
	}
	return v
}

// getConversation is GET /api/v1/conversations/:id: the conversation and its
// customer; 404 when it is outside the caller's reach.
func (s *Server) getConversation(c echo.Context) error {
	ctx := c.Request().Context()
	conv, err := s.cfg.Conversations.ConversationFor(ctx, currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewConversation(ctx, currentUser(c), conv))
}

type messagesQuery struct {
	AfterSeq int64 `query:"after_seq" validate:"gte=0"`
	Limit    int   `query:"limit" validate:"gte=0,lte=1000"`
}

// listMessages is GET /api/v1/conversations/:id/messages?after_seq=: the whole
// history, the bot's part and staff notes included, for staff who may read it.
func (s *Server) listMessages(c echo.Context) error {
	var q messagesQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	msgs, err := s.cfg.Conversations.History(c.Request().Context(), currentUser(c), c.Param("id"), q.AfterSeq, q.Limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, msgs)
}

type postMessageInput struct {
	ClientID string `json:"client_id" validate:"required,max=64,printascii"`
	Text     string `json:"text"`
}

// postMessage is POST /api/v1/conversations/:id/messages: an agent's reply,
// stored before it is answered; a resent client_id returns the stored message
// (200) instead of storing it again (201).
func (s *Server) postMessage(c echo.Context) error {
	var in postMessageInput
	if err := bind(c, &in); err != nil {
		return err
	}
	if err := checkText(in.Text); err != nil {
		return err
	}
	m, created, err := s.cfg.Conversations.Reply(c.Request().Context(), currentUser(c), c.Param("id"), in.ClientID, in.Text)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, m)
}

// claimConversation is POST /api/v1/conversations/:id/claim: the agent takes a
// waiting conversation (":id" may be "next" for the best one their skills allow).
// When two agents claim the same one at once exactly one succeeds; the other gets
// 404 (it is no longer waiting) or 409.
func (s *Server) claimConversation(c echo.Context) error {
	id := c.Param("id")
	if id == "next" {
		id = ""
	}
	ctx := c.Request().Context()
	conv, err := s.cfg.Conversations.Claim(ctx, currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewConversation(ctx, currentUser(c), conv))
}

type transferInput struct {
	ToAgentID string `json:"to_agent_id" validate:"required_without=ToSkill,omitempty,max=64"`
	ToSkill   string `json:"to_skill" validate:"required_without=ToAgentID,omitempty,oneof=billing repair connection complaint general"`
	Note      string `json:"note" validate:"max=2000"`
}

// transferConversation is POST /api/v1/conversations/:id/transfer: hand the chat
// to another agent or back to a skill queue, with a note for the next person.
func (s *Server) transferConversation(c echo.Context) error {
	var in transferInput
	if err := bind(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	conv, err := s.cfg.Conversations.Transfer(ctx, currentUser(c), c.Param("id"), in.ToAgentID, in.ToSkill, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewConversation(ctx, currentUser(c), conv))
}

// resolveConversation is POST /api/v1/conversations/:id/resolve: the matter is
// closed and the customer's widget asks for a rating.
func (s *Server) resolveConversation(c echo.Context) error {
	ctx := c.Request().Context()
	conv, err := s.cfg.Conversations.Resolve(ctx, currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewConversation(ctx, currentUser(c), conv))
}

// suggestion is an article offered to the agent for the customer's latest message.
type suggestion struct {
	ID         int64   `json:"id"`
	Slug       string  `json:"slug"`
	Title      string  `json:"title"`
	Snippet    string  `json:"snippet"`
	Confidence float64 `json:"confidence"`
}

// suggestions is GET /api/v1/conversations/:id/suggestions: up to three articles
// for what the customer said last, so the agent can answer from the knowledge base.
func (s *Server) suggestions(c echo.Context) error {
	ctx := c.Request().Context()
	conv, err := s.cfg.Conversations.ConversationFor(ctx, currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := []suggestion{}
	if s.cfg.Knowledge == nil {
		return c.JSON(http.StatusOK, out)
	}
	text, err := s.cfg.Conversations.LastCustomerText(ctx, conv)
	if err != nil || text == "" {
		return c.JSON(http.StatusOK, out)
	}
	hits := s.cfg.Knowledge.Search(text, knowledge.SearchOptions{Lang: conv.Lang, Limit: 3})
	for _, h := range hits {
		a := h.Article
		out = append(out, suggestion{ID: a.ID, Slug: a.Slug, Title: a.Title,
			Snippet: knowledge.Snippet(a, text, 240), Confidence: h.Confidence})
	}
	return c.JSON(http.StatusOK, out)
}

// customerConversations is GET /api/v1/customers/:id/conversations: the
// customer's archive, newest first, for staff serving them now.
func (s *Server) customerConversations(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	convs, err := s.cfg.Conversations.CustomerConversations(c.Request().Context(), currentUser(c), c.Param("id"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, convs)
}

// bindQuery decodes query parameters into v and validates it.
func bindQuery(c echo.Context, v any) error {
	if err := (&echo.DefaultBinder{}).BindQueryParams(c, v); err != nil {
		return gridline.Errorf(gridline.EINVALID, "query parameters are not of the expected shape")
	}
	return validate.Struct(v)
}

// customerSuggestions is GET /api/v1/conversations/:id/customer-suggestions:
// the phones and account numbers the customer typed, for the agent to confirm
// into the archive (nothing is written until they do).
func (s *Server) customerSuggestions(c echo.Context) error {
	out, err := s.cfg.Conversations.CustomerSuggestions(c.Request().Context(), currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"suggestions": out})
}

type linkCustomerInput struct {
	CustomerID string `json:"customer_id" validate:"required,max=64"`
}

// linkCustomer is POST /api/v1/conversations/:id/customer {customer_id}: the
// chat becomes the matter of an existing record.
func (s *Server) linkCustomer(c echo.Context) error {
	var in linkCustomerInput
	if err := bind(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	conv, err := s.cfg.Conversations.LinkCustomer(ctx, currentUser(c), c.Param("id"), in.CustomerID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewConversation(ctx, currentUser(c), conv))
}
