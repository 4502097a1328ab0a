package e2e

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gatewarden/acs/server"
)

// Generous bounds: these tests share a 2-core machine with the rest of
// `make test`, so they wait for events, never for fixed times, and only
// fail when something is an order of magnitude late.
const (
	taskWait    = "30s"            // ?wait= of synchronous tasks
	eventWithin = 30 * time.Second // an agent session, a reboot, a restart
)

// testLogger sends the ACS's and agents' logs to stderr when E2E_LOG is
// set (E2E_LOG=debug for everything), else nowhere.
func testLogger() *slog.Logger {
	lvl := os.Getenv("E2E_LOG")
	if lvl == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(lvl)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// roles are the API roles of ARCHITECTURE.md, most powerful first.
var roles = []string{"admin", "operator", "support", "readonly"}

// inprocACS is an ACS running in this process on loopback ports the
// kernel picked, with Digest authentication on.
type inprocACS struct {
	dir    string
	secret []byte
	cwmp   string // CWMP URL
	apiURL string
	tokens map[string]string // role -> bearer token
}

// api returns a client with the token of role.
func (a *inprocACS) api(t testing.TB, role string) *apiClient {
	return newAPIClient(t, a.apiURL, a.tokens[role])
}

// startACS runs an ACS until the test ends. One token per role is made
// before the first start (server.CreateToken, as `acs token create`).
// Every listener, the MQTT broker's included, is on loopback.
func startACS(t *testing.T) *inprocACS {
	t.Helper()
	a, _ := startACSWith(t, nil)
	return a
}

// startACSWith is startACS with tune adjusting the configuration; it also
// returns the server, for its MQTT address and such.
func startACSWith(t *testing.T, tune func(*server.Config)) (*inprocACS, *server.Server) {
	t.Helper()
	dir := t.TempDir()
	a := &inprocACS{dir: dir, tokens: map[string]string{}}
	for _, role := range roles {
		tok, err := server.CreateToken(dir, "e2e-"+role, role)
		if err != nil {
			t.Fatalf("token for %s: %v", role, err)
		}
		a.tokens[role] = tok
	}
	cfg := server.Config{
		DataDir:   dir,
		CWMPAddr:  "127.0.0.1:0",
		APIAddr:   "127.0.0.1:0",
		FilesAddr: "127.0.0.1:0",
		MQTTAddr:  "127.0.0.1:0",
		Logger:    testLogger().With("part", "acs"),
	}
	if tune != nil {
		tune(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	secret, err := server.LoadFleetSecret(dir)
	if err != nil {
		t.Fatalf("fleet secret: %v", err)
	}
	a.secret = secret
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("ACS stopped with: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("ACS did not stop within 20 s")
		}
	})
	select {
	case <-srv.Ready():
	case err := <-errc:
		t.Fatalf("ACS did not start: %v", err)
	case <-time.After(eventWithin):
		t.Fatal("ACS not ready")
	}
	a.cwmp, a.apiURL = srv.CWMPURL(), srv.APIURL()
	return a, srv
}

// repoRoot is the folder holding go.mod, found upwards from the test's
// working directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// eventually polls cond every 50 ms until it holds or within passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
