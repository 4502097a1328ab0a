package diag

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// TransferSpec is one DownloadDiagnostics or UploadDiagnostics test over
// HTTP(S).
type TransferSpec struct {
	URL   string
	Proto string
	DSCP  int
	// Length is the upload's TestFileLength; unused for downloads.
	Length   uint64
	Device   string
	Timeout  time.Duration // the whole test
	MaxBytes uint64        // cap on the bytes of the test file
	RootCAs  *x509.CertPool
}

// TransferResult carries the TR-143 timestamps and counters.
type TransferResult struct {
	Source net.IP
	// TCPOpenRequest/Response: the connect started/finished; ROM: the
	// request went out; BOM: the first byte of the file moved; EOM: the
	// last one did.
	TCPOpenRequest, TCPOpenResponse, ROM, BOM, EOM time.Time
	// TestBytes is the file's bytes moved (received for a download, sent
	// for an upload); TotalReceived/TotalSent count every byte on the test
	// connection, headers included, between BOM and EOM as TR-143 asks
	// (the interface's other traffic is not counted).
	TestBytes, TotalReceived, TotalSent uint64
	// Truncated: the file was larger than MaxBytes and the test stopped
	// there; the figures cover what was moved.
	Truncated bool
}

// Download fetches URL and measures it. The file is read and discarded.
func Download(ctx context.Context, spec TransferSpec) (TransferResult, error) {
	return transfer(ctx, spec, false)
}

// Upload PUTs Length bytes to URL and measures it.
func Upload(ctx context.Context, spec TransferSpec) (TransferResult, error) {
	return transfer(ctx, spec, true)
}

func transfer(ctx context.Context, spec TransferSpec, upload bool) (TransferResult, error) {
	var res TransferResult
	u, err := url.Parse(spec.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return res, &Error{State: stateInitConn, Err: fmt.Errorf("unusable URL (http or https wanted)")}
	}
	if spec.Timeout <= 0 {
		spec.Timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, spec.Timeout)
	defer cancel()
	dst, err := resolve(ctx, u.Hostname(), spec.Proto)
	if err != nil {
		return res, err
	}
	if res.Source, err = sourceFor(dst); err != nil {
		return res, err
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	target := net.JoinHostPort(dst.String(), port)

	var conn *countingConn
	dialer := &net.Dialer{Control: socketControl(spec.DSCP, spec.Device, dst.To4() == nil)}
	tr := &http.Transport{
		// The resolved address is dialled whatever the URL's name, so
		// Proto holds; TLS still verifies the name in the URL.
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, target)
			if err != nil {
				return nil, err
			}
			conn = &countingConn{Conn: c}
			return conn, nil
		},
		TLSClientConfig:       &tls.Config{RootCAs: spec.RootCAs, MinVersion: tls.VersionTLS12},
		DisableKeepAlives:     true,
		DisableCompression:    true, // count the bytes that really move
		ResponseHeaderTimeout: spec.Timeout,
	}
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return errors.New("redirects are not followed by a diagnostic")
	}}

	var dialErr error
	trace := &httptrace.ClientTrace{
		ConnectStart: func(string, string) { res.TCPOpenRequest = time.Now() },
		ConnectDone: func(_, _ string, err error) {
			res.TCPOpenResponse = time.Now()
			dialErr = err
		},
		WroteHeaders:         func() { res.ROM = time.Now() },
		GotFirstResponseByte: func() { res.BOM = time.Now() },
	}
	ctx = httptrace.WithClientTrace(ctx, trace)

	method, body := http.MethodGet, io.Reader(nil)
	length := spec.Length
	if upload {
		if spec.MaxBytes > 0 && length > spec.MaxBytes {
			length, res.Truncated = spec.MaxBytes, true
		}
		method = http.MethodPut
		body = &zeroes{left: length, started: func() {
			if res.BOM.IsZero() {
				res.BOM = time.Now()
			}
		}}
	}
	req, err := http.NewRequestWithContext(ctx, method, spec.URL, body)
	if err != nil {
		return res, &Error{State: stateInitConn, Err: err}
	}
	if upload {
		req.ContentLength = int64(length)
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	req.Header.Set("User-Agent", "gatewarden-cpe-agent diagnostics")
	resp, err := client.Do(req)
	if err != nil {
		tr.CloseIdleConnections()
		return res, classify(err, dialErr, ctx)
	}
	// One exit from here on, cleaning up by hand: with a defer per
	// resource and many returns, every return called into the runtime.
	switch {
	case upload:
		// The server answered after taking the whole body.
		res.EOM = time.Now()
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		res.TestBytes = length
		if resp.StatusCode/100 != 2 {
			err = &Error{State: stateNoComplete, Err: fmt.Errorf("server answered %s", resp.Status)}
		}
	case resp.StatusCode/100 != 2:
		err = &Error{State: stateTransfer, Err: fmt.Errorf("server answered %s", resp.Status)}
	default:
		r := io.Reader(resp.Body)
		if spec.MaxBytes > 0 {
			r = io.LimitReader(resp.Body, int64(spec.MaxBytes)+1)
		}
		n, rerr := io.Copy(io.Discard, r)
		res.EOM = time.Now()
		if spec.MaxBytes > 0 && uint64(n) > spec.MaxBytes {
			n, res.Truncated = int64(spec.MaxBytes), true
		} else if rerr != nil {
			err = classify(rerr, nil, ctx)
		}
		res.TestBytes = uint64(n)
	}
	// Closing first ends any read or write still in flight (the
	// connection is not kept alive), so the totals cannot wait on one.
	resp.Body.Close()
	tr.CloseIdleConnections()
	if err == nil && conn != nil {
		res.TotalReceived, res.TotalSent = conn.totals()
	}
	return res, err
}

