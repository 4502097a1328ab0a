package local

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"gatewarden/cpe-agent/internal/drain"
)

// Options configures the page.
type Options struct {
	// Addr is the LAN address to listen on, host and port. A wildcard or
	// empty host is refused: the page must not appear on the WAN side.
	Addr string
	// Password returns the device's local password; "" locks everyone out.
	Password func() (string, error)
	Agent    Agent
	Probes   Probes
	Now      func() time.Time
	Logger   *slog.Logger
}

// Server is the field engineer's page.
type Server struct {
	opts  Options
	guard *guard
	log   *slog.Logger
	ln    net.Listener
	srv   *http.Server
	drain *drain.Server
}

const cookieName = "gatewarden_local"

// CheckAddr refuses addresses that would listen on every interface.
func CheckAddr(addr string) error {
	_, err := checkAddr(addr)
	return err
}

func checkAddr(addr string) (netip.Addr, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("local page address %q: %w", addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return netip.Addr{}, fmt.Errorf("local page address %q: bad port", addr)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("local page address %q: the host must be the LAN interface's IP address", addr)
	}
	if ip.IsUnspecified() {
		return netip.Addr{}, fmt.Errorf("local page address %q: a wildcard address would expose the page on the WAN; give the LAN address", addr)
	}
	return ip, nil
}

// Listen binds the page's address, on the device that holds it (Linux).
func Listen(opts Options) (*Server, error) {
	ip, err := checkAddr(opts.Addr)
	if err != nil {
		return nil, err
	}
	if opts.Password == nil || opts.Agent == nil {
		return nil, errors.New("local page: Password and Agent are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Probes.fill()
	ln, err := listenLAN(opts.Addr, ip)
	if err != nil {
		return nil, fmt.Errorf("local page: %w", err)
	}
	s := &Server{opts: opts, guard: newGuard(opts.Password, opts.Now), log: opts.Logger.With("component", "local"), ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	for _, rt := range authedRoutes {
		mux.HandleFunc(rt.pattern, s.authed(rt.handle))
	}
	s.srv = &http.Server{
		Handler:           securityHeaders(http.MaxBytesHandler(mux, 16<<10)),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      probeLimit + 15*time.Second, // a traceroute answers late
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    8 << 10,
	}
	s.drain = drain.New(s.srv, ln)
	return s, nil
}

// authedRoutes are the pages behind the login, registered in a loop: a
// table of method expressions is static data where a registration call per
// route was code.
var authedRoutes = [...]struct {
	pattern string
	handle  func(s *Server, w http.ResponseWriter, r *http.Request, rq request)
}{
	{"GET /{$}", (*Server).statusPage},
	{"GET /status.json", (*Server).statusJSON},
	{"POST /logout", (*Server).logout},
	{"GET /ping", (*Server).pingPage},
	{"POST /ping", (*Server).ping},
	{"GET /traceroute", (*Server).tracePage},
	{"POST /traceroute", (*Server).trace},
	{"GET /bundle", (*Server).bundle},
}

// Addr is where the page listens.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve answers until ctx ends.
func (s *Server) Serve(ctx context.Context) error {
	stopped := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		s.drain.Stop(2 * time.Second)
		close(stopped)
	})
	err := s.srv.Serve(s.ln)
	if !stop() {
		// ctx ended: the listener was closed on purpose; wait for the
		// requests in flight before returning.
		<-stopped
		return nil
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the page at once.
func (s *Server) Close() error { return s.srv.Close() }

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// request is an authenticated request's context.
type request struct {
	_           incomparable
	token, csrf string
}

// authed wraps a handler that needs a logged-in engineer (and, for a POST,
// the form's CSRF token). It is kept out of line: inlined into each route,
// its closure was copied once per route. h is a method expression, not a
// method value: a method value costs a wrapper function per route.
//
//go:noinline
func (s *Server) authed(h func(s *Server, w http.ResponseWriter, r *http.Request, rq request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cookieName)
		var rq request
		ok := false
		if err == nil {
			rq.token = c.Value
			rq.csrf, ok = s.guard.session(c.Value)
		}
		if !ok {
			if r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, ".json") {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			http.Error(w, "log in first", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost {
			got := postValue(r, "csrf")
			if subtle.ConstantTimeCompare([]byte(got), []byte(rq.csrf)) != 1 {
				http.Error(w, "the form is stale; reload the page", http.StatusForbidden)
				return
			}
		}
		h(s, w, r, rq)
	}
}

// clientKey is who a failed login is charged to: the remote address.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	writePage(w, http.StatusOK, "Log in", "", loginForm(""))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	client := clientKey(r)
	if d := s.guard.locked(client); d > 0 {
		secs := int(d.Round(time.Second) / time.Second)
		if secs < 1 {
			secs = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writePage(w, http.StatusTooManyRequests, "Log in", "", loginForm(fmt.Sprintf("Too many wrong passwords. Try again in %d s.", secs)))
		return
	}
	token, ok, err := s.guard.login(client, postValue(r, "password"))
	if err != nil {
		s.log.Error("local password unavailable", "err", err)
		writePage(w, http.StatusServiceUnavailable, "Log in", "", loginForm("The local password cannot be read on this device."))
		return
	}
	if !ok {
		s.log.Warn("wrong local password", "client", client)
		writePage(w, http.StatusUnauthorized, "Log in", "", loginForm("Wrong password."))
		return
	}
	s.log.Info("engineer logged in", "client", client)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: int(sessionIdle / time.Second)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rq request) {
	s.guard.logout(rq.token)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request, rq request) {
	st, err := s.opts.Agent.Status(r.Context())
	if err != nil {
		writePage(w, http.StatusInternalServerError, "Status", rq.csrf, "<p class=err>"+esc(err.Error())+"</p>")
		return
	}
	writePage(w, http.StatusOK, "Status", rq.csrf, statusHTML(st, s.opts.Now()))
}

func (s *Server) statusJSON(w http.ResponseWriter, r *http.Request, rq request) {
	st, err := s.opts.Agent.Status(r.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

func (s *Server) pingPage(w http.ResponseWriter, r *http.Request, rq request) {
	writePage(w, http.StatusOK, "Ping", rq.csrf, probeForm("/ping", rq.csrf, "", true))
}

func (s *Server) tracePage(w http.ResponseWriter, r *http.Request, rq request) {
	writePage(w, http.StatusOK, "Traceroute", rq.csrf, probeForm("/traceroute", rq.csrf, "", false))
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request, rq request) {
	host := strings.TrimSpace(postValue(r, "host"))
	count, _ := strconv.Atoi(postValue(r, "count"))
	s.log.Info("engineer ping", "host", host)
	res, err := s.opts.Probes.ping(r.Context(), host, count)
	writePage(w, http.StatusOK, "Ping", rq.csrf, probeForm("/ping", rq.csrf, host, true)+pingHTML(host, res, err))
}

func (s *Server) trace(w http.ResponseWriter, r *http.Request, rq request) {
	host := strings.TrimSpace(postValue(r, "host"))
	s.log.Info("engineer traceroute", "host", host)
	res, err := s.opts.Probes.trace(r.Context(), host)
	writePage(w, http.StatusOK, "Traceroute", rq.csrf, probeForm("/traceroute", rq.csrf, host, false)+traceHTML(host, res, err))
}

func (s *Server) bundle(w http.ResponseWriter, r *http.Request, rq request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="gatewarden-support.txt"`)
	if err := s.opts.Agent.Bundle(r.Context(), w); err != nil {
		s.log.Error("support bundle", "err", err)
		fmt.Fprintf(w, "\n-- bundle incomplete: %v\n", err)
	}
}
