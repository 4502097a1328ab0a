//go:build linux

package linux

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform/dsl"
	"gatewarden/cpe-agent/internal/platform/usb"
	"gatewarden/cpe-agent/internal/store"
)

// fixturePlatform is a Platform over the fixture trees, without netlink:
// the providers that read files work, the netlink ones are not read.
func fixturePlatform(t *testing.T) *Platform {
	t.Helper()
	// The fixture's /proc/net/route was captured on x86.
	p := &Platform{roots: fixture.withDefaults(), order: binary.LittleEndian, opts: Options{
		DSL: &dsl.Files{Dir: filepath.Join(t.TempDir(), "none")}, USB: &usb.Sysfs{Dir: filepath.Join(t.TempDir(), "none")},
		ResolvConf: "testdata/etc/resolv.conf", LeasesFile: "testdata/dhcp.leases",
	}}
	var err error
	if p.addrs, err = loadAddrBook(""); err != nil {
		t.Fatal(err)
	}
	if p.routes, err = loadRouteBook(""); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every binding the platform makes is valid against the TR-181 schema,
// and the file-based providers answer through a real tree.
func TestTreeOnFixtures(t *testing.T) {
	p := fixturePlatform(t)
	r := model.NewRegistry()
	p.bind(r)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	tree, err := model.New(ctx, r, model.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	vals, err := tree.GetParameterValues(ctx, []string{"Device.DeviceInfo.", "Device.Routing.", "Device.DNS.", "Device.Hosts."})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range vals {
		got[v.Name] = v.Value
	}
	for name, want := range map[string]string{
		"Device.DeviceInfo.UpTime":                               "35125",
		"Device.DeviceInfo.MemoryStatus.Total":                   "250852",
		"Device.DeviceInfo.MemoryStatus.Free":                    "122904",
		"Device.DeviceInfo.ProcessStatus.ProcessNumberOfEntries": "2", // 77 has no stat, 500's says 501
		"Device.DeviceInfo.ProcessStatus.Process.1.Command":      "procd",
		"Device.DeviceInfo.ProcessStatus.Process.2.Command":      "odd ) (name",
		"Device.Routing.Router.1.IPv4ForwardingNumberOfEntries":  "4",
		"Device.DNS.Client.ServerNumberOfEntries":                "3",
		"Device.DNS.Client.Server.3.DNSServer":                   "fe80::1%br-lan",
		"Device.Hosts.HostNumberOfEntries":                       "2",
		"Device.Hosts.Host.1.IPv4AddressNumberOfEntries":         "2",
		"Device.Hosts.Host.2.Active":                             "false",
	} {
		if got[name] != want {
			t.Errorf("%s = %q, want %q", name, got[name], want)
		}
	}
	if u := got["Device.DeviceInfo.ProcessStatus.CPUUsage"]; u != "0" {
		// 5668 busy ticks of 3704867 since boot: 0.15 %.
		t.Errorf("CPUUsage since boot = %q", u)
	}
}

func TestIdentityFromImage(t *testing.T) {
	p := fixturePlatform(t)
	p.opts.SoftwareVersionFallback = "9.9.9"
	id := p.identity(model.Identity{Manufacturer: "X"})
	if id.SoftwareVersion != "r23809-234f1a2efa" || id.HardwareVersion != "ath79/generic" || id.SerialNumber != "unknown" {
		t.Errorf("from the image: %+v", id)
	}
	p.links = newLinkSet([]linkInfo{{Index: 1, Name: "lo", Encap: "loopback"}, {Index: 2, Name: "eth0", Type: "device", Encap: "ether", MAC: "02:A0:C5:00:00:01"}})
	p.roots.Etc = t.TempDir()
	id = p.identity(model.Identity{SoftwareVersion: "cfg-1"})
	if id.SoftwareVersion != "cfg-1" || id.SerialNumber != "02A0C5000001" || id.HardwareVersion != "unknown" {
		t.Errorf("from config and MAC: %+v", id)
	}
	id = p.identity(model.Identity{})
	if id.SoftwareVersion != "9.9.9" {
		t.Errorf("fallback: %+v", id)
	}
}
