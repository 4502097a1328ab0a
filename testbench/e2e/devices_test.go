package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"gatewarden/acs/server"
	"gatewarden/cpe-agent/agent"
	"gatewarden/protocol/datamodel"
	"gatewarden/protocol/digest"
)

// simDevice is one real agent on the sim platform, behind its own wiretap.
type simDevice struct {
	Serial string
	ID     string
	Tap    *wiretap
	// cr answers the device's connection-request challenges; it reuses
	// the last nonce, so a poke costs one request of the device's rate
	// limit (50 per 5 s) rather than two.
	cr             *digest.Client
	crUser, crPass string
}

// startDevices runs n agents (serials PREFIX000001 ...) against the ACS
// at cwmpURL until the test ends, each with Digest credentials derived
// from secret and its own connection-request listener on loopback. Like
// testbench/fleet, except that each agent reaches the ACS through a
// wiretap.
func startDevices(t *testing.T, cwmpURL string, secret []byte, prefix string, n int) []*simDevice {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var devs []*simDevice
	var done []chan error
	for i := range n {
		serial := fmt.Sprintf("%s%06d", prefix, i+1)
		tap := newWiretap(t, cwmpURL)
		cfg := agent.DefaultConfig()
		cfg.Platform = "sim"
		cfg.ACSURL = tap.URL()
		cfg.DataDir = filepath.Join(t.TempDir(), serial)
		cfg.Serial = serial
		cfg.ProductClass = "SIM"
		cfg.ConnReqAddr = "127.0.0.1:0"
		cfg.PeriodicInformInterval = time.Hour // periodic sessions must not mix into the ones a test causes
		cfg.ACSUsername = serial
		cfg.ACSPassword = server.CPEPassword(secret, serial)
		a, err := agent.New(cfg, agent.WithLogger(testLogger().With("part", "agent", "device", serial)))
		if err != nil {
			cancel()
			t.Fatalf("agent %s: %v", serial, err)
		}
		ch := make(chan error, 1)
		go func() { ch <- a.Run(ctx) }()
		done = append(done, ch)
		id := datamodel.DeviceID{OUI: cfg.OUI, ProductClass: cfg.ProductClass, SerialNumber: serial}.String()
		devs = append(devs, &simDevice{Serial: serial, ID: id, Tap: tap})
	}
	// Registered before the taps' cleanups run (cleanups run last first),
	// so agents stop while their taps still answer.
	t.Cleanup(func() {
		cancel()
		for i, ch := range done {
			select {
			case err := <-ch:
				if err != nil {
					t.Errorf("agent %s: %v", devs[i].Serial, err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("agent %s did not stop", devs[i].Serial)
			}
		}
	})
	return devs
}

// waitProvisioned waits until the ACS knows each device and has set its
// connection-request credentials, i.e. the first session is over.
func waitProvisioned(t *testing.T, admin *apiClient, devs []*simDevice) {
	t.Helper()
	for _, d := range devs {
		d.Tap.waitFor(t, 0, eventWithin, "first session of "+d.Serial, func(log []exchange) bool {
			return sessionEnded(log, "0 BOOTSTRAP")
		})
		dev := admin.device(d.ID)
		if dev.ConnReqUsername == "" || dev.ConnReqPassword == "" || dev.ConnectionRequestURL == "" {
			t.Fatalf("%s: no connection-request credentials or URL after its first session: %+v", d.ID, dev)
		}
	}
}

// poke sends the device a connection request as the ACS would, with the
// credentials only an admin can read, and returns the tap's mark from
// before, so the caller can wait for the session it causes.
func poke(t *testing.T, admin *apiClient, d *simDevice) int {
	t.Helper()
	mark := d.Tap.mark()
	dev := admin.device(d.ID)
	if dev.ConnReqPassword == "" {
		t.Fatalf("%s: admin sees no connection-request password", d.ID)
	}
	if d.cr == nil {
		d.cr = digest.NewClient(dev.ConnReqUsername, dev.ConnReqPassword)
		d.crUser, d.crPass = dev.ConnReqUsername, dev.ConnReqPassword
	} else if d.crUser != dev.ConnReqUsername || d.crPass != dev.ConnReqPassword {
		d.cr.SetCredentials(dev.ConnReqUsername, dev.ConnReqPassword)
		d.crUser, d.crPass = dev.ConnReqUsername, dev.ConnReqPassword
	}
	hc := &http.Client{Transport: &digest.Transport{Client: d.cr}, Timeout: 15 * time.Second}
	deadline := time.Now().Add(eventWithin)
	for {
		resp, err := hc.Get(dev.ConnectionRequestURL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return mark
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		// A device restarting (reboot, factory reset) may not listen yet;
		// one over its rate limit answers 503 (refusals do not count).
		if time.Now().After(deadline) {
			t.Fatalf("connection request to %s: %v", d.ID, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// pokeAndWait pokes the device and waits until the session it caused
// ended; it returns that session's records.
func pokeAndWait(t *testing.T, admin *apiClient, d *simDevice) []exchange {
	t.Helper()
	mark := poke(t, admin, d)
	return d.Tap.waitFor(t, mark, eventWithin, "a session after a connection request", func(log []exchange) bool {
		return sessionEnded(log, "6 CONNECTION REQUEST")
	})
}
