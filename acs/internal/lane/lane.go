package lane

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"gatewarden/acs/internal/broker"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/mqttwire"
)

// Store is what the lane reads and writes.
type Store interface {
	Device(ctx context.Context, id string) (store.Device, error)
	ListDevices(ctx context.Context, q store.DeviceQuery) ([]store.Device, string, error)
	Preset(ctx context.Context, name string) (store.Preset, error)
	Params(ctx context.Context, device, prefix string) ([]store.Param, error)
	SaveParams(ctx context.Context, device string, params []store.Param) error
	store.Pushes
	store.Telemetry
}

// Matcher compiles a preset's filter (provision's filter language).
type Matcher func(expr string) (func(d *store.Device, params func(string) (store.Param, bool)) bool, error)

// Config configures a Lane.
type Config struct {
	Transport broker.Transport
	Store     Store
	// PushKey signs bundles (LoadPushKeys).
	PushKey ed25519.PrivateKey
	// Rotation, when set, is the signed key rotation (LoadPushKeys) that
	// stays published, retained, on the fleet topic.
	Rotation []byte
	// Compile compiles preset filters, to check a group lies inside a
	// preset's filter before it is pushed to.
	Compile Matcher
	// TelemetryKeep is the most samples kept per device. Default 1440
	// (a day at one a minute).
	TelemetryKeep int
	// TelemetryRetention drops older samples. Default 7 days.
	TelemetryRetention time.Duration
	// PushRetention drops pushes (and their deliveries) older than this.
	// Default 90 days.
	PushRetention time.Duration
	// FlushEvery is how often buffered telemetry is written. Default 1 s.
	FlushEvery time.Duration
	// StragglerAfter is how long after a push the ACS re-sends it to
	// online devices that have not answered. Default 30 s.
	StragglerAfter time.Duration
	// OnTelemetry, when set, sees the devices of each batch of telemetry
	// once it is stored (line health judges them).
	OnTelemetry func(ctx context.Context, devices []string)
	Metrics     *Metrics // nil: not counted
	Logger      *slog.Logger
	Now         func() time.Time
}

// Lane is the ACS side of the MQTT lane.
type Lane struct {
	cfg Config
	tr  broker.Transport
	st  Store
	log *slog.Logger
	now func() time.Time
	m   *Metrics

	presence presence
	tel      *telemetryBuffer

	acks         [ackShards]chan deviceAck
	refreshSlots chan struct{}
	online       chan string // devices that came online, for onlineLoop

	mu         sync.Mutex
	groupsSent map[string]string // device -> the group list last published, joined
	versions   map[string]string // push ID -> bundle version (cache)

	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// New checks cfg and builds the lane; Start connects it.
func New(cfg Config) (*Lane, error) {
	if cfg.Transport == nil || cfg.Store == nil || cfg.Compile == nil {
		return nil, errors.New("lane: Transport, Store and Compile are required")
	}
	if len(cfg.PushKey) != ed25519.PrivateKeySize {
		return nil, errors.New("lane: no push key")
	}
	if cfg.TelemetryKeep <= 0 {
		cfg.TelemetryKeep = 1440
	}
	if cfg.TelemetryRetention <= 0 {
		cfg.TelemetryRetention = 7 * 24 * time.Hour
	}
	if cfg.PushRetention <= 0 {
		cfg.PushRetention = 90 * 24 * time.Hour
	}
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = time.Second
	}
	if cfg.StragglerAfter <= 0 {
		cfg.StragglerAfter = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := cfg.Metrics
	if m == nil {
		m = NewMetrics(nil)
	}
	l := &Lane{cfg: cfg, tr: cfg.Transport, st: cfg.Store, log: log, now: cfg.Now, m: m,
		groupsSent: map[string]string{}, versions: map[string]string{}}
	l.presence.init()
	l.refreshSlots = make(chan struct{}, groupRefreshes)
	l.online = make(chan string, onlineQueue)
	for i := range l.acks {
		l.acks[i] = make(chan deviceAck, 256)
	}
	l.tel = newTelemetryBuffer(telemetryBufferSize)
	return l, nil
}

// Start subscribes to the agents' topics, resumes pushes left pending by
// a previous run, and starts the background work (telemetry writer,
// retention). It returns once the subscriptions are in place.
func (l *Lane) Start(ctx context.Context) error {
	subs := []struct {
		filter string
		qos    byte
		h      broker.Handler
	}{
		{mqttwire.AllStates, 1, l.onState},
		{mqttwire.AllAcks, 1, l.onAck},
		{mqttwire.AllTelemetry, 0, l.onTelemetry},
	}
	for _, s := range subs {
		if err := l.tr.Subscribe(ctx, s.filter, s.qos, s.h); err != nil {
			return fmt.Errorf("mqtt lane: %w", err)
		}
	}
	if l.cfg.Rotation != nil {
		if err := l.tr.Publish(ctx, mqttwire.FleetPushTopic, l.cfg.Rotation, 1, true); err != nil {
			return fmt.Errorf("mqtt lane: publishing the push key rotation: %w", err)
		}
	}
	bg, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.wg.Add(2 + ackShards + onlineWorkers)
	for _, ch := range l.acks {
		go func() { defer l.wg.Done(); l.ackLoop(bg, ch) }()
	}
	for range onlineWorkers {
		go func() { defer l.wg.Done(); l.onlineLoop(bg) }()
	}
	go func() { defer l.wg.Done(); l.flushLoop(bg) }()
	go func() { defer l.wg.Done(); l.retentionLoop(bg) }()
	if err := l.resume(ctx); err != nil {
		l.log.Warn("mqtt: resuming pending pushes", "err", err)
	}
	return nil
}

// Close stops the background work, writing buffered telemetry first.
func (l *Lane) Close() {
	if l.cancel != nil {
		l.cancel()
	}
	l.wg.Wait()
}

func (l *Lane) retentionLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		now := l.now()
		if n, err := l.st.PruneTelemetry(ctx, now.Add(-l.cfg.TelemetryRetention)); err != nil && ctx.Err() == nil {
			l.log.Warn("mqtt: telemetry retention", "err", err)
		} else if n > 0 {
			l.log.Info("mqtt: pruned telemetry", "samples", n)
		}
		if n, err := l.st.PrunePushes(ctx, now.Add(-l.cfg.PushRetention)); err != nil && ctx.Err() == nil {
			l.log.Warn("mqtt: push retention", "err", err)
		} else if n > 0 {
			l.log.Info("mqtt: pruned pushes", "records", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
