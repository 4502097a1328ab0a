package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"gatewarden/acs/internal/store"
)

// Error codes of the {"error", "code"} body. Clients match on the code;
// the message is for people.
const (
	codeBadRequest        = "bad_request"
	codeInvalidJSON       = "invalid_json"
	codeInvalidFilter     = "invalid_filter"
	codeInvalidDeviceID   = "invalid_device_id"
	codeInvalidTask       = "invalid_task"
	codeInvalidPreset     = "invalid_preset"
	codeInvalidQuery      = "invalid_query"
	codeUnauthorized      = "unauthorized"
	codeForbidden         = "forbidden"
	codeNotFound          = "not_found"
	codeMethodNotAllowed  = "method_not_allowed"
	codeConflict          = "conflict"
	codeTooLarge          = "request_too_large"
	codeUnsupportedType   = "unsupported_media_type"
	codeInternal          = "internal_error"
	codeUnavailable       = "unavailable"
	codeDeviceUnreachable = "device_unreachable"
)

// apiError is an error with the status and code the client gets.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func badRequest(code, format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, code, format, args...)
}

func notFound(format string, args ...any) *apiError {
	return errorf(http.StatusNotFound, codeNotFound, format, args...)
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error string `json:"error" doc:"what went wrong and what to do, for people"`
	Code  string `json:"code" doc:"stable snake_case code for scripts"`
}

// classify turns a handler's error into what the client sees. Errors
// that are not *apiError or a known store sentinel are internal: the client
// gets a generic message, the log gets the detail.
func classify(err error) (*apiError, bool) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae, false
	case errors.Is(err, store.ErrNotFound):
		return notFound("not found"), false
	case errors.Is(err, store.ErrInvalid):
		return badRequest(codeBadRequest, "%v", err), false
	case errors.Is(err, store.ErrConflict):
		return errorf(http.StatusConflict, codeConflict, "the resource changed meanwhile; read it again and retry"), false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errorf(http.StatusServiceUnavailable, codeUnavailable, "the request timed out; retry later"), true
	}
	return errorf(http.StatusInternalServerError, codeInternal, "internal error; the ACS log has the details"), true
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
