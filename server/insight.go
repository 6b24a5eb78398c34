package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/insight"
)

// insightRoutes registers feedback and figures: the widget's unprompted
// feedback and work-order ratings, the reasons offered after a low rating
// (admins edit them), and the analytics behind the dashboard. Without a
// configured service it runs one over the store and the work orders.
func (s *Server) insightRoutes(api *echo.Group) {
	if s.cfg.Insight == nil {
		s.cfg.Insight = &insight.Service{Store: s.cfg.Store, WorkOrders: s.cfg.WorkOrders, Now: s.cfg.Now, Logger: s.logger}
	}
	api.POST("/widget/feedback", s.widgetFeedback, s.rateLimit(0.1, 3))
	api.POST("/widget/workorders/:id/rating", s.widgetRateWorkOrder, s.rateLimit(0.2, 5))
	api.GET("/widget/rating-reasons", s.ratingReasons, s.rateLimit(2, 20))
	api.GET("/rating-reasons", s.ratingReasons, s.requireRole())
	api.PUT("/rating-reasons", s.putRatingReasons, s.requireRole(gridline.RoleAdmin))
	api.GET("/analytics", s.analytics, s.requireRole(gridline.RoleSupervisor, gridline.RoleAdmin))
}

type feedbackInput struct {
	Kind string `json:"kind" validate:"required,oneof=opinion suggestion praise"`
	Text string `json:"text" validate:"required,max=8000"`
	Lang string `json:"lang" validate:"omitempty,max=16"`
}

// widgetFeedback is POST /api/v1/widget/feedback {kind, text}: an opinion,
// suggestion or praise, which becomes a work order of that type.
func (s *Server) widgetFeedback(c echo.Context) error {
	claims, err := s.visitor(c)
	if err != nil {
		return err
	}
	var in feedbackInput
	if err := bind(c, &in); err != nil {
		return err
	}
	out, err := s.cfg.Insight.Feedback(c.Request().Context(), insight.FeedbackInput{CustomerID: claims.CustomerID,
		ConversationID: claims.ConversationID, Kind: in.Kind, Text: in.Text, Lang: in.Lang})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

type ratingInput struct {
	Score   int      `json:"score" validate:"required,gte=1,lte=5"`
	Comment string   `json:"comment" validate:"max=2000"`
	Reasons []string `json:"reasons" validate:"max=12,dive,max=32"`
	Lang    string   `json:"lang" validate:"omitempty,max=16"`
}

// widgetRateWorkOrder is POST /api/v1/widget/workorders/:id/rating: the
// customer's rating of their handled or closed order; a bad one reopens it.
func (s *Server) widgetRateWorkOrder(c echo.Context) error {
	claims, err := s.visitor(c)
	if err != nil {
		return err
	}
	var in ratingInput
	if err := bind(c, &in); err != nil {
		return err
	}
	out, err := s.cfg.Insight.Rate(c.Request().Context(), insight.RatingInput{CustomerID: claims.CustomerID,
		MatterKind: gridline.MatterWorkOrder, MatterID: c.Param("id"), Score: in.Score, Comment: in.Comment,
		Reasons: in.Reasons, Lang: in.Lang})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// ratingReasons is GET /api/v1/rating-reasons (staff) and
// /api/v1/widget/rating-reasons (the widget): the choices after a low rating.
func (s *Server) ratingReasons(c echo.Context) error {
	rs, err := s.cfg.Insight.Reasons(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"reasons": rs})
}

type reasonsInput struct {
	Reasons []insight.Reason `json:"reasons" validate:"required"`
}

// putRatingReasons is PUT /api/v1/rating-reasons {reasons:[{code,zh,en}]}.
func (s *Server) putRatingReasons(c echo.Context) error {
	var in reasonsInput
	if err := bind(c, &in); err != nil {
		return err
	}
	if err := s.cfg.Insight.SetReasons(c.Request().Context(), in.Reasons); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"reasons": in.Reasons})
}

type analyticsQuery struct {
	From   string `query:"from" validate:"omitempty,max=40"`
	To     string `query:"to" validate:"omitempty,max=40"`
	Bucket string `query:"bucket" validate:"omitempty,oneof=day hour"`
}

// analytics is GET /api/v1/analytics?from=&to=&bucket=day|hour: from and to
// are RFC 3339 times or dates (whole days of the utility's calendar, to
// included); the dashboard's report as JSON, or as CSV with Accept: text/csv.
func (s *Server) analytics(c echo.Context) error {
	var q analyticsQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	in := insight.AnalyticsQuery{Bucket: q.Bucket}
	for _, p := range []struct {
		v    string
		at   *time.Time
		day  *string
		name string
	}{{q.From, &in.From, &in.FromDay, "from"}, {q.To, &in.To, &in.ToDay, "to"}} {
		if p.v == "" {
			continue
		}
		if len(p.v) == len(time.DateOnly) {
			*p.day = p.v
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, p.v)
		if err != nil {
			return &gridline.Error{Code: gridline.EINVALID, Message: p.name + " is a date or an RFC 3339 time",
				Fields: map[string]string{p.name: "must be 2006-01-02 or RFC 3339"}}
		}
		*p.at = t
	}
	r, err := s.cfg.Insight.Analytics(c.Request().Context(), currentUser(c), in)
	if err != nil {
		return err
	}
	if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/csv") {
		res := c.Response()
		res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="gridline-analytics.csv"`)
		res.WriteHeader(http.StatusOK)
		return r.WriteCSV(res)
	}
	return c.JSON(http.StatusOK, r)
}
