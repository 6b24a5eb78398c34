package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/workorder"
)

// workOrderRoutes registers the work-order API: staff lists, pages and actions,
// the admins' policy and calendar, and the widget's "my requests". Without a
// configured service it runs one over the store and switchboard (no archive).
func (s *Server) workOrderRoutes(api *echo.Group) {
	if s.cfg.WorkOrders == nil {
		s.cfg.WorkOrders = &workorder.Service{Store: s.cfg.Store, Board: s.cfg.Board, Conversations: s.cfg.Store,
			Logger: s.logger, Now: s.cfg.Now}
	}
	wos := s.cfg.WorkOrders
	s.metrics.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridline_workorder_deadline_warnings_total",
			Help: "Work-order deadlines 80 % gone, announced by this replica."}, func() float64 { return float64(wos.Counts().Warnings) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridline_workorder_deadline_breaches_total",
			Help: "Work-order deadlines breached, announced by this replica."}, func() float64 { return float64(wos.Counts().Breaches) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridline_workorder_reminders_total",
			Help: "Reminders (催办) taken by this replica."}, func() float64 { return float64(wos.Counts().Reminders) }),
	)

	staff := s.requireRole()
	admin := s.requireRole(gridline.RoleAdmin)
	api.POST("/workorders", s.createWorkOrder, staff)
	api.GET("/workorders", s.listWorkOrders, staff)
	api.GET("/workorders/:id", s.getWorkOrder, staff)
	api.POST("/workorders/:id/events", s.workOrderEvent, staff)
	api.GET("/workorder-policy", s.getWorkOrderPolicy, staff)
	api.PUT("/workorder-policy", s.putWorkOrderPolicy, admin)
	api.GET("/calendar", s.getCalendar, staff)
	api.PUT("/calendar", s.putCalendar, admin)
	api.GET("/widget/workorders", s.widgetWorkOrders, s.rateLimit(2, 20))
	api.GET("/widget/workorders/:id", s.widgetWorkOrder, s.rateLimit(2, 20))
	api.POST("/widget/workorders/:id/remind", s.widgetRemind, s.rateLimit(0.2, 5))
}

type workOrderInput struct {
	Type           string     `json:"type" validate:"required,oneof=repair complaint report service_request application consultation opinion praise"`
	Subtype        string     `json:"subtype" validate:"omitempty,max=32"`
	CustomerID     string     `json:"customer_id" validate:"omitempty,max=64"`
	AccountNo      string     `json:"account_no" validate:"omitempty,max=32"`
	ConversationID string     `json:"conversation_id" validate:"omitempty,max=64"`
	Phone          string     `json:"phone" validate:"omitempty,max=32,phone"`
	Address        string     `json:"address" validate:"omitempty,max=200"`
	AreaClass      string     `json:"area_class" validate:"omitempty,oneof=urban rural remote"`
	Supply         string     `json:"supply" validate:"omitempty,oneof=residential low_voltage hv_single hv_dual"`
	Description    string     `json:"description" validate:"required,max=4000"`
	Note           string     `json:"note" validate:"omitempty,max=1000"`
	Urgent         bool       `json:"urgent"`
	PaidAt         *time.Time `json:"paid_at"`
}

// createWorkOrder is POST /api/v1/workorders: an agent opens an order, from a
// chat (whose customer and owner it takes) or from nothing (a walk-in, a letter).
func (s *Server) createWorkOrder(c echo.Context) error {
	var in workOrderInput
	if err := bind(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u := currentUser(c)
	if in.ConversationID != "" {
		if _, err := s.cfg.Conversations.ConversationFor(ctx, u, in.ConversationID); err != nil {
			return err
		}
	}
	no := workorder.NewOrder{Type: in.Type, Subtype: in.Subtype, CustomerID: in.CustomerID, AccountNo: strings.TrimSpace(in.AccountNo),
		ConversationID: in.ConversationID, Phone: strings.TrimSpace(in.Phone), Address: strings.TrimSpace(in.Address),
		AreaClass: in.AreaClass, Supply: in.Supply, Description: strings.TrimSpace(in.Description), Note: in.Note, Urgent: in.Urgent}
	if in.PaidAt != nil {
		no.PaidAt = *in.PaidAt
	}
	wo, err := s.cfg.WorkOrders.Create(ctx, workorder.Actor{User: u}, no)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, wo)
}

type workOrderQuery struct {
	Status     string `query:"status" validate:"omitempty,oneof=accepted dispatched on_site handled followed_up closed"`
	Type       string `query:"type" validate:"omitempty,oneof=repair complaint report service_request application consultation opinion praise"`
	Owner      string `query:"owner" validate:"omitempty,max=64"` // a user id, or "me"
	CustomerID string `query:"customer_id" validate:"omitempty,max=64"`
	Master     string `query:"master" validate:"omitempty,max=64"` // an incident's reports, by their master's id
	Overdue    bool   `query:"overdue"`
	Open       bool   `query:"open"`
	Q          string `query:"q" validate:"omitempty,max=100"`
	Limit      int    `query:"limit" validate:"gte=0,lte=500"`
}

