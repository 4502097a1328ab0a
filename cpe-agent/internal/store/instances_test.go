package store

import (
	"reflect"
	"testing"
)

func TestInstanceNumbersAreNeverReused(t *testing.T) {
	s, _ := openTemp(t)
	const table = "Device.IP.Interface."
	var got []uint32
	for i := 0; i < 3; i++ {
		n, err := s.AddInstance(table)
		must(t, err)
		got = append(got, n)
	}
	if !reflect.DeepEqual(got, []uint32{1, 2, 3}) {
		t.Fatalf("instances = %v", got)
	}
	must(t, s.DeleteObject("Device.IP.Interface.3."))
	s = reopen(t, s)
	n, err := s.AddInstance(table)
	must(t, err)
	if n != 4 {
		t.Fatalf("after deleting 3 and restarting, AddInstance = %d, want 4", n)
	}
	inst, _ := s.Instances()
	if !reflect.DeepEqual(inst[table], []uint32{1, 2, 4}) {
		t.Fatalf("instances = %v", inst)
	}
	// Tables count independently.
	if n, _ := s.AddInstance("Device.WiFi.SSID."); n != 1 {
		t.Fatalf("first WiFi SSID = %d", n)
	}
}

func TestPutInstanceRaisesCounter(t *testing.T) {
	s, _ := openTemp(t)
	const table = "Device.Ethernet.Interface."
	must(t, s.PutInstance(table, 1))
	must(t, s.PutInstance(table, 7))
	must(t, s.PutInstance(table, 3)) // lower: the counter stays at 7
	if n, _ := s.NextInstance(table); n != 8 {
		t.Fatalf("NextInstance after platform instance 7 = %d", n)
	}
	inst, _ := s.Instances()
	if !reflect.DeepEqual(inst[table], []uint32{1, 3, 7}) {
		t.Fatalf("instances = %v", inst)
	}
	if err := s.PutInstance(table, 0); err == nil {
		t.Fatal("instance 0 accepted")
	}
	if err := s.PutInstance("Device.Ethernet.Interface", 1); err == nil {
		t.Fatal("table without trailing dot accepted")
	}
	if _, err := s.NextInstance(""); err == nil {
		t.Fatal("empty table accepted")
	}
}

func TestDeleteObjectRemovesSubtreeOnly(t *testing.T) {
	s, _ := openTemp(t)
	must(t, s.Update(func(tx *Tx) error {
		for _, n := range []uint32{1, 10} {
			if err := tx.PutInstance("Device.IP.Interface.", n); err != nil {
				return err
			}
		}
		if err := tx.PutInstance("Device.IP.Interface.1.IPv4Address.", 1); err != nil {
			return err
		}
		if err := tx.PutInstance("Device.IP.Interface.10.IPv4Address.", 5); err != nil {
			return err
		}
		if err := tx.SaveValues(map[string]string{
			"Device.IP.Interface.1.Alias":                   "lan",
			"Device.IP.Interface.1.IPv4Address.1.IPAddress": "192.168.1.1",
			"Device.IP.Interface.10.Alias":                  "wan",
		}); err != nil {
			return err
		}
		return tx.SaveAttributes(map[string]Attributes{
			"Device.IP.Interface.1.Status":  {Notification: 2},
			"Device.IP.Interface.10.Status": {Notification: 1},
		})
	}))

	must(t, s.DeleteObject("Device.IP.Interface.1."))

	inst, _ := s.Instances()
	want := map[string][]uint32{
		"Device.IP.Interface.":                {10},
		"Device.IP.Interface.10.IPv4Address.": {5},
	}
	if !reflect.DeepEqual(inst, want) {
		t.Fatalf("instances = %v, want %v", inst, want)
	}
	vals, _ := s.Values()
	if !reflect.DeepEqual(vals, map[string]string{"Device.IP.Interface.10.Alias": "wan"}) {
		t.Fatalf("values = %v", vals)
	}
	attrs, _ := s.Attributes()
	if _, ok := attrs["Device.IP.Interface.1.Status"]; ok || len(attrs) != 1 {
		t.Fatalf("attributes = %v", attrs)
	}
	// The table counter survives: 1 is not handed out again.
	if n, _ := s.NextInstance("Device.IP.Interface."); n != 11 {
		t.Fatalf("NextInstance = %d", n)
	}
	// Deleting what was never persisted is fine; malformed paths are not.
	must(t, s.DeleteObject("Device.IP.Interface.99."))
	for _, bad := range []string{"Device.IP.Interface.", "Device.IP.Interface.1", "Device.IP.Interface.0.", "Device.IP.Interface.x.", "1."} {
		if err := s.DeleteObject(bad); err == nil {
			t.Errorf("DeleteObject(%q) accepted", bad)
		}
	}
}
