//go:build linux

package netns

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLocalPageOnlyOnLAN is issue 8's acceptance 5: the field engineer's
// page of an agent on a router with a LAN and a WAN side answers on the
// LAN address and not on the WAN address, and a wildcard address keeps
// the page off while the agent runs on. The network:
//
//	lan 10.X.1.2 ── 10.X.1.1 rtr 10.X.2.1 ── 10.X.2.2 wan
//
// The agent's ACS would be at the WAN peer, where nothing listens: the
// page must work while the ACS is unreachable.
func TestLocalPageOnlyOnLAN(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	rtr, lan, wan := l.ns("rtr"), l.ns("lan"), l.ns("wan")
	l.link(rtr, 1, lan, 2, 1)
	l.link(rtr, 1, wan, 2, 2)
	l.route(rtr, "default", "via", l.addr(2, 2))
	// A host on the WAN segment can send to the LAN prefix through the
	// router's WAN address (an attacker on the access network would).
	l.route(wan, l.addr(1, 0)+"/24", "via", l.addr(2, 1))
	lanIP, wanIP := l.addr(1, 1), l.addr(2, 1)
	connReq := "http://" + wanIP + ":7547/"

	start := func(t *testing.T, localAddr string) (*agentProc, string) {
		dataDir, err := os.MkdirTemp("", "gwnt-agent-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dataDir) })
		serial := "NETNSLOCAL" + strings.ToUpper(l.tag)
		p := startAgent(t, rtr, dataDir,
			"--acs-url", "http://"+l.addr(2, 2)+":7547/cwmp", "--serial", serial,
			"--acs-username", serial, "--acs-password", "unused-no-acs-here",
			"--connreq-addr", wanIP+":7547", "--local-addr", localAddr)
		// Logged once the connection-request listener is bound.
		p.waitLog(30*time.Second, `msg="agent running"`)
		return p, dataDir
	}

	t.Run("on the LAN address", func(t *testing.T) {
		p, dataDir := start(t, lanIP+":8080")
		p.waitLog(30*time.Second, `msg="field-engineer page"`, "addr="+lanIP+":8080")

		fromLAN := clientIn(lan)
		resp := get(t, fromLAN, "http://"+lanIP+":8080/login")
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "type=password") {
			t.Fatalf("GET /login from the LAN: HTTP %d\n%s", resp.StatusCode, resp.body)
		}
		// The engineer logs in with the device's own password and reads
		// the status, the ACS being out of reach all along.
		pw, err := os.ReadFile(filepath.Join(dataDir, "local.password"))
		if err != nil {
			t.Fatalf("the sim's local password: %v", err)
		}
		login, err := fromLAN.PostForm("http://"+lanIP+":8080/login", url.Values{"password": {strings.TrimSpace(string(pw))}})
		if err != nil {
			t.Fatalf("POST /login from the LAN: %v", err)
		}
		login.Body.Close()
		if login.StatusCode != http.StatusSeeOther || len(login.Cookies()) == 0 {
			t.Fatalf("POST /login from the LAN: HTTP %d, cookies %v", login.StatusCode, login.Cookies())
		}
		req, _ := http.NewRequest("GET", "http://"+lanIP+":8080/status.json", nil)
		for _, c := range login.Cookies() {
			req.AddCookie(c)
		}
		st := do(t, fromLAN, req)
		if st.StatusCode != http.StatusOK || !strings.Contains(st.body, "NETNSLOCAL") {
			t.Fatalf("GET /status.json from the LAN: HTTP %d\n%s", st.StatusCode, st.body)
		}

		fromWAN := clientIn(wan)
		// The WAN side does reach the router: the connection-request
		// listener answers there (any HTTP answer will do; its path is
		// secret) ...
		get(t, fromWAN, connReq)
		// ... but nothing listens on the WAN address's port 8080.
		wantRefused(t, fromWAN, "http://"+wanIP+":8080/login")

		// Linux takes a packet for any of its addresses on any interface
		// (the weak host model), so a socket bound to the LAN address
		// alone would still answer a WAN host that routes the LAN prefix
		// to the router; the page's socket is bound to the LAN device.
		wantRefused(t, fromWAN, "http://"+lanIP+":8080/login")
	})

	t.Run("never on a wildcard address", func(t *testing.T) {
		p, _ := start(t, "0.0.0.0:8080")
		line := p.waitLog(30*time.Second, `msg="field-engineer page off"`)
		if !strings.Contains(line, "wildcard") {
			t.Errorf("the agent turned the page off for another reason: %s", line)
		}
		// The agent runs on: its connection-request listener answers
		// from the WAN, and port 8080 is closed on both sides.
		get(t, clientIn(wan), connReq)
		wantRefused(t, clientIn(wan), "http://"+wanIP+":8080/login")
		wantRefused(t, clientIn(lan), "http://"+lanIP+":8080/login")
		if !p.running() {
			t.Fatalf("the agent stopped: %v", p.err)
		}
		if line, ok := p.log.find([]string{`msg="field-engineer page"`}); ok {
			t.Errorf("the page started after all: %s", line)
		}
	})
}

type answer struct {
	StatusCode int
	body       string
}

func get(t *testing.T, hc *http.Client, u string) answer {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, hc, req)
}

func do(t *testing.T, hc *http.Client, req *http.Request) answer {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return answer{StatusCode: resp.StatusCode, body: string(b)}
}

// wantRefused insists the connection to u is refused: the address is
// the router's, so a reset, not silence, says nothing listens there.
func wantRefused(t *testing.T, hc *http.Client, u string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	resp, err := hc.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET %s answered HTTP %d, want the connection refused", u, resp.StatusCode)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("GET %s: %v, want the connection refused", u, err)
	}
}
