package cwmpserver

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// Store is the part of the ACS store the CWMP endpoint uses. Every method
// must be durable when it returns (see package store).
type Store interface {
	RecordInform(ctx context.Context, in store.Inform) (store.Device, error)
	UpdateDevice(ctx context.Context, id string, fn func(d *store.Device) error) (store.Device, error)
	AddFault(ctx context.Context, f *store.Fault) error
	AcquireLease(ctx context.Context, device, holder string, ttl time.Duration) error
	ReleaseLease(ctx context.Context, device, holder string) error
}

// Config configures a Server. Store and Work are required, and so is
// FleetSecret unless InsecureCPEAuth is set.
type Config struct {
	Store Store
	Work  Work

	// FleetSecret derives every CPE's Digest password (cpeauth.Password)
	// and the key that signs Digest nonces, so every node of a cluster
	// holding the same secret accepts the others' nonces.
	FleetSecret []byte
	// InsecureCPEAuth accepts any CPE without authentication (labs only).
	InsecureCPEAuth bool
	// Realm of the Digest challenge. Default "gatewarden".
	Realm string
	// AllowBasicOverTLS also accepts Basic credentials on requests that
	// came over TLS (TR-069 §3.4.4). Never over plain HTTP.
	AllowBasicOverTLS bool
	// NonceLifetime of Digest nonces. Default 5 minutes.
	NonceLifetime time.Duration

	// NodeID names this ACS process in lease holders ("node/session"), so
	// an operator can tell which node holds a device. Default: random.
	NodeID string

	// MaxMessageBytes bounds one CWMP message. Default 4 MiB
	// (cwmp.DefaultMaxMessageBytes); larger is answered 413.
	MaxMessageBytes int64
	// MaxSessions bounds the sessions this node keeps open at once; an
	// Inform beyond it gets 503 with Retry-After. Default 20000.
	MaxSessions int
	// MaxInFlight bounds the requests processed at once (each may hold a
	// body of up to MaxMessageBytes). Default 256.
	MaxInFlight int
	// InFlightWait is how long a request of an open session waits for a
	// processing slot before it gets 503. New sessions never wait: a
	// boot storm is turned away at once. Default 2 s.
	InFlightWait time.Duration
	// RetryAfterMin and RetryAfterMax bound the jittered Retry-After (whole
	// seconds) sent with 503. Default 5 and 35 s.
	RetryAfterMin, RetryAfterMax time.Duration

	// SessionIdleTimeout ends a session whose CPE has not come back for
	// this long; its lease is released then. Default 60 s (a CPE waits at
	// least 30 s for an answer, and answers the ACS at once).
	SessionIdleTimeout time.Duration
	// LeaseTTL is how long a device lease lives without renewal; a session
	// renews it once half of it has passed. If a node dies, its devices
	// are free again after this. Default 2 minutes.
	LeaseTTL time.Duration
	// LeaseWait is how long an Inform for a device in session elsewhere
	// waits for the lease before it gets 503. Default 2 s; negative: no
	// wait.
	LeaseWait time.Duration
	// PreemptIdle: an Inform from a device whose earlier session on this
	// node has been quiet this long ends that session and takes over; so
	// does an Inform with RetryCount > 0 (the CPE says its last session
	// failed). A session active more recently is a live one: the Inform
	// waits up to LeaseWait, then gets 503. Default 3 s (a CPE retries a
	// failed session after at least 5 s).
	PreemptIdle time.Duration
	// OpTimeout bounds each store and Work call. Store calls are detached
	// from the client's connection so that what a CPE said is recorded
	// even if it hangs up. Default 15 s.
	OpTimeout time.Duration
	// MaxRPCsPerSession ends a session after this many ACS requests, so a
	// Work that never runs dry cannot keep a device forever. Default 1000.
	MaxRPCsPerSession int

	// ExtraCredentials, when set, returns further values for the first
	// session's credentials SetParameterValues (the MQTT lane's
	// Device.MQTT.Client.1 username and password), sent in the same RPC.
	// They must be derivable again from the device, since the RPC's
	// ParameterKey names only the connection-request credentials.
	ExtraCredentials func(ctx context.Context, d *store.Device) []cwmp.ParameterValueStruct

	// Observer receives metrics events. Default: none.
	Observer Observer
	// Logger for session events; secrets never reach it. Default
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

const (
	defaultRealm           = "gatewarden"
	defaultMaxSessions     = 20000
	defaultMaxInFlight     = 256
	defaultInFlightWait    = 2 * time.Second
	defaultRetryAfterMin   = 5 * time.Second
	defaultRetryAfterMax   = 35 * time.Second
	defaultSessionIdle     = 60 * time.Second
	defaultLeaseTTL        = 2 * time.Minute
	defaultLeaseWait       = 2 * time.Second
	defaultPreemptIdle     = 3 * time.Second
	defaultOpTimeout       = 15 * time.Second
	defaultMaxRPCs         = 1000
	leaseRetryInterval     = 100 * time.Millisecond
	minFleetSecretLen      = 16
	sweepIntervalDivisor   = 4
	maxPooledBufferBytes   = 256 << 10
	sessionCookieName      = "gwsession"
	retryAfterSecondsFloor = 1
)

func (c *Config) withDefaults() (Config, error) {
	cfg := *c
	if cfg.Store == nil {
		return cfg, errors.New("cwmpserver: store is required")
	}
	if cfg.Work == nil {
		return cfg, errors.New("cwmpserver: work is required")
	}
	if !cfg.InsecureCPEAuth && len(cfg.FleetSecret) < minFleetSecretLen {
		return cfg, errors.New("cwmpserver: a fleet secret of at least 16 bytes is required unless CPE authentication is off")
	}
	if cfg.Realm == "" {
		cfg.Realm = defaultRealm
	}
	if cfg.NodeID == "" {
		cfg.NodeID = randomToken(6)
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = cwmp.DefaultMaxMessageBytes
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = defaultMaxSessions
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = defaultMaxInFlight
	}
	if cfg.InFlightWait <= 0 {
		cfg.InFlightWait = defaultInFlightWait
	}
	if cfg.RetryAfterMin <= 0 {
		cfg.RetryAfterMin = defaultRetryAfterMin
	}
	if cfg.RetryAfterMax < cfg.RetryAfterMin {
		cfg.RetryAfterMax = max(defaultRetryAfterMax, cfg.RetryAfterMin)
	}
	if cfg.SessionIdleTimeout <= 0 {
		cfg.SessionIdleTimeout = defaultSessionIdle
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = defaultLeaseTTL
	}
	if cfg.LeaseTTL < cfg.SessionIdleTimeout {
		// A lease must outlive an idle session, or a slow CPE's device
		// could be taken by another node while this one still serves it.
		cfg.LeaseTTL = 2 * cfg.SessionIdleTimeout
	}
	if cfg.LeaseWait < 0 {
		cfg.LeaseWait = 0
	} else if cfg.LeaseWait == 0 {
		cfg.LeaseWait = defaultLeaseWait
	}
	if cfg.PreemptIdle <= 0 {
		cfg.PreemptIdle = defaultPreemptIdle
	}
	if cfg.OpTimeout <= 0 {
		cfg.OpTimeout = defaultOpTimeout
	}
	if cfg.MaxRPCsPerSession <= 0 {
		cfg.MaxRPCsPerSession = defaultMaxRPCs
	}
	if cfg.Observer == nil {
		cfg.Observer = NopObserver{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, nil
}
