package loadgen

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"gatewarden/protocol/digest"
)

// maxMessageBytes bounds one ACS answer, as ARCHITECTURE.md bounds a CWMP
// message.
const maxMessageBytes = 4 << 20

// maxAuthRounds bounds the 401s one POST may draw: the first challenge and
// one stale nonce.
const maxAuthRounds = 3

var (
	errTooLarge     = errors.New("acs answer over 4 MiB")
	errUnauthorized = errors.New("acs demands authentication and no credentials were given (pass --acs-data)")
	errTLS          = errors.New("tls handshake with the acs failed")
)

// httpConn is the HTTP side of the sessions one worker runs, one session
// at a time. It speaks HTTP/1.1 itself over one TCP connection per
// session instead of going through http.Transport: the request is built in
// a reused buffer and written with one syscall, nothing runs in background
// goroutines, and the connection's life is exactly the session's. Responses
// are parsed by net/http (http.ReadResponse), so chunked bodies, odd
// headers and the like are handled as any Go client would.
type httpConn struct {
	tgt     *target
	tls     *tls.Config // nil for http
	timeout time.Duration
	ua      string
	dialer  net.Dialer

	nc        net.Conn
	stopAbort func() bool
	br        *bufio.Reader
	wbuf      []byte
	body      []byte
	req       *http.Request // what the digest client and ReadResponse see
	cookies   []cookie
	dials     int
}

type cookie struct{ name, value string }

// answer is one HTTP response; body stays valid until the next post.
type answer struct {
	status     int
	body       []byte
	challenged bool // a 401 was answered on the way
}

func newHTTPConn(tgt *target, tlsConf *tls.Config, timeout time.Duration, ua string) *httpConn {
	u := *tgt.url
	c := &httpConn{
		tgt:     tgt,
		timeout: timeout,
		ua:      ua,
		// No TCP keep-alive: a session lasts milliseconds, and the four
		// setsockopt calls it costs are a tenth of a dial's CPU.
		dialer: net.Dialer{Timeout: timeout, KeepAlive: -1},
		br:     bufio.NewReaderSize(nil, 8<<10),
		wbuf:   make([]byte, 0, 8<<10),
		body:   make([]byte, 0, 8<<10),
		req: &http.Request{
			Method: http.MethodPost,
			URL:    &u,
			Header: make(http.Header, 2),
			Host:   tgt.host,
		},
	}
	if tgt.url.Scheme == "https" {
		c.tls = tlsConf.Clone()
		if c.tls == nil {
			c.tls = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		if c.tls.ServerName == "" {
			c.tls.ServerName = tgt.serverName
		}
	}
	return c
}

// begin starts a session: no connection yet, no cookies (a CPE drops its
// cookies between sessions).
func (c *httpConn) begin() {
	c.close()
	c.cookies = c.cookies[:0]
	c.dials = 0
}

func (c *httpConn) close() {
	if c.nc == nil {
		return
	}
	c.stopAbort()
	c.nc.Close()
	c.nc = nil
}

func (c *httpConn) dial(ctx context.Context) error {
	nc, err := c.dialer.DialContext(ctx, "tcp", c.tgt.addr)
	if err != nil {
		return fmt.Errorf("connecting to the acs: %w", err)
	}
	if c.tls != nil {
		tc := tls.Client(nc, c.tls)
		nc.SetDeadline(time.Now().Add(c.timeout))
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return fmt.Errorf("%w: %w", errTLS, err)
		}
		nc = tc
	}
	c.nc = nc
	// A cancelled run must not wait out a request timeout; unblocking the
	// connection is enough, the session then fails and ends.
	c.stopAbort = context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	c.br.Reset(nc)
	c.dials++
	return nil
}

