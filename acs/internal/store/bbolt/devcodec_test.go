package bbolt

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// fullDevice sets every field of store.Device, by reflection, so that a
// field added to the struct later is set here too.
func fullDevice(t *testing.T) store.Device {
	var d store.Device
	v := reflect.ValueOf(&d).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		switch f.Interface().(type) {
		case string:
			f.SetString(name + " välue")
		case time.Time:
			f.Set(reflect.ValueOf(time.Date(2025, 3, 4, 5, 6, 7, 8+i, time.UTC)))
		case []string:
			f.Set(reflect.ValueOf([]string{name, "", "pilot"}))
		case bool:
			f.SetBool(true)
		default:
			t.Fatalf("store.Device.%s has a type the device codec does not know (%s): extend devcodec.go", name, f.Type())
		}
	}
	return d
}

func TestDeviceCodecCoversEveryField(t *testing.T) {
	d := fullDevice(t)
	var got store.Device
	if err := decodeDevice(encodeDevice(&d, reportStamp{}), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Fatalf("round trip lost a field (extend devcodec.go):\n got %+v\nwant %+v", got, d)
	}
	st := reportStamp{ok: true, time: -5, set: 1 << 63}
	back, err := decodeDeviceStamp(encodeDevice(&d, st), &got)
	if err != nil || back != st || !reflect.DeepEqual(got, d) {
		t.Fatalf("stamp round trip: %+v, %v", back, err)
	}
	// Nil and empty tags stay apart, zero times stay zero.
	for _, d := range []store.Device{{ID: "a"}, {ID: "b", Tags: []string{}}} {
		var got store.Device
		if err := decodeDevice(encodeDevice(&d, reportStamp{}), &got); err != nil || !reflect.DeepEqual(got, d) {
			t.Fatalf("round trip of %+v = %+v, %v", d, got, err)
		}
	}
}

func TestDeviceCodecReadsJSONRecords(t *testing.T) {
	d := fullDevice(t)
	raw, err := json.Marshal(&d)
	if err != nil {
		t.Fatal(err)
	}
	var got store.Device
	if err := decodeDevice(raw, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Fatalf("legacy JSON record:\n got %+v\nwant %+v", got, d)
	}
}

// FuzzDeviceCodec: stored bytes never panic the decoder, and what decodes
// re-encodes to bytes that decode the same.
func FuzzDeviceCodec(f *testing.F) {
	d := store.Device{ID: "00D09E-GW-SN1", OUI: "00D09E", Tags: []string{"x"}, LastInform: time.Unix(1700000000, 5), Provisioned: true}
	f.Add(encodeDevice(&d, reportStamp{ok: true, time: 1, set: 7}))
	f.Add(encodeDevice(&store.Device{}, reportStamp{}))
	f.Add([]byte(`{"id":"x","tags":null}`))
	f.Add([]byte{deviceVersion, 0xff})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var d store.Device
		st, err := decodeDeviceStamp(raw, &d)
		if err != nil {
			return
		}
		var again store.Device
		st2, err := decodeDeviceStamp(encodeDevice(&d, st), &again)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(normTimes(d), normTimes(again)) || st != st2 {
			t.Fatalf("round trip changed %+v %+v to %+v %+v", d, st, again, st2)
		}
	})
}

// normTimes drops time zones (the binary form keeps UTC instants).
func normTimes(d store.Device) store.Device {
	for _, t := range []*time.Time{&d.FirstSeen, &d.LastInform, &d.LastBoot} {
		if t.IsZero() {
			*t = time.Time{}
		} else {
			*t = t.UTC()
		}
	}
	return d
}
