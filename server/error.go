package server

import (
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
)

// validate checks every request body and frame; one instance caches struct metadata.
var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Report JSON field names, not Go ones.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
		if name == "-" {
			return ""
		}
		return name
	})
	_ = v.RegisterValidation("clientid", func(fl validator.FieldLevel) bool {
		return clientIDPattern.MatchString(fl.Field().String())
	})
	_ = v.RegisterValidation("phone", func(fl validator.FieldLevel) bool {
		return phonePattern.MatchString(strings.TrimSpace(fl.Field().String()))
	})
	return v
}

var (
	slugPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,79}$`)
	clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)
	phonePattern    = regexp.MustCompile(`^\+?[0-9][0-9 ()\-]{3,30}$`)
)

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

// validationError turns validator errors into an EINVALID error naming each field.
func validationError(err error) error {
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return gridline.Errorf(gridline.EINVALID, "invalid input")
	}
	fields := make(map[string]string, len(verrs))
	for _, fe := range verrs {
		name := fe.Namespace()
		if i := strings.IndexByte(name, '.'); i >= 0 {
			name = name[i+1:] // drop the struct's own name
		}
		fields[name] = describeRule(fe)
	}
	return &gridline.Error{Code: gridline.EINVALID, Message: "some fields are invalid", Fields: fields}
}

// describeRule says in words what a failed validation rule wanted.
func describeRule(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "required"
	case "max":
		return "at most " + fe.Param()
	case "min":
		return "at least " + fe.Param()
	case "oneof":
		return "one of: " + fe.Param()
	case "clientid":
		return "letters, digits and . _ : - only, at most 64"
	case "phone":
		return "must be a phone number"
	case "required_if":
		return "required"
	case "email":
		return "must be an email address"
	case "gte":
		return "must be at least " + fe.Param()
	case "lte":
		return "must be at most " + fe.Param()
	}
	return "fails " + fe.Tag()
}

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
	if err := validate.Struct(v); err != nil {
		return validationError(err)
	}
	return nil
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
