package local

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// SocketName is the diag socket's file in the data directory.
const SocketName = "diag.sock"

// socketRequest is one line a `cpe-agent diag` client sends.
type socketRequest struct {
	_     incomparable
	Cmd   string `json:"cmd"` // status, ping, traceroute, bundle
	Host  string `json:"host,omitempty"`
	Count int    `json:"count,omitempty"`
}

// socketReply is the one JSON document the agent answers with.
type socketReply struct {
	Error  string          `json:"error,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Text   string          `json:"text,omitempty"` // the bundle
}

// SocketServer answers `cpe-agent diag` on a Unix socket only root (the
// agent's user) can open.
type SocketServer struct {
	ln     net.Listener
	agent  Agent
	probes Probes
	log    *slog.Logger
	wg     sync.WaitGroup
}

// ListenSocket creates DIR/diag.sock, replacing a stale one left by a
// killed agent.
func ListenSocket(dir string, agent Agent, probes Probes, log *slog.Logger) (*SocketServer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	probes.fill()
	path := filepath.Join(dir, SocketName)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("diag socket: removing stale %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("diag socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("diag socket: %w", err)
	}
	return &SocketServer{ln: ln, agent: agent, probes: probes, log: log.With("component", "diag-socket")}, nil
}

// Serve answers until ctx ends.
func (s *SocketServer) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.ln.Close() })
	defer stop()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			s.wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("diag socket: %w", err)
		}
		s.wg.Go(func() {
			s.handle(ctx, c)
			c.Close()
		})
	}
}

// Close stops listening.
func (s *SocketServer) Close() error { return s.ln.Close() }

func (s *SocketServer) handle(ctx context.Context, c net.Conn) {
	c.SetDeadline(time.Now().Add(probeLimit + 10*time.Second))
	line, err := bufio.NewReader(io.LimitReader(c, 4<<10)).ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return
	}
	var req socketRequest
	var rep socketReply
	if err := json.Unmarshal(line, &req); err != nil {
		rep.Error = "bad request: " + err.Error()
	} else {
		rep = s.answer(ctx, req)
	}
	json.NewEncoder(c).Encode(rep)
}

func (s *SocketServer) answer(ctx context.Context, req socketRequest) socketReply {
	var result any
	var err error
	switch req.Cmd {
	case "status":
		result, err = s.agent.Status(ctx)
	case "ping":
		result, err = s.probes.ping(ctx, req.Host, req.Count)
	case "traceroute":
		result, err = s.probes.trace(ctx, req.Host)
	case "bundle":
		var b strings.Builder
		if err := s.agent.Bundle(ctx, &b); err != nil {
			return socketReply{Error: err.Error(), Text: b.String()}
		}
		return socketReply{Text: b.String()}
	default:
		return socketReply{Error: fmt.Sprintf("unknown command %q (status, ping, traceroute, bundle)", req.Cmd)}
	}
	rep := socketReply{}
	if err != nil {
		rep.Error = err.Error()
	}
	if result != nil {
		raw, merr := json.Marshal(result)
		if merr != nil {
			rep.Error = merr.Error()
		}
		rep.Result = raw
	}
	return rep
}

// Call sends one command to the agent whose data directory is dir and
// returns its answer: JSON for status, ping and traceroute, text for the
// bundle.
func Call(ctx context.Context, dir, cmd, host string, count int) (result json.RawMessage, text string, err error) {
	path := filepath.Join(dir, SocketName)
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, "", fmt.Errorf("no running agent answers on %s (is it running with this data directory?): %w", path, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if err := json.NewEncoder(c).Encode(socketRequest{Cmd: cmd, Host: host, Count: count}); err != nil {
		return nil, "", fmt.Errorf("diag socket: %w", err)
	}
	var rep socketReply
	if err := json.NewDecoder(c).Decode(&rep); err != nil {
		return nil, "", fmt.Errorf("diag socket: reading the answer: %w", err)
	}
	if rep.Error != "" {
		return rep.Result, rep.Text, errors.New(rep.Error)
	}
	return rep.Result, rep.Text, nil
}
