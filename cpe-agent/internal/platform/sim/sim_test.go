package sim_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/platform/sim"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

var epoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type device struct {
	sim  *sim.Sim
	tree *model.Tree
	st   *store.Store
}

// boot builds a sim device with its tree over dir.
func boot(t *testing.T, dir string, clk clock.Clock, serial string) *device {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := sim.New(sim.Options{DataDir: dir, Clock: clk, Identity: model.Identity{SerialNumber: serial}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := platform.Registry(sm, model.ManagementDefaults{})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := model.New(context.Background(), r, model.Options{Store: st, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	d := &device{sim: sm, tree: tree, st: st}
	t.Cleanup(d.close)
	return d
}

func (d *device) close() {
	if d.tree != nil {
		d.tree.Close()
		d.st.Close()
		d.tree = nil
	}
}

func (d *device) values(t *testing.T, names ...string) map[string]string {
	t.Helper()
	pv, err := d.tree.GetParameterValues(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, p := range pv {
		m[p.Name] = p.Value
	}
	return m
}

func (d *device) uint(t *testing.T, name string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(d.values(t, name)[name], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Every value the sim produces is valid for its schema type, and the sim
// makes writable exactly what TR-181 makes writable.
func TestValuesFollowTheSchema(t *testing.T) {
	clk := clock.NewFake(epoch)
	d := boot(t, t.TempDir(), clk, "SIM1")
	clk.Advance(36 * time.Hour)
	if err := d.sim.SetLineDegradation(context.Background(), 0.5); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	schema := datamodel.TR181()
	ctx := context.Background()
	pv, err := d.tree.GetParameterValues(ctx, []string{"Device."})
	if err != nil {
		t.Fatal(err)
	}
	if len(pv) < 300 {
		t.Fatalf("only %d parameters", len(pv))
	}
	for _, p := range pv {
		n, ok := schema.Lookup(p.Name)
		if !ok {
			t.Errorf("%s: not in the schema", p.Name)
			continue
		}
		v, _ := d.tree.Value(ctx, p.Name)
		if err := n.Validate(v); err != nil {
			t.Errorf("%s = %q: %v", p.Name, v, err)
		}
		if p.Type != n.Type().Kind().String() {
			t.Errorf("%s: type %s, schema %s", p.Name, p.Type, n.Type().Kind())
		}
	}
	names, err := d.tree.GetParameterNames(ctx, "Device.", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range names {
		if strings.HasSuffix(e.Name, ".") {
			continue
		}
		n, _ := schema.Lookup(e.Name)
		if e.Writable != n.Writable() {
			t.Errorf("%s: Writable=%v, TR-181 says %v", e.Name, e.Writable, n.Writable())
		}
	}
}

// The same seed and clock give the same device; values move with the
// clock, not with how often they are read.
func TestDeterministic(t *testing.T) {
	read := func(serial string, polls int) map[string]string {
		clk := clock.NewFake(epoch)
		d := boot(t, t.TempDir(), clk, serial)
		for range polls {
			clk.Advance(24 * time.Hour / time.Duration(polls))
			d.values(t, "Device.DSL.")
		}
		m := d.values(t, "Device.DSL.", "Device.Ethernet.", "Device.DeviceInfo.UpTime", "Device.Hosts.")
		d.close()
		return m
	}
	a, b := read("SIM-A", 1), read("SIM-A", 96)
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: %q read once, %q read 96 times", k, v, b[k])
		}
	}
	c := read("SIM-B", 1)
	if c["Device.DSL.Line.1.DownstreamAttenuation"] == a["Device.DSL.Line.1.DownstreamAttenuation"] &&
		c["Device.Ethernet.Interface.1.MACAddress"] == a["Device.Ethernet.Interface.1.MACAddress"] {
		t.Error("two serial numbers gave the same device")
	}
	if a["Device.DeviceInfo.UpTime"] != "86400" {
		t.Errorf("uptime %s after a day", a["Device.DeviceInfo.UpTime"])
	}
}

// Counters grow; errored seconds drift, faster on a degraded line; the
// margins shrink with it.
func TestLineDegradation(t *testing.T) {
	clk := clock.NewFake(epoch)
	d := boot(t, t.TempDir(), clk, "SIM-L")
	ctx := context.Background()
	const es = "Device.DSL.Line.1.Stats.Total.ErroredSecs"
	bytes0 := d.uint(t, "Device.Ethernet.Interface.1.Stats.BytesSent")
	margin0 := d.uint(t, "Device.DSL.Line.1.DownstreamNoiseMargin")
	rate0 := d.uint(t, "Device.DSL.Channel.1.DownstreamCurrRate")
	clk.Advance(24 * time.Hour)
	clean := d.uint(t, es)
	if b := d.uint(t, "Device.Ethernet.Interface.1.Stats.BytesSent"); b <= bytes0 {
		t.Fatalf("counter did not grow: %d -> %d", bytes0, b)
	}
	if err := d.sim.SetLineDegradation(ctx, 0.8); err != nil {
		t.Fatal(err)
	}
	if m := d.uint(t, "Device.DSL.Line.1.DownstreamNoiseMargin"); m >= margin0 {
		t.Errorf("margin %d not below the clean %d", m, margin0)
	}
	if r := d.uint(t, "Device.DSL.Channel.1.DownstreamCurrRate"); r >= rate0 {
		t.Errorf("rate %d not below the clean %d", r, rate0)
	}
	clk.Advance(24 * time.Hour)
	degraded := d.uint(t, es) - clean
	if degraded < 10*max(clean, 1) {
		t.Errorf("errored seconds: %d on a clean day, %d on a degraded one", clean, degraded)
	}
	v := d.values(t, "Device.DSL.Line.1.Stats.")
	if v["Device.DSL.Line.1.Stats.QuarterHour.ErroredSecs"] == "" || v["Device.DSL.Line.1.Stats.Total.SeverelyErroredSecs"] == "0" {
		t.Errorf("stats %v", v)
	}
	if err := d.sim.SetLineDegradation(ctx, 1.5); err == nil {
		t.Error("degradation 1.5 accepted")
	}
}

// The simulated boot survives an agent restart and changes on reboot.
func TestBootID(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFake(epoch)
	d := boot(t, dir, clk, "SIM-B")
	id1, _ := d.sim.BootID()
	clk.Advance(time.Hour)
	d.close()
	d = boot(t, dir, clk, "SIM-B")
	id2, _ := d.sim.BootID()
	if id1 != id2 || id1 == "" {
		t.Fatalf("restart changed the boot id: %q %q", id1, id2)
	}
	if up := d.uint(t, "Device.DeviceInfo.UpTime"); up != 3600 {
		t.Fatalf("uptime %d after a restart", up)
	}
	if err := d.sim.Reboot(context.Background()); err != nil {
		t.Fatal(err)
	}
	id3, _ := d.sim.BootID()
	if id3 == id2 {
		t.Fatal("reboot kept the boot id")
	}
	if up := d.uint(t, "Device.DeviceInfo.UpTime"); up != 0 {
		t.Fatalf("uptime %d after reboot", up)
	}
	d.close()
	d = boot(t, dir, clk, "SIM-B")
	if id, _ := d.sim.BootID(); id != id3 {
		t.Fatalf("boot id not kept: %q %q", id, id3)
	}
}

// Settings written by the ACS or locally persist; a factory reset brings
// back the label values; Security.Reset resets the access point's keys.
func TestSettings(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFake(epoch)
	ctx := context.Background()
	d := boot(t, dir, clk, "SIM-S")
	label := d.values(t, "Device.WiFi.")
	if _, err := d.tree.SetParameterValues(ctx, []cwmp.ParameterValueStruct{
		{Name: "Device.WiFi.SSID.1.SSID", Value: "acs-ssid"},
		{Name: "Device.WiFi.Radio.1.Channel", Value: "11"},
	}, "k"); err != nil {
		t.Fatal(err)
	}
	if err := d.sim.LocalChange(ctx, "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "local-passphrase"); err != nil {
		t.Fatal(err)
	}
	if err := d.sim.LocalChange(ctx, "Device.WiFi.Radio.1.Channel", "0"); err == nil {
		t.Error("local change to an invalid channel accepted")
	}
	if err := d.sim.LocalChange(ctx, "Device.WiFi.Radio.2.Channel", "1"); err == nil {
		t.Error("local change of a missing radio accepted")
	}
	// Parameters the tree stores go through the tree.
	if err := d.sim.LocalChange(ctx, "Device.ManagementServer.PeriodicInformInterval", "120"); err != nil {
		t.Fatal(err)
	}
	d.close()
	d = boot(t, dir, clk, "SIM-S")
	v := d.values(t, "Device.WiFi.", "Device.ManagementServer.PeriodicInformInterval")
	pass, _ := d.tree.Value(ctx, "Device.WiFi.AccessPoint.1.Security.KeyPassphrase")
	if v["Device.WiFi.SSID.1.SSID"] != "acs-ssid" || v["Device.WiFi.Radio.1.Channel"] != "11" || pass != "local-passphrase" ||
		v["Device.ManagementServer.PeriodicInformInterval"] != "120" || v["Device.WiFi.Radio.1.ChannelsInUse"] != "11" {
		t.Fatalf("after restart: %v %q", v, pass)
	}
	if _, err := d.tree.SetParameterValues(ctx, []cwmp.ParameterValueStruct{{Name: "Device.WiFi.AccessPoint.1.Security.Reset", Value: "true"}}, "k"); err != nil {
		t.Fatal(err)
	}
	if pass, _ := d.tree.Value(ctx, "Device.WiFi.AccessPoint.1.Security.KeyPassphrase"); pass == "local-passphrase" {
		t.Fatal("Security.Reset kept the passphrase")
	}
	if err := d.sim.FactoryReset(ctx); err != nil {
		t.Fatal(err)
	}
	if got := d.values(t, "Device.WiFi.SSID.1.SSID")["Device.WiFi.SSID.1.SSID"]; got != label["Device.WiFi.SSID.1.SSID"] {
		t.Fatalf("SSID after factory reset %q, label %q", got, label["Device.WiFi.SSID.1.SSID"])
	}
}
