// Package server builds and runs the Gatewarden ACS in-process: the CWMP
// endpoint, the REST API with metrics, the task engine and the embedded
// bbolt store. cmd/acs is a thin wrapper around it; tests, `make run` and
// the testbench start an ACS through it.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"gatewarden/acs/internal/api"
	"gatewarden/acs/internal/connreq"
	"gatewarden/acs/internal/cpeauth"
	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/acs/internal/health"
	"gatewarden/acs/internal/provision"
	"gatewarden/acs/internal/store"
	boltstore "gatewarden/acs/internal/store/bbolt"
	"gatewarden/acs/internal/tasks"
)

// StoreFile is the bbolt file's name inside the data directory.
const StoreFile = "acs.db"

// AdminTokenFile holds the first admin token, created on first start.
const AdminTokenFile = "admin.token"

// Config is what `acs serve` takes.
type Config struct {
	DataDir      string
	CWMPAddr     string // default ":7547"
	APIAddr      string // default ":7557"
	FilesAddr    string // default ":7567" (firmware files: a later issue)
	MQTTAddr     string // default ":1883"; MQTT lane: mqtt.go
	MQTTExternal string
	TLSCert      string
	TLSKey       string
	Store        string // "bbolt" (default) or "postgres"
	PGURL        string
	// InsecureCPEAuth accepts any CPE: labs only.
	InsecureCPEAuth bool
	// Retention of finished tasks, faults and audit entries; default 90 days.
	Retention time.Duration
	// MaxMessageBytes for one CWMP message; default 4 MiB.
	MaxMessageBytes int64
	// MaxSessions and MaxInFlight bound the CWMP endpoint (overload gets 503).
	MaxSessions int
	MaxInFlight int
	// ConnReqRate paces connection requests fleet-wide (per second).
	ConnReqRate float64
	Logger      *slog.Logger
	// FilesURL is the file server's base URL as CPEs reach it (e.g.
	// http://acs.example.net:7567); default: from FilesAddr. files.go.
	FilesURL string
	// CampaignInterval between campaign driver rounds; default 5 s.
	CampaignInterval time.Duration
	// MQTT lane (mqtt.go): the embedded broker's TLS listener when
	// TLSCert is set (default ":8883"); telemetry history kept per device
	// (default 1440 samples) and for how long (default 7 days).
	MQTTTLSAddr        string
	TelemetryKeep      int
	TelemetryRetention time.Duration
	// LineHealth judges lines from telemetry (support.go): thresholds
	// (zero: the defaults) and the window judged (default 1 h).
	LineHealth       health.Thresholds
	LineHealthWindow time.Duration
}

// Server is one running ACS.
type Server struct {
	cfg    Config
	log    *slog.Logger
	st     *boltstore.Store
	secret []byte
	reg    *prometheus.Registry
	cwmp   *cwmpserver.Server
	runner *tasks.Runner
	api    http.Handler
	tlsCfg *tls.Config
	fw     *firmware  // files.go
	mq     *mqttParts // mqtt.go

	mu       sync.Mutex
	cwmpAddr net.Addr
	apiAddr  net.Addr
	ready    chan struct{}
}

