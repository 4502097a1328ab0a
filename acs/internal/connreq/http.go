package connreq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/digest"
)

// HTTPOptions configure an HTTPChannel. The zero value is usable.
type HTTPOptions struct {
	// Timeout bounds one wake, from dialling to the last answer, challenge
	// round trip included. Default 5 s.
	Timeout time.Duration
	// AllowBasic answers a Basic challenge, which sends the password in
	// clear over plain HTTP. TR-069 requires Digest; leave it off unless a
	// known CPE model cannot do Digest.
	AllowBasic bool
	// AllowAddr decides which resolved addresses may be dialled. Default
	// DefaultAllowAddr.
	AllowAddr func(netip.Addr) bool
}

// HTTPChannel is the TR-069 HTTP connection request.
type HTTPChannel struct {
	client     *http.Client
	timeout    time.Duration
	allowBasic bool
}

// maxDrain bounds how much of a response body is read: a CPE should send
// none, and the connection is closed after each wake anyway.
const maxDrain = 4 << 10

// NewHTTPChannel returns an HTTP connection-request channel.
func NewHTTPChannel(opts HTTPOptions) *HTTPChannel {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.AllowAddr == nil {
		opts.AllowAddr = DefaultAllowAddr
	}
	dialer := &net.Dialer{Timeout: opts.Timeout, Control: dialControl(opts.AllowAddr)}
	tr := &http.Transport{
		Proxy:       nil, // CPE addresses are never reached through a proxy
		DialContext: dialer.DialContext,
		// One fresh connection per request, as genieacs does: the ACS
		// talks to each CPE a few times a day, so an idle connection per
		// device would only pin file descriptors.
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 16 << 10,
		ResponseHeaderTimeout:  opts.Timeout,
	}
	return &HTTPChannel{
		client: &http.Client{
			Transport: tr,
			// A CPE has no reason to redirect; following one would let it
			// point the ACS anywhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		timeout:    opts.Timeout,
		allowBasic: opts.AllowBasic,
	}
}

// channelHTTP names this channel in Result.Channel.
const channelHTTP = "http"

// Wake sends the connection request. It returns an error only when no
// request could be sent (no or unusable URL) or the caller's context
// ended; everything the device did or did not answer is a Result.
func (c *HTTPChannel) Wake(ctx context.Context, dev store.Device) (Result, error) {
	u, err := checkURL(dev.ConnectionRequestURL)
	if err != nil {
		return Result{}, err
	}
	wctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	auth := digest.NewClient(dev.ConnReqUsername, dev.ConnReqPassword)
	auth.AllowInsecureBasic = c.allowBasic
	// The first request goes without credentials. A challenge is answered;
	// a stale-nonce challenge to that answer, once more.
	var a answer
	for range 3 {
		a, err = c.roundTrip(wctx, u, auth, dev.ConnReqUsername != "")
		if err != nil {
			return c.failure(ctx, u, err)
		}
		if !a.retry {
			break
		}
	}
	res := Result{Channel: channelHTTP, Status: a.status, Outcome: a.outcome, Detail: a.detail}
	if a.retry {
		res.Outcome, res.Detail = BadCredentials, "device kept challenging valid answers"
	}
	return res, nil
}

// answer is how the device answered one request.
type answer struct {
	status  int
	retry   bool // a 401 worth answering with (new) credentials
	outcome Outcome
	detail  string
}

// roundTrip sends one GET and reads the answer.
func (c *HTTPChannel) roundTrip(ctx context.Context, u *url.URL, auth *digest.Client, haveCreds bool) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("User-Agent", "gatewarden-acs")
	if err := auth.Authorize(req); err != nil {
		return answer{}, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	a := answer{status: resp.StatusCode}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent:
		a.outcome = OK
		return a, nil
	case http.StatusServiceUnavailable:
		a.outcome, a.detail = Busy, "device busy (503)"
		return a, nil
	case http.StatusUnauthorized:
	default:
		a.outcome, a.detail = Failed, fmt.Sprintf("unexpected answer %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		return a, nil
	}
	if !haveCreds {
		a.outcome, a.detail = BadCredentials, "no connection-request credentials known for the device"
		return a, nil
	}
	retry, herr := auth.Handle(resp)
	switch {
	case herr == nil && retry:
		a.retry = true
	case herr == nil, errors.Is(herr, digest.ErrBadCredentials):
		a.outcome, a.detail = BadCredentials, "device refused the connection-request credentials"
	case errors.Is(herr, digest.ErrUnsupported):
		// The package's error texts are fixed strings, safe to show.
		a.outcome, a.detail = Failed, "device asks for an authentication the ACS will not send: "+herr.Error()
	default:
		a.outcome, a.detail = Failed, "device sent a malformed challenge"
	}
	return a, nil
}

// failure turns a transport error into a Result, or into an error when
// the caller gave up or the address policy refused the dial.
func (c *HTTPChannel) failure(parent context.Context, u *url.URL, err error) (Result, error) {
	host := u.Host
	if errors.Is(err, errForbiddenAddr) {
		return Result{}, fmt.Errorf("connection request to %s: %w", host, errForbiddenAddr)
	}
	if perr := parent.Err(); perr != nil {
		return Result{}, fmt.Errorf("connection request to %s: %w", host, perr)
	}
	res := Result{Channel: channelHTTP, Outcome: Offline}
	switch {
	case isTimeout(err):
		res.Detail = "timeout after " + c.timeout.String()
	case errors.Is(err, syscall.ECONNREFUSED):
		res.Detail = "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		res.Detail = "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		res.Detail = "host unreachable"
	default:
		var dns *net.DNSError
		if errors.As(err, &dns) {
			res.Detail = "host name does not resolve"
			break
		}
		// Something answered, but not with HTTP.
		res.Outcome = Failed
		res.Detail = "bad answer: " + innerError(err).Error()
	}
	return res, nil
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// innerError strips *url.Error, whose text repeats the URL.
func innerError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
