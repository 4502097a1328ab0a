//go:build linux

package netns

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"gatewarden/acs/server"
)

// testACS is the real ACS running in the test process, in the root
// namespace: its CWMP endpoint on the lab's uplink address (where the
// agent reaches it), its REST API and the rest on loopback.
type testACS struct {
	dir     string
	secret  []byte
	cwmp    string
	admin   *apiClient
	support *apiClient
}

// startACS runs an ACS until the test ends; cwmpHost is the address its
// CWMP endpoint listens on.
func startACS(t *testing.T, cwmpHost string) *testACS {
	t.Helper()
	dir := t.TempDir()
	tokens := map[string]string{}
	for _, role := range []string{"admin", "support"} {
		tok, err := server.CreateToken(dir, "netns-"+role, role)
		if err != nil {
			t.Fatalf("token for %s: %v", role, err)
		}
		tokens[role] = tok
	}
	logs := &logBuffer{}
	srv, err := server.New(server.Config{
		DataDir:   dir,
		CWMPAddr:  net.JoinHostPort(cwmpHost, "0"),
		APIAddr:   "127.0.0.1:0",
		FilesAddr: "127.0.0.1:0",
		// The lane is not under test here; its broker stays on loopback
		// (the default is every interface).
		MQTTAddr:    "127.0.0.1:0",
		MQTTTLSAddr: "127.0.0.1:0",
		Logger:      slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	secret, err := server.LoadFleetSecret(dir)
	if err != nil {
		t.Fatalf("fleet secret: %v", err)
	}
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
		if t.Failed() {
			t.Logf("ACS log:\n%s", logs.String())
		}
	})
	select {
	case <-srv.Ready():
	case err := <-errc:
		t.Fatalf("ACS did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("ACS not ready within 30 s")
	}
	return &testACS{
		dir: dir, secret: secret, cwmp: srv.CWMPURL(),
		admin:   &apiClient{t: t, base: srv.APIURL(), token: tokens["admin"]},
		support: &apiClient{t: t, base: srv.APIURL(), token: tokens["support"]},
	}
}

// cpePassword is what `acs cpe-credentials` prints for serial.
func (a *testACS) cpePassword(serial string) string {
	return server.CPEPassword(a.secret, serial)
}

// apiClient speaks to the REST API with a bearer token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// do sends a request and decodes the JSON answer into out (when not
// nil); it returns the status and fails the test unless it is one of
// want.
func (c *apiClient) do(method, path string, body, out any, want ...int) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 150 * time.Second}).Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	ok := false
	for _, w := range want {
		ok = ok || resp.StatusCode == w
	}
	if !ok {
		c.t.Fatalf("%s %s: status %d, want %v: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: not the JSON expected: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// in is the client reporting failures to t (a subtest's).
func (c *apiClient) in(t *testing.T) *apiClient {
	d := *c
	d.t = t
	return &d
}

func devicePath(id string) string { return "/api/v1/devices/" + url.PathEscape(id) }
