package conversation

import (
	"cmp"
	"context"
	"slices"

	"github.com/gridline/gridline"
)

// Limits on staff listings.
const (
	DefaultListLimit = 100
	MaxListLimit     = 500
	// clientIDLookback is how many recent messages a resend is looked for in once
	// the conversation no longer takes replies, so that a retried send still gets
	// its seq back.
	clientIDLookback = 200
)

// ConversationFor loads a conversation u may read. A conversation outside u's
// reach is ENOTFOUND, exactly like one that does not exist, so that ids cannot be
// probed. Besides gridline.CanSeeConversation, an agent may read the earlier
// conversations of a customer they serve now (the archive the console shows
// beside a chat).
func (s *Service) ConversationFor(ctx context.Context, u *gridline.User, id string) (*gridline.Conversation, error) {
	notFound := gridline.Errorf(gridline.ENOTFOUND, "conversation %q not found", id)
	if id == "" || len(id) > 64 {
		return nil, notFound
	}
	conv, err := s.cfg.Store.Conversation(ctx, id)
	if err != nil {
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return nil, notFound
		}
		return nil, err
	}
	if gridline.CanSeeConversation(u, conv) {
		return conv, nil
	}
	ok, err := s.ServesCustomer(ctx, u, conv.CustomerID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound
	}
	return conv, nil
}

// ServesCustomer reports whether u may read a customer's archive: while u may
// see one of the customer's conversations (supervisors and admins always).
func (s *Service) ServesCustomer(ctx context.Context, u *gridline.User, customerID string) (bool, error) {
	if gridline.SeesAllConversations(u) {
		return true, nil
	}
	if u == nil || u.ID == "" || customerID == "" {
		return false, nil
	}
	// The conversations an agent may see, by gridline.CanSeeConversation.
	for _, f := range []gridline.ConversationFilter{
		{CustomerID: customerID, HandlerID: u.ID, Limit: 1},
		{CustomerID: customerID, OwnerID: u.ID, Limit: 1},
		{CustomerID: customerID, Status: gridline.StatusQueued, Limit: 1},
	} {
		convs, err := s.cfg.Store.ListConversations(ctx, f)
		if err != nil {
			return false, err
		}
		for _, c := range convs {
			if gridline.CanSeeConversation(u, c) {
				return true, nil
			}
		}
	}
	return false, nil
}

// ListFilter narrows List. Owner and Handler are a user id or "me"; zero
// fields do not filter, a zero Limit means DefaultListLimit.
type ListFilter struct {
	Status  gridline.ConversationStatus
	Channel gridline.Channel
	Owner   string
	Handler string
	Limit   int
}

