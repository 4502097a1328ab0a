package provision

import (
	"errors"
	"strings"
	"testing"

	"gatewarden/acs/internal/store"
)

func TestValidatePresetDefaultsTypes(t *testing.T) {
	p := &store.Preset{
		Name:   "wifi-defaults",
		Filter: `productClass = "Router"`,
		Values: []store.PresetValue{
			{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "300"},
			{Name: "Device.ManagementServer.PeriodicInformEnable", Value: "1"},
			{Name: "Device.WiFi.SSID.1.SSID", Value: "home"},
			{Name: "Device.ManagementServer.PeriodicInformTime", Value: "2024-01-01T00:00:00Z", Type: "xsd:dateTime"},
			{Name: "Device.UserInterface.TextColor", Value: "a0b1c2"},
			{Name: "InternetGatewayDevice.ManagementServer.PeriodicInformInterval", Value: "600", Type: "unsignedInt"},
			{Name: "Device.DeviceInfo.X_ACME_Mode", Value: "fast", Type: "xsd:string"},
			{Name: "Device.DeviceInfo.X_ACME_Limit", Value: "010", Type: "int"},
			{Name: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", Value: "correct horse"},
		},
		Attributes: []store.PresetAttribute{
			{Name: "Device.WiFi.SSID.1.SSID", Notification: 2},
			{Name: "Device.DeviceInfo.UpTime", Notification: 1},
			{Name: "Device.DeviceInfo.SoftwareVersion", Notification: 2},
			{Name: "Device.DeviceInfo.X_ACME_Temp", Notification: 6},
		},
	}
	if err := ValidatePreset(p); err != nil {
		t.Fatal(err)
	}
	want := []string{"unsignedInt", "boolean", "string", "dateTime", "hexBinary", "unsignedInt", "string", "int", "string"}
	for i, v := range p.Values {
		if v.Type != want[i] {
			t.Errorf("values[%d] %s: type %q, want %q", i, v.Name, v.Type, want[i])
		}
	}
	if p.Values[1].Value != "1" {
		t.Errorf("value rewritten to %q; the operator's spelling is kept", p.Values[1].Value)
	}
}

func TestValidatePresetErrors(t *testing.T) {
	cases := []struct {
		name   string
		preset store.Preset
		want   []string // each must appear in the error
	}{
		{"bad name", store.Preset{Name: "a/b", Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "x"}}},
			[]string{`invalid preset "a/b": name: name may hold only letters, digits, '-', '_' and '.'`}},
		{"empty name", store.Preset{Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "x"}}},
			[]string{"name: name is empty"}},
		{"long name", store.Preset{Name: strings.Repeat("a", 65), Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "x"}}},
			[]string{"name longer than 64 characters"}},
		{"leading dot", store.Preset{Name: ".x", Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "x"}}},
			[]string{"name must start with a letter or digit"}},
		{"empty", store.Preset{Name: "p"}, []string{"values: a preset needs at least one value or attribute"}},
		{"bad filter", store.Preset{Name: "p", Filter: `productClass = `, Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "x"}}},
			[]string{"filter: col 16: expected a value after '='"}},
		{"unknown parameter", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSDI", Value: "x"}}},
			[]string{"values[0] (Device.WiFi.SSID.1.SSDI): unknown parameter (not in TR-181 2.17)"}},
		{"unknown root", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Devices.X", Value: "x"}}},
			[]string{"values[0] (Devices.X): unknown root"}},
		{"bad path", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device..X", Value: "x"}}},
			[]string{"values[0] (Device..X): invalid path at offset 7: empty segment"}},
		{"object", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.", Value: "x"}}},
			[]string{"names an object"}},
		{"object without dot", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.WiFi", Value: "x"}}},
			[]string{"values[0] (Device.WiFi): names an object"}},
		{"wildcard", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.WiFi.SSID.*.SSID", Value: "x"}}},
			[]string{"instance wildcards, {i} and aliases are not supported"}},
		{"read-only", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.DeviceInfo.UpTime", Value: "5"}}},
			[]string{"values[0] (Device.DeviceInfo.UpTime): read-only parameter"}},
		{"credentials", store.Preset{Name: "p", Values: []store.PresetValue{
			{Name: "Device.ManagementServer.Password", Value: "x"},
			{Name: "InternetGatewayDevice.ManagementServer.ConnectionRequestPassword", Value: "x"},
			{Name: "Device.ManagementServer.ConnectionRequestUsername", Value: "x"}}},
			[]string{"values[0] (Device.ManagementServer.Password): the ACS manages this credential",
				"values[1] (InternetGatewayDevice.ManagementServer.ConnectionRequestPassword): the ACS manages",
				"values[2] (Device.ManagementServer.ConnectionRequestUsername): the ACS manages"}},
		{"command", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.Ethernet.WoL.SendMagicPacket", Value: "true"}}},
			[]string{"a command parameter acts each time it is set"}},
		{"out of range", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "0"}}},
			[]string{`values[0] (Device.ManagementServer.PeriodicInformInterval): invalid parameter value "0" for unsignedInt[1:]: outside the allowed range`}},
		{"not a number", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "soon"}}},
			[]string{`invalid parameter type "soon" for unsignedInt[1:]`}},
		{"read-only enumeration", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.IP.Diagnostics.IPPing.DiagnosticsState", Value: "Complete"}}},
			[]string{"Device.IP.Diagnostics.IPPing.DiagnosticsState"}},
		{"wrong type", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "5", Type: "boolean"}}},
			[]string{`type "boolean" does not match the parameter's unsignedInt[1:]`}},
		{"unknown type", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "5", Type: "number"}}},
			[]string{`unknown type "number"`}},
		{"vendor without type", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.DeviceInfo.X_ACME_Mode", Value: "x"}}},
			[]string{"vendor parameter: give its type"}},
		{"vendor bad value", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.DeviceInfo.X_ACME_Limit", Value: "many", Type: "unsignedInt"}}},
			[]string{"value is not an unsignedInt"}},
		{"duplicate", store.Preset{Name: "p", Values: []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "a"}, {Name: "Device.WiFi.SSID.1.SSID", Value: "b"}}},
			[]string{"values[1] (Device.WiFi.SSID.1.SSID): set twice in this preset"}},
		{"notification range", store.Preset{Name: "p", Attributes: []store.PresetAttribute{{Name: "Device.WiFi.SSID.1.SSID", Notification: 7}}},
			[]string{"attributes[0] (Device.WiFi.SSID.1.SSID): notification must be 0 to 6, not 7"}},
		{"negative notification", store.Preset{Name: "p", Attributes: []store.PresetAttribute{{Name: "Device.WiFi.SSID.1.SSID", Notification: -1}}},
			[]string{"notification must be 0 to 6, not -1"}},
		{"active on canDeny", store.Preset{Name: "p", Attributes: []store.PresetAttribute{{Name: "Device.DeviceInfo.UpTime", Notification: 2}}},
			[]string{"attributes[0] (Device.DeviceInfo.UpTime): the data model lets the CPE refuse active notification here (fault 9009)"}},
		{"off on forceEnabled", store.Preset{Name: "p", Attributes: []store.PresetAttribute{{Name: "Device.DeviceInfo.SoftwareVersion", Notification: 0}}},
			[]string{"active notification is always on for this parameter"}},
		{"attribute unknown", store.Preset{Name: "p", Attributes: []store.PresetAttribute{{Name: "Device.DeviceInfo.Nope", Notification: 1}}},
			[]string{"attributes[0] (Device.DeviceInfo.Nope): unknown parameter"}},
		{"attribute twice", store.Preset{Name: "p", Attributes: []store.PresetAttribute{{Name: "Device.WiFi.SSID.1.SSID", Notification: 1}, {Name: "Device.WiFi.SSID.1.SSID", Notification: 2}}},
			[]string{"attributes[1] (Device.WiFi.SSID.1.SSID): given twice"}},
		{"every problem at once", store.Preset{Name: "p", Filter: "x", Values: []store.PresetValue{
			{Name: "Device.DeviceInfo.UpTime", Value: "1"}, {Name: "Device.WiFi.SSID.1.SSID", Value: strings.Repeat("x", 33)}}},
			[]string{"filter: col 1", "values[0] (Device.DeviceInfo.UpTime): read-only", "values[1] (Device.WiFi.SSID.1.SSID): invalid parameter value"}},
	}
	for _, c := range cases {
		p := c.preset
		err := ValidatePreset(&p)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		var pe *PresetError
		if !errors.As(err, &pe) {
			t.Errorf("%s: %T is not a *PresetError", c.name, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s:\n got: %v\nwant it to contain: %s", c.name, err, w)
			}
		}
	}
}

func TestValidatePresetKeepsSecretsOutOfErrors(t *testing.T) {
	for _, secret := range []string{"short", strings.Repeat("s", 64)} {
		p := store.Preset{Name: "p", Values: []store.PresetValue{
			{Name: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", Value: secret},
		}}
		err := ValidatePreset(&p)
		if err == nil {
			t.Fatalf("passphrase %q accepted", secret)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error quotes the secret: %v", err)
		}
	}
}
