package update

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gatewarden/cpe-agent/internal/redact"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// upload sends a vendor configuration or log file with HTTP PUT.
func (u *Updater) upload(ctx context.Context, t *store.Transfer) cwmp.FaultStruct {
	var open func() (io.ReadCloser, error)
	contentType := "application/octet-stream"
	switch {
	case t.FileType == uploadConfig || strings.HasPrefix(t.FileType, "3 Vendor Configuration File "):
		open = u.opts.ConfigFile
		if open == nil {
			open = u.storedConfig
		}
	case t.FileType == uploadLog || strings.HasPrefix(t.FileType, "4 Vendor Log File "):
		open = u.opts.LogFile
		if open == nil {
			open = u.statusReport
		}
		contentType = "text/plain; charset=utf-8"
	default:
		return cwmp.FaultStruct{FaultCode: cwmp.FaultUploadFailure, FaultString: "file type " + strconv.Quote(t.FileType) + " is not supported on this device"}
	}
	body, err := readLimited(open, u.opts.MaxUploadBytes)
	if err != nil {
		return faultOf(err, cwmp.FaultUploadFailure)
	}
	client := u.httpClient(t)
	defer client.CloseIdleConnections()
	wait := u.opts.RetryWait
	for attempt := 0; ; attempt++ {
		err := u.putOnce(ctx, client, t, body, contentType)
		if err == nil {
			u.log.Info("upload done", "id", t.ID, "file_type", t.FileType, "bytes", len(body))
			return cwmp.FaultStruct{}
		}
		if ctx.Err() != nil {
			return cwmp.FaultStruct{}
		}
		var tr *transient
		if !errors.As(err, &tr) {
			return faultOf(err, cwmp.FaultUploadFailure)
		}
		if attempt >= u.opts.Retries {
			return cwmp.FaultStruct{FaultCode: cwmp.FaultUploadFailure, FaultString: truncate(fmt.Sprintf("upload failed after %d attempts: %v", attempt+1, err))}
		}
		if err := u.wait(ctx, wait); err != nil {
			return cwmp.FaultStruct{}
		}
		wait = min(2*wait, time.Minute)
	}
}

func (u *Updater) putOnce(ctx context.Context, client *http.Client, t *store.Transfer, body []byte, contentType string) error {
	ctx, cancel := context.WithTimeout(ctx, u.opts.IdleTimeout+time.Duration(len(body)>>10)*time.Millisecond)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, t.URL, bytes.NewReader(body))
	if err != nil {
		cancel()
		return fail(cwmp.FaultUploadFailure, "bad URL: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", u.opts.UserAgent)
	resp, err := client.Do(req)
	if err == nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	// Cancelled by hand once the answer is read: a defer costs ~150 bytes
	// of router code.
	cancel()
	if err != nil {
		if isTLSTrust(err) {
			return fail(cwmp.FaultTransferServerAuthFailure, "file server certificate not trusted: %v", redactErr(err, t.URL))
		}
		return &transient{code: cwmp.FaultUploadFailure, err: fmt.Errorf("cannot reach %s: %w", redact.URL(t.URL), redactErr(err, t.URL))}
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fail(cwmp.FaultTransferServerAuthFailure, "file server refused the credentials: %s", resp.Status)
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return &transient{code: cwmp.FaultUploadFailure, err: fmt.Errorf("file server answered %s", resp.Status)}
	}
	return fail(cwmp.FaultUploadFailure, "file server answered %s", resp.Status)
}

// readLimited reads a whole upload: they are small, and a digest
// challenge needs the body sent twice.
func readLimited(open func() (io.ReadCloser, error), limit int64) ([]byte, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	rc.Close()
	if err != nil {
		return nil, fail(cwmp.FaultUploadFailure, "reading the file to upload: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, fail(cwmp.FaultUploadFailure, "file to upload is larger than %d bytes", limit)
	}
	return b, nil
}

// storedConfig opens the vendor configuration file last downloaded.
func (u *Updater) storedConfig() (io.ReadCloser, error) {
	if u.opts.ConfigDir == "" {
		return nil, fail(cwmp.FaultUploadFailure, "this device keeps no vendor configuration file")
	}
	f, err := os.Open(filepath.Join(u.opts.ConfigDir, VendorConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fail(cwmp.FaultUploadFailure, "no vendor configuration file stored yet")
	}
	if err != nil {
		return nil, fail(cwmp.FaultUploadFailure, "opening the vendor configuration file: %v", err)
	}
	return f, nil
}

// statusReport is the default log file: the slots and the transfers the
// device remembers, as text.
func (u *Updater) statusReport() (io.ReadCloser, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "gatewarden agent status report %s\n", u.clk.Now().UTC().Format(time.RFC3339))
	if u.opts.Slots != nil {
		st, err := u.opts.Slots.Status()
		if err != nil {
			fmt.Fprintf(&b, "slots: %v\n", err)
		}
		for _, s := range st {
			fmt.Fprintf(&b, "slot %s: state=%s version=%q booted=%t next=%t status=%q\n", s.Name, s.State, s.Version, s.Booted, s.Next, u.SlotStatus(s.Name))
		}
	}
	ts, err := u.st.Transfers()
	if err != nil {
		fmt.Fprintf(&b, "transfers: %v\n", err)
	}
	for _, t := range ts {
		fmt.Fprintf(&b, "transfer %d: %s %q state=%s saves=%d fault=%d %q\n", t.ID, t.Kind, t.FileType, t.State, t.StateSaves, t.FaultCode, t.FaultString)
	}
	if r, ok, err := u.st.LastSession(); err == nil && ok {
		fmt.Fprintf(&b, "last session: %s ok=%t fault=%d %s\n", r.End.UTC().Format(time.RFC3339), r.OK, r.FaultCode, r.Error)
	}
	return io.NopCloser(strings.NewReader(b.String())), nil
}
