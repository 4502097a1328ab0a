package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

func testRecordInformCreates(t *testing.T, s store.Store) {
	id := deviceID(1)
	in := inform(id, base)
	in.Boot = true
	in.Events = []store.Event{{Code: "1 BOOT"}, {Code: "M Download", CommandKey: "fw-7"}}
	d := record(t, s, in)
	if d.ID != id || d.SerialNumber != "SN-"+id || d.Root != "Device." || d.CWMPVersion != "1.4" {
		t.Fatalf("returned device = %+v", d)
	}
	sameTime(t, "FirstSeen", d.FirstSeen, base)
	sameTime(t, "LastInform", d.LastInform, base)
	sameTime(t, "LastBoot", d.LastBoot, base)
	got, err := s.Device(ctx, id)
	must(t, err)
	if got.ID != id || got.Manufacturer != "Acme" || got.ConnectionRequestURL != "http://10.0.0.1:7547/" {
		t.Fatalf("stored device = %+v", got)
	}
	sameTime(t, "stored FirstSeen", got.FirstSeen, base)
	ev, err := s.RecentEvents(ctx, id, 0)
	must(t, err)
	if len(ev) != 2 || ev[0].Code != "M Download" || ev[0].CommandKey != "fw-7" || ev[1].Code != "1 BOOT" {
		t.Fatalf("events newest first = %+v", ev)
	}
	sameTime(t, "event time", ev[0].Time, base)

	// A zero Inform time means now.
	before := time.Now()
	d2 := record(t, s, inform(deviceID(2), time.Time{}))
	if d2.LastInform.Before(before.Add(-time.Second)) || d2.LastInform.After(time.Now().Add(time.Second)) {
		t.Fatalf("LastInform for zero Inform time = %v, want about now", d2.LastInform)
	}
}

func testRecordInformUpdates(t *testing.T, s store.Store) {
	id := deviceID(1)
	first := inform(id, base)
	first.Boot = true
	record(t, s, first)
	_, err := s.UpdateDevice(ctx, id, func(d *store.Device) error {
		d.Tags = []string{"pilot"}
		d.ConnReqUsername, d.ConnReqPassword, d.Provisioned = "u", "p", true
		return nil
	})
	must(t, err)

	later := base.Add(time.Hour)
	in := inform(id, later)
	in.Device.SoftwareVersion = "2.2.0"
	in.Device.ParameterKey = "pk-1"
	in.Device.ConnectionRequestURL = "" // omitted: keep the known one
	in.Device.HardwareVersion = ""
	in.Device.LastInform = base.Add(-time.Hour) // ignored: Time sets it
	in.Device.IP = "10.0.0.2"
	in.Device.Tags = []string{"ignored"} // Informs do not own tags
	d := record(t, s, in)
	sameTime(t, "FirstSeen kept", d.FirstSeen, base)
	sameTime(t, "LastInform", d.LastInform, later)
	sameTime(t, "LastBoot without BOOT", d.LastBoot, base)
	if d.SoftwareVersion != "2.2.0" || d.ParameterKey != "pk-1" || d.IP != "10.0.0.2" {
		t.Fatalf("inform fields not updated: %+v", d)
	}
	if d.ConnectionRequestURL != "http://10.0.0.1:7547/" || d.HardwareVersion != "r1" {
		t.Fatalf("omitted fields replaced the known ones: %q %q", d.ConnectionRequestURL, d.HardwareVersion)
	}
	if !slices.Equal(d.Tags, []string{"pilot"}) || d.ConnReqUsername != "u" || d.ConnReqPassword != "p" || !d.Provisioned {
		t.Fatalf("RecordInform touched fields it does not own: %+v", d)
	}
	// ParameterKey "" is meaningful (no configuration yet) and replaces.
	in = inform(id, later.Add(time.Minute))
	in.Boot = true
	d = record(t, s, in)
	if d.ParameterKey != "" {
		t.Fatalf("ParameterKey = %q, want empty from the Inform", d.ParameterKey)
	}
	sameTime(t, "LastBoot with BOOT", d.LastBoot, later.Add(time.Minute))
	stored, err := s.Device(ctx, id)
	must(t, err)
	if stored.SoftwareVersion != "2.1.0" || !stored.LastBoot.Equal(d.LastBoot) || !stored.FirstSeen.Equal(base) {
		t.Fatalf("stored after updates = %+v", stored)
	}
}

