package loadgen

import (
	"context"
	"errors"
	"testing"
)

func TestLoopbackGuard(t *testing.T) {
	for _, c := range []struct {
		url    string
		remote bool // refused without --allow-remote
	}{
		{"http://127.0.0.1:7547/cwmp", false},
		{"http://127.9.8.7/cwmp", false},
		{"http://[::1]:7547/cwmp", false},
		{"https://localhost:7547/cwmp", false},
		{"http://LOCALHOST./cwmp", false},
		{"http://[::ffff:127.0.0.1]:7547/", false},
		{"http://10.0.0.1:7547/cwmp", true},
		{"http://192.0.2.1/cwmp", true},
		{"http://[2001:db8::1]/cwmp", true},
		{"http://acs.example.com/cwmp", true},
		{"http://localhost.example.com/cwmp", true},
		{"http://0.0.0.0:7547/cwmp", true},
		{"http://128.0.0.1/cwmp", true},
	} {
		_, err := ParseTarget(c.url, false)
		if c.remote != errors.Is(err, ErrRemoteTarget) {
			t.Errorf("%s: err %v, want remote=%v", c.url, err, c.remote)
		}
		if _, err := ParseTarget(c.url, true); err != nil {
			t.Errorf("%s with remote allowed: %v", c.url, err)
		}
	}
	for _, bad := range []string{"ftp://127.0.0.1/", "http:///cwmp", "http://u:p@127.0.0.1/", "::"} {
		if _, err := ParseTarget(bad, true); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestResolvedAddressIsLoopback(t *testing.T) {
	u, err := ParseTarget("http://localhost:7547/cwmp?x=1", false)
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := resolveTarget(context.Background(), u, false)
	if err != nil {
		t.Fatal(err)
	}
	if tgt.host != "localhost:7547" || tgt.path != "/cwmp?x=1" {
		t.Errorf("host %q path %q", tgt.host, tgt.path)
	}
	if tgt.addr != "127.0.0.1:7547" && tgt.addr != "[::1]:7547" {
		t.Errorf("localhost dialled as %s", tgt.addr)
	}
}
