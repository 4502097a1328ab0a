package update

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatewarden/cpe-agent/internal/redact"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// sink is where a download's bytes go: a package verifier writing a slot,
// or a configuration file.
type sink interface {
	io.Writer
	// Offset is how many bytes the sink holds: the next request starts there.
	Offset() int64
	// Restart drops what the sink holds; the server ignored a Range.
	Restart() error
}

// transient is a failure worth another attempt (a dropped connection, a
// busy server); code is the fault if the attempts run out.
type transient struct {
	_    [0]func() // not comparable: spares the binary an equality function
	code cwmp.FaultCode
	err  error
}

func (e *transient) Error() string { return e.err.Error() }
func (e *transient) Unwrap() error { return e.err }

// httpClient builds the client of one transfer: TLS verification on
// (RootCAs or the system roots), HTTP Digest or Basic with the transfer's
// credentials when the server asks, no compression (byte ranges must
// address the file itself), and no redirect from https to http.
func (u *Updater) httpClient(t *store.Transfer) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: u.opts.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: u.opts.IdleTimeout,
		DisableCompression:    true,
		MaxIdleConns:          1,
		IdleConnTimeout:       10 * time.Second,
	}
	dc := digest.NewClient(t.Username, t.Password)
	return &http.Client{
		Transport: &digest.Transport{Client: dc, Base: tr},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("more than 5 redirects")
			}
			if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
				return errors.New("refusing a redirect from https to http")
			}
			return nil
		},
	}
}

// download fetches t.URL into dst, resuming with Range requests after a
// dropped connection, with up to Retries further attempts spaced by a
// doubling wait. etag pins the file across attempts and restarts.
func (u *Updater) download(ctx context.Context, t *store.Transfer, etag *string, dst sink) error {
	client := u.httpClient(t)
	defer client.CloseIdleConnections()
	wait := u.opts.RetryWait
	retries := u.retries(t)
	var last error
	for attempt := 0; ; attempt++ {
		err := u.fetchOnce(ctx, client, t, etag, dst)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var tr *transient
		if !errors.As(err, &tr) {
			return err
		}
		last = err
		if attempt >= retries {
			code := tr.code
			if dst.Offset() > 0 {
				code = cwmp.FaultDownloadIncomplete
			}
			return fail(code, "download of %s failed after %d attempts: %v", redact.URL(t.URL), attempt+1, last)
		}
		u.log.Warn("download interrupted, resuming", "id", t.ID, "offset", dst.Offset(), "attempt", attempt+1, "err", err)
		if err := u.wait(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, time.Minute)
	}
}

// retries is how many further attempts a download gets: a
// ScheduleDownload window's MaxRetries when it sets one (-1 leaves it to
// the device), else Options.Retries.
func (u *Updater) retries(t *store.Transfer) int {
	now := u.clk.Now()
	for _, w := range t.Windows {
		if !now.Before(w.Start) && now.Before(w.End) && w.MaxRetries >= 0 {
			return w.MaxRetries
		}
	}
	return u.opts.Retries
}

// fetchOnce is one HTTP request, from dst.Offset() on.
func (u *Updater) fetchOnce(parent context.Context, client *http.Client, t *store.Transfer, etag *string, dst sink) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	off := dst.Offset()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return fail(cwmp.FaultDownloadFailure, "bad URL: %v", err)
	}
	req.Header.Set("User-Agent", u.opts.UserAgent)
	if off > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(off, 10)+"-")
		if *etag != "" {
			req.Header.Set("If-Range", *etag)
		}
	}
	// A stalled connection is dropped after IdleTimeout without data.
	idle := time.AfterFunc(u.opts.IdleTimeout, cancel)
	defer idle.Stop()
	resp, err := client.Do(req)
	if err != nil {
		if parent.Err() != nil {
			return parent.Err()
		}
		if isTLSTrust(err) {
			return fail(cwmp.FaultTransferServerAuthFailure, "file server certificate not trusted: %v", redactErr(err, t.URL))
		}
		return &transient{code: cwmp.FaultFileServerUnreachable, err: fmt.Errorf("cannot reach the file server: %w", redactErr(err, t.URL))}
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		start, ok := contentRangeStart(resp.Header.Get("Content-Range"))
		if !ok || start != off {
			if err := dst.Restart(); err != nil {
				return err
			}
			return &transient{code: cwmp.FaultDownloadIncomplete, err: fmt.Errorf("server sent range %q for offset %d", resp.Header.Get("Content-Range"), off)}
		}
	case http.StatusOK:
		if off > 0 {
			// The server ignored the Range, or the file changed (If-Range).
			u.log.Warn("file server sent the whole file; starting over", "id", t.ID, "offset", off)
			if err := dst.Restart(); err != nil {
				return err
			}
		}
	case http.StatusRequestedRangeNotSatisfiable:
		if err := dst.Restart(); err != nil {
			return err
		}
		return &transient{code: cwmp.FaultDownloadIncomplete, err: errors.New("server refused the range; starting over")}
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusProxyAuthRequired:
		return fail(cwmp.FaultTransferServerAuthFailure, "file server refused the credentials: %s", resp.Status)
	case http.StatusNotFound, http.StatusGone:
		return fail(cwmp.FaultFileAccessFailure, "file server has no such file: %s", resp.Status)
	default:
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			return &transient{code: cwmp.FaultFileAccessFailure, err: fmt.Errorf("file server answered %s", resp.Status)}
		}
		return fail(cwmp.FaultFileAccessFailure, "file server answered %s", resp.Status)
	}
	if e := resp.Header.Get("ETag"); e != "" && !strings.HasPrefix(e, "W/") {
		*etag = e
	}
	buf := make([]byte, 32<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			idle.Reset(u.opts.IdleTimeout)
			if _, err := dst.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			if parent.Err() != nil {
				return parent.Err()
			}
			return &transient{code: cwmp.FaultDownloadIncomplete, err: fmt.Errorf("connection dropped at byte %d: %w", dst.Offset(), redactErr(rerr, t.URL))}
		}
	}
}

// contentRangeStart reads the first byte of "bytes START-END/TOTAL".
func contentRangeStart(v string) (int64, bool) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, false
	}
	s, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}

// redactErr keeps URL credentials out of error text (url.Error quotes the
// URL; the queue refuses userinfo, but a redirect target may carry it).
func redactErr(err error, raw string) error {
	msg := err.Error()
	if r := redact.URL(raw); r != raw {
		msg = strings.ReplaceAll(msg, raw, r)
	}
	return errors.New(msg)
}
