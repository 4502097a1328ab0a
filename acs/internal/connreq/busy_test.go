package connreq

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// A device that answers 503 (its connection-request rate limit) is asked
// again while the caller's deadline allows, instead of giving up.
func TestBusyRetriedWithinDeadline(t *testing.T) {
	var calls atomic.Int32
	cpe := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer cpe.Close()
	devs := devices{"dev": store.Device{ID: "dev", ConnectionRequestURL: cpe.URL + "/cr"}}
	d := NewDispatcher(devs, []Channel{NewHTTPChannel(HTTPOptions{})}, Options{BusyRetry: 20 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := d.Wake(ctx, "dev")
	if err != nil || res.Outcome != OK || calls.Load() != 3 {
		t.Fatalf("result %+v %v after %d calls, want OK after 3", res, err, calls.Load())
	}
}

func TestBusyGivesUpAtDeadline(t *testing.T) {
	var calls atomic.Int32
	busy := chanFunc(func(context.Context, store.Device) (Result, error) {
		calls.Add(1)
		return Result{Outcome: Busy, Channel: "fake"}, nil
	})
	d := NewDispatcher(manyDevices(1), []Channel{busy}, Options{BusyRetry: 30 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := d.Wake(ctx, "dev-0")
	if err != nil || res.Outcome != Busy {
		t.Fatalf("result %+v %v, want Busy", res, err)
	}
	if calls.Load() < 2 || time.Since(start) > 400*time.Millisecond {
		t.Fatalf("%d calls in %s", calls.Load(), time.Since(start))
	}
	// Without a deadline: BusyRetries more tries, then Busy.
	calls.Store(0)
	d = NewDispatcher(manyDevices(1), []Channel{busy}, Options{BusyRetry: time.Millisecond, BusyRetries: 2})
	if res, _ := d.Wake(context.Background(), "dev-0"); res.Outcome != Busy || calls.Load() != 3 {
		t.Fatalf("no deadline: %+v after %d calls", res, calls.Load())
	}
}

type fakeLane struct {
	online map[string]bool
	sent   []string
	fail   error
}

func (f *fakeLane) Online(d string) bool { return f.online[d] }
func (f *fakeLane) RequestConnection(_ context.Context, d string) error {
	if f.fail != nil {
		return f.fail
	}
	f.sent = append(f.sent, d)
	return nil
}

func TestMQTTPreferredThenHTTP(t *testing.T) {
	var httpCalls atomic.Int32
	cpe := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpCalls.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer cpe.Close()
	devs := devices{
		"on":  store.Device{ID: "on", ConnectionRequestURL: cpe.URL + "/cr"},
		"off": store.Device{ID: "off", ConnectionRequestURL: cpe.URL + "/cr"},
	}
	lane := &fakeLane{online: map[string]bool{"on": true}}
	d := NewDispatcher(devs, []Channel{NewMQTTChannel(lane), NewHTTPChannel(HTTPOptions{})}, Options{})
	res, err := d.Wake(context.Background(), "on")
	if err != nil || res.Channel != "mqtt" || res.Outcome != OK || httpCalls.Load() != 0 {
		t.Fatalf("online device: %+v %v, http calls %d", res, err, httpCalls.Load())
	}
	res, err = d.Wake(context.Background(), "off")
	if err != nil || res.Channel != "http" || res.Outcome != OK || httpCalls.Load() != 1 {
		t.Fatalf("offline device: %+v %v", res, err)
	}
	lane.fail = errors.New("broker down")
	res, err = d.Wake(context.Background(), "on")
	if err != nil || res.Channel != "http" {
		t.Fatalf("broker failing: %+v %v", res, err)
	}
	if len(lane.sent) != 1 || lane.sent[0] != "on" {
		t.Fatalf("published %v", lane.sent)
	}
}
