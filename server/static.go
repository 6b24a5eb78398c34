package server

import (
	"github.com/labstack/echo/v4"
)

// staticRoutes mounts the web pages at the paths the front end owns: the demo
// site at /, the one-tag widget at /widget.js, the agent console at /agent, the
// admin pages at /admin and their files under /static/. Only these paths go to
// Static, so an unknown API path still gets the API's own 404 and 405 answers;
// Static decides what exists below them and sets the headers.
func (s *Server) staticRoutes(e *echo.Echo) {
	if s.cfg.Static == nil {
		return
	}
	h := echo.WrapHandler(s.cfg.Static)
	for _, p := range []string{"/", "/widget.js", "/agent", "/admin", "/static/*"} {
		e.GET(p, h)
	}
}
