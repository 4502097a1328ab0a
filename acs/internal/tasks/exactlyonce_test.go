package tasks

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// TestExactlyOnceAcrossCrash — acceptance 3: the ACS dies between sending a
// task's RPC and recording the answer (simulated by the answer never
// arriving and a new ACS node taking over the same store). After the
// restart the task completes, and its effect happens exactly once: a task
// that took effect is recognised from the next Inform (ParameterKey,
// M Reboot / M Download, BOOTSTRAP) and not sent again; one that did not
// is sent again.
func TestExactlyOnceAcrossCrash(t *testing.T) {
	const root = "Device."
	type tc struct {
		typ     string
		method  string
		payload any
		// effects counts how often the task's effect happened on the device.
		effects func(d *cwmptest.SimDevice) int
	}
	cases := []tc{
		{TypeSetParameterValues, "SetParameterValues",
			map[string]any{"values": []map[string]string{{"name": root + "ManagementServer.PeriodicInformInterval", "value": "900"}}},
			func(d *cwmptest.SimDevice) int {
				if v, _ := d.Value(root + "ManagementServer.PeriodicInformInterval"); v == "900" {
					return 1
				}
				return 0
			}},
		{TypeAddObject, "AddObject", map[string]string{"object": root + "IP.Interface."},
			func(d *cwmptest.SimDevice) int { return instances(d, root+"IP.Interface.") - 1 }},
		{TypeDeleteObject, "DeleteObject", map[string]string{"object": root + "IP.Interface.1."},
			func(d *cwmptest.SimDevice) int { return 1 - instances(d, root+"IP.Interface.") }},
		{TypeReboot, "Reboot", nil, func(d *cwmptest.SimDevice) int { return appliedCount(d, "Reboot") }},
		{TypeFactoryReset, "FactoryReset", nil, func(d *cwmptest.SimDevice) int { return appliedCount(d, "FactoryReset") }},
		{TypeDownload, "Download", map[string]string{"url": "https://files.example/fw.bin"},
			func(d *cwmptest.SimDevice) int { return appliedCount(d, "Download") }},
		{TypeGetParameterValues, "GetParameterValues", map[string]any{"parameters": []string{root + "DeviceInfo."}}, nil},
	}
	for _, c := range cases {
		for _, applied := range []bool{true, false} {
			name := c.typ + "/lost before applying"
			if applied {
				name = c.typ + "/applied, answer lost"
			}
			t.Run(name, func(t *testing.T) {
				e := newEnv(t, nil, nil)
				d := e.device("SN-CRASH", root)
				// A first SPV gives the device a ParameterKey that is not
				// the task's, as in real life.
				e.addTask(d, TypeSetParameterValues, store.PriorityOperator, map[string]any{"values": []map[string]string{{"name": root + "DeviceInfo.ProvisioningCode", "value": "x"}}})
				e.session(d)
				before := count(d, c.method)
				task := e.addTask(d, c.typ, store.PriorityOperator, c.payload)
				var dropped atomic.Bool
				d.Intercept = func(req cwmp.Body) (cwmp.Body, bool, bool) {
					if req.Method() == c.method && !dropped.Swap(true) {
						return nil, !applied, true
					}
					return nil, false, false
				}
				if err := d.RunSession(t.Context()); !errors.Is(err, cwmptest.ErrDropped) {
					t.Fatalf("session: %v", err)
				}
				e.expectStatus(task.ID, store.StatusRunning)

				e.crash()
				for i := 0; i < 3 && e.task(task.ID).Status != store.StatusDone; i++ {
					e.session(d)
				}
				done := e.expectStatus(task.ID, store.StatusDone)
				sent := count(d, c.method) - before
				wantSent := 2
				if applied && !idempotent(c.typ) {
					wantSent = 1
				}
				if sent != wantSent {
					t.Errorf("%s sent %d times, want %d (%v)", c.method, sent, wantSent, d.ReceivedMethods())
				}
				if c.effects != nil {
					if n := c.effects(d); n != 1 {
						t.Errorf("effect happened %d times, want once", n)
					}
				}
				switch c.typ {
				case TypeAddObject:
					r := resultOf[addResult](t, done)
					if r.InstanceNumber != 2 || r.Recovered != applied {
						t.Errorf("addObject result %+v, want instance 2 (recovered %v)", r, applied)
					}
				}
			})
		}
	}
}

func instances(d *cwmptest.SimDevice, table string) int {
	seen := map[string]bool{}
	for _, n := range d.Names(table) {
		seen[strings.SplitN(strings.TrimPrefix(n, table), ".", 2)[0]] = true
	}
	return len(seen)
}

// appliedCount counts the requests of a method the device applied.
func appliedCount(d *cwmptest.SimDevice, method string) int {
	n := 0
	for _, b := range d.Applied() {
		if b.Method() == method {
			n++
		}
	}
	return n
}

// TestRecordingFailureBlocksSession: the device answers, but recording the
// answer fails. The session sends nothing more (the ParameterKey must keep
// naming this task), and the next session settles the task from the
// Inform without sending it again.
func TestRecordingFailureBlocksSession(t *testing.T) {
	e := newEnv(t, nil, nil)
	d := e.device("SN-RECFAIL", "Device.")
	first := e.addTask(d, TypeAddObject, store.PriorityOperator, map[string]string{"object": "Device.IP.Interface."})
	second := e.addTask(d, TypeSetParameterValues, store.PriorityOperator, map[string]any{"values": []map[string]string{{"name": "Device.ManagementServer.PeriodicInformInterval", "value": "120"}}})
	updates := 0
	e.store.Fail = func(op string) error {
		if op == "UpdateTask" {
			updates++
			if updates == 2 { // 1: marked running; 2: the result
				return errors.New("disk full")
			}
		}
		return nil
	}
	e.session(d)
	e.store.Fail = nil
	if got := d.ReceivedMethods(); got[len(got)-1] != "AddObject" {
		t.Fatalf("after a failed record the session went on: %v", got)
	}
	e.expectStatus(first.ID, store.StatusRunning)
	e.expectStatus(second.ID, store.StatusQueued)
	e.session(d)
	r := resultOf[addResult](t, e.expectStatus(first.ID, store.StatusDone))
	if r.InstanceNumber != 2 || !r.Recovered {
		t.Errorf("recovered result %+v", r)
	}
	e.expectStatus(second.ID, store.StatusDone)
	if count(d, "AddObject") != 1 || instances(d, "Device.IP.Interface.") != 2 {
		t.Errorf("AddObject sent %d times; %d instances", count(d, "AddObject"), instances(d, "Device.IP.Interface."))
	}
}
