package model_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// fakeSystem is a platform whose settings live in a map and whose setters
// can be made to fail, recording every call.
type fakeSystem struct {
	mu    sync.Mutex
	vals  map[string]string
	fail  map[string]error
	calls []string
}

func (s *fakeSystem) bind(r *model.Registry, path, initial string) {
	s.vals[path] = initial
	r.Param(path, model.GetSet(
		func(context.Context, model.Index) (string, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.vals[path], nil
		},
		func(_ context.Context, _ model.Index, v string) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.calls = append(s.calls, path+"="+v)
			if err := s.fail[path]; err != nil {
				return err
			}
			s.vals[path] = v
			return nil
		}))
}

var testIdentity = model.Identity{Manufacturer: "Test", ManufacturerOUI: "0A0B0C", ProductClass: "T", SerialNumber: "S1", HardwareVersion: "1", SoftwareVersion: "1.0"}

func newFakeTree(t *testing.T) (*model.Tree, *fakeSystem) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sys := &fakeSystem{vals: map[string]string{}, fail: map[string]error{}}
	r := model.NewRegistry()
	model.BindManagementServer(r, model.ManagementDefaults{})
	model.BindDeviceInfo(r, testIdentity)
	sys.bind(r, "Device.WiFi.Radio.{i}.Channel", "6")
	sys.bind(r, "Device.WiFi.Radio.{i}.TransmitPower", "100")
	sys.bind(r, "Device.WiFi.Radio.{i}.RegulatoryDomain", "DE ")
	r.Table("Device.WiFi.Radio.{i}.", func(context.Context, model.Index) ([]string, error) { return []string{"radio0"}, nil })
	r.Param("Device.WiFi.Reset", model.Command(func(context.Context, model.Index) error {
		sys.mu.Lock()
		defer sys.mu.Unlock()
		sys.calls = append(sys.calls, "Device.WiFi.Reset!")
		return nil
	}))
	tree, err := model.New(context.Background(), r, model.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	return tree, sys
}

// A provider failing half-way: the ones already applied get their old
// values back in reverse order, nothing persists, ParameterKey stays.
func TestSPVRollback(t *testing.T) {
	tree, sys := newFakeTree(t)
	ctx := context.Background()
	sys.fail["Device.WiFi.Radio.{i}.RegulatoryDomain"] = errors.New("driver refused")
	_, err := tree.SetParameterValues(ctx, pvs(
		"Device.ManagementServer.PeriodicInformInterval", "77",
		"Device.WiFi.Radio.1.Channel", "11",
		"Device.WiFi.Radio.1.TransmitPower", "50",
		"Device.WiFi.Radio.1.RegulatoryDomain", "US ",
	), "new-key")
	if err == nil {
		t.Fatal("no error")
	}
	var f *cwmp.Fault
	if errors.As(err, &f) {
		t.Fatalf("a plain provider error became %v; it must reach the session as an internal error", f)
	}
	want := []string{
		"Device.WiFi.Radio.{i}.Channel=11",
		"Device.WiFi.Radio.{i}.TransmitPower=50",
		"Device.WiFi.Radio.{i}.RegulatoryDomain=US ",
		"Device.WiFi.Radio.{i}.TransmitPower=100", // rollback, newest first
		"Device.WiFi.Radio.{i}.Channel=6",
	}
	if !slices.Equal(sys.calls, want) {
		t.Fatalf("setter calls:\n%s\nwant:\n%s", strings.Join(sys.calls, "\n"), strings.Join(want, "\n"))
	}
	got, err := tree.GetParameterValues(ctx, []string{"Device.WiFi.Radio.1.", "Device.ManagementServer.PeriodicInformInterval", "Device.ManagementServer.ParameterKey"})
	if err != nil {
		t.Fatal(err)
	}
	m := valueMap(got)
	if m["Device.WiFi.Radio.1.Channel"] != "6" || m["Device.WiFi.Radio.1.TransmitPower"] != "100" ||
		m["Device.ManagementServer.PeriodicInformInterval"] != "3600" || m["Device.ManagementServer.ParameterKey"] != "" {
		t.Fatalf("state after rollback: %v", m)
	}

	// A provider that blames the value answers like a schema check: 9003
	// with the parameter's own fault.
	sys.calls = nil
	sys.fail["Device.WiFi.Radio.{i}.RegulatoryDomain"] = cwmp.NewFault(cwmp.FaultInvalidParameterValue, "not a domain this radio supports")
	_, err = tree.SetParameterValues(ctx, pvs("Device.WiFi.Radio.1.Channel", "1", "Device.WiFi.Radio.1.RegulatoryDomain", "XX "), "k")
	f = fault(t, err, cwmp.FaultInvalidArguments)
	if len(f.SetParameterValuesFault) != 1 || f.SetParameterValuesFault[0].ParameterName != "Device.WiFi.Radio.1.RegulatoryDomain" || f.SetParameterValuesFault[0].FaultCode != 9007 {
		t.Fatalf("faults %+v", f.SetParameterValuesFault)
	}
	if v, _ := tree.Value(ctx, "Device.WiFi.Radio.1.Channel"); v != "6" {
		t.Fatalf("channel %s after rollback", v)
	}

	// A command runs last, and not at all when something else fails.
	sys.calls = nil
	_, err = tree.SetParameterValues(ctx, pvs("Device.WiFi.Reset", "true", "Device.WiFi.Radio.1.Channel", "2", "Device.WiFi.Radio.1.RegulatoryDomain", "XX "), "k")
	fault(t, err, cwmp.FaultInvalidArguments)
	if slices.Contains(sys.calls, "Device.WiFi.Reset!") {
		t.Fatalf("command ran in a failed request: %v", sys.calls)
	}

	// Once the provider accepts, everything lands.
	delete(sys.fail, "Device.WiFi.Radio.{i}.RegulatoryDomain")
	if _, err := tree.SetParameterValues(ctx, pvs("Device.WiFi.Radio.1.Channel", "1", "Device.WiFi.Radio.1.RegulatoryDomain", "FR "), "ok"); err != nil {
		t.Fatal(err)
	}
	if v, _ := tree.Value(ctx, "Device.ManagementServer.ParameterKey"); v != "ok" {
		t.Fatalf("key %q", v)
	}
	sys.calls = nil
	if _, err := tree.SetParameterValues(ctx, pvs("Device.WiFi.Reset", "true", "Device.WiFi.Radio.1.Channel", "3"), "ok2"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"Device.WiFi.Radio.{i}.Channel=3", "Device.WiFi.Reset!"}; !slices.Equal(sys.calls, want) {
		t.Fatalf("calls %v, want %v", sys.calls, want)
	}
	if v, _ := tree.Value(ctx, "Device.WiFi.Reset"); v != "false" {
		t.Fatalf("command reads %q", v)
	}
}