// listWorkOrders is GET /api/v1/workorders: the console's lists (mine, overdue,
// by type, an incident's reports), limited to what the caller may see.
func (s *Server) listWorkOrders(c echo.Context) error {
	var q workOrderQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	u := currentUser(c)
	f := gridline.WorkOrderFilter{Status: q.Status, Type: q.Type, OwnerID: q.Owner, CustomerID: q.CustomerID, MasterID: q.Master, Open: q.Open,
		Query: q.Q, Limit: q.Limit}
	if f.OwnerID == "me" {
		f.OwnerID = u.ID
	}
	if q.Overdue {
		now := s.now().UTC()
		f.OverdueAt = &now
	}
	wos, err := s.cfg.WorkOrders.List(c.Request().Context(), u, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"workorders": wos})
}

// getWorkOrder is GET /api/v1/workorders/:id, with its timeline and the whole
// phone (lists mask it); an agent's or supervisor's look at a phone is logged
// (gridline.AuditOrderView).
func (s *Server) getWorkOrder(c echo.Context) error {
	u := currentUser(c)
	wo, err := s.cfg.WorkOrders.Get(c.Request().Context(), workorder.Actor{User: u}, c.Param("id"))
	if err != nil {
		return err
	}
	if wo.Phone != "" && !gridline.SeesPersonalData(u.Role) {
		s.audit(c, u.ID, gridline.AuditOrderView, gridline.SubjectWorkOrder+wo.ID, "phone shown")
	}
	return c.JSON(http.StatusOK, wo)
}

type workOrderEventInput struct {
	Action     string `json:"action" validate:"required,oneof=dispatch arrive handle follow_up close reopen remind contact merge split"`
	Note       string `json:"note" validate:"omitempty,max=2000"`
	Satisfied  *bool  `json:"satisfied"`
	HandlerID  string `json:"handler_id" validate:"omitempty,max=64"`
	Department string `json:"department" validate:"omitempty,max=100"`
	MasterID   string `json:"master_id" validate:"omitempty,max=64"`
	// Version is the version the caller saw; a change since is 409.
	Version int64 `json:"version" validate:"gte=0"`
}

// workOrderEvent is POST /api/v1/workorders/:id/events: one step of the order's
// lifecycle; a step its status does not allow, or one that lost a race, is 409.
func (s *Server) workOrderEvent(c echo.Context) error {
	var in workOrderEventInput
	if err := bind(c, &in); err != nil {
		return err
	}
	a := workorder.Action{Name: in.Action, Note: strings.TrimSpace(in.Note), Satisfied: in.Satisfied, HandlerID: in.HandlerID,
		Department: strings.TrimSpace(in.Department), MasterID: in.MasterID}
	wo, err := s.cfg.WorkOrders.Act(c.Request().Context(), workorder.Actor{User: currentUser(c)}, c.Param("id"), a, in.Version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, wo)
}

func (s *Server) getWorkOrderPolicy(c echo.Context) error {
	p, err := s.cfg.WorkOrders.Policy(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// putWorkOrderPolicy is PUT /api/v1/workorder-policy (admins): the whole table.
func (s *Server) putWorkOrderPolicy(c echo.Context) error {
	var p workorder.Policy
	if err := bind(c, &p); err != nil {
		return err
	}
	if err := s.cfg.WorkOrders.SetPolicy(c.Request().Context(), &p); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, &p)
}

func (s *Server) getCalendar(c echo.Context) error {
	cal, err := s.cfg.WorkOrders.Calendar(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cal.Data())
}

// putCalendar is PUT /api/v1/calendar (admins): the years sent replace those
// stored; the others stay.
func (s *Server) putCalendar(c echo.Context) error {
	var d workorder.CalendarData
	if err := bind(c, &d); err != nil {
		return err
	}
	cal, err := s.cfg.WorkOrders.SetCalendar(c.Request().Context(), d)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cal.Data())
}

// visitor verifies the widget's visitor token (Authorization: Bearer).
func (s *Server) visitor(c echo.Context) (visitorClaims, error) {
	tok := strings.TrimPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
	claims, err := verifyVisitor(s.cfg.Secret, tok, s.now())
	if err != nil {
		return claims, err
	}
	// A conversation that proved an account reads that customer's orders.
	claims.CustomerID, err = s.cfg.Conversations.VisitorCustomer(c.Request().Context(), claims.CustomerID, claims.ConversationID)
	return claims, err
}

// widgetWorkOrders is GET /api/v1/widget/workorders: the customer's own open
// orders, as a customer may see them; ?all=1 adds the closed ones.
func (s *Server) widgetWorkOrders(c echo.Context) error {
	claims, err := s.visitor(c)
	if err != nil {
		return err
	}
	all := c.QueryParam("all") == "1"
	wos, err := s.cfg.WorkOrders.CustomerOrders(c.Request().Context(), claims.CustomerID, all, 50)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"workorders": wos})
}

// widgetWorkOrder is GET /api/v1/widget/workorders/:id; another customer's is 404.
func (s *Server) widgetWorkOrder(c echo.Context) error {
	claims, err := s.visitor(c)
	if err != nil {
		return err
	}
	wo, err := s.cfg.WorkOrders.Get(c.Request().Context(), workorder.Actor{CustomerID: claims.CustomerID}, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, wo.Public())
}

// widgetRemind is POST /api/v1/widget/workorders/:id/remind: the customer's
// reminder (催办), at most one per order an hour.
func (s *Server) widgetRemind(c echo.Context) error {
	claims, err := s.visitor(c)
	if err != nil {
		return err
	}
	wo, err := s.cfg.WorkOrders.Act(c.Request().Context(), workorder.Actor{CustomerID: claims.CustomerID}, c.Param("id"),
		workorder.Action{Name: workorder.ActionRemind}, 0)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, wo.Public())
}
