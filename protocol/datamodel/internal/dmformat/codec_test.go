package dmformat

import (
	"bytes"
	"testing"
)

func TestPackUnpack(t *testing.T) {
	var w Writer
	w.Uvarint(300)
	w.Varint(-5)
	w.Byte(7)
	w.Raw([]byte("abc"))
	file, err := Pack(w.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	payload, err := Unpack(string(file))
	if err != nil || !bytes.Equal(payload, w.Bytes()) {
		t.Fatalf("Unpack = %v, %v", payload, err)
	}
	r := NewReader(payload)
	if r.Uvarint() != 300 || r.Varint() != -5 || r.Byte() != 7 || string(r.Raw(3)) != "abc" || !r.Done() || r.Err != nil {
		t.Fatal("fields do not read back")
	}
	if r.Byte(); r.Err == nil {
		t.Error("reading past the end sets no error")
	}
	if NewReader([]byte{5}).Int(5); NewReader([]byte{5}).Err != nil {
		t.Error("unexpected error")
	}
	lim := NewReader([]byte{5})
	if lim.Int(5); lim.Err == nil {
		t.Error("Int accepted a value at its limit")
	}
}

func TestUnpackRejectsBadFiles(t *testing.T) {
	good, _ := Pack([]byte("payload"))
	for name, f := range map[string]string{
		"empty":     "",
		"magic":     "XXXX" + string(good[4:]),
		"version":   Magic + "\x02" + string(good[5:]),
		"truncated": string(good[:len(good)-3]),
		"short":     Magic + "\x01" + "\x20" + string(good[6:]),
		"long":      Magic + "\x01" + "\x02" + string(good[6:]),
		"huge":      Magic + "\x01" + "\xff\xff\xff\xff\x0f",
	} {
		if _, err := Unpack(f); err == nil {
			t.Errorf("%s: Unpack accepted a bad file", name)
		}
	}
}
