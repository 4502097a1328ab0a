package acstest

import (
	"net/http"
	"strings"
	"time"

	"gatewarden/protocol/cwmp"
)

// Reply is how the test answers one POST. Build one with Respond, Request,
// Fault, Empty, Redirect or Status and adjust it with the With* methods.
type Reply struct {
	// Status is the HTTP status; 0 means 200 with a body, 204 without,
	// 302 with a Location.
	Status int
	// Body is the envelope's RPC; nil sends no envelope.
	Body cwmp.Body
	// Header is the envelope's header. An empty ID is filled in: the
	// CPE's ID for a response or fault, a fresh one for a request.
	Header cwmp.Header
	// Namespace of the envelope; empty means the namespace of the CPE's
	// message (of its Inform when that message was empty).
	Namespace string
	// Raw is sent as the body instead of an encoded envelope.
	Raw []byte
	// HTTPHeader holds extra response headers.
	HTTPHeader http.Header
	// Cookies are set with Set-Cookie.
	Cookies []*http.Cookie
	// Location makes a redirect; a path is made absolute on this server.
	Location string
	// Close sends Connection: close, so the server drops the connection
	// after this response.
	Close bool
	// Delay holds the answer back (real time); the client may time out.
	Delay time.Duration
	// EmptyStatus200 sends an empty answer as 200 with no body instead of
	// 204 (both end the session).
	EmptyStatus200 bool
}

// Respond answers a CPE request or Inform with its response, echoing the
// CPE's cwmp:ID.
func Respond(body cwmp.Body) Reply { return Reply{Body: body} }

// InformResponse answers an Inform.
func InformResponse() Reply { return Reply{Body: &cwmp.InformResponse{MaxEnvelopes: 1}} }

// Request sends an ACS request with a fresh cwmp:ID.
func Request(body cwmp.Body) Reply { return Reply{Body: body} }

// Fault answers with a CWMP fault (ACS codes 8000-8899 for CPE requests).
func Fault(code cwmp.FaultCode) Reply { return Reply{Body: cwmp.NewFault(code, "")} }

// Empty is the ACS's empty response (204): it has nothing more to send.
func Empty() Reply { return Reply{} }

// Redirect answers with status (302 or 307) pointing at location.
func Redirect(status int, location string) Reply {
	return Reply{Status: status, Location: location}
}

// Status answers with a bare HTTP status and no body.
func Status(code int) Reply { return Reply{Status: code} }

// WithHold sets the HoldRequests header.
func (r Reply) WithHold(hold bool) Reply {
	r.Header.HoldRequests = &hold
	return r
}

// WithUseVersion sets the UseCWMPVersion header ("1.4").
func (r Reply) WithUseVersion(v string) Reply {
	r.Header.UseCWMPVersion = v
	return r
}

// WithNamespace answers in ns.
func (r Reply) WithNamespace(ns string) Reply {
	r.Namespace = ns
	return r
}

// WithID forces the envelope's cwmp:ID.
func (r Reply) WithID(id string) Reply {
	r.Header.ID = id
	return r
}

// WithCookie adds a Set-Cookie.
func (r Reply) WithCookie(c *http.Cookie) Reply {
	r.Cookies = append(append([]*http.Cookie(nil), r.Cookies...), c)
	return r
}

// WithClose adds Connection: close.
func (r Reply) WithClose() Reply {
	r.Close = true
	return r
}

// WithDelay holds the answer back by d (real time).
func (r Reply) WithDelay(d time.Duration) Reply {
	r.Delay = d
	return r
}

// WithHeader adds an HTTP response header.
func (r Reply) WithHeader(key, value string) Reply {
	h := r.HTTPHeader.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Add(key, value)
	r.HTTPHeader = h
	return r
}

// Status200 makes an empty answer a 200 without a body.
func (r Reply) Status200() Reply {
	r.EmptyStatus200 = true
	return r
}

// empty reports whether the reply carries no body.
func (r Reply) empty() bool { return r.Body == nil && r.Raw == nil }

// isResponse reports whether an RPC answers a request (so it echoes the
// request's ID) rather than being one.
func isResponse(b cwmp.Body) bool {
	m := b.Method()
	return m == "Fault" || strings.HasSuffix(m, "Response")
}

// render sets the response headers and returns the status and body; the
// caller writes them. Envelope encoding happened in Exchange.Reply.
func (r Reply) render(w http.ResponseWriter) (int, []byte) {
	h := w.Header()
	for k, vs := range r.HTTPHeader {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range r.Cookies {
		http.SetCookie(w, c)
	}
	if r.Close {
		h.Set("Connection", "close")
	}
	status := r.Status
	if r.Location != "" {
		h.Set("Location", r.Location)
		if status == 0 {
			status = http.StatusFound
		}
	}
	if r.Raw != nil {
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", `text/xml; charset="utf-8"`)
		}
		if status == 0 {
			status = http.StatusOK
		}
		return status, r.Raw
	}
	if status == 0 {
		status = http.StatusNoContent
		if r.EmptyStatus200 {
			status = http.StatusOK
		}
	}
	if status == http.StatusOK {
		h.Set("Content-Length", "0")
	}
	return status, nil
}
