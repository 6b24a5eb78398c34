package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
)

type requestQuery struct {
	Status string `query:"status" validate:"omitempty,oneof=open closed"`
}

// listRequests is GET /api/v1/requests?status=open: what customers left for staff
// (messages, call-back numbers, handoffs nobody could take), newest first, as
// the caller may see them (conversation.Service.Requests).
func (s *Server) listRequests(c echo.Context) error {
	var q requestQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	reqs, err := s.cfg.Conversations.Requests(c.Request().Context(), currentUser(c), q.Status)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, reqs)
}

// closeRequest is POST /api/v1/requests/:id/close: the agent has dealt with it;
// the store records who closed it and when.
func (s *Server) closeRequest(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return gridline.Errorf(gridline.ENOTFOUND, "request %q not found", c.Param("id"))
	}
	if err := s.cfg.Store.CloseRequest(c.Request().Context(), id, currentUser(c).ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
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
	r, err := s.cfg.Conversations.LeaveRequest(c.Request().Context(), claims.CustomerID, claims.ConversationID, in.Kind, in.Phone, in.Text)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}
