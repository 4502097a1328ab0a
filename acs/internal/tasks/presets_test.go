package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// fakeReconciler wants fixed values and diffs them against the cache, as
// the provision package does.
type fakeReconciler struct {
	st    Store
	want  map[string]string
	calls atomic.Int32
}

func (f *fakeReconciler) Diff(ctx context.Context, dev store.Device) ([]cwmp.ParameterValueStruct, string, error) {
	f.calls.Add(1)
	params, err := f.st.(interface {
		Params(ctx context.Context, device, prefix string) ([]store.Param, error)
	}).Params(ctx, dev.ID, "")
	if err != nil {
		return nil, "", err
	}
	have := map[string]string{}
	for _, p := range params {
		have[p.Name] = p.Value
	}
	var out []cwmp.ParameterValueStruct
	for name, v := range f.want {
		if got, ok := have[name]; !ok || got != v {
			out = append(out, cwmp.ParameterValueStruct{Name: name, Value: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	h := sha256.New()
	for _, p := range out {
		h.Write([]byte(p.Name + "=" + p.Value + ";"))
	}
	return out, "p-" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// TestPresetDifference: after the explicit tasks the session sends the
// preset difference as one SetParameterValues (types from the schema),
// and once the cache shows the values, nothing more.
func TestPresetDifference(t *testing.T) {
	rec := &fakeReconciler{want: map[string]string{
		"Device.ManagementServer.PeriodicInformInterval": "1800",
		"Device.DeviceInfo.ProvisioningCode":             "pilot",
	}}
	e := newEnv(t, rec, nil)
	rec.st = e.store
	d := e.device("SN-PRESET", "Device.")
	// The first session already reconciled (after the credentials).
	if got := d.ReceivedMethods(); len(got) != 2 {
		t.Fatalf("first session: %v", got)
	}
	spv := d.Received()[1].(*cwmp.SetParameterValues)
	if len(spv.ParameterList) != 2 || spv.ParameterKey == "" {
		t.Fatalf("preset SPV %+v", spv)
	}
	for _, p := range spv.ParameterList {
		want := map[string]string{"Device.ManagementServer.PeriodicInformInterval": "unsignedInt", "Device.DeviceInfo.ProvisioningCode": "string"}[p.Name]
		if p.Type != want {
			t.Errorf("%s sent as %s, want %s", p.Name, p.Type, want)
		}
	}
	if v, _ := d.Value("Device.ManagementServer.PeriodicInformInterval"); v != "1800" {
		t.Errorf("device interval %q", v)
	}
	task := e.addTask(d, TypeReboot, store.PriorityOperator, nil)
	e.session(d)
	if got := d.ReceivedMethods(); len(got) != 3 || got[2] != "Reboot" {
		t.Errorf("second session sent %v: want only the reboot", got)
	}
	e.expectStatus(task.ID, store.StatusDone)
	// Drift: the device changed a value locally, and a refresh saw it.
	d.Set("Device.ManagementServer.PeriodicInformInterval", "60", "unsignedInt")
	e.store.SaveParams(context.Background(), devIDOf(d), []store.Param{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "60", Type: "unsignedInt"}})
	e.session(d)
	last, ok := d.Received()[len(d.Received())-1].(*cwmp.SetParameterValues)
	if !ok || len(last.ParameterList) != 1 || last.ParameterList[0].Value != "1800" {
		t.Errorf("drift corrected with %v, want only PeriodicInformInterval=1800", d.ReceivedMethods())
	}
}

// TestPresetFaultNotRepeated: a preset difference the device refuses is
// recorded once and not sent again each session until PresetRetryAfter;
// a changed difference is sent at once.
func TestPresetFaultNotRepeated(t *testing.T) {
	rec := &fakeReconciler{want: map[string]string{"Device.X_Vendor.Unknown": "1"}}
	e := newEnv(t, rec, nil)
	rec.st = e.store
	d := e.device("SN-PRESET-F", "Device.")
	if n := count(d, "SetParameterValues"); n != 2 {
		t.Fatalf("first session sent %v", d.ReceivedMethods())
	}
	faults := e.store.AllFaults()
	if len(faults) != 1 || faults[0].Code != 9003 || faults[0].Task == "" {
		t.Fatalf("faults %+v", faults)
	}
	e.session(d)
	if n := count(d, "SetParameterValues"); n != 2 {
		t.Errorf("refused preset sent again at once: %v", d.ReceivedMethods())
	}
	e.advance(2 * time.Hour)
	e.session(d)
	if n := count(d, "SetParameterValues"); n != 3 {
		t.Errorf("preset not retried after PresetRetryAfter: %v", d.ReceivedMethods())
	}
	rec.want = map[string]string{"Device.DeviceInfo.ProvisioningCode": "ok"}
	e.session(d)
	if v, _ := d.Value("Device.DeviceInfo.ProvisioningCode"); v != "ok" {
		t.Errorf("changed preset not applied: %q (%v)", v, d.ReceivedMethods())
	}
}
