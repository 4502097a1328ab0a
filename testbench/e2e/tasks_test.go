package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gatewarden/protocol/cwmp"
)

// TestTasksEndToEnd is acceptance item 2 for tasks: a real sim agent and
// the ACS, with Digest on, driven through the REST API. Each task type
// returns 200 with its finished task within `wait` (the ACS wakes the
// device with a connection request), with the result ARCHITECTURE.md
// gives it, and its effect shows on the device, in the ACS's parameter
// cache and on the wire.
func TestTasksEndToEnd(t *testing.T) {
	t.Parallel()
	acs := startACS(t)
	admin := acs.api(t, "admin")
	op := acs.api(t, "operator")
	devs := startDevices(t, acs.cwmp, acs.secret, "TASK", 2)
	waitProvisioned(t, admin, devs)
	d := devs[0]

	// The device object has the contract's shape and what the Inform said.
	status, raw := op.call("GET", devicePath(d.ID), nil)
	if status != http.StatusOK {
		t.Fatalf("GET device: %d %s", status, raw)
	}
	checkKeys(t, "device", raw, deviceKeys)
	dev := op.device(d.ID)
	if dev.SerialNumber != d.Serial || dev.ProductClass != "SIM" || dev.LastInform == nil || dev.LastBoot == nil {
		t.Fatalf("device as the ACS knows it: %+v", dev)
	}

	t.Run("getParameterValues", func(t *testing.T) {
		const interval = "Device.ManagementServer.PeriodicInformInterval"
		op := op.forTest(t)
		tv := op.runTask(d.ID, map[string]any{"type": "getParameterValues",
			"parameters": []string{"Device.DeviceInfo.SerialNumber", interval, "Device.WiFi.SSID.1."}}, "done")
		var res struct {
			Values []map[string]json.RawMessage `json:"values"`
		}
		if err := json.Unmarshal(tv.Result, &res); err != nil {
			t.Fatalf("result: %v: %s", err, tv.Result)
		}
		got := map[string]paramValue{}
		for _, v := range res.Values {
			b, _ := json.Marshal(v)
			checkKeys(t, "getParameterValues value", b, []string{"name", "value", "type"})
			var pv paramValue
			_ = json.Unmarshal(b, &pv)
			got[pv.Name] = pv
		}
		if v := got["Device.DeviceInfo.SerialNumber"]; v.Value != d.Serial || localType(v.Type) != "string" {
			t.Errorf("SerialNumber: %+v, want %s as xsd:string", v, d.Serial)
		}
		if v := got[interval]; v.Value != "3600" || localType(v.Type) != "unsignedInt" {
			t.Errorf("%s: %+v, want 3600 as xsd:unsignedInt", interval, v)
		}
		if _, ok := got["Device.WiFi.SSID.1.SSID"]; !ok {
			t.Errorf("partial path Device.WiFi.SSID.1. did not expand: %s", tv.Result)
		}
	})

	t.Run("setParameterValues", func(t *testing.T) {
		op := op.forTest(t)
		const ssid = "Device.WiFi.SSID.1.SSID"
		want := fmt.Sprintf("e2e-%d", time.Now().UnixNano()%1e6)
		mark := d.Tap.mark()
		tv := op.setValue(d.ID, ssid, want)
		var res struct {
			Status *int `json:"status"`
		}
		if err := json.Unmarshal(tv.Result, &res); err != nil || res.Status == nil || *res.Status > 1 {
			t.Errorf("setParameterValues result %s: want {\"status\": 0 or 1}", tv.Result)
		}
		// On the wire: one SetParameterValues with this value, whose
		// ParameterKey the device now reports.
		spvs := delivered[*cwmp.SetParameterValues](d.Tap.since(mark))
		if len(spvs) != 1 || len(spvs[0].ParameterList) != 1 || spvs[0].ParameterList[0].Value != want {
			t.Fatalf("SetParameterValues on the wire: %+v", spvs)
		}
		got := op.getValues(d.ID, ssid, "Device.ManagementServer.ParameterKey")
		if got[ssid].Value != want {
			t.Errorf("device reports %s = %q, want %q", ssid, got[ssid].Value, want)
		}
		if k := got["Device.ManagementServer.ParameterKey"].Value; k != spvs[0].ParameterKey || k == "" {
			t.Errorf("device's ParameterKey %q, want the task's %q", k, spvs[0].ParameterKey)
		}
		if p := op.params(d.ID, ssid)[ssid]; p.Value != want || localType(p.Type) != "string" {
			t.Errorf("/parameters has %s = %+v, want %q", ssid, p, want)
		}
		status, raw := op.call("GET", devicePath(d.ID)+"/parameters?prefix=Device.WiFi.SSID.1.", nil)
		if status != http.StatusOK {
			t.Fatalf("/parameters: %d", status)
		}
		var list struct {
			Parameters []json.RawMessage `json:"parameters"`
		}
		if err := json.Unmarshal(raw, &list); err != nil || len(list.Parameters) == 0 {
			t.Fatalf("/parameters: %v: %s", err, raw)
		}
		checkKeys(t, "parameter", list.Parameters[0], paramKeys)
		// The same task object is readable afterwards.
		var again taskView
		op.do("GET", "/api/v1/tasks/"+tv.ID, nil, &again, http.StatusOK)
		if again.Status != "done" || again.ID != tv.ID {
			t.Errorf("GET /tasks/%s: %+v", tv.ID, again)
		}
	})

	t.Run("addObject and deleteObject", func(t *testing.T) {
		op := op.forTest(t)
		const table = "Device.IP.Interface.1.IPv4Address."
		// refresh walks the table with GetParameterNames first: the
		// table exists and is writable on the sim.
		tv := op.runTask(d.ID, map[string]any{"type": "refresh", "prefix": table}, "done")
		before := op.params(d.ID, table)
		if p, ok := before[table+"1.IPAddress"]; !ok || p.Value != "192.168.1.1" {
			t.Fatalf("after refresh %s, /parameters lacks instance 1: %s", tv.Result, keys(before))
		}

		tv = op.runTask(d.ID, map[string]any{"type": "addObject", "object": table}, "done")
		var added struct {
			InstanceNumber *uint32 `json:"instanceNumber"`
		}
		if err := json.Unmarshal(tv.Result, &added); err != nil || added.InstanceNumber == nil || *added.InstanceNumber < 2 {
			t.Fatalf("addObject result %s: want instanceNumber >= 2", tv.Result)
		}
		inst := fmt.Sprintf("%s%d.", table, *added.InstanceNumber)
		got := op.getValues(d.ID, inst)
		if _, ok := got[inst+"IPAddress"]; !ok {
			t.Fatalf("the new instance %s is not on the device: %v", inst, got)
		}
		op.runTask(d.ID, map[string]any{"type": "setParameterValues", "values": []map[string]string{
			{"name": inst + "IPAddress", "value": "10.9.8.7"}, {"name": inst + "Enable", "value": "true"}}}, "done")
		if p := op.params(d.ID, inst)[inst+"IPAddress"]; p.Value != "10.9.8.7" {
			t.Errorf("/parameters: %s = %+v", inst+"IPAddress", p)
		}

		op.runTask(d.ID, map[string]any{"type": "deleteObject", "object": inst}, "done")
		if left := op.params(d.ID, inst); len(left) != 0 {
			t.Errorf("the ACS still caches the deleted %s: %s", inst, keys(left))
		}
		tv = op.runTask(d.ID, map[string]any{"type": "getParameterValues", "parameters": []string{inst}}, "fault")
		if tv.Fault == nil || tv.Fault.Code != int(cwmp.FaultInvalidParameterName) {
			t.Errorf("reading the deleted %s: fault %+v, want %d", inst, tv.Fault, cwmp.FaultInvalidParameterName)
		}
		if string(tv.Result) != "null" {
			t.Errorf("a faulted task has result %s, want null", tv.Result)
		}
	})

	t.Run("reboot", func(t *testing.T) {
		op := op.forTest(t)
		before := op.device(d.ID)
		mark := d.Tap.mark()
		op.runTask(d.ID, map[string]any{"type": "reboot"}, "done")
		log := d.Tap.waitFor(t, mark, eventWithin, "the device back after the reboot", func(log []exchange) bool {
			return sessionEnded(log, cwmp.EventBoot)
		})
		var key string
		for _, r := range delivered[*cwmp.Reboot](log) {
			key = r.CommandKey
		}
		back := false
		for _, inf := range informs(log) {
			for _, ev := range inf.Event {
				back = back || ev.EventCode == cwmp.EventMReboot && ev.CommandKey == key
			}
		}
		if !back {
			t.Errorf("no Inform with M Reboot and the command key %q:\n%s", key, describe(log))
		}
		eventually(t, eventWithin, "lastBoot advances", func() bool {
			after := op.device(d.ID)
			return after.LastBoot != nil && after.LastBoot.After(*before.LastBoot)
		})
		// The device works after its restart.
		op.getValues(d.ID, "Device.DeviceInfo.UpTime")
	})

	t.Run("factoryReset", func(t *testing.T) {
		op := op.forTest(t)
		const ssid = "Device.WiFi.SSID.1.SSID"
		op.setValue(d.ID, ssid, "before-reset")
		mark := d.Tap.mark()
		op.runTask(d.ID, map[string]any{"type": "factoryReset"}, "done")
		log := d.Tap.waitFor(t, mark, eventWithin, "a 0 BOOTSTRAP session after the factory reset", func(log []exchange) bool {
			return sessionEnded(log, cwmp.EventBootstrap)
		})
		if n := len(delivered[*cwmp.FactoryReset](log)); n != 1 {
			t.Errorf("%d FactoryReset requests on the wire, want 1", n)
		}
		// The ACS provisions the reset device again, and it answers with
		// its factory settings.
		got := op.getValues(d.ID, ssid, "Device.ManagementServer.ParameterKey")
		if got[ssid].Value == "before-reset" {
			t.Errorf("%s survived the factory reset", ssid)
		}
		if k := got["Device.ManagementServer.ParameterKey"].Value; k == "" {
			t.Errorf("the ACS did not provision the reset device (empty ParameterKey)")
		}
	})

	// The other device saw none of this.
	if spvs := delivered[*cwmp.SetParameterValues](devs[1].Tap.since(0)); len(spvs) != 1 {
		t.Errorf("the idle device got %d SetParameterValues, want only the first session's", len(spvs))
	}
}

// forTest rebinds the client to a subtest, so its failures land there.
func (c *apiClient) forTest(t testing.TB) *apiClient {
	cp := *c
	cp.t = t
	return &cp
}

// localType drops the "xsd:" prefix: the API documents types as
// "xsd:unsignedInt" but reports the codec's local names ("unsignedInt");
// either is accepted here, the value matters.
func localType(s string) string { return strings.TrimPrefix(s, "xsd:") }

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
