package session

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"gatewarden/cpe-agent/internal/redact"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// conn is the HTTP side of one session: its own Transport limited to one
// connection (TR-069 keeps a session on one TCP connection; Go reconnects
// by itself when the ACS closed it cleanly between exchanges), its own
// cookie jar (cookies live for one session only), its own Digest client
// (a fresh cnonce per session), and the URL, which a redirect changes for
// the rest of the session but never in ManagementServer.URL.
type conn struct {
	_        incomparable
	tr       *http.Transport
	client   *http.Client
	url      string
	timeout  time.Duration
	maxBytes int64
	ua       string
}

// Classes of failed exchanges, for errors.Is in results and tests.
var (
	errRedirects = errors.New("too many redirects")
	errTooLarge  = errors.New("ACS message too large")
)

func (c *Client) newConn(acsURL, user, pass string) (*conn, error) {
	u, err := url.Parse(acsURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("session: ACS URL %q is not an http(s) URL", redact.URL(acsURL))
	}
	// net/http would turn userinfo into Basic credentials, over plain http
	// too; the ACS credentials are ManagementServer.Username/Password.
	u.User = nil
	acsURL = u.String()
	timeout := c.opts.ResponseTimeout
	tr := &http.Transport{
		// Routers have no proxy, and tests must only reach loopback.
		Proxy:       nil,
		DialContext: (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig: &tls.Config{
			RootCAs:    c.opts.RootCAs,
			MinVersion: tls.VersionTLS12,
		},
		TLSHandshakeTimeout: timeout,
		MaxConnsPerHost:     1,
		MaxIdleConns:        1,
		MaxIdleConnsPerHost: 1,
		// HTTPCompression defaults to Disabled (TR-181); asking for gzip
		// would let a small body inflate past the size limit's intent.
		DisableCompression: true,
	}
	tr.Protocols = new(http.Protocols)
	tr.Protocols.SetHTTP1(true)
	dc := digest.NewClient(user, pass)
	// Basic goes out pre-emptively over https only (TR-069 §3.4.4); the
	// digest client never sends Basic over plain http.
	dc.PreemptiveBasic = true
	jar := newCookieJar()
	return &conn{
		tr: tr,
		client: &http.Client{
			Transport: &digest.Transport{Client: dc, Base: tr},
			Jar:       jar,
			// Redirects are followed by post, which resends the same POST.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		url:      acsURL,
		timeout:  timeout,
		maxBytes: c.opts.MaxMessageBytes,
		ua:       c.opts.UserAgent,
	}, nil
}

func (c *conn) close() { c.tr.CloseIdleConnections() }

// reply is what the ACS answered to one POST.
type reply struct {
	env       *cwmp.Envelope // nil: an empty response (204, or 200 without a body)
	decodeErr *cwmp.DecodeError
}

func (r reply) empty() bool { return r.env == nil && r.decodeErr == nil }

// post sends one message (an empty POST when body is nil) and reads the
// answer, following up to five redirects. Any error means the session
// failed: no connection, no answer within the timeout, an HTTP error
// status (a 401 the digest client could not answer included), or a body
// over the limit.
func (c *conn) post(ctx context.Context, body []byte) (reply, error) {
	for redirects := 0; ; redirects++ {
		r, loc, err := c.exchange(ctx, body)
		if err != nil || loc == nil {
			return r, err
		}
		if redirects == maxRedirects {
			return reply{}, fmt.Errorf("%w: more than %d in a row", errRedirects, maxRedirects)
		}
		c.url = loc.String()
	}
}

// exchange is one HTTP request with its own deadline. A redirect returns
// its target.
func (c *conn) exchange(ctx context.Context, body []byte) (reply, *url.URL, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader = http.NoBody
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, rd)
	if err != nil {
		return reply{}, nil, fmt.Errorf("building request: %w", err)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", `text/xml; charset="utf-8"`)
		// Present and empty (TR069-DIGEST §1.1); the canonical form would
		// be spelled "Soapaction".
		req.Header["SOAPAction"] = []string{""}
	}
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.client.Do(req)
	if err != nil {
		return reply{}, nil, fmt.Errorf("posting to the ACS: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent:
	case http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		loc, err := resp.Location()
		if err != nil {
			return reply{}, nil, fmt.Errorf("redirect %d without a usable Location: %w", resp.StatusCode, err)
		}
		if loc.Scheme != "http" && loc.Scheme != "https" {
			return reply{}, nil, fmt.Errorf("redirect to a %q URL", loc.Scheme)
		}
		loc.User = nil
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return reply{}, loc, nil
	case http.StatusUnauthorized:
		return reply{}, nil, errors.New("ACS refused our credentials (HTTP 401)")
	default:
		return reply{}, nil, fmt.Errorf("ACS answered HTTP %d", resp.StatusCode)
	}
	if resp.StatusCode == http.StatusNoContent || resp.ContentLength == 0 {
		return reply{}, nil, nil
	}
	if resp.ContentLength > c.maxBytes {
		return reply{}, nil, fmt.Errorf("%w: Content-Length %d over %d", errTooLarge, resp.ContentLength, c.maxBytes)
	}
	// Read at most one byte past the limit: enough to know it is too
	// large, never the whole of an oversized body.
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, c.maxBytes+1)); err != nil {
		return reply{}, nil, fmt.Errorf("reading the ACS's answer: %w", err)
	}
	if int64(buf.Len()) > c.maxBytes {
		return reply{}, nil, fmt.Errorf("%w: over %d bytes", errTooLarge, c.maxBytes)
	}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return reply{}, nil, nil
	}
	env, err := cwmp.DecodeCPE(buf.Bytes())
	if err != nil {
		var de *cwmp.DecodeError
		if errors.As(err, &de) {
			return reply{env: nil, decodeErr: de}, nil, nil
		}
		return reply{}, nil, fmt.Errorf("decoding the ACS's answer: %w", err)
	}
	return reply{env: env}, nil, nil
}
