package cwmpserver

import (
	"net/http"
	"time"
)

// Timeouts the http.Server in front of the endpoint should have. A CPE
// sends each message at once and waits at least 30 s for the answer, so
// these only cut off clients that trickle bytes or hold idle connections.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second // header and body of one request
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 60 * time.Second // between requests on a kept-alive connection
	MaxHeaderBytes    = 16 << 10
)

// ConfigureHTTPServer sets the timeouts and header limit above on hs
// where hs leaves them zero. The body limit is the Server's own
// (Config.MaxMessageBytes).
func ConfigureHTTPServer(hs *http.Server) {
	if hs.ReadHeaderTimeout == 0 {
		hs.ReadHeaderTimeout = ReadHeaderTimeout
	}
	if hs.ReadTimeout == 0 {
		hs.ReadTimeout = ReadTimeout
	}
	if hs.WriteTimeout == 0 {
		hs.WriteTimeout = WriteTimeout
	}
	if hs.IdleTimeout == 0 {
		hs.IdleTimeout = IdleTimeout
	}
	if hs.MaxHeaderBytes == 0 {
		hs.MaxHeaderBytes = MaxHeaderBytes
	}
}
