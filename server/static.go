package server

import (
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

// staticRoutes serves the web pages: the demo site at /, the one-tag widget at
// /widget.js, the agent console at /agent and the admin pages at /admin.
func (s *Server) staticRoutes(e *echo.Echo) {
	if s.cfg.Static == nil {
		return
	}
	page := func(name string) echo.HandlerFunc {
		return func(c echo.Context) error {
			data, err := fs.ReadFile(s.cfg.Static, name)
			if err != nil {
				return echo.NewHTTPError(http.StatusNotFound)
			}
			c.Response().Header().Set("Cache-Control", "no-cache")
			return c.Blob(http.StatusOK, contentType(name), data)
		}
	}
	e.GET("/", page("index.html"))
	e.GET("/widget.js", func(c echo.Context) error {
		// Any site may load the widget script; the socket checks origins.
		c.Response().Header().Set("Access-Control-Allow-Origin", "*")
		return page("widget.js")(c)
	})
	e.GET("/agent", page("agent.html"))
	e.GET("/admin", page("admin.html"))
	e.GET("/static/*", func(c echo.Context) error {
		name := c.Param("*")
		if !fs.ValidPath(name) {
			return echo.NewHTTPError(http.StatusNotFound)
		}
		c.Response().Header().Set("Access-Control-Allow-Origin", "*")
		return page(name)(c)
	})
}

func contentType(name string) string {
	switch {
	case hasSuffix(name, ".html"):
		return "text/html; charset=utf-8"
	case hasSuffix(name, ".js"), hasSuffix(name, ".mjs"):
		return "text/javascript; charset=utf-8"
	case hasSuffix(name, ".css"):
		return "text/css; charset=utf-8"
	case hasSuffix(name, ".svg"):
		return "image/svg+xml"
	case hasSuffix(name, ".png"):
		return "image/png"
	case hasSuffix(name, ".json"):
		return "application/json"
	}
	return "application/octet-stream"
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}