// post sends one CWMP message (an empty POST when body is empty) and
// reads the answer, answering Digest challenges on the same connection.
// auth nil means no credentials: a challenge fails the exchange.
func (c *httpConn) post(ctx context.Context, body []byte, auth *digest.Client) (answer, error) {
	var a answer
	for round := 0; ; round++ {
		if c.nc == nil {
			if err := c.dial(ctx); err != nil {
				return a, err
			}
		}
		if err := c.writeRequest(ctx, body, auth); err != nil {
			c.close()
			return a, err
		}
		resp, err := c.readResponse()
		if err != nil {
			c.close()
			return a, err
		}
		a.status, a.body = resp.StatusCode, c.body
		if resp.Close {
			// The ACS closed the connection: the session goes on over a
			// new one (TR-069 §3.4.2), which the next post dials.
			c.close()
		}
		if resp.StatusCode != http.StatusUnauthorized {
			return a, nil
		}
		if auth == nil {
			return a, errUnauthorized
		}
		retry, err := auth.Handle(resp)
		if err != nil {
			return a, fmt.Errorf("acs refused the credentials: %w", err)
		}
		a.challenged = true
		if !retry || round+1 >= maxAuthRounds {
			return a, fmt.Errorf("acs still demands authentication after %d rounds", round+1)
		}
	}
}

func (c *httpConn) writeRequest(ctx context.Context, body []byte, auth *digest.Client) error {
	delete(c.req.Header, "Authorization")
	if auth != nil {
		if err := auth.Authorize(c.req); err != nil {
			return fmt.Errorf("authorizing: %w", err)
		}
	}
	b := c.wbuf[:0]
	b = append(b, "POST "...)
	b = append(b, c.tgt.path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.tgt.host...)
	b = append(b, "\r\nUser-Agent: "...)
	b = append(b, c.ua...)
	if len(body) > 0 {
		// SOAPAction present and empty; both absent on an empty POST
		// (TR069-DIGEST §1.1).
		b = append(b, "\r\nContent-Type: text/xml; charset=\"utf-8\"\r\nSOAPAction: "...)
	}
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	if v := c.req.Header.Get("Authorization"); v != "" {
		b = append(b, "\r\nAuthorization: "...)
		b = append(b, v...)
	}
	for i, ck := range c.cookies {
		if i == 0 {
			b = append(b, "\r\nCookie: "...)
		} else {
			b = append(b, "; "...)
		}
		b = append(b, ck.name...)
		b = append(b, '=')
		b = append(b, ck.value...)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	c.wbuf = b
	c.nc.SetDeadline(time.Now().Add(c.timeout))
	// Checked after the deadline is set: a cancellation that came earlier
	// had its past deadline overwritten just now.
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("sending to the acs: %w", err)
	}
	return nil
}

// readResponse reads one response and its whole body into c.body.
func (c *httpConn) readResponse() (*http.Response, error) {
	resp, err := http.ReadResponse(c.br, c.req)
	if err != nil {
		return nil, fmt.Errorf("reading the acs answer: %w", err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > maxMessageBytes {
		return nil, errTooLarge
	}
	b := c.body[:0]
	if resp.ContentLength >= 0 {
		n := int(resp.ContentLength)
		if cap(b) < n {
			b = make([]byte, 0, n)
		}
		b = b[:n]
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return nil, fmt.Errorf("reading the acs answer: %w", err)
		}
	} else {
		for {
			if len(b) == cap(b) {
				b = append(b, 0)[:len(b)]
			}
			n, err := resp.Body.Read(b[len(b):cap(b)])
			b = b[:len(b)+n]
			if len(b) > maxMessageBytes {
				return nil, errTooLarge
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("reading the acs answer: %w", err)
			}
		}
	}
	c.body = b
	if len(resp.Header["Set-Cookie"]) > 0 {
		c.keepCookies(resp.Cookies())
	}
	return resp, nil
}

// keepCookies stores the session's cookies by name, dropping those the
// ACS deletes. Path, domain and expiry are otherwise ignored: a session
// talks to one URL, and every cookie dies with it.
func (c *httpConn) keepCookies(cs []*http.Cookie) {
	for _, nc := range cs {
		c.cookies = slices.DeleteFunc(c.cookies, func(k cookie) bool { return k.name == nc.Name })
		if nc.MaxAge >= 0 {
			c.cookies = append(c.cookies, cookie{nc.Name, nc.Value})
		}
	}
}
