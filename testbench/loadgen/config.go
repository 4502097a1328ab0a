package loadgen

import (
	"crypto/tls"
	"fmt"
	"time"

	"gatewarden/protocol/cwmp"
)

// Scenario names a kind of load; each speaks only standard CWMP, so it
// works against any ACS.
type Scenario string

const (
	// Periodic: devices doing idle periodic sessions (2 PERIODIC), again
	// and again for the run's duration.
	Periodic Scenario = "periodic"
	// BootStorm: every device boots at once (1 BOOT, with Bootstrap also
	// 0 BOOTSTRAP) and does one session, at full concurrency.
	BootStorm Scenario = "boot-storm"
)

// Scenarios lists the scenarios Run knows.
func Scenarios() []Scenario { return []Scenario{Periodic, BootStorm} }

// Config describes one run.
type Config struct {
	Scenario Scenario
	// ACS is the CWMP URL every session posts to. Only loopback hosts are
	// accepted unless AllowRemote is set.
	ACS         string
	AllowRemote bool

	// Devices is the number of identities; FirstDevice the number of the
	// first (default 1), so several processes can share a fleet without
	// sharing serial numbers.
	Devices     int
	FirstDevice int
	// Concurrency is how many sessions run at once (default 64).
	Concurrency int
	// Duration bounds a periodic run. Zero: every device does exactly one
	// session (a boot storm always does). For a boot storm a non-zero
	// Duration is a deadline after which no further session starts.
	Duration time.Duration
	// RequestTimeout bounds each HTTP exchange (default 30 s, the least a
	// CPE waits for an ACS).
	RequestTimeout time.Duration

	// Password derives a device's Digest password from its serial number
	// (its username). Nil: challenges are not answered and count as errors.
	Password func(serial string) string
	// ReuseNonce carries each device's last Digest challenge into its next
	// session and answers it pre-emptively, as some CPEs do; the default
	// takes a fresh challenge in every session, as most do.
	ReuseNonce bool
	// Bootstrap adds 0 BOOTSTRAP to a boot storm's events (first contact
	// of factory-new devices rather than a power cut).
	Bootstrap bool

	// TLS configures https targets (nil: system roots).
	TLS *tls.Config
	// UserAgent is sent with every request.
	UserAgent string
}

const (
	defaultConcurrency    = 64
	defaultRequestTimeout = 30 * time.Second
	// maxACSRequests bounds the RPCs one session answers, so an ACS that
	// never ends a session cannot hold a worker forever.
	maxACSRequests = 64
)

func (c Config) withDefaults() Config {
	if c.Concurrency == 0 {
		c.Concurrency = defaultConcurrency
	}
	if c.FirstDevice == 0 {
		c.FirstDevice = 1
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = defaultRequestTimeout
	}
	if c.UserAgent == "" {
		c.UserAgent = "gatewarden-testbench"
	}
	return c
}

func (c Config) validate() error {
	switch c.Scenario {
	case Periodic, BootStorm:
	default:
		return fmt.Errorf("unknown scenario %q (known: %v)", c.Scenario, Scenarios())
	}
	if c.Devices <= 0 {
		return fmt.Errorf("devices must be at least 1, not %d", c.Devices)
	}
	if c.Concurrency <= 0 {
		return fmt.Errorf("concurrency must be at least 1, not %d", c.Concurrency)
	}
	if c.FirstDevice <= 0 {
		return fmt.Errorf("first device must be at least 1, not %d", c.FirstDevice)
	}
	if c.Duration < 0 || c.RequestTimeout < 0 {
		return fmt.Errorf("durations must not be negative")
	}
	return nil
}

// events is what the scenario's Informs report.
func (c Config) events() []cwmp.EventStruct {
	if c.Scenario == BootStorm {
		if c.Bootstrap {
			return []cwmp.EventStruct{{EventCode: cwmp.EventBootstrap}, {EventCode: cwmp.EventBoot}}
		}
		return []cwmp.EventStruct{{EventCode: cwmp.EventBoot}}
	}
	return []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}}
}

// repeats says whether devices go round again until the duration ends.
func (c Config) repeats() bool { return c.Scenario == Periodic && c.Duration > 0 }
