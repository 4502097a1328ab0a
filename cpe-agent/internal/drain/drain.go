// Package drain stops the agent's HTTP servers gracefully: no new
// connections, requests in flight get a grace period, then everything is
// closed. http.Server.Shutdown does the same, but its idle-connection
// polling links math/rand and its generator table into the router binary
// (about 10 KB of flash) for servers that only ever have a handful of
// short requests in flight.
package drain

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Server wraps an http.Server's handler to count requests in flight.
type Server struct {
	srv *http.Server
	ln  net.Listener

	mu      sync.Mutex
	active  int
	closing bool
	idle    chan struct{} // closed when closing and nothing is in flight
}

// New wraps srv.Handler; call it before srv serves anything.
func New(srv *http.Server, ln net.Listener) *Server {
	d := &Server{srv: srv, ln: ln, idle: make(chan struct{})}
	next := srv.Handler
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !d.enter() {
			// A request on a kept-alive connection after Stop began.
			w.Header().Set("Connection", "close")
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		defer d.leave()
		next.ServeHTTP(w, r)
	})
	return d
}

func (d *Server) enter() bool {
	d.mu.Lock()
	ok := !d.closing
	if ok {
		d.active++
	}
	d.mu.Unlock()
	return ok
}

func (d *Server) leave() {
	d.mu.Lock()
	d.active--
	if d.closing && d.active == 0 {
		close(d.idle)
	}
	d.mu.Unlock()
}

// Stop closes the listener, waits up to grace for requests in flight and
// closes every connection. It reports whether the requests finished in
// time. Serve on the listener returns once the listener is closed.
func (d *Server) Stop(grace time.Duration) bool {
	d.mu.Lock()
	if d.closing {
		d.mu.Unlock()
		d.srv.Close()
		return true
	}
	d.closing = true
	if d.active == 0 {
		close(d.idle)
	}
	d.mu.Unlock()
	d.srv.SetKeepAlivesEnabled(false)
	d.ln.Close()
	t := time.NewTimer(grace)
	finished := true
	select {
	case <-d.idle:
	case <-t.C:
		finished = false
	}
	t.Stop()
	d.srv.Close()
	return finished
}
