package store

import (
	"reflect"
	"testing"
)

func TestAttributes(t *testing.T) {
	s, _ := openTemp(t)
	batch := map[string]Attributes{
		"Device.WiFi.SSID.1.SSID":            {Notification: 2},
		"Device.WiFi.SSID.1.Enable":          {Notification: 1, AccessList: []string{"Subscriber"}},
		"Device.WiFi.SSID.2.SSID":            {Notification: 6, AccessList: []string{"Subscriber", "X_VENDOR_Thing"}},
		"Device.DeviceInfo.ProvisioningCode": {Notification: 0, AccessList: []string{"Subscriber"}},
	}
	must(t, s.SaveAttributes(batch))
	got, err := s.Attributes()
	must(t, err)
	if !reflect.DeepEqual(got, batch) {
		t.Fatalf("Attributes = %v", got)
	}

	// A bad entry rejects the whole batch.
	err = s.SaveAttributes(map[string]Attributes{
		"Device.WiFi.SSID.1.SSID": {Notification: 0},
		"Device.X":                {Notification: 7},
	})
	if err == nil {
		t.Fatal("notification 7 accepted")
	}
	if got, _ := s.Attributes(); got["Device.WiFi.SSID.1.SSID"].Notification != 2 {
		t.Fatal("rejected batch was partly applied")
	}

	must(t, s.DeleteAttributes("Device.DeviceInfo.ProvisioningCode"))
	must(t, s.DeleteAttributesUnder("Device.WiFi.SSID.1."))
	got, _ = s.Attributes()
	if len(got) != 1 || got["Device.WiFi.SSID.2.SSID"].Notification != 6 {
		t.Fatalf("after deletes = %v", got)
	}
	if err := s.DeleteAttributesUnder("Device.WiFi"); err == nil {
		t.Fatal("prefix without trailing dot accepted")
	}
}
