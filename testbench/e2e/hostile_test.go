package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/acs/server"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// hostileRig sends hostile traffic to a running ACS's /cwmp as a CPE
// with valid Digest credentials (serial HOSTILE...), so the requests get
// past authentication to the parts that read and decode messages.
type hostileRig struct {
	acs    *inprocACS
	url    string
	addr   string // host:port of the CWMP listener
	serial string
}

func newHostileRig(t *testing.T, acs *inprocACS) *hostileRig {
	u, err := url.Parse(acs.cwmp)
	if err != nil {
		t.Fatal(err)
	}
	return &hostileRig{acs: acs, url: acs.cwmp, addr: u.Host, serial: "HOSTILE000001"}
}

// client returns an HTTP client answering Digest challenges as the
// hostile CPE; each goroutine takes its own (nonce counts must rise). It
// has taken its challenge with a small message, as a CPE's Inform is: a
// large first message would be refused (401) before the ACS reads it,
// and the connection closed under the writing client.
func (h *hostileRig) client(t *testing.T) (*http.Client, *digest.Client) {
	t.Helper()
	dc := digest.NewClient(h.serial, server.CPEPassword(h.acs.secret, h.serial))
	tr := &http.Transport{DisableKeepAlives: true}
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &digest.Transport{Client: dc, Base: tr}}
	if err := h.send(hc, badRequest{name: "priming", contentType: "text/xml", body: []byte("<x/>")}); err != nil {
		t.Fatal(err)
	}
	return hc, dc
}

