package loadgen

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestReportJSONNames(t *testing.T) {
	acs := &Result{Scenario: "periodic", Sessions: 100, SessionsPerSec: 50, P50Ms: 1.5, P99Ms: 9, Rejected: 3, Errors: 2,
		ErrorKinds: map[string]int64{"timeout": 2}}
	base := &Result{SessionsPerSec: 200}
	var buf bytes.Buffer
	if err := NewReport(acs, base, "v1").WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	// The names of the testbench contract, with their values.
	want := map[string]float64{"sessions_per_sec": 50, "p50_ms": 1.5, "p99_ms": 9, "rejected": 3, "errors": 2,
		"baseline_sessions_per_sec": 200, "ratio": 0.25, "sessions": 100}
	for k, v := range want {
		if got, ok := m[k].(float64); !ok || got != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	for _, k := range []string{"scenario", "acs", "devices", "concurrency", "duration_s", "error_kinds", "baseline"} {
		if _, ok := m[k]; !ok {
			t.Errorf("%s missing", k)
		}
	}

	buf.Reset()
	if err := NewReport(acs, nil, "v1").WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	m = nil
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for k := range m {
		if k == "ratio" || strings.Contains(k, "baseline") {
			t.Errorf("%s without a baseline", k)
		}
	}
}

func TestReportTable(t *testing.T) {
	acs := &Result{Scenario: "periodic", ACS: "http://127.0.0.1:7547/cwmp", Sessions: 100, SessionsPerSec: 50,
		Errors: 2, ErrorKinds: map[string]int64{"timeout": 2}, AuthChallenges: 100}
	var buf bytes.Buffer
	if err := NewReport(acs, &Result{SessionsPerSec: 200}, "v1").WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"http://127.0.0.1:7547/cwmp", "baseline", "ratio to baseline: 0.250", "timeout 2", "fresh challenge"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, buf.String())
		}
	}
}
