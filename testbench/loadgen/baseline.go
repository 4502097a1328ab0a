package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"gatewarden/protocol/cwmp"
)

// Baseline is a bare net/http server doing a CWMP session's two round
// trips with the same payloads as an ACS and nothing else: it reads each
// body without decoding it, answers a non-empty POST with a canned
// InformResponse and an empty one with 204, and asks for no
// authentication. A run against it measures what the machine and the
// client manage with no ACS logic at all, the yardstick for an ACS's
// figures.
type Baseline struct {
	srv      *http.Server
	ln       net.Listener
	done     chan struct{}
	serveErr error // set before done closes
}

// StartBaseline starts the server on a random loopback port.
func StartBaseline() (*Baseline, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("baseline server: %w", err)
	}
	return ServeBaseline(ln)
}

// ServeBaseline serves the baseline on ln (tests wrap listeners to count
// connections).
func ServeBaseline(ln net.Listener) (*Baseline, error) {
	ack, err := cwmp.Marshal(&cwmp.Envelope{Header: cwmp.Header{ID: "baseline"}, Body: &cwmp.InformResponse{MaxEnvelopes: 1}})
	if err != nil {
		return nil, fmt.Errorf("baseline server: %w", err)
	}
	ackLen := []string{strconv.Itoa(len(ack))}
	ctype := []string{`text/xml; charset="utf-8"`}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxMessageBytes))
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		if n == 0 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		hd := w.Header()
		hd["Content-Type"] = ctype
		hd["Content-Length"] = ackLen
		w.Write(ack)
	})
	b := &Baseline{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       30 * time.Second,
			MaxHeaderBytes:    16 << 10,
		},
		ln:   ln,
		done: make(chan struct{}),
	}
	go func() {
		defer close(b.done)
		if err := b.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			b.serveErr = err
		}
	}()
	return b, nil
}

// URL is the CWMP URL to point a run at.
func (b *Baseline) URL() string { return "http://" + b.ln.Addr().String() + "/cwmp" }

// Close stops the server and waits for it.
func (b *Baseline) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := b.srv.Shutdown(ctx)
	<-b.done
	if err == nil {
		err = b.serveErr
	}
	if err != nil {
		return fmt.Errorf("stopping the baseline server: %w", err)
	}
	return nil
}
