package storetest

import (
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

func testParams(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	names := []string{
		"Device.WiFi.SSID.2.SSID", "Device.WiFi.SSID.1.SSID", "Device.WiFi.SSID.10.SSID",
		"Device.IP.Interface.1.Enable", "Device.WiFiX",
	}
	var ps []store.Param
	for _, n := range names {
		ps = append(ps, store.Param{Name: n, Value: "v:" + n, Type: "xsd:string", Updated: base})
	}
	must(t, s.SaveParams(ctx, id, ps))

	got, err := s.Params(ctx, id, "Device.WiFi.")
	must(t, err)
	want := []string{"Device.WiFi.SSID.1.SSID", "Device.WiFi.SSID.10.SSID", "Device.WiFi.SSID.2.SSID"}
	if len(got) != len(want) {
		t.Fatalf("prefix Device.WiFi. = %+v", got)
	}
	for i, p := range got {
		if p.Name != want[i] || p.Value != "v:"+want[i] || p.Type != "xsd:string" {
			t.Fatalf("param %d = %+v, want %s", i, p, want[i])
		}
		sameTime(t, "Updated as given", p.Updated, base)
	}
	all, err := s.Params(ctx, id, "")
	must(t, err)
	if len(all) != len(names) {
		t.Fatalf("all params = %d, want %d", len(all), len(names))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Name >= all[i].Name {
			t.Fatalf("params not sorted by name: %s before %s", all[i-1].Name, all[i].Name)
		}
	}

	// Without Updated, SaveParams stamps now.
	before := time.Now().Add(-time.Second)
	must(t, s.SaveParams(ctx, id, []store.Param{{Name: "Device.WiFiX", Value: "new", Type: "xsd:string"}}))
	got, err = s.Params(ctx, id, "Device.WiFiX")
	must(t, err)
	if len(got) != 1 || got[0].Value != "new" || got[0].Updated.Before(before) {
		t.Fatalf("after SaveParams: %+v", got)
	}

	must(t, s.DeleteParams(ctx, id, "Device.WiFi.SSID.1."))
	got, err = s.Params(ctx, id, "Device.WiFi.")
	must(t, err)
	if len(got) != 2 || got[0].Name != "Device.WiFi.SSID.10.SSID" {
		t.Fatalf("after deleting SSID.1.: %+v", got)
	}
	must(t, s.DeleteParams(ctx, id, ""))
	got, err = s.Params(ctx, id, "")
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("after deleting all: %+v", got)
	}
	// Empty values are values.
	must(t, s.SaveParams(ctx, id, []store.Param{{Name: "Device.Empty", Value: "", Type: ""}}))
	got, err = s.Params(ctx, id, "Device.Empty")
	must(t, err)
	if len(got) != 1 || got[0].Value != "" {
		t.Fatalf("empty value: %+v", got)
	}
}
