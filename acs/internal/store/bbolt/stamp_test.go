package bbolt

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// TestReportStampKeepsUpdated walks the report stamp through its cases:
// the contract (Updated is the time of the Inform that last reported a
// parameter, or the time SaveParams gave it) must hold whatever was
// rewritten and whatever was not.
func TestReportStampKeepsUpdated(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "acs.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const id = "00D09E-GW-SN1"
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Hour) }
	inform := func(i int, params ...string) {
		t.Helper()
		in := store.Inform{Device: store.Device{ID: id, OUI: "00D09E", ProductClass: "GW", SerialNumber: "SN1"}, Time: at(i)}
		for j := 0; j < len(params); j += 2 {
			in.Params = append(in.Params, store.Param{Name: params[j], Value: params[j+1], Type: "xsd:string"})
		}
		if _, err := s.RecordInform(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, want map[string]time.Time) {
		t.Helper()
		ps, err := s.Params(ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != len(want) {
			t.Fatalf("%s: params %+v, want %d", step, ps, len(want))
		}
		for _, p := range ps {
			if w, ok := want[p.Name]; !ok || !p.Updated.Equal(w) {
				t.Fatalf("%s: %s Updated %v, want %v", step, p.Name, p.Updated, w)
			}
		}
		// A filter's lookup during ListDevices sees the same times.
		var seen time.Time
		_, _, err = s.ListDevices(ctx, store.DeviceQuery{Match: func(_ *store.Device, get func(string) (store.Param, bool)) bool {
			p, _ := get("Device.A")
			seen = p.Updated
			return true
		}})
		if err != nil {
			t.Fatal(err)
		}
		if w, ok := want["Device.A"]; ok && !seen.Equal(w) {
			t.Fatalf("%s: ListDevices lookup of Device.A Updated %v, want %v", step, seen, w)
		}
	}
	inform(1, "Device.A", "1", "Device.B", "2")
	check("first inform", map[string]time.Time{"Device.A": at(1), "Device.B": at(1)})
	inform(2, "Device.A", "1", "Device.B", "2")
	check("same values", map[string]time.Time{"Device.A": at(2), "Device.B": at(2)})
	inform(3, "Device.A", "1", "Device.B", "two")
	check("one value changed", map[string]time.Time{"Device.A": at(3), "Device.B": at(3)})
	if err := s.SaveParams(ctx, id, []store.Param{{Name: "Device.B", Value: "3", Updated: at(4)}}); err != nil {
		t.Fatal(err)
	}
	check("SaveParams", map[string]time.Time{"Device.A": at(3), "Device.B": at(4)})
	inform(5, "Device.A", "1", "Device.B", "3")
	check("reported again after SaveParams", map[string]time.Time{"Device.A": at(5), "Device.B": at(5)})
	inform(6, "Device.A", "1")
	check("B no longer reported", map[string]time.Time{"Device.A": at(6), "Device.B": at(5)})
	inform(7, "Device.A", "1", "Device.C", "5")
	check("C added", map[string]time.Time{"Device.A": at(7), "Device.B": at(5), "Device.C": at(7)})
	if _, err := s.UpdateDevice(ctx, id, func(d *store.Device) error { d.Tags = []string{"pilot"}; return nil }); err != nil {
		t.Fatal(err)
	}
	inform(8, "Device.A", "1", "Device.C", "5")
	check("after UpdateDevice", map[string]time.Time{"Device.A": at(8), "Device.B": at(5), "Device.C": at(8)})
	if err := s.DeleteParams(ctx, id, "Device.A"); err != nil {
		t.Fatal(err)
	}
	inform(9, "Device.A", "1", "Device.C", "5")
	check("after DeleteParams", map[string]time.Time{"Device.A": at(9), "Device.B": at(5), "Device.C": at(9)})

	// The point of the stamp: an Inform repeating the last one's values
	// writes none of them; one that changes a value writes that one.
	written := func(i int, params ...string) int {
		t.Helper()
		var ps []store.Param
		for j := 0; j < len(params); j += 2 {
			ps = append(ps, store.Param{Name: params[j], Value: params[j+1], Type: "xsd:string"})
		}
		pw, err := encodeParams(ps, at(i), true)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = s.db.Update(func(tx *bolt.Tx) error {
			var d store.Device
			prev, err := decodeDeviceStamp(tx.Bucket(bDevices).Get([]byte(id)), &d)
			if err != nil {
				return err
			}
			n, err = pw.report(tx, []byte(id), prev)
			if err != nil {
				return err
			}
			return tx.Bucket(bDevices).Put([]byte(id), encodeDevice(&d, reportStamp{ok: true, time: at(i).UnixNano(), set: pw.set}))
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := written(10, "Device.A", "1", "Device.C", "5"); n != 0 {
		t.Fatalf("an Inform repeating the values wrote %d parameters, want 0", n)
	}
	if n := written(11, "Device.A", "1", "Device.C", "6"); n != 1 {
		t.Fatalf("an Inform changing one value wrote %d parameters, want 1", n)
	}
	check("after the direct writes", map[string]time.Time{"Device.A": at(11), "Device.B": at(5), "Device.C": at(11)})
}
