package digest

import (
	"io"
	"net/http"
)

// Transport is an http.RoundTripper that authorizes each request with
// Client and, on a 401 worth retrying, sends it once more. A request whose
// body cannot be replayed (Body set, GetBody nil) is not retried: its 401
// goes back to the caller, whose next request will carry the new challenge.
type Transport struct {
	_      incomparable
	Client *Client
	Base   http.RoundTripper // nil: http.DefaultTransport
}

// drainLimit bounds how much of a 401 body is read so the connection can be
// reused; a longer one is closed instead.
const drainLimit = 64 << 10

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	first := withOwnHeader(req) // RoundTrip must not modify req
	if err := t.Client.Authorize(first); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := base.RoundTrip(first)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	retry, herr := t.Client.Handle(resp)
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	if !retry || herr != nil || !replayable {
		return resp, nil
	}
	second := withOwnHeader(req)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		second.Body = body
	}
	if err := t.Client.Authorize(second); err != nil {
		if second.Body != nil {
			second.Body.Close()
		}
		return resp, nil
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	resp.Body.Close()
	return base.RoundTrip(second)
}

// withOwnHeader returns a shallow copy of req with a header of its own,
// the one thing Authorize changes. Request.Clone would deep-copy the URL,
// form and trailers as well, and is linked into the router for this alone
// (3 KB of code).
func withOwnHeader(req *http.Request) *http.Request {
	r := new(http.Request)
	*r = *req
	r.Header = req.Header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	return r
}
