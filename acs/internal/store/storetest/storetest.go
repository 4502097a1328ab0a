// Package storetest is the contract every store.Store implementation must
// pass. An implementation's test calls Run (and RunReopen when its data
// outlives a handle) with a function that opens a fresh, empty store.
//
// Times in the suite are whole microseconds, the finest a SQL timestamp
// keeps, so a PostgreSQL implementation meets the same assertions.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// Open returns a new, empty store; the suite closes it.
type Open func(t *testing.T) store.Store

// Run runs every contract test, each on a store of its own.
func Run(t *testing.T, open Open) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"RecordInformCreates", testRecordInformCreates},
		{"RecordInformUpdates", testRecordInformUpdates},
		{"RecordInformMergesParams", testRecordInformMergesParams},
		{"EventsBounded", testEventsBounded},
		{"UpdateDevice", testUpdateDevice},
		{"UpdateDeviceAtomic", testUpdateDeviceAtomic},
		{"DeleteDevice", testDeleteDevice},
		{"Tags", testTags},
		{"ListDevicesPages", testListDevicesPages},
		{"ListDevicesMatch", testListDevicesMatch},
		{"InvalidArguments", testInvalidArguments},
		{"Params", testParams},
		{"AddTask", testAddTask},
		{"TaskQueueOrder", testTaskQueueOrder},
		{"TaskNotBefore", testTaskNotBefore},
		{"UpdateTask", testUpdateTask},
		{"TaskByKey", testTaskByKey},
		{"OpenTasks", testOpenTasks},
		{"Faults", testFaults},
		{"Presets", testPresets},
		{"Audit", testAudit},
		{"Tokens", testTokens},
		{"Leases", testLeases},
		{"LeaseExpiry", testLeaseExpiry},
		{"Prune", testPrune},
		{"NotFound", testNotFound},
		{"Canceled", testCanceled},
		{"Concurrent", testConcurrent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			c.fn(t, s)
		})
	}
}

var ctx = context.Background()

// base is a fixed instant in whole microseconds, in UTC; tests add to it.
var base = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func deviceID(i int) string { return fmt.Sprintf("00D09E-GW%%2D1-SN%05d", i) }

func inform(id string, at time.Time, params ...store.Param) store.Inform {
	return store.Inform{
		Device: store.Device{
			ID: id, OUI: "00D09E", ProductClass: "GW-1", SerialNumber: "SN-" + id,
			Manufacturer: "Acme", SoftwareVersion: "2.1.0", HardwareVersion: "r1",
			ConnectionRequestURL: "http://10.0.0.1:7547/", IP: "10.0.0.1",
			Root: "Device.", CWMPVersion: "1.4", ParameterKey: "",
		},
		Events: []store.Event{{Code: "2 PERIODIC"}},
		Params: params,
		Time:   at,
	}
}

func record(t *testing.T, s store.Store, in store.Inform) store.Device {
	t.Helper()
	d, err := s.RecordInform(ctx, in)
	must(t, err)
	return d
}

func addTask(t *testing.T, s store.Store, device string, prio int, key string) store.Task {
	t.Helper()
	task := store.Task{Device: device, Type: "reboot", Priority: prio, Key: key,
		Payload: []byte(`{"type":"reboot"}`), Actor: "test"}
	must(t, s.AddTask(ctx, &task))
	return task
}

func boolp(b bool) *bool { return &b }
