package dmformat

import (
	"encoding/binary"
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
	if err != nil || payload != string(w.Bytes()) {
		t.Fatalf("Unpack = %v, %v", payload, err)
	}
	r := NewReader(payload)
	if r.Uvarint() != 300 || r.Varint() != -5 || r.Byte() != 7 || r.Raw(3) != "abc" || !r.Done() || r.Err != nil {
		t.Fatal("fields do not read back")
	}
	if r.Byte(); r.Err == nil {
		t.Error("reading past the end sets no error")
	}
	if NewReader("\x05").Int(5); NewReader("\x05").Err != nil {
		t.Error("unexpected error")
	}
	lim := NewReader("\x05")
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

// FuzzReaderVarints checks the string reader's varints against
// encoding/binary, malformed and overlong encodings included.
func FuzzReaderVarints(f *testing.F) {
	for _, s := range []string{"", "\x00", "\x7f", "\x80\x01", "\xac\x02", "\x80", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
		"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", "\x09\x03"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		wantU, n := binary.Uvarint([]byte(s))
		r := NewReader(s)
		gotU := r.Uvarint()
		if (n <= 0) != (r.Err != nil) || n > 0 && (gotU != wantU || r.Pos() != n) {
			t.Errorf("Uvarint(%q) = %d at %d, %v; binary says %d, %d", s, gotU, r.Pos(), r.Err, wantU, n)
		}
		wantV, n := binary.Varint([]byte(s))
		r = NewReader(s)
		gotV := r.Varint()
		if (n <= 0) != (r.Err != nil) || n > 0 && (gotV != wantV || r.Pos() != n) {
			t.Errorf("Varint(%q) = %d at %d, %v; binary says %d, %d", s, gotV, r.Pos(), r.Err, wantV, n)
		}
	})
}
