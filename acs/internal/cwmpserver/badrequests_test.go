package cwmpserver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/internal/cpeauth"
	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

const burstLimit = 64 << 10

// TestBadRequestBurst — acceptance 5: malformed SOAP, wrong content types,
// huge bodies and slow clients, many at once, each get a fault or a 4xx
// (or a closed connection, for the slow ones), while real CPEs keep
// completing their sessions; afterwards nothing is left open or held.
func TestBadRequestBurst(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxMessageBytes = burstLimit }, func(hs *http.Server) {
		hs.ReadHeaderTimeout = 300 * time.Millisecond
		hs.ReadTimeout = 500 * time.Millisecond
	})
	ctx := context.Background()
	attacker := h.cpe("SN-ATTACKER")
	h.provision(attacker)

	inform := mustMarshal(t, attacker.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic}))
	soap12 := bytes.Replace(inform, []byte(cwmp.NamespaceSOAPEnvelope), []byte(cwmp.NamespaceSOAP12Envelope), -1)
	unknown := bytes.Replace(inform, []byte("cwmp:Inform>"), []byte("cwmp:Frobnicate>"), -1)
	xml := http.Header{"Content-Type": {"text/xml"}}
	type probe struct {
		name  string
		send  func() (*cwmptest.Reply, error)
		check func(*cwmptest.Reply) error
	}
	fault := func(code cwmp.FaultCode) func(*cwmptest.Reply) error {
		return func(r *cwmptest.Reply) error {
			if f := r.Fault(); f == nil || f.FaultCode != code {
				return fmt.Errorf("want fault %d, got %d %s", code, r.Status, r.Body)
			}
			return nil
		}
	}
	status := func(want int) func(*cwmptest.Reply) error {
		return func(r *cwmptest.Reply) error {
			if r.Status != want {
				return fmt.Errorf("want %d, got %d", want, r.Status)
			}
			return nil
		}
	}
	raw := func(body []byte, hdr http.Header) func() (*cwmptest.Reply, error) {
		return func() (*cwmptest.Reply, error) { return attacker.SendRaw(ctx, body, hdr) }
	}
	stranger := cwmptest.NewCPE(h.ts.URL+"/cwmp", testDeviceID("SN-STRANGER"), "SN-STRANGER", "wrong password")
	anonymous := cwmptest.NewCPE(h.ts.URL+"/cwmp", testDeviceID("SN-ANON"), "", "")
	probes := []probe{
		{"not XML", raw([]byte("this is not xml <<<"), xml), fault(cwmp.FaultACSInvalidArguments)},
		{"truncated envelope", raw(inform[:len(inform)/2], xml), fault(cwmp.FaultACSInvalidArguments)},
		{"SOAP 1.2 envelope", raw(soap12, xml), fault(cwmp.FaultACSInvalidArguments)},
		{"unknown method", raw(unknown, xml), fault(cwmp.FaultACSMethodNotSupported)},
		{"DOCTYPE entity bomb", raw([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>`), xml), fault(cwmp.FaultACSInvalidArguments)},
		{"JSON content type", raw(inform, http.Header{"Content-Type": {"application/json"}}), status(http.StatusUnsupportedMediaType)},
		{"SOAP 1.2 content type", raw(inform, http.Header{"Content-Type": {"application/soap+xml"}}), status(http.StatusUnsupportedMediaType)},
		{"gzip body", raw(inform, http.Header{"Content-Type": {"text/xml"}, "Content-Encoding": {"gzip"}}), status(http.StatusUnsupportedMediaType)},
		{"body over the limit", raw(bytes.Repeat([]byte("<a>"), burstLimit/3+10), xml), status(http.StatusRequestEntityTooLarge)},
		{"chunked body over the limit", func() (*cwmptest.Reply, error) {
			return attacker.SendRaw(ctx, nil, nil) // replaced below: SendRaw cannot stream
		}, nil},
		{"GET", func() (*cwmptest.Reply, error) { return get(h.ts.URL + "/cwmp") }, status(http.StatusMethodNotAllowed)},
		{"wrong password", func() (*cwmptest.Reply, error) { return stranger.SendRaw(ctx, inform, xml) }, status(http.StatusUnauthorized)},
		{"no credentials", func() (*cwmptest.Reply, error) { return anonymous.SendRaw(ctx, inform, xml) }, status(http.StatusUnauthorized)},
	}
	probes[9] = probe{"chunked body over the limit", func() (*cwmptest.Reply, error) {
		return postChunked(h, attacker.DeviceId.SerialNumber, burstLimit+1)
	}, status(http.StatusRequestEntityTooLarge)}

	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	const rounds = 5
	for range rounds {
		for _, p := range probes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := p.send()
				if err != nil {
					// A server may close on an oversized body before
					// the client finished writing it.
					if !strings.Contains(p.name, "over the limit") {
						errs <- fmt.Errorf("%s: %v", p.name, err)
					}
					return
				}
				if err := p.check(r); err != nil {
					errs <- fmt.Errorf("%s: %v", p.name, err)
				}
			}()
		}
	}
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := slowBody(h, attacker.DeviceId.SerialNumber); err != nil {
				errs <- fmt.Errorf("slow body %d: %v", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := slowHeaders(h.ts.Listener.Addr().String()); err != nil {
				errs <- fmt.Errorf("slow headers %d: %v", i, err)
			}
		}()
	}
	// Meanwhile real CPEs do their periodic sessions.
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := h.cpe("SN-GOOD-" + strconv.Itoa(i))
			for range 5 {
				if err := idleSessionErr(ctx, c); err != nil {
					errs <- fmt.Errorf("good CPE %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	eventually(t, "requests done", func() bool { return h.srv.Stats().InFlight == 0 })
	if n := h.srv.Stats().Sessions; n != 0 {
		t.Errorf("%d sessions open after the burst", n)
	}
	h.expectLeaseFree(devIDOf(attacker.DeviceId))
	attacker.EndSession()
	h.idleSession(attacker)
}

func mustMarshal(t *testing.T, env *cwmp.Envelope) []byte {
	t.Helper()
	b, err := cwmp.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func get(url string) (*cwmptest.Reply, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &cwmptest.Reply{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// idleSessionErr is harness.idleSession for goroutines.
func idleSessionErr(ctx context.Context, c *cwmptest.CPE) error {
	defer c.EndSession()
	r, err := c.Send(ctx, c.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic}))
	if err != nil {
		return err
	}
	switch r.Method() {
	case "InformResponse":
	default:
		return fmt.Errorf("inform answered %d %s", r.Status, r.Body)
	}
	for r, err = c.SendEmpty(ctx); err == nil && r.Method() == "SetParameterValues"; {
		r, err = c.Answer(ctx, r, &cwmp.SetParameterValuesResponse{})
	}
	if err != nil {
		return err
	}
	if r.Status != http.StatusNoContent {
		return fmt.Errorf("empty POST answered %d %s", r.Status, r.Body)
	}
	return nil
}

// authorization returns a valid Authorization header value for a POST to
// /cwmp by serial, obtained by answering a real challenge.
func authorization(h *harness, serial string) (string, error) {
	dc := digest.NewClient(serial, cpeauth.Password(testSecret, serial))
	resp, err := http.Post(h.ts.URL+"/cwmp", "text/xml", strings.NewReader("<x/>"))
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if _, err := dc.Handle(resp); err != nil {
		return "", err
	}
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/cwmp", nil)
	if err := dc.Authorize(req); err != nil {
		return "", err
	}
	return req.Header.Get("Authorization"), nil
}

// postChunked sends an authenticated chunked body of n bytes.
func postChunked(h *harness, serial string, n int) (*cwmptest.Reply, error) {
	auth, err := authorization(h, serial)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		chunk := bytes.Repeat([]byte(" "), 4096)
		for sent := 0; sent < n; sent += len(chunk) {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/cwmp", pr)
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "text/xml")
	resp, err := http.DefaultClient.Do(req)
	pr.CloseWithError(io.ErrClosedPipe)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &cwmptest.Reply{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// slowBody sends an authenticated request whose body trickles in a byte
// at a time: the server must give up within its ReadTimeout and close.
func slowBody(h *harness, serial string) error {
	auth, err := authorization(h, serial)
	if err != nil {
		return err
	}
	conn, err := net.Dial("tcp", h.ts.Listener.Addr().String())
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /cwmp HTTP/1.1\r\nHost: acs\r\nAuthorization: %s\r\nContent-Type: text/xml\r\nContent-Length: 4000\r\n\r\n", auth)
	return expectCutOff(conn, func() error {
		_, err := conn.Write([]byte("<"))
		return err
	})
}

// slowHeaders trickles the request line and headers (slowloris).
func slowHeaders(addr string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	line := []byte("POST /cwmp HTTP/1.1\r\nX-Slow: ")
	if _, err := conn.Write(line); err != nil {
		return err
	}
	return expectCutOff(conn, func() error {
		_, err := conn.Write([]byte("a"))
		return err
	})
}

// expectCutOff keeps trickling until the server closes the connection or
// answers with an error status; it fails if the server is still waiting
// after 3 s.
func expectCutOff(conn net.Conn, trickle func() error) error {
	closed := make(chan string, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			closed <- "closed"
			return
		}
		resp.Body.Close()
		closed <- strconv.Itoa(resp.StatusCode)
	}()
	deadline := time.After(3 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case how := <-closed:
			if how != "closed" && !strings.HasPrefix(how, "4") {
				return fmt.Errorf("server answered %s to a trickling client", how)
			}
			return nil
		case <-tick.C:
			if trickle() != nil {
				return nil // the server closed its end
			}
		case <-deadline:
			return fmt.Errorf("the server is still waiting for a trickling client after 3 s")
		}
	}
}

// TestSizeLimitAnnounced: a message announced larger than the default
// 4 MiB is refused with 413 before any of its body is read.
func TestSizeLimitAnnounced(t *testing.T) {
	h := newHarness(t, nil)
	c := h.cpe("SN-HUGE")
	h.provision(c)
	auth, err := authorization(h, "SN-HUGE")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", h.ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /cwmp HTTP/1.1\r\nHost: acs\r\nAuthorization: %s\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n<soap",
		auth, cwmp.DefaultMaxMessageBytes+1)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer without the body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
	if !resp.Close {
		t.Errorf("413 keeps the connection open for a body it will not read")
	}
}
