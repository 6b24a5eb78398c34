package server

import (
	"errors"
	"net/http"
	"reflect"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/validate"
)

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

// bind decodes a JSON request body into v and validates it.
func bind(c echo.Context, v any) error {
	if err := c.Bind(v); err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			if he.Code == http.StatusRequestEntityTooLarge {
				return gridline.Errorf(gridline.ETOOLARGE, "request body is too large")
			}
			return gridline.Errorf(gridline.EINVALID, "request body is not valid JSON of the expected shape")
		}
		return gridline.Errorf(gridline.EINVALID, "request body is not valid JSON of the expected shape")
	}
	if reflect.Indirect(reflect.ValueOf(v)).Kind() != reflect.Struct {
		return nil // raw JSON and arrays are checked element by element by the caller
	}
	return validate.Struct(v)
}

// statusOfCode maps each error code to its HTTP status; only this package does
// that. Any other code is a 500.
var statusOfCode = map[string]int{
	gridline.EINVALID:        http.StatusBadRequest,
	gridline.EUNAUTHORIZED:   http.StatusUnauthorized,
	gridline.EFORBIDDEN:      http.StatusForbidden,
	gridline.ENOTFOUND:       http.StatusNotFound,
	gridline.ECONFLICT:       http.StatusConflict,
	gridline.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	gridline.ERATELIMITED:    http.StatusTooManyRequests,
	gridline.EUNAVAILABLE:    http.StatusServiceUnavailable,
	gridline.ENOTIMPLEMENTED: http.StatusNotImplemented,
	gridline.EUNSUPPORTED:    http.StatusUnsupportedMediaType,
}

// statusOf maps an error code to its HTTP status.
func statusOf(code string) int {
	if status, ok := statusOfCode[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON shape of every error response and error frame.
type errorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func toErrorBody(err error) errorBody {
	var e *gridline.Error
	if errors.As(err, &e) {
		return errorBody{Code: e.Code, Message: e.Message, Fields: e.Fields}
	}
	return errorBody{Code: gridline.EINTERNAL, Message: gridline.ErrorMessage(err)}
}

// httpErrorHandler writes every error as {error:{code,message,fields}} with the
// matching status, and logs internal ones (their details never reach the client).
func (s *Server) httpErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	var body errorBody
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &he):
		status = he.Code
		body = errorBody{Code: codeOfStatus(he.Code), Message: http.StatusText(he.Code)}
		if m, ok := he.Message.(string); ok && m != "" {
			body.Message = m
		}
	default:
		body = toErrorBody(err)
		status = statusOf(body.Code)
	}
	if status >= 500 {
		s.logger.Error("request failed", "err", err, "method", c.Request().Method, "path", c.Path(),
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, map[string]errorBody{"error": body})
}

// codeOfStatus names the code for an HTTP status Echo produced itself (404 route,
// 405 method, 413 body limit…), by the same table read backwards.
func codeOfStatus(status int) string {
	if status == http.StatusMethodNotAllowed {
		return gridline.ENOTFOUND
	}
	for code, st := range statusOfCode {
		if st == status {
			return code
		}
	}
	return gridline.EINTERNAL
}