func testRecordInformMergesParams(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base,
		store.Param{Name: "Device.DeviceInfo.SoftwareVersion", Value: "2.1.0", Type: "xsd:string"},
		store.Param{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "3600", Type: "xsd:unsignedInt", Writable: boolp(true)},
		store.Param{Name: "Device.DeviceInfo.UpTime", Value: "10", Type: "xsd:unsignedInt", Writable: boolp(false)},
	))
	t2 := base.Add(time.Hour)
	record(t, s, inform(id, t2,
		store.Param{Name: "Device.DeviceInfo.UpTime", Value: "3610", Type: "xsd:unsignedInt"},
		// Writable unknown and type missing: keep what the cache knew.
		store.Param{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "600"},
		store.Param{Name: "Device.WiFi.SSID.1.SSID", Value: "home", Type: "xsd:string", Updated: t2.Add(-time.Minute)},
	))
	ps, err := s.Params(ctx, id, "")
	must(t, err)
	want := []struct {
		name, value, typ string
		writable         *bool
		updated          time.Time
	}{
		{"Device.DeviceInfo.SoftwareVersion", "2.1.0", "xsd:string", nil, base},
		{"Device.DeviceInfo.UpTime", "3610", "xsd:unsignedInt", boolp(false), t2},
		{"Device.ManagementServer.PeriodicInformInterval", "600", "xsd:unsignedInt", boolp(true), t2},
		{"Device.WiFi.SSID.1.SSID", "home", "xsd:string", nil, t2.Add(-time.Minute)},
	}
	if len(ps) != len(want) {
		t.Fatalf("params = %+v, want %d", ps, len(want))
	}
	for i, w := range want {
		p := ps[i]
		if p.Name != w.name || p.Value != w.value || p.Type != w.typ {
			t.Fatalf("param %d = %+v, want %+v", i, p, w)
		}
		if (p.Writable == nil) != (w.writable == nil) || (p.Writable != nil && *p.Writable != *w.writable) {
			t.Fatalf("param %s writable = %v, want %v", p.Name, p.Writable, w.writable)
		}
		sameTime(t, p.Name+" Updated", p.Updated, w.updated)
	}
	// A known writability can also be corrected.
	must(t, s.SaveParams(ctx, id, []store.Param{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "600", Writable: boolp(false)}}))
	ps, err = s.Params(ctx, id, "Device.ManagementServer.")
	must(t, err)
	if len(ps) != 1 || ps[0].Writable == nil || *ps[0].Writable || ps[0].Type != "xsd:unsignedInt" {
		t.Fatalf("after SaveParams: %+v", ps)
	}
}

func testEventsBounded(t *testing.T, s store.Store) {
	id := deviceID(1)
	const n = 80 // past the bound of 64
	for i := range n {
		in := inform(id, base.Add(time.Duration(i)*time.Second))
		in.Events = []store.Event{{Code: "2 PERIODIC", CommandKey: fmt.Sprint(i)}}
		record(t, s, in)
	}
	all, err := s.RecentEvents(ctx, id, 0)
	must(t, err)
	if len(all) < 64 || len(all) >= n {
		t.Fatalf("kept %d events of %d, want at least 64 and a bound", len(all), n)
	}
	for i, e := range all {
		if want := fmt.Sprint(n - 1 - i); e.CommandKey != want {
			t.Fatalf("event %d = %+v, want command key %s (newest first)", i, e, want)
		}
	}
	five, err := s.RecentEvents(ctx, id, 5)
	must(t, err)
	if len(five) != 5 || five[0].CommandKey != fmt.Sprint(n-1) {
		t.Fatalf("RecentEvents(5) = %+v", five)
	}
}