// classify maps a transfer error to the DiagnosticsState TR-143 names.
func classify(err, dialErr error, ctx context.Context) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return &Error{State: stateTimeout, Err: err}
	case ctx.Err() != nil:
		return ctx.Err()
	case dialErr != nil:
		return &Error{State: stateInitConn, Err: dialErr}
	case errors.As(err, new(*tls.CertificateVerificationError)), strings.Contains(err.Error(), "tls:"):
		// A server that fails verification is one the test cannot open.
		return &Error{State: stateInitConn, Err: err}
	}
	return &Error{State: stateNoResponse, Err: err}
}

// countingConn counts the bytes of the test connection. Reads and
// writes hold mu shared while they run and count, so totals() (exclusive)
// sees every byte that has reached the wire: the transport writes a body
// from its own goroutine, which may still be counting when the answer
// arrives.
type countingConn struct {
	_ [0]func() // not comparable: spares the binary an equality function
	net.Conn
	mu            sync.RWMutex
	read, written atomic.Uint64
}

func (c *countingConn) Read(b []byte) (int, error) {
	// Unlocked by hand: a defer costs ~150 bytes of router code.
	c.mu.RLock()
	n, err := c.Conn.Read(b)
	c.read.Add(uint64(n))
	c.mu.RUnlock()
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.mu.RLock()
	n, err := c.Conn.Write(b)
	c.written.Add(uint64(n))
	c.mu.RUnlock()
	return n, err
}

func (c *countingConn) totals() (read, written uint64) {
	c.mu.Lock()
	read, written = c.read.Load(), c.written.Load()
	c.mu.Unlock()
	return read, written
}

// zeroes is an upload body of left zero bytes that notes its first read.
type zeroes struct {
	left    uint64
	started func()
}

func (z *zeroes) Read(b []byte) (int, error) {
	if z.left == 0 {
		return 0, io.EOF
	}
	if z.started != nil {
		z.started()
		z.started = nil
	}
	n := len(b)
	if uint64(n) > z.left {
		n = int(z.left)
	}
	clear(b[:n])
	z.left -= uint64(n)
	return n, nil
}
