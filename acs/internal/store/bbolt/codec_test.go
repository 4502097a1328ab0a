package bbolt

import (
	"bytes"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// FuzzParamCodec: decoding stored bytes never panics, and whatever decodes
// re-encodes to the same bytes; structured inputs round-trip.
func FuzzParamCodec(f *testing.F) {
	f.Add([]byte{}, "Device.X", "xsd:string", "value", int8(-1), int64(1_700_000_000_123_456_789))
	f.Add([]byte{0x10, 0x00, 0x00}, "", "", "", int8(0), int64(0))
	f.Add([]byte{0x13, 0x02, 0x03, 'i', 'n', 't', '4', '2'}, "Device.Y", "xsd:unsignedInt", "4294967295", int8(1), int64(-5))
	f.Add([]byte{0x14, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, "n", "t\x00", "v\xff", int8(0), int64(1))
	f.Add([]byte{0x10, 0x80}, "n", "", "", int8(1), int64(0))
	f.Fuzz(func(t *testing.T, raw []byte, name, typ, value string, writable int8, nanos int64) {
		var p store.Param
		if decodeParam(raw, &p) == nil {
			if again := appendParamAs(nil, &p, paramStamped(raw)); !bytes.Equal(again, raw) && canonicalParam(raw) {
				t.Fatalf("decode/encode changed %x to %x", raw, again)
			}
		}
		in := store.Param{Name: name, Type: typ, Value: value}
		if nanos != 0 {
			in.Updated = time.Unix(0, nanos)
		}
		switch {
		case writable > 0:
			in.Writable = boolPtr(true)
		case writable == 0:
			in.Writable = boolPtr(false)
		}
		var out store.Param
		if err := decodeParam(appendParam(nil, &in), &out); err != nil {
			t.Fatalf("round trip of %+v: %v", in, err)
		}
		if out.Type != in.Type || out.Value != in.Value || !out.Updated.Equal(in.Updated) ||
			(out.Writable == nil) != (in.Writable == nil) || (out.Writable != nil && *out.Writable != *in.Writable) {
			t.Fatalf("round trip %+v -> %+v", in, out)
		}
		// Merging an Inform's unknown writability keeps the stored one.
		stored := appendParam(nil, &in)
		inf := store.Param{Name: name, Value: "new", Updated: time.Unix(0, 1)}
		merged := mergeParam(appendParam(nil, &inf), &inf, stored)
		if err := decodeParam(merged, &out); err != nil {
			t.Fatal(err)
		}
		if out.Value != "new" || out.Type != in.Type || (out.Writable == nil) != (in.Writable == nil) {
			t.Fatalf("merge of %+v into %+v = %+v", inf, in, out)
		}
	})
}

// canonicalParam reports whether raw uses minimal varints, the only form
// appendParam writes; other encodings decode fine but re-encode shorter.
func canonicalParam(raw []byte) bool {
	var p store.Param
	if decodeParam(raw, &p) != nil {
		return false
	}
	return len(appendParamAs(nil, &p, paramStamped(raw))) == len(raw)
}

func FuzzEventCodec(f *testing.F) {
	f.Add([]byte{}, "1 BOOT", "", int64(1_700_000_000_000_000_000))
	f.Add([]byte{0x02, 0x06, '1', ' ', 'B', 'O', 'O', 'T'}, "M Download", "fw-7", int64(-1))
	f.Add([]byte{0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, "", "", int64(0))
	f.Fuzz(func(t *testing.T, raw []byte, code, key string, nanos int64) {
		var e store.Event
		_ = decodeEvent(raw, &e)
		in := store.Event{Code: code, CommandKey: key, Time: time.Unix(0, nanos)}
		var out store.Event
		if err := decodeEvent(appendEvent(nil, &in), &out); err != nil {
			t.Fatalf("round trip of %+v: %v", in, err)
		}
		if out.Code != code || out.CommandKey != key || !out.Time.Equal(in.Time) {
			t.Fatalf("round trip %+v -> %+v", in, out)
		}
	})
}

func boolPtr(b bool) *bool { return &b }
