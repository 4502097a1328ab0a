package provision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// testClock is a settable clock.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(testNow.UnixNano())
	return c
}
func (c *testClock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func newTestReconciler(m *memStore, clk *testClock, opts ReconcilerOptions) *Reconciler {
	opts.Filter.Now = clk.now
	return NewReconciler(m, m, opts)
}

func mustPut(t *testing.T, m *memStore, p store.Preset) {
	t.Helper()
	if err := ValidatePreset(&p); err != nil {
		t.Fatal(err)
	}
	if err := m.PutPreset(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
}

func values(plan Plan) []string {
	var out []string
	for _, v := range plan.Values {
		out = append(out, v.Name+"="+v.Value+":"+v.Type)
	}
	return out
}

func TestDiffSendsOnlyChanges(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	mustPut(t, m, store.Preset{
		Name:   "base",
		Filter: `productClass = "Router"`,
		Values: []store.PresetValue{
			{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "300"},
			{Name: "Device.ManagementServer.PeriodicInformEnable", Value: "true"},
			{Name: "Device.ManagementServer.PeriodicInformTime", Value: "2024-01-01T01:00:00+01:00"},
			{Name: "Device.UserInterface.TextColor", Value: "a0b1c2"},
			{Name: "Device.WiFi.SSID.1.SSID", Value: "home"},
			{Name: "Device.WiFi.SSID.2.SSID", Value: "guest"},
			{Name: "Device.DeviceInfo.X_ACME_Limit", Value: "10", Type: "int"},
		},
	})
	d := testDevice()
	// Equal modulo representation: "0300" = 300, "1" = true, the same
	// instant in another zone, hex case, "+10" = 10. Only the SSIDs differ
	// (one has another value, one is not in the cache at all).
	m.setParams(d.ID,
		"Device.ManagementServer.PeriodicInformInterval", "0300",
		"Device.ManagementServer.PeriodicInformEnable", "1",
		"Device.ManagementServer.PeriodicInformTime", "2024-01-01T00:00:00Z",
		"Device.UserInterface.TextColor", "A0B1C2",
		"Device.WiFi.SSID.1.SSID", "Home",
		"Device.DeviceInfo.X_ACME_Limit", "+10",
	)
	r := newTestReconciler(m, clk, ReconcilerOptions{})
	plan, err := r.Plan(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Device.WiFi.SSID.1.SSID=home:string", "Device.WiFi.SSID.2.SSID=guest:string"}
	if got := values(plan); !slices.Equal(got, want) {
		t.Errorf("values %v, want %v", got, want)
	}
	if len(plan.Attributes) != 0 {
		t.Errorf("attributes %v, want none", plan.Attributes)
	}
	if !strings.HasPrefix(plan.Key, "p:base@1-") || len(plan.Key) > MaxParameterKeyLength {
		t.Errorf("key %q", plan.Key)
	}
	if !slices.Equal(plan.Presets, []AppliedPreset{{"base", 1}}) || !slices.Equal(plan.Matched, plan.Presets) {
		t.Errorf("presets %v matched %v", plan.Presets, plan.Matched)
	}

	// Once the device took the values, it needs nothing.
	if err := m.SaveParams(context.Background(), d.ID, plan.AppliedParams(clk.now())); err != nil {
		t.Fatal(err)
	}
	again, err := r.Plan(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Empty() || again.Key != "" {
		t.Errorf("device in the desired state got %v (key %q)", values(again), again.Key)
	}
	if len(again.Matched) != 1 || len(again.Presets) != 0 {
		t.Errorf("matched %v presets %v", again.Matched, again.Presets)
	}
}

func TestDiffNeverReadsTheWholeDevice(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	mustPut(t, m, store.Preset{
		Name:   "p",
		Filter: `Device.DeviceInfo.ModelName = "GW" AND Device.DeviceInfo.X_ACME_Build > 3`,
		Values: []store.PresetValue{
			{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "300"},
			{Name: "Device.ManagementServer.PeriodicInformEnable", Value: "true"},
			{Name: "Device.WiFi.SSID.1.SSID", Value: "home"},
		},
	})
	d := testDevice()
	m.setParams(d.ID, "Device.DeviceInfo.ModelName", "GW", "Device.DeviceInfo.X_ACME_Build", "4")
	r := newTestReconciler(m, clk, ReconcilerOptions{})
	plan, err := r.Plan(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Values) != 3 {
		t.Errorf("values %v", values(plan))
	}
	asked := m.askedPrefixes()
	slices.Sort(asked)
	want := []string{"Device.DeviceInfo.", "Device.ManagementServer.", "Device.WiFi.SSID.1."}
	if !slices.Equal(asked, want) {
		t.Errorf("read prefixes %v, want one per object %v", asked, want)
	}
}

func TestDiffNoPresetsCostsNoParamReads(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	r := newTestReconciler(m, clk, ReconcilerOptions{})
	for range 3 {
		plan, err := r.Plan(context.Background(), testDevice())
		if err != nil || !plan.Empty() {
			t.Fatalf("plan %+v, %v", plan, err)
		}
	}
	if len(m.askedPrefixes()) != 0 {
		t.Error("read parameters with no presets")
	}
	if m.presetLoads != 1 {
		t.Errorf("loaded presets %d times within the refresh interval, want 1", m.presetLoads)
	}
}

func TestDiffMergesPresetsByName(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	mustPut(t, m, store.Preset{Name: "90-site", Filter: `tag = "pilot"`, Values: []store.PresetValue{
		{Name: "Device.WiFi.SSID.1.SSID", Value: "site"},
	}})
	mustPut(t, m, store.Preset{Name: "10-base", Values: []store.PresetValue{
		{Name: "Device.WiFi.SSID.1.SSID", Value: "base"},
		{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "600"},
	}})
	mustPut(t, m, store.Preset{Name: "50-region", Filter: `tag = "south"`, Values: []store.PresetValue{
		{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "900"},
	}})
	mustPut(t, m, store.Preset{Name: "60-tr098", Values: []store.PresetValue{
		{Name: "InternetGatewayDevice.ManagementServer.PeriodicInformInterval", Value: "1200"},
	}})
	d := testDevice() // tagged pilot and north, not south
	r := newTestReconciler(m, clk, ReconcilerOptions{})
	plan, err := r.Plan(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Device.ManagementServer.PeriodicInformInterval=600:unsignedInt", "Device.WiFi.SSID.1.SSID=site:string"}
	if got := values(plan); !slices.Equal(got, want) {
		t.Errorf("values %v, want %v", got, want)
	}
	if want := []AppliedPreset{{"10-base", 1}, {"60-tr098", 1}, {"90-site", 1}}; !slices.Equal(plan.Matched, want) {
		t.Errorf("matched %v, want %v", plan.Matched, want)
	}
	// 60-tr098 matches but has nothing for a TR-181 device.
	if want := []AppliedPreset{{"10-base", 1}, {"90-site", 1}}; !slices.Equal(plan.Presets, want) {
		t.Errorf("contributing %v, want %v", plan.Presets, want)
	}
	if !strings.HasPrefix(plan.Key, KeyPrefix) || len(plan.Key) != len(KeyPrefix)+24 {
		t.Errorf("key of a multi-preset plan %q", plan.Key)
	}

	// A TR-098 device gets only the InternetGatewayDevice values.
	igd := testDevice()
	igd.ID, igd.Root = "001122-IGD-SN2", "InternetGatewayDevice."
	plan, err = r.Plan(context.Background(), igd)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := values(plan), []string{"InternetGatewayDevice.ManagementServer.PeriodicInformInterval=1200:unsignedInt"}; !slices.Equal(got, want) {
		t.Errorf("TR-098 values %v, want %v", got, want)
	}
}

func TestDiffKey(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	p := store.Preset{Name: "wifi", Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "a"}}}
	mustPut(t, m, p)
	r := newTestReconciler(m, clk, ReconcilerOptions{})
	d := testDevice()
	first, err := r.Plan(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	same, _ := r.Plan(context.Background(), d)
	if first.Key != same.Key {
		t.Errorf("same plan, keys %q and %q", first.Key, same.Key)
	}
	p.Values[0].Value = "b"
	mustPut(t, m, p)
	r.Invalidate()
	next, _ := r.Plan(context.Background(), d)
	if next.Key == first.Key || !strings.HasPrefix(next.Key, "p:wifi@2-") {
		t.Errorf("new version: key %q after %q", next.Key, first.Key)
	}
	long := strings.Repeat("n", MaxPresetNameLength)
	mustPut(t, m, store.Preset{Name: long, Filter: `tag = "none"`, Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "a"}}})
	k := parameterKey([]AppliedPreset{{long, 1}}, []cwmp.ParameterValueStruct{{Name: "x", Value: "y"}}, func(string) bool { return false })
	if len(k) > MaxParameterKeyLength || !strings.HasPrefix(k, KeyPrefix) {
		t.Errorf("key for a long name %q", k)
	}
}

func TestDiffKeyLeavesSecretsOut(t *testing.T) {
	vals := func(pass string) []cwmp.ParameterValueStruct {
		return []cwmp.ParameterValueStruct{{Name: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", Value: pass}}
	}
	secret := func(string) bool { return true }
	ps := []AppliedPreset{{"a", 1}, {"b", 1}}
	if parameterKey(ps, vals("one-secret"), secret) != parameterKey(ps, vals("another"), secret) {
		t.Error("the key depends on a secret value")
	}
	open := func(string) bool { return false }
	if parameterKey(ps, vals("one"), open) == parameterKey(ps, vals("two"), open) {
		t.Error("the key ignores an ordinary value")
	}
}

func TestDiffCacheAndInvalidate(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	r := newTestReconciler(m, clk, ReconcilerOptions{Refresh: time.Minute})
	d := testDevice()
	if plan, _ := r.Plan(context.Background(), d); !plan.Empty() {
		t.Fatal("plan without presets")
	}
	mustPut(t, m, store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "a"}}})
	if plan, _ := r.Plan(context.Background(), d); !plan.Empty() {
		t.Error("the cached list was not used within the refresh interval")
	}
	clk.advance(time.Minute)
	if plan, _ := r.Plan(context.Background(), d); plan.Empty() {
		t.Error("a new preset unseen after the refresh interval")
	}
	if err := m.DeletePreset(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	r.Invalidate()
	if plan, _ := r.Plan(context.Background(), d); !plan.Empty() {
		t.Error("a deleted preset still applied after Invalidate")
	}
}

func TestDiffReusesCompiledPresets(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	mustPut(t, m, store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "a"}}})
	r := newTestReconciler(m, clk, ReconcilerOptions{})
	if _, err := r.Plan(context.Background(), testDevice()); err != nil {
		t.Fatal(err)
	}
	before := r.snap.Load().presets[0]
	r.Invalidate()
	if _, err := r.Plan(context.Background(), testDevice()); err != nil {
		t.Fatal(err)
	}
	if r.snap.Load().presets[0] != before {
		t.Error("an unchanged preset was compiled again")
	}
}

