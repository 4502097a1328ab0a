package smoketest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"gatewarden/acs/server"
)

// acs is the real ACS, in this process, on loopback ports the kernel
// picked, with Digest authentication of CPEs on.
type acs struct {
	cwmpURL, apiURL, token string
	secret                 []byte
}

func startACS(t *testing.T) *acs {
	t.Helper()
	dir := t.TempDir()
	token, err := server.CreateToken(dir, "smoke", "admin")
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("SMOKE_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := server.New(server.Config{
		DataDir:   dir,
		CWMPAddr:  "127.0.0.1:0",
		APIAddr:   "127.0.0.1:0",
		FilesAddr: "127.0.0.1:0",
		MQTTAddr:  "127.0.0.1:0",
		Logger:    logger.With("part", "acs"),
	})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	secret, err := server.LoadFleetSecret(dir)
	if err != nil {
		t.Fatal(err)
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
			t.Error("ACS did not stop within 20 s")
		}
	})
	select {
	case <-srv.Ready():
	case err := <-errc:
		t.Fatalf("ACS did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("ACS not ready within 30 s")
	}
	return &acs{cwmpURL: srv.CWMPURL(), apiURL: srv.APIURL(), token: token, secret: secret}
}

// call does one REST request and decodes a JSON answer into out.
func (a *acs) call(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.apiURL+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w: %s", method, path, err, b)
		}
	}
	return resp.StatusCode, nil
}

func devicePath(id string) string { return "/api/v1/devices/" + url.PathEscape(id) }

type device struct {
	ID              string `json:"id"`
	SerialNumber    string `json:"serialNumber"`
	SoftwareVersion string `json:"softwareVersion"`
	LastInform      string `json:"lastInform"`
}

type task struct {
	ID     string          `json:"id"`
	Status string          `json:"status"`
	Result json.RawMessage `json:"result"`
	Fault  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"fault"`
}
