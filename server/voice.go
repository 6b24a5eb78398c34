package server

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/hotline"
)

// voiceRoutes serves the hotline's webhooks. They live outside /api/ (the
// provider posts forms, not JSON, and carries no session): the signature in
// X-Twilio-Signature is their only credential.
func (s *Server) voiceRoutes(e *echo.Echo) {
	for _, p := range hotline.Paths {
		e.POST(p, s.voiceWebhook)
	}
}

// voiceWebhook is one webhook of a call: the form is read (at most
// hotline.MaxFormBytes), its signature checked against the public URL the
// provider posted to — a missing or wrong one is 403 and nothing happens —
// then every parameter is validated and the hotline's TwiML is the answer.
func (s *Server) voiceWebhook(c echo.Context) error {
	if s.cfg.Hotline == nil || s.cfg.VoiceAuthToken == "" {
		return gridline.Errorf(gridline.ENOTFOUND, "the hotline is not configured")
	}
	r := c.Request()
	if mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); mt != echo.MIMEApplicationForm {
		return gridline.Errorf(gridline.EUNSUPPORTED, "webhooks are form-encoded")
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, hotline.MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return gridline.Errorf(gridline.ETOOLARGE, "the webhook is over %d bytes", hotline.MaxFormBytes)
		}
		return gridline.Errorf(gridline.EINVALID, "the webhook's form does not parse")
	}
	if !hotline.Verify(s.cfg.VoiceAuthToken, s.voiceURL(c), r.PostForm, r.Header.Get(hotline.SignatureHeader)) {
		return gridline.Errorf(gridline.EFORBIDDEN, "the webhook's signature does not match")
	}
	hook, err := hotline.ParseWebhook(r.PostForm)
	if err != nil {
		return err
	}
	doc, err := s.cfg.Hotline.Handle(r.Context(), c.Path(), hook)
	if err != nil {
		return err
	}
	body, err := doc.Marshal()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/xml; charset=utf-8", body)
}

// voiceURL is the URL the provider posted to, as it signed it: the public URL
// (GRIDLINE_PUBLIC_URL) with the request's path and query — behind a proxy the
// server cannot see the URL the provider used — or, without one, the URL this
// request reached the server at.
func (s *Server) voiceURL(c echo.Context) string {
	base := strings.TrimRight(s.cfg.PublicURL, "/")
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return base + c.Request().URL.RequestURI()
}
