package main

import (
	"encoding/json"
	"testing"

	"gatewarden/acs/internal/api/apitest"
	"gatewarden/acs/internal/store"
)

func TestDiagnose(t *testing.T) {
	h := newHarness(t)
	var asked map[string]any
	prev := h.runner.Finish
	h.runner.Finish = func(tk store.Task) apitest.Outcome {
		if tk.Type != "diagnostics" {
			return prev(tk)
		}
		json.Unmarshal(tk.Payload, &asked)
		switch asked["kind"] {
		case "ping":
			return apitest.Outcome{Result: json.RawMessage(`{"kind":"ping","state":"Complete","ping":{"success":3,"failure":1,"averageMs":12,"minMs":9,"maxMs":20},"values":[]}`)}
		case "traceroute":
			return apitest.Outcome{Result: json.RawMessage(`{"kind":"traceroute","state":"Error_MaxHopCountExceeded","hops":[{"host":"10.0.0.1","address":"10.0.0.1","rttMs":"1,2,1"},{"host":"","address":"","rttMs":""}],"values":[]}`)}
		}
		return apitest.Outcome{Result: json.RawMessage(`{"kind":"download","state":"Complete","speed":{"bytes":10000000,"seconds":2,"throughputKbps":40000},"values":[]}`)}
	}

	code, out, errOut := h.run("support", "diagnose", dev1, "--ping", "198.51.100.1", "--count", "4")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "ping: Complete", "3 of 4 answered", "min/avg/max 9/12/20 ms")
	if asked["host"] != "198.51.100.1" || asked["count"] != 4.0 {
		t.Fatalf("request %v", asked)
	}
	code, out, errOut = h.run("support", "diagnose", "--traceroute", "198.51.100.1", dev1)
	h.want(code, exitError, out, errOut)
	mustContain(t, out, "HOP", "10.0.0.1", "1,2,1", "*")
	mustContain(t, errOut, "Error_MaxHopCountExceeded")
	code, out, errOut = h.run("support", "diagnose", dev1, "--download", "http://speed.example.net/10MB")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "10000000 bytes in 2.00 s: 40000 kbit/s")

	// Exactly one kind, and readonly may not run one.
	code, out, errOut = h.run("support", "diagnose", dev1)
	h.want(code, exitUsage, out, errOut)
	code, out, errOut = h.run("support", "diagnose", dev1, "--ping", "a", "--traceroute", "b")
	h.want(code, exitUsage, out, errOut)
	code, out, errOut = h.run("readonly", "diagnose", dev1, "--ping", "a")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "403")
}
