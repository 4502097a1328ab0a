package connreq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/drain"
	"gatewarden/protocol/digest"
)

// Defaults (TR069-DIGEST §6.1; the rate limit is icwmp's).
const (
	DefaultAddr       = ":7547"
	DefaultRateLimit  = 50
	DefaultRateWindow = 5 * time.Second
	defaultRealm      = "gatewarden-cpe"
)

// Limits of the WAN-side listener. A connection request is one bodiless GET,
// so anything slow or large is not a connection request.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 30 * time.Second
	maxHeaderBytes    = 4 << 10
	maxBodyBytes      = 4 << 10
	shutdownGrace     = time.Second
)

// CredentialsFunc returns ConnectionRequestUsername and
// ConnectionRequestPassword as they are now.
type CredentialsFunc func(ctx context.Context) (username, password string, err error)

// Options configures a Listener. Credentials and Trigger are required.
type Options struct {
	// Addr to listen on; default ":7547".
	Addr string
	// Path served, e.g. "/3f9a..."; default a random 128-bit hex path.
	Path string
	// Credentials is read on every request.
	Credentials CredentialsFunc
	// Trigger asks for a session with "6 CONNECTION REQUEST"; it is called
	// after the 200 has been written and must not block.
	Trigger func()
	// RateLimit requests per RateWindow; defaults 50 per 5 s.
	RateLimit  int
	RateWindow time.Duration
	// Realm of the Digest challenge; default "gatewarden-cpe".
	Realm string
	// Clock for the rate limit and nonce times; default the real clock.
	Clock  clock.Clock
	Logger *slog.Logger
}

// Listener is a bound connection-request listener.
type Listener struct {
	opts    Options
	path    string
	ln      net.Listener
	srv     *http.Server
	drain   *drain.Server
	auth    *digest.Server
	limit   *limiter
	log     *slog.Logger
	closeMu sync.Once
}

// Listen binds the address at once, so a port clash is reported before
// the agent goes on; Serve then answers requests.
func Listen(opts Options) (*Listener, error) {
	if opts.Credentials == nil || opts.Trigger == nil {
		return nil, errors.New("connreq: Credentials and Trigger are required")
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = DefaultRateLimit
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = DefaultRateWindow
	}
	if opts.Realm == "" {
		opts.Realm = defaultRealm
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	path := opts.Path
	if path == "" {
		var b [16]byte
		rand.Read(b[:])
		path = "/" + hex.EncodeToString(b[:])
	}
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?# ") {
		return nil, fmt.Errorf("connreq: path %q must start with / and hold no query", path)
	}
	l := &Listener{
		opts:  opts,
		path:  path,
		limit: newLimiter(opts.RateLimit, opts.RateWindow),
		log:   opts.Logger.With("component", "connreq"),
	}
	auth, err := digest.NewServer(digest.Config{
		Realm:            opts.Realm,
		Lookup:           l.lookup,
		MaxTrackedNonces: 256,
		Now:              opts.Clock.Now,
		Observe:          l.observe,
	})
	if err != nil {
		return nil, fmt.Errorf("connreq: %w", err)
	}
	l.auth = auth
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("connreq: listening on %s: %w", opts.Addr, err)
	}
	l.ln = ln
	l.srv = &http.Server{
		Handler:           l,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(l.log.Handler(), slog.LevelDebug),
	}
	l.drain = drain.New(l.srv, ln)
	return l, nil
}

// Addr is the bound address (useful with port 0).
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Path is the path served.
func (l *Listener) Path() string { return l.path }

// URL returns the ConnectionRequestURL for host, the address the ACS
// reaches the device at (its WAN address). An empty host uses the bound
// address, which only makes sense when the listener is bound to a specific
// one. IPv6 hosts get their brackets.
func (l *Listener) URL(host string) string {
	addr := l.ln.Addr().(*net.TCPAddr)
	if host == "" {
		host = addr.IP.String()
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(addr.Port)) + l.path
}

// Serve answers requests until ctx ends, then shuts down, giving requests
// in flight a second. It returns nil after ctx ended.
func (l *Listener) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- l.srv.Serve(l.ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("connreq: %w", err)
	case <-ctx.Done():
	}
	l.drain.Stop(shutdownGrace)
	<-errc
	return nil
}

// Close stops the listener at once.
func (l *Listener) Close() error {
	var err error
	l.closeMu.Do(func() {
		err = l.srv.Close()
		l.ln.Close()
	})
	return err
}

// ServeHTTP implements the connection-request endpoint.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != l.path {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !l.limit.allow(l.opts.Clock.Now()) {
		l.log.Warn("connection request refused: rate limit", "remote", r.RemoteAddr)
		// No Retry-After: TR-069 has the CPE refuse without one.
		w.Header().Set("Content-Length", "0")
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	// The body means nothing here; reading a bounded amount keeps the
	// connection reusable, and a larger one closes it.
	io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if _, err := l.auth.Authenticate(r); err != nil {
		l.auth.Reject(w, r, err)
		return
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	l.log.Info("connection request accepted", "remote", r.RemoteAddr)
	l.opts.Trigger()
}

// lookup serves the Digest server from the current credentials; an unset
// username matches nobody.
func (l *Listener) lookup(ctx context.Context, user string) (digest.Credential, bool, error) {
	u, p, err := l.opts.Credentials(ctx)
	if err != nil {
		return digest.Credential{}, false, fmt.Errorf("reading connection-request credentials: %w", err)
	}
	if u == "" || u != user {
		return digest.Credential{}, false, nil
	}
	return digest.Credential{Password: p}, true, nil
}

// observe logs refused attempts without the claimed username: it is half
// of the credential pair.
func (l *Listener) observe(r *http.Request, _ string, err error) {
	switch {
	case err == nil, errors.Is(err, digest.ErrNoCredentials), errors.Is(err, digest.ErrStale):
		// The normal first step of a Digest exchange, and its retry.
	case digest.IsAuthError(err):
		l.log.Warn("connection request refused", "remote", r.RemoteAddr, "reason", err)
	default:
		l.log.Error("connection request: credentials unavailable", "err", err)
	}
}
