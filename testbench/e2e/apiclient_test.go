package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// apiClient speaks to the REST API over real HTTP with a bearer token.
type apiClient struct {
	t       testing.TB
	base    string
	token   string
	rawAuth string // sent verbatim as Authorization when set
	hc      *http.Client
}

func newAPIClient(t testing.TB, base, token string) *apiClient {
	return &apiClient{t: t, base: base, token: token, hc: &http.Client{Timeout: 150 * time.Second}}
}

// call sends one request and returns the status and body; it fails the
// test only when no answer came.
func (c *apiClient) call(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.rawAuth != "":
		req.Header.Set("Authorization", c.rawAuth)
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// do sends a request, insists on one of the wanted statuses and decodes
// the JSON answer into out (when not nil).
func (c *apiClient) do(method, path string, body any, out any, want ...int) int {
	c.t.Helper()
	status, b := c.call(method, path, body)
	if !slices.Contains(want, status) {
		c.t.Fatalf("%s %s: status %d, want %v: %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: answer is not the JSON expected: %v: %s", method, path, err, b)
		}
	}
	return status
}

func devicePath(id string) string { return "/api/v1/devices/" + url.PathEscape(id) }

// Shapes of ARCHITECTURE.md's REST contract.
type (
	deviceView struct {
		ID                   string     `json:"id"`
		OUI                  string     `json:"oui"`
		ProductClass         string     `json:"productClass"`
		SerialNumber         string     `json:"serialNumber"`
		SoftwareVersion      string     `json:"softwareVersion"`
		LastInform           *time.Time `json:"lastInform"`
		LastBoot             *time.Time `json:"lastBoot"`
		Online               bool       `json:"online"`
		ConnectionRequestURL string     `json:"connectionRequestURL"`
		IP                   string     `json:"ip"`
		Tags                 []string   `json:"tags"`
		ConnReqUsername      string     `json:"connReqUsername"`
		ConnReqPassword      string     `json:"connReqPassword"`
	}
	taskView struct {
		ID        string          `json:"id"`
		Device    string          `json:"device"`
		Type      string          `json:"type"`
		Status    string          `json:"status"`
		Created   time.Time       `json:"created"`
		Completed *time.Time      `json:"completed"`
		Result    json.RawMessage `json:"result"`
		Fault     *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"fault"`
	}
	paramValue struct {
		Name  string `json:"name"`
		Value string `json:"value"`
		Type  string `json:"type"`
	}
	paramView struct {
		Name     string    `json:"name"`
		Value    string    `json:"value"`
		Type     string    `json:"type"`
		Writable *bool     `json:"writable"`
		Updated  time.Time `json:"updated"`
	}
)

// Keys every object of a kind carries (ARCHITECTURE.md).
var (
	deviceKeys = []string{"id", "oui", "productClass", "serialNumber", "manufacturer", "softwareVersion",
		"hardwareVersion", "lastInform", "lastBoot", "online", "connectionRequestURL", "ip", "tags"}
	taskKeys  = []string{"id", "device", "type", "status", "created", "completed", "result", "fault"}
	paramKeys = []string{"name", "value", "type", "writable", "updated"}
)

// checkKeys fails unless the JSON object raw has every key.
func checkKeys(t testing.TB, what string, raw []byte, keys []string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: not a JSON object: %v: %s", what, err, raw)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: no %q in %s", what, k, raw)
		}
	}
}

func (c *apiClient) device(id string) deviceView {
	c.t.Helper()
	var d deviceView
	c.do("GET", devicePath(id), nil, &d, http.StatusOK)
	return d
}

// params returns the last known parameters under prefix, by name.
func (c *apiClient) params(id, prefix string) map[string]paramView {
	c.t.Helper()
	var out struct {
		Parameters []paramView `json:"parameters"`
	}
	c.do("GET", devicePath(id)+"/parameters?prefix="+url.QueryEscape(prefix), nil, &out, http.StatusOK)
	m := map[string]paramView{}
	for _, p := range out.Parameters {
		m[p.Name] = p
	}
	return m
}

// postTask queues a task; wait "" does not wait.
func (c *apiClient) postTask(id string, body any, wait string) (int, taskView, []byte) {
	c.t.Helper()
	path := devicePath(id) + "/tasks"
	if wait != "" {
		path += "?wait=" + wait
	}
	status, b := c.call("POST", path, body)
	var tv taskView
	if status == http.StatusOK || status == http.StatusAccepted {
		if err := json.Unmarshal(b, &tv); err != nil {
			c.t.Fatalf("task answer: %v: %s", err, b)
		}
		checkKeys(c.t, "task", b, taskKeys)
	}
	return status, tv, b
}

// runTask runs a task synchronously and insists it finished with
// wantStatus ("done" or "fault").
func (c *apiClient) runTask(id string, body any, wantStatus string) taskView {
	c.t.Helper()
	status, tv, b := c.postTask(id, body, taskWait)
	if status != http.StatusOK {
		c.t.Fatalf("task %v on %s: HTTP %d, want 200 within wait=%s: %s", body, id, status, taskWait, b)
	}
	if tv.Status != wantStatus {
		c.t.Fatalf("task %v on %s: status %q, want %q: %s", body, id, tv.Status, wantStatus, b)
	}
	if tv.Completed == nil || tv.Device != id || tv.ID == "" {
		c.t.Fatalf("task %v on %s: incomplete task object: %s", body, id, b)
	}
	return tv
}

// getValues reads parameters from the device itself (a getParameterValues
// task) and returns them by name.
func (c *apiClient) getValues(id string, names ...string) map[string]paramValue {
	c.t.Helper()
	tv := c.runTask(id, map[string]any{"type": "getParameterValues", "parameters": names}, "done")
	var res struct {
		Values []paramValue `json:"values"`
	}
	if err := json.Unmarshal(tv.Result, &res); err != nil {
		c.t.Fatalf("getParameterValues result: %v: %s", err, tv.Result)
	}
	m := map[string]paramValue{}
	for _, v := range res.Values {
		m[v.Name] = v
	}
	return m
}

// setValue changes one parameter on the device.
func (c *apiClient) setValue(id, name, value string) taskView {
	c.t.Helper()
	return c.runTask(id, map[string]any{"type": "setParameterValues",
		"values": []map[string]string{{"name": name, "value": value}}}, "done")
}

// metric returns the value of one Prometheus series from /metrics (0 when
// absent), e.g. `gatewarden_cwmp_rpcs_sent_total{method="SetParameterValues"}`.
func (c *apiClient) metric(series string) float64 {
	c.t.Helper()
	status, b := c.call("GET", "/metrics", nil)
	if status != http.StatusOK {
		c.t.Fatalf("/metrics: HTTP %d", status)
	}
	return parseMetric(string(b), series)
}

func parseMetric(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, series+" ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64); err == nil {
			return v
		}
	}
	return 0
}