// New opens the data directory (creating it, the fleet secret and the
// first admin token on first start) and builds the parts.
func New(cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("no data directory: pass --data DIR")
	}
	if cfg.LineHealth != (health.Thresholds{}) {
		if err := cfg.LineHealth.Check(); err != nil {
			return nil, fmt.Errorf("line health thresholds: %w", err)
		}
	}
	if cfg.CWMPAddr == "" {
		cfg.CWMPAddr = ":7547"
	}
	if cfg.APIAddr == "" {
		cfg.APIAddr = ":7557"
	}
	if cfg.FilesAddr == "" {
		cfg.FilesAddr = ":7567"
	}
	if cfg.MQTTAddr == "" {
		cfg.MQTTAddr = ":1883"
	}
	if cfg.Retention == 0 {
		cfg.Retention = 90 * 24 * time.Hour
	}
	switch cfg.Store {
	case "", "bbolt":
	case "postgres":
		return nil, errors.New("--store postgres is not available in this build yet; use the default bbolt store")
	default:
		return nil, fmt.Errorf("--store %q: want bbolt or postgres", cfg.Store)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: log, ready: make(chan struct{})}
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("TLS certificate: %w", err)
		}
		s.tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	secret, err := cpeauth.LoadOrCreateSecret(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s.secret = secret
	st, err := boltstore.Open(filepath.Join(cfg.DataDir, StoreFile), boltstore.Options{})
	if err != nil {
		return nil, err
	}
	s.st = st
	if err := s.build(); err != nil {
		st.Close()
		return nil, err
	}
	if err := s.firstAdminToken(); err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) build() error {
	s.reg = prometheus.NewRegistry()
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := s.buildMQTT(); err != nil {
		return err
	}

	rec := provision.NewReconciler(s.st, s.st, provision.ReconcilerOptions{})
	runner, err := tasks.New(tasks.Config{Store: s.st, Reconciler: s.pushReconciler(rec), Logger: s.log.With("component", "tasks")})
	if err != nil {
		return err
	}
	s.runner = runner
	cw, err := cwmpserver.New(cwmpserver.Config{
		Store:            s.st,
		Work:             s.campaignWork(runner),
		FleetSecret:      s.secret,
		InsecureCPEAuth:  s.cfg.InsecureCPEAuth,
		MaxMessageBytes:  s.cfg.MaxMessageBytes,
		MaxSessions:      s.cfg.MaxSessions,
		MaxInFlight:      s.cfg.MaxInFlight,
		Observer:         newCWMPMetrics(s.reg),
		Logger:           s.log.With("component", "cwmp"),
		ExtraCredentials: s.mqttCredentials,
	})
	if err != nil {
		return err
	}
	s.cwmp = cw

	disp := connreq.NewDispatcher(s.st, s.connreqChannels(),
		connreq.Options{Rate: s.cfg.ConnReqRate})
	online := s.mqttOnline(provision.OnlineWithin(provision.DefaultOnlineWindow, time.Now))
	if err := s.buildFiles(disp, online); err != nil {
		return err
	}
	apiOpts := api.Options{
		Store:  s.st,
		Tasks:  taskRunner{st: s.st, r: runner},
		Waker:  waker{d: disp},
		Online: online,
		CompileFilter: func(expr string) (func(*store.Device, func(string) (store.Param, bool)) bool, error) {
			f, err := provision.Options{Online: online}.Compile(expr)
			if err != nil {
				return nil, err
			}
			return f.Match, nil
		},
		ValidatePreset: func(p *store.Preset) error {
			if err := provision.ValidatePreset(p); err != nil {
				return err
			}
			rec.Invalidate()
			return nil
		},
		ValidateTask: tasks.Validate,
		Logger:       s.log.With("component", "api"),
		Registry:     s.reg,
	}
	s.fileOptions(&apiOpts)
	s.mqttOptions(&apiOpts)
	s.supportOptions(&apiOpts)
	s.api = api.New(apiOpts)
	return nil
}

// taskRunner gives the API the task engine: a task is queued by storing
// it, and the engine picks it up in the device's next session.
type taskRunner struct {
	st *boltstore.Store
	r  *tasks.Runner
}

func (t taskRunner) Submit(ctx context.Context, task *store.Task) error {
	return t.st.AddTask(ctx, task)
}
func (t taskRunner) Wait(ctx context.Context, id string) (store.Task, error) {
	return t.r.Wait(ctx, id)
}

type waker struct{ d *connreq.Dispatcher }

func (w waker) Wake(ctx context.Context, id string) error {
	r, err := w.d.Wake(ctx, id)
	if err != nil {
		return err
	}
	return r.Err()
}

// firstAdminToken creates DIR/admin.token on first start. It says where
// the token is, never what it is.
func (s *Server) firstAdminToken() error {
	path := filepath.Join(s.cfg.DataDir, AdminTokenFile)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	toks, err := s.st.ListTokens(context.Background())
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.Role == "admin" {
			return nil // an operator removed the file on purpose; do not mint another admin
		}
	}
	tok, err := api.CreateToken(context.Background(), s.st, "admin", "admin")
	if err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	s.log.Info("created the first admin API token", "file", path)
	return nil
}

