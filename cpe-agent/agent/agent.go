// Package agent builds and runs one Gatewarden CPE agent in-process: the
// TR-181 tree on a platform, the CWMP session with the ACS, and the
// connection-request listener. cmd/cpe-agent is a thin wrapper around it,
// and the testbench runs thousands of agents in one process through it.
package agent

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/connreq"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/platform/sim"
	"gatewarden/cpe-agent/internal/redact"
	"gatewarden/cpe-agent/internal/session"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/buildinfo"
)

// StateFile is the bbolt file's name inside the data directory.
const StateFile = "state.db"

// connReqPathFile keeps the listener's random path across restarts, so
// ConnectionRequestURL (an actively notified parameter) stays put.
const connReqPathFile = "connreq-path"

// Option adjusts how an agent is built.
type Option func(*options)

type options struct {
	logger       *slog.Logger
	clk          clock.Clock
	platform     func(cfg Config, clk clock.Clock) (platform.Platform, error)
	onSessionEnd func(session.Result)
	sessionTune  func(*session.Options)
}

// WithLogger sends the agent's logs to l.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock drives retries, periodic informs, uptime and polling from c
// (tests use a fake clock).
func WithClock(c clock.Clock) Option { return func(o *options) { o.clk = c } }

// WithSessionObserver sees every session's outcome; it must not block.
func WithSessionObserver(fn func(session.Result)) Option {
	return func(o *options) { o.onSessionEnd = fn }
}

// WithPlatform builds the device in place of the platform cfg.Platform
// names. It runs at every (simulated) boot, so a caller holding what it
// returned (a *sim.Sim, say, for its LocalChange) always has the current
// device. A Reboot or FactoryReset restarts the agent in-process only when
// cfg.Platform is "sim", as with the built-in platforms.
func WithPlatform(build func(cfg Config, clk clock.Clock) (platform.Platform, error)) Option {
	return func(o *options) { o.platform = build }
}

// WithSessionOptions adjusts the CWMP client's options just before it is
// built, at every boot: tests shorten ResponseTimeout or pin Rand. The
// fields the agent wires itself (Model, Store, Platform, BootID) are best
// left alone.
func WithSessionOptions(tune func(*session.Options)) Option {
	return func(o *options) { o.sessionTune = tune }
}

// Agent is one running agent.
type Agent struct {
	cfg   Config
	opts  options
	log   *slog.Logger
	st    *store.Store
	roots *x509.CertPool

	mu      sync.Mutex
	current *instance
	fw      *firmware // this boot's updater (update.go)
}

// instance is what one (simulated) boot of the device runs; a reboot on
// the sim platform builds a new one over the same store.
type instance struct {
	_      incomparable
	plat   platform.Platform
	tree   *model.Tree
	client *session.Client
	ln     *connreq.Listener
	crURL  string
	mqtt   *mqttPart
}

// New checks cfg and opens the state file. It fails early, with a message
// that says what to do, when the data directory cannot hold bbolt.
func New(cfg Config, opt ...Option) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := options{clk: clock.Real()}
	for _, f := range opt {
		f(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.platform == nil {
		o.platform = builtinPlatform
	}
	a := &Agent{cfg: cfg, opts: o, log: o.logger}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ACS CA bundle: %w", err)
		}
		a.roots = x509.NewCertPool()
		if !a.roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ACS CA bundle %s: no PEM certificate in it", cfg.CAFile)
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, StateFile), store.Options{})
	if err != nil {
		return nil, err
	}
	a.st = st
	return a, nil
}

// builtinPlatform picks the platform named in the configuration; the
// Linux one is built per GOOS (platform_linux.go, platform_nolinux.go).
func builtinPlatform(cfg Config, clk clock.Clock) (platform.Platform, error) {
	switch cfg.Platform {
	case "sim":
		return sim.New(sim.Options{DataDir: cfg.DataDir, Identity: cfg.identity(), Clock: clk})
	case "linux":
		return linuxPlatform(cfg, clk)
	default:
		return nil, fmt.Errorf("platform %q is not available in this build (use --platform sim)", cfg.Platform)
	}
}

func (c Config) identity() model.Identity {
	sw := c.SoftwareVersion
	if sw == "" {
		sw = strings.TrimPrefix(buildinfo.String(), "v")
	}
	return model.Identity{
		Manufacturer:    c.Manufacturer,
		ManufacturerOUI: c.OUI,
		ModelName:       c.ModelName,
		ProductClass:    c.ProductClass,
		SerialNumber:    c.Serial,
		HardwareVersion: c.HardwareVersion,
		SoftwareVersion: sw,
	}
}

// Run runs the agent until ctx ends. On the sim platform a Reboot or
// FactoryReset from the ACS restarts the agent in-process, as the device
// would come back after a reboot; on a real device Run returns and the
// system reboots under it.
func (a *Agent) Run(ctx context.Context) error {
	defer a.st.Close()
	for {
		err := a.runBoot(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, session.ErrRebooted), errors.Is(err, session.ErrFactoryReset):
			if a.cfg.Platform != "sim" {
				return err
			}
			a.log.Info("restarting after a simulated reboot")
		default:
			return err
		}
	}
}

