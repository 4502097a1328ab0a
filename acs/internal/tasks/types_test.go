package tasks

import (
	"context"
	"strconv"
	"testing"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// TestTaskTypes runs every task type against a TR-181 and a TR-098 device
// and checks the result, the device, and the parameter cache.
func TestTaskTypes(t *testing.T) {
	for _, root := range []string{"Device.", "InternetGatewayDevice."} {
		t.Run(root, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			ctx := context.Background()
			d := e.device("SN-TYPES", root)
			ms := root + "ManagementServer."

			gpv := e.addTask(d, TypeGetParameterValues, store.PriorityOperator, map[string]any{"parameters": []string{root + "DeviceInfo.", ms + "PeriodicInformInterval"}})
			e.session(d)
			res := resultOf[gpvResult](t, e.expectStatus(gpv.ID, store.StatusDone))
			got := map[string]valueResult{}
			for _, v := range res.Values {
				got[v.Name] = v
			}
			if v := got[root+"DeviceInfo.SoftwareVersion"]; v.Value != "1.0" || v.Type != "string" {
				t.Errorf("GPV SoftwareVersion = %+v", v)
			}
			if v := got[ms+"PeriodicInformInterval"]; v.Value != "3600" || v.Type != "unsignedInt" {
				t.Errorf("GPV PeriodicInformInterval = %+v", v)
			}

			// setParameterValues: the type comes from the schema.
			spv := e.addTask(d, TypeSetParameterValues, store.PriorityOperator, map[string]any{"values": []map[string]string{{"name": ms + "PeriodicInformInterval", "value": "600"}}})
			e.session(d)
			spvDone := e.expectStatus(spv.ID, store.StatusDone)
			if r := resultOf[statusResult](t, spvDone); r.Status != 0 {
				t.Errorf("SPV status %d", r.Status)
			}
			if v, _ := d.Value(ms + "PeriodicInformInterval"); v != "600" {
				t.Errorf("device interval %q, want 600", v)
			}
			last := d.Received()[len(d.Received())-1].(*cwmp.SetParameterValues)
			if last.ParameterList[0].Type != "unsignedInt" || last.ParameterKey != spvDone.Key || spvDone.Key == "" {
				t.Errorf("SPV sent %+v with key %q, task key %q", last.ParameterList, last.ParameterKey, spvDone.Key)
			}
			if key, _ := d.Value(ms + "ParameterKey"); key != spvDone.Key {
				t.Errorf("device ParameterKey %q, want the task's %q", key, spvDone.Key)
			}
			if p, ok := e.param(d, ms+"PeriodicInformInterval"); !ok || p.Value != "600" || p.Type != "unsignedInt" {
				t.Errorf("cache has %+v", p)
			}

			add := e.addTask(d, TypeAddObject, store.PriorityOperator, map[string]string{"object": root + "IP.Interface."})
			e.session(d)
			inst := resultOf[addResult](t, e.expectStatus(add.ID, store.StatusDone)).InstanceNumber
			obj := root + "IP.Interface." + strconv.Itoa(int(inst)) + "."
			if inst != 2 || len(d.Names(obj)) == 0 {
				t.Fatalf("addObject gave instance %d; device has %v", inst, d.Names(root+"IP.Interface."))
			}

			e.store.SaveParams(ctx, devIDOf(d), []store.Param{{Name: obj + "Enable", Value: "0", Type: "boolean"}})
			del := e.addTask(d, TypeDeleteObject, store.PriorityOperator, map[string]string{"object": obj})
			e.session(d)
			e.expectStatus(del.ID, store.StatusDone)
			if len(d.Names(obj)) != 0 {
				t.Errorf("device still has %v", d.Names(obj))
			}
			if _, ok := e.param(d, obj+"Enable"); ok {
				t.Error("deleted object still in the cache")
			}

			spa := e.addTask(d, TypeSetParameterAttributes, store.PriorityOperator, map[string]any{"attributes": []map[string]any{{"name": ms + "PeriodicInformInterval", "notification": 2}}})
			e.session(d)
			e.expectStatus(spa.ID, store.StatusDone)
			if n := d.Attribute(ms + "PeriodicInformInterval"); n != cwmp.NotificationActive {
				t.Errorf("notification %d, want 2", n)
			}

			e.store.SaveParams(ctx, devIDOf(d), []store.Param{{Name: ms + "Stale", Value: "x", Type: "string"}})
			ref := e.addTask(d, TypeRefresh, store.PriorityOperator, map[string]string{"prefix": ms})
			e.session(d)
			refDone := e.expectStatus(ref.ID, store.StatusDone)
			if n := resultOf[refreshResult](t, refDone).Parameters; n != len(d.Names(ms)) {
				t.Errorf("refresh cached %d parameters, device has %d", n, len(d.Names(ms)))
			}
			if _, ok := e.param(d, ms+"Stale"); ok {
				t.Error("refresh kept a parameter the device does not have")
			}
			if p, ok := e.param(d, ms+"PeriodicInformInterval"); !ok || p.Writable == nil || !*p.Writable {
				t.Errorf("refreshed interval %+v: want writable", p)
			}
			if p, ok := e.param(d, ms+"ParameterKey"); !ok || p.Writable == nil || *p.Writable {
				t.Errorf("refreshed ParameterKey %+v: want read-only", p)
			}

			dl := e.addTask(d, TypeDownload, store.PriorityOperator, map[string]string{"url": "https://files.example/fw.bin", "fileType": "1 Firmware Upgrade Image"})
			e.session(d)
			if r := e.expectStatus(dl.ID, store.StatusRunning); phaseOf(r) != phaseAccepted {
				t.Errorf("download after DownloadResponse Status 1: phase %q", phaseOf(r))
			}
			e.session(d) // TransferComplete arrives
			e.expectStatus(dl.ID, store.StatusDone)

			rb := e.addTask(d, TypeReboot, store.PrioritySupport, nil)
			e.session(d)
			rbDone := e.expectStatus(rb.ID, store.StatusDone)
			if rbDone.Key == "" || d.Received()[len(d.Received())-1].(*cwmp.Reboot).CommandKey != rbDone.Key {
				t.Errorf("reboot sent without the task's CommandKey %q", rbDone.Key)
			}

			fr := e.addTask(d, TypeFactoryReset, store.PrioritySupport, nil)
			e.session(d)
			e.expectStatus(fr.ID, store.StatusDone)
			e.session(d) // BOOTSTRAP: connection-request credentials again
			if m := d.ReceivedMethods(); m[len(m)-1] != "SetParameterValues" {
				t.Errorf("after factory reset the device got %v", m)
			}
		})
	}
}

// TestPriorityOrder: support before operator before campaign before
// preset tasks, oldest first among equals.
func TestPriorityOrder(t *testing.T) {
	e := newEnv(t, nil, nil)
	d := e.device("SN-PRIO", "Device.")
	names := []string{"Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.HardwareVersion", "Device.ManagementServer.ParameterKey", "Device.ManagementServer.ConnectionRequestURL", "Device.DeviceInfo.ProvisioningCode"}
	prios := []int{store.PriorityPreset, store.PriorityOperator, store.PrioritySupport, store.PriorityCampaign, store.PriorityOperator}
	for i, p := range prios {
		e.addTask(d, TypeGetParameterValues, p, map[string]any{"parameters": []string{names[i]}})
	}
	e.session(d)
	var order []string
	for _, b := range d.Received()[1:] {
		order = append(order, b.(*cwmp.GetParameterValues).ParameterNames[0])
	}
	want := []string{names[2], names[1], names[4], names[3], names[0]}
	if len(order) != len(want) {
		t.Fatalf("sent %v", order)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
}
