package agent_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/local"
)

// TestE2ELocalPageAndDiagSocket: the page answers on its address with the
// password the sim wrote at "manufacturing", shows the device as the tree
// and the session see it, and `cpe-agent diag status` answers over the
// socket — with the ACS unreachable, as an engineer often finds it.
func TestE2ELocalPageAndDiagSocket(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	d.start()
	// The ACS never answers the first Inform in this test: the engineer's
	// tools must work anyway. Wait for the agent to be up.
	// Poll until the agent is up and has queued its boot.
	var st local.Status
	deadline := time.Now().Add(10 * time.Second)
	for {
		raw, _, err := local.Call(context.Background(), d.cfg.DataDir, "status", "", 0)
		if err == nil {
			st = local.Status{}
			if err := json.Unmarshal(raw, &st); err != nil {
				t.Fatal(err)
			}
			if slices.Contains(st.PendingEvents, "1 BOOT") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no status with a pending 1 BOOT: %+v, %v", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st.Serial != d.cfg.Serial || st.Line == nil || st.Line.DownstreamRate == 0 || st.WAN.Status == "" || len(st.WAN.Addresses) == 0 {
		t.Fatalf("status over the socket: %+v", st)
	}

	pw, err := os.ReadFile(filepath.Join(d.cfg.DataDir, "local.password"))
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	base := "http://" + d.cfg.LocalAddr
	resp, err := c.PostForm(base+"/login", url.Values{"password": {"not-it"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp, err = c.PostForm(base+"/login", url.Values{"password": {strings.TrimSpace(string(pw))}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), d.cfg.Serial) || !strings.Contains(string(body), "1 BOOT") {
		t.Fatalf("status page: %d\n%s", resp.StatusCode, body)
	}
	// The bundle never carries the secrets the ACS may not read either.
	resp, err = c.Get(base + "/bundle")
	if err != nil {
		t.Fatal(err)
	}
	bundle, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(bundle), "Device.DeviceInfo.SerialNumber = "+d.cfg.Serial) {
		t.Fatalf("bundle lacks the tree:\n%.2000s", bundle)
	}
	if strings.Contains(string(bundle), strings.TrimSpace(string(pw))) {
		t.Fatal("the bundle shows the local password")
	}
	for _, line := range strings.Split(string(bundle), "\n") {
		if strings.Contains(line, "KeyPassphrase = ") && !strings.HasSuffix(line, "= ") {
			t.Fatalf("the bundle shows a WiFi passphrase: %s", line)
		}
	}
}