func TestDiffSkipsInvalidStoredPreset(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	// Stored behind the validator's back, as if the schema had changed.
	m.presets["bad"] = store.Preset{Name: "bad", Version: 1, Values: []store.PresetValue{{Name: "Device.DeviceInfo.UpTime", Value: "1"}}}
	mustPut(t, m, store.Preset{Name: "good", Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "a"}}})
	var invalid []string
	r := newTestReconciler(m, clk, ReconcilerOptions{Invalid: func(name string, err error) {
		invalid = append(invalid, name)
	}})
	plan, err := r.Plan(context.Background(), testDevice())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(invalid, []string{"bad"}) || len(plan.Values) != 1 {
		t.Errorf("invalid %v values %v", invalid, values(plan))
	}
}

func TestDiffStoreError(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	m.failPresets = errBoom
	r := newTestReconciler(m, clk, ReconcilerOptions{})
	if _, err := r.Plan(context.Background(), testDevice()); !errors.Is(err, errBoom) {
		t.Errorf("error %v, want it to wrap the store's", err)
	}
	m.failPresets = nil
	if _, err := r.Plan(context.Background(), testDevice()); err != nil {
		t.Errorf("no retry after a failed load: %v", err)
	}
}

func TestDiffAttributes(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	mustPut(t, m, store.Preset{Name: "notify", Attributes: []store.PresetAttribute{
		{Name: "Device.WiFi.SSID.1.SSID", Notification: 2},
		{Name: "Device.DeviceInfo.UpTime", Notification: 1},
	}})
	d := testDevice()
	// Without a source every desired attribute is sent.
	plan, err := newTestReconciler(m, clk, ReconcilerOptions{}).Plan(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Attributes) != 2 || plan.Key != "" || len(plan.Presets) != 1 {
		t.Fatalf("plan %+v", plan)
	}
	a := plan.Attributes[0]
	if a.Name != "Device.DeviceInfo.UpTime" || !a.NotificationChange || a.Notification != 1 {
		t.Errorf("attribute %+v", a)
	}
	// With one confirmed, only the other is sent.
	src := attrSource{"Device.DeviceInfo.UpTime": 1, "Device.WiFi.SSID.1.SSID": 0}
	plan, err = newTestReconciler(m, clk, ReconcilerOptions{Attributes: src}).Plan(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Attributes) != 1 || plan.Attributes[0].Name != "Device.WiFi.SSID.1.SSID" || plan.Attributes[0].Notification != 2 {
		t.Errorf("attributes %+v", plan.Attributes)
	}
}