// CreateToken makes a new API token with the given role in the ACS at
// dataDir (which must not be running: bbolt allows one process).
func CreateToken(dataDir, name, role string) (string, error) {
	if _, err := api.ParseRole(role); err != nil {
		return "", err
	}
	st, err := boltstore.Open(filepath.Join(dataDir, StoreFile), boltstore.Options{})
	if err != nil {
		return "", err
	}
	defer st.Close()
	return api.CreateToken(context.Background(), st, name, role)
}

// Compact rewrites the store file so it gives back the space that deleted
// records held (bbolt files never shrink by themselves).
func Compact(dataDir string) (before, after int64, err error) {
	return boltstore.CompactInPlace(filepath.Join(dataDir, StoreFile))
}

// Run serves until ctx ends, then shuts the listeners down gracefully.
func (s *Server) Run(ctx context.Context) error {
	defer s.st.Close()
	cwmpLn, err := net.Listen("tcp", s.cfg.CWMPAddr)
	if err != nil {
		return fmt.Errorf("CWMP listener: %w", err)
	}
	apiLn, err := net.Listen("tcp", s.cfg.APIAddr)
	if err != nil {
		cwmpLn.Close()
		return fmt.Errorf("API listener: %w", err)
	}
	s.mu.Lock()
	s.cwmpAddr, s.apiAddr = cwmpLn.Addr(), apiLn.Addr()
	s.mu.Unlock()
	stopFiles, err := s.startFiles(ctx)
	if err != nil {
		cwmpLn.Close()
		apiLn.Close()
		return err
	}
	defer stopFiles()
	stopMQTT, err := s.startMQTT(ctx)
	if err != nil {
		cwmpLn.Close()
		apiLn.Close()
		return fmt.Errorf("MQTT lane: %w", err)
	}
	defer stopMQTT()

	cwmpMux := http.NewServeMux()
	cwmpMux.Handle("/cwmp", s.cwmp)
	cwmpSrv := &http.Server{
		Handler: cwmpMux,
		// A CPE has 30 s to answer; headers and body come in one go.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    16 << 10,
		TLSConfig:         s.tlsCfg,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	apiSrv := api.NewServer(s.cfg.APIAddr, s.api, s.log)
	apiSrv.TLSConfig = s.tlsCfg

	errc := make(chan error, 2)
	serve := func(srv *http.Server, ln net.Listener) {
		var err error
		if s.tlsCfg != nil {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			errc <- err
			return
		}
		errc <- nil
	}
	go serve(cwmpSrv, cwmpLn)
	go serve(apiSrv, apiLn)
	go s.retention(ctx)
	if s.cfg.InsecureCPEAuth {
		s.log.Warn("CPE authentication is OFF (--insecure-cpe-auth): any device can speak for any other; labs only")
	}
	s.log.Info("ACS running", "cwmp", s.CWMPURL(), "api", s.APIURL(),
		"admin_token_file", filepath.Join(s.cfg.DataDir, AdminTokenFile))
	close(s.ready)

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = cwmpSrv.Shutdown(shutCtx)
	_ = apiSrv.Shutdown(shutCtx)
	return runErr
}

// retention prunes old finished records once an hour.
func (s *Server) retention(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := s.st.Prune(ctx, time.Now().Add(-s.cfg.Retention))
		if err != nil && ctx.Err() == nil {
			s.log.Warn("retention", "err", err)
		} else if n > 0 {
			s.log.Info("retention pruned old records", "records", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Ready is closed once the listeners are up.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// CWMPURL is the URL CPEs should use (valid once Ready).
func (s *Server) CWMPURL() string { return s.url(s.cwmpAddr) + "/cwmp" }

// APIURL is the base URL of the REST API (valid once Ready).
func (s *Server) APIURL() string { return s.url(s.apiAddr) }

func (s *Server) url(a net.Addr) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a == nil {
		return ""
	}
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	scheme := "http"
	if s.tlsCfg != nil {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