// authHeader returns an Authorization header for a raw request, from a
// client that has already seen a challenge.
func authHeader(t *testing.T, dc *digest.Client, target string) string {
	t.Helper()
	req, err := http.NewRequest("POST", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := dc.Authorize(req); err != nil {
		t.Fatal(err)
	}
	a := req.Header.Get("Authorization")
	if a == "" {
		t.Fatal("the Digest client holds no challenge yet")
	}
	return a
}

// inform is a well-formed Inform for serial.
func inform(t testing.TB, serial string) []byte {
	t.Helper()
	var b bytes.Buffer
	err := cwmp.Encode(&b, &cwmp.Envelope{
		Namespace: cwmp.NamespaceCWMP12,
		Header:    cwmp.Header{ID: "h-1"},
		Body: &cwmp.Inform{
			DeviceId:     cwmp.DeviceIdStruct{Manufacturer: "Evil", OUI: "0090F5", ProductClass: "SIM", SerialNumber: serial},
			Event:        []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}},
			MaxEnvelopes: 1,
			CurrentTime:  cwmp.NewDateTime(time.Now()),
			ParameterList: []cwmp.ParameterValueStruct{
				{Name: "Device.ManagementServer.ConnectionRequestURL", Value: "http://127.0.0.1:9/"},
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// badRequest is one malformed or refused message.
type badRequest struct {
	name        string
	contentType string // "" sends none
	header      map[string]string
	body        []byte
	// want: "fault" (200 with a SOAP Fault, or any 4xx) or an exact status.
	want int
}

const wantFault = 0

func badRequests(t testing.TB, victimSerial string) []badRequest {
	soap := func(body string) []byte {
		return []byte(`<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ` +
			`xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"><soap:Header><cwmp:ID soap:mustUnderstand="1">x-1</cwmp:ID></soap:Header>` +
			`<soap:Body>` + body + `</soap:Body></soap:Envelope>`)
	}
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>` +
		`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol4;</soap:Body></soap:Envelope>`
	good := inform(t, "HOSTILE000001")
	return []badRequest{
		{name: "not XML", contentType: "text/xml", body: []byte("this is not xml at all \x00\xff")},
		{name: "truncated envelope", contentType: "text/xml", body: good[:len(good)/2]},
		{name: "XML but not SOAP", contentType: "text/xml", body: []byte(`<?xml version="1.0"?><a><b/></a>`)},
		{name: "empty SOAP body", contentType: "text/xml", body: soap("")},
		{name: "unknown RPC", contentType: "text/xml", body: soap(`<cwmp:Frobnicate><X>1</X></cwmp:Frobnicate>`)},
		{name: "request outside a session", contentType: "text/xml", body: soap(`<cwmp:GetRPCMethods/>`)},
		{name: "Inform missing DeviceId", contentType: "text/xml", body: soap(`<cwmp:Inform><Event/><MaxEnvelopes>1</MaxEnvelopes></cwmp:Inform>`)},
		{name: "entity expansion", contentType: "text/xml", body: []byte(laughs)},
		{name: "deep nesting", contentType: "text/xml", body: soap(strings.Repeat("<a>", 200000) + strings.Repeat("</a>", 200000))},
		{name: "huge serial number", contentType: "text/xml", body: bytes.Replace(good, []byte("HOSTILE000001"), bytes.Repeat([]byte("S"), 1<<20), 1)},
		// An answer whose session is gone is not an error: a fault must
		// never answer an answer, so it ends the exchange with 204.
		{name: "answer outside any session", contentType: "text/xml",
			body: soap(`<cwmp:GetParameterValuesResponse><ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[0]"/></cwmp:GetParameterValuesResponse>`),
			want: http.StatusNoContent},
		{name: "Inform for another device", contentType: "text/xml", body: inform(t, victimSerial), want: http.StatusForbidden},
		{name: "JSON", contentType: "application/json", body: []byte(`{"inform": true}`), want: http.StatusUnsupportedMediaType},
		{name: "SOAP 1.2 media type", contentType: "application/soap+xml", body: good, want: http.StatusUnsupportedMediaType},
		{name: "two content types", contentType: "text/xml", header: map[string]string{"Content-Type": "image/png"}, body: good, want: http.StatusUnsupportedMediaType},
		{name: "gzip", contentType: "text/xml", header: map[string]string{"Content-Encoding": "gzip"}, body: []byte("\x1f\x8b\x08\x00garbage"), want: http.StatusUnsupportedMediaType},
		{name: "oversized header", contentType: "text/xml", header: map[string]string{"X-Junk": strings.Repeat("j", 64<<10)}, body: good, want: http.StatusRequestHeaderFieldsTooLarge},
	}
}

// send sends one bad request and checks the answer: a SOAP Fault in a
// 200 answer, or a 4xx (the exact one when the case names it).
func (h *hostileRig) send(hc *http.Client, br badRequest) error {
	req, err := http.NewRequest("POST", h.url, bytes.NewReader(br.body))
	if err != nil {
		return err
	}
	if br.contentType != "" {
		req.Header.Set("Content-Type", br.contentType)
	}
	for k, v := range br.header {
		req.Header.Add(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: no answer: %w", br.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case br.want != wantFault && resp.StatusCode != br.want:
		return fmt.Errorf("%s: HTTP %d, want %d", br.name, resp.StatusCode, br.want)
	case br.want != wantFault:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return nil
	case resp.StatusCode == http.StatusOK:
		env, err := cwmp.Decode(body)
		if err != nil {
			return fmt.Errorf("%s: 200 with an undecodable answer: %v", br.name, err)
		}
		if _, ok := env.Body.(*cwmp.Fault); !ok {
			return fmt.Errorf("%s: 200 with %s, want a Fault", br.name, env.Body.Method())
		}
		return nil
	}
	return fmt.Errorf("%s: HTTP %d, want a fault or a 4xx", br.name, resp.StatusCode)
}

// TestCWMPHostileClients is acceptance item 5: malformed SOAP, wrong
// content types, huge bodies, slow clients and a burst of ~500 bad
// requests against a running ACS each get a fault or a 4xx in bounded
// time, and afterwards a real agent's session still succeeds, the API
// answers and no session is left open.
func TestCWMPHostileClients(t *testing.T) {
	t.Parallel()
	acs := startACS(t)
	admin := acs.api(t, "admin")
	devs := startDevices(t, acs.cwmp, acs.secret, "CALM", 1)
	waitProvisioned(t, admin, devs)
	h := newHostileRig(t, acs)
	cases := badRequests(t, devs[0].Serial)
	victimInformed := admin.device(devs[0].ID).LastInform

	t.Run("hostile", func(t *testing.T) {
		t.Run("each bad request", func(t *testing.T) {
			t.Parallel()
			hc, _ := h.client(t)
			for _, br := range cases {
				if err := h.send(hc, br); err != nil {
					t.Error(err)
				}
			}
			for _, m := range []string{"GET", "PUT", "DELETE"} {
				req, _ := http.NewRequest(m, h.url, nil)
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusMethodNotAllowed {
					t.Errorf("%s /cwmp: HTTP %d, want 405", m, resp.StatusCode)
				}
			}
		})
		t.Run("no or wrong credentials", func(t *testing.T) {
			t.Parallel()
			for name, dc := range map[string]*digest.Client{
				"none":           nil,
				"wrong password": digest.NewClient(h.serial, "not-the-password"),
				"unknown user":   digest.NewClient("", "x"),
			} {
				var rt http.RoundTripper = &http.Transport{DisableKeepAlives: true}
				if dc != nil {
					rt = &digest.Transport{Client: dc, Base: rt}
				}
				hc := &http.Client{Transport: rt, Timeout: 20 * time.Second}
				resp, err := hc.Post(h.url, "text/xml", bytes.NewReader(inform(t, h.serial)))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Digest ") {
					t.Errorf("%s: HTTP %d %q, want 401 with a Digest challenge", name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
				}
			}
		})
		t.Run("announced body over 4 MiB", func(t *testing.T) {
			t.Parallel()
			_, dc := h.client(t)
			// Only the headers go out: the ACS must refuse without
			// waiting for 5 MiB that never come.
			status := rawRequest(t, h.addr, 5*time.Second, func(w *bufio.Writer) {
				fmt.Fprintf(w, "POST /cwmp HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n",
					h.addr, authHeader(t, dc, h.url), 5<<20)
			})
			if status != http.StatusRequestEntityTooLarge {
				t.Errorf("HTTP %d, want 413", status)
			}
		})
		t.Run("streamed body over 4 MiB", func(t *testing.T) {
			t.Parallel()
			hc, _ := h.client(t)
			// Chunked, no length announced: the ACS reads 4 MiB and stops.
			src := &endless{limit: 256 << 20}
			req, _ := http.NewRequest("POST", h.url, src)
			req.Header.Set("Content-Type", "text/xml")
			resp, err := hc.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("answer %v, %v; want 413", resp, err)
			}
			if n := src.n.Load(); n > 64<<20 {
				t.Errorf("the ACS let the client send %d MiB before refusing", n>>20)
			}
		})
		t.Run("slow header", func(t *testing.T) {
			t.Parallel()
			// One header byte every 500 ms: ReadHeaderTimeout must cut it.
			start := time.Now()
			closed := trickle(t, h.addr, "POST /cwmp HTTP/1.1\r\nHost: x\r\nX-Slow: ", strings.Repeat("s", 200), 60*time.Second)
			if !closed {
				t.Errorf("a header trickled over %s was not cut", time.Since(start).Round(time.Second))
			}
		})
		t.Run("slow body", func(t *testing.T) {
			t.Parallel()
			_, dc := h.client(t)
			head := fmt.Sprintf("POST /cwmp HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: text/xml\r\nContent-Length: 400\r\n\r\n",
				h.addr, authHeader(t, dc, h.url))
			start := time.Now()
			if !trickle(t, h.addr, head, strings.Repeat("b", 400), 90*time.Second) {
				t.Errorf("a body trickled over %s was not cut", time.Since(start).Round(time.Second))
			}
		})
		t.Run("idle connections", func(t *testing.T) {
			t.Parallel()
			// Connections that say nothing hold no worker: a real session
			// goes through while 200 of them are open.
			var conns []net.Conn
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			for range 200 {
				c, err := net.DialTimeout("tcp", h.addr, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = c.Write([]byte("POST /cwmp HTTP/1.1\r\n"))
				conns = append(conns, c)
			}
			admin.forTest(t).getValues(devs[0].ID, "Device.DeviceInfo.UpTime")
		})
		t.Run("burst", func(t *testing.T) {
			t.Parallel()
			const workers, total = 50, 500
			var next atomic.Int64
			var mu sync.Mutex
			var errs []error
			var wg sync.WaitGroup
			clients := make([]*http.Client, workers)
			for i := range clients {
				clients[i], _ = h.client(t)
			}
			for _, hc := range clients {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= total {
							return
						}
						if err := h.send(hc, cases[int(i)%len(cases)]); err != nil {
							mu.Lock()
							errs = append(errs, err)
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			for i, err := range errs {
				if i == 10 {
					t.Errorf("... %d more", len(errs)-10)
					break
				}
				t.Error(err)
			}
		})
	})

	// The ACS keeps serving: the real device completes a session, the API
	// and health check answer, nothing hostile became a device, the
	// device spoken for was not touched, and no session is left open.
	mark := devs[0].Tap.mark()
	admin.getValues(devs[0].ID, "Device.DeviceInfo.UpTime")
	devs[0].Tap.waitFor(t, mark, eventWithin, "a session after the hostile traffic", func(log []exchange) bool {
		return sessionEnded(log, cwmp.EventConnectionRequest)
	})
	if status, b := admin.call("GET", "/healthz", nil); status != http.StatusOK {
		t.Errorf("/healthz: %d %s", status, b)
	}
	var list struct {
		Devices []deviceView `json:"devices"`
	}
	admin.do("GET", "/api/v1/devices", nil, &list, http.StatusOK)
	if len(list.Devices) != 1 || list.Devices[0].ID != devs[0].ID {
		t.Errorf("devices after the hostile traffic: %+v, want only %s", list.Devices, devs[0].ID)
	}
	if li := admin.device(devs[0].ID).LastInform; li == nil || victimInformed == nil || li.Before(*victimInformed) {
		t.Errorf("the device's lastInform went from %v to %v", victimInformed, li)
	}
	eventually(t, eventWithin, "no CWMP session left open", func() bool {
		return admin.metric("gatewarden_cwmp_sessions_active") == 0
	})
	if n := admin.metric(`gatewarden_cwmp_rejected_total{reason="overload",status="503"}`); n != 0 {
		t.Errorf("%v requests were turned away as overload; 50 clients are far below the ACS's bounds", n)
	}
}

// rawRequest writes a request with write on a new connection and returns
// the status of the answer, which must come within d.
func rawRequest(t *testing.T, addr string, d time.Duration, write func(*bufio.Writer)) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(d))
	w := bufio.NewWriter(c)
	write(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", d, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// trickle sends head at once, then slow one byte every 500 ms, and
// reports whether the server ended the exchange (closed the connection or
// answered) before bound passed.
func trickle(t *testing.T, addr, head, slow string, bound time.Duration) bool {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	status := make(chan int, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			status <- 0 // closed without an answer
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	deadline := time.After(bound)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case s := <-status:
			if s != 0 && s != http.StatusRequestTimeout && s != http.StatusBadRequest {
				t.Errorf("a trickling client got HTTP %d, want 408, 400 or a closed connection", s)
			}
			return true
		case <-deadline:
			return false
		case <-tick.C:
		}
		if i < len(slow) {
			// A write error means the server closed; the reader reports it.
			_, _ = c.Write([]byte{slow[i]})
		}
	}
}

// endless is a request body of up to limit bytes that counts what was
// read from it.
type endless struct {
	n     atomic.Int64
	limit int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n.Load() >= e.limit {
		return 0, io.EOF
	}
	for i := range p {
		p[i] = 'x'
	}
	e.n.Add(int64(len(p)))
	return len(p), nil
}
