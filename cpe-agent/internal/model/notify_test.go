package model_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/platform/sim"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// forceDefaultEnabled parameters are active until the ACS says otherwise:
// the agent setting its connection-request URL notifies at once.
func TestForcedActiveNotification(t *testing.T) {
	f := newFixture(t)
	if err := f.tree.SetLocal(f.ctx, map[string]string{"Device.ManagementServer.ConnectionRequestURL": "http://192.0.2.1:7547/x"}); err != nil {
		t.Fatal(err)
	}
	if c := f.changes(); !slices.Equal(c, []bool{true}) {
		t.Fatalf("OnValueChange %v, want one active", c)
	}
	pv, err := f.tree.InformParameters(f.ctx, []cwmp.EventCode{"4 VALUE CHANGE"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range pv {
		if p.Name == "Device.ManagementServer.ConnectionRequestURL" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("forced and changed parameter listed %d times", n)
	}
	// SetLocal goes around read-only access but not the schema's types.
	err = f.tree.SetLocal(f.ctx, map[string]string{"Device.ManagementServer.PeriodicInformInterval": "0"})
	fault(t, err, cwmp.FaultInvalidArguments)
	err = f.tree.SetLocal(f.ctx, map[string]string{"Device.DeviceInfo.UpTime": "3"})
	fault(t, err, cwmp.FaultInvalidArguments)
	if v := f.value("Device.ManagementServer.ParameterKey"); v != "" {
		t.Fatalf("SetLocal touched ParameterKey: %q", v)
	}
}

// A firmware upgrade changes SoftwareVersion (forceEnabled): the tree
// notices across the restart and reports it.
func TestPinnedChangeAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	clk := newClock()
	var calls []bool
	open := func(version string) (*model.Tree, *store.Store) {
		st, err := store.Open(filepath.Join(dir, "s.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sm, err := sim.New(sim.Options{DataDir: dir, Clock: clk, Identity: model.Identity{SerialNumber: "X1", SoftwareVersion: version}})
		if err != nil {
			t.Fatal(err)
		}
		r, err := platform.Registry(sm, model.ManagementDefaults{})
		if err != nil {
			t.Fatal(err)
		}
		tree, err := model.New(ctx, r, model.Options{Store: st, Clock: clk, OnValueChange: func(a bool) { calls = append(calls, a) }})
		if err != nil {
			t.Fatal(err)
		}
		return tree, st
	}
	tree, st := open("1.0.0")
	if tree.HasPendingChanges() || len(calls) != 0 {
		t.Fatal("first start reported a change")
	}
	tree.Close()
	st.Close()
	tree, st = open("1.0.0")
	if tree.HasPendingChanges() {
		t.Fatal("same version reported as a change")
	}
	tree.Close()
	st.Close()
	tree, st = open("1.1.0")
	defer st.Close()
	defer tree.Close()
	if !tree.HasPendingChanges() || !slices.Equal(calls, []bool{true}) {
		t.Fatalf("upgrade not reported: pending=%v calls=%v", tree.HasPendingChanges(), calls)
	}
	pv, err := tree.InformParameters(ctx, []cwmp.EventCode{"1 BOOT", "4 VALUE CHANGE"})
	if err != nil {
		t.Fatal(err)
	}
	if valueMap(pv)["Device.DeviceInfo.SoftwareVersion"] != "1.1.0" {
		t.Fatalf("Inform %v", pv)
	}
}

// Providers push what they learn (Notify); the poll finds the rest.
func TestProviderChangesAndPoll(t *testing.T) {
	f := newFixture(t)
	err := f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{
		spa("Device.Hosts.HostNumberOfEntries", 2),
		spa("Device.DSL.Line.1.DownstreamNoiseMargin", 1),
		spa("Device.Ethernet.Interface.1.Stats.BytesSent", 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	// A new host: the sim says so, the active count notifies at once.
	if err := f.sim.AddHost(f.ctx, "02:11:22:33:44:55", "192.168.1.150", "guest", true); err != nil {
		t.Fatal(err)
	}
	if c := f.changes(); !slices.Equal(c, []bool{true}) {
		t.Fatalf("after AddHost: %v", c)
	}
	// Degrading the line moves the noise margin; passive.
	if err := f.sim.SetLineDegradation(f.ctx, 0.8); err != nil {
		t.Fatal(err)
	}
	if c := f.changes(); !slices.Equal(c, []bool{false}) {
		t.Fatalf("after degradation: %v", c)
	}
	// Counters move with the clock; nobody pushes them: the poll, run by
	// Run on the tree's clock, finds them.
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- f.tree.Run(ctx) }()
	f.clk.BlockUntil(1)
	f.clk.Advance(model.DefaultPollInterval)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if c := f.changes(); len(c) > 0 {
			if !slices.Equal(c, []bool{false}) {
				t.Fatalf("poll: %v", c)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the poll reported nothing")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run: %v", err)
	}
	pv, err := f.tree.InformParameters(f.ctx, []cwmp.EventCode{"4 VALUE CHANGE"})
	if err != nil {
		t.Fatal(err)
	}
	m := valueMap(pv)
	for _, p := range []string{"Device.Hosts.HostNumberOfEntries", "Device.DSL.Line.1.DownstreamNoiseMargin", "Device.Ethernet.Interface.1.Stats.BytesSent"} {
		if _, ok := m[p]; !ok {
			t.Errorf("Inform lacks %s", p)
		}
	}
	if m["Device.Hosts.HostNumberOfEntries"] != "4" {
		t.Errorf("host count %s", m["Device.Hosts.HostNumberOfEntries"])
	}
	if err := f.tree.InformDelivered(f.ctx); err != nil {
		t.Fatal(err)
	}
	if f.tree.HasPendingChanges() {
		t.Fatal("still pending")
	}
}

// A parameter that changes again while its Inform is on the way stays
// pending.
func TestChangeDuringInform(t *testing.T) {
	f := newFixture(t)
	const ssid = "Device.WiFi.SSID.1.SSID"
	if err := f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa(ssid, 1)}); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.LocalChange(f.ctx, ssid, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tree.InformParameters(f.ctx, []cwmp.EventCode{"4 VALUE CHANGE"}); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.LocalChange(f.ctx, ssid, "b"); err != nil {
		t.Fatal(err)
	}
	if err := f.tree.InformDelivered(f.ctx); err != nil {
		t.Fatal(err)
	}
	if !f.tree.HasPendingChanges() {
		t.Fatal("the second change was lost")
	}
	pv, _ := f.tree.InformParameters(f.ctx, []cwmp.EventCode{"4 VALUE CHANGE"})
	if valueMap(pv)[ssid] != "b" {
		t.Fatalf("Inform %v", pv)
	}
}

// Watch sees ACS and local changes, outside the tree's lock.
func TestWatch(t *testing.T) {
	f := newFixture(t)
	var got []string
	f.tree.Watch("Device.ManagementServer.URL", func(v string) {
		// Reading the tree from the callback must not deadlock.
		if _, err := f.tree.Value(f.ctx, "Device.ManagementServer.URL"); err != nil {
			t.Error(err)
		}
		got = append(got, v)
	})
	f.spv("k", "Device.ManagementServer.URL", "https://acs.example.net/cwmp")
	if err := f.tree.SetLocal(f.ctx, map[string]string{"Device.ManagementServer.URL": "https://other.example.net/"}); err != nil {
		t.Fatal(err)
	}
	_, _ = f.tree.SetParameterValues(f.ctx, pvs("Device.ManagementServer.URL", "x", "Device.Nope", "1"), "k") // fails: no call
	if !slices.Equal(got, []string{"https://acs.example.net/cwmp", "https://other.example.net/"}) {
		t.Fatalf("watch calls %v", got)
	}
}

// Instances of listed tables keep their numbers; a vanished instance's
// number is never reused, across restarts too.
func TestListedInstanceNumbers(t *testing.T) {
	f := newFixture(t)
	pv, err := f.tree.GetParameterValues(f.ctx, []string{"Device.Hosts.Host.*.PhysAddress"})
	if err != nil || len(pv) != 3 {
		t.Fatalf("%v %v", pv, err)
	}
	first := pv[0].Value
	if err := f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa("Device.Hosts.Host.1.HostName", 1)}); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.RemoveHost(f.ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.AddHost(f.ctx, "02:00:00:00:00:AA", "192.168.1.200", "new", false); err != nil {
		t.Fatal(err)
	}
	got, err := f.tree.GetParameterNames(f.ctx, "Device.Hosts.Host.", true)
	if err != nil {
		t.Fatal(err)
	}
	if n := names(got); !slices.Equal(n, []string{"Device.Hosts.Host.2.", "Device.Hosts.Host.3.", "Device.Hosts.Host.4."}) {
		t.Fatalf("hosts %v", n)
	}
	if v := f.value("Device.Hosts.Host.4.PhysAddress"); v != "02:00:00:00:00:AA" {
		t.Fatalf("Host.4 is %s", v)
	}
	// The vanished host took its attributes along.
	attrs, err := f.tree.GetParameterAttributes(f.ctx, []string{"Device.Hosts."})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range attrs {
		if a.Notification != 0 {
			t.Fatalf("attribute left behind: %+v", a)
		}
	}
	// The sim rebuilds its host list when it starts (the removed host is
	// back, the added one gone): hosts it still has keep their numbers, the
	// returning one gets a new number, never its old one.
	byMAC := map[string]string{}
	pv, _ = f.tree.GetParameterValues(f.ctx, []string{"Device.Hosts.Host.*.PhysAddress"})
	for _, p := range pv {
		byMAC[p.Value] = p.Name
	}
	f.reopen()
	pv, _ = f.tree.GetParameterValues(f.ctx, []string{"Device.Hosts.Host.*.PhysAddress"})
	for _, p := range pv {
		if old, ok := byMAC[p.Value]; ok && old != p.Name {
			t.Errorf("%s moved from %s to %s", p.Value, old, p.Name)
		}
		if p.Name == "Device.Hosts.Host.1.PhysAddress" {
			t.Errorf("number 1 reused for %s", p.Value)
		}
	}
}

// One RPC at a time: concurrent readers, writers, pollers and providers
// pushing changes (run with -race).
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t)
	if err := f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa("Device.WiFi.SSID.1.SSID", 2), spa("Device.Hosts.HostNumberOfEntries", 1)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	run := func(n int, fn func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				fn(i)
			}
		}()
	}
	ctx := f.ctx
	run(30, func(int) {
		if _, err := f.tree.GetParameterValues(ctx, []string{"Device."}); err != nil {
			t.Error(err)
		}
	})
	run(30, func(i int) {
		if _, err := f.tree.SetParameterValues(ctx, pvs("Device.WiFi.SSID.1.SSID", "acs-"+itoa(uint32(i))), "k"); err != nil {
			t.Error(err)
		}
	})
	run(30, func(i int) {
		if err := f.sim.LocalChange(ctx, "Device.WiFi.SSID.1.SSID", "ui-"+itoa(uint32(i))); err != nil {
			t.Error(err)
		}
	})
	run(10, func(i int) {
		n, _, err := f.tree.AddObject(ctx, "Device.IP.Interface.", "k")
		if err != nil {
			t.Error(err)
			return
		}
		if _, err := f.tree.DeleteObject(ctx, "Device.IP.Interface."+itoa(n)+".", "k"); err != nil {
			t.Error(err)
		}
	})
	run(20, func(i int) {
		if err := f.tree.Poll(ctx); err != nil {
			t.Error(err)
		}
		f.tree.HasPendingChanges()
	})
	run(10, func(i int) {
		mac := "02:00:00:00:01:" + string("0123456789"[i])
		if err := f.sim.AddHost(ctx, mac+"0", "192.168.1.2", "h", false); err != nil {
			t.Error(err)
		}
	})
	run(20, func(int) {
		if _, err := f.tree.InformParameters(ctx, []cwmp.EventCode{"4 VALUE CHANGE"}); err != nil {
			t.Error(err)
		}
		if err := f.tree.InformDelivered(ctx); err != nil {
			t.Error(err)
		}
	})
	run(20, func(int) {
		if _, err := f.tree.GetParameterNames(ctx, "", false); err != nil {
			t.Error(err)
		}
		if _, err := f.tree.GetParameterAttributes(ctx, []string{"Device.WiFi."}); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
}

func newClock() *clock.Fake { return clock.NewFake(epoch) }
