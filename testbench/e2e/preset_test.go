package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"gatewarden/protocol/cwmp"
)

// TestPresetSendsOnlyTheDifference is acceptance item 2 for presets: a
// preset reaches every device its filter matches and no other, each
// device gets one SetParameterValues holding only the values it lacks
// (counted on the wire by the wiretaps, and by the ACS's own RPC metric),
// and once converged, further Informs get nothing.
func TestPresetSendsOnlyTheDifference(t *testing.T) {
	t.Parallel()
	const (
		ssid     = "Device.WiFi.SSID.1.SSID"
		provCode = "Device.DeviceInfo.ProvisioningCode"
		keyParam = "Device.ManagementServer.ParameterKey"
		spvSent  = `gatewarden_cwmp_rpcs_sent_total{method="SetParameterValues"}`
	)
	acs := startACS(t)
	admin := acs.api(t, "admin")
	op := acs.api(t, "operator")
	devs := startDevices(t, acs.cwmp, acs.secret, "PRE", 5)
	waitProvisioned(t, admin, devs)

	// Devices 1-4 are in the pilot; 5 is not. Some already hold part of
	// the desired state: 1 and 2 the SSID, 3 the provisioning code.
	for _, d := range devs[:4] {
		var dv deviceView
		op.do("PUT", devicePath(d.ID)+"/tags/pilot", nil, &dv, http.StatusOK)
		if !slices.Contains(dv.Tags, "pilot") {
			t.Fatalf("tagging %s: tags %v", d.ID, dv.Tags)
		}
	}
	op.setValue(devs[0].ID, ssid, "pilot-net")
	op.setValue(devs[1].ID, ssid, "pilot-net")
	op.setValue(devs[2].ID, provCode, "PILOT")
	keyBefore := op.getValues(devs[4].ID, keyParam)[keyParam].Value

	want := [][]string{{provCode}, {provCode}, {ssid}, {provCode, ssid}, nil}
	round := func(name string, want [][]string) []*cwmp.SetParameterValues {
		t.Helper()
		var keys []*cwmp.SetParameterValues
		for i, d := range devs {
			log := pokeAndWait(t, admin, d)
			spvs := delivered[*cwmp.SetParameterValues](log)
			if want[i] == nil {
				if len(spvs) != 0 {
					t.Errorf("%s: %s got %d SetParameterValues, want none:\n%s", name, d.Serial, len(spvs), describe(log))
				}
				keys = append(keys, nil)
				continue
			}
			if len(spvs) != 1 {
				t.Fatalf("%s: %s got %d SetParameterValues, want 1:\n%s", name, d.Serial, len(spvs), describe(log))
			}
			var names []string
			for _, p := range spvs[0].ParameterList {
				names = append(names, p.Name)
			}
			slices.Sort(names)
			if !slices.Equal(names, want[i]) {
				t.Errorf("%s: %s was sent %v, want only the difference %v", name, d.Serial, names, want[i])
			}
			keys = append(keys, spvs[0])
		}
		return keys
	}

	spvBefore := op.metric(spvSent)
	var pv map[string]any
	op.do("PUT", "/api/v1/presets/pilot-wifi", map[string]any{
		"filter": `tag = "pilot"`,
		"values": []map[string]string{{"name": ssid, "value": "pilot-net"}, {"name": provCode, "value": "PILOT"}},
	}, &pv, http.StatusCreated)
	if pv["name"] != "pilot-wifi" || pv["filter"] != `tag = "pilot"` {
		t.Errorf("PUT preset answered %v", pv)
	}
	applied := round("first Inform after the preset", want)
	round("second Inform after convergence", [][]string{nil, nil, nil, nil, nil})
	if n := op.metric(spvSent) - spvBefore; n != 4 {
		t.Errorf("the ACS counts %v SetParameterValues for the preset, want 4 (one per device that lacked something)", n)
	}

	// The devices hold the desired state, and the ParameterKey moved only
	// where something was sent.
	for i, d := range devs {
		got := op.getValues(d.ID, ssid, provCode, keyParam)
		if i == 4 {
			if got[ssid].Value == "pilot-net" || got[provCode].Value == "PILOT" || got[keyParam].Value != keyBefore {
				t.Errorf("%s is outside the filter but changed: %v (ParameterKey before %q)", d.Serial, got, keyBefore)
			}
			continue
		}
		if got[ssid].Value != "pilot-net" || got[provCode].Value != "PILOT" {
			t.Errorf("%s did not converge: %v", d.Serial, got)
		}
		if got[keyParam].Value != applied[i].ParameterKey {
			t.Errorf("%s reports ParameterKey %q, want the preset's %q", d.Serial, got[keyParam].Value, applied[i].ParameterKey)
		}
		if p := op.params(d.ID, ssid)[ssid]; p.Value != "pilot-net" {
			t.Errorf("%s: /parameters has %s = %q", d.Serial, ssid, p.Value)
		}
	}

	// Changing one value of the preset sends that value alone.
	op.do("PUT", "/api/v1/presets/pilot-wifi", map[string]any{
		"filter": `tag = "pilot"`,
		"values": []map[string]string{{"name": ssid, "value": "pilot-net-2"}, {"name": provCode, "value": "PILOT"}},
	}, nil, http.StatusOK)
	round("after the preset changed", [][]string{{ssid}, {ssid}, {ssid}, {ssid}, nil})
	for _, d := range devs[:4] {
		if v := op.getValues(d.ID, ssid)[ssid].Value; v != "pilot-net-2" {
			t.Errorf("%s: %s = %q after the preset changed", d.Serial, ssid, v)
		}
	}
	var list struct {
		Presets []map[string]any `json:"presets"`
	}
	op.do("GET", "/api/v1/presets", nil, &list, http.StatusOK)
	if len(list.Presets) != 1 || fmt.Sprint(list.Presets[0]["version"]) == "1" {
		t.Errorf("GET /presets: %v, want one preset at a version above 1", list.Presets)
	}
}

// TestPresetSecretNotResentAfterRead: a CPE reads a hidden parameter (a
// WiFi passphrase) back as "", so a getParameterValues of it must not
// make the ACS believe the preset's value is gone and push it again.

func TestPresetSecretNotResentAfterRead(t *testing.T) {
	t.Parallel()
	acs := startACS(t)
	admin := acs.api(t, "admin")
	devs := startDevices(t, acs.cwmp, acs.secret, "SEC", 1)
	waitProvisioned(t, admin, devs)
	d := devs[0]
	admin.do("PUT", "/api/v1/presets/wifi-key", map[string]any{"filter": "",
		"values": []map[string]string{{"name": wifiKey, "value": "preset-pass-123"}}}, nil, http.StatusCreated)
	if n := len(delivered[*cwmp.SetParameterValues](pokeAndWait(t, admin, d))); n != 1 {
		t.Fatalf("the preset was sent %d times, want 1", n)
	}
	mark := d.Tap.mark()
	if v := admin.getValues(d.ID, wifiKey)[wifiKey].Value; v != "" {
		t.Fatalf("the CPE revealed a hidden value: %q", v)
	}
	log := d.Tap.waitFor(t, mark, eventWithin, "the session of the read", func(log []exchange) bool {
		return sessionEnded(log, "")
	})
	if n := len(delivered[*cwmp.SetParameterValues](log)); n != 0 {
		t.Errorf("reading the passphrase made the ACS send the preset again (%d SetParameterValues):\n%s", n, describe(log))
	}
	if p := admin.params(d.ID, wifiKey)[wifiKey]; p.Value != "preset-pass-123" {
		t.Errorf("the ACS forgot the passphrase it set: /parameters has %q", p.Value)
	}
}