// List is the conversations u may see, newest first. Supervisors and admins
// list everything and may name any owner or handler; an agent lists what waits
// in the queues and what they handle or own, and may filter by "me" only
// (EINVALID otherwise).
func (s *Service) List(ctx context.Context, u *gridline.User, f ListFilter) ([]*gridline.Conversation, error) {
	limit := cmp.Or(f.Limit, DefaultListLimit)
	me := func(field, v string) (string, error) {
		switch {
		case v == "":
			return "", nil
		case u != nil && (v == "me" || v == u.ID):
			return u.ID, nil
		case gridline.SeesAllConversations(u):
			return v, nil
		}
		return "", &gridline.Error{Code: gridline.EINVALID, Message: "agents may filter by their own conversations only",
			Fields: map[string]string{field: `only "me"`}}
	}
	owner, err := me("owner", f.Owner)
	if err != nil {
		return nil, err
	}
	handler, err := me("handler", f.Handler)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return []*gridline.Conversation{}, nil
	}
	var filters []gridline.ConversationFilter
	switch {
	case gridline.SeesAllConversations(u) || owner != "" || handler != "":
		filters = append(filters, gridline.ConversationFilter{Status: f.Status, Channel: f.Channel, OwnerID: owner, HandlerID: handler, Limit: limit})
	default:
		if f.Status == "" || f.Status == gridline.StatusQueued {
			filters = append(filters, gridline.ConversationFilter{Status: gridline.StatusQueued, Channel: f.Channel, Limit: limit})
		}
		filters = append(filters,
			gridline.ConversationFilter{Status: f.Status, Channel: f.Channel, HandlerID: u.ID, Limit: limit},
			gridline.ConversationFilter{Status: f.Status, Channel: f.Channel, OwnerID: u.ID, Limit: limit})
	}
	seen := make(map[string]bool)
	out := []*gridline.Conversation{}
	for _, cf := range filters {
		convs, err := s.cfg.Store.ListConversations(ctx, cf)
		if err != nil {
			return nil, err
		}
		for _, conv := range convs {
			if !seen[conv.ID] && gridline.CanSeeConversation(u, conv) {
				seen[conv.ID] = true
				out = append(out, conv)
			}
		}
	}
	sortNewestFirst(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
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

// CustomerConversations is a customer's archive, newest first, for staff who
// serve them now; a limit outside 1..MaxListLimit means DefaultListLimit.
// Returns ENOTFOUND for a customer u does not serve, exactly like an unknown one.
func (s *Service) CustomerConversations(ctx context.Context, u *gridline.User, customerID string, limit int) ([]*gridline.Conversation, error) {
	ok, err := s.ServesCustomer(ctx, u, customerID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "customer %q not found", customerID)
	}
	if _, err := s.cfg.Store.Customer(ctx, customerID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxListLimit {
		limit = DefaultListLimit
	}
	return s.cfg.Store.ListConversations(ctx, gridline.ConversationFilter{CustomerID: customerID, Limit: limit})
}

// History is a conversation's messages after afterSeq for staff who may read
// it: the bot's part and staff notes included. limit <= 0 means all.
func (s *Service) History(ctx context.Context, u *gridline.User, convID string, afterSeq int64, limit int) ([]*gridline.Message, error) {
	conv, err := s.ConversationFor(ctx, u, convID)
	if err != nil {
		return nil, err
	}
	return s.cfg.Store.Messages(ctx, conv.ID, afterSeq, limit)
}

// CanReply says whether u may write in c now: only its handler (or a
// supervisor or admin, see gridline.CanActOnConversation), and only while it is
// active. Returns EFORBIDDEN or ECONFLICT saying why not, nil when u may.
func CanReply(u *gridline.User, c *gridline.Conversation) error {
	switch {
	case !gridline.CanActOnConversation(u, c):
		return gridline.Errorf(gridline.EFORBIDDEN, "you are not handling this conversation; claim it first")
	case c.Status != gridline.StatusActive:
		return gridline.Errorf(gridline.ECONFLICT, "the conversation is %s; only an active conversation takes replies", c.Status)
	}
	return nil
}

// Reply stores an agent's message with the next seq and then publishes it: the
// one path for the socket and REST, so both keep the store-before-ack promise.
// A resend of a stored client id returns that message (created false), even
// after the conversation has moved on. Returns ENOTFOUND outside u's reach, the
// refusals of CanReply, and ECONFLICT for a client id another message holds.
func (s *Service) Reply(ctx context.Context, u *gridline.User, convID, clientID, text string) (m *gridline.Message, created bool, err error) {
	conv, err := s.ConversationFor(ctx, u, convID)
	if err != nil {
		return nil, false, err
	}
	if refuse := CanReply(u, conv); refuse != nil {
		if m := s.findSent(ctx, conv, u, clientID); m != nil {
			return m, false, nil
		}
		return nil, false, refuse
	}
	m = &gridline.Message{ConversationID: conv.ID, ClientID: clientID, Text: text,
		Author: gridline.Author{Kind: gridline.AuthorAgent, ID: u.ID, Name: u.Name}}
	created, err = s.post(ctx, m)
	if err != nil {
		return nil, false, err
	}
	if !created && (m.Author.Kind != gridline.AuthorAgent || m.Author.ID != u.ID) {
		return nil, false, &gridline.Error{Code: gridline.ECONFLICT, Message: "this client_id belongs to another message; use a new one",
			Fields: map[string]string{"client_id": "already used"}}
	}
	return m, created, nil
}

// findSent looks for u's message with clientID among the conversation's recent
// messages.
func (s *Service) findSent(ctx context.Context, conv *gridline.Conversation, u *gridline.User, clientID string) *gridline.Message {
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
func (s *Service) desk() (Desk, error) {
	if s.cfg.Desk == nil {
		return nil, gridline.Errorf(gridline.ENOTIMPLEMENTED, "handoff to agents is not configured")
	}
	return s.cfg.Desk, nil
}

// Claim gives u a waiting conversation: the named one, which u must be able to
// see, or with "" the best one for u's skills. Of two agents claiming one at
// once exactly one succeeds; the other gets ENOTFOUND (no longer waiting) or
// ECONFLICT. Returns ENOTIMPLEMENTED without a desk.
func (s *Service) Claim(ctx context.Context, u *gridline.User, convID string) (*gridline.Conversation, error) {
	d, err := s.desk()
	if err != nil {
		return nil, err
	}
	if convID != "" {
		if _, err := s.ConversationFor(ctx, u, convID); err != nil {
			return nil, err
		}
	}
	conv, err := d.Claim(ctx, u, convID)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, u, gridline.AuditClaim, conv.ID, "")
	return conv, nil
}

// audit records a staff action on a conversation in the audit log; the log
// names the conversation, never what was said in it.
func (s *Service) audit(ctx context.Context, u *gridline.User, action, convID, detail string) {
	gridline.RecordAudit(ctx, s.cfg.Store, s.logger, gridline.AuditEntry{ActorID: u.ID, Action: action,
		Subject: gridline.SubjectConversation + convID, Detail: detail})
}

// actOn loads a conversation for a change only its handler or a supervisor may
// make (verb names it in the refusal): ENOTFOUND outside u's reach, EFORBIDDEN
// when u may see but not act.
func (s *Service) actOn(ctx context.Context, u *gridline.User, convID, verb string) (Desk, *gridline.Conversation, error) {
	d, err := s.desk()
	if err != nil {
		return nil, nil, err
	}
	conv, err := s.ConversationFor(ctx, u, convID)
	if err != nil {
		return nil, nil, err
	}
	if !gridline.CanActOnConversation(u, conv) {
		return nil, nil, gridline.Errorf(gridline.EFORBIDDEN, "only the agent handling this conversation or a supervisor may %s it", verb)
	}
	return d, conv, nil
}

// Transfer is the handler handing the chat to another agent (toAgentID) or back
// to a skill's queue (toSkill), with a note for the next person; the owner stays
// the owner. It returns the conversation as stored after. Returns EINVALID for
// an unknown or disabled agent, and the refusals of actOn and the desk.
func (s *Service) Transfer(ctx context.Context, u *gridline.User, convID, toAgentID, toSkill, note string) (*gridline.Conversation, error) {
	d, conv, err := s.actOn(ctx, u, convID, "transfer")
	if err != nil {
		return nil, err
	}
	if toAgentID != "" {
		to, err := s.cfg.Store.User(ctx, toAgentID)
		if err != nil || to.Disabled {
			return nil, &gridline.Error{Code: gridline.EINVALID, Message: "no such agent to transfer to",
				Fields: map[string]string{"to_agent_id": "unknown agent"}}
		}
	}
	if err := d.Transfer(ctx, u, conv.ID, toAgentID, toSkill, note); err != nil {
		return nil, err
	}
	to := "agent " + toAgentID
	if toAgentID == "" {
		to = "queue " + toSkill
	}
	s.audit(ctx, u, gridline.AuditTransfer, conv.ID, "to "+to)
	return s.cfg.Store.Conversation(ctx, conv.ID)
}

// Resolve closes the matter (the customer's widget then asks for a rating) and
// returns the conversation as stored after; see actOn for the refusals.
func (s *Service) Resolve(ctx context.Context, u *gridline.User, convID string) (*gridline.Conversation, error) {
	d, conv, err := s.actOn(ctx, u, convID, "resolve")
	if err != nil {
		return nil, err
	}
	if err := d.Resolve(ctx, u, conv.ID); err != nil {
		return nil, err
	}
	s.audit(ctx, u, gridline.AuditResolve, conv.ID, "")
	return s.cfg.Store.Conversation(ctx, conv.ID)
}

// LastCustomerText is what the customer said last in conv, looked for among
// the recent messages first; "" when they have said nothing.
func (s *Service) LastCustomerText(ctx context.Context, conv *gridline.Conversation) (string, error) {
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