func TestDiffConcurrent(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	for i := range 5 {
		mustPut(t, m, store.Preset{Name: fmt.Sprintf("p%d", i), Filter: `tag = "pilot"`,
			Values: []store.PresetValue{{Name: fmt.Sprintf("Device.WiFi.SSID.%d.SSID", i+1), Value: "x"}}})
	}
	r := newTestReconciler(m, clk, ReconcilerOptions{Refresh: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			d := testDevice()
			d.ID = fmt.Sprintf("dev-%d", g)
			for range 50 {
				plan, err := r.Plan(context.Background(), d)
				if err != nil || len(plan.Values) != 5 {
					t.Errorf("plan %v, %v", values(plan), err)
					return
				}
				clk.advance(time.Millisecond)
				if g == 0 {
					r.Invalidate()
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkPlan(b *testing.B) {
	m, clk := newMemStore(), newTestClock()
	for i := range 10 {
		p := store.Preset{Name: fmt.Sprintf("p%02d", i), Filter: `productClass = "Router" AND softwareVersion >= "2.1"`,
			Values: []store.PresetValue{
				{Name: fmt.Sprintf("Device.WiFi.SSID.%d.SSID", i+1), Value: "home"},
				{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "300"},
			}}
		if err := ValidatePreset(&p); err != nil {
			b.Fatal(err)
		}
		_ = m.PutPreset(context.Background(), &p)
	}
	d := testDevice()
	for i := range 10 {
		m.setParams(d.ID, fmt.Sprintf("Device.WiFi.SSID.%d.SSID", i+1), "home")
	}
	m.setParams(d.ID, "Device.ManagementServer.PeriodicInformInterval", "300")
	r := newTestReconciler(m, clk, ReconcilerOptions{Refresh: time.Hour})
	b.ReportAllocs()
	for b.Loop() {
		plan, err := r.Plan(context.Background(), d)
		if err != nil || !plan.Empty() {
			b.Fatal(plan, err)
		}
		m.askedPrefixes()
	}
}

// diffSeam is the tasks package's Reconciler interface, restated so this
// package need not import tasks.
type diffSeam interface {
	Diff(ctx context.Context, dev store.Device) (values []cwmp.ParameterValueStruct, key string, err error)
}

var _ diffSeam = (*Reconciler)(nil)

func TestDiffSeam(t *testing.T) {
	m, clk := newMemStore(), newTestClock()
	mustPut(t, m, store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "a"}}})
	r := newTestReconciler(m, clk, ReconcilerOptions{})
	vals, key, err := r.Diff(context.Background(), *testDevice())
	if err != nil || len(vals) != 1 || !strings.HasPrefix(key, "p:p@1-") {
		t.Fatalf("Diff = %v, %q, %v", vals, key, err)
	}
	m.setParams(testDevice().ID, "Device.WiFi.SSID.1.SSID", "a")
	vals, key, err = r.Diff(context.Background(), *testDevice())
	if err != nil || len(vals) != 0 || key != "" {
		t.Errorf("in the desired state: Diff = %v, %q, %v", vals, key, err)
	}
}
