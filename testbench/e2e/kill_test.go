package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"gatewarden/acs/server"
	"gatewarden/protocol/cwmp"
)

// killRig is a child-process ACS on one data directory, restarted after
// every kill -9, and agents that reach it through wiretaps (which follow
// it to its new ports).
type killRig struct {
	t     *testing.T
	bin   string
	dir   string
	proc  *acsProcess
	admin *apiClient
	devs  []*simDevice
	// acked holds every task the API acknowledged (202), with the value
	// it sets; none may be lost.
	acked map[string]string
	// restarts counts kill -9s survived.
	restarts int
}

// restart kills the ACS with SIGKILL and starts it again on the same data
// directory.
func (r *killRig) restart() {
	r.t.Helper()
	r.proc.kill(r.t)
	r.proc = startACSProcess(r.t, r.bin, r.dir)
	r.admin = newAPIClient(r.t, r.proc.apiURL, adminToken(r.t, r.dir))
	for _, d := range r.devs {
		d.Tap.retarget(r.proc.cwmp)
	}
	r.restarts++
}

// queueTask asks for a task without waiting: 202, and the ACS wakes the
// device in the background.
func (r *killRig) queueTask(d *simDevice, body map[string]any) string {
	r.t.Helper()
	status, tv, b := r.admin.postTask(d.ID, body, "")
	if status != http.StatusAccepted || tv.Status != "queued" {
		r.t.Fatalf("queueing a task: HTTP %d %s, want 202 and a queued task", status, b)
	}
	return tv.ID
}

// waitDone waits for an acknowledged task to be done after restarts.
func (r *killRig) waitDone(window, id string) taskView {
	r.t.Helper()
	var tv taskView
	eventually(r.t, eventWithin, window+": task "+id+" done after the restart", func() bool {
		status, b := r.admin.call("GET", "/api/v1/tasks/"+id, nil)
		if status == http.StatusNotFound {
			r.t.Fatalf("%s: the acknowledged task %s is lost after kill -9", window, id)
		}
		if status != http.StatusOK {
			return false
		}
		if err := json.Unmarshal(b, &tv); err != nil {
			r.t.Fatalf("task %s: %v", id, err)
		}
		if tv.Status == "fault" {
			r.t.Fatalf("%s: task %s faulted after the restart: %s", window, id, b)
		}
		return tv.Status == "done"
	})
	return tv
}

// queueSet asks for a setParameterValues without waiting: 202, and the
// ACS wakes the device in the background.
func (r *killRig) queueSet(d *simDevice, name, value string) string {
	r.t.Helper()
	id := r.queueTask(d, map[string]any{"type": "setParameterValues",
		"values": []map[string]string{{"name": name, "value": value}}})
	r.acked[id] = value
	return id
}

// settle pokes the given devices (so their pending work runs), waits for
// every acknowledged task to be done, and checks each took effect exactly
// once: one SetParameterValues with its value reached a device.
func (r *killRig) settle(window string, poke ...*simDevice) {
	r.t.Helper()
	for _, d := range poke {
		pokeAndWait(r.t, r.admin, d)
	}
	for id := range r.acked {
		r.waitDone(window, id)
	}
	for id, value := range r.acked {
		n := 0
		for _, d := range r.devs {
			for _, spv := range delivered[*cwmp.SetParameterValues](d.Tap.since(0)) {
				for _, p := range spv.ParameterList {
					if p.Value == value {
						n++
					}
				}
			}
		}
		if n != 1 {
			r.t.Errorf("%s: task %s (%s) reached a device %d times, want exactly once", window, id, value, n)
		}
	}
}