func (a *Agent) runOnce(ctx context.Context) error {
	plat, err := a.opts.platform(a.cfg, a.opts.clk)
	if err != nil {
		return err
	}
	if c, ok := plat.(io.Closer); ok {
		defer c.Close()
	}
	reg, err := platform.Registry(a.fw.platform(plat), model.ManagementDefaults{
		URL:                    a.cfg.ACSURL,
		Username:               a.cfg.ACSUsername,
		Password:               a.cfg.ACSPassword,
		PeriodicInformInterval: uint32(a.cfg.PeriodicInformInterval.Seconds()),
	})
	if err != nil {
		return fmt.Errorf("data model: %w", err)
	}
	mq, err := a.bindMQTT(reg, plat)
	if err != nil {
		return err
	}
	dg := a.bindDiag(reg)
	defer dg.eng.Close()

	// The tree reports value changes to the session, which is built after
	// it: the closure reads the client once it exists.
	var client atomic.Pointer[session.Client]
	tree, err := model.New(ctx, reg, model.Options{
		Store: a.st,
		Clock: a.opts.clk,
		OnValueChange: func(active bool) {
			if c := client.Load(); c != nil {
				c.ValueChanged(active)
			}
		},
		Logger: a.log.With("component", "model"),
	})
	if err != nil {
		return fmt.Errorf("data model: %w", err)
	}
	defer tree.Close()
	lp := a.newLocal(plat, tree)

	path, err := a.connReqPath()
	if err != nil {
		return err
	}
	trigger := func() {
		if c := client.Load(); c != nil {
			c.ConnectionRequest()
		}
	}
	ln, err := connreq.Listen(connreq.Options{
		Addr: a.cfg.ConnReqAddr,
		Path: path,
		Credentials: func(ctx context.Context) (string, string, error) {
			u, err := tree.Value(ctx, "Device.ManagementServer.ConnectionRequestUsername")
			if err != nil {
				return "", "", err
			}
			p, err := tree.Value(ctx, "Device.ManagementServer.ConnectionRequestPassword")
			return u, p, err
		},
		Trigger: trigger,
		Clock:   a.opts.clk,
		Logger:  a.log,
	})
	if err != nil {
		return fmt.Errorf("connection-request listener: %w", err)
	}
	defer ln.Close()
	crURL := ln.URL(connReqHost(plat, ln.Addr()))
	if err := tree.SetLocal(ctx, map[string]string{
		"Device.ManagementServer.ConnectionRequestURL": crURL,
	}); err != nil {
		return fmt.Errorf("publishing the connection-request URL: %w", err)
	}

	sopts := session.Options{
		Model:        tree,
		Store:        a.st,
		Platform:     &resetter{plat: plat, st: a.st},
		BootID:       plat.BootID,
		OnNewBoot:    tree.DiscardPendingChanges,
		OnSessionEnd: lp.sessionEnded(dg.sessionEnded(a.opts.onSessionEnd)),
		Clock:        a.opts.clk,
		RootCAs:      a.roots,
		Logger:       a.log,
	}
	if err := a.fw.wire(&sopts); err != nil {
		return fmt.Errorf("firmware: %w", err)
	}
	if a.opts.sessionTune != nil {
		a.opts.sessionTune(&sopts)
	}
	c, err := session.New(sopts)
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	client.Store(c)
	dg.attach(c)
	lp.attach(c)

	a.mu.Lock()
	a.current = &instance{plat: plat, tree: tree, client: c, ln: ln, crURL: crURL, mqtt: mq}
	a.mu.Unlock()

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	// wg.Go rather than go with a deferred Done: one shared wrapper in
	// sync instead of a defer in each goroutine's function.
	var wg sync.WaitGroup
	wg.Go(func() { _ = tree.Run(runCtx) })
	wg.Go(func() { _ = ln.Serve(runCtx) })
	wg.Go(func() { lp.run(runCtx) })
	wg.Go(func() {
		if err := mq.run(runCtx, tree, trigger); err != nil {
			a.log.Error("MQTT lane stopped", "err", err)
		}
	})
	a.log.Info("agent running", "platform", plat.Name(), "acs", redact.URL(a.cfg.ACSURL),
		"connreq", ln.Addr().String(), "version", buildinfo.String())
	err = c.Run(runCtx)
	cancel()
	ln.Close()
	wg.Wait()
	return err
}

// resetter gives the session the device's reboot and factory reset; the
// agent's own state is wiped here because only the agent knows its store.
type resetter struct {
	_    incomparable
	plat platform.Platform
	st   *store.Store
}

func (r *resetter) Reboot(ctx context.Context) error { return r.plat.Reboot(ctx) }

func (r *resetter) FactoryReset(ctx context.Context) error {
	if err := r.st.Wipe(nil); err != nil {
		return fmt.Errorf("factory reset: %w", err)
	}
	return r.plat.FactoryReset(ctx)
}

func (a *Agent) connReqPath() (string, error) {
	file := filepath.Join(a.cfg.DataDir, connReqPathFile)
	b, err := os.ReadFile(file)
	if err == nil {
		p := strings.TrimSpace(string(b))
		if strings.HasPrefix(p, "/") && len(p) > 1 {
			return p, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("connection-request path: %w", err)
	}
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("connection-request path: %w", err)
	}
	p := "/" + hex.EncodeToString(r[:])
	if err := os.WriteFile(file, []byte(p+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("connection-request path: %w", err)
	}
	return p, nil
}

// connReqHost is the host the ACS should use to reach the listener: the
// platform's WAN address when it knows one, else the listener's own
// address, with loopback standing in for a wildcard on the sim.
func connReqHost(plat platform.Platform, addr net.Addr) string {
	if w, ok := plat.(interface{ WANAddress() string }); ok && w.WANAddress() != "" {
		return w.WANAddress()
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		return "127.0.0.1"
	}
	return host
}

// ConnectionRequestURL is the URL the agent publishes, or "" before Run
// has started the listener.
func (a *Agent) ConnectionRequestURL() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.current == nil {
		return ""
	}
	return a.current.crURL
}
