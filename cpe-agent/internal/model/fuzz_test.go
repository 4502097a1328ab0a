package model_test

import (
	"errors"
	"testing"

	"gatewarden/protocol/cwmp"
)

// Names from the ACS reach path resolution unfiltered: whatever they are,
// GetParameterValues, GetParameterNames and GetParameterAttributes answer
// with a result or a 9003/9005 fault, never a panic or another error.
func FuzzParameterNames(f *testing.F) {
	for _, s := range []string{
		"", "Device.", "Device", "Device..", ".", "Device.DeviceInfo.UpTime", "Device.DeviceInfo.UpTime.",
		"Device.IP.Interface.", "Device.IP.Interface.1.", "Device.IP.Interface.01.", "Device.IP.Interface.0.",
		"Device.IP.Interface.4294967295.", "Device.IP.Interface.4294967296.", "Device.IP.Interface.*.Name",
		"Device.IP.Interface.*.", "Device.IP.*.", "Device.*.", "*", "Device.IP.Interface.{i}.Name",
		"Device.IP.Interface.[cpe-lan].", "Device.IP.Interface.[.", "Device.Hosts.Host.*.IPv4Address.*.IPAddress",
		"Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "Device.DSL.Line.1.Stats.Total.", "Device.IP.Interface.1.IPv4Address.1",
		"InternetGatewayDevice.", "Device.\x00.", "Device.ÄÖÜ.", "Device. DeviceInfo.", "Device.DeviceInfo.UpTime\n",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, name string, next bool) {
		check := func(op string, err error) {
			if err == nil {
				return
			}
			var flt *cwmp.Fault
			if !errors.As(err, &flt) || (flt.FaultCode != cwmp.FaultInvalidParameterName && flt.FaultCode != cwmp.FaultInvalidArguments) {
				t.Fatalf("%s(%q): %v", op, name, err)
			}
		}
		pv, err := fx.tree.GetParameterValues(fx.ctx, []string{name})
		check("GPV", err)
		for _, p := range pv {
			if p.Name == "" || p.Type == "" {
				t.Fatalf("GPV(%q) returned %+v", name, p)
			}
		}
		_, err = fx.tree.GetParameterNames(fx.ctx, name, next)
		check("GPN", err)
		_, err = fx.tree.GetParameterAttributes(fx.ctx, []string{name})
		check("GPA", err)
		_, err = fx.tree.Value(fx.ctx, name)
		check("Value", err)
	})
}