func testUpdateDevice(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	d, err := s.UpdateDevice(ctx, id, func(d *store.Device) error {
		d.ConnReqUsername, d.ConnReqPassword = "cr-user", "cr-secret"
		return nil
	})
	must(t, err)
	if d.ConnReqUsername != "cr-user" {
		t.Fatalf("returned %+v", d)
	}
	got, err := s.Device(ctx, id)
	must(t, err)
	if got.ConnReqPassword != "cr-secret" || !got.FirstSeen.Equal(base) {
		t.Fatalf("stored %+v", got)
	}

	boom := errors.New("boom")
	_, err = s.UpdateDevice(ctx, id, func(d *store.Device) error {
		d.ConnReqPassword = "half-done"
		return boom
	})
	wantErr(t, err, boom, "failing fn")
	got, err = s.Device(ctx, id)
	must(t, err)
	if got.ConnReqPassword != "cr-secret" {
		t.Fatalf("failed update was written: %+v", got)
	}

	_, err = s.UpdateDevice(ctx, id, func(d *store.Device) error { d.ID = "other"; return nil })
	wantErr(t, err, store.ErrInvalid, "changing the id")
	_, err = s.UpdateDevice(ctx, "missing", func(*store.Device) error { return nil })
	wantErr(t, err, store.ErrNotFound, "unknown device")
}

