package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
)

// audit records a staff action the server itself carries out (logins, user
// and article changes) in the audit log; conversations' claims, transfers and
// resolves are recorded by the conversation service, the archive's views and
// edits by the archive, all in the one log.
func (s *Server) audit(c echo.Context, actorID, action, subject, detail string) {
	gridline.RecordAudit(c.Request().Context(), s.cfg.Store, s.logger, gridline.AuditEntry{ActorID: actorID,
		Action: action, Subject: subject, Detail: detail, At: s.now()})
}

type staffAuditQuery struct {
	Actor  string `query:"actor" validate:"omitempty,max=64"`
	Action string `query:"action" validate:"omitempty,max=32"`
	// From and To are RFC 3339 times or days (2026-03-01, the day's start in UTC).
	From   string `query:"from" validate:"omitempty,max=40"`
	To     string `query:"to" validate:"omitempty,max=40"`
	Before int64  `query:"before" validate:"gte=0"`
	Limit  int    `query:"limit" validate:"gte=0,lte=500"`
}

// auditPage is GET /api/v1/audit's answer; Next is the before= of the next
// page, zero on the last.
type auditPage struct {
	Entries []*gridline.AuditEntry `json:"entries"`
	Next    int64                  `json:"next,omitempty"`
}

// listAudit is GET /api/v1/audit?actor=&action=&from=&to=&before=&limit=
// (admins): the audit log, newest first.
func (s *Server) listAudit(c echo.Context) error {
	var q staffAuditQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	f := gridline.AuditFilter{ActorID: q.Actor, Action: q.Action, Before: q.Before, Limit: q.Limit}
	var err error
	if f.From, err = auditTime("from", q.From); err != nil {
		return err
	}
	if f.To, err = auditTime("to", q.To); err != nil {
		return err
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	es, err := s.cfg.Store.SearchAudit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	page := auditPage{Entries: es}
	if len(es) == f.Limit {
		page.Next = es[len(es)-1].ID
	}
	return c.JSON(http.StatusOK, page)
}

// auditTime reads a from= or to= bound: an RFC 3339 time, or a day.
func auditTime(field, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &gridline.Error{Code: gridline.EINVALID, Message: field + " is not a time",
		Fields: map[string]string{field: "an RFC 3339 time or a day (2006-01-02)"}}
}