// converged checks, in one more session per device, that nothing is sent
// again and that the device's Inform reports the ParameterKey of the last
// change it got, i.e. it applied that change. With values set to
// true it also reads the SSID from the device (a task, which costs the
// device's connection-request budget).
func (r *killRig) converged(name string, values bool) {
	r.t.Helper()
	const ssid, keyParam = "Device.WiFi.SSID.1.SSID", "Device.ManagementServer.ParameterKey"
	for _, d := range r.devs {
		all := d.Tap.since(0)
		var lastKey, lastSSID string
		for _, e := range all {
			if !e.Delivered {
				continue
			}
			switch m := e.Response.(type) {
			case *cwmp.SetParameterValues:
				lastKey = m.ParameterKey
				if m.ParameterList[0].Name == ssid {
					lastSSID = m.ParameterList[0].Value
				}
			case *cwmp.AddObject:
				lastKey = m.ParameterKey
			case *cwmp.DeleteObject:
				lastKey = m.ParameterKey
			}
		}
		log := pokeAndWait(r.t, r.admin, d)
		if n := len(delivered[*cwmp.SetParameterValues](log)); n != 0 {
			r.t.Errorf("%s: %s got %d SetParameterValues after every task was done:\n%s", name, d.Serial, n, describe(log))
		}
		if got := informParam(informs(log)[0], keyParam); got != lastKey {
			r.t.Errorf("%s: %s informs ParameterKey %q, want the last change's %q", name, d.Serial, got, lastKey)
		}
		if values {
			if got := r.admin.getValues(d.ID, ssid)[ssid].Value; got != lastSSID {
				r.t.Errorf("%s: %s holds %s = %q, want the last value sent, %q", name, d.Serial, ssid, got, lastSSID)
			}
		}
	}
}

