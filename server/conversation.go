package server

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge"
	"github.com/gridline/gridline/validate"
)

// Limits on staff listings.
const (
	defaultListLimit = 100
	maxListLimit     = 500
	// clientIDLookback is how many recent messages a resend is looked for in once
	// the conversation no longer takes replies, so that a retried send still gets
	// its seq back.
	clientIDLookback = 200
)

type conversationQuery struct {
	Status  string `query:"status" validate:"omitempty,oneof=bot queued active resolved"`
	Owner   string `query:"owner" validate:"omitempty,max=64"`
	Handler string `query:"handler" validate:"omitempty,max=64"`
	Limit   int    `query:"limit" validate:"gte=0,lte=500"`
}

// listConversations is GET /api/v1/conversations?status=&owner=me&handler=me.
// Supervisors and admins list everything (and may name any owner or handler); an
// agent lists what waits in the queues and what they handle or own.
func (s *Server) listConversations(c echo.Context) error {
	var q conversationQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	limit := cmp.Or(q.Limit, defaultListLimit)
	me := func(field, v string) (string, error) {
		switch {
		case v == "":
			return "", nil
		case v == "me" || v == u.ID:
			return u.ID, nil
		case isSupervisor(u):
			return v, nil
		}
		return "", &gridline.Error{Code: gridline.EINVALID, Message: "agents may filter by their own conversations only",
			Fields: map[string]string{field: `only "me"`}}
	}
	owner, err := me("owner", q.Owner)
	if err != nil {
		return err
	}
	handler, err := me("handler", q.Handler)
	if err != nil {
		return err
	}
	status := gridline.ConversationStatus(q.Status)

	var filters []gridline.ConversationFilter
	switch {
	case isSupervisor(u) || owner != "" || handler != "":
		filters = append(filters, gridline.ConversationFilter{Status: status, OwnerID: owner, HandlerID: handler, Limit: limit})
	default:
		if status == "" || status == gridline.StatusQueued {
			filters = append(filters, gridline.ConversationFilter{Status: gridline.StatusQueued, Limit: limit})
		}
		filters = append(filters,
			gridline.ConversationFilter{Status: status, HandlerID: u.ID, Limit: limit},
			gridline.ConversationFilter{Status: status, OwnerID: u.ID, Limit: limit})
	}
	seen := make(map[string]bool)
	out := []*gridline.Conversation{}
	for _, f := range filters {
		convs, err := s.cfg.Store.ListConversations(ctx, f)
		if err != nil {
			return err
		}
		for _, conv := range convs {
			if !seen[conv.ID] && mayWatch(u, conv) {
				seen[conv.ID] = true
				out = append(out, conv)
			}
		}
	}
	sortNewestFirst(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return c.JSON(http.StatusOK, out)
}

// sortNewestFirst orders conversations as the store does: newest first.
func sortNewestFirst(convs []*gridline.Conversation) {
	slices.SortStableFunc(convs, func(a, b *gridline.Conversation) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
}

// conversationView is a conversation with its customer, as the console shows it.
type conversationView struct {
	*gridline.Conversation
	Customer *gridline.Customer `json:"customer,omitempty"`
}

func (s *Server) viewConversation(ctx context.Context, conv *gridline.Conversation) conversationView {
	v := conversationView{Conversation: conv}
	if cust, err := s.cfg.Store.Customer(ctx, conv.CustomerID); err == nil {
		v.Customer = cust
	}
	return v
}

// getConversation is GET /api/v1/conversations/:id: the conversation and its
// customer; 404 when it is outside the caller's reach.
func (s *Server) getConversation(c echo.Context) error {
	ctx := c.Request().Context()
	conv, err := s.conversationFor(ctx, currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewConversation(ctx, conv))
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
	ctx := c.Request().Context()
	conv, err := s.conversationFor(ctx, currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	msgs, err := s.cfg.Store.Messages(ctx, conv.ID, q.AfterSeq, q.Limit)
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
	m, created, err := s.postAgentMessage(c.Request().Context(), currentUser(c), c.Param("id"), in.ClientID, in.Text)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, m)
}

// postAgentMessage stores an agent's reply with the next seq and then publishes
// it: the one path for the socket and REST, so both keep the store-before-ack
// promise. Only the handler (or a supervisor) may reply, and only while the
// conversation is active; a resend of a stored client id returns that message
// even after the conversation has moved on.
func (s *Server) postAgentMessage(ctx context.Context, u *gridline.User, convID, clientID, text string) (*gridline.Message, bool, error) {
	conv, err := s.conversationFor(ctx, u, convID)
	if err != nil {
		return nil, false, err
	}
	var refuse error
	switch {
	case !mayAct(u, conv):
		refuse = gridline.Errorf(gridline.EFORBIDDEN, "you are not handling this conversation; claim it first")
	case conv.Status != gridline.StatusActive:
		refuse = gridline.Errorf(gridline.ECONFLICT, "the conversation is %s; only an active conversation takes replies", conv.Status)
	}
	if refuse != nil {
		if m := s.findSent(ctx, conv, u, clientID); m != nil {
			return m, false, nil
		}
		return nil, false, refuse
	}
	m := &gridline.Message{ConversationID: conv.ID, ClientID: clientID, Text: text,
		Author: gridline.Author{Kind: gridline.AuthorAgent, ID: u.ID, Name: u.Name}}
	created, err := gridline.Post(ctx, s.cfg.Store, s.cfg.Board, m)
	if err != nil && !created {
		return nil, false, err
	}
	if err != nil {
		s.logger.Warn("agent: publish", "err", err, "conversation", conv.ID)
	}
	if !created && (m.Author.Kind != gridline.AuthorAgent || m.Author.ID != u.ID) {
		return nil, false, &gridline.Error{Code: gridline.ECONFLICT, Message: "this client_id belongs to another message; use a new one",
			Fields: map[string]string{"client_id": "already used"}}
	}
	if created {
		s.metrics.messages.WithLabelValues(string(gridline.AuthorAgent)).Inc()
	}
	return m, created, nil
}

// findSent looks for u's message with clientID among the conversation's recent
// messages.
func (s *Server) findSent(ctx context.Context, conv *gridline.Conversation, u *gridline.User, clientID string) *gridline.Message {
	if clientID == "" {
		return nil
	}
	msgs, err := s.cfg.Store.Messages(ctx, conv.ID, max(0, conv.LastSeq-clientIDLookback), 0)
	if err != nil {
		return nil
	}
	for _, m := range msgs {
		if m.ClientID == clientID && m.Author.Kind == gridline.AuthorAgent && m.Author.ID == u.ID {
			return m
		}
	}
	return nil
}

// desk returns the configured desk, or ENOTIMPLEMENTED when routing is off.
func (s *Server) desk() (Desk, error) {
	if s.cfg.Desk == nil {
		return nil, gridline.Errorf(gridline.ENOTIMPLEMENTED, "handoff to agents is not configured")
	}
	return s.cfg.Desk, nil
}

// claimConversation is POST /api/v1/conversations/:id/claim: the agent takes a
// waiting conversation (":id" may be "next" for the best one their skills allow).
// When two agents claim the same one at once exactly one succeeds; the other gets
// 404 (it is no longer waiting) or 409.
func (s *Server) claimConversation(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u := currentUser(c)
	id := c.Param("id")
	if id == "next" {
		id = ""
	} else if _, err := s.conversationFor(ctx, u, id); err != nil {
		return err
	}
	conv, err := d.Claim(ctx, u, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewConversation(ctx, conv))
}

type transferInput struct {
	ToAgentID string `json:"to_agent_id" validate:"required_without=ToSkill,omitempty,max=64"`
	ToSkill   string `json:"to_skill" validate:"required_without=ToAgentID,omitempty,oneof=billing repair connection complaint general"`
	Note      string `json:"note" validate:"max=2000"`
}

// transferConversation is POST /api/v1/conversations/:id/transfer: hand the chat
// to another agent or back to a skill queue, with a note for the next person. The
// owner stays the owner.
func (s *Server) transferConversation(c echo.Context) error {
	var in transferInput
	if err := bind(c, &in); err != nil {
		return err
	}
	d, u, conv, err := s.actOn(c, "transfer")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if in.ToAgentID != "" {
		to, err := s.cfg.Store.User(ctx, in.ToAgentID)
		if err != nil || to.Disabled {
			return &gridline.Error{Code: gridline.EINVALID, Message: "no such agent to transfer to",
				Fields: map[string]string{"to_agent_id": "unknown agent"}}
		}
	}
	if err := d.Transfer(ctx, u, conv.ID, in.ToAgentID, in.ToSkill, in.Note); err != nil {
		return err
	}
	return s.respondConversation(c, conv.ID)
}

// resolveConversation is POST /api/v1/conversations/:id/resolve: the matter is
// closed and the customer's widget asks for a rating.
func (s *Server) resolveConversation(c echo.Context) error {
	d, u, conv, err := s.actOn(c, "resolve")
	if err != nil {
		return err
	}
	if err := d.Resolve(c.Request().Context(), u, conv.ID); err != nil {
		return err
	}
	return s.respondConversation(c, conv.ID)
}

// actOn loads the conversation of the request's :id for a change that only its
// handler or a supervisor may make (verb names it in the refusal): 404 outside
// the caller's reach, 403 when they may see but not act.
func (s *Server) actOn(c echo.Context, verb string) (Desk, *gridline.User, *gridline.Conversation, error) {
	d, err := s.desk()
	if err != nil {
		return nil, nil, nil, err
	}
	u := currentUser(c)
	conv, err := s.conversationFor(c.Request().Context(), u, c.Param("id"))
	if err != nil {
		return nil, nil, nil, err
	}
	if !mayAct(u, conv) {
		return nil, nil, nil, gridline.Errorf(gridline.EFORBIDDEN, "only the agent handling this conversation or a supervisor may %s it", verb)
	}
	return d, u, conv, nil
}

// respondConversation answers with the conversation as stored now.
func (s *Server) respondConversation(c echo.Context, id string) error {
	ctx := c.Request().Context()
	conv, err := s.cfg.Store.Conversation(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewConversation(ctx, conv))
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
	conv, err := s.conversationFor(ctx, currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := []suggestion{}
	if s.cfg.Knowledge == nil {
		return c.JSON(http.StatusOK, out)
	}
	text, err := s.lastCustomerText(ctx, conv)
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

// lastCustomerText is the customer's latest message, looked for among the recent
// ones first.
func (s *Server) lastCustomerText(ctx context.Context, conv *gridline.Conversation) (string, error) {
	for _, after := range []int64{max(0, conv.LastSeq-50), 0} {
		msgs, err := s.cfg.Store.Messages(ctx, conv.ID, after, 0)
		if err != nil {
			return "", err
		}
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].Author.Kind == gridline.AuthorCustomer {
				return msgs[i].Text, nil
			}
		}
		if after == 0 {
			break
		}
	}
	return "", nil
}

// customerConversations is GET /api/v1/customers/:id/conversations: the
// customer's archive, newest first, for staff serving them now.
func (s *Server) customerConversations(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	ok, err := s.servesCustomer(ctx, currentUser(c), id)
	if err != nil {
		return err
	}
	if !ok {
		return gridline.Errorf(gridline.ENOTFOUND, "customer %q not found", id)
	}
	if _, err := s.cfg.Store.Customer(ctx, id); err != nil {
		return err
	}
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	if limit <= 0 || limit > maxListLimit {
		limit = defaultListLimit
	}
	convs, err := s.cfg.Store.ListConversations(ctx, gridline.ConversationFilter{CustomerID: id, Limit: limit})
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
