package cwmpserver

import (
	"context"
	"testing"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// TestFirstSessionExtraCredentials: the MQTT lane's credentials travel in
// the same SetParameterValues as the connection-request ones.
func TestFirstSessionExtraCredentials(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.ExtraCredentials = func(_ context.Context, d *store.Device) []cwmp.ParameterValueStruct {
			if d.Root != "Device." {
				return nil
			}
			return []cwmp.ParameterValueStruct{
				{Name: "Device.MQTT.Client.1.Username", Value: d.ID, Type: "string"},
				{Name: "Device.MQTT.Client.1.Password", Value: "pw-" + d.SerialNumber, Type: "string"},
			}
		}
	})
	ctx := context.Background()
	d := h.simDevice("SN-MQTT", "Device.")
	d.Set("Device.MQTT.Client.1.Username", "", "string")
	d.Set("Device.MQTT.Client.1.Password", "", "string")
	if err := d.RunSession(ctx); err != nil {
		t.Fatal(err)
	}
	if got := d.ReceivedMethods(); len(got) != 1 || got[0] != "SetParameterValues" {
		t.Fatalf("first session requests %v, want one SetParameterValues", got)
	}
	user, _ := d.Value("Device.MQTT.Client.1.Username")
	pass, _ := d.Value("Device.MQTT.Client.1.Password")
	if user != devIDOf(d.DeviceId) || pass != "pw-SN-MQTT" {
		t.Fatalf("MQTT credentials %q/%q", user, pass)
	}
	dev, err := h.store.Device(ctx, devIDOf(d.DeviceId))
	if err != nil || !dev.Provisioned {
		t.Fatalf("device not provisioned: %+v %v", dev, err)
	}
}
