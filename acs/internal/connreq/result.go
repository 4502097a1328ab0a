package connreq

import (
	"context"
	"errors"
	"fmt"

	"gatewarden/acs/internal/store"
)

// Outcome is how a device answered a wake.
type Outcome uint8

const (
	// OK: the device accepted and will open a session.
	OK Outcome = iota + 1
	// BadCredentials: the device refused the credentials the ACS holds
	// for it (a 401 after answering a fresh challenge), or there were none.
	BadCredentials
	// Busy: the device answered 503 (rate-limited, or in a session).
	Busy
	// Offline: the connection was refused, reset or timed out, or the
	// host is unreachable.
	Offline
	// Failed: any other answer (404, 500, a redirect, a challenge the ACS
	// will not answer, garbage).
	Failed
)

var outcomeNames = [...]string{OK: "ok", BadCredentials: "bad_credentials", Busy: "busy", Offline: "offline", Failed: "failed"}

// String returns the snake_case name the API uses.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) && outcomeNames[o] != "" {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// MarshalText makes an Outcome a JSON string.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Result is the outcome of one wake.
type Result struct {
	Outcome Outcome
	// Channel is the channel that answered: "http" (later "mqtt").
	Channel string
	// Status is the HTTP status of the last answer, 0 when there was none.
	Status int
	// Detail says why, in words fit for an operator: "connection refused",
	// "timeout after 5s". It never holds a credential.
	Detail string
	// Joined is set when this call joined a wake already in flight for the
	// same device instead of sending its own.
	Joined bool
}

// Err returns nil when the device accepted the request, else an
// *OutcomeError: for callers that only need to know whether a session is
// coming (the API's Waker).
func (r Result) Err() error {
	if r.Outcome == OK {
		return nil
	}
	return &OutcomeError{Result: r}
}

// OutcomeError is a wake the device did not accept.
type OutcomeError struct{ Result Result }

func (e *OutcomeError) Error() string {
	msg := "connection request: " + e.Result.Outcome.String()
	if e.Result.Detail != "" {
		msg += ": " + e.Result.Detail
	}
	return msg
}

// Errors. A wake that could not be attempted returns an error; one that
// was attempted returns a Result, whatever the device did.
var (
	// ErrUnavailable: a channel cannot reach this device at all; the
	// Dispatcher tries the next channel.
	ErrUnavailable = errors.New("connreq: channel cannot reach the device")
	// ErrNoURL: the device has reported no ConnectionRequestURL.
	ErrNoURL = fmt.Errorf("%w: no ConnectionRequestURL", ErrUnavailable)
	// ErrBadURL: the ConnectionRequestURL is not one the ACS will use.
	ErrBadURL = fmt.Errorf("%w: unusable ConnectionRequestURL", ErrUnavailable)
	// ErrNoChannel: the Dispatcher has no channels.
	ErrNoChannel = errors.New("connreq: no channel configured")
	// ErrRateLimited: waiting for a token would outlast the caller's
	// deadline.
	ErrRateLimited = errors.New("connreq: rate limit would outlast the deadline")
)

// Waker wakes a device by ID; the API and campaigns depend on this, not on
// the Dispatcher.
type Waker interface {
	Wake(ctx context.Context, deviceID string) (Result, error)
}

// Channel is one way to reach a device. It returns ErrUnavailable
// (wrapped) when it cannot reach this device at all, so the next channel
// is tried; Offline also moves on to the next channel. It names itself in
// Result.Channel.
type Channel interface {
	Wake(ctx context.Context, dev store.Device) (Result, error)
}