// testUpdateDeviceAtomic: concurrent read-modify-writes lose nothing, also
// while Informs rewrite the same device.
func testUpdateDeviceAtomic(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	const writers = 16
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.UpdateDevice(ctx, id, func(d *store.Device) error {
				d.Tags = append(d.Tags, fmt.Sprintf("t%02d", i))
				return nil
			})
			errs <- err
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 20 {
			if _, err := s.RecordInform(ctx, inform(id, base.Add(time.Duration(i)*time.Second))); err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	d, err := s.Device(ctx, id)
	must(t, err)
	tags := slices.Sorted(slices.Values(d.Tags))
	if len(tags) != writers {
		t.Fatalf("tags = %v, want %d distinct", tags, writers)
	}
	for i, tag := range tags {
		if tag != fmt.Sprintf("t%02d", i) {
			t.Fatalf("tags = %v", tags)
		}
	}
	sameTime(t, "LastInform after concurrent updates", d.LastInform, base.Add(19*time.Second))
}

func testDeleteDevice(t *testing.T, s store.Store) {
	id, other := deviceID(1), deviceID(2)
	for _, d := range []string{id, other} {
		record(t, s, inform(d, base, store.Param{Name: "Device.X", Value: "1", Type: "xsd:int"}))
		addTask(t, s, d, store.PriorityOperator, "k-"+d)
		must(t, s.AddFault(ctx, &store.Fault{Device: d, RPC: "SetParameterValues", Code: 9007, Message: "bad", Time: base}))
	}
	done := addTask(t, s, id, store.PriorityPreset, "")
	done.Status = store.StatusDone
	must(t, s.UpdateTask(ctx, done))
	must(t, s.AcquireLease(ctx, id, "node-a", time.Minute))

	must(t, s.DeleteDevice(ctx, id))
	_, err := s.Device(ctx, id)
	wantErr(t, err, store.ErrNotFound, "Device after delete")
	_, err = s.Params(ctx, id, "")
	wantErr(t, err, store.ErrNotFound, "Params after delete")
	_, err = s.RecentEvents(ctx, id, 0)
	wantErr(t, err, store.ErrNotFound, "RecentEvents after delete")
	open, err := s.OpenTasks(ctx, id)
	must(t, err)
	if len(open) != 0 {
		t.Fatalf("open tasks after delete: %+v", open)
	}
	if _, ok, err := s.NextTask(ctx, id, base.Add(time.Hour)); err != nil || ok {
		t.Fatalf("NextTask after delete: ok=%v err=%v", ok, err)
	}
	_, err = s.TaskByKey(ctx, id, "k-"+id)
	wantErr(t, err, store.ErrNotFound, "TaskByKey after delete")
	_, err = s.Task(ctx, done.ID)
	wantErr(t, err, store.ErrNotFound, "finished task after delete")
	fs, err := s.Faults(ctx, id, 0)
	must(t, err)
	if len(fs) != 0 {
		t.Fatalf("faults after delete: %+v", fs)
	}
	must(t, s.AcquireLease(ctx, id, "node-b", time.Minute))
	wantErr(t, s.DeleteDevice(ctx, id), store.ErrNotFound, "second delete")

	// The neighbour is untouched.
	if _, err := s.TaskByKey(ctx, other, "k-"+other); err != nil {
		t.Fatalf("other device's task: %v", err)
	}
	if fs, err := s.Faults(ctx, "", 0); err != nil || len(fs) != 1 || fs[0].Device != other {
		t.Fatalf("global faults after delete = %+v, %v", fs, err)
	}
	if ps, err := s.Params(ctx, other, ""); err != nil || len(ps) != 1 {
		t.Fatalf("other params = %+v, %v", ps, err)
	}
	// Re-created from a new Inform, the device starts afresh.
	d := record(t, s, inform(id, base.Add(time.Hour)))
	sameTime(t, "FirstSeen after re-creation", d.FirstSeen, base.Add(time.Hour))
	if ps, err := s.Params(ctx, id, ""); err != nil || len(ps) != 0 {
		t.Fatalf("params of re-created device = %+v, %v", ps, err)
	}
}

func testTags(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	for _, tag := range []string{"pilot", "vip", "pilot"} {
		_, err := s.UpdateDevice(ctx, id, func(d *store.Device) error {
			if !slices.Contains(d.Tags, tag) {
				d.Tags = append(d.Tags, tag)
			}
			return nil
		})
		must(t, err)
	}
	_, err := s.UpdateDevice(ctx, id, func(d *store.Device) error {
		d.Tags = slices.DeleteFunc(d.Tags, func(s string) bool { return s == "pilot" })
		return nil
	})
	must(t, err)
	record(t, s, inform(id, base.Add(time.Minute)))
	d, err := s.Device(ctx, id)
	must(t, err)
	if !slices.Equal(d.Tags, []string{"vip"}) {
		t.Fatalf("tags = %v, want [vip]", d.Tags)
	}
}

func testListDevicesPages(t *testing.T, s store.Store) {
	const n = 25
	var want []string
	for i := n - 1; i >= 0; i-- { // out of order on purpose
		record(t, s, inform(deviceID(i), base))
	}
	for i := range n {
		want = append(want, deviceID(i))
	}
	var got []string
	after, pages := "", 0
	for {
		devs, next, err := s.ListDevices(ctx, store.DeviceQuery{After: after, Limit: 10})
		must(t, err)
		pages++
		for _, d := range devs {
			got = append(got, d.ID)
		}
		if next == "" {
			if len(devs) != 5 {
				t.Fatalf("last page has %d devices, want 5", len(devs))
			}
			break
		}
		if len(devs) != 10 || next != devs[len(devs)-1].ID {
			t.Fatalf("page %d: %d devices, next %q", pages, len(devs), next)
		}
		after = next
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("pages %d, ids %v", pages, got)
	}
	// A page that ends exactly at the last device says so.
	devs, next, err := s.ListDevices(ctx, store.DeviceQuery{After: deviceID(14), Limit: 10})
	must(t, err)
	if len(devs) != 10 || next != "" {
		t.Fatalf("exact last page: %d devices, next %q", len(devs), next)
	}
	// After need not be an existing ID.
	devs, _, err = s.ListDevices(ctx, store.DeviceQuery{After: deviceID(3) + "x", Limit: 2})
	must(t, err)
	if len(devs) != 2 || devs[0].ID != deviceID(4) {
		t.Fatalf("after a non-ID: %+v", devs)
	}
	// Limit 0 means DefaultLimit, never everything.
	devs, _, err = s.ListDevices(ctx, store.DeviceQuery{})
	must(t, err)
	if len(devs) != min(n, store.DefaultLimit) {
		t.Fatalf("default limit page = %d devices", len(devs))
	}
	devs, next, err = s.ListDevices(ctx, store.DeviceQuery{After: deviceID(n - 1)})
	must(t, err)
	if len(devs) != 0 || next != "" {
		t.Fatalf("past the end: %d devices, next %q", len(devs), next)
	}
}

func testListDevicesMatch(t *testing.T, s store.Store) {
	const n = 40
	for i := range n {
		in := inform(deviceID(i), base, store.Param{Name: "Device.DeviceInfo.ModelName", Value: fmt.Sprint("model-", i%4), Type: "xsd:string"})
		if i%2 == 0 {
			in.Device.SoftwareVersion = "2.0"
		}
		record(t, s, in)
	}
	// Field and parameter conditions together: i%2==0 && i%4==0.
	match := func(d *store.Device, params func(string) (store.Param, bool)) bool {
		p, ok := params("Device.DeviceInfo.ModelName")
		return ok && p.Value == "model-0" && d.SoftwareVersion == "2.0"
	}
	var got []string
	after := ""
	for range n {
		devs, next, err := s.ListDevices(ctx, store.DeviceQuery{After: after, Limit: 3, Match: match})
		must(t, err)
		if len(devs) > 3 {
			t.Fatalf("page of %d over limit", len(devs))
		}
		for _, d := range devs {
			got = append(got, d.ID)
		}
		if next == "" {
			break
		}
		after = next
	}
	var want []string
	for i := 0; i < n; i += 4 {
		want = append(want, deviceID(i))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("matched %v, want %v", got, want)
	}
	// A parameter that a device lacks reads as absent.
	devs, _, err := s.ListDevices(ctx, store.DeviceQuery{Limit: 100, Match: func(_ *store.Device, params func(string) (store.Param, bool)) bool {
		_, ok := params("Device.Nope")
		return ok
	}})
	must(t, err)
	if len(devs) != 0 {
		t.Fatalf("match on a missing parameter returned %d devices", len(devs))
	}
	// Match stops the walk at Limit: it is not called for the whole fleet.
	calls := 0
	devs, next, err := s.ListDevices(ctx, store.DeviceQuery{Limit: 5, Match: func(*store.Device, func(string) (store.Param, bool)) bool {
		calls++
		return true
	}})
	must(t, err)
	if len(devs) != 5 || next != deviceID(4) || calls > 6 {
		t.Fatalf("limit with match: %d devices, next %q, %d Match calls", len(devs), next, calls)
	}
}

func testInvalidArguments(t *testing.T, s store.Store) {
	for _, id := range []string{"", "a\x00b"} {
		_, err := s.RecordInform(ctx, inform(id, base))
		wantErr(t, err, store.ErrInvalid, fmt.Sprintf("RecordInform(%q)", id))
	}
	record(t, s, inform(deviceID(1), base))
	_, err := s.RecordInform(ctx, inform(deviceID(1), base, store.Param{Name: "", Value: "x"}))
	wantErr(t, err, store.ErrInvalid, "empty parameter name")
	task := store.Task{Device: deviceID(1), Type: "reboot"}
	must(t, s.AddTask(ctx, &task))
	task.Status = "exploded"
	wantErr(t, s.UpdateTask(ctx, task), store.ErrInvalid, "unknown status")
	wantErr(t, s.AcquireLease(ctx, deviceID(1), "", time.Minute), store.ErrInvalid, "lease without holder")
	wantErr(t, s.AcquireLease(ctx, deviceID(1), "h", 0), store.ErrInvalid, "lease without ttl")
}
