package acstest

import (
	"fmt"
	"net/http"
	"time"

	"gatewarden/protocol/cwmp"
)

// Record is one HTTP request as the server saw it, with the status it was
// answered with.
type Record struct {
	Seq        int       // 1-based arrival order over the whole server
	Time       time.Time // from Options.Now
	Arrived    time.Time // real time the request was read
	Answered   time.Time // real time the answer was written (zero if none)
	Method     string
	Path       string
	Header     http.Header
	Cookies    []*http.Cookie
	RemoteAddr string // the client's address: one value per TCP connection
	TLS        bool
	Body       []byte         // raw request body (truncated at MaxBody)
	Envelope   *cwmp.Envelope // nil for an empty POST or an undecodable body
	DecodeErr  error          // why a non-empty body did not decode
	Status     int            // status answered; 0 while unanswered or abandoned
	ReplyBody  []byte         // body answered

	session  int
	tooLarge bool
}

// Empty reports whether the request carried no body: the CPE's empty POST.
func (r *Record) Empty() bool { return len(r.Body) == 0 && r.DecodeErr == nil }

// RPC returns the RPC name of the envelope ("Inform", "Fault", ...) or
// "empty" / "undecodable".
func (r *Record) RPC() string {
	switch {
	case r.Envelope != nil:
		return r.Envelope.Body.Method()
	case r.DecodeErr != nil:
		return "undecodable"
	}
	return "empty"
}

// ID returns the envelope's cwmp:ID, "" for an empty POST.
func (r *Record) ID() string {
	if r.Envelope == nil {
		return ""
	}
	return r.Envelope.Header.ID
}

// describe is the one-line form used in error messages.
func (r *Record) describe() string {
	switch {
	case r.Envelope != nil:
		s := r.Envelope.Body.Method()
		if id := r.Envelope.Header.ID; id != "" {
			s += fmt.Sprintf(" (ID %q)", id)
		}
		if f, ok := r.Envelope.Body.(*cwmp.Fault); ok {
			s += fmt.Sprintf(" %d %q", f.FaultCode, f.FaultString)
		}
		return s
	case r.DecodeErr != nil:
		return fmt.Sprintf("undecodable body (%v)", r.DecodeErr)
	}
	return "empty POST"
}

func copyRecords(recs []*Record) []Record {
	out := make([]Record, len(recs))
	for i, r := range recs {
		out[i] = *r
	}
	return out
}
