package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
)

// agentRoutes registers the staff side: the agent console's socket and the REST
// API agents, supervisors and admins work through. Middleware is attached per
// route rather than per group, because an Echo group with middleware also claims
// every unmatched path under its prefix, which would turn a mistyped URL into a
// 401 or 403 instead of a 404.
func (s *Server) agentRoutes(e *echo.Echo, api *echo.Group) {
	e.GET("/ws/agent", s.agentSocket)

	staff := s.requireRole()
	api.GET("/conversations", s.listConversations, staff)
	api.GET("/conversations/:id", s.getConversation, staff)
	api.GET("/conversations/:id/messages", s.listMessages, staff)
	api.POST("/conversations/:id/messages", s.postMessage, staff)
	api.POST("/conversations/:id/claim", s.claimConversation, staff)
	api.POST("/conversations/:id/transfer", s.transferConversation, staff)
	api.POST("/conversations/:id/resolve", s.resolveConversation, staff)
	api.GET("/conversations/:id/suggestions", s.suggestions, staff)
	api.GET("/conversations/:id/customer-suggestions", s.customerSuggestions, staff)
	api.POST("/conversations/:id/customer", s.linkCustomer, staff)
	api.GET("/customers/:id/conversations", s.customerConversations, staff)
	api.GET("/agents", s.listAgents, staff)
	api.GET("/queues", s.listQueues, staff)
	api.GET("/requests", s.listRequests, staff)
	api.POST("/requests/:id/close", s.closeRequest, staff)

	admin := s.requireRole(gridline.RoleAdmin)
	api.GET("/users", s.listUsers, admin)
	api.POST("/users", s.createUser, admin)
	api.PUT("/users/:id", s.updateUser, admin)

	api.GET("/stats", s.stats, s.requireRole(gridline.RoleAdmin, gridline.RoleSupervisor))
}

// agentView is one agent on GET /agents: presence with the user's name and the
// chats they carry now.
type agentView struct {
	UserID   string    `json:"user_id"`
	Name     string    `json:"name"`
	Role     string    `json:"role,omitempty"`
	Status   string    `json:"status"`
	Skills   []string  `json:"skills"`
	Capacity int       `json:"capacity"`
	Load     int       `json:"load"`
	SeenAt   time.Time `json:"seen_at"`
}

// listAgents is GET /api/v1/agents: who is online or away right now and how
// loaded they are, for transfers and for supervisors watching the floor.
func (s *Server) listAgents(c echo.Context) error {
	ctx := c.Request().Context()
	out := []agentView{}
	if s.cfg.Presence == nil {
		return c.JSON(http.StatusOK, out)
	}
	agents, err := s.cfg.Presence.Agents(ctx)
	if err != nil {
		return err
	}
	for _, a := range agents {
		v := agentView{UserID: a.UserID, Status: a.Status, Skills: a.Skills, Capacity: a.Capacity, SeenAt: a.SeenAt}
		if v.Skills == nil {
			v.Skills = []string{}
		}
		if u, err := s.cfg.Store.User(ctx, a.UserID); err == nil {
			if u.Disabled {
				continue
			}
			v.Name, v.Role = u.Name, u.Role
		}
		if s.cfg.Queue != nil {
			if v.Load, err = s.cfg.Queue.Load(ctx, a.UserID); err != nil {
				return err
			}
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b agentView) int {
		if a.Status != b.Status {
			return strings.Compare(presenceRank(a.Status), presenceRank(b.Status))
		}
		return strings.Compare(a.Name, b.Name)
	})
	return c.JSON(http.StatusOK, out)
}

// presenceRank orders online before away before anything else.
func presenceRank(status string) string {
	switch status {
	case handoff.AgentOnline:
		return "0"
	case handoff.AgentAway:
		return "1"
	}
	return "2" + status
}

// ticketView is a waiting conversation with how long it has waited.
type ticketView struct {
	handoff.Ticket
	WaitSeconds int `json:"wait_seconds"`
}

// queueTickets lists every waiting conversation in serving order, skill by skill.
func (s *Server) queueTickets(ctx context.Context) ([]ticketView, error) {
	out := []ticketView{}
	if s.cfg.Queue == nil {
		return out, nil
	}
	tickets, err := s.cfg.Queue.List(ctx, "")
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, t := range tickets {
		wait := int(now.Sub(t.EnqueuedAt).Seconds())
		out = append(out, ticketView{Ticket: t, WaitSeconds: max(0, wait)})
	}
	return out, nil
}

// queuesBody is GET /queues' answer.
type queuesBody struct {
	Tickets []ticketView `json:"tickets"`
}

// listQueues is GET /api/v1/queues: {tickets:[…]}, the same body as the socket's
// queues frame.
func (s *Server) listQueues(c echo.Context) error {
	tickets, err := s.queueTickets(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, queuesBody{Tickets: tickets})
}