// Alias is writeOnceReadOnly: the CPE's own "cpe-" name may be replaced
// once; the ACS's name then stays.
func TestAliasWriteOnce(t *testing.T) {
	f := newFixture(t)
	const alias = "Device.IP.Interface.1.Alias"
	f.spv("k1", alias, "lan")
	_, err := f.tree.SetParameterValues(f.ctx, pvs(alias, "lan2"), "k2")
	flt := fault(t, err, cwmp.FaultInvalidArguments)
	if flt.SetParameterValuesFault[0].FaultCode != cwmp.FaultNonWritableParameter {
		t.Fatalf("second write: %+v", flt.SetParameterValuesFault)
	}
	if v := f.value(alias); v != "lan" {
		t.Fatalf("alias %q", v)
	}
}

// Bindings that contradict the schema fail at registration, all reported.
func TestRegistrationErrors(t *testing.T) {
	get := model.Get(func(context.Context, model.Index) (string, error) { return "", nil })
	set := model.GetSet(func(context.Context, model.Index) (string, error) { return "", nil }, func(context.Context, model.Index, string) error { return nil })
	list := func(context.Context, model.Index) ([]string, error) { return nil, nil }
	u := model.GetUint(func(context.Context, model.Index) (uint64, error) { return 0, nil })
	for _, c := range []struct {
		name string
		reg  func(r *model.Registry)
		want string
	}{
		{"unknown parameter", func(r *model.Registry) { r.Param("Device.DeviceInfo.Nope", get) }, "no \"Nope\""},
		{"unknown object", func(r *model.Registry) { r.Param("Device.Nope.X", get) }, "no \"Nope\""},
		{"setter on read-only", func(r *model.Registry) { r.Param("Device.DeviceInfo.UpTime", set) }, "read-only"},
		{"typed getter of another type", func(r *model.Registry) { r.Param("Device.DeviceInfo.Description", u) }, "schema type is string"},
		{"bool getter on int", func(r *model.Registry) {
			r.Param("Device.DeviceInfo.UpTime", model.GetBool(func(context.Context, model.Index) (bool, error) { return true, nil }))
		}, "boolean getter"},
		{"stored default of the wrong type", func(r *model.Registry) { r.Stored("Device.ManagementServer.PeriodicInformInterval", "soon") }, "default"},
		{"stored default out of range", func(r *model.Registry) { r.Stored("Device.ManagementServer.PeriodicInformInterval", "0") }, "default"},
		{"bound twice", func(r *model.Registry) {
			r.Param("Device.DeviceInfo.UpTime", u)
			r.Param("Device.DeviceInfo.UpTime", u)
		}, "bound twice"},
		{"object as parameter", func(r *model.Registry) { r.Param("Device.DeviceInfo.", get) }, "object"},
		{"instance number in a template", func(r *model.Registry) { r.Param("Device.IP.Interface.1.Name", get) }, "followed by {i}"},
		{"missing {i}", func(r *model.Registry) { r.Param("Device.IP.Interface.Name", get) }, "table"},
		{"{i} after a non-table", func(r *model.Registry) { r.Param("Device.DeviceInfo.{i}.UpTime", get) }, "not a table"},
		{"table not declared", func(r *model.Registry) { r.Param("Device.Ethernet.Interface.{i}.Name", get) }, "not declared"},
		{"managed read-only table", func(r *model.Registry) { r.Managed("Device.Ethernet.Interface.{i}.", model.TableHooks{}) }, "cannot add or delete"},
		{"table that is no table", func(r *model.Registry) { r.Table("Device.DeviceInfo.{i}.", list) }, "not a table"},
		{"table declared twice", func(r *model.Registry) {
			r.Table("Device.Hosts.Host.{i}.", list)
			r.Table("Device.Hosts.Host.{i}.", list)
		}, "declared twice"},
		{"command bound as getter", func(r *model.Registry) {
			r.Managed("Device.IP.Interface.{i}.", model.TableHooks{})
			r.Param("Device.IP.Interface.{i}.Reset", get)
		}, "bind it with Command"},
		{"Command on a non-command", func(r *model.Registry) {
			r.Param("Device.ManagementServer.URL", model.Command(func(context.Context, model.Index) error { return nil }))
		}, "not a command"},
		{"pinned writable", func(r *model.Registry) { r.Param("Device.ManagementServer.URL", model.Pinned("x")) }, "Pinned"},
		{"deleted parameter", func(r *model.Registry) {
			r.Table("Device.DSL.Line.{i}.", list)
			r.Param("Device.DSL.Line.{i}.StandardUsed", get)
		}, "deleted"},
		{"factory instance of a listed table", func(r *model.Registry) {
			r.Table("Device.Hosts.Host.{i}.", list)
			r.Param("Device.Hosts.Host.{i}.HostName", get)
			r.Instance("Device.Hosts.Host.1.", nil)
		}, "managed"},
		{"factory value of the wrong type", func(r *model.Registry) {
			r.Managed("Device.IP.Interface.{i}.", model.TableHooks{})
			r.Instance("Device.IP.Interface.1.", map[string]string{"Enable": "maybe"})
		}, "Enable"},
		{"factory value for no stored parameter", func(r *model.Registry) {
			r.Managed("Device.IP.Interface.{i}.", model.TableHooks{})
			r.Instance("Device.IP.Interface.1.", map[string]string{"Status": "Up"})
		}, "not a stored parameter"},
		{"factory child without parent", func(r *model.Registry) {
			r.Managed("Device.IP.Interface.{i}.", model.TableHooks{})
			r.Managed("Device.IP.Interface.{i}.IPv4Address.{i}.", model.TableHooks{})
			r.Instance("Device.IP.Interface.1.IPv4Address.1.", nil)
		}, "parent"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := model.NewRegistry()
			c.reg(r)
			st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			_, err = model.New(context.Background(), r, model.Options{Store: st})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
	// Several problems are reported together.
	r := model.NewRegistry()
	r.Param("Device.A.B", get)
	r.Param("Device.C.D", get)
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "\"A\"") || !strings.Contains(err.Error(), "\"C\"") {
		t.Fatalf("joined errors: %v", err)
	}
	// A failed binding leaves nothing behind: no spurious "table not
	// declared" for the table its path crossed.
	r = model.NewRegistry()
	r.Param("Device.IP.Interface.{i}.Nope", get)
	if err := r.Err(); err == nil || strings.Count(err.Error(), "model:") != 1 {
		t.Fatalf("got %v", err)
	}
}

// AddObject on a full table (the schema's maxEntries) is 9004; a listed
// parent's instances host managed children.
func TestAddObjectMaxEntries(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := model.NewRegistry()
	model.BindManagementServer(r, model.ManagementDefaults{})
	r.Table("Device.Ghn.Interface.{i}.", func(context.Context, model.Index) ([]string, error) { return []string{"ghn0"}, nil })
	r.Managed("Device.Ghn.Interface.{i}.SMMaskedBand.{i}.", model.TableHooks{})
	ctx := context.Background()
	tree, err := model.New(ctx, r, model.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	const table = "Device.Ghn.Interface.1.SMMaskedBand."
	for i := 1; i <= 32; i++ {
		if _, _, err := tree.AddObject(ctx, table, "k"); err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	_, _, err = tree.AddObject(ctx, table, "full")
	fault(t, err, cwmp.FaultResourcesExceeded)
	if v, _ := tree.Value(ctx, "Device.ManagementServer.ParameterKey"); v != "k" {
		t.Fatalf("key %q after a refused AddObject", v)
	}
	if v, _ := tree.Value(ctx, "Device.Ghn.Interface.1.SMMaskedBandNumberOfEntries"); v != "32" {
		t.Fatalf("count %q", v)
	}
	if _, err := tree.DeleteObject(ctx, table+"7.", "k"); err != nil {
		t.Fatal(err)
	}
	if n, _, err := tree.AddObject(ctx, table, "k"); err != nil || n != 33 {
		t.Fatalf("after a delete: %d %v", n, err)
	}
}
