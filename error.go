package gridline

import (
	"errors"
	"fmt"
)

// Error codes a user may see. Only the server package maps them to HTTP statuses.
const (
	ECONFLICT       = "conflict"        // the thing exists already or changed under the caller
	EINTERNAL       = "internal"        // something broke that the caller cannot fix
	EINVALID        = "invalid"         // the input is wrong; Fields says where
	ENOTFOUND       = "not_found"       // no such thing, or not one the caller may see
	EUNAUTHORIZED   = "unauthorized"    // no valid credentials
	EFORBIDDEN      = "forbidden"       // valid credentials, not allowed
	ETOOLARGE       = "too_large"       // the input is over a size cap
	ERATELIMITED    = "rate_limited"    // too many requests; try again later
	EUNAVAILABLE    = "unavailable"     // a dependency is down; try again later
	ENOTIMPLEMENTED = "not_implemented" // the configuration lacks the feature
	EUNSUPPORTED    = "unsupported"     // the input comes in a format the operation does not take
)

// Error is the one error type whose message may be shown to a user. Infrastructure
// errors are wrapped with fmt.Errorf instead and reach clients only as EINTERNAL.
type Error struct {
	Code    string
	Message string
	// Fields maps an input field to what is wrong with it (EINVALID only).
	Fields map[string]string
}

func (e *Error) Error() string {
	return fmt.Sprintf("gridline error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any
// other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic text so that their details never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
