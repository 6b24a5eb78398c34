package gridline

// The access rules: who may see a conversation and who may act on it. They are
// written once, here, and used by the desk (transfer, resolve), the conversation
// policy (replies, listings, the archive) and the transport (the agent socket's
// live updates), so that a change to one rule reaches every door at once.

// SeesAllConversations reports whether u's role reaches every conversation:
// supervisors and admins, who may step in on anyone's chat.
func SeesAllConversations(u *User) bool {
	return u != nil && !u.Disabled && (u.Role == RoleSupervisor || u.Role == RoleAdmin)
}

// CanSeeConversation reports whether u may read c without looking anything else
// up: supervisors and admins see everything; an agent sees what waits in a queue
// (to pick it), what they handle and what they own (first-inquiry
// responsibility). A disabled account sees nothing.
func CanSeeConversation(u *User, c *Conversation) bool {
	switch {
	case u == nil || u.Disabled || c == nil:
		return false
	case SeesAllConversations(u):
		return true
	case c.Status == StatusQueued:
		return true
	}
	return u.ID != "" && (c.HandlerID == u.ID || c.OwnerID == u.ID)
}

// CanActOnConversation reports whether u may reply to, transfer or resolve c:
// its handler, or a supervisor or admin. The owner alone may not: once a chat is
// handed on, its new handler speaks for the utility.
func CanActOnConversation(u *User, c *Conversation) bool {
	if u == nil || u.Disabled || c == nil {
		return false
	}
	return SeesAllConversations(u) || (c.HandlerID != "" && c.HandlerID == u.ID)
}

// SeesPersonalData reports whether a member of staff in role sees customers'
// personal data (phones, ID and bank numbers) unmasked in what they are shown:
// admins do; agents and supervisors see masks (138****1234) in the archive and
// in every list, and ask for a value when they need it (the archive's logged
// Reveal; an order or request they take on).
func SeesPersonalData(role string) bool { return role == RoleAdmin }

// MaySeeRequest is the rule for what customers left for staff (messages,
// call-backs, handoffs nobody could take): supervisors and admins see every
// request; an agent sees the open ones — anyone on shift may call back, as
// waiting chats and unowned orders are everyone's pool — and the ones they
// closed themselves; a disabled account sees nothing.
func MaySeeRequest(u *User, r *Request) bool {
	switch {
	case u == nil || u.Disabled || r == nil:
		return false
	case SeesAllConversations(u):
		return true
	}
	return r.Status == "open" || (u.ID != "" && r.ClosedBy == u.ID)
}
