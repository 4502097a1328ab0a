//go:build linux

package netns

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// speedServer is the HTTP test server of the download and upload
// diagnostics, listening inside a namespace. GET /bytes/N answers N
// bytes; PUT (or POST) counts the body. It records who asked and how
// much each upload carried, so the test checks the agent's figures
// against what really crossed the network.
type speedServer struct {
	base string

	mu    sync.Mutex
	calls []speedCall
}

type speedCall struct {
	Method   string
	Remote   string // the client's address, without port
	Received int64  // upload body bytes read
	Sent     int64  // download body bytes written
}

// startSpeedServer serves on addr inside namespace ns until the test
// ends.
func startSpeedServer(t *testing.T, ns, addr string) *speedServer {
	t.Helper()
	ln, err := listenIn(ns, addr)
	if err != nil {
		t.Fatalf("test server in %s: %v", ns, err)
	}
	s := &speedServer{base: "http://" + addr}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *speedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	call := speedCall{Method: r.Method, Remote: host}
	switch r.Method {
	case http.MethodPut, http.MethodPost:
		n, err := io.Copy(io.Discard, r.Body)
		call.Received = n
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		} else {
			w.WriteHeader(http.StatusNoContent)
		}
	case http.MethodGet:
		var size int64
		if _, err := fmt.Sscanf(r.URL.Path, "/bytes/%d", &size); err != nil || size < 0 || size > 64<<20 {
			http.Error(w, "want /bytes/N", http.StatusNotFound)
			break
		}
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.Header().Set("Content-Type", "application/octet-stream")
		call.Sent, _ = io.CopyN(w, zeros{}, size)
	default:
		http.Error(w, "GET or PUT", http.StatusMethodNotAllowed)
	}
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.mu.Unlock()
}

// log returns the calls so far.
func (s *speedServer) log() []speedCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]speedCall(nil), s.calls...)
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
