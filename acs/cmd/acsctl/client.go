package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gatewarden/protocol/datamodel"
)

// cli is one invocation: its settings and its connection to the ACS.
type cli struct {
	env   *env
	g     *globals
	base  string
	token string
	http  *http.Client

	// flags of single commands
	filter, after, device, name string
	limit                       int
}

const tokenHelp = "set GATEWARDEN_TOKEN to a token from `acs token create --data DIR --role ROLE` (or pass --token-file DATA/admin.token)"

func (c *cli) connect() error {
	base, token, warnings, err := resolve(c.g, c.env.getenv)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(c.env.stderr, "acsctl: warning: %s\n", w)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("ACS URL %q: want http://HOST:PORT or https://HOST:PORT", base)
	}
	if token == "" {
		return errors.New("no API token: " + tokenHelp)
	}
	c.base = strings.TrimRight(base, "/")
	c.token = token
	// Task requests may wait up to --wait on the server.
	c.http = &http.Client{Timeout: c.g.wait + 30*time.Second}
	return nil
}

// deviceSegment checks an ID typed by the user and escapes it for a URL
// path: each "%" of the ID becomes "%25".
func deviceSegment(id string) (string, error) {
	if _, err := datamodel.ParseDeviceID(id); err != nil {
		return "", fmt.Errorf("%q is not a device ID (%v); copy IDs from `acsctl devices list`", id, err)
	}
	return datamodel.URLEscape(id), nil
}

// apiError is an error answer of the ACS.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string {
	hint := ""
	switch e.status {
	case http.StatusUnauthorized:
		return fmt.Sprintf("401: the token was refused (%s) — %s", e.msg, tokenHelp)
	case http.StatusForbidden:
		if !strings.Contains(e.msg, "ask ") {
			hint = " — your token's role may not do this; ask an admin for a token with a role that may"
		}
	case http.StatusNotFound:
		if strings.Contains(e.msg, "device") {
			hint = " — check the ID with `acsctl devices list`"
		}
	case http.StatusServiceUnavailable:
		hint = " — the ACS is busy or its store is unavailable; retry shortly"
	default:
		if e.status >= 500 {
			hint = " — the ACS log has the details"
		}
	}
	return fmt.Sprintf("%d: %s%s", e.status, e.msg, hint)
}

// do sends one request and decodes a JSON answer into out (when not nil).
// It returns the status and the raw body for --json.
func (c *cli) do(ctx context.Context, method, path string, query url.Values, body any, out any) (int, []byte, error) {
	target := c.base + "/api/v1" + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("request %s: %w", target, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("cannot reach the ACS at %s: %v — is `acs serve` running there? Point --url or GATEWARDEN_URL at its API address", c.base, errors.Unwrap(err))
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return res.StatusCode, nil, fmt.Errorf("reading the answer of %s: %w", target, err)
	}
	if res.StatusCode >= 400 {
		return res.StatusCode, raw, decodeAPIError(res.StatusCode, raw)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.StatusCode, raw, fmt.Errorf("the ACS answered %s with something that is not the expected JSON: %w", target, err)
		}
	}
	return res.StatusCode, raw, nil
}

func decodeAPIError(status int, raw []byte) error {
	var body struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	if json.Unmarshal(raw, &body) != nil || body.Error == "" {
		text := strings.TrimSpace(string(raw))
		if len(text) > 200 {
			text = text[:200] + "…"
		}
		if text == "" {
			text = http.StatusText(status)
		}
		body.Error = text + " (not an answer of the ACS API: is --url right?)"
	}
	return &apiError{status: status, code: body.Code, msg: body.Error}
}

// printJSON writes an API answer for scripts, indented.
func (c *cli) printJSON(raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("the ACS answer is not JSON: %w", err)
	}
	buf.WriteByte('\n')
	_, err := c.env.stdout.Write(buf.Bytes())
	return err
}
