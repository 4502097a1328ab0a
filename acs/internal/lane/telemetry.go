package lane

import (
	"context"
	"sync"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/mqttwire"
)

// telemetryBufferSize bounds samples waiting for the writer. 10^5
// devices sending one a minute make about 1,700 a second, so this holds
// over ten seconds of them: far more than one flush needs, little memory.
const telemetryBufferSize = 20000

type telemetryBuffer struct {
	mu   sync.Mutex
	max  int
	buf  []store.TelemetrySample
	kick chan struct{}
}

func newTelemetryBuffer(max int) *telemetryBuffer {
	return &telemetryBuffer{max: max, kick: make(chan struct{}, 1)}
}

// add reports false when the buffer is full.
func (b *telemetryBuffer) add(s store.TelemetrySample) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf) >= b.max {
		return false
	}
	b.buf = append(b.buf, s)
	if len(b.buf) >= b.max/2 {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
	return true
}

func (b *telemetryBuffer) take() []store.TelemetrySample {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.buf
	b.buf = nil
	return out
}

func (l *Lane) onTelemetry(topic string, payload []byte) {
	t, err := mqttwire.ParseTopic(topic)
	if err != nil || t.Kind != mqttwire.KindTelemetry {
		l.m.invalid.WithLabelValues("telemetry").Inc()
		return
	}
	m, err := mqttwire.DecodeTelemetry(payload)
	if err != nil {
		l.m.invalid.WithLabelValues("telemetry").Inc()
		return
	}
	// The agent's clock may be off; a sample far in the future would sit
	// at the end of the history for ever, so it takes the ACS's time.
	at := mqttwire.FromMillis(m.Time)
	if now := l.now(); at.After(now.Add(mqttwire.DefaultMaxSkew)) {
		at = now
	}
	l.m.received.WithLabelValues("telemetry").Inc()
	if !l.tel.add(store.TelemetrySample{Device: t.Device, Time: at, Values: m.Values}) {
		l.m.dropped.Inc()
	}
}

func (l *Lane) flushLoop(ctx context.Context) {
	t := time.NewTicker(l.cfg.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			l.flush(context.Background())
			return
		case <-t.C:
		case <-l.tel.kick:
		}
		l.flush(ctx)
	}
}

// flush writes what is buffered in one store call.
func (l *Lane) flush(ctx context.Context) {
	batch := l.tel.take()
	if len(batch) == 0 {
		return
	}
	if err := l.st.AppendTelemetry(ctx, batch, l.cfg.TelemetryKeep); err != nil {
		l.m.dropped.Add(float64(len(batch)))
		l.log.Warn("mqtt: storing telemetry", "samples", len(batch), "err", err)
		return
	}
	l.m.samples.Add(float64(len(batch)))
	if l.cfg.OnTelemetry != nil {
		devices := make([]string, len(batch))
		for i, x := range batch {
			devices[i] = x.Device
		}
		l.cfg.OnTelemetry(ctx, devices)
	}
}

// FlushTelemetry writes buffered samples now (tests, shutdown).
func (l *Lane) FlushTelemetry(ctx context.Context) { l.flush(ctx) }

// Telemetry returns the device's samples at or after since, oldest first.
func (l *Lane) Telemetry(ctx context.Context, device string, since time.Time, limit int) ([]store.TelemetrySample, error) {
	return l.st.TelemetrySince(ctx, device, since, limit)
}