func informParam(inf *cwmp.Inform, name string) string {
	for _, p := range inf.ParameterList {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// TestKill9KeepsAcknowledgedTasks is acceptance item 3: `acs serve` runs
// as a child process and is killed with SIGKILL between accepting a task
// (202) and completing it, in each window that matters: before the
// device's session, after the device applied the change but before the
// ACS heard so, after the ACS sent the change but before the device got
// it, and at a random moment in a burst of tasks; then an addObject and a
// reboot that the device carried out unheard. After each restart on the
// same data directory every acknowledged task completes, and each request
// reaches its device exactly once (the ACS reads the ParameterKey or the
// "M Reboot" event of the next Inform instead of sending it again), as the
// wiretaps, the new ACS's RPC metric and the device's state show.
func TestKill9KeepsAcknowledgedTasks(t *testing.T) {
	t.Parallel()
	const (
		ssid    = "Device.WiFi.SSID.1.SSID"
		code    = "Device.DeviceInfo.ProvisioningCode"
		spvSent = `gatewarden_cwmp_rpcs_sent_total{method="SetParameterValues"}`
		rounds  = 3
	)
	r := &killRig{t: t, bin: buildBinary(t, "acs/cmd/acs"), dir: t.TempDir(), acked: map[string]string{}}
	r.proc = startACSProcess(t, r.bin, r.dir)
	r.admin = newAPIClient(t, r.proc.apiURL, adminToken(t, r.dir))
	secret, err := server.LoadFleetSecret(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	r.devs = startDevices(t, r.proc.cwmp, secret, "KILL", 2)
	waitProvisioned(t, r.admin, r.devs)
	n := 0
	value := func() string { n++; return fmt.Sprintf("kill-%d", n) }
	isInform := func(b cwmp.Body) bool { _, ok := b.(*cwmp.Inform); return ok }
	isSPVResponse := func(b cwmp.Body) bool { _, ok := b.(*cwmp.SetParameterValuesResponse); return ok }

	for round := range rounds {
		if round > 0 {
			// A round costs a device about 25 connection-request
			// requests; the agent admits 50 per 5 s and a refused wake
			// would leave a task for the next periodic Inform.
			time.Sleep(2500 * time.Millisecond)
		}
		d := r.devs[round%len(r.devs)]

		// Window 1: the tasks are stored, the device not yet in session.
		// Its Inform waits at the tap while the ACS dies, then goes to
		// the new ACS, which runs both tasks.
		h := d.Tap.holdNext(atRequest, isInform)
		r.queueSet(d, ssid, value())
		r.queueSet(d, code, value())
		h.waitReached(t, eventWithin)
		r.restart()
		h.resume(true)
		r.settle("before the session")
		if sent := r.admin.metric(spvSent); sent != 2 {
			t.Errorf("before the session: the new ACS sent %v SetParameterValues, want 2", sent)
		}

		// Window 2: the device applied the change; its answer waits at
		// the tap while the ACS dies, and reaches the new ACS, which
		// knows no such session. The next Inform's ParameterKey settles
		// the task without sending it again.
		h = d.Tap.holdNext(atRequest, isSPVResponse)
		r.queueSet(d, ssid, value())
		h.waitReached(t, eventWithin)
		r.restart()
		h.resume(true)
		r.settle("after the device applied it", d)
		if sent := r.admin.metric(spvSent); sent != 0 {
			t.Errorf("after the device applied it: the new ACS sent %v SetParameterValues, want 0", sent)
		}

		// Window 3: the ACS sent the change and died before the device
		// got it; the tap drops it. The next Inform shows the old
		// ParameterKey, so the task is sent again, once.
		v := value()
		h = d.Tap.holdNext(atResponse, func(b cwmp.Body) bool {
			spv, ok := b.(*cwmp.SetParameterValues)
			return ok && len(spv.ParameterList) == 1 && spv.ParameterList[0].Value == v
		})
		r.queueSet(d, ssid, v)
		h.waitReached(t, eventWithin)
		r.restart()
		h.resume(false)
		r.settle("before the device got it", d)
		if sent := r.admin.metric(spvSent); sent != 1 {
			t.Errorf("before the device got it: the new ACS sent %v SetParameterValues, want 1", sent)
		}

		// Window 4: a burst of tasks on both devices, and kill -9 at a
		// random moment in it.
		for i := range 6 {
			r.queueSet(r.devs[i%2], ssid, value())
		}
		time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		r.restart()
		r.settle("random moment", r.devs...)
		r.converged(fmt.Sprintf("round %d", round), false)
	}

	time.Sleep(2 * time.Second) // the devices' connection-request budget

	// Requests whose effect cannot be repeated harmlessly: the device
	// added an object, or accepted a reboot, and the ACS died before it
	// heard so. The next Inform settles the task (its ParameterKey, its
	// "M Reboot" with the command key); the request is not sent again.
	d := r.devs[0]
	const table = "Device.IP.Interface.1.IPv4Address."
	h := d.Tap.holdNext(atRequest, func(b cwmp.Body) bool { _, ok := b.(*cwmp.AddObjectResponse); return ok })
	id := r.queueTask(d, map[string]any{"type": "addObject", "object": table})
	inst := h.waitReached(t, eventWithin).(*cwmp.AddObjectResponse).InstanceNumber
	r.restart()
	h.resume(true)
	pokeAndWait(t, r.admin, d)
	tv := r.waitDone("addObject applied", id)
	var added struct {
		InstanceNumber uint32 `json:"instanceNumber"`
	}
	if err := json.Unmarshal(tv.Result, &added); err != nil || added.InstanceNumber != inst {
		t.Errorf("addObject applied: result %s, want instanceNumber %d", tv.Result, inst)
	}
	if n := len(delivered[*cwmp.AddObject](d.Tap.since(0))); n != 1 {
		t.Errorf("addObject applied: %d AddObject requests reached the device, want 1", n)
	}
	instances := map[string]bool{}
	for name := range r.admin.getValues(d.ID, table) {
		instances[strings.SplitN(strings.TrimPrefix(name, table), ".", 2)[0]] = true
	}
	if len(instances) != 2 || !instances[fmt.Sprint(inst)] {
		t.Errorf("addObject applied: the device has instances %v of %s, want 1 and %d", keys(instances), table, inst)
	}

	h = d.Tap.holdNext(atRequest, func(b cwmp.Body) bool { _, ok := b.(*cwmp.RebootResponse); return ok })
	mark := d.Tap.mark()
	id = r.queueTask(d, map[string]any{"type": "reboot"})
	h.waitReached(t, eventWithin)
	r.restart()
	h.resume(true)
	log := d.Tap.waitFor(t, mark, eventWithin, "the device back from its reboot", func(log []exchange) bool {
		return sessionEnded(log, cwmp.EventMReboot)
	})
	r.waitDone("reboot accepted", id)
	if n := len(delivered[*cwmp.Reboot](d.Tap.since(0))); n != 1 {
		t.Errorf("reboot accepted: %d Reboot requests reached the device, want 1:\n%s", n, describe(log))
	}
	time.Sleep(2 * time.Second) // the devices' connection-request budget
	r.converged("at the end", true)

	t.Logf("%d kill -9 restarts; %d acknowledged setParameterValues tasks, an addObject and a reboot, each completed exactly once", r.restarts, len(r.acked))
}
