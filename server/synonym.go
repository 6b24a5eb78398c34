package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge"
)

// synonymRoutes registers the synonyms API (from knowledgeRoutes): staff read them, admins replace
// them; an edit applies on every replica from the next question.
func (s *Server) synonymRoutes(api *echo.Group) {
	api.GET("/synonyms", s.getSynonyms, s.requireRole())
	api.PUT("/synonyms", s.putSynonyms, s.requireRole(gridline.RoleAdmin))
}

func (s *Server) getSynonyms(c echo.Context) error {
	return c.JSON(http.StatusOK, s.cfg.Knowledge.Synonyms())
}

// putSynonyms replaces every set: {"sets":[["缴费","交费"],["bill","statement"]]}.
func (s *Server) putSynonyms(c echo.Context) error {
	var in knowledge.Synonyms
	if err := bind(c, &in); err != nil {
		return err
	}
	out, err := s.cfg.Knowledge.SetSynonyms(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
